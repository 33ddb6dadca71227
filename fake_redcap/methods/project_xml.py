"""Export Project XML (`content=project_xml`): the project as REDCap's CDISC ODM file, metadata and
(unless `returnMetadataOnly`) data, as REDCap 15.7.6 writes it.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`, restated, no REDCap code copied):
`API/project_xml/export.php`:4-22 (parameters, logging, `sendResponse(200, $content, $format)`),
`Classes/Project.php`:2332-2376 getProjectXML (metadata only: opening tag, metadata, `</ODM>`; else
`Records::getData(... 'odm' ...)` with the user's DAG, no de-identification, fields in the order
given, file values kept only with `exportFiles`), `Classes/Records.php`:1749, 1908-1917, 2714-2740,
4266-4281, `Classes/ODM.php` getOdmOpeningTag (:2867-2884), getOdmMetadata (:1242-1473),
getProjectAttrGlobalVars (:326-385), getProjectAttrMappings (:250-322), getOdmCodeList (:1705-1757),
getOdmFieldLength (:1760-1786), convertRedcapToOdmFieldType (:1814-1868), getOdmRangeCheck (:74-100),
getOdmFromArray (:1199-1239), getOdmUserRoles (:486-498), getOdmMyCapSettings (:2970-3100),
getOdmMultilanguageSettings (:3103-3109), `Classes/MultiLanguage.php`:2034-2081, 2207-2290 (the
settings of a project without languages), `Resources/sql/install.sql` (the defaults of
redcap_projects and the columns of redcap_user_roles). A real 14.0.10 API export (the Clojure
client `Big-Data-Causality/redcap`'s README) and PyCap's 15.2.1 test projects agree where they show
the same things (`int`/`float` validation names, the Form Status group, `ItemGroupOID=""`).

What the fake does not hold (surveys, alerts, reports, dashboards, data quality rules, randomization,
MyCap, languages) is written as REDCap writes it for a project that has none. Not implemented (the
fake's 400): REDCap versions other than 15.7.6-15.x (others' layouts differ or were not read),
`format=odm` (REDCap then sends an empty Content-Type), SQL fields (their Length needs the query's
answers), and `fields` without the record ID field (REDCap's ClinicalData then has no SubjectKey).
"""

from __future__ import annotations

import base64
import datetime as dt
import re

from fake_redcap.call import Call
from fake_redcap.escape import _keep_nbsp, rcview_escape
from fake_redcap.messages import Version
from fake_redcap.methods.access_log import project_event, record_now
from fake_redcap.methods.export_format import content_format, not_implemented, reply
from fake_redcap.methods.odm_clinical import DAG_FIELD, checkbox_names, clinical_data, item_groups, section_of
from fake_redcap.methods.odm_rows import odm_rows
from fake_redcap.methods.project_xml_globals import global_variables
from fake_redcap.methods.structure import ordered_events, repeats_whole
from fake_redcap.model import Field, Project, parse_choices
from fake_redcap.php import from_bytes, htmlspecialchars, strip_tags, to_bytes
from fake_redcap.responses import Reply

_FIRST = Version(15, 7, 6)  # the layout read; 15.2.1 (PyCap's files) lacks attributes 15.7.6 writes
_NEXT_MAJOR = Version(16, 0, 0)
# Field types as redcap_metadata stores them (the data dictionary renames two).
_BACKEND_TYPES = {"dropdown": "select", "notes": "textarea"}
# Validation names as redcap_metadata stores them (redcap_validation_types.legacy_value, install_data.sql).
BACKEND_VALIDATIONS = {"integer": "int", "number": "float"}
_MC_TYPES = ("sql", "checkbox", "advcheckbox", "radio", "select", "dropdown", "yesno", "truefalse")
_DATA_TYPES = {
    "calc": "float",
    "checkbox": "boolean",
    "yesno": "boolean",
    "truefalse": "boolean",
    "slider": "integer",
}
_TEXT_DATA_TYPES = {
    "int": "integer",
    "float": "float",
    "time": "partialTime",
    "date_ymd": "date",
    "date_mdy": "date",
    "date_dmy": "date",
    "datetime_ymd": "partialDatetime",
    "datetime_mdy": "partialDatetime",
    "datetime_dmy": "partialDatetime",
    "datetime_seconds_ymd": "datetime",
    "datetime_seconds_mdy": "datetime",
    "datetime_seconds_dmy": "datetime",
}
_NUMBER_VALIDATIONS = ("number_1dp", "number_2dp", "number_3dp", "number_4dp")  # data_type "number"
_OTHER_ATTRIBUTES = (  # getOptionalFieldAttr, in its order
    ("branching_logic", "BranchingLogic"),
    ("alignment", "CustomAlignment"),
    ("question_number", "QuestionNumber"),
    ("matrix_group", "MatrixGroupName"),
    ("annotation", "FieldAnnotation"),
)
# English.ini config_functions_57, period, config_functions_58, config_functions_91
_RANGE_TEXT = "The value you provided is outside the suggested range ({low} - {high}). "
_RANGE_TEXT += "This value is admissible, but you may wish to double check it."
_NO_LIMIT = "no limit"


