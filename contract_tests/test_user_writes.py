"""Users, user roles and data access groups written with success: a user's right changed, a role and a
DAG made, a user mapped to each and back, the role and the DAG deleted. Each clause writes as
`designer_user` (User Rights, Data Access Groups, API Import/Update, Delete Records) and is put back in a
`finally` by `restore.restored`, which fails the clause naming what it could not put back.

Every clause here writes (see docs/contract-suite.md, "Clauses that write": a real server keeps its
logging and the ids of the role and DAG made and deleted).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from .helpers import json_message
from .restore import Undo, current, export, json_import, listed, loose, restored, send
from .targets import ProjectUnderTest

V15 = "REDCap 15.7.6"
RIGHTS = f"{V15} Classes/RestUtility.php:159-162 (user_rights, dag_rights: the user's rights)"
SAME_IN_13 = (
    "REDCap 13.6.1: the same API files (14 added the Data Access Groups right to the dag and userDagMapping "
    "methods)"
)
CHANGED_USER = "deid_user"  # its calendar right (0 in the fixture) is changed and put back
ROLE_USER = "deid_user"  # mapped to the new role and back to none
DAG_USER = "dag_user"  # moved from contract_site to the new DAG and back
ROLE_LABEL = "Contract suite role"
DAG_NAME = "Contract Writes"


def _row(rows: list[dict[str, Any]], username: str) -> dict[str, Any]:
    return next(row for row in rows if row["username"] == username)


def _user_back(project: ProjectUnderTest, before: dict[str, Any]) -> list[Undo]:
    row = _row(before["user"], CHANGED_USER)
    return [Undo(f"importing {CHANGED_USER}'s exported row", json_import("user", [row]))]


@pytest.mark.source(
    f"{V15} API/user/import.php:5-15 and Classes/UserRights.php uploadUsers:3329-3480, updatePrivileges:"
    "640-680: an existing user is updated with the rights sent, the answer the count of users",
    RIGHTS,
    SAME_IN_13,
)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_users_changed_right_shows_in_the_export_and_the_row_is_put_back(classic: ProjectUnderTest) -> None:
    """Writes: deid_user's calendar right in the classic project; its exported row imported again after."""
    with restored(classic, ["user"], _user_back) as before:
        row = _row(before["user"], CHANGED_USER)
        assert row["calendar"] in (0, "0"), f"{CHANGED_USER} must not hold the Calendar right"
        assert send(classic, json_import("user", [{**row, "calendar": 1}])) == (200, "1")
        status, body = send(classic, {"content": "user", "format": "json"})
        assert status == 200
        now = loose(_row(json.loads(body), CHANGED_USER))
        assert now == loose({**row, "calendar": now["calendar"]}) and now["calendar"] in (1, "1")


def _roles_back(project: ProjectUnderTest, before: dict[str, Any]) -> list[Undo]:
    """Every user mapped as before, then every role that was not there deleted."""
    steps = []
    now = {r["username"]: r for r in current(project, "userRoleMapping") or []}
    for row in before["userRoleMapping"]:
        if now.get(row["username"], row)["unique_role_name"] != row["unique_role_name"]:
            mapping = {"username": row["username"], "unique_role_name": row["unique_role_name"]}
            steps.append(Undo(f"mapping {row['username']} back", json_import("userRoleMapping", [mapping])))
    known = {r["unique_role_name"] for r in before["userRole"]}
    for role in current(project, "userRole") or []:
        if role["unique_role_name"] not in known:
            name = role["unique_role_name"]
            steps.append(Undo(f"deleting the role {name}", listed("userRole", "roles", [name])))
    return steps


