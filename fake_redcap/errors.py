"""REDCap's error answer: `ApiError(status, message)` and its xml / json / csv envelopes.

Source: `Classes/RestUtility.php` `sendResponse` (V7–V15 identical here), reference §2.
"""

from __future__ import annotations

import enum
import json

from fake_redcap.messages import Profile


class ReturnFormat(enum.StrEnum):
    XML = "xml"
    JSON = "json"
    CSV = "csv"


class ApiError(Exception):
    """A REDCap error answer; the response layer renders it in the request's returnFormat."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.message!r})"


def php_json_encode(value: object) -> str:
    """PHP's `json_encode` with default flags: `/` becomes `\\/`, non-ASCII becomes `\\uhhhh`, no spaces.

    Raises UnicodeEncodeError for strings holding invalid UTF-8 (kept as surrogate escapes), where PHP
    returns false.
    """
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    # A string holding a surrogate (invalid UTF-8 kept as a surrogate escape) comes out as "\\udXXX":
    # without that text in the output no string holds one, and the walk below is skipped.
    if "\\ud" in text:
        _reject_invalid_utf8(value)
    return text.replace("/", "\\/")


def _reject_invalid_utf8(value: object) -> None:
    if isinstance(value, str):
        value.encode("utf-8")
    elif isinstance(value, dict):
        for k, v in value.items():
            _reject_invalid_utf8(k)
            _reject_invalid_utf8(v)
    elif isinstance(value, list | tuple):
        for v in value:
            _reject_invalid_utf8(v)


def content_type_for(fmt: ReturnFormat, profile: Profile) -> str:
    """`Content-type: <type>; charset=utf-8` as sendResponse emits it (csv was text/html before V10)."""
    mime = {
        ReturnFormat.JSON: "application/json",
        ReturnFormat.CSV: profile.csv_error_content_type,
        ReturnFormat.XML: "text/xml",
    }[fmt]
    return f"{mime}; charset=utf-8"


def error_body(message: str, fmt: ReturnFormat) -> bytes:
    """The exact error body, no trailing newline. xml is not escaped; json is PHP's json_encode."""
    if fmt is ReturnFormat.JSON:
        if message.startswith('{"error"'):
            return _utf8(message)
        try:
            return php_json_encode({"error": message}).encode("ascii")
        except UnicodeEncodeError:
            # json_encode returns false on invalid UTF-8 and PHP echoes it as "" (reference §7 q8).
            return b""
    if fmt is ReturnFormat.CSV:
        return _utf8("ERROR: " + message)
    if message.startswith("<error>"):
        return _utf8(f'<?xml version="1.0" encoding="UTF-8" ?><hash>{message}</hash>')
    return _utf8(f'<?xml version="1.0" encoding="UTF-8" ?><hash><error>{message}</error></hash>')


def _utf8(text: str) -> bytes:
    """Parameters keep invalid request bytes as surrogate escapes; they go back out as those bytes."""
    return text.encode("utf-8", "surrogateescape")
