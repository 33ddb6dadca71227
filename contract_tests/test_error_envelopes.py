"""Reference §1.2 and §2: which envelope an error comes in, and its exact bytes and Content-Type.

The error used throughout is an unknown `content` (400 `The value of the parameter "content" is not
valid`): every target answers it the same way, and its double quotes show each format's escaping.
"""

from __future__ import annotations

import pytest

from . import expected
from . import sources as src
from .helpers import NO_SUCH_RECORD, UNKNOWN_TOKEN, export
from .targets import ProjectUnderTest

CONTENT_INVALID_XML = (
    b'<?xml version="1.0" encoding="UTF-8" ?><hash><error>The value of the parameter "content" is not valid'
    b"</error></hash>"
)
CONTENT_INVALID_JSON = b'{"error":"The value of the parameter \\"content\\" is not valid"}'
CONTENT_INVALID_CSV = b'ERROR: The value of the parameter "content" is not valid'


def _bad_content(project: ProjectUnderTest, **formats: str) -> tuple[int, str, bytes]:
    response = project.post("full_user", {"content": "no_such_content", "action": "export", **formats})
    return response.status_code, response.headers.get("Content-Type", ""), response.content


@pytest.mark.source(f"{src.V15_REST} sendResponse; {src.V15_INDEX}: xml is the default (reference §1.2, §2)")
def test_without_format_or_returnformat_errors_come_as_xml(classic: ProjectUnderTest) -> None:
    assert _bad_content(classic) == (400, expected.ERROR_CONTENT_TYPES["xml"], CONTENT_INVALID_XML)


@pytest.mark.source(f"{src.V15_REST} sendResponse: json_encode of {{error: message}} (reference §2)")
def test_returnformat_json_gives_a_json_error_object(classic: ProjectUnderTest) -> None:
    assert _bad_content(classic, returnFormat="json") == (
        400,
        expected.ERROR_CONTENT_TYPES["json"],
        CONTENT_INVALID_JSON,
    )


@pytest.mark.source(
    f"{src.V15_REST} and {src.V10_REST} sendResponse: 'ERROR: ' + message, text/csv (reference §2)"
)
@pytest.mark.redcap_version(">=10.0.13")
def test_returnformat_csv_gives_the_message_after_error_colon_as_text_csv(classic: ProjectUnderTest) -> None:
    assert _bad_content(classic, returnFormat="csv") == (
        400,
        expected.ERROR_CONTENT_TYPES["csv"],
        CONTENT_INVALID_CSV,
    )


@pytest.mark.source(f"{src.V7_REST} sendResponse: csv errors labelled text/html (reference §1.4, §2)")
@pytest.mark.redcap_version("<=7.1.2")
def test_csv_errors_were_labelled_text_html_before_redcap_10(classic: ProjectUnderTest) -> None:
    assert _bad_content(classic, returnFormat="csv") == (400, "text/html; charset=utf-8", CONTENT_INVALID_CSV)


FORMAT_CHOICES = {
    # (form fields, the envelope REDCap answers in): reference §1.2, V15 API/index.php
    "returnFormat=JSON-is-json (lower-cased)": ({"returnFormat": "JSON"}, "json"),
    "format=json-alone-is-json": ({"format": "json"}, "json"),
    "format=csv-alone-is-csv": ({"format": "csv"}, "csv"),
    "format=JSON-is-xml (case-sensitive)": ({"format": "JSON"}, "xml"),
    "format=odm-is-xml": ({"format": "odm"}, "xml"),
    "returnFormat-wins-over-format": ({"format": "csv", "returnFormat": "json"}, "json"),
    "empty-returnFormat-falls-back-to-format": ({"format": "json", "returnFormat": ""}, "json"),
    "unknown-returnFormat-is-xml": ({"returnFormat": "yaml"}, "xml"),
}
BODIES = {"xml": CONTENT_INVALID_XML, "json": CONTENT_INVALID_JSON, "csv": CONTENT_INVALID_CSV}


