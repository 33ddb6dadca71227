"""Reference §2: the status line and the headers REDCap 15 puts on every answer.

Only headers whose value does not depend on the server's configuration are stated (no
Access-Control-Allow-Origin, X-Frame-Options or Strict-Transport-Security).
"""

from __future__ import annotations

import gzip

import pytest

from . import expected
from . import sources as src
from .helpers import UNKNOWN_TOKEN, export
from .targets import ProjectUnderTest
from .wire import RawResponse, form_body, raw_request

GLOBAL = f"{src.V15_SYSTEM} init -> setCacheControlAndOtherHeaders (reference §2)"
HEADER_IDS = list(expected.GLOBAL_HEADERS)


def _error_answer(project: ProjectUnderTest) -> RawResponse:
    return project.raw_post(None, {"token": UNKNOWN_TOKEN, **export("1", "report_file")})


@pytest.mark.source(GLOBAL)
@pytest.mark.redcap_version(">=15.7.6")
@pytest.mark.parametrize("name", HEADER_IDS)
def test_an_error_answer_carries_redcaps_global_header(classic: ProjectUnderTest, name: str) -> None:
    response = _error_answer(classic)
    assert response.header_values(name) == [expected.GLOBAL_HEADERS[name].encode()]


@pytest.mark.source(
    f"{src.V15_SYSTEM}:341, 509-515 setCrossDomainHttpAccessControl: '*' while the Control Center's "
    "cross-domain allow-list is empty (the default)",
    "REDCap 10.0.13 Classes/System.php:250 and REDCap 7.1.2 Classes/System.php:171 (the same)",
)
def test_every_answer_allows_every_origin(classic: ProjectUnderTest) -> None:
    assert _error_answer(classic).header_values("Access-Control-Allow-Origin") == [b"*"]
    download = classic.raw_post("full_user", export("1", "report_file"))
    assert download.header_values("Access-Control-Allow-Origin") == [b"*"]


@pytest.mark.source(
    f"{src.V14_SYSTEM} :407-415, {src.V13_SYSTEM} :376-383 and REDCap 10.0.13 Classes/System.php:196-202 "
    "setCacheControl: X-XSS-Protection and X-Content-Type-Options on every answer (not in 7.1.2)",
    f"{src.AUDIT} #29",
)
@pytest.mark.redcap_version(">=10.0.13")
@pytest.mark.parametrize("name", ["X-XSS-Protection", "X-Content-Type-Options"])
def test_from_redcap_10_an_error_answer_carries_the_xss_and_nosniff_header(
    classic: ProjectUnderTest, name: str
) -> None:
    assert _error_answer(classic).header_values(name) == [expected.GLOBAL_HEADERS[name].encode()]


@pytest.mark.source(
    "REDCap 7.1.2 Classes/System.php:131-133: header('cache-control: ...'), spelt in lower case, and no "
    "X-XSS-Protection or X-Content-Type-Options",
    f"{src.AUDIT} #29",
)
@pytest.mark.redcap_version("<=7.1.2")
def test_redcap_7_spells_its_cache_control_header_in_lower_case(classic: ProjectUnderTest) -> None:
    response = _error_answer(classic)
    names = [key for key, _ in response.headers if key.lower() == b"cache-control"]
    assert names == [b"cache-control"]
    assert response.header_values("X-XSS-Protection") == []


@pytest.mark.source(GLOBAL + "; sendFile adds to them")
@pytest.mark.redcap_version(">=15.7.6")
@pytest.mark.parametrize("name", HEADER_IDS)
def test_a_download_carries_redcaps_global_header(classic: ProjectUnderTest, name: str) -> None:
    response = classic.raw_post("full_user", export("1", "report_file"))
    assert response.status == 200
    assert response.header_values(name) == [expected.GLOBAL_HEADERS[name].encode()]


@pytest.mark.source(GLOBAL + ": the default policy when none exists yet")
@pytest.mark.redcap_version(">=15.7.6")
def test_an_error_answer_carries_redcaps_default_content_security_policy(classic: ProjectUnderTest) -> None:
    response = _error_answer(classic)
    assert response.header_values("Content-Security-Policy") == [expected.GLOBAL_CSP.encode()]


@pytest.mark.source(GLOBAL + ": Permissions-Policy, its value at System.php:433", f"{src.AUDIT} #29")
@pytest.mark.redcap_version(">=15.7.6")
def test_every_answer_carries_redcaps_permissions_policy(classic: ProjectUnderTest) -> None:
    assert _error_answer(classic).header_values("Permissions-Policy") == [
        expected.PERMISSIONS_POLICY.encode()
    ]
    download = classic.raw_post("full_user", export("1", "report_file"))
    assert download.header_values("Permissions-Policy") == [expected.PERMISSIONS_POLICY.encode()]


@pytest.mark.source(
    f"{src.V14_SYSTEM} :407-415 and {src.V13_SYSTEM} :376-383 setCacheControl: Expires, Cache-control, "
    "Pragma, X-XSS-Protection and X-Content-Type-Options only; no setCspHeader",
    f"{src.AUDIT} #29",
)
@pytest.mark.redcap_version(">=10.0.13,<15.0.0")
@pytest.mark.parametrize("name", expected.HEADERS_NEW_IN_15)
def test_before_redcap_15_an_error_answer_lacks_the_newer_header(
    classic: ProjectUnderTest, name: str
) -> None:
    assert _error_answer(classic).header_values(name) == []


