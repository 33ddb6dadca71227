"""What REDCap logs for the record changes the fake performs (fake_redcap/project_log.py for the API).

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`):
- import: `Classes/Records.php` saveData:7096-7104 (one `field = 'value'` line per changed value, a
  checkbox `field(code) = checked|unchecked`), 7276-7300 (one row per record, event and instance with a
  change: INSERT "Create record (API)" if the record had no row in the arm before, else UPDATE "Update
  record (API)"; the event id and instance given);
- delete: `Classes/REDCap.php` deleteRecord:2567-2575 (" (API)" appended), `Classes/Records.php`
  deleteRecordByProject:8571-8573 (DELETE "Delete record (API)", `pk = 'record'`, the arm's first event),
  deleteForm:108-189 and deleteEventInstanceByProject:8600-8690 (UPDATE with the erased values,
  `field = ''` or `field(code) = unchecked`, "Delete all record data for single form|event|event
  instance");
- rename: `API/record/rename.php`:7-9 (UPDATE "Rename Record (API)", logged whatever the outcome).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from fake_redcap.call import Call
from fake_redcap.model import EMPTY_MAPPING, Project, RecordRow
from fake_redcap.project_log import LogEvent, log_event
from fake_redcap.state import db_key

RowKey = tuple[str, str | None, int]
Placed = tuple[str, str | None, int, Sequence[str]]  # record, event, instance, imported column names


def _key(record: str, event: str | None, instance: int) -> RowKey:
    return (db_key(record), event, instance)


def _arm_of(project: Project, event: str | None) -> int:
    found = project.event(event) if event is not None else None
    return found.arm if found is not None else 1


def _display(column: str, old: str, new: str, checkbox: bool) -> str:
    if checkbox:
        name, code = column.split("___", 1)
        return f"{name}({code}) = {'checked' if new == '1' else 'unchecked'}"
    return f"{column} = '{new}'"


_VALUE, _CHECKBOX, _RECORD_ID = 0, 1, 2


def import_log(
    call: Call,
    after: Iterable[RecordRow],
    placed: Sequence[Placed],
    stored: Callable[[str], bool],
    checkbox: Callable[[str], bool],
) -> list[LogEvent]:
    """saveData's log rows for an import: per record, event and instance (in the order the data first
    names them), the imported values that changed, in the order the data gives them."""
    project = call.project
    pk = project.record_id_field
    before = {(db_key(r.record), r.event, r.instance): r for r in project.records}
    arms = {(db_key(r.record), _arm_of(project, r.event)) for r in project.records}
    now = {(db_key(r.record), r.event, r.instance): r for r in after}
    columns: dict[RowKey, list[str]] = {}
    for record, event, instance, imported in placed:
        seen = columns.setdefault(_key(record, event, instance), [])
        seen.extend(c for c in imported if c not in seen)
    # per list of imported columns: the record ID field and the stored ones, in order, and what each is
    plans: dict[tuple[str, ...], list[tuple[str, int]]] = {}
    events: list[LogEvent] = []
    for key, imported in columns.items():
        old_row, new_row = before.get(key), now.get(key)
        if new_row is None:
            continue
        shape = tuple(imported)
        plan = plans.get(shape)
        if plan is None:
            plan = plans[shape] = [
                (c, _RECORD_ID if c == pk else _CHECKBOX if checkbox(c) else _VALUE)
                for c in imported
                if c == pk or stored(c)
            ]
        lines: list[str] = []
        old_values = old_row.values if old_row is not None else EMPTY_MAPPING
        new_values = new_row.values
        for column, kind in plan:
            if kind == _RECORD_ID:
                if old_row is None:
                    lines.append(f"{pk} = '{new_row.record}'")
                continue
            old, new = old_values.get(column, ""), new_values.get(column, "")
            if old != new:
                lines.append(f"{column} = '{new}'" if kind == _VALUE else _display(column, old, new, True))
        if not lines:
            continue
        arm_key = (key[0], _arm_of(project, key[1]))
        created = arm_key not in arms
        arms.add(arm_key)
        action, text = ("INSERT", "Create record (API)") if created else ("UPDATE", "Update record (API)")
        events.append(
            log_event(
                call, "redcap_data", action, new_row.record, ",\n".join(lines), text,
                event_name=key[1], instance=key[2],
            )
        )  # fmt: skip
    return events


def erased_values(project: Project, row: RecordRow, names: set[str]) -> list[str]:
    """The values of `names` a delete erases from a row, as deleteForm logs them (Records.php:35-46)."""
    lines: list[str] = []
    for column, value in row.values.items():
        base = column.split("___")[0]
        if base not in names and column not in names:
            continue
        field = project.field(base)
        if field is not None and field.type == "checkbox" and "___" in column:
            lines.append(f"{base}({column.split('___', 1)[1]}) = unchecked")
        elif value != "":
            lines.append(f"{column} = ''")
    lines.extend(f"{name} = ''" for name in row.files if name in names)
    return lines


def delete_record_log(call: Call, record: str, arm: int | None) -> LogEvent:
    """deleteRecordByProject's row: on the arm's first event (the project's first event without arm)."""
    project = call.project
    first = next((e.unique_name for e in project.events if arm is None or e.arm == arm), None)
    pk = project.record_id_field
    return log_event(
        call, "redcap_data", "DELETE", record, f"{pk} = '{record}'", "Delete record (API)", event_name=first
    )


def partial_delete_log(
    call: Call, record: str, event: str | None, instance: int, lines: list[str], description: str
) -> LogEvent:
    """deleteForm's / deleteEventInstanceByProject's UPDATE row for one event and instance."""
    return log_event(
        call, "redcap_data", "UPDATE", record, ",\n".join(lines), description,
        event_name=event, instance=instance,
    )  # fmt: skip


def rename_log(call: Call, old: str, new: str) -> LogEvent:
    """rename.php:7-9: logged whatever renameRecord answered; `arm=` only when `arm` was posted."""
    text = f"old_record = '{old}',\nnew_record = '{new}'"
    if "arm" in call.params:  # isset($post["arm"]): posted, even empty
        text += f",\narm={call.params.text('arm')}"
    return log_event(call, "redcap_data", "UPDATE", new, text, "Rename Record (API)")
