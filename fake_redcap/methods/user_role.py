"""Export, Import and Delete User Roles (`content=userRole`) and Export and Import User-Role Assignments
(`content=userRoleMapping`), in json, csv and xml.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`): `API/userRole/export.php`, `import.php`, `delete.php`,
`API/userRoleMapping/export.php`, `import.php`; `Classes/UserRights.php` getUserRolesDetails
(:3560-3615), uploadUserRoles (:3690-3873), addRole (:2952-3053), editRole (:3617-3688), removeRole
(:3055-3085), uploadUserRoleMappings (:3876-3975), getApiUserRolesAttr (:4000-4035), addUniqueUserRoleName
(:3510-3523); `Classes/Project.php` getUserRoleRecords (:2759-2786); English.ini for the texts.
V14.5.11 the same; V13.6.1 without alerts, email_logging and api_modules (`USER_RIGHTS_COLUMNS_14`).
Facts only: no REDCap code is copied.

A role export shows the rights as the database returns them (strings, "1"), the form rights as numbers;
its csv repeats the `forms` pairs in front of `forms_export` (export.php's csv() never empties its list).
Deleting a role leaves its users pointing at it: they keep their own rights, but REDCap's user import
still refuses them as "in a role" (removeRole's re-assignment is commented out in the source).
"""

from __future__ import annotations

import dataclasses
import random
import re
from types import MappingProxyType
from typing import cast

from fake_redcap import messages as msg
from fake_redcap.call import Call
from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.messages import Change, Profile
from fake_redcap.methods.access_log import (
    mapping_dag_assigned,
    project_event,
    record_now,
    role_added,
    role_assigned,
    role_deleted,
    role_edited,
    user_change_log,
)
from fake_redcap.methods.export_format import (
    XML_DECLARATION,
    content_format,
    json_body,
    not_implemented,
    php_array_values,
    reply,
)
from fake_redcap.methods.user import EXPORT_NEEDS_USER_RIGHTS, array_to_csv, xml_text
from fake_redcap.methods.user_data import NOT_IN_FORMAT, Item, NotInFormat, read_items
from fake_redcap.methods.user_import import (
    BAD_FORM_RIGHT,
    form_levels,
    stored_int,
    valid_entry_right,
    valid_export_right,
)
from fake_redcap.model import ExportRight, Project, Role, User
from fake_redcap.params import ArrayParam
from fake_redcap.php import from_bytes, html_entity_decode, is_numeric, strip_tags, to_bytes, trim
from fake_redcap.project_log import LogEvent
from fake_redcap.responses import Reply
from fake_redcap.state import db_key
from fake_redcap.user_rights import (
    export_form_rights,
    form_rights,
    no_rights,
    right,
    rights_columns,
    with_rights,
)

ROLE_IMPORT_NEEDS_USER_RIGHTS = (  # api_171
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'User Rights' privileges "
    "in the project in order to import/update user roles via the API Import User Roles method."
)
ROLES_NOT_ARRAY = (  # api_167
    "The 'roles' parameter is either missing or is not an array. It must be provided as an array even if "
    "it only contains one value."
)
ROLES_UNKNOWN = (  # api_170
    "One or more of the roles provided are not valid rolenames that do not exist in this project. Note: No "
    "roles were deleted. Roles that do not exist:"
)
LABEL_BLANK = "The Role Label is blank."  # rights_411
BAD_ROLE_RIGHT = (  # rights_385, _405, api_116, rights_387 (two spaces before "with")
    'The field named "{field}" for user role "{role}"  with value "{value}" is not a valid rights value.'
)
UNKNOWN_ROLE_FORM = (  # api_113, _175, _115
    'The form named "{form}" is incorrect for the user role "{role}" The form does not exist in this project.'
)
INVALID_ROLES = "Invalid Unique Role Names: {names}"  # rights_406
MAPPING_COLUMNS_MISSING = (  # design_641
    "One or more components are missing in your input data. The following attributes are required: "
    "username, unique_role_name"
)
# api_174, then design_638, which English.ini lacks (an empty string): the text ends in a space.
MAPPING_NO_USERNAME = 'The username for unique role name "{role}" '
MAPPING_NAME_TOO_LONG = 'The username "{user}" must be less than or equal to 255 characters in length.'
MAPPING_TWICE = 'The username "{user}" occurs in more than one record. '  # pwd_reset_25, ..._ajax_53
# uploadUserRoles' $rights_fields (V15 :3693-3698): only checked to be numeric.
ROLE_CHECKED_RIGHTS = (
    "design",
    "alerts",
    "user_rights",
    "data_access_groups",
    "reports",
    "stats_and_charts",
    "manage_survey_participants",
    "calendar",
    "data_import_tool",
    "data_comparison_tool",
    "logging",
    "file_repository",
    "data_quality_create",
    "data_quality_execute",
    "api_export",
    "api_import",
    "api_modules",
    "mobile_app",
    "mobile_app_download_data",
    "record_create",
    "record_rename",
    "record_delete",
    "lock_records_all_forms",
    "mycap_participants",
    "lock_records",
    "lock_records_customization",
)
_LOCKS = ("lock_records_all_forms", "lock_records", "lock_records_customization")
_HASH_CHARACTERS = "34789ACDEFHJKLMNPRTWXY"  # generateRandomHash's hand-enterable characters


