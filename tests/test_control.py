"""Control endpoints (`/__fake__/...`), the request journal and faults, from Python and from HTTP,
against a real threaded server on 127.0.0.1: every fault as a client meets it on the wire."""

from __future__ import annotations

import json
import socket
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from fake_redcap import FakeServer, FakeState, demo_fixture_paths, messages
from fake_redcap.faults import Fault, FaultError
from redcap_file_client import RedcapClient, RedcapError
from tests.support import NO_PERMISSION

FULL = "1401FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # demo project 14, full_user
DEID = "1402FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # demo project 14, deid_user
IMPORTER = "1412FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # demo project 14, importer_user
LONG_FULL = "1501FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # demo project 15, full_user
ALL_DEMO_TOKENS = [f"14{n:02d}" + "FA4E" * 7 for n in range(1, 13)] + [
    f"15{n:02d}" + "FA4E" * 7 for n in range(1, 7)
]

LAB_1 = b"analyte,value,unit\r\nglucose,5.4,mmol/L\r\nsodium,140,mmol/L\r\n"  # demo files/lab_1.csv
SYSTEM_OFFLINE = messages.SYSTEM_OFFLINE
API_DISABLED = messages.API_DISABLED

TINY_FIXTURE = """\
project: {project_id: 77, title: Tiny project}
redcap_version: "REDCAP_VERSION"
fields:
  - {name: record_id, form: main, type: text}
  - {name: scan, form: main, type: file}
users:
  - {username: alice, token: "7701ABCDABCDABCDABCDABCDABCDABCD", data_export: full}
records:
  - record: "1"
    files:
      scan: {text: "tiny scan\\n", name: scan.txt}
"""


def lab_export(token: str = FULL, **more: str) -> dict[str, str]:
    return {
        "token": token,
        "content": "file",
        "action": "export",
        "record": "1",
        "field": "lab_report",
        "returnFormat": "json",
        **more,
    }


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer(FakeState(), "127.0.0.1", 0) as running:
        yield running


@pytest.fixture
def fake(server: FakeServer) -> FakeServer:
    """The module's server over the demo projects, reset before each test."""
    if [p.resolve() for p in server.state.fixtures] != [p.resolve() for p in demo_fixture_paths()]:
        server.state.load(demo_fixture_paths(), replace=True)  # a test loaded other fixtures
    server.state.reset()
    return server


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_FIXTURE.replace("REDCAP_VERSION", "15.7.6"), encoding="utf-8")
    return path


def control(server: FakeServer, method: str, name: str, body: Any = None) -> requests.Response:
    return requests.request(
        method, f"{server.base_url}/__fake__/{name}", json=body, headers=server.control_headers, timeout=10
    )


def api(server: FakeServer, params: dict[str, str], **kwargs: Any) -> requests.Response:
    return requests.post(server.url, data=params, timeout=kwargs.pop("timeout", 10), **kwargs)


# ---------------------------------------------------------------------------------------------------------
# Raw HTTP: what a client meets on the wire, broken bodies included


@dataclass(frozen=True)
class Wire:
    status_line: str
    headers: dict[str, str]  # lower-cased names
    raw_body: bytes  # as sent, chunk frames included
    frames: list[bytes]  # the chunk payloads, when chunked
    chunked_complete: bool  # the terminating 0-size chunk arrived

    @property
    def body(self) -> bytes:
        return b"".join(self.frames) if "transfer-encoding" in self.headers else self.raw_body


