"""RedcapClient against a raw-socket stub on 127.0.0.1: what goes on the wire, how every kind of
answer is read, retries, and that the token never shows."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from fake_redcap import messages
from redcap_file_client import ExportedFile, RedcapClient, RedcapError
from tests.support import NO_PERMISSION, csv_error
from tests.support.client_stub import Script, StubServer, error_response, file_response, response, serve

TOKEN = "8C1F0D6E2B9A47F3A5D2C7B19E04F6A1"
FAST = {"timeout": 2.0, "backoff": 0.001}


@pytest.fixture
def ok_file() -> Iterator[StubServer]:
    with serve(file_response(b"test upload\n", 'text/plain; name="test_upload.txt";charset=UTF-8')) as stub:
        yield stub


def make(stub: StubServer, **kwargs: object) -> RedcapClient:
    options: dict[str, object] = {**FAST, **kwargs}
    return RedcapClient(stub.url, TOKEN, **options)  # type: ignore[arg-type]


# ------------------------------------------------------------------ the request


def test_export_sends_a_form_post_with_return_format_json(ok_file: StubServer) -> None:
    make(ok_file).export_file("1", "upload_field")
    [request] = ok_file.requests
    assert request.method == "POST"
    assert request.path == "/api/"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.form_pairs() == [
        ("token", TOKEN),
        ("content", "file"),
        ("action", "export"),
        ("record", "1"),
        ("field", "upload_field"),
        ("returnFormat", "json"),
    ]
    assert request.headers["user-agent"].startswith("fake-redcap-client/")
    assert request.headers["accept-encoding"] == "identity"


def test_event_and_instance_are_sent_when_given(ok_file: StubServer) -> None:
    make(ok_file).export_file(7, "lab_report", event="visit_1_arm_1", repeat_instance=2)
    form = dict(ok_file.requests[0].form_pairs())
    assert (form["record"], form["event"], form["repeat_instance"], form["returnFormat"]) == (
        "7",
        "visit_1_arm_1",
        "2",
        "json",
    )


def test_one_session_keeps_the_connection_alive(ok_file: StubServer) -> None:
    client = make(ok_file)
    for _ in range(3):
        client.export_file("1", "f")
    assert len(ok_file.requests) == 3
    assert ok_file.requests[-1].headers.get("connection", "keep-alive").lower() == "keep-alive"


@pytest.mark.parametrize("instance", [0, -1, True, False, 1.0, 2.5, "2", "", b"1", [1]])
def test_bad_repeat_instance_is_refused_before_any_request(ok_file: StubServer, instance: object) -> None:
    client = make(ok_file)
    with pytest.raises(ValueError, match="repeat_instance"):
        client.export_file("1", "f", repeat_instance=instance)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="repeat_instance"):
        client.delete_file("1", "f", repeat_instance=instance)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="repeat_instance"):
        client.download_file("1", "f", ".", repeat_instance=instance)  # type: ignore[arg-type]
    assert ok_file.requests == []


@pytest.mark.parametrize(
    ("record", "field", "event"),
    [
        ("", "f", None),
        (True, "f", None),
        (1.5, "f", None),
        ("1", "", None),
        ("1", " f", None),
        ("1", "f", ""),
    ],
)
def test_bad_arguments_are_refused_before_any_request(
    ok_file: StubServer, record: object, field: str, event: str | None
) -> None:
    with pytest.raises(ValueError):
        make(ok_file).export_file(record, field, event=event)  # type: ignore[arg-type]
    assert ok_file.requests == []


def test_constructor_validates() -> None:
    with pytest.raises(ValueError, match="http"):
        RedcapClient("ftp://x/api/", TOKEN)
    with pytest.raises(ValueError, match="token") as caught:
        RedcapClient("http://127.0.0.1/api/", TOKEN + "!")
    assert TOKEN not in str(caught.value)
    with pytest.raises(ValueError):
        RedcapClient("http://127.0.0.1/api/", TOKEN, retries=-1)


# ------------------------------------------------------------------ success


@pytest.mark.parametrize(
    ("content_type", "name", "mime", "charset"),
    [
        ('text/plain; name="test_upload.txt";charset=UTF-8', "test_upload.txt", "text/plain", "UTF-8"),
        ('image/jpeg; name="mugshot-1.jpg"', "mugshot-1.jpg", "image/jpeg", None),
        ("application/msword; name='FILE_NAME.docx'", "FILE_NAME.docx", "application/msword", None),
        ("application/pdf; name*=UTF-8''%E6%8A%A5.pdf", "报.pdf", "application/pdf", None),
    ],
)
def test_export_file_reads_name_mime_and_charset(
    content_type: str, name: str, mime: str, charset: str | None
) -> None:
    with serve(file_response(b"\x00\x01data", content_type)) as stub:
        exported = make(stub).export_file("1", "f")
    assert isinstance(exported, ExportedFile)
    assert exported.content == b"\x00\x01data"
    assert (exported.filename, exported.mime_type, exported.charset) == (name, mime, charset)
    assert exported.content_type == content_type
    assert "bytes" in repr(exported)


def test_utf8_name_sent_raw_is_not_mojibake() -> None:
    raw = 'application/pdf; name="报告 v2.pdf"'.encode().decode("latin-1")
    with serve(file_response(b"%PDF", raw)) as stub:
        assert make(stub).export_file("1", "f").filename == "报告 v2.pdf"


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0" encoding="UTF-8" ?><hash><error>invalid event</error></hash>',
        b'{"error":"There is no file to download for this record"}',
        csv_error(NO_PERMISSION),
    ],
)
def test_a_200_whose_bytes_look_like_an_error_is_a_file(body: bytes) -> None:
    with serve(file_response(body, 'text/plain; name="e.txt";charset=UTF-8')) as stub:
        assert make(stub).export_file("1", "f").content == body


def test_chunked_and_close_delimited_bodies() -> None:
    data = bytes(range(256)) * 4000
    for kwargs in ({"chunked": True}, {"content_length": None}):
        with serve(file_response(data, 'application/octet-stream; name="b.bin"', **kwargs)) as stub:
            assert make(stub).export_file("1", "f").content == data


def test_a_file_without_a_name() -> None:
    with serve(file_response(b"x", "application/pdf")) as stub:
        exported = make(stub).export_file("1", "f")
    assert exported.filename is None and exported.mime_type == "application/pdf"


# ------------------------------------------------------------------ errors

MESSAGES = {
    400: "The field 'mugshotttttt' does not exist or is not a 'file' field",
    403: NO_PERMISSION,
    501: messages.METHOD_NOT_IMPLEMENTED,
}


@pytest.mark.parametrize("fmt", ["json", "xml", "csv"])
@pytest.mark.parametrize("status", [400, 403, 501])
def test_error_envelopes_become_redcap_error(fmt: str, status: int) -> None:
    message = MESSAGES[status]
    script = error_response(status, fmt, message)
    with serve(script) as stub:
        client = make(stub)
        for call in (
            lambda: client.export_file("1", "f"),
            lambda: client.delete_file("1", "f"),
            lambda: client.import_file("1", "f", b"x", filename="x.txt"),
            lambda: client.export_version(),
        ):
            with pytest.raises(RedcapError) as caught:
                call()
            assert caught.value.status == status
            assert caught.value.message == message
            assert caught.value.body == script.data.split(b"\r\n\r\n", 1)[1]


def test_record_message_with_quotes_and_ampersand_in_xml() -> None:
    message = 'The record "a&amp;b" does not exist'
    with serve(error_response(400, "xml", message)) as stub, pytest.raises(RedcapError) as caught:
        make(stub).export_file("a&b", "f")
    assert caught.value.message == message


def test_html_error_page() -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"
    with (
        serve(response(502, page, [("Content-Type", "text/html")])) as stub,
        pytest.raises(RedcapError) as caught,
    ):
        make(stub, retries=0).export_file("1", "f")
    assert caught.value.status == 502
    assert caught.value.message == "not a REDCap answer, an HTML page: 502 Bad Gateway"
    assert caught.value.body == page


def test_empty_error_body() -> None:
    with serve(response(404, b"")) as stub, pytest.raises(RedcapError) as caught:
        make(stub).export_file("1", "f")
    assert (caught.value.status, caught.value.message, caught.value.body) == (
        404,
        "Not Found (empty body)",
        b"",
    )


def test_redirect_is_refused_not_followed() -> None:
    script = response(302, b"", [("Location", "https://redcap.example.edu/api/")])
    with serve(script) as stub, pytest.raises(RedcapError) as caught:
        make(stub).export_file("1", "f")
    assert caught.value.status == 302
    assert "https://redcap.example.edu/api/" in caught.value.message
    assert len(stub.requests) == 1


def test_connection_refused() -> None:
    with StubServer(lambda r: response()) as stub:
        url = stub.url
    client = RedcapClient(url, TOKEN, timeout=1.0, retries=1, backoff=0.001)
    with pytest.raises(RedcapError) as caught:
        client.export_file("1", "f")
    assert caught.value.status is None
    assert "could not reach" in caught.value.message
    assert isinstance(caught.value.__cause__, requests.ConnectionError)


def test_timeout_before_headers() -> None:
    with serve(Script(b"", "stall")) as stub:
        client = make(stub, timeout=0.3, retries=0)
        started = time.monotonic()
        with pytest.raises(RedcapError) as caught:
            client.export_file("1", "f")
    assert time.monotonic() - started < 3
    assert caught.value.status is None
    assert "timed out" in caught.value.message
    assert isinstance(caught.value.__cause__, requests.Timeout)


# ------------------------------------------------------------------ retries


def test_export_retries_502_503_504_then_succeeds() -> None:
    html = [("Content-Type", "text/html")]
    scripts = [response(s, b"<html><title>busy</title></html>", html) for s in (502, 503, 504)]
    with serve(*scripts, file_response(b"ok", 'image/png; name="a.png"')) as stub:
        assert make(stub, retries=3).export_file("1", "f").content == b"ok"
    assert len(stub.requests) == 4


def test_export_gives_up_after_the_retries() -> None:
    with serve(response(503, b"")) as stub, pytest.raises(RedcapError) as caught:
        make(stub, retries=2).export_file("1", "f")
    assert caught.value.status == 503
    assert len(stub.requests) == 3


def test_retries_zero_disables_them() -> None:
    with serve(response(503, b"")) as stub, pytest.raises(RedcapError):
        make(stub, retries=0).export_version()
    assert len(stub.requests) == 1


def test_a_dropped_connection_is_retried() -> None:
    with serve(Script(b"", "close"), file_response(b"ok", 'image/png; name="a.png"')) as stub:
        assert make(stub, retries=1).export_file("1", "f").content == b"ok"
    assert len(stub.requests) == 2


def test_a_body_cut_short_is_retried_for_export() -> None:
    short = file_response(b"abc", 'image/png; name="a.png"', content_length=10, then="close")
    with serve(short, file_response(b"abcdefghij", 'image/png; name="a.png"')) as stub:
        assert make(stub, retries=1).export_file("1", "f").content == b"abcdefghij"


def test_400_is_never_retried() -> None:
    with serve(error_response(400, "json", "invalid event")) as stub, pytest.raises(RedcapError):
        make(stub, retries=3).export_file("1", "f")
    assert len(stub.requests) == 1


@pytest.mark.parametrize("method", ["import", "delete"])
def test_import_and_delete_are_never_retried(method: str) -> None:
    with serve(response(503, b""), response(200, b"")) as stub:
        client = make(stub, retries=3)
        with pytest.raises(RedcapError) as caught:
            if method == "import":
                client.import_file("1", "f", b"x", filename="x.txt")
            else:
                client.delete_file("1", "f")
    assert caught.value.status == 503
    assert len(stub.requests) == 1


def test_backoff_grows() -> None:
    with serve(response(503, b"")) as stub:
        started = time.monotonic()
        with pytest.raises(RedcapError):
            make(stub, retries=2, backoff=0.1).export_file("1", "f")
    assert time.monotonic() - started >= 0.3  # 0.1 + 0.2


# ------------------------------------------------------------------ import, delete, version


def _empty_ok() -> Script:
    return response(200, b"", [("Content-Type", "application/json; charset=utf-8")])


def test_import_from_bytes_is_multipart_with_a_file_part(tmp_path: Path) -> None:
    data = bytes(range(256)) * 10
    with serve(_empty_ok()) as stub:
        make(stub).import_file(
            "1", "consent", data, event="baseline_arm_1", repeat_instance=3, filename="c.pdf"
        )
    [request] = stub.requests
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert int(request.headers["content-length"]) == len(request.body)
    assert "chunked" not in request.headers.get("transfer-encoding", "")
    assert request.form() == {
        "token": TOKEN,
        "content": "file",
        "action": "import",
        "record": "1",
        "field": "consent",
        "event": "baseline_arm_1",
        "repeat_instance": "3",
        "returnFormat": "json",
    }
    upload = request.files()["file"]
    assert upload.filename == "c.pdf"
    assert upload.content_type == "application/pdf"
    assert upload.read() == data


def test_import_from_a_path_and_a_file_object(tmp_path: Path) -> None:
    source = tmp_path / "报告 final.txt"
    source.write_bytes(b"hello\n" * 1000)
    with serve(_empty_ok()) as stub:
        client = make(stub)
        client.import_file("1", "f", source)
        client.import_file("1", "f", str(source), filename="other.txt")
        with source.open("rb") as handle:
            handle.read(6)  # from the current position on
            client.import_file("1", "f", handle)
        client.import_file("1", "f", io.BytesIO(b"abc"), filename="b.bin")
    files = [r.files()["file"] for r in stub.requests]
    assert [f.filename for f in files] == ["报告 final.txt", "other.txt", "报告 final.txt", "b.bin"]
    assert [len(f.read()) for f in files] == [6000, 6000, 5994, 3]


def test_import_refuses_unnamed_or_text_sources(tmp_path: Path) -> None:
    client = RedcapClient("http://127.0.0.1:9/api/", TOKEN)
    with pytest.raises(ValueError, match="filename"):
        client.import_file("1", "f", b"x")
    with pytest.raises(ValueError, match="filename"):
        client.import_file("1", "f", io.BytesIO(b"x"))
    with pytest.raises(ValueError, match="binary"):
        client.import_file("1", "f", io.StringIO("x"), filename="x.txt")  # type: ignore[arg-type]


def test_import_filename_quotes_are_escaped() -> None:
    with serve(_empty_ok()) as stub:
        make(stub).import_file("1", "f", b"x", filename='a"b\r\n.txt')
    assert b'filename="a%22b%0D%0A.txt"' in stub.requests[0].body


@pytest.mark.parametrize("method", ["import", "delete"])
def test_a_200_with_a_body_is_not_success_for_import_and_delete(method: str) -> None:
    page = b"<html><head><title>Log in</title></head></html>"
    with serve(response(200, page, [("Content-Type", "text/html")])) as stub:
        client = make(stub)
        with pytest.raises(RedcapError) as caught:
            if method == "import":
                client.import_file("1", "f", b"x", filename="x.txt")
            else:
                client.delete_file("1", "f")
    assert caught.value.status == 200
    assert "Log in" in caught.value.message


def test_delete_sends_the_form() -> None:
    with serve(_empty_ok()) as stub:
        make(stub).delete_file("2", "f", event="e1", repeat_instance=1)
    assert stub.requests[0].form_pairs() == [
        ("token", TOKEN),
        ("content", "file"),
        ("action", "delete"),
        ("record", "2"),
        ("field", "f"),
        ("event", "e1"),
        ("repeat_instance", "1"),
        ("returnFormat", "json"),
    ]


def test_version() -> None:
    with serve(response(200, b"15.7.6", [("Content-Type", "application/json; charset=utf-8")])) as stub:
        assert make(stub).export_version() == "15.7.6"
    assert dict(stub.requests[0].form_pairs()) == {
        "token": TOKEN,
        "content": "version",
        "returnFormat": "json",
    }


def test_version_that_is_not_a_version() -> None:
    page = b"<html><title>Single sign-on</title></html>"
    with (
        serve(response(200, page, [("Content-Type", "text/html")])) as stub,
        pytest.raises(RedcapError) as caught,
    ):
        make(stub).export_version()
    assert caught.value.status == 200


def test_a_given_session_is_used_and_left_open() -> None:
    session = requests.Session()
    with serve(response(200, b"15.7.6")) as stub:
        with RedcapClient(stub.url, TOKEN, session=session) as client:
            assert client.session is session
            client.export_version()
        assert session.adapters  # still usable
        assert RedcapClient(stub.url, TOKEN, session=session).export_version() == "15.7.6"
    session.close()


# ------------------------------------------------------------------ the token never shows


def test_token_never_in_messages_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    echo = error_response(403, "json", f"token {TOKEN} is not valid")
    seen: list[str] = []
    with serve(echo) as stub:
        client = make(stub, retries=1)
        seen.append(repr(client))
        seen.append(str(vars(client)))
        with pytest.raises(RedcapError) as caught:
            client.export_file("1", "f")
        seen += [str(caught.value), repr(caught.value), caught.value.message]
    with StubServer(lambda r: response()) as gone:
        url = gone.url
    with pytest.raises(RedcapError) as refused:
        RedcapClient(url, TOKEN, retries=1, backoff=0.001).export_version()
    seen += [str(refused.value), repr(refused.value), str(refused.value.__cause__)]
    with serve(Script(b"", "stall")) as stall, pytest.raises(RedcapError) as timed_out:
        RedcapClient(stall.url, TOKEN, timeout=0.2, retries=0).export_version()
    seen += [str(timed_out.value), str(timed_out.value.__cause__)]
    seen.append(caplog.text)
    for text in seen:
        assert TOKEN not in text
    assert "[token]" in caught.value.message
