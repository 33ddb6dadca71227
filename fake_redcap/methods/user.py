"""Export, Import and Delete Users (`content=user`), in json, csv and xml.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`): `API/user/export.php` (the User Rights check, the xml
and csv shapes), `API/user/import.php`, `API/user/delete.php`, `Classes/UserRights.php` getUserDetails
(:3204-3330) and uploadUsers (:3332-3480), `Config/init_functions.php` arrayToCsv (:4680); texts from
`LanguageUpdater/English.ini`. V14.5.11 and V13.6.1 the same but for the columns
(`Change.USER_RIGHTS_COLUMNS_14`); older versions answer "not implemented". Facts only: no REDCap code is
copied.

As REDCap reads it in the API, `$user_rights` is not set (API/index.php never sets it), so neither the
export nor the import is limited to the caller's DAG (getUserDetails :3215, uploadUsers :3352).
"""

from __future__ import annotations

import dataclasses
from typing import cast

from fake_redcap import messages as msg
from fake_redcap.call import Call
from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.messages import Change
from fake_redcap.methods import user_import
from fake_redcap.methods.access_log import project_event, record_now, user_change_log, user_deleted
from fake_redcap.methods.export_format import (
    XML_DECLARATION,
    content_format,
    csv_line,
    json_body,
    not_implemented,
    php_array_values,
    reply,
)
from fake_redcap.methods.user_data import NOT_IN_FORMAT, NotInFormat, read_items
from fake_redcap.model import Project, User
from fake_redcap.params import ArrayParam
from fake_redcap.php import from_bytes, html_entity_decode, strip_tags, to_bytes, trim
from fake_redcap.project_log import LogEvent
from fake_redcap.responses import Reply
from fake_redcap.state import db_key
from fake_redcap.user_rights import effective, export_form_rights, form_rights, right, rights_columns

# English.ini (V15)
EXPORT_NEEDS_USER_RIGHTS = (  # api_229
    "Insufficient user privileges: You must have 'API Export' privileges and 'User Rights' privileges "
    "(Full Access or Read Only) in the project."
)
IMPORT_NEEDS_USER_RIGHTS = (  # api_103
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'User Rights' "
    "privileges in the project in order to import/update users via the API Import Users method."
)
USERS_NOT_ARRAY = (  # api_161
    "The 'users' parameter is either missing or is not an array. It must be provided as an array even if "
    "it only contains one value."
)
USERS_UNKNOWN = (  # api_160
    "One or more of the users provided are not valid usernames that do not exist in this project. Note: No "
    "users were deleted. Users that do not exist:"
)

Row = dict[str, "str | int | dict[str, int | str]"]


def _supported(call: Call) -> None:
    if not call.profile.has(Change.CONTENTS_OF_REDCAP_13):
        # Not done: REDCap 7.1.2 and 10.0.13 have API/user/export.php and import.php with their own
        # columns and checks (rights of those versions), not read for the fake yet.
        raise not_implemented("content=user before REDCap 13")


def export_users(call: Call) -> Reply:
    """API/user/export.php: User Rights (Full Access or Read Only), then every user of the project."""
    _supported(call)
    checks = call.profile.has(Change.ACCESS_METHOD_PRIVILEGES)  # 13.x exports to anyone with API Export
    if checks and right(call.user, "user_rights") == 0 and not call.user.super_user:
        raise ApiError(400, EXPORT_NEEDS_USER_RIGHTS)
    fmt = content_format(call)
    rows = [user_row(call.project, user, call) for user in stored_order(call.project)]
    record_now(call, project_event(call, "redcap_user_rights", "Export users (API)"))
    if fmt == ReturnFormat.JSON:
        body = json_body([_json_ready(row) for row in rows])
    elif fmt == ReturnFormat.CSV:
        body = array_to_csv([_csv_ready(row) for row in rows])
    else:
        body = _xml(rows)
    return reply(body, fmt, call)


def stored_order(project: Project) -> list[User]:
    """The rows of redcap_user_rights for the project as MySQL reads them without ORDER BY: by the
    primary key (project_id, username), compared as the utf8mb4_unicode_ci column compares."""
    return sorted(project.users, key=lambda u: db_key(u.username))


def user_row(project: Project, stored: User, call: Call) -> Row:
    """getUserDetails' entry for one user: the account, the DAG, the rights (the role's, for a user in
    a role), then `forms` and `forms_export`."""
    user = _effective(call, stored)
    dag = next((d for d in project.dags if d.group_id == user.dag), None)
    row: Row = {
        "username": _php_lower(user.username),
        "email": user.email,
        "firstname": user.firstname,
        "lastname": user.lastname,
        "expiration": user.expiration.isoformat() if user.expiration else "",
        "data_access_group": dag.unique_name if dag else "",
        "data_access_group_id": dag.group_id if dag else "",
    }
    for name in rights_columns(call.profile):
        row[name] = right(user, name)
    row["forms"] = dict(form_rights(user, project))
    row["forms_export"] = dict(export_form_rights(user, project))
    return row


def _effective(call: Call, user: User) -> User:
    return effective(user, call.project.roles)


def _json_ready(row: Row) -> dict[str, object]:
    """json_encode: an empty PHP array is `[]`."""
    return {k: ([] if isinstance(v, dict) and not v else v) for k, v in row.items()}


def _csv_ready(row: Row) -> dict[str, str | int]:
    """export.php's csv(): `forms` as `form:right,form:right`."""
    ready: dict[str, str | int] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            ready[key] = ",".join(f"{form}:{level}" for form, level in value.items())
        else:
            ready[key] = value
    return ready


