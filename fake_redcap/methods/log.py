"""Export Logging (`content=log`): the project's log, newest first, filtered as REDCap filters it.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`): `API/log/export.php` (the rights, the parameters, the
columns, the three formats, the log row it writes itself), `Logging/filters.php` (the filters:
`logtype` through `Logging::setEventFilterSql`:1220-1285, `user`, `record`, `dag`, `beginTime`,
`endTime`), `Classes/Logging.php` renderLogRow (fake_redcap/log_render.py). Facts only: no REDCap code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from fake_redcap.call import Call
from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.log_render import Rendered, render
from fake_redcap.methods.export_format import content_format, json_body, not_implemented, reply
from fake_redcap.methods.project_info import array_to_csv
from fake_redcap.methods.rights import holds
from fake_redcap.model import ExportRight
from fake_redcap.php import from_bytes, html_entity_decode, to_bytes
from fake_redcap.project_log import LogEvent, log_event, newest_first
from fake_redcap.responses import Reply
from fake_redcap.state import db_key

NO_EXPORT_RIGHTS = (  # export.php:6
    'The API request cannot complete because currently you have "No Access" data export rights. Higher '
    "level data export rights are required for this operation."
)
NO_LOGGING_RIGHTS = (  # export.php:14
    'The API request cannot complete because currently you do not have "Logging" privileges, which are '
    "required for this operation."
)
HEADER = "timestamp,username,action,details,record"  # export.php:35, a csv with no rows
# Logging/filters.php:51-52: the rows a record or DAG filter can match
_RECORD_EVENTS = frozenset(
    {"MANAGE", "ESIGNATURE", "LOCK_RECORD", "UPDATE", "INSERT", "DELETE", "DOC_UPLOAD", "DOC_DELETE", "OTHER"}
)
_EDITS = ("UPDATE", "DOC_DELETE", "DOC_UPLOAD")
_NOT_DIGIT = re.compile(r"[^\d]")

Filter = Callable[[LogEvent], bool]


def _like(text: str, prefix: str = "", contains: str = "") -> bool:
    """MySQL LIKE 'prefix%' / '%contains%' under a case-insensitive collation."""
    folded = text.lower()
    return folded.startswith(prefix.lower()) and contains.lower() in folded


def _manage_not_export(row: LogEvent) -> bool:
    descrip = row.description or ""
    return not _like(descrip, prefix="Download exported") and not _like(descrip, contains="PDF (with data)")


_LOGTYPES: dict[str, Filter] = {  # Logging::setEventFilterSql (every row the fake writes has legacy 0)
    "lock_record": lambda r: r.event in ("LOCK_RECORD", "ESIGNATURE"),
    "manage": lambda r: r.event == "MANAGE" and _manage_not_export(r),
    "export": lambda r: r.event == "DATA_EXPORT" or (r.event == "MANAGE" and not _manage_not_export(r)),
    "record": lambda r: r.object_type == "redcap_data" and r.event != "DATA_EXPORT",
    "record_add": lambda r: r.object_type == "redcap_data" and r.event == "INSERT",
    "record_edit": lambda r: (
        (r.object_type == "redcap_data" and r.event in _EDITS) or (r.page == "PLUGIN" and r.event == "OTHER")
    ),
    "record_delete": lambda r: r.object_type == "redcap_data" and r.event == "DELETE",
    "user": lambda r: r.object_type == "redcap_user_rights",
}


def _record_event(row: LogEvent) -> bool:
    """filters.php:51-52: a data event, not about user rights, external links or (but "Send alert")
    alerts."""
    if row.event not in _RECORD_EVENTS or row.object_type in ("redcap_user_rights", "redcap_external_links"):
        return False
    return not (row.object_type == "redcap_alerts" and row.description != "Send alert")


def _user_filter(wanted: str) -> Filter | None:
    """filters.php:26-30: `user = 'x' or user like '%\\nx'` (SYSTEM: `user = 'SYSTEM' or user like
    'SYSTEM\\n%'`), compared as the user column's collation compares."""
    if wanted == "":
        return None
    if wanted == "SYSTEM":
        return lambda r: db_key(r.user) == "system" or r.user.lower().startswith("system\n")
    key = db_key(wanted)
    return lambda r: db_key(r.user) == key or r.user.lower().endswith("\n" + wanted.lower())


def _time_bound(raw: str) -> int | None:
    """filters.php:118-133 for the API: the first 16 characters, `` ` `` and `=` removed, ":00" added to
    16 characters or fewer, then every non-digit dropped; compared with the numeric `ts`. Blank: none."""
    text = raw[:16]
    text = from_bytes(html_entity_decode(to_bytes(text))) if "&" in text else text
    text = re.sub(r"<[^>]*>", "", text).replace("`", "").replace("=", "")
    if text == "":
        return None
    if len(text) <= 16:
        text += ":00"
    digits = _NOT_DIGIT.sub("", text)
    return int(digits) if digits else None


