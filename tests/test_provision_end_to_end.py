"""`fake-redcap provision` against the fake, end to end: the reference projects built through the API
with a Super API Token, the administrator's checklist done with fake_redcap.admin, then the suite's
preflight on the target file provisioning wrote, and clauses of the suite run on it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from contract_tests import provision
from contract_tests.preflight import run_preflight
from contract_tests.targets import REFERENCE_FIXTURES, load_target
from fake_redcap import FakeServer, FakeState, admin, load_fixture
from fake_redcap.model import ProjectStatus
from tests.support.contract_runs import fake_redcap_command

ROOT = Path(__file__).resolve().parent.parent
SUPER_TOKEN = next(u.super_token for u in load_fixture(REFERENCE_FIXTURES[0]).users if u.super_token)


@pytest.fixture(scope="module")
def provisioned(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FakeServer, Path, dict[str, str]]]:
    """A fake whose only user is an administrator with a Super API Token; provisioning builds the three
    reference projects on it; the checklist is then done as an administrator would."""
    admin_fixture = tmp_path_factory.mktemp("world") / "admin.yaml"
    admin_fixture.write_text(
        yaml.safe_dump(
            {
                "project": {"project_id": 1, "title": "Administration"},
                "fields": [{"name": "record_id", "form": "main", "type": "text"}],
                "users": [
                    {
                        "username": "site_admin",
                        "token": "AD0000000000000000000000000000AD",
                        "data_export": "full",
                        "super_user": True,
                        "super_token": SUPER_TOKEN,
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path_factory.mktemp("provisioned") / "target.yaml"
    with FakeServer(FakeState([admin_fixture]), "127.0.0.1", 0) as server:
        # The command a user types, as its own process, from a folder that is not the clone.
        run = subprocess.run(
            [
                *fake_redcap_command(),
                *("provision", "--url", server.url, "--super-token-env", "RC_SUPER", "--out", str(out)),
            ],
            cwd=out.parent,
            env={**os.environ, "RC_SUPER": SUPER_TOKEN},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert SUPER_TOKEN not in run.stdout + run.stderr + out.read_text(encoding="utf-8")
        CHECKLIST.extend(line for line in run.stdout.splitlines() if line.startswith("  [ ] "))
        tokens = do_the_checklist(server.state, out)
        yield server, out, tokens


CHECKLIST: list[str] = []  # the lines `provision` printed for the person running it


def do_the_checklist(state: FakeState, target_file: Path) -> dict[str, str]:
    """The administrator's part, as the printed checklist lists it; returns the token variables."""
    document = yaml.safe_load(target_file.read_text(encoding="utf-8"))
    by_title = {p.title: p.project_id for p in state.projects}
    env: dict[str, str] = {}
    for entry in document["fixtures"]:
        fixture = load_fixture(REFERENCE_FIXTURES[0].parent / entry["fixture"])
        kind = provision.kind_of(Path(entry["fixture"]))
        project_id = by_title[provision.TITLE.format(kind=kind)]
        for user in fixture.users:
            env[entry["tokens"][user.username]] = admin.issue_token(state, project_id, user.username)
            if user.super_user:
                admin.set_account(state, user.username, super_user=True, super_token=SUPER_TOKEN[::-1])
                env[entry["tokens"][user.username + ".super_token"]] = SUPER_TOKEN[::-1]
            if user.suspended:
                admin.set_account(state, user.username, suspended=True)
        for row in fixture.records:
            if row.record_locked:
                admin.lock(state, project_id, row.record)
            for form in row.locked_forms:
                admin.lock(state, project_id, row.record, form=form, event=row.event)
        if fixture.status == ProjectStatus.ANALYSIS:
            admin.set_status(state, project_id, ProjectStatus.ANALYSIS)
    return env


def test_the_provisioned_projects_pass_the_preflight(
    provisioned: tuple[FakeServer, Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, target_file, tokens = provisioned
    for name, value in tokens.items():
        monkeypatch.setenv(name, value)
    target = load_target(target_file)
    assert target.url == server.url
    result = run_preflight(target)
    assert [c.line() for c in result.checks if c.status != "ok"] == []
    assert len({p.fixture.title for p in target.projects}) == 3


def test_the_contract_suite_passes_on_the_provisioned_server(
    provisioned: tuple[FakeServer, Path, dict[str, str]],
) -> None:
    """The suite, unchanged, against the provisioned projects (as against a real server provisioned the
    same way). The server runs in this process; the suite in its own."""
    _server, target_file, tokens = provisioned
    document = yaml.safe_load(target_file.read_text(encoding="utf-8"))
    document["server"] = "fake"  # the fake's side of known_differences.yaml applies
    fake_target = target_file.with_name("fake-target.yaml")
    fake_target.write_text(yaml.safe_dump(document), encoding="utf-8")
    run = subprocess.run(
        [*fake_redcap_command(), "contract", "--redcap-target", str(fake_target)],
        cwd=target_file.parent,  # as a user runs it: from their own folder, not the clone
        env={**os.environ, **tokens},
        capture_output=True,
        text=True,
        timeout=600,
    )
    tail = "\n".join(run.stdout.splitlines()[-30:])
    assert run.returncode == 0, tail
    assert " passed" in tail and "skipped" not in tail


def test_the_printed_checklist_is_what_the_administrator_did(
    provisioned: tuple[FakeServer, Path, dict[str, str]],
) -> None:
    # do_the_checklist does exactly these items and nothing else, and the preflight then finds nothing
    # missing: the checklist is complete and names nothing the API could have done.
    text = "\n".join(CHECKLIST)
    assert len(CHECKLIST) == 8, text
    assert sum("issues an API token for each user" in line for line in CHECKLIST) == 3
    for item in (
        "suspends the account suspended_user",
        "makes super_user a super user",
        "lock record 4 whole",
        "lock the instrument documents of record 5",
        '"Contract suite reference - analysis": move the project to production, then to Analysis/Cleanup',
    ):
        assert item in text