def flag(call: Call, name: str) -> bool:
    """export.php:11-14: "1", or "true" in any case."""
    value = call.params.text(name)
    return value == "1" or value.lower() == "true"


def export_project_xml(call: Call) -> Reply:
    """content=project_xml. The route has checked API Export; nothing else is checked (export.php
    reads the user's rights only for their DAG: "No Access" and de-identified export rights do not
    narrow this export)."""
    project = call.project
    version = call.profile.version
    if version < _FIRST or not version < _NEXT_MAJOR:
        raise not_implemented(f"content=project_xml for REDCap {version} (the fake writes 15.7.6's layout)")
    fmt = content_format(call)  # format=odm: not implemented
    if any(f.type == "sql" for f in project.fields):
        raise not_implemented("content=project_xml with SQL fields")
    metadata_only = flag(call, "returnMetadataOnly")
    dags = flag(call, "exportDataAccessGroups") and bool(project.dags)  # Records.php:1911-1917
    rows = None if metadata_only else odm_rows(call, dags, flag(call, "exportFiles"))
    # Records.php:4266-4281: the opening tag, the metadata, ClinicalData, `</ODM>`; one clock reading.
    now = dt.datetime.now().replace(microsecond=0)
    body = opening_tag(project, call.profile.version, now) + metadata(call, dags and not metadata_only, now)
    if rows is not None:
        body += clinical_data(project, rows, dags, study_oid(project.title), metadata_oid(project.title, now))
    body += "</ODM>"
    record_now(call, project_event(call, "redcap_projects", "Export project XML (API)"))  # export.php:19
    return reply(body, fmt, call)


def escape_keep(text: str) -> str:
    """`RCView::escape($s, false)`: html-decoded (`&nbsp;` kept), then htmlspecialchars(ENT_QUOTES)."""
    data = _keep_nbsp(to_bytes(text))
    escaped = htmlspecialchars(data)
    if not escaped and data:
        escaped = htmlspecialchars(data, substitute=True)
    return from_bytes(escaped)


def nl2crnl(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _ucwords_alnum(title: str) -> str:
    """html_entity_decode, keep [a-zA-Z0-9 ], ucwords, drop spaces."""
    from fake_redcap.php import html_entity_decode

    decoded = from_bytes(html_entity_decode(to_bytes(title)))
    kept = re.sub(r"[^a-zA-Z0-9 ]", "", decoded)
    return re.sub(r"(^| )([a-z])", lambda m: m[1] + m[2].upper(), kept).replace(" ", "")


def study_oid(title: str) -> str:
    """getStudyOID (ODM.php:103-106)."""
    return "Project." + _ucwords_alnum(title)[:30]


def metadata_oid(title: str, now: dt.datetime) -> str:
    """getMetadataVersionOID (ODM.php:242-247): NOW without colons, its space an underscore, cut by 2."""
    return f"Metadata.{_ucwords_alnum(title)[:30]}_{now.strftime('%Y-%m-%d_%H%M')}"


def opening_tag(project: Project, version: Version, now: dt.datetime) -> str:
    """getOdmOpeningTag (ODM.php:2867-2884): NOW (the server's local time) with a T."""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S")
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        '<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:redcap="https://projectredcap.org" '
        'xsi:schemaLocation="http://www.cdisc.org/ns/odm/v1.3 schema/odm/ODM1-3-1.xsd" ODMVersion="1.3.1" '
        f'FileOID="000-00-0000" FileType="Snapshot" Description="{rcview_escape(project.title)}" '
        f'AsOfDateTime="{stamp}" CreationDateTime="{stamp}" SourceSystem="REDCap" '
        f'SourceSystemVersion="{version}">\n'
    )


