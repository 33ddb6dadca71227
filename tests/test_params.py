"""PHP's `$_POST` as `fake_redcap.params` emulates it: what a client can observe through the API, and the
parser's own rules."""

from __future__ import annotations

import urllib.parse

import pytest
from flask.testing import FlaskClient

from fake_redcap.params import ArrayParam, Params, parse_urlencoded
from tests.conftest import Worlds, api
from tests.support import CLASSIC_TOKENS as T
from tests.support import (
    JSON_TYPE,
    LAB_TWO,
    LAB_TWO_NAME,
    NO_PERMISSION,
    PDF_BYTES,
    XML_HEAD,
    assert_error,
    assert_file,
    export_params,
    post,
    post_raw,
    record_missing_15,
    xml_error,
)

CONSENT_TYPE = 'application/pdf; name="consent.pdf"'
UNKNOWN_ERROR_PARAMETERS = "An unknown error occurred. Please check your API parameters."  # V15 API.php


def encode(pairs: list[tuple[str, str]]) -> bytes:
    return urllib.parse.urlencode(pairs).encode()


# ---------------------------------------------------------------------------------------------------------
# Through the API


def test_last_duplicate_wins(classic: FlaskClient) -> None:
    pairs = [*export_params(T["full"], record="999").items(), ("record", "1")]
    assert_file(post(classic, pairs), PDF_BYTES, CONSENT_TYPE)


def test_last_duplicate_wins_the_other_way_round(classic: FlaskClient) -> None:
    pairs = [*export_params(T["full"]).items(), ("record", "999")]
    assert_error(post(classic, pairs), 400, xml_error(record_missing_15("999")))


def test_last_duplicate_wins_in_multipart_too(classic: FlaskClient) -> None:
    pairs = [("token", "bad-token"), *export_params(T["full"]).items()]
    assert_file(post(classic, pairs, multipart=True), PDF_BYTES, CONSENT_TYPE)


def test_last_duplicate_token_decides(classic: FlaskClient) -> None:
    pairs = [*export_params(T["full"]).items(), ("token", "")]
    assert_error(post(classic, pairs), 403, xml_error(NO_PERMISSION))


def test_array_field_is_a_php_8_type_error_in_redcap_15(classic: FlaskClient) -> None:
    # $Proj->metadata[$fieldName] with an array (V15 export.php:51): REDCap's fatal-error answer.
    pairs = [(k, v) for k, v in export_params(T["full"]).items() if k != "field"] + [
        ("field[0]", "consent_form")
    ]
    assert_error(post(classic, pairs), 400, xml_error(UNKNOWN_ERROR_PARAMETERS))


def test_array_field_before_redcap_15_is_read_as_php_7_reads_it(worlds: Worlds) -> None:
    # REDCap 13/14 allow PHP 7, where an array as a key is only a warning. REDCap 14 then finds the field
    # through db_escape's one-element unwrap; REDCap 13 looks for the field "Array".
    pairs = [(k, v) for k, v in export_params(T["full"]).items() if k != "field"] + [
        ("field[0]", "consent_form")
    ]
    assert_file(post(api(worlds.classic("14.5.11")), pairs), PDF_BYTES, CONSENT_TYPE)
    assert_error(
        post(api(worlds.classic("13.6.1")), pairs),
        400,
        xml_error("The field 'Array' does not exist or is not a 'file' field"),
    )


def test_a_one_element_array_record_is_that_record_from_redcap_14(
    classic: FlaskClient, worlds: Worlds
) -> None:
    # db_real_escape_string (V14+ init_functions.php) reads a one-element array as its element.
    pairs = [(k, v) for k, v in export_params(T["full"]).items() if k != "record"] + [("record[]", "1")]
    assert_file(post(classic, pairs), PDF_BYTES, CONSENT_TYPE)
    assert_file(post(api(worlds.classic("14.5.11")), pairs), PDF_BYTES, CONSENT_TYPE)
    # V13 passes the array to mysqli_real_escape_string: no record; the message shows "Array".
    older = post(api(worlds.classic("13.6.1")), pairs)
    assert_error(older, 400, xml_error("The record 'Array' does not exist"))


def test_a_longer_array_record_finds_nothing_and_shows_array(classic: FlaskClient) -> None:
    pairs = [(k, v) for k, v in export_params(T["full"]).items() if k != "record"]
    pairs += [("record[0]", "1"), ("record[1]", "2")]
    assert_error(post(classic, pairs), 400, xml_error(record_missing_15("Array")))


def test_array_token_is_a_php_8_type_error_in_redcap_15(classic: FlaskClient, worlds: Worlds) -> None:
    # preg_match() on an array (RestUtility::processRequest) throws in PHP 8.
    pairs = [(k, v) for k, v in export_params(T["full"]).items() if k != "token"] + [("token[]", T["full"])]
    assert_error(post(classic, pairs), 400, xml_error(UNKNOWN_ERROR_PARAMETERS))
    # Before REDCap 15 the fake reads it as PHP 7 does: "Array" passes the format check, no user's token.
    assert_error(post(api(worlds.classic("14.5.11")), pairs), 403, xml_error(NO_PERMISSION))


def test_scalar_after_array_replaces_it(classic: FlaskClient) -> None:
    pairs = [*export_params(T["full"]).items(), ("record[0]", "x"), ("record", "1")]
    assert_file(post(classic, pairs), PDF_BYTES, CONSENT_TYPE)


def test_dots_and_spaces_in_names_become_underscores(classic: FlaskClient) -> None:
    pairs = [*export_params(T["full"], field="lab_report").items(), ("repeat.instance", "2")]
    assert_file(post(classic, pairs), LAB_TWO.encode(), f'text/csv; name="{LAB_TWO_NAME}";charset=UTF-8')
    pairs = [*export_params(T["full"], field="lab_report").items(), ("repeat instance", "2")]
    assert_file(post(classic, pairs), LAB_TWO.encode(), f'text/csv; name="{LAB_TWO_NAME}";charset=UTF-8')


