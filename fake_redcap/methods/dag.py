"""Data access groups: Export, Import and Delete DAGs (`content=dag`), Switch DAG (`action=switch`),
and Export and Import User-DAG Assignments (`content=userDagMapping`), in json, csv and xml.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`): `API/dag/export.php`, `import.php`, `delete.php`,
`switch.php`, `API/userDagMapping/export.php`, `import.php`; `Classes/DataAccessGroups.php` uploadDAGs
(:518-573), uploadUserDAGMappings (:576-650), delGroup (:496-515); `Classes/Project.php` getGroups
(:1374-1392: ordered by the trimmed name), getUniqueGroupNames (:1409-1460: the unique name is made from
the name, never stored), getDAGRecords, getUserDAGRecords; `Classes/DAGSwitcher.php` switchToDAG
(:446-473); `Resources/sql/install.sql`:4543 (a user's group_id is set NULL when their DAG is deleted;
a record's DAG stays in redcap_data). V13.6.1 and V14.5.11 the same. Facts only: no REDCap code is
copied.
"""

from __future__ import annotations

import dataclasses
from typing import cast

from fake_redcap.call import Call
from fake_redcap.dag_names import ordered, with_unique_names
from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.messages import Change
from fake_redcap.methods.access_log import project_event, record_now, switched, user_dag_mapped
from fake_redcap.methods.export_format import (
    XML_DECLARATION,
    content_format,
    json_body,
    not_implemented,
    php_array_values,
    reply,
)
from fake_redcap.methods.user import array_to_csv, stored_order
from fake_redcap.methods.user_data import NOT_IN_FORMAT, Item, NotInFormat, read_items
from fake_redcap.model import Dag, Project
from fake_redcap.params import ArrayParam
from fake_redcap.php import from_bytes, html_entity_decode, to_bytes
from fake_redcap.responses import Reply
from fake_redcap.state import db_key

EXPORT_NEEDS_DAG_RIGHTS = (  # api_221
    "Insufficient user privileges: You must have 'API Export' privileges and 'Data Access Groups' "
    "privileges in the project."
)
IMPORT_NEEDS_DAG_RIGHTS = (  # api_222
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'Data Access Groups' "
    "privileges in the project."
)
DAGS_NOT_ARRAY = (  # api_185
    "The 'dags' parameter is either missing or is not an array. It must be provided as an array even if it "
    "only contains one value."
)
DAGS_UNKNOWN = (  # api_157
    "One or more of the dags provided are not valid unique group names that do not exist in this project. "
    "Note: No dags were deleted. DAGs that do not exist:"
)
DAG_COLUMNS_MISSING = (  # design_641
    "One or more components are missing in your input data. The following attributes are required: "
    "data_access_group_name, unique_group_name"
)
MAPPING_COLUMNS_MISSING = (  # design_641
    "One or more components are missing in your input data. The following attributes are required: "
    "username, redcap_data_access_group"
)
# data_access_groups_ajax_48 then design_638, which English.ini lacks: the text ends in a space.
NAME_BLANK = 'The data access group name for unique group name "{unique}" '
NAME_TOO_LONG = (  # data_access_groups_ajax_49, design_834
    'The data access group name "{name}" must be less than or equal to 100 characters in length.'
)
UNIQUE_UNKNOWN = (  # data_access_groups_ajax_18, design_643, design_1113 (a multi-line value in English.ini)
    'Unique group name "{unique}" does not exist in the project. NOTE: The unique group name is '
    "auto-generated from the name of the data access group, so there is no way to set the unique group "
    "name manually.\n              If you are attempting to create a new DAG, you should leave the "
    "unique_group_name and data_access_group_id fields blank in your upload file."
)
MAPPING_NO_USERNAME = 'The username for unique group name "{unique}" '  # ..._ajax_51, design_638 (empty)
MAPPING_NAME_TOO_LONG = 'The username "{user}" must be less than or equal to 255 characters in length.'
MAPPING_NOT_A_USER = 'The username "{user}" does not exist in the project.'  # pwd_reset_25, design_643
MAPPING_TWICE = 'The username "{user}" occurs in more than one record. '  # pwd_reset_25, ..._ajax_53
MAPPING_UNIQUE_UNKNOWN = 'Unique group name "{unique}" does not exist in the project.'  # ..._ajax_18, _643
MAPPING_IN_A_DAG = (  # api_184
    "You do not have permission to import User-DAG Assignment because you have been assigned to a Data "
    "Access Group."
)
# DAGSwitcher::switchToDAG's answers (status 200)
SWITCH_INVALID_DAG = "ERROR: Invalid DAG"
SWITCH_INVALID_USER = "ERROR: Invalid user"
SWITCH_NOT_PERMITTED = "ERROR: User/DAG assignment not permitted"


