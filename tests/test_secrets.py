"""Secrets: tokens are compared in constant time, and no output of a whole session shows one.

The session test runs what a user runs: `fake-redcap check`, `fake-redcap serve` (a separate process),
the client library (downloads, uploads, deletes, every kind of refusal, a fault and its retries, with
DEBUG logging captured), the `redcap-file` command line (verbose, success and failure), buggy callers
that send their token under the wrong name, the control endpoints, the status page, the journal, and
the reprs and error texts of the objects involved. Everything those print, log or send is collected and
searched for every fixture token, case-insensitively, and for the last 28 characters of each (a token
minus its 4-character masked prefix).

The one place allowed to show tokens is the `fake-redcap serve` banner: it lists the demo users' tokens
on purpose, for a developer to paste. The test checks that they are there (so the search would find
them) and nowhere else.
"""

from __future__ import annotations

import ast
import hmac
import inspect
import io
import logging
import os
import queue
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from fake_redcap import FakeServer, FakeState
from redcap_file_client import RedcapClient, RedcapError
from tests.support import token, write_fixture
from tests.support.contract_runs import serve_process

REPO = Path(__file__).resolve().parent.parent

# Mixed-case hex: the search must be case-insensitive to find them all.
ADMIN = token(0xABCDEF, 1).lower()
READER = token(0xABCDEF, 2)
NO_ACCESS = token(0xABCDEF, 3).lower()
EXPIRED = token(0xABCDEF, 4)
SUSPENDED = token(0xABCDEF, 5)
TOKENS = [ADMIN, READER, NO_ACCESS, EXPIRED, SUSPENDED]

FIXTURE: dict[str, Any] = {
    "project": {"project_id": 901, "title": "Secrets"},
    "fields": [
        {"name": "record_id", "form": "main", "type": "text"},
        {"name": "doc", "form": "main", "type": "file"},
        {"name": "photo", "form": "main", "type": "file", "identifier": True},
    ],
    "users": [
        {
            "username": "admin",
            "token": ADMIN,
            "data_export": "full",
            "api_import": True,
            "record_delete": True,
        },
        {"username": "reader", "token": READER, "data_export": "full"},
        {"username": "no_access", "token": NO_ACCESS, "data_export": "no_access"},
        {"username": "expired", "token": EXPIRED, "data_export": "full", "expiration": "2024-01-31"},
        {"username": "suspended", "token": SUSPENDED, "data_export": "full", "suspended": True},
    ],
    "records": [
        {
            "record": "1",
            "files": {
                "doc": {"text": "the document\n", "name": "doc.txt", "mime": "text/plain"},
                "photo": {"base64": "iVBORw0KGgo=", "name": "photo.png", "mime": "image/png"},
            },
        }
    ],
}


def script(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


# ---------------------------------------------------------------------------------------------------------
# Constant time


def test_tokens_are_compared_with_hmac_compare_digest() -> None:
    """The lookup calls hmac.compare_digest and compares the token no other way (no ==, no `in` a
    dict or set of tokens)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(FakeState.authenticate)))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "hmac.compare_digest"
    ]
    compares = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        and any(isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn) for op in node.ops)
    ]
    assert len(calls) == 1 and compares == []


def test_authentication_compares_every_token_whatever_the_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No early return: the first user's token, the last one's and an unknown token all cost the same
    number of comparisons (timing itself is not asserted)."""
    state = FakeState([write_fixture(tmp_path, FIXTURE)])
    calls: list[int] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append(1)
        return bool(real(a, b))

    monkeypatch.setattr(hmac, "compare_digest", counting)
    counts = []
    for candidate in (ADMIN, SUSPENDED, "BAD00000000000000000000000000000"):
        calls.clear()
        state.authenticate(candidate)
        counts.append(len(calls))
    assert counts == [len(TOKENS)] * 3
    state.close()


# ---------------------------------------------------------------------------------------------------------
# A whole session


class Collected:
    """Every output of the session, labelled."""

    def __init__(self) -> None:
        self.outputs: list[tuple[str, str]] = []

    def add(self, label: str, text: str | bytes) -> None:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        self.outputs.append((label, text))

    def leaks(self) -> list[str]:
        found = []
        for label, text in self.outputs:
            lowered = text.lower()
            for secret in TOKENS:
                if secret.lower() in lowered or secret[4:].lower() in lowered:
                    found.append(f"{label}: shows the token of {secret[:4]}…")
        return found


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str], queue.Queue[str | None], Path]]:
    """`fake-redcap serve --port 0 --fixture ...` in its own process; its stdout lines in a queue."""
    fixture = write_fixture(tmp_path / "fixture", FIXTURE)
    with serve_process(["--port", "0", "--fixture", str(fixture)]) as (process, lines):
        first = lines.get(timeout=30)
        assert first is not None and first.startswith("http://127.0.0.1:"), first
        yield first.strip(), process, lines, fixture


