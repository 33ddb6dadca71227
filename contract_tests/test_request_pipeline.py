"""Reference §1.1-1.2: the checks every API request meets before Export File runs, and their order.

These clauses need requests no client would send (GET, a bad token, an unknown content), so they go
through raw `requests`.
"""

from __future__ import annotations

import json
import urllib.parse

import pytest

from . import expected
from . import sources as src
from .helpers import UNKNOWN_TOKEN, assert_same_file, export, json_message
from .targets import TIMEOUT, ProjectUnderTest


def _json(params: dict[str, str]) -> dict[str, str]:
    return {**params, "returnFormat": "json"}


# -- #4: only POST ------------------------------------------------------------------------------------


@pytest.mark.source(f"{src.V15_REST} processRequest: any method but POST gets 501 (reference §1.1 #4)")
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_only_post_is_accepted_other_methods_get_501(classic: ProjectUnderTest, method: str) -> None:
    # The token travels in the body only: a URL with a token in it would end up in the server's logs.
    body = {"token": classic.token("full_user"), **export("1", "report_file")}
    response = classic.session.request(
        method, classic.url, params=export("1", "report_file"), data=body, timeout=TIMEOUT
    )
    assert response.status_code == 501
    assert response.content == expected.xml_error(expected.METHOD_NOT_IMPLEMENTED)


@pytest.mark.source(
    f"{src.V15_INDEX}: returnFormat is read from $_POST, empty on a GET (reference §1.1 #4)",
    f"{src.REDCAPR_ERRORS} expected_message_501",
)
def test_a_get_request_is_answered_in_xml_whatever_it_asks_for(classic: ProjectUnderTest) -> None:
    params = {**export("1", "report_file"), "returnFormat": "json"}
    body = {"token": classic.token("full_user"), **params}
    response = classic.session.get(classic.url, params=params, data=body, timeout=TIMEOUT)
    assert response.status_code == 501
    assert response.headers["Content-Type"] == expected.ERROR_CONTENT_TYPES["xml"]
    assert response.content == (
        b'<?xml version="1.0" encoding="UTF-8" ?><hash><error>The requested method is not implemented.'
        b"</error></hash>"
    )


@pytest.mark.source(
    f"{src.V15_REST} processRequest: the method is checked before the token (reference §1.1 #4-#5)"
)
def test_the_method_check_comes_before_the_token_check(classic: ProjectUnderTest) -> None:
    response = classic.session.get(classic.url, params=export("1", "report_file"), timeout=TIMEOUT)
    assert response.status_code == 501


# -- #5-#7: the token ---------------------------------------------------------------------------------


@pytest.mark.source(f"{src.V15_REST} processRequest token format check (reference §1.1 #5)")
@pytest.mark.parametrize("token", [None, ""], ids=["missing", "empty"])
def test_a_missing_or_empty_token_is_refused_with_403(classic: ProjectUnderTest, token: str | None) -> None:
    params = export("1", "report_file")
    if token is not None:
        params["token"] = token
    response = classic.post(None, params)
    assert response.status_code == 403
    assert response.content == expected.xml_error(expected.NO_API_PERMISSION)


@pytest.mark.source(
    f"{src.V15_REST} processRequest: ^[A-Za-z0-9]+$ before any lookup, V7+ (reference §1.1 #5)"
)
def test_a_token_with_a_character_other_than_letters_and_digits_is_refused(classic: ProjectUnderTest) -> None:
    # REDCap 5 cut the token to 32 characters and would have accepted this one; 7+ refuse it first.
    response = classic.post(
        None, _json({"token": classic.token("full_user") + "-", **export("1", "report_file")})
    )
    assert response.status_code == 403
    assert json_message(response) == expected.NO_API_PERMISSION


@pytest.mark.source(
    f"{src.REDCAPR_FILE} 'download w/ bad token -Error' (403, csv)",
    f"{src.V15_REST} processRequest (reference §1.1 #6)",
)
def test_an_unknown_token_is_refused_with_403_as_a_real_server_answers(classic: ProjectUnderTest) -> None:
    response = classic.post(
        None, {"token": UNKNOWN_TOKEN, **export("1", "report_file"), "returnFormat": "csv"}
    )
    assert response.status_code == 403
    assert response.content == b"ERROR: You do not have permissions to use the API"


@pytest.mark.source(
    f"{src.V15_REST} processRequest: the lookup requires user_suspended_time IS NULL (reference §1.1 #6)"
)
def test_a_suspended_users_token_is_refused_exactly_like_an_unknown_token(classic: ProjectUnderTest) -> None:
    suspended = classic.post("suspended_user", _json(export("1", "report_file")))
    unknown = classic.post(None, {"token": UNKNOWN_TOKEN, **_json(export("1", "report_file"))})
    assert suspended.status_code == unknown.status_code == 403
    assert suspended.headers["Content-Type"] == unknown.headers["Content-Type"]
    assert suspended.content == unknown.content


