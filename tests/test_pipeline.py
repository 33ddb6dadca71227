"""The request pipeline, step by step and in REDCap's order (reference §1.1), and the returnFormat
choice (§1.2). Every answer is checked whole: status, body bytes and Content-type value."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from types import SimpleNamespace

import pytest
from flask.testing import FlaskClient

from fake_redcap import routing
from tests.support import (
    ACTION_INVALID,
    CONTENT_INVALID,
    CSV_TYPE,
    EXPIRED,
    IDENTIFIER,
    INVALID_EVENT,
    JSON_TYPE,
    LONG_TOKENS,
    METHOD_NOT_IMPLEMENTED,
    NO_ACCESS,
    NO_API_EXPORT,
    NO_PERMISSION,
    PAST,
    PDF_BYTES,
    TODAY,
    UNKNOWN_TOKEN,
    XML_TYPE,
    Worlds,
    api,
    assert_error,
    assert_file,
    csv_error,
    export_params,
    field_not_file,
    json_error,
    post,
    record_missing_15,
    xml_error,
)
from tests.support import CLASSIC_TOKENS as T

CONSENT_TYPE = 'application/pdf; name="consent.pdf"'


def ok_export(client: FlaskClient, **params: str) -> None:
    """The classic project's record 1 consent form, exported by `params`."""
    assert_file(post(client, params), PDF_BYTES, CONSENT_TYPE)


