"""RedcapClient's read-only exports (`export_content`, `export_json`) and `export_file_type`, against the
raw-socket stub: what is sent, and each answer that is not data raising `RedcapError`."""

from __future__ import annotations

import pytest

from redcap_file_client import RedcapClient, RedcapError
from tests.support.client_stub import Script, error_response, file_response, response, serve

TOKEN = "0123456789ABCDEF0123456789ABCDEF"
JSON = [("Content-Type", "application/json; charset=utf-8")]


def test_export_json_sends_the_content_and_its_parameters() -> None:
    with serve(response(200, b'[{"arm_num":1,"name":"Arm 1"}]', JSON)) as stub:
        data = RedcapClient(stub.url, TOKEN, retries=0).export_json("arm", {"arms[0]": "1"})
    assert data == [{"arm_num": 1, "name": "Arm 1"}]
    [request] = stub.requests
    assert request.form_pairs() == [
        ("token", TOKEN),
        ("content", "arm"),
        ("format", "json"),
        ("arms[0]", "1"),
        ("returnFormat", "json"),
    ]


def test_export_content_gives_the_body_as_sent() -> None:
    body = b'record_id,name\r\n1,"a,b"\r\n'
    with serve(response(200, body, [("Content-Type", "text/csv; charset=utf-8")])) as stub:
        assert RedcapClient(stub.url, TOKEN, retries=0).export_content("record", {"format": "csv"}) == body


@pytest.mark.parametrize(
    ("script", "words"),
    [
        (error_response(403, "json", "You do not have permissions to use the API"), "HTTP 403: You do not"),
        (response(200, b"<html><title>Log in</title></html>", [("Content-Type", "text/html")]), "Log in"),
        (response(200, b"not json", JSON), "expected JSON"),
        (response(200, b"[1, 2", JSON, content_length=40, then="close"), "broke off"),
    ],
    ids=["redcap-error", "html-page", "not-json", "cut-short"],
)
def test_answers_that_are_not_data_raise(script: Script, words: str) -> None:
    with serve(script) as stub, pytest.raises(RedcapError) as caught:
        RedcapClient(stub.url, TOKEN, retries=0).export_json("metadata")
    assert words in str(caught.value)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    "params",
    [{"token": "X"}, {"data": "[]"}, {"returnFormat": "xml"}, {"action": "import"}, {"content": "arm"}],
)
def test_export_content_refuses_what_would_write_or_clash(params: dict[str, str]) -> None:
    client = RedcapClient("http://127.0.0.1:9/api/", TOKEN, retries=0)
    with pytest.raises(ValueError):
        client.export_content("record", params)


def test_export_file_type_reads_the_headers_only() -> None:
    script = file_response(b"x" * 100_000, 'application/pdf; name="consent form.pdf"')
    with serve(script) as stub:
        kind = RedcapClient(stub.url, TOKEN, retries=0).export_file_type("1", "consent", repeat_instance=2)
    assert (kind.filename, kind.mime_type) == ("consent form.pdf", "application/pdf")
    assert ("repeat_instance", "2") in stub.requests[0].form_pairs()
