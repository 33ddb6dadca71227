"""The one home of the helpers for the project's own tests (fixtures live in `tests/conftest.py`).

* The two test projects, as Python dicts written out as YAML fixtures by `write_fixture`: a classic
  project with a repeating instrument and a longitudinal one with a repeating instrument and a repeating
  event. Each user stands for one rule of the reference (`docs/evidence/file-api-behaviour.md` §1, §5).
* Builders: `write_fixture`, `token`/`tok`, `multipart_body`, `export_params`, `post`, `api`, `Worlds`.
* REDCap's texts, taken from `fake_redcap.messages` (one place) under the names the tests use. The
  independent check of those texts against REDCap is the contract suite, whose `contract_tests/expected.py`
  spells them out again and which runs against the fake in every `make test`.
* Assertions on whole answers, raw HTTP on the wire, process readings (/proc) for the reliability tests.
* `tests.support.client_stub`: a raw-socket HTTP stub for the client's tests; `tests.support.contract_runs`:
  the contract suite run as users run it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import socket
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from fake_redcap import FakeState, create_app, messages
from fake_redcap.model import ExportRight, Project, RecordRow, StoredFile

# ---------------------------------------------------------------------------------------------------------
# REDCap's texts (reference §1.1, §1.3, §2, §4), from fake_redcap.messages under the tests' names

XML_HEAD = '<?xml version="1.0" encoding="UTF-8" ?>'
NO_PERMISSION = messages.NO_API_PERMISSION
METHOD_NOT_IMPLEMENTED = messages.METHOD_NOT_IMPLEMENTED
CONTENT_INVALID = messages.CONTENT_INVALID
ACTION_INVALID = messages.ACTION_INVALID
NO_API_EXPORT = messages.NO_API_EXPORT
NO_API_IMPORT = messages.NO_API_IMPORT
NO_RECORD_DELETE = messages.NO_RECORD_DELETE
EXPIRED = messages.EXPIRED  # {expiration}
NO_ACCESS = messages.EXPORT_NO_ACCESS
IDENTIFIER = messages.EXPORT_IDENTIFIER
INVALID_EVENT = messages.INVALID_EVENT
NO_FILE = NO_FILE_TO_DOWNLOAD = messages.NO_FILE_TO_DOWNLOAD
EXPORT_RECORD_MISSING = 'The record "{record}" does not exist'  # V14+, the record RCView-escaped
FIELD_NOT_FILE = messages.FIELD_NOT_FILE  # {field}, escaped from V14
NO_VALID_FILE = messages.NO_VALID_FILE
RECORD_LOCKED = messages.RECORD_LOCKED  # {record}
FORM_LOCKED = messages.FORM_LOCKED  # {record}
TOO_LARGE = messages.TOO_LARGE  # {mb}
NOT_PERMITTED = messages.FILE_TYPE_NOT_PERMITTED
SAVE_FAILED = messages.SAVE_FAILED
IMPORT_RECORD_MISSING = messages.IMPORT_RECORD_MISSING  # {record}, raw
SIGNATURE = messages.SIGNATURE_IMPORT  # {field}
DELETE_RECORD_MISSING = messages.DELETE_RECORD_MISSING  # {record}, raw, single quotes, even in V15
NO_FILE_TO_DELETE = messages.NO_FILE_TO_DELETE

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"  # csv errors before REDCap 10
URLENCODED_TYPE = "application/x-www-form-urlencoded"

# Headers REDCap sets on every request (reference §2), with their exact values.
GLOBAL_CSP = (
    "default-src * 'unsafe-inline' 'unsafe-eval' data: blob:; script-src * 'unsafe-inline' "
    "'unsafe-eval' data: blob:; style-src * 'unsafe-inline' data: blob:;"
)
PERMISSIONS_POLICY = (
    "accelerometer=*, autoplay=*, camera=*, encrypted-media=*, fullscreen=*, geolocation=*, gyroscope=*, "
    "magnetometer=*, microphone=*, midi=*, payment=*, picture-in-picture=*, publickey-credentials-get=*, "
    "sync-xhr=*, usb=*, xr-spatial-tracking=*"
)  # V15 Classes/System.php:433
GLOBAL_HEADERS: dict[str, str] = {  # REDCap 15
    "Expires": "0",
    "Cache-control": "no-store, no-cache, must-revalidate",
    "Pragma": "no-cache",
    "X-XSS-Protection": "1; mode=block",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Access-Control-Allow-Origin": "*",
    "Content-Security-Policy": GLOBAL_CSP,
}
# Only REDCap 15 sends these (13.x and 14.x System.php setCacheControl do not).
V15_ONLY_HEADERS = ("Referrer-Policy", "Permissions-Policy", "Content-Security-Policy")
V7_MISSING_HEADERS = ("X-XSS-Protection", "X-Content-Type-Options")  # V7.1.2 System.php:131-133
DOWNLOAD_CSP = "script-src 'none'"


def xml_error(message: str) -> bytes:
    """Reference §2: the xml envelope, the message not escaped, no trailing newline."""
    return f"{XML_HEAD}<hash><error>{message}</error></hash>".encode()


def json_error(message: str) -> bytes:
    """Reference §2: PHP's json_encode of {"error": message}: no spaces, `/` as `\\/`, non-ASCII escaped."""
    return json.dumps({"error": message}, separators=(",", ":")).replace("/", "\\/").encode()


