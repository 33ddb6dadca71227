"""Shared fixtures for the fake server's own tests.

* `write_fixture` / `make_state`: a project fixture from a Python dict, written as YAML into tmp_path.
* `worlds`: the two test projects of `tests.support` (classic and longitudinal), per REDCap version,
  built once per session.
* `classic` / `longitudinal`: Flask test clients over those (fast: no sockets).
* `demo_state` / `demo_server`: the bundled demo projects, and a real threaded server over them on
  127.0.0.1 for wire-level checks (session-scoped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient

from fake_redcap import FakeServer, FakeState, create_app, demo_fixture_paths
from tests.support import CLASSIC_EXTRA_FILES, classic_fixture, longitudinal_fixture

MakeState = Callable[..., FakeState]


def write_fixture(
    folder: Path,
    doc: Mapping[str, Any],
    files: Mapping[str, bytes] | None = None,
    name: str = "project.yaml",
) -> Path:
    """Write `doc` as a YAML fixture (plus any files it points at, relative to it) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for relative, data in (files or {}).items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    path = folder / name
    path.write_text(yaml.safe_dump(dict(doc), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


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


def api(state: FakeState, header_variant: str = "redcap") -> FlaskClient:
    """A Flask test client for `state` (requests go to `/api/`)."""
    return create_app(state, header_variant=header_variant).test_client()


class Worlds:
    """The test projects, built lazily once per (kind, version) for the whole session."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self._factory = factory
        self._cache: dict[tuple[str, str], FakeState] = {}

    def classic(self, version: str = "15.7.6") -> FakeState:
        return self._get("classic", version)

    def longitudinal(self, version: str = "15.7.6") -> FakeState:
        return self._get("longitudinal", version)

    def _get(self, kind: str, version: str) -> FakeState:
        key = (kind, version)
        if key not in self._cache:
            folder = self._factory.mktemp(f"{kind}-{version}")
            if kind == "classic":
                path = write_fixture(folder, classic_fixture(version), CLASSIC_EXTRA_FILES)
            else:
                path = write_fixture(folder, longitudinal_fixture(version))
            self._cache[key] = FakeState([path])
        return self._cache[key]


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
