"""Export Project XML (`content=project_xml`): the bytes REDCap 15.7.6 writes, for small projects.

The expected texts are written out here by hand from REDCap's writer (V15 `Classes/ODM.php`
getOdmOpeningTag, getOdmMetadata, getOdmCodeList, getOdmRangeCheck, getOdmClinicalData; `Classes/
Project.php` getProjectXML; `API/project_xml/export.php`), and checked against two real exports: a
REDCap 14.0.10 API export (the Clojure client Big-Data-Causality/redcap's README: the `int`
validation name, the Form Status group, the MyCap and multi-language groups of a project without them)
and PyCap's `test_long_project.xml` (REDCap 15.2.1), whose ClinicalData the fake writes again byte for
byte from the project it makes of that file. Only the time of the export (CreationDateTime,
AsOfDateTime, the MetaDataVersion OID) is masked.
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState, create_app

TOKEN = "C0FFEE00C0FFEE00C0FFEE00C0FFEE00"  # a user with No Access export rights: project_xml ignores them
NO_API = "C0FFEE11C0FFEE11C0FFEE11C0FFEE11"
DAG_USER = "C0FFEE22C0FFEE22C0FFEE22C0FFEE22"
LOGGER = "C0FFEE33C0FFEE33C0FFEE33C0FFEE33"
PYCAP = Path(__file__).resolve().parent / "data" / "pycap"

TINY = """\
project: {project_id: 77, title: "Tiny & Co"}
redcap_version: "15.7.6"
fields:
  - {name: rid, form: intake, type: text, label: Record ID}
  - {name: color, form: intake, type: radio, label: "Favourite <b>colour</b>",
     choices: "1, Red | 22, Blue & green"}
  - {name: pets, form: intake, type: checkbox, label: Pets, choices: "1, Cat | 2, Dog",
     section_header: Animals}
  - {name: seen, form: intake, type: text, validation: datetime_ymd, label: Seen}
  - {name: weight, form: visit, type: text, validation: number, validation_min: "1", label: Weight, note: kg,
     required: true}
  - {name: scan, form: visit, type: file, label: Scan}
dags:
  - {name: North}
users:
  - {username: reader, token: C0FFEE00C0FFEE00C0FFEE00C0FFEE00, data_export: no_access}
  - {username: no_api, token: C0FFEE11C0FFEE11C0FFEE11C0FFEE11, data_export: full, api_export: false}
  - {username: northern, token: C0FFEE22C0FFEE22C0FFEE22C0FFEE22, data_export: full, dag: north}
  - {username: logger, token: C0FFEE33C0FFEE33C0FFEE33C0FFEE33, data_export: full, rights: {logging: 1}}
records:
  - record: "1"
    dag: north
    values: {color: "22", pets___2: "1", seen: "2025-01-02 03:04", intake_complete: "2", weight: "70.5"}
    files: {scan: {text: "hi\\n", name: "s&t.txt", mime: text/plain}}
  - record: "2"
    values: {color: "1"}
