"""The request journal: every request the fake answered, without a token in it.

Tokens are replaced by the user name they belong to (or `<unknown token>`), so the journal can be
printed, served from `/__fake__/requests` and attached to a bug report.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Any

from fake_redcap.params import ArrayParam, Params

UNKNOWN_TOKEN = "<unknown token>"


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
        for key, wanted in criteria.items():
            if key in ("content", "action", "record", "field", "user", "status", "method", "project_id"):
                if getattr(self, key) != wanted:
                    return False
            elif self.params.get(key) != wanted:
                return False
        return True

    def describe(self) -> str:
        shown = " ".join(f"{k}={v!r}" for k, v in self.params.items())
        outcome = f"{self.status}" + (f" {self.message!r}" if self.message else "")
        return f"#{self.seq} {self.method} {self.path} {shown} -> {outcome}"


class Journal:
    """Thread-safe list of `JournalEntry`, oldest first."""

    def __init__(self, limit: int = 10_000) -> None:
        self._entries: list[JournalEntry] = []
        self._lock = threading.Lock()
        self._seq = 0
        self._limit = limit

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
        """Journal one answered request. Every text passes through `mask` as it is stored: the token
        parameter is already replaced by its user, and `mask` hides a token sent anywhere else (a
        misspelt `Token=`, a token pasted into `record=`, REDCap's messages and lint notes echoing one)."""
        entry = JournalEntry(
            seq=0,
            time=time.time(),
            method=method,
            path=path,
            params=_shown_params(params, user, mask),
            uploads={mask(name): mask(filename) for name, filename in uploads},
            user=user,
            project_id=project_id,
            content=mask(params.text("content")),
            action=mask(params.text("action")),
            record=mask(params.text("record")),
            field=mask(params.text("field")),
            status=status,
            message=None if message is None else mask(message),
            fault=fault,
            lint=[mask(note) for note in lint],
        )
        with self._lock:
            self._seq += 1
            entry.seq = self._seq
            self._entries.append(entry)
            if len(self._entries) > self._limit:
                del self._entries[: len(self._entries) - self._limit]
        return entry

    def entries(self) -> list[JournalEntry]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

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


def _shown_params(params: Params, user: str | None, mask: Callable[[str], str]) -> dict[str, str | list[str]]:
    """The parameters as the journal keeps them: the token replaced by whose it is."""
    shown: dict[str, str | list[str]] = {}
    for key, value in params.items():
        if key == "token":
            shown[key] = user or UNKNOWN_TOKEN
        elif isinstance(value, ArrayParam):
            shown[mask(key)] = [mask(v) for _, v in value.items]
        else:
            shown[mask(key)] = mask(value)
    return shown


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