def csv_error(message: str) -> bytes:
    """Reference §2: the csv envelope (V7+)."""
    return f"ERROR: {message}".encode()


def record_missing_15(escaped_record: str) -> str:
    """14.x/15.x E5 text; the caller gives the record already RCView-escaped."""
    return EXPORT_RECORD_MISSING.format(record=escaped_record)


def record_missing_13(record: str) -> str:
    """13.x-and-older E5 text: single quotes, raw."""
    return messages.RECORD_MISSING_RAW.format(record=record)


def field_not_file(field: str) -> str:
    return FIELD_NOT_FILE.format(field=field)


# ---------------------------------------------------------------------------------------------------------
# Stored content

# A tiny but real PDF and PNG (bytes only matter for byte-identity checks).
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
ABC_BYTES = b"%PDF-1.4 consent of record abc\n"
LAB_ONE = "lab one, instance 1\n"
LAB_TWO = "lab two, instance 2\n"
# Spaces, `;`, `=`, `'` and non-Latin characters, all of which REDCap 15 stores in doc_name.
UNICODE_NAME = "報告 ; a=b 'x' é.txt"
LAB_TWO_NAME = "lab two.csv"


def token(prefix: int, n: int) -> str:
    """A distinct 32-hex-digit API token: 6 digits of `prefix` (a test module's own space), 26 of `n`."""
    return f"{prefix:06X}{n:026X}"


def tok(n: int) -> str:
    """A token of the test projects' space."""
    return token(0xABCDEF, n)


# ---------------------------------------------------------------------------------------------------------
# Fixture files and states


