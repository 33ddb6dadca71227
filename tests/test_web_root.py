"""Paths that are not the API (issue 18): the web root answers as REDCap's `index.php` does, a login page
(fake_redcap/home.py); `/api/index.php` is the API; a client given the server's root instead of its
API URL fails as it would in production."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
import requests
from werkzeug.test import TestResponse

from fake_redcap import FakeServer, FakeState, create_app
from fake_redcap.apache import NOT_FOUND
from fake_redcap.control import access_of
from redcap_file_client.cli import EXIT_SERVER, main

FULL = "1401FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # demo project 14, full_user
VERSION_BODY = {"token": FULL, "content": "version"}


def assert_login_page(response: requests.Response | TestResponse) -> None:
    body = response.content if isinstance(response, requests.Response) else response.get_data()
    headers = response.headers
    assert response.status_code == 200
    assert headers["Content-Type"] == "text/html; charset=UTF-8"
    assert (headers["Expires"], headers["Pragma"]) == ("0", "no-cache")
    assert headers["cache-control"] == "no-store, no-cache, must-revalidate"
    assert b"<title>REDCap</title>" in body and b">Log In</h4>" in body
    assert b"name='redcap_login_a38us_09i85'" in body
    page = re.sub(rb"action='[^']*'", b"", body)  # the form posts back to the path asked for
    assert b"15.7.6" not in page and FULL.encode() not in body


@pytest.mark.parametrize("path", ["/", "/index.php"])
@pytest.mark.parametrize("encoding", ["urlencoded", "multipart", "json", "none"])
def test_a_post_to_the_web_root_gets_redcaps_login_page(path: str, encoding: str) -> None:
    client = create_app(FakeState()).test_client()
    if encoding == "urlencoded":
        response = client.post(path, data=VERSION_BODY)
    elif encoding == "multipart":
        response = client.post(path, data=VERSION_BODY, content_type="multipart/form-data")
    elif encoding == "json":
        response = client.post(path, json=VERSION_BODY)
    else:
        response = client.post(path)
    assert_login_page(response)


def test_the_login_form_posts_back_to_the_address_asked_for() -> None:
    client = create_app(FakeState()).test_client()
    body = client.post("/index.php?a='b", data=VERSION_BODY).get_data()
    assert b"action='/index.php?a=&#x27;b'" in body


def test_index_php_is_the_login_page_for_every_method() -> None:
    client = create_app(FakeState()).test_client()
    for method in ("GET", "PUT", "DELETE"):
        assert_login_page(client.open("/index.php", method=method))
    head = client.head("/index.php")
    assert head.status_code == 200 and head.get_data() == b""


def test_get_of_the_root_stays_the_fakes_own_page() -> None:
    """A browser opening the server finds the fake's page (a real server would show this login page)."""
    app = create_app(FakeState())
    client = app.test_client()
    landing = client.get("/").get_data()
    assert b"redcap_login_a38us_09i85" not in landing and b"fake REDCap" in landing
    shown = client.get("/", headers=access_of(app).headers).get_data()
    assert b"redcap_login_a38us_09i85" not in shown


def test_the_test_harness_posting_to_the_root_is_not_sent_to_the_login_page() -> None:
    app = create_app(FakeState())
    response = app.test_client().post("/", headers=access_of(app).headers, json={})
    assert response.status_code == 405 and response.is_json


def test_api_index_php_is_the_api() -> None:
    client = create_app(FakeState()).test_client()
    at_script = client.post("/api/index.php", data=VERSION_BODY)
    assert (at_script.status_code, at_script.get_data()) == (200, b"15.7.6")


@pytest.mark.parametrize("path", ["/redcap/", "/redcap/api/", "/api/index.php/x"])
def test_every_other_path_is_apaches_404(path: str) -> None:
    response = create_app(FakeState()).test_client().post(path, data=VERSION_BODY)
    assert (response.status_code, response.get_data()) == (404, NOT_FOUND)
    # Apache's page carries Apache's headers, not the fake's own no-referrer rule for its pages.
    assert "Referrer-Policy" not in response.headers
    assert response.headers["Content-Type"] == "text/html; charset=iso-8859-1"


def test_control_paths_never_answer_the_api() -> None:
    """`/__fake__/` is the fake's own surface: refusals in JSON, never an API answer."""
    response = create_app(FakeState()).test_client().post("/__fake__/health", data=VERSION_BODY)
    assert response.status_code == 415 and response.is_json
    assert b"15.7.6" not in response.get_data()


def test_the_connection_stays_usable_after_a_large_post_to_the_root(demo_server: FakeServer) -> None:
    with requests.Session() as session:
        root = demo_server.url.removesuffix("api/")
        first = session.post(root, data={**VERSION_BODY, "padding": "x" * 300_000}, timeout=10)
        assert_login_page(first)
        second = session.post(demo_server.url, data=VERSION_BODY, timeout=10)
        assert (second.status_code, second.text) == (200, "15.7.6")


