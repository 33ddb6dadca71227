"""REDCap's auto-calculation after a save: the calc fields an import touches, recomputed for the
imported records and stored when they changed.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`), the same from REDCap 7.1.2 on (V7.1.2
`Classes/Records.php`:5230-5232, V10.0.13 :6697-6699, V13.6.1 :6927-6929, V14.5.11 :7169-7171):
- `Classes/Records.php` saveData:7447-7460: after the import is committed (unless the project disables
  auto-calculations), the calc fields triggered by the fields of the data's first row are recalculated
  for every imported record, in every event (Calculate::saveCalcFields with 'all');
- `Classes/Calculate.php` getCalcFieldsByTriggerField:608-750: calc fields named in the data, calc fields
  whose equation names a trigger (`[field]`, `[field:value]`, a checkbox's `[field(code)]`) or names no
  field at all, then again for the calc fields found until none is added;
- calculateMultipleFields:121-505: in field order; in a longitudinal project only in events where the
  calc's form is designated and the record has data; in each repeating instance of the calc's form (or
  event); `[field]` reads the same event, and the same instance when it is on the same repeating form
  (or the event repeats); a calc later in the order reads the values computed before it; a stored value
  is kept when it rounds to the same number (:466-487);
- saveCalcFields:527-600: only changed values are saved, through saveData with removeLockedFields (a
  locked form's calc is not written) and logAsAutoCalculations: one "Update record (API) (Auto
  calculation)" log row per record, event and instance (Records.php:7292-7299).
Facts only: no REDCap code is copied.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import MappingProxyType

from fake_redcap import calc
from fake_redcap import calc_php as php
from fake_redcap.call import Call
from fake_redcap.collation import db_key
from fake_redcap.messages import Change, Profile
from fake_redcap.methods.structure import event_forms, metadata_fields, repeating_form, repeats_whole
from fake_redcap.model import Field, Project, RecordRow, checkbox_column, parse_choices
from fake_redcap.project_log import LogEvent, log_event

_NUMERIC_VALIDATIONS = re.compile(r"(int|float|number|integer|number_\d+dp|number(_\d+dp)?_comma_decimal)")
_ACTION_TAGS = ("@CALCTEXT", "@CALCDATE")


@dataclass
class Recalculated:
    rows: tuple[RecordRow, ...]
    changes: list[tuple[RecordRow, list[str]]] = field(default_factory=list)  # row after, fields changed
    skipped: dict[str, str] = field(default_factory=dict)  # calc field -> what the fake cannot compute


def calc_fields(project: Project) -> list[Field]:
    return [f for f in project.fields if f.type == "calc"]


def unsupported(project: Project) -> dict[str, str]:
    """Calc fields (and @CALCTEXT/@CALCDATE fields) whose equation the fake cannot compute, with why."""
    return dict(_unsupported(project.fields))


def unsupported_notes(project: Project) -> list[str]:
    """The journal's lint notes for a record import (and `fake-redcap check`'s warnings)."""
    return [
        f"calc field {name!r}: the fake cannot compute its equation ({reason}); where REDCap would "
        "recalculate it, the fake leaves its value as it was"
        for name, reason in _unsupported(project.fields)
    ]


@functools.lru_cache(maxsize=64)
def _unsupported(fields: tuple[Field, ...]) -> tuple[tuple[str, str], ...]:
    result: dict[str, str] = {}
    numeric = _numeric_of(fields)
    for f in fields:
        if f.type == "text" and any(tag in f.annotation for tag in _ACTION_TAGS):
            result[f.name] = "@CALCTEXT and @CALCDATE fields are not calculated by the fake"
        elif f.type == "calc":
            try:
                calc.parse(f.choices, numeric)
            except calc.Unsupported as reason:
                result[f.name] = str(reason)
    return tuple(result.items())


def triggered(project: Project, triggers: Iterable[str]) -> list[str]:
    """getCalcFieldsByTriggerField with recursion, in field order."""
    by_name = {f.name: f for f in metadata_fields(project)}
    checkbox_names = {
        checkbox_column(f.name, code): f.name
        for f in project.fields
        if f.type == "checkbox"
        for code in f.choice_codes()
    }
    names = [checkbox_names.get(t, t) for t in triggers]
    found: set[str] = set()
    while True:
        patterns: list[str] = []
        for name in names:
            known = by_name.get(name)
            if known is None:
                continue
            if known.type == "checkbox":
                patterns.extend(f"[{name}({code})]" for code in parse_choices(known.choices))
                continue
            if known.type == "calc":
                found.add(name)
            patterns.extend((f"[{name}]", f"[{name}:value]"))
        for f in calc_fields(project):
            if f.choices != "" and ("[" not in f.choices or any(p in f.choices for p in patterns)):
                found.add(f.name)
        if set(names) >= found:
            break
        names = sorted(found)
    return [f.name for f in calc_fields(project) if f.name in found]


def recalculate(
    project: Project,
    rows: tuple[RecordRow, ...],
    records: Iterable[str],
    triggers: Iterable[str],
    now: dt.datetime | None = None,
    *,
    blank_only: bool = False,
) -> Recalculated:
    """The project's rows after REDCap's recalculation of `records` (`blank_only`: a fixture's given
    values kept, only blank calc fields computed)."""
    result = Recalculated(rows)
    names = triggered(project, triggers)
    if not names:
        return result
    numeric = _numeric(project)
    equations: list[tuple[Field, calc.Node]] = []
    for name in names:
        found = project.field(name)
        assert found is not None
        try:
            node = calc.parse(found.choices, numeric)
        except calc.Unsupported as reason:
            result.skipped[name] = str(reason)
            continue
        if node is not None and _events_known(project, node):
            equations.append((found, node))
    wanted = {db_key(r) for r in records}
    by_row = {(db_key(r.record), r.event, r.instance): i for i, r in enumerate(rows)}
    updated = list(rows)
    job = _Job(project, updated, by_row, now or dt.datetime.now())
    job.blank_only = blank_only
    for index, row in enumerate(rows):
        if db_key(row.record) not in wanted:
            continue
        changed = job.row(index, equations, result.skipped)
        if changed:
            result.changes.append((updated[index], changed))
    result.rows = tuple(updated)
    return result


def fill_blank_calcs(project: Project) -> Project:
    """A fixture's records as loaded: each blank calc field computed, given values kept (FORMAT.md)."""
    if not calc_fields(project) or not project.records:
        return project
    every = [f.name for f in project.fields]
    records = dict.fromkeys(r.record for r in project.records)
    done = recalculate(project, project.records, records, every, blank_only=True)
    return dataclasses.replace(project, records=done.rows) if done.changes else project


