"""Reference §2: the status line and the headers REDCap 15 puts on every answer.

Only headers whose value does not depend on the server's configuration are stated (no
Access-Control-Allow-Origin, X-Frame-Options or Strict-Transport-Security).
"""

from __future__ import annotations

import pytest

from . import expected
from . import sources as src
from .helpers import UNKNOWN_TOKEN, export
from .targets import ProjectUnderTest
from .wire import RawResponse, raw_request

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


@pytest.mark.source(GLOBAL)
@pytest.mark.redcap_version(">=15.7.6")
@pytest.mark.known_difference("fake-no-permissions-policy")
def test_every_answer_carries_a_permissions_policy_header(classic: ProjectUnderTest) -> None:
    assert len(_error_answer(classic).header_values("Permissions-Policy")) == 1


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