def metadata(call: Call, dags: bool, now: dt.datetime) -> str:
    """getOdmMetadata: Study, GlobalVariables, MetaDataVersion (ODM.php:1242-1473)."""
    project = call.project
    title = rcview_escape(project.title)
    parts = [
        f'<Study OID="{study_oid(project.title)}">\n<GlobalVariables>\n',
        f"\t<StudyName>{title}</StudyName>\n",
        "\t<StudyDescription>This file contains the metadata, events, and data for REDCap project "
        f'"{title}".</StudyDescription>\n',
        f"\t<ProtocolName>{title}</ProtocolName>\n",
        global_variables(call),
        "</GlobalVariables>\n",
        f'<MetaDataVersion OID="{metadata_oid(project.title, now)}" Name="{title}" '
        f'redcap:RecordIdField="{project.record_id_field}">\n',
        _events(project),
        _definitions(project, dags),
        "</MetaDataVersion>\n</Study>\n",
    ]
    return "".join(parts)


def _events(project: Project) -> str:
    """Protocol and StudyEventDef (longitudinal only). Day offsets: the fake keeps none; each event's
    1-based place in the project, as an events import without day_offset sets them (Event.php:87-91)."""
    if not project.is_longitudinal:
        return ""
    events = ordered_events(project)
    parts = ["\t<Protocol>\n"]
    parts += [
        f'\t\t<StudyEventRef StudyEventOID="Event.{e.unique_name}" OrderNumber="{i}" Mandatory="No"/>\n'
        for i, e in enumerate(events, 1)
    ]
    parts.append("\t</Protocol>\n")
    arms = {a.number: a.name for a in project.arms}
    several = len({e.arm for e in events}) > 1
    for offset, event in enumerate(events, 1):
        arm = arms.get(event.arm, f"Arm {event.arm}")
        name = event.name + (f" (Arm {event.arm}: {arm})" if several else "")  # Project.php:964-970
        repeating = "Yes" if repeats_whole(project, event.unique_name) else "No"
        parts.append(
            f'\t<StudyEventDef OID="Event.{event.unique_name}" Name="{rcview_escape(name)}" Type="Common" '
            f'Repeating="{repeating}" redcap:EventName="{rcview_escape(event.name)}" '
            f'redcap:CustomEventLabel="{escape_keep(event.custom_label)}" '
            f'redcap:UniqueEventName="{event.unique_name}" redcap:ArmNum="{event.arm}" '
            f'redcap:ArmName="{rcview_escape(arm)}" redcap:DayOffset="{offset}" redcap:OffsetMin="0" '
            'redcap:OffsetMax="0">\n'
        )
        forms = [f for f in project.forms if f in event.forms]
        parts += [
            f'\t\t<FormRef FormOID="Form.{form}" OrderNumber="{i}" Mandatory="No" '
            f'redcap:FormName="{form}"/>\n'
            for i, form in enumerate(forms, 1)
        ]
        parts.append("\t</StudyEventDef>\n")
    return "".join(parts)


