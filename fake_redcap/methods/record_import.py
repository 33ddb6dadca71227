"""Import Records (`content=record`, `data` given), flat, in json, csv or xml.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`): `API/index.php`:239-356 (parameter defaults:
overwriteBehavior, type, returnContent, dateFormat, forceAutoNumber), `API/record/import.php` (the
project status check, the answer per returnContent and returnFormat) and `Classes/Records.php` saveData
(parsing :5270-5330, the row checks :5390-5520, unknown fields :5600-5650, events :5700-5715, the value
checks :5920-6800 via `fake_redcap.import_values`, the error lines :6840-6870). Texts from
`LanguageUpdater/English.ini`. Facts only: no REDCap code is copied.

Nothing is half-applied: every row is checked first, then the project's records are replaced whole
through `FakeState.replace_records`.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from xml.etree import ElementTree

from fake_redcap.call import Call
from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.import_values import ColumnCheck
from fake_redcap.methods.access_log import record_dag_log
from fake_redcap.methods.export_format import (
    content_format,
    not_implemented,
)
from fake_redcap.methods.record_answer import import_answer
from fake_redcap.methods.record_calc import calc_log, recalculate
from fake_redcap.methods.record_dags import NOT_IN_YOUR_DAG, dag_log_first, imported_dags, outside_dag
from fake_redcap.methods.record_log import import_log
from fake_redcap.methods.structure import (
    event_forms,
    export_columns,
    has_repeating_forms_events,
    ordered_events,
    repeating_form,
    repeats_whole,
)
from fake_redcap.model import Field, Project, ProjectStatus, RecordRow
from fake_redcap.php import php_string
from fake_redcap.responses import Reply
from fake_redcap.state import db_key

# English.ini (V15)
NO_DATA = "No data was provided."  # data_import_tool_201
NOT_IN_FORMAT = "The data is not in the specified format."  # data_import_tool_200
PK_MISSING = "The record id field ({pk}) is missing."  # data_import_tool_212 + _213
NAME_TOO_LONG = (  # data_import_tool_233
    "Record names must be 100 characters or less in length. The following record name is too long and "
    "thus cannot be imported: {record}"
)
NAME_LINE_BREAK = (  # data_import_tool_384
    "Record names cannot contain BR tags, line breaks, or carriage return characters. The following "
    "record name contains a BR tag, line break, or carriage return, and thus cannot be imported: {record}"
)
NAME_CHARACTERS = (  # data_import_tool_215 + _216
    "The record name ({record}) cannot contain a plus sign (+), ampersand (&), pound sign (#), or apostrophe."
)
BAD_INSTANCE = (  # data_import_tool_215 + _406
    "The record name ({record}) has an invalid value for 'redcap_repeat_instance'. The value must either be "
    "a positive integer or the value 'new'. Value provided: {value}"
)
EVENT_NEEDS_INSTANCE = (  # data_import_tool_215, _282, _283 (two spaces as in English.ini)
    'The record name ({record}) with event "{event}" cannot be imported. This is because this event is a '
    "repeating event, but the field 'redcap_repeat_instance' could not be found in the data import fields.  "
    "In order to import data for a repeating event, the field 'redcap_repeat_instance' is required in the "
    "imported data set."
)
EAV_NO_RECORD = "The record name cannot be empty."  # data_import_tool_211
EAV_NO_EVENT = "The record event name is missing."  # data_import_tool_214
EAV_NEW_INSTANCE = (  # data_import_tool_215 + _302
    "The record name ({record}) has a value of 'new' for 'redcap_repeat_instance', which is not allowed for "
    "'eav' type data. The 'new' value for 'redcap_repeat_instance' can only be used when type=flat."
)
NOT_REPEATING = (  # global_01, colon, data_import_tool_252, _253 (two spaces as in English.ini)
    "ERROR: Trying to import repeat instance/instrument fields! The fields 'redcap_repeat_instrument' and "
    "'redcap_repeat_instance' are reserved for when 'Repeating Instruments and Events' have been  enabled on "
    "the Project Setup page. This project does not have that feature enabled, so you may not import data "
    "with those fields."
)
DUPLICATES = (  # data_import_tool_217
    "The records listed below occur more than once. Please remove any duplicates and try again: {keys}"
)
UNKNOWN_FIELDS = "The following fields were not found in the project as real data fields: {fields}"  # _218
BLANK_FIELD = "[variable name was left blank]"  # data_import_tool_407
INVALID_EVENTS = "The following values of redcap_event_name are invalid: {events}"  # _219
NOT_DESIGNATED = (  # data_import_tool_162, _165, period, _166
    "This field ('{field}') exists on an instrument that is not designated for the event named '{event}'. "
    "You are not allowed to import data for this field into this event."
)
WRONG_REPEATING_FORM = (  # data_import_tool_162, _260, period, _261
    "This field ('{field}') does not exist on the Repeating Instrument named '{form}'. You are not allowed "
    "to import data for this field into this Repeating Instrument."
)
NEEDS_REPEATING_FORM = (  # data_import_tool_162, _262, period, _263 (two spaces as in English.ini)
    "This field ('{field}') exists on a Repeating Instrument named '{form}'. However, the fields "
    "'redcap_repeat_instance' and/or 'redcap_repeat_instrument' for this row of data have no value, which "
    "are both required for importing data into a Repeating Instrument.  You are not allowed to import data "
    "for this field into a non-repeating instrument."
)
NOT_A_REPEATING_FORM = (  # data_import_tool_259 (two spaces as in English.ini)
    "redcap_repeat_instrument must be the unique form name of a Repeating Instrument. It currently does "
    "not match the unique form name of any Repeating Instruments.  Please fix this in the data import file "
    "and try again."
)
FORM_LOCKED = (  # data_import_tool_221
    "This field is located on a form that is locked. You must first unlock this form for this record."
)
ANALYSIS_STATUS = "Data may not be imported because the project is in Analysis/Cleanup status."

# Project::$reserved_field_names (V15 Classes/Project.php:13-25): accepted as columns, never stored.
RESERVED = frozenset(
    [
        "redcap_event_name",
        "redcap_csrf_token",
        "redcap_survey_timestamp",
        "redcap_survey_identifier",
        "redcap_survey_return_code",
        "redcap_data_access_group",
        "hidden_edit_flag",
        "instance",
        "redcap_repeat_instance",
        "redcap_repeat_instrument",
        "submit",
        "new",
        "return",
        "continue",
        "case",
        "switch",
        "class",
        "enum",
        "catch",
        "throw",
        "document",
        "super",
        "focus",
        "elements",
        "action",
        "event_id",
        "target",
        "field_label",
    ]
)
_CSV_DELIMITERS = {",": ",", "tab": "\t", "TAB": "\t", ";": ";", "|": "|", "^": "^"}
_INTEGER = re.compile(r"[0-9]+")

RowData = dict[str, str]


@dataclass
class _Row:
    """One imported row, placed: its record (as the project names it), event and instance."""

    record: str
    event: str | None
    instrument: str
    instance: int
    values: RowData = field(default_factory=dict)


def import_records(call: Call) -> Reply:
    """content=record with data: parse, check everything, then write the project whole."""
    project, params = call.project, call.params
    if project.status == ProjectStatus.ANALYSIS:  # API/record/import.php:13-20
        raise ApiError(403, ANALYSIS_STATUS)
    fmt = content_format(call)
    for name in ("backgroundProcess", "uuid"):
        value = params.text(name)
        if (name == "uuid" and value != "") or (name != "uuid" and (value == "1" or value.lower() == "true")):
            raise not_implemented(f"content=record&{name} (import)")
    overwrite = params.text("overwriteBehavior").lower() == "overwrite"
    date_format = params.text("dateFormat") if params.text("dateFormat") in ("MDY", "DMY") else "YMD"
    data = params.text("data")
    if data == "":
        raise ApiError(400, NO_DATA)
    rows = _parse(fmt, data, _CSV_DELIMITERS.get(params.text("csvDelimiter"), ","))
    if params.text("type").lower() == "eav":
        rows = _eav_rows(project, rows)
    placed = _place(project, call.served.records, rows)
    dags = imported_dags(call, [(r.record, r.values) for r in placed], overwrite)
    refused = outside_dag(call, [r.record for r in placed])
    errors = _check_values(project, placed, overwrite, date_format, refused)
    if errors:
        raise ApiError(400, "\n".join(errors))
    ids = list(dict.fromkeys(row.record for row in placed))
    written = _written(project, placed, overwrite)
    # saveData's DO CALCULATIONS (Records.php:7447-7460): the first row's fields trigger them
    recalculated = recalculate(project, written, ids, rows[0] if rows else ())
    written = recalculated.rows
    columns = export_columns(project)
    stored = {name: _stored(found) for name, found in columns.items()}
    log = import_log(
        call,
        written,
        [(row.record, row.event, row.instance, list(row.values)) for row in placed],
        lambda name: stored.get(name, False),
        lambda name: (found := columns.get(name)) is not None and found.type == "checkbox",
    )
    placed_names = {db_key(row.record): row.record for row in placed}
    log = dag_log_first(call, log, record_dag_log(call, dict(project.record_dags), dags, placed_names))
    log += calc_log(call, recalculated.changes)
    call.state.replace_records(project.project_id, written, seen=call.served, log=log, record_dags=dags)
    return import_answer(call, ids)


# ---------------------------------------------------------------------------------------------------------
# Parsing


def _parse(fmt: ReturnFormat, data: str, delimiter: str) -> list[RowData]:
    if fmt is ReturnFormat.JSON:
        return _parse_json(data)
    if fmt is ReturnFormat.CSV:
        return _parse_csv(data, delimiter)
    return _parse_xml(data)


def _parse_json(data: str) -> list[RowData]:
    try:
        decoded = json.loads(data)
    except ValueError:
        raise ApiError(400, NOT_IN_FORMAT) from None
    if decoded in (None, "", 0, False):
        raise ApiError(400, NOT_IN_FORMAT)
    if not isinstance(decoded, list) or not all(isinstance(item, dict) for item in decoded):
        raise not_implemented("content=record import of JSON that is not a list of objects")
    rows: list[RowData] = []
    for item in decoded:
        for v in item.values():
            if type(v) is not str:
                break
        else:  # every value a string (the keys of a JSON object are): the row as it is
            rows.append(item)
            continue
        if any(isinstance(v, (list, dict)) for v in item.values()):
            raise not_implemented("content=record import of JSON with nested values")
        rows.append({str(k): php_string(v) for k, v in item.items()})
    return rows


def _parse_csv(data: str, delimiter: str) -> list[RowData]:
    """csvToArray (V15 Config/init_functions.php:5055): BOM removed, trimmed, the first line the
    headers (blank ones dropped), blank lines skipped, short rows padded, long rows cut."""
    text = data.removeprefix("\ufeff").strip()
    lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"'))
    if not lines:
        return []
    headers = [(i, h) for i, h in enumerate(lines[0]) if h.strip() != ""]
    rows: list[RowData] = []
    for line in lines[1:]:
        if "".join(line).strip() == "":
            continue
        padded = [*line, *([""] * len(lines[0]))]
        rows.append({h: padded[i] for i, h in headers})
    return rows


def _parse_xml(data: str) -> list[RowData]:
    """`<records><item><field>value</field>...</item>...</records>`."""
    if "<!DOCTYPE" in data.upper() or "<!ENTITY" in data.upper():
        raise not_implemented("content=record import of XML with a DOCTYPE")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        raise ApiError(400, NOT_IN_FORMAT) from None
    items = root.findall("item") if root.tag == "records" else []
    if not items:
        raise ApiError(400, NOT_IN_FORMAT)
    return [{child.tag: (child.text or "") for child in item} for item in items]


# ---------------------------------------------------------------------------------------------------------
# Rows: names, events, instances (Records.php saveData, flat)


def _place(project: Project, existing: dict[str, str], rows: list[RowData]) -> list[_Row]:
    pk = project.record_id_field
    repeating = has_repeating_forms_events(project)
    if (
        not repeating
        and rows
        and ("redcap_repeat_instrument" in rows[0] or "redcap_repeat_instance" in rows[0])
    ):
        raise ApiError(400, NOT_REPEATING)
    first_event = ordered_events(project)[0].unique_name if project.is_longitudinal else None
    placed: list[_Row] = []
    for values in rows:
        for name, value in values.items():  # saveData: str_replace('\\"', '"') on every value
            values[name] = value.replace('\\"', '"')
        record = _record_name(pk, values)
        event = values.get("redcap_event_name", "").strip() if project.is_longitudinal else None
        if project.is_longitudinal and "redcap_event_name" not in values:
            event = first_event
        raw_instance = values.get("redcap_repeat_instance", "")
        if raw_instance != "" and raw_instance != "new" and not _positive(raw_instance):
            raise ApiError(400, BAD_INSTANCE.format(record=record, value=raw_instance))
        if raw_instance.startswith("new"):
            raise not_implemented("content=record import with redcap_repeat_instance=new")
        if (
            event is not None
            and "redcap_repeat_instance" not in values
            and "redcap_event_name" in values
            and repeats_whole(project, event)
        ):
            raise ApiError(400, EVENT_NEEDS_INSTANCE.format(record=record, event=event))
        instrument = values.get("redcap_repeat_instrument", "") if raw_instance != "" else ""
        instance = int(raw_instance) if raw_instance != "" else 1
        values[pk] = record
        placed.append(_Row(existing.get(db_key(record), record), event, instrument, instance, values))
    _refuse_duplicates(project, placed, repeating)
    _refuse_unknown_fields(project, rows)
    if project.is_longitudinal:
        known = {e.unique_name for e in project.events}
        bad = list(dict.fromkeys(r.event or "" for r in placed if r.event not in known))
        if bad:
            raise ApiError(400, INVALID_EVENTS.format(events=_html(", ".join(bad))))
    return placed


def _eav_rows(project: Project, rows: list[RowData]) -> list[RowData]:
    """type=eav (Records.php:5333-5385): rows of record, redcap_event_name, redcap_repeat_instrument,
    redcap_repeat_instance, field_name, value, gathered into flat rows by record, event, instrument and
    instance. A checkbox's value is the code it checks. A row without an event takes the previous row's
    (REDCap reuses the variable); `new` instances are refused for EAV."""
    if (
        not has_repeating_forms_events(project)
        and rows
        and ("redcap_repeat_instrument" in rows[0] or "redcap_repeat_instance" in rows[0])
    ):
        raise ApiError(400, NOT_REPEATING)
    pk = project.record_id_field
    checkboxes = {f.name for f in project.fields if f.type == "checkbox"}
    merged: dict[tuple[str, str, str, str], RowData] = {}
    event = ""
    for row in rows:
        record = row.get("record", "").strip(" \t\n\r\0\x0b")
        if project.is_longitudinal:
            event = row.get("redcap_event_name", event).strip()
        name, value = row.get("field_name", "").strip(), row.get("value", "")
        if record == "":
            raise ApiError(400, EAV_NO_RECORD)
        _record_name(pk, {pk: record})
        if name == pk and value == "":
            raise ApiError(400, PK_MISSING.format(pk=pk))
        if project.is_longitudinal and event == "":
            raise ApiError(400, EAV_NO_EVENT)
        instance = row.get("redcap_repeat_instance", "")
        if instance != "" and instance != "new" and not _positive(instance):
            raise ApiError(400, BAD_INSTANCE.format(record=record, value=instance))
        if instance.startswith("new"):
            raise ApiError(400, EAV_NEW_INSTANCE.format(record=record))
        instrument = row.get("redcap_repeat_instrument", "") if instance != "" else ""
        flat = merged.setdefault((record, event, instrument, instance), {pk: record})
        if project.is_longitudinal:
            flat["redcap_event_name"] = event
        if has_repeating_forms_events(project):
            flat["redcap_repeat_instrument"], flat["redcap_repeat_instance"] = instrument, instance
        if name in checkboxes:
            flat[f"{name}___{value}"] = "1"
        elif name != pk:
            flat[name] = value
    return list(merged.values())


def _record_name(pk: str, values: RowData) -> str:
    record = values.get(pk, "").strip(" \t\n\r\0\x0b")
    if record == "":
        raise ApiError(400, PK_MISSING.format(pk=pk))
    if len(record.encode("utf-8")) > 100:
        raise ApiError(400, NAME_TOO_LONG.format(record=record))
    if "<" in record:
        record = re.sub(r"<br\s*/?>", "\n", record, flags=re.IGNORECASE)  # br2nl
    if "\r" in record or "\n" in record:
        raise ApiError(400, NAME_LINE_BREAK.format(record=record))
    if any(ch in record for ch in "+'&#"):
        raise ApiError(400, NAME_CHARACTERS.format(record=record))
    return record


def _positive(text: str) -> bool:
    return _INTEGER.fullmatch(text) is not None and int(text) >= 1


def _refuse_duplicates(project: Project, placed: list[_Row], repeating: bool) -> None:
    """A record given twice for the same event is refused in a project without repeating instruments
    or events; the key names the event REDCap uses (a classic project's is event_1_arm_1)."""
    if repeating:
        return
    seen: set[str] = set()
    duplicates: list[str] = []
    for row in placed:
        key = f"{row.values[project.record_id_field]}-{row.event or 'event_1_arm_1'}--"
        if key.lower() in seen and key not in duplicates:
            duplicates.append(key)
        seen.add(key.lower())
    if duplicates:
        raise ApiError(400, DUPLICATES.format(keys=", ".join(duplicates)))


def _refuse_unknown_fields(project: Project, rows: list[RowData]) -> None:
    columns = export_columns(project)
    extra = {f"{form}_timestamp" for form in project.forms} | {
        f"{form}_return_code" for form in project.forms
    }
    unknown: list[str] = []
    for name in dict.fromkeys(k.strip() for row in rows for k in row):
        found = columns.get(name)
        if (found is None and name not in RESERVED and name not in extra) or (
            found and found.type == "descriptive"
        ):
            unknown.append(name if name != "" else BLANK_FIELD)
    if unknown:
        raise ApiError(400, UNKNOWN_FIELDS.format(fields=_html(", ".join(unknown))))


def _html(text: str) -> str:
    """htmlspecialchars with ENT_QUOTES."""
    return (
        text.replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("'", "&#039;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


# ---------------------------------------------------------------------------------------------------------
# Values


def _check_values(
    project: Project, placed: list[_Row], overwrite: bool, date_format: str, refused: set[str]
) -> list[str]:
    """Every value's error line, `"record","field","value","message"` (Records.php:6840-6870), row by row
    and value by value. What depends only on the column is worked out once per column (`_Column`), and
    a column's check once per distinct value (`ColumnCheck`). The record ID of a record in `refused` (db
    keys: outside the caller's DAG) gets data_import_tool_307."""
    pk = project.record_id_field
    stored = {(db_key(r.record), r.event, r.instance): r for r in project.records}
    locked_whole = {db_key(r.record) for r in project.records if r.record_locked}
    columns = export_columns(project)
    plans: dict[str, ColumnCheck | None] = {}  # None: not a stored field
    errors: list[str] = []
    for row in placed:
        key = db_key(row.record)
        if key in locked_whole:  # Records.php:6264-6275, before any field
            raise not_implemented("content=record import into a record locked whole")
        target = stored.get((key, row.event, row.instance))
        # no repeating set-up and a base row: no repeating error (_repeating_error gives None)
        repeating = row.instrument != "" or bool(project.repeating)
        for name, raw in list(row.values.items()):
            if name == "redcap_repeat_instrument":
                message = _instrument_error(project, row)
                if message:
                    errors.append(_error_line(row.record, name, raw, message))
                continue
            # calc fields: a warning only, skipped (Records.php:6403); file fields: skipped (:5907)
            if name == pk and key in refused:  # :6300-6306
                errors.append(_error_line(row.record, name, row.record, NOT_IN_YOUR_DAG))  # aligned name
            if name in plans:
                plan = plans[name]
            else:
                of = columns.get(name)
                plan = (
                    ColumnCheck(of, name, overwrite, date_format) if of is not None and _stored(of) else None
                )
                plans[name] = plan
            if plan is None or name == pk:
                continue
            found = plan.field
            value, error = (raw, None) if plan.checks is None else plan.check(raw)
            row.values[name] = value
            message = None
            if _changes(target, found, name, value, overwrite):
                # Only an added or updated value is checked (:6360); each later check replaces an earlier
                # message: the lock (:6397), the value checks, the repeating instrument (:6690-6706).
                locked = target is not None and found.form in target.locked_forms
                message = (
                    (_repeating_error(project, row, found, name) if repeating else None)
                    or error
                    or (FORM_LOCKED if locked else None)
                )
            # :6755, whatever the status (an overwrite's unchanged unchecked box excepted, :6773)
            unchanged_box = found.type == "checkbox" and overwrite and value == "0" and message is None
            if project.events and not unchanged_box:
                message = _designation_error(project, row, found, name, value) or message
            if message:
                errors.append(_error_line(row.record, name, value, message))
    return errors


def _changes(target: RecordRow | None, found: Field, name: str, value: str, overwrite: bool) -> bool:
    """saveData's status (:6085-6115): 'add' or 'update', not 'keep' (the same value, or a blank that
    normal mode keeps)."""
    old = target.values.get(name, "") if target is not None else ""
    if found.type == "checkbox" and old == "":
        old = "0"
    if value == old:
        return False
    return not (old != "" and value == "" and not overwrite)


def _instrument_error(project: Project, row: _Row) -> str | None:
    if row.instrument == "" or repeats_whole(project, row.event):
        return None
    return None if repeating_form(project, row.event, row.instrument) else NOT_A_REPEATING_FORM


def _repeating_error(project: Project, row: _Row, found: Field, name: str) -> str | None:
    """The field's form must repeat where the row does (Records.php:6690-6706)."""
    form = found.form
    if row.instrument != "" and not repeats_whole(project, row.event) and row.instrument != form:
        return WRONG_REPEATING_FORM.format(field=name, form=row.instrument)
    if row.instrument == "" and repeating_form(project, row.event, form):
        return NEEDS_REPEATING_FORM.format(field=name, form=form)
    return None


def _designation_error(project: Project, row: _Row, found: Field, name: str, value: str) -> str | None:
    """Longitudinal: a value's form must be designated for the row's event (Records.php:6755-6790)."""
    if project.is_longitudinal and value != "":
        event = project.event(row.event or "")
        if event is not None and found.form not in event_forms(project, event):
            return NOT_DESIGNATED.format(field=name, event=_name_ext(project, event.unique_name))
    return None


def _name_ext(project: Project, unique_name: str) -> str:
    """Project eventInfo name_ext: the event's name, with its arm when the project has several arms
    (V15 Classes/Project.php:937, 969)."""
    event = project.event(unique_name)
    assert event is not None
    if len(project.arms) < 2:
        return event.name
    arm = next((a for a in project.arms if a.number == event.arm), None)
    return f"{event.name} (Arm {event.arm}: {arm.name if arm else ''})"


def _error_line(record: str, name: str, value: str, message: str) -> str:
    def quoted(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    clean = re.sub(r"<[^>]*>", "", message.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))
    return f'{quoted(record)},"{name}",{quoted(value)},{quoted(clean)}'


# ---------------------------------------------------------------------------------------------------------
# Writing


def _stored(found: Field | None) -> bool:
    """Calc fields (computed by REDCap, a warning only) and file fields (skipFileUploadFields) are not
    written by a record import; neither are reserved columns."""
    if found is None or found.type in ("calc", "file", "descriptive"):
        return False
    return not ("@CALCTEXT" in found.annotation or "@CALCDATE" in found.annotation)


def _written(project: Project, placed: list[_Row], overwrite: bool) -> tuple[RecordRow, ...]:
    columns = export_columns(project)
    stored = {name: _stored(found) for name, found in columns.items()}
    pk = project.record_id_field
    records = list(project.records)
    index = {(db_key(r.record), r.event, r.instance): i for i, r in enumerate(records)}
    for row in placed:
        key = (db_key(row.record), row.event, row.instance)
        position = index.get(key)
        current = (
            records[position] if position is not None else RecordRow(row.record, row.event, row.instance)
        )
        values = dict(current.values)
        for name, value in row.values.items():
            if name == pk or not stored.get(name, False):
                continue
            found = columns[name]
            # A blank keeps the stored value in normal mode, checkbox or not (saveData :5506 turns a
            # blank checkbox into "0" only in overwrite mode); "0" unchecks a box in either mode.
            if value == "" and not overwrite:
                continue
            if value == "" or (found.type == "checkbox" and value == "0"):
                values.pop(name, None)
            else:
                values[name] = value
        # the row's other parts (files, locks, a removed field's hidden values and files) stay as they are
        updated = dataclasses.replace(current, values=MappingProxyType(values))
        if position is None:
            index[key] = len(records)
            records.append(updated)
        else:
            records[position] = updated
    return tuple(records)
