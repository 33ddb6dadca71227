"""Scale of a project: 100,000 records with two file fields each.

Reports the fixture's load time (target under 5 s) and the Export File latency in a 10-record project
(the baseline) against the 100,000-record one (target: the same within noise, i.e. no scan over
records). Also the latency of an Import File, which replaces the project snapshot.

Run: `.venv/bin/python benchmarks/bench_scale.py [--records 100000]`
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from common import TOKEN, machine, median, row, target, write_fixture

from fake_redcap import FakeState, create_app


def records(count: int) -> list[dict[str, object]]:
    return [
        {
            "record": str(i),
            "files": {
                "doc": {"text": f"document of record {i}\n", "name": f"doc-{i}.txt"},
                "scan": {"text": f"scan of record {i}\n", "name": f"scan-{i}.txt"},
            },
        }
        for i in range(1, count + 1)
    ]


def export_latency(state: FakeState, record: str, repeat: int = 400) -> float:
    client = create_app(state).test_client()
    data = {"token": TOKEN, "content": "file", "action": "export", "record": record, "field": "scan"}
    times: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.post("/api/", data=data)
        assert response.status_code == 200, response.data
        times.append(time.perf_counter() - started)
    return median(times)


def import_latency(state: FakeState, record: str, repeat: int = 20) -> float:
    client = create_app(state).test_client()
    times: list[float] = []
    for i in range(repeat):
        data = {"token": TOKEN, "content": "file", "action": "import", "record": record, "field": "doc"}
        started = time.perf_counter()
        response = client.post(
            "/api/",
            data={**data, "file": (_Bytes(f"new {i}\n".encode()), "new.txt")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 200, response.data
        times.append(time.perf_counter() - started)
    return median(times)


class _Bytes:
    def __init__(self, data: bytes) -> None:
        import io

        self._io = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._io.read(size)


def reset_seconds(state: FakeState, repeat: int = 200) -> float:
    """The plugin's per-test reset with nothing changed since the last one: median seconds."""
    times: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        state.reset()
        times.append(time.perf_counter() - started)
    return median(times)


def reset_after_upload_seconds(state: FakeState, record: str, repeat: int = 30) -> float:
    """A reset after one Import File: median seconds of the reset alone."""
    times: list[float] = []
    for _ in range(repeat):
        import_latency(state, record, repeat=1)
        started = time.perf_counter()
        state.reset()
        times.append(time.perf_counter() - started)
    return median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        small = write_fixture(Path(folder), records(10), name="small.json")
        large = write_fixture(Path(folder), records(args.records), name="large.json")
        print(f"Scale ({args.records:,} records x 2 file fields) on {machine()}")
        small_state, large_state = _load(small, large, args.records)
        try:
            _latencies(small_state, large_state, args.records)
            _resets(small_state, large_state, args.records)
        finally:
            small_state.close()
            large_state.close()


def _load(small: Path, large: Path, count: int) -> tuple[FakeState, FakeState]:
    started = time.perf_counter()
    small_state = FakeState([small])
    small_load = time.perf_counter() - started
    started = time.perf_counter()
    large_state = FakeState([large])
    large_load = time.perf_counter() - started
    started = time.perf_counter()
    with large.open("rb") as handle:
        json.load(handle)
    json_load = time.perf_counter() - started
    row("load 10-record fixture", f"{small_load * 1000:.0f} ms")
    row(f"json.load of the {count:,}-record file", f"{json_load:.2f} s")
    # The loading targets are bench_load.py's (every format, CPU time, resident memory).
    row(f"load {count:,}-record fixture (JSON)", f"{large_load:.2f} s", large_load / json_load)
    return small_state, large_state


def _latencies(small_state: FakeState, large_state: FakeState, count: int) -> None:
    small_export = export_latency(small_state, "10")
    large_export = export_latency(large_state, str(count))
    row("Export File, 10 records", f"{small_export * 1000:.3f} ms")
    row(f"Export File, {count:,} records", f"{large_export * 1000:.3f} ms", large_export / small_export)
    small_import = import_latency(small_state, "10")
    large_import = import_latency(large_state, str(count))
    row("Import File, 10 records", f"{small_import * 1000:.3f} ms")
    row(f"Import File, {count:,} records", f"{large_import * 1000:.3f} ms", large_import / small_import)


def _resets(small_state: FakeState, large_state: FakeState, count: int) -> None:
    small_reset, large_reset = reset_seconds(small_state), reset_seconds(large_state)
    row("reset, nothing changed, 10 records", f"{small_reset * 1e6:.1f} us")
    row(
        f"reset, nothing changed, {count:,} records", f"{large_reset * 1e6:.1f} us", large_reset / small_reset
    )
    target("reset of 100,000 records vs 10, nothing changed", large_reset / small_reset, "<=", 2.0)
    small_after = reset_after_upload_seconds(small_state, "10")
    large_after = reset_after_upload_seconds(large_state, str(count))
    row("reset after one upload, 10 records", f"{small_after * 1e6:.1f} us")
    row(
        f"reset after one upload, {count:,} records", f"{large_after * 1e6:.1f} us", large_after / small_after
    )
    target("reset after one upload, 100,000 vs 10 records", large_after / small_after, "<=", 2.0)


if __name__ == "__main__":
    main()
