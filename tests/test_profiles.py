"""Version profiles: every difference of the reference's version table (§1.4) on the export path, and how
a profile is chosen (`redcap_version` in the fixture, or the `--redcap-version` override)."""

from __future__ import annotations

import pytest

from fake_redcap import FakeState
from fake_redcap.messages import Profile
from tests.support import (
    ACTION_INVALID,
    CSV_TYPE,
    HTML_TYPE,
    IDENTIFIER,
    JSON_TYPE,
    NO_ACCESS,
    NO_API_EXPORT,
    NO_PERMISSION,
    PDF_BYTES,
    UNKNOWN_TOKEN,
    MakeState,
    Worlds,
    api,
    assert_error,
    assert_file,
    classic_fixture,
    export_params,
    field_not_file,
    post,
    record_missing_13,
    record_missing_15,
    xml_error,
)
from tests.support import CLASSIC_TOKENS as T

OLD = ["7.1.2", "10.0.13", "13.6.1"]
NEW = ["14.5.11", "15.7.6"]


# ---------------------------------------------------------------------------------------------------------
# E5 record message: '<rec>' raw up to 13.x, "<rec>" RCView-escaped from 14.x


@pytest.mark.parametrize("version", OLD)
def test_record_missing_is_single_quoted_up_to_13(worlds: Worlds, version: str) -> None:
    response = post(api(worlds.classic(version)), export_params(T["full"], record="999"))
    assert_error(response, 400, xml_error(record_missing_13("999")))
    assert response.get_data().endswith(b"<error>The record '999' does not exist</error></hash>")


@pytest.mark.parametrize("version", NEW)
def test_record_missing_is_double_quoted_from_14(worlds: Worlds, version: str) -> None:
    response = post(api(worlds.classic(version)), export_params(T["full"], record="999"))
    assert_error(response, 400, xml_error('The record "999" does not exist'))


@pytest.mark.parametrize("version", OLD)
def test_record_missing_is_raw_up_to_13(worlds: Worlds, version: str) -> None:
    record = "x\"y'z<b>&amp;"
    response = post(api(worlds.classic(version)), export_params(T["full"], record=record))
    assert_error(response, 400, xml_error(record_missing_13(record)))


@pytest.mark.parametrize("version", NEW)
def test_record_missing_is_rcview_escaped_from_14(worlds: Worlds, version: str) -> None:
    response = post(api(worlds.classic(version)), export_params(T["full"], record="x\"y'z<b>&amp;"))
    assert_error(response, 400, xml_error(record_missing_15("x&quot;y&#039;z&amp;")))


def test_record_missing_json_in_13_keeps_the_single_quotes_raw(worlds: Worlds) -> None:
    response = post(
        api(worlds.classic("13.6.1")), export_params(T["full"], record="9/9", returnFormat="json")
    )
    assert_error(response, 400, b'{"error":"The record \'9\\/9\' does not exist"}', JSON_TYPE)


def test_record_missing_json_in_15_escapes_the_double_quotes(worlds: Worlds) -> None:
    response = post(
        api(worlds.classic("15.7.6")), export_params(T["full"], record="9/9", returnFormat="json")
    )
    assert_error(response, 400, b'{"error":"The record \\"9\\/9\\" does not exist"}', JSON_TYPE)


# ---------------------------------------------------------------------------------------------------------
# E6 field message: raw up to 13.x, RCView-escaped from 14.x


@pytest.mark.parametrize("version", OLD)
def test_field_message_is_raw_up_to_13(worlds: Worlds, version: str) -> None:
    field = "a<b>\"c'&d"
    response = post(api(worlds.classic(version)), export_params(T["full"], field=field))
    assert_error(response, 400, xml_error(field_not_file(field)))


@pytest.mark.parametrize("version", NEW)
def test_field_message_is_rcview_escaped_from_14(worlds: Worlds, version: str) -> None:
    response = post(api(worlds.classic(version)), export_params(T["full"], field="a<b>\"c'&d"))
    assert_error(response, 400, xml_error(field_not_file("a&quot;c&#039;&amp;d")))


def test_field_message_json_in_13(worlds: Worlds) -> None:
    params = export_params(T["full"], field='a"b', returnFormat="json")
    response = post(api(worlds.classic("13.6.1")), params)
    expected = b'{"error":"The field \'a\\"b\' does not exist or is not a \'file\' field"}'
    assert_error(response, 400, expected, JSON_TYPE)


def test_field_message_json_in_15(worlds: Worlds) -> None:
    params = export_params(T["full"], field='a"b', returnFormat="json")
    response = post(api(worlds.classic("15.7.6")), params)
    expected = b"{\"error\":\"The field 'a&quot;b' does not exist or is not a 'file' field\"}"
    assert_error(response, 400, expected, JSON_TYPE)


