"""The threaded real-socket server (`FakeServer`) and the `fake-redcap` command line (`serve`, `check`).

Everything listens on 127.0.0.1 only. The command line is run both in-process (`cli.main`) and, where
process behaviour matters (the URL line, SIGTERM, exit codes, no traceback), as a subprocess.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import queue
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from fake_redcap import FakeServer, FakeState
from fake_redcap.cli import main
from tests.support import (
    CLASSIC_EXTRA_FILES,
    NO_PERMISSION,
    PDF_BYTES,
    Worlds,
    classic_fixture,
    export_params,
    wire_post,
    write_fixture,
    xml_error,
)
from tests.support import CLASSIC_TOKENS as T

PYTHON = [sys.executable, "-m", "fake_redcap"]
TIMEOUT = 20.0  # seconds a subprocess may take before the test fails (a hang guard, not a measure)


def _export_body(token: str = T["full"]) -> bytes:
    return urllib.parse.urlencode(export_params(token)).encode()


# ---------------------------------------------------------------------------------------------------------
# FakeServer


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return True
    return False


def test_server_answers_once_started_and_refuses_once_stopped(worlds: Worlds) -> None:
    # How fast start and stop are is measured in benchmarks/bench_start_stop.py, not asserted here.
    server = FakeServer(worlds.classic(), "127.0.0.1", 0)
    server.start()
    assert server.port is not None
    assert wire_post(server.url, _export_body()).body == PDF_BYTES
    server.stop()
    assert _refused(server.port)


def test_server_stops_quickly_with_a_keep_alive_connection_open(worlds: Worlds) -> None:
    server = FakeServer(worlds.classic(), "127.0.0.1", 0).start()
    assert server.port is not None
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request(
            "POST",
            "/api/",
            body=_export_body(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        assert response.read() == PDF_BYTES
        # The connection stays open (HTTP/1.1 keep-alive) while the server stops: stop() still returns
        # and the port is closed.
        server.stop()
        assert _refused(server.port)
    finally:
        connection.close()


def test_server_port_0_picks_a_free_port_and_url_ends_in_api_slash(worlds: Worlds) -> None:
    with FakeServer(worlds.classic(), "127.0.0.1", 0) as server:
        assert server.port is not None and server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}/api/"
        assert server.base_url == f"http://127.0.0.1:{server.port}"


def test_two_servers_on_port_0_get_different_ports(worlds: Worlds) -> None:
    with (
        FakeServer(worlds.classic(), "127.0.0.1", 0) as one,
        FakeServer(worlds.classic(), "127.0.0.1", 0) as two,
    ):
        assert one.port != two.port
        assert wire_post(one.url, _export_body()).body == wire_post(two.url, _export_body()).body == PDF_BYTES


def test_server_context_manager_serves_inside_and_refuses_after(worlds: Worlds) -> None:
    with FakeServer(worlds.classic(), "127.0.0.1", 0) as server:
        url = server.url
        port = server.port
        assert wire_post(url, _export_body()).status_line == b"HTTP/1.1 200 OK"
    assert port is not None
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_server_on_an_explicit_port(worlds: Worlds) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    with FakeServer(worlds.classic(), "127.0.0.1", port) as server:
        assert server.url == f"http://127.0.0.1:{port}/api/"
        assert wire_post(server.url, _export_body()).body == PDF_BYTES


def test_server_url_before_start_is_an_error(worlds: Worlds) -> None:
    server = FakeServer(worlds.classic(), "127.0.0.1", 0)
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.url


def test_server_cannot_start_twice_and_stop_is_idempotent(worlds: Worlds) -> None:
    server = FakeServer(worlds.classic(), "127.0.0.1", 0).start()
    try:
        with pytest.raises(RuntimeError, match="already started"):
            server.start()
    finally:
        server.stop()
    server.stop()
    assert server.port is not None  # the last port stays readable after stop


def test_server_without_a_state_serves_the_demos(demo_state: FakeState) -> None:
    with FakeServer(host="127.0.0.1", port=0) as server:
        assert [p.project_id for p in server.state.projects] == [p.project_id for p in demo_state.projects]


def test_server_handles_concurrent_downloads(worlds: Worlds) -> None:
    results: list[bytes] = []
    lock = threading.Lock()

    def fetch(url: str) -> None:
        body = wire_post(url, _export_body()).body
        with lock:
            results.append(body)

    with FakeServer(worlds.classic(), "127.0.0.1", 0) as server:
        threads = [threading.Thread(target=fetch, args=(server.url,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    assert results == [PDF_BYTES] * 8


# ---------------------------------------------------------------------------------------------------------
# fake-redcap check


@pytest.fixture
def good_fixture(tmp_path: Path) -> Path:
    return write_fixture(tmp_path / "good", classic_fixture(), CLASSIC_EXTRA_FILES)


@pytest.fixture
def broken_fixture(tmp_path: Path) -> Path:
    doc = classic_fixture()
    doc["records"][2]["files"] = {"age": {"text": "not a file field", "name": "age.txt"}}
    return write_fixture(tmp_path / "broken", doc, CLASSIC_EXTRA_FILES, name="broken.yaml")


def test_check_good_fixture_prints_the_project_and_exits_0(
    good_fixture: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(good_fixture)]) == 0
    out, err = capsys.readouterr()
    assert "Project 101: Classic test project" in out
    assert "consent_form" in out
    assert err == ""
    for token in T.values():
        assert token not in out  # tokens are shown masked only


def test_check_broken_fixture_names_file_and_place_on_stderr_and_exits_2(
    broken_fixture: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(broken_fixture)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"fake-redcap: {broken_fixture}: records[2].files.age: ")
    assert "Fix: " in err


def test_check_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "nope.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_check_as_a_subprocess_has_no_traceback(broken_fixture: Path, good_fixture: Path) -> None:
    bad = subprocess.run(
        [*PYTHON, "check", str(broken_fixture)], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert bad.returncode == 2
    assert "records[2].files.age" in bad.stderr
    assert "Traceback" not in bad.stderr
    good = subprocess.run(
        [*PYTHON, "check", str(good_fixture)], capture_output=True, text=True, timeout=TIMEOUT
    )
    assert (good.returncode, good.stderr) == (0, "")
    assert "Classic test project" in good.stdout


# ---------------------------------------------------------------------------------------------------------
# fake-redcap serve


class LineReader:
    """Reads a pipe line by line on a thread, so waiting for a line can time out."""

    def __init__(self, pipe: IO[str]) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(pipe,), daemon=True)
        self._thread.start()

    def _pump(self, pipe: IO[str]) -> None:
        for line in pipe:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def until(self, predicate: Any, timeout: float = TIMEOUT) -> list[str]:
        """Lines up to and including the first that satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while True:
            line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            if line is None:
                raise AssertionError(f"the output ended before the expected line; got {seen}")
            seen.append(line)
            if predicate(line):
                return seen


