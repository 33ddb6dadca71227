"""A real-socket, threaded, production-grade server (cheroot) for one fake REDCap world, answering what
Apache answers before PHP runs.

The connection model (figures and what bounds them: docs/reliability.md):

* A connection holds a worker thread only while a request on it is being read or answered; idle
  keep-alive connections wait in cheroot's selector. The pool starts at `threads` workers and grows on
  demand up to `max_threads` (400: Apache's event MPM MaxRequestWorkers default), so slow clients do not
  starve the others; idle workers beyond `threads` are retired again.
* Every read of a request is bounded as Apache's mod_reqtimeout bounds it (`ReadTimeouts`, Apache's
  defaults `RequestReadTimeout header=20-40,MinRate=500 body=20,MinRate=500`): a client that trickles
  its headers or body is answered 408 and closed once its budget is spent; a silent one after
  `timeout` seconds.
* Header lines are limited as Apache's LimitRequestLine / LimitRequestFieldSize (a line of 8 192 bytes or
  more, CRLF excluded: 414 for the request line, 400 for a header field, measured on Apache 2.4.71) and
  LimitRequestFields (100 fields: 400); Content-Length and Transfer-Encoding are checked as Apache does
  (400 for a malformed, negative or overflowing length, for a coding other than chunked last, for a
  broken chunked body; 413 for a chunk size past the largest body). Apache 2.4 never answers 431, and
  never 411 to a PHP request (a POST without a length is a POST without a body).
"""

from __future__ import annotations

import _pyio  # type: ignore[import-not-found]  # the pure-Python io cheroot builds on
import contextlib
import ctypes
import ctypes.util
import email.utils
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from cheroot import server as cheroot_server
from cheroot import wsgi
from cheroot.makefile import StreamReader, StreamWriter
from cheroot.workers.threadpool import ThreadPool, WorkerThread

from fake_redcap import apache
from fake_redcap.api import create_app
from fake_redcap.control import ControlAccess, is_loopback
from fake_redcap.faults import FaultDrop
from fake_redcap.state import FakeState
from fake_redcap.wire import BadChunkedBody

LINE_LIMIT = 8191  # longest request or header line Apache 2.4 accepts, CRLF excluded (measured)
FIELD_LIMIT = 100  # LimitRequestFields
_DIGITS = re.compile(rb"[0-9]+")
_MAX_BODY = 2**63 - 1  # apr_off_t: a longer Content-Length or chunk total overflows in Apache


@dataclass(frozen=True)
class ReadTimeouts:
    """Apache's `RequestReadTimeout header=H-HMAX,MinRate=R body=B,MinRate=R` (mod_reqtimeout; these
    are its defaults): reading the request line and headers may take `header` seconds, extended by one
    second for every `min_rate` bytes received, up to `header_max`; reading the body may take `body`
    seconds, extended the same way without a maximum. Past it: 408 and the connection is closed."""

    header: float = 20.0
    header_max: float = 40.0
    body: float = 20.0
    min_rate: int = 500


class _Budget:
    """The read deadline of one connection's current stage (headers or body)."""

    def __init__(self) -> None:
        self.deadline: float | None = None
        self.hard: float | None = None
        self.rate = 0

    def start(self, seconds: float, max_seconds: float | None, min_rate: int) -> None:
        now = time.monotonic()
        self.deadline = now + seconds
        self.hard = now + max_seconds if max_seconds is not None else None
        self.rate = min_rate

    def stop(self) -> None:
        self.deadline = None

    def received(self, count: int) -> None:
        if self.deadline is not None and self.rate > 0 and count > 0:
            self.deadline += count / self.rate
            if self.hard is not None:
                self.deadline = min(self.deadline, self.hard)


