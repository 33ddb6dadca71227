"""`fake-redcap provision`: the reference projects built through the API (contract_tests/provision.py).

The plan and the checklist are checked here without a server; the end-to-end run against the fake is
in tests/test_provision_end_to_end.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from contract_tests import provision
from contract_tests.targets import REFERENCE_FIXTURES, load_target
from fake_redcap import FakeServer, FakeState, cli, load_fixture
from fake_redcap.model import ExportRight

CLASSIC, LONGITUDINAL, ANALYSIS = REFERENCE_FIXTURES


def test_the_classic_plan_imports_in_redcaps_order_without_arms_or_events() -> None:
    plan = provision.plan(CLASSIC)
    assert [(s.what, s.params["content"]) for s in plan.steps] == [
        ("data dictionary", "metadata"),
        ("repeating instruments and events", "repeatingFormsEvents"),
        ("data access groups", "dag"),
        ("records", "record"),
        ("users and their rights", "user"),
        ("users' data access groups", "userDagMapping"),
    ]
    assert plan.title == "Contract suite reference - classic"
    assert all("token" not in s.params for s in plan.steps)


def test_the_longitudinal_plan_imports_arms_before_events_before_designations() -> None:
    contents = [s.params["content"] for s in provision.plan(LONGITUDINAL).steps]
    assert contents == [
        "metadata",
        "arm",
        "event",
        "formEventMapping",
        "repeatingFormsEvents",
        "record",
        "user",
    ]


def test_a_user_row_gives_the_fixtures_rights_per_instrument() -> None:
    fixture = load_fixture(CLASSIC)
    forms = list(dict.fromkeys(f.form for f in fixture.fields))
    users = {u.username: u for u in fixture.users}
    mixed = provision.user_row(users["mixed_deid_remove_user"], forms)
    assert mixed["forms_export"] == {"enrollment": 2, "documents": 3, "lab_results": 2}
    assert mixed["forms"] == dict.fromkeys(forms, 1)
    importer = provision.user_row(users["importer_user"], forms)
    assert (importer["api_import"], importer["record_delete"]) == (1, 0)
    assert provision.user_row(users["mobile_app_user"], forms)["mobile_app"] == 1
    assert set(importer["forms_export"].values()) == {int(ExportRight.FULL)}
    expired = provision.user_row(users["expired_user"], forms)
    assert expired["expiration"] == "2020-01-31"
    assert "token" not in json.dumps([mixed, importer, expired]).lower()


def test_the_designer_gets_every_right_the_writing_clauses_need_and_a_token_variable() -> None:
    # docs/contract-suite.md: designer_user writes set-up (classic and longitudinal), users, roles and
    # DAGs (classic); Delete Records because API/index.php:435-438 asks it of event and role deletes.
    plans = [provision.plan(p) for p in REFERENCE_FIXTURES[:2]]
    for project in plans:
        forms = list(dict.fromkeys(f.form for f in project.fixture.fields))
        user = next(u for u in project.fixture.users if u.username == "designer_user")
        row = provision.user_row(user, forms)
        wanted = {"api_export": 1, "api_import": 1, "design": 1, "record_delete": 1}
        if project.kind == "classic":
            wanted |= {"user_rights": 1, "data_access_groups": 1}
        assert {key: row[key] for key in wanted} == wanted, project.kind
    document = provision.target_document("https://x/api/", plans, provision.env_name("RC"))
    tokens = [entry["tokens"]["designer_user"] for entry in document["fixtures"]]
    assert tokens == ["RC_CLASSIC_DESIGNER_USER", "RC_LONGITUDINAL_DESIGNER_USER"]
    text = "\n".join(provision.checklist(plans, provision.env_name("RC")))
    assert "designer_user -> $RC_CLASSIC_DESIGNER_USER" in text


def test_the_checklist_names_only_what_the_api_cannot_do() -> None:
    plans = [provision.plan(p) for p in REFERENCE_FIXTURES]
    lines = provision.checklist(plans, provision.env_name("RC"))
    text = "\n".join(lines)
    assert "suspends the account suspended_user" in text
    assert "makes super_user a super user" in text and "$RC_CLASSIC_SUPER_USER_SUPER_TOKEN" in text
    assert "lock record 4 whole" in text
    assert "lock the instrument documents of record 5" in text
    assert '"Contract suite reference - analysis": move the project to production, then to Analysis' in text
    assert "full_user -> $RC_CLASSIC_FULL_USER" in text
    assert sum("issues an API token" in line for line in lines) == 3


def test_the_target_file_names_a_variable_for_every_token_and_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plans = [provision.plan(p) for p in REFERENCE_FIXTURES]
    env_of = provision.env_name("RC")
    document = provision.target_document("http://127.0.0.1:9/api/", plans, env_of)
    path = tmp_path / "target.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    monkeypatch.setenv("RC_CLASSIC_FULL_USER", "A" * 32)
    target = load_target(path)
    classic = target.projects[0]
    assert classic.fixture.title == load_fixture(CLASSIC).title
    assert classic.tokens["full_user"].env == "RC_CLASSIC_FULL_USER"
    assert classic.tokens["super_user.super_token"].env == "RC_CLASSIC_SUPER_USER_SUPER_TOKEN"
    assert classic.configured("full_user") and not classic.configured("deid_user")


def test_provision_without_its_variable_says_which_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NO_SUCH_SUPER_TOKEN", raising=False)
    out = tmp_path / "target.yaml"
    code = cli.main(
        [
            "provision",
            "--url",
            "http://127.0.0.1:9/api/",
            "--super-token-env",
            "NO_SUCH_SUPER_TOKEN",
            "--out",
            str(out),
        ]
    )
    assert code == 2
    assert "the environment variable NO_SUCH_SUPER_TOKEN is not set" in capsys.readouterr().err
    assert not out.exists()


def test_provision_that_cannot_reach_the_server_writes_nothing_and_names_the_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "S3CR3T" + "0" * 58
    monkeypatch.setenv("SUPER", secret)
    out = tmp_path / "target.yaml"
    code = cli.main(
        ["provision", "--url", "http://127.0.0.1:9/api/", "--super-token-env", "SUPER", "--out", str(out)]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "create the project: cannot reach http://127.0.0.1:9/api/" in err
    assert secret not in err
    assert not out.exists()


def _provision(out: Path, url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(["provision", "--url", url, "--super-token-env", "SUPER", "--out", str(out)])
    return code, capsys.readouterr().err


def test_provision_refuses_a_url_that_is_not_one_and_an_existing_target_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SUPER", "5A" * 32)
    out = tmp_path / "target.yaml"
    code, err = _provision(out, "redcap.example.edu", capsys)
    assert code == 2 and "is not a URL: give the server's API URL, e.g. https://" in err
    assert not out.exists()
    out.write_text("url: kept\n", encoding="utf-8")
    code, err = _provision(out, "http://127.0.0.1:9/api/", capsys)
    assert code == 2 and "exists; give another --out or remove it (a new run makes new projects" in err
    assert out.read_text(encoding="utf-8") == "url: kept\n"


def test_a_token_that_is_no_super_token_is_refused_with_redcaps_answer_and_nothing_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    classic = load_fixture(CLASSIC)
    project_token = classic.users[0].token
    monkeypatch.setenv("SUPER", project_token)
    out = tmp_path / "target.yaml"
    with FakeServer(FakeState([CLASSIC]), "127.0.0.1", 0) as server:
        code, err = _provision(out, server.url, capsys)
        projects = len(server.state.projects)
    assert code == 1
    assert "create the project: REDCap answered 403" in err and "64-character Super API Token" in err
    assert "Nothing was made on the server; no target file written." in err
    assert project_token not in err
    assert projects == 1 and not out.exists() and list(tmp_path.iterdir()) == []


def test_a_url_that_is_not_the_api_is_named_as_the_likely_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SUPER", "5A" * 32)
    out = tmp_path / "target.yaml"
    with FakeServer(FakeState([CLASSIC]), "127.0.0.1", 0) as server:
        root = server.url.removesuffix("api/")
        code, err = _provision(out, root, capsys)
    assert code == 1
    assert "the answer to content=project is not a project token ('<!DOCTYPE HTML>" in err
    assert f"is {root} the server's API URL (https://.../api/)?" in err
    assert not out.exists()


class _DroppingTheSecondDictionary(requests.Session):
    """A session whose connection drops when the second project's data dictionary is sent."""

    def __init__(self) -> None:
        super().__init__()
        self.dictionaries = 0

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        if (kwargs.get("data") or {}).get("content") == "metadata":
            self.dictionaries += 1
            if self.dictionaries == 2:
                raise requests.ConnectionError("dropped")
        return super().request(*args, **kwargs)


def test_a_step_that_fails_midway_names_the_step_and_the_projects_already_made() -> None:
    super_user = next(u for u in load_fixture(CLASSIC).users if u.super_token)
    assert super_user.super_token
    with FakeServer(FakeState([CLASSIC]), "127.0.0.1", 0) as server:
        session = _DroppingTheSecondDictionary()  # the classic project whole, the longitudinal created
        with pytest.raises(provision.ProvisionError) as raised:
            provision.provision(
                server.url, super_user.super_token, REFERENCE_FIXTURES, say=lambda _: None, session=session
            )
        made = [p.title for p in server.state.projects][1:]  # after the served fixture's own
    message = str(raised.value)
    assert message.startswith("Contract suite reference - longitudinal: data dictionary: cannot reach "), (
        message
    )
    assert (
        'Made on the server before this step: "Contract suite reference - classic", '
        '"Contract suite reference - longitudinal"; no target file written. Delete them' in message
    )
    assert made == ["Contract suite reference - classic", "Contract suite reference - longitudinal"]
    assert super_user.super_token not in message
