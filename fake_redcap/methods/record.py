"""Export Records (`content=record`, flat), in REDCap's shape for json, csv and xml.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`): `API/record/export.php` (checks, parameters,
de-identification) and `Classes/Records.php` `getData` (rows, columns, order, the three writers:
convertFlatDataToJson / Xml / Csv). Real-server output in PyCap's `export_records` doctest (run against
redcapdemo.vumc.org) agrees: `'redcap_repeat_instance': 1` an integer, a file field showing its file
name, csv `...\\n1,"Event 1",,1,...\\n`. Facts only: no REDCap code is copied.

What REDCap does that the fake models:

* A record's data are data points (record, event, field, instance): the record ID field in every
  event the record has rows in, each non-blank value, each stored file, and each form status
  `<form>_complete` = 0 for a form that holds data in that row (REDCap stores one for every form saved
  or imported). A row is made by the first data point of a requested field that falls in it: a base
  row per record and event, a repeating row per record, event, repeating form (or "" for a repeating
  event) and instance. Rows start from defaults: "" for fields, "0" for the status of a form
  designated for the event.
* Order: records by case-insensitive natural order; per record its base rows in event order, then its
  repeating rows by event, form order and instance.
* Columns: the requested fields in data dictionary order; right after the record ID field come
  redcap_event_name (longitudinal) and redcap_repeat_instrument / redcap_repeat_instance (a project with
  repeating forms or events). Without the record ID field these columns are absent too. In longitudinal
  projects a `fields` list without the record ID field still makes base rows for every record-event
  (REDCap adds the field to fetch, then removes it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from fake_redcap import messages as msg
from fake_redcap.call import Call
from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.messages import Change
from fake_redcap.methods import record_fast
from fake_redcap.methods.export_format import (
    XML_DECLARATION,
    Scalar,
    content_format,
    csv_line,
    csv_text_lines,
    json_body,
    list_param,
    nonblank,
    not_implemented,
    php_loose_equals,
    php_trim,
    prep_implode,
    reply,
    unique,
)
from fake_redcap.methods.record_dags import dag_column, dag_records, wants_dag_column
from fake_redcap.methods.record_eav import export_eav
from fake_redcap.methods.record_filters import convert_decimals, csv_delimiter, records_in_range, row_filter
from fake_redcap.methods.record_labels import event_label, header_labels, label_values, wants_labels
from fake_redcap.methods.structure import (
    deid_fields_to_remove,
    event_forms,
    event_id,
    export_columns,
    form_export_right,
    has_repeating_forms,
    has_repeating_forms_events,
    is_status_field,
    metadata_fields,
    ordered_events,
    repeating_form,
    repeats_whole,
)
from fake_redcap.model import ExportRight, Field, Project, RecordRow
from fake_redcap.project_log import log_event
from fake_redcap.responses import Reply
from fake_redcap.state import db_key

# Options REDCap's record export takes that change the answer and the fake does not implement. An
# option at its default (absent, "", "false", "0", "raw") is fine.
_TEXT_OPTIONS: tuple[str, ...] = ()


@dataclass
class _Row:
    """One output row before formatting: its place (for ordering) and its values by field."""

    record: str
    event: str | None
    instrument: str  # repeating form, "" for a base row or a repeating event
    instance: int
    repeating: bool
    values: dict[str, str] = field(default_factory=dict)


def export_records(call: Call) -> Reply:
    """content=record, type flat. See the module docstring for the rules."""
    project, params, user = call.project, call.params, call.user

    # No Access: 403 before anything else (API/record/export.php).
    if user.export_rights() == ExportRight.NO_ACCESS:
        raise ApiError(403, msg.EXPORT_NO_ACCESS)
    metadata = {f.name: f for f in metadata_fields(project)}
    events_raw = _requested_events(call)
    requested = _requested_fields(call, metadata)
    forms_raw, forms_is_array = list_param(params, "forms")
    if forms_is_array and forms_raw:
        invalid = unique(f for f in forms_raw if f not in project.forms)
        if invalid:
            raise ApiError(400, msg.RECORD_FORMS_INVALID.format(values=prep_implode(invalid)))

    # type: exactly "flat", or anything that is neither eav nor flat in lower case, is flat.
    # API/index.php keeps eav/flat in any case; export.php exports flat only for exactly "flat" (or odm).
    kind = params.text("type")
    eav = kind != "flat" and kind.lower() in ("eav", "flat") and params.text("format") != "odm"

    # getRecordsFlat: quotes removed and values trimmed; forms add their fields (status included).
    records = [php_trim(v.replace("'", "")) for v in list_param(params, "records")[0]]
    events = [_unquoted(v) for v in events_raw]
    fields = [_unquoted(v) for v in requested]
    for form in forms_raw:
        name = _unquoted(form)
        fields.extend(f.name for f in metadata.values() if f.form == name)
    fields_specified = bool(requested) or (forms_is_array and bool(forms_raw))
    fields = _deidentified(call, metadata, fields or list(metadata))
    if fields_specified and not fields:
        raise ApiError(400, msg.RECORD_FIELDS_ALL_DEID)
    _refuse_hashed_record_ids(call, metadata)
    fmt = content_format(call)  # ODM (REDCap's flat export as CDISC ODM) is not implemented
    _refuse_unimplemented_options(call, fmt)
    log_export(call)

    records = records_in_range(call, records)  # dateRangeBegin / dateRangeEnd
    keep = row_filter(call)  # filterLogic (checked before the data are read)
    if eav:
        return export_eav(call, fields, records, keep, fmt)
    # the fast path leaves form statuses to the defaults: not with exportBlankForGrayFormStatus
    if record_fast.applies(call, events, keep, fmt) and not _blank_for_gray_form_status(call):
        return _fast_export(call, metadata, records, fields, fmt)
    rows, columns = _get_data(call, metadata, records, fields, events)
    convert_decimals(call, metadata, rows)
    if wants_labels(call):
        label_values(call, export_columns(call.project), rows)
    if keep is not None:
        rows = [row for row in rows if keep(row.record, row.event, row.instance)]
    return _write(call, fmt, rows, columns)


def log_export(call: Call) -> None:
    """export.php:261-267: DATA_EXPORT "Export data (API)" with the format asked (strtoupper of the
    parameter as sent) and rawOrLabel, JSON-encoded, logged before the data are read."""
    params = call.params
    values = {"export_format": params.text("format").upper(), "rawOrLabel": params.text("rawOrLabel")}
    if wants_dag_column(call):  # export.php:264
        values["export_data_access_group"] = "Yes"
    entry = log_event(call, "redcap_data", "DATA_EXPORT", None, json_body(values), "Export data (API)")
    call.state.add_log(call.project.project_id, entry, seen=call.served)


def _unquoted(value: str) -> str:
    return php_trim(value.replace("'", "").replace('"', ""))


def _requested_events(call: Call) -> list[str]:
    """`events` given as an array is validated (longitudinal only), exactly (in_array)."""
    events_raw, events_is_array = list_param(call.params, "events")
    project = call.project
    if project.is_longitudinal and events_is_array and events_raw:
        names = [e.unique_name for e in project.events]
        invalid = unique(v for v in events_raw if not any(php_loose_equals(v, name) for name in names))
        if invalid:
            raise ApiError(400, msg.RECORD_EVENTS_INVALID.format(values=prep_implode(invalid)))
    return events_raw


def _requested_fields(call: Call, metadata: dict[str, Field]) -> list[str]:
    """`fields`: a comma string is trimmed, an array is not; names are exact (PHP array keys).
    Descriptive fields are dropped; only descriptive fields is an error."""
    fields_raw, fields_is_array = list_param(call.params, "fields")
    if not fields_is_array:
        fields_raw = [php_trim(v) for v in fields_raw]
    if not fields_raw:
        return []
    requested: list[str] = []
    invalid = []
    for name in fields_raw:
        found = metadata.get(name)
        if found is None:
            invalid.append(name)
        elif found.type != "descriptive":
            requested.append(name)
    if invalid:
        raise ApiError(400, msg.RECORD_FIELDS_INVALID.format(values=prep_implode(unique(invalid))))
    if not requested:
        raise ApiError(400, msg.RECORD_FIELDS_DESCRIPTIVE)
    return requested


def _deidentified(call: Call, metadata: dict[str, Field], fields: list[str]) -> list[str]:
    """The fields left once the user's per-form export rights removed theirs."""
    project = call.project
    wanted = [metadata[n] for n in fields if n in metadata]
    removed = deid_fields_to_remove(wanted, call.user, project.record_id_field)
    return [n for n in fields if n not in removed]


