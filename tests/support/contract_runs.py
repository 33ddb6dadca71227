"""Running the contract suite the way users do: in a subprocess, against the in-process fake or against a
fake started from its command line and named by a TARGET.yaml (URL, tokens in environment variables).

Shared by tests/test_contract_suite.py and tests/test_contract_target_mode.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fake_redcap import load_fixture

REPO = Path(__file__).resolve().parents[2]
REFERENCE_DIR = REPO / "contract_tests" / "reference"
REFERENCE_FIXTURES = (
    REFERENCE_DIR / "reference_classic.yaml",
    REFERENCE_DIR / "reference_longitudinal.yaml",
    REFERENCE_DIR / "reference_analysis.yaml",
)
SUITE_TIMEOUT = 180.0


@dataclass
class SuiteRun:
    returncode: int
    output: str
    report: dict[str, Any] | None
    report_markdown: str = ""

    def markdown(self) -> str:
        return self.report_markdown

    def _report(self) -> dict[str, Any]:
        assert self.report is not None, f"no report was written; output:\n{self.output[-3000:]}"
        return self.report

    def target(self, index: int = 0) -> dict[str, Any]:
        targets: list[dict[str, Any]] = self._report()["targets"]
        return targets[index]

    def outcomes(self, index: int = 0) -> dict[str, dict[str, str]]:
        """clause name (with its parameters) -> {"result": ..., "detail": ...} on the index-th target."""
        label = self.target(index)["label"]
        return {c["clause"]: c["results"][label] for c in self._report()["clauses"] if label in c["results"]}

    def results(self, index: int = 0) -> dict[str, str]:
        return {name: o["result"] for name, o in self.outcomes(index).items()}

    def details(self, index: int = 0) -> dict[str, str]:
        return {name: o["detail"] for name, o in self.outcomes(index).items()}

    def with_result(self, result: str, index: int = 0) -> set[str]:
        return {name for name, got in self.results(index).items() if got == result}


def fake_redcap_command() -> list[str]:
    """`fake-redcap` from this environment's scripts, as a user would run it."""
    script = Path(sys.executable).with_name("fake-redcap")
    if script.exists():
        return [str(script)]
    found = shutil.which("fake-redcap")
    return [found] if found else [sys.executable, "-m", "fake_redcap"]


@contextlib.contextmanager
def serve_process(args: Sequence[str]) -> Iterator[tuple[subprocess.Popen[str], queue.Queue[str | None]]]:
    """`fake-redcap serve ARGS` as a separate process, its stdout lines in a queue (None at the end);
    stopped with SIGTERM (then killed) when the block ends."""
    process = subprocess.Popen(
        [*fake_redcap_command(), "serve", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    try:
        yield process, lines
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


@contextlib.contextmanager
def served_fake(fixtures: Sequence[Path], *extra: str) -> Iterator[str]:
    """`fake-redcap serve --port 0 --fixture ...` as a separate process; yields the API URL it prints."""
    args = ["--host", "127.0.0.1", "--port", "0"]
    for fixture in fixtures:
        args += ["--fixture", str(fixture)]
    with serve_process([*args, *extra]) as (process, lines):
        yield _first_url(lines, process)


def _first_url(lines: queue.Queue[str | None], process: subprocess.Popen[str]) -> str:
    while True:
        try:
            line = lines.get(timeout=30)
        except queue.Empty:
            process.kill()
            raise AssertionError("fake-redcap serve printed no URL within 30 s") from None
        if line is None:
            stderr = process.stderr.read() if process.stderr else ""
            raise AssertionError(f"fake-redcap serve stopped before printing its URL: {stderr}")
        if line.startswith("http://"):
            return line.strip()


def env_name(fixture: Path, username: str) -> str:
    return f"CONTRACT_{fixture.stem.removeprefix('reference_').upper()}_{username.upper()}"


def write_target(
    folder: Path,
    url: str,
    fixtures: Sequence[Path] = REFERENCE_FIXTURES,
    *,
    server: str = "fake",
    name: str = "fake (separate process)",
    unset: Sequence[str] = (),
    token_fixtures: Sequence[Path] | None = None,
) -> tuple[Path, dict[str, str]]:
    """A TARGET.yaml naming `fixtures` (what the suite expects) and one environment variable per user,
    and the environment holding the tokens. The tokens are read from `token_fixtures` (default: the same
    fixtures; the fixtures the server was started with). Variables named in `unset` are left unset."""
    environ: dict[str, str] = {}
    entries = []
    for fixture, token_source in zip(fixtures, token_fixtures or fixtures, strict=True):
        project = load_fixture(token_source)
        tokens = {}
        for user in project.users:
            variable = env_name(fixture, user.username)
            tokens[user.username] = variable
            if variable not in unset:
                environ[variable] = user.token
            if user.super_token:  # a super user's Super API Token, named `<username>.super_token`
                variable = env_name(fixture, user.username) + "_SUPER_TOKEN"
                tokens[user.username + ".super_token"] = variable
                if variable not in unset:
                    environ[variable] = user.super_token
        entries.append({"fixture": str(fixture), "tokens": tokens})
    document = {"url": url, "name": name, "server": server, "fixtures": entries}
    path = folder / "TARGET.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path, environ


def run_suite(
    folder: Path,
    *args: str,
    environ: Mapping[str, str] | None = None,
    plugin: str | None = None,
) -> SuiteRun:
    """`python -m pytest contract_tests ... --report folder/report` in a subprocess. Arguments starting with
    `contract_tests/` choose clause modules (default: all); `plugin` is the source of a pytest plugin
    loaded first (how the tests break the fake on purpose)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "PYTEST_"))}
    env.update(environ or {})
    paths = [a for a in args if a.startswith("contract_tests/")] or ["contract_tests"]
    options = [a for a in args if not a.startswith("contract_tests/")]
    command = [sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:cacheprovider"]
    if plugin is not None:
        (folder / "contract_breakage.py").write_text(plugin, encoding="utf-8")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), env.get("PYTHONPATH")]))
        command += ["-p", "contract_breakage"]
    report = folder / "report"
    command += ["--report", str(report), *options]
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, encoding="utf-8", timeout=SUITE_TIMEOUT
    )
    json_path, md_path = folder / "report.json", folder / "report.md"
    data = json.loads(json_path.read_text(encoding="utf-8")) if json_path.exists() else None
    markdown = md_path.read_text(encoding="utf-8") if md_path.exists() else ""
    return SuiteRun(done.returncode, done.stdout + done.stderr, data, markdown)