class _TimedSocketIO(socket.SocketIO):
    """A socket's raw reads, each bounded by the connection's stage deadline as well as by `timeout`."""

    def __init__(self, sock: socket.socket, mode: str, budget: _Budget, idle: float) -> None:
        super().__init__(sock, mode)  # type: ignore[arg-type]  # typeshed: mode is a Literal
        self.budget = budget
        self.idle = idle

    def readinto(self, b: Any) -> int | None:
        deadline = self.budget.deadline
        tightened = False
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("timed out")  # cheroot answers 408 to this text
            if left < self.idle:  # only then does the deadline come before the idle timeout
                self._sock.settimeout(left)  # type: ignore[attr-defined]
                tightened = True
        try:
            count = super().readinto(b)
        finally:
            if tightened:
                self._sock.settimeout(self.idle)  # type: ignore[attr-defined]
        self.budget.received(count or 0)
        return count


class _TimedReader(StreamReader):
    def __init__(self, sock: socket.socket, budget: _Budget, idle: float, bufsize: int) -> None:
        # StreamReader's own __init__ would make a plain SocketIO; build the buffered reader on ours.
        _pyio.BufferedReader.__init__(self, _TimedSocketIO(sock, "rb", budget, idle), bufsize)
        self.bytes_read = 0


class _LineTooLong(Exception):
    pass


class _TooManyFields(Exception):
    pass


class _HeadLines:
    """The request line and header lines, one `readline()` each, as Apache limits them."""

    def __init__(self, rfile: Any) -> None:
        self.rfile = rfile
        self.lines = 0
        self.content_lengths = 0  # cheroot keeps only one of repeated Content-Length headers

    def readline(self, size: int = -1) -> bytes:
        line: bytes = self.rfile.readline(LINE_LIMIT + 3)
        if len(line) > LINE_LIMIT and len(line.rstrip(b"\r\n")) > LINE_LIMIT:
            raise _LineTooLong
        self.lines += 1
        if line[:1] in b"Cc" and line[:15].lower() == b"content-length:":
            self.content_lengths += 1
        if self.lines > FIELD_LIMIT + 1 and line not in (b"\r\n", b"\n"):  # request line + 100 fields
            raise _TooManyFields
        return line


class _ChunkedBody:
    """A chunked request body, read with bounded memory: chunk sizes are parsed strictly (hex digits,
    optional extensions), data is handed out as it comes, trailers are read and ignored. A broken
    coding raises BadChunkedBody (400); a size past what Apache can count, ChunkTooLarge (413)."""

    def __init__(self, rfile: Any, limit: int) -> None:
        self.rfile = rfile
        self.limit = limit or _MAX_BODY
        self.left = 0  # bytes left in the current chunk
        self.total = 0
        self.done = False

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            pieces = []
            while piece := self.read(1 << 20):
                pieces.append(piece)
            return b"".join(pieces)
        if self.done or size == 0:
            return b""
        if self.left == 0:
            self._next_chunk()
            if self.done:
                return b""
        data: bytes = self.rfile.read(min(size, self.left))
        if not data:
            raise ConnectionAbortedError("the client closed the connection inside a chunk")
        self.left -= len(data)
        if self.left == 0 and self.rfile.read(2) != b"\r\n":
            raise BadChunkedBody("a chunk's data is not followed by CRLF")
        return data

    def readline(self, size: int | None = -1) -> bytes:  # werkzeug only calls read()
        return self.read(size if size is not None and size >= 0 else 1 << 16)

    def _next_chunk(self) -> None:
        line = self._line()
        size_text = line.split(b";", 1)[0].strip(b" \t\r\n")
        if not re.fullmatch(rb"[0-9A-Fa-f]+", size_text):
            raise BadChunkedBody(f"bad chunk size {size_text[:20]!r}")
        size = int(size_text, 16)
        if size > self.limit - self.total:
            raise ChunkTooLarge
        self.total += size
        if size == 0:
            while self._line() not in (b"\r\n", b"\n"):
                pass  # trailers are read and ignored
            self.done = True
            return
        self.left = size

    def _line(self) -> bytes:
        """One chunk-size or trailer line. Apache answers a line past its limit 413 (measured on 2.4.71,
        also for a size of 9 000 zeros); a line the client cut short is a body cut short."""
        line: bytes = self.rfile.readline(LINE_LIMIT + 3)  # _pyio may return up to one buffer more
        if len(line.rstrip(b"\r\n")) > LINE_LIMIT:
            raise ChunkTooLarge
        if not line.endswith(b"\n"):
            raise ConnectionAbortedError("the client closed the connection inside the chunked coding")
        return line