def _refuse_hashed_record_ids(call: Call, metadata: dict[str, Field]) -> None:
    """An Identifier record ID field under De-Identified rights: REDCap then replaces every record name
    with a salted hash the fake cannot reproduce."""
    record_id = metadata[call.project.record_id_field]
    if record_id.identifier and form_export_right(call.user, record_id.form) in (
        ExportRight.DEIDENTIFIED,
        ExportRight.REMOVE_IDENTIFIERS,
    ):
        raise not_implemented("content=record with hashed record IDs (an Identifier record ID field)")


def _refuse_unimplemented_options(call: Call, fmt: ReturnFormat) -> None:
    params = call.params
    if fmt is ReturnFormat.CSV and params.text("csvDelimiter") in ("tab", "TAB", "\t"):
        # getData hands "tab" to fputcsv as it is (V15 Records.php:1722), which PHP 8 refuses
        raise not_implemented("content=record&csvDelimiter=tab")
    for name in _TEXT_OPTIONS:
        if params.text(name) != "":
            raise not_implemented(f"content=record&{name}")


RowKey = tuple[str, str | None, str, int]  # record, event, repeating form ("" if none), instance


def _get_data(
    call: Call, metadata: dict[str, Field], records: list[str], fields: list[str], events: list[str]
) -> tuple[list[_Row], list[str]]:
    """`Records::getData` for a flat export: the rows and the output columns."""
    project = call.project
    pk = project.record_id_field
    remove_pk = project.is_longitudinal and pk not in fields
    # A checkbox is a column per choice, `field___code` (V15 Records::getData via
    # Project::getExtendedCheckboxFieldname): past _fetched_fields, names are export columns.
    by_column = export_columns(project)
    wanted, fetched = _fetched_fields(project, metadata, by_column, [pk, *fields] if remove_pk else fields)
    event_names = _chosen_events(project, events)
    blank_gray = _blank_for_gray_form_status(call)
    defaults = {ev: _defaults(project, by_column, fetched, ev, blank_gray) for ev in event_names}
    chosen = dag_records(call, _chosen_records(project, records))
    rows = _rows(call, by_column, chosen, set(fetched), defaults)
    _drop_empty_base_rows(project, rows)
    _blank_other_statuses(project, by_column, rows.values())
    if remove_pk:  # the record ID field goes if it was only fetched
        for row in rows.values():
            row.values.pop(pk, None)
    columns = [n for n in wanted if not (remove_pk and n == pk)]
    return _order(project, list(rows.values())), columns


