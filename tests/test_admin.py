"""fake_redcap.admin: what a REDCap administrator does outside the API, on the demo projects."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from fake_redcap import FakeState, admin
from fake_redcap.model import Project, ProjectStatus


def _project(state: FakeState, project_id: int = 14) -> Project:
    return next(p for p in state.projects if p.project_id == project_id)


def test_an_issued_token_authenticates_and_a_reset_takes_it_back() -> None:
    state = FakeState()
    old = next(u.token for u in _project(state).users if u.username == "deid_user")
    token = admin.issue_token(state, 14, "DEID_USER")
    assert len(token) == 32 and token != old and token.isalnum()
    _served, user = state.authenticate(token) or (None, None)
    assert user is not None and user.username == "deid_user"
    assert state.authenticate(old) is None
    state.reset()
    assert state.authenticate(token) is None and state.authenticate(old) is not None


def test_an_account_changes_in_every_project_that_has_it() -> None:
    state = FakeState()
    assert admin.set_account(state, "full_user", suspended=True) == 2  # demo projects 14 and 15
    assert all(u.suspended for p in state.projects for u in p.users if u.username == "full_user")
    with pytest.raises(ValueError, match="not a super user"):
        admin.set_account(state, "deid_user", super_token="A" * 64)
    admin.set_account(state, "deid_user", super_user=True, super_token="B" * 64)
    assert state.authenticate_super("B" * 64) is not None


def test_locks_and_status() -> None:
    state = FakeState()
    admin.lock(state, 14, "1")
    assert all(r.record_locked for r in _project(state).records if r.record == "1")
    assert not any(r.record_locked for r in _project(state).records if r.record == "2")
    admin.lock(state, 14, "2", form="documents")
    assert [r.locked_forms for r in _project(state).records if r.record == "2" and r.instance == 1] == [
        frozenset({"documents"})
    ]
    admin.set_status(state, 14, ProjectStatus.ANALYSIS)
    assert _project(state).status == ProjectStatus.ANALYSIS


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (lambda s: admin.issue_token(s, 99, "full_user"), "no project 99 is served (served: 14, 15)"),
        (lambda s: admin.issue_token(s, 14, "nobody"), "project 14 has no user 'nobody'"),
        (lambda s: admin.set_account(s, "nobody", suspended=True), "no served project has a user 'nobody'"),
        (lambda s: admin.lock(s, 14, "999"), "project 14 has no record '999'"),
        (lambda s: admin.lock(s, 14, "1", form="nope"), "project 14 has no instrument 'nope'"),
    ],
)
def test_what_is_not_there_is_named_and_nothing_changes(
    call: Callable[[FakeState], object], says: str
) -> None:
    state = FakeState()
    before = state.projects
    with pytest.raises(LookupError, match=says.replace("(", r"\(").replace(")", r"\)")):
        call(state)
    assert state.projects == before
