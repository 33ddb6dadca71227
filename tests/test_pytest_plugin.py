"""The pytest plugin, as a user's own suite meets it: test files run by `pytester`, with the plugin
loaded the way an installed package loads it (entry point) or, before installation, with `-p`."""

from __future__ import annotations

import importlib.metadata
import socket
import tomllib
import urllib.parse
from pathlib import Path

import pytest
import requests

import fake_redcap.server
import redcap_file_client
from fake_redcap import pytest_plugin

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent


def _entry_point_installed() -> bool:
    return any(
        ep.value == "fake_redcap.pytest_plugin" for ep in importlib.metadata.entry_points(group="pytest11")
    )


# pytester's inline runs drop the modules they imported when they end; imported here, the modules the
# user suites below use stay the same objects from run to run (else requests' isinstance checks fail).
PRELOADED = (redcap_file_client, fake_redcap.server, requests)

# Installed, the entry point loads the plugin in every pytest run (and -p would register it twice).
PLUGIN = [] if _entry_point_installed() else ["-p", "fake_redcap.pytest_plugin"]
# No cache folder, and no hypothesis plugin: it imports hypothesis (seconds) at the end of every run.
PLUGIN += [
    "-p",
    "no:cacheprovider",
    "-p",
    "no:hypothesispytest",
    "-W",
    "ignore::pytest.PytestAssertRewriteWarning",
]

TINY_FIXTURE = """\
project: {project_id: 77, title: Tiny project}
redcap_version: "15.7.6"
fields:
  - {name: record_id, form: main, type: text}
  - {name: scan, form: main, type: file}
users:
  - {username: alice, token: "7701ABCDABCDABCDABCDABCDABCDABCD", data_export: full, api_import: true,
     record_delete: true}
  - {username: bob, token: "7702ABCDABCDABCDABCDABCDABCDABCD", data_export: deidentified}
records:
  - record: "1"
    files:
      scan: {text: "tiny scan\\n", name: scan.txt}
"""

OTHER_FIXTURE = TINY_FIXTURE.replace("77", "78").replace("Tiny project", "Other project")


def test_the_plugin_is_declared_as_a_pytest11_entry_point() -> None:
    """`pip install fake-redcap` makes the fixtures available in any suite, with no conftest line."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    entry_points = project["project"].get("entry-points", {}).get("pytest11", {})
    assert entry_points == {"fake_redcap": "fake_redcap.pytest_plugin"}


USER_SUITE = """
import requests

from fake_redcap.faults import Fault


def test_a_download(redcap_client, tmp_path):
    path = redcap_client.download_file("1", "consent_form", tmp_path)
    assert path.name == "consent.pdf"
    assert path.read_bytes().startswith(b"%PDF")


def test_changes_and_faults_in_one_test(redcap_client, fake_redcap):
    redcap_client.import_file("2", "lab_report", b"new lab", filename="new.txt")
    fake_redcap.faults.add(Fault("http_error", status=500, times=None))
    assert len(fake_redcap.journal.entries()) == 1


def test_the_next_test_starts_from_the_fixture(redcap_client, fake_redcap):
    # reset before each test: the upload, the fault and the journal of the test above are gone
    assert fake_redcap.journal.entries() == []
    assert fake_redcap.faults.active() == []
    rows = [r for p in fake_redcap.projects for r in p.records if p.project_id == 14 and r.record == "2"]
    assert "lab_report" not in rows[0].files
    assert redcap_client.export_version() == "15.7.6"


def test_url_and_tokens(redcap_url, redcap_tokens, redcap_project_tokens, fake_redcap_server):
    assert redcap_url.startswith("http://127.0.0.1:") and redcap_url.endswith("/api/")
    assert redcap_url == fake_redcap_server.url
    assert redcap_tokens["full_user"] == "1401FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # first project wins
    assert redcap_project_tokens[15]["full_user"] == "1501FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
    assert set(redcap_tokens) == {u for users in redcap_project_tokens.values() for u in users}
    answer = requests.post(redcap_url, data={"token": redcap_tokens["deid_user"], "content": "file",
        "action": "export", "record": "1", "field": "consent_form", "returnFormat": "json"})
    assert answer.status_code == 403


