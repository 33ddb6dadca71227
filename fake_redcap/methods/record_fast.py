"""Export Records' fast path: the common flat json/csv export of a classic project without repeating
forms, filters, labels or a DAG column, built per stored row instead of per data point.

It gives the same rows, in the same order, with the same values as `record._get_data` + `record._write`
(which model REDCap's `Records::getData`, V15 `Classes/Records.php`; see methods/record.py's docstring
for the rules); `tests/test_record_fast.py` compares the two on generated projects. What makes it
faster, and only that:

* a *plan* per row shape (the names of its values and files): which values to copy, which form
  statuses become "0" (a form that holds data in the row), worked out once per shape instead of once
  per value; a row whose values are all non-blank is then one `dict.update` (C);
* in a classic project without repeating forms every row is a base row whose values, started from the
  defaults (in column order), are already the output row: no second pass per column;
* a row holding a blank value falls back to the per-value rules of `record._row_points`.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from fake_redcap import messages as msg
from fake_redcap.call import Call
from fake_redcap.errors import ReturnFormat
from fake_redcap.messages import Change
from fake_redcap.methods.record_dags import dag_column
from fake_redcap.methods.record_filters import RowTest
from fake_redcap.methods.record_labels import wants_labels
from fake_redcap.model import Field, Project, RecordRow
from fake_redcap.state import db_key

# (value names to copy, or None for all of them; file fields to show; status columns set to "0";
# whether the row makes an output row at all)
_Plan = tuple[tuple[str, ...] | None, tuple[str, ...], tuple[str, ...], bool]


_NATURAL_PART = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """An approximation of PHP's natcasesort (strnatcasecmp): digit runs compare as numbers, the
    rest case-insensitively."""
    if text.isascii() and text.isdigit():  # most record names: the key the split below gives
        return ((0, int(text)),)
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.lower()) for part in _NATURAL_PART.split(text) if part
    )


class Known:
    """What every record export of one project works out the same way and no request changes (a
    project is immutable; a change makes a new one): computed at the first export, dropped with the
    project."""

    __slots__ = ("by_key", "rank")

    def __init__(self, project: Project) -> None:
        # db_key -> record name, the last row's name for names MySQL holds equal (record._chosen_records)
        self.by_key = {db_key(r.record): r.record for r in project.records}
        self.rank: dict[str, int] | None = None  # made by `order_key` when most records are sorted

    def order_key(self, project: Project, count: int) -> Callable[[str], Any]:
        """The sort key of record names in natural order for sorting `count` of the project's records:
        each record's place among the project's natural keys (names natcasesort holds equal share one;
        worked out once, when most records are sorted), else `natural_key` itself (the same order)."""
        if self.rank is None:
            if count * 4 < len(project.records):
                return natural_key
            keys = {r.record: natural_key(r.record) for r in project.records}
            places = {key: i for i, key in enumerate(sorted(set(keys.values())))}
            self.rank = {record: places[key] for record, key in keys.items()}
        return self.rank.__getitem__


_KNOWN: dict[int, tuple[weakref.ref[Project], Known]] = {}


def known(project: Project) -> Known:
    entry = _KNOWN.get(id(project))
    if entry is not None and entry[0]() is project:
        return entry[1]
    made = Known(project)
    key = id(project)
    _KNOWN[key] = (weakref.ref(project, lambda _: _KNOWN.pop(key, None)), made)
    return made


def applies(call: Call, events: list[str], keep: RowTest | None, fmt: ReturnFormat) -> bool:
    """True when the export is one the fast path gives exactly: classic, no repeating set-up, json or
    csv, no `events` (a classic project refuses them), filterLogic, labels, decimal conversion or DAG
    column, and csv headers as names."""
    project, params = call.project, call.params
    return (
        not project.events
        and not project.repeating
        and not events
        and keep is None
        and fmt in (ReturnFormat.JSON, ReturnFormat.CSV)
        and not wants_labels(call)
        and params.text("decimalCharacter") not in (",", ".")
        and params.text("rawOrLabelHeaders") != "label"
        and dag_column(call, False) is None
    )


def classic_rows(
    call: Call, columns: Mapping[str, Field], fetched: list[str], defaults: dict[str, str], chosen: set[str]
) -> dict[str, dict[str, str]]:
    """The output rows by record, in the order REDCap's data points make them (before sorting)."""
    project = call.project
    pk = project.record_id_field
    fetched_set = set(fetched)
    pk_wanted = pk in fetched_set
    file_names = call.profile.has(Change.RECORD_EXPORT_FILE_NAMES)
    if not pk_wanted:
        return _without_record_id(project.records, columns, fetched_set, defaults, chosen, file_names)
    rows = _with_record_id(project.records, columns, fetched_set, defaults, chosen, file_names)
    for record, out in rows.items():  # the record ID column shows the record's name (record._write)
        out[pk] = record
    return rows


