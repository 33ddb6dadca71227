"""Load held: a bounded load run on 127.0.0.1 at the fake's measured capacity.

First the capacity is measured (workers sending as fast as they are answered), then the same workload is
paced at that rate for the run's length: 60 s with SOAK=1 (`make soak`), 3 s in `make test`. It stops by
itself. What must hold:

* every request is answered, and answered correctly (status and every byte, as REDCap would);
* memory stays flat: the process's resident set, sampled twice a second, does not grow from the first
  third of the run to the last (the journal is capped at 1000 entries here, so it is full long before);
* no file descriptor leaks: once the workers hang up, the process holds no more descriptors than before;
* the journal counted every request.

Each worker owns one file field (imports, deletes and read-backs of its own field, so every expected
answer is exact) and shares three read-only fields with the others. Nothing is asserted about speed.
"""

from __future__ import annotations

import base64
import http.client
import os
import statistics
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest

from fake_redcap import FakeServer, FakeState
from fake_redcap.journal import Journal
from tests.support import (
    MULTIPART_TYPE,
    NO_FILE_TO_DELETE,
    NO_FILE_TO_DOWNLOAD,
    NO_PERMISSION,
    URLENCODED_TYPE,
    json_error,
    multipart_body,
    open_fds,
    rss_bytes,
    token,
    write_fixture,
)

SOAK = os.environ.get("SOAK") == "1"
DURATION = 60.0 if SOAK else 3.0
CAPACITY_PROBE = 10.0 if SOAK else 1.0
WORKERS = 4
MIB = 1 << 20
ADMIN = token(0x50A4, 1)
SHARED = {
    "small": b"a small text file\n",
    "medium": bytes(range(256)) * 256,  # 64 KiB
    "pdf": b"%PDF-1.4\n" + b"0" * 4000 + b"\n%%EOF\n",
}
FIXTURE: dict[str, Any] = {
    "project": {"project_id": 903, "title": "Soak"},
    "fields": [
        {"name": "record_id", "form": "main", "type": "text"},
        *({"name": name, "form": "main", "type": "file"} for name in SHARED),
        *({"name": f"own{n}", "form": "main", "type": "file"} for n in range(WORKERS)),
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
            "record": "1",
            "files": {
                name: {
                    "base64": base64.b64encode(data).decode(),
                    "name": f"{name}.bin",
                    "mime": "application/octet-stream",
                }
                for name, data in SHARED.items()
            },
        }
    ],
}


def form(**params: str) -> bytes:
    return urllib.parse.urlencode({"token": ADMIN, "content": "file", "record": "1", **params}).encode()


@dataclass
class Tally:
    requests: int = 0
    wrong: list[str] = field(default_factory=list)


class Worker:
    """One kept-alive connection; the next request is chosen by a fixed cycle, so runs are repeatable."""

    CYCLE: ClassVar[list[str]] = [
        "small",
        "medium",
        "pdf",
        "small",
        "import",
        "own",
        "bad_token",
        "small",
        "delete",
        "missing",
    ]

    def __init__(self, port: int, number: int, tally: Tally) -> None:
        self.port = port
        self.field = f"own{number}"
        self.tally = tally
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.own: bytes | None = None  # what this worker's field holds now
        self.step = 0
        self.number = number

    def one(self) -> None:
        kind = self.CYCLE[self.step % len(self.CYCLE)]
        self.step += 1
        if kind in SHARED:
            self.expect(
                form(action="export", field=kind, returnFormat="json"), URLENCODED_TYPE, 200, SHARED[kind]
            )
        elif kind == "import":
            data = f"worker {self.number} step {self.step}\n".encode() * 50
            body = multipart_body(
                {"token": ADMIN, "content": "file", "action": "import", "record": "1", "field": self.field},
                [("file", "own.txt", data)],
            )
            self.expect(body, MULTIPART_TYPE, 200, b"")
            self.own = data
        elif kind == "own":
            if self.own is None:
                self.expect(
                    form(action="export", field=self.field, returnFormat="json"),
                    URLENCODED_TYPE,
                    400,
                    json_error(NO_FILE_TO_DOWNLOAD),
                )
            else:
                self.expect(form(action="export", field=self.field), URLENCODED_TYPE, 200, self.own)
        elif kind == "delete":
            if self.own is None:
                self.expect(
                    form(action="delete", field=self.field, returnFormat="json"),
                    URLENCODED_TYPE,
                    400,
                    json_error(NO_FILE_TO_DELETE),
                )
            else:
                self.expect(form(action="delete", field=self.field), URLENCODED_TYPE, 200, b"")
            self.own = None
        elif kind == "bad_token":
            body = form(action="export", field="small", returnFormat="json").replace(
                ADMIN.encode(), b"BAD00000000000000000000000000000"
            )
            self.expect(body, URLENCODED_TYPE, 403, json_error(NO_PERMISSION))
        else:
            self.expect(
                form(action="export", field="small", record="404", returnFormat="json"),
                URLENCODED_TYPE,
                400,
                json_error('The record "404" does not exist'),
            )

    def expect(self, body: bytes, ctype: str, status: int, data: bytes) -> None:
        try:
            self.connection.request("POST", "/api/", body=body, headers={"Content-Type": ctype})
            answer = self.connection.getresponse()
            got = answer.read()
        except (OSError, http.client.HTTPException) as exc:
            self.tally.wrong.append(f"{self.field}: {exc!r}")
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return
        self.tally.requests += 1
        if (answer.status, got) != (status, data):
            self.tally.wrong.append(
                f"{self.field}: {answer.status} {got[:80]!r}, expected {status} {data[:80]!r}"
            )

    def close(self) -> None:
        self.connection.close()