_CSV_INJECTION = ("=", "-", "+", "@")


def array_to_csv(rows: list[dict[str, str | int]]) -> str:
    """arrayToCsv (V15 init_functions.php:4680-4712): the first row's keys as the header, a string
    starting with = - + @ prefixed with a tab, fputcsv lines, the whole trimmed; nothing for no rows."""
    if not rows:
        return ""
    lines = [csv_line(list(rows[0]))]
    for row in rows:
        values = [f"\t{v}" if isinstance(v, str) and v[:1] in _CSV_INJECTION else v for v in row.values()]
        lines.append(csv_line(values))
    return "".join(lines).strip(" \t\n\r\0\x0b")


def xml_text(value: str | int) -> str:
    """htmlspecialchars($val, ENT_XML1): &, < and > (quotes are left, as ENT_XML1 alone says)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml(rows: list[Row]) -> str:
    """export.php's xml(): values escaped (no CDATA), `forms` and `forms_export` nested, raw."""
    items = []
    for row in rows:
        parts = []
        for key, value in row.items():
            if isinstance(value, dict):
                inner = "".join(f"<{form}>{level}</{form}>" for form, level in value.items())
                parts.append(f"<{key}>{inner}</{key}>")
            else:
                parts.append(f"<{key}>{xml_text(value)}</{key}>")
        items.append("<item>" + "".join(parts) + "</item>\n")
    return f"{XML_DECLARATION}\n<users>\n" + "".join(items) + "</users>\n"


def import_users(call: Call) -> Reply:
    """API/user/import.php: User Rights (Full Access), the data read per `format`, every user checked
    (all errors joined by newlines, nothing written), then each added or updated; the count."""
    _supported(call)
    if right(call.user, "user_rights") != 1 and not call.user.super_user:
        raise ApiError(400, IMPORT_NEEDS_USER_RIGHTS)
    record_now(call, project_event(call, "redcap_user_rights", "Import users (API)"))  # import.php:8
    fmt = content_format(call)
    try:
        items = read_items(call.params.text("data"), fmt, "users")
    except NotInFormat:
        return reply(NOT_IN_FORMAT, fmt, call)
    # V13.6.1 import.php leaves a csv forms_export a string, which uploadUsers indexes as an array
    # (V14.5.11 import.php:53-60 splits it). Not determined: REDCap 13 runs on PHP 7.3 to 8.x, where a
    # string offset read is a warning and one character (7.x) or a TypeError, a fatal error (8.x).
    old_csv = fmt == ReturnFormat.CSV and not call.profile.has(Change.USER_RIGHTS_COLUMNS_14)
    if old_csv and any(isinstance(item.get("forms_export"), dict) for item in items):
        raise not_implemented("content=user csv import with forms_export before REDCap 14")
    users, changes = user_import.upload_users(call.project, call.profile, items)
    log = [entry for before, after in changes for entry in user_change_log(call, before, after)]
    # A reset since the call began: the change was for the world that is gone (as replace_records).
    call.state.replace_project(dataclasses.replace(call.project, users=users), seen=call.served, log=log)
    return reply(str(len(changes)), fmt, call)


def delete_users(call: Call) -> Reply:
    """API/user/delete.php: User Rights (Full Access); `users` an array; each name trimmed, tags stripped
    and entities decoded, and looked up as getPrivileges keys it (lower-cased): a name in capitals is not
    found. Any name not found: nothing deleted."""
    _supported(call)
    checks = call.profile.has(Change.ACCESS_METHOD_PRIVILEGES)  # 13.x: API Import/Update alone
    if checks and right(call.user, "user_rights") != 1 and not call.user.super_user:
        raise ApiError(400, IMPORT_NEEDS_USER_RIGHTS)
    names = call.params.get("users")
    if not call.params.is_array("users") or not names:
        if call.profile.has(Change.PHP8_TYPE_ERRORS):
            # delete.php:8 logs implode(", ", $post['users']) first: PHP 8 throws a TypeError for a
            # string or a missing value, and System.php:1475's handler answers (implode() reproduced with
            # php-cli 8.2); PHP 7 only warned, and delUsers answered api_161.
            raise ApiError(400, msg.UNKNOWN_ERROR_PARAMETERS)
        raise ApiError(400, USERS_NOT_ARRAY)
    sent_names = php_array_values(cast(ArrayParam, names))
    shown = f"user_id in ({', '.join(sent_names)})"
    record_now(call, project_event(call, "redcap_users", "Delete users (API)", shown))  # delete.php:8
    remaining = list(call.project.users)
    missing: list[str] = []
    log: list[LogEvent] = []
    for sent in sent_names:
        username = from_bytes(trim(strip_tags(html_entity_decode(to_bytes(sent)))))
        found = next((u for u in remaining if _php_lower(u.username) == username), None)
        if username == "" or found is None:
            missing.append(username)
        else:
            remaining.remove(found)
            log.append(user_deleted(call, username))
    if missing:
        raise ApiError(400, f"{USERS_UNKNOWN} {', '.join(missing)}")
    project = dataclasses.replace(call.project, users=tuple(remaining))
    call.state.replace_project(project, seen=call.served, log=log)
    fmt = content_format(call)
    return reply(str(len(call.project.users) - len(remaining)), fmt, call)


def _php_lower(text: str) -> str:
    """PHP 8's strtolower: ASCII letters only."""
    return "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in text)