"""

OPENING = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n'
    '<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:redcap="https://projectredcap.org" '
    'xsi:schemaLocation="http://www.cdisc.org/ns/odm/v1.3 schema/odm/ODM1-3-1.xsd" ODMVersion="1.3.1" '
    'FileOID="000-00-0000" FileType="Snapshot" Description="Tiny &amp; Co" AsOfDateTime="NOW" '
    'CreationDateTime="NOW" SourceSystem="REDCap" SourceSystemVersion="15.7.6">\n'
)

# MultiLanguage::getProjectSettings for a project without languages, PHP-serialized (a real 14.0.10
# export's settings attribute decodes to the same array, its version and project id aside).
MLM = (
    'a:23:{s:7:"version";s:6:"15.7.6";s:5:"langs";a:0:{}s:9:"projectId";s:2:"77";s:15:"designatedField";'
    's:0:"";s:6:"status";s:3:"dev";s:5:"debug";b:0;s:13:"admin-enabled";b:0;s:14:"admin-disabled";b:0;'
    's:15:"allow-from-file";b:0;s:18:"allow-from-scratch";b:0;s:21:"optional-subscription";b:0;'
    's:18:"allow-ui-overrides";b:0;s:7:"refLang";s:0:"";s:12:"fallbackLang";s:0:"";s:8:"disabled";b:0;'
    's:25:"highlightMissingDataentry";b:0;s:22:"highlightMissingSurvey";b:0;s:21:"autoDetectBrowserLang";b:0;'
    's:12:"alertSources";a:0:{}s:10:"asiSources";a:0:{}s:14:"excludedAlerts";a:0:{}s:14:"excludedFields";'
    'a:0:{}s:16:"excludedSettings";a:0:{}}'
)

ATTRIBUTES = [
    ("RecordAutonumberingEnabled", "0"),
    ("CustomRecordLabel", ""),
    ("SecondaryUniqueField", ""),
    ("SecondaryUniqueFieldDisplayValue", "1"),
    ("SecondaryUniqueFieldDisplayLabel", "1"),
    ("SchedulingEnabled", "0"),
    ("SurveysEnabled", "0"),
    ("SurveyInvitationEmailField", ""),
    ("RandomizationEnabled", "0"),
    ("DisplayTodayNowButton", "1"),
    ("PreventBranchingEraseValues", "0"),
    ("RequireChangeReason", "0"),
    ("DataHistoryPopup", "1"),
    ("OrderRecordsByField", ""),
    ("taskCompleteStatus", "0"),
    ("DataResolutionWorkflowEnabled", "1"),
    ("FieldCommentLogOptionEditDelete", "1"),
    ("DataResolutionWorkflowHideClosedQueries", "1"),
    ("MyCapEnabled", "0"),
    ("Purpose", "0"),
    ("PurposeOther", ""),
    ("ProjectNotes", ""),
    ("SurveyQueueCustomText", ""),
    ("SurveyQueueHide", "0"),
    ("SurveyAuthEnabled", "0"),
    ("SurveyAuthField1", ""),
    ("SurveyAuthEvent1", ""),
    ("SurveyAuthField2", ""),
    ("SurveyAuthEvent2", ""),
    ("SurveyAuthField3", ""),
    ("SurveyAuthEvent3", ""),
    ("SurveyAuthMinFields", ""),
    ("SurveyAuthApplyAllSurveys", "1"),
    ("SurveyAuthCustomMessage", ""),
    ("SurveyAuthFailLimit", ""),
    ("SurveyAuthFailWindow", ""),
    ("DataMartProjectEnabled", "0"),
    ("DatamartAllowRepeatRevision", "0"),
    ("DatamartAllowCreateRevision", "0"),
    ("DatamartCronEnabled", "0"),
    ("HideFilledForms", "1"),
    ("HideDisabledForms", "0"),
    ("MissingDataCodes", ""),
    ("ProtectedEmailMode", "0"),
    ("ProtectedEmailModeCustomText", ""),
    ("ProtectedEmailModeTrigger", "ALL"),
    ("ProtectedEmailModeLogo", ""),
]

GLOBALS = (
    '<Study OID="Project.TinyCo">\n<GlobalVariables>\n'
    "\t<StudyName>Tiny &amp; Co</StudyName>\n"
    "\t<StudyDescription>This file contains the metadata, events, and data for REDCap project "
    '"Tiny &amp; Co".'
    "</StudyDescription>\n"
    "\t<ProtocolName>Tiny &amp; Co</ProtocolName>\n"
    + "".join(f"\t<redcap:{tag}>{value}</redcap:{tag}>\n" for tag, value in ATTRIBUTES)
    + '\t<redcap:DataAccessGroupsGroup>\n\t\t<redcap:DataAccessGroups group_name="North"/>\n'
    "\t</redcap:DataAccessGroupsGroup>\n"
    "\t<redcap:MycapProjectsGroup>\n\t\t<redcap:MycapProjects/>\n\t</redcap:MycapProjectsGroup>\n"
    "\t<redcap:MycapThemesGroup>\n\t\t<redcap:MycapThemes/>\n\t</redcap:MycapThemesGroup>\n"
    "\t<redcap:MultilanguageSettingsGroup>\n"
    f'\t\t<redcap:MultilanguageSettings settings="{base64.b64encode(MLM.encode()).decode()}"/>\n'
    "\t</redcap:MultilanguageSettingsGroup>\n"
    "</GlobalVariables>\n"
)


def _ref(oid: str, mandatory: str = "No", variable: str | None = None) -> str:
    return f'\t\t<ItemRef ItemOID="{oid}" Mandatory="{mandatory}" redcap:Variable="{variable or oid}"/>\n'


def _status_def(form: str) -> str:
    return (
        f'\t<ItemDef OID="{form}_complete" Name="{form}_complete" DataType="text" Length="1" '
        f'redcap:Variable="{form}_complete" redcap:FieldType="select" redcap:SectionHeader="Form Status">\n'
        "\t\t<Question><TranslatedText>Complete?</TranslatedText></Question>\n"
        f'\t\t<CodeListRef CodeListOID="{form}_complete.choices"/>\n\t</ItemDef>\n'
    )


def _status_list(form: str) -> str:
    items = "".join(
        f'\t\t<CodeListItem CodedValue="{code}"><Decode><TranslatedText>{label}</TranslatedText></Decode>'
        "</CodeListItem>\n"
        for code, label in (("0", "Incomplete"), ("1", "Unverified"), ("2", "Complete"))
    )
    return (
        f'\t<CodeList OID="{form}_complete.choices" Name="{form}_complete" DataType="text" '
        f'redcap:Variable="{form}_complete">\n{items}\t</CodeList>\n'
    )


def _checkbox_def(oid: str) -> str:
    return (
        f'\t<ItemDef OID="{oid}" Name="{oid}" DataType="boolean" Length="1" redcap:Variable="pets" '
        'redcap:FieldType="checkbox" redcap:SectionHeader="Animals">\n'
        f"\t\t<Question><TranslatedText>Pets</TranslatedText></Question>\n"
        f'\t\t<CodeListRef CodeListOID="{oid}.choices"/>\n\t</ItemDef>\n'
    )


def _checkbox_list(oid: str) -> str:
    return (
        f'\t<CodeList OID="{oid}.choices" Name="{oid}" DataType="boolean" redcap:Variable="pets" '
        'redcap:CheckboxChoices="1, Cat | 2, Dog">\n'
        '\t\t<CodeListItem CodedValue="1"><Decode><TranslatedText>Checked</TranslatedText></Decode>'
        "</CodeListItem>\n"
        '\t\t<CodeListItem CodedValue="0"><Decode><TranslatedText>Unchecked</TranslatedText></Decode>'
        "</CodeListItem>\n\t</CodeList>\n"
    )


def metadata_version(dags: bool) -> str:
    dag_ref = _ref("redcap_data_access_group") if dags else ""
    dag_def = (
        '\t<ItemDef OID="redcap_data_access_group" Name="redcap_data_access_group" DataType="text" '
        'Length="999" '
        'redcap:Variable="redcap_data_access_group">\n'
        "\t\t<Question><TranslatedText>Data Access Group</TranslatedText></Question>\n\t</ItemDef>\n"
        if dags
        else ""
    )
    range_text = (
        "The value you provided is outside the suggested range (1 - no limit). This value is admissible, "
        "but you may wish to double check it."
    )
    return (
        '<MetaDataVersion OID="Metadata.TinyCo_NOW" Name="Tiny &amp; Co" redcap:RecordIdField="rid">\n'
        '\t<FormDef OID="Form.intake" Name="Intake" Repeating="No" redcap:FormName="intake">\n'
        '\t\t<ItemGroupRef ItemGroupOID="intake.rid" Mandatory="No"/>\n'
        '\t\t<ItemGroupRef ItemGroupOID="intake.pets___1" Mandatory="No"/>\n'
        '\t\t<ItemGroupRef ItemGroupOID="intake.seen" Mandatory="No"/>\n'
        '\t\t<ItemGroupRef ItemGroupOID="intake.intake_complete" Mandatory="No"/>\n'
        "\t</FormDef>\n"
        '\t<FormDef OID="Form.visit" Name="Visit" Repeating="No" redcap:FormName="visit">\n'
        '\t\t<ItemGroupRef ItemGroupOID="visit.weight" Mandatory="No"/>\n'
        '\t\t<ItemGroupRef ItemGroupOID="visit.visit_complete" Mandatory="No"/>\n'
        "\t</FormDef>\n"
        '\t<ItemGroupDef OID="intake.rid" Name="Intake" Repeating="No">\n'
        + _ref("rid")
        + dag_ref
        + _ref("color")
        + "\t</ItemGroupDef>\n"
        '\t<ItemGroupDef OID="intake.pets___1" Name="Animals" Repeating="No">\n'
        + _ref("pets___1", variable="pets")
        + _ref("pets___2", variable="pets")
        + "\t</ItemGroupDef>\n"
        '\t<ItemGroupDef OID="intake.seen" Name="Intake" Repeating="No">\n'
        + _ref("seen")
        + "\t</ItemGroupDef>\n"
        '\t<ItemGroupDef OID="intake.intake_complete" Name="Form Status" Repeating="No">\n'
        + _ref("intake_complete")
        + "\t</ItemGroupDef>\n"
        '\t<ItemGroupDef OID="visit.weight" Name="Visit" Repeating="No">\n'
        + _ref("weight", "Yes")
        + _ref("scan")
        + "\t</ItemGroupDef>\n"
        '\t<ItemGroupDef OID="visit.visit_complete" Name="Form Status" Repeating="No">\n'
        + _ref("visit_complete")
        + "\t</ItemGroupDef>\n"
        '\t<ItemDef OID="rid" Name="rid" DataType="text" Length="999" redcap:Variable="rid" '
        'redcap:FieldType="text">\n'
        "\t\t<Question><TranslatedText>Record ID</TranslatedText></Question>\n\t</ItemDef>\n"
        + dag_def
        + '\t<ItemDef OID="color" Name="color" DataType="text" Length="2" redcap:Variable="color" '
        'redcap:FieldType="radio">\n'
        "\t\t<Question><TranslatedText>Favourite colour</TranslatedText><redcap:FormattedTranslatedText>"
        "Favourite &lt;b&gt;colour&lt;/b&gt;</redcap:FormattedTranslatedText></Question>\n"
        '\t\t<CodeListRef CodeListOID="color.choices"/>\n\t</ItemDef>\n'
        + _checkbox_def("pets___1")
        + _checkbox_def("pets___2")
        + '\t<ItemDef OID="seen" Name="seen" DataType="partialDatetime" Length="999" redcap:Variable="seen" '
        'redcap:FieldType="text" redcap:TextValidationType="datetime_ymd">\n'
        "\t\t<Question><TranslatedText>Seen</TranslatedText></Question>\n\t</ItemDef>\n"
        + _status_def("intake")
        + '\t<ItemDef OID="weight" Name="weight" DataType="float" Length="999" SignificantDigits="1" '
        'redcap:Variable="weight" redcap:FieldType="text" redcap:TextValidationType="float" '
        'redcap:FieldNote="kg" '
        'redcap:RequiredField="y">\n'
        "\t\t<Question><TranslatedText>Weight</TranslatedText></Question>\n"
        '\t\t<RangeCheck Comparator="GE" SoftHard="Soft">\n\t\t\t<CheckValue>1</CheckValue>\n'
        f"\t\t\t<ErrorMessage><TranslatedText>{range_text}</TranslatedText></ErrorMessage>\n\t\t</RangeCheck>\n"
        "\t</ItemDef>\n"
        '\t<ItemDef OID="scan" Name="scan" DataType="text" Length="999" redcap:Variable="scan" '
        'redcap:FieldType="file">\n'
        "\t\t<Question><TranslatedText>Scan</TranslatedText></Question>\n\t</ItemDef>\n"
        + _status_def("visit")
        + '\t<CodeList OID="color.choices" Name="color" DataType="text" redcap:Variable="color">\n'
        '\t\t<CodeListItem CodedValue="1"><Decode><TranslatedText>Red</TranslatedText></Decode>'
        "</CodeListItem>\n"
        '\t\t<CodeListItem CodedValue="22"><Decode><TranslatedText>Blue &amp; green</TranslatedText></Decode>'
        "</CodeListItem>\n\t</CodeList>\n"
        + _checkbox_list("pets___1")
        + _checkbox_list("pets___2")
        + _status_list("intake")
        + _status_list("visit")
        + "</MetaDataVersion>\n</Study>\n"
    )


def _data(oid: str, value: str) -> str:
    return f'\t\t\t\t\t<ItemData ItemOID="{oid}" Value="{value}"/>\n'


def _group(oid: str, *items: str) -> str:
    return (
        f'\t\t\t\t<ItemGroupData ItemGroupOID="{oid}" ItemGroupRepeatKey="1">\n'
        + "".join(items)
        + ("\t\t\t\t</ItemGroupData>\n")
    )


def _form(form: str, *groups: str) -> str:
    return (
        f'\t\t\t<FormData FormOID="Form.{form}" FormRepeatKey="1">\n'
        + "".join(groups)
        + "\t\t\t</FormData>\n"
    )


def _subject(record: str, *forms: str) -> str:
    return (
        f'\t<SubjectData SubjectKey="{record}" redcap:RecordIdField="rid">\n'
        + "".join(forms)
        + "\t</SubjectData>\n"
    )


SCAN = (
    '\t\t\t\t\t<ItemDataBase64Binary ItemOID="scan" redcap:DocName="s&amp;t.txt" '
    'redcap:MimeType="text/plain">'
    "<![CDATA[aGkK]]></ItemDataBase64Binary>\n"
)


def record_1(dag: str = "", scan: str = "") -> str:
    return _subject(
        "1",
        _form(
            "intake",
            _group("intake.rid", _data("rid", "1"), dag, _data("color", "22")),
            _group("intake.pets___1", _data("pets___1", "0"), _data("pets___2", "1")),
            _group("intake.seen", _data("seen", "2025-01-02T03:04")),
            _group("intake.intake_complete", _data("intake_complete", "2")),
        ),
        _form(
            "visit",
            _group("visit.weight", _data("weight", "70.5"), scan),
            _group("visit.visit_complete", _data("visit_complete", "0")),
        ),
    )


RECORD_2 = _subject(
    "2",
    _form(
        "intake",
        _group("intake.rid", _data("rid", "2"), _data("color", "1")),
        _group("intake.pets___1", _data("pets___1", "0"), _data("pets___2", "0")),
        _group("intake.intake_complete", _data("intake_complete", "0")),
    ),
    _form("visit", _group("visit.visit_complete", _data("visit_complete", "0"))),
)
CLINICAL = '<ClinicalData StudyOID="Project.TinyCo" MetaDataVersionOID="Metadata.TinyCo_NOW">\n'


@pytest.fixture
def tiny(tmp_path: Path) -> FlaskClient:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return create_app(FakeState([path])).test_client()


def _masked(body: bytes) -> str:
    text = body.decode("utf-8")
    text = re.sub(r'DateTime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"', 'DateTime="NOW"', text)
    return re.sub(r"Metadata\.TinyCo_\d{4}-\d\d-\d\d_\d{4}", "Metadata.TinyCo_NOW", text)


def _export(client: FlaskClient, token: str = TOKEN, **params: str) -> tuple[int, str, str]:
    answer = client.post("/api/", data={"token": token, "content": "project_xml", **params})
    return answer.status_code, answer.headers["Content-Type"], _masked(answer.data)


def test_metadata_and_data_of_a_small_classic_project(tiny: FlaskClient) -> None:
    """A No Access user exports it all (export.php reads their rights only for the DAG); without
    exportFiles the file field is left out; blank values are left out; checkbox and form status zeros
    stay; a datetime gets its T; the document ends `</ODM>` with no newline."""
    status, content_type, body = _export(tiny)
    assert (status, content_type) == (200, "text/xml; charset=utf-8")
    expected = OPENING + GLOBALS + metadata_version(False) + CLINICAL + record_1() + RECORD_2
    assert body == expected + "</ClinicalData>\n</ODM>"


@pytest.mark.parametrize("value", ["1", "true", "TRUE"])
def test_return_metadata_only(tiny: FlaskClient, value: str) -> None:
    assert (
        _export(tiny, returnMetadataOnly=value)[2] == OPENING + GLOBALS + metadata_version(False) + "</ODM>"
    )


def test_export_files_writes_each_file_as_base64_in_cdata(tiny: FlaskClient) -> None:
    """The name goes through RCView::escape, the bytes base64 in CDATA (ODM.php:1650-1656)."""
    body = _export(tiny, exportFiles="1")[2]
    assert body.endswith(CLINICAL + record_1(scan=SCAN) + RECORD_2 + "</ClinicalData>\n</ODM>")


def test_export_data_access_groups_adds_the_item_and_its_definition(tiny: FlaskClient) -> None:
    body = _export(tiny, exportDataAccessGroups="true")[2]
    dag = _data("redcap_data_access_group", "north")
    assert body == (
        OPENING
        + GLOBALS
        + metadata_version(True)
        + CLINICAL
        + record_1(dag=dag)
        + RECORD_2
        + "</ClinicalData>\n</ODM>"
    )


def test_a_dag_member_exports_only_their_dags_records(tiny: FlaskClient) -> None:
    body = _export(tiny, DAG_USER)[2]
    assert body.endswith(CLINICAL + record_1() + "</ClinicalData>\n</ODM>")


def test_records_and_filter_logic_choose_the_records(tiny: FlaskClient) -> None:
    assert _export(tiny, **{"records[0]": "2"})[2].endswith(CLINICAL + RECORD_2 + "</ClinicalData>\n</ODM>")
    assert _export(tiny, filterLogic="[color] = '1'")[2].endswith(
        CLINICAL + RECORD_2 + "</ClinicalData>\n</ODM>"
    )
    assert _export(tiny, **{"records[0]": "99"})[2].endswith(CLINICAL + "</ClinicalData>\n</ODM>")


def test_fields_keep_the_order_given(tiny: FlaskClient) -> None:
    """orderFieldsAsSpecified (Project.php:2373): the row's columns in the order given (Records.php
    :3403-3520), so `seen` opens the form and its group, and the record ID, in the same section, joins it."""
    body = _export(tiny, **{"fields[0]": "seen", "fields[1]": "rid", "records[0]": "1"})[2]
    assert body.endswith(
        CLINICAL
        + _subject(
            "1",
            _form(
                "intake",
                _group("intake.seen", _data("seen", "2025-01-02T03:04"), _data("rid", "1")),
            ),
        )
        + "</ClinicalData>\n</ODM>"
    )


def test_the_content_type_follows_format(tiny: FlaskClient) -> None:
    """sendResponse(200, $content, $format): the XML labelled as the format asked."""
    assert _export(tiny, format="json")[:2] == (200, "application/json; charset=utf-8")
    assert _export(tiny, format="csv")[:2] == (200, "text/csv; charset=utf-8")


@pytest.mark.parametrize(
    ("params", "what"),
    [
        ({"format": "odm"}, "content=project_xml&format=odm"),
        ({"fields[0]": "color"}, "content=project_xml with fields that leave out the record ID field"),
    ],
)
def test_what_the_fake_does_not_write_answers_not_implemented(
    tiny: FlaskClient, params: dict[str, str], what: str
) -> None:
    answer = tiny.post("/api/", data={"token": TOKEN, "content": "project_xml", **params})
    assert answer.status_code == 400
    assert answer.headers["X-Fake-REDCap-Not-Implemented"] == what


def test_api_export_is_needed_and_the_export_is_logged(tiny: FlaskClient) -> None:
    answer = tiny.post("/api/", data={"token": NO_API, "content": "project_xml"})
    assert (answer.status_code, answer.data) == (
        403,
        b'<?xml version="1.0" encoding="UTF-8" ?><hash><error>You do not have API Export privileges'
        b"</error></hash>",
    )
    assert _export(tiny)[0] == 200
    log = tiny.post("/api/", data={"token": LOGGER, "content": "log", "format": "json", "logtype": "manage"})
    newest = (log.json or [{}])[0]
    assert (newest["username"], newest["action"], newest["details"]) == (
        "reader",
        "Manage/Design ",  # Logging::renderLogRow's text, as the log export shows it
        "Export project XML (API)",
    )


@pytest.mark.parametrize("name", ["test_long_project", "test_simple_project", "doctest_project"])
def test_pycaps_real_clinical_data_is_written_again_byte_for_byte(name: str) -> None:
    """PyCap's test projects are REDCap exports (15.2.1 and 11.2.3; two arms, a repeating instrument,
    checkbox matrices, sections whose first field is blank, DAG assignments): loaded as a fixture, the
    fake's export has the same ClinicalData, but for the StudyOID and MetaDataVersionOID, which name the
    time. Two carry their records' DAGs and one a file: they are exported with exportDataAccessGroups and
    exportFiles."""
    source = PYCAP / f"{name}.xml"
    original = source.read_text(encoding="utf-8")
    state = FakeState([source])
    client = create_app(state).test_client()
    data = {"token": state.projects[0].users[0].token, "content": "project_xml"}
    if "redcap_data_access_group" in original:
        data["exportDataAccessGroups"] = "1"
    if "ItemDataBase64Binary" in original:
        data["exportFiles"] = "1"
    answer = client.post("/api/", data=data)

    def clinical(text: str) -> str:
        found = re.search(r"<ClinicalData [^>]*>\n(.*</ClinicalData>\n)", text, re.S)
        assert found is not None
        return found.group(1)

    assert clinical(answer.data.decode()) == clinical(original)


def test_pycaps_real_item_and_code_list_definitions_are_written_again() -> None:
    """The same file's ItemDefs and CodeLists (every field type it has: text with validations, notes,
    dropdown, radio, checkbox matrices, yesno, calc, slider, file), but for the survey pseudo-fields
    REDCap adds for its survey (the fake's projects have no surveys)."""
    source = PYCAP / "test_long_project.xml"
    original = source.read_text(encoding="utf-8")
    state = FakeState([source])
    client = create_app(state).test_client()
    answer = client.post(
        "/api/",
        data={"token": state.projects[0].users[0].token, "content": "project_xml", "returnMetadataOnly": "1"},
    )

    def definitions(text: str) -> str:
        start, end = text.index("\t<ItemDef "), text.index("</MetaDataVersion>")
        return text[start:end]

    survey_items = r'\t<ItemDef OID="(redcap_survey_identifier|\w+_timestamp)" .*?\t</ItemDef>\n'
    assert definitions(answer.data.decode()) == re.sub(survey_items, "", definitions(original), flags=re.S)


LONGITUDINAL_DEMO = Path(__file__).resolve().parent.parent / "fake_redcap" / "demo" / "longitudinal.yaml"
LONG_TOKEN = "1501FA4EFA4EFA4EFA4EFA4EFA4EFA4E"


def _visit(instance: str, date: str) -> str:
    return (
        f'\t\t<StudyEventData StudyEventOID="Event.visit_2_arm_1" StudyEventRepeatKey="{instance}" '
        'redcap:UniqueEventName="visit_2_arm_1">\n'
        + _form(
            "visit",
            _group("visit.visit_date", _data("visit_date", date)),
            _group("visit.visit_complete", _data("visit_complete", "0")),
        )
        + "\t\t</StudyEventData>\n"
    )


def test_a_longitudinal_project_with_arms_and_a_repeating_event() -> None:
    """Protocol and StudyEventDef (the arm in Name with several arms; a repeating event Repeating="Yes";
    day offsets, which the fake does not keep, are each event's place), the repeating set-up, and a
    repeating event's instances as StudyEventRepeatKey, `events` choosing the event."""
    client = create_app(FakeState([LONGITUDINAL_DEMO])).test_client()
    body = _export(client, LONG_TOKEN, **{"records[0]": "101", "events[0]": "visit_2_arm_1"})[2]
    assert (
        '\t<StudyEventDef OID="Event.visit_2_arm_1" Name="Visit 2 (Arm 1: Treatment)" Type="Common" '
        'Repeating="Yes" redcap:EventName="Visit 2" redcap:CustomEventLabel="" '
        'redcap:UniqueEventName="visit_2_arm_1" redcap:ArmNum="1" redcap:ArmName="Treatment" '
        'redcap:DayOffset="3" redcap:OffsetMin="0" redcap:OffsetMax="0">\n'
        '\t\t<FormRef FormOID="Form.visit" OrderNumber="1" Mandatory="No" redcap:FormName="visit"/>\n'
        "\t</StudyEventDef>\n"
    ) in body
    assert (
        "\t<redcap:RepeatingInstrumentsAndEvents>\n\t\t<redcap:RepeatingInstruments>\n"
        '\t\t\t<redcap:RepeatingInstrument redcap:UniqueEventName="visit_1_arm_1" '
        'redcap:RepeatInstrument="labs" redcap:CustomLabel=""/>\n\t\t</redcap:RepeatingInstruments>\n'
        '\t\t<redcap:RepeatingEvent redcap:UniqueEventName="visit_2_arm_1"/>\n'
        "\t</redcap:RepeatingInstrumentsAndEvents>\n"
    ) in body
    subject = (
        '\t<SubjectData SubjectKey="101" redcap:RecordIdField="record_id">\n'
        + _visit("1", "2025-03-10")
        + _visit("2", "2025-03-17")
        + "\t</SubjectData>\n"
    )
    assert body.endswith(subject + "</ClinicalData>\n</ODM>")


ROLES = """\
project: {project_id: 78, title: Roles}
redcap_version: "15.7.6"
fields:
  - {name: rid, form: intake, type: text, label: Record ID}
  - {name: note, form: visit, type: text, label: Note}
roles:
  - {unique_role_name: U-MONITORS, label: Monitors, data_export: {intake: full, visit: deidentified},
     api_export: true, forms: {intake: 2, visit: 1}, rights: {reports: 1, lock_records: 2}}
  - {unique_role_name: U-ANALYSTS, label: analysts, data_export: no_access}
users:
  - {username: owner, token: C0FFEE44C0FFEE44C0FFEE44C0FFEE44, data_export: full, design: true,
     user_rights: true}
"""
# redcap_user_roles' columns after role_id and project_id (V15 install.sql)
ROLE_COLUMNS = [
    "role_name",
    "unique_role_name",
    "lock_record",
    "lock_record_multiform",
    "lock_record_customize",
    "data_export_tool",
    "data_export_instruments",
    "data_import_tool",
    "data_comparison_tool",
    "data_logging",
    "email_logging",
    "file_repository",
    "double_data",
    "user_rights",
    "data_access_groups",
    "graphical",
    "reports",
    "design",
    "alerts",
    "calendar",
    "data_entry",
    "api_export",
    "api_import",
    "api_modules",
    "mobile_app",
    "mobile_app_download_data",
    "record_create",
    "record_rename",
    "record_delete",
    "dts",
    "participants",
    "data_quality_design",
    "data_quality_execute",
    "data_quality_resolution",
    "random_setup",
    "random_dashboard",
    "random_perform",
    "realtime_webservice_mapping",
    "realtime_webservice_adjudicate",
    "external_module_config",
    "mycap_participants",
]


def test_user_roles_are_written_in_both_groups_and_come_back(tmp_path: Path) -> None:
    """getOdmUserRoles: every role by name (case-insensitively), each redcap_user_roles column as an
    attribute in table order, the legacy group then `UserRoles2`; read back, the roles export the same
    (made in the XML's order)."""
    path = tmp_path / "roles.yaml"
    path.write_text(ROLES, encoding="utf-8")
    client = create_app(FakeState([path])).test_client()
    token = "C0FFEE44C0FFEE44C0FFEE44C0FFEE44"
    answer = client.post("/api/", data={"token": token, "content": "project_xml", "returnMetadataOnly": "1"})
    root = ET.fromstring(answer.data)
    rc = "{https://projectredcap.org}"
    for tag in ("UserRoles", "UserRoles2"):
        roles = list(root.iter(f"{rc}{tag}"))
        assert [r.get("role_name") for r in roles] == ["analysts", "Monitors"]
        assert [list(r.attrib) for r in roles] == [ROLE_COLUMNS, ROLE_COLUMNS]
        monitors = roles[1].attrib
        assert (monitors["unique_role_name"], monitors["data_entry"], monitors["reports"]) == (
            "U-MONITORS",
            "[intake,2][visit,1]",
            "1",
        )
        assert (monitors["data_export_instruments"], monitors["lock_record"], monitors["api_export"]) == (
            "[intake,1][visit,2]",
            "2",
            "1",
        )
        assert (monitors["data_export_tool"], monitors["design"], monitors["graphical"]) == ("", "0", "0")
    copy = tmp_path / "copy.xml"
    copy.write_bytes(answer.data)
    again = FakeState([copy])
    again_client = create_app(again).test_client()
    exported = [
        c.post("/api/", data={"token": t, "content": "userRole", "format": "json"}).json
        for c, t in ((client, token), (again_client, again.projects[0].users[0].token))
    ]
    # The XML lists roles by name, so the copy made them in that order (the export's role_id order).
    assert sorted(exported[0] or [], key=str) == sorted(exported[1] or [], key=str)


def test_export_survey_fields_changes_nothing_without_surveys(tiny: FlaskClient) -> None:
    """Records.php:1758: no surveys, no survey fields, whatever the flag says."""
    assert _export(tiny, exportSurveyFields="true")[2] == _export(tiny)[2]


def test_other_redcap_versions_answer_not_implemented(tmp_path: Path) -> None:
    """Their layout differs (14.0.10 writes FormActivationSurveyAutoContinue and no data resolution
    attributes; 15.6 added UserRoles2): the fake writes only 15.6-15.x's."""
    path = tmp_path / "tiny14.yaml"
    path.write_text(TINY.replace('redcap_version: "15.7.6"', 'redcap_version: "14.5.11"'), encoding="utf-8")
    client = create_app(FakeState([path])).test_client()
    answer = client.post("/api/", data={"token": TOKEN, "content": "project_xml"})
    assert answer.status_code == 400
    assert answer.headers["X-Fake-REDCap-Not-Implemented"] == (
        "content=project_xml for REDCap 14.5.11 (the fake writes 15.7.6's layout)"
    )