def test_clients_for_named_users(redcap_client_for, redcap_client, fake_redcap):
    deid = redcap_client_for("deid_user")
    error = None
    try:
        deid.export_file("1", "consent_form")
    except Exception as exc:
        error = exc
    assert getattr(error, "status", None) == 403
    assert redcap_client_for("full_user", 15).export_file(
        "101", "visit_photo", event="visit_2_arm_1", repeat_instance=2).filename == "visit_photo_2.png"
    redcap_client.export_version()
    users = [e.user for e in fake_redcap.journal.entries()]
    assert users == ["deid_user", "full_user", "importer_user"]


def test_control_endpoints_with_the_plugins_header(redcap_url, redcap_control_headers, fake_redcap_server):
    control = redcap_url.removesuffix("/api/") + "/__fake__"
    assert requests.get(control + "/state").status_code == 403
    added = requests.post(control + "/faults", json={"kind": "offline"}, headers=redcap_control_headers)
    assert added.status_code == 200 and added.json()["kind"] == "offline"
    assert requests.post(control + "/reset", headers=redcap_control_headers).json()["status"] == "reset"
    assert redcap_control_headers == fake_redcap_server.control_headers
"""


def test_a_users_suite_passes_with_only_the_plugin_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user_suite=USER_SUITE)
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=6)


def test_a_users_suite_passes_under_xdist_with_one_fake_per_worker(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import os

import pytest


@pytest.fixture(autouse=True)
def note_worker_and_port(fake_redcap_server, tmp_path_factory):
    # xdist hands every worker at least one test at the start: each leaves its (worker, port) here
    seen = tmp_path_factory.getbasetemp().parent.parent / "ports"
    seen.mkdir(exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    (seen / f"{worker}-{fake_redcap_server.port}").touch()
"""
    )
    pytester.makepyfile(
        test_user_suite=USER_SUITE,
        test_more="""
import pytest


@pytest.mark.parametrize("n", range(6))
def test_every_test_has_a_reset_fake(n, redcap_client, fake_redcap):
    assert redcap_client.export_file("1", "study_document").content == b"Study protocol v1 (demo)\\n"
    assert len(fake_redcap.journal.entries()) == 1
""",
    )
    result = pytester.runpytest_subprocess(*PLUGIN, "-n", "2")
    result.assert_outcomes(passed=12)
    # No marker: the demo projects were served, and the summary says so once (from both workers' tests).
    assert result.stdout.str().count("served the bundled demo projects") == 1
    result.stdout.fnmatch_lines(["fake_redcap: 12 test(s) were served the bundled demo projects: no *"])
    ports = {p.name for p in pytester.path.rglob("ports/*")}
    workers = {name.split("-")[0] for name in ports}
    assert workers == {"gw0", "gw1"}, ports
    assert len(ports) == 2, f"one fake per worker, each on its own port: {ports}"


