"""Slow clients (slowloris) do not stop the service: a normal export is answered while clients trickle
their headers or their body, or read a download one byte at a time, and the server recovers when they
leave. Trickling clients are cut off as Apache's RequestReadTimeout cuts them (408).

`make test` runs 30 slow clients; `make soak` (SOAK=1) 200, for as long as it takes to send 100 normal
exports one every 0.1 s (about 10 s, inside Apache's 20 s read budget, so every slow client is still
there), and prints the figures (latencies, worker threads, memory). Nothing is
timed: a normal export must be answered while every slow client is still connected and trickling (the
slow clients only stop once the normal exports are done), and the server this replaced never answered it
(16 slow clients held its 16 workers for as long as they trickled). The 30 s client timeout of each
normal request is a hang guard.
"""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from fake_redcap import FakeServer, FakeState
from fake_redcap.server import ReadTimeouts
from tests.support import URLENCODED_TYPE, open_fds, read_answer, rss_bytes, token, write_fixture

SOAK = os.environ.get("SOAK") == "1"
SLOW_CLIENTS = 200 if SOAK else 30
NORMAL_EXPORTS = 100 if SOAK else 10
PACE = 0.1 if SOAK else 0.0  # seconds between normal exports: the soak spans about 10 s
MIB = 1 << 20
ADMIN = token(0x510E, 1)
DOC = b"a normal small file\n"
BIG = bytes(range(256)) * (16 * 1024)  # 4 MiB: more than the socket buffers hold for a slow reader
FIXTURE: dict[str, Any] = {
    "project": {"project_id": 815, "title": "Slow clients"},
    "fields": [
        {"name": "record_id", "form": "main", "type": "text"},
        {"name": "doc", "form": "main", "type": "file"},
        {"name": "big", "form": "main", "type": "file"},
    ],
    "users": [{"username": "admin", "token": ADMIN, "data_export": "full"}],
    "records": [
        {
            "record": "1",
            "files": {
                "doc": {"text": DOC.decode(), "name": "doc.txt", "mime": "text/plain"},
                "big": {"path": "big.bin", "name": "big.bin", "mime": "application/octet-stream"},
            },
        }
    ],
}
EXPORT = {"token": ADMIN, "content": "file", "action": "export", "record": "1", "field": "doc"}
TIMEOUT_PAGE = (
    b'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>408 Request Timeout</title>\n'
    b"</head><body>\n<h1>Request Timeout</h1>\n<p>Server timeout waiting for the HTTP request from the "
    b"client.</p>\n</body></html>\n"
)


def form(**params: str) -> bytes:
    return "&".join(f"{k}={v}" for k, v in params.items()).encode()


@pytest.fixture
def state(tmp_path: Path) -> Iterator[FakeState]:
    (tmp_path / "big.bin").write_bytes(BIG)
    fake = FakeState([write_fixture(tmp_path, FIXTURE)])
    yield fake
    fake.close()


