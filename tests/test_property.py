"""Property: whatever is posted, the fake answers like REDCap: never a 5xx, and every answer is either a
file, a fileinfo/version/empty success body, or a well-formed REDCap envelope in the format the
Content-type names (and that §1.2 predicts from the posted returnFormat/format)."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from fake_redcap import FakeState, create_app
from fake_redcap.params import Params
from tests.support import BOUNDARY, CSV_TYPE, JSON_TYPE, XML_TYPE, multipart_body

KNOWN_KEYS = [
    "token",
    "content",
    "action",
    "record",
    "field",
    "event",
    "repeat_instance",
    "repeat_instrument",
    "returnFormat",
    "format",
    "data",
    "fileinfo",
    "mobile_app",
    "field[0]",
    "record[]",
    "token[]",
    "return.Format",
    " content",
]
INTERESTING_VALUES = [
    "",
    "file",
    "fileinfo",
    "filesize",
    "version",
    "record",
    "metadata",
    "log",
    "FILE",
    "export",
    "EXPORT",
    "Export",
    "import",
    "delete",
    "import_app",
    "json",
    "JSON",
    "csv",
    "xml",
    "odm",
    "1",
    "2",
    "3",
    "4",
    "L1",
    "0",
    "-1",
    "2.0",
    " 2",
    "1.5",
    "abc",
    "consent_form",
    "CONSENT_FORM",
    "participant_signature",
    "lab_report",
    "study_document",
    "age",
    "baseline_arm_1",
    "visit_1_arm_1",
    "visit_2_arm_1",
    "bogus",
    "a<b>&c",
    'x"y/z',
    "報告",
]

XML_ENVELOPE = re.compile(
    rb'<\?xml version="1\.0" encoding="UTF-8" \?><hash><error>.*</error></hash>', re.DOTALL
)
VERSION = re.compile(rb"\d+\.\d+\.\d+")
ENVELOPE_TYPES = {XML_TYPE: "xml", JSON_TYPE: "json", CSV_TYPE: "csv"}


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[FakeState, FlaskClient]]:
    """The demo projects in a state of this module's own (a random delete may change it)."""
    state = FakeState()
    yield state, create_app(state).test_client()
    state.close()


def tokens(state: FakeState) -> list[str]:
    found = [user.token for project in state.projects for user in project.users]
    return [*found, *(t.lower() for t in found[:3])]


@st.composite
def requests(draw: st.DrawFn, valid_tokens: list[str]) -> tuple[str, list[tuple[str, str]] | bytes]:
    encoding = draw(st.sampled_from(["urlencoded", "multipart", "raw"]))
    if encoding == "raw":
        return encoding, draw(st.binary(max_size=200))
    any_text = st.text(max_size=24)
    key = st.one_of(st.sampled_from(KNOWN_KEYS), st.text(max_size=12))
    value = st.one_of(st.sampled_from(INTERESTING_VALUES), st.sampled_from(valid_tokens), any_text)
    pairs: list[tuple[str, str]] = []
    if draw(st.integers(0, 4)):
        # Mostly near-valid requests, each parameter present or missing, known or arbitrary.
        def maybe(name: str, choices: list[str], p_missing: int = 1) -> None:
            roll = draw(st.integers(0, 9))
            if roll < p_missing:
                return
            pairs.append((name, draw(st.sampled_from(choices)) if roll < 9 else draw(any_text)))

        maybe("token", valid_tokens + valid_tokens[:1] * 2 * len(valid_tokens))  # [0]: a full user
        maybe("content", ["file"] * 5 + ["fileinfo", "filesize", "version", "record", "log", "FILE"])
        maybe("action", ["export"] * 6 + ["EXPORT", "delete", "import", "foo"])
        maybe("record", ["1", "2", "3", "4", "L1", "ABC", "1 "])
        maybe("field", ["consent_form", "CONSENT_FORM", "participant_signature", "lab_report", "age"])
        maybe("event", ["baseline_arm_1", "visit_1_arm_1", "visit_2_arm_1", "bogus"], p_missing=5)
        maybe("repeat_instance", ["1", "2", "0", "-1", "2.0", "abc"], p_missing=6)
        maybe("returnFormat", ["json", "JSON", "csv", "xml", "odm", ""], p_missing=5)
        maybe("format", ["json", "csv", "odm", "JSON"], p_missing=6)
    pairs += draw(st.lists(st.tuples(key, value), max_size=4))
    pairs = draw(st.permutations(pairs))
    if encoding == "multipart":
        # A form-data name cannot hold a quote, a backslash or a line break.
        pairs = [(re.sub(r'["\\\r\n]', "_", k), v) for k, v in pairs]
    return encoding, pairs


