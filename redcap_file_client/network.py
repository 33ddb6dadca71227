"""Why a request failed: which failures are worth a retry, and the most specific reason in a
requests/urllib3 exception chain, for messages a person can act on."""

from __future__ import annotations

from collections.abc import Iterator

import requests
import urllib3


def transient(exc: requests.RequestException) -> bool:
    return isinstance(exc, requests.ConnectionError | requests.Timeout) and not isinstance(
        exc, requests.exceptions.SSLError
    )


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what it wraps: urllib3 keeps causes in `.reason` or `args[0]`."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        reason = getattr(current, "reason", None)
        arg = current.args[0] if current.args else None
        if isinstance(reason, BaseException):
            current = reason
        elif isinstance(arg, BaseException):
            current = arg
        else:
            current = current.__cause__ or current.__context__


def is_timeout(exc: BaseException) -> bool:
    return any(
        isinstance(e, requests.Timeout | urllib3.exceptions.TimeoutError | TimeoutError)
        for e in exception_chain(exc)
    )


def root_cause(exc: BaseException) -> str:
    """The most specific reason in a requests/urllib3 exception chain (`[Errno 111] Connection refused`)."""
    chain = list(exception_chain(exc))
    if any(type(e).__name__ == "InvalidChunkLength" for e in chain):
        return "the connection closed inside the chunked body"
    best = chain[-1]
    text = str(best)
    if ": " in text and type(best).__module__.startswith("urllib3"):
        text = text.split(": ", 1)[1]
    return text or type(best).__name__