def run(port: int, seconds: float, rate: float | None, tallies: list[Tally]) -> float:
    """WORKERS threads for `seconds`; each paced at rate/WORKERS requests a second (None: flat out).
    Returns the requests answered per second."""
    stop = time.monotonic() + seconds
    started = time.monotonic()

    def loop(number: int) -> None:
        worker = Worker(port, number, tallies[number])
        interval = WORKERS / rate if rate else 0.0
        next_at = time.monotonic()
        try:
            while time.monotonic() < stop:
                worker.one()
                if interval:
                    next_at += interval
                    pause = next_at - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)
        finally:
            worker.close()

    threads = [threading.Thread(target=loop, args=(n,), name=f"load-{n}") for n in range(WORKERS)]
    before = sum(t.requests for t in tallies)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)  # a hang guard
        assert not thread.is_alive(), thread.name
    return (sum(t.requests for t in tallies) - before) / (time.monotonic() - started)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FakeServer]:
    state = FakeState([write_fixture(tmp_path, FIXTURE)])
    state.journal = Journal(limit=1000)
    with FakeServer(state, "127.0.0.1", 0) as running:
        yield running
    state.close()


def test_load_at_measured_capacity_holds(server: FakeServer) -> None:
    fds_before = open_fds()
    tallies = [Tally() for _ in range(WORKERS)]
    capacity = run(server.port or 0, CAPACITY_PROBE, None, tallies)
    assert capacity > 0
    samples: list[int] = []
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(0.5):
            samples.append(rss_bytes())

    sampler = threading.Thread(target=sample, name="rss-sampler")
    sampler.start()
    try:
        achieved = run(server.port or 0, DURATION, capacity, tallies)
    finally:
        sampling.set()
        sampler.join(timeout=10)

    total = sum(t.requests for t in tallies)
    wrong = [w for t in tallies for w in t.wrong]
    third = max(1, len(samples) // 3)
    early, late = statistics.median(samples[:third]), statistics.median(samples[-third:])
    print(
        f"\nsoak: capacity {capacity:.0f} req/s; ran {DURATION:.0f} s paced at it,"
        f" achieved {achieved:.0f} req/s;"
        f" {total} requests, {len(wrong)} wrong; RSS {early / MIB:.1f} -> {late / MIB:.1f} MiB"
        f" (max {max(samples) / MIB:.1f}); fds {fds_before}"
    )
    assert wrong == [], wrong[:5]

    # Every request of both phases reached the journal (capped at 1000 entries: count by sequence number).
    entries = server.state.journal.entries()
    assert entries[-1].seq == total and len(entries) == 1000
    assert [e.seq for e in entries] == list(range(total - 999, total + 1))

    # Memory flat: the last third of the run holds no more than the first third, give or take 16 MiB of
    # allocator noise (a leak of even 1 kB per request would be tens of MiB here in the long run).
    assert late - early < 16 * MIB, f"RSS grew from {early / MIB:.1f} to {late / MIB:.1f} MiB"

    # No descriptor leaks: the workers have hung up; the server closes its side within a moment.
    deadline = time.monotonic() + 10  # a hang guard
    while open_fds() > fds_before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert open_fds() <= fds_before


# ---------------------------------------------------------------------------------------------------------
# Large parameters: memory stays under a stated bound

LARGE = 1_000_000  # characters in one parameter value
LARGE_BOUND = 128 * MIB  # resident growth allowed over the run (see docs/reliability.md)


def large_request(kind: int) -> tuple[bytes, str, int, bytes | None]:
    """(body, content type, status expected, body expected or None) for a request carrying 1 MB."""
    big = "r" * LARGE
    if kind == 0:  # a 1 MB record: REDCap's "does not exist", the record echoed back
        body = form(action="export", field="small", record=big, returnFormat="json")
        return body, URLENCODED_TYPE, 400, json_error(f'The record "{big}" does not exist')
    if kind == 1:  # a 1 MB token: refused before anything is looked up
        body = urllib.parse.urlencode({"token": "A" * LARGE, "content": "file"}).encode()
        return body, URLENCODED_TYPE, 403, None
    fields = {"token": ADMIN, "content": "file", "action": "export", "record": "1", "field": "small"}
    return multipart_body({**fields, "junk": big}), MULTIPART_TYPE, 200, SHARED["small"]


def test_large_parameters_keep_memory_bounded(tmp_path: Path) -> None:
    """WORKERS threads send requests carrying a 1 MB value (urlencoded record, urlencoded token, multipart
    junk) for the run's length; the process's resident set, sampled twice a second, stays within
    LARGE_BOUND of where it started. Bounded: each request holds its body and its parsed values only
    while it is answered (a 1 MB record peaks at about 15 MiB of Python memory, most of it in
    RCView::escape; four in flight here), the journal keeps at most 1 KiB of any value (32 MiB in all),
    and freed 1 MB blocks go back to the system (`fake_redcap.server` fixes glibc's mmap threshold;
    without that the process grew by about 1 MB per such request)."""
    state = FakeState([write_fixture(tmp_path, FIXTURE)])
    with FakeServer(state) as server:
        port = server.port or 0
        counts = [0] * WORKERS
        wrong: list[str] = []
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for kind in range(3):
            body, ctype, _status, _expected = large_request(kind)
            warm.request("POST", "/api/", body, {"Content-Type": ctype})
            warm.getresponse().read()
        warm.close()
        start_rss = rss_bytes()
        samples: list[int] = [start_rss]
        stop = time.monotonic() + DURATION  # after the warm-up

        def loop(number: int) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            kind = number
            while time.monotonic() < stop:
                body, ctype, status, expected = large_request(kind % 3)
                connection.request("POST", "/api/", body, {"Content-Type": ctype})
                answer = connection.getresponse()
                data = answer.read()
                if answer.status != status or (expected is not None and data != expected):
                    wrong.append(f"kind {kind % 3}: {answer.status} {data[:80]!r}")
                counts[number] += 1
                kind += 1
            connection.close()

        def sample() -> None:
            while time.monotonic() < stop:
                samples.append(rss_bytes())
                time.sleep(0.5)

        threads = [threading.Thread(target=loop, args=(n,)) for n in range(WORKERS)]
        threads.append(threading.Thread(target=sample))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=DURATION + 120)  # a hang guard
            assert not thread.is_alive()
    state.close()
    peak = max(samples) if samples else start_rss
    third = max(1, len(samples) // 3)
    early, late = statistics.median(samples[:third]), statistics.median(samples[-third:])
    print(
        f"\nlarge parameters: {sum(counts)} requests of 1 MB in {DURATION:.0f} s;"
        f" RSS {start_rss / MIB:.1f} MiB at the start, median {early / MIB:.1f} MiB in the first third"
        f" of the run and {late / MIB:.1f} MiB in the last, peak {peak / MIB:.1f} MiB"
    )
    assert wrong == [], wrong[:3]
    assert peak - start_rss < LARGE_BOUND, f"RSS grew by {(peak - start_rss) / MIB:.1f} MiB"
