"""pytest plugin: a running fake REDCap for your own test suite, reset before every test.

Installed with the package (entry point `pytest11`, name `fake_redcap`), so the fixtures below are
there in any suite; with `PYTEST_DISABLE_PLUGIN_AUTOLOAD` set, load it with `-p fake_redcap`.

| fixture | scope | type | what it is |
|---|---|---|---|
| `redcap_fixtures` | function | `list[Path]` | fixture files to serve: the marker's, else the demos |
| `fake_redcap_server` | function (server: session) | `FakeServer` | the running fake, reset |
| `fake_redcap` | function | `FakeState` | its state: `.journal`, `.faults`, `.load()` |
| `redcap_url` | function | `str` | the API URL, `http://127.0.0.1:PORT/api/` |
| `redcap_control_headers` | function | `dict[str, str]` | the header `/__fake__/...` needs (its secret) |
| `redcap_tokens` | function | `dict[str, str]` | user name -> token, every served user |
| `redcap_project_tokens` | function | `dict[int, dict[str, str]]` | project id -> user name -> token |
| `redcap_client` | function | `redcap_file_client.RedcapClient` | a client for the most rights' user |
| `redcap_client_for` | function | `Callable[..., RedcapClient]` | a client for a named user |
| `fake_redcap_servers` | session | `FakeRedcapServers` | one server per distinct fixture set |

Servers start on 127.0.0.1, port 0, the first time a fixture set is asked for, and stop when the session
ends; under pytest-xdist every worker has its own. Reset happens *before* each test (so a failed test
leaves its state to look at) and is cheap: `FakeState.reset()` does not parse a fixture file again while
its size and mtime stay the same.

Heavy imports (Flask, cheroot, the client) happen only when a fixture is used, not when pytest starts.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from fake_redcap.server import FakeServer
    from fake_redcap.state import FakeState
    from redcap_file_client import RedcapClient

MARKER = "redcap_fixtures"
FixtureSet = tuple[Path, ...]


IN_PROCESS_OPTION = "--fake-redcap-in-process"
IN_PROCESS_INI = "fake_redcap_in_process"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("fake_redcap").addoption(
        IN_PROCESS_OPTION,
        action="store_true",
        default=None,
        help="answer requests-based calls to the fake's URL in-process, without a socket "
        "(fake_redcap.inprocess; the same bytes, status and headers)",
    )
    parser.addini(IN_PROCESS_INI, f"as {IN_PROCESS_OPTION}", type="bool", default=False)


def _in_process(config: pytest.Config) -> bool:
    chosen = config.getoption(IN_PROCESS_OPTION)
    return bool(chosen if chosen is not None else config.getini(IN_PROCESS_INI))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*paths): the fake REDCap fixture files this test, class or module serves "
        "(paths relative to the test file)",
    )
    config.pluginmanager.register(DemoNotice(), "fake-redcap-demo-notice")


DEMO_PROPERTY = "fake_redcap_fixtures"


class DemoNotice:
    """Says once, in the summary, that tests were served the bundled demo projects because no
    `redcap_fixtures` marker applied to them (a test meant for the user's own project then still runs,
    against projects it did not mean). Tests are counted from their reports' `user_properties`, which
    pytest-xdist carries from its workers."""

    def __init__(self) -> None:
        self.tests = 0

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "setup" and any(name == DEMO_PROPERTY for name, _ in report.user_properties):
            self.tests += 1

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.tests:
            terminalreporter.write_line(
                f"fake_redcap: {self.tests} test(s) were served the bundled demo projects: no "
                f"@pytest.mark.{MARKER}(...) applied to them. Mark them (or override the {MARKER} fixture) "
                "to serve your own project's fixture."
            )


class FakeRedcapServers:
    """One running `FakeServer` per distinct fixture set, started on first use, stopped at session end."""

    def __init__(self, *, in_process: bool = False) -> None:
        self._servers: dict[FixtureSet, FakeServer] = {}
        self.in_process = in_process  # requests to the servers answered without a socket

    def server_for(self, fixtures: Sequence[str | os.PathLike[str]]) -> FakeServer:
        """The server for these fixture files (in this order), started if it is not running yet.
        It is not reset here: `fake_redcap_server` resets it before each test."""
        key: FixtureSet = tuple(Path(p).resolve() for p in fixtures)
        server = self._servers.get(key)
        if server is None:
            from fake_redcap.server import FakeServer
            from fake_redcap.state import FakeState

            server = FakeServer(FakeState(list(key)), "127.0.0.1", 0).start()
            self._servers[key] = server
            if self.in_process:
                from fake_redcap.inprocess import intercept

                intercept(server)
        return server

    @property
    def servers(self) -> list[FakeServer]:
        return list(self._servers.values())

    def stop_all(self) -> None:
        servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            if self.in_process:
                from fake_redcap.inprocess import release

                release(server)
            server.stop()
            server.state.close()


@pytest.fixture(scope="session")
def fake_redcap_servers(request: pytest.FixtureRequest) -> Iterator[FakeRedcapServers]:
    """The session's servers, one per distinct fixture set (per xdist worker); with
    `--fake-redcap-in-process`, requests-based calls to them are answered without a socket."""
    pool = FakeRedcapServers(in_process=_in_process(request.config))
    try:
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture
def redcap_fixtures(request: pytest.FixtureRequest) -> list[Path]:
    """The fixture files to serve. Default: the paths of the closest `@pytest.mark.redcap_fixtures(...)`
    (relative to the test file), else the bundled demo projects. Override it in a test module or
    conftest to choose your own."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        if not marker.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER}(...) needs at least one fixture path")
        here = Path(request.path).parent
        return [here / p for p in marker.args]
    request.node.user_properties.append((DEMO_PROPERTY, "the bundled demo projects"))  # see DemoNotice
    from fake_redcap.fixture import demo_fixture_paths

    return demo_fixture_paths()