_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)
_MMAP_THRESHOLD = 128 * 1024  # glibc's initial value


def _keep_large_blocks_returnable() -> None:
    """Fix glibc's mmap threshold at its initial 128 KiB. By default glibc raises the threshold to the
    size of the largest block freed so far, after which every later 1 MB value of a request is carved
    from the worker thread's heap and, freed, fragments it: the server grew by about 1 MB per request
    carrying a 1 MB parameter (45 -> 197 MiB over 100 such requests; 45 -> 84 MiB with the threshold
    fixed). Same as running with MALLOC_MMAP_THRESHOLD_=131072; glibc only, a no-op elsewhere."""
    mallopt = getattr(_LIBC, "mallopt", None)
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)


_LIBC = ctypes.CDLL(ctypes.util.find_library("c")) if sys.platform.startswith("linux") else None


class ChunkTooLarge(Exception):
    """A chunk size that overflows Apache's body length (413)."""


class _ApacheRequest(cheroot_server.HTTPRequest):
    """cheroot's request reader, with Apache's limits and Apache's pages for what it refuses."""

    conn: _Connection

    def parse_request(self) -> None:
        timeouts = self.server.read_timeouts
        self.conn.budget.start(timeouts.header, timeouts.header_max, timeouts.min_rate)
        self.rfile = _HeadLines(self.conn.rfile)
        try:
            if not self.read_request_line():  # type: ignore[no-untyped-call]
                return
        except _LineTooLong:
            self.simple_response("414")
            return
        try:
            if not self.read_request_headers():
                return
        except _LineTooLong:
            self.simple_response("400", apache.FIELD_TOO_LONG)
            return
        except _TooManyFields:
            self.simple_response("400", apache.TOO_MANY_FIELDS)
            return
        self.conn.budget.start(timeouts.body, None, timeouts.min_rate)
        self.ready = True

    def read_request_headers(self) -> bool:
        """cheroot's, with Apache's checks of Content-Length and Transfer-Encoding (server/protocol.c
        ap_read_request, modules/http/http_filters.c) and no Expect handling beyond cheroot's."""
        try:
            self.header_reader(self.rfile, self.inheaders)
        except ValueError:
            self.simple_response("400")
            return False
        length = self.inheaders.get(b"Content-Length")
        te = self.inheaders.get(b"Transfer-Encoding")
        self.chunked_read = False
        if te is not None:
            codings = [x.strip().lower() for x in te.split(b",") if x.strip()]
            if not codings or codings[-1] != b"chunked":
                self.simple_response("400")  # "client sent unknown Transfer-Encoding"
                return False
            self.chunked_read = True
            self.inheaders.pop(b"Content-Length", None)  # chunked wins; Apache drops the length
        elif length is not None and (
            not _DIGITS.fullmatch(length.strip()) or int(length) > _MAX_BODY or self.rfile.content_lengths > 1
        ):
            self.simple_response("400")  # ap_parse_strict_length: digits only, no sign, no overflow
            return False
        limit = self.server.limit_request_body
        if limit and not self.chunked_read and int(self.inheaders.get(b"Content-Length", b"0")) > limit:
            self.simple_response("413", method=self.method.decode("latin-1", "replace"))
            return False
        if self.response_protocol == "HTTP/1.1":
            if self.inheaders.get(b"Connection", b"").lower() == b"close":
                self.close_connection = True
        elif self.inheaders.get(b"Connection", b"").lower() != b"keep-alive":
            self.close_connection = True
        if self.inheaders.get(b"Expect", b"").lower() == b"100-continue":
            try:
                self.conn.wfile.write(self.server.protocol.encode("ascii") + b" 100 Continue\r\n\r\n")
            except OSError:
                return False
        return True

    def respond(self) -> None:
        if self.chunked_read:
            self.rfile = _ChunkedBody(self.conn.rfile, self.server.limit_request_body)
        else:
            length = int(self.inheaders.get(b"Content-Length", b"0"))
            self.rfile = cheroot_server.KnownLengthRFile(self.conn.rfile, length)
        try:
            self.server.gateway(self).respond()
        except ChunkTooLarge:
            if not self.sent_headers:
                self.simple_response("413", method=self.method.decode("latin-1", "replace"))
            return
        if self.ready:
            self.ensure_headers_sent()
        if self.chunked_write:
            self.conn.wfile.write(b"0\r\n\r\n")

    def simple_response(self, status: Any, msg: str = "", method: str = "POST") -> None:
        """Apache's page for `status` (cheroot passes `408 Request Timeout`, `500 ...`, our codes come
        bare), always closing the connection, as Apache does after an error it answers itself."""
        code = int(str(status)[:3])
        if code not in (400, 408, 413, 414, 500, 503):
            code = 400 if 400 <= code < 500 else 500
        body = apache.page(code, signature=False, note=msg if code == 400 else "", method=method)
        head = (
            f"{self.server.protocol} {code} {apache.reason(code)}\r\n"
            f"Date: {email.utils.formatdate(usegmt=True)}\r\nServer: Apache\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n"
            f"Content-Type: {apache.CONTENT_TYPE}\r\n\r\n"
        )
        self.close_connection = True
        self.sent_headers = True
        with contextlib.suppress(OSError):  # the client may be gone already
            self.conn.wfile.write(head.encode("latin-1") + body)