# -- zlib.output_compression (System::enableGzipCompression) ---------------------------------------------
# A server whose administrator turned HTTP compression off (enable_http_compression) is described by
# `compression: false` in its fixture; the clauses then state that nothing is compressed.

GZIP = f"{src.V15_SYSTEM} enableGzipCompression, addHeaderRandomText; php-src ext/zlib (Accept-Encoding)"


def _post_accepting(
    project: ProjectUnderTest, username: str | None, params: dict[str, str], coding: str
) -> RawResponse:
    pairs = list(params.items())
    if username is not None:
        pairs.insert(0, ("token", project.token(username)))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept-Encoding": coding}
    return raw_request(project.url, "POST", form_body(pairs), headers)


def _random_text_ok(response: RawResponse) -> bool:
    values = response.header_values("REDCap-Random-Text")
    return (
        len(values) == 1
        and 1 <= len(values[0]) <= 64
        and all(chr(b) in expected.RANDOM_TEXT_ALPHABET for b in values[0])
    )


def _plain(response: RawResponse) -> bool:
    return (
        response.header_values("Content-Encoding") == []
        and response.header_values("REDCap-Random-Text") == []
    )


@pytest.mark.source(
    GZIP + ": every API answer but content=file is compressed when the client accepts gzip; Content-Encoding "
    "and Vary from PHP's zlib output handler, REDCap-Random-Text (1-64 characters) from REDCap",
    f"{src.AUDIT} #29",
)
@pytest.mark.redcap_version(">=10.0.13")
def test_an_error_answer_is_gzip_compressed_when_the_client_accepts_it(classic: ProjectUnderTest) -> None:
    response = _post_accepting(classic, None, {"content": "version", "returnFormat": "json"}, "gzip")
    assert response.status == 403
    if not classic.fixture.compression:
        assert _plain(response) and response.body == expected.json_error(expected.NO_API_PERMISSION)
        return
    assert response.header_values("Content-Encoding") == [b"gzip"]
    assert b"Accept-Encoding" in b",".join(response.header_values("Vary"))
    assert gzip.decompress(response.body) == expected.json_error(expected.NO_API_PERMISSION)
    assert _random_text_ok(response)


@pytest.mark.source(GZIP + ": a project export is compressed too", f"{src.AUDIT} #29")
@pytest.mark.redcap_version(">=10.0.13")
def test_a_project_export_is_gzip_compressed(classic: ProjectUnderTest) -> None:
    response = _post_accepting(classic, "full_user", {"content": "version"}, "gzip, deflate")
    version = classic.post("full_user", {"content": "version"}).content
    assert response.status == 200
    if not classic.fixture.compression:
        assert _plain(response) and response.body == version
        return
    assert response.header_values("Content-Encoding") == [b"gzip"]
    assert gzip.decompress(response.body) == version
    assert _random_text_ok(response)


@pytest.mark.source(GZIP + ": content=file is never compressed, and carries no random header")
def test_a_download_is_never_compressed(classic: ProjectUnderTest) -> None:
    response = _post_accepting(classic, "full_user", export("1", "report_file"), "gzip")
    assert response.status == 200
    assert _plain(response)


@pytest.mark.source(
    GZIP + ": without gzip or deflate in Accept-Encoding PHP leaves the output alone, but REDCap still "
    "adds the random header (GZIP_ENABLED is the ini setting, not the client's choice)",
    f"{src.AUDIT} #29",
)
@pytest.mark.redcap_version(">=10.0.13")
def test_without_gzip_accepted_the_answer_is_plain_with_the_random_header(classic: ProjectUnderTest) -> None:
    response = _post_accepting(classic, None, {"content": "version"}, "identity")
    assert response.status == 403
    assert response.header_values("Content-Encoding") == []
    assert response.body == expected.xml_error(expected.NO_API_PERMISSION)
    assert _random_text_ok(response) is classic.fixture.compression


@pytest.mark.source(GLOBAL + ": X-Powered-By is removed")
@pytest.mark.redcap_version(">=15.7.6")
def test_no_answer_carries_x_powered_by(classic: ProjectUnderTest) -> None:
    assert _error_answer(classic).header_values("X-Powered-By") == []
    assert classic.raw_post("full_user", export("1", "report_file")).header_values("X-Powered-By") == []


@pytest.mark.source(f"{src.V15_REST} sendResponse/sendFile: 'HTTP/1.1 <code> <reason>' (reference §2)")
@pytest.mark.parametrize("status", [200, 400, 403, 501])
def test_the_status_line_carries_the_standard_reason_phrase(classic: ProjectUnderTest, status: int) -> None:
    if status == 501:
        response = raw_request(classic.url, "GET", b"", {})
    else:
        params = {
            200: export("1", "report_file"),
            400: {"content": "no_such_content"},
            403: {"content": "file", "action": "export"},
        }[status]
        response = classic.raw_post("full_user" if status != 403 else None, params)
    assert response.status == status
    assert response.reason == expected.REASON_PHRASES[status].encode()
