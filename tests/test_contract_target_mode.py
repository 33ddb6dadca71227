"""The contract suite's real-server path, exercised on every commit: the fake is started as a separate
process from its command line (`fake-redcap serve --port 0 --fixture ...`), and the suite is pointed at
it with `--redcap-target TARGET.yaml`, the URL read from the server's stdout and the tokens in
environment variables, exactly as a user names their own REDCap.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from contract_tests.known_differences import load_known_differences
from fake_redcap import load_fixture
from tests.support.contract_runs import (
    REFERENCE_FIXTURES,
    SuiteRun,
    env_name,
    run_suite,
    served_fake,
    write_target,
)

SUSPENDED_VARIABLE = env_name(REFERENCE_FIXTURES[0], "suspended_user")


def _against_served_fake(
    folder: Path,
    *serve_args: str,
    unset: tuple[str, ...] = (),
    name: str = "fake (separate process)",
    beside_in_process: bool = False,
) -> SuiteRun:
    with served_fake(REFERENCE_FIXTURES, *serve_args) as url:
        target, environ = write_target(folder, url, unset=unset, name=name)
        first = ("--redcap-target", "fake") if beside_in_process else ()
        run = run_suite(folder, *first, "--redcap-target", str(target), environ=environ)
    assert run.report is None or run.target(-1)["url"] == url
    return run


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SuiteRun]:
    """The three runs, concurrently: each is a server process plus a suite process."""
    folder = tmp_path_factory.mktemp
    jobs: dict[str, Callable[[], SuiteRun]] = {
        "default": lambda: _against_served_fake(folder("target")),
        "token not configured": lambda: _against_served_fake(folder("target"), unset=(SUSPENDED_VARIABLE,)),
        "13.6.1 alone": functools.partial(
            _against_served_fake, folder("target"), "--redcap-version", "13.6.1", name="fake as 13.6.1"
        ),
        "13.6.1 beside the in-process fake": functools.partial(
            _against_served_fake,
            folder("target"),
            "--redcap-version",
            "13.6.1",
            name="fake as 13.6.1",
            beside_in_process=True,
        ),
    }
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def test_the_whole_suite_passes_against_the_fake_as_a_separate_server(runs: dict[str, SuiteRun]) -> None:
    run = runs["default"]
    assert run.returncode == 0, run.output[-4000:]
    target = run.target()
    assert target["url"].startswith("http://127.0.0.1:")
    assert (target["label"], target["server"], target["redcap_version"]) == (
        "fake (separate process)",
        "fake",
        "15.7.6",
    )
    counts = target["counts"]
    assert counts["failed"] == counts["error"] == counts["skipped"] == counts["not run"] == 0, run.output[
        -4000:
    ]
    assert counts["passed"] >= 100
    assert all(check["status"] != "differs" for check in target["preflight"])
    # The fake's known differences are expected failures here too (TARGET.yaml says server: fake): one
    # clause is tied to each entry of reference/known_differences.yaml.
    tied = {
        "fake-no-permissions-policy": "test_every_answer_carries_a_permissions_policy_header",
        "fake-no-php-error-box-for-super-users": (
            "test_a_super_user_also_gets_the_php_error_before_the_envelope"
        ),
    }
    assert run.with_result("xfailed") == {tied[ident] for ident in load_known_differences() if ident in tied}
    assert run.report is not None
    assert all(c["sources"] for c in run.report["clauses"]), "every clause names its source"


def test_a_user_whose_token_is_not_configured_skips_with_the_variable_named(
    runs: dict[str, SuiteRun],
) -> None:
    run = runs["token not configured"]
    assert run.returncode == 0, run.output[-4000:]
    skipped = run.with_result("skipped")
    assert skipped == {"test_a_suspended_users_token_is_refused_exactly_like_an_unknown_token"}
    for name in skipped:
        assert SUSPENDED_VARIABLE in run.details()[name]
    assert f"set environment variable {SUSPENDED_VARIABLE}" in run.output


def test_two_targets_run_side_by_side_each_with_its_own_version_clauses(runs: dict[str, SuiteRun]) -> None:
    # The in-process fake (15.7.6) and a separate fake answering as REDCap 13.6.1, in one run: one
    # column each; the <=13.6.1 wording clauses run on the second only, the 14.5.11+ ones on the first.
    run = runs["13.6.1 beside the in-process fake"]
    assert run.returncode == 0, run.output[-4000:]
    assert [run.target(i)["label"] for i in (0, 1)] == ["fake (in-process)", "fake as 13.6.1"]
    assert run.target(1)["redcap_version"] == "13.6.1"
    new, old = run.results(0), run.results(1)
    single_quotes = "test_an_unknown_record_is_named_in_single_quotes_as_sent_up_to_redcap_13[plain]"
    double_quotes = "test_an_unknown_record_is_named_in_double_quotes_html_escaped[plain]"
    assert (new[single_quotes], old[single_quotes]) == ("not applicable", "passed")
    assert (new[double_quotes], old[double_quotes]) == ("passed", "not applicable")
    assert old["test_action_export_in_capitals_is_refused_by_the_case_sensitive_check"] == "passed"
    assert (
        old["test_a_download_replaces_the_content_security_policy_with_script_src_none"] == "not applicable"
    )
    assert "| Clause | Source | fake (in-process) | fake as 13.6.1 |" in run.markdown()


def test_each_target_of_a_side_by_side_run_scores_as_a_run_on_it_alone(runs: dict[str, SuiteRun]) -> None:
    # Every clause runs on both targets, also those that reach their project through
    # request.getfixturevalue (test_project_exports.py): each column equals the run on that target alone.
    run = runs["13.6.1 beside the in-process fake"]
    assert run.report is not None
    both = [run.target(0)["label"], run.target(1)["label"]]
    missing = [c["clause"] for c in run.report["clauses"] if sorted(c["results"]) != sorted(both)]
    assert missing == []
    for index, alone in ((0, runs["default"]), (1, runs["13.6.1 alone"])):
        assert alone.returncode == 0, alone.output[-4000:]
        assert "not run" not in run.results(index).values()
        assert run.results(index) == alone.results(0)
        assert run.target(index)["counts"] == alone.target(0)["counts"]
    exports = {name for name in run.results(1) if name.startswith("test_metadata_lists_the_fixtures_fields")}
    assert exports and all(run.results(1)[name] == "passed" for name in exports)


# -- the clauses that write put the server back --------------------------------------------------------


@dataclass
class Restore:
    run: SuiteRun
    before: dict[str, bytes]
    after: dict[str, bytes]


def _snapshot(url: str) -> dict[str, bytes]:
    """Every project's full record export (file fields show their file names) and its files' fileinfo,
    read through the API as a user with full rights."""
    snapshot: dict[str, bytes] = {}
    for fixture in REFERENCE_FIXTURES:
        project = load_fixture(fixture)
        token = next(u.token for u in project.users if u.username in ("full_user", "importer_user"))
        answer = requests.post(url, data={"token": token, "content": "record", "format": "csv"}, timeout=30)
        assert answer.status_code == 200, answer.content[:300]
        snapshot[fixture.name] = answer.content
        for row in project.records:
            for name in (f.name for f in project.fields if f.is_file):
                params = {"token": token, "content": "fileinfo", "record": row.record, "field": name}
                params.update({"event": row.event} if row.event else {})
                params.update({"repeat_instance": str(row.instance)} if row.instance != 1 else {})
                info = requests.post(url, data=params, timeout=30)
                snapshot[f"{fixture.name} {row.record} {row.event} {row.instance} {name}"] = info.content
    return snapshot


@pytest.fixture(scope="module")
def restore(tmp_path_factory: pytest.TempPathFactory) -> Restore:
    """The clause modules that write, run against a fake server process, with the server's data read
    before and after."""
    folder = tmp_path_factory.mktemp("restore")
    with served_fake(REFERENCE_FIXTURES) as url:
        target, environ = write_target(folder, url)
        before = _snapshot(url)
        run = run_suite(
            folder,
            "contract_tests/test_import_file.py",
            "contract_tests/test_delete_file.py",
            "--redcap-target",
            str(target),
            environ=environ,
        )
        after = _snapshot(url)
    return Restore(run, before, after)


def test_the_clauses_that_write_leave_the_server_as_they_found_it(restore: Restore) -> None:
    run = restore.run
    assert run.returncode == 0, run.output[-4000:]
    assert run.with_result("passed") >= {
        "test_an_upload_to_a_new_instance_of_a_repeating_instrument_creates_it",
        "test_a_user_with_delete_records_but_no_api_import_deletes_a_file",
    }
    changed = sorted(key for key in restore.before if restore.before[key] != restore.after.get(key))
    assert changed == [], changed
    assert restore.before.keys() == restore.after.keys()
