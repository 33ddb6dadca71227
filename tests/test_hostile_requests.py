"""Hostile requests: each gets a defined answer, and none takes the server down or holds its memory.

Decisions, where REDCap's answer depends on PHP's configuration rather than on REDCap:

* **Thousands of parameters.** The fake keeps PHP's defaults (observed with php-cgi 8.2): a urlencoded
  body is read up to its 1001st piece (`max_input_vars` is 1000 and PHP checks after the insert), a
  multipart body up to its 1000th text value. REDCap 10+ then compares `count($_POST, COUNT_RECURSIVE)`
  with `max_input_vars` (V15 `Classes/System.php:367-376`) and answers 400 when it is larger, before the
  token is looked at; a multipart body keeps exactly 1000 plain values, passes that check and loses
  whatever came after (here the token: 403).
* **Many file parts.** PHP keeps the first 20 uploads (`max_file_uploads`) and skips later file parts;
  it stops reading parts altogether after 1020 (`max_multipart_body_parts`, by default max_input_vars +
  max_file_uploads). Nothing past a limit is spooled to disk, and whatever was spooled is deleted once
  the request is answered, also when the body broke off midway.
* **An upload far over the limit.** `FakeState(max_upload_mb=N)` is REDCap's own File Upload limit
  (`maxUploadSizeEdoc`), and the fake stands for a server whose PHP limits (`post_max_size`,
  `upload_max_filesize`) are above it, so REDCap's own check answers: 400 "The uploaded file exceeded the
  maximum file size limit of N MB for File Upload fields." On a real server whose `post_max_size` is
  below the body, REDCap's System::init answers first, before any API code: status 200 and an HTML text
  "ERROR: The page you just submitted has exceeded the REDCap server's maximum submission size (N MB)..."
  (V15 `Classes/System.php:823-841`; `FakeState(post_max_mb=N)` does the same, see
  tests/test_before_redcap.py), not the 403 an emptied `$_POST` would suggest; between
  `upload_max_filesize` and `post_max_size` the file's error code is set and REDCap answers 400 "There
  was a problem with the uploaded file". A client must treat all three as "too large". Either way the
  body is read from the socket in chunks and the file part goes to disk, never whole into memory.
* **A body that never finishes.** PHP never runs; Apache answers 408 once its read timeout passes and
  closes the connection (RequestReadTimeout). The fake does the same after `FakeServer(timeout=...)`
  seconds; a stalled client holds one worker thread, never the others. A body cut short (the client
  closes early) is answered 400 by Apache; the fake does not act on half a body.
* **Array-valued parameters** (`record[]=1`) reach REDCap's code as PHP arrays: `db_escape` reads a
  one-element array as its element (REDCap 14+); where REDCap 15 (PHP 8) hands one to a string function
  or uses it as an array key, PHP throws and REDCap's fatal-error handler answers 400 "An unknown error
  occurred. Please check your API parameters." (source audit #21).
* **Invalid UTF-8** reaches REDCap unchanged; `RCView::escape` turns each broken sequence into U+FFFD
  (htmlspecialchars gives "", then its ENT_SUBSTITUTE fallback), and json_encode fails on a raw one, so
  a json envelope carrying it is empty (reference §7 q8).
"""

from __future__ import annotations

import select
import socket
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from fake_redcap import FakeServer, FakeState, create_app, messages
from tests.support import (
    BOUNDARY,
    CSV_TYPE,
    JSON_TYPE,
    MULTIPART_TYPE,
    NO_PERMISSION,
    NOT_PERMITTED,
    TOO_LARGE,
    URLENCODED_TYPE,
    XML_HEAD,
    XML_TYPE,
    json_error,
    multipart_body,
    open_fds,
    read_answer,
    token,
    write_fixture,
)

