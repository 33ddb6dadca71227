"""The contract suite can fail: break the fake on purpose and show the clause meant for it catches it.

Each scenario runs the suite (the clause modules concerned) in a subprocess against the in-process
fake, with a small pytest plugin (loaded with `-p`) that breaks one thing in the fake before the server
starts: a changed message, a dropped check, a reordered check, a wrong header, a changed envelope. The
JSON report says which clauses failed. (The unbroken fake passing every clause is shown by `make test`
itself and by tests/test_contract_target_mode.py.) Two more scenarios show the harness's own guards: a
known difference that goes away fails its strict xfail, and a server holding a different project stops
at the preflight.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.contract_runs import (
    REFERENCE_DIR,
    REFERENCE_FIXTURES,
    SuiteRun,
    env_name,
    run_suite,
    served_fake,
    write_target,
)

# Each break patches the fake through names it has today; the assertions make a stale patch fail loudly
# instead of silently breaking nothing.
# name: (the plugin that breaks the fake, the clause module(s) to run, the clauses that must catch it).
# Only the modules holding the catching clauses run, to keep the scenarios quick.
BREAKS: dict[str, tuple[str, list[str], set[str]]] = {
    "changed message: invalid event": (
        """
import fake_redcap.messages as m
assert m.INVALID_EVENT == "invalid event"
m.INVALID_EVENT = "Invalid event"
""",
        ["test_export_checks.py"],
        {
            "test_a_longitudinal_export_without_an_exact_unique_event_name_is_an_invalid_event[missing]",
            "test_a_longitudinal_export_without_an_exact_unique_event_name_is_an_invalid_event[unknown]",
            "test_a_longitudinal_export_without_an_exact_unique_event_name_is_an_invalid_event[an-event-label]",
            "test_a_longitudinal_export_without_an_exact_unique_event_name_is_an_invalid_event[in-capitals]",
            "test_the_event_check_comes_before_the_record_check",
        },
    ),
    "dropped check: suspended users": (
        """
import dataclasses
from fake_redcap.state import FakeState
_authenticate = FakeState.authenticate
def authenticate(self, token):
    found = _authenticate(self, token)
    return None if found is None else (found[0], dataclasses.replace(found[1], suspended=False))
FakeState.authenticate = authenticate
""",
        ["test_request_pipeline.py"],
        {"test_a_suspended_users_token_is_refused_exactly_like_an_unknown_token"},
    ),
    "dropped check: case-sensitive action": (
        """
import fake_redcap.messages as m
assert "case_sensitive_file_action" in m.CHANGES
m.CHANGES["case_sensitive_file_action"] = (m.Version(99, 0, 0), "dropped on purpose")
""",
        ["test_request_pipeline.py"],
        {"test_action_export_in_capitals_is_refused_by_the_case_sensitive_check"},
    ),
    "reordered check: field before record": (
        """
from fake_redcap import api
from fake_redcap.errors import ApiError
_export = api.METHODS[("file", "export")]
def reordered(call):
    name = call.params.text("field")
    if not any(f.is_file and f.name.lower() == name.lower() for f in call.project.fields):
        raise ApiError(400, call.profile.field_not_file(name))
    return _export(call)
api.METHODS[("file", "export")] = reordered
""",
        ["test_export_checks.py", "test_export_rights.py", "test_fileinfo.py"],
        {"test_the_record_check_comes_before_the_field_check"},
    ),
    "wrong header: a space before charset": (
        """
from fake_redcap import responses
assert hasattr(responses, "php_default_charset")
responses.php_default_charset = lambda value: "; charset=UTF-8" if value.startswith("text/") else ""
""",
        ["test_download.py"],
        {
            "test_a_text_files_content_type_ends_in_charset_utf8_without_a_space",
            "test_an_unusual_file_name_is_sent_raw_in_double_quotes[awkward]",
            "test_an_unusual_file_name_is_sent_raw_in_double_quotes[non-latin]",
        },
    ),
    "wrong header: X-Content-Type-Options dropped": (
        """
from fake_redcap import api
from fake_redcap.messages import Profile
assert any(name == "X-Content-Type-Options" for name, _ in api.global_headers(Profile.for_version("15.7.6")))
_headers = api.global_headers
api.global_headers = lambda profile: tuple(h for h in _headers(profile) if h[0] != "X-Content-Type-Options")
""",
        ["test_response_headers.py"],
        {
            "test_an_error_answer_carries_redcaps_global_header[X-Content-Type-Options]",
            "test_a_download_carries_redcaps_global_header[X-Content-Type-Options]",
        },
    ),
    "changed envelope: json with spaces (REDCap 5 style)": (
        """
