"""A real-socket, threaded, production-grade server (cheroot) for one fake REDCap world."""

from __future__ import annotations

import sys
import threading
from types import TracebackType

from cheroot import wsgi

from fake_redcap.api import create_app
from fake_redcap.control import ControlAccess, is_loopback
from fake_redcap.faults import FaultDrop
from fake_redcap.state import FakeState


class _Server(wsgi.Server):
    """cheroot's server, quiet about connections a fault dropped on purpose."""

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
    headers or body) before the server gives up on it: a stalled body is answered 408 and closed,
    like Apache's RequestReadTimeout, and only ever holds one of the `threads` workers.

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
        timeout: float = 10.0,
        control_secret: str | None = None,
        allow_remote: bool = False,
    ) -> None:
        if not is_loopback(host) and not allow_remote:
            raise ValueError(
                f"refusing to listen on {host}: other machines could then call the API with the served "
                "tokens and download the stored files; listen on 127.0.0.1, or pass allow_remote=True "
                "(fake-redcap serve --allow-remote) if that is what you want"
            )
        self.control = ControlAccess.create(control_secret, host, allow_remote=allow_remote)
        self.state = state if state is not None else FakeState()
        self.host = host
        self._requested_port = port
        self.app = create_app(self.state, header_variant=header_variant, control=self.control)
        self._threads = threads
        self.timeout = timeout
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
        """The secret the control endpoints and the page ask for (README, "Control endpoints")."""
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
            request_queue_size=64,
        )
        # The connection selector's select() timeout; stop() waits for the selector loop to notice, so
        # cheroot's default of 0.5 s made every stop take half a second (10 ms: stop in ~15 ms).
        server.expiration_interval = 0.01
        server.gateway = _Gateway
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
