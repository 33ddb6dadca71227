"""Reference §6: how REDCap matches what the request names. Records, fields and tokens are compared by
MySQL (utf8mb4_unicode_ci, PAD SPACE: case-insensitive, trailing spaces ignored); the Identifier check
and event names are exact PHP comparisons.
"""

from __future__ import annotations

import pytest

from . import sources as src
from .helpers import assert_same_file, export, json_message
from .targets import ProjectUnderTest


@pytest.mark.source(f"{src.V15_EXPORT} E5/E7 in SQL; {src.V15_INSTALL_SQL} (reference §6)")
def test_record_names_match_case_insensitively(classic: ProjectUnderTest) -> None:
    # The record is stored as REF-A.
    exported = classic.client("full_user").export_file("ref-a", "report_file")
    assert_same_file(exported.content, classic.stored("REF-A", "report_file"))


@pytest.mark.source(f"{src.V15_EXPORT} E5/E7 in SQL; {src.V15_INSTALL_SQL}, PAD SPACE (reference §6)")
def test_trailing_spaces_after_a_record_name_are_ignored(classic: ProjectUnderTest) -> None:
    exported = classic.client("full_user").export_file("1  ", "report_file")
    assert_same_file(exported.content, classic.stored("1", "report_file"))


@pytest.mark.source(f"{src.V15_EXPORT} E6 in SQL; {src.V15_INSTALL_SQL} (reference §6)")
def test_field_names_match_case_insensitively(classic: ProjectUnderTest) -> None:
    exported = classic.client("full_user").export_file("1", "REPORT_FILE")
    assert_same_file(exported.content, classic.stored("1", "report_file"))


@pytest.mark.source(f"{src.V15_EXPORT} E6 in SQL; {src.V15_INSTALL_SQL}, PAD SPACE (reference §6)")
def test_trailing_spaces_after_a_field_name_are_ignored(classic: ProjectUnderTest) -> None:
    # Through raw requests: the client refuses a field name with surrounding spaces.
    response = classic.post("full_user", export("1", "report_file  "))
    assert response.status_code == 200
    assert_same_file(response.content, classic.stored("1", "report_file"))


@pytest.mark.source(f"{src.V15_EXPORT} E2 is an exact PHP array key, E6 is SQL (reference §6 quirk)")
def test_the_identifier_check_uses_the_exact_field_name(classic: ProjectUnderTest) -> None:
    # consent_form is an Identifier; in capitals it slips past E2 and still matches in E6.
    field = classic.fixture.field("consent_form")
    assert field is not None and field.identifier
    exported = classic.client("deid_user").export_file("1", "CONSENT_FORM")
    assert_same_file(exported.content, classic.stored("1", "consent_form"))


@pytest.mark.source(
    f"{src.V15_REST} processRequest: api_token compared in SQL; {src.V15_INSTALL_SQL} (reference §6)"
)
def test_tokens_match_case_insensitively(classic: ProjectUnderTest) -> None:
    token = classic.token("full_user")
    flipped = token.swapcase()
    assert flipped != token, "the reference tokens hold letters"
    response = classic.post(None, {"token": flipped, **export("1", "report_file")})
    assert response.status_code == 200
    assert_same_file(response.content, classic.stored("1", "report_file"))


@pytest.mark.source(f"{src.V15_REST} processRequest: the format check runs before the lookup (reference §6)")
def test_a_token_with_trailing_spaces_is_refused(classic: ProjectUnderTest) -> None:
    # PAD SPACE would match it in SQL, but ^[A-Za-z0-9]+$ refuses it first.
    response = classic.post(
        None,
        {"token": classic.token("full_user") + " ", **export("1", "report_file"), "returnFormat": "json"},
    )
    assert response.status_code == 403
    assert json_message(response) == "You do not have permissions to use the API"
