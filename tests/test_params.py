"""PHP's `$_POST` as `fake_redcap.params` emulates it: what a client can observe through the API, and the
parser's own rules."""

from __future__ import annotations

import contextlib
import signal
import urllib.parse
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from fake_redcap import messages
from fake_redcap.params import ArrayParam, Params, parse_urlencoded
from tests.support import CLASSIC_TOKENS as T
from tests.support import (
    JSON_TYPE,
    LAB_TWO,
    LAB_TWO_NAME,
    NO_PERMISSION,
    PDF_BYTES,
    XML_HEAD,
    Worlds,
    api,
    assert_error,
    assert_file,
    export_params,
    post,
    post_raw,
    record_missing_15,
    xml_error,
)

CONSENT_TYPE = 'application/pdf; name="consent.pdf"'
UNKNOWN_ERROR_PARAMETERS = messages.UNKNOWN_ERROR_PARAMETERS  # V15 API.php


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


def test_invalid_utf8_record_becomes_replacement_characters_in_15(classic: FlaskClient) -> None:
    # htmlspecialchars returns "" for invalid UTF-8, and RCView::escape then falls back to ENT_SUBSTITUTE:
    # one U+FFFD per invalid byte here (V15 RCView.php:682-686; source audit 2026-11 #41).
    body = encode(list(export_params(T["full"]).items())).replace(b"record=1", b"record=%FF%FE")
    assert_error(post_raw(classic, body), 400, xml_error(record_missing_15("\ufffd\ufffd")))


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


# ---------------------------------------------------------------------------------------------------------
# Linear parsing and PHP's input limits


class CountingArrayParam(ArrayParam):
    """Counts the array items every ArrayParam is built with: the parser's work on `x[]=` pieces."""

    built = 0

    def __init__(self, items: tuple[tuple[str, str], ...]) -> None:
        type(self).built += len(items)
        object.__setattr__(self, "items", items)


def test_array_pieces_cost_one_item_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """An operation count, not a clock: building `x` from 4000 `x[]=` pieces handles 4000 items. The
    parser this replaced rebuilt the whole array for every piece (8 002 000 items here; 100 000 pieces
    took minutes), which this count catches without depending on the machine's speed."""
    monkeypatch.setattr("fake_redcap.params.ArrayParam", CountingArrayParam)
    CountingArrayParam.built = 0
    params = Params.from_pairs(("x[]", str(i)) for i in range(4000))
    assert CountingArrayParam.built == 4000
    assert len(params["x"].items) == 4000  # type: ignore[union-attr]


def test_a_hundred_thousand_pieces_parse_before_a_hang_guard(classic: FlaskClient) -> None:
    """100 000 `x[]=` pieces (1.5 MB), end to end and through the parser alone. Nothing is timed: the
    guard is a hang guard (SIGALRM after 120 s) that the old quadratic parser hit (it needed minutes)
    and a linear one cannot come near (well under a second here, even on a loaded 2-core machine)."""
    body = b"&".join(b"x[]=%d" % i for i in range(100_000))
    with hang_guard(120):
        pairs = parse_urlencoded(body)
        params = Params.from_pairs(pairs)
        response = post_raw(classic, body + b"&" + encode(list(export_params(T["full"]).items())))
    assert params.count_recursive() == 100_001
    assert response.status_code == 400  # REDCap's max_input_vars answer, see below


@contextlib.contextmanager
def hang_guard(seconds: int) -> Iterator[None]:
    def fail(signum: int, frame: object) -> None:
        raise AssertionError(f"still parsing after {seconds} s: not linear")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


MAX_INPUT_VARS_TEXT = (
    "The REDCap server has reached a maximum for the number of POST parameters submitted. Due to this "
    "error, if any data was just submitted, it was not saved. Please inform your local REDCap administrator "
    "that they should increase the 'max_input_vars' setting to a value of 10000 or higher in the web "
    "server's PHP.INI configuration file. The current value for 'max_input_vars' is 1000."
)