def calc_log(call: Call, changes: list[tuple[RecordRow, list[str]]]) -> list[LogEvent]:
    """saveData's rows for the calculated values (Records.php:7276-7299): an update by the importing
    user, " (API)" and " (Auto calculation)" appended, `field = 'value'` per changed calc."""
    return [
        log_event(
            call,
            "redcap_data",
            "UPDATE",
            row.record,
            ",\n".join(f"{name} = '{row.values.get(name, '')}'" for name in names),
            "Update record (API) (Auto calculation)",
            event_name=row.event,
            instance=row.instance,
        )
        for row, names in changes
    ]


def _numeric(project: Project) -> Callable[[str], bool]:
    return _numeric_of(metadata_fields(project))


def _numeric_of(all_fields: Iterable[Field]) -> Callable[[str], bool]:
    """addChkNull's choice (LogicTester.php:214-287): which fields a calc reads as numbers."""
    fields = {f.name: f for f in all_fields}

    def numeric(name: str) -> bool:
        f = fields.get(name)
        if f is None:
            return False
        if f.type in ("checkbox", "calc", "slider", "yesno", "truefalse", "file"):
            return True
        if f.type in ("radio", "dropdown"):
            return all(_is_number(code) for code in f.choice_codes())
        return f.type == "text" and _NUMERIC_VALIDATIONS.fullmatch(f.validation or "") is not None

    return numeric


def _is_number(code: str) -> bool:
    return php.is_numeric(code)


def _events_known(project: Project, node: calc.Node) -> bool:
    """LogicParser throws on an event name the project lacks (LogicParser.php:284-289): not calculated."""
    if isinstance(node, calc.Ref):
        return node.event is None or project.event(node.event) is not None
    children = node.args if isinstance(node, (calc.Call, calc.Op)) else ()
    return all(_events_known(project, c) for c in children)


