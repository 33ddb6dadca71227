"""The contract suite's harness: targets, the preflight, version selection, known differences, report.

    pytest contract_tests                                      # against the fake, in-process (default)
    pytest contract_tests --redcap-target TARGET.yaml          # against any server (see targets.py)
    pytest contract_tests --redcap-target fake --redcap-target TARGET.yaml   # both, side by side
    pytest contract_tests --redcap-target fake@13.6.1 --redcap-target fake@14.5.11   # the fake as versions
    pytest contract_tests --report out/redcap-15               # also write out/redcap-15.json and .md

Clauses take the `classic` / `longitudinal` / `analysis` project fixtures (or `target`); with several
targets these are parametrized over them. A clause never asks what kind of server it talks to. Markers a
clause carries:

- `source("...")` (required): where the behaviour comes from (REDCap version and file, the docs, or a
  capture from a real server).
- `redcap_version(">=14.5.11")`: the clause applies only to targets in that version range.
- `known_difference("id")`: tied to an entry of reference/known_differences.yaml; an expected (strict)
  failure on the side that entry names.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Mapping
from pathlib import Path

import pytest

from .known_differences import KnownDifferencesError, load_known_differences
from .preflight import Preflight, run_preflight
from .report import ClauseResult, Report, TargetInfo
from .targets import ProjectUnderTest, Target, TargetError, in_process_fake, load_target
from .transcript import Masker, Recorder
from .versions import Version, VersionRange

SUITE_DIR = Path(__file__).resolve().parent
PREFLIGHT_FAILED = pytest.ExitCode.TESTS_FAILED
IN_PROCESS = "fake"  # --redcap-target value naming the in-process fake
IN_PROCESS_LABEL = "fake (in-process)"
OLDEST_FAKE_VERSION = Version(7, 0, 0)  # docs/server.md's "Versions from 7.0.0 are served"


class Suite:
    """Per-run state of the harness (one object per pytest run; no module globals).

    Target files are read when pytest starts (so a bad one is a usage error at once); the servers are
    contacted, and the in-process fake started, only once clauses were collected.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        options: list[str] = config.getoption("redcap_target") or [IN_PROCESS]
        self.sources = options
        self.targets: list[Target | None] = []
        self.fake_versions: list[str | None] = []
        for option in options:
            self.fake_versions.append(_fake_version(option))
            if option == IN_PROCESS or option.startswith(IN_PROCESS + "@"):
                self.targets.append(None)
                continue
            try:
                self.targets.append(load_target(Path(option)))
            except TargetError as error:
                raise pytest.UsageError(f"--redcap-target: {error}") from error
        labels = [
            (IN_PROCESS_LABEL + (f" as {version}" if version else "")) if target is None else target.label
            for target, version in zip(self.targets, self.fake_versions, strict=True)
        ]
        self.labels = _unique(labels, " #")
        self.ids = _unique([self._id(i, option) for i, option in enumerate(options)], "")
        self.preflights: list[Preflight] = []
        self.report = Report()
        folder = config.getoption("transcript", None)
        self.recorder = Recorder(Path(folder)) if folder else None

    def _id(self, index: int, option: str) -> str:
        target = self.targets[index]
        name = (
            option if target is None else (target.label if target.label != target.url else Path(option).stem)
        )
        return "@" + (re.sub(r"[^A-Za-z0-9_.]+", "-", name).strip("-") or "target")

    def target(self, index: int) -> Target:
        target = self.targets[index]
        if target is None:
            target = in_process_fake(redcap_version=self.fake_versions[index])
            self.targets[index] = target
        return target

    def started(self) -> list[Target]:
        return [self.target(i) for i in range(len(self.targets))]

    def record(self, targets: list[Target]) -> None:
        """With --transcript, every exchange with the targets is recorded from now on."""
        if self.recorder is None:
            return
        for target_id, target in zip(self.ids, targets, strict=True):
            masker = Masker()
            for project in target.projects:
                for username, source in project.tokens.items():
                    masker.add(project.path.stem, username, source.value)
            self.recorder.attach(target_id, target.url, target.session, masker)

    def close(self) -> None:
        if self.recorder is not None:
            self.recorder.detach()
            self.recorder.write(several_targets=len(self.targets) > 1)
            self.recorder = None
        for target in self.targets:
            if target is not None:
                target.close()


def _fake_version(option: str) -> str | None:
    """`fake@13.6.1` -> "13.6.1" (the in-process fake answering as that version); a usage error when the
    version is not one the fake serves."""
    if not option.startswith(IN_PROCESS + "@"):
        return None
    version = option.removeprefix(IN_PROCESS + "@")
    try:
        parsed = Version.parse(version)
    except ValueError as error:
        raise pytest.UsageError(f"--redcap-target {option}: {error}; write e.g. fake@13.6.1") from error
    if parsed < OLDEST_FAKE_VERSION:
        raise pytest.UsageError(
            f"--redcap-target {option}: the fake serves REDCap {OLDEST_FAKE_VERSION} and later; "
            "name one of those, e.g. fake@7.1.2"
        )
    return version


