"""What the project export tests share (tests/test_project_exports.py, tests/test_record_export.py): the
"tiny" classic fixture whose every row can be spelled out, the demo tokens, a form poster and PHP's
json_encode."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from fake_redcap import FakeState
from tests.support import token, write_fixture

XML_HEAD = '<?xml version="1.0" encoding="UTF-8" ?>'
JSON_TYPE = "application/json; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
TYPES = {"json": JSON_TYPE, "csv": CSV_TYPE, "xml": XML_TYPE}

# demo project 15 (longitudinal, fake_redcap/demo/longitudinal.yaml) and 14 (classic)
LONG_FULL = "1501FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
LONG_DEID = "1502FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
CLASSIC_FULL = "1401FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
CLASSIC_NO_API_EXPORT = "1408FA4EFA4EFA4EFA4EFA4EFA4EFA4E"


def tok(n: int) -> str:
    return token(0, 0x5000 + n)


TINY_USERS: dict[str, dict[str, Any]] = {
    "full": {"data_export": "full", "design": True},
    "deid": {"data_export": "deidentified"},
    "remove": {"data_export": "remove_identifiers"},
    "none": {"data_export": "no_access"},
    # a mix aggregates to Full (no 403), but the No Access form's fields are removed
    "enrollment_only": {"data_export": {"enrollment": "full", "visits": "no_access"}},
}
TINY_TOKENS = {name: tok(i) for i, name in enumerate(TINY_USERS)}


def tiny_fixture(version: str = "15.7.6") -> dict[str, Any]:
    """A classic project with a repeating form `visits`, an identifier text field, a date, a notes
    field, two file fields and a descriptive field. Records "2", "10" and "abc" (natural order)."""
    return {
        "project": {"project_id": 501, "title": "Tiny, classic", "status": "development"},
        "redcap_version": version,
        "fields": [
            {"name": "record_id", "form": "enrollment", "type": "text", "label": "Record ID"},
            {"name": "name", "form": "enrollment", "type": "text", "identifier": True, "label": 'Name "q"'},
            {"name": "dob", "form": "enrollment", "type": "text", "validation": "date_ymd", "label": "DOB"},
            {"name": "notes_field", "form": "enrollment", "type": "notes", "label": "Notes"},
            {"name": "consent", "form": "enrollment", "type": "file", "identifier": True, "label": "Consent"},
            {"name": "visit_note", "form": "visits", "type": "text", "validation": "integer", "label": "N"},
            {"name": "scan", "form": "visits", "type": "file", "label": "Scan"},
            {"name": "intro", "form": "visits", "type": "descriptive", "label": "Intro"},
        ],
        "repeating": [{"form": "visits"}],
        "users": [{"username": n, "token": TINY_TOKENS[n], **e} for n, e in TINY_USERS.items()],
        "records": [
            {
                "record": "2",
                "values": {
                    "name": "Ann Lee",
                    "dob": "1990-01-02",
                    "notes_field": "line1\r\nline2",
                    "visit_note": "5",
                },
                "files": {
                    "consent": {"text": "c2", "name": "c, 2.txt"},
                    "scan": {"text": "s1", "name": "scan1.png"},
                },
            },
            {"record": "2", "instance": 2, "files": {"scan": {"text": "s2", "name": "scan2.txt"}}},
            {"record": "10", "values": {"name": 'Bo "B"'}},
            {"record": "abc", "values": {"visit_note": "7"}},
        ],
    }


def write_state(folder: Path, doc: Mapping[str, Any]) -> FakeState:
    return FakeState([write_fixture(folder, doc)])


def post(client: FlaskClient, params: Mapping[str, str] | Sequence[tuple[str, str]]) -> TestResponse:
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    body = urllib.parse.urlencode(pairs).encode("ascii")
    return client.post("/api/", data=body, content_type="application/x-www-form-urlencoded")


def answer(response: TestResponse) -> tuple[int, str, str]:
    return response.status_code, response.headers["Content-Type"], response.get_data(as_text=True)


def php_json(value: object) -> str:
    """PHP's json_encode: no spaces, "/" escaped, non-ASCII as \\uhhhh."""
    return json.dumps(value, separators=(",", ":")).replace("/", "\\/")


def ok(fmt: str, body: str) -> tuple[int, str, str]:
    return 200, TYPES[fmt], body


def not_implemented(response: TestResponse) -> bool:
    return response.status_code == 400 and "X-Fake-REDCap-Not-Implemented" in response.headers
