"""The request journal: every request the fake answered, without a token in it.

Tokens are replaced by the user name they belong to (or `<unknown token>`), so the journal can be
printed, served from `/__fake__/requests` and attached to a bug report.

Bounded in bytes, not only in entries, so that no client can grow the server's memory through it: a
text longer than `MAX_TEXT_BYTES` is cut, with a marker saying how long it was; an entry keeps its
parameters, uploads and lint notes in order up to `MAX_ENTRY_BYTES`, with a marker counting the rest;
and the journal drops its oldest entries once its accounted size passes `max_bytes` (default
`MAX_JOURNAL_BYTES`) or its length passes `limit`.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Any, TypeVar

from fake_redcap.params import ArrayParam, Params

T = TypeVar("T")
UNKNOWN_TOKEN = "<unknown token>"

MAX_TEXT_BYTES = 1024  # each parameter name or value, file name, message or note, in UTF-8
MAX_ENTRY_BYTES = 1024 * 1024  # one entry's parameters, uploads and lint notes together
MAX_JOURNAL_BYTES = 32 * 1024 * 1024  # the journal's accounted size, all entries together
# The accounted size of a text is its memory as a Python string (sys.getsizeof); of an entry, those of
# its texts, ITEM_OVERHEAD per parameter, upload and note, and ENTRY_OVERHEAD for the entry itself.
ITEM_OVERHEAD = 64
ENTRY_OVERHEAD = 1024
CUT_MARKER = "…[cut by the journal: {size} bytes in all, blake2b {digest}]"
MORE_KEY = "…"  # the parameter that counts the ones an entry did not keep
MORE_PARAMS = "{count} more parameter values not kept by the journal"
MORE_ITEMS = "{count} more not kept by the journal"  # uploads and lint notes


def kept(text: str) -> str:
    """`text` as the journal keeps it: whole, or its first MAX_TEXT_BYTES bytes (cut between two
    characters) and a marker with its whole length in bytes and a digest of it, so that two long values
    kept alike are still told apart (`find`, `assert_request_made`)."""
    if len(text) * 4 <= MAX_TEXT_BYTES:
        return text
    data = _utf8(text)
    if len(data) <= MAX_TEXT_BYTES:
        return text
    end = MAX_TEXT_BYTES
    while end > MAX_TEXT_BYTES - 3 and data[end] & 0xC0 == 0x80:  # not inside a UTF-8 sequence
        end -= 1
    digest = hashlib.blake2b(data, digest_size=8).hexdigest()
    return data[:end].decode("utf-8", "surrogateescape") + CUT_MARKER.format(size=len(data), digest=digest)


def _utf8(text: str) -> bytes:
    """The bytes a text stands for: request bytes that were not UTF-8 are kept as surrogate escapes."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is not an escape
        return text.encode("utf-8", "surrogatepass")


def _more(count: int) -> str:
    return MORE_ITEMS.format(count=count)


@dataclass
class JournalEntry:
    seq: int
    time: float
    method: str
    path: str
    params: dict[str, str | list[str]]  # token replaced by the user name
    uploads: dict[str, str] = dc_field(default_factory=dict)  # multipart part name -> file name
    user: str | None = None
    project_id: int | None = None
    content: str = ""
    action: str = ""
    record: str = ""
    field: str = ""
    status: int = 0
    message: str | None = None  # REDCap's error text, when the answer is an error
    bytes_sent: int = 0
    completed: bool = False  # the whole body went out
    fault: str | None = None  # the injected fault, if any
    lint: list[str] = dc_field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def matches(self, criteria: Mapping[str, object]) -> bool:
        """Whether every criterion holds. A long value is compared as the journal keeps it (cut, with
        the marker), so a request made with a 1 MB parameter is still found by that parameter."""
        for key, wanted in criteria.items():
            if key in ("content", "action", "record", "field", "user", "status", "method", "project_id"):
                if getattr(self, key) != _as_kept(wanted):
                    return False
            elif self.params.get(kept(key)) != _as_kept(wanted):
                return False
        return True

    def describe(self) -> str:
        shown = " ".join(f"{k}={v!r}" for k, v in self.params.items())
        outcome = f"{self.status}" + (f" {self.message!r}" if self.message else "")
        return f"#{self.seq} {self.method} {self.path} {shown} -> {outcome}"


