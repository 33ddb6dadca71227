"""What a REDCap administrator (or a user on a project's pages) does that the API cannot: issue a
user's API token, suspend an account or make it a super user, lock a record or an instrument, move a
project to another status.

A project created through the API (`content=project`) and the users imported into it (`content=user`)
start as REDCap leaves them: the users have no API token until an administrator issues one. These
functions are that administrator, for tests and for `fake-redcap provision`'s run against the fake:

    token = admin.issue_token(state, project_id, "importer_user")
    admin.set_account(state, "suspended_user", suspended=True)
    admin.lock(state, project_id, "4")                      # the whole record
    admin.lock(state, project_id, "5", form="documents")    # one instrument (event, instance 1)
    admin.set_status(state, project_id, ProjectStatus.ANALYSIS)

Each change is made whole under the state's lock, like an API write, and a reset undoes it. A name
that is not there raises LookupError saying which.
"""

from __future__ import annotations

import dataclasses
import secrets

from fake_redcap.model import Project, ProjectStatus, RecordRow, User
from fake_redcap.state import FakeState, Served, db_key


def _served(state: FakeState, project_id: int) -> Served:
    for served in state.served:
        if served.project.project_id == project_id:
            return served
    served_ids = ", ".join(str(s.project.project_id) for s in state.served) or "none"
    raise LookupError(f"no project {project_id} is served (served: {served_ids})")


def _user_index(project: Project, username: str) -> int:
    for index, user in enumerate(project.users):
        if user.username.lower() == username.lower():
            return index
    raise LookupError(f"project {project.project_id} has no user {username!r}")


def _replace(state: FakeState, served: Served, project: Project) -> None:
    if not state.replace_project(project, seen=served):  # cannot happen under the lock; say so if it does
        raise RuntimeError(f"project {project.project_id} changed while it was being changed")


def _with_user(project: Project, index: int, user: User) -> Project:
    users = (*project.users[:index], user, *project.users[index + 1 :])
    return dataclasses.replace(project, users=users)


def issue_token(state: FakeState, project_id: int, username: str) -> str:
    """Create (or regenerate) the user's API token in the project and return it (32 hexadecimal
    characters, as REDCap's `md5` tokens are)."""
    token = secrets.token_hex(16).upper()
    with state.lock:
        served = _served(state, project_id)
        index = _user_index(served.project, username)
        user = dataclasses.replace(served.project.users[index], token=token)
        _replace(state, served, _with_user(served.project, index, user))
    return token


def set_account(
    state: FakeState,
    username: str,
    *,
    suspended: bool | None = None,
    super_user: bool | None = None,
    super_token: str | None = None,
) -> int:
    """Change the account in every served project where it is a user (REDCap's accounts are
    server-wide); returns how many projects. `super_token` gives a super user a Super API Token."""
    changes: dict[str, object] = {}
    if suspended is not None:
        changes["suspended"] = suspended
    if super_user is not None:
        changes["super_user"] = super_user
    if super_token is not None:
        changes["super_token"] = super_token
    changed = 0
    with state.lock:
        for served in state.served:
            try:
                index = _user_index(served.project, username)
            except LookupError:
                continue
            user = dataclasses.replace(served.project.users[index], **changes)  # type: ignore[arg-type]
            if user.super_token and not user.super_user:
                raise ValueError(f"{username} is not a super user: only super users have a Super API Token")
            _replace(state, served, _with_user(served.project, index, user))
            changed += 1
    if not changed:
        raise LookupError(f"no served project has a user {username!r}")
    return changed


def lock(
    state: FakeState, project_id: int, record: str, *, form: str | None = None, event: str | None = None
) -> None:
    """Lock the whole record (every row of it), or with `form` that instrument in `event` (None in a
    classic project), instance 1, as the form's Lock box does."""
    with state.lock:
        served = _served(state, project_id)
        project = served.project
        key = db_key(record)
        rows: list[RecordRow] = []
        found = False
        for row in project.records:
            if db_key(row.record) == key and (form is None or (row.event == event and row.instance == 1)):
                found = True
                if form is None:
                    row = dataclasses.replace(row, record_locked=True)
                else:
                    row = dataclasses.replace(row, locked_forms=row.locked_forms | {form})
            rows.append(row)
        if not found:
            where = "" if form is None else f" in event {event!r}, instance 1"
            raise LookupError(f"project {project_id} has no record {record!r}{where}")
        if form is not None and form not in {f.form for f in project.fields}:
            raise LookupError(f"project {project_id} has no instrument {form!r}")
        _replace(state, served, dataclasses.replace(project, records=tuple(rows)))


def set_status(state: FakeState, project_id: int, status: ProjectStatus) -> None:
    """Move the project to development, production or Analysis/Cleanup."""
    with state.lock:
        served = _served(state, project_id)
        _replace(state, served, dataclasses.replace(served.project, status=status))
