"""An in-process transport for `requests`: requests to a running `FakeServer`'s URL are answered by the
same WSGI app in the caller's thread, without a socket, as the `responses` library intercepts them. Any
requests-based client (PyCap, `redcap_file_client`, your own) gains it untouched.

The answer is the one the socket gives: the same app sees the environ cheroot builds for that request,
and the headers cheroot adds (`Transfer-Encoding: chunked` for a streamed body, `Connection: close`,
`Date`, `Server`) are added the same way, in the same order (`tests/test_inprocess.py` compares both
paths byte for byte). Whatever the in-process path cannot make identical goes over the socket as
before: a request while a fault is set (faults act on the connection), a streamed or chunked request
body, `Expect`, a request Apache's limits would refuse (header lines, header count, LimitRequestBody),
an explicit `Host`, a URL with a `%2F`.

    with FakeServer(state) as server, in_process(server):
        requests.post(server.url, data=...)   # no socket

The pytest plugin switches it on with `--fake-redcap-in-process` (or the ini option
`fake_redcap_in_process = true`).
"""

from __future__ import annotations

import contextlib
import email.utils
import io
import re
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from cheroot.server import KnownLengthRFile
from requests import ConnectionError as RequestsConnectionError
from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter
from urllib3 import HTTPHeaderDict, HTTPResponse

from fake_redcap.server import FIELD_LIMIT, LINE_LIMIT

if TYPE_CHECKING:
    from fake_redcap.server import FakeServer

_DIGITS = re.compile(r"[0-9]+")
_QUOTED_SLASH = re.compile(r"(?i)%2F")
_lock = threading.Lock()
_routes: dict[tuple[str, int], FakeServer] = {}
_original_send: Any = None


@contextlib.contextmanager
def in_process(server: FakeServer) -> Iterator[FakeServer]:
    """Answer `requests` calls to `server`'s URL in-process while the block runs."""
    intercept(server)
    try:
        yield server
    finally:
        release(server)


def intercept(server: FakeServer) -> None:
    """From now on, `requests` calls to this (started) server are answered in-process."""
    global _original_send
    if server.port is None:
        raise RuntimeError("start the server before routing requests to it in-process")
    with _lock:
        _routes[(server.host.lower(), server.port)] = server
        if _original_send is None:
            _original_send = HTTPAdapter.send
            HTTPAdapter.send = _send  # type: ignore[method-assign,assignment]


def release(server: FakeServer) -> None:
    """Calls to this server go over its socket again (the patch goes once no server is routed)."""
    global _original_send
    with _lock:
        for key in [k for k, v in _routes.items() if v is server]:
            del _routes[key]
        if not _routes and _original_send is not None:
            HTTPAdapter.send = _original_send  # type: ignore[method-assign]
            _original_send = None


def _send(adapter: HTTPAdapter, request: PreparedRequest, **kwargs: Any) -> Response:
    split = urllib.parse.urlsplit(request.url or "")
    server = None
    if split.scheme == "http" and split.port is not None:
        server = _routes.get(((split.hostname or "").lower(), split.port))
    if server is not None:
        answered = _answer(server, adapter, request, split)
        if answered is not None:
            return answered
    return _original_send(adapter, request, **kwargs)  # type: ignore[no-any-return]


def _answer(
    server: FakeServer, adapter: HTTPAdapter, request: PreparedRequest, split: urllib.parse.SplitResult
) -> Response | None:
    cheroot = server._server
    if cheroot is None or server.state.faults.active():
        return None
    environ = _environ(server, request, split)
    if environ is None:
        return None
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if started and not exc_info:
            raise RuntimeError("WSGI start_response called a second time with no exc_info.")
        started[:] = [status, list(headers)]
        return _no_write

    result = cheroot.wsgi_app(environ, start_response)
    chunks = filter(None, result)
    try:
        first = next(chunks, b"")
    except Exception as error:  # the socket path logs it and answers Apache's 500 page
        _close(result)
        raise RequestsConnectionError(f"the fake failed while answering in-process: {error!r}") from error
    status, headers = started
    code = int(status[:3])
    outheaders = _as_cheroot_sends(cheroot.server_name, request, code, headers)
    raw = HTTPResponse(
        body=_Body(first, chunks, result),
        headers=HTTPHeaderDict(outheaders),
        status=code,
        version=11,
        version_string="HTTP/1.1",
        reason=status[4:],
        preload_content=False,
        decode_content=False,
        request_method=request.method,
        request_url=request.url,
    )
    raw._original_response = _Original(outheaders)  # type: ignore[assignment]  # for requests' cookie jar
    return adapter.build_response(request, raw)


def _no_write(data: bytes) -> None:
    raise RuntimeError("the fake's apps never call write()")