def _filters(call: Call) -> list[Filter]:
    params = call.params
    logtype, record = params.text("logtype"), params.text("record")
    if logtype == "page_view":  # redcap_log_view: the fake keeps no page views
        raise not_implemented("content=log&logtype=page_view")
    if logtype != "" and "record" not in logtype:  # filters.php:15-19
        record = ""
    found: list[Filter] = []
    if logtype in _LOGTYPES:
        found.append(_LOGTYPES[logtype])
    user = _user_filter(params.text("user"))
    if user is not None:
        found.append(user)
    dag = _dag_id(call, "" if logtype != "" and "record" not in logtype else params.text("dag"))
    if record != "":  # filters.php:57-63: a record outside the DAG becomes '' (matching no row)
        if dag is not None and call.project.record_dags.get(db_key(record)) != dag:
            record = ""
        key = db_key(record)
        found.append(lambda r: _record_event(r) and r.pk is not None and db_key(r.pk) == key)
    elif dag is not None:
        found.append(_dag_filter(call, dag, "record" in logtype))
    begin, end = _time_bound(params.text("beginTime")), _time_bound(params.text("endTime"))
    if begin is not None:
        found.append(lambda r: int(r.ts) >= begin)
    if end is not None:
        found.append(lambda r: int(r.ts) <= end)
    return found


def _dag_id(call: Call, wanted: str) -> int | None:
    """filters.php:40-47: a user in no DAG may name one by its group_id (a PHP array key: the number
    as written, else nothing); a user in a DAG always sees only theirs."""
    if call.user.dag is not None:
        return call.user.dag
    ids = {str(d.group_id): d.group_id for d in call.project.dags}
    return ids.get(wanted)


def _dag_filter(call: Call, dag: int, records_only: bool) -> Filter:
    """filters.php:64-84: the data events of the DAG's records and, unless the log type is about
    records, the other rows of the DAG's users (those not about a record outside it). A user in no DAG
    filtering by a DAG without records sees nothing."""
    keys = {k for k, g in call.project.record_dags.items() if g == dag}
    if not keys and call.user.dag is None:
        return lambda r: False
    users = {db_key(u.username) for u in call.project.users if u.dag == dag}

    def inside(row: LogEvent) -> bool:
        return _record_event(row) and db_key(row.pk or "") in keys

    def outside(row: LogEvent) -> bool:
        return _record_event(row) and db_key(row.pk or "") not in keys

    if records_only:
        return inside
    return lambda r: (db_key(r.user) in users and not outside(r)) or inside(r)


def _rows(call: Call) -> list[Rendered]:
    filters = _filters(call)
    project = call.project
    chosen: Iterable[LogEvent] = (r for r in newest_first(call.served.log) if all(f(r) for f in filters))
    return [render(project, r) for r in chosen]


def _xml(rows: list[Rendered]) -> str:
    """export.php's xml(): `<logs>`, one `<log>` a line, a non-blank value html_entity_decoded in CDATA."""
    lines = []
    for row in rows:
        parts = []
        for name in ("timestamp", "username", "action", "details", "record"):
            value = getattr(row, name)
            decoded = from_bytes(html_entity_decode(to_bytes(value)))
            parts.append(f"<{name}><![CDATA[{decoded}]]></{name}>" if value != "" else f"<{name}></{name}>")
        lines.append("<log>" + "".join(parts) + "</log>\n")
    return '<?xml version="1.0" encoding="UTF-8" ?>\n<logs>\n' + "".join(lines) + "</logs>\n"


def export_log(call: Call) -> Reply:
    """content=log: the rights, the filtered rows in the format asked, then the export's own MANAGE row
    (written after the query, so it shows from the next export on)."""
    if call.user.export_rights() == ExportRight.NO_ACCESS:
        raise ApiError(403, NO_EXPORT_RIGHTS)
    if not holds(call, "data_logging"):
        raise ApiError(403, NO_LOGGING_RIGHTS)
    fmt = content_format(call)
    rows = _rows(call)
    if fmt is ReturnFormat.JSON:
        body = json_body([_as_dict(r) for r in rows])
    elif fmt is ReturnFormat.CSV:
        body = array_to_csv([dict(_as_dict(r)) for r in rows]) if rows else HEADER
    else:
        body = _xml(rows)
    pid = call.project.project_id
    text = f"project_id = {pid}"
    entry = log_event(call, "redcap_log_event", "MANAGE", str(pid), text, "Export Logging (API)")
    call.state.add_log(pid, entry, seen=call.served)
    return reply(body, fmt, call)


def _as_dict(row: Rendered) -> dict[str, str | int]:
    return {
        "timestamp": row.timestamp,
        "username": row.username,
        "action": row.action,
        "details": row.details,
        "record": row.record,
    }
