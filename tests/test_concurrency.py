"""Concurrency: 8 threads import, export and delete the same three file fields of one record on a real
FakeServer for a bounded time (3 s in `make test`, 20 s with SOAK=1).

What must hold (issue 8, "nothing lost"):
* no 5xx and no transport error; every answer is one REDCap gives for that request;
* no torn file: every export returns exactly one version that was written to that field, whole;
* no read from the future and no stale read: an export returns the value of a write (import, delete, or
  the fixture's file) that began before the export ended and that no other write completely followed
  before the export began (the per-operation condition of a linearizable register);
* the final state of each field is the value of a write that no other write completely followed;
* the journal holds one entry per request, with the status the client saw and the whole body sent.

The order of completed operations is taken on the client side (monotonic start and end times per
request), not from the journal: the journal numbers a request when it is answered, which for two
overlapping requests need not be the order in which their changes were applied.
"""

from __future__ import annotations

import io
import os
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from fake_redcap import FakeServer, FakeState, create_app
from tests.support import NO_FILE_TO_DELETE, NO_FILE_TO_DOWNLOAD, token, write_fixture

SOAK = os.environ.get("SOAK") == "1"
DURATION = 20.0 if SOAK else 3.0
THREADS = 8
FIELDS = ("f1", "f2", "f3")
RECORD = "1"
ADMIN = token(0xC0C0, 1)
PAYLOAD_SIZE = 32 * 1024
INITIAL = {"f1": b"initial f1\n" * 100, "f2": b"initial f2\n" * 100}

FIXTURE: dict[str, Any] = {
    "project": {"project_id": 701, "title": "Concurrency"},
    "fields": [
        {"name": "record_id", "form": "main", "type": "text"},
        *({"name": name, "form": "main", "type": "file"} for name in FIELDS),
    ],
    "users": [
        {
            "username": "admin",
            "token": ADMIN,
            "data_export": "full",
            "api_import": True,
            "record_delete": True,
        }
    ],
    "records": [
        {
            "record": RECORD,
            "files": {
                name: {"text": data.decode(), "name": f"{name}.txt", "mime": "text/plain"}
                for name, data in INITIAL.items()
            },
        }
    ],
}


@dataclass(frozen=True)
class Op:
    op_id: str
    kind: str  # import, export, delete
    field: str
    start: float
    end: float
    status: int
    body: bytes  # export: the file or the error body; import/delete: the (empty or error) body
    written: bytes | None = None  # import: the version sent


