"""Delete Records (`content=record&action=delete`) and Generate Next Record Name.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`): `API/record/delete.php` (rights, `records` as an
array, every record present, the arm, the count answered), `Classes/REDCap.php` deleteRecord:2567-2700
(instance, event, instrument: what each scope deletes and its errors), `API/generateNextRecordName/
export.php` and `Classes/DataEntry.php` getAutoId:6912 (the largest all-digit record name plus one). Texts
from `LanguageUpdater/English.ini` (api_131-137, api_176-182). Facts only: no REDCap code is copied.

A deleted row takes its files with it: `FakeState.replace_records` frees them.
"""

from __future__ import annotations

import dataclasses
import re
from types import MappingProxyType

from fake_redcap import messages as msg
from fake_redcap.call import Call
from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.methods.export_format import content_format, list_param, not_implemented, reply
from fake_redcap.methods.record_log import delete_record_log, erased_values, partial_delete_log, rename_log
from fake_redcap.methods.structure import repeats_whole
from fake_redcap.model import ExportRight, Project, RecordRow
from fake_redcap.php import from_bytes, rawurldecode, to_bytes, trim, urldecode
from fake_redcap.project_log import LogEvent
from fake_redcap.responses import Reply
from fake_redcap.state import db_key

# English.ini (V15)
RIGHTS = (  # api_135
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'Delete Records' "
    "privileges in the project in order to utilize this API method."
)
NOT_AN_ARRAY = (  # api_136
    "Incorrect format for 'records' parameter. It must be passed as an array, even if it only contains a "
    "single record name."
)
EMPTY_ARRAY = (  # api_137
    "The 'records' parameter is an empty array. The parameter must be an array containing one or more "
    "record names to delete."
)
MISSING = (  # api_131
    "One or more of the records provided cannot be deleted because they do not exist in the project. The "
    "following records do not exist: {records}"
)
BAD_ARM = "The arm provided is not correct for the project."  # api_132
NOT_DELETED = (  # api_176
    "One or more of the records provided are either do not exist in this project or not valid with "
    "selected params. Note: No records were deleted. Records that do not exist: {errors}"
)
BAD_EVENT = "Invalid Unique Event Name."  # api_179
BAD_INSTRUMENT = "Invalid instrument."  # api_180
EVENT_NEEDED = "Event is mandatory for longitudinal project."  # api_181
BAD_INSTANCE = "Repeating instance should be numeric."  # api_182
_NUMERIC = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")  # PHP is_numeric (leading space)
_DIGITS = re.compile(r"[0-9]+")


def delete_records(call: Call) -> Reply:
    """content=record&action=delete: every record named, or nothing (REDCap's transaction)."""
    project, params, user = call.project, call.params, call.user
    if not (user.super_user or (user.record_delete and user.api_import)):
        raise ApiError(400, RIGHTS)
    records, is_array = list_param(params, "records")
    if not is_array:
        raise ApiError(400, NOT_AN_ARRAY)
    if not records:
        raise ApiError(400, EMPTY_ARRAY)
    if params.text("delete_logging") not in ("", "0", "1"):
        raise not_implemented("content=record&action=delete&delete_logging")
    arm = _arm(project, params.text("arm"))
    existing = {db_key(r.record): r.record for r in project.records}
    found = {existing[db_key(r)] for r in records if db_key(r) in existing}
    if len(found) != len(records):  # count(getData keys) != count(records); the diff is exact
        missing = [r for r in records if r not in found]
        raise ApiError(400, MISSING.format(records=", ".join(missing)))
    rows = list(project.records)
    errors: list[str] = []
    count = 0
    log: list[LogEvent] = []
    for record in records:
        outcome = _delete_one(call, rows, record, arm, log)
        if isinstance(outcome, str):
            errors.append(f"{record}: {outcome}")
        elif outcome:
            count += 1
    if errors:
        raise ApiError(400, NOT_DELETED.format(errors=", ".join(errors)))
    call.state.replace_records(project.project_id, tuple(rows), seen=call.served, log=log)
    return reply(str(count), content_format(call), call)  # sendResponse(200, $content, $format)


def _arm(project: Project, raw: str) -> int | None:
    """`arm` counts only in a longitudinal project with several arms (delete.php)."""
    if raw in ("", "0") or not project.is_longitudinal or len(project.arms) < 2:
        return None
    number = int(raw) if _DIGITS.fullmatch(raw) else None
    if number is None or not any(a.number == number for a in project.arms):
        raise ApiError(400, BAD_ARM)
    return number


