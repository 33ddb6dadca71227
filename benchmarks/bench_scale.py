"""Scale of a project: 100,000 records with two file fields each.

Reports the fixture's load time (target under 5 s) and the Export File latency in a 10-record project
(the baseline) against the 100,000-record one (target: the same within noise, i.e. no scan over
records). Also the latency of an Import File, which replaces the project snapshot.

Run: `.venv/bin/python benchmarks/bench_scale.py [--records 100000]`
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import TOKEN, machine, median, row, write_fixture

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    small = write_fixture(folder, records(10), name="small.json")
    large = write_fixture(folder, records(args.records), name="large.json")
    print(f"Scale ({args.records:,} records x 2 file fields) on {machine()}")

    started = time.perf_counter()
    small_state = FakeState([small])
    small_load = time.perf_counter() - started
    started = time.perf_counter()
    large_state = FakeState([large])
    large_load = time.perf_counter() - started
    row("load 10-record fixture", f"{small_load * 1000:.0f} ms")
    row(
        f"load {args.records:,}-record fixture",
        f"{large_load:.2f} s",
        large_load / small_load,
        "target < 5 s",
    )

    small_export = export_latency(small_state, "10")
    large_export = export_latency(large_state, str(args.records))
    row("Export File, 10 records", f"{small_export * 1000:.3f} ms")
    row(
        f"Export File, {args.records:,} records",
        f"{large_export * 1000:.3f} ms",
        large_export / small_export,
        "target ~1.0",
    )

    small_import = import_latency(small_state, "10")
    large_import = import_latency(large_state, str(args.records))
    row("Import File, 10 records", f"{small_import * 1000:.3f} ms")
    row(
        f"Import File, {args.records:,} records", f"{large_import * 1000:.3f} ms", large_import / small_import
    )


if __name__ == "__main__":
    main()
