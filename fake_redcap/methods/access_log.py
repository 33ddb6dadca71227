"""What REDCap logs for the user, role and DAG methods (fake_redcap/project_log.py for the API).

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`), each `Logging::logEvent` call copied as its arguments:
- `API/user/export.php`:28, `import.php`:8 (before the import: logged even when it fails),
  `delete.php`:8 (before the delete); `Classes/UserRights.php` addPrivileges :622-630 ("Add user", and
  ASSIGN_DAG), updatePrivileges :660-676 ("Edit user", DAG assign/remove),
  removePrivileges :2946 ("Delete user");
- `API/userRole/export.php`:26, `import.php`:8, `delete.php`:8; addRole :3046 ("Add role", no user as
  pk through the API), editRole :3680 ("Edit role"), removeRole :3078 ("Delete role");
- `API/userRoleMapping/export.php`:25, `import.php`:9 (after the import: only when it succeeds);
  updateUserRoleMapping :3990 ("Assign user to role");
- `API/dag/export.php`:25, `import.php`:9 and `delete.php`:9 (after: only on success), `switch.php`:11
  (always), DAGSwitcher::switchToDAG :469; `API/userDagMapping/export.php`:25, `import.php`:8 (before),
  DataAccessGroups::updateUserDAGMapping :490 (the DAG's name, not its unique name);
- `Classes/Records.php` saveData :7262-7268 and :7400-7405 (a record's DAG set by an import).
"""

from __future__ import annotations

from fake_redcap.call import Call
from fake_redcap.model import Project, Role, User
from fake_redcap.project_log import LogEvent, log_event

ASSIGN_DAG = "Assign user to data access group"
REMOVE_DAG = "Remove user from data access group"
_ESCAPES = {"\\": "\\\\", "\0": "\\0", "\n": "\\n", "\r": "\\r", "'": "\\'", '"': '\\"', "\x1a": "\\Z"}


def db_escape(text: str) -> str:
    """db_escape (mysqli_real_escape_string) as the display texts use it."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def project_event(call: Call, table: str, descrip: str, display: str | None = None) -> LogEvent:
    """The method's own row: MANAGE, the project as pk, `project_id = N` as display."""
    pid = str(call.project.project_id)
    return log_event(
        call, table, "MANAGE", pid, display if display is not None else f"project_id = {pid}", descrip
    )


def record_now(call: Call, *entries: LogEvent) -> None:
    """Entries that go in whatever follows (an export, or the line before a change that may fail)."""
    call.state.add_log(call.project.project_id, *entries, seen=call.served)


def _dag_unique(project: Project, group_id: int | None) -> str:
    return next((d.unique_name for d in project.dags if d.group_id == group_id), "")


def user_change_log(call: Call, before: User | None, after: User) -> list[LogEvent]:
    """addPrivileges / updatePrivileges for one imported user."""
    name = after.username
    shown = f"user = '{db_escape(name)}'"
    if before is None:
        entries = [log_event(call, "redcap_user_rights", "INSERT", name, shown, "Add user")]
        if after.dag is not None:
            group = f"{shown},\ngroup = '{_dag_unique(call.project, after.dag)}'"
            entries.append(
                log_event(
                    call, "redcap_user_rights", "MANAGE", name, group, "Assign user to data access group"
                )
            )
        return entries
    entries = [log_event(call, "redcap_user_rights", "UPDATE", name, shown, "Edit user")]
    if after.dag is not None and after.dag != before.dag:
        group = f"{shown},\ngroup = '{_dag_unique(call.project, after.dag)}'"
        entries.append(log_event(call, "redcap_user_rights", "MANAGE", name, group, ASSIGN_DAG))
    elif after.dag is None and before.dag is not None:
        group = f"{shown},\ngroup = '{_dag_unique(call.project, before.dag)}'"
        entries.append(log_event(call, "redcap_user_rights", "MANAGE", name, group, REMOVE_DAG))
    return entries


def user_deleted(call: Call, username: str) -> LogEvent:
    return log_event(
        call, "redcap_user_rights", "DELETE", username, f"user = '{db_escape(username)}'", "Delete user"
    )


def role_added(call: Call, role: Role) -> LogEvent:
    return log_event(call, "redcap_user_rights", "INSERT", "", f"role = '{role.label}'", "Add role")


def role_edited(call: Call, role: Role) -> LogEvent:
    return log_event(
        call, "redcap_user_roles", "UPDATE", str(role.role_id), f"role = '{role.label}'", "Edit role"
    )


def role_deleted(call: Call, role: Role) -> LogEvent:
    return log_event(
        call, "redcap_user_rights", "DELETE", str(role.role_id), f"role = '{role.label}'", "Delete role"
    )


def role_assigned(call: Call, username: str, role: Role | None) -> LogEvent:
    label = role.label if role is not None else ""
    shown = f"user = '{username}',\nrole = '{label}'"
    return log_event(call, "redcap_user_rights", "INSERT", username, shown, "Assign user to role")


def mapping_dag_assigned(call: Call, username: str, unique: str) -> LogEvent:
    shown = f"user = '{username}',\ngroup = '{unique}'"
    return log_event(
        call, "redcap_user_rights", "MANAGE", username, shown, "Assign user to data access group"
    )


def user_dag_mapped(call: Call, username: str, group_id: int | None) -> LogEvent:
    """updateUserDAGMapping logs the DAG's name (getGroups), blank for none."""
    name = next((d.name for d in call.project.dags if d.group_id == group_id), "")
    shown = f"user = '{username}',\ngroup = '{name}'"
    return log_event(
        call, "redcap_data_access_groups_users", "MANAGE", username, shown, "Assign user to data access group"
    )


def switched(call: Call, group_id: int | None) -> LogEvent:
    """switchToDAG: the unique name of the DAG entered, or of the one left for "no DAG"."""
    user = call.user.username
    if group_id is None:
        shown = f"user = '{user}',\ngroup = '{_dag_unique(call.project, call.user.dag)}'"
        return log_event(
            call, "redcap_user_rights", "MANAGE", user, shown, "Remove user from data access group"
        )
    shown = f"user = '{user}',\ngroup = '{_dag_unique(call.project, group_id)}'"
    return log_event(call, "redcap_user_rights", "MANAGE", user, shown, ASSIGN_DAG)


def record_dag_log(
    call: Call, before: dict[str, int], after: dict[str, int], names: dict[str, str]
) -> list[LogEvent]:
    """saveData's "Assign record to Data Access Group (API)" / "Remove record from Data Access Group
    (API)" for each record whose DAG the import changed (names: db_key -> the record's name)."""
    entries: list[LogEvent] = []
    for key, record in names.items():
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        unique = _dag_unique(call.project, new) if new is not None else ""
        descrip = (
            "Assign record to Data Access Group (API)"
            if new is not None
            else "Remove record from Data Access Group (API)"
        )
        entries.append(
            log_event(
                call, "redcap_data", "UPDATE", record, f"redcap_data_access_group = '{unique}'", descrip
            )
        )
    return entries
