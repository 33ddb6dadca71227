"""Faults a real REDCap (or the web server, proxy or network in front of it) can show a client.

A fault matches requests by content, action, record, field and user, and fires once, N times or
always; `probability` with a seeded random source makes flaky-network runs repeatable.
"""

from __future__ import annotations

import enum
import random
import re
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from fake_redcap import apache
from fake_redcap import messages as msg
from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.messages import Change, Profile
from fake_redcap.responses import PHP_DEFAULT_CONTENT_TYPE, Reply, error_reply


class FaultKind(enum.StrEnum):
    """What a fault does; the values are the `kind` spellings of `Fault(...)` and `/__fake__/faults`."""

    DELAY = "delay"  # wait `seconds` before answering
    TRICKLE = "trickle"  # send the body `chunk_size` bytes at a time, `seconds` apart
    DROP = "drop"  # close the connection after `after_bytes` bytes of the body
    SHORT_BODY = "short_body"  # promise the whole length, send `after_bytes` bytes, close
    HTTP_ERROR = "http_error"  # a 500/502/503 HTML page from the PHP/Apache front (`status`)
    MAINTENANCE = "maintenance"  # a 200 HTML maintenance page instead of the answer
    OFFLINE = "offline"  # REDCap's system-offline answer (400)
    API_DISABLED = "api_disabled"  # REDCap's "The REDCap API is not enabled." (400 since V10)


# The spellings `Fault(kind)` takes, so that mypy catches `Fault("dorp")` in a typed test too.
FaultKindName = Literal[
    "delay", "trickle", "drop", "short_body", "http_error", "maintenance", "offline", "api_disabled"
]
KINDS: tuple[str, ...] = tuple(kind.value for kind in FaultKind)

_MATCH_KEYS = ("content", "action", "record", "field", "user")
# A project token (32 hexadecimal characters) or a Super API Token (64 letters and digits): `match.user`
# names the user, and a token there would silently never match.
TOKEN_SHAPE = re.compile(r"[0-9A-Fa-f]{32}|[A-Za-z0-9]{64}")

MAINTENANCE_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>REDCap - Maintenance</title></head>\n<body>\n"
    b"<h1>REDCap is undergoing maintenance</h1>\n<p>Please try again in a few minutes.</p>\n</body></html>\n"
)


class FaultDrop(ConnectionAbortedError):
    """Raised inside a response body to make the server drop the connection (not a server error)."""


class FaultError(ValueError):
    """A fault that cannot be set up as asked; the message says what to change."""


@dataclass(init=False)
class Fault:
    kind: FaultKind
    match: dict[str, str]
    times: int | None  # None: sticky, fires on every match
    probability: float
    seconds: float
    status: int
    after_bytes: int
    chunk_size: int
    id: int
    fired: int

    def __init__(
        self,
        kind: FaultKind | FaultKindName,
        match: dict[str, str] | None = None,
        times: int | None = 1,
        probability: float = 1.0,
        seconds: float = 0.0,
        status: int = 503,
        after_bytes: int = 0,
        chunk_size: int = 1024,
        id: int = 0,  # the fault's number, as /__fake__/faults shows it
        fired: int = 0,
    ) -> None:
        try:
            self.kind = FaultKind(kind)
        except ValueError:
            raise FaultError(f"unknown fault kind {kind!r}; choose one of {', '.join(KINDS)}") from None
        self.match = {} if match is None else match
        self.times, self.probability, self.seconds, self.status = times, probability, seconds, status
        self.after_bytes, self.chunk_size, self.id, self.fired = after_bytes, chunk_size, id, fired
        self._check()

    def _check(self) -> None:
        unknown = set(self.match) - set(_MATCH_KEYS)
        if unknown:
            raise FaultError(f"faults match on {', '.join(_MATCH_KEYS)}; not on {', '.join(sorted(unknown))}")
        user = self.match.get("user")
        if isinstance(user, str) and TOKEN_SHAPE.fullmatch(user.strip()):
            # The value is not repeated: it is most likely a real API token.
            raise FaultError(
                "match.user takes the user's name as the fixture's users list gives it (e.g. 'importer'), "
                "not an API token; a token there would never match"
            )
        if self.times is not None and self.times < 1:
            raise FaultError("times must be a positive number, or null for a sticky fault")
        if not 0.0 <= self.probability <= 1.0:
            raise FaultError("probability must be between 0 and 1")
        if self.kind is FaultKind.HTTP_ERROR and self.status not in apache.FRONT_ERRORS:
            raise FaultError(f"http_error takes status 500, 502 or 503, not {self.status}")
        if self.seconds < 0 or self.after_bytes < 0 or self.chunk_size < 1:
            raise FaultError("seconds and after_bytes must be >= 0 and chunk_size >= 1")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times


