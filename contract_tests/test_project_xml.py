"""Export Project XML (`content=project_xml`): the project's metadata and data as CDISC ODM with
REDCap's extensions.

Expectations are read from the reference fixtures (forms, fields, events, records, stored files) and
from REDCap's writer as its source states it; only the time of the export varies between servers
(AsOfDateTime, CreationDateTime, the MetaDataVersion OID), and the clauses never compare it. Records
are those the writing clauses leave alone (classic 1 and 2).
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

import pytest

from . import sources as src
from .targets import ProjectUnderTest

ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
RC = "{https://projectredcap.org}"
V15_PROJECT_XML = f"{src.V15} API/project_xml/export.php"
V15_GET_PROJECT_XML = f"{src.V15} Classes/Project.php getProjectXML (:2332-2376)"
V15_ODM = f"{src.V15} Classes/ODM.php"
REAL_14 = "real-server capture: a REDCap 14.0.10 API project XML (Big-Data-Causality/redcap README)"
OPENING = re.compile(
    r'<\?xml version="1\.0" encoding="UTF-8" \?>\n<ODM xmlns="http://www\.cdisc\.org/ns/odm/v1\.3" '
    r'xmlns:ds="http://www\.w3\.org/2000/09/xmldsig#" '
    r'xmlns:xsi="http://www\.w3\.org/2001/XMLSchema-instance" '
    r'xmlns:redcap="https://projectredcap\.org" '
    r'xsi:schemaLocation="http://www\.cdisc\.org/ns/odm/v1\.3 schema/odm/ODM1-3-1\.xsd" ODMVersion="1\.3\.1" '
    r'FileOID="000-00-0000" FileType="Snapshot" Description="[^"]*" '
    r'AsOfDateTime="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)" CreationDateTime="\1" SourceSystem="REDCap" '
    r'SourceSystemVersion="\d+\.\d+\.\d+">\n<Study OID="Project\.\w*">\n<GlobalVariables>\n'
)
BACKEND_TYPES = {"dropdown": "select", "notes": "textarea"}


def _xml(project: ProjectUnderTest, username: str, **params: str) -> tuple[int, str, bytes]:
    response = project.post(username, {"content": "project_xml", **params})
    return response.status_code, response.headers.get("Content-Type", ""), response.content


def _root(body: bytes) -> ET.Element:
    return ET.fromstring(body)


@pytest.mark.redcap_version(">=15.7.6,<16.0.0")  # the layout read (ODM.php of 15.7.6)
@pytest.mark.source(
    f"{V15_ODM} getOdmOpeningTag (:2867-2884), getOdmClosingTag, getOdmMetadata (:1256-1262)",
    f"{V15_PROJECT_XML}:22: sendResponse(200, $content, $format), format xml by default",
    REAL_14,
)
def test_project_xml_opens_and_closes_as_redcap_writes_it(classic: ProjectUnderTest) -> None:
    status, content_type, body = _xml(classic, "full_user", returnMetadataOnly="true")
    assert (status, content_type) == (200, "text/xml; charset=utf-8"), body[:300]
    text = body.decode("utf-8")
    assert OPENING.match(text), text[:900]
    assert text.endswith("</MetaDataVersion>\n</Study>\n</ODM>"), text[-200:]
    study = _root(body).find(f"{ODM}Study")
    assert study is not None
    assert study.findtext(f"{ODM}GlobalVariables/{ODM}StudyName") == classic.fixture.title


@pytest.mark.redcap_version(">=15.7.6,<16.0.0")  # the layout read (ODM.php of 15.7.6)
@pytest.mark.source(
    f"{V15_GET_PROJECT_XML}: returnMetadataOnly: the metadata alone",
    f"{V15_ODM} getOdmMetadata (:1287-1473), getOdmExportFields, getOdmItemGroups: every field, a checkbox "
    "per choice, each form's status field; field types as stored (select, textarea)",
    REAL_14,
)
def test_metadata_only_defines_every_form_and_field(classic: ProjectUnderTest) -> None:
    root = _root(_xml(classic, "full_user", returnMetadataOnly="1")[2])
    assert root.find(f"{ODM}ClinicalData") is None
    meta = root.find(f"{ODM}Study/{ODM}MetaDataVersion")
    assert meta is not None
    fixture = classic.fixture
    assert meta.get(f"{RC}RecordIdField") == fixture.record_id_field
    assert [f.get(f"{RC}FormName") for f in meta.iter(f"{ODM}FormDef")] == list(fixture.forms)
    defined = {d.get("OID"): d for d in meta.iter(f"{ODM}ItemDef")}
    for field in fixture.fields:
        names = field.export_names() if field.type == "checkbox" else (field.name,)
        for name in names:
            item = defined.get(name)
            assert item is not None, f"no ItemDef for {name}"
            assert item.get(f"{RC}Variable") == field.name
            assert item.get(f"{RC}FieldType") == BACKEND_TYPES.get(field.type, field.type), name
    for form in fixture.forms:
        assert defined[f"{form}_complete"].get(f"{RC}FieldType") == "select"


@pytest.mark.redcap_version(">=15.7.6,<16.0.0")  # the layout read (ODM.php of 15.7.6)
@pytest.mark.source(
    f"{V15_GET_PROJECT_XML}: Records::getData(... 'odm' ...) for the records asked",
    f"{V15_ODM} getOdmClinicalData (:1476-1700): a SubjectData per record, the record ID's ItemData",
)
def test_clinical_data_holds_the_records_asked_for(classic: ProjectUnderTest) -> None:
    body = _xml(classic, "full_user", **{"records[0]": "2", "records[1]": "1"})[2]
    clinical = _root(body).find(f"{ODM}ClinicalData")
    assert clinical is not None
    subjects = clinical.findall(f"{ODM}SubjectData")
    assert [s.get("SubjectKey") for s in subjects] == ["1", "2"]
    pk = classic.fixture.record_id_field
    for subject in subjects:
        assert subject.get(f"{RC}RecordIdField") == pk
        ids = [i.get("Value") for i in subject.iter(f"{ODM}ItemData") if i.get("ItemOID") == pk]
        assert ids == [subject.get("SubjectKey")]


@pytest.mark.redcap_version(">=15.7.6,<16.0.0")  # the layout read (ODM.php of 15.7.6)
@pytest.mark.source(
    f"{V15_PROJECT_XML}:4-16: the user's rights are read for their DAG only",
    f"{V15_GET_PROJECT_XML}: getData without de-identification (no hashing, no removed fields)",
)
def test_no_access_export_rights_do_not_narrow_the_project_xml(classic: ProjectUnderTest) -> None:
    """Unlike the record export (403 for No Access), project_xml needs only API Export."""
    status, _, body = _xml(classic, "no_access_user", **{"records[0]": "1"})
    assert status == 200, body[:300]
    values = {i.get("ItemOID"): i.get("Value") for i in _root(body).iter(f"{ODM}ItemData")}
    row = next(r for r in classic.fixture.records if r.record == "1" and r.instance == 1)
    assert values.get("participant_name") == row.values["participant_name"]


@pytest.mark.redcap_version(">=15.7.6,<16.0.0")  # the layout read (ODM.php of 15.7.6)
@pytest.mark.source(
    f"{V15_PROJECT_XML}:14-16: exportFiles true or 1",
    f"{src.V15} Classes/Records.php getData :2714-2740 (without it a file field's value is never set) and "
    f"{V15_ODM} getOdmClinicalData :1645-1656 (ItemDataBase64Binary, the name and type, base64 in CDATA)",
    "real-server capture: PyCap's doctest_project.xml (ItemDataBase64Binary redcap:DocName redcap:MimeType)",
)
def test_export_files_carries_each_stored_file(classic: ProjectUnderTest) -> None:
    plain = _root(_xml(classic, "full_user", **{"records[0]": "1"})[2])
    assert list(plain.iter(f"{ODM}ItemDataBase64Binary")) == []
    with_files = _root(_xml(classic, "full_user", exportFiles="true", **{"records[0]": "1"})[2])
    row = next(r for r in classic.fixture.records if r.record == "1" and r.instance == 1)
    found = {e.get("ItemOID"): e for e in with_files.iter(f"{ODM}ItemDataBase64Binary")}
    for field, stored in row.files.items():
        if field == "lab_file":
            continue  # lab_results repeats: instance 1's file is in its own FormData, as any other
        element = found.get(field)
        assert element is not None, f"no file for {field}"
        assert element.get(f"{RC}DocName") == stored.name
        assert base64.b64decode(element.text or "") == stored.read_bytes()


@pytest.mark.redcap_version(">=15.7.6,<16.0.0")  # the layout read (ODM.php of 15.7.6)
@pytest.mark.source(
    f"{V15_ODM} getOdmMetadata (:1290-1313): Protocol and a StudyEventDef per event, its arm and forms",
    f"{src.V15} Classes/Project.php:964-970: the arm in the event's Name only with several arms",
)
def test_longitudinal_events_arms_and_forms(longitudinal: ProjectUnderTest) -> None:
    root = _root(_xml(longitudinal, "full_user", returnMetadataOnly="1")[2])
    meta = root.find(f"{ODM}Study/{ODM}MetaDataVersion")
    assert meta is not None
    fixture = longitudinal.fixture
    events = {e.unique_name: e for e in fixture.events}
    defs = list(meta.iter(f"{ODM}StudyEventDef"))
    refs = [r.get("StudyEventOID") for r in meta.iter(f"{ODM}StudyEventRef")]
    assert refs == [d.get("OID") for d in defs]
    assert sorted(d.get(f"{RC}UniqueEventName") or "" for d in defs) == sorted(events)
    arms = {a.number: a.name for a in fixture.arms}
    for element in defs:
        event = events[element.get(f"{RC}UniqueEventName") or ""]
        assert element.get(f"{RC}ArmNum") == str(event.arm)
        assert element.get(f"{RC}ArmName") == arms[event.arm]
        assert element.get(f"{RC}EventName") == event.name
        forms = [f.get(f"{RC}FormName") for f in element.iter(f"{ODM}FormRef")]
        assert forms == [f for f in fixture.forms if f in event.forms]
