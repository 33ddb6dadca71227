"""Reference §1.3 E1-E2 and §5: data export rights, per-instrument rights, super users, and the API rights
of Import and Delete File.

Each rights case is a user of the reference project (see reference_classic.yaml `users:`); the clauses
check the fixture says what they rely on, so a changed fixture fails loudly rather than silently.
"""

from __future__ import annotations

import pytest

from fake_redcap.model import ExportRight

from . import expected
from . import sources as src
from .helpers import NO_SUCH_RECORD, assert_same_file, json_message, refusal
from .targets import ProjectUnderTest


def _rights(project: ProjectUnderTest, username: str) -> ExportRight:
    return project.user(username).export_rights()


def _is_identifier(project: ProjectUnderTest, field: str) -> bool:
    found = project.fixture.field(field)
    assert found is not None, f"{project.name} has no field {field}"
    return found.identifier


# -- E1: No Access ------------------------------------------------------------------------------------


@pytest.mark.source(f"{src.V15_EXPORT} E1 (reference §1.3)", f"{src.DOCS} api_docs_122")
def test_no_access_export_rights_refuse_every_file(classic: ProjectUnderTest) -> None:
    assert _rights(classic, "no_access_user") == ExportRight.NO_ACCESS
    assert not _is_identifier(classic, "report_file")
    error = refusal(lambda: classic.client("no_access_user").export_file("1", "report_file"))
    assert (error.status, error.message) == (403, expected.EXPORT_NO_ACCESS)


@pytest.mark.source(f"{src.V15_EXPORT}: E1 runs before E5 (reference §1.3)")
def test_the_no_access_check_comes_before_the_record_check(classic: ProjectUnderTest) -> None:
    error = refusal(lambda: classic.client("no_access_user").export_file(NO_SUCH_RECORD, "report_file"))
    assert (error.status, error.message) == (403, expected.EXPORT_NO_ACCESS)


@pytest.mark.source(f"{src.V15_EXPORT}: E1 runs before E3 (reference §1.3)")
def test_the_no_access_check_comes_before_the_event_check(longitudinal: ProjectUnderTest) -> None:
    error = refusal(lambda: longitudinal.client("no_access_user").export_file("101", "visit_photo"))
    assert (error.status, error.message) == (403, expected.EXPORT_NO_ACCESS)


# -- E2: Identifier fields ----------------------------------------------------------------------------


@pytest.mark.source(f"{src.V15_EXPORT} E2 (reference §1.3)", f"{src.DOCS} api_docs_122")
@pytest.mark.parametrize(
    ("username", "rights"),
    [("deid_user", ExportRight.DEIDENTIFIED), ("remove_ids_user", ExportRight.REMOVE_IDENTIFIERS)],
    ids=["de-identified", "remove-identifiers"],
)
def test_limited_export_rights_refuse_an_identifier_file_field(
    classic: ProjectUnderTest, username: str, rights: ExportRight
) -> None:
    assert _rights(classic, username) == rights
    assert _is_identifier(classic, "consent_form")
    error = refusal(lambda: classic.client(username).export_file("1", "consent_form"))
    assert (error.status, error.message) == (403, expected.EXPORT_IDENTIFIER)


@pytest.mark.source(
    f"{src.V15_EXPORT} E2 applies to Identifier fields only (reference §1.3)", f"{src.DOCS} api_docs_122"
)
@pytest.mark.parametrize("username", ["deid_user", "remove_ids_user"])
def test_limited_export_rights_still_export_a_file_field_that_is_no_identifier(
    classic: ProjectUnderTest, username: str
) -> None:
    assert not _is_identifier(classic, "report_file")
    exported = classic.client(username).export_file("1", "report_file")
    assert_same_file(exported.content, classic.stored("1", "report_file"))


@pytest.mark.source(f"{src.V15_EXPORT} E1-E2 (reference §1.3)")
def test_full_data_set_rights_export_an_identifier_file_field(classic: ProjectUnderTest) -> None:
    assert _rights(classic, "full_user") == ExportRight.FULL
    exported = classic.client("full_user").export_file("1", "consent_form")
    assert_same_file(exported.content, classic.stored("1", "consent_form"))


@pytest.mark.source(f"{src.V15_EXPORT}: E2 runs before E3 (reference §1.3 E2 note)")
def test_the_identifier_check_comes_before_the_event_check(longitudinal: ProjectUnderTest) -> None:
    assert _is_identifier(longitudinal, "consent_form")
    error = refusal(lambda: longitudinal.client("deid_user").export_file("101", "consent_form"))
    assert (error.status, error.message) == (403, expected.EXPORT_IDENTIFIER)


@pytest.mark.source(f"{src.V15_EXPORT}: E2 runs before E5 (reference §1.3 E2 note)")
def test_the_identifier_check_comes_before_the_record_check(classic: ProjectUnderTest) -> None:
    error = refusal(lambda: classic.client("deid_user").export_file(NO_SUCH_RECORD, "consent_form"))
    assert (error.status, error.message) == (403, expected.EXPORT_IDENTIFIER)