# -- rights -------------------------------------------------------------------------------------------


def _supported(call: Call) -> None:
    if not call.profile.has(Change.CONTENTS_OF_REDCAP_13):
        # Never reached: before 13 routing answers these contents "not valid" as REDCap's API/index.php
        # does (messages.CONTENT_SINCE); kept as a guard should a caller route here directly.
        raise not_implemented(f"content={call.params.text('content')} before REDCap 13")


def _dag_rights(call: Call) -> bool:
    """RestUtility's dag_rights: the Data Access Groups right (1 for a super user)."""
    return call.user.super_user or call.user.rights.get("data_access_groups", 0) == 1


def _may(call: Call, message: str) -> None:
    _supported(call)
    if not call.profile.has(Change.ACCESS_METHOD_PRIVILEGES):
        return  # 13.x: the API rights alone
    if not _dag_rights(call):
        raise ApiError(400, message)


# -- DAGs ---------------------------------------------------------------------------------------------


def export_dags(call: Call) -> Reply:
    """API/dag/export.php: name, unique name and id of each DAG, by name."""
    _may(call, EXPORT_NEEDS_DAG_RIGHTS)
    fmt = content_format(call)
    rows: list[dict[str, str | int]] = [
        {
            "data_access_group_name": d.name,
            "unique_group_name": d.unique_name,
            "data_access_group_id": d.group_id,
        }
        for d in ordered(call.project.dags)
    ]
    record_now(call, project_event(call, "redcap_data_access_groups", "Export DAGs (API)"))
    if fmt == ReturnFormat.JSON:
        body = json_body(rows)
    elif fmt == ReturnFormat.CSV:
        body = array_to_csv(rows) if rows else "data_access_group_name,unique_group_name,data_access_group_id"
    else:
        body = cdata_items(rows, "dags")
    return reply(body, fmt, call)


def cdata_items(rows: list[dict[str, str | int]], root: str) -> str:
    """The DAG and mapping exports' xml(): non-blank values in CDATA, entities decoded."""
    items = "".join(
        "<item>"
        + "".join(
            f"<{k}><![CDATA[{from_bytes(_decode(v))}]]></{k}>" if v != "" else f"<{k}></{k}>"
            for k, v in row.items()
        )
        + "</item>\n"
        for row in rows
    )
    return f"{XML_DECLARATION}\n<{root}>\n{items}</{root}>\n"


def _decode(value: str | int) -> bytes:
    return html_entity_decode(to_bytes(str(value)))


def import_dags(call: Call) -> Reply:
    """API/dag/import.php, uploadDAGs: the first row must name both columns (else 400 at once); each DAG
    checked in turn; a known unique name renames its DAG, a blank one adds a DAG. As uploadDAGs checks
    `empty($errors)` inside its loop, the DAGs before the first error would be written, but the
    transaction is rolled back: nothing is."""
    _may(call, IMPORT_NEEDS_DAG_RIGHTS)
    fmt = content_format(call)
    try:
        items = read_items(call.params.text("data").removeprefix("\ufeff"), fmt, "dags")
    except NotInFormat:
        return reply(NOT_IN_FORMAT, fmt, call)
    if not items or "unique_group_name" not in items[0] or "data_access_group_name" not in items[0]:
        raise ApiError(400, DAG_COLUMNS_MISSING)
    project = call.project
    errors: list[str] = []
    dags = list(project.dags)
    for item in items:
        name, unique = _text(item, "data_access_group_name"), _text(item, "unique_group_name").strip()
        if name == "":
            errors.append(NAME_BLANK.format(unique=unique))
        elif len(name.encode("utf-8")) > 100:
            errors.append(NAME_TOO_LONG.format(name=name))
        elif unique != "" and unique not in {d.unique_name for d in dags}:
            errors.append(UNIQUE_UNKNOWN.format(unique=unique))
        elif not errors:
            found = next((i for i, d in enumerate(dags) if unique != "" and d.unique_name == unique), None)
            if found is not None:
                dags[found] = dataclasses.replace(dags[found], name=name)
            else:
                # An id is taken as the row is inserted: InnoDB does not give it back when the
                # transaction is rolled back, so a failed import still uses it up, as in MySQL.
                dags.append(Dag(_next_group_id(call), name, ""))
            dags = list(with_unique_names(dags))
    if errors:
        raise ApiError(400, "\n".join(errors))
    log = [project_event(call, "redcap_data_access_groups", "Import DAGs (API)")]  # after: success only
    call.state.replace_project(dataclasses.replace(project, dags=tuple(dags)), seen=call.served, log=log)
    return reply(str(len(items)), fmt, call)


