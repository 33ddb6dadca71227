"""What the client checks on its own side: the arguments of a file method before any request, and what
an answer's headers and body say (`RedcapClient` in `redcap.py` calls these)."""

from __future__ import annotations

import ipaddress
import operator
from dataclasses import dataclass

import requests

from redcap_file_client.errors import RedcapError, error_message
from redcap_file_client.filenames import filename_from_headers, parse_header_params, repair_latin1


@dataclass(frozen=True)
class FileHeaders:
    filename: str | None
    mime_type: str | None
    charset: str | None
    content_type: str | None


def file_params(
    action: str, record: str | int, field: str, event: str | None, repeat_instance: int | None
) -> list[tuple[str, str]]:
    """Validate the arguments (before any request) and build the form fields REDCap reads."""
    if isinstance(record, bool) or not isinstance(record, str | int):
        raise ValueError(f"record must be a string or an integer, not {type(record).__name__}")
    record_text = str(record)
    if not record_text:
        raise ValueError("record must not be empty")
    if not isinstance(field, str) or not field or field.strip() != field:
        raise ValueError(f"field must be a non-empty field name without surrounding spaces, not {field!r}")
    params = [("content", "file"), ("action", action), ("record", record_text), ("field", field)]
    if event is not None:
        if not isinstance(event, str) or not event or event.strip() != event:
            raise ValueError(f"event must be a unique event name without surrounding spaces, not {event!r}")
        params.append(("event", event))
    if repeat_instance is not None:
        params.append(("repeat_instance", str(check_instance(repeat_instance))))
    return params


def check_instance(value: object) -> int:
    """A positive integer; 0, negatives, bools, floats and strings are refused (REDCap would silently
    turn them into instance 1)."""
    if isinstance(value, bool):
        raise ValueError("repeat_instance must be a positive integer, not a bool")
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"repeat_instance must be a positive integer, not {value!r}") from None
    if number < 1:
        raise ValueError(f"repeat_instance must be a positive integer (1 or more), not {number}")
    return number


def file_headers(resp: requests.Response) -> FileHeaders:
    """What an Export File answer says of its file. REDCap always names the file in the Content-Type
    (RestUtility::sendFile), so a 200 HTML page that names no file is something else (a maintenance or
    login page a proxy answered with) and raises rather than being saved as the file."""
    content_type = resp.headers.get("Content-Type")
    mime = charset = None
    if content_type:
        main, params = parse_header_params(repair_latin1(content_type))
        mime = main.lower() or None
        charset = params.get("charset") or None
    filename = filename_from_headers(resp.headers)
    if filename is None and mime in ("text/html", "application/xhtml+xml"):
        raw = resp.raw.read(64 * 1024, decode_content=False) if resp.raw is not None else b""
        message = error_message(resp.reason or "", content_type, raw)
        raise RedcapError(200, f"the answer names no file (not a REDCap file answer): {message}", raw)
    return FileHeaders(filename, mime, charset, content_type)


def expected_length(resp: requests.Response) -> int | None:
    """Content-Length, when it counts the bytes we will see (no content coding, not chunked)."""
    length = resp.headers.get("Content-Length")
    coding = resp.headers.get("Content-Encoding", "identity").strip().lower()
    chunked = "chunked" in resp.headers.get("Transfer-Encoding", "").lower()
    if length is None or coding not in ("", "identity") or chunked or not length.strip().isdigit():
        return None
    return int(length)


def empty_body_check(raw: bytes, resp: requests.Response) -> None:
    """Import and delete answer 200 with an empty body; anything else is not REDCap's success."""
    if raw.strip():
        message = error_message(resp.reason or "", resp.headers.get("Content-Type"), raw)
        raise RedcapError(200, f"expected an empty body, got: {message}", raw)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