def wire(server: FakeServer, params: dict[str, str]) -> Wire:
    """POST over a plain socket with `Connection: close`, read to EOF, nothing repaired."""
    body = urllib.parse.urlencode(params).encode()
    head = (
        f"POST /api/ HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nConnection: close\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port or 0), timeout=10) as sock:
        sock.sendall(head + body)
        received: list[bytes] = []
        while data := sock.recv(65536):
            received.append(data)
    raw = b"".join(received)
    header_block, _, rest = raw.partition(b"\r\n\r\n")
    status_line, *lines = header_block.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    frames, complete = _frames(rest) if headers.get("transfer-encoding") == "chunked" else ([], False)
    return Wire(status_line, headers, rest, frames, complete)


def _frames(data: bytes) -> tuple[list[bytes], bool]:
    frames: list[bytes] = []
    while data:
        size_line, found, data = data.partition(b"\r\n")
        if not found:
            break
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return frames, True
        frames.append(data[:size])
        data = data[size + 2 :]
    return frames, False


# ---------------------------------------------------------------------------------------------------------
# Control endpoints


def test_health(fake: FakeServer) -> None:
    answer = control(fake, "GET", "health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "projects": 2}


def test_state_shows_projects_records_and_files_with_masked_tokens(fake: FakeServer) -> None:
    answer = control(fake, "GET", "state")
    assert answer.status_code == 200
    projects = answer.json()["projects"]
    assert [p["project_id"] for p in projects] == [14, 15]
    classic = projects[0]
    assert classic["longitudinal"] is False and classic["status"] == "development"
    users = {u["username"]: u for u in classic["users"]}
    assert users["full_user"]["token"] == "1401…"
    assert users["deid_user"]["export_rights"] == "deidentified"
    row = next(r for r in classic["records"] if r["record"] == "1" and r["instance"] == 1)
    assert row["files"]["consent_form"] == {"name": "consent.pdf", "mime": "application/pdf", "size": 670}
    for token in ALL_DEMO_TOKENS:
        assert token not in answer.text and token.lower() not in answer.text


def test_reset_drops_uploads_journal_and_faults(fake: FakeServer) -> None:
    RedcapClient(fake.url, IMPORTER).import_file("2", "lab_report", b"new lab\n", filename="new.txt")
    control(fake, "POST", "faults", {"kind": "maintenance", "times": None})
    state_before = control(fake, "GET", "state").json()
    row = next(r for r in state_before["projects"][0]["records"] if r["record"] == "2")
    assert row["files"]["lab_report"]["name"] == "new.txt"

    answer = control(fake, "POST", "reset")
    assert answer.json() == {"status": "reset", "projects": 2}
    row = next(
        r for r in control(fake, "GET", "state").json()["projects"][0]["records"] if r["record"] == "2"
    )
    assert "lab_report" not in row["files"]
    assert control(fake, "GET", "requests").json() == {"requests": []}
    assert control(fake, "GET", "faults").json() == {"faults": []}
    assert api(fake, lab_export()).content == LAB_1


def test_load_adds_then_replaces_projects(fake: FakeServer, tiny: Path) -> None:
    answer = control(fake, "POST", "load", {"fixtures": [str(tiny)]})
    assert answer.status_code == 200
    assert answer.json() == {"status": "loaded", "projects": [14, 15, 77]}
    scan = {"token": "7701ABCDABCDABCDABCDABCDABCDABCD", "content": "file", "action": "export"}
    assert api(fake, {**scan, "record": "1", "field": "scan"}).content == b"tiny scan\n"

    answer = control(fake, "POST", "load", {"fixtures": [str(tiny)], "replace": True})
    assert answer.json() == {"status": "loaded", "projects": [77]}
    assert api(fake, lab_export()).status_code == 403  # project 14 is no longer served


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"fixture": "x.yaml"}, 'send JSON like {"fixtures": ["path/to/project.yaml"]'),
        ({"fixtures": [1]}, "fixtures must be a list of file paths (strings)"),
        ({"fixtures": ["/nonexistent/project.yaml"]}, "/nonexistent/project.yaml"),
    ],
)
def test_load_refuses_bad_requests_and_changes_nothing(fake: FakeServer, body: Any, says: str) -> None:
    answer = control(fake, "POST", "load", body)
    assert answer.status_code == 400
    assert says in answer.json()["error"]
    assert [p["project_id"] for p in control(fake, "GET", "state").json()["projects"]] == [14, 15]