@pytest.mark.source(
    f"{V15} API/userRole/import.php and Classes/UserRights.php uploadUserRoles:3690-3870 (a row without "
    "unique_role_name adds a role; addUniqueUserRoleName:3520-3522: U-, 3 digits 1-9, then 7 of "
    "generateRandomHash's hand-enterable characters, Config/init_functions.php:3374-3378)",
    f"{V15} API/userRoleMapping/import.php, uploadUserRoleMappings:3876-3960 and updateUserRoleMapping:3972-"
    "3985 (role_id only: the user's own rights stay)",
    f"{V15} UserRights.php getPrivileges (a user in a role holds the role's rights), read by getUserDetails:"
    "3209-3210 for the user export and RestUtility.php:115 for every request (API/index.php:420: 403)",
    f"{V15} API/userRole/delete.php (removeRole:3055; the count), API/index.php:435-438 (Delete Records)",
    RIGHTS,
    SAME_IN_13,
)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_new_role_takes_a_user_gives_it_back_and_is_deleted(classic: ProjectUnderTest) -> None:
    """Writes: adds the role "Contract suite role" to the classic project, maps deid_user to it and back
    to no role, deletes the role."""
    with restored(classic, ["userRole", "userRoleMapping", "user"], _roles_back) as before:
        assert not any(r["role_label"] == ROLE_LABEL for r in before["userRole"]), f"{ROLE_LABEL} exists"
        assert send(classic, json_import("userRole", [{"role_label": ROLE_LABEL}])) == (200, "1")
        made = [r for r in export(classic, "userRole") if r["role_label"] == ROLE_LABEL]
        assert len(made) == 1
        role = str(made[0]["unique_role_name"])
        assert re.fullmatch(r"U-[1-9]{3}[34789ACDEFHJKLMNPRTWXY]{7}", role), role
        mapping = [{"username": ROLE_USER, "unique_role_name": role}]
        assert send(classic, json_import("userRoleMapping", mapping)) == (200, "1")
        assert _row(export(classic, "userRoleMapping"), ROLE_USER)["unique_role_name"] == role
        # The role holds no right: the user's rights are the role's at once, its own API Export gone.
        assert _row(export(classic, "user"), ROLE_USER)["api_export"] in (0, "0")
        refused = classic.post(ROLE_USER, {"content": "version", "returnFormat": "json"})
        assert (refused.status_code, json_message(refused)) == (403, "You do not have API Export privileges")
        mapping = [{"username": ROLE_USER, "unique_role_name": ""}]
        assert send(classic, json_import("userRoleMapping", mapping)) == (200, "1")
        assert loose(export(classic, "userRoleMapping")) == loose(before["userRoleMapping"])
        assert send(classic, listed("userRole", "roles", [role])) == (200, "1")
        assert loose(export(classic, "userRole")) == loose(before["userRole"])


def _dags_back(project: ProjectUnderTest, before: dict[str, Any]) -> list[Undo]:
    """Every user in the DAG they were in, then every DAG that was not there deleted."""
    steps = []
    now = {r["username"]: r for r in current(project, "userDagMapping") or []}
    for row in before["userDagMapping"]:
        group = row["redcap_data_access_group"]
        if now.get(row["username"], row)["redcap_data_access_group"] != group:
            mapping = {"username": row["username"], "redcap_data_access_group": group}
            steps.append(Undo(f"mapping {row['username']} back", json_import("userDagMapping", [mapping])))
    known = {d["unique_group_name"] for d in before["dag"]}
    for dag in current(project, "dag") or []:
        if dag["unique_group_name"] not in known:
            name = dag["unique_group_name"]
            steps.append(Undo(f"deleting the DAG {name}", listed("dag", "dags", [name])))
    return steps


@pytest.mark.source(
    f"{V15} API/dag/import.php and Classes/DataAccessGroups.php uploadDAGs:518-570 (a blank "
    "unique_group_name adds a DAG; the count)",
    f"{V15} API/userDagMapping/import.php, uploadUserDAGMappings:576-650 (the count of users mapped)",
    f"{V15} API/dag/delete.php (delGroup:496; the count); API/index.php:435 asks no Delete Records of a dag",
    RIGHTS,
    SAME_IN_13,
)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_new_dag_takes_a_user_gives_it_back_and_is_deleted(classic: ProjectUnderTest) -> None:
    """Writes: adds the DAG "Contract Writes" to the classic project, moves dag_user into it and back to
    contract_site, deletes the DAG."""
    with restored(classic, ["dag", "userDagMapping", "user"], _dags_back) as before:
        assert not any(d["data_access_group_name"] == DAG_NAME for d in before["dag"]), f"{DAG_NAME} exists"
        home = _row(before["userDagMapping"], DAG_USER)["redcap_data_access_group"]
        rows = [{"data_access_group_name": DAG_NAME, "unique_group_name": ""}]
        assert send(classic, json_import("dag", rows, action="import")) == (200, "1")
        made = [d for d in export(classic, "dag") if d["data_access_group_name"] == DAG_NAME]
        assert len(made) == 1
        dag = str(made[0]["unique_group_name"])
        mapping = [{"username": DAG_USER, "redcap_data_access_group": dag}]
        assert send(classic, json_import("userDagMapping", mapping)) == (200, "1")
        assert _row(export(classic, "userDagMapping"), DAG_USER)["redcap_data_access_group"] == dag
        mapping = [{"username": DAG_USER, "redcap_data_access_group": home}]
        assert send(classic, json_import("userDagMapping", mapping)) == (200, "1")
        assert loose(export(classic, "userDagMapping")) == loose(before["userDagMapping"])
        assert send(classic, listed("dag", "dags", [dag])) == (200, "1")
        assert loose(export(classic, "dag")) == loose(before["dag"])
