"""The fixtures of the project's own tests (their helpers and builders: `tests/support/`).

* `make_state`: a FakeState over a project fixture given as a Python dict, written as YAML into tmp_path.
* `worlds`: the two test projects of `tests.support` (classic and longitudinal), per REDCap version,
  built once per session.
* `classic` / `longitudinal`: Flask test clients over those (fast: no sockets).
* `demo_state` / `demo_server`: the bundled demo projects, and a real threaded server over them on
  127.0.0.1 for wire-level checks (session-scoped).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeServer, FakeState, demo_fixture_paths
from tests.support import MakeState, Worlds, api, write_fixture

# Other projects' test suites kept as data (PyCap's integration suite): run by their own harness
# (tests/test_pycap_integration.py) in a process of their own, never collected here.
collect_ignore = ["data"]


@pytest.fixture
def make_state(tmp_path: Path) -> MakeState:
    """`make_state(doc, files=None, redcap_version=None)`: a FakeState over `doc` written into tmp_path."""
    counter = iter(range(1_000_000))

    def make(
        doc: Mapping[str, Any],
        files: Mapping[str, bytes] | None = None,
        redcap_version: str | None = None,
    ) -> FakeState:
        path = write_fixture(tmp_path / f"fixture{next(counter)}", doc, files)
        return FakeState([path], redcap_version=redcap_version)

    return make


@pytest.fixture(scope="session")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Worlds:
    return Worlds(tmp_path_factory)


@pytest.fixture
def classic(worlds: Worlds) -> FlaskClient:
    """The classic project as REDCap 15.7.6."""
    return api(worlds.classic())


@pytest.fixture
def longitudinal(worlds: Worlds) -> FlaskClient:
    """The longitudinal project as REDCap 15.7.6."""
    return api(worlds.longitudinal())


@pytest.fixture(scope="session")
def demo_state() -> FakeState:
    """The bundled demo projects (what `fake-redcap serve` serves with no --fixture)."""
    paths = demo_fixture_paths()
    assert paths, "no bundled demo fixtures found in fake_redcap/demo/"
    return FakeState()


@pytest.fixture(scope="session")
def demo_server(demo_state: FakeState) -> Iterator[FakeServer]:
    """A real threaded server over the demo projects on 127.0.0.1 and a free port."""
    with FakeServer(demo_state, "127.0.0.1", 0) as server:
        yield server
