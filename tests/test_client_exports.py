"""RedcapClient's read-only exports (`export_content`, `export_json`) and `export_file_type`, against the
raw-socket stub: what is sent, and each answer that is not data raising `RedcapError`."""

from __future__ import annotations

from pathlib import Path

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


def test_export_repository_file_writes_the_bytes_and_gives_name_type_and_size(tmp_path: Path) -> None:
    body = b"%PDF-1.4\n" * 1000
    target = tmp_path / "sop.bin"
    with serve(file_response(body, 'application/pdf; name="sop.pdf"')) as stub:
        kind, size = RedcapClient(stub.url, TOKEN, retries=0).export_repository_file(40, target)
    assert (kind.filename, kind.mime_type, size) == ("sop.pdf", "application/pdf", len(body))
    assert target.read_bytes() == body
    assert stub.requests[0].form_pairs() == [
        ("token", TOKEN),
        ("content", "fileRepository"),
        ("action", "export"),
        ("doc_id", "40"),
        ("returnFormat", "json"),
    ]


def test_export_repository_file_without_a_destination_counts_the_bytes(tmp_path: Path) -> None:
    with serve(file_response(b"abc\n", 'text/plain; name="a.txt";charset=UTF-8')) as stub:
        kind, size = RedcapClient(stub.url, TOKEN, retries=0).export_repository_file(1)
    assert (kind.filename, kind.mime_type, size) == ("a.txt", "text/plain", 4)


def test_export_repository_file_retried_writes_the_whole_file_once(tmp_path: Path) -> None:
    body = b"0123456789" * 100
    cut = response(
        200,
        body[:100],
        [("Content-Type", 'text/plain; name="a.txt"')],
        content_length=len(body),
        then="close",
    )
    target = tmp_path / "a.bin"
    with serve(cut, file_response(body, 'text/plain; name="a.txt"')) as stub:
        _, size = RedcapClient(stub.url, TOKEN, retries=1, backoff=0).export_repository_file(3, target)
    assert size == len(body) and target.read_bytes() == body and len(stub.requests) == 2


@pytest.mark.parametrize("doc_id", [0, -1, True, "7"])
def test_export_repository_file_refuses_a_bad_doc_id(doc_id: object) -> None:
    client = RedcapClient("http://127.0.0.1:9/api/", TOKEN, retries=0)
    with pytest.raises(ValueError):
        client.export_repository_file(doc_id)  # type: ignore[arg-type]


def test_export_content_lists_the_file_repository() -> None:
    with serve(response(200, b'[{"folder_id":1,"name":"Protocols"}]', JSON)) as stub:
        rows = RedcapClient(stub.url, TOKEN, retries=0).export_json("fileRepository", {"action": "list"})
    assert rows == [{"folder_id": 1, "name": "Protocols"}]
    assert ("action", "list") in stub.requests[0].form_pairs()