def _fast_export(
    call: Call, metadata: dict[str, Field], records: list[str], fields: list[str], fmt: ReturnFormat
) -> Reply:
    """The common export (see `record_fast.applies`): the same answer as `_get_data` + `_write`."""
    project = call.project
    by_column = export_columns(project)
    _, fetched = _fetched_fields(project, metadata, by_column, fields)  # no repeating: the columns
    defaults = _defaults(project, by_column, fetched, None, False)
    chosen = dag_records(call, _chosen_records(project, records))
    rows = record_fast.classic_rows(call, by_column, fetched, defaults, chosen)
    order = record_fast.known(project).order_key(project, len(rows))
    formatted = [rows[record] for record in sorted(rows, key=order)]  # as _order: stable
    if fmt is ReturnFormat.JSON:
        return reply(json_body(formatted), fmt, call)
    sep = csv_delimiter(call.params)
    header = csv_line(list(formatted[0]), sep) if formatted else "\n"
    return reply(header + csv_text_lines(formatted, sep), fmt, call)


def flat_rows(
    call: Call, records: list[str], fields: list[str], events: list[str]
) -> tuple[list[_Row], list[str]]:
    """getData's flat rows and columns for another writer (the project XML's ClinicalData)."""
    metadata = {f.name: f for f in metadata_fields(call.project)}
    return _get_data(call, metadata, records, fields, events)


def _fetched_fields(
    project: Project, metadata: dict[str, Field], columns: dict[str, Field], fields: list[str]
) -> tuple[list[str], list[str]]:
    """The wanted columns in data dictionary order (descriptive fields dropped, a checkbox's choices
    in its place), and the columns fetched: a repeating form's status field is fetched to find rows
    even when it is not wanted (then it is not shown)."""
    order = {name: i for i, name in enumerate(metadata)}
    names = sorted(
        dict.fromkeys(n for n in fields if n in metadata and metadata[n].type != "descriptive"),
        key=order.__getitem__,
    )
    by_field: dict[str, list[str]] = {}
    for column, field_of in columns.items():
        by_field.setdefault(field_of.name, []).append(column)
    wanted = [column for n in names for column in by_field[n]]
    if not has_repeating_forms(project):
        return wanted, wanted
    hidden: set[str] = set()
    for name in wanted:
        form = columns[name].form
        status = f"{form}_complete"
        if any(rule.form == form for rule in project.repeating) and status not in wanted:
            hidden.add(status)
    return wanted, [*wanted, *sorted(hidden - set(wanted), key=order.__getitem__)]