ADMIN = token(0x4057, 1)
DOC = b"%PDF-1.4\nhostile test document\n%%EOF\n"
FIXTURE: dict[str, Any] = {
    "project": {"project_id": 801, "title": "Hostile requests"},
    "fields": [
        {"name": "record_id", "form": "main", "type": "text"},
        {"name": "doc", "form": "main", "type": "file"},
        {"name": "notes", "form": "main", "type": "file"},
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
    "records": [
        {
            "record": "1",
            "files": {
                "doc": {"text": DOC.decode(), "name": "doc.pdf", "mime": "application/pdf"},
                "notes": {"text": "notes\n", "name": "notes.txt", "mime": "text/plain"},
            },
        },
        {"record": "2"},
    ],
}
EXPORT = {"token": ADMIN, "content": "file", "action": "export", "record": "1", "field": "doc"}


@pytest.fixture
def state(tmp_path: Path) -> Iterator[FakeState]:
    fake = FakeState([write_fixture(tmp_path, FIXTURE)], max_upload_mb=1)
    yield fake
    fake.close()


@pytest.fixture
def client(state: FakeState) -> FlaskClient:
    return create_app(state).test_client()


@pytest.fixture
def server(state: FakeState) -> Iterator[FakeServer]:
    with FakeServer(state, "127.0.0.1", 0, timeout=3.0) as running:
        yield running


def stored(state: FakeState, record: str, field: str) -> bytes | None:
    for row in state.projects[0].records:
        if row.record == record and field in row.files:
            return row.files[field].read_bytes()
    return None


# ---------------------------------------------------------------------------------------------------------
# Long values, many parameters


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_one_megabyte_value_gets_redcaps_answer(server: FakeServer, encoding: str) -> None:
    record = "r" * 1_000_000
    params = {**EXPORT, "record": record, "returnFormat": "json"}
    if encoding == "urlencoded":
        answer = requests.post(server.url, data=params, timeout=30)
    else:
        answer = requests.post(server.url, files={k: (None, v) for k, v in params.items()}, timeout=30)
    assert answer.status_code == 400
    assert answer.content == json_error(f'The record "{record}" does not exist')


def test_a_one_megabyte_token_is_refused(server: FakeServer) -> None:
    answer = requests.post(server.url, data={**EXPORT, "token": "A" * 1_000_000}, timeout=30)
    assert (answer.status_code, answer.content) == (
        403,
        f"{XML_HEAD}<hash><error>{NO_PERMISSION}</error></hash>".encode(),
    )


MAX_INPUT_VARS = (
    "The REDCap server has reached a maximum for the number of POST parameters submitted. Due to this "
    "error, if any data was just submitted, it was not saved. Please inform your local REDCap administrator "
    "that they should increase the 'max_input_vars' setting to a value of 10000 or higher in the web "
    "server's PHP.INI configuration file. The current value for 'max_input_vars' is 1000."
)


def test_five_thousand_urlencoded_parameters_are_redcaps_max_input_vars_400(server: FakeServer) -> None:
    """PHP keeps 1001 pieces; count($_POST, COUNT_RECURSIVE) = 1001 > 1000: REDCap's 400, in the
    format asked for, before the token (which came last and was dropped anyway)."""
    pairs = [("returnFormat", "json")] + [(f"junk{i}", "x") for i in range(5000)] + list(EXPORT.items())
    answer = requests.post(server.url, data=pairs, timeout=30)
    assert (answer.status_code, answer.content) == (400, json_error(MAX_INPUT_VARS))
    entry = server.state.journal.entries()[-1]
    assert entry.status == 400 and len(entry.params) == 1001


def test_five_thousand_multipart_parameters_keep_the_first_thousand(server: FakeServer) -> None:
    """Multipart keeps exactly 1000 values: the count check passes, the token (last) is lost: 403."""
    pairs = [(f"junk{i}", "x") for i in range(5000)] + list(EXPORT.items())
    answer = requests.post(server.url, files=[(k, (None, v)) for k, v in pairs], timeout=30)
    assert (answer.status_code, answer.content) == (
        403,
        f"{XML_HEAD}<hash><error>{NO_PERMISSION}</error></hash>".encode(),
    )
    assert len(server.state.journal.entries()[-1].params) == 1000


def test_a_thousand_parameters_with_the_token_first_are_read(server: FakeServer) -> None:
    """Under the limit: REDCap's ordinary answer."""
    pairs = [*EXPORT.items()] + [(f"junk{i}", "x") for i in range(1000 - len(EXPORT))]
    answer = requests.post(server.url, data=pairs, timeout=30)
    assert (answer.status_code, answer.content) == (200, DOC)


# ---------------------------------------------------------------------------------------------------------
# Many file parts


def upload_body(files: list[tuple[str, str, bytes]], **params: str) -> bytes:
    return multipart_body({**EXPORT, "action": "import", "field": "notes", **params}, files)


def incoming(state: FakeState) -> list[Path]:
    return sorted(state.incoming.iterdir())


def test_twenty_thousand_file_parts_spool_at_most_twenty_and_leave_nothing(server: FakeServer) -> None:
    """PHP reads the first 1020 parts and keeps 20 of them as uploads; `file` is not among them, so
    Import File goes on with an empty name and V15 refuses its (missing) type. No 500 (the old server
    ran out of file handles), and no spooled file stays behind (it left 19 993)."""
    fds_before = open_fds()
    junk = [(f"f{i}", f"f{i}.txt", b"x" * 64) for i in range(20_000)]
    body = upload_body([*junk, ("file", "real.txt", b"real")], returnFormat="json")
    answer = requests.post(server.url, data=body, headers={"Content-Type": MULTIPART_TYPE}, timeout=60)
    assert (answer.status_code, answer.content) == (400, json_error(NOT_PERMITTED))
    assert incoming(server.state) == []
    assert stored(server.state, "1", "notes") == b"notes\n"
    entry = server.state.journal.entries()[-1]
    assert len(entry.uploads) == 20
    assert open_fds() <= fds_before + 2  # the client's keep-alive connection, nothing per part


def test_the_file_among_the_first_twenty_is_imported(server: FakeServer) -> None:
    junk = [(f"f{i}", f"f{i}.txt", b"x") for i in range(19)]
    body = upload_body([*junk, ("file", "real.txt", b"real"), ("late", "late.txt", b"late")])
    answer = requests.post(server.url, data=body, headers={"Content-Type": MULTIPART_TYPE}, timeout=30)
    assert answer.status_code == 200, answer.content
    assert stored(server.state, "1", "notes") == b"real"
    assert incoming(server.state) == []
    assert "late" not in server.state.journal.entries()[-1].uploads


def test_empty_file_parts_do_not_count_towards_the_twenty(server: FakeServer) -> None:
    """A file input left empty (`filename=""`) is in `$_FILES` with error 4, and PHP does not count it."""
    empty = [(f"e{i}", "", b"") for i in range(25)]
    body = upload_body([*empty, ("file", "real.txt", b"real")])
    answer = requests.post(server.url, data=body, headers={"Content-Type": MULTIPART_TYPE}, timeout=30)
    assert answer.status_code == 200, answer.content
    assert stored(server.state, "1", "notes") == b"real"


def test_a_body_broken_off_inside_a_file_part_leaves_no_spooled_file(server: FakeServer) -> None:
    """Three whole uploads and half of a fourth, then the client goes: 400, nothing stored, nothing
    left in the spool folder."""
    files = [(f"f{i}", f"f{i}.txt", b"y" * 100_000) for i in range(4)]
    body = upload_body(files)
    cut = body[: len(body) - 50_000]
    with socket.create_connection(("127.0.0.1", server.port or 0), timeout=20) as sock:
        sock.sendall(
            f"POST /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {MULTIPART_TYPE}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + cut
        )
        sock.shutdown(socket.SHUT_WR)
        reply = read_answer(sock)
    assert reply.startswith(b"HTTP/1.1 400 Bad Request\r\n"), reply[:80]
    assert incoming(server.state) == []
    assert stored(server.state, "1", "notes") == b"notes\n"


def test_a_file_part_with_a_broken_multipart_tail_leaves_no_spooled_file(client: FlaskClient) -> None:
    """The whole body arrives but is not valid multipart after the first part: PHP keeps what was
    complete; the half-read upload is deleted."""
    state: FakeState = client.application.config["FAKE_STATE"]
    body = upload_body([("file", "a.txt", b"z" * 10_000)])
    broken = body[: body.index(b"z" * 10_000) + 5_000]  # no closing boundary
    answer = client.post("/api/", data=broken, content_type=MULTIPART_TYPE)
    assert answer.status_code < 500
    assert incoming(state) == []


# ---------------------------------------------------------------------------------------------------------
# Invalid UTF-8, duplicated keys, arrays


def post_raw(client: FlaskClient, body: bytes) -> tuple[int, str, bytes]:
    answer = client.post("/api/", data=body, content_type=URLENCODED_TYPE)
    return answer.status_code, answer.headers["Content-Type"], answer.get_data()


BASE = f"token={ADMIN}&content=file".encode()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # RCView::escape turns invalid UTF-8 into U+FFFD; the message is then valid and json-encodes.
        (
            BASE + b"&action=export&record=%FF%FE&field=doc&returnFormat=json",
            (400, JSON_TYPE, json_error('The record "\ufffd\ufffd" does not exist')),
        ),
        (
            BASE + b"&action=export&record=1&field=%FF%FEdoc&returnFormat=json",
            (
                400,
                JSON_TYPE,
                json_error("The field '\ufffd\ufffddoc' does not exist or is not a 'file' field"),
            ),
        ),
        # Delete shows the record raw: csv carries the bytes back as they came ...
        (
            BASE + b"&action=delete&record=%FFx&field=doc&returnFormat=csv",
            (400, CSV_TYPE, b"ERROR: The record '\xffx' does not exist"),
        ),
        # ... and json_encode fails on them: PHP echoes false as an empty body.
        (BASE + b"&action=delete&record=%FFx&field=doc&returnFormat=json", (400, JSON_TYPE, b"")),
        # A token that is not [A-Za-z0-9]+ is refused before any lookup.
        (
            b"token=%FF" + ADMIN.encode() + b"&content=file&action=export&record=1&field=doc",
            (403, XML_TYPE, f"{XML_HEAD}<hash><error>{NO_PERMISSION}</error></hash>".encode()),
        ),
    ],
    ids=["export-record", "export-field", "delete-csv", "delete-json", "token"],
)
def test_invalid_utf8_gets_a_defined_answer(
    client: FlaskClient, body: bytes, expected: tuple[int, str, bytes]
) -> None:
    assert post_raw(client, body) == expected


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (
            f"token=BAD00000000000000000000000000000&token={ADMIN}&content=file&action=export&record=1&field=doc",
            200,
        ),
        (
            f"token={ADMIN}&token=BAD00000000000000000000000000000&content=file&action=export&record=1&field=doc",
            403,
        ),
        (f"token={ADMIN}&content=file&action=export&record=2&record=1&field=doc", 200),
        (f"token={ADMIN}&content=file&action=delete&action=export&record=1&field=doc", 200),
    ],
    ids=["good-token-last", "bad-token-last", "record-last", "action-last"],
)
def test_duplicated_keys_the_last_one_wins(client: FlaskClient, body: str, status: int) -> None:
    """PHP's $_POST keeps the last of duplicated keys."""
    code, _ctype, data = post_raw(client, body.encode())
    assert code == status
    if status == 200:
        assert data == DOC
    assert stored(client.application.config["FAKE_STATE"], "1", "doc") == DOC  # nothing deleted


