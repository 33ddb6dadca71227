"""The write path: 10,000 records imported in one Import Records call, then exported.

Issue 19's target: each at least 0.5 x `json.loads` (the import) and `json.dumps` (the export) of
the same rows, i.e. the fake's call takes at most twice the time the bare JSON codec does. Both are
measured in-process on the WSGI app (no socket), as CPU seconds (`time.process_time`), the minimum of
a few rounds; a reset between rounds brings the project back to no records (not timed).

Run: `.venv/bin/python benchmarks/bench_write_path.py [--records 10000] [--rounds 3]`
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from common import TOKEN, machine, row, target

from fake_redcap import FakeState, create_app

FIELDS = [
    {"name": "record_id", "form": "main", "type": "text"},
    {"name": "name", "form": "main", "type": "text"},
    {"name": "age", "form": "main", "type": "text", "validation": "integer"},
    {"name": "visit", "form": "main", "type": "text", "validation": "date_ymd"},
    {"name": "arm", "form": "main", "type": "dropdown", "choices": "1, A | 2, B"},
    {"name": "consent", "form": "main", "type": "yesno"},
    {"name": "notes", "form": "main", "type": "notes"},
]


def rows(count: int) -> list[dict[str, str]]:
    return [
        {
            "record_id": str(i),
            "name": f"participant {i}",
            "age": str(20 + i % 60),
            "visit": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "arm": str(1 + i % 2),
            "consent": str(i % 2),
            "notes": f"note for record {i}",
            "main_complete": "2",
        }
        for i in range(1, count + 1)
    ]


def fixture(folder: Path) -> Path:
    path = folder / "write.json"
    user = {"username": "bench", "token": TOKEN, "data_export": "full", "api_import": True}
    doc: dict[str, Any] = {"project": {"project_id": 903}, "fields": FIELDS, "users": [user]}
    path.write_text(json.dumps(doc))
    return path


def encode(params: dict[str, str]) -> bytes:
    return "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items()).encode()


def call(app: Any, body: bytes) -> bytes:
    """One POST to /api/ through the WSGI app, as cheroot would make it (the body encoded beforehand)."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    status: list[str] = []
    chunks = app(environ, lambda s, h, e=None: status.append(s))
    data = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    if not status[0].startswith("200"):
        raise RuntimeError(f"{status[0]}: {data[:300]!r}")
    return data


def cpu(fn: Any, rounds: int, before: Any = None) -> float:
    best = float("inf")
    for _ in range(rounds):
        if before is not None:
            before()
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    data = rows(args.records)
    text = json.dumps(data)
    print(f"Write path ({args.records:,} records x {len(data[0])} columns, JSON) on {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-write-") as folder:
        state = FakeState([fixture(Path(folder))])
        try:
            app = create_app(state).wsgi_app
            imported = encode({"token": TOKEN, "content": "record", "format": "json", "data": text})
            loads = cpu(lambda: json.loads(text), args.rounds)
            load_in = cpu(lambda: call(app, imported), args.rounds, before=state.reset)
            call(app, imported)
            exported = encode({"token": TOKEN, "content": "record", "format": "json", "type": "flat"})
            answer = call(app, exported)
            assert len(json.loads(answer)) == args.records, answer[:200]
            dumps = cpu(lambda: json.dumps(data), args.rounds)
            export = cpu(lambda: call(app, exported), args.rounds)
        finally:
            state.close()
    row(f"json.loads of the {args.records:,} rows", f"{loads * 1000:.0f} ms CPU")
    row("Import Records of them, one call", f"{load_in * 1000:.0f} ms CPU", loads / load_in)
    target("import 10,000 records vs json.loads (speed)", loads / load_in, ">=", 0.5)
    row(f"json.dumps of the {args.records:,} rows", f"{dumps * 1000:.0f} ms CPU")
    row("Export Records of them (json, flat)", f"{export * 1000:.0f} ms CPU", dumps / export)
    target("export 10,000 records vs json.dumps (speed)", dumps / export, ">=", 0.5)


if __name__ == "__main__":
    main()