def _chosen_events(project: Project, events: list[str]) -> list[str | None]:
    """All events, or the valid unique names / event ids given (invalid ones silently dropped)."""
    all_events = ordered_events(project)
    if not events:
        return [e.unique_name for e in all_events] if project.is_longitudinal else [None]
    if not project.is_longitudinal:
        raise not_implemented("content=record&events in a classic project")
    chosen = [
        e
        for e in all_events
        if any((v.isdigit() and int(v) == event_id(project, e)) or v == e.unique_name for v in events)
    ]
    if not chosen:
        # REDCap then fetches every event but gives no row its defaults: sparse rows.
        raise not_implemented("content=record&events with no valid event name")
    return [e.unique_name for e in chosen]


def _chosen_records(project: Project, records: list[str]) -> set[str]:
    """All records, or the existing records named (matched as MySQL does); none: no rows."""
    existing = record_fast.known(project).by_key
    if not records:
        return set(existing.values())
    keys = {db_key(r) for r in records}
    return {existing[k] for k in keys if k in existing}


def _rows(
    call: Call,
    columns: dict[str, Field],
    records: set[str],
    fetched: set[str],
    defaults: dict[str | None, dict[str, str]],
) -> dict[RowKey, _Row]:
    """The rows the chosen data points make, each started from its event's defaults."""
    project = call.project
    pk = project.record_id_field
    rows: dict[RowKey, _Row] = {}
    for record, event, name, instance, value in _data_points(call, columns):
        if record not in records or event not in defaults or name not in fetched:
            continue
        whole = repeats_whole(project, event)
        rep_form = not whole and repeating_form(project, event, columns[name].form)
        if not (whole or rep_form):
            if instance > 1:
                continue  # an orphaned value
            key: RowKey = (record, event, "", 0)
            if key not in rows:
                rows[key] = _Row(record, event, "", 1, False, dict(defaults[event]))
            rows[key].values[name] = value
            continue
        instrument = columns[name].form if rep_form else ""
        if rep_form and instance > 1 and name == pk:
            continue
        key = (record, event, instrument, instance)
        if key not in rows:
            row = _Row(record, event, instrument, instance, True, dict(defaults[event]))
            if pk in row.values:
                row.values[pk] = record
            rows[key] = row
        rows[key].values[name] = value
    return rows


def _drop_empty_base_rows(project: Project, rows: dict[RowKey, _Row]) -> None:
    """Longitudinal: an event whose forms all repeat loses its (empty) base row."""
    if not (
        project.is_longitudinal and has_repeating_forms(project) and any(r.repeating for r in rows.values())
    ):
        return
    for ev in ordered_events(project):
        forms = event_forms(project, ev)
        if forms and all(repeating_form(project, ev.unique_name, f) for f in forms):
            for key in [k for k in rows if k[1] == ev.unique_name and k[2:] == ("", 0)]:
                del rows[key]


def _blank_other_statuses(project: Project, columns: dict[str, Field], rows: Iterable[_Row]) -> None:
    """Form statuses and checkboxes of other forms are blanked on repeating-form rows, and a repeating
    form's are blanked on base rows (V15 Records::getData, "remove any 0s for checkboxes and form
    status fields from other forms on a repeating form instance")."""
    for row in rows:
        for name in list(row.values):
            if name in columns and _zero_default(columns[name]):
                form = columns[name].form
                other_form = row.repeating and row.instrument not in ("", form)
                repeating_on_base = not row.repeating and repeating_form(project, row.event, form)
                if other_form or repeating_on_base:
                    row.values[name] = ""


def _blank_for_gray_form_status(call: Call) -> bool:
    """`exportBlankForGrayFormStatus`: "1" or "true" in any case (V15 API/record/export.php:340-341);
    REDCap 10 has no such parameter."""
    if not call.profile.has(Change.BLANK_FOR_GRAY_FORM_STATUS):
        return False
    value = call.params.text("exportBlankForGrayFormStatus")
    return value == "1" or value.lower() == "true"


def _defaults(
    project: Project, metadata: dict[str, Field], fields: list[str], event: str | None, blank_gray: bool
) -> dict[str, str]:
    """A new row's values: "" for fields, "0" for a status or checkbox column of a form designated for
    the event ("" otherwise). With `exportBlankForGrayFormStatus` a status with no stored value (a
    gray form) is "" too (V15 Records.php:2401-2408: `!$validFormEvent || $returnBlankForGrayFormStatus`
    before the "0" and the label)."""
    designated = (
        event_forms(project, next(e for e in project.events if e.unique_name == event))
        if event is not None
        else project.forms
    )
    return {
        name: (
            "0"
            if metadata[name].form in designated and not (blank_gray and is_status_field(metadata[name]))
            else ""
        )
        if _zero_default(metadata[name])
        else ""
        for name in fields
    }