UNKNOWN_ERROR = json_error(messages.UNKNOWN_ERROR_PARAMETERS)


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        # db_escape reads a one-element array as its element (REDCap 14+).
        (BASE + b"&action=export&record[]=1&field=doc&returnFormat=json", 200, DOC),
        (
            BASE + b"&action=export&record[0]=1&record[1]=1&field=doc&returnFormat=json",
            400,
            json_error('The record "Array" does not exist'),
        ),
        # REDCap 15 runs on PHP 8: an array as an array key or in strtolower/preg_match is a TypeError,
        # answered by REDCap's fatal-error handler (V15 System::fatalErrorShutdownHandler).
        (BASE + b"&action=export&record=1&field[0]=doc&returnFormat=json", 400, UNKNOWN_ERROR),
        (
            b"token[]="
            + ADMIN.encode()
            + b"&content=file&action=export&record=1&field=doc&returnFormat=json",
            400,
            UNKNOWN_ERROR,
        ),
        (
            b"token=" + ADMIN.encode() + b"&content[]=file&action=export&returnFormat=json",
            400,
            json_error(messages.CONTENT_INVALID),
        ),
        (BASE + b"&action[x]=delete&record=1&field=doc&returnFormat=json", 400, UNKNOWN_ERROR),
    ],
    ids=["record", "record-two", "field", "token", "content", "action"],
)
def test_array_valued_parameters_as_redcap_15_reads_them(
    client: FlaskClient, body: bytes, status: int, expected: bytes
) -> None:
    code, _ctype, data = post_raw(client, body)
    assert (code, data) == (status, expected)
    assert stored(client.application.config["FAKE_STATE"], "1", "doc") == DOC