# ---------------------------------------------------------------------------------------------------------
# #4: only POST. $_POST is empty on any other method, so the envelope is always xml.


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND", "MKCOL"])
def test_non_post_method_is_501_xml_even_when_json_is_asked_for(classic: FlaskClient, method: str) -> None:
    params = export_params(T["full"], returnFormat="json", format="json")
    query = urllib.parse.urlencode(params)
    response = classic.open(
        f"/api/?{query}",
        method=method,
        data=query.encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(response, 501, xml_error(METHOD_NOT_IMPLEMENTED))


def test_head_is_501_with_the_xml_type_and_no_body(classic: FlaskClient) -> None:
    response = classic.open("/api/?returnFormat=json", method="HEAD")
    assert (response.status_code, response.get_data(), response.headers["Content-type"]) == (
        501,
        b"",
        XML_TYPE,
    )


def test_non_post_without_any_parameters_is_501(classic: FlaskClient) -> None:
    assert_error(classic.get("/api/"), 501, xml_error(METHOD_NOT_IMPLEMENTED))


# ---------------------------------------------------------------------------------------------------------
# Parameters come only from the POST body (§1.2).


def test_query_string_is_ignored(classic: FlaskClient) -> None:
    query = urllib.parse.urlencode(export_params(T["full"], returnFormat="json"))
    response = classic.post(f"/api/?{query}", data=b"", content_type="application/x-www-form-urlencoded")
    assert_error(response, 403, xml_error(NO_PERMISSION))


def test_query_string_does_not_override_the_body(classic: FlaskClient) -> None:
    body = urllib.parse.urlencode(export_params(T["full"])).encode()
    response = classic.post(
        "/api/?returnFormat=json&field=age&record=999&token=BAD",
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    assert_file(response, PDF_BYTES, CONSENT_TYPE)


def test_json_body_is_ignored(classic: FlaskClient) -> None:
    response = classic.post("/api/", json=export_params(T["full"], returnFormat="json"))
    assert_error(response, 403, xml_error(NO_PERMISSION))


def test_urlencoded_form_shaped_text_plain_body_is_ignored(classic: FlaskClient) -> None:
    body = urllib.parse.urlencode(export_params(T["full"], returnFormat="json")).encode()
    response = classic.post("/api/", data=body, content_type="text/plain")
    assert_error(response, 403, xml_error(NO_PERMISSION))


def test_urlencoded_body_is_accepted(classic: FlaskClient) -> None:
    assert_file(post(classic, export_params(T["full"])), PDF_BYTES, CONSENT_TYPE)


def test_multipart_body_is_accepted(classic: FlaskClient) -> None:
    assert_file(post(classic, export_params(T["full"]), multipart=True), PDF_BYTES, CONSENT_TYPE)


def test_multipart_errors_follow_the_posted_return_format(classic: FlaskClient) -> None:
    response = post(classic, {"token": UNKNOWN_TOKEN, "returnFormat": "json"}, multipart=True)
    assert_error(response, 403, json_error(NO_PERMISSION), JSON_TYPE)


# ---------------------------------------------------------------------------------------------------------
# #5 / #6: token format, known token, suspended user -> 403, one message for all.


def without(params: dict[str, str], key: str) -> dict[str, str]:
    return {k: v for k, v in params.items() if k != key}


def test_missing_token_is_403(classic: FlaskClient) -> None:
    response = post(classic, without(export_params(T["full"]), "token"))
    assert_error(response, 403, xml_error(NO_PERMISSION))


def test_empty_token_is_403(classic: FlaskClient) -> None:
    assert_error(post(classic, export_params("")), 403, xml_error(NO_PERMISSION))


@pytest.mark.parametrize(
    "token",
    [
        "abc-def",
        f"{T['full'][:16]} {T['full'][16:]}",  # a space inside
        f" {T['full']}",  # a leading space (PHP does not trim)
        f"{T['full']} ",  # a trailing space
        f"{T['full']}\t",
        "é" * 32,
    ],
    ids=["hyphen", "inner-space", "leading-space", "trailing-space", "tab", "non-ascii"],
)
def test_malformed_token_is_403(classic: FlaskClient, token: str) -> None:
    assert_error(post(classic, export_params(token)), 403, xml_error(NO_PERMISSION))


def test_unknown_token_is_403(classic: FlaskClient) -> None:
    assert_error(post(classic, export_params(UNKNOWN_TOKEN)), 403, xml_error(NO_PERMISSION))


def test_unknown_token_with_csv_is_the_real_server_answer(classic: FlaskClient) -> None:
    # REDCapR test-file-oneshot.R: 403 and `ERROR: You do not have permissions to use the API`.
    response = post(classic, export_params(UNKNOWN_TOKEN, returnFormat="csv"))
    assert_error(response, 403, csv_error(NO_PERMISSION), CSV_TYPE)


def test_token_of_another_length_is_403(classic: FlaskClient) -> None:
    assert_error(post(classic, export_params(T["full"] + "0")), 403, xml_error(NO_PERMISSION))


def test_suspended_user_looks_like_a_bad_token(classic: FlaskClient) -> None:
    assert_error(post(classic, export_params(T["suspended"])), 403, xml_error(NO_PERMISSION))


def test_token_matches_case_insensitively(classic: FlaskClient) -> None:
    # utf8mb4_unicode_ci on redcap_user_rights.api_token (reference §5, §6).
    lower = T["full"].lower()
    assert lower != T["full"]
    ok_export(classic, **export_params(lower))


# ---------------------------------------------------------------------------------------------------------
# #7: expired rights (the day itself counts), super users exempt.


def test_rights_expired_in_the_past_is_403_with_the_date(classic: FlaskClient) -> None:
    message = EXPIRED.format(expiration=PAST.isoformat())
    assert message.endswith("as of 2024-01-31.")
    assert_error(post(classic, export_params(T["expired"])), 403, xml_error(message))


@pytest.fixture
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake's today is the day the fixtures were written (tests.support.TODAY): a run that crosses
    midnight between the two would otherwise see "tomorrow" expire (a CI run at 00:00 UTC did)."""

    class PinnedDate(dt.date):
        @classmethod
        def today(cls) -> PinnedDate:
            return cls.fromordinal(TODAY.toordinal())

    monkeypatch.setattr(routing, "dt", SimpleNamespace(date=PinnedDate))


@pytest.mark.usefixtures("pinned_today")
def test_rights_expiring_today_count_as_expired(classic: FlaskClient) -> None:
    message = EXPIRED.format(expiration=TODAY.isoformat())
    assert_error(post(classic, export_params(T["expires_today"])), 403, xml_error(message))


@pytest.mark.usefixtures("pinned_today")
def test_rights_expiring_tomorrow_still_work(classic: FlaskClient) -> None:
    ok_export(classic, **export_params(T["expires_tomorrow"]))


def test_super_user_is_exempt_from_expiry_and_has_full_export_rights(classic: FlaskClient) -> None:
    # The user's own rights say No Access and expired; a super user gets export_rights=1 and no expiry.
    ok_export(classic, **export_params(T["expired_super"]))


# ---------------------------------------------------------------------------------------------------------
# #9 content, #10/#11 action, #12 API export.


@pytest.mark.parametrize("content", ["FILE", "File", "bogus", "", "file "])
def test_invalid_content_is_400(classic: FlaskClient, content: str) -> None:
    response = post(classic, {**export_params(T["full"]), "content": content})
    assert_error(response, 400, xml_error(CONTENT_INVALID))


def test_missing_content_is_400(classic: FlaskClient) -> None:
    response = post(classic, without(export_params(T["full"]), "content"))
    assert_error(response, 400, xml_error(CONTENT_INVALID))


def test_missing_action_is_400(classic: FlaskClient) -> None:
    response = post(classic, without(export_params(T["full"]), "action"))
    assert_error(response, 400, xml_error(ACTION_INVALID))


@pytest.mark.parametrize("action", ["foo", "", "exports", "export "])
def test_invalid_action_is_400(classic: FlaskClient, action: str) -> None:
    response = post(classic, {**export_params(T["full"]), "action": action})
    assert_error(response, 400, xml_error(ACTION_INVALID))


@pytest.mark.parametrize("action", ["EXPORT", "Export"])
def test_upper_case_action_fails_the_case_sensitive_check_in_15(classic: FlaskClient, action: str) -> None:
    response = post(classic, {**export_params(T["full"]), "action": action})
    assert_error(response, 400, xml_error(ACTION_INVALID))


def test_upper_case_action_fails_in_13_too(worlds: Worlds) -> None:
    response = post(api(worlds.classic("13.6.1")), {**export_params(T["full"]), "action": "EXPORT"})
    assert_error(response, 400, xml_error(ACTION_INVALID))


def test_upper_case_action_passes_the_action_checks_in_10(worlds: Worlds) -> None:
    # V10 has only the strtolower check (#10). The request gets as far as #12: proof that it passed.
    params = {**export_params(T["no_api_export"]), "action": "EXPORT"}
    assert_error(post(api(worlds.classic("10.0.13")), params), 403, xml_error(NO_API_EXPORT))
    assert_error(post(api(worlds.classic("15.7.6")), params), 400, xml_error(ACTION_INVALID))


def test_the_case_sensitive_action_check_is_only_for_content_file(classic: FlaskClient) -> None:
    # #11 applies to content=file; fileinfo derives its action (#16).
    params = {**export_params(T["full"]), "content": "fileinfo", "action": "EXPORT"}
    response = post(classic, params)
    assert (response.status_code, response.get_data()) == (
        200,
        b'{"size":%d,"name":"consent.pdf"}' % len(PDF_BYTES),
    )


def test_no_api_export_right_is_403(classic: FlaskClient) -> None:
    assert_error(post(classic, export_params(T["no_api_export"])), 403, xml_error(NO_API_EXPORT))


# ---------------------------------------------------------------------------------------------------------
# Order: when two checks fail, the earlier one answers.


def test_order_non_post_before_everything(classic: FlaskClient) -> None:
    response = classic.get("/api/", query_string={"token": "x-y", "content": "FILE", "returnFormat": "json"})
    assert_error(response, 501, xml_error(METHOD_NOT_IMPLEMENTED))


def test_order_bad_token_before_bad_content(classic: FlaskClient) -> None:
    response = post(classic, {**export_params(UNKNOWN_TOKEN), "content": "FILE"})
    assert_error(response, 403, xml_error(NO_PERMISSION))


def test_order_malformed_token_before_bad_content(classic: FlaskClient) -> None:
    response = post(classic, {**export_params("abc-def"), "content": "bogus"})
    assert_error(response, 403, xml_error(NO_PERMISSION))


def test_order_expired_before_bad_content(classic: FlaskClient) -> None:
    response = post(classic, {**export_params(T["expired"]), "content": "bogus"})
    assert_error(response, 403, xml_error(EXPIRED.format(expiration=PAST.isoformat())))


def test_order_bad_content_before_no_api_export(classic: FlaskClient) -> None:
    response = post(classic, {**export_params(T["no_api_export"]), "content": "bogus"})
    assert_error(response, 400, xml_error(CONTENT_INVALID))


def test_order_bad_content_before_bad_action(classic: FlaskClient) -> None:
    response = post(classic, {**export_params(T["full"]), "content": "bogus", "action": "foo"})
    assert_error(response, 400, xml_error(CONTENT_INVALID))


def test_order_bad_action_before_no_api_export(classic: FlaskClient) -> None:
    response = post(classic, {**export_params(T["no_api_export"]), "action": "foo"})
    assert_error(response, 400, xml_error(ACTION_INVALID))


def test_order_no_api_export_before_no_access_export_rights(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["no_access_no_api_export"]))
    assert_error(response, 403, xml_error(NO_API_EXPORT))


def test_order_no_access_before_bad_event(longitudinal: FlaskClient) -> None:
    response = post(longitudinal, export_params(LONG_TOKENS["no_access"], event="bogus"))
    assert_error(response, 403, xml_error(NO_ACCESS))


def test_order_identifier_before_bad_event(longitudinal: FlaskClient) -> None:
    response = post(longitudinal, export_params(LONG_TOKENS["deid"], event="bogus"))
    assert_error(response, 403, xml_error(IDENTIFIER))


def test_order_no_access_before_non_file_field(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["no_access"], field="age"))
    assert_error(response, 403, xml_error(NO_ACCESS))


def test_order_identifier_before_missing_record(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["deid"], record="999"))
    assert_error(response, 403, xml_error(IDENTIFIER))


def test_order_bad_event_before_missing_record(longitudinal: FlaskClient) -> None:
    response = post(longitudinal, export_params(LONG_TOKENS["full"], record="999", event="bogus"))
    assert_error(response, 400, xml_error(INVALID_EVENT))


def test_order_missing_record_before_non_file_field(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"], record="999", field="age"))
    assert_error(response, 400, xml_error(record_missing_15("999")))


def test_order_non_file_field_before_empty_value(classic: FlaskClient) -> None:
    # Record 2 exists and has no file anywhere: the field check (E6) answers before E7.
    response = post(classic, export_params(T["full"], record="2", field="age"))
    assert_error(response, 400, xml_error(field_not_file("age")))


def test_order_unknown_field_before_empty_value(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"], record="2", field="nope"))
    assert_error(response, 400, xml_error(field_not_file("nope")))


# ---------------------------------------------------------------------------------------------------------
# §1.2: returnFormat, then format (exactly json/csv/odm), then xml. Observed on a bad-token error.

XML_403 = (XML_TYPE, xml_error(NO_PERMISSION))
JSON_403 = (JSON_TYPE, json_error(NO_PERMISSION))
CSV_403 = (CSV_TYPE, csv_error(NO_PERMISSION))


@pytest.mark.parametrize(
    ("formats", "expected"),
    [
        ({}, XML_403),
        ({"returnFormat": "json"}, JSON_403),
        ({"returnFormat": "JSON"}, JSON_403),
        ({"returnFormat": "Csv"}, CSV_403),
        ({"returnFormat": "xml"}, XML_403),
        ({"format": "JSON"}, XML_403),
        ({"format": "json"}, JSON_403),
        ({"format": "csv"}, CSV_403),
        ({"format": "CSV"}, XML_403),
        ({"format": "odm"}, XML_403),
        ({"format": "xml"}, XML_403),
        ({"returnFormat": "garbage"}, XML_403),
        ({"returnFormat": "garbage", "format": "json"}, XML_403),
        ({"returnFormat": "odm"}, XML_403),
        ({"returnFormat": "csv", "format": "json"}, CSV_403),
        ({"returnFormat": "xml", "format": "json"}, XML_403),
        ({"returnFormat": "", "format": "json"}, JSON_403),
        ({"returnFormat": "", "format": "csv"}, CSV_403),
        ({"returnFormat": " json"}, XML_403),
    ],
    ids=lambda v: json.dumps(v) if isinstance(v, dict) else "",
)
def test_return_format_choice(
    classic: FlaskClient, formats: dict[str, str], expected: tuple[str, bytes]
) -> None:
    ctype, body = expected
    assert_error(post(classic, {"token": UNKNOWN_TOKEN, **formats}), 403, body, ctype)


def test_return_format_applies_to_method_errors_too(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"], record="2", returnFormat="csv"))
    assert_error(response, 400, b"ERROR: There is no file to download for this record", CSV_TYPE)