def _delete_one(
    call: Call, rows: list[RecordRow], record: str, arm: int | None, log: list[LogEvent]
) -> bool | str:
    """REDCap::deleteRecord for one record: True if something was deleted, or the error text; what it
    logs added to `log` (fake_redcap/methods/record_log.py)."""
    project, params = call.project, call.params
    event, instrument = params.text("event"), params.text("instrument")
    raw_instance = params.text("repeat_instance")
    if raw_instance not in ("", "0") and not _NUMERIC.fullmatch(raw_instance):
        return BAD_INSTANCE
    instance = int(float(raw_instance)) if raw_instance not in ("", "0") else 1
    key = db_key(record)
    arm_events = {e.unique_name for e in project.events if arm is None or e.arm == arm}
    mine = [r for r in rows if db_key(r.record) == key and (arm is None or r.event in arm_events)]
    if not mine:
        return "Record does not exists."  # api_178
    if event not in ("", "0"):
        if project.event(event) is None:
            return BAD_EVENT
        here = [r for r in mine if r.event == event and r.instance == instance]
        if instrument in ("", "0"):
            repeats = any(r.event == event and r.form is None for r in project.repeating)
            text = "Delete all record data for single event" + (" instance" if repeats else "")
            names = {f.name for f in project.fields} | {f"{form}_complete" for form in project.forms}
            lines = [line for r in here for line in erased_values(project, r, names)]
            log.append(partial_delete_log(call, record, event, instance, lines, text))  # Records.php:8688
            return _remove(rows, here)
        if instrument not in project.forms:
            return BAD_INSTRUMENT
        return _clear_form(call, rows, here, instrument, record, log)
    if instrument not in ("", "0"):
        if project.is_longitudinal:
            return EVENT_NEEDED
        return _clear_form(call, rows, [r for r in mine if r.instance == instance], instrument, record, log)
    log.append(delete_record_log(call, record, arm))
    return _remove(rows, mine)


def _remove(rows: list[RecordRow], gone: list[RecordRow]) -> bool:
    ids = {id(r) for r in gone}
    rows[:] = [r for r in rows if id(r) not in ids]
    return bool(gone)


def _clear_form(
    call: Call, rows: list[RecordRow], targets: list[RecordRow], form: str, record: str, log: list[LogEvent]
) -> bool:
    """Records::deleteForm: the form's values, its status and its files go; the row (and so the record in
    that event) stays. Logged per event and instance, erased values or not (Records.php:188)."""
    project = call.project
    names = {f.name for f in project.fields if f.form == form} | {f"{form}_complete"}
    changed = False
    for target in targets:
        lines = erased_values(project, target, names)
        if lines:  # nothing to erase: deleteForm returns before logging
            text = "Delete all record data for single form"
            log.append(partial_delete_log(call, record, target.event, target.instance, lines, text))
        values = {k: v for k, v in target.values.items() if k.split("___")[0] not in names and k not in names}
        files = {k: v for k, v in target.files.items() if k not in names}
        if len(values) != len(target.values) or len(files) != len(target.files):
            changed = True
            updated = dataclasses.replace(
                target, values=MappingProxyType(values), files=MappingProxyType(files)
            )
            rows[next(i for i, r in enumerate(rows) if r is target)] = updated
            _drop_emptied_event(project, rows, updated)
    return changed


def _drop_emptied_event(project: Project, rows: list[RecordRow], row: RecordRow) -> None:
    """Records::deleteForm in a longitudinal project (V15 Records.php:126-156): when no form of the
    event has data left (Records::getFormStatus; in a repeating event, in this instance) and the record
    has data in another event or instance, every value of the event and instance goes, the record ID
    field with them: the row leaves the export."""
    if not project.is_longitudinal:
        return
    event = project.event(row.event) if row.event is not None else None
    if event is None:
        return
    forms = set(event.forms)
    pk = project.record_id_field
    same = [
        r
        for r in rows
        if db_key(r.record) == db_key(row.record)
        and r.event == row.event
        and (r.instance == row.instance or not repeats_whole(project, row.event))
    ]
    if any(_form_has_data(project, r, forms, pk) for r in same):
        return
    others = any(
        db_key(r.record) == db_key(row.record) and (r.event, r.instance) != (row.event, row.instance)
        for r in rows
    )
    if others:
        _remove(rows, [row])


