"""Export Records with `type=eav`: one row per stored data point, as REDCap's getRecords writes them.

Source (`xOops4/redcap` `html/redcap_v15.7.6/`): `API/record/export.php` (:88-105 the choice of eav:
`type` other than exactly "flat" once API/index.php kept only eav/flat in any case, format not odm;
:108-185 json, xml and csv; :468-950 getRecords: the redcap_data rows of the chosen records, events and
fields, blank values skipped, the record ID field's row kept once per event (and per instance of a
repeating event), `redcap_repeat_instrument`/`redcap_repeat_instance` as the flat export gives them,
a checkbox one row per checked code). Rows are ordered by record (REDCap's ORDER BY), then event
(arm, day offset, name), then instance, then field order (the database's own row order, which REDCap
does not sort, is the order the values were saved). Facts only: no REDCap code is copied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from fake_redcap.call import Call
from fake_redcap.errors import ReturnFormat
from fake_redcap.methods.export_format import (
    XML_DECLARATION,
    Scalar,
    csv_line,
    json_body,
    list_param,
    not_implemented,
    php_trim,
    reply,
)
from fake_redcap.methods.record_filters import csv_delimiter
from fake_redcap.methods.structure import (
    export_columns,
    has_repeating_forms,
    has_repeating_forms_events,
    metadata_fields,
    ordered_events,
    repeating_form,
    repeats_whole,
)
from fake_redcap.model import Field, Project, RecordRow, checkbox_column
from fake_redcap.responses import Reply
from fake_redcap.state import db_key

Keep = Callable[[str, str | None, int], bool]


def export_eav(
    call: Call, fields: list[str], records: list[str], keep: Keep | None, fmt: ReturnFormat
) -> Reply:
    """getRecords and its writers. `fields` are the field names left after the user's export rights,
    `records` the names asked for (after dateRangeBegin/End), `keep` the filterLogic test."""
    _refuse_options(call)
    project = call.project
    wanted = set(fields)
    events = _events(call)
    chosen = _records(project, records, keep)
    points = [p for p in _points(project, chosen, events) if p[2].name in wanted]
    repeated = any(_repeats(project, row, f) for row, _, f, _ in points)
    out = [_item(project, row, f, value) for row, _, f, value in points]
    return _write(call, fmt, out, project.is_longitudinal, repeated)


def _refuse_options(call: Call) -> None:
    params = call.params
    if params.text("rawOrLabel").lower() == "label":
        raise not_implemented("content=record&type=eav&rawOrLabel=label")
    if params.text("decimalCharacter") != "":
        raise not_implemented("content=record&type=eav&decimalCharacter")


def _events(call: Call) -> set[str | None] | None:
    """`events` (unique names, trimmed, quotes removed) in a longitudinal project; None: every event."""
    project = call.project
    given = [php_trim(v.replace("'", "").replace('"', "")) for v in list_param(call.params, "events")[0]]
    if not project.is_longitudinal or not given:
        return None
    return {e.unique_name for e in project.events if e.unique_name in given}


def _records(project: Project, records: list[str], keep: Keep | None) -> set[str]:
    """The records asked for (all if none), then those filterLogic keeps (getData with the logic gives
    record names: a record kept in one of its events exports all of them)."""
    existing = {db_key(r.record): r.record for r in project.records}
    chosen = (
        set(existing.values())
        if not records
        else {existing[k] for k in map(db_key, records) if k in existing}
    )
    if keep is None:
        return chosen
    return {r.record for r in project.records if r.record in chosen and keep(r.record, r.event, r.instance)}


Point = tuple[RecordRow, int, Field, str]  # row, order in the row, field, value


def _points(project: Project, records: set[str], events: set[str | None] | None) -> list[Point]:
    """The redcap_data rows REDCap would read, in its order."""
    columns = export_columns(project)
    order = {f.name: i for i, f in enumerate(metadata_fields(project))}
    event_order = {e.unique_name: i for i, e in enumerate(ordered_events(project))}
    pk = project.fields[0]
    points: list[Point] = []
    seen_pk: set[tuple[str, str | None, int]] = set()
    for row in project.records:
        if row.record not in records or (events is not None and row.event not in events):
            continue
        if row.files:
            raise not_implemented("content=record&type=eav of a file field (its value is the file's doc_id)")
        whole = repeats_whole(project, row.event)
        pk_instance = row.instance if whole or repeating_form(project, row.event, pk.form) else 1
        if (row.record, row.event, pk_instance) not in seen_pk:
            seen_pk.add((row.record, row.event, pk_instance))
            points.append((_at(row, pk_instance), -1, pk, row.record))
        points.extend((row, order[f.name], f, value) for f, value in _values(row, columns, pk.name))
    return sorted(points, key=lambda p: _sort_key(p, event_order))


def _at(row: RecordRow, instance: int) -> RecordRow:
    return (
        row if row.instance == instance else RecordRow(record=row.record, event=row.event, instance=instance)
    )


def _values(row: RecordRow, columns: dict[str, Field], pk: str) -> Iterable[tuple[Field, str]]:
    """A row's stored values: a checkbox column checked is the field's row with the code; a form with
    data and no status stored has its status 0 (as the flat export's data points, record.py)."""
    forms: dict[str, None] = {}
    for name, value in row.values.items():
        found = columns.get(name)
        if found is None or value == "" or found.name == pk:
            continue
        forms[found.form] = None
        if found.type == "checkbox":
            if value == "1":
                code = next(c for c in found.choice_codes() if checkbox_column(found.name, c) == name)
                yield found, code
            continue
        yield found, value
    for form in forms:
        status = f"{form}_complete"
        if status not in row.values and status in columns:
            yield columns[status], "0"


def _sort_key(point: Point, event_order: dict[str, int]) -> tuple[object, ...]:
    from fake_redcap.methods.record_fast import natural_key as _natural_key

    row, order, _, _ = point
    event = event_order.get(row.event, 0) if row.event is not None else 0
    return (_natural_key(row.record), event, row.instance, order)


def _repeats(project: Project, row: RecordRow, field: Field) -> bool:
    """getRecords' $hasRepeatedInstances: a row of a repeating event or form, but not a repeating
    form's record ID row above instance 1."""
    if repeats_whole(project, row.event):
        return True
    form_repeats = repeating_form(project, row.event, field.form)
    return form_repeats and not (row.instance > 1 and field.name == project.record_id_field)


def _item(project: Project, row: RecordRow, field: Field, value: str) -> dict[str, Scalar]:
    whole = repeats_whole(project, row.event)
    instrument = field.form if not whole and repeating_form(project, row.event, field.form) else ""
    item: dict[str, Scalar] = {"record": row.record, "field_name": field.name, "value": value}
    if has_repeating_forms(project):
        item["redcap_repeat_instrument"] = instrument
    if has_repeating_forms_events(project):
        item["redcap_repeat_instance"] = row.instance if instrument or whole else ""
    item["redcap_event_name"] = row.event or ""
    return item


def _write(
    call: Call, fmt: ReturnFormat, items: list[dict[str, Scalar]], longitudinal: bool, repeated: bool
) -> Reply:
    if fmt is ReturnFormat.JSON:
        rows = []
        for item in items:
            out: dict[str, Scalar] = {"record": item["record"]}
            if longitudinal:
                out["redcap_event_name"] = item["redcap_event_name"]
            if repeated:
                out["redcap_repeat_instrument"] = item.get("redcap_repeat_instrument", "")
                out["redcap_repeat_instance"] = item.get("redcap_repeat_instance", "")
            out.update(field_name=item["field_name"], value=item["value"])
            rows.append(out)
        return reply(json_body(rows), fmt, call)
    if fmt is ReturnFormat.CSV:
        for item in items:
            if not repeated:
                item.pop("redcap_repeat_instrument", None)
                item.pop("redcap_repeat_instance", None)
            if not longitudinal:
                item.pop("redcap_event_name", None)
        sep = csv_delimiter(call.params)
        header = list(items[0].keys()) if items else []
        return reply(csv_line(header, sep) + "".join(csv_line(i.values(), sep) for i in items), fmt, call)
    return reply(_xml(items, longitudinal, repeated), fmt, call)


def _xml(items: list[dict[str, Scalar]], longitudinal: bool, repeated: bool) -> str:
    lines = []
    for item in items:
        parts = [f"<record>{item['record']}</record>"]
        if longitudinal:
            parts.append(f"<redcap_event_name>{item['redcap_event_name']}</redcap_event_name>")
        if repeated:
            instrument = str(item.get("redcap_repeat_instrument", ""))
            if "]]>" in instrument:
                instrument = "<![CDATA[" + instrument.replace("]]>", "]]]]><![CDATA[>") + "]]>"
            parts.append(f"<redcap_repeat_instrument>{instrument}</redcap_repeat_instrument>")
            parts.append(
                f"<redcap_repeat_instance>{item.get('redcap_repeat_instance', '')}</redcap_repeat_instance>"
            )
        parts.append(f"<field_name>{item['field_name']}</field_name>")
        value = str(item["value"])
        if value != "":
            parts.append(f"<value><![CDATA[{value.replace(']]>', ']]]]><![CDATA[>')}]]></value>")
        else:
            parts.append("<value></value>")
        lines.append("<item>" + "".join(parts) + "</item>\n")
    return f"{XML_DECLARATION}\n<records>\n{''.join(lines)}</records>\n"
