"""Per-test cost: what one test of a user's suite costs with each tool, without pytest's own overhead.

The test body is the same everywhere: set the double up for the test, then one small Export File with
`requests.post` (a 1 KiB file). With the fake, "set up" is the plugin's per-test `FakeState.reset()`;
with `responses`, a `RequestsMock` with the answer registered; with pytest-httpserver, the expectation
registered and cleared afterwards (what its `httpserver` fixture does per test). The fake runs over its
socket and with the in-process transport (`fake_redcap.inprocess`, `--fake-redcap-in-process`).

Targets (issue 19): the fake at most 1.0 x `responses` and at most 0.5 x pytest-httpserver.

Run: `.venv/bin/python benchmarks/bench_per_test.py [--tests 200] [--rounds 5]`
"""

from __future__ import annotations

import argparse
import base64
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests
import responses
from common import TOKEN, machine, median, row, target, write_fixture
from pytest_httpserver import HTTPServer

from fake_redcap import FakeServer, FakeState
from fake_redcap.inprocess import in_process

PAYLOAD = bytes(range(256)) * 4  # 1 KiB
FIELDS = {"token": TOKEN, "content": "file", "action": "export", "record": "1", "field": "doc"}
CONTENT_TYPE = 'application/octet-stream; name="one.bin"'


def per_test(body: Callable[[], None], tests: int) -> tuple[float, float]:
    """Seconds per test, `tests` tests in a row: wall time, and CPU time of this process (client and
    server threads together: every peer here runs in this process, and CPU time is what a loaded
    machine disturbs least)."""
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(tests):
        body()
    return (time.perf_counter() - started) / tests, (time.process_time() - cpu) / tests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(
        f"Per-test cost: reset + one 1 KiB Export File with requests, {args.tests} tests x {args.rounds}"
        f" rounds, on {machine()}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-per-test-") as folder:
        spec = {"base64": base64.b64encode(PAYLOAD).decode(), "name": "one.bin"}
        fixture = write_fixture(Path(folder), [{"record": "1", "files": {"doc": spec}}])
        state = FakeState([fixture])
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # pytest-httpserver logs every request
        httpserver = HTTPServer(host="127.0.0.1", port=0)
        httpserver.start()
        try:
            with FakeServer(state) as fake:
                figures = _measure(fake, httpserver, args.tests, args.rounds)
        finally:
            httpserver.stop()
            state.close()
    _report(figures)


Figures = dict[str, list[tuple[float, float]]]


def _measure(fake: FakeServer, httpserver: HTTPServer, tests: int, rounds: int) -> Figures:
    url = fake.url
    mock_url = "http://redcap.example.org/api/"
    peer_url = httpserver.url_for("/api/")

    def with_fake() -> None:
        fake.state.reset()
        answer = requests.post(url, data=FIELDS)
        assert answer.content == PAYLOAD, answer.content

    def with_responses() -> None:
        with responses.RequestsMock() as mock:
            mock.add(responses.POST, mock_url, body=PAYLOAD, content_type=CONTENT_TYPE)
            answer = requests.post(mock_url, data=FIELDS)
        assert answer.content == PAYLOAD

    def with_httpserver() -> None:
        httpserver.expect_request("/api/", method="POST").respond_with_data(
            PAYLOAD, content_type=CONTENT_TYPE
        )
        answer = requests.post(peer_url, data=FIELDS)
        httpserver.clear()
        assert answer.content == PAYLOAD

    def with_fake_in_process() -> None:
        with in_process(fake):
            with_fake()

    bodies = {
        "responses": with_responses,
        "pytest-httpserver": with_httpserver,
        "fake over its socket": with_fake,
        "fake in-process": with_fake_in_process,
    }
    for body in bodies.values():
        per_test(body, 20)  # warm up
    figures: Figures = {name: [] for name in bodies}
    for _ in range(rounds):  # interleaved, so that load on the machine hits all alike
        for name, body in bodies.items():
            if name == "fake in-process":
                with in_process(fake):
                    figures[name].append(per_test(with_fake, tests))
            else:
                figures[name].append(per_test(body, tests))
    return figures


def _report(figures: Figures) -> None:
    for kind, index in (("wall", 0), ("CPU", 1)):
        values = {name: [f[index] for f in runs] for name, runs in figures.items()}
        mock, peer = median(values["responses"]), median(values["pytest-httpserver"])
        row(f"{kind}: responses (baseline), per test", f"{mock * 1000:.3f} ms")
        row(f"{kind}: pytest-httpserver, per test", f"{peer * 1000:.3f} ms", peer / mock)
        for name in ("fake over its socket", "fake in-process"):
            value = median(values[name])
            spread = [f / m for f, m in zip(values[name], values["responses"], strict=True)]
            row(f"{kind}: {name}, per test", f"{value * 1000:.3f} ms", value / mock)
            row(
                f"{kind}: {name} / pytest-httpserver",
                f"rounds {min(spread):.2f}-{max(spread):.2f} x resp.",
                value / peer,
            )
        inproc = median(values["fake in-process"])
        target(f"per-test cost vs responses (in-process, {kind})", inproc / mock, "<=", 1.0)
        target(f"per-test cost vs pytest-httpserver (in-process, {kind})", inproc / peer, "<=", 0.5)


if __name__ == "__main__":
    main()