def test_load_refuses_a_fixture_that_reuses_a_served_token(fake: FakeServer, tmp_path: Path) -> None:
    clash = tmp_path / "clash.yaml"
    clash.write_text(
        TINY_FIXTURE.replace("REDCAP_VERSION", "15.7.6").replace("7701ABCDABCDABCDABCDABCDABCDABCD", FULL),
        encoding="utf-8",
    )
    answer = control(fake, "POST", "load", {"fixtures": [str(clash)]})
    assert answer.status_code == 400
    assert "clash.yaml" in answer.json()["error"]
    assert FULL not in answer.text
    assert [p.project_id for p in fake.state.projects] == [14, 15]


def test_requests_endpoint_shows_the_journal_without_tokens_and_clears_it(fake: FakeServer) -> None:
    api(fake, lab_export())
    api(fake, lab_export(token=DEID, field="consent_form"))
    api(fake, lab_export(token="0" * 32))
    entries = control(fake, "GET", "requests").json()["requests"]
    assert [e["params"]["token"] for e in entries] == ["full_user", "deid_user", "<unknown token>"]
    assert [e["user"] for e in entries] == ["full_user", "deid_user", None]
    assert [e["status"] for e in entries] == [200, 403, 403]
    first = entries[0]
    assert (first["content"], first["action"], first["record"], first["field"]) == (
        "file",
        "export",
        "1",
        "lab_report",
    )
    assert first["project_id"] == 14
    assert first["bytes_sent"] == len(LAB_1) and first["completed"] is True
    assert first["message"] is None and first["fault"] is None
    assert entries[1]["message"].startswith("The API request cannot complete because this File Upload field")
    assert entries[2]["message"] == NO_PERMISSION
    text = control(fake, "GET", "requests").text
    assert FULL not in text and DEID not in text

    assert control(fake, "DELETE", "requests").json() == {"status": "cleared"}
    assert control(fake, "GET", "requests").json() == {"requests": []}


# ---------------------------------------------------------------------------------------------------------
# Faults over HTTP


def test_faults_endpoints_add_list_fire_and_clear(fake: FakeServer) -> None:
    added = control(
        fake, "POST", "faults", {"kind": "http_error", "status": 502, "match": {"field": "lab_report"}}
    )
    assert added.status_code == 200
    fault = added.json()
    assert fault["kind"] == "http_error" and fault["status"] == 502 and fault["times"] == 1
    assert fault["id"] >= 1 and fault["fired"] == 0
    assert control(fake, "GET", "faults").json()["faults"] == [fault]

    assert api(fake, lab_export(field="consent_form")).status_code == 200  # no match
    assert api(fake, lab_export()).status_code == 502
    assert control(fake, "GET", "faults").json() == {"faults": []}  # one-shot: used up
    assert api(fake, lab_export()).status_code == 200

    control(fake, "POST", "faults", {"kind": "maintenance", "times": None})
    assert len(control(fake, "GET", "faults").json()["faults"]) == 1
    assert control(fake, "DELETE", "faults").json() == {"status": "cleared"}
    assert api(fake, lab_export()).content == LAB_1


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("not json", 'send JSON like {"kind": "http_error"'),
        ({"kind": "explode"}, "unknown fault kind 'explode'; choose one of delay, trickle, drop"),
        ({"kind": "drop", "when": "now"}, "unknown fault keys ['when']"),
        ({"kind": "drop", "seed": 3}, "set the seed with POST /__fake__/faults/seed"),
        ({"kind": "drop", "match": {"event": "x"}}, "faults match on content, action, record, field, user"),
        ({"kind": "http_error", "status": 404}, "http_error takes status 500, 502 or 503, not 404"),
        ({"kind": "drop", "times": 0}, "times must be a positive number, or null for a sticky fault"),
        ({"kind": "drop", "probability": 2}, "probability must be between 0 and 1"),
        (
            {"kind": "drop", "match": {"user": "1402FA4EFA4EFA4EFA4EFA4EFA4EFA4E"}},
            "match.user takes the user's name as the fixture's users list gives it",
        ),
        ({"kind": "drop", "match": {"user": "A" * 64}}, "not an API token; a token there would never match"),
    ],
)
def test_faults_endpoint_refuses_what_it_cannot_set_up(fake: FakeServer, body: Any, says: str) -> None:
    if isinstance(body, str):
        answer = requests.post(
            f"{fake.base_url}/__fake__/faults", data=body, headers=fake.control_headers, timeout=10
        )
    else:
        answer = control(fake, "POST", "faults", body)
    assert answer.status_code == 400
    assert says in answer.json()["error"]
    assert fake.state.faults.active() == []