# ---------------------------------------------------------------------------------------------------------
# An upload far over the limit

UPLOAD_MIB = 64


def test_an_upload_far_over_the_limit_is_refused_without_being_held_in_memory(server: FakeServer) -> None:
    """64 MiB against a 1 MB limit: REDCap's message (see the module docstring for a real server's
    post_max_size), nothing stored, and the process's Python allocations stay far below the body size
    while the server reads it (the client side sends one preallocated 1 MiB buffer again and again)."""
    head = multipart_body(
        {**EXPORT, "action": "import", "field": "notes", "returnFormat": "json"}
    ).removesuffix(f"--{BOUNDARY}--\r\n".encode())
    head += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n'.encode()
    )
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    chunk = b"\xa5" * (1 << 20)
    length = len(head) + UPLOAD_MIB * len(chunk) + len(tail)
    request = (
        f"POST /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: {MULTIPART_TYPE}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode() + head
    tracemalloc.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port or 0), timeout=60) as sock:
            sock.sendall(request)
            for _ in range(UPLOAD_MIB):
                sock.sendall(chunk)
            sock.sendall(tail)
            answer = read_answer(sock)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 400 Bad Request"
    assert rest.endswith(b"\r\n\r\n" + json_error(TOO_LARGE.format(mb=1)))
    print(f"\nupload of {UPLOAD_MIB} MiB: peak Python allocation {peak / (1 << 20):.2f} MiB")
    assert peak < 8 * (1 << 20), (
        f"peak Python allocation {peak / (1 << 20):.1f} MiB for a {UPLOAD_MIB} MiB body"
    )
    assert stored(server.state, "1", "notes") == b"notes\n"
    assert server.state.journal.entries()[-1].status == 400


