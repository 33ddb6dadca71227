"""Issue 12 point 2: a stored file name never splits Export File's answer into extra headers.

REDCap builds the download header with PHP's `header('Content-type: <mime>; name="<doc_name>"')` (V7-V15
`RestUtility::sendFile`). PHP refuses any header value holding CR, LF or NUL (php-src main/SAPI.c
`sapi_header_op`): the header is not sent at all, a warning goes to the log (REDCap runs with
`error_reporting(0)`, V7-V15 `System::setErrorReporting`, so nothing reaches the body), and PHP's default
`Content-type: text/html; charset=UTF-8` goes out instead (`default_charset` UTF-8, V7-V15 `System::init`).
Observed with php-cli 8.2 and `php -S`. Such a name reaches REDCap's database through V7/V10's
`html_entity_decode` of upload names (`a&#13;&#10;b.pdf`), a lone CR in a multipart file name (PHP's
parser keeps it), or a project upgraded from those versions; V13+ `Files::sanitizeFileName` turns CR/LF
runs into `-`.

The expectations are spelled out here, not imported from the fake.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fake_redcap import FakeServer, FakeState, create_app
from fake_redcap.model import StoredFile
from tests.support import BOUNDARY, MULTIPART_TYPE, read_answer, token, write_fixture

ADMIN = token(0x1212, 1)
VERSIONS = ("7.1.2", "10.0.13", "13.6.1", "14.5.11", "15.7.6")
VARIANTS = ("redcap", "single_quote", "unquoted", "rfc5987", "content_disposition")
PHP_DEFAULT_TYPE = "text/html; charset=UTF-8"
DATA = b"%PDF-1.4\nheader test\n%%EOF\n"
# Names as they may sit in redcap_edocs_metadata.doc_name.
BROKEN_NAMES = (
    "a\r\nSet-Cookie: pwn=1.pdf",
    "a\rSet-Cookie: pwn=1.pdf",
    "a\nSet-Cookie: pwn=1.pdf",
    "a\r\n\r\n<html>body.pdf",
    "a\x00b.pdf",
    "\r\n",
)


def fixture(version: str) -> dict[str, Any]:
    return {
        "project": {"project_id": 1212, "title": "Download headers"},
        "redcap_version": version,
        "fields": [
            {"name": "record_id", "form": "main", "type": "text"},
            {"name": "doc", "form": "main", "type": "file"},
        ],
        "users": [
            {
                "username": "admin",
                "token": ADMIN,
                "data_export": "full",
                "api_import": True,
                "record_delete": True,
            }
        ],
        "records": [{"record": "1", "values": {}}],
    }


@pytest.fixture(params=VERSIONS)
def state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FakeState]:
    fake = FakeState([write_fixture(tmp_path, fixture(str(request.param)))])
    yield fake
    fake.close()


def store_name(state: FakeState, name: str) -> None:
    """A stored file under `name`, as the database would hold it."""
    stored = StoredFile(name=name, mime="application/pdf", size=len(DATA), data=DATA)
    state.set_file(1212, "1", None, 1, "doc", stored)


def export_headers(state: FakeState, variant: str) -> tuple[int, list[tuple[str, str]], bytes]:
    client = create_app(state, header_variant=variant).test_client()
    answer = client.post(
        "/api/", data={"token": ADMIN, "content": "file", "action": "export", "record": "1", "field": "doc"}
    )
    return answer.status_code, list(answer.headers.items()), answer.get_data()


@pytest.mark.parametrize("name", BROKEN_NAMES)
@pytest.mark.parametrize("variant", VARIANTS)
def test_a_name_php_refuses_leaves_the_default_type_and_no_extra_header(
    state: FakeState, name: str, variant: str
) -> None:
    store_name(state, name)
    status, headers, body = export_headers(state, variant)
    assert (status, body) == (200, DATA)
    for key, value in headers:
        assert not any(c in value for c in "\r\n\0"), (key, value)
        assert not any(c in key for c in "\r\n\0"), key
    assert "Set-Cookie" not in {k for k, _ in headers}
    types = [v for k, v in headers if k.lower() == "content-type"]
    if variant == "rfc5987":  # percent-encoded: the header is never refused
        assert types[0].startswith("application/pdf; name*=UTF-8''")
    elif variant == "content_disposition":
        assert types == ["application/pdf"]
    else:
        assert types == [PHP_DEFAULT_TYPE]


@pytest.mark.parametrize("variant", VARIANTS)
def test_other_control_characters_are_sent_as_php_sends_them(state: FakeState, variant: str) -> None:
    """PHP only refuses CR, LF and NUL: a tab or a vertical tab stays in the name."""
    store_name(state, "a\tb\x0bc.pdf")
    _, headers, _ = export_headers(state, variant)
    types = [v for k, v in headers if k.lower() == "content-type"]
    if variant == "redcap":
        assert types == ['application/pdf; name="a\tb\x0bc.pdf"']
    for key, value in headers:
        assert not any(c in value for c in "\r\n\0"), (key, value)


def raw_multipart(filename_param: bytes) -> bytes:
    fields = {"token": ADMIN, "content": "file", "action": "import", "record": "1", "field": "doc"}
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '.encode()
        + filename_param
        + b"\r\nContent-Type: application/pdf\r\n\r\n"
        + DATA
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def raw_post(server: FakeServer, body: bytes, content_type: str) -> bytes:
    assert server.port is not None
    head = (
        f"POST /api/ HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head + body)
        return read_answer(sock)


UPLOAD_NAMES = (
    b"filename*=UTF-8''a%0d%0aSet-Cookie%3a%20pwn%3d1.pdf",  # the request
    b"filename*=UTF-8''a%0dSet-Cookie%3a%20pwn%3d1.pdf",
    b"filename*=UTF-8''a%0aSet-Cookie%3a%20pwn%3d1.pdf",
    b'filename="a\rSet-Cookie: pwn=1.pdf"',  # a lone CR: PHP's multipart parser keeps it
    b'filename="a%0d%0aSet-Cookie: pwn=1.pdf"',  # literal percent signs: harmless text
)


@pytest.mark.parametrize("filename_param", UPLOAD_NAMES)
def test_uploads_named_to_inject_a_header_never_do_on_the_wire(
    state: FakeState, filename_param: bytes
) -> None:
    """Whatever the parser and the profile's name rules make of the name, the export's raw answer has
    exactly one header block and no Set-Cookie."""
    with FakeServer(state, timeout=5.0) as server:
        raw_post(server, raw_multipart(filename_param), MULTIPART_TYPE)
        export = f"token={ADMIN}&content=file&action=export&record=1&field=doc&returnFormat=json".encode()
        answer = raw_post(server, export, "application/x-www-form-urlencoded")
    head, _, _ = answer.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert not any(line.lower().startswith(b"set-cookie") for line in lines), lines
    assert all(b"\n" not in line and b"\r" not in line and b"\0" not in line for line in lines)
    assert all(b":" in line for line in lines[1:]), lines  # every line a header, none a continuation


@pytest.mark.parametrize(
    ("version", "content_type"),
    [
        ("10.0.13", PHP_DEFAULT_TYPE),  # trim(strip_tags(...)) keeps an inner CR: header() refuses it
        ("15.7.6", 'application/pdf; name="a-b.pdf"'),  # sanitizeFileName: CR runs become "-"
    ],
)
def test_a_lone_cr_in_an_upload_name_as_php_and_each_version_keep_it(
    tmp_path: Path, version: str, content_type: str
) -> None:
    """PHP's multipart parser ends a header line at LF only, so `filename="a\\rb.pdf"` reaches REDCap with
    the CR (observed with php-cli 8.2)."""
    fake = FakeState([write_fixture(tmp_path, fixture(version))])
    try:
        with FakeServer(fake, timeout=5.0) as server:
            imported = raw_post(server, raw_multipart(b'filename="a\rb.pdf"'), MULTIPART_TYPE)
            assert imported.startswith(b"HTTP/1.1 200 ")
            export = f"token={ADMIN}&content=file&action=export&record=1&field=doc".encode()
            answer = raw_post(server, export, "application/x-www-form-urlencoded")
        head = answer.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
        assert f"Content-type: {content_type}" in head
    finally:
        fake.close()