def _definitions(project: Project, dags: bool) -> str:
    """FormDef, ItemGroupDef (with ItemRefs), then every ItemDef, then every CodeList."""
    groups = item_groups(project, dags, descriptive=True)
    parts: list[str] = []
    prev_form: str | None = None
    for key in groups:
        form = key.split(".", 1)[0]
        if form != prev_form:
            if prev_form is not None:
                parts.append("\t</FormDef>\n")
            label = escape_keep(project.form_label(form))
            parts.append(
                f'\t<FormDef OID="Form.{form}" Name="{label}" Repeating="No" redcap:FormName="{form}">\n'
            )
        parts.append(f'\t\t<ItemGroupRef ItemGroupOID="{key}" Mandatory="No"/>\n')
        prev_form = form
    parts.append("\t</FormDef>\n")
    item_defs: list[str] = []
    code_lists: list[str] = []
    for key, members in groups.items():
        first = members[0][1]
        name = section_of(first) if first is not None else ""
        if name == "" and first is not None and members[0][0] == first.name:
            name = project.form_label(first.form)
        parts.append(f'\t<ItemGroupDef OID="{key}" Name="{escape_keep(name)}" Repeating="No">\n')
        done: set[str] = set()
        for export_name, field in members:
            if field is None:
                parts.append(
                    f'\t\t<ItemRef ItemOID="{DAG_FIELD}" Mandatory="No" redcap:Variable="{DAG_FIELD}"/>\n'
                )
                item_defs.append(
                    f'\t<ItemDef OID="{DAG_FIELD}" Name="{DAG_FIELD}" DataType="text" Length="999" '
                    f'redcap:Variable="{DAG_FIELD}">\n'
                    "\t\t<Question><TranslatedText>Data Access Group</TranslatedText></Question>\n"
                    "\t</ItemDef>\n"
                )
                continue
            if field.name in done:
                continue
            done.add(field.name)
            names = checkbox_names(field) if field.type == "checkbox" else [export_name]
            mandatory = "Yes" if field.required else "No"
            for oid in names:
                parts.append(
                    f'\t\t<ItemRef ItemOID="{oid}" Mandatory="{mandatory}" redcap:Variable="{field.name}"/>\n'
                )
                code_list = _code_list(field, oid)
                code_lists.append(code_list)
                item_defs.append(_item_def(field, oid, code_list != ""))
        parts.append("\t</ItemGroupDef>\n")
    return "".join(parts + item_defs + code_lists)


def backend_validation(field: Field) -> str:
    value = field.validation or ""
    return BACKEND_VALIDATIONS.get(value, value) if field.type == "text" else value


def data_type(field: Field) -> str:
    """convertRedcapToOdmFieldType (ODM.php:1841-1868)."""
    ftype = _BACKEND_TYPES.get(field.type, field.type)
    if ftype != "text":
        return _DATA_TYPES.get(ftype, "text")
    validation = backend_validation(field)
    if validation in _NUMBER_VALIDATIONS:
        return "float"
    return _TEXT_DATA_TYPES.get(validation, "text")


def _length(field: Field) -> int:
    """getOdmFieldLength: 1 for a checkbox, the longest code of other choice fields (at least 1)."""
    ftype = _BACKEND_TYPES.get(field.type, field.type)
    if ftype == "checkbox":
        return 1
    if ftype in _MC_TYPES:
        return max([1, *(len(code.encode()) for code in _choices(field))])
    return 999


def _choices(field: Field) -> dict[str, str]:
    if field.type == "yesno":
        return {"1": "Yes", "0": "No"}
    if field.type == "truefalse":
        return {"1": "True", "0": "False"}
    return parse_choices(field.choices)


def _item_def(field: Field, oid: str, has_code_list: bool) -> str:
    """One ItemDef (ODM.php:1321-1448), attributes in REDCap's order."""
    ftype = _BACKEND_TYPES.get(field.type, field.type)
    validation = backend_validation(field)
    attrs = [f'OID="{oid}" Name="{oid}" DataType="{data_type(field)}" Length="{_length(field)}"']
    if validation == "float":
        attrs.append('SignificantDigits="1"')
    attrs.append(f'redcap:Variable="{field.name}" redcap:FieldType="{ftype}"')
    if validation:
        attrs.append(f'redcap:TextValidationType="{validation}"')
    if ftype == "slider":
        attrs.append(f'redcap:SliderLabels="{escape_keep(field.choices)}"')
    if field.note:
        attrs.append(f'redcap:FieldNote="{escape_keep(field.note)}"')
    if section_of(field):
        attrs.append(f'redcap:SectionHeader="{escape_keep(nl2crnl(section_of(field)))}"')
    if ftype == "calc":
        attrs.append(f'redcap:Calculation="{escape_keep(field.choices)}"')
    if field.identifier:
        attrs.append('redcap:Identifier="y"')
    if field.required:
        attrs.append('redcap:RequiredField="y"')
    if field.matrix_ranking:
        attrs.append('redcap:MatrixRanking="y"')
    if ftype == "text" and ":" in field.choices[1:]:
        attrs.append(f'redcap:OntologySearch="{rcview_escape(field.choices)}"')
    for key, attr in _OTHER_ATTRIBUTES:
        value = getattr(field, key)
        if value:
            attrs.append(f'redcap:{attr}="{escape_keep(value)}"')
    label = field.label
    formatted = ""
    if "<" in label and ">" in label:
        formatted = f"<redcap:FormattedTranslatedText>{escape_keep(label)}</redcap:FormattedTranslatedText>"
    plain = from_bytes(strip_tags(to_bytes(br2nl(label))))
    text = escape_keep(nl2crnl(plain))
    question = f"\t\t<Question><TranslatedText>{text}</TranslatedText>{formatted}</Question>\n"
    code_ref = f'\t\t<CodeListRef CodeListOID="{oid}.choices"/>\n' if has_code_list else ""
    return f"\t<ItemDef {' '.join(attrs)}>\n{question}{code_ref}{_range_check(field)}\t</ItemDef>\n"