# ---------------------------------------------------------------------------------------------------------
# Bodies that never finish, bodies cut short


def stalled(server: FakeServer, body_sent: bytes, length: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port or 0), timeout=20)
    sock.sendall(
        f"POST /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {URLENCODED_TYPE}\r\n"
        f"Content-Length: {length}\r\n\r\n".encode()
        + body_sent
    )
    return sock


def test_a_body_that_never_finishes_times_out_without_blocking_others(server: FakeServer) -> None:
    """Three uploads stall mid-body and one mid-headers. Meanwhile another client is answered (while the
    stalled ones are still waiting, unanswered); then each stalled one gets Apache's 408 and is closed."""
    body = f"token={ADMIN}&content=file&action=delete&record=1&field=doc".encode()
    stuck = [stalled(server, body[:20], len(body) + 100) for _ in range(3)]
    header_stuck = socket.create_connection(("127.0.0.1", server.port or 0), timeout=20)
    header_stuck.sendall(b"POST /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
    try:
        answer = requests.post(server.url, data=EXPORT, timeout=10)
        assert (answer.status_code, answer.content) == (200, DOC)
        readable, _, _ = select.select([*stuck, header_stuck], [], [], 0)
        assert readable == [], "a stalled client was answered before the others were served"

        for sock in [*stuck, header_stuck]:
            reply = read_answer(sock)  # bounded by the socket's 20 s timeout: a hang guard
            assert reply.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), reply[:80]
        assert stored(server.state, "1", "doc") == DOC
        timeouts = [e for e in server.state.journal.entries() if e.status == 408]
        assert len(timeouts) == 3
        assert all(e.message == "the request body stalled past the server's read timeout" for e in timeouts)
    finally:
        for sock in [*stuck, header_stuck]:
            sock.close()


def test_a_body_cut_short_is_not_acted_on(server: FakeServer) -> None:
    """`record=1` is what arrived of `record=1...`: the fake answers 400 and deletes nothing."""
    body = f"token={ADMIN}&content=file&action=delete&record=1&field=doc".encode()
    sock = stalled(server, body, len(body) + 1)
    sock.shutdown(socket.SHUT_WR)
    with sock:
        reply = read_answer(sock)
    assert reply.startswith(b"HTTP/1.1 400 Bad Request\r\n"), reply[:80]
    assert b"Connection: close\r\n" in reply
    assert stored(server.state, "1", "doc") == DOC
    entry = server.state.journal.entries()[-1]
    assert (entry.status, entry.params) == (400, {})


def test_the_server_keeps_answering_after_hostile_requests(server: FakeServer) -> None:
    """Stalled and abandoned connections and a 2 MB form value later, one server still answers right."""
    for sock in [stalled(server, b"token=", 1000) for _ in range(2)]:
        sock.close()
    requests.post(server.url, files={"x": (None, "y" * 2_000_000)}, timeout=30)
    answer = requests.post(server.url, data=EXPORT, timeout=10)
    assert (answer.status_code, answer.content) == (200, DOC)


# ---------------------------------------------------------------------------------------------------------
# A 0-byte upload


def test_an_empty_upload_is_stored_as_application_x_empty(client: FlaskClient) -> None:
    """PHP's mime_content_type reads the stream: application/x-empty (reference §3.1, open question 9),
    not the inode/x-empty of libmagic's stat check."""
    body = multipart_body({**EXPORT, "action": "import", "field": "notes"}, [("file", "empty.txt", b"")])
    answer = client.post("/api/", data=body, content_type=MULTIPART_TYPE)
    assert answer.status_code == 200
    exported = client.post("/api/", data={**EXPORT, "field": "notes"})
    assert exported.headers["Content-Type"] == 'application/x-empty; name="empty.txt"'
