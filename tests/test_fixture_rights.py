"""Fixture keys for the rights and project states REDCap's API reads: `super_token`, `mobile_app`,
`design`, `user_rights`, and the project states deleted, completed and offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fake_redcap.fixture import FixtureError, check_unique_tokens, load_fixture
from fake_redcap.model import ProjectState, ProjectStatus
from tests.support import classic_fixture, tok, write_fixture

SUPER = "5" * 64


def _with_users(*users: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    doc = classic_fixture()
    doc["users"] = list(users)
    doc["records"] = [{"record": "1"}]
    if status is not None:
        doc["project"]["status"] = status
    return doc


def _load(tmp_path: Path, doc: dict[str, Any]) -> Any:
    return load_fixture(write_fixture(tmp_path, doc))


def test_rights_default_to_false_and_no_super_token(tmp_path: Path) -> None:
    project = _load(tmp_path, _with_users({"username": "u", "token": tok(1), "data_export": "full"}))
    [user] = project.users
    assert (user.mobile_app, user.design, user.user_rights, user.super_token) == (False, False, False, None)
    assert project.state == ProjectState.ACTIVE


def test_rights_and_a_super_token_are_read(tmp_path: Path) -> None:
    entry = {
        "username": "admin",
        "token": tok(1),
        "data_export": "full",
        "super_user": True,
        "super_token": SUPER,
        "mobile_app": True,
        "design": True,
        "user_rights": True,
    }
    [user] = _load(tmp_path, _with_users(entry)).users
    assert (user.mobile_app, user.design, user.user_rights, user.super_token) == (True, True, True, SUPER)
    assert SUPER not in repr(user)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"super_token": SUPER}, "only super users hold a Super API Token"),
        ({"super_user": True, "super_token": "5" * 32}, "the super token has 32 characters"),
        ({"super_user": True, "super_token": "5" * 63 + "-"}, "characters other than letters and digits"),
        ({"super_user": True, "super_token": 12}, "the super token was read as a number"),
        ({"mobile_app": "yes"}, "mobile_app must be true or false"),
    ],
)
def test_a_broken_right_or_super_token_is_refused_without_echoing_the_token(
    tmp_path: Path, entry: dict[str, Any], problem: str
) -> None:
    doc = _with_users({"username": "u", "token": tok(1), "data_export": "full", **entry})
    with pytest.raises(FixtureError) as refused:
        _load(tmp_path, doc)
    assert problem in str(refused.value)
    assert SUPER not in str(refused.value)


def test_two_users_may_not_share_a_super_token_but_one_user_may_carry_it_twice(tmp_path: Path) -> None:
    admin = {"token": tok(1), "data_export": "full", "super_user": True, "super_token": SUPER}
    first = _load(tmp_path / "a", _with_users({"username": "admin", **admin}))
    again = _load(tmp_path / "b", _with_users({"username": "ADMIN", **admin, "token": tok(2)}))
    check_unique_tokens([first, again])
    other = _load(tmp_path / "c", _with_users({"username": "other", **admin, "token": tok(3)}))
    with pytest.raises(FixtureError, match="same super token as another user"):
        check_unique_tokens([first, other])


@pytest.mark.parametrize(
    ("word", "state"),
    [
        ("deleted", ProjectState.DELETED),
        ("completed", ProjectState.COMPLETED),
        ("offline", ProjectState.OFFLINE),
        ("production", ProjectState.ACTIVE),
    ],
)
def test_project_states_are_statuses_in_the_fixture(tmp_path: Path, word: str, state: ProjectState) -> None:
    project = _load(tmp_path, _with_users(status=word))
    assert project.state == state
    expected = ProjectStatus.PRODUCTION if word == "production" else ProjectStatus.DEVELOPMENT
    assert project.status == expected


def test_an_unknown_status_names_every_word(tmp_path: Path) -> None:
    with pytest.raises(FixtureError) as refused:
        _load(tmp_path, _with_users(status="archived"))
    assert "deleted, completed, offline" in str(refused.value)


def test_a_target_names_a_super_users_super_token_under_username_dot_super_token(tmp_path: Path) -> None:
    from contract_tests.targets import REFERENCE_DIR, TargetError, load_target

    target_file = tmp_path / "target.yaml"
    target_file.write_text(
        "url: http://127.0.0.1:9/api/\n"
        "fixtures:\n"
        f"  - fixture: {REFERENCE_DIR / 'reference_classic.yaml'}\n"
        "    tokens: {super_user.super_token: MY_SUPER, full_user: MY_FULL}\n",
        encoding="utf-8",
    )
    target = load_target(target_file, {"MY_SUPER": SUPER, "MY_FULL": tok(1)})
    try:
        classic = target.projects[0]
        assert classic.super_token("super_user") == SUPER
    finally:
        target.close()
    target_file.write_text(
        target_file.read_text(encoding="utf-8").replace("super_user.super_token", "full_user.super_token"),
        encoding="utf-8",
    )
    with pytest.raises(TargetError, match=r"full_user\.super_token"):
        load_target(target_file, {"MY_SUPER": SUPER})