# ---------------------------------------------------------------------------------------------------------
# csv error type, action case check


def test_csv_error_type_is_text_html_in_7(worlds: Worlds) -> None:
    response = post(api(worlds.classic("7.1.2")), export_params(T["full"], record="999", returnFormat="csv"))
    assert_error(response, 400, b"ERROR: The record '999' does not exist", HTML_TYPE)


@pytest.mark.parametrize("version", ["10.0.13", "13.6.1", *NEW])
def test_csv_error_type_is_text_csv_from_10(worlds: Worlds, version: str) -> None:
    response = post(api(worlds.classic(version)), {"token": UNKNOWN_TOKEN, "returnFormat": "csv"})
    assert_error(response, 403, b"ERROR: " + NO_PERMISSION.encode(), CSV_TYPE)


@pytest.mark.parametrize(
    ("version", "case_sensitive"), [("7.1.2", False), ("10.0.13", False), ("13.6.1", True)]
)
def test_second_case_sensitive_action_check_from_13(
    worlds: Worlds, version: str, case_sensitive: bool
) -> None:
    params = {**export_params(T["no_api_export"]), "action": "Export"}
    response = post(api(worlds.classic(version)), params)
    if case_sensitive:
        assert_error(response, 400, xml_error(ACTION_INVALID))
    else:
        assert_error(response, 403, xml_error(NO_API_EXPORT))


# ---------------------------------------------------------------------------------------------------------
# What does not change between profiles


@pytest.mark.parametrize("version", [*OLD, *NEW])
def test_export_rights_checks_in_every_profile(worlds: Worlds, version: str) -> None:
    client = api(worlds.classic(version))
    assert_error(post(client, export_params(T["no_access"])), 403, xml_error(NO_ACCESS))
    assert_error(post(client, export_params(T["deid"])), 403, xml_error(IDENTIFIER))
    assert_error(post(client, export_params(T["no_api_export"])), 403, xml_error(NO_API_EXPORT))
    assert_file(
        post(client, export_params(T["form_deid_remove"])), PDF_BYTES, 'application/pdf; name="consent.pdf"'
    )


@pytest.mark.parametrize("version", [*OLD, *NEW])
def test_success_bytes_and_type_are_the_same_in_every_profile(worlds: Worlds, version: str) -> None:
    response = post(api(worlds.classic(version)), export_params(T["full"]))
    assert_file(response, PDF_BYTES, 'application/pdf; name="consent.pdf"')


# ---------------------------------------------------------------------------------------------------------
# Choosing the profile


@pytest.mark.parametrize("version", [*OLD, *NEW])
def test_version_content_answers_the_fixture_version(worlds: Worlds, version: str) -> None:
    response = post(api(worlds.classic(version)), {"token": T["full"], "content": "version"})
    assert (response.status_code, response.get_data()) == (200, version.encode())


def test_redcap_version_override_replaces_the_fixture_version(make_state: MakeState) -> None:
    from tests.support import CLASSIC_EXTRA_FILES

    state = make_state(classic_fixture("15.7.6"), CLASSIC_EXTRA_FILES, redcap_version="13.6.1")
    client = api(state)
    response = post(client, {"token": T["full"], "content": "version"})
    assert response.get_data() == b"13.6.1"
    assert_error(
        post(client, export_params(T["full"], record="999")), 400, xml_error(record_missing_13("999"))
    )


def test_fixture_without_a_version_is_15_7_6(make_state: MakeState) -> None:
    from tests.support import CLASSIC_EXTRA_FILES

    doc = classic_fixture()
    del doc["redcap_version"]
    state: FakeState = make_state(doc, CLASSIC_EXTRA_FILES)
    response = post(api(state), {"token": T["full"], "content": "version"})
    assert (response.status_code, response.get_data()) == (200, b"15.7.6")


def test_newer_unknown_version_behaves_like_15(worlds: Worlds) -> None:
    response = post(api(worlds.classic("16.1.3")), export_params(T["full"], record="999"))
    assert_error(response, 400, xml_error('The record "999" does not exist'))


@pytest.mark.parametrize("text", ["abc", "15.7", "15.7.6.1", "", "v15.7.6"])
def test_profile_refuses_a_malformed_version(text: str) -> None:
    with pytest.raises(ValueError, match="version"):
        Profile.for_version(text)


def test_profile_refuses_a_version_older_than_7() -> None:
    with pytest.raises(ValueError, match="older than the oldest profile"):
        Profile.for_version("5.2.3")
