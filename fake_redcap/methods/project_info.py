"""Read-only project methods: version, project, metadata, instrument, arm, event, formEventMapping,
repeatingFormsEvents and exportFieldNames, in REDCap's shapes for every content `format`.

Each shape cites the V15 file it was read from (`xOops4/redcap` `html/redcap_v15.7.6/`); real-server
output in PyCap's doctests (`redcap/methods/*.py`, run against redcapdemo.vumc.org) agrees with them.
Facts only: no REDCap code is copied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fake_redcap import messages as msg
from fake_redcap.call import Call
from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.messages import Change
from fake_redcap.methods.export_format import (
    XML_DECLARATION,
    Scalar,
    content_format,
    csv_line,
    csv_table,
    json_body,
    list_param,
    not_implemented,
    php_loose_equals,
    php_loose_equals_int,
    php_trim,
    reply,
    xml_element,
    xml_items,
)
from fake_redcap.methods.structure import (
    event_forms,
    event_id,
    has_repeating_forms_events,
    metadata_fields,
    ordered_arms,
    ordered_events,
)
from fake_redcap.model import Field, ProjectStatus
from fake_redcap.responses import Reply
from fake_redcap.state import db_key

Row = Mapping[str, Scalar]


def export_version(call: Call) -> Reply:
    """The REDCap version as plain text, e.g. `15.7.6` (API help `exp_rc_v`). REDCap always labels it
    csv, whatever `format` says: `sendResponse(200, $redcap_version, 'csv')` (V10.0.13, V13.6.1 and
    V15.7.6 `API/version/export.php`)."""
    return reply(str(call.profile.version), ReturnFormat.CSV, call)


def _by_format(
    call: Call,
    rows: list[dict[str, Scalar]],
    *,
    xml: Callable[[list[dict[str, Scalar]]], str],
    csv: Callable[[list[dict[str, Scalar]]], str],
    fmt: ReturnFormat | None = None,
) -> Reply:
    fmt = fmt if fmt is not None else content_format(call)
    if fmt is ReturnFormat.JSON:
        return reply(json_body(rows), fmt, call)
    body = csv(rows) if fmt is ReturnFormat.CSV else xml(rows)
    return reply(body, fmt, call)


# ---------------------------------------------------------------------------------------------------
# content=project (V15 API/project/export.php; keys and their order from Project::
# getAttributesApiExportProjectInfo). The fixture describes only id, title and status; the other
# attributes take the values of a new project with no optional module enabled.

PROJECT_CREATION_TIME = "2025-01-01 00:00:00"  # not in the fixture; stable across resets


def export_project(call: Call) -> Reply:
    """One set of project attributes. json: an object (not a list); csv: a header line and a value
    line; xml: `<items>` with every element on one line. Integers stay integers in json."""
    fmt = content_format(call)
    project = call.project
    info: dict[str, Scalar] = {
        "project_id": project.project_id,
        "project_title": project.title,
        "creation_time": PROJECT_CREATION_TIME,
        # production_time is set when a project moves to production (and kept in analysis).
        "production_time": "" if project.status == ProjectStatus.DEVELOPMENT else PROJECT_CREATION_TIME,
        "in_production": int(project.status),  # redcap_projects.status: 0, 1, or 2 (Analysis/Cleanup)
        "project_language": "English",
        "purpose": 0,
        "purpose_other": "",
        "project_notes": "",
        "custom_record_label": "",
        "secondary_unique_field": "",
        "is_longitudinal": int(project.is_longitudinal),
        "has_repeating_instruments_or_events": int(has_repeating_forms_events(project)),
        "surveys_enabled": 0,
        "scheduling_enabled": 0,
        "record_autonumbering_enabled": 0,
        "randomization_enabled": 0,
        "ddp_enabled": 0,
        "project_irb_number": "",
        "project_grant_number": "",
        "project_pi_firstname": "",
        "project_pi_lastname": "",
        **({"project_pi_email": ""} if call.profile.has(Change.PROJECT_INFO_PI_EMAIL) else {}),
        "display_today_now_button": 1,
        "missing_data_codes": "",
        "external_modules": "",
        "bypass_branching_erase_field_prompt": 0,
    }
    info.update((key, value) for key, value in project.info.items() if key in info)
    if fmt is ReturnFormat.JSON:
        return reply(json_body(info), fmt, call)
    if fmt is ReturnFormat.CSV:
        return reply(csv_line(info.keys()) + csv_line(info.values()), fmt, call)
    elements = "".join(xml_element(k, v) for k, v in info.items())
    return reply(f"{XML_DECLARATION}\n<items>\n{elements}\n</items>\n", fmt, call)


# ---------------------------------------------------------------------------------------------------
# content=metadata (V15 API/metadata/export.php and Classes/MetaData.php getDataDictionary)

DATA_DICTIONARY_COLUMNS = (
    "field_name",
    "form_name",
    "section_header",
    "field_type",
    "field_label",
    "select_choices_or_calculations",
    "field_note",
    "text_validation_type_or_show_slider_number",
    "text_validation_min",
    "text_validation_max",
    "identifier",
    "branching_logic",
    "required_field",
    "custom_alignment",
    "question_number",
    "matrix_group_name",
    "matrix_ranking",
    "field_annotation",
)


def _dictionary_row(field: Field) -> dict[str, Scalar]:
    """One data dictionary line, every column as getDataDictionary writes it (V15
    Classes/MetaData.php:540-585): flags as "y" or "", user-facing type and validation names, choices
    with "|" between them. The fixture loader already holds each column in that form."""
    return {
        "field_name": field.name,
        "form_name": field.form,
        "section_header": field.section_header,
        "field_type": field.type,
        "field_label": field.label,
        "select_choices_or_calculations": field.choices,
        "field_note": field.note,
        "text_validation_type_or_show_slider_number": field.validation or "",
        "text_validation_min": field.validation_min,
        "text_validation_max": field.validation_max,
        "identifier": "y" if field.identifier else "",
        "branching_logic": field.branching_logic,
        "required_field": "y" if field.required else "",
        "custom_alignment": field.alignment,
        "question_number": field.question_number,
        "matrix_group_name": field.matrix_group,
        "matrix_ranking": "y" if field.matrix_ranking else "",
        "field_annotation": field.annotation,
    }


def export_metadata(call: Call) -> Reply:
    """The data dictionary (form status fields excluded). `fields` (array or comma string, not
    trimmed) and `forms` (array) select the union of the named fields and the fields of the named
    forms, matched as MySQL does (case-insensitively); unknown names are ignored; nothing selected
    means every field. json is `[` + rows joined by ",\\n" + `]`; csv has the raw column names, "\\n"
    line ends (CR LF in values become LF too) and no trimming; xml is `<records>` of `<item>`s."""
    fmt = content_format(call)
    project = call.project
    names, _ = list_param(call.params, "fields")
    forms, forms_is_array = list_param(call.params, "forms")
    if forms and not forms_is_array:
        # API/metadata/export.php hands a string to prep_implode, which makes it "", and the SQL
        # `form_name IN ()` fails: a PHP/MySQL error page, which the fake does not imitate.
        raise not_implemented("content=metadata with forms as a string (REDCap fails on it)")
    wanted_fields = {db_key(n) for n in names}
    wanted_forms = {db_key(f) for f in forms}
    selected = [
        f
        for f in project.fields
        if not (wanted_fields or wanted_forms)
        or db_key(f.name) in wanted_fields
        or db_key(f.form) in wanted_forms
    ]
    rows = [_dictionary_row(f) for f in selected]
    if fmt is ReturnFormat.JSON:
        return reply("[" + ",\n".join(json_body(r) for r in rows) + "]", fmt, call)
    if fmt is ReturnFormat.CSV:
        return reply(csv_table(DATA_DICTIONARY_COLUMNS, rows).replace("\r\n", "\n"), fmt, call)
    return reply(xml_items("records", rows), fmt, call)


# ---------------------------------------------------------------------------------------------------
# content=instrument (V15 API/instrument/export.php)


def export_instruments(call: Call) -> Reply:
    """Every instrument: name and menu label. The csv is written by hand: the label is always quoted."""
    rows: list[dict[str, Scalar]] = [
        {"instrument_name": form, "instrument_label": call.project.form_label(form)}
        for form in call.project.forms
    ]

    def csv(rows: list[dict[str, Scalar]]) -> str:
        lines = "".join(
            f'{r["instrument_name"]},"{str(r["instrument_label"]).replace(chr(34), chr(34) * 2)}"\n'
            for r in rows
        )
        return "instrument_name,instrument_label\n" + lines

    return _by_format(call, rows, xml=lambda rows: xml_items("instruments", rows), csv=csv)


# ---------------------------------------------------------------------------------------------------
# content=arm (V15 API/arm/export.php, Project::getArmRecords and extractArms; csv by arrayToCsv)

_CSV_INJECTION = ("=", "-", "+", "@")


def array_to_csv(rows: list[dict[str, Scalar]]) -> str:
    """REDCap's arrayToCsv (V15 Config/init_functions.php): header from the first row, string values
    starting with = - + @ get a TAB in front (against CSV injection), and the whole text is trimmed,
    so there is no final newline. No rows: an empty body."""
    if not rows:
        return ""
    lines = [csv_line(rows[0].keys())]
    for row in rows:
        values = ["\t" + v if isinstance(v, str) and v[:1] in _CSV_INJECTION else v for v in row.values()]
        lines.append(csv_line(values))
    return php_trim("".join(lines))


def _eq_any_arm(number: int, wanted: list[str]) -> bool:
    return any(php_loose_equals_int(w, number) for w in wanted)


def export_arms(call: Call) -> Reply:
    """The arms (`arm_num` an integer) of a longitudinal project, optionally only the `arms[]` given.
    Classic projects answer 400."""
    project = call.project
    if not project.is_longitudinal:
        raise ApiError(400, msg.ARMS_CLASSIC)
    wanted, is_array = list_param(call.params, "arms")
    if wanted and not is_array:
        # extractArms calls in_array() on the raw string: a PHP TypeError (HTTP 500) on a real server.
        raise not_implemented("content=arm with arms as a string (REDCap fails on it)")
    fmt = content_format(call)
    rows: list[dict[str, Scalar]] = [
        {"arm_num": arm.number, "name": arm.name}
        for arm in ordered_arms(project)
        # Project::loadEvents reads arms through their events: an arm without events is not shown.
        if any(e.arm == arm.number for e in project.events)
        and (not wanted or _eq_any_arm(arm.number, wanted))
    ]
    return _by_format(call, rows, xml=lambda rows: xml_items("arms", rows), csv=array_to_csv, fmt=fmt)


# ---------------------------------------------------------------------------------------------------
# content=event (V15 API/event/export.php, Project::getEventRecords and eventsToCSV)


def _trimmed_arms(call: Call) -> list[str]:
    """`arms` as getEventRecords and getInstrEventMapRecords read it: array or comma string, each
    value trimmed, blanks dropped."""
    values, _ = list_param(call.params, "arms")
    return [php_trim(v) for v in values if php_trim(v) != ""]


def export_events(call: Call) -> Reply:
    """The events of a longitudinal project (classic: 400), optionally of the given `arms`. Keys:
    event_name, arm_num (integer), unique_event_name, custom_event_label, event_id (integer; left out
    for `mobile_app=1`). The scheduling module is off, so there are no day offsets. csv: fputcsv lines
    trimmed (no final newline; no events, an empty body)."""
    project = call.project
    if not project.is_longitudinal:
        raise ApiError(400, msg.EVENTS_CLASSIC)
    fmt = content_format(call)
    arms = _trimmed_arms(call)
    with_id = call.params.text("mobile_app") != "1"
    rows: list[dict[str, Scalar]] = []
    for event in ordered_events(project):
        if arms and not any(php_loose_equals(a, str(event.arm)) for a in arms):
            continue
        row: dict[str, Scalar] = {
            "event_name": event.name,
            "arm_num": event.arm,
            "unique_event_name": event.unique_name,
            "custom_event_label": event.custom_label,
        }
        if with_id:
            row["event_id"] = event_id(project, event)
        rows.append(row)

    def csv(rows: list[dict[str, Scalar]]) -> str:
        if not rows:
            return ""
        return php_trim(csv_table(list(rows[0].keys()), rows))

    return _by_format(call, rows, xml=lambda rows: xml_items("events", rows), csv=csv, fmt=fmt)


# ---------------------------------------------------------------------------------------------------
# content=formEventMapping (V15 API/formEventMapping/export.php, Project::getInstrEventMapRecords and
# instrEventMapToCSV)


def export_form_event_mapping(call: Call) -> Reply:
    """Which forms each event has, arm by arm, forms in form order (classic: 400). When nothing
    matches, REDCap returns one row of blanks (json/xml) and a header only (csv). Its xml is written
    by hand, without CDATA."""
    project = call.project
    if not project.is_longitudinal:
        raise ApiError(400, msg.MAPPING_CLASSIC)
    fmt = content_format(call)
    arms = _trimmed_arms(call)
    rows: list[dict[str, Scalar]] = [
        {"arm_num": event.arm, "unique_event_name": event.unique_name, "form": form}
        for arm in ordered_arms(project)
        if not arms or any(php_loose_equals(a, str(arm.number)) for a in arms)
        for event in ordered_events(project)
        if event.arm == arm.number
        for form in event_forms(project, event)
    ]
    empty = not rows
    if empty:
        rows = [{"arm_num": "", "unique_event_name": "", "form": ""}]

    def xml(rows: list[dict[str, Scalar]]) -> str:
        items = "".join(
            f"<item><arm_num>{r['arm_num']}</arm_num><unique_event_name>{r['unique_event_name']}"
            f"</unique_event_name><form>{r['form']}</form></item>\n"
            for r in rows
        )
        return f"{XML_DECLARATION}\n<items>\n{items}</items>\n"

    def csv(rows: list[dict[str, Scalar]]) -> str:
        return php_trim(
            csv_line(rows[0].keys()) + ("" if empty else "".join(csv_line(r.values()) for r in rows))
        )

    return _by_format(call, rows, xml=xml, csv=csv, fmt=fmt)


# ---------------------------------------------------------------------------------------------------
# content=repeatingFormsEvents (V15 API/repeatingFormsEvents/export.php)


def export_repeating_forms_events(call: Call) -> Reply:
    """The repeating instruments and events. Classic: form_name, custom_form_label, forms in
    instrument order (V15 Project.php:2051-2053 selects them by form_name, then :2076-2085 asort()s
    them on form_number and rebuilds the array; source audit 2026-11 #64). Longitudinal: event_name
    (the unique name), form_name ("" for a repeating event), custom_form_label, event by event. The
    csv and xml are written by hand: csv never quotes, xml uses CDATA only for custom_form_label.

    REDCap 14+ first requires the Project Setup/Design right (400 `api_227` in the returnFormat, V15
    API/repeatingFormsEvents/export.php:5); super users hold it, and `mobile_app=1` grants it."""
    if call.profile.has(Change.REPEATING_EXPORT_NEEDS_DESIGN) and not (
        call.user.design or call.user.super_user
    ):
        raise ApiError(400, msg.DESIGN_RIGHTS_NEEDED)
    project = call.project
    if not has_repeating_forms_events(project):
        raise ApiError(400, msg.NO_REPEATING)
    fmt = content_format(call)
    rows: list[dict[str, Scalar]] = []
    if project.is_longitudinal:
        for event in ordered_events(project):
            if not event_forms(project, event):
                continue  # only events in $Proj->eventsForms
            for rule in project.repeating:
                if rule.event == event.unique_name:
                    rows.append(
                        {
                            "event_name": event.unique_name,
                            "form_name": rule.form or "",
                            # `$row[...] ? ... : ''` (export.php getItems): "0" exports blank
                            "custom_form_label": rule.label if rule.label not in ("", "0") else "",
                        }
                    )
    else:
        labels = {rule.form: rule.label for rule in project.repeating if rule.form is not None}
        for form in project.forms:
            if form in labels:  # the label as stored, NULL as "" (Project::setRepeatingFormsEvents)
                rows.append({"form_name": form, "custom_form_label": labels[form]})

    def xml(rows: list[dict[str, Scalar]]) -> str:
        items = "".join(
            "<item>"
            + "".join(xml_element(k, v, cdata=k == "custom_form_label") for k, v in r.items())
            + "</item>\n"
            for r in rows
        )
        return f"{XML_DECLARATION}\n<repeatingFormsEvents>\n{items}</repeatingFormsEvents>\n"

    def csv(rows: list[dict[str, Scalar]]) -> str:
        header = (
            "event_name,form_name,custom_form_label"
            if project.is_longitudinal
            else "form_name,custom_form_label"
        )
        lines = "".join(
            ",".join(str(v).replace('"', '""') if k == "custom_form_label" else str(v) for k, v in r.items())
            + "\n"
            for r in rows
        )
        return header + "\n" + lines

    return _by_format(call, rows, xml=xml, csv=csv, fmt=fmt)


# ---------------------------------------------------------------------------------------------------
# content=exportFieldNames (V15 API/exportFieldNames/export.php, REDCap::getExportFieldNames)


def export_field_names(call: Call) -> Reply:
    """The record-export names of every field (or of `field`): file and descriptive fields have none,
    form status fields are included. An unknown `field` is 400 "Invalid field"; a field with no export
    name (a file field) is 400 "An unknown error occurred" (an empty array counts as false in PHP)."""
    fields = metadata_fields(call.project)
    wanted = call.params.text("field")
    if wanted:
        fields = tuple(f for f in fields if f.name == wanted)
        if not fields:
            raise ApiError(400, msg.INVALID_FIELD)
    # A checkbox gives a row per choice (choice_value the code, as a string in json); file and
    # descriptive fields give none (REDCap::getExportFieldNames).
    rows: list[dict[str, Scalar]] = [
        {"original_field_name": f.name, "choice_value": code, "export_field_name": column}
        for f in fields
        for code, column in (
            zip(f.choice_codes(), f.export_names(), strict=True)
            if f.type == "checkbox"
            else [("", n) for n in f.export_names()]
        )
    ]
    if not rows:
        raise ApiError(400, msg.UNKNOWN_ERROR)
    fmt = content_format(call)
    if fmt is ReturnFormat.JSON:
        return reply("[" + ",".join(json_body(r) for r in rows) + "]", fmt, call)
    if fmt is ReturnFormat.CSV:
        return reply(csv_table(list(rows[0].keys()), rows), fmt, call)
    # every element in CDATA, even an empty choice_value; no newline after </fields>
    items = "".join(
        "<field>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in r.items()) + "</field>\n" for r in rows
    )
    return reply(f"{XML_DECLARATION}\n<fields>\n{items}</fields>", fmt, call)


__all__ = [
    "DATA_DICTIONARY_COLUMNS",
    "array_to_csv",
    "export_arms",
    "export_events",
    "export_field_names",
    "export_form_event_mapping",
    "export_instruments",
    "export_metadata",
    "export_project",
    "export_repeating_forms_events",
    "export_version",
]
