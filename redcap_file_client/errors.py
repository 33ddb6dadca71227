"""One exception for everything that goes wrong between the client and REDCap, and the parser that
turns REDCap's error envelopes (json, xml, csv) and non-REDCap bodies into its message.

REDCap picks the envelope from `returnFormat` (docs/evidence/file-api-behaviour.md §2):
`{"error":"MSG"}`, `<?xml version="1.0" encoding="UTF-8" ?><hash><error>MSG</error></hash>` or
`ERROR: MSG`. The xml message is inserted without escaping and REDCap HTML-escapes some messages
itself (`The record "&lt;x&gt;" does not exist`), so the message is taken as the raw text between the
tags and never unescaped: the same error gives the same message in every format.
"""

from __future__ import annotations

import html
import json
import re

__all__ = ["RedcapError", "error_message"]

_MAX_MESSAGE = 300
_XML_ERROR = re.compile(r"<hash>\s*<error>(.*)</error>\s*</hash>", re.DOTALL)
_XML_ERROR_LOOSE = re.compile(r"<error>(.*?)</error>", re.DOTALL)
# REDCap 5 built its json by concatenation, without escaping: `{"error": "He said "hi""}`.
_JSON_ERROR_LOOSE = re.compile(r'^\s*\{\s*"error"\s*:\s*"(.*)"\s*\}\s*$', re.DOTALL)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.DOTALL | re.IGNORECASE)
_HTML_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.DOTALL | re.IGNORECASE)
_HTML_START = re.compile(r"<(!doctype|html|head|body)\b", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")


class RedcapError(Exception):
    """REDCap refused a request, answered with something that is not REDCap, or could not be reached.

    `status` is the HTTP status, or None when no complete answer arrived (connection refused, timeout,
    a body cut short); then the transport error is chained as `__cause__`. `message` is REDCap's own
    text when it sent one. `body` is the raw response body (empty when there was none).
    """

    def __init__(self, status: int | None, message: str, body: bytes = b"") -> None:
        super().__init__(status, message, body)
        self.status = status
        self.message = message
        self.body = body

    def __str__(self) -> str:
        if self.status is None:
            return self.message
        return f"HTTP {self.status}: {self.message}"

    def __repr__(self) -> str:
        return f"RedcapError(status={self.status!r}, message={self.message!r}, body=<{len(self.body)} bytes>)"


def error_message(reason: str, content_type: str | None, body: bytes) -> str:
    """REDCap's message from an error response, or a short honest description of what came instead."""
    raw_text = body.decode("utf-8", "replace")
    text = raw_text.strip()
    if not text:
        return f"{reason or 'no message'} (empty body)"
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            loose = _JSON_ERROR_LOOSE.match(text)
            if loose:
                return loose.group(1)
        else:
            if isinstance(data, dict) and "error" in data:
                return str(data["error"])
    match = _XML_ERROR.search(text) or (_XML_ERROR_LOOSE.search(text) if text.startswith("<?xml") else None)
    if match:
        return match.group(1)
    if text.startswith("ERROR: "):
        return raw_text.lstrip()[len("ERROR: ") :]  # REDCap's default 400 text ends in a space
    if _HTML_START.match(text) or (text.startswith("<") and "html" in (content_type or "").lower()):
        found = _HTML_TITLE.search(text) or _HTML_H1.search(text)
        summary = _squash(_TAGS.sub(" ", found.group(1) if found else text))
        return f"not a REDCap answer, an HTML page: {html.unescape(summary) or reason}"
    return _squash(text)


def _squash(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"