def test_a_refused_fault_never_echoes_the_token_it_was_given(fake: FakeServer) -> None:
    token = "1402FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
    answer = control(fake, "POST", "faults", {"kind": "drop", "match": {"user": token}})
    assert answer.status_code == 400
    assert token not in answer.text


def test_an_empty_load_from_python_is_refused_and_changes_nothing(fake: FakeServer) -> None:
    before = fake.state.projects
    with pytest.raises(ValueError, match="load\\(\\) needs at least one fixture file"):
        fake.state.load([], replace=True)
    assert fake.state.projects == before


def test_seed_endpoint_refuses_a_non_integer(fake: FakeServer) -> None:
    answer = control(fake, "POST", "faults/seed", {"seed": "x"})
    assert answer.status_code == 400
    assert answer.json() == {"error": 'send JSON like {"seed": 42}'}


def _pattern(server: FakeServer, n: int = 24) -> list[int]:
    return [api(server, lab_export()).status_code for _ in range(n)]


def test_seeded_probability_is_reproducible_from_http_and_python(fake: FakeServer) -> None:
    flaky = {"kind": "http_error", "status": 503, "times": None, "probability": 0.5}
    assert control(fake, "POST", "faults/seed", {"seed": 1234}).json() == {"status": "seeded"}
    control(fake, "POST", "faults", flaky)
    first = _pattern(fake)
    assert set(first) == {200, 503}, "a 0.5 probability over 24 requests shows both outcomes"

    control(fake, "POST", "reset")
    control(fake, "POST", "faults/seed", {"seed": 1234})
    control(fake, "POST", "faults", flaky)
    assert _pattern(fake) == first

    fake.state.reset()
    fake.state.faults.seed(1234)
    fake.state.faults.add(Fault("http_error", status=503, times=None, probability=0.5))
    assert _pattern(fake) == first

    fake.state.reset()
    fake.state.faults.seed(4321)
    fake.state.faults.add(Fault("http_error", status=503, times=None, probability=0.5))
    assert _pattern(fake) != first


# ---------------------------------------------------------------------------------------------------------
# Every fault kind on the wire (set from Python)


def test_drop_closes_the_connection_mid_body(fake: FakeServer) -> None:
    fake.state.faults.add(Fault("drop", after_bytes=10))
    answer = wire(fake, lab_export())
    assert answer.status_line == "HTTP/1.1 200 OK"
    assert answer.headers["transfer-encoding"] == "chunked"
    assert answer.body == LAB_1[:10]
    assert not answer.chunked_complete
    entry = fake.state.journal.entries()[-1]
    assert (entry.fault, entry.status, entry.bytes_sent, entry.completed) == ("drop", 200, 10, False)

    fake.state.faults.add(Fault("drop", after_bytes=10))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        api(fake, lab_export())
    fake.state.faults.add(Fault("drop", after_bytes=10))
    with pytest.raises(RedcapError) as caught:
        RedcapClient(fake.url, FULL, retries=0).export_file("1", "lab_report")
    assert caught.value.status is None


def test_drop_before_any_byte_still_sends_the_headers(fake: FakeServer) -> None:
    fake.state.faults.add(Fault("drop", after_bytes=0))
    answer = wire(fake, lab_export())
    assert answer.status_line == "HTTP/1.1 200 OK"
    assert answer.body == b"" and not answer.chunked_complete