class Journal:
    """Thread-safe list of `JournalEntry`, oldest first."""

    def __init__(self, limit: int = 10_000, *, max_bytes: int = MAX_JOURNAL_BYTES) -> None:
        self._entries: deque[JournalEntry] = deque()
        self._sizes: deque[int] = deque()  # each entry's accounted bytes
        self._size = 0
        self._lock = threading.Lock()
        self._seq = 0
        self._limit = limit
        self.max_bytes = max_bytes

    @property
    def size_bytes(self) -> int:
        """The accounted size of the entries held: the UTF-8 bytes of every text they keep, plus
        ENTRY_OVERHEAD each. Never above `max_bytes` once more than one entry is held."""
        with self._lock:
            return self._size

    def write(
        self,
        mask: Callable[[str], str],
        *,
        method: str,
        path: str,
        params: Params,
        user: str | None,
        uploads: Iterable[tuple[str, str]] = (),
        project_id: int | None = None,
        status: int,
        message: str | None = None,
        fault: str | None = None,
        lint: Iterable[str] = (),
    ) -> JournalEntry:
        """Journal one answered request. Every text passes through `mask` as it is stored, then is cut
        to MAX_TEXT_BYTES: the token parameter is already replaced by its user, and `mask` hides a token
        sent anywhere else (a misspelt `Token=`, a token pasted into `record=`, REDCap's messages and
        lint notes echoing one)."""

        def keep(text: str) -> str:
            return kept(mask(text))

        room = _Room(MAX_ENTRY_BYTES)
        entry = JournalEntry(
            seq=0,
            time=time.time(),
            method=kept(method),
            path=kept(path),
            params=_shown_params(params, user, keep, room),
            uploads=dict(
                _fitting(room, [(keep(k), keep(v)) for k, v in uploads], _pair_texts, _more_uploads)
            ),
            user=user,
            project_id=project_id,
            content=keep(params.text("content")),
            action=keep(params.text("action")),
            record=keep(params.text("record")),
            field=keep(params.text("field")),
            status=status,
            message=None if message is None else keep(message),
            fault=fault,
            lint=_fitting(room, [keep(note) for note in lint], _note_texts, _more),
        )
        size = _entry_bytes(entry, room)
        with self._lock:
            self._seq += 1
            entry.seq = self._seq
            self._entries.append(entry)
            self._sizes.append(size)
            self._size += size
            while len(self._entries) > self._limit or (
                self._size > self.max_bytes and len(self._entries) > 1
            ):
                self._entries.popleft()
                self._size -= self._sizes.popleft()
        return entry

    def entries(self) -> list[JournalEntry]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._sizes.clear()
            self._size = 0

    def find(self, **criteria: object) -> list[JournalEntry]:
        return [e for e in self.entries() if e.matches(criteria)]

    def assert_request_made(self, count: int | None = None, **criteria: object) -> list[JournalEntry]:
        """Fail with the similar requests shown when no request (or not `count`) matched `criteria`.

        Criteria name journal attributes (content, action, record, field, user, status, method,
        project_id) or any other request parameter.
        """
        found = self.find(**criteria)
        if (count is None and found) or (count is not None and len(found) == count):
            return found
        wanted = " ".join(f"{k}={v!r}" for k, v in criteria.items())
        expected = "at least one" if count is None else str(count)
        similar = self._similar(criteria)
        lines = [f"expected {expected} request(s) with {wanted}, found {len(found)}"]
        if similar:
            lines.append("similar requests:")
            lines.extend(f"  {e.describe()}" for e in similar)
        else:
            lines.append(f"the journal holds {len(self.entries())} request(s), none similar")
        raise AssertionError("\n".join(lines))

    def _similar(self, criteria: Mapping[str, object], limit: int = 5) -> list[JournalEntry]:
        scored = [(sum(e.matches({k: v}) for k, v in criteria.items()), e) for e in self.entries()]
        return [e for score, e in sorted(scored, key=lambda p: -p[0]) if score > 0][:limit]