def _data_points(call: Call, metadata: dict[str, Field]) -> Iterable[tuple[str, str | None, str, int, str]]:
    """Every stored data point (record, event, field, instance, value) of the project, as REDCap's
    redcap_data holds them (see the module docstring)."""
    project = call.project
    pk = project.record_id_field
    file_names = call.profile.has(Change.RECORD_EXPORT_FILE_NAMES)
    seen_events: set[tuple[str, str | None]] = set()
    for row in project.records:
        if (row.record, row.event) not in seen_events:
            seen_events.add((row.record, row.event))
            yield row.record, row.event, pk, 1, row.record
        if row.instance > 1 and repeats_whole(project, row.event):
            yield row.record, row.event, pk, row.instance, row.record
        yield from _row_points(row, metadata, file_names)


def _row_points(
    row: RecordRow, metadata: dict[str, Field], file_names: bool
) -> Iterable[tuple[str, str | None, str, int, str]]:
    forms: list[str] = []
    for name, value in row.values.items():
        if value != "":
            yield row.record, row.event, name, row.instance, value
            forms.append(metadata[name].form)
    for name, stored in row.files.items():
        yield row.record, row.event, name, row.instance, stored.name if file_names else msg.RECORD_DOCUMENT
        forms.append(metadata[name].form)
    for form in dict.fromkeys(forms):
        if f"{form}_complete" not in row.values:  # a status the fixture gives was yielded above
            yield row.record, row.event, f"{form}_complete", row.instance, "0"


def _zero_default(field: Field) -> bool:
    """Form status and checkbox columns start at "0" where their form is designated (V15
    Records::getData, default values)."""
    return is_status_field(field) or field.type == "checkbox"


def _order(project: Project, rows: list[_Row]) -> list[_Row]:
    events = {e.unique_name: i for i, e in enumerate(ordered_events(project))}
    forms = {f: i for i, f in enumerate(project.forms)}
    order = record_fast.known(project).order_key(project, len(rows))  # natural order (natcasesort)

    def key(row: _Row) -> tuple[object, ...]:
        return (
            order(row.record),
            row.repeating,
            events.get(row.event, 0) if row.event is not None else 0,
            forms.get(row.instrument, -1),
            row.instance,
        )

    return sorted(rows, key=key)


def _write(call: Call, fmt: ReturnFormat, rows: list[_Row], columns: list[str]) -> Reply:
    project = call.project
    pk = project.record_id_field
    repeat_columns = has_repeating_forms_events(project)
    labels = wants_labels(call)
    dag_of = dag_column(call, labels)
    formatted: list[dict[str, Scalar]] = []
    for row in rows:
        out: dict[str, Scalar] = {}
        if dag_of is not None and pk not in row.values:
            out["redcap_data_access_group"] = dag_of(row.record)
        for name in columns:
            if name not in row.values:
                continue
            if name == pk:
                out[pk] = row.record
                if project.is_longitudinal:
                    out["redcap_event_name"] = event_label(project, row.event) if labels else row.event or ""
                if repeat_columns:
                    shown_form = (
                        project.form_label(row.instrument) if labels and row.instrument else row.instrument
                    )
                    out["redcap_repeat_instrument"] = shown_form
                    shown = row.instrument != "" or repeats_whole(project, row.event)
                    out["redcap_repeat_instance"] = row.instance if shown else ""
                if dag_of is not None:
                    out["redcap_data_access_group"] = dag_of(row.record)
            else:
                out[name] = row.values[name]
        formatted.append(out)
    if fmt is ReturnFormat.JSON:
        return reply(json_body(formatted), fmt, call)
    if fmt is ReturnFormat.CSV:
        header = list(formatted[0].keys()) if formatted else []
        if call.params.text("rawOrLabelHeaders") == "label":
            header = header_labels(call, export_columns(project), header)
        sep = csv_delimiter(call.params)
        return reply(csv_line(header, sep) + "".join(csv_line(r.values(), sep) for r in formatted), fmt, call)
    items = "".join(
        "<item>"
        + "".join(
            f"<{k}><![CDATA[{str(v).replace(']]>', ']]]]><![CDATA[>')}]]></{k}>"
            if nonblank(v)
            else f"<{k}></{k}>"
            for k, v in r.items()
        )
        + "</item>\n"
        for r in formatted
    )
    return reply(f"{XML_DECLARATION}\n<records>\n{items}</records>", fmt, call)