def test_redcap_file_with_the_servers_root_downloads_nothing(
    demo_server: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("REDCAP_API_TOKEN", FULL)
    root = demo_server.url.removesuffix("api/")
    argv = ["export", "--url", root, "--record", "1", "--field", "consent_form", "-o", str(tmp_path)]
    code = main([*argv, "--retries", "0"])
    _out, err = capsys.readouterr()
    assert code == EXIT_SERVER
    assert "names no file" in err
    assert list(tmp_path.iterdir()) == []
    assert main(["version", "--url", root]) == EXIT_SERVER


# The version folder: a REDCap server has `/redcap_v<version>/` beside `/api/` (V15 html/redcap_v15.7.6/).


@pytest.mark.parametrize(
    "path", ["/redcap_v15.7.6/", "/redcap_v15.7.6/index.php", "/redcap_v15.7.6/index.php?pid=14"]
)
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "OPTIONS"])
def test_the_version_folders_index_is_the_login_page(path: str, method: str) -> None:
    """index.php authenticates first (init_global.php without pid, init_project.php with it): the login
    page, with or without a token in the body, whatever the method."""
    client = create_app(FakeState()).test_client()
    response = client.open(path, method=method, data=VERSION_BODY)
    assert_login_page(response)
    assert f"action='{path}'".encode() in response.get_data()


@pytest.mark.parametrize("path", ["/redcap_v15.7.6/API/", "/redcap_v15.7.6/API/index.php"])
def test_the_version_folders_api_script_is_the_api(path: str) -> None:
    client = create_app(FakeState()).test_client()
    response = client.post(path, data=VERSION_BODY)
    assert (response.status_code, response.get_data()) == (200, b"15.7.6")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(path).status_code == 501  # the API's own answer to a GET


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/api", "/api/"),
        ("/api?a=1&b=2", "/api/?a=1&b=2"),
        ("/redcap_v15.7.6", "/redcap_v15.7.6/"),
        ("/redcap_v15.7.6/API", "/redcap_v15.7.6/API/"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST", "HEAD"])
def test_a_folder_without_its_slash_is_apaches_301(path: str, location: str, method: str) -> None:
    """mod_dir's DirectorySlash: the folder with its slash, the query string kept."""
    response = create_app(FakeState()).test_client().open(path, method=method, data=VERSION_BODY)
    assert response.status_code == 301
    assert response.headers["Location"] == "http://localhost" + location
    assert response.headers["Content-Type"] == "text/html; charset=iso-8859-1"
    if method != "HEAD":
        assert b"The document has moved" in response.get_data()


@pytest.mark.parametrize(
    "path",
    [
        "/redcap_v14.5.11/",  # a version the server does not run: no such folder
        "/redcap_v14.5.11/API/",
        "/redcap_v15.7.6/no_such_page.php",  # pages the fake does not know (docs/differences.md)
        "/redcap_v15.7.6/api/",  # the folder is API, and Linux file names are case-sensitive
        "/redcap_v/",
        "/redcap/",
    ],
)
def test_other_version_paths_are_apaches_404(path: str) -> None:
    response = create_app(FakeState()).test_client().post(path, data=VERSION_BODY)
    assert (response.status_code, response.get_data()) == (404, NOT_FOUND)


def test_the_version_folder_follows_the_served_projects_versions() -> None:
    demo = Path(__file__).resolve().parent.parent / "fake_redcap" / "demo" / "classic.yaml"
    client = create_app(FakeState([demo], redcap_version="13.6.1")).test_client()
    assert_login_page(client.post("/redcap_v13.6.1/index.php", data=VERSION_BODY))
    assert client.post("/redcap_v13.6.1/API/", data=VERSION_BODY).get_data() == b"13.6.1"
    assert client.post("/redcap_v15.7.6/", data=VERSION_BODY).status_code == 404


def test_the_login_page_carries_system_inits_headers_and_compression() -> None:
    client = create_app(FakeState()).test_client()
    plain = client.post("/", data=VERSION_BODY)
    names = [name for name, _ in plain.headers]
    assert names[:9] == [
        "Expires",
        "Cache-control",
        "Pragma",
        "X-XSS-Protection",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Permissions-Policy",
        "Access-Control-Allow-Origin",
        "Content-Security-Policy",
    ]
    assert 1 <= len(plain.headers["REDCap-Random-Text"]) <= 64
    assert plain.headers["Content-Length"] == str(len(plain.get_data()))
    packed = client.post("/", data=VERSION_BODY, headers={"Accept-Encoding": "gzip, deflate"})
    assert (packed.headers["Content-Encoding"], packed.headers["Vary"]) == ("gzip", "Accept-Encoding")
    assert "Content-Length" not in packed.headers
    assert gzip.decompress(packed.get_data()).startswith(b"<!DOCTYPE HTML>")


def test_without_compression_the_login_page_has_neither_gzip_nor_random_text() -> None:
    client = create_app(FakeState(compression=False)).test_client()
    response = client.post("/", data=VERSION_BODY, headers={"Accept-Encoding": "gzip"})
    assert "REDCap-Random-Text" not in response.headers and "Content-Encoding" not in response.headers
    assert_login_page(response)
