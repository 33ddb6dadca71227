"""A raw-socket HTTP stub on 127.0.0.1 for the client's tests.

A real HTTP library would refuse to send what these tests need: a body shorter than its
Content-Length, a connection dropped mid-body, a server that stalls. So the stub reads each request
itself and writes back the exact bytes a test's handler returns, then keeps the connection, closes
it, or stalls until the stub stops.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from werkzeug.datastructures import FileStorage
from werkzeug.formparser import parse_form_data

Then = Literal["keep", "close", "stall"]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    def form(self) -> dict[str, str]:
        """The form fields, urlencoded or multipart (files excluded)."""
        fields, _files = self._parse()
        return fields

    def files(self) -> dict[str, FileStorage]:
        _fields, files = self._parse()
        return files

    def form_pairs(self) -> list[tuple[str, str]]:
        """Urlencoded fields in the order sent."""
        return urllib.parse.parse_qsl(self.body.decode("ascii"), keep_blank_values=True)

    def _parse(self) -> tuple[dict[str, str], dict[str, FileStorage]]:
        environ = {
            "REQUEST_METHOD": self.method,
            "CONTENT_TYPE": self.headers.get("content-type", ""),
            "CONTENT_LENGTH": str(len(self.body)),
            "wsgi.input": io.BytesIO(self.body),
        }
        _stream, form, files = parse_form_data(environ)
        return dict(form.items()), dict(files.items())


@dataclass
class Script:
    """What to send (raw bytes) and what to do afterwards."""

    data: bytes
    then: Then = "keep"


Handler = Callable[[Request], Script]


def response(
    status: int = 200,
    body: bytes = b"",
    headers: Iterable[tuple[str, str]] = (),
    *,
    reason: str | None = None,
    content_length: int | Literal["auto"] | None = "auto",
    chunked: bool = False,
    then: Then = "keep",
) -> Script:
    """An HTTP/1.1 response. `content_length` may lie (a number) or be left out (None)."""
    reasons = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 501: "Not Implemented"}
    reasons |= {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout", 302: "Found"}
    lines = [f"HTTP/1.1 {status} {reason or reasons.get(status, 'Unknown')}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        payload = (f"{len(body):x}\r\n".encode() + body + b"\r\n" if body else b"") + b"0\r\n\r\n"
    else:
        payload = body
        if content_length == "auto":
            lines.append(f"Content-Length: {len(body)}")
        elif content_length is not None:
            lines.append(f"Content-Length: {content_length}")
        else:
            lines.append("Connection: close")
            then = "close"
    head = "\r\n".join(lines) + "\r\n\r\n"
    return Script(head.encode("latin-1") + payload, then)


def file_response(body: bytes, content_type: str, **kwargs: object) -> Script:
    """A REDCap-style Export File success: no Content-Disposition, the name in Content-Type."""
    return response(200, body, [("Content-Type", content_type)], **kwargs)  # type: ignore[arg-type]


def error_response(status: int, fmt: str, message: str) -> Script:
    """REDCap's error envelopes, byte for byte (docs/evidence/file-api-behaviour.md §2)."""
    if fmt == "json":
        import json

        body = json.dumps({"error": message}, separators=(",", ":")).replace("/", "\\/")
        return response(status, body.encode(), [("Content-Type", "application/json; charset=utf-8")])
    if fmt == "xml":
        body = f'<?xml version="1.0" encoding="UTF-8" ?><hash><error>{message}</error></hash>'
        return response(status, body.encode(), [("Content-Type", "text/xml; charset=utf-8")])
    if fmt == "csv":
        return response(status, f"ERROR: {message}".encode(), [("Content-Type", "text/csv; charset=utf-8")])
    raise ValueError(fmt)


@dataclass
class StubServer:
    """Serves `handler` on 127.0.0.1:<free port>; records every request it read."""

    handler: Handler
    requests: list[Request] = field(default_factory=list)
    stall_limit: float = 10.0

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/api/"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()

    def __enter__(self) -> StubServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
        for thread in self._threads:
            thread.join(timeout=2)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._connections.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        try:
            while not self._stop.is_set():
                request = _read_request(reader)
                if request is None:
                    return
                self.requests.append(request)
                script = self.handler(request)
                conn.sendall(script.data)
                if script.then == "close":
                    return
                if script.then == "stall":
                    self._stop.wait(self.stall_limit)
                    return
        except OSError:
            return
        finally:
            reader.close()
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()


def _read_request(reader: io.BufferedReader) -> Request | None:
    line = reader.readline()
    if not line:
        return None
    method, target, _version = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        header = reader.readline().decode("latin-1")
        if header in ("\r\n", "\n", ""):
            break
        name, _, value = header.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = reader.read(length) if length else b""
    return Request(method, target, headers, body)


def serve(*scripts: Script) -> StubServer:
    """A stub that answers the given scripts in order, repeating the last one."""
    queue = list(scripts)

    def handler(_request: Request) -> Script:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return StubServer(handler)
