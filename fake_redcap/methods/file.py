"""Export File (`content=file&action=export`) and fileinfo, in REDCap's order.

Source: V15 `API/file/export.php`, reference §1.3 E1–E9. Each step is numbered as there.
"""

from __future__ import annotations

import re

from fake_redcap import messages as msg
from fake_redcap.call import Call
from fake_redcap.errors import ApiError, php_json_encode
from fake_redcap.model import ExportRight, Field, Project
from fake_redcap.responses import Reply, file_reply
from fake_redcap.state import db_key

_PHP_NUMERIC = re.compile(r"[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*")


def export_file(call: Call) -> Reply:
    project, profile, params = call.project, call.profile, call.params
    record, field_name = params.text("record"), params.text("field")
    # Before 12.2.0 there were no per-instrument rights; a per-form fixture map then stands for its
    # aggregate, the closest single `data_export_tool` value, so one rule serves every profile.
    rights = call.user.export_rights()

    # E1: "No Access" data export rights.
    if rights == ExportRight.NO_ACCESS:
        raise ApiError(403, msg.EXPORT_NO_ACCESS)
    # E2: De-Identified / Remove Identifiers on an Identifier field. The lookup is an exact,
    # case-sensitive PHP array key, so `MYFILE` for `myfile` skips this check (reference §6).
    exact_field = project.field(field_name)
    if (
        rights in (ExportRight.DEIDENTIFIED, ExportRight.REMOVE_IDENTIFIERS)
        and exact_field
        and exact_field.identifier
    ):
        raise ApiError(403, msg.EXPORT_IDENTIFIER)
    # E3: longitudinal projects need an existing unique event name (exact match); classic projects
    # ignore `event` entirely.
    event: str | None = None
    if project.is_longitudinal:
        wanted = params.text("event")
        if not wanted or project.event(wanted) is None:
            raise ApiError(400, msg.INVALID_EVENT)
        event = wanted
    # E4: the instance, silently defaulted and reset to 1.
    instance = repeat_instance(project, event, exact_field, params.text("repeat_instance"))
    # E5: the record must have a row in this event (any field, any instance).
    rows = call.served.rows(record, event)
    if not rows:
        raise ApiError(400, profile.record_missing(record))
    # E6: the field must be a file field (matched like the database does: case-insensitively).
    file_field = _file_field(project, field_name)
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
    return file_reply(stored, profile, call.header_variant)


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


def _file_field(project: Project, name: str) -> Field | None:
    key = db_key(name)
    return next((f for f in project.fields if f.is_file and db_key(f.name) == key), None)