import json
from fake_redcap import errors
assert hasattr(errors, "php_json_encode")
errors.php_json_encode = lambda value: json.dumps(value, ensure_ascii=True).replace("/", "\\\\/")
""",
        ["test_error_envelopes.py"],
        {
            "test_returnformat_json_gives_a_json_error_object",
            "test_json_errors_escape_double_quotes_like_php",
            "test_json_errors_escape_slashes_like_php",
            "test_an_unknown_token_is_refused_in_the_requested_format",
        },
    ),
    "changed message: delete names the record like export does": (
        """
import fake_redcap.messages as m
assert m.DELETE_RECORD_MISSING == "The record '{record}' does not exist"
m.DELETE_RECORD_MISSING = 'The record "{record}" does not exist'
""",
        ["test_delete_file.py"],
        {
            "test_an_unknown_record_is_named_raw_in_single_quotes[plain]",
            "test_an_unknown_record_is_named_raw_in_single_quotes[quotes-and-ampersand]",
            "test_a_record_is_looked_up_in_the_event_named",
            "test_a_delete_checks_the_record_before_the_field",
        },
    ),
    "dropped check: Analysis/Cleanup status refuses file changes": (
        """
import types
from fake_redcap.methods import file
from fake_redcap.model import ProjectStatus
assert file.ProjectStatus is ProjectStatus
file.ProjectStatus = types.SimpleNamespace(ANALYSIS=object())
""",
        ["test_import_file.py", "test_delete_file.py"],
        {
            "test_a_project_in_analysis_cleanup_refuses_uploads",
            "test_an_upload_checks_the_project_status_before_the_record_and_field",
            "test_a_project_in_analysis_cleanup_refuses_deletes",
            "test_a_delete_checks_the_project_status_before_the_record_and_field",
        },
    ),
    "reordered check: an upload's field before its record": (
        """
import fake_redcap.messages as m
from fake_redcap import api
from fake_redcap.errors import ApiError
_import = api.METHODS[("file", "import")]
def reordered(call):
    try:
        return _import(call)
    except ApiError as error:
        name = call.params.text("field")
        missing = m.IMPORT_RECORD_MISSING.format(record=call.params.text("record"))
        if error.message == missing and not any(f.is_file and f.name == name for f in call.project.fields):
            raise ApiError(400, call.profile.field_not_file(name)) from None
        raise
api.METHODS[("file", "import")] = reordered
""",
        ["test_import_file.py"],
        {"test_an_upload_checks_the_record_before_the_field"},
    ),
    "dropped step: upload names stored without REDCap's sanitiser": (
        """
from fake_redcap import filenames
assert filenames.sanitize_file_name("a+b.txt") == "a-b.txt"
filenames.sanitize_file_name_bytes = lambda name: name
""",
        ["test_import_file.py"],
        {
            "test_the_stored_name_passes_through_redcaps_sanitiser[plus]",
            "test_the_stored_name_passes_through_redcaps_sanitiser[colon-and-question-mark]",
        },
    ),
    "wrong MIME type: uploads not sniffed": (
        """
from fake_redcap.methods import file
assert callable(file.sniff_mime)
file.sniff_mime = lambda path: "application/octet-stream"
""",
        ["test_import_file.py"],
        {"test_the_stored_mime_type_is_sniffed_from_the_content"},
    ),
    "changed export: record export shows [document] for file fields": (
        """
import fake_redcap.messages as m
assert "record_export_file_names" in m.CHANGES
m.CHANGES["record_export_file_names"] = (m.Version(99, 0, 0), "dropped on purpose")
""",
        ["test_project_exports.py"],
        {
            "test_record_export_shows_each_file_fields_stored_file_name",
            "test_record_export_shows_file_names_in_each_event",
        },
    ),
    # No real known difference is left; one is made up for the run, tied to a clause the fake passes.
    "known difference gone: a clause tied to a difference passes": (
        """
import datetime as dt
import pytest
from contract_tests import known_differences as kd
_load = kd.load_known_differences
MADE_UP = kd.KnownDifference(
    id="made-up-difference", title="A difference that is gone", side="fake", what="made up for the test",
    evidence="tests/test_contract_suite.py", last_confirmed=dt.date(2026, 11, 30),
)
def _with_made_up(*args, **kwargs):
    return {**_load(*args, **kwargs), MADE_UP.id: MADE_UP}