def _form_has_data(project: Project, row: RecordRow, forms: set[str], pk: str) -> bool:
    """Whether any of `forms` has a value (or a stored file) in `row`, the record ID field aside."""
    by_name = {f.name: f.form for f in project.fields}
    names = [k for k, v in row.values.items() if v != "" and k != pk] + list(row.files)
    for name in names:
        base = name.split("___")[0]
        form = by_name.get(base) or (name.removesuffix("_complete") if name.endswith("_complete") else None)
        if form in forms:
            return True
    return False


def generate_next_record_name(call: Call) -> Reply:
    """content=generateNextRecordName: the largest record name made only of digits, plus one."""
    if call.user.export_rights() == ExportRight.NO_ACCESS:
        raise ApiError(403, msg.EXPORT_NO_ACCESS)
    numbers = [int(r.record) for r in call.project.records if _DIGITS.fullmatch(r.record)]
    return reply(str(max(numbers, default=0) + 1), call.return_format, call)


# Rename Record (V15 API/record/rename.php, Classes/REDCap.php renameRecord:2339-2445). REDCap answers
# its refusals with status 200 and the text as the body, and a rename with "1" (PHP's true).
RENAME_NO_RECORD = "Current record name must be provided."  # api_187
RENAME_MISSING = "Current Record does not exists."  # api_188
RENAME_NO_NEW_NAME = "New record name must be provided."  # api_189
RENAME_TAKEN = (
    '{label} "{record}" could not be changed to "{new}" because that record already exists! Please try again.'
)


def _refused(call: Call, text: str, fmt: ReturnFormat) -> Reply:
    """renameRecord's refusal, logged as rename.php logs every answer (:7-9)."""
    entry = rename_log(call, call.params.text("record"), call.params.text("new_record_name"))
    call.state.add_log(call.project.project_id, entry, seen=call.served)
    return reply(text, fmt, call)


def _decoded(name: str) -> str:
    return from_bytes(trim(rawurldecode(urldecode(to_bytes(name)))))


def rename_record(call: Call) -> Reply:
    """content=record&action=rename: every row of the record (in the arm, with several arms) renamed."""
    project, params = call.project, call.params
    fmt = content_format(call)
    record, new = params.text("record"), params.text("new_record_name")
    if record in ("", "0"):  # PHP empty()
        return _refused(call, RENAME_NO_RECORD, fmt)
    if new in ("", "0"):
        return _refused(call, RENAME_NO_NEW_NAME, fmt)
    arm = _arm(project, params.text("arm"))
    arm_events = {e.unique_name for e in project.events if arm is None or e.arm == arm}
    key = db_key(record)
    mine = [r for r in project.records if db_key(r.record) == key and (arm is None or r.event in arm_events)]
    if not mine:
        return _refused(call, RENAME_MISSING, fmt)
    # Once the record is found as sent, both names are url-decoded twice and trimmed before the rest
    # (V15 Classes/REDCap.php renameRecord:2381-2382, `trim(rawurldecode(urldecode(...)))`; the same in
    # V13.6.1 and V14.5.11): `a%2Bb` renames to `a+b`, `a+b` to `a b`. The log keeps the names as sent.
    record, new_name = _decoded(record), _decoded(new)
    if any(
        db_key(r.record) == db_key(new_name) for r in project.records if arm is None or r.event in arm_events
    ):
        label = re.sub(r"<[^>]*>", "", project.fields[0].label)
        return _refused(call, RENAME_TAKEN.format(label=label, record=record, new=new_name), fmt)
    # changeRecordId renames the decoded name's rows (nothing, when it names no record; still "1")
    key = db_key(record)
    mine = [r for r in project.records if db_key(r.record) == key and (arm is None or r.event in arm_events)]
    ids = {id(r) for r in mine}
    rows = tuple(dataclasses.replace(r, record=new_name) if id(r) in ids else r for r in project.records)
    # The record's DAG (its __GROUPID__ row in redcap_data) is renamed with its data.
    dags = dict(project.record_dags)
    if key in dags and not any(db_key(r.record) == key for r in rows):
        dags[db_key(new_name)] = dags.pop(key)
    entry = rename_log(call, params.text("record"), new)
    call.state.replace_records(project.project_id, rows, seen=call.served, log=(entry,), record_dags=dags)
    return reply("1", fmt, call)
