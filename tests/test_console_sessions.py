"""The terminal sessions of the docs run as shown: every ```console block that follows an
`<!-- session: NAME -->` comment is run line by line in one bash, against a fake serving the demo projects
(its port in place of 8765), from a fresh folder; each command's output (stdout and stderr, in order)
must be the lines the page shows under it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fake_redcap import FakeServer, FakeState

ROOT = Path(__file__).resolve().parent.parent
DOCS = (ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")))
_SESSION = re.compile(r"<!--\s*session:\s*(?P<name>[\w.-]+)\s*-->\s*\n```console\n(?P<body>.*?)```", re.S)
_SEPARATOR = "@@@ command {} @@@"


@dataclass(frozen=True)
class Step:
    command: str
    output: list[str]


@dataclass(frozen=True)
class Session:
    doc: Path
    name: str
    steps: tuple[Step, ...]

    def __str__(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.name}"


def parse(body: str) -> tuple[Step, ...]:
    steps: list[Step] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            steps.append(Step(line[2:], []))
        else:
            assert steps, f"output before the first command: {line!r}"
            steps[-1].output.append(line)
    return tuple(steps)


def sessions() -> list[Session]:
    return [
        Session(doc, m["name"], parse(m["body"]))
        for doc in DOCS
        for m in _SESSION.finditer(doc.read_text(encoding="utf-8"))
    ]


ALL = sessions()


def test_the_client_page_has_its_session() -> None:
    assert {str(s) for s in ALL} >= {"docs/client.md:redcap-file"}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer(FakeState()) as running:
        yield running


def script(session: Session, port: int) -> str:
    """One bash script: each command after a separator line, `$?` kept across the separator."""
    lines = ["exec 2>&1"]
    for number, step in enumerate(session.steps):
        lines.append(f'__rc=$?; echo "{_SEPARATOR.format(number)}"; (exit $__rc)')
        lines.append(step.command.replace(":8765/", f":{port}/"))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("session", ALL, ids=str)
def test_the_session_runs_as_shown(session: Session, server: FakeServer, tmp_path: Path) -> None:
    server.state.reset()
    port = int(server.url.split(":")[2].split("/")[0])
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDCAP_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # this environment's commands
    done = subprocess.run(
        ["bash", "-c", script(session, port)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    parts = re.split(r"@@@ command (\d+) @@@\n", done.stdout)[1:]
    outputs = {int(number): text.splitlines() for number, text in zip(parts[::2], parts[1::2], strict=True)}
    for number, step in enumerate(session.steps):
        shown = [line.replace(":8765/", f":{port}/") for line in step.output]
        assert outputs.get(number, []) == shown, f"{session}: $ {step.command}"
