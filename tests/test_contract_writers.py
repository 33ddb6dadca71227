"""The contract clauses that write a project's set-up, users, roles and DAGs put back what they change:
run twice in a row against one `fake-redcap serve` (a separate process, named by a target file as a real
server is), both runs pass, and the server afterwards exports what it exported before the first. Without
`designer_user`'s token the same clauses skip, naming the variable to set; the preflight names each right
the server does not give it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import requests
import yaml

from contract_tests.preflight import run_preflight
from contract_tests.targets import load_target
from fake_redcap import FakeServer, FakeState, load_fixture
from tests.support.contract_runs import (
    REFERENCE_DIR,
    REFERENCE_FIXTURES,
    env_name,
    run_suite,
    served_fake,
    write_target,
)

WRITING_MODULES = ("contract_tests/test_setup_writes.py", "contract_tests/test_user_writes.py")
EXPORTS = (
    "metadata",
    "arm",
    "event",
    "formEventMapping",
    "repeatingFormsEvents",
    "project",
    "user",
    "userRole",
    "userRoleMapping",
    "dag",
    "userDagMapping",
)


def _exports(url: str) -> dict[str, bytes]:
    """Everything the writing clauses touch, as designer_user exports it from each reference project."""
    answers = {}
    for fixture in REFERENCE_FIXTURES[:2]:
        project = load_fixture(fixture)
        token = next(u.token for u in project.users if u.username == "designer_user")
        for content in EXPORTS:
            response = requests.post(
                url, data={"token": token, "content": content, "format": "json"}, timeout=30
            )
            answers[f"{fixture.name} {content}"] = response.content
    return answers


def test_the_writing_clauses_pass_twice_in_a_row_and_leave_the_server_as_it_was(tmp_path: Path) -> None:
    with served_fake(REFERENCE_FIXTURES) as url:
        before = _exports(url)
        for run_number in (1, 2):
            folder = tmp_path / f"run{run_number}"
            folder.mkdir()
            target, environ = write_target(folder, url)
            run = run_suite(folder, *WRITING_MODULES, "--redcap-target", str(target), environ=environ)
            assert run.returncode == 0, run.output[-4000:]
            results = run.results()
            assert len(results) == 12 and set(results.values()) == {"passed"}, results
        assert _exports(url) == before


def test_without_the_designers_token_the_writing_clauses_skip_naming_the_variable(tmp_path: Path) -> None:
    variables = [env_name(fixture, "designer_user") for fixture in REFERENCE_FIXTURES[:2]]
    with served_fake(REFERENCE_FIXTURES) as url:
        target, environ = write_target(tmp_path, url, unset=variables)
        run = run_suite(tmp_path, *WRITING_MODULES, "--redcap-target", str(target), environ=environ)
    assert run.returncode == 0, run.output[-4000:]
    assert set(run.results().values()) == {"skipped"}
    for name, detail in run.details().items():
        assert any(f"set environment variable {variable}" in detail for variable in variables), (name, detail)


def test_the_preflight_names_each_right_the_server_does_not_give_the_designer(tmp_path: Path) -> None:
    served = tmp_path / "served"
    shutil.copytree(REFERENCE_DIR, served, ignore=shutil.ignore_patterns("redcap_import"))
    path = served / REFERENCE_FIXTURES[0].name
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for user in document["users"]:
        if user["username"] == "designer_user":
            user["design"] = False
            user["rights"] = {}
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    server = FakeServer(FakeState([path]), host="127.0.0.1", port=0).start()
    try:
        target_file, environ = write_target(
            tmp_path, server.url, fixtures=REFERENCE_FIXTURES[:1], token_fixtures=[path]
        )
        target = load_target(target_file, environ)
        try:
            checks = [c for c in run_preflight(target).checks if c.name.startswith("designer_user")]
        finally:
            target.close()
    finally:
        server.stop()
    assert [(c.status, c.details) for c in checks] == [
        (
            "differs",
            [
                "designer_user lacks the Project Design and Setup right on the server (design is 0)",
                "designer_user lacks the Data Access Groups right on the server (data_access_groups is 0)",
            ],
        )
    ]