@pytest.fixture
def serve_demo() -> Iterator[tuple[subprocess.Popen[str], LineReader]]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [*PYTHON, "serve", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    try:
        yield process, LineReader(process.stdout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


def test_serve_prints_the_url_serves_the_demos_and_stops_on_sigterm(
    serve_demo: tuple[subprocess.Popen[str], LineReader], demo_state: FakeState
) -> None:
    process, reader = serve_demo
    first = reader.until(lambda line: line.startswith("http://"))
    url = first[-1]
    assert first == [url]  # the URL is the first line, on its own
    parsed = urllib.parse.urlsplit(url)
    assert (parsed.scheme, parsed.hostname, parsed.path) == ("http", "127.0.0.1", "/api/")
    assert parsed.port is not None and parsed.port > 0

    banner = reader.until(lambda line: line.startswith("Ctrl-C"))
    for project in demo_state.projects:
        assert any(project.title in line for line in banner)
        for user in project.users:
            assert any(user.username in line and user.token in line for line in banner)

    # The page's URL and the control header, each ready to use.
    page_line = next(line for line in banner if line.startswith("Page (open in a browser): "))
    page_url = page_line.split(": ", 1)[1]
    assert page_url.startswith(f"http://127.0.0.1:{parsed.port}/?control=")
    header = next(line.strip() for line in banner if line.strip().startswith("X-Fake-Redcap-Control: "))
    secret = header.split(": ", 1)[1]
    assert page_url.endswith("=" + secret) and len(secret) >= 32
    control = url.removesuffix("/api/") + "/__fake__/health"
    request = urllib.request.Request(control, headers={"X-Fake-Redcap-Control": secret})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
        assert json.loads(answer.read())["status"] == "ok"

    # The ready-to-paste request downloads the demo file it names.
    curl = next(line for line in banner if line.strip().startswith("curl "))
    words = shlex.split(curl)
    assert url in words
    params = dict(words[i + 1].split("=", 1) for i, word in enumerate(words) if word == "-d")
    response = wire_post(url, urllib.parse.urlencode(params).encode())
    assert response.status_line == b"HTTP/1.1 200 OK"
    stored = next(
        row.files[params["field"]]
        for project in demo_state.projects
        for row in project.records
        if row.record == params["record"]
        and row.event == params.get("event")
        and row.instance == 1
        and params["field"] in row.files
        and any(u.token == params["token"] for u in project.users)
    )
    assert hashlib.sha256(response.body).digest() == hashlib.sha256(stored.read_bytes()).digest()

    # An error answer through the same server.
    bad = wire_post(url, b"token=nope")
    assert (bad.status_line, bad.body) == (
        b"HTTP/1.1 403 Forbidden",
        xml_error(NO_PERMISSION),
    )

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=TIMEOUT) == 0
    assert process.stderr is not None
    err = process.stderr.read()
    assert "Traceback" not in err
    assert "stopped" in err


def test_serve_stops_on_sigint_too(tmp_path: Path) -> None:
    path = write_fixture(tmp_path, classic_fixture(), CLASSIC_EXTRA_FILES)
    process = subprocess.Popen(
        [*PYTHON, "serve", "--fixture", str(path), "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        url = LineReader(process.stdout).until(lambda line: line.startswith("http://"))[-1]
        assert wire_post(url, _export_body()).body == PDF_BYTES
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=TIMEOUT) == 0
        assert process.stderr is not None
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)


@pytest.mark.parametrize(
    ("version", "reason"),
    [("abc", "is not a REDCap version"), ("5.2.3", "older than the oldest profile")],
)
def test_serve_with_a_bad_redcap_version_exits_2_with_a_clear_message(version: str, reason: str) -> None:
    result = subprocess.run(
        [*PYTHON, "serve", "--port", "0", "--redcap-version", version],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("fake-redcap: --redcap-version: ")
    assert reason in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_on_a_port_in_use_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    path = write_fixture(tmp_path, classic_fixture(), CLASSIC_EXTRA_FILES)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        result = subprocess.run(
            [*PYTHON, "serve", "--fixture", str(path), "--host", "127.0.0.1", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "--port 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_with_a_broken_fixture_exits_2_naming_the_place(
    broken_fixture: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Refused while loading, before any socket or signal handler exists, so it can run in-process.
    assert main(["serve", "--fixture", str(broken_fixture), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"fake-redcap: {broken_fixture}: records[2].files.age: ")


def test_serve_refuses_two_fixtures_sharing_a_token(
    good_fixture: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--fixture", str(good_fixture), "--fixture", str(good_fixture), "--port", "0"]) == 2
    assert "same token" in capsys.readouterr().err


def test_serve_with_an_unknown_header_variant_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--header-variant", "bogus"])
    assert exit_info.value.code == 2
    assert "--header-variant" in capsys.readouterr().err


def test_serve_takes_the_control_secret_from_the_environment(tmp_path: Path) -> None:
    path = write_fixture(tmp_path, classic_fixture(), CLASSIC_EXTRA_FILES)
    secret = "given-by-the-harness-0123456789"
    process = subprocess.Popen(
        [*PYTHON, "serve", "--fixture", str(path), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "FAKE_REDCAP_CONTROL_SECRET": secret},
    )
    try:
        assert process.stdout is not None
        reader = LineReader(process.stdout)
        url = reader.until(lambda line: line.startswith("http://"))[-1]
        banner = reader.until(lambda line: line.startswith("Ctrl-C"))
        assert f"  X-Fake-Redcap-Control: {secret}" in banner
        control = url.removesuffix("/api/") + "/__fake__/reset"
        request = urllib.request.Request(control, method="POST", headers={"X-Fake-Redcap-Control": secret})
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            assert json.loads(answer.read())["status"] == "reset"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=TIMEOUT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=TIMEOUT)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


@pytest.mark.parametrize("secret", ["too-short", "spaces are not allowed in it"])
def test_serve_refuses_a_control_secret_that_cannot_serve(
    secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--port", "0", "--control-secret", secret]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fake-redcap: --control-secret / $FAKE_REDCAP_CONTROL_SECRET: a control secret")
    assert "Traceback" not in err
