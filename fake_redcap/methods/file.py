"""The file methods: Export File (and fileinfo), Import File and Delete File, in REDCap's order.

Sources: V15 `API/file/export.php` (reference §1.3 E1–E9), `import.php` (§4.1), `delete.php` (§4.2).
Each step is numbered as there.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import IO

import magic

from fake_redcap import messages as msg
from fake_redcap import php
from fake_redcap.call import Call, Upload
from fake_redcap.errors import ApiError, content_type_for, php_json_encode
from fake_redcap.filenames import RESTRICTED_UPLOAD_TYPES, file_type_allowed, refusal_name, stored_name
from fake_redcap.messages import Change, Profile
from fake_redcap.model import ExportRight, Field, Project, ProjectStatus
from fake_redcap.project_log import log_event
from fake_redcap.responses import Reply, file_reply
from fake_redcap.state import db_key
from fake_redcap.storage import StoredFileMissing

_PHP_NUMERIC = re.compile(r"[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*")


def export_file(call: Call) -> Reply:
    project, profile, params = call.project, call.profile, call.params
    record, field_name = params.text("record"), params.text("field")  # as messages show them
    db_record, db_field = db_value(call, "record"), db_value(call, "field")  # as SQL compares them
    # Before 12.2.0 there were no per-instrument rights; a per-form fixture map then stands for its
    # aggregate, the closest single `data_export_tool` value, so one rule serves every profile.
    rights = call.user.export_rights()

    # E1: "No Access" data export rights.
    if rights == ExportRight.NO_ACCESS:
        raise ApiError(403, msg.EXPORT_NO_ACCESS)
    # E2: De-Identified / Remove Identifiers on an Identifier field. The lookup is an exact,
    # case-sensitive PHP array key, so `MYFILE` for `myfile` skips this check (reference §6).
    exact_field = project.field(field_name)
    if rights in (ExportRight.DEIDENTIFIED, ExportRight.REMOVE_IDENTIFIERS):
        array_key(call, "field")  # isset($Proj->metadata[array]) (export.php:13)
        if exact_field and exact_field.identifier:
            raise ApiError(403, msg.EXPORT_IDENTIFIER)
    # E3: longitudinal projects need an existing unique event name (exact match); classic projects
    # ignore `event` entirely.
    event = _event(call)
    # E4: the instance, silently defaulted and reset to 1.
    array_key(call, "field")  # $Proj->metadata[$fieldName] (export.php:51)
    instance = repeat_instance(project, event, exact_field, params.text("repeat_instance"))
    # E5: the record must have a row in this event (any field, any instance).
    rows = call.served.rows(db_record, event)
    if not rows:
        raise ApiError(400, profile.record_missing(record))
    # E6: the field must be a file field (matched like the database does: case-insensitively).
    file_field = call.served.file_field(db_field)
    if file_field is None:
        raise ApiError(400, profile.field_not_file(field_name))
    # E7/E8: a stored file for record + event + field + instance.
    stored = next(
        (
            row.files[file_field.name]
            for row in rows
            if row.instance == instance and file_field.name in row.files
        ),
        None,
    )
    if stored is None:
        raise ApiError(400, msg.NO_FILE_TO_DOWNLOAD)
    # E9: fileinfo answers JSON whatever the returnFormat.
    if call.fileinfo:
        body = php_json_encode({"size": stored.size, "name": stored.name}).encode("ascii")
        return Reply(status=200, content_type="application/json; charset=utf-8", body=body)
    # A file the fixture named (or an upload) that is no longer the regular file it was at its path:
    # REDCap's answer for a file missing from its storage folder; a swapped file's bytes are never sent.
    try:
        answer = file_reply(stored, profile, call.header_variant)
    except StoredFileMissing as missing:
        raise ApiError(400, msg.FILE_MISSING.format(path=missing.path, name=stored.name)) from None
    # export.php:130-135, 225-229: the download is logged once the file is found (MANAGE, no event id)
    entry = log_event(
        call,
        "redcap_edocs_metadata",
        "MANAGE",
        record,
        field_name,
        "Download file (API)",
        instance=int(instance),
    )
    call.state.add_log(project.project_id, entry, seen=call.served)
    return answer


def repeat_instance(project: Project, event: str | None, field: Field | None, raw: str) -> float:
    """Reference §1.3 E4: `repeat_instance` if PHP's is_numeric says so and it is > 0, else 1; forced
    back to 1 unless the field's form repeats in that event or the (longitudinal) event repeats.

    A value like "2.0" matches instance 2 and "1.5" matches nothing, as the SQL comparison does.
    """
    instance = float(raw) if _PHP_NUMERIC.fullmatch(raw) else 1.0
    if instance <= 0:
        instance = 1.0
    form = field.form if field else None
    repeats = any(
        (rule.event == event and rule.form is not None and rule.form == form)
        or (project.is_longitudinal and rule.event == event and rule.form is None)
        for rule in project.repeating
    )
    return instance if repeats else 1.0


def _event(call: Call) -> str | None:
    """E3 / import 4 / delete 2: longitudinal projects need an existing unique event name (exact,
    case-sensitive match); classic projects ignore `event` entirely."""
    if not call.project.is_longitudinal:
        return None
    wanted = call.params.text("event")
    if not wanted or call.project.event(wanted) is None:
        raise ApiError(400, msg.INVALID_EVENT)
    return wanted


def _check_locks(call: Call, record: str, event: str | None, instance: float) -> None:
    """Import 6 / delete 3 (V13+): a record locked whole, or the field's instrument locked in this
    event and instance. `record` as the database compares it (db_escape)."""
    profile = call.profile
    if not profile.has(Change.LOCKING_BLOCKS_FILE_CHANGES):
        return
    shown = profile.record_in_message(call.params.text("record"))
    if db_key(record) in call.served.locked_records:
        raise ApiError(400, msg.RECORD_LOCKED.format(record=shown))
    array_key(call, "record")  # isset($locking->locked[$record]...) (import.php:74, delete.php:62)
    field = call.project.field(call.params.text("field"))
    if field is None:
        return
    for row in call.served.rows(record, event):
        if row.instance == instance and field.form in row.locked_forms:
            raise ApiError(400, msg.FORM_LOCKED.format(record=shown))


_PHP_INTEGER = re.compile(r"[-+]?\d+")


def _is_integer(raw: str) -> bool:
    """REDCap's isinteger (V15 Config/init_functions.php): after trim(), optional sign and digits only,
    and no leading zero (so "2.0", "1e1" and "02" are not integers and the instance becomes 1)."""
    text = raw.strip(" \t\n\r\0\x0b")
    return bool(_PHP_INTEGER.fullmatch(text)) and not (text != "0" and text.startswith("0"))


def _size(stream: IO[bytes]) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def sniff_mime(path: Path) -> str:
    """The stored MIME type, sniffed from the content with libmagic as REDCap 10+ does
    (`mime_content_type`, V15 `Classes/Files.php`); the client's part Content-Type is ignored."""
    # Through a descriptor, as PHP reads the stream: from_file's stat check would call an empty file
    # inode/x-empty where mime_content_type says application/x-empty.
    fd = os.open(path, os.O_RDONLY)
    try:
        return str(magic.from_descriptor(fd, mime=True))
    finally:
        os.close(fd)