def test_a_marker_chooses_the_fixture_files_relative_to_the_test_file(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("data").mkdir()
    pytester.path.joinpath("data", "tiny.yaml").write_text(TINY_FIXTURE, encoding="utf-8")
    pytester.path.joinpath("data", "other.yaml").write_text(OTHER_FIXTURE, encoding="utf-8")
    pytester.makepyfile(
        test_marked="""
import pytest

pytestmark = pytest.mark.redcap_fixtures("data/tiny.yaml")


def test_module_marker(fake_redcap, redcap_tokens, redcap_client):
    assert [p.project_id for p in fake_redcap.projects] == [77]
    assert set(redcap_tokens) == {"alice", "bob"}
    assert redcap_client.export_file("1", "scan").content == b"tiny scan\\n"
    fake_redcap.journal.assert_request_made(user="alice", field="scan", status=200)


@pytest.mark.redcap_fixtures("data/tiny.yaml", "data/other.yaml")
def test_function_marker_wins(fake_redcap):
    assert [p.project_id for p in fake_redcap.projects] == [77, 78]


class TestClass:
    pytestmark = pytest.mark.redcap_fixtures("data/other.yaml")

    def test_class_marker(self, fake_redcap):
        assert [p.title for p in fake_redcap.projects] == ["Other project"]
""",
    )
    result = pytester.runpytest(*PLUGIN, "--strict-markers")
    result.assert_outcomes(passed=3)
    assert "bundled demo projects" not in result.stdout.str()


def test_a_module_overrides_the_redcap_fixtures_fixture(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("tiny.yaml").write_text(TINY_FIXTURE, encoding="utf-8")
    pytester.makepyfile(
        test_own="""
from pathlib import Path

import pytest


@pytest.fixture
def redcap_fixtures():
    return [Path(__file__).parent / "tiny.yaml"]


def test_own_fixture(fake_redcap, redcap_client_for):
    assert [p.project_id for p in fake_redcap.projects] == [77]
    assert redcap_client_for("bob").export_file("1", "scan").filename == "scan.txt"
""",
        test_default="""
def test_demos_elsewhere(fake_redcap):
    assert [p.project_id for p in fake_redcap.projects] == [14, 15]
""",
        test_single_path="""
import os

import pytest


@pytest.fixture
def redcap_fixtures():
    return os.path.join(os.path.dirname(__file__), "tiny.yaml")  # one path, not a list: taken as one


def test_one_path(fake_redcap):
    assert [p.project_id for p in fake_redcap.projects] == [77]
""",
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=3)


def test_one_server_per_fixture_set_kept_for_the_session_and_stopped_at_its_end(
    pytester: pytest.Pytester,
) -> None:
    pytester.path.joinpath("tiny.yaml").write_text(TINY_FIXTURE, encoding="utf-8")
    pytester.makepyfile(
        test_servers="""
import pytest

URLS = []


def test_first(redcap_url):
    URLS.append(redcap_url)


def test_second(redcap_url):
    assert redcap_url == URLS[0]


@pytest.mark.redcap_fixtures("tiny.yaml")
def test_other_set(redcap_url, fake_redcap_servers):
    assert redcap_url != URLS[0]
    assert len(fake_redcap_servers.servers) == 2
    URLS.append(redcap_url)
    with open("urls.txt", "w") as out:
        out.write("\\n".join(URLS))
""",
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=3)
    for url in pytester.path.joinpath("urls.txt").read_text().split():
        port = urllib.parse.urlsplit(url).port
        assert port is not None
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
            pass


def test_reset_undoes_loaded_fixtures_and_rereads_a_changed_fixture_file(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("tiny.yaml").write_text(TINY_FIXTURE, encoding="utf-8")
    pytester.path.joinpath("other.yaml").write_text(OTHER_FIXTURE, encoding="utf-8")
    pytester.makepyfile(
        test_reset="""
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.redcap_fixtures("tiny.yaml")
HERE = Path(__file__).parent


def test_load_more(fake_redcap):
    fake_redcap.load([HERE / "other.yaml"])
    assert [p.project_id for p in fake_redcap.projects] == [77, 78]


def test_loaded_fixture_is_gone(fake_redcap):
    assert [p.project_id for p in fake_redcap.projects] == [77]


def test_edit_the_fixture(fake_redcap):
    path = HERE / "tiny.yaml"
    path.write_text(path.read_text().replace("Tiny project", "Edited project"))
    os.utime(path, ns=(0, 10**18))


def test_edited_fixture_is_served(fake_redcap):
    assert fake_redcap.projects[0].title == "Edited project"
""",
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=4)


def test_helpful_failures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_errors="""
import pytest


def test_unknown_user(redcap_client_for):
    with pytest.raises(LookupError, match="no user 'nobody' is served; served users: .*full_user"):
        redcap_client_for("nobody")


def test_user_of_another_project(redcap_client_for):
    with pytest.raises(LookupError, match="no user 'mixed_full_user' in project 15"):
        redcap_client_for("mixed_full_user", 15)


@pytest.mark.redcap_fixtures()
def test_empty_marker(fake_redcap):
    pass
""",
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*redcap_fixtures(...) needs at least one fixture path*"])


def test_redcap_client_is_the_user_with_the_most_rights(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_client="""
def test_demo_choice(redcap_client, fake_redcap):
    redcap_client.export_version()
    fake_redcap.journal.assert_request_made(count=1, user="importer_user", content="version")
"""
    )
    pytester.runpytest(*PLUGIN).assert_outcomes(passed=1)


def test_the_plugins_fixtures_are_documented() -> None:
    """Every fixture the module defines is in its docstring's table, with scope and type."""
    doc = pytest_plugin.__doc__ or ""
    for name in (
        "redcap_fixtures",
        "fake_redcap_server",
        "fake_redcap",
        "redcap_url",
        "redcap_tokens",
        "redcap_project_tokens",
        "redcap_client",
        "redcap_client_for",
        "fake_redcap_servers",
    ):
        assert f"| `{name}` |" in doc, name
