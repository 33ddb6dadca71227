"""REDCap's error envelopes (docs/evidence/file-api-behaviour.md §2) and what is not REDCap."""

from __future__ import annotations

import pickle

import pytest

from fake_redcap import messages
from redcap_file_client import RedcapError
from redcap_file_client.errors import error_message
from tests.support import NO_PERMISSION, csv_error

NO_ACCESS = messages.EXPORT_NO_ACCESS


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        # json (V7+ json_encode: `/` escaped, quotes escaped, non-ASCII as \u)
        ("application/json; charset=utf-8", b'{"error":"invalid event"}', "invalid event"),
        (
            "application/json; charset=utf-8",
            b'{"error":"The API request cannot complete because currently you have \\"No Access\\" data'
            b' export rights. Higher level data export rights are required for this operation."}',
            NO_ACCESS,
        ),
        ("application/json; charset=utf-8", b'{"error":"a\\/b \\u00e9"}', "a/b é"),
        # V5: concatenated json, nothing escaped
        ("application/json", b'{"error": "The record "x" does not exist"}', 'The record "x" does not exist'),
        # xml, message not escaped: `&`, `<` and `"` appear raw
        (
            "text/xml; charset=utf-8",
            b'<?xml version="1.0" encoding="UTF-8" ?><hash><error>invalid event</error></hash>',
            "invalid event",
        ),
        (
            "text/xml; charset=utf-8",
            b'<?xml version="1.0" encoding="UTF-8" ?><hash><error>Tom & Jerry <3 "x"</error></hash>',
            'Tom & Jerry <3 "x"',
        ),
        (
            "text/xml; charset=utf-8",
            b'<?xml version="1.0" encoding="UTF-8" ?><hash><error>The record "&lt;b&gt;" does not exist'
            b"</error></hash>",
            'The record "&lt;b&gt;" does not exist',  # REDCap's own escaping is kept, as in json
        ),
        (
            "text/xml; charset=utf-8",
            b'<?xml version="1.0" encoding="UTF-8" ?><hash><error>The requested method is not implemented.'
            b"</error></hash>",
            messages.METHOD_NOT_IMPLEMENTED,
        ),
        # csv
        (
            "text/csv; charset=utf-8",
            csv_error(NO_PERMISSION),
            NO_PERMISSION,
        ),
        (
            "text/csv; charset=utf-8",
            b"ERROR: ERROR: The file cannot be uploaded because its file type is not permitted.",
            messages.FILE_TYPE_NOT_PERMITTED,
        ),
        # V5 csv: the raw message, labelled text/html
        ("text/html; charset=utf-8", b"invalid event", "invalid event"),
        # not REDCap
        ("text/html", b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", None),
        ("text/html", b"<!DOCTYPE html><html><body><h1>Service &amp; Unavailable</h1></body></html>", None),
        ("text/plain", b"   upstream   connect error  \n", "upstream connect error"),
    ],
)
def test_envelopes(content_type: str, body: bytes, message: str | None) -> None:
    out = error_message("Bad Request", content_type, body)
    if message is None:
        assert out.startswith("not a REDCap answer, an HTML page: ")
        assert "Bad Gateway" in out or "Service & Unavailable" in out
    else:
        assert out == message


def test_a_trailing_space_is_kept_in_every_format() -> None:
    message = messages.DEFAULT_400
    bodies = [
        b'{"error":"' + message.encode() + b'"}',
        b'<?xml version="1.0" encoding="UTF-8" ?><hash><error>' + message.encode() + b"</error></hash>",
        b"ERROR: " + message.encode(),
    ]
    for body in bodies:
        assert error_message("Bad Request", None, body) == message


def test_empty_body() -> None:
    assert error_message("Service Unavailable", None, b"") == "Service Unavailable (empty body)"
    assert error_message("", None, b"  \n") == "no message (empty body)"


def test_long_garbage_is_cut() -> None:
    out = error_message("Bad Request", "text/plain", b"x" * 5000)
    assert len(out) <= 300


def test_invalid_utf8_does_not_crash() -> None:
    assert error_message("Bad Request", "text/plain", b"a\xffb") == "a\ufffdb"


def test_exception_shape() -> None:
    err = RedcapError(400, "invalid event", b'{"error":"invalid event"}')
    assert (err.status, err.message, err.body) == (400, "invalid event", b'{"error":"invalid event"}')
    assert str(err) == "HTTP 400: invalid event"
    assert repr(err) == "RedcapError(status=400, message='invalid event', body=<25 bytes>)"
    assert str(RedcapError(None, "timed out")) == "timed out"
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.status, copy.message, copy.body) == (err.status, err.message, err.body)
