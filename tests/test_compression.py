"""HTTP compression of API answers (fake_redcap.compression): System::enableGzipCompression,
addHeaderRandomText and PHP's zlib output handler, per version, fixture and server switch."""

from __future__ import annotations

import gzip
import re
import urllib.parse
import zlib
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from fake_redcap import FakeState, create_app
from fake_redcap.cli import build_parser
from fake_redcap.compression import RANDOM_TEXT_CHARS, output_coding, random_text
from fake_redcap.fixture import FixtureError, load_fixture
from tests.support import (
    CLASSIC_EXTRA_FILES,
    MakeState,
    Worlds,
    api,
    classic_fixture,
    export_params,
    write_fixture,
)
from tests.support import CLASSIC_TOKENS as T

VERSION = {"token": T["full"], "content": "version"}


def post(client: FlaskClient, params: dict[str, str], accept: str | None = "gzip, deflate") -> TestResponse:
    headers = {"Accept-Encoding": accept} if accept is not None else {}
    body = urllib.parse.urlencode(params).encode()
    return client.post("/api/", data=body, content_type="application/x-www-form-urlencoded", headers=headers)


def random_header(response: TestResponse) -> list[str]:
    return response.headers.getlist("REDCap-Random-Text")


def test_a_project_export_is_gzip_compressed_with_a_random_header(classic: FlaskClient) -> None:
    response = post(classic, VERSION)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Vary"] == "Accept-Encoding"
    assert "Content-Length" not in response.headers  # PHP's compressed output has none
    assert gzip.decompress(response.get_data()) == b"15.7.6"
    (text,) = random_header(response)
    assert 1 <= len(text) <= 64 and set(text) <= set(RANDOM_TEXT_CHARS)


def test_an_error_answer_is_compressed_too(classic: FlaskClient) -> None:
    response = post(classic, {"token": "BAD00000000000000000000000000000", "content": "version"})
    assert (response.status_code, response.headers["Content-Encoding"]) == (403, "gzip")
    assert b"You do not have permissions to use the API" in gzip.decompress(response.get_data())


def test_deflate_when_gzip_is_not_offered(classic: FlaskClient) -> None:
    response = post(classic, VERSION, accept="deflate")
    assert response.headers["Content-Encoding"] == "deflate"
    assert zlib.decompress(response.get_data()) == b"15.7.6"  # the zlib wrapper, as PHP's deflate


@pytest.mark.parametrize("accept", [None, "identity", "GZIP", "br"])
def test_no_compression_unless_gzip_or_deflate_is_named(classic: FlaskClient, accept: str | None) -> None:
    """PHP's strstr is case-sensitive; the random header comes anyway (GZIP_ENABLED is the ini value)."""
    response = post(classic, VERSION, accept=accept)
    assert response.get_data() == b"15.7.6"
    assert "Content-Encoding" not in response.headers and "Vary" not in response.headers
    assert len(random_header(response)) == 1


def test_content_file_is_never_compressed(classic: FlaskClient) -> None:
    download = post(classic, export_params(T["full"]))
    refused = post(classic, export_params(T["full"], record="nope"))
    for response in (download, refused):
        assert "Content-Encoding" not in response.headers
        assert random_header(response) == []
    assert refused.status_code == 400


def test_fileinfo_and_a_get_are_compressed(classic: FlaskClient) -> None:
    """Only `$_POST['content'] == 'file'` is left alone: fileinfo, and a GET (empty $_POST), are not."""
    info = post(classic, {**export_params(T["full"]), "content": "fileinfo"})
    assert info.headers["Content-Encoding"] == "gzip"
    get = classic.get("/api/", headers={"Accept-Encoding": "gzip"})
    assert (get.status_code, get.headers["Content-Encoding"]) == (501, "gzip")
    assert b"The requested method is not implemented." in gzip.decompress(get.get_data())


def test_redcap_7_compresses_without_the_random_header(worlds: Worlds) -> None:
    response = post(api(worlds.classic("7.1.2")), VERSION)
    assert response.headers["Content-Encoding"] == "gzip"
    assert random_header(response) == []


def test_a_fixture_can_turn_compression_off(make_state: MakeState) -> None:
    doc = {**classic_fixture(), "compression": False}
    response = post(api(make_state(doc, CLASSIC_EXTRA_FILES)), VERSION)
    assert response.get_data() == b"15.7.6"
    assert "Content-Encoding" not in response.headers and random_header(response) == []


def test_the_server_switch_turns_compression_off(tmp_path: Path) -> None:
    path = write_fixture(tmp_path / "off", classic_fixture(), CLASSIC_EXTRA_FILES)
    state = FakeState([path], compression=False)
    try:
        response = post(create_app(state).test_client(), VERSION)
    finally:
        state.close()
    assert response.get_data() == b"15.7.6" and random_header(response) == []
    assert build_parser().parse_args(["serve", "--no-compression"]).compression is False
    assert build_parser().parse_args(["serve"]).compression is True


def test_the_fixture_key_must_be_a_boolean(tmp_path: Path) -> None:
    path = write_fixture(tmp_path / "bad", {**classic_fixture(), "compression": "yes"})
    with pytest.raises(FixtureError, match="compression must be true or false"):
        load_fixture(path)


def test_random_text_and_coding_choice() -> None:
    for _ in range(200):
        text = random_text()
        assert 1 <= len(text) <= 64 and set(text) <= set(RANDOM_TEXT_CHARS)
        assert re.match(r"\d+E\d", text) is None  # generateRandomHash draws again on these
    assert output_coding("deflate, gzip") == "gzip"
    assert output_coding("x-gzip") == "gzip"  # a substring test, as PHP's
    assert output_coding("Gzip") is None