class _Room:
    """What is left of one entry's MAX_ENTRY_BYTES. Once a text did not fit, nothing more does, so an
    entry keeps a prefix of what the request held, in order."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.used = 0

    def fits(self, texts: Iterable[str]) -> bool:
        need = ITEM_OVERHEAD
        for text in texts:
            need += sys.getsizeof(text)
        if need > self.left:
            self.left = -1
            return False
        self.left -= need
        self.used += need
        return True


def _shown_params(
    params: Params, user: str | None, keep: Callable[[str], str], room: _Room
) -> dict[str, str | list[str]]:
    """The parameters as the journal keeps them: the token replaced by whose it is, each text kept
    (masked and cut), in order while they fit the entry's room, and a MORE_KEY parameter counting the
    values (an array's each) that did not."""
    shown: dict[str, str | list[str]] = {}
    dropped = 0
    for key, value in params.items():
        if dropped:  # nothing more fits: only counted
            dropped += len(value.items) if isinstance(value, ArrayParam) else 1
            continue
        shown_value: str | list[str]
        if key == "token":
            shown_key, shown_value = key, user or UNKNOWN_TOKEN
        elif isinstance(value, ArrayParam):
            shown_key, shown_value = keep(key), [keep(v) for _, v in value.items]
        else:
            shown_key, shown_value = keep(key), keep(value)
        values = shown_value if isinstance(shown_value, list) else [shown_value]
        if room.fits([shown_key, *values]):
            shown[shown_key] = shown_value
        else:
            dropped = len(values)
    if dropped:
        shown[MORE_KEY] = MORE_PARAMS.format(count=dropped)
    return shown


def _fitting(
    room: _Room, items: Iterable[T], texts: Callable[[T], Iterable[str]], more: Callable[[int], T]
) -> list[T]:
    """The items that fit the room, in order, then `more(count)` for the ones that did not."""
    fitting: list[T] = []
    dropped = 0
    for item in items:
        if dropped or not room.fits(texts(item)):
            dropped += 1
        else:
            fitting.append(item)
    if dropped:
        fitting.append(more(dropped))
    return fitting


def _pair_texts(pair: tuple[str, str]) -> tuple[str, str]:
    return pair


def _note_texts(note: str) -> tuple[str]:
    return (note,)


def _more_uploads(count: int) -> tuple[str, str]:
    return MORE_KEY, _more(count)


def _entry_bytes(entry: JournalEntry, room: _Room) -> int:
    """The entry's accounted size: its parameters, uploads and notes as `room` counted them, its
    other texts, and ENTRY_OVERHEAD."""
    size = ENTRY_OVERHEAD + room.used
    for text in (entry.method, entry.path, entry.content, entry.action, entry.record, entry.field):
        size += sys.getsizeof(text)
    return size + (sys.getsizeof(entry.message) if entry.message is not None else 0)


def _as_kept(wanted: object) -> object:
    if isinstance(wanted, str):
        return kept(wanted)
    if isinstance(wanted, list):
        return [kept(v) if isinstance(v, str) else v for v in wanted]
    return wanted


class CountingBody:
    """A response body that counts what went out and closes the journal entry when done."""

    def __init__(self, body: Iterable[bytes], entry: JournalEntry) -> None:
        self._body = body
        self._entry = entry

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._body:
            self._entry.bytes_sent += len(chunk)
            yield chunk
        self._entry.completed = True

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is not None:
            close()