kd.load_known_differences = _with_made_up

@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        if item.name == "test_every_answer_carries_redcaps_permissions_policy":
            item.add_marker(pytest.mark.known_difference(MADE_UP.id))
""",
        ["test_response_headers.py"],
        {"test_every_answer_carries_redcaps_permissions_policy"},
    ),
}


@dataclass
class Scenario:
    run: SuiteRun
    extra: dict[str, str]


def _break_run(folder: Path, plugin: str, modules: list[str]) -> Scenario:
    return Scenario(run_suite(folder, *(f"contract_tests/{m}" for m in modules), plugin=plugin), {})


def _preflight_run(folder: Path) -> Scenario:
    """A server whose project differs from the reference: a file changed, an Identifier flag dropped,
    and one token pasted wrong. The suite must stop before any clause and name all three."""
    served = folder / "served"
    shutil.copytree(REFERENCE_DIR, served, ignore=shutil.ignore_patterns("redcap_import"))
    (served / "files" / "report.pdf").write_bytes((served / "files" / "report.pdf").read_bytes() + b"\n")
    classic = served / "reference_classic.yaml"
    text = classic.read_text(encoding="utf-8")
    changed = text.replace(
        "{name: consent_form, form: enrollment, type: file, identifier: true,",
        "{name: consent_form, form: enrollment, type: file,",
    )
    assert changed != text
    classic.write_text(changed, encoding="utf-8")
    served_fixtures = [served / p.name for p in REFERENCE_FIXTURES]
    with served_fake(served_fixtures) as url:
        target, environ = write_target(folder, url, REFERENCE_FIXTURES, token_fixtures=served_fixtures)
        wrong = env_name(REFERENCE_FIXTURES[0], "deid_user")
        environ[wrong] = "0" * 32
        run = run_suite(folder, "--redcap-target", str(target), environ=environ)
    return Scenario(run, {"wrong_token_variable": wrong})


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Scenario]:
    """Every scenario, run concurrently (each is a suite run in its own process)."""
    jobs: dict[str, Callable[[], Scenario]] = {}
    for name, (plugin, modules, _) in BREAKS.items():
        folder = tmp_path_factory.mktemp("break")
        jobs[name] = functools.partial(_break_run, folder, plugin, modules)
    jobs["preflight"] = lambda: _preflight_run(tmp_path_factory.mktemp("preflight"))
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", list(BREAKS))
def test_each_break_of_the_fake_is_caught_by_its_clauses(scenarios: dict[str, Scenario], name: str) -> None:
    run = scenarios[name].run
    _, _, catching = BREAKS[name]
    assert run.returncode == 1, run.output[-4000:]
    failed = run.with_result("failed")
    assert catching <= failed, f"not caught by: {sorted(catching - failed)}\n{run.output[-4000:]}"
    # The break is caught where it belongs, not by a landslide of unrelated clauses.
    assert len(failed) <= 3 * len(catching) + 4, sorted(failed)
    assert run.with_result("error") == set()


def test_a_vanished_known_difference_fails_its_strict_expected_failure(
    scenarios: dict[str, Scenario],
) -> None:
    run = scenarios["known difference gone: a clause tied to a difference passes"].run
    details = run.details()
    assert "known difference" in details["test_every_answer_carries_redcaps_permissions_policy"]
    assert "XPASS(strict)" in run.output


def test_a_server_holding_another_project_stops_at_the_preflight(scenarios: dict[str, Scenario]) -> None:
    scenario = scenarios["preflight"]
    run = scenario.run
    assert run.returncode == 1, run.output[-4000:]
    assert "preflight: the target does not match what the suite expects; fix these first" in run.output
    assert "No clause ran: the preflight found the differences above." in run.output
    assert "field consent_form is not tagged Identifier on the server" in run.output
    assert "record 1, report_file: the server holds 'report.pdf' (671 bytes)" in run.output
    assert f"the token of deid_user (from {scenario.extra['wrong_token_variable']}) is refused" in run.output
    # No clause ran, and the report says why.
    assert set(run.results().values()) == {"not run"}
    differing = {(c["project"], c["name"]) for c in run.target()["preflight"] if c["status"] == "differs"}
    assert differing == {
        ("reference_classic.yaml", "tokens"),
        ("reference_classic.yaml", "data dictionary (content=metadata)"),
        ("reference_classic.yaml", "stored files (content=fileinfo)"),
    }
