"""A log row as `content=log` exports it: `Logging::renderLogRow($row, false)` (V15 Classes/Logging.php:
573-1217) for the rows REDCap 2.2+ writes (never the legacy ones), with the texts of
`LanguageUpdater/English.ini` (reporting_24-47, rights_167-204, global_49). Facts only: no REDCap code.

The columns: `timestamp` (`YYYY-MM-DD HH:MM`, DateTimeRC::format_ts_from_int_to_ymd), `username` (a
"SYSTEM\\nuser" pair as "SYSTEM (user)"), `action` (the kind of event, then the record and, in a
longitudinal project, its event name; HTML dropped), `details` (the data values or the description,
`<br>` and newlines as spaces, label_decode then filter_tags) and `record`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from fake_redcap.escape import filter_tags, label_decode
from fake_redcap.model import Project
from fake_redcap.php import from_bytes, strip_tags, to_bytes
from fake_redcap.project_log import LogEvent

# English.ini (V15)
UPDATE_USER = "Update user"  # reporting_24
UPDATE_RECORD = "Update record"  # reporting_25
CREATE_RECORD = "Create record"  # reporting_27
DATA_EXPORT = "Data export"  # reporting_28
DELETE_USER = "Delete user"  # reporting_29
DELETE_RECORD = "Delete record"  # reporting_30
MANAGE = "Manage/Design"  # reporting_33
UPLOADED = "Uploaded Document"  # reporting_39
DELETED = "Deleted Document"  # reporting_40
LOCK = "Lock/Unlock Record"  # reporting_41
ACTION = "Action: "  # reporting_44
ESIGNATURE = "E-signature"  # global_34
RECORD = "Record"  # global_49
ROLE_RIGHTS = {  # Logging.php:768-789, by description
    "Edit user expiration": ("Updated User Expiration", False),  # rights_204
    "Rename role": ("Rename user role", True),  # rights_200
    "Edit role": ("Edit user role", True),  # rights_196
    "Remove user from role": ("User removed from user role", False),  # rights_177
}
# MANAGE rows whose details get "\n(data_values)" (Logging.php:934-937)
_WITH_VALUES = frozenset(
    {"Create calendar event", "Delete calendar event", "Edit calendar event", "Create event", "Edit event"}
    | {"Delete event", "Create arm", "Delete arm", "Edit arm name/number"}
)
_DAG_USER = frozenset(
    {"Assign user to data access group", "Remove user from data access group"}
    | {"DAG Switcher: Assign user to additional DAGs"}
    | {"DAG Switcher: Remove user from multiple DAG assignment"}
)
_DATA_EVENTS = frozenset(
    {"OTHER", "UPDATE", "INSERT", "DELETE", "DOC_UPLOAD", "DOC_DELETE", "LOCK_RECORD", "ESIGNATURE"}
)
_RECORD_DAG = ("Remove record from Data Access Group", "Assign record to Data Access Group")


def _about_dag(descrip: str) -> bool:
    return any(text in descrip for text in _RECORD_DAG)


def _via(descrip: str) -> str:
    """ " (API)" or "<br>(API Playground)" for a data export or upload (Logging.php:848-853, 864-868)."""
    if "(API)" in descrip:
        return " (API)"
    return "<br>(API Playground)" if "(API Playground)" in descrip else ""


@dataclass(frozen=True)
class Rendered:
    timestamp: str
    username: str
    action: str
    details: str
    record: str


def _font(text: str) -> str:
    return f"<font>{text}</font>"


def _record_kind(row: LogEvent, descrip: str) -> str:
    """The kind of a redcap_data UPDATE / INSERT / DELETE row (Logging.php:735-760, 810-822, 893-900)."""
    if row.event == "DELETE":
        if "(API)" in descrip:
            return DELETE_RECORD + " (API)"
        return DELETE_RECORD + (" (API Playground)" if "(API Playground)" in descrip else "")
    kind = UPDATE_RECORD if row.event == "UPDATE" else CREATE_RECORD
    if " (import)" in descrip:
        kind += " (import)"
    elif (" (API)" if row.event == "UPDATE" else "(API)") in descrip:
        kind += " (API)"
    if row.event == "UPDATE" and " (Auto calculation)" in descrip:
        kind += "<br>(Auto calculation)"
    return kind


def _data_row(row: LogEvent, descrip: str) -> tuple[str, str, str]:
    """UPDATE / INSERT / DELETE rows (Logging.php:727-900): (event text, details, id)."""
    values, pk = row.data_values or "", row.pk or ""
    if row.object_type == "redcap_data":
        kind = _record_kind(row, descrip)
        if row.event == "UPDATE" and _about_dag(descrip):  # Logging.php:764-773
            kind = UPDATE_RECORD + (" (API)" if " (API)" in descrip else "")
            values = descrip.replace(" (API)", "") + "\n(" + values + ")"
        return _font(kind), values, pk
    if row.object_type in ("redcap_user_rights", "redcap_user_roles"):
        return _user_row(row, descrip, values, pk)
    return "", values, pk


def _user_row(row: LogEvent, descrip: str, values: str, pk: str) -> tuple[str, str, str]:
    if row.event == "UPDATE":
        if descrip in ROLE_RIGHTS:
            text, hide_id = ROLE_RIGHTS[descrip]
            return _font(text), values, "" if hide_id else pk
        if descrip.startswith("Add "):
            return _font(descrip), values, ""
        return _font(UPDATE_USER), values, pk
    if row.event == "INSERT":
        if row.object_type != "redcap_user_rights":
            return "", values, pk
        if descrip in ("Add role", "Copy role"):
            return _font("Create user role"), values, ""  # rights_195
        if descrip == "Assign user to role":
            return _font("User assigned to role"), values, pk  # rights_167
        return _font("Add user"), values, pk  # rights_187
    if row.object_type != "redcap_user_rights":
        return "", values, pk
    if descrip == "Delete role":
        return _font("Delete user role"), values, ""  # rights_197
    return _font(DELETE_USER), values, pk


def _manage_row(row: LogEvent, descrip: str) -> tuple[str, str, str]:
    """MANAGE rows (Logging.php:929-1100) for the descriptions the fake writes."""
    details, values = descrip, row.data_values or ""
    event = _font(MANAGE)
    if details in _WITH_VALUES:
        details += "\n(" + values + ")"
    if details.startswith("Download exported"):
        event = _font(DATA_EXPORT)
    elif details in _DAG_USER or details.startswith("Quick-modify field"):
        details += ("\n" if details in _DAG_USER else ";\n") + values
    elif details == "View API token of another user":
        details += "\n(" + values + ")"
    return event, details, ""


def _event_and_details(row: LogEvent) -> tuple[str, str, str]:
    descrip = row.description or ""
    values, pk = row.data_values or "", row.pk or ""
    if row.event in ("UPDATE", "INSERT", "DELETE"):
        return _data_row(row, descrip)
    if row.event == "DATA_EXPORT":
        return _font(DATA_EXPORT + _via(descrip)), _export_settings(values), ""
    if row.event == "DOC_UPLOAD":
        if row.page.startswith("Design/"):
            return _font(MANAGE), descrip, ""
        return _font(UPLOADED + _via(descrip)) + "<br>" + _font(UPDATE_RECORD), values, pk
    if row.event == "DOC_DELETE":
        return _font(DELETED) + "<br>" + _font(UPDATE_RECORD), values, pk
    if row.event == "OTHER":
        return _font(descrip), values, (f"{RECORD} {pk}" if pk else "")
    if row.event == "MANAGE":
        return _manage_row(row, descrip)
    if row.event == "LOCK_RECORD":
        return _font(LOCK), ACTION + descrip + "\n" + values, pk
    if row.event == "ESIGNATURE":
        return _font(ESIGNATURE), ACTION + descrip + "\n" + values, pk
    return "", values, ""


def _export_settings(values: str) -> str:
    """Logging.php:831-843: JSON data values (6.0.0+) as `key: value` lines, a list as `key: "a, b"`."""
    if not values.startswith("{"):
        return values
    try:
        decoded = json.loads(values)
    except ValueError:
        return values
    lines = [
        f'{k}: "{", ".join(str(x) for x in v)}"' if isinstance(v, list) else f"{k}: {v}"
        for k, v in decoded.items()
    ]
    return ",\n".join(lines)


def event_label(project: Project, unique_name: str) -> str | None:
    """`$Proj->eventInfo[...]['name_ext']`: the event's name, with "(Arm n: name)" when there are
    several arms (V15 Classes/Project.php:937, 964-969)."""
    event = project.event(unique_name)
    if event is None:
        return None
    if len(project.arms) < 2:
        return event.name
    arm = next((a for a in project.arms if a.number == event.arm), None)
    return f"{event.name} (Arm {event.arm}: {arm.name if arm else ''})"


def _with_event(project: Project, row: LogEvent, ident: str) -> str:
    """Logging.php:1126-1150: a longitudinal project's data rows name their event after the record."""
    descrip = row.description or ""
    dag = _about_dag(descrip)
    if not project.is_longitudinal or row.object_type not in ("redcap_data", "redcap_alerts", ""):
        return ident
    if row.event not in _DATA_EVENTS or dag:
        return ident
    event = row.event_name
    if event is None and row.event != "OTHER":
        event = project.events[0].unique_name  # $Proj->firstEventId
    if descrip == "Delete record":
        if len(project.arms) > 1 and event is not None and (found := project.event(event)) is not None:
            arm = next((a for a in project.arms if a.number == found.arm), None)
            text = f"Arm {found.arm}: {arm.name if arm else ''}"
            name = from_bytes(strip_tags(label_decode(to_bytes(text))))
            return f"{ident} <span style='color:#777;'>({name})</span>"
        return ident
    label = event_label(project, event) if event is not None else None
    if label is None:
        return ident
    name = from_bytes(strip_tags(label_decode(to_bytes(label))))
    return f"{ident} <span style='color:#777;'>({name})</span>"


def render(project: Project, row: LogEvent) -> Rendered:
    """One row as the API exports it (renderLogRow with $html_output false)."""
    event, details, ident = _event_and_details(row)
    record = ident if "<" not in ident else ""  # Logging.php:1118-1124
    ident = _with_event(project, row, ident)
    user = row.user
    if "\n" in user:
        first, second = user.split("\n", 1)
        user = f"{first} ({second})"
    action = from_bytes(strip_tags(to_bytes(f"{event}<br>{ident}".replace("<br>", " "))))
    text = label_decode(to_bytes(details)).replace(b"<br>", b" ").replace(b"\n", b" ")
    ts = row.ts
    return Rendered(
        timestamp=f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]} {ts[8:10]}:{ts[10:12]}",
        username=user,
        action=action,
        details=from_bytes(filter_tags(text)),
        record=record,
    )