def test_urlencoded_keeps_the_first_1001_pieces_empty_ones_included() -> None:
    body = b"&".join([b"a=1", b"", b"b=2"] + [b"v%d=x" % i for i in range(2000)])
    pairs = parse_urlencoded(body, 1000)
    assert pairs[:2] == [("a", "1"), ("b", "2")]
    assert len(pairs) == 1000  # 1001 pieces, one of them empty
    assert parse_urlencoded(b"a=1&b=2&c=3&d=4", 2) == [("a", "1"), ("b", "2"), ("c", "3")]
    assert parse_urlencoded(b"a=1&", 1) == [("a", "1")]  # no empty last piece after a final '&'


def test_more_than_max_input_vars_is_redcaps_400_before_the_token(classic: FlaskClient) -> None:
    """1001 values: count($_POST, COUNT_RECURSIVE) > 1000 (V15 Classes/System.php:367-376)."""
    pairs = [*export_params(T["full"]).items(), ("returnFormat", "json")]
    pairs += [(f"v{i}", "x") for i in range(1001 - len(pairs))]
    response = post(classic, pairs)
    assert response.status_code == 400
    assert response.get_json() == {"error": MAX_INPUT_VARS_TEXT}


def test_exactly_max_input_vars_values_pass(classic: FlaskClient) -> None:
    pairs = list(export_params(T["full"]).items())
    pairs += [(f"v{i}", "x") for i in range(1000 - len(pairs))]
    assert_file(post(classic, pairs), PDF_BYTES, CONSENT_TYPE)


def test_array_elements_count_towards_max_input_vars(classic: FlaskClient) -> None:
    """995 values of which one array of 6 pieces: count_recursive = 994 + 1 + 6 = 1001."""
    pairs = list(export_params(T["full"]).items())
    pairs += [(f"v{i}", "x") for i in range(994 - len(pairs))] + [("arr[]", str(i)) for i in range(6)]
    assert post(classic, pairs).status_code == 400


def test_redcap_7_has_no_max_input_vars_check(worlds: Worlds) -> None:
    """V7.1.2 has no checkPostParamCount: PHP's truncation alone decides (the token came last: 403)."""
    pairs = [(f"v{i}", "x") for i in range(1500)] + list(export_params(T["full"]).items())
    assert_error(post(api(worlds.classic("7.1.2")), pairs), 403, xml_error(NO_PERMISSION))


@pytest.mark.parametrize(
    ("body", "count"),
    [
        # each observed with php-cgi 8.2: count($_POST, COUNT_RECURSIVE)
        (b"a[b][c]=1&a[b][d]=2&a[]=3&x[5]=a&x[]=b&y[]=a&y[0]=b&z=1&z[]=2&w[]=1&w=2", 13),
        (b"a=1&a=2&b[]=1&b[]=1", 4),
        (b"a[x]=1&a[x]=2", 2),
        (b"a[05]=1&a[5]=2&a[]=3", 4),
    ],
)
def test_count_recursive_is_phps(body: bytes, count: int) -> None:
    assert Params.from_pairs(parse_urlencoded(body)).count_recursive() == count


def test_nesting_deeper_than_64_drops_the_whole_variable() -> None:
    """PHP (max_input_nesting_level 64) deletes the top-level variable, earlier pieces included; a later
    piece may create it again."""
    deep = "a" + "[k]" * 65
    ok = "b" + "[k]" * 64
    params = Params.from_pairs([("a[z]", "1"), (deep, "2"), ("e", "3"), (ok, "4")])
    assert dict(params) == {"e": "3", "b": ArrayParam((("k", "4"),))}
    again = Params.from_pairs([(deep, "2"), ("a[z]", "1")])
    assert again["a"] == ArrayParam((("z", "1"),))


def test_php_key_parsing_edge_cases() -> None:
    """As php-cgi 8.2 parses them."""
    params = Params.from_pairs([("[x]", "1"), ("a[b]c[d]", "2"), ("f[g][h", "3"), ("k[ ]", "4")])
    assert dict(params) == {
        "a": ArrayParam((("b", "2"),)),  # text after ']' that is not '[' ends the key
        "f": ArrayParam((("g", "3"),)),  # an unterminated later '[' is ignored
        "k": ArrayParam((("", "4"),)),  # one blank between brackets appends, as `[]`
    }  # "[x]": no name before '[': PHP ignores it