def send(client: FlaskClient, encoding: str, payload: list[tuple[str, str]] | bytes) -> TestResponse:
    if isinstance(payload, bytes):
        return client.post("/api/", data=payload, content_type="application/x-www-form-urlencoded")
    if encoding == "multipart":
        return client.post(
            "/api/",
            data=multipart_body(payload),
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
        )
    return client.post(
        "/api/",
        data=urllib.parse.urlencode(payload).encode(),
        content_type="application/x-www-form-urlencoded",
    )


def expected_format(params: Params) -> str:
    """Reference §1.2, written out independently of the fake."""
    content_format = params.text("format") if params.text("format") in ("json", "csv", "odm") else "xml"
    chosen = params.text("returnFormat").lower() or content_format
    return chosen if chosen in ("json", "csv") else "xml"


def check_answer(response: TestResponse, params: Params | None) -> None:
    status, body = response.status_code, response.get_data()
    ctype = response.headers.get("Content-type", "")
    assert status < 500, (status, body)
    assert status in (200, 400, 403), (status, body)
    if status == 200:
        if "; name=" in ctype or "; name*=" in ctype or "name='" in ctype:
            return  # a file
        assert ctype in ENVELOPE_TYPES, ctype
        if body == b"" or VERSION.fullmatch(body):
            return  # import/delete success (§3.2), or content=version
        if ctype == JSON_TYPE:
            parsed = json.loads(body)
            if body.startswith(b'{"size":'):  # fileinfo (§3.3)
                assert set(parsed) == {"size", "name"}
                assert isinstance(parsed["size"], int) and isinstance(parsed["name"], str)
        elif ctype == XML_TYPE:
            assert body.startswith(b'<?xml version="1.0" encoding="UTF-8" ?>'), body
        return  # csv: an export the fake implements besides files (content=record, metadata, ...)
    kind = ENVELOPE_TYPES.get(ctype)
    assert kind is not None, (status, ctype, body)
    if params is not None:
        assert kind == expected_format(params), (kind, dict(params))
    if kind == "xml":
        assert XML_ENVELOPE.fullmatch(body), body
    elif kind == "json":
        if body != b"":  # json_encode of invalid UTF-8 is false, echoed as "" (reference §7 q8)
            parsed = json.loads(body)
            assert isinstance(parsed, dict) and list(parsed) == ["error"] and isinstance(parsed["error"], str)
            assert body.isascii() and "/" not in body.decode().replace("\\/", "")
    else:
        assert body.startswith(b"ERROR: "), body
    assert not body.endswith(b"\n")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_post_gets_a_redcap_shaped_answer(
    world: tuple[FakeState, FlaskClient], data: st.DataObject
) -> None:
    state, client = world
    encoding, payload = data.draw(requests(tokens(state)))
    response = send(client, encoding, payload)
    params = None if isinstance(payload, bytes) else Params.from_pairs(payload)
    check_answer(response, params)
    event(f"{response.status_code} {response.headers.get('Content-type', '').split(';')[0]}")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(["GET", "PUT", "PATCH", "DELETE", "OPTIONS"]), query=st.text(max_size=40))
def test_any_other_method_is_the_501_xml_envelope(
    world: tuple[FakeState, FlaskClient], method: str, query: str
) -> None:
    _, client = world
    response = client.open("/api/?" + urllib.parse.quote(query, safe="=&"), method=method)
    assert response.status_code == 501
    assert response.headers["Content-type"] == XML_TYPE
    assert response.get_data() == (
        b'<?xml version="1.0" encoding="UTF-8" ?><hash><error>'
        b"The requested method is not implemented.</error></hash>"
    )