class Faults:
    """The faults set on one fake world."""

    def __init__(self, seed: int | None = None) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._next_id = 1
        self._random = random.Random(seed)

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            fault.id = self._next_id
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def seed(self, seed: int) -> None:
        with self._lock:
            self._random.seed(seed)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if not f.exhausted]

    def take(self, request: Mapping[str, str]) -> Fault | None:
        """The first live fault matching this request, counted as fired."""
        with self._lock:
            for fault in self._faults:
                if fault.exhausted or any(request.get(k, "") != v for k, v in fault.match.items()):
                    continue
                if fault.probability < 1.0 and self._random.random() >= fault.probability:
                    continue
                fault.fired += 1
                return fault
        return None


def apply(fault: Fault, reply: Reply, fmt: ReturnFormat, profile: Profile) -> Reply:
    """The reply as the fault makes the client see it."""
    if fault.kind is FaultKind.DELAY:
        reply.delay = fault.seconds  # waited out just before the answer goes out, once it is journalled
        return reply
    if fault.kind is FaultKind.HTTP_ERROR:
        return apache.reply(fault.status, signature=True)
    if fault.kind is FaultKind.MAINTENANCE:
        return Reply(200, PHP_DEFAULT_CONTENT_TYPE, MAINTENANCE_PAGE)
    if fault.kind is FaultKind.OFFLINE:
        return error_reply(ApiError(400, msg.SYSTEM_OFFLINE), fmt, profile)
    if fault.kind is FaultKind.API_DISABLED:
        status = 400 if profile.has(Change.API_DISABLED_IS_400) else 503
        return error_reply(ApiError(status, msg.API_DISABLED), fmt, profile)
    body = reply.body if not isinstance(reply.body, bytes) else [reply.body]
    if fault.kind is FaultKind.TRICKLE:
        reply.body = _trickle(body, fault.chunk_size, fault.seconds)
        reply.streamed = True
        return reply
    # drop / short_body: the connection ends after `after_bytes` bytes; short_body first promises the
    # whole length in Content-Length.
    if fault.kind is FaultKind.SHORT_BODY and reply.size is not None:
        reply.headers.append(("Content-Length", str(reply.size)))
    reply.body = _cut(body, fault.after_bytes)
    reply.streamed = True
    reply.close_connection = True
    return reply


def fault_message(fault: Fault, message: str | None) -> str | None:
    """The REDCap message the client was shown once the fault applied (None for an HTML page)."""
    if fault.kind is FaultKind.OFFLINE:
        return msg.SYSTEM_OFFLINE
    if fault.kind is FaultKind.API_DISABLED:
        return msg.API_DISABLED
    if fault.kind in (FaultKind.HTTP_ERROR, FaultKind.MAINTENANCE):
        return None
    return message


def _trickle(body: Iterable[bytes], size: int, pause: float) -> Iterator[bytes]:
    for chunk in body:
        for start in range(0, len(chunk), size):
            yield chunk[start : start + size]
            time.sleep(pause)


def _cut(body: Iterable[bytes], limit: int) -> Iterator[bytes]:
    sent = 0
    for chunk in body:
        piece = chunk[: max(0, limit - sent)]
        if piece:
            yield piece
            sent += len(piece)
        if sent >= limit:
            break
    raise FaultDrop("fault: connection dropped mid-body")
