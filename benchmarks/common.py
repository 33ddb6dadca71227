"""Shared pieces of the benchmarks: fixtures written on the fly, a baseline server, percentiles, RSS.

Every benchmark prints its figures next to a baseline measured in the same process on the same
machine, and the ratio between them; nothing here asserts a time.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from cheroot import wsgi

TOKEN = "B" * 32
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def write_fixture(folder: Path, records: list[dict[str, Any]], *, name: str = "bench.json") -> Path:
    """A one-user classic project with two file fields, as JSON (the fastest fixture to load)."""
    fixture = {
        "project": {"project_id": 901, "title": "Benchmark"},
        "fields": [
            {"name": "record_id", "form": "main", "type": "text"},
            {"name": "doc", "form": "main", "type": "file"},
            {"name": "scan", "form": "main", "type": "file"},
        ],
        "users": [{"username": "bench", "token": TOKEN, "data_export": "full", "api_import": True}],
        "records": records,
    }
    path = folder / name
    path.write_text(json.dumps(fixture))
    return path


class BaselineServer:
    """A bare WSGI app on the same server software (cheroot) the fake uses."""

    def __init__(self, app: WsgiApp) -> None:
        self.server = wsgi.Server(("127.0.0.1", 0), app, numthreads=16)
        self.server.expiration_interval = 0.01
        self.thread = threading.Thread(target=self.server.serve, daemon=True)

    def __enter__(self) -> BaselineServer:
        self.server.prepare()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
        self.thread.join(timeout=2)

    @property
    def port(self) -> int:
        return int(self.server.bind_addr[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def peak_rss_mib(pid: int | None = None) -> float:
    """VmHWM (the peak resident set) of a process, from /proc."""
    status = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/PID/status")


def rss_mib(pid: int | None = None) -> float:
    status = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/PID/status")


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def row(label: str, value: str, ratio: float | None = None, target: str = "") -> None:
    shown = f"{ratio:6.2f}" if ratio is not None else "     -"
    print(f"  {label:<48} {value:>28}   ratio {shown}   {target}", flush=True)


TARGET_PREFIX = "TARGET"


def target(name: str, ratio: float, op: str, bound: float) -> bool:
    """Print one issue target as met or not; `run_all.py` collects these lines into its summary."""
    met = ratio <= bound if op == "<=" else ratio >= bound
    print(
        f"{TARGET_PREFIX} | {name} | {ratio:.2f} | {op} {bound:g} | {'met' if met else 'NOT met'}", flush=True
    )
    return met


class WireMock:
    """WireMock's standalone jar (Java), stubbed to answer the same 1 KiB file as the fake. The jar comes
    from $WIREMOCK_JAR, else the npm package `wiremock` (installed once into ~/.cache/fake-redcap-bench
    when npm is here). `start()` gives None (and `missing` says why) without Java or a jar."""

    missing = ""
    CACHE = Path.home() / ".cache" / "fake-redcap-bench"

    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.port = port

    @classmethod
    def jar(cls) -> Path | None:
        given = os.environ.get("WIREMOCK_JAR")
        if given:
            return Path(given)
        found = sorted(cls.CACHE.glob("node_modules/wiremock/build/wiremock-standalone-*.jar"))
        if not found and shutil.which("npm"):
            subprocess.run(
                [
                    "npm",
                    "install",
                    "--silent",
                    "--no-audit",
                    "--no-fund",
                    "--prefix",
                    str(cls.CACHE),
                    "wiremock",
                ],
                check=False,
                capture_output=True,
            )
            found = sorted(cls.CACHE.glob("node_modules/wiremock/build/wiremock-standalone-*.jar"))
        return found[-1] if found else None

    @classmethod
    @contextlib.contextmanager
    def start(cls, payload: bytes = bytes(range(256)) * 4) -> Iterator[WireMock | None]:
        jar = cls.jar() if shutil.which("java") else None
        if jar is None:
            cls.missing = (
                "no Java" if not shutil.which("java") else "no WireMock jar (set WIREMOCK_JAR or install npm)"
            )
            yield None
            return
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        process = subprocess.Popen(
            [
                "java",
                "-jar",
                str(jar),
                "--port",
                str(port),
                "--bind-address",
                "127.0.0.1",
                "--disable-banner",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            stub = {
                "request": {"method": "POST", "urlPath": "/api/"},
                "response": {
                    "status": 200,
                    "base64Body": base64.b64encode(payload).decode(),
                    "headers": {"Content-type": 'application/octet-stream; name="one.bin"'},
                },
            }
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(
                        urllib.request.Request(
                            f"http://127.0.0.1:{port}/__admin/mappings",
                            data=json.dumps(stub).encode(),
                            headers={"Content-Type": "application/json"},
                        ),
                        timeout=5,
                    ).read()
                    break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError("WireMock did not start") from None
                    time.sleep(0.2)
            yield cls(process, port)
        finally:
            process.terminate()
            process.wait(timeout=10)