def _environ(
    server: FakeServer, request: PreparedRequest, split: urllib.parse.SplitResult
) -> dict[str, Any] | None:
    """cheroot's WSGI environ (cheroot/wsgi.py Gateway_10.get_environ) for this request, or None when the
    socket path would answer something in-process cannot make the same."""
    body = request.body
    if isinstance(body, str):
        body = body.encode("utf-8")  # what urllib3 sends for a str body
    if body is not None and not isinstance(body, bytes):
        return None  # a file or a generator: streamed over the socket
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        try:
            text.encode("latin-1")
        except UnicodeEncodeError:
            return None  # http.client refuses it: let the socket path raise as it does
        headers[name.upper().replace("-", "_")] = text.strip(" \t")
    if {"HOST", "TRANSFER_ENCODING", "EXPECT"} & headers.keys() or not {
        "USER_AGENT",
        "ACCEPT_ENCODING",
    } <= headers.keys():
        return None  # http.client/urllib3 would add or change these
    length = headers.get("CONTENT_LENGTH")
    size = len(body or b"")
    if (length is None and body is not None) or (
        length is not None and (not _DIGITS.fullmatch(length) or int(length) != size)
    ):
        return None
    limit = server.limit_request_body
    target = split.path or "/"
    if split.query:
        target += "?" + split.query
    if (
        split.fragment
        or "%2f" in target.lower()
        or (limit and size > limit)
        or len(headers) + 1 > FIELD_LIMIT
        or len(f"{request.method} {target} HTTP/1.1") > LINE_LIMIT
        or any(len(f"{k}: {v}") > LINE_LIMIT for k, v in request.headers.items())
    ):
        return None
    host = split.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    headers["HOST"] = f"{netloc}:{split.port}"
    path = urllib.parse.unquote_to_bytes(split.path or "/")
    environ: dict[str, Any] = {
        "ACTUAL_SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": path.decode("latin-1"),
        "QUERY_STRING": split.query,
        "REMOTE_ADDR": "127.0.0.1" if ":" not in host else "::1",
        "REMOTE_PORT": "0",
        "REQUEST_METHOD": request.method,
        "REQUEST_URI": target,
        "SCRIPT_NAME": "",
        "SERVER_NAME": server._server.server_name if server._server else "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_SOFTWARE": server._server.software if server._server else "",
        "SERVER_PORT": str(split.port),
        "wsgi.errors": sys.stderr,
        "wsgi.input": KnownLengthRFile(io.BytesIO(body or b""), int(length or 0)),
        "wsgi.input_terminated": False,
        "wsgi.multiprocess": False,
        "wsgi.multithread": True,
        "wsgi.run_once": False,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
    }
    for name, value in headers.items():
        environ[f"HTTP_{name}"] = value
    if "HTTP_CONTENT_TYPE" in environ:
        environ["CONTENT_TYPE"] = environ.pop("HTTP_CONTENT_TYPE")
    if "HTTP_CONTENT_LENGTH" in environ:
        environ["CONTENT_LENGTH"] = environ.pop("HTTP_CONTENT_LENGTH")
    return environ


def _as_cheroot_sends(
    server_name: str, request: PreparedRequest, code: int, headers: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The app's headers and those cheroot's HTTPRequest.send_headers adds, in its order."""
    out = list(headers)
    keys = [k.lower() for k, _ in out]
    close = str(request.headers.get("Connection", "")).lower() == "close" or any(
        k.lower() == "connection" and v.lower() == "close" for k, v in headers
    )
    if code == 413:
        close = True
    elif "content-length" not in keys and not (code < 200 or code in (204, 205, 304)):
        if request.method != "HEAD":
            out.append(("Transfer-Encoding", "chunked"))
        else:
            close = True
    if "connection" not in keys and close:
        out.append(("Connection", "close"))
    if "date" not in keys:
        out.append(("Date", _http_date()))
    if "server" not in keys:
        out.append(("Server", server_name))
    return out


class _Body(io.RawIOBase):
    """The WSGI body as the file urllib3 reads; the app's iterable is closed once read or closed."""

    def __init__(self, first: bytes, rest: Iterator[bytes], result: Iterable[bytes]) -> None:
        super().__init__()
        self._pending = first
        self._rest = rest
        self._result: Iterable[bytes] | None = result

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            if self._result is None:
                return 0
            try:
                self._pending = next(self._rest)
            except StopIteration:
                self.close()
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        result, self._result = self._result, None
        if result is not None:
            _close(result)
        super().close()


def _close(result: Iterable[bytes]) -> None:
    closing = getattr(result, "close", None)
    if closing is not None:
        closing()


class _Original:
    """What requests reads of http.client's response: the headers, for its cookie jar (http.cookiejar
    asks `msg.get_all("Set-Cookie", [])`)."""

    def __init__(self, headers: list[tuple[str, str]]) -> None:
        self.msg = _Headers(headers)

    def isclosed(self) -> bool:
        return True

    def close(self) -> None:
        pass


class _Headers:
    def __init__(self, headers: list[tuple[str, str]]) -> None:
        self._headers = headers

    def get_all(self, name: str, default: Any = None) -> Any:
        wanted = name.lower()
        found = [v for k, v in self._headers if k.lower() == wanted]
        return found or default


_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    """cheroot's `Date` value (email.utils.formatdate(usegmt=True)), made once per second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, email.utils.formatdate(now, usegmt=True))
    return _date_cache[1]