class _Job:
    def __init__(
        self,
        project: Project,
        rows: list[RecordRow],
        by_row: dict[tuple[str, str | None, int], int],
        now: dt.datetime,
    ) -> None:
        self.project = project
        self.rows = rows
        self.by_row = by_row
        self.fields = {f.name: f for f in metadata_fields(project)}
        self.now = now
        self.numeric = _numeric(project)
        # REDCap 13/14 run on PHP 7 as the fake reads them (messages.Change.PHP8_TYPE_ERRORS)
        self.php7 = not Profile.for_version(project.redcap_version).has(Change.PHP8_TYPE_ERRORS)
        self.blank_only = False
        # what each calc computed in this run, by row and field: later calcs read it as it is (a float
        # keeps its digits), whether or not it was stored (Calculate.php:453-460)
        self.computed: dict[tuple[int, str], php.Value] = {}

    def row(self, index: int, equations: list[tuple[Field, calc.Node]], skipped: dict[str, str]) -> list[str]:
        """Each calc that belongs in this row, computed in field order; the names whose value changed."""
        row = self.rows[index]
        project = self.project
        changed: list[str] = []
        for found, node in equations:
            if project.is_longitudinal:
                event = project.event(row.event or "")
                if event is None or found.form not in event_forms(project, event):
                    continue
            whole = repeats_whole(project, row.event)
            form_repeats = repeating_form(project, row.event, found.form)
            if not (whole or form_repeats) and row.instance != 1:
                continue
            if form_repeats and not whole and not self._has_form(row, found.form):
                continue
            if found.form in row.locked_forms or row.record_locked:
                continue
            if self.blank_only and row.values.get(found.name, "") != "":
                continue
            instrument = found.form if form_repeats and not whole else ""
            try:
                raw = self.compute(row, node, instrument, whole or form_repeats)
            except calc.Unsupported as reason:
                skipped[found.name] = str(reason)
                continue
            self.computed[(index, found.name)] = raw
            value = php.to_string(raw)
            saved = row.values.get(found.name, "")
            if _same(value, saved):
                continue
            values = dict(row.values)
            if value == "":
                values.pop(found.name, None)
            else:
                values[found.name] = value
            row = dataclasses.replace(row, values=MappingProxyType(values))
            self.rows[index] = row
            changed.append(found.name)
        return changed

    def compute(self, row: RecordRow, node: calc.Node, instrument: str, repeating: bool) -> php.Value:
        def value(ref: calc.Ref) -> php.Value:
            return self.value(row, ref)

        def context(ref: calc.Ref) -> calc.Ref:
            return self.context(row, ref, instrument, repeating)

        return calc.evaluate_raw(node, calc.Lookup(value, self.numeric, self.now, self.php7), context)

    def _has_form(self, row: RecordRow, form: str) -> bool:
        return any(
            (f := self.fields.get(name.split("___")[0])) is not None and f.form == form for name in row.values
        ) or any((f := self.fields.get(name)) is not None and f.form == form for name in row.files)

    def context(self, row: RecordRow, ref: calc.Ref, instrument: str, repeating: bool) -> calc.Ref:
        """The reference's event and instance (Calculate.php:429-451, LogicTester::buildLogicArgs:380-470):
        "0" when read outside any repeating instance."""
        event = ref.event if ref.event is not None else row.event
        found = self.fields.get(ref.field)
        form = found.form if found is not None else ""
        repeats = repeats_whole(self.project, event) or repeating_form(self.project, event, form)
        if ref.instance is not None:
            instance = ref.instance if repeats else "0"
        elif repeating and (
            (instrument != "" and form == instrument and repeating_form(self.project, event, form))
            or (instrument == "" and repeats_whole(self.project, event))
        ):
            instance = str(row.instance)
        else:
            instance = "0"
        return calc.Ref(event, ref.field, ref.code, instance)

    def value(self, row: RecordRow, ref: calc.Ref) -> php.Value:
        """The stored value, "" when blank or absent, or what a calc computed in this run; REDCap's
        argument errors as PhpError."""
        found = self.fields.get(ref.field)
        if found is None:
            raise php.PhpError(f"Missing project field: {ref.field}")
        event, instance = ref.event, int(ref.instance or "0")
        repeats = repeats_whole(self.project, event) or repeating_form(self.project, event, found.form)
        if repeats and instance < 1:
            return ""  # the non-repeating data holds no value of a repeating form or event
        position = self.by_row.get((db_key(row.record), event, max(instance, 1)))
        stored = self.rows[position].values if position is not None else {}
        if found.type == "checkbox":
            if ref.code is None or ref.code not in found.choice_codes():
                raise php.PhpError("checkbox/value mismatch")
            return "1" if stored.get(checkbox_column(found.name, ref.code)) == "1" else "0"
        if ref.code is not None:
            raise php.PhpError("checkbox/value mismatch")
        if position is not None and (position, found.name) in self.computed:
            return self.computed[(position, found.name)]
        return stored.get(found.name, "")


def _same(calculated: str, saved: str) -> bool:
    """Calculate.php:466-487: equal as strings, or two numbers equal once rounded to the fewer decimals."""
    if calculated == saved:
        return True
    if calculated == "" or saved == "" or not php.is_numeric(calculated) or not php.is_numeric(saved):
        return False
    places = min(_decimals(calculated), _decimals(saved))
    a = php.php_round(php.number(calculated), places)
    b = php.php_round(php.number(saved), places)
    return php.to_string(a) == php.to_string(b)


def _decimals(text: str) -> int:
    return len(text.partition(".")[2]) if "." in text else 1
