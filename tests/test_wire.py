"""What Apache answers before PHP runs, over a real socket: broken lengths and chunked bodies, header
limits, bodies over LimitRequestBody. Each gets Apache's own page, never a 500 or a traceback, and the
connection is closed.

The expected pages and limits were observed on Apache 2.4.71 (Debian, default configuration plus
`ServerSignature Off`): a header line of 8 191 bytes (CRLF excluded) passes and 8 192 is refused; 100
header fields pass and 101 are refused; a request line of 8 192 bytes is 414. Apache 2.4 never sends
431, and a POST without Content-Length reaches PHP as an empty body (no 411).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder

from fake_redcap import FakeServer, FakeState
from fake_redcap.wire import PhpSizedRequest, discard_spooled_uploads, read_params, read_uploads
from tests.support import (
    BOUNDARY,
    MULTIPART_TYPE,
    NO_PERMISSION,
    URLENCODED_TYPE,
    XML_HEAD,
    multipart_body,
    read_answer,
    token,
    write_fixture,
)

ADMIN = token(0x3A1E, 1)
DOC = b"wire test document\n"
FIXTURE: dict[str, Any] = {
    "project": {"project_id": 812, "title": "Wire"},
    "fields": [
        {"name": "record_id", "form": "main", "type": "text"},
        {"name": "doc", "form": "main", "type": "file"},
    ],
    "users": [{"username": "admin", "token": ADMIN, "data_export": "full", "api_import": True}],
    "records": [{"record": "1", "files": {"doc": {"text": DOC.decode(), "name": "doc.txt"}}}],
}
BODY = f"token={ADMIN}&content=file&action=export&record=1&field=doc".encode()
HEAD = f"POST /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {URLENCODED_TYPE}\r\n".encode()


def page(status: str, text: str) -> bytes:
    title = status.split(" ", 1)[1]
    return (
        f'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>{status}</title>\n'
        f"</head><body>\n<h1>{title}</h1>\n{text}</body></html>\n"
    ).encode()


def bad_request(note: str = "") -> bytes:
    return page(
        "400 Bad Request",
        f"<p>Your browser sent a request that this server could not understand.<br />\n{note}</p>\n",
    )


TOO_LARGE = page(
    "413 Request Entity Too Large",
    "The requested resource does not allow request data with POST requests, or the amount of data provided "
    "in\nthe request exceeds the capacity limit.\n",
)
URI_TOO_LONG = page(
    "414 Request-URI Too Long",
    "<p>The requested URL's length exceeds the capacity\nlimit for this server.<br />\n</p>\n",
)
FIELD_TOO_LONG = bad_request("Size of a request header field exceeds server limit.")
TOO_MANY_FIELDS = bad_request("The number of request header fields exceeds this server's limit.")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FakeServer]:
    state = FakeState([write_fixture(tmp_path, FIXTURE)])
    with FakeServer(state, timeout=5.0, limit_request_body=10_000_000) as running:
        yield running
    state.close()


def exchange(
    server: FakeServer, request: bytes, *, half_close: bool = True
) -> tuple[bytes, dict[str, str], bytes]:
    """Send `request`, read until the server closes: (status line, headers, body)."""
    with socket.create_connection(("127.0.0.1", server.port or 0), timeout=20) as sock:
        sock.sendall(request)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        answer = read_answer(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    headers = {k.decode().lower(): v.decode() for k, _, v in (line.partition(b": ") for line in lines)}
    return status, headers, body


def assert_apache(answer: tuple[bytes, dict[str, str], bytes], status: str, body: bytes) -> None:
    line, headers, sent = answer
    assert line == f"HTTP/1.1 {status}".encode()
    assert sent == body
    assert headers["content-type"] == "text/html; charset=iso-8859-1"
    assert headers["connection"] == "close"
    assert headers["server"] == "Apache"
    assert int(headers["content-length"]) == len(body)


def assert_not_journalled(server: FakeServer) -> None:
    """Apache answered: PHP (and so the API, and its journal) never saw the request."""
    assert server.state.journal.entries() == []


# ---------------------------------------------------------------------------------------------------------
# Content-Length


@pytest.mark.parametrize(
    "length",
    [b"-5", b"+61", b"12abc", b"0x10", b"99999999999999999999999", b"61, 61", b" "],
    ids=["negative", "plus", "junk", "hex", "overflow", "two", "blank"],
)
def test_a_malformed_content_length_is_apaches_400(server: FakeServer, length: bytes) -> None:
    answer = exchange(server, HEAD + b"Content-Length: " + length + b"\r\n\r\n" + BODY)
    assert_apache(answer, "400 Bad Request", bad_request())
    assert_not_journalled(server)


def test_two_content_length_headers_are_apaches_400(server: FakeServer) -> None:
    request = HEAD + f"Content-Length: {len(BODY)}\r\nContent-Length: {len(BODY)}\r\n\r\n".encode() + BODY
    assert_apache(exchange(server, request), "400 Bad Request", bad_request())


def test_a_body_over_limit_request_body_is_413_before_it_is_read(server: FakeServer) -> None:
    """LimitRequestBody (here 10 MB): a larger declared length is refused at once; the client need not
    send the body (none is sent here, and the connection is not half-closed)."""
    request = HEAD + b"Content-Length: 999999999999\r\n\r\n"
    assert_apache(exchange(server, request, half_close=False), "413 Request Entity Too Large", TOO_LARGE)
    assert_not_journalled(server)


def test_a_huge_content_length_without_a_limit_waits_for_the_body(tmp_path: Path) -> None:
    """With no LimitRequestBody (the default), a huge length is not allocated: the few bytes that came
    are a body cut short (400, as Apache), and nothing is done with them."""
    state = FakeState([write_fixture(tmp_path, FIXTURE)])
    with FakeServer(state, timeout=5.0) as server:
        request = HEAD + b"Content-Length: 999999999999\r\n\r\n" + BODY
        assert_apache(exchange(server, request), "400 Bad Request", bad_request())
        entry = server.state.journal.entries()[-1]
        assert (entry.status, entry.params) == (400, {})
    state.close()


def test_no_content_length_is_an_empty_body_not_411(server: FakeServer) -> None:
    """Apache gives PHP an empty body: `$_POST` is empty and REDCap refuses the missing token."""
    status, _, body = exchange(server, HEAD + b"\r\n")
    assert status == b"HTTP/1.1 403 Forbidden"
    assert body == f"{XML_HEAD}<hash><error>{NO_PERMISSION}</error></hash>".encode()


# ---------------------------------------------------------------------------------------------------------
# Chunked bodies


def chunked(*chunks: bytes) -> bytes:
    return HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"".join(chunks)


def test_a_well_formed_chunked_body_is_read(server: FakeServer) -> None:
    half = len(BODY) // 2
    request = chunked(
        f"{half:x};ext=1\r\n".encode() + BODY[:half] + b"\r\n",
        f"{len(BODY) - half:X}\r\n".encode() + BODY[half:] + b"\r\n",
        b"0\r\nX-Trailer: 1\r\n\r\n",
    )
    status, _headers, body = exchange(server, request)
    assert status == b"HTTP/1.1 200 OK"
    assert b"\r\n" + DOC in body  # the answer is itself chunked, as REDCap's readfile_chunked


@pytest.mark.parametrize(
    "chunks",
    [
        (b"zz\r\nabc\r\n0\r\n\r\n",),
        (b"3\r\nabcXX0\r\n\r\n",),
        (b"-3\r\nabc\r\n0\r\n\r\n",),
        (b"\r\n",),
    ],
    ids=["bad-size", "no-crlf-after-data", "negative-size", "empty-size"],
)
def test_a_malformed_chunked_body_is_apaches_400(server: FakeServer, chunks: tuple[bytes, ...]) -> None:
    answer = exchange(server, chunked(*chunks))
    assert_apache(answer, "400 Bad Request", bad_request())
    entry = server.state.journal.entries()[-1]
    assert entry.status == 400 and entry.params == {}


def test_an_unterminated_chunked_body_is_400_and_not_acted_on(server: FakeServer) -> None:
    """The client closes inside a chunk, or before the last chunk: a body cut short."""
    whole = f"{len(BODY):x}\r\n".encode() + BODY + b"\r\n"
    for cut in (b"40\r\n" + BODY[:20], whole, whole + b"0\r\n", whole + b"0\r\nX-Trailer: 1"):
        assert_apache(exchange(server, chunked(cut)), "400 Bad Request", bad_request())
    assert all(e.params == {} for e in server.state.journal.entries())


@pytest.mark.parametrize(
    "chunks",
    [
        b"FFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n",
        b"3" * 9000 + b"\r\n",
        b"0" * 9000 + b"3\r\nabc\r\n0\r\n\r\n",
    ],
    ids=["size-overflows", "size-line-too-long", "leading-zeros-too-long"],
)
def test_a_chunk_size_past_the_limit_is_413(server: FakeServer, chunks: bytes) -> None:
    """As Apache 2.4.71 answers: a size past LimitRequestBody, or a size line past its line limit."""
    assert_apache(exchange(server, chunked(chunks)), "413 Request Entity Too Large", TOO_LARGE)


@pytest.mark.parametrize("coding", [b"gzip", b"chunked, gzip", b"identity"])
def test_a_transfer_coding_other_than_chunked_last_is_400(server: FakeServer, coding: bytes) -> None:
    answer = exchange(server, HEAD + b"Transfer-Encoding: " + coding + b"\r\n\r\n" + BODY)
    assert_apache(answer, "400 Bad Request", bad_request())
    assert_not_journalled(server)


# ---------------------------------------------------------------------------------------------------------
# Header limits


def get(extra: bytes, target: bytes = b"/api/") -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + b"\r\n"


def test_a_header_line_of_8191_bytes_passes_and_8192_is_400(server: FakeServer) -> None:
    for size, expected in ((8191, b"HTTP/1.1 501 Not Implemented"), (8192, b"HTTP/1.1 400 Bad Request")):
        line = b"X-Big: " + b"a" * (size - len(b"X-Big: "))
        status, _, body = exchange(server, get(line + b"\r\n"))
        assert status == expected, size
    assert body == FIELD_TOO_LONG


def test_a_megabyte_header_is_refused_without_reading_it_all(server: FakeServer) -> None:
    answer = exchange(server, get(b"Cookie: " + b"c" * 1_000_000 + b"\r\n"), half_close=False)
    assert_apache(answer, "400 Bad Request", FIELD_TOO_LONG)


def test_a_hundred_header_fields_pass_and_a_hundred_and_one_are_400(server: FakeServer) -> None:
    fields = [f"X-H{i}: 1\r\n".encode() for i in range(100)]
    status, _, _ = exchange(server, get(b"".join(fields[:99])))  # Host + 99 = 100 fields
    assert status == b"HTTP/1.1 501 Not Implemented"
    assert_apache(exchange(server, get(b"".join(fields))), "400 Bad Request", TOO_MANY_FIELDS)


def test_a_request_line_of_8192_bytes_is_414(server: FakeServer) -> None:
    target = b"/api/?" + b"a" * (8192 - len(b"GET /api/? HTTP/1.1"))
    assert_apache(exchange(server, get(b"", target)), "414 Request-URI Too Long", URI_TOO_LONG)


def test_a_header_line_without_a_colon_is_400(server: FakeServer) -> None:
    assert_apache(exchange(server, get(b"NoColonHere\r\n")), "400 Bad Request", bad_request())


# ---------------------------------------------------------------------------------------------------------
# Multipart over the wire


def test_a_file_part_without_a_name_is_skipped(server: FakeServer) -> None:
    """PHP skips a part without a name; the rest of the request is REDCap's as usual."""
    body = multipart_body(
        {"token": ADMIN, "content": "file", "action": "export", "record": "1", "field": "doc"},
        [("", "nameless.txt", b"x" * 100)],
    )
    body = body.replace(b'name=""; ', b"")
    request = (
        f"POST /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {MULTIPART_TYPE}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    status, _, answer = exchange(server, request)
    assert status == b"HTTP/1.1 200 OK"
    assert DOC in answer
    assert server.state.journal.entries()[-1].uploads == {}


def _parsed(disposition: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """What `$_POST` and `$_FILES` hold for one part with this Content-Disposition."""
    body = (
        f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\nPART BYTES\r\n--{BOUNDARY}--\r\n"
    ).encode()
    environ = EnvironBuilder(method="POST", data=body, content_type=MULTIPART_TYPE).get_environ()
    req = PhpSizedRequest(environ)
    try:
        read_params(req)
        pairs = list(req.form.items(multi=True))
        return pairs, {name: upload.filename for name, upload in read_uploads(req).items()}
    finally:
        discard_spooled_uploads(req)


def test_an_extended_filename_parameter_is_ignored_as_php_ignores_it() -> None:
    """PHP's rfc1867.c knows only `name` and `filename`: a part named by `filename*` alone is a text
    value, not an upload (so the issue's `filename*=UTF-8''a%0d%0aSet-Cookie...` stores nothing)."""
    pairs, uploads = _parsed("form-data; name=\"file\"; filename*=UTF-8''a%0d%0aSet-Cookie%3a%20pwn%3d1")
    assert uploads == {}
    assert ("file", "PART BYTES") in pairs


def test_filename_wins_over_an_extended_filename_whatever_their_order() -> None:
    for disposition in (
        'form-data; name="file"; filename="plain.txt"; filename*=UTF-8\'\'other%0d%0a.txt',
        'form-data; name="file"; filename*=UTF-8\'\'other%0d%0a.txt; filename="plain.txt"',
    ):
        assert _parsed(disposition)[1] == {"file": "plain.txt"}


def test_an_extended_name_parameter_is_ignored_so_the_part_has_no_name() -> None:
    assert _parsed("form-data; name*=UTF-8''token") == ([], {})


def test_a_nul_in_a_part_header_line_ends_it_as_phps_c_strings_do() -> None:
    """rfc1867.c reads each header line as a C string: the upload name ends at its first NUL
    (observed with php-cli 8.2: `a\\0b.txt` is `a`, `\\0b.txt` no file at all, error 4), the quote it
    leaves open runs to the line's end, and a part name cut before its `filename` is a text value."""
    assert _parsed('form-data; name="file"; filename="a\0b.txt"')[1] == {"file": "a"}
    assert _parsed('form-data; name="file"; filename="ab.txt\0"')[1] == {"file": "ab.txt"}
    body = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="\0b.txt"\r\n\r\nX\r\n'
    environ = EnvironBuilder(
        method="POST", data=(body + f"--{BOUNDARY}--\r\n").encode(), content_type=MULTIPART_TYPE
    ).get_environ()
    req = PhpSizedRequest(environ)
    try:
        read_params(req)
        uploads = read_uploads(req)
        assert (uploads["file"].filename, uploads["file"].error) == ("", 4)
    finally:
        discard_spooled_uploads(req)
    assert _parsed('form-data; name="fi\0le"; filename="x.txt"') == ([("fi", "PART BYTES")], {})
    assert _parsed('form-data; name="file"; file\0name="a.txt"') == ([("file", "PART BYTES")], {})


def test_a_quoted_value_left_open_runs_to_the_end_of_the_header() -> None:
    """php_ap_getword / substring_conf: `filename="a;b.txt` (no closing quote) is `a;b.txt` (php-cli 8.2)."""
    assert _parsed('form-data; name="file"; filename="a;b.txt')[1] == {"file": "a;b.txt"}
    assert _parsed('form-data; name="file"; filename="a\\"b.txt')[1] == {"file": 'a"b.txt'}