def test_short_body_promises_the_whole_length_and_sends_less(fake: FakeServer) -> None:
    fake.state.faults.add(Fault("short_body", after_bytes=20))
    answer = wire(fake, lab_export())
    assert answer.status_line == "HTTP/1.1 200 OK"
    assert answer.headers["content-length"] == str(len(LAB_1))
    assert "transfer-encoding" not in answer.headers
    assert answer.raw_body == LAB_1[:20]
    entry = fake.state.journal.entries()[-1]
    assert (entry.fault, entry.bytes_sent, entry.completed) == ("short_body", 20, False)

    fake.state.faults.add(Fault("short_body", after_bytes=20))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        api(fake, lab_export())


def test_delay_answers_late_but_whole(fake: FakeServer) -> None:
    fake.state.faults.add(Fault("delay", seconds=0.2))
    answer = api(fake, lab_export())
    assert answer.content == LAB_1
    assert fake.state.journal.entries()[-1].fault == "delay"

    # Nothing at all arrives before the delay is over: a shorter read timeout must expire.
    fake.state.faults.add(Fault("delay", seconds=1.0))
    with pytest.raises(requests.exceptions.ReadTimeout):
        api(fake, lab_export(), timeout=(5, 0.1))


def test_trickle_sends_the_body_in_small_chunks(fake: FakeServer) -> None:
    fake.state.faults.add(Fault("trickle", chunk_size=16, seconds=0.001))
    answer = wire(fake, lab_export())
    assert answer.status_line == "HTTP/1.1 200 OK"
    assert answer.chunked_complete
    assert answer.body == LAB_1
    assert [len(f) for f in answer.frames] == [16, 16, 16, len(LAB_1) - 48]
    entry = fake.state.journal.entries()[-1]
    assert (entry.fault, entry.bytes_sent, entry.completed) == ("trickle", len(LAB_1), True)


@pytest.mark.parametrize(
    ("status", "line", "title"),
    [
        (500, "500 Internal Server Error", "Internal Server Error"),
        (502, "502 Bad Gateway", "Bad Gateway"),
        (503, "503 Service Unavailable", "Service Unavailable"),
    ],
)
def test_http_error_sends_the_apache_html_page(fake: FakeServer, status: int, line: str, title: str) -> None:
    fake.state.faults.add(Fault("http_error", status=status))
    answer = wire(fake, lab_export())
    assert answer.status_line == f"HTTP/1.1 {line}"
    assert answer.headers["content-type"] == "text/html; charset=iso-8859-1"
    assert answer.body.startswith(b'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">')
    assert f"<title>{line}</title>".encode() in answer.body
    assert f"<h1>{title}</h1>".encode() in answer.body
    assert b"<address>Apache Server</address>" in answer.body
    entry = fake.state.journal.entries()[-1]
    assert (entry.status, entry.fault, entry.message) == (status, "http_error", None)


def test_maintenance_page_comes_with_200_instead_of_the_file(fake: FakeServer) -> None:
    fake.state.faults.add(Fault("maintenance"))
    answer = wire(fake, lab_export())
    assert answer.status_line == "HTTP/1.1 200 OK"
    assert answer.headers["content-type"] == "text/html; charset=UTF-8"
    assert b"<h1>REDCap is undergoing maintenance</h1>" in answer.body
    assert LAB_1 not in answer.body
    assert fake.state.journal.entries()[-1].fault == "maintenance"