@pytest.mark.source(f"{src.V15_REST} processRequest: expiration <= today (reference §1.1 #7)")
def test_expired_rights_are_refused_with_the_date_they_expired(classic: ProjectUnderTest) -> None:
    user = classic.user("expired_user")
    assert user.expiration is not None
    response = classic.post("expired_user", _json(export("1", "report_file")))
    assert response.status_code == 403
    assert json_message(response) == expected.expired(user.expiration.isoformat())


@pytest.mark.source(f"{src.V15_INDEX}: rights are read (#7) before content is checked (#9) (reference §1.1)")
def test_the_expiration_check_comes_before_the_content_check(classic: ProjectUnderTest) -> None:
    user = classic.user("expired_user")
    assert user.expiration is not None
    response = classic.post("expired_user", _json({"content": "no_such_content", "action": "export"}))
    assert response.status_code == 403
    assert json_message(response) == expected.expired(user.expiration.isoformat())


@pytest.mark.source(f"{src.V15_INDEX}: the token (#5-#6) is checked before content (#9) (reference §1.1)")
def test_the_token_check_comes_before_the_content_check(classic: ProjectUnderTest) -> None:
    response = classic.post(
        None, {"token": UNKNOWN_TOKEN, "content": "no_such_content", "returnFormat": "json"}
    )
    assert response.status_code == 403
    assert json_message(response) == expected.NO_API_PERMISSION


# -- #9-#12: content, action, API rights --------------------------------------------------------------


@pytest.mark.source(f"{src.V15_INDEX} (reference §1.1 #9)")
def test_an_unknown_content_is_refused_with_400(classic: ProjectUnderTest) -> None:
    response = classic.post("full_user", _json({"content": "no_such_content", "action": "export"}))
    assert response.status_code == 400
    assert json_message(response) == expected.CONTENT_INVALID


@pytest.mark.source(f"{src.V15_INDEX}: case-sensitive content list, V7+ (reference §1.1 #9)")
def test_content_is_matched_case_sensitively(classic: ProjectUnderTest) -> None:
    response = classic.post("full_user", _json({**export("1", "report_file"), "content": "File"}))
    assert response.status_code == 400
    assert json_message(response) == expected.CONTENT_INVALID


@pytest.mark.source(f"{src.V15_INDEX} (reference §1.1 #9-#10)")
def test_the_content_check_comes_before_the_action_check(classic: ProjectUnderTest) -> None:
    response = classic.post("full_user", _json({"content": "no_such_content", "action": "no_such_action"}))
    assert response.status_code == 400
    assert json_message(response) == expected.CONTENT_INVALID


@pytest.mark.source(f"{src.V15_INDEX}: a missing action is treated as '' (reference §1.1 #10)")
def test_a_missing_action_is_refused_as_an_invalid_action(classic: ProjectUnderTest) -> None:
    params = export("1", "report_file")
    del params["action"]
    response = classic.post("full_user", _json(params))
    assert response.status_code == 400
    assert json_message(response) == expected.ACTION_INVALID


@pytest.mark.source(f"{src.V15_INDEX} (reference §1.1 #10)")
def test_an_unknown_action_is_refused_with_400(classic: ProjectUnderTest) -> None:
    response = classic.post("full_user", _json({**export("1", "report_file"), "action": "download"}))
    assert response.status_code == 400
    assert json_message(response) == expected.ACTION_INVALID


@pytest.mark.source(
    f"{src.V13_INDEX} and {src.V15_INDEX}: second, case-sensitive action check for content=file "
    "(reference §1.1 #11)"
)
@pytest.mark.redcap_version(">=13.6.1")
def test_action_export_in_capitals_is_refused_by_the_case_sensitive_check(classic: ProjectUnderTest) -> None:
    response = classic.post("full_user", _json({**export("1", "report_file"), "action": "EXPORT"}))
    assert response.status_code == 400
    assert json_message(response) == expected.ACTION_INVALID


@pytest.mark.source(f"{src.V15_INDEX}: the action (#10) is checked before API rights (#12) (reference §1.1)")
def test_the_action_check_comes_before_the_api_export_right(classic: ProjectUnderTest) -> None:
    response = classic.post("no_api_export_user", _json({**export("1", "report_file"), "action": "download"}))
    assert response.status_code == 400
    assert json_message(response) == expected.ACTION_INVALID


@pytest.mark.source(
    f"{src.V15_INDEX}: api_export != 1 (#12) runs before export.php's data export checks (E1) "
    "(reference §1.1 #12)"
)
def test_without_the_api_export_right_export_is_refused_before_data_export_rights(
    classic: ProjectUnderTest,
) -> None:
    # This user has neither API Export nor any data export rights: the API right is checked first.
    user = classic.user("no_api_export_user")
    assert not user.api_export and user.export_rights() == 0
    response = classic.post("no_api_export_user", _json(export("1", "report_file")))
    assert response.status_code == 403
    assert json_message(response) == expected.NO_API_EXPORT


# -- where the parameters are read from (§1.2) --------------------------------------------------------