def _unique(names: list[str], joiner: str) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name}{joiner}{seen[name]}")
    return result


SUITE_KEY = pytest.StashKey[Suite]()


class _ResultCollector:
    """Feeds every test report to the contract report (which ignores items that are not clauses)."""

    def __init__(self, suite: Suite) -> None:
        self.suite = suite

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.suite.report.record(report)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, None, None]:
        recorder = self.suite.recorder
        if recorder is not None and _is_clause(item):
            index = _target_index(item)
            name = _strip_target_id(item.name, self.suite.ids[index] if len(self.suite.targets) > 1 else "")
            recorder.clause = f"{Path(str(item.path)).name}::{name}"
        yield


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract suite", "REDCap contract suite")
    group.addoption(
        "--redcap-target",
        metavar="TARGET.yaml",
        action="append",
        default=None,
        help="run the contract clauses against the server this file names (default: the fake, in-process); "
        f"repeat to run them against several side by side; '{IN_PROCESS}' names the in-process fake, "
        f"'{IN_PROCESS}@13.6.1' the in-process fake answering as that REDCap version",
    )
    group.addoption(
        "--transcript",
        metavar="DIR",
        default=None,
        help="write every exchange of the run to DIR, one JSON file per clause, tokens masked "
        "(format: contract_tests/transcript.py); replay with fake-redcap replay DIR",
    )
    group.addoption(
        "--report",
        metavar="FILE",
        default=None,
        help="write the contract report to FILE.json and FILE.md",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "source(*texts): where a contract clause's behaviour comes from")
    config.addinivalue_line(
        "markers", "redcap_version(range): the REDCap versions a contract clause applies to, e.g. >=14.5.11"
    )
    config.addinivalue_line(
        "markers", "known_difference(id): an entry of contract_tests/reference/known_differences.yaml"
    )
    suite = Suite(config)
    config.stash[SUITE_KEY] = suite
    config.pluginmanager.register(_ResultCollector(suite), "contract-suite-results")


def pytest_unconfigure(config: pytest.Config) -> None:
    suite = config.stash.get(SUITE_KEY, None)
    if suite is not None:
        suite.close()


def _is_clause(item: pytest.Item) -> bool:
    return Path(str(item.path)).resolve().is_relative_to(SUITE_DIR) and item.name.startswith("test_")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """With several targets, every clause runs once per target (the `target` fixture's parameter). Every
    clause has `target` in its closure (the autouse `_clause_target`), also one that reaches its project
    only through `request.getfixturevalue(kind)`, which pytest cannot see when it parametrizes."""
    suite = metafunc.config.stash[SUITE_KEY]
    if len(suite.targets) > 1 and "target" in metafunc.fixturenames:
        metafunc.parametrize(
            "target", range(len(suite.targets)), ids=suite.ids, indirect=True, scope="session"
        )


def _target_index(item: pytest.Item) -> int:
    callspec = getattr(item, "callspec", None)
    return int(callspec.params.get("target", 0)) if callspec is not None else 0


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    clauses = [item for item in items if _is_clause(item)]
    if not clauses:
        return
    suite = config.stash[SUITE_KEY]
    try:
        differences = load_known_differences()
    except KnownDifferencesError as error:
        raise pytest.UsageError(str(error)) from error
    _check_markers(clauses, differences)

    report = suite.report
    targets = suite.started()
    suite.record(targets)
    suite.preflights = [run_preflight(target) for target in targets]
    for index, (target, preflight) in enumerate(zip(targets, suite.preflights, strict=True)):
        target.version = preflight.version
        report.targets.append(
            TargetInfo(
                label=suite.labels[index],
                url=target.url,
                server=target.server,
                redcap_version=str(target.version) if target.version else None,
                projects=[p.name for p in target.projects],
                preflight=[
                    {"project": c.project, "name": c.name, "status": c.status, "details": c.details}
                    for c in preflight.checks
                ],
            )
        )
    outcomes = {}
    for item in clauses:
        index = _target_index(item)
        clause = _clause_result(item, suite.ids[index] if len(targets) > 1 else "")
        outcomes[item.nodeid] = report.add(item.nodeid, clause, suite.labels[index])

    failed = [(suite.labels[i], p) for i, p in enumerate(suite.preflights) if p.differences]
    if failed:
        _write_report(suite)
        lines = [
            f"[{label}] {check.line()}" if len(targets) > 1 else check.line()
            for label, preflight in failed
            for check in preflight.differences
        ]
        pytest.exit(
            "preflight: the target does not match what the suite expects; fix these first:\n"
            + "\n".join(lines),
            returncode=PREFLIGHT_FAILED,
        )

    deselected: list[pytest.Item] = []
    for item in clauses:
        target = targets[_target_index(item)]
        outcome = outcomes[item.nodeid]
        marker = item.get_closest_marker("redcap_version")
        versions = VersionRange.parse(str(marker.args[0])) if marker else None
        if versions is not None and target.version is not None and target.version not in versions:
            outcome.result = "not applicable"
            outcome.detail = f"REDCap {target.version} is outside {versions}"
            deselected.append(item)
            continue
        difference_marker = item.get_closest_marker("known_difference")
        if difference_marker is not None:
            difference = differences[str(difference_marker.args[0])]
            if difference.applies_to(target.server, target.version):
                reason = f"known difference {difference.id}: {difference.title}"
                item.add_marker(pytest.mark.xfail(strict=True, reason=reason))
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        chosen = {id(i) for i in deselected}
        items[:] = [i for i in items if id(i) not in chosen]