@pytest.mark.parametrize(
    ("return_format", "content_type", "body"),
    [
        ("json", "application/json; charset=utf-8", json.dumps({"error": SYSTEM_OFFLINE}).encode()),
        (
            "xml",
            "text/xml; charset=utf-8",
            f'<?xml version="1.0" encoding="UTF-8" ?><hash><error>{SYSTEM_OFFLINE}</error></hash>'.encode(),
        ),
    ],
)
def test_offline_is_redcaps_own_answer_in_the_asked_format(
    fake: FakeServer, return_format: str, content_type: str, body: bytes
) -> None:
    fake.state.faults.add(Fault("offline"))
    answer = api(fake, lab_export(returnFormat=return_format))
    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == content_type
    assert answer.content.replace(b", ", b",").replace(b": ", b":") == body.replace(b", ", b",").replace(
        b": ", b":"
    )
    entry = fake.state.journal.entries()[-1]
    assert (entry.fault, entry.message) == ("offline", SYSTEM_OFFLINE)


def test_api_disabled_is_400_since_redcap_10_and_503_before(fake: FakeServer, tmp_path: Path) -> None:
    fake.state.faults.add(Fault("api_disabled"))
    answer = api(fake, lab_export())
    assert (answer.status_code, answer.json()) == (400, {"error": API_DISABLED})
    assert fake.state.journal.entries()[-1].message == API_DISABLED

    old = tmp_path / "old.yaml"
    old.write_text(TINY_FIXTURE.replace("REDCAP_VERSION", "7.6.0"), encoding="utf-8")
    with FakeServer(FakeState([old])) as v7:
        v7.state.faults.add(Fault("api_disabled"))
        answer = api(
            v7, {"token": "7701ABCDABCDABCDABCDABCDABCDABCD", "content": "version", "returnFormat": "json"}
        )
        assert (answer.status_code, answer.json()) == (503, {"error": API_DISABLED})


# ---------------------------------------------------------------------------------------------------------
# How often a fault fires, and on what


def test_one_shot_fires_once(fake: FakeServer) -> None:
    fault = fake.state.faults.add(Fault("http_error", status=500))
    assert [api(fake, lab_export()).status_code for _ in range(3)] == [500, 200, 200]
    assert fault.fired == 1 and fault.exhausted
    assert fake.state.faults.active() == []


def test_n_times_fires_n_times(fake: FakeServer) -> None:
    fault = fake.state.faults.add(Fault("http_error", status=502, times=3))
    assert [api(fake, lab_export()).status_code for _ in range(5)] == [502, 502, 502, 200, 200]
    assert fault.fired == 3


def test_sticky_fires_until_cleared(fake: FakeServer) -> None:
    fault = fake.state.faults.add(Fault("http_error", status=503, times=None))
    assert [api(fake, lab_export()).status_code for _ in range(5)] == [503] * 5
    assert fake.state.faults.active() == [fault]
    fake.state.faults.clear()
    assert api(fake, lab_export()).status_code == 200


def test_a_fault_fires_only_on_the_requests_it_matches(fake: FakeServer) -> None:
    fake.state.faults.add(
        Fault("maintenance", times=None, match={"content": "file", "action": "export", "user": "deid_user"})
    )
    assert api(fake, lab_export()).content == LAB_1  # full_user: untouched
    assert b"maintenance" in api(fake, lab_export(token=DEID)).content
    assert b"maintenance" in api(fake, lab_export(token=DEID, action="EXPORT")).content  # action: any case
    assert api(fake, {"token": DEID, "content": "version"}).content == b"15.7.6"
    fake.state.faults.clear()

    fake.state.faults.add(
        Fault("http_error", status=500, times=None, match={"record": "101", "field": "visit_photo"})
    )
    photo = lab_export(token=LONG_FULL, record="101", field="visit_photo", event="visit_2_arm_1")
    assert api(fake, photo).status_code == 500
    assert api(fake, {**photo, "field": "lab_report", "event": "baseline_arm_1"}).status_code == 200