def _next_group_id(call: Call) -> int:
    """redcap_data_access_groups.group_id is AUTO_INCREMENT across every project of the server: above
    every id a served project holds and every id handed out before, a deleted DAG's included."""
    ids = [d.group_id for s in call.state.served for d in s.project.dags]
    return call.state.next_id("redcap_data_access_groups", above=max(ids, default=0))


def _text(item: Item, key: str) -> str:
    value = item.get(key, "")
    return value if isinstance(value, str) else "Array"


def delete_dags(call: Call) -> Reply:
    """API/dag/delete.php: `dags` an array of unique names; any unknown: nothing deleted. The DAG's
    users leave it (ON DELETE SET NULL); its records keep it in redcap_data."""
    _may(call, IMPORT_NEEDS_DAG_RIGHTS)
    sent = call.params.get("dags")
    if not call.params.is_array("dags") or not sent:
        raise ApiError(400, DAGS_NOT_ARRAY)
    dags = list(call.project.dags)
    gone: list[int] = []
    missing: list[str] = []
    for name in php_array_values(cast(ArrayParam, sent)):
        found = next((d for d in dags if name != "" and d.unique_name == name), None)
        if found is None:
            missing.append(name)
        else:
            dags.remove(found)
            gone.append(found.group_id)
    if missing:
        raise ApiError(400, f"{DAGS_UNKNOWN} {', '.join(missing)}")
    users = tuple(
        dataclasses.replace(
            u,
            dag=None if u.dag in gone else u.dag,
            dag_switch=tuple(g for g in u.dag_switch if g not in gone),
        )
        for u in call.project.users
    )
    project = dataclasses.replace(call.project, dags=with_unique_names(dags), users=users)
    shown = f"group_id in ({', '.join(php_array_values(cast(ArrayParam, sent)))})"  # delete.php:9, after
    log = [project_event(call, "redcap_data_access_groups", "Delete DAGs (API)", shown)]
    call.state.replace_project(project, seen=call.served, log=log)
    return reply(str(len(gone)), content_format(call), call)


def switch_dag(call: Call) -> Reply:
    """API/dag/switch.php, DAGSwitcher::switchToDAG: `dag` a unique group name (blank: no DAG, "0");
    the user must hold that DAG Switcher assignment. The answer is "1" or REDCap's error text, status
    200 either way. No API right is needed (API/index.php checks none for `switch`)."""
    _supported(call)
    wanted = call.params.text("dag")
    if wanted in ("", "0"):
        wanted = "0"
    names = {d.unique_name: d.group_id for d in call.project.dags}
    fmt = content_format(call)
    switch_log = project_event(call, "redcap_data_access_groups_users", "Switch DAG (API)")  # switch.php:11
    target = names.get(wanted)
    refused = None
    if wanted != "0" and wanted not in names:
        refused = SWITCH_INVALID_DAG
    elif not call.user.dag_switch:
        refused = SWITCH_INVALID_USER
    elif target not in call.user.dag_switch:
        refused = SWITCH_NOT_PERMITTED
    if refused is not None:
        record_now(call, switch_log)
        return reply(refused, fmt, call)
    users = tuple(
        dataclasses.replace(u, dag=target) if db_key(u.username) == db_key(call.user.username) else u
        for u in call.project.users
    )
    log = [switched(call, target), switch_log]
    call.state.replace_project(dataclasses.replace(call.project, users=users), seen=call.served, log=log)
    return reply("1", fmt, call)