class _Connection(cheroot_server.HTTPConnection):
    RequestHandlerClass = _ApacheRequest

    def __init__(self, server: _Server, sock: socket.socket, makefile: Any = None) -> None:
        self.budget = _Budget()
        super().__init__(server, sock, _make_file(self.budget, server.timeout))


def _make_file(budget: _Budget, idle: float) -> Any:
    def make(sock: socket.socket, mode: str = "r", bufsize: int = 8192) -> Any:
        if "r" in mode:
            return _TimedReader(sock, budget, idle, bufsize)
        return StreamWriter(sock, mode, bufsize)

    return make


class _ElasticPool(ThreadPool):
    """cheroot's pool, grown on demand (up to `max`) so that every connection waiting for a worker has
    one, and shrunk back towards `min` when many workers are idle. cheroot's own grow() waits 0.1 s per
    new thread in the selector loop; this one does not wait."""

    def put(self, obj: Any) -> None:
        threads: list[WorkerThread] = self._threads  # type: ignore[attr-defined]
        idle = self.idle
        waiting = self._queue.qsize() + 1  # type: ignore[attr-defined]
        if idle < waiting and len(threads) < self.max:
            for _ in range(min(waiting - idle, int(self.max) - len(threads))):
                worker = WorkerThread(self.server)  # type: ignore[no-untyped-call]
                worker.name = f"fake-redcap worker {len(threads)}"
                worker.daemon = True
                worker.start()
                threads.append(worker)
        elif idle > self.min + 32 and waiting == 1:
            self.shrink(idle - self.min - 16)
        super().put(obj)


class _Server(wsgi.Server):
    """cheroot's server, quiet about connections a fault dropped on purpose."""

    ConnectionClass = _Connection
    read_timeouts = ReadTimeouts()
    limit_request_body = 0

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        if traceback and isinstance(sys.exc_info()[1], FaultDrop):
            return
        super().error_log(msg, level, traceback)


class _Gateway(wsgi.Gateway_10):
    """cheroot's WSGI gateway, except that an answer saying `Connection: close` closes the connection
    without first reading the rest of the request body, which may never come (a stalled upload)."""

    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info: object = None) -> object:
        if any(k.lower() == "connection" and v.lower() == "close" for k, v in headers):
            self.req.close_connection = True
        return super().start_response(status, headers, exc_info)