def _type_allowed(name: str, profile: Profile) -> bool:
    """Files::fileTypeAllowed as the version has it (fake_redcap.filenames): the default restricted list
    from 13.10.5, no empty extension from 15.0.0, no check at all before 13 (V10 Files.php)."""
    restricted = RESTRICTED_UPLOAD_TYPES if profile.has(Change.RESTRICTED_UPLOAD_TYPES) else frozenset()
    return file_type_allowed(
        name, restricted=restricted, refuse_no_extension=profile.has(Change.FILE_TYPE_CHECK)
    )


def _stored_name(filename: str, profile: Profile) -> str:
    return stored_name(
        filename,
        sanitised=profile.has(Change.SANITIZE_FILE_NAME),
        tags_stripped=profile.has(Change.UPLOAD_NAME_TAGS_STRIPPED),
    )


def db_value(call: Call, name: str) -> str:
    """A parameter as REDCap's db_escape puts it into SQL: "MS Word" characters folded, a one-element
    array read as its element from REDCap 14 (source audit #21a, #22)."""
    return call.params.db(name, unwrap_one=call.profile.has(Change.ONE_ELEMENT_ARRAY_UNWRAPPED))


def array_key(call: Call, name: str) -> None:
    """A parameter sent as an array that REDCap uses as a PHP array key: a TypeError in PHP 8, which
    REDCap 15 answers with its fatal-error text (source audit #21b)."""
    if call.params.is_array(name) and call.profile.has(Change.PHP8_TYPE_ERRORS):
        raise ApiError(400, msg.UNKNOWN_ERROR_PARAMETERS)