# -- user-DAG assignments -----------------------------------------------------------------------------


def export_user_dag_mapping(call: Call) -> Reply:
    """API/userDagMapping/export.php, Project::getUserDAGRecords: each user (by username) and their DAG's
    unique name; a caller in a DAG sees only that DAG's users."""
    _may(call, EXPORT_NEEDS_DAG_RIGHTS)
    fmt = content_format(call)
    names = {d.group_id: d.unique_name for d in call.project.dags}
    mine = None if call.user.super_user else call.user.dag
    rows: list[dict[str, str | int]] = [
        {
            "username": _php_lower(u.username),
            "redcap_data_access_group": names.get(u.dag, "") if u.dag else "",
        }
        for u in stored_order(call.project)
        if mine is None or u.dag == mine
    ]
    record_now(
        call, project_event(call, "redcap_data_access_groups_users", "Export User-DAG assignments (API)")
    )
    if fmt == ReturnFormat.JSON:
        body = json_body(rows)
    elif fmt == ReturnFormat.CSV:
        body = array_to_csv(rows) if rows else "username,redcap_data_access_group"
    else:
        body = cdata_items(rows, "items")
    return reply(body, fmt, call)


def _php_lower(text: str) -> str:
    return "".join(ch.lower() if "A" <= ch <= "Z" else ch for ch in text)


def import_user_dag_mapping(call: Call) -> Reply:
    """API/userDagMapping/import.php, uploadUserDAGMappings: both columns in the first row; a caller in
    a DAG refused (api_184); each username a user of the project, given once; each DAG known (blank: out
    of any DAG). Rows before the first error are checked only; nothing is written if any fails."""
    _may(call, IMPORT_NEEDS_DAG_RIGHTS)
    # userDagMapping/import.php:8 logs before the import
    entry = project_event(call, "redcap_data_access_groups_users", "Import User-DAG assignments (API)")
    record_now(call, entry)
    fmt = content_format(call)
    try:
        items = read_items(call.params.text("data").removeprefix("\ufeff"), fmt, "items")
    except NotInFormat:
        return reply(NOT_IN_FORMAT, fmt, call)
    errors = _check_dag_mappings(call, call.project, items)
    if errors:
        raise ApiError(400, "\n".join(errors))
    names = {d.unique_name: d.group_id for d in call.project.dags}
    wanted = {
        db_key(_text(i, "username").strip()): names.get(_text(i, "redcap_data_access_group").strip())
        for i in items
    }
    users = tuple(
        dataclasses.replace(u, dag=wanted[db_key(u.username)]) if db_key(u.username) in wanted else u
        for u in call.project.users
    )
    log = [
        user_dag_mapped(call, _text(i, "username"), wanted[db_key(_text(i, "username").strip())])
        for i in items
    ]
    call.state.replace_project(dataclasses.replace(call.project, users=users), seen=call.served, log=log)
    return reply(str(len(items)), fmt, call)


def _check_dag_mappings(call: Call, project: Project, items: list[Item]) -> list[str]:
    if not items or "username" not in items[0] or "redcap_data_access_group" not in items[0]:
        return [MAPPING_COLUMNS_MISSING]
    if call.user.dag is not None and not call.user.super_user:
        return [MAPPING_IN_A_DAG]
    errors: list[str] = []
    counts: dict[str, int] = {}
    users = {_php_lower(u.username) for u in project.users}
    known = {d.unique_name for d in project.dags}
    for item in items:
        username = _text(item, "username").strip(" \t\n\r\0\x0b")
        unique = _text(item, "redcap_data_access_group").strip(" \t\n\r\0\x0b")
        counts[username] = counts.get(username, 0) + 1
        if username == "":
            errors.append(MAPPING_NO_USERNAME.format(unique=unique))
        elif len(username.encode("utf-8")) > 255:
            errors.append(MAPPING_NAME_TOO_LONG.format(user=username))
        elif _php_lower(username) not in users:
            errors.append(MAPPING_NOT_A_USER.format(user=username))
        elif counts[username] > 1:
            errors.append(MAPPING_TWICE.format(user=username))
        elif unique != "" and unique not in known:
            errors.append(MAPPING_UNIQUE_UNKNOWN.format(unique=unique))
    return errors