@pytest.mark.source(f"{src.V15_INDEX}: parameters come from $_POST only (reference §1.2)")
def test_parameters_in_the_query_string_are_ignored(classic: ProjectUnderTest) -> None:
    # The token in the body, the rest in the URL: were the URL read, this would export a file.
    response = classic.session.post(
        classic.url,
        params=_json(export("1", "report_file")),
        data={"token": classic.token("full_user")},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert response.status_code == 400
    assert response.content == expected.xml_error(expected.CONTENT_INVALID)


@pytest.mark.source(f"{src.V15_INDEX}: a JSON body does not fill $_POST (reference §1.2)")
def test_a_json_body_is_ignored(classic: ProjectUnderTest) -> None:
    body = json.dumps({"token": classic.token("full_user"), **_json(export("1", "report_file"))})
    response = classic.session.post(
        classic.url,
        data=body.encode("utf-8"),
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert response.status_code == 403
    assert response.content == expected.xml_error(expected.NO_API_PERMISSION)


@pytest.mark.source(f"{src.V15_INDEX}: multipart/form-data fills $_POST too (reference §1.2)")
def test_a_multipart_form_body_is_read_like_a_urlencoded_one(classic: ProjectUnderTest) -> None:
    fields = {"token": classic.token("full_user"), **export("1", "report_file")}
    multipart = {name: (None, value) for name, value in fields.items()}
    response = classic.session.post(classic.url, files=multipart, timeout=TIMEOUT, allow_redirects=False)
    assert response.status_code == 200
    assert_same_file(response.content, classic.stored("1", "report_file"))


# -- what Apache answers itself ---------------------------------------------------------------------


@pytest.mark.source(
    "Apache httpd 2.4 http_protocol.c: the canned 404 text (source audit, 'What real servers recorded')",
    "real-server capture: REDCapR's tests expect Apache's 404 page for a wrong URL",
)
def test_a_url_that_is_not_the_api_gets_apaches_404_page(classic: ProjectUnderTest) -> None:
    url = classic.url + "contract-suite-no-such-file.txt"
    response = classic.session.post(
        url, data=export("1", "report_file"), timeout=TIMEOUT, allow_redirects=False
    )
    assert response.status_code == 404
    assert expected.APACHE_NOT_FOUND in response.content


# -- the web root and api/index.php ----------------------------------------------------------------

LOGIN_TOKEN_FIELD = b"redcap_login_a38us_09i85"  # the hidden field of REDCap's login form


@pytest.mark.source(
    f"{src.V15_HOME}: a request without a session gets the login page (200), whatever it posts",
)
@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_post_to_the_web_root_gets_the_login_page_not_the_api(
    classic: ProjectUnderTest, encoding: str
) -> None:
    root = urllib.parse.urljoin(classic.url, "../")
    body = {"token": classic.token("full_user"), "content": "version"}
    if encoding == "urlencoded":
        response = classic.session.post(root, data=body, timeout=TIMEOUT, allow_redirects=False)
    else:
        multipart = {name: (None, value) for name, value in body.items()}
        response = classic.session.post(root, files=multipart, timeout=TIMEOUT, allow_redirects=False)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert LOGIN_TOKEN_FIELD in response.content


def _version_folder(classic: ProjectUnderTest) -> str:
    """The server's version folder, `redcap_v<version>/` beside `api/`."""
    body = {"token": classic.token("full_user"), "content": "version"}
    version = classic.session.post(classic.url, data=body, timeout=TIMEOUT).text
    return urllib.parse.urljoin(classic.url, f"../redcap_v{version}/")


@pytest.mark.source(f"{src.V15_VERSION_FOLDER}: no session, so the login page (200), whatever it posts")
@pytest.mark.parametrize("page", ["", "index.php"], ids=["folder", "index.php"])
def test_the_version_folders_index_gets_the_login_page_not_the_api(
    classic: ProjectUnderTest, page: str
) -> None:
    body = {"token": classic.token("full_user"), "content": "version"}
    url = _version_folder(classic) + page
    response = classic.session.post(url, data=body, timeout=TIMEOUT, allow_redirects=False)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert LOGIN_TOKEN_FIELD in response.content


@pytest.mark.source(f"{src.V15_VERSION_API}: the same script at the version folder's own address")
def test_the_version_folders_api_script_is_the_api(classic: ProjectUnderTest) -> None:
    body = {"token": classic.token("full_user"), "content": "version"}
    at_api = classic.session.post(classic.url, data=body, timeout=TIMEOUT, allow_redirects=False)
    at_folder = classic.session.post(
        _version_folder(classic) + "API/", data=body, timeout=TIMEOUT, allow_redirects=False
    )
    assert (at_folder.status_code, at_folder.content) == (at_api.status_code, at_api.content)
    assert at_folder.status_code == 200


@pytest.mark.source(f"{src.V15} api/index.php: the API's own script, what /api/ runs")
def test_api_index_php_is_the_api(classic: ProjectUnderTest) -> None:
    body = {"token": classic.token("full_user"), "content": "version"}
    at_slash = classic.session.post(classic.url, data=body, timeout=TIMEOUT, allow_redirects=False)
    at_script = classic.session.post(
        classic.url + "index.php", data=body, timeout=TIMEOUT, allow_redirects=False
    )
    assert (at_script.status_code, at_script.content) == (at_slash.status_code, at_slash.content)
    assert at_script.status_code == 200