def role_columns(profile: Profile) -> tuple[str, ...]:
    """getApiUserRolesAttr's rights: the user export's, but the three locking rights reversed."""
    columns = [c for c in rights_columns(profile) if c not in _LOCKS and c != "mycap_participants"]
    columns += list(reversed(_LOCKS))
    if not profile.has(Change.USER_RIGHTS_COLUMNS_14):
        columns.append("mycap_participants")
    return tuple(columns)


def _supported(call: Call) -> None:
    if not call.profile.has(Change.CONTENTS_OF_REDCAP_13):
        # Never reached: before 13 routing answers these contents "not valid" as REDCap's API/index.php
        # does (messages.CONTENT_SINCE); kept as a guard should a caller route here directly.
        raise not_implemented(f"content={call.params.text('content')} before REDCap 13")


def _may_export(call: Call) -> None:
    _supported(call)
    if not call.profile.has(Change.ACCESS_METHOD_PRIVILEGES):
        return  # 13.x: API Export alone
    if right(call.user, "user_rights") == 0 and not call.user.super_user:
        raise ApiError(400, EXPORT_NEEDS_USER_RIGHTS)


def _may_import(call: Call) -> None:
    _supported(call)
    if right(call.user, "user_rights") != 1 and not call.user.super_user:
        raise ApiError(400, ROLE_IMPORT_NEEDS_USER_RIGHTS)


# -- export -------------------------------------------------------------------------------------------


def export_user_roles(call: Call) -> Reply:
    """API/userRole/export.php: the roles in the order they were made (role_id)."""
    _may_export(call)
    fmt = content_format(call)
    rows = [_role_row(call.project, role, call.profile) for role in call.project.roles]
    record_now(call, project_event(call, "redcap_user_roles", "Export user roles (API)"))
    if fmt == ReturnFormat.JSON:
        body = json_body([{k: ([] if v == {} else v) for k, v in row.items()} for row in rows])
    elif fmt == ReturnFormat.CSV:
        body = array_to_csv([_csv_row(row) for row in rows])
    else:
        body = _xml(rows)
    return reply(body, fmt, call)


RoleRow = dict[str, "str | dict[str, int | str]"]


def _role_row(project: Project, role: Role, profile: Profile) -> RoleRow:
    row: RoleRow = {"unique_role_name": role.unique_name, "role_label": role.label}
    for name in role_columns(profile):
        row[name] = str(right(role.rights, name))
    row["forms"] = dict(form_rights(role.rights, project))
    row["forms_export"] = dict(export_form_rights(role.rights, project))
    return row


def _csv_row(row: RoleRow) -> dict[str, str | int]:
    """userRole/export.php csv(): `forms_export` gets the `forms` pairs first (the list is not emptied)."""
    ready: dict[str, str | int] = {}
    pairs: list[str] = []
    for key, value in row.items():
        if isinstance(value, dict):
            pairs += [f"{form}:{level}" for form, level in value.items()]
            ready[key] = ",".join(pairs)
        else:
            ready[key] = value
    return ready


def _xml(rows: list[RoleRow]) -> str:
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
    return f"{XML_DECLARATION}\n<userRoles>\n" + "".join(items) + "</userRoles>\n"