class FakeServer:
    """Serves `state` on HOST:PORT (port 0 picks a free one). `url` is the API URL, ending in `/api/`.

    `timeout` is how many seconds a connection may stay silent (while sending its request line,
    headers or body) before the server gives up on it: a stalled body is answered 408 and closed.
    `read_timeouts` bounds a request that trickles (Apache's RequestReadTimeout, see `ReadTimeouts`).
    `threads` workers are started; up to `max_threads` serve at once (a slow client holds one worker
    while its request is read or answered, never the others); `backlog` is the listen queue (Apache's
    ListenBacklog default). `limit_request_body` is Apache's LimitRequestBody (bytes, 0 for none: Apache
    2.4.54+ defaults to 1 GiB, which would refuse the 1 GiB uploads the benchmarks make): a longer body is
    answered 413 before it is read.

    The control endpoints (`/__fake__/...`) and the page need the control secret: `control_secret`
    (letters, digits, `._~-`, 16 or more), or a random one. `control_headers` is the header to send,
    `page_url` opens the page in a browser. Listening on anything but loopback needs `allow_remote`.

    >>> with FakeServer(FakeState()) as server:   # doctest: +SKIP
    ...     requests.post(server.url, data={...})
    ...     requests.post(server.base_url + "/__fake__/reset", headers=server.control_headers)
    """

    def __init__(
        self,
        state: FakeState | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        header_variant: str = "redcap",
        threads: int = 16,
        max_threads: int = 400,
        timeout: float = 10.0,
        read_timeouts: ReadTimeouts | None = None,
        backlog: int = 511,
        limit_request_body: int = 0,
        control_secret: str | None = None,
        allow_remote: bool = False,
    ) -> None:
        if not is_loopback(host) and not allow_remote:
            raise ValueError(
                f"refusing to listen on {host}: other machines could then call the API with the served "
                "tokens and download the stored files; listen on 127.0.0.1, or pass allow_remote=True "
                "(fake-redcap serve --allow-remote) if that is what you want"
            )
        if not 1 <= threads <= max_threads:
            raise ValueError(f"threads ({threads}) must be between 1 and max_threads ({max_threads})")
        self.control = ControlAccess.create(control_secret, host, allow_remote=allow_remote)
        self.state = state if state is not None else FakeState()
        self.host = host
        self._requested_port = port
        self.app = create_app(self.state, header_variant=header_variant, control=self.control)
        self._threads = threads
        self.max_threads = max_threads
        self.timeout = timeout
        self.read_timeouts = read_timeouts if read_timeouts is not None else ReadTimeouts()
        self.backlog = backlog
        self.limit_request_body = limit_request_body
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the server is not started; call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The API URL, as a REDCap server's: `http://HOST:PORT/api/`."""
        return self.base_url + "/api/"

    @property
    def control_secret(self) -> str:
        """The secret the control endpoints and the page ask for (docs/server.md, "Control endpoints")."""
        return self.control.secret

    @property
    def control_headers(self) -> dict[str, str]:
        """`{"X-Fake-Redcap-Control": secret}`: send it with every request to `/__fake__/...`."""
        return self.control.headers

    @property
    def page_url(self) -> str:
        """The page's URL with the secret, for a browser (it trades the secret for a cookie)."""
        return self.control.page_url(self.base_url)

    def start(self) -> FakeServer:
        if self._server is not None:
            raise RuntimeError("the server is already started")
        server = _Server(
            (self.host, self._requested_port),
            self.app,
            numthreads=self._threads,
            server_name="Apache",
            timeout=self.timeout,  # type: ignore[arg-type]  # cheroot's stub says int; floats work
            shutdown_timeout=0.25,  # type: ignore[arg-type]  # cheroot's stub says int; floats work
            request_queue_size=self.backlog,
        )
        server.requests = _ElasticPool(server, min=self._threads, max=self.max_threads)
        server.read_timeouts = self.read_timeouts
        server.limit_request_body = self.limit_request_body
        # The connection selector's select() timeout; stop() waits for the selector loop to notice, so
        # cheroot's default of 0.5 s made every stop take half a second (10 ms: stop in ~15 ms).
        server.expiration_interval = 0.01
        server.gateway = _Gateway
        _keep_large_blocks_returnable()
        server.prepare()  # binds and listens: requests are accepted from here on
        self.port = int(server.bind_addr[1])
        self._server = server
        self._thread = threading.Thread(target=server.serve, name=f"fake-redcap:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.stop()
        if thread is not None:
            thread.join(timeout=2)

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self.port is not None else "not started"
        return f"FakeServer({where})"
