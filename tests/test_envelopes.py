"""What goes back on the wire: the error envelopes of §2 and the success responses of §3.

Envelope bodies and Content-type values are compared whole. Download headers are checked both through
the Flask test client and on a real socket, where the name's raw UTF-8 bytes and the chunked body can be
seen as sent.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeServer, FakeState, create_app, messages
from tests.support import CLASSIC_TOKENS as T
from tests.support import (
    CSV_TYPE,
    DOWNLOAD_CSP,
    GLOBAL_CSP,
    GLOBAL_HEADERS,
    HTML_TYPE,
    JSON_TYPE,
    LAB_ONE,
    NO_FILE,
    NO_PERMISSION,
    PDF_BYTES,
    PERMISSIONS_POLICY,
    UNICODE_NAME,
    UNKNOWN_TOKEN,
    V15_ONLY_HEADERS,
    XML_HEAD,
    XML_TYPE,
    MakeState,
    Worlds,
    api,
    assert_error,
    assert_file,
    classic_fixture,
    csv_error,
    demo_files,
    expected_content_type,
    export_params,
    json_error,
    post,
    tok,
    wire_post,
    xml_error,
)

NOT_IMPLEMENTED = messages.NOT_IMPLEMENTED_BY_FAKE


# ---------------------------------------------------------------------------------------------------------
# §2 error envelopes: xml


def test_xml_envelope_is_exact_with_no_newline_and_one_space_before_the_question_mark(
    classic: FlaskClient,
) -> None:
    response = post(classic, {"token": UNKNOWN_TOKEN})
    body = response.get_data()
    assert body == (
        b'<?xml version="1.0" encoding="UTF-8" ?><hash><error>' + NO_PERMISSION.encode() + b"</error></hash>"
    )
    assert not body.endswith(b"\n")
    assert response.headers["Content-type"] == XML_TYPE


def test_xml_envelope_does_not_escape_the_message_in_13(worlds: Worlds) -> None:
    # 13.x: the record goes into the message raw, and xml does not escape it either.
    response = post(api(worlds.classic("13.6.1")), export_params(T["full"], record="a<b>&c"))
    assert_error(
        response, 400, f"{XML_HEAD}<hash><error>The record 'a<b>&c' does not exist</error></hash>".encode()
    )


def test_xml_envelope_shows_the_rcview_escaped_record_in_15(classic: FlaskClient) -> None:
    # 15.x: RCView::escape = html-decode, strip tags (`<b>` goes), htmlspecialchars(ENT_QUOTES).
    response = post(classic, export_params(T["full"], record="a<b>&c"))
    assert_error(response, 400, xml_error('The record "a&amp;c" does not exist'))


def test_xml_envelope_escapes_quotes_in_15_through_rcview(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"], record='it\'s "x"'))
    assert_error(response, 400, xml_error('The record "it&#039;s &quot;x&quot;" does not exist'))


def test_xml_envelope_decodes_entities_before_escaping_in_15(classic: FlaskClient) -> None:
    # html-decode first: `&amp;` stays one `&amp;`, and `&lt;i&gt;` becomes a tag that strip_tags drops.
    response = post(classic, export_params(T["full"], record="&lt;i&gt;a&amp;b"))
    assert_error(response, 400, xml_error('The record "a&amp;b" does not exist'))


# ---------------------------------------------------------------------------------------------------------
# §2 json: PHP json_encode with default flags


def test_json_envelope_is_exact_with_no_space_and_no_newline(classic: FlaskClient) -> None:
    response = post(classic, {"token": UNKNOWN_TOKEN, "returnFormat": "json"})
    assert_error(response, 403, json_error(NO_PERMISSION), JSON_TYPE)
    assert not response.get_data().endswith(b"\n")


def test_json_envelope_escapes_double_quotes_and_slashes(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"], record="x/y", returnFormat="json"))
    assert_error(response, 400, b'{"error":"The record \\"x\\/y\\" does not exist"}', JSON_TYPE)


def test_json_envelope_escapes_non_ascii_as_lower_case_u_escapes(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"], record="é報😀", returnFormat="json"))
    expected = b'{"error":"The record \\"\\u00e9\\u5831\\ud83d\\ude00\\" does not exist"}'
    assert_error(response, 400, expected, JSON_TYPE)


def test_json_envelope_escapes_backslashes_and_control_characters(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"], record="a\\b\tc\nd\x01", returnFormat="json"))
    expected = b'{"error":"The record \\"a\\\\b\\tc\\nd\\u0001\\" does not exist"}'
    assert_error(response, 400, expected, JSON_TYPE)


def test_json_envelope_keeps_single_quotes_and_ampersands_raw_in_13(worlds: Worlds) -> None:
    response = post(
        api(worlds.classic("13.6.1")), export_params(T["full"], record="a'&<b>", returnFormat="json")
    )
    assert_error(response, 400, b'{"error":"The record \'a\'&<b>\' does not exist"}', JSON_TYPE)


# ---------------------------------------------------------------------------------------------------------
# §2 csv


def test_csv_envelope_is_error_prefix_and_message(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"], record="2", returnFormat="csv"))
    assert_error(response, 400, b"ERROR: There is no file to download for this record", CSV_TYPE)
    assert not response.get_data().endswith(b"\n")


def test_csv_envelope_is_raw_utf8_without_any_escaping(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"], record='é"/x', returnFormat="csv"))
    assert_error(response, 400, 'ERROR: The record "é&quot;/x" does not exist'.encode(), CSV_TYPE)


def test_csv_errors_are_text_html_in_7(worlds: Worlds) -> None:
    response = post(api(worlds.classic("7.1.2")), {"token": UNKNOWN_TOKEN, "returnFormat": "csv"})
    assert_error(response, 403, csv_error(NO_PERMISSION), HTML_TYPE)


def test_csv_errors_are_text_csv_from_10(worlds: Worlds) -> None:
    response = post(api(worlds.classic("10.0.13")), export_params(T["full"], record="2", format="csv"))
    assert_error(response, 400, b"ERROR: There is no file to download for this record", CSV_TYPE)


# ---------------------------------------------------------------------------------------------------------
# §2 headers on errors


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"token": UNKNOWN_TOKEN}, 403),
        (export_params(T["full"], record="2"), 400),
        ({**export_params(T["full"]), "content": "bogus"}, 400),
    ],
)
def test_errors_carry_the_global_headers(classic: FlaskClient, params: dict[str, str], status: int) -> None:
    response = post(classic, params)
    assert response.status_code == status
    for name, value in GLOBAL_HEADERS.items():
        assert response.headers.getlist(name) == [value], name
    assert "Content-Disposition" not in response.headers
    assert "X-Powered-By" not in response.headers


def test_501_carries_the_global_headers(classic: FlaskClient) -> None:
    response = classic.get("/api/")
    assert response.status_code == 501
    for name, value in GLOBAL_HEADERS.items():
        assert response.headers.getlist(name) == [value], name


# ---------------------------------------------------------------------------------------------------------
# §3.1 success headers (Flask test client)


def test_download_content_type_is_mime_and_double_quoted_name(classic: FlaskClient) -> None:
    assert_file(post(classic, export_params(T["full"])), PDF_BYTES, 'application/pdf; name="consent.pdf"')


def test_download_of_a_text_type_gets_phps_charset(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"], field="lab_report"))
    assert_file(response, LAB_ONE.encode(), f'text/plain; name="{UNICODE_NAME}";charset=UTF-8')


def test_download_csp_replaces_the_global_policy_in_15(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"]))
    assert response.headers.getlist("Content-Security-Policy") == [DOWNLOAD_CSP]


def test_download_keeps_the_other_global_headers(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"]))
    for name, value in GLOBAL_HEADERS.items():
        if name != "Content-Security-Policy":
            assert response.headers.getlist(name) == [value], name


@pytest.mark.parametrize("version", ["14.5.11", "15.7.6"])
def test_download_csp_is_script_src_none_from_14(worlds: Worlds, version: str) -> None:
    response = post(api(worlds.classic(version)), export_params(T["full"]))
    assert response.status_code == 200
    assert response.headers.getlist("Content-Security-Policy") == [DOWNLOAD_CSP]


@pytest.mark.parametrize("version", ["13.6.1", "10.0.13", "7.1.2"])
def test_download_has_no_csp_before_14(worlds: Worlds, version: str) -> None:
    # No download CSP before 14 (RestUtility::sendFile) and no global CSP before 15 (System.php).
    response = post(api(worlds.classic(version)), export_params(T["full"]))
    assert response.status_code == 200
    assert response.headers.getlist("Content-Security-Policy") == []


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("15.7.6", list(GLOBAL_HEADERS)),
        ("14.5.11", [n for n in GLOBAL_HEADERS if n not in V15_ONLY_HEADERS]),
        ("13.6.1", [n for n in GLOBAL_HEADERS if n not in V15_ONLY_HEADERS]),
        ("10.0.13", [n for n in GLOBAL_HEADERS if n not in V15_ONLY_HEADERS]),
        ("7.1.2", ["Expires", "cache-control", "Pragma", "Access-Control-Allow-Origin"]),
    ],
)
def test_the_global_headers_per_version(worlds: Worlds, version: str, expected: list[str]) -> None:
    """V15 System.php:424-449 (Permissions-Policy's value at :433); V14.5.11 :407-415, V13.6.1 :376-383
    and V10.0.13 :196-202 setCacheControl send no Referrer-Policy, Permissions-Policy or global CSP; V7.1.2
    :131-133 a lower-case cache-control and no X-XSS-Protection (source audit 2026-11 #29)."""
    response = post(api(worlds.classic(version)), export_params(T["full"], record="nope"))
    names = [name for name, _ in response.headers if name not in ("Content-type", "Content-Length")]
    assert names == expected
    if version == "15.7.6":
        assert response.headers["Permissions-Policy"] == PERMISSIONS_POLICY


def _one_file_state(make_state: MakeState, name: str, mime: str | None) -> FakeState:
    spec: dict[str, str] = {"text": "x", "name": name}
    if mime is not None:
        spec["mime"] = mime
    return make_state(
        {
            "fields": [
                {"name": "record_id", "form": "f", "type": "text"},
                {"name": "doc", "form": "f", "type": "file"},
            ],
            "users": [{"username": "u", "token": tok(7), "data_export": "full"}],
            "records": [{"record": "1", "files": {"doc": spec}}],
        }
    )


@pytest.mark.parametrize(
    ("name", "mime", "expected"),
    [
        ("a.csv", None, 'text/csv; name="a.csv";charset=UTF-8'),
        ("page.html", "text/html", 'text/html; name="page.html";charset=UTF-8'),
        ("data.json", None, 'application/json; name="data.json"'),
        ("blob", None, 'application/octet-stream; name="blob"'),
        # PHP's prefix test is case-sensitive.
        ("upper.txt", "Text/Plain", 'Text/Plain; name="upper.txt"'),
        # PHP looks for `charset=` in the whole value: a name holding it suppresses the suffix.
        ("charset=latin1.txt", None, 'text/plain; name="charset=latin1.txt"'),
    ],
)
def test_download_charset_rule(make_state: MakeState, name: str, mime: str | None, expected: str) -> None:
    response = post(api(_one_file_state(make_state, name, mime)), export_params(tok(7), field="doc"))
    assert_file(response, b"x", expected)


@pytest.mark.parametrize(
    ("variant", "ctype", "disposition"),
    [
        ("redcap", 'application/pdf; name="consent.pdf"', None),
        ("single_quote", "application/pdf; name='consent.pdf'", None),
        ("unquoted", "application/pdf; name=consent.pdf", None),
        ("rfc5987", "application/pdf; name*=UTF-8''consent.pdf", None),
        (
            "content_disposition",
            "application/pdf",
            "attachment; filename=\"consent.pdf\"; filename*=UTF-8''consent.pdf",
        ),
    ],
)
def test_header_variants_of_create_app(
    worlds: Worlds, variant: str, ctype: str, disposition: str | None
) -> None:
    response = post(api(worlds.classic(), header_variant=variant), export_params(T["full"]))
    assert (response.status_code, response.get_data(), response.headers["Content-type"]) == (
        200,
        PDF_BYTES,
        ctype,
    )
    assert response.headers.get("Content-Disposition") == disposition


@pytest.mark.parametrize(
    ("variant", "ctype", "disposition"),
    [
        ("single_quote", f"text/plain; name='{UNICODE_NAME}';charset=UTF-8", None),
        (
            "rfc5987",
            "text/plain; name*=UTF-8''%E5%A0%B1%E5%91%8A%20%3B%20a%3Db%20%27x%27%20%C3%A9.txt;charset=UTF-8",
            None,
        ),
        (
            "content_disposition",
            "text/plain;charset=UTF-8",
            "attachment; filename=\"?? ; a=b 'x' ?.txt\"; "
            "filename*=UTF-8''%E5%A0%B1%E5%91%8A%20%3B%20a%3Db%20%27x%27%20%C3%A9.txt",
        ),
    ],
)
def test_header_variants_with_a_non_latin_name(
    worlds: Worlds, variant: str, ctype: str, disposition: str | None
) -> None:
    response = post(
        api(worlds.classic(), header_variant=variant), export_params(T["full"], field="lab_report")
    )
    assert response.status_code == 200
    assert response.headers["Content-type"].encode("latin-1") == ctype.encode()
    assert response.headers.get("Content-Disposition") == disposition


def test_unknown_header_variant_is_refused(worlds: Worlds) -> None:
    with pytest.raises(ValueError, match="header variant"):
        create_app(worlds.classic(), header_variant="bogus")
    with pytest.raises(ValueError, match="header variant"):
        FakeServer(worlds.classic(), header_variant="bogus")


# ---------------------------------------------------------------------------------------------------------
# What the fake does not implement says so; other routes


def test_unimplemented_content_is_a_marked_400(classic: FlaskClient) -> None:
    # content=fieldValidation: REDCap accepts it; the fake does not implement it.
    response = post(classic, {"token": T["full"], "content": "fieldValidation", "format": "json"})
    message = NOT_IMPLEMENTED.format(what="content=fieldValidation")
    assert_error(response, 400, b'{"error":"' + message.encode() + b'"}', JSON_TYPE)
    assert response.headers["X-Fake-REDCap-Not-Implemented"] == "content=fieldValidation"


@pytest.mark.parametrize("user", ["importer", "full"])
def test_import_app_meets_no_rights_check(classic: FlaskClient, user: str) -> None:
    # V15 API/index.php has no rights branch for import_app (source audit #15); import_app.php then wants
    # an upload. With one, the fake answers "not implemented" (tests/test_routing.py).
    response = post(classic, {**export_params(T[user]), "action": "import_app"})
    assert_error(response, 400, xml_error(messages.NO_VALID_FILE))
    assert "X-Fake-REDCap-Not-Implemented" not in response.headers


def test_errors_are_not_marked_as_unimplemented(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"], record="2"))
    assert_error(response, 400, xml_error(NO_FILE))
    assert "X-Fake-REDCap-Not-Implemented" not in response.headers


def test_version_content_answers_the_profile_version(classic: FlaskClient) -> None:
    response = post(classic, {"token": T["full"], "content": "version"})
    assert (response.status_code, response.get_data()) == (200, b"15.7.6")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_api_without_slash_redirects_to_api_slash(classic: FlaskClient, method: str) -> None:
    response = classic.open("/api", method=method)
    assert (response.status_code, response.headers["Location"]) == (301, "http://localhost/api/")


# ---------------------------------------------------------------------------------------------------------
# On the wire (a real server on 127.0.0.1)


@pytest.fixture(scope="module")
def classic_server(worlds: Worlds) -> Iterator[FakeServer]:
    with FakeServer(worlds.classic(), "127.0.0.1", 0) as server:
        yield server


def _body(params: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(params).encode()


def test_wire_name_is_raw_utf8_and_the_body_is_chunked(classic_server: FakeServer) -> None:
    response = wire_post(classic_server.url, _body(export_params(T["full"], field="lab_report")))
    assert response.status_line == b"HTTP/1.1 200 OK"
    assert response.header(b"Content-type") == [
        b"text/plain; name=\"\xe5\xa0\xb1\xe5\x91\x8a ; a=b 'x' \xc3\xa9.txt\";charset=UTF-8"
    ]
    assert (
        response.header(b"Content-type")[0].decode("utf-8")
        == f'text/plain; name="{UNICODE_NAME}";charset=UTF-8'
    )
    assert response.chunked
    assert response.header(b"Content-Length") == []
    assert response.header(b"Content-Disposition") == []
    assert response.header(b"Content-Security-Policy") == [DOWNLOAD_CSP.encode()]
    assert response.body == LAB_ONE.encode()


def test_wire_zero_byte_file_is_an_empty_chunked_body(classic_server: FakeServer) -> None:
    response = wire_post(classic_server.url, _body(export_params(T["full"], field="empty_upload")))
    assert response.status_line == b"HTTP/1.1 200 OK"
    assert response.header(b"Content-type") == [b'text/plain; name="empty.txt";charset=UTF-8']
    assert (response.chunked, response.header(b"Content-Length"), response.body) == (True, [], b"")


@pytest.mark.parametrize(
    ("params", "status_line", "ctype", "body"),
    [
        ({"token": UNKNOWN_TOKEN}, b"HTTP/1.1 403 Forbidden", XML_TYPE, xml_error(NO_PERMISSION)),
        (
            export_params(T["full"], record="2", returnFormat="json"),
            b"HTTP/1.1 400 Bad Request",
            JSON_TYPE,
            b'{"error":"There is no file to download for this record"}',
        ),
    ],
)
def test_wire_errors_have_redcaps_reason_phrase_and_exact_bytes(
    classic_server: FakeServer, params: dict[str, str], status_line: bytes, ctype: str, body: bytes
) -> None:
    response = wire_post(classic_server.url, _body(params))
    assert (response.status_line, response.header(b"Content-type"), response.body) == (
        status_line,
        [ctype.encode()],
        body,
    )
    for name, value in GLOBAL_HEADERS.items():
        assert response.header(name.encode()) == [value.encode()], name


def test_wire_multipart_upload_of_parameters(classic_server: FakeServer) -> None:
    from tests.support import BOUNDARY, multipart_body

    body = multipart_body(list(export_params(T["full"]).items()))
    response = wire_post(classic_server.url, body, f"multipart/form-data; boundary={BOUNDARY}".encode())
    assert (response.status_line, response.body) == (b"HTTP/1.1 200 OK", PDF_BYTES)


def test_wire_every_demo_file_is_byte_identical_with_its_exact_headers(
    demo_state: FakeState, demo_server: FakeServer
) -> None:
    files = demo_files(demo_state.projects)
    assert files, "the demo fixtures hold no files"
    assert any(f.stored.size == 0 for f in files), "the demos should hold a 0-byte file"
    for demo in files:
        response = wire_post(demo_server.url, _body(demo.params()))
        where = f"{demo.project.source.name} record {demo.row.record} {demo.field}"
        assert response.status_line == b"HTTP/1.1 200 OK", where
        assert response.header(b"Content-type") == [expected_content_type(demo.stored).encode()], where
        assert (
            hashlib.sha256(response.body).hexdigest() == hashlib.sha256(demo.stored.read_bytes()).hexdigest()
        ), where
        assert len(response.body) == demo.stored.size, where
        assert response.chunked and response.header(b"Content-Length") == [], where
        assert response.header(b"Content-Disposition") == [], where
        csp = DOWNLOAD_CSP if int(demo.project.redcap_version.split(".")[0]) >= 14 else GLOBAL_CSP
        assert response.header(b"Content-Security-Policy") == [csp.encode()], where


def test_header_variant_of_fake_server(worlds: Worlds) -> None:
    with FakeServer(worlds.classic(), "127.0.0.1", 0, header_variant="single_quote") as server:
        response = wire_post(server.url, _body(export_params(T["full"], field="lab_report")))
    assert response.header(b"Content-type") == [f"text/plain; name='{UNICODE_NAME}';charset=UTF-8".encode()]
    assert response.body == LAB_ONE.encode()


def test_classic_fixture_helper_is_deterministic() -> None:
    # The tokens the tests use are the ones the fixture holds.
    users = classic_fixture()["users"]
    assert {u["username"]: u["token"] for u in users} == T