# -- §5: per-instrument export rights (REDCap 12.2+) --------------------------------------------------


@pytest.mark.source(
    f"{src.V15_USER_RIGHTS} setFormLevelPrivileges: a mix aggregates to 1 (reference §5)", src.V12_UPGRADE
)
@pytest.mark.redcap_version(">=12.2.0")
def test_de_identified_and_remove_identifier_form_rights_together_export_identifier_files(
    classic: ProjectUnderTest,
) -> None:
    assert _rights(classic, "mixed_deid_remove_user") == ExportRight.FULL
    exported = classic.client("mixed_deid_remove_user").export_file("1", "consent_form")
    assert_same_file(exported.content, classic.stored("1", "consent_form"))


@pytest.mark.source(
    f"{src.V15_EXPORT}: no per-instrument check on export (reference §1.3, §5)", src.V12_UPGRADE
)
@pytest.mark.redcap_version(">=12.2.0")
def test_no_access_on_the_files_own_form_does_not_stop_its_export(classic: ProjectUnderTest) -> None:
    user = classic.user("own_form_no_access_user")
    form = classic.fixture.field("consent_form")
    assert form is not None and not isinstance(user.data_export, ExportRight)
    assert user.data_export[form.form] == ExportRight.NO_ACCESS
    exported = classic.client("own_form_no_access_user").export_file("1", "consent_form")
    assert_same_file(exported.content, classic.stored("1", "consent_form"))


@pytest.mark.source(
    f"{src.V15_USER_RIGHTS} setFormLevelPrivileges: 0 + 2 aggregates to 1 (reference §5)", src.V12_UPGRADE
)
@pytest.mark.redcap_version(">=12.2.0")
def test_de_identified_plus_no_access_form_rights_count_as_full_data_set(classic: ProjectUnderTest) -> None:
    assert _rights(classic, "deid_plus_no_access_user") == ExportRight.FULL
    exported = classic.client("deid_plus_no_access_user").export_file("1", "consent_form")
    assert_same_file(exported.content, classic.stored("1", "consent_form"))


# -- §5: super users ----------------------------------------------------------------------------------


@pytest.mark.source(
    f"{src.V15_REST} processRequest: super users get every right and never expire, V7+ (reference §5)"
)
def test_a_super_user_exports_whatever_their_project_rights_say(classic: ProjectUnderTest) -> None:
    user = classic.user("super_user")
    assert user.super_user and not user.api_export and user.expiration is not None
    assert isinstance(user.data_export, ExportRight) and user.data_export == ExportRight.NO_ACCESS
    exported = classic.client("super_user").export_file("1", "consent_form")
    assert_same_file(exported.content, classic.stored("1", "consent_form"))


# -- §4/§5: the API rights of the other file methods (refused before anything changes) ----------------


@pytest.mark.source(f"{src.V15_INDEX}: api_import for action=import (reference §4.1, §5)")
def test_file_import_needs_the_api_import_right(classic: ProjectUnderTest) -> None:
    assert not classic.user("full_user").api_import
    params = {
        "content": "file",
        "action": "import",
        "record": "1",
        "field": "notes_file",
        "returnFormat": "json",
    }
    response = classic.post("full_user", params, files={"file": ("x.txt", b"not stored", "text/plain")})
    assert response.status_code == 403
    assert json_message(response) == expected.NO_API_IMPORT


@pytest.mark.source(f"{src.V15_INDEX}: file delete checks record_delete (reference §4.2 quirk, §5)")
def test_file_delete_needs_the_delete_records_right_even_with_api_import(classic: ProjectUnderTest) -> None:
    user = classic.user("importer_user")
    assert user.api_import and not user.record_delete
    params = {
        "content": "file",
        "action": "delete",
        "record": "1",
        "field": "notes_file",
        "returnFormat": "json",
    }
    response = classic.post("importer_user", params)
    assert response.status_code == 403
    assert json_message(response) == expected.NO_RECORD_DELETE


@pytest.mark.source(
    f"{src.V15_INDEX}: file delete does not check api_import (reference §4.2 quirk, §5)",
    f"{src.V15_DELETE} step 4: delete's record message, single quotes, raw",
)
def test_file_delete_does_not_need_the_api_import_right(classic: ProjectUnderTest) -> None:
    # A record that does not exist: the request passes the rights check and stops at the record check,
    # so nothing is deleted on the target.
    user = classic.user("deleter_user")
    assert user.record_delete and not user.api_import
    params = {"content": "file", "action": "delete", "record": NO_SUCH_RECORD, "field": "notes_file"}
    response = classic.post("deleter_user", {**params, "returnFormat": "json"})
    assert response.status_code == 400
    assert json_message(response) == expected.DELETE_RECORD_MISSING.format(record=NO_SUCH_RECORD)