def payload(op_id: str) -> bytes:
    """A version nobody else writes, the same 32-byte tag repeated: any mix of two versions shows."""
    tag = op_id.encode().ljust(32, b".")
    return tag * (PAYLOAD_SIZE // len(tag))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FakeServer]:
    state = FakeState([write_fixture(tmp_path, FIXTURE)])
    with FakeServer(state, "127.0.0.1", 0) as running:
        yield running
    state.close()


def worker(url: str, number: int, deadline: float, log: list[Op], failures: list[str]) -> None:
    rng = random.Random(number)
    base = {"token": ADMIN, "content": "file", "record": RECORD, "returnFormat": "json"}
    with requests.Session() as session:
        seq = 0
        while time.monotonic() < deadline:
            seq += 1
            op_id = f"t{number}-{seq}"
            kind = rng.choices(["import", "export", "delete"], weights=[4, 5, 2])[0]
            field = rng.choice(FIELDS)
            # `op` is not a parameter REDCap reads; it is kept in the journal, which ties entry to request.
            data = {**base, "action": kind, "field": field, "op": op_id}
            written = payload(op_id) if kind == "import" else None
            files = {"file": (f"{op_id}.bin", written)} if written is not None else None
            start = time.monotonic()
            try:
                answer = session.post(url, data=data, files=files, timeout=30)
                body = answer.content
            except requests.RequestException as exc:
                failures.append(f"{op_id} {kind} {field}: {exc!r}")
                return
            log.append(Op(op_id, kind, field, start, time.monotonic(), answer.status_code, body, written))


def run_threads(url: str) -> tuple[list[Op], list[str]]:
    log: list[Op] = []  # list.append is atomic: a lock-free log of completed operations
    failures: list[str] = []
    deadline = time.monotonic() + DURATION
    threads = [
        threading.Thread(target=worker, args=(url, n, deadline, log, failures), name=f"client-{n}")
        for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DURATION + 60)  # a hang guard, not a performance assertion
        assert not thread.is_alive(), f"{thread.name} still running"
    return log, failures


Write = tuple[float, float, bytes | None]  # start, end, value (None: no file)


def writes_of(log: list[Op], field: str) -> list[Write]:
    """Every change to `field` that happened: the fixture's file (at -inf), successful imports and
    successful deletes."""
    found: list[Write] = [(float("-inf"), float("-inf"), INITIAL.get(field))]
    for op in log:
        if op.field == field and op.status == 200 and op.kind in ("import", "delete"):
            found.append((op.start, op.end, op.written if op.kind == "import" else None))
    return found


def possible_values(writes: list[Write], start: float, end: float) -> list[bytes | None]:
    """Values a read over [start, end] may return: of writes begun before it ended and not overwritten
    by another write that lies wholly between that write's end and the read's start."""
    return [
        value
        for w_start, w_end, value in writes
        if w_start < end and not any(w_end < o_start and o_end < start for o_start, o_end, _v in writes)
    ]


def test_eight_threads_lose_nothing_and_tear_nothing(server: FakeServer) -> None:
    state = server.state
    state.journal.clear()
    log, failures = run_threads(server.url)
    assert not failures, failures[:5]
    kinds = {kind: sum(op.kind == kind for op in log) for kind in ("import", "export", "delete")}
    assert all(kinds.values()), kinds
    print(f"\nconcurrency: {len(log)} requests in {DURATION} s by {THREADS} threads: {kinds}")

    # No 5xx, and only the answers REDCap gives: imports succeed; exports and deletes find a file or not.
    no_download = f'{{"error":"{NO_FILE_TO_DOWNLOAD}"}}'.encode()
    no_delete = f'{{"error":"{NO_FILE_TO_DELETE}"}}'.encode()
    for op in log:
        assert op.status < 500, op
        if op.kind == "import":
            assert (op.status, op.body) == (200, b""), op
        elif op.kind == "delete":
            assert (op.status, op.body) in ((200, b""), (400, no_delete)), op
        else:
            assert op.status == 200 or (op.status, op.body) == (400, no_download), op

    # Every export is one whole version, written to that field, at a moment the export could see it.
    writes = {field: writes_of(log, field) for field in FIELDS}
    for op in log:
        if op.kind == "export":
            value = op.body if op.status == 200 else None
            assert value in possible_values(writes[op.field], op.start, op.end), (
                f"{op.op_id}: export of {op.field} returned {len(op.body)} bytes starting {op.body[:40]!r}, "
                "not a version it could have seen"
            )
    for op in log:  # a failed delete saw no file: also a read
        if op.kind == "delete" and op.status == 400:
            assert None in possible_values(writes[op.field], op.start, op.end), op

    # The final state is a last write.
    end = time.monotonic()
    for field in FIELDS:
        final = requests.post(
            server.url,
            data={"token": ADMIN, "content": "file", "action": "export", "record": RECORD, "field": field},
            timeout=30,
        )
        value = final.content if final.status_code == 200 else None
        assert value in possible_values(writes[field], end, end), field

    # The journal: one entry per request, the status the client saw, the whole body sent.
    entries = [e for e in state.journal.entries() if "op" in e.params]
    assert len(entries) == len(log), (len(entries), len(log))
    by_id = {str(e.params["op"]): e for e in entries}
    assert len(by_id) == len(log)
    for op in log:
        entry = by_id[op.op_id]
        assert (entry.action, entry.field, entry.status) == (op.kind, op.field, op.status), op.op_id
        assert entry.completed and entry.bytes_sent == len(op.body), op.op_id
        assert entry.params["token"] == "admin"  # the token itself never


def test_a_reset_during_exports_never_answers_5xx(server: FakeServer) -> None:
    """Resets (which delete uploaded blobs) racing with exports of uploaded files: an export that already
    holds the file keeps streaming it; one that comes after gets the fixture's answer. Never a 5xx."""
    url = server.url
    stop = time.monotonic() + min(DURATION, 2.0)
    answers: list[tuple[int, bytes]] = []
    errors: list[str] = []
    uploaded = payload("reset-race")
    no_file = f'{{"error":"{NO_FILE_TO_DOWNLOAD}"}}'.encode()

    def reader() -> None:
        with requests.Session() as session:
            while time.monotonic() < stop:
                try:
                    answer = session.post(
                        url,
                        data={
                            "token": ADMIN,
                            "content": "file",
                            "action": "export",
                            "record": RECORD,
                            "field": "f3",
                            "returnFormat": "json",
                        },
                        timeout=30,
                    )
                except requests.RequestException as exc:
                    errors.append(repr(exc))
                    return
                answers.append((answer.status_code, answer.content))

    readers = [threading.Thread(target=reader) for _ in range(4)]
    for thread in readers:
        thread.start()
    with requests.Session() as session:
        while time.monotonic() < stop:
            session.post(
                url,
                data={"token": ADMIN, "content": "file", "action": "import", "record": RECORD, "field": "f3"},
                files={"file": ("x.bin", uploaded)},
                timeout=30,
            )
            server.state.reset()
    for thread in readers:
        thread.join(timeout=60)
    assert not errors, errors[:3]
    assert answers
    wrong = [
        (status, body[:60])
        for status, body in answers
        if (status, body) not in ((200, uploaded), (400, no_file))
    ]
    assert wrong == [], wrong[:3]


def test_a_reset_between_snapshot_and_send_waits_for_the_export(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interleaving the test above finds by chance, forced: an export has read the projects (its
    snapshot names an uploaded file) when a reset runs. The file must stay on disk until the export has
    opened it and leave the disk once the export is done; the export sends the whole file."""
    state = server.state
    upload = payload("snapshot")
    client = create_app(state).test_client()
    imported = client.post(
        "/api/",
        data={
            "token": ADMIN,
            "content": "file",
            "action": "import",
            "record": RECORD,
            "field": "f3",
            "file": (io.BytesIO(upload), "u.bin"),
        },
        content_type="multipart/form-data",
    )
    assert imported.status_code == 200
    blob = state.projects[0].records[0].files["f3"].path
    assert blob is not None and blob.exists()

    original = state.authenticate
    resetters: list[threading.Thread] = []

    def authenticate_then_reset(candidate: str) -> Any:
        found = original(candidate)
        if not resetters:
            resetter = threading.Thread(target=state.reset, name="resetter")
            resetters.append(resetter)
            resetter.start()
            resetter.join(timeout=0.5)  # a reset that freed the file at once would break the export
        return found

    monkeypatch.setattr(state, "authenticate", authenticate_then_reset)
    exported = client.post(
        "/api/", data={"token": ADMIN, "content": "file", "action": "export", "record": RECORD, "field": "f3"}
    )
    assert (exported.status_code, exported.get_data()) == (200, upload)
    resetters[0].join(timeout=30)  # a hang guard
    assert not resetters[0].is_alive()
    assert not blob.exists()  # and the reset did delete the uploaded file
