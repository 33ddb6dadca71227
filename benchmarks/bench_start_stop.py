"""Start and stop: `fake-redcap serve` to the first answered request, the in-process server's start +
stop, and the per-test reset the pytest plugin does.

Targets: serve to first answer under 1 s; start + stop under 50 ms; reset of the bundled demos under
5 ms. Baselines measured in the same process: starting `python -c pass` (the interpreter alone), a bare
cheroot server's start + stop, and building a new FakeState from the fixtures (what reset avoids).

Run: `.venv/bin/python benchmarks/bench_start_stop.py [--repeat 20]`
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from common import BaselineServer, machine, median, row

from fake_redcap import FakeServer, FakeState, demo_fixture_paths

FAKE_REDCAP = [sys.executable, "-m", "fake_redcap"]


def serve_to_first_answer() -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        [*FAKE_REDCAP, "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        body = b"token=&content=version"
        try:
            urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=5)
        except urllib.error.HTTPError as error:  # the 403 is an answer: what counts is that it came
            error.read()
        return time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=5)


def interpreter_start() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - started


def fake_start_stop(state: FakeState) -> float:
    started = time.perf_counter()
    with FakeServer(state) as server:
        health = urllib.request.Request(server.base_url + "/__fake__/health", headers=server.control_headers)
        urllib.request.urlopen(health, timeout=5).read()
    return time.perf_counter() - started


def bare_start_stop() -> float:
    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]
        return [b"ok"]

    started = time.perf_counter()
    with BaselineServer(app) as server:
        urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=5).read()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print(f"Start and stop ({args.repeat} repeats, medians) on {machine()}")

    python = median([interpreter_start() for _ in range(5)])
    serve = median([serve_to_first_answer() for _ in range(5)])
    row("python -c pass", f"{python * 1000:.0f} ms")
    row("fake-redcap serve -> first answer", f"{serve * 1000:.0f} ms", serve / python, "target < 1 s")

    state = FakeState()
    bare = median([bare_start_stop() for _ in range(args.repeat)])
    fake = median([fake_start_stop(state) for _ in range(args.repeat)])
    row("bare cheroot start + request + stop", f"{bare * 1000:.1f} ms")
    row("FakeServer start + request + stop", f"{fake * 1000:.1f} ms", fake / bare, "target < 50 ms")

    paths: list[Path] = demo_fixture_paths()
    build = median([_timed(lambda: FakeState(paths)) for _ in range(args.repeat)])
    reset = median([_timed(state.reset) for _ in range(args.repeat * 10)])
    row("new FakeState from the demo fixtures", f"{build * 1000:.2f} ms")
    row("FakeState.reset() of the demos", f"{reset * 1000:.3f} ms", reset / build, "target < 5 ms")


def _timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