def import_file(call: Call) -> Reply:
    """Import File (V15 `API/file/import.php`, reference §4.1), in REDCap's order."""
    project, profile, params = call.project, call.profile, call.params
    field_name = params.text("field")  # as messages show it
    db_record, db_field = db_value(call, "record"), db_value(call, "field")  # as SQL compares them
    # 1-2: something uploaded, and without an upload error. When nothing came under the name `file`,
    # `$_FILES['file']['error']` is null and PHP's `null != 0` is false: REDCap goes on with an empty
    # name, size 0 and no temporary file, to fail at the type check (V15) or when saving.
    if not call.uploads:
        raise ApiError(400, msg.NO_VALID_FILE)
    upload = call.uploads.get("file")
    missing = upload is None
    if upload is None:
        upload = Upload(filename="", stream=io.BytesIO())
    elif upload.error != 0:
        raise ApiError(400, msg.UPLOAD_PROBLEM)
    # 3: Analysis/Cleanup status blocks changes.
    if project.status == ProjectStatus.ANALYSIS:
        raise ApiError(403, msg.IMPORT_ANALYSIS)
    # 4: the event; classic projects use their only event.
    event = _event(call)
    # 5: the instance (isinteger in V15, is_numeric before), reset to 1 unless the form/event repeats.
    array_key(call, "field")  # $Proj->metadata[$fieldName] (import.php:58)
    raw_instance = params.text("repeat_instance")
    if profile.has(Change.UPLOAD_INSTANCE_ISINTEGER) and not _is_integer(raw_instance):
        raw_instance = "1"
    instance = repeat_instance(project, event, project.field(field_name), raw_instance)
    # 6: record and instrument locking.
    _check_locks(call, db_record, event, instance)
    # 7: REDCap's size limit for File Upload fields.
    size = _size(upload.stream)
    if size > call.max_upload_mb * 1024 * 1024:
        template = (
            msg.TOO_LARGE if profile.has(Change.UPLOAD_SIZE_MESSAGE_NAMES_FIELD_TYPE) else msg.TOO_LARGE_OLD
        )
        raise ApiError(400, template.format(mb=call.max_upload_mb))
    # 8: Files::uploadFile saves nothing without a temporary file (no part named `file`) or when the
    # stored name's type is not permitted; REDCap answers docs_1136 only if the name as posted (decoded,
    # never sanitised) is refused too (V13+ import.php:79, 88-93; source audit 2026-11 #50).
    name = _stored_name(upload.filename, profile)
    saved = not missing and _type_allowed(name, profile)
    if not saved and not _type_allowed(refusal_name(upload.filename), profile):
        raise ApiError(400, msg.FILE_TYPE_NOT_PERMITTED)
    # 9-11 run only once the upload was saved (import.php:96-170 `if ($docId != 0)`; audit #47).
    if not saved:
        raise ApiError(400, msg.SAVE_FAILED)
    file_field = _checked_target(call, db_record, db_field)
    # 12: store it; the new file replaces the field's value, creating the instance if needed. V15 saves
    # through getData/saveData and silently stores nothing where getData finds no row (audit #55).
    # import.php:164-166: DOC_UPLOAD, `field = 'doc_id'`, on the upload's event and instance; logged
    # also when V15's saveData found no row to write the file into (the log call follows the loop)
    display = f"{field_name} = '{call.state.next_doc_id()}'"
    entry = log_event(
        call, "redcap_data", "DOC_UPLOAD", params.text("record"), display, "Upload document (API)",
        event_name=event, instance=int(instance),
    )  # fmt: skip
    through_getdata = profile.has(Change.UPLOAD_SAVES_THROUGH_GETDATA)
    if through_getdata and not _getdata_has_row(call, db_record, event, instance, file_field):
        call.state.add_log(project.project_id, entry, seen=call.served)
        return Reply(status=200, content_type=content_type_for(call.return_format, profile))
    upload.stream.seek(0)
    stored = call.state.store(upload.stream, name, sniff_mime)
    call.state.set_file(
        project.project_id, db_record, event, int(instance), file_field.name, stored, seen=call.served,
        log=(entry,),
    )  # fmt: skip
    return Reply(status=200, content_type=content_type_for(call.return_format, profile))


