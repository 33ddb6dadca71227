"""The server a run of the suite talks to, and the reference projects it holds.

A target is a URL, the fixtures that say what the server holds (the suite's expectations), and where
each fixture user's token comes from. By default it is the fake, started in this process on
127.0.0.1 with the reference fixtures; `--redcap-target TARGET.yaml` names any other server:

    url: https://redcap.example.edu/api/
    name: Our REDCap (test instance)     # optional: the label in the report
    server: redcap                       # optional: redcap (default) or fake; picks the side of
                                         # known_differences.yaml that applies
    fixtures:
      - fixture: reference_classic.yaml
        tokens: {full_user: REDCAP_CLASSIC_FULL, deid_user: REDCAP_CLASSIC_DEID}
      - fixture: reference_longitudinal.yaml
        tokens: {full_user: REDCAP_LONG_FULL}
      - fixture: reference_analysis.yaml        # optional: its clauses are skipped without it
        tokens: {importer_user: REDCAP_ANALYSIS_IMPORTER}

The one-project form (`fixture:` and `tokens:` at the top) works as well, and so does
`fixtures: [a.yaml, b.yaml]` with one top-level `tokens:` mapping. Fixture paths are relative to the
target file, or name a file in contract_tests/reference/. Tokens are never written in the target
file: it names environment variables.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import requests
import yaml

from fake_redcap import FakeServer, FakeState, FixtureError, load_fixture
from fake_redcap.model import Project, ProjectStatus, StoredFile, User
from redcap_file_client import RedcapClient

from . import wire
from .versions import Version

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
REFERENCE_FIXTURES = (
    REFERENCE_DIR / "reference_classic.yaml",
    REFERENCE_DIR / "reference_longitudinal.yaml",
    REFERENCE_DIR / "reference_analysis.yaml",
)
TIMEOUT = 30.0

ServerKind = Literal["fake", "redcap"]


class TargetError(Exception):
    """A target file that cannot be used; the message says where and how to fix it."""


@dataclass(frozen=True)
class TokenSource:
    """Where one user's token comes from: an environment variable (target files) or the fixture itself
    (the in-process fake)."""

    env: str | None
    value: str | None

    def describe_missing(self, username: str, fixture: str) -> str:
        if self.env is None:
            return (
                f"no token configured for user {username!r} of {fixture}: "
                f"name an environment variable for it under tokens in the target file"
            )
        return f"token for user {username!r} of {fixture} not configured: set environment variable {self.env}"


@dataclass(frozen=True)
class ProjectUnderTest:
    """One reference project as the target serves it: the fixture (what it must hold) plus tokens."""

    fixture: Project
    path: Path
    url: str
    tokens: Mapping[str, TokenSource]
    session: requests.Session = field(repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.path.name

    # -- users -----------------------------------------------------------------------------------------

    def user(self, username: str) -> User:
        """The fixture's user; a clause naming a user the reference project lacks is a suite bug."""
        for user in self.fixture.users:
            if user.username == username:
                return user
        raise LookupError(f"{self.name} has no user {username!r}")

    def token(self, username: str) -> str:
        """The user's token on the target. Skipping here is the suite's only skip: the target did not
        configure this user's token, and the reason names the variable to set."""
        import pytest

        self.user(username)
        source = self.tokens.get(username, TokenSource(env=None, value=None))
        if not source.value:
            pytest.skip(source.describe_missing(username, self.name))
        return source.value

    def super_token(self, username: str) -> str:
        """A super user's Super API Token on the target (`<username>.super_token` under tokens); skips,
        naming the variable, when the target does not configure it."""
        import pytest

        assert self.user(username).super_user, f"{username} is no super user of {self.name}"
        key = username + SUPER_TOKEN_SUFFIX
        source = self.tokens.get(key, TokenSource(env=None, value=None))
        if not source.value:
            pytest.skip(source.describe_missing(key, self.name))
        return source.value

    def configured(self, username: str) -> bool:
        source = self.tokens.get(username)
        return bool(source and source.value)

    def client(self, username: str) -> RedcapClient:
        """The project's client for this user: behaviour goes through it. No retries: a clause sees the
        server's first answer."""
        return RedcapClient(self.url, self.token(username), session=self.session, retries=0, timeout=TIMEOUT)

    # -- the wire --------------------------------------------------------------------------------------

    def post(
        self,
        username: str | None,
        params: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> requests.Response:
        """A raw urlencoded POST; `username` adds that user's token first (None sends no token)."""
        pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
        if username is not None:
            pairs.insert(0, ("token", self.token(username)))
        return self.session.post(self.url, data=pairs, timeout=TIMEOUT, allow_redirects=False, **kwargs)

    def raw_post(self, username: str | None, params: Mapping[str, str]) -> wire.RawResponse:
        """The same POST over a plain socket, for clauses about header bytes."""
        pairs = list(params.items())
        if username is not None:
            pairs.insert(0, ("token", self.token(username)))
        return wire.raw_post(self.url, pairs)

    # -- what the project holds ------------------------------------------------------------------------

    def stored(
        self, record: str, field_name: str, *, event: str | None = None, instance: int = 1
    ) -> StoredFile:
        """The file the fixture stores there; the clause's expectation."""
        for row in self.fixture.records:
            if row.record == record and row.event == event and row.instance == instance:
                stored = row.files.get(field_name)
                if stored is not None:
                    return stored
        where = f"record {record!r}, field {field_name!r}, event {event!r}, instance {instance}"
        raise LookupError(f"{self.name} stores no file at {where}")

    def stored_files(self) -> list[tuple[str, str | None, int, str, StoredFile]]:
        """Every stored file as (record, event, instance, field, file), in fixture order."""
        return [
            (row.record, row.event, row.instance, name, stored)
            for row in self.fixture.records
            for name, stored in row.files.items()
        ]


def _in_analysis(project: ProjectUnderTest) -> bool:
    return project.fixture.status == ProjectStatus.ANALYSIS


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_sha256(stored: StoredFile) -> str:
    return sha256(stored.read_bytes())


@dataclass
class Target:
    """The server under test. `version` is filled in by the preflight (content=version)."""

    label: str
    url: str
    server: ServerKind
    projects: tuple[ProjectUnderTest, ...]
    session: requests.Session = field(repr=False)
    version: Version | None = None
    stop: Callable[[], None] | None = field(default=None, repr=False)

    def project(self, *, longitudinal: bool) -> ProjectUnderTest:
        """The classic or the longitudinal reference project (not the one in Analysis/Cleanup)."""
        for project in self.projects:
            if project.fixture.is_longitudinal == longitudinal and not _in_analysis(project):
                return project
        kind = "longitudinal" if longitudinal else "classic"
        example = REFERENCE_FIXTURES[1 if longitudinal else 0].name
        raise TargetError(
            f"the target declares no {kind} project; add {example} (and its tokens) to its fixtures"
        )

    def project_in_analysis(self) -> ProjectUnderTest:
        """The reference project in Analysis/Cleanup status. A target may leave it out (building it takes
        a move to production): its clauses are then skipped, like those of a user without a token."""
        import pytest

        for project in self.projects:
            if _in_analysis(project):
                return project
        pytest.skip(
            "the target declares no project in Analysis/Cleanup status: add "
            f"{REFERENCE_FIXTURES[2].name} (and its tokens) to the fixtures of the target file"
        )

    def close(self) -> None:
        self.session.close()
        if self.stop is not None:
            self.stop()
            self.stop = None


def _session() -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = "fake-redcap-contract-suite"
    return session


def in_process_fake(
    fixtures: Iterable[Path] = REFERENCE_FIXTURES, redcap_version: str | None = None
) -> Target:
    """The default target: the fake with the reference fixtures, on 127.0.0.1 and a free port; with
    `redcap_version`, answering as that REDCap version (`--redcap-target fake@13.6.1`)."""
    paths = tuple(fixtures)
    state = FakeState(list(paths), redcap_version=redcap_version)
    server = FakeServer(state, host="127.0.0.1", port=0).start()
    session = _session()
    projects = tuple(
        ProjectUnderTest(
            fixture=served.project,
            path=path,
            url=server.url,
            tokens=_fixture_tokens(served.project),
            session=session,
        )
        for path, served in zip(paths, server.state.served, strict=True)
    )
    label = "fake (in-process)"  # conftest.IN_PROCESS_LABEL
    return Target(
        label=label if redcap_version is None else f"{label} as {redcap_version}",
        url=server.url,
        server="fake",
        projects=projects,
        session=session,
        stop=server.stop,
    )


SUPER_TOKEN_SUFFIX = ".super_token"


def _fixture_tokens(project: Project) -> dict[str, TokenSource]:
    """The in-process fake's tokens: each user's, and a super user's Super API Token under
    `<username>.super_token`."""
    sources = {u.username: TokenSource(env=None, value=u.token) for u in project.users}
    for user in project.users:
        if user.super_token:
            sources[user.username + SUPER_TOKEN_SUFFIX] = TokenSource(env=None, value=user.super_token)
    return sources


def load_target(path: Path, environ: Mapping[str, str] | None = None) -> Target:
    """Read a target file (format in the module docstring)."""
    env = os.environ if environ is None else environ
    where = str(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TargetError(f"{where}: cannot read the target file ({error.strerror})") from error
    except yaml.YAMLError as error:
        raise TargetError(f"{where}: not valid YAML ({error})") from error
    if not isinstance(document, dict):
        raise TargetError(f"{where}: the target file must be a mapping with url and fixture(s)")
    known = {"url", "name", "server", "fixture", "fixtures", "tokens"}
    unknown = sorted(set(document) - known)
    if unknown:
        raise TargetError(f"{where}: unknown key(s) {', '.join(unknown)}; use {', '.join(sorted(known))}")
    url = document.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise TargetError(f"{where}: url must be the API URL, e.g. https://redcap.example.edu/api/")
    server = document.get("server", "redcap")
    if server not in ("redcap", "fake"):
        raise TargetError(f"{where}: server must be redcap or fake, not {server!r}")
    top_tokens = document.get("tokens")
    if "fixture" in document and "fixtures" in document:
        raise TargetError(f"{where}: give either fixture or fixtures, not both")
    entries: list[tuple[Any, Any, str]] = []
    if "fixture" in document:
        entries.append((document["fixture"], top_tokens, "fixture"))
    elif isinstance(document.get("fixtures"), list) and document["fixtures"]:
        for i, item in enumerate(document["fixtures"]):
            place = f"fixtures[{i}]"
            if isinstance(item, str):
                entries.append((item, top_tokens, place))
            elif isinstance(item, dict) and set(item) <= {"fixture", "tokens"} and "fixture" in item:
                entries.append((item["fixture"], item.get("tokens", top_tokens), place))
            else:
                raise TargetError(
                    f"{where}: {place} must be a fixture path or a mapping with fixture and tokens"
                )
    else:
        raise TargetError(f"{where}: name the project(s) the server holds under fixture or fixtures")

    session = _session()
    projects: list[ProjectUnderTest] = []
    shared_users: dict[str, str] = {}
    for raw_path, tokens, place in entries:
        fixture_path = _resolve_fixture(raw_path, path, f"{where}: {place}")
        try:
            project = load_fixture(fixture_path)
        except FixtureError as error:
            raise TargetError(f"{where}: {place}: the fixture does not load: {error}") from error
        shared = tokens is top_tokens and len(entries) > 1
        sources = _token_sources(tokens, project, f"{where}: {place}", env, strict=not shared)
        if shared:
            for username in sources:
                if username in shared_users:
                    raise TargetError(
                        f"{where}: user {username!r} is in {shared_users[username]} and {fixture_path.name}, "
                        "and a REDCap token belongs to one project: give each fixture its own tokens "
                        "(fixtures: [{fixture: ..., tokens: {...}}, ...])"
                    )
                shared_users[username] = fixture_path.name
        projects.append(
            ProjectUnderTest(fixture=project, path=fixture_path, url=url, tokens=sources, session=session)
        )
    if isinstance(top_tokens, dict) and len(entries) > 1:
        stray = sorted(str(u) for u in top_tokens if u not in shared_users)
        if stray:
            raise TargetError(f"{where}: tokens names user(s) no fixture has: {', '.join(stray)}")
    label = document.get("name") or url
    return Target(label=str(label), url=url, server=server, projects=tuple(projects), session=session)


def _resolve_fixture(raw: object, target_file: Path, place: str) -> Path:
    if not isinstance(raw, str) or not raw:
        raise TargetError(f"{place}: the fixture must be a path")
    candidates = [target_file.parent / raw, REFERENCE_DIR / raw]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    tried = " or ".join(str(c) for c in candidates)
    raise TargetError(f"{place}: fixture {raw!r} not found (looked for {tried})")


def _token_sources(
    tokens: object, project: Project, place: str, env: Mapping[str, str], *, strict: bool
) -> dict[str, TokenSource]:
    """username -> where its token comes from. `strict`: every username must be a user of this fixture
    (a shared top-level mapping may also name users of the other fixtures)."""
    if tokens is None:
        tokens = {}
    if not isinstance(tokens, dict):
        raise TargetError(f"{place}: tokens must map each fixture user to an environment variable name")
    usernames = {u.username for u in project.users}
    usernames.update(u.username + SUPER_TOKEN_SUFFIX for u in project.users if u.super_user)
    sources: dict[str, TokenSource] = {}
    for username, variable in tokens.items():
        if username not in usernames:
            if strict:
                raise TargetError(
                    f"{place}: tokens names {username!r}, which is not a user of {project.source.name} "
                    f"(its users: {', '.join(sorted(usernames))})"
                )
            continue
        if not isinstance(variable, str) or not variable:
            raise TargetError(f"{place}: tokens.{username} must name an environment variable")
        value = env.get(variable, "").strip()
        sources[str(username)] = TokenSource(env=variable, value=value or None)
    return sources