# -- import -------------------------------------------------------------------------------------------


def import_user_roles(call: Call) -> Reply:
    """API/userRole/import.php: each role checked (all errors, nothing written), then added (no
    unique_role_name: a new `U-...` name) or edited; the count."""
    _may_import(call)
    record_now(call, project_event(call, "redcap_user_roles", "Import user roles (API)"))  # import.php:8
    fmt = content_format(call)
    try:
        items = read_items(call.params.text("data"), fmt, "userRoles")
    except NotInFormat:
        return reply(NOT_IN_FORMAT, fmt, call)
    project = call.project
    errors: list[str] = []
    invalid: list[str] = []
    for item in items:
        errors += _check_role(project, item, invalid)
    if invalid:
        errors.append(INVALID_ROLES.format(names=", ".join(invalid)))
    if errors:
        raise ApiError(400, "\n".join(errors))
    roles = list(project.roles)
    log: list[LogEvent] = []
    next_id = max((r.role_id for s in call.state.served for r in s.project.roles), default=0) + 1
    for item in items:
        name = _text(item, "unique_role_name").strip(" \t\n\r\0\x0b")
        if name == "":
            label = from_bytes(strip_tags(html_entity_decode(to_bytes(_text(item, "role_label")))))
            held = _role_rights(call, no_rights(project, ""), item, new=True)
            roles.append(Role(_new_role_name(roles), label, held, role_id=next_id))
            next_id += 1
            log.append(role_added(call, roles[-1]))
        else:
            index = next(i for i, r in enumerate(roles) if r.unique_name == name)
            label = from_bytes(html_entity_decode(to_bytes(_text(item, "role_label"))))
            edited = _role_rights(call, roles[index].rights, item, new=False)
            roles[index] = Role(name, label, edited, role_id=roles[index].role_id)
            log.append(role_edited(call, roles[index]))
    project = dataclasses.replace(project, roles=tuple(roles))
    call.state.replace_project(project, seen=call.served, log=log)
    return reply(str(len(items)), fmt, call)


def _text(item: Item, key: str) -> str:
    value = item.get(key, "")
    return value if isinstance(value, str) else "Array"


def _check_role(project: Project, item: Item, invalid: list[str]) -> list[str]:
    """uploadUserRoles' checks for one role (:3722-3800), in its order."""
    name = _text(item, "unique_role_name").strip(" \t\n\r\0\x0b")
    errors: list[str] = []
    if name not in ("", "0") and name not in {r.unique_name for r in project.roles}:
        invalid.append(name)
    if _text(item, "role_label") in ("", "0"):
        errors.append(LABEL_BLANK)
    for field in ROLE_CHECKED_RIGHTS:
        value = _text(item, field) if field in item else ""
        if value not in ("", "0") and not is_numeric(to_bytes(value)):
            errors.append(BAD_ROLE_RIGHT.format(field=field, role=name, value=value))
    for key, valid in (("forms", valid_entry_right), ("forms_export", valid_export_right)):
        given = item.get(key)
        if not isinstance(given, dict) or not given:
            continue
        for form, level in given.items():
            if form not in project.forms:
                errors.append(UNKNOWN_ROLE_FORM.format(form=form, role=name))
            elif not valid(level):
                errors.append(BAD_FORM_RIGHT.format(form=form, value=level))
    return errors