def _clause_result(item: pytest.Item, target_id: str) -> ClauseResult:
    name = _strip_target_id(item.name, target_id)
    nodeid = _strip_target_id(item.nodeid, target_id)
    marker = item.get_closest_marker("redcap_version")
    difference = item.get_closest_marker("known_difference")
    return ClauseResult(
        nodeid=nodeid,
        clause=name,
        module=item.module.__name__ if isinstance(item, pytest.Function) else "",
        sources=[str(a) for m in item.iter_markers("source") for a in m.args],
        versions=str(VersionRange.parse(str(marker.args[0]))) if marker else None,
        known_difference=str(difference.args[0]) if difference else None,
        line=item.location[1] or 0,
    )


def _strip_target_id(text: str, target_id: str) -> str:
    """`test_x[@fake]` -> `test_x`; `test_x[GET-@fake]` and `test_x[@fake-GET]` -> `test_x[GET]`."""
    if not target_id:
        return text
    return text.replace(f"[{target_id}]", "").replace(f"-{target_id}]", "]").replace(f"[{target_id}-", "[")


def _check_markers(clauses: list[pytest.Item], differences: Mapping[str, object]) -> None:
    problems: list[str] = []
    for item in clauses:
        if not any(m.args for m in item.iter_markers("source")):
            problems.append(
                f"{item.nodeid}: no @pytest.mark.source(...) naming where the behaviour comes from"
            )
        if item.get_closest_marker("skip") or item.get_closest_marker("skipif"):
            problems.append(
                f"{item.nodeid}: clauses are never skipped by marker (only a missing token skips)"
            )
        marker = item.get_closest_marker("redcap_version")
        if marker is not None:
            try:
                VersionRange.parse(str(marker.args[0]))
            except (ValueError, IndexError) as error:
                problems.append(f"{item.nodeid}: redcap_version: {error}")
        difference = item.get_closest_marker("known_difference")
        if difference is not None and (not difference.args or difference.args[0] not in differences):
            problems.append(
                f"{item.nodeid}: known_difference {difference.args[:1]} is not in "
                "reference/known_differences.yaml"
            )
    if problems:
        raise pytest.UsageError("contract clauses with bad markers:\n" + "\n".join(problems))


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    suite = config.stash.get(SUITE_KEY, None)
    if suite is None or not suite.report.clauses or config.option.collectonly:
        return
    terminalreporter.section("REDCap contract suite")
    for info in suite.report.targets:
        terminalreporter.write_line(f"preflight of {info.label}:")
        for check in info.preflight:
            head = f"  {check['project']}: {check['name']}: {check['status']}"
            terminalreporter.write_line(head)
            for detail in check["details"]:
                terminalreporter.write_line(f"      - {detail}")
        terminalreporter.write_line("")
    outcomes = [o.result for c in suite.report.clauses.values() for o in c.results.values()]
    if any(p.differences for p in suite.preflights):
        terminalreporter.write_line("No clause ran: the preflight found the differences above.")
    elif all(result in ("not run", "not applicable") for result in outcomes):
        terminalreporter.write_line("No clause ran.")
    else:
        for line in suite.report.terminal_lines():
            terminalreporter.write_line(line)
    written = _write_report(suite)
    if written:
        terminalreporter.write_line(f"report written to {written[0]} and {written[1]}")


def _write_report(suite: Suite) -> tuple[Path, Path] | None:
    option = suite.config.getoption("report")
    if not option:
        return None
    return suite.report.write(Path(option))


# -- fixtures the clauses take --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Target:
    """The server under test (the fake in-process unless --redcap-target names others)."""
    suite = request.config.stash[SUITE_KEY]
    return suite.target(int(getattr(request, "param", 0)))


@pytest.fixture(autouse=True)
def _clause_target(target: Target) -> Target:
    """Puts `target` into every clause's fixtures, so that with several targets each clause runs on each,
    whichever way it reaches its project."""
    return target


@pytest.fixture(scope="session")
def classic(target: Target) -> ProjectUnderTest:
    """The classic reference project (reference_classic.yaml) on the target."""
    return target.project(longitudinal=False)


@pytest.fixture(scope="session")
def longitudinal(target: Target) -> ProjectUnderTest:
    """The longitudinal reference project (reference_longitudinal.yaml) on the target."""
    return target.project(longitudinal=True)


@pytest.fixture(scope="session")
def analysis(target: Target) -> ProjectUnderTest:
    """The reference project in Analysis/Cleanup status (reference_analysis.yaml) on the target; its
    clauses are skipped, the reason naming the fixture to add, when the target file leaves it out."""
    return target.project_in_analysis()
