"""The wire, without a client in between: one HTTP exchange over a plain socket, bytes in and bytes out.

Clauses about header bytes use this (a raw UTF-8 file name in `Content-type` must arrive as those
bytes; HTTP libraries decode header values as latin-1 and fold or strip them). Everything else about
the wire goes through `requests`.
"""

from __future__ import annotations

import os
import socket
import ssl
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

TIMEOUT = 30.0
# Called with (method, url, headers, body, answer) after every exchange (the transcript recorder).
OBSERVERS: list[Callable[[str, str, Mapping[str, str], bytes, RawResponse], None]] = []


@dataclass(frozen=True)
class RawResponse:
    status_line: bytes  # e.g. b"HTTP/1.1 403 Forbidden"
    headers: tuple[tuple[bytes, bytes], ...]  # in arrival order, names and values as sent
    body: bytes  # de-chunked

    @property
    def status(self) -> int:
        return int(self.status_line.split(b" ", 2)[1])

    @property
    def reason(self) -> bytes:
        parts = self.status_line.split(b" ", 2)
        return parts[2] if len(parts) == 3 else b""

    def header_values(self, name: str) -> list[bytes]:
        wanted = name.lower().encode("ascii")
        return [value for key, value in self.headers if key.lower() == wanted]

    def header(self, name: str) -> bytes | None:
        values = self.header_values(name)
        return values[0] if values else None


def form_body(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> bytes:
    """`application/x-www-form-urlencoded`, UTF-8, as every REDCap client sends it."""
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    return urllib.parse.urlencode(pairs, encoding="utf-8").encode("ascii")


def raw_post(url: str, params: Mapping[str, str] | Iterable[tuple[str, str]]) -> RawResponse:
    """POST a urlencoded form and return the answer exactly as it came off the socket."""
    return raw_request(url, "POST", form_body(params), {"Content-Type": "application/x-www-form-urlencoded"})


def raw_request(url: str, method: str, body: bytes, headers: Mapping[str, str]) -> RawResponse:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = parts.netloc.rsplit("@", 1)[-1]
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host_header}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    sock: socket.socket = socket.create_connection((parts.hostname, port), timeout=TIMEOUT)
    try:
        if parts.scheme == "https":
            context = ssl.create_default_context(cafile=os.environ.get("REQUESTS_CA_BUNDLE") or None)
            sock = context.wrap_socket(sock, server_hostname=parts.hostname)
        sock.sendall(request)
        received = bytearray()
        while chunk := sock.recv(65536):
            received += chunk
    finally:
        sock.close()
    answer = parse_response(bytes(received), head_only=method == "HEAD")
    for observer in OBSERVERS:
        observer(method, url, headers, body, answer)
    return answer


def parse_response(data: bytes, *, head_only: bool = False) -> RawResponse:
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        raise ValueError(f"no complete HTTP header block in {len(data)} bytes")
    status_line, *header_lines = head.split(b"\r\n")
    headers: list[tuple[bytes, bytes]] = []
    for line in header_lines:
        name, colon, value = line.partition(b":")
        if not colon:
            raise ValueError(f"malformed header line {line!r}")
        headers.append((name, value.strip(b" \t")))
    if head_only:
        body = b""
    elif any(k.lower() == b"transfer-encoding" and b"chunked" in v.lower() for k, v in headers):
        body = _dechunk(rest)
    else:
        lengths = [v for k, v in headers if k.lower() == b"content-length"]
        body = rest[: int(lengths[0])] if lengths else rest
    return RawResponse(status_line=status_line, headers=tuple(headers), body=body)


def _dechunk(data: bytes) -> bytes:
    body = bytearray()
    position = 0
    while True:
        end = data.index(b"\r\n", position)
        size = int(data[position:end].split(b";", 1)[0], 16)
        if size == 0:
            return bytes(body)
        start = end + 2
        body += data[start : start + size]
        position = start + size + 2