@pytest.mark.source(
    f"{src.V15_INDEX}: format only as exactly json/csv/odm, else xml; returnFormat lower-cased, and it wins "
    "when non-empty; anything but json or csv is xml (reference §1.2)"
)
@pytest.mark.parametrize("choice", list(FORMAT_CHOICES))
def test_the_error_format_is_chosen_from_returnformat_then_format(
    classic: ProjectUnderTest, choice: str
) -> None:
    fields, envelope = FORMAT_CHOICES[choice]
    assert _bad_content(classic, **fields)[2] == BODIES[envelope]


@pytest.mark.source(
    f"{src.V15_INDEX}: returnFormat is parsed (#1) before the token is checked (#5) (reference §1.1)"
)
def test_an_unknown_token_is_refused_in_the_requested_format(classic: ProjectUnderTest) -> None:
    response = classic.post(
        None, {"token": UNKNOWN_TOKEN, **export("1", "report_file"), "returnFormat": "json"}
    )
    assert response.status_code == 403
    assert response.headers["Content-Type"] == expected.ERROR_CONTENT_TYPES["json"]
    assert response.content == b'{"error":"You do not have permissions to use the API"}'


@pytest.mark.source(f"{src.V15_REST} sendResponse: the message goes into xml unescaped (reference §2)")
def test_xml_errors_carry_the_message_without_xml_escaping(classic: ProjectUnderTest) -> None:
    response = classic.post("no_access_user", export("1", "report_file"))
    assert response.status_code == 403
    assert response.content == expected.XML_PROLOGUE + (
        b'<hash><error>The API request cannot complete because currently you have "No Access" data export '
        b"rights. Higher level data export rights are required for this operation.</error></hash>"
    )


@pytest.mark.source(
    f'{src.V15_REST} sendResponse: PHP json_encode escapes " (reference §2, example quoted there)'
)
def test_json_errors_escape_double_quotes_like_php(classic: ProjectUnderTest) -> None:
    response = classic.post("no_access_user", {**export("1", "report_file"), "returnFormat": "json"})
    assert response.status_code == 403
    assert response.content == (
        b'{"error":"The API request cannot complete because currently you have \\"No Access\\" data export '
        b'rights. Higher level data export rights are required for this operation."}'
    )


@pytest.mark.source(f"{src.V15_REST} sendResponse: PHP json_encode writes / as \\/ (reference §2, §4.1)")
def test_json_errors_escape_slashes_like_php(classic: ProjectUnderTest) -> None:
    # Import File without the API Import/Update right: refused before any upload is read.
    params = {
        "content": "file",
        "action": "import",
        "record": "1",
        "field": "notes_file",
        "returnFormat": "json",
    }
    response = classic.post("full_user", params)
    assert response.status_code == 403
    assert response.content == b'{"error":"You do not have API Import\\/Update privileges"}'


@pytest.mark.source(
    f"{src.V15_REST} sendResponse: PHP json_encode writes non-ASCII as \\uhhhh (reference §2)",
    f"{src.V14_EXPORT} and {src.V15_EXPORT} E5 wording",
)
@pytest.mark.redcap_version(">=14.5.11")
def test_json_errors_write_non_ascii_as_unicode_escapes(classic: ProjectUnderTest) -> None:
    record = NO_SUCH_RECORD + "-é漢"
    response = classic.post("full_user", {**export(record, "report_file"), "returnFormat": "json"})
    assert response.status_code == 400
    assert response.content == (
        b'{"error":"The record \\"' + NO_SUCH_RECORD.encode() + b'-\\u00e9\\u6f22\\" does not exist"}'
    )


@pytest.mark.source(f"{src.V15_REST} sendResponse: csv errors are 'ERROR: ' + the raw message (reference §2)")
@pytest.mark.redcap_version(">=14.5.11")
def test_csv_errors_carry_non_ascii_as_utf8(classic: ProjectUnderTest) -> None:
    record = NO_SUCH_RECORD + "-é漢"
    response = classic.post("full_user", {**export(record, "report_file"), "returnFormat": "csv"})
    assert response.status_code == 400
    assert response.content == f'ERROR: The record "{record}" does not exist'.encode()