def drain(lines: queue.Queue[str | None], until: str | None = None) -> str:
    """Lines from the queue up to and including `until` (or to the end of the stream)."""
    out: list[str] = []
    while True:
        line = lines.get(timeout=30)  # a hang guard
        if line is None:
            return "".join(out)
        out.append(line)
        if until is not None and line.strip() == until:
            return "".join(out)


def test_no_output_of_a_whole_session_shows_a_token(
    served: tuple[str, subprocess.Popen[str], queue.Queue[str | None], Path], tmp_path: Path
) -> None:
    url, process, lines, fixture = served
    base = url.removesuffix("/api/")
    seen = Collected()

    # The banner: the one allowed place.
    banner = drain(lines, until="Ctrl-C stops the server.")
    assert all(t in banner for t in TOKENS), "the banner lists every user's token for the developer"
    control = control_headers_from(banner)

    # fake-redcap check
    check = subprocess.run(
        [script("fake-redcap"), "check", str(fixture)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert check.returncode == 0
    seen.add("check stdout", check.stdout)
    seen.add("check stderr", check.stderr)

    # The client library, with every logger at DEBUG.
    log_text = io.StringIO()
    handler = logging.StreamHandler(log_text)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        run_client_session(url, tmp_path, seen, control)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    seen.add("client logging", log_text.getvalue())

    # Buggy callers: the token under another name, or as an array.
    for params in (
        {"Token": ADMIN, "content": "file", "action": "export", "record": "1", "field": "doc"},
        {"api_token": READER, "content": "file", "action": "export", "record": "1", "field": "doc"},
        {"token[]": NO_ACCESS, "content": "file", "action": "export", "record": "1", "field": "doc"},
        {"token": ADMIN, "content": "file", "action": "export", "record": "1", "field": "doc", "t": EXPIRED},
    ):
        answer = requests.post(url, data=params, timeout=30)
        seen.add(f"answer to {sorted(params)}", answer.content)
        seen.add(f"headers of answer to {sorted(params)}", str(dict(answer.headers)))

    # redcap-file, the client's command line.
    env = {**os.environ, "REDCAP_API_TOKEN": ADMIN, "REDCAP_API_URL": url}
    for args in (
        ["export", "--record", "1", "--field", "doc", "-o", str(tmp_path / "cli"), "-v", "--no-progress"],
        ["export", "--record", "404", "--field", "doc", "-o", str(tmp_path / "cli"), "-v"],
        ["export", "--record", "1", "--field", "doc", "--token-env", "NOT_SET_ANYWHERE"],
        ["version", "-v"],
    ):
        (tmp_path / "cli").mkdir(exist_ok=True)
        result = subprocess.run(
            [script("redcap-file"), *args], capture_output=True, text=True, env=env, timeout=60, check=False
        )
        seen.add(f"redcap-file {args[0]} stdout", result.stdout)
        seen.add(f"redcap-file {args[0]} stderr", result.stderr)

    # The control endpoints and the status page.
    requests.post(
        f"{base}/__fake__/faults", json={"kind": "delay", "seconds": 0.01}, headers=control, timeout=30
    )
    for path in ("/__fake__/state", "/__fake__/requests", "/__fake__/faults", "/__fake__/health", "/"):
        answer = requests.get(base + path, headers=control, timeout=30)
        assert answer.status_code == 200, path
        seen.add(f"GET {path}", answer.content)
    journal = requests.get(f"{base}/__fake__/requests", headers=control, timeout=30).json()["requests"]
    assert len(journal) >= 15 and {e["params"].get("token") for e in journal} >= {"admin", "<unknown token>"}

    # Stop the server; whatever it printed after the banner, and on stderr, is searched too.
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    seen.add("serve stdout after the banner", drain(lines))
    assert process.stderr is not None
    seen.add("serve stderr", process.stderr.read())

    # In-process objects: reprs, the journal's own texts.
    run_in_process_session(tmp_path, seen)

    assert len(seen.outputs) > 40
    assert seen.leaks() == []


def control_headers_from(banner: str) -> dict[str, str]:
    """The control header `fake-redcap serve` prints in its banner."""
    line = next(line for line in banner.splitlines() if line.strip().startswith("X-Fake-Redcap-Control:"))
    name, _, value = line.strip().partition(": ")
    return {name: value}


def run_client_session(url: str, folder: Path, seen: Collected, control: dict[str, str]) -> None:
    """Successes, refusals and a fault with retries, through RedcapClient."""
    base = url.removesuffix("/api/")
    with RedcapClient(url, ADMIN, retries=2, backoff=0) as admin:
        seen.add("repr(RedcapClient)", repr(admin))
        seen.add("str(RedcapClient)", str(admin))
        (folder / "dl").mkdir()
        path = admin.download_file("1", "doc", folder / "dl")
        seen.add("download path", str(path))
        exported = admin.export_file("1", "photo")
        seen.add("repr(ExportedFile)", repr(exported))
        seen.add("export headers", str(dict(exported.headers)))
        admin.import_file("1", "doc", b"new text\n", filename="new.txt")
        admin.delete_file("1", "doc")
        seen.add("version", admin.export_version())
        requests.post(
            f"{base}/__fake__/faults",
            json={"kind": "http_error", "status": 502, "times": 5},
            headers=control,
            timeout=30,
        )
        for call in (
            lambda: admin.export_file("1", "doc"),  # 502 three times: retried, then refused
            lambda: admin.export_file("404", "doc"),
            lambda: admin.delete_file("1", "doc"),
            lambda: admin.import_file("1", "nope", b"x", filename="x.txt"),
        ):
            record_error(call, seen)
        requests.delete(f"{base}/__fake__/faults", headers=control, timeout=30)
    for secret in (READER, NO_ACCESS, EXPIRED, SUSPENDED, "BAD00000000000000000000000000000"):
        with RedcapClient(url, secret, retries=0) as client:
            seen.add("repr(RedcapClient)", repr(client))
            record_error(lambda c=client: c.export_file("1", "photo"), seen)
            record_error(lambda c=client: c.import_file("1", "doc", b"x", filename="x.txt"), seen)
    with RedcapClient("http://127.0.0.1:9/api/", ADMIN, retries=0, timeout=2) as nowhere:
        record_error(lambda: nowhere.export_file("1", "doc"), seen)


def record_error(call: Any, seen: Collected) -> None:
    try:
        call()
    except RedcapError as error:
        seen.add("str(RedcapError)", str(error))
        seen.add("repr(RedcapError)", repr(error))
        seen.add("RedcapError body", error.body)
        seen.add("RedcapError args", repr(error.args))
        if error.__cause__ is not None:
            seen.add("RedcapError cause", repr(error.__cause__))
    else:
        seen.add("no error", "the call succeeded")


def run_in_process_session(folder: Path, seen: Collected) -> None:
    state = FakeState([write_fixture(folder / "in-process", FIXTURE)])
    with FakeServer(state) as server:
        seen.add("repr(FakeState)", repr(state))
        seen.add("repr(FakeServer)", repr(server))
        for project in state.projects:
            seen.add("repr(Project)", repr(project))
            for user in project.users:
                seen.add("repr(User)", repr(user))
                seen.add("str(User)", str(user))
        for secret in TOKENS:
            requests.post(
                server.url,
                data={"token": secret, "content": "file", "action": "export", "record": "1", "field": "doc"},
                timeout=30,
            )
        requests.post(server.url, data={"tokn": ADMIN, "content": "file"}, timeout=30)
        for entry in state.journal.entries():
            seen.add("journal describe()", entry.describe())
            seen.add("journal to_json()", repr(entry.to_json()))
            seen.add("repr(JournalEntry)", repr(entry))
        try:
            state.journal.assert_request_made(record="nope")
        except AssertionError as failure:
            seen.add("assert_request_made failure", str(failure))
    state.close()