def test_leading_spaces_of_a_name_are_dropped(classic: FlaskClient) -> None:
    pairs = [(f"  {k}", v) for k, v in export_params(T["full"]).items()]
    assert_file(post(classic, pairs), PDF_BYTES, CONSENT_TYPE)


def test_plus_is_a_space_and_percent_escapes_decode(classic: FlaskClient) -> None:
    body = encode(list(export_params(T["full"]).items())).replace(b"record=1", b"record=%31+")
    assert_file(post_raw(classic, body), PDF_BYTES, CONSENT_TYPE)  # "1 ": trailing space ignored


def test_names_are_case_sensitive(classic: FlaskClient) -> None:
    pairs = [("Token" if k == "token" else k, v) for k, v in export_params(T["full"]).items()]
    assert_error(post(classic, pairs), 403, xml_error(NO_PERMISSION))


def test_empty_pieces_and_keys_without_values_are_harmless(classic: FlaskClient) -> None:
    body = b"&&=x&novalue&" + encode(list(export_params(T["full"]).items())) + b"&&"
    assert_file(post_raw(classic, body), PDF_BYTES, CONSENT_TYPE)


def test_invalid_utf8_record_round_trips_raw_in_13_xml(worlds: Worlds) -> None:
    body = encode(list(export_params(T["full"]).items())).replace(b"record=1", b"record=%FF%FEab%C3")
    response = post_raw(api(worlds.classic("13.6.1")), body)
    expected = XML_HEAD.encode() + b"<hash><error>The record '\xff\xfeab\xc3' does not exist</error></hash>"
    assert_error(response, 400, expected)


def test_invalid_utf8_record_round_trips_raw_in_13_csv(worlds: Worlds) -> None:
    body = encode([*export_params(T["full"]).items(), ("returnFormat", "csv")]).replace(
        b"record=1", b"record=%FF"
    )
    response = post_raw(api(worlds.classic("13.6.1")), body)
    assert (response.status_code, response.get_data()) == (400, b"ERROR: The record '\xff' does not exist")


def test_invalid_utf8_record_is_emptied_by_rcview_escape_in_15(classic: FlaskClient) -> None:
    # htmlspecialchars returns "" for invalid UTF-8 (no ENT_SUBSTITUTE).
    body = encode(list(export_params(T["full"]).items())).replace(b"record=1", b"record=%FF%FE")
    assert_error(post_raw(classic, body), 400, xml_error(record_missing_15("")))


def test_invalid_utf8_in_a_json_message_gives_an_empty_body(worlds: Worlds) -> None:
    # json_encode fails on invalid UTF-8 and PHP echoes false as "" (reference §7 question 8).
    body = encode([*export_params(T["full"]).items(), ("returnFormat", "json")]).replace(
        b"record=1", b"record=%FF"
    )
    response = post_raw(api(worlds.classic("13.6.1")), body)
    assert_error(response, 400, b"", JSON_TYPE)


def test_invalid_utf8_in_the_token_is_malformed(classic: FlaskClient) -> None:
    body = encode(list(export_params(T["full"]).items())).replace(b"token=", b"token=%FF")
    assert_error(post_raw(classic, body), 403, xml_error(NO_PERMISSION))


# ---------------------------------------------------------------------------------------------------------
# The parser itself


def test_parse_urlencoded_keeps_order_duplicates_and_raw_bytes() -> None:
    assert parse_urlencoded(b"a=1&a=2&b=%FF&c=x+y&d&=e") == [
        ("a", "1"),
        ("a", "2"),
        ("b", "\udcff"),
        ("c", "x y"),
        ("d", ""),
        ("", "e"),
    ]


def test_params_last_duplicate_wins_and_empty_names_are_dropped() -> None:
    params = Params.from_pairs([("a", "1"), ("a", "2"), ("", "x")])
    assert dict(params) == {"a": "2"}


def test_params_arrays() -> None:
    params = Params.from_pairs([("f[0]", "x"), ("f[1]", "y"), ("g[]", "z"), ("h[a]", "w")])
    assert params["f"] == ArrayParam((("0", "x"), ("1", "y")))
    assert params["g"] == ArrayParam((("", "z"),))
    assert params["h"] == ArrayParam((("a", "w"),))
    assert (params.text("f"), params.text("g"), params.text("missing")) == ("Array", "Array", "")


def test_params_php_name_mangling() -> None:
    params = Params.from_pairs([("a.b", "1"), ("c d", "2"), ("  e", "3"), ("f[g", "4")])
    assert dict(params) == {"a_b": "1", "c_d": "2", "e": "3", "f_g": "4"}


@pytest.mark.parametrize(("value", "present"), [(None, False), ("", False), ("0", True), (" ", True)])
def test_params_present(value: str | None, present: bool) -> None:
    params = Params.from_pairs([] if value is None else [("x", value)])
    assert params.present("x") is present


def test_json_body_is_not_params_even_with_a_urlencoded_looking_text(classic: FlaskClient) -> None:
    body = encode(list(export_params(T["full"]).items()))
    response = classic.post("/api/", data=body, content_type="application/json")
    assert_error(response, 403, xml_error(NO_PERMISSION))


def test_urlencoded_with_a_charset_parameter_is_still_urlencoded(classic: FlaskClient) -> None:
    body = encode(list(export_params(T["full"]).items()))
    response = classic.post(
        "/api/", data=body, content_type="application/x-www-form-urlencoded; charset=UTF-8"
    )
    assert_file(response, PDF_BYTES, CONSENT_TYPE)