def _without_record_id(
    records: tuple[RecordRow, ...],
    columns: Mapping[str, Field],
    fetched: set[str],
    defaults: dict[str, str],
    chosen: set[str],
    file_names: bool,
) -> dict[str, dict[str, str]]:
    """Without the record ID field a row is made by the first data point of a wanted field: what a
    stored row of a given shape writes (values, files, form statuses) is planned once per shape."""
    plans: dict[tuple[tuple[str, ...], tuple[str, ...]], _Plan] = {}
    rows: dict[str, dict[str, str]] = {}
    for stored in records:
        record = stored.record
        if record not in chosen or stored.instance > 1:
            continue  # instance > 1: orphaned values (no repeating set-up)
        values = stored.values
        if "" in values.values():
            _points(stored, columns, fetched, defaults, rows, file_names)
            continue
        shape = (tuple(values), tuple(stored.files))
        plan = plans.get(shape)
        if plan is None:
            plan = plans[shape] = _plan(stored, columns, fetched)
        copy, files, statuses, makes_row = plan
        if not makes_row:
            continue
        out = rows.get(record)
        if out is None:
            out = rows[record] = dict(defaults)
        if copy is None:
            out.update(values)
        else:
            for name in copy:
                out[name] = values[name]
        for name in files:
            out[name] = stored.files[name].name if file_names else msg.RECORD_DOCUMENT
        for name in statuses:
            out[name] = "0"
    return rows


def _with_record_id(
    records: tuple[RecordRow, ...],
    columns: Mapping[str, Field],
    fetched: set[str],
    defaults: dict[str, str],
    chosen: set[str],
    file_names: bool,
) -> dict[str, dict[str, str]]:
    """With the record ID field exported, a record's first stored row makes its output row (the record
    ID's data point). The form statuses that row's data mark are then "0" already (the default of every
    status in a classic project, where every form is designated), so only its values and files are
    copied; a record's further stored rows go point by point (a status may then overwrite a value)."""
    rows: dict[str, dict[str, str]] = {}
    for stored in records:
        record = stored.record
        if record not in chosen:
            continue
        out = rows.get(record)
        if out is not None:
            if stored.instance == 1:
                _points(stored, columns, fetched, defaults, rows, file_names)
            continue
        out = rows[record] = dict(defaults)
        if stored.instance > 1:
            continue  # orphaned values (no repeating set-up)
        values = stored.values
        if "" not in values.values() and fetched.issuperset(values):
            out.update(values)
        else:
            for name, value in values.items():
                if value != "" and name in fetched:
                    out[name] = value
        if stored.files:
            for name, file in stored.files.items():
                if name in fetched:
                    out[name] = file.name if file_names else msg.RECORD_DOCUMENT
    return rows


def _plan(stored: RecordRow, columns: Mapping[str, Field], fetched: set[str]) -> _Plan:
    """What a row of this shape (every value non-blank) writes: the rules of `record._row_points`."""
    values, files = stored.values, stored.files
    forms = [columns[name].form for name in values] + [columns[name].form for name in files]
    statuses = tuple(status for form in dict.fromkeys(forms) if (status := f"{form}_complete") not in values)
    shown_statuses = tuple(s for s in statuses if s in fetched)
    copy = None if fetched.issuperset(values) else tuple(n for n in values if n in fetched)
    shown_files = tuple(n for n in files if n in fetched)
    makes_row = bool(values if copy is None else copy) or bool(shown_files) or bool(shown_statuses)
    return copy, shown_files, shown_statuses, makes_row


def _points(
    stored: RecordRow,
    columns: Mapping[str, Field],
    fetched: set[str],
    defaults: dict[str, str],
    rows: dict[str, dict[str, str]],
    file_names: bool,
) -> None:
    """One stored row point by point, as `record._row_points` (a blank value is no data point: it
    neither shows nor marks its form) and `record._rows`."""
    points: list[tuple[str, str]] = []
    forms: list[str] = []
    for name, value in stored.values.items():
        if value != "":
            points.append((name, value))
            forms.append(columns[name].form)
    for name, file in stored.files.items():
        points.append((name, file.name if file_names else msg.RECORD_DOCUMENT))
        forms.append(columns[name].form)
    for form in dict.fromkeys(forms):
        if f"{form}_complete" not in stored.values:
            points.append((f"{form}_complete", "0"))
    for name, value in points:
        if name in fetched:
            out = rows.get(stored.record)
            if out is None:
                out = rows[stored.record] = dict(defaults)
            out[name] = value