class _NoAliasDumper(yaml.SafeDumper):
    """Writes shared objects out in full: the loader refuses anchors and aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def write_fixture(
    folder: Path,
    doc: Mapping[str, Any],
    files: Mapping[str, bytes] | None = None,
    *,
    name: str = "project.yaml",
) -> Path:
    """Write `doc` as a YAML fixture (plus any files it points at, relative to it) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for relative, data in (files or {}).items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    path = folder / name
    text = yaml.dump(dict(doc), Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


MakeState = Callable[..., FakeState]


def api(state: FakeState, header_variant: str = "redcap") -> FlaskClient:
    """A Flask test client for `state` (requests go to `/api/`)."""
    return create_app(state, header_variant=header_variant).test_client()


# ---------------------------------------------------------------------------------------------------------
# The classic project

TODAY = dt.date.today()
PAST = dt.date(2024, 1, 31)

# username -> (token, user entry without username/token)
CLASSIC_USERS: dict[str, dict[str, Any]] = {
    "full": {"data_export": "full"},
    "deid": {"data_export": "deidentified"},
    "remove_ids": {"data_export": "remove_identifiers"},
    "no_access": {"data_export": "no_access"},
    # Per-form rights, aggregated as §5 says (0 if none > 0, 2 if all 2, 3 if all 3, else 1).
    "form_noaccess_full": {"data_export": {"enrollment": "no_access", "labs": "full"}},
    "form_deid_remove": {"data_export": {"enrollment": "deidentified", "labs": "remove_identifiers"}},
    "form_all_deid": {"data_export": {"enrollment": "deidentified", "labs": "deidentified"}},
    "form_all_remove": {"data_export": {"enrollment": "remove_identifiers", "labs": "remove_identifiers"}},
    "form_all_noaccess": {"data_export": {"enrollment": "no_access", "labs": "no_access"}},
    "form_deid_only_enrollment": {"data_export": {"enrollment": "deidentified"}},  # labs: No Access
    "no_api_export": {"data_export": "full", "api_export": False},
    "no_access_no_api_export": {"data_export": "no_access", "api_export": False},
    "expired": {"data_export": "full", "expiration": PAST.isoformat()},
    "expires_today": {"data_export": "full", "expiration": TODAY.isoformat()},
    "expires_tomorrow": {"data_export": "full", "expiration": (TODAY + dt.timedelta(days=1)).isoformat()},
    "expired_super": {"data_export": "no_access", "super_user": True, "expiration": PAST.isoformat()},
    "suspended": {"data_export": "full", "suspended": True},
    "importer": {"data_export": "full", "api_import": True},
}
CLASSIC_TOKENS: dict[str, str] = {name: tok(0x1000 + i) for i, name in enumerate(CLASSIC_USERS)}
UNKNOWN_TOKEN = "BAD00000000000000000000000000000"  # the REDCapR bad-token probe (reference §1.1 #6)


def classic_fixture(version: str = "15.7.6") -> dict[str, Any]:
    """A classic project: enrollment (identifier file, signature, 0-byte file) and a repeating `labs`."""
    return {
        "project": {"project_id": 101, "title": "Classic test project"},
        "redcap_version": version,
        "fields": [
            {"name": "record_id", "form": "enrollment", "type": "text"},
            {"name": "consent_form", "form": "enrollment", "type": "file", "identifier": True},
            {
                "name": "participant_signature",
                "form": "enrollment",
                "type": "file",
                "validation": "signature",
            },
            {"name": "age", "form": "enrollment", "type": "text"},
            {"name": "empty_upload", "form": "enrollment", "type": "file"},
            {"name": "lab_report", "form": "labs", "type": "file"},
            {"name": "lab_value", "form": "labs", "type": "text"},
        ],
        "repeating": [{"form": "labs"}],
        "users": [
            {"username": name, "token": CLASSIC_TOKENS[name], **entry}
            for name, entry in CLASSIC_USERS.items()
        ],
        "records": [
            {
                "record": "1",
                "values": {"age": "42", "lab_value": "7.1"},
                "files": {
                    "consent_form": {"path": "files/consent.pdf", "mime": "application/pdf"},
                    "participant_signature": {
                        "base64": base64.b64encode(PNG_BYTES).decode(),
                        "name": "signature.png",
                    },
                    "empty_upload": {"text": "", "name": "empty.txt"},
                    "lab_report": {"text": LAB_ONE, "name": UNICODE_NAME},
                },
            },
            {"record": "1", "instance": 2, "files": {"lab_report": {"text": LAB_TWO, "name": LAB_TWO_NAME}}},
            {"record": "2", "values": {"age": "30"}},
            {
                "record": "abc",
                "files": {
                    "consent_form": {"base64": base64.b64encode(ABC_BYTES).decode(), "name": "abc.pdf"}
                },
            },
        ],
    }


CLASSIC_EXTRA_FILES: dict[str, bytes] = {"files/consent.pdf": PDF_BYTES}

# ---------------------------------------------------------------------------------------------------------
# The longitudinal project

LONG_USERS: dict[str, dict[str, Any]] = {
    "full": {"data_export": "full"},
    "deid": {"data_export": "deidentified"},
    "no_access": {"data_export": "no_access"},
}
LONG_TOKENS: dict[str, str] = {name: tok(0x2000 + i) for i, name in enumerate(LONG_USERS)}


def longitudinal_fixture(version: str = "15.7.6") -> dict[str, Any]:
    """Three events: baseline (enrollment + labs), visit 1 (labs repeats), visit 2 (the event repeats).
    Record 3 exists only in visit 1."""

    def lab(text: str) -> dict[str, Any]:
        return {"lab_report": {"text": text, "name": "lab.txt"}}

    return {
        "project": {"project_id": 202, "title": "Longitudinal test project"},
        "redcap_version": version,
        "fields": [
            {"name": "record_id", "form": "enrollment", "type": "text"},
            {"name": "consent_form", "form": "enrollment", "type": "file", "identifier": True},
            {"name": "lab_report", "form": "labs", "type": "file"},
            {"name": "lab_value", "form": "labs", "type": "text"},
        ],
        "arms": [{"number": 1, "name": "Arm 1"}],
        "events": [
            {"unique_name": "baseline_arm_1", "name": "Baseline", "arm": 1, "forms": ["enrollment", "labs"]},
            {"unique_name": "visit_1_arm_1", "name": "Visit 1", "arm": 1, "forms": ["labs"]},
            {"unique_name": "visit_2_arm_1", "name": "Visit 2", "arm": 1, "forms": ["labs"]},
        ],
        "repeating": [{"event": "visit_1_arm_1", "form": "labs"}, {"event": "visit_2_arm_1"}],
        "users": [{"username": n, "token": LONG_TOKENS[n], **e} for n, e in LONG_USERS.items()],
        "records": [
            {
                "record": "1",
                "event": "baseline_arm_1",
                "files": {"consent_form": {"text": "consent", "name": "consent.txt"}, **lab("baseline")},
            },
            {"record": "1", "event": "visit_1_arm_1", "files": lab("visit 1 #1")},
            {"record": "1", "event": "visit_1_arm_1", "instance": 2, "files": lab("visit 1 #2")},
            {"record": "1", "event": "visit_2_arm_1", "files": lab("visit 2 #1")},
            {"record": "1", "event": "visit_2_arm_1", "instance": 2, "files": lab("visit 2 #2")},
            {"record": "3", "event": "visit_1_arm_1", "values": {"lab_value": "9"}},
        ],
    }


class Worlds:
    """The test projects, built lazily once per (kind, version) for the whole session."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self._factory = factory
        self._cache: dict[tuple[str, str], FakeState] = {}

    def classic(self, version: str = "15.7.6") -> FakeState:
        return self._get("classic", version)

    def longitudinal(self, version: str = "15.7.6") -> FakeState:
        return self._get("longitudinal", version)

    def _get(self, kind: str, version: str) -> FakeState:
        key = (kind, version)
        if key not in self._cache:
            folder = self._factory.mktemp(f"{kind}-{version}")
            if kind == "classic":
                path = write_fixture(folder, classic_fixture(version), CLASSIC_EXTRA_FILES)
            else:
                path = write_fixture(folder, longitudinal_fixture(version))
            self._cache[key] = FakeState([path])
        return self._cache[key]


# ---------------------------------------------------------------------------------------------------------
# Requests


def export_params(token: str, record: str = "1", field: str = "consent_form", **more: str) -> dict[str, str]:
    return {"token": token, "content": "file", "action": "export", "record": record, "field": field, **more}


def post(
    client: FlaskClient,
    params: Mapping[str, str] | Sequence[tuple[str, str]],
    *,
    multipart: bool = False,
) -> TestResponse:
    """POST `params` to /api/ urlencoded (default) or as multipart/form-data."""
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    if multipart:
        return client.post(
            "/api/", data=multipart_body(pairs), content_type=f"multipart/form-data; boundary={BOUNDARY}"
        )
    body = urllib.parse.urlencode(pairs).encode("ascii")
    return client.post("/api/", data=body, content_type="application/x-www-form-urlencoded")


def post_raw(client: FlaskClient, body: bytes) -> TestResponse:
    """POST an urlencoded body given byte for byte (to send invalid UTF-8 or odd keys)."""
    return client.post("/api/", data=body, content_type="application/x-www-form-urlencoded")


BOUNDARY = "----faketestboundary7MA4YWxkTrZu0gW"
MULTIPART_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def multipart_body(
    fields: Sequence[tuple[str, str]] | Mapping[str, str],
    files: Sequence[tuple[str, str, bytes] | tuple[str, str, bytes, str]] = (),
) -> bytes:
    """A multipart/form-data body (boundary BOUNDARY): text fields, then file parts given as (part name,
    file name, bytes) or (part name, file name, bytes, part type; default application/octet-stream).
    Written by hand so every byte, file names included, reaches the server as given."""
    items = list(fields.items()) if isinstance(fields, Mapping) else list(fields)
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode()
        + v.encode("utf-8", "surrogateescape")
        + b"\r\n"
        for k, v in items
    ]
    for name, filename, data, *ctype in files:
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        part_type = ctype[0] if ctype else "application/octet-stream"
        parts.append(f"{head}Content-Type: {part_type}\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def content_type(response: TestResponse) -> bytes:
    """The Content-type header as the bytes on the wire (WSGI header strings are latin-1)."""
    values = response.headers.getlist("Content-Type")
    assert len(values) == 1, values
    return values[0].encode("latin-1")


def assert_error(response: TestResponse, status: int, body: bytes, ctype: str = XML_TYPE) -> None:
    """An error answer, exactly: status, whole body, Content-type value, REDCap's global headers."""
    assert (response.status_code, response.get_data(), content_type(response)) == (
        status,
        body,
        ctype.encode("latin-1"),
    )
    assert_global_headers(response)


def assert_global_headers(response: TestResponse) -> None:
    """REDCap's global headers: REDCap 15's own three either all there with their values (a 15.x profile)
    or all absent (7.x-14.x); X-XSS-Protection and X-Content-Type-Options from 10.x."""
    v15 = "Referrer-Policy" in response.headers
    v10 = "X-XSS-Protection" in response.headers
    for name, value in GLOBAL_HEADERS.items():
        if (name in V15_ONLY_HEADERS and not v15) or (name in V7_MISSING_HEADERS and not v10):
            assert response.headers.getlist(name) == [], name
        else:
            assert response.headers.getlist(name) == [value], name


def assert_file(response: TestResponse, data: bytes, ctype: str) -> None:
    """A file answer, exactly: 200, the stored bytes, `Content-type` (given as text, sent as UTF-8)."""
    assert (response.status_code, response.get_data(), content_type(response)) == (
        200,
        data,
        ctype.encode("utf-8"),
    )
    assert "Content-Disposition" not in response.headers
    assert "Content-Length" not in response.headers


# ---------------------------------------------------------------------------------------------------------
# Demo fixtures: which user can export which file


@dataclass(frozen=True)
class DemoFile:
    project: Project
    row: RecordRow
    field: str
    stored: StoredFile
    token: str

    def params(self) -> dict[str, str]:
        params = export_params(self.token, self.row.record, self.field)
        if self.row.event is not None:
            params["event"] = self.row.event
        if self.row.instance != 1:
            params["repeat_instance"] = str(self.row.instance)
        return params


def full_export_token(project: Project) -> str:
    """The token of a user who can export every file of the project."""
    for user in project.users:
        if (
            user.api_export
            and not user.suspended
            and (user.super_user or user.expiration is None or user.expiration > TODAY)
            and user.export_rights() == ExportRight.FULL
        ):
            return user.token
    raise AssertionError(f"{project.source}: no user with full export rights")


def demo_files(projects: Sequence[Project]) -> list[DemoFile]:
    found: list[DemoFile] = []
    for project in projects:
        token = full_export_token(project)
        for row in project.records:
            for field, stored in row.files.items():
                found.append(DemoFile(project, row, field, stored, token))
    return found


def expected_content_type(stored: StoredFile) -> str:
    """Reference §3.1: `<mime>; name="<doc_name>"`, and PHP's `;charset=UTF-8` for text/*."""
    value = f'{stored.mime}; name="{stored.name}"'
    return value + ";charset=UTF-8" if stored.mime.startswith("text/") else value


# ---------------------------------------------------------------------------------------------------------
# Raw HTTP on the wire (requests and http.client decode header bytes; this reads them as sent)


@dataclass(frozen=True)
class WireResponse:
    status_line: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes  # de-chunked
    chunked: bool

    def header(self, name: bytes) -> list[bytes]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


def wire_post(url: str, body: bytes, ctype: bytes = b"application/x-www-form-urlencoded") -> WireResponse:
    """One HTTP/1.1 POST over a plain socket, `Connection: close`, the answer read to EOF."""
    parsed = urllib.parse.urlsplit(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    request = (
        f"POST {parsed.path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n".encode()
        + b"Content-Type: "
        + ctype
        + f"\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(request)
        chunks: list[bytes] = []
        while data := sock.recv(65536):
            chunks.append(data)
    raw = b"".join(chunks)
    head, _, rest = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.split(b"\r\n")
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(b":") for line in header_lines)]
    chunked = any(k.lower() == b"transfer-encoding" and v.lower() == b"chunked" for k, v in headers)
    return WireResponse(status_line, headers, dechunk(rest) if chunked else rest, chunked)


def dechunk(data: bytes) -> bytes:
    out: list[bytes] = []
    while True:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(data[:size])
        assert data[size : size + 2] == b"\r\n"
        data = data[size + 2 :]


# ---------------------------------------------------------------------------------------------------------
# Raw sockets and process readings (the reliability tests)


def raw_request(host: str, port: int, head: bytes, timeout: float = 10.0) -> socket.socket:
    """Open a connection and send `head` (a request, or the start of one); the caller owns the socket."""
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.sendall(head)
    return sock


def read_answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks: list[bytes] = []
    while data := sock.recv(65536):
        chunks.append(data)
    return b"".join(chunks)


def open_fds() -> int:
    """How many file descriptors this process holds (Linux /proc)."""
    return len(os.listdir("/proc/self/fd"))


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc/self/statm), in bytes."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")
