"""Data access groups in the record export: a caller in a DAG sees only its records, and
`exportDataAccessGroups` adds `redcap_data_access_group`.

Sources (V15 `html/redcap_v15.7.6/`): `API/index.php`:267 (exportDataAccessGroups is true for "1" or,
in any case, "true"), `API/record/export.php`:232-234 and :536 (the column only when the caller is in no
DAG and the project has DAGs), :586-600 (a caller in a DAG: only records whose `__GROUPID__` is theirs),
`Classes/Records.php` getData :1909-1917, :2413-2419 (the column right after the record ID, event and
repeat columns, or first when the record ID is not exported), :3085-3120 (every row of a record gets its
DAG's unique name, or its name for rawOrLabel=label; a record in no DAG, or in a deleted one, blank).
V13.6.1 and V14.5.11 the same. Facts only: no REDCap code is copied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from fake_redcap.call import Call
from fake_redcap.errors import ApiError
from fake_redcap.model import Project, User
from fake_redcap.project_log import LogEvent
from fake_redcap.state import db_key


def caller_dag(user: User) -> int | None:
    """RestUtility's dataAccessGroupId: the user's DAG, never for a super user."""
    return None if user.super_user else user.dag


def in_dag(project: Project, record: str, group_id: int) -> bool:
    return project.record_dags.get(db_key(record)) == group_id


def dag_records(call: Call, records: Iterable[str]) -> set[str]:
    """The records the caller may read: all, or those of the caller's DAG."""
    mine = caller_dag(call.user)
    if mine is None:
        return set(records)
    return {r for r in records if in_dag(call.project, r, mine)}


def wants_dag_column(call: Call) -> bool:
    flag = call.params.text("exportDataAccessGroups")
    asked = flag == "1" or flag.lower() == "true"
    return asked and caller_dag(call.user) is None and bool(call.project.dags)


def dag_column(call: Call, labels: bool) -> Callable[[str], str] | None:
    """The value of `redcap_data_access_group` per record, or None when the export has no such column."""
    if not wants_dag_column(call):
        return None
    project = call.project
    names = {d.group_id: (d.name if labels else d.unique_name) for d in project.dags}

    def value(record: str) -> str:
        group = project.record_dags.get(db_key(record))
        return names.get(group, "") if group is not None else ""

    return value


# V15 English.ini
INVALID_DAG_NAMES = (  # data_import_tool_220
    "The following Data Access Group are invalid for the redcap_data_access_group field:"
)
DAG_COLUMN_REFUSED = (  # global_01, colon, data_import_tool_171, _172 (double spaces as in English.ini)
    "ERROR: Illegal use of 'redcap_data_access_group' field! You are currently in a Data Access Group, which "
    "means that you can only edit records belonging to your group,  and also that any new records you create "
    "get added to your group automatically. Using the 'redcap_data_access_group' field as a means  to add or "
    "attribute a record to a group can ONLY be done by someone that is NOT in a Data Access Group. Please "
    "remove that column  from your data import file and try again."
)
NOT_IN_YOUR_DAG = (  # data_import_tool_307
    "This record cannot be imported because it already exists in the project and belongs to another Data "
    "Access Group."
)
OTHER_DAGS_RECORDS = (  # data_import_tool_251
    "The following records cannot be modified because they do not belong to your Data Access Group:"
)
DAG_COLUMN = "redcap_data_access_group"


def imported_dags(call: Call, rows: list[tuple[str, dict[str, str]]], overwrite: bool) -> dict[str, int]:
    """Records::saveData's DAG rules (V15 Records.php:5815-5885 checks, :7250-7262 and :7356-7405
    writes), with the user's own group_id (API/record/import.php:5-8, 54: a super user in a DAG too):

    * not in a DAG, with a `redcap_data_access_group` column: unknown names refused (data_import_tool_220);
      a name puts the record in that DAG, a blank one takes it out only with overwriteBehavior=overwrite;
    * in a DAG, with the column (whatever its values): refused (data_import_tool_171/172);
    * in a DAG: an existing record of another DAG refused (data_import_tool_251); a new record joins the
      user's DAG (an existing record in no DAG is refused later, row by row: `outside_dag`).

    Returns the records' DAGs after the import (db_key(record) -> group_id)."""
    project = call.project
    dags = dict(project.record_dags)
    group = call.user.dag
    has_column = any(DAG_COLUMN in values for _, values in rows)
    if group is None:
        if not has_column:
            return dags
        names = {d.unique_name: d.group_id for d in project.dags}
        invalid = list(
            dict.fromkeys(v[DAG_COLUMN] for _, v in rows if v.get(DAG_COLUMN, "") not in ("", *names))
        )
        if invalid:
            raise ApiError(400, f"{INVALID_DAG_NAMES} {', '.join(invalid)}")
        for record, values in rows:
            if DAG_COLUMN not in values:
                continue
            name = values[DAG_COLUMN]
            if name != "":
                dags[db_key(record)] = names[name]
            elif overwrite:
                dags.pop(db_key(record), None)
        return dags
    if has_column:
        raise ApiError(400, DAG_COLUMN_REFUSED)
    existing = call.served.records
    others = [
        existing[db_key(r)] for r, _ in rows if db_key(r) in existing and dags.get(db_key(r), group) != group
    ]
    if others:
        raise ApiError(400, f"{OTHER_DAGS_RECORDS} {', '.join(dict.fromkeys(others))}")
    for record, _ in rows:
        dags.setdefault(db_key(record), group)
    return dags


def outside_dag(call: Call, records: Iterable[str]) -> set[str]:
    """The records (db keys) a caller in a DAG may not import into although no other DAG holds them:
    those that exist outside the caller's DAG (V15 Records.php:6300-6306: the record ID of a record that
    exists and is not among the DAG's records gets data_import_tool_307, one line per row; :5865-5885 has
    already refused records of another DAG). V14.5.11 Records.php:6086 and V13.6.1 :5870 the same."""
    group = call.user.dag
    if group is None:
        return set()
    existing = call.served.records
    return {
        db_key(r)
        for r in records
        if db_key(r) in existing and call.project.record_dags.get(db_key(r)) != group
    }


def dag_log_first(call: Call, log: list[LogEvent], dag_log: list[LogEvent]) -> list[LogEvent]:
    """Where saveData logs a record's DAG assignment: for a caller in a DAG, before the record's own row
    (V15 Records.php:7250-7270 inside the record loop, then :7274-7300 "Create record"); for a caller in
    no DAG with a `redcap_data_access_group` column, after every record (:7356-7405, after the loop)."""
    if call.user.dag is None:
        return [*log, *dag_log]
    pending = {db_key(e.pk or ""): e for e in dag_log}
    ordered: list[LogEvent] = []
    for entry in log:
        first = pending.pop(db_key(entry.pk or ""), None)
        ordered += [first, entry] if first is not None else [entry]
    return [*ordered, *pending.values()]