def _checked_target(call: Call, db_record: str, db_field: str) -> Field:
    """Import 9-11: the record exists somewhere in the project (raw name in the message), the field is a
    file field (matched like the database does), and it is no signature, unless the client says it is
    the Mobile App. The signature test reads `$Proj->metadata[$fieldName]`, an exact PHP key, and
    `$post['mobile_app'] != '1'`, PHP's loose comparison (import.php:122; audit #54)."""
    record, field_name = call.params.text("record"), call.params.text("field")  # as messages show them
    if db_key(db_record) not in call.served.records:
        raise ApiError(400, msg.IMPORT_RECORD_MISSING.format(record=record))
    file_field = call.served.file_field(db_field)
    if file_field is None:
        raise ApiError(400, call.profile.field_not_file(field_name))
    exact = call.project.field(field_name)
    mobile_app = php.loose_equals(php.to_bytes(call.params.text("mobile_app")), b"1")
    if exact is not None and exact.is_signature and not mobile_app:
        raise ApiError(400, msg.SIGNATURE_IMPORT.format(field=field_name))
    return file_field


def _getdata_has_row(call: Call, db_record: str, event: str | None, instance: float, field: Field) -> bool:
    """Whether V15's `REDCap::getData(..., [$record], [pk, $field, form_complete], [$eventId])` returns a
    row saveData then writes the file into (import.php:142-161, returnEmptyEvents false by default,
    Records.php:1715): a repeating instrument's instance always (import.php first writes its
    `<form>_complete`), an instance of a repeating event only if it exists, otherwise only if the record
    has data in this event."""
    project = call.project
    rows = call.served.rows(db_record, event)
    if any(rule.event == event and rule.form == field.form for rule in project.repeating):
        return True
    if project.is_longitudinal and any(r.event == event and r.form is None for r in project.repeating):
        return any(row.instance == instance for row in rows)
    return bool(rows)


def delete_file(call: Call) -> Reply:
    """Delete File (V15 `API/file/delete.php`, reference §4.2), in REDCap's order."""
    project, profile, params = call.project, call.profile, call.params
    record, field_name = params.text("record"), params.text("field")  # as messages show them
    db_record, db_field = db_value(call, "record"), db_value(call, "field")  # as SQL compares them
    if project.status == ProjectStatus.ANALYSIS:
        raise ApiError(403, msg.DELETE_ANALYSIS)
    event = _event(call)
    array_key(call, "field")  # $Proj->metadata[$fieldName] (delete.php:47)
    instance = repeat_instance(project, event, project.field(field_name), params.text("repeat_instance"))
    # 3: locking, with import's "could not be saved" texts (copied in REDCap's delete.php too).
    _check_locks(call, db_record, event, instance)
    rows = call.served.rows(db_record, event)
    if not rows:
        raise ApiError(400, msg.DELETE_RECORD_MISSING.format(record=record))
    file_field = call.served.file_field(db_field)
    if file_field is None:
        raise ApiError(400, profile.field_not_file(field_name))
    if not any(row.instance == instance and file_field.name in row.files for row in rows):
        raise ApiError(400, msg.NO_FILE_TO_DELETE)
    # delete.php:120-123: DOC_DELETE with the field name as posted, on the event and instance
    entry = log_event(
        call, "redcap_data", "DOC_DELETE", record, field_name, "Delete uploaded document (API)",
        event_name=event, instance=int(instance),
    )  # fmt: skip
    call.state.set_file(
        project.project_id, db_record, event, int(instance), file_field.name, None, seen=call.served,
        log=(entry,),
    )  # fmt: skip
    return Reply(status=200, content_type=content_type_for(call.return_format, profile))
