"""The in-process transport (fake_redcap/inprocess.py): the same answer as the socket, byte for byte,
without a socket; what it cannot make the same goes over the socket."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import urllib3.connection

from fake_redcap import FakeServer, FakeState
from fake_redcap.faults import Fault
from fake_redcap.inprocess import in_process

from .test_pytest_plugin import PLUGIN, USER_SUITE

pytest_plugins = ["pytester"]

FULL = "1401FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # demo project 14, full_user
_LOGIN_NONCE = re.compile(rb"value='[0-9a-f]{64}'")
LONG = "1501FA4EFA4EFA4EFA4EFA4EFA4EFA4E"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer(FakeState()) as running:
        yield running
    running.state.close()


def _export(token: str = FULL, **extra: str) -> dict[str, Any]:
    data = {"token": token, "content": "file", "action": "export", "record": "1", "field": "consent_form"}
    return {"data": {**data, **extra}}


def _calls(server: FakeServer) -> list[tuple[str, str, dict[str, Any]]]:
    api, base = server.url, server.base_url
    upload = {"token": FULL, "content": "file", "action": "import", "record": "2", "field": "lab_report"}
    return [
        ("POST", api, _export()),
        ("POST", api, _export(returnFormat="json")),
        ("POST", api, _export(record="nope", returnFormat="csv")),
        ("POST", api, _export(token="nope")),
        ("POST", api, _export(token=LONG, record="101", field="visit_photo", event="visit_2_arm_1")),
        ("POST", api, {"data": {"token": FULL, "content": "version"}}),
        ("POST", api, {"data": {"token": FULL, "content": "metadata", "format": "json"}}),
        ("POST", api, {"data": {**upload}, "files": {"file": ("lab é.txt", b"new lab\n")}}),
        ("POST", api, _export(record="2", field="lab_report")),
        (
            "POST",
            api,
            {
                "data": {
                    "token": FULL,
                    "content": "file",
                    "action": "delete",
                    "record": "2",
                    "field": "lab_report",
                }
            },
        ),
        ("POST", api, {"data": {"token": FULL, "content": "record", "action": "import", "data": "[]"}}),
        ("POST", api, {"data": "token=x&content=file", "headers": {"Content-Type": "text/plain"}}),
        ("POST", api + "?content=mycap", {"data": {"token": FULL}}),
        ("GET", api, {}),
        ("HEAD", api, {}),
        ("PUT", api, {"data": b"x"}),
        ("POST", base + "/api", {"data": {"a": "b"}, "allow_redirects": False}),
        ("GET", base + "/nowhere", {}),
        ("POST", base + "/", {"data": {"token": FULL}}),
        ("GET", base + "/__fake__/state", {}),
        ("GET", base + "/__fake__/state", {"headers": server.control_headers}),
        (
            "POST",
            api,
            {
                "data": {"token": FULL, "content": "file", "action": "export"},
                "headers": {"Connection": "close"},
            },
        ),
    ]


def _run(server: FakeServer) -> list[tuple[int, str, list[tuple[str, str]], bytes, list[str]]]:
    server.state.reset()
    seen = []
    with requests.Session() as session:
        for method, url, options in _calls(server):
            answer = session.request(method, url, **options)
            headers = list(answer.raw.headers.items())
            assert [k for k, _ in headers].count("Date") == 1
            # REDCap-Random-Text is random on every answer (System.php addHeaderRandomText)
            kept = [(k, "<random>" if k == "REDCap-Random-Text" else v) for k, v in headers if k != "Date"]
            entries = [e.describe().split(" ", 1)[1] for e in server.state.journal.entries()]
            body = _LOGIN_NONCE.sub(b"value='<nonce>'", answer.content)  # new on every login page
            seen.append((answer.status_code, answer.reason, kept, body, entries[-1:]))
    return seen


def test_every_answer_is_the_sockets_byte_for_byte(server: FakeServer) -> None:
    over_socket = _run(server)
    with in_process(server):
        in_memory = _run(server)
    assert len(in_memory) == len(over_socket) == len(_calls(server))
    for call, socket_answer, memory_answer in zip(_calls(server), over_socket, in_memory, strict=True):
        if "/__fake__/state" in call[1] and socket_answer[0] == 200:
            # the state shows the journal, whose entries hold their time: compare all but the body
            assert memory_answer[:3] == socket_answer[:3], call
            continue
        assert memory_answer == socket_answer, call


def test_no_socket_is_opened(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: object) -> None:
        raise AssertionError("a socket was opened")

    with in_process(server):
        monkeypatch.setattr(urllib3.connection.HTTPConnection, "connect", refuse)
        answer = requests.post(server.url, **_export())
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    assert answer.headers["Transfer-Encoding"] == "chunked"  # as cheroot sends a streamed body
    assert server.state.journal.entries()[-1].completed


def test_a_streamed_download_is_read_as_it_comes(server: FakeServer) -> None:
    whole = requests.post(server.url, **_export()).content
    with in_process(server), requests.post(server.url, stream=True, **_export()) as answer:
        first = next(answer.iter_content(16))
        assert not server.state.journal.entries()[-1].completed  # the rest is not read yet
        rest = b"".join(answer.iter_content(1024))
    assert first + rest == whole and len(first) == 16
    assert server.state.journal.entries()[-1].completed


def test_a_fault_acts_on_the_connection_so_the_request_goes_over_the_socket(server: FakeServer) -> None:
    server.state.faults.add(Fault("drop", after_bytes=10, times=None))
    with in_process(server), pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.post(server.url, **_export())


def test_other_urls_and_a_released_server_use_the_network(server: FakeServer) -> None:
    with FakeServer(FakeState()) as other, in_process(server):
        assert requests.post(other.url, **_export()).status_code == 200
        assert [e.path for e in other.state.journal.entries()] == ["/api/"]
    assert requests.post(server.url, **_export()).status_code == 200
    other.state.close()


def test_the_plugin_switches_it_on(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user_suite=USER_SUITE)
    pytester.makepyfile(
        test_no_socket="""
import requests
import urllib3.connection

def test_no_socket(redcap_url, redcap_tokens, monkeypatch):
    def refuse(self):
        raise AssertionError("a socket was opened")
    monkeypatch.setattr(urllib3.connection.HTTPConnection, "connect", refuse)
    answer = requests.post(redcap_url, data={"token": redcap_tokens["full_user"], "content": "version"})
    assert answer.status_code == 200
"""
    )
    result = pytester.runpytest(*PLUGIN, "--fake-redcap-in-process")
    result.assert_outcomes(passed=7)
    result = pytester.runpytest(*PLUGIN, "test_no_socket.py")
    result.assert_outcomes(failed=1)


def test_a_cookie_the_page_sets_reaches_the_session_as_over_the_socket(server: FakeServer) -> None:
    def cookies() -> tuple[list[str], int]:
        with requests.Session() as session:
            opened = session.get(server.page_url)
            return sorted(session.cookies.keys()), opened.status_code

    over_socket = cookies()
    with in_process(server):
        assert cookies() == over_socket
    assert over_socket[0], "the page sets no cookie: this test shows nothing"
