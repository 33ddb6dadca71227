"""Which rows a record export keeps under `filterLogic` (the logic itself is `fake_redcap.logic`).

V15 `Classes/Records.php` applyFilteringLogic:4363 evaluates the logic for each record in each event
(and each repeating instance) with the data of that record: a field without an event names the row's
own event; `[event][field]` names that event's (first instance's) value. The fake evaluates it per
export row, reading a repeating row's own instance first, then the event's base row. A form status
that is not stored reads "0" where its form holds data, as the export shows it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Protocol

from fake_redcap import logic
from fake_redcap.call import Call
from fake_redcap.methods.export_format import not_implemented
from fake_redcap.methods.structure import is_status_field, metadata_fields
from fake_redcap.model import Field, checkbox_column
from fake_redcap.params import Params
from fake_redcap.state import db_key, log_time

RowTest = Callable[[str, str | None, int], bool]  # (record, event, instance) -> keep the row


def row_filter(call: Call) -> RowTest | None:
    """The test `filterLogic` makes of each row, or None without one."""
    text = call.params.text("filterLogic")
    if text == "":
        return None
    try:
        node = logic.parse(text)
    except logic.Unsupported as problem:
        raise not_implemented(f"content=record&{problem}") from None
    if not logic.names_a_field(node):  # applyFilteringLogic:4390: no field, no filtering
        return None
    project = call.project
    fields = {f.name: f for f in metadata_fields(project)}
    events = {e.unique_name for e in project.events}
    values = {(db_key(r.record), r.event, r.instance): r.values for r in project.records}

    def read(record: str, event: str | None, instance: int, field: Field, code: str | None) -> str:
        for key in ((db_key(record), event, instance), (db_key(record), event, 1)):
            row = values.get(key)
            if row is None:
                continue
            if code is not None:
                return row.get(checkbox_column(field.name, code), "0")
            if field.name in row:
                return row[field.name]
            if is_status_field(field) and any(fields[n].form == field.form for n in row if n in fields):
                return "0"
        return "0" if code is not None else ""

    def test(record: str, event: str | None, instance: int) -> bool:
        def lookup(ev: str | None, name: str, code: str | None) -> str:
            field = fields.get(name)
            if field is None or (ev is not None and project.is_longitudinal and ev not in events):
                raise not_implemented(f"content=record&filterLogic naming [{ev or ''}][{name}]")
            if (field.type == "checkbox") != (code is not None) or field.type in ("file", "descriptive"):
                raise not_implemented(f"content=record&filterLogic with [{name}] of a {field.type} field")
            if name == project.record_id_field:
                return record
            same = ev is None or ev == event or not project.is_longitudinal
            return read(record, event if same else ev, instance if same else 1, field, code)

        return logic.evaluate(node, lookup, event)

    return test


# decimalCharacter (V15 Records::getFieldsDecimalConvert:1517, getData:2569): "," turns the "." of calc
# fields and number-validated text fields into ","; "." turns the "," of comma-decimal fields into ".".
_DOT_NUMBERS = ("number", "number_1dp", "number_2dp", "number_3dp", "number_4dp")


class _HasValues(Protocol):
    values: dict[str, str]


def convert_decimals(call: Call, metadata: dict[str, Field], rows: Iterable[_HasValues]) -> None:
    decimal = call.params.text("decimalCharacter")
    if decimal == ",":
        names = {
            n
            for n, f in metadata.items()
            if f.type == "calc" or (f.type == "text" and f.validation in _DOT_NUMBERS)
        }
        old = "."
    elif decimal == ".":
        names = {
            n for n, f in metadata.items() if f.type == "text" and "comma_decimal" in (f.validation or "")
        }
        old = ","
    else:
        return
    for row in rows:
        for name in names & row.values.keys():
            row.values[name] = row.values[name].replace(old, decimal)


def csv_delimiter(params: Params) -> str:
    """csvDelimiter: one of REDCap's (V15 DataExport::getCsvDelimiters: , ; | ^), else a comma."""
    value = params.text("csvDelimiter")
    return value if value in (",", ";", "|", "^") else ","


# dateRangeBegin / dateRangeEnd (V15 API/record/export.php:306-336, reformatDate:417,
# getModifiedAndNewRecordsInSpan:386): the records created or changed in the span, by the time the
# model keeps for each record (Served.changed_at).
_DATE = re.compile(r"\d+[-/]\d+[-/]\d+")
_EARLIEST = "20040801000000"


def _log_stamp(text: str, end: bool) -> str:
    """reformatDate: "Y-M-D[ H:M[:S]]" (or "T" between) as YYYYMMDDHHMMSS; "" if not a date."""
    nodes = re.split(r"[\sT]+", text)
    times = re.split(r"[:.]", nodes[1]) if len(nodes) == 2 else []
    if len(times) in (2, 3):
        clock = "".join(t.zfill(2) if len(t) == 1 else t for t in [*times, "00"][:3])
    else:
        clock = "235959" if end else "000000"
    if not _DATE.fullmatch(nodes[0]):
        return ""
    year, month, day = re.split(r"[-/]", nodes[0])
    return re.sub(r"[^0-9]", "", year + month.zfill(2) + day.zfill(2) + clock)


def records_in_range(call: Call, records: list[str]) -> list[str]:
    """`records` (or every record) narrowed to those changed in the date range, [""] if none (so the
    export is empty); `records` as given without a range."""
    params = call.params
    begin_raw, end_raw = params.text("dateRangeBegin"), params.text("dateRangeEnd")
    if begin_raw == "" and end_raw == "":
        return records
    now = log_time()
    begin = _log_stamp(begin_raw, False) if begin_raw != "" else ""
    end = _log_stamp(end_raw, True) if end_raw != "" else now
    begin, end = begin or _EARLIEST, end or now
    served = call.served
    names = records if records else list(served.records.values())
    chosen = [r for r in names if db_key(r) in served.records and begin <= served.changed_at(r) <= end]
    return chosen or [""]
