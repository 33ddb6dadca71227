"""Answers a REDCap server gives before (or beside) REDCap's API code: Apache's own pages for `/api` and a
wrong URL, PHP's post_max_size page from System::init, and the 16.x project-info profile."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from fake_redcap import FakeState, create_app
from fake_redcap.apache import NOT_FOUND
from fake_redcap.control import access_of
from tests.support import CLASSIC_TOKENS, api, classic_fixture, export_params, post

APACHE_TYPE = "text/html; charset=iso-8859-1"


def test_api_without_its_slash_is_apaches_301_with_its_page() -> None:
    client = create_app(FakeState()).test_client()
    response = client.post("/api")
    assert response.status_code == 301
    assert response.headers["Location"] == "http://localhost/api/"
    assert response.headers["Content-Type"] == APACHE_TYPE
    assert response.get_data() == (
        b'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n'
        b"<title>301 Moved Permanently</title>\n"
        b"</head><body>\n<h1>Moved Permanently</h1>\n"
        b'<p>The document has moved <a href="http://localhost/api/">here</a>.</p>\n</body></html>\n'
    )


@pytest.mark.parametrize("path", ["/nope", "/api/index.php/x", "/redcap/api/", "/api2/"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_wrong_url_gets_apaches_404_page(path: str, method: str) -> None:
    response = create_app(FakeState()).test_client().open(path, method=method)
    assert (response.status_code, response.headers["Content-Type"]) == (404, APACHE_TYPE)
    assert response.get_data() == NOT_FOUND
    assert b"<p>The requested URL was not found on this server.</p>" in NOT_FOUND


def test_the_page_and_the_control_endpoints_are_not_apaches() -> None:
    app = create_app(FakeState())
    client, proof = app.test_client(), access_of(app).headers
    assert client.get("/", headers=proof).status_code == 200
    assert client.get("/__fake__/health", headers=proof).status_code == 200
    missing = client.get("/__fake__/no-such-endpoint", headers=proof)
    assert missing.status_code == 404 and missing.get_data() != NOT_FOUND


# -- post_max_size (V15 Classes/System.php:823-841) ---------------------------------------------------

SIZE_TEXT = (
    "<br><br>ERROR: The page you just submitted has exceeded the REDCap server's maximum submission size "
    "(1 MB). \n\t\t\t\t\tThe request cannnot be processed. If you just uploaded a file, this error may have "
    "resulted from the file \n\t\t\t\t\tbeing too large in its file size. A file that large simply "
    "cannnot be processed by the server, unfortunately."
)


@pytest.fixture
def limited(tmp_path: Path) -> Callable[[str], FakeState]:
    def make(version: str) -> FakeState:
        from tests.support import CLASSIC_EXTRA_FILES, write_fixture

        path = write_fixture(tmp_path / version, classic_fixture(version), CLASSIC_EXTRA_FILES)
        return FakeState([path], post_max_mb=1)

    return make


def test_a_body_over_post_max_size_is_a_200_html_page_not_a_403(limited: Callable[[str], FakeState]) -> None:
    client = api(limited("15.7.6"))
    big = {**export_params(CLASSIC_TOKENS["full"]), "padding": "x" * 1048576}
    response = post(client, big)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert response.get_data().decode() == SIZE_TEXT
    # Under the limit the request is REDCap's as usual.
    assert post(client, export_params(CLASSIC_TOKENS["full"])).status_code == 200


def test_the_referer_is_linked_escaped(limited: Callable[[str], FakeState]) -> None:
    client = api(limited("15.7.6"))
    body = b"padding=" + b"x" * 1048576
    response = client.post(
        "/api/",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"Referer": "http://a/?x='<"},
    )
    assert (
        response.get_data()
        .decode()
        .endswith("<br><br><a href='http://a/?x=&#039;&lt;'>Return to previous page</a>")
    )


def test_redcap_7_names_no_size(limited: Callable[[str], FakeState]) -> None:
    response = post(api(limited("7.1.2")), {"padding": "x" * 1048576})
    assert (
        response.get_data()
        .decode()
        .startswith(
            "<br><br>ERROR: The page you just submitted has exceeded the REDCap server's maximum "
            "submission size. \n"
        )
    )


def test_serve_refuses_a_post_max_of_zero() -> None:
    from fake_redcap.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--post-max-mb", "0"])


# -- REDCap 16.x, from documentation and a recorded answer -------------------------------------------


@pytest.mark.parametrize(("version", "has_email"), [("16.1.3", True), ("15.7.6", False)])
def test_project_info_carries_the_pi_email_from_16(
    make_state: Callable[..., FakeState], version: str, has_email: bool
) -> None:
    client = api(make_state(classic_fixture(version), {"files/consent.pdf": b"%PDF"}))
    response = post(client, {"token": CLASSIC_TOKENS["full"], "content": "project", "format": "json"})
    keys = list(json.loads(response.get_data()))
    assert ("project_pi_email" in keys) == has_email
    if has_email:
        assert keys[keys.index("project_pi_lastname") + 1] == "project_pi_email"