class SlowClients:
    """Threads that each open one connection and trickle on it until `stop()`: a third send their
    headers a byte at a time, a third their body, a third read a 4 MiB download a byte at a time."""

    def __init__(self, port: int, count: int, interval: float = 0.5) -> None:
        self.port = port
        self.interval = interval
        self.stopping = threading.Event()
        self.connected = threading.Semaphore(0)
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        kinds: list[Callable[[socket.socket], None]] = [self.headers, self.body, self.download]
        self.threads = [
            threading.Thread(target=self.run, args=(kinds[n % 3],), name=f"slow-{n}", daemon=True)
            for n in range(count)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()
        for _ in self.threads:
            assert self.connected.acquire(timeout=60), "a slow client could not connect"  # a hang guard

    def run(self, kind: Callable[[socket.socket], None]) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        with self.lock:
            self.sockets.append(sock)
        with contextlib.suppress(OSError):  # the server cut it off (408), or stop() closed it
            kind(sock)

    def trickle(self, sock: socket.socket, head: bytes) -> None:
        sock.sendall(head)
        self.connected.release()
        while not self.stopping.wait(self.interval):
            sock.send(b"a")

    def headers(self, sock: socket.socket) -> None:
        self.trickle(sock, b"POST /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")

    def body(self, sock: socket.socket) -> None:
        self.trickle(
            sock,
            f"POST /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {URLENCODED_TYPE}\r\n"
            "Content-Length: 100000\r\n\r\ntoken=".encode(),
        )

    def download(self, sock: socket.socket) -> None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        body = form(**{**EXPORT, "field": "big"})
        sock.sendall(
            f"POST /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {URLENCODED_TYPE}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        self.connected.release()
        while not self.stopping.wait(self.interval):
            sock.recv(1)

    def stop(self) -> None:
        self.stopping.set()
        with self.lock:
            for sock in self.sockets:
                sock.close()
        for thread in self.threads:
            thread.join(timeout=30)


def normal_export(server: FakeServer) -> float:
    """One export on a new connection, answered right; returns its latency (printed, never asserted)."""
    started = time.monotonic()
    answer = requests.post(server.url, data=EXPORT, timeout=30)  # a hang guard
    latency = time.monotonic() - started
    assert (answer.status_code, answer.content) == (200, DOC)
    return latency


def test_a_normal_export_is_answered_while_slow_clients_trickle(state: FakeState) -> None:
    with FakeServer(state) as server:  # Apache's default read timeouts: 20-40 s for the headers
        fds_before = open_fds()
        rss_before = rss_bytes()
        slow = SlowClients(server.port or 0, SLOW_CLIENTS)
        slow.start()
        time.sleep(1)  # every slow client has been handed to a worker and is trickling
        try:
            latencies = []
            for _ in range(NORMAL_EXPORTS):
                latencies.append(normal_export(server))
                time.sleep(PACE)
            rss_during = rss_bytes()
            workers = sum(
                t.name.startswith(("CP Server", "fake-redcap worker")) for t in threading.enumerate()
            )
        finally:
            slow.stop()
        after = normal_export(server)  # recovered: the slow clients are gone
        deadline = time.monotonic() + 30  # a hang guard: the server closes their sockets
        while open_fds() > fds_before and time.monotonic() < deadline:
            time.sleep(0.05)
        print(
            f"\nslow clients: {SLOW_CLIENTS} connected (headers, body and downloads trickled); "
            f"{NORMAL_EXPORTS} normal exports meanwhile: median "
            f"{statistics.median(latencies) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms; "
            f"after they left {after * 1000:.1f} ms; server workers {workers}; "
            f"RSS of the process (server and clients) {rss_before / MIB:.1f} -> {rss_during / MIB:.1f} MiB"
        )
        assert open_fds() <= fds_before
        assert all(entry.status < 500 for entry in server.state.journal.entries())


def trickle_until_answered(port: int, head: bytes) -> tuple[bytes, float]:
    """Send `head`, then one byte every 0.2 s until the server answers; the answer and how many bytes
    were trickled."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        sent = 0
        sock.settimeout(0.2)
        while True:
            try:
                first = sock.recv(65536)
                break
            except TimeoutError:
                sock.send(b"a")
                sent += 1
                assert sent < 500, "never cut off"  # a hang guard (100 s)
        sock.settimeout(30)
        return first + read_answer(sock), sent


@pytest.mark.parametrize(
    "head",
    [
        b"POST /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
        f"POST /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {URLENCODED_TYPE}\r\n"
        "Content-Length: 100000\r\n\r\n".encode(),
    ],
    ids=["headers", "body"],
)
def test_a_trickling_client_is_cut_off_with_apaches_408(state: FakeState, head: bytes) -> None:
    """RequestReadTimeout header=1-2,MinRate=500 body=1,MinRate=500 (Apache's defaults are 20-40 and
    20): five bytes a second never reach the minimum rate, so the budget runs out and the server answers
    408 and closes, however often the client sends a byte (each byte restarted the old server's
    per-read timeout, so it waited for ever)."""
    timeouts = ReadTimeouts(header=1.0, header_max=2.0, body=1.0, min_rate=500)
    with FakeServer(state, read_timeouts=timeouts) as server:
        answer, sent = trickle_until_answered(server.port or 0, head)
        status, _, rest = answer.partition(b"\r\n")
        assert status == b"HTTP/1.1 408 Request Timeout"
        assert rest.endswith(b"\r\n\r\n" + TIMEOUT_PAGE)
        assert b"Connection: close\r\n" in rest
        assert sent >= 3  # it was trickling, not silent
        assert normal_export(server) >= 0  # and the server still answers