@pytest.fixture
def fake_redcap_server(
    fake_redcap_servers: FakeRedcapServers, redcap_fixtures: Sequence[str | os.PathLike[str]]
) -> FakeServer:
    """The running fake serving `redcap_fixtures`, reset: the projects as their files say, an empty
    journal, no faults, no uploads."""
    if isinstance(redcap_fixtures, str | os.PathLike):
        redcap_fixtures = [redcap_fixtures]  # one path given where a list belongs
    server = fake_redcap_servers.server_for(redcap_fixtures)
    wanted = [Path(p).resolve() for p in redcap_fixtures]
    if [p.resolve() for p in server.state.fixtures] != wanted:
        server.state.load(wanted, replace=True)  # a test loaded more fixtures: serve only these again
    server.state.reset()
    return server


@pytest.fixture
def fake_redcap(fake_redcap_server: FakeServer) -> FakeState:
    """The state behind the running fake: `.journal`, `.faults`, `.load(...)`, `.projects`."""
    return fake_redcap_server.state


@pytest.fixture
def redcap_url(fake_redcap_server: FakeServer) -> str:
    """The fake's API URL, `http://127.0.0.1:PORT/api/`."""
    return fake_redcap_server.url


@pytest.fixture
def redcap_control_headers(fake_redcap_server: FakeServer) -> dict[str, str]:
    """The header that control requests (`/__fake__/...`) need: `{"X-Fake-Redcap-Control": secret}`."""
    return fake_redcap_server.control_headers


@pytest.fixture
def redcap_project_tokens(fake_redcap: FakeState) -> dict[int, dict[str, str]]:
    """project_id -> user name -> token, for every served project."""
    return {p.project_id: {u.username: u.token for u in p.users} for p in fake_redcap.projects}


@pytest.fixture
def redcap_tokens(fake_redcap: FakeState) -> dict[str, str]:
    """User name -> token for every served user. A name that several projects use maps to the first
    served project's user (see `redcap_project_tokens` for the others)."""
    tokens: dict[str, str] = {}
    for project in fake_redcap.projects:
        for user in project.users:
            tokens.setdefault(user.username, user.token)
    return tokens


@pytest.fixture
def redcap_client_for(redcap_url: str, fake_redcap: FakeState) -> Iterator[Callable[..., RedcapClient]]:
    """`redcap_client_for(username, project_id=None, **client_options)`: a
    `redcap_file_client.RedcapClient` for that user (of that project, when several projects have the
    name). Clients are closed after the test."""
    from redcap_file_client import RedcapClient

    made: list[RedcapClient] = []

    def make(username: str, project_id: int | None = None, **options: Any) -> RedcapClient:
        token = _token_of(fake_redcap, username, project_id)
        client = RedcapClient(redcap_url, token, **options)
        made.append(client)
        return client

    try:
        yield make
    finally:
        for client in made:
            client.close()


@pytest.fixture
def redcap_client(redcap_client_for: Callable[..., RedcapClient], fake_redcap: FakeState) -> RedcapClient:
    """A `redcap_file_client.RedcapClient` for the served user with the most rights: Full Data Set, API
    export, API import and record delete, not suspended or expired (first served project first). With
    the bundled demos: `importer_user` of project 14."""
    project_id, username = _most_rights(fake_redcap)
    return redcap_client_for(username, project_id)


def _token_of(state: FakeState, username: str, project_id: int | None) -> str:
    for project in state.projects:
        if project_id is not None and project.project_id != project_id:
            continue
        for user in project.users:
            if user.username == username:
                return user.token
    where = f" in project {project_id}" if project_id is not None else ""
    served = sorted({u.username for p in state.projects for u in p.users})
    raise LookupError(f"no user {username!r}{where} is served; served users: {', '.join(served)}")


def _most_rights(state: FakeState) -> tuple[int, str]:
    import datetime as dt

    from fake_redcap.model import ExportRight

    today = dt.date.today()
    best: tuple[tuple[bool, ...], int, str] | None = None
    for project in state.projects:
        for user in project.users:
            usable = not user.suspended and (
                user.super_user or user.expiration is None or user.expiration > today
            )
            if not usable:
                continue
            everything = user.super_user or (user.api_export and user.api_import and user.record_delete)
            rank = (
                user.export_rights() == ExportRight.FULL and (user.super_user or user.api_export),
                everything,
                not user.super_user,  # a plain user is what a real project gives a pipeline
            )
            if best is None or rank > best[0]:
                best = (rank, project.project_id, user.username)
    if best is None or not best[0][0]:
        raise LookupError(
            "no served user has Full Data Set with API export; use redcap_client_for(username) instead"
        )
    return best[1], best[2]
