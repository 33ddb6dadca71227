"""Small exports: Export File of a 1 KiB file over one kept-alive connection.

Baseline: a bare WSGI app on the same server software (cheroot) that reads the request and returns the
same bytes with the same Content-type and no REDCap logic. Target: the fake's throughput is at least
0.7 of the baseline's.

Run: `.venv/bin/python benchmarks/bench_small_exports.py [--requests 3000] [--rounds 3]`
"""

from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from common import TOKEN, BaselineServer, machine, median, percentile, row, write_fixture

from fake_redcap import FakeServer, FakeState

PAYLOAD = bytes(range(256)) * 4  # 1 KiB
BODY = urllib.parse.urlencode(
    {"token": TOKEN, "content": "file", "action": "export", "record": "1", "field": "doc"}
).encode()


def baseline_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-type", 'application/octet-stream; name="one.bin"')])
    return [PAYLOAD]


LOAD = """
import http.client, json, sys, time
port, count, body = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode()
payload = bytes(range(256)) * 4
connection = http.client.HTTPConnection("127.0.0.1", port)
headers = {"Content-Type": "application/x-www-form-urlencoded"}
latencies = []
started = time.perf_counter()
for _ in range(count):
    sent = time.perf_counter()
    connection.request("POST", "/api/", body=body, headers=headers)
    response = connection.getresponse()
    if response.read() != payload:
        raise SystemExit(f"wrong answer from port {port}: {response.status}")
    latencies.append(time.perf_counter() - sent)
print(json.dumps([count / (time.perf_counter() - started), latencies]))
"""


def run(port: int, count: int) -> tuple[float, float, float]:
    """Requests per second, p50 and p99 latency in ms, on one kept-alive connection. The load comes
    from another process, so that it does not share the servers' interpreter lock."""
    out = subprocess.run(
        [sys.executable, "-c", LOAD, str(port), str(count), BODY.decode()],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rate, latencies = json.loads(out)
    return rate, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-small-"))
    records = [{"record": "1", "files": {"doc": {"base64": _b64(PAYLOAD), "name": "one.bin"}}}]
    fixture = write_fixture(folder, records)
    print(
        f"Small exports (1 KiB, keep-alive, {args.requests} requests x {args.rounds} rounds) on {machine()}"
    )
    fake_rates: list[float] = []
    base_rates: list[float] = []
    fake_p: list[tuple[float, float]] = []
    base_p: list[tuple[float, float]] = []
    with BaselineServer(baseline_app) as baseline, FakeServer(FakeState([fixture])) as fake:
        assert fake.port is not None
        run(baseline.port, 200)  # warm both up
        run(fake.port, 200)
        for _ in range(args.rounds):  # interleaved, so that load on the machine hits both alike
            rate, p50, p99 = run(baseline.port, args.requests)
            base_rates.append(rate)
            base_p.append((p50, p99))
            rate, p50, p99 = run(fake.port, args.requests)
            fake_rates.append(rate)
            fake_p.append((p50, p99))
    base, fake_rate = median(base_rates), median(fake_rates)
    row("baseline WSGI app: requests/s", f"{base:,.0f}/s")
    row("fake Export File: requests/s", f"{fake_rate:,.0f}/s", fake_rate / base, "target >= 0.70")
    bp50, bp99 = median([p for p, _ in base_p]), median([p for _, p in base_p])
    fp50, fp99 = median([p for p, _ in fake_p]), median([p for _, p in fake_p])
    row("baseline p50 / p99 latency", f"{bp50:.2f} / {bp99:.2f} ms")
    row("fake p50 latency", f"{fp50:.2f} ms", fp50 / bp50)
    row("fake p99 latency", f"{fp99:.2f} ms", fp99 / bp99)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


if __name__ == "__main__":
    main()
