"""Parameters as PHP hands them to REDCap (source audit #21, #22): a one-element array, a parameter sent
as an array where PHP 8 needs a string, and the "MS Word" characters REDCap folds before it asks the
database.
"""

from __future__ import annotations

import pytest

from . import expected
from . import sources as src
from .helpers import assert_same_file, json_message
from .targets import ProjectUnderTest

DB_ESCAPE = "REDCap 15.7.6 Config/init_functions.php db_escape -> replaceMSchars, db_real_escape_string"


@pytest.mark.source(
    f"{DB_ESCAPE}: a one-element array is its element (V14+; source audit #21a)", f"{src.V15_EXPORT} E5"
)
@pytest.mark.redcap_version(">=14.5.11")
def test_a_record_sent_as_a_one_element_array_finds_that_record(classic: ProjectUnderTest) -> None:
    params = [
        ("content", "file"),
        ("action", "export"),
        ("record[]", "1"),
        ("field", "report_file"),
        ("returnFormat", "json"),
    ]
    response = classic.post("full_user", params)
    assert response.status_code == 200
    assert_same_file(response.content, classic.stored("1", "report_file"))


@pytest.mark.source(
    f"{src.V15_EXPORT}: $Proj->metadata[$fieldName] with an array is a TypeError in PHP 8",
    f"{src.V15_SYSTEM} fatalErrorShutdownHandler -> API::outputApiErrorMsg (source audit #21b)",
)
@pytest.mark.redcap_version(">=15.7.6")
def test_a_field_sent_as_an_array_gets_redcaps_answer_to_a_php_fatal_error(classic: ProjectUnderTest) -> None:
    params = [
        ("content", "file"),
        ("action", "export"),
        ("record", "1"),
        ("field[]", "report_file"),
        ("returnFormat", "json"),
    ]
    response = classic.post("full_user", params)
    assert response.status_code == 400
    assert json_message(response) == expected.UNKNOWN_ERROR_PARAMETERS


@pytest.mark.source(
    f"{src.V15_INDEX}: strtolower($_POST['returnFormat']) with an array is a TypeError in PHP 8, and so is "
    "API::outputApiErrorMsg's own strtolower: nothing is sent but PHP's defaults (source audit #21c)"
)
@pytest.mark.redcap_version(">=15.7.6")
def test_return_format_sent_as_an_array_gets_an_empty_200(classic: ProjectUnderTest) -> None:
    params = [
        ("content", "file"),
        ("action", "export"),
        ("record", "1"),
        ("field", "report_file"),
        ("returnFormat[]", "json"),
    ]
    response = classic.post("full_user", params)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"


@pytest.mark.source(f"{DB_ESCAPE}: en and em dashes become '-' before the query (source audit #22)")
@pytest.mark.parametrize("dash", ["\u2013", "\u2014"], ids=["en-dash", "em-dash"])
def test_a_dash_from_a_word_processor_finds_the_record_with_a_hyphen(
    classic: ProjectUnderTest, dash: str
) -> None:
    params = {"content": "file", "action": "export", "record": f"REF{dash}A", "field": "report_file"}
    response = classic.post("full_user", {**params, "returnFormat": "json"})
    assert response.status_code == 200
    assert_same_file(response.content, classic.stored("REF-A", "report_file"))


@pytest.mark.source(
    f"{DB_ESCAPE}: folding applies to what is compared, not to what the message shows", f"{src.V15_EXPORT} E5"
)
@pytest.mark.redcap_version(">=14.5.11")
def test_the_record_missing_message_shows_the_record_as_sent(classic: ProjectUnderTest) -> None:
    record = "no\u2019such"
    params = {"content": "file", "action": "export", "record": record, "field": "report_file"}
    response = classic.post("full_user", {**params, "returnFormat": "json"})
    assert response.status_code == 400
    assert json_message(response) == expected.record_missing(record)


@pytest.mark.source(
    f"{src.V15_SYSTEM} REDCapErrorHandler: for a super user the PHP error (message, file, line) is printed "
    "in a red box before API::outputApiErrorMsg's envelope (source audit #21b)"
)
@pytest.mark.redcap_version(">=15.7.6")
@pytest.mark.known_difference("fake-no-php-error-box-for-super-users")
def test_a_super_user_also_gets_the_php_error_before_the_envelope(classic: ProjectUnderTest) -> None:
    assert classic.user("super_user").super_user
    params = [
        ("content", "file"),
        ("action", "export"),
        ("record", "1"),
        ("field[]", "report_file"),
        ("returnFormat", "json"),
    ]
    response = classic.post("super_user", params)
    assert response.status_code == 400
    assert b'<div class="red"' in response.content
    assert response.content.endswith(expected.json_error(expected.UNKNOWN_ERROR_PARAMETERS))