def br2nl(text: str) -> str:
    return re.sub(r"<br(\s*)?/?>", "\n", text, flags=re.IGNORECASE)


def _range_check(field: Field) -> str:
    """getOdmRangeCheck: only for a field with a validation and a bound."""
    low, high = field.validation_min, field.validation_max
    if not field.validation or (low == "" and high == ""):
        return ""
    text = escape_keep(_RANGE_TEXT.format(low=low or _NO_LIMIT, high=high or _NO_LIMIT))
    checks = []
    for comparator, bound in (("GE", low), ("LE", high)):
        if bound != "":
            checks.append(
                f'\t\t<RangeCheck Comparator="{comparator}" SoftHard="Soft">\n'
                f"\t\t\t<CheckValue>{bound}</CheckValue>\n"
                f"\t\t\t<ErrorMessage><TranslatedText>{text}</TranslatedText></ErrorMessage>\n\t\t</RangeCheck>\n"
            )
    return "".join(checks)


def _code_list(field: Field, oid: str) -> str:
    """getOdmCodeList (ODM.php:1705-1757)."""
    ftype = _BACKEND_TYPES.get(field.type, field.type)
    extra = ""
    if ftype == "checkbox":
        choices = {"1": "Checked", "0": "Unchecked"}
        # The stored choices with `\n` as "|": the data dictionary shows them so too (MetaData.php:557).
        extra = f' redcap:CheckboxChoices="{escape_keep(field.choices)}"'
    elif ftype in _MC_TYPES:
        choices = _choices(field)
    else:
        return ""
    if not choices:
        return ""
    items = []
    for code, label in choices.items():
        label = re.sub(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]", "", label)
        formatted = ""
        if "<" in label and ">" in label:
            formatted = (
                f"<redcap:FormattedTranslatedText>{escape_keep(label)}</redcap:FormattedTranslatedText>"
            )
        items.append(
            f'\t\t<CodeListItem CodedValue="{rcview_escape(code)}"><Decode><TranslatedText>'
            f"{escape_keep(br2nl(label))}</TranslatedText>{formatted}</Decode></CodeListItem>\n"
        )
    head = (
        f'\t<CodeList OID="{oid}.choices" Name="{oid}" DataType="{data_type(field)}" '
        f'redcap:Variable="{field.name}"{extra}>\n'
    )
    return head + "".join(items) + "\t</CodeList>\n"


def mlm_settings(project: Project, version: Version) -> str:
    """MultiLanguage::getProjectSettingsForProjectXml for a project without languages, PHP-serialized
    and base64-encoded (ODM.php:3103-3109; MultiLanguage.php:2217-2223, 10170-10190)."""

    def s(text: str) -> str:
        return f's:{len(text.encode())}:"{text}";'

    status = "dev" if int(project.status) == 0 else "prod"
    flags = [
        "debug",
        "admin-enabled",
        "admin-disabled",
        "allow-from-file",
        "allow-from-scratch",
        "optional-subscription",
        "allow-ui-overrides",
    ]
    body = (
        s("version") + s(str(version)) + s("langs") + "a:0:{}" + s("projectId") + s(str(project.project_id))
    )
    body += s("designatedField") + s("") + s("status") + s(status)
    body += "".join(s(name) + "b:0;" for name in flags)
    body += s("refLang") + s("") + s("fallbackLang") + s("")
    body += "".join(
        s(name) + "b:0;"
        for name in (
            "disabled",
            "highlightMissingDataentry",
            "highlightMissingSurvey",
            "autoDetectBrowserLang",
        )
    )
    body += "".join(
        s(name) + "a:0:{}"
        for name in ("alertSources", "asiSources", "excludedAlerts", "excludedFields", "excludedSettings")
    )
    return base64.b64encode(f"a:23:{{{body}}}".encode()).decode("ascii")