def _role_rights(call: Call, held: User, item: Item, *, new: bool) -> User:
    """addRole / editRole with uploadUserRoles' $_POST: every checked right the value given or 0 ("" on
    an edit keeps the stored one); email_logging only on a new role (0); the forms given, the others 0
    (new) or as stored (edit). REDCap 15's addRole encodes a new role's form rights as a bitmask
    (UserRights.php:3022-3033, encodeDataViewingRights :4158): a form left out is 128 (no access)."""
    project = call.project
    forms = item.get("forms")
    bitmask = new and call.profile.has(Change.DATA_VIEWING_RIGHTS_BITMASK)
    if bitmask and isinstance(forms, dict) and forms:
        # uploadUserRoles gives every form a right once `forms` is not empty (missing ones 0, UserRights.php
        # uploadUserRoles: $_POST["form-<form>"]), and addRole passes each, a number, to
        # encodeDataViewingRights, which throws "Invalid data viewing right" (:4163-4167; "0" == '' is
        # false in PHP 8). The uncaught exception is a fatal error: System::fatalErrorShutdownHandler's
        # answer, and nothing imported (the transaction API/userRole/import.php began is never
        # committed); the log row import.php:8 wrote before it stays.
        raise ApiError(400, msg.UNKNOWN_ERROR_PARAMETERS)
    if bitmask:
        held = dataclasses.replace(held, data_entry=tuple((f, 128) for f in project.forms))
    values: dict[str, int] = {}
    for field in ROLE_CHECKED_RIGHTS:
        given = _text(item, field) if field in item else "0"
        if given != "" or new:
            values[field] = stored_int(given)
    if new:
        values["email_logging"] = 0
    user = with_rights(held, values)
    if isinstance(forms, dict) and forms:
        entry = dict(form_levels(project, forms))
        user = dataclasses.replace(user, data_entry=tuple((f, entry.get(f, 0)) for f in project.forms))
    exports = item.get("forms_export")
    if isinstance(exports, dict) and exports:
        levels = dict(form_levels(project, exports))
        mapping = {f: ExportRight(min(3, max(0, stored_int(str(levels.get(f, 0)))))) for f in project.forms}
        user = dataclasses.replace(user, data_export=MappingProxyType(mapping))
    return user


def _new_role_name(roles: list[Role]) -> str:
    """addUniqueUserRoleName: "U-", three digits with every 0 replaced by one random digit 1-9, then
    seven hand-enterable characters (generateRandomHash, never shaped like a number in E notation)."""
    taken = {r.unique_name for r in roles}
    while True:
        digits = f"{random.randint(0, 999):03d}".replace("0", str(random.randint(1, 9)))
        tail = "".join(random.choice(_HASH_CHARACTERS) for _ in range(7))
        name = f"U-{digits}{tail}"
        if not re.match(r"\d+E\d", tail) and name not in taken:
            return name


# -- delete -------------------------------------------------------------------------------------------


def delete_user_roles(call: Call) -> Reply:
    """API/userRole/delete.php: `roles` an array of unique role names (trimmed, tags stripped); any
    unknown: nothing deleted. The users of a deleted role keep it as their role (see above)."""
    _may_import(call)
    sent = call.params.get("roles")
    if not call.params.is_array("roles") or not sent:
        if call.profile.has(Change.PHP8_TYPE_ERRORS):
            # userRole/delete.php:8 logs implode(", ", $post['roles']) first: a PHP 8 TypeError
            # (System.php:1475's answer); PHP 7 warned, and delUserRoles answered api_167.
            raise ApiError(400, msg.UNKNOWN_ERROR_PARAMETERS)
        raise ApiError(400, ROLES_NOT_ARRAY)
    roles = list(call.project.roles)
    missing: list[str] = []
    sent_names = php_array_values(cast(ArrayParam, sent))
    shown = f"unique_role_name in ({', '.join(sent_names)})"
    record_now(call, project_event(call, "redcap_user_roles", "Delete user roles (API)", shown))
    log: list[LogEvent] = []
    for raw in sent_names:
        name = from_bytes(trim(strip_tags(html_entity_decode(to_bytes(raw)))))
        found = next((r for r in roles if r.unique_name == name), None)
        if name == "" or found is None:
            missing.append(name)
        else:
            roles.remove(found)
            log.append(role_deleted(call, found))
    if missing:
        raise ApiError(400, f"{ROLES_UNKNOWN} {', '.join(missing)}")
    deleted = len(call.project.roles) - len(roles)
    project = dataclasses.replace(call.project, roles=tuple(roles))
    call.state.replace_project(project, seen=call.served, log=log)
    return reply(str(deleted), content_format(call), call)


# -- assignments --------------------------------------------------------------------------------------