def test_the_client_retries_through_a_one_shot_503(fake: FakeServer) -> None:
    fake.state.faults.add(Fault("http_error", status=503, match={"field": "lab_report"}))
    exported = RedcapClient(fake.url, FULL, backoff=0).export_file("1", "lab_report")
    assert exported.content == LAB_1
    statuses = [e.status for e in fake.state.journal.find(field="lab_report")]
    assert statuses == [503, 200]


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"kind": "boom"}, "unknown fault kind 'boom'"),
        ({"kind": "drop", "match": {"token": "x"}}, "not on token"),
        ({"kind": "drop", "times": 0}, "times must be a positive number"),
        ({"kind": "drop", "probability": -0.1}, "probability must be between 0 and 1"),
        ({"kind": "http_error", "status": 418}, "http_error takes status 500, 502 or 503"),
        ({"kind": "trickle", "chunk_size": 0}, "chunk_size >= 1"),
    ],
)
def test_faults_from_python_refuse_what_they_cannot_do(kwargs: dict[str, Any], says: str) -> None:
    with pytest.raises(FaultError, match=says):
        Fault(**kwargs)


# ---------------------------------------------------------------------------------------------------------
# The journal from Python: assertions and lint


def test_assert_request_made_returns_the_matches(fake: FakeServer) -> None:
    api(fake, lab_export())
    api(fake, lab_export())
    api(fake, lab_export(field="consent_form"))
    journal = fake.state.journal
    found = journal.assert_request_made(user="full_user", field="lab_report", status=200)
    assert [e.field for e in found] == ["lab_report", "lab_report"]
    assert len(journal.assert_request_made(count=1, field="consent_form", returnFormat="json")) == 1
    assert journal.find(record="2") == []


def test_assert_request_made_shows_similar_requests_when_it_fails(fake: FakeServer) -> None:
    api(fake, lab_export())
    api(fake, lab_export(token=DEID, field="consent_form"))
    journal = fake.state.journal
    with pytest.raises(AssertionError) as caught:
        journal.assert_request_made(user="deid_user", field="lab_report")
    text = str(caught.value)
    assert (
        text.splitlines()[0]
        == "expected at least one request(s) with user='deid_user' field='lab_report', found 0"
    )
    assert "similar requests:" in text
    assert "field='consent_form'" in text and "-> 403" in text
    assert "token='deid_user'" in text and DEID not in text

    with pytest.raises(AssertionError, match="expected 2 request"):
        journal.assert_request_made(count=2, field="lab_report")
    with pytest.raises(AssertionError, match="the journal holds 2 request"):
        journal.assert_request_made(content="version")


@pytest.mark.parametrize(
    ("params", "note"),
    [
        (
            {"record[0]": "1", "record": None},
            "record was sent as an array (record[...])"
            " where REDCap expects one value: REDCap 14+ reads a one-element array as its element in lookups,"
            " REDCap 15 (PHP 8) fails on it elsewhere, older versions read it as 'Array'",
        ),
        ({"filename": "x.csv"}, "unknown parameter 'filename': the file methods ignore it"),
        (
            {"repeat_instrument": "labs"},
            "repeat_instrument is not read by the file methods; only repeat_instance counts",
        ),
        ({"event": "baseline_arm_1"}, "event was sent to a classic project; REDCap ignores it"),
        (
            {"field": "consent_form", "repeat_instance": "2"},
            "repeat_instance='2' was ignored: the field's form does not repeat in this event",
        ),
    ],
)
def test_lint_notes_what_redcap_would_silently_accept(
    fake: FakeServer, params: dict[str, str | None], note: str
) -> None:
    sent = {k: v for k, v in {**lab_export(), **params}.items() if v is not None}
    api(fake, sent)
    notes = fake.state.journal.entries()[-1].lint
    assert any(n.startswith(note) for n in notes), notes


def test_a_clean_request_has_no_lint_and_uploads_are_named(fake: FakeServer) -> None:
    api(fake, lab_export(repeat_instance="2"))
    assert fake.state.journal.entries()[-1].lint == []
    RedcapClient(fake.url, IMPORTER).import_file("2", "lab_report", b"x", filename="lab;'1'.txt")
    entry = fake.state.journal.entries()[-1]
    assert entry.uploads == {"file": "lab;'1'.txt"}
    assert (entry.action, entry.user, entry.status) == ("import", "importer_user", 200)
