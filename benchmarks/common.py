"""Shared pieces of the benchmarks: fixtures written on the fly, a baseline server, percentiles, RSS.

Every benchmark prints its figures next to a baseline measured in the same process on the same
machine, and the ratio between them; nothing here asserts a time.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import threading
from collections.abc import Callable, Iterable
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