def export_user_role_mapping(call: Call) -> Reply:
    """API/userRoleMapping/export.php, Project::getUserRoleRecords: each user (by username) and the
    unique name of their role ("" for none or a deleted role), and their DAG when the project has DAGs."""
    _may_export(call)
    fmt = content_format(call)
    project = call.project
    dags = {d.group_id: d.unique_name for d in project.dags}
    roles = {r.unique_name for r in project.roles}
    rows: list[dict[str, str | int]] = []
    for user in sorted(project.users, key=lambda u: db_key(u.username)):
        row: dict[str, str | int] = {
            "username": _php_lower(user.username),
            "unique_role_name": user.role if user.role in roles else "",
        }
        if dags:
            row["data_access_group"] = dags.get(user.dag, "") if user.dag is not None else ""
        rows.append(row)
    record_now(call, project_event(call, "redcap_user_rights", "Export user role assignments (API)"))
    if fmt == ReturnFormat.JSON:
        body = json_body(rows)
    elif fmt == ReturnFormat.CSV:
        body = array_to_csv(rows) if rows else "username,unique_role_name"
    else:
        body = _mapping_xml(rows)
    return reply(body, fmt, call)


def _php_lower(text: str) -> str:
    return "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in text)


def _mapping_xml(rows: list[dict[str, str | int]]) -> str:
    items = "".join(
        "<item>"
        + "".join(f"<{k}><![CDATA[{v}]]></{k}>" if v != "" else f"<{k}></{k}>" for k, v in row.items())
        + "</item>\n"
        for row in rows
    )
    return f"{XML_DECLARATION}\n<items>\n{items}</items>\n"


def import_user_role_mapping(call: Call) -> Reply:
    """API/userRoleMapping/import.php, uploadUserRoleMappings: the first row must name username and
    unique_role_name; each username given once; roles must exist (blank: out of any role). A username
    the project lacks is added with no rights; a known data_access_group moves the user into it."""
    _may_import(call)
    fmt = content_format(call)
    data = call.params.text("data").removeprefix("\ufeff")
    try:
        items = read_items(data, fmt, "items")
    except NotInFormat:
        return reply(NOT_IN_FORMAT, fmt, call)
    project = call.project
    errors = _check_mappings(project, items)
    if errors:
        raise ApiError(400, "\n".join(errors))
    users = list(project.users)
    dags = {d.unique_name: d.group_id for d in project.dags}
    log: list[LogEvent] = []
    for item in items:
        username = _text(item, "username").strip(" \t\n\r\0\x0b")
        role = _text(item, "unique_role_name").strip(" \t\n\r\0\x0b")
        index = next((i for i, u in enumerate(users) if db_key(u.username) == db_key(username)), None)
        if index is None:
            users.append(no_rights(project, _php_lower(username)))
            index = len(users) - 1
            log += user_change_log(call, None, users[index])
        changed = dataclasses.replace(users[index], role=role or None)
        log.append(
            role_assigned(call, username, next((r for r in project.roles if r.unique_name == role), None))
        )
        dag = _text(item, "data_access_group")
        if dag in dags:
            changed = dataclasses.replace(changed, dag=dags[dag])
            log.append(mapping_dag_assigned(call, username, dag))
        users[index] = changed
    # import.php:9 logs after putItems: only an import that succeeded
    log.append(project_event(call, "redcap_user_rights", "Import user role assignments (API)"))
    call.state.replace_project(dataclasses.replace(project, users=tuple(users)), seen=call.served, log=log)
    return reply(str(len(items)), fmt, call)


def _check_mappings(project: Project, items: list[Item]) -> list[str]:
    if not items or "username" not in items[0] or "unique_role_name" not in items[0]:
        return [MAPPING_COLUMNS_MISSING]
    errors: list[str] = []
    invalid: list[str] = []
    seen: dict[str, int] = {}
    known = {r.unique_name for r in project.roles}
    for item in items:
        username = _text(item, "username").strip(" \t\n\r\0\x0b")
        role = _text(item, "unique_role_name").strip(" \t\n\r\0\x0b")
        seen[username] = seen.get(username, 0) + 1
        if username == "":
            errors.append(MAPPING_NO_USERNAME.format(role=role))
        elif len(username.encode("utf-8")) > 255:
            errors.append(MAPPING_NAME_TOO_LONG.format(user=username))
        elif seen[username] > 1:
            errors.append(MAPPING_TWICE.format(user=username))
        elif role != "" and role not in known:
            invalid.append(role)
    if invalid:
        errors.append(INVALID_ROLES.format(names=", ".join(invalid)))
    return errors
