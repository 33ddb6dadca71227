"""Reference §4.2: Delete File (`action=delete`), check by check in REDCap's order.

A refused delete changes nothing, so most clauses only read. The clauses that delete a file say so in
their docstring: they first upload one into a place the reference fixture leaves empty (record 3 of the
classic project), delete it, and, whatever the outcome, make sure it is gone again (`helpers.emptied`).
No clause deletes a file the reference project holds.

Delete File asks for the Delete Records right, not API Import/Update (the quirk of §4.2): the clauses
delete as `deleter_user`, who has only the former.
"""

from __future__ import annotations

import pytest
import requests

from . import expected
from . import sources as src
from .helpers import (
    DELETER,
    NO_SUCH_FIELD,
    NO_SUCH_RECORD,
    emptied,
    file_params,
    json_message,
    reference_bytes,
    refusal,
    upload,
)
from .targets import ProjectUnderTest

WRITE_RECORD = "3"  # classic: holds no file in the fixture
LOCKED_RECORD = "4"  # classic: locked whole
LOCKED_FORM_RECORD = "5"  # classic: its documents instrument is locked

STEP = f"{src.V15_DELETE} (reference §4.2)"


def _delete(project: ProjectUnderTest, record: str, field: str, **extra: str) -> requests.Response:
    return project.post(DELETER, file_params("delete", record, field, **extra))


def _answer(response: requests.Response) -> tuple[int, str]:
    """Status and message of a refusal (the clauses ask for json errors)."""
    return response.status_code, json_message(response)


# -- the right, and what a delete does -----------------------------------------------------------------


@pytest.mark.source(
    f"{src.V15_INDEX}: file delete checks record_delete and not api_import (reference §4.2 quirk, §5)",
    f"{STEP} step 7",
)
def test_a_user_with_delete_records_but_no_api_import_deletes_a_file(classic: ProjectUnderTest) -> None:
    """Writes: uploads into record 3's report_file, then deletes it (the clause itself)."""
    user = classic.user(DELETER)
    assert user.record_delete and not user.api_import
    with emptied(classic, WRITE_RECORD, "report_file"):
        uploaded = upload(classic, WRITE_RECORD, "report_file", reference_bytes("report.pdf"), "report.pdf")
        assert uploaded.status_code == 200, uploaded.content[:300]
        classic.client(DELETER).delete_file(WRITE_RECORD, "report_file")


@pytest.mark.source(f"{STEP} step 7: sendResponse(200)", f"{src.V15_REST} sendResponse (reference §3.2)")
def test_a_successful_delete_answers_200_with_an_empty_body(classic: ProjectUnderTest) -> None:
    """Writes: uploads into record 3's notes_file, then deletes it (the clause itself)."""
    with emptied(classic, WRITE_RECORD, "notes_file"):
        uploaded = upload(classic, WRITE_RECORD, "notes_file", reference_bytes("notes.txt"), "notes.txt")
        assert uploaded.status_code == 200, uploaded.content[:300]
        response = _delete(classic, WRITE_RECORD, "notes_file")
        assert (response.status_code, response.content) == (200, b"")
        assert response.headers.get("Content-Type") == expected.ERROR_CONTENT_TYPES["json"]


@pytest.mark.source(f"{STEP} step 7: the data row is deleted", f"{src.V15_EXPORT} E7 (reference §1.3)")
def test_after_a_delete_the_file_has_no_file_to_download(classic: ProjectUnderTest) -> None:
    """Writes: uploads into record 3's photo, then deletes it (the clause itself)."""
    with emptied(classic, WRITE_RECORD, "photo"):
        uploaded = upload(classic, WRITE_RECORD, "photo", reference_bytes("photo.gif"), "photo.gif")
        assert uploaded.status_code == 200, uploaded.content[:300]
        client = classic.client("full_user")
        assert client.export_file(WRITE_RECORD, "photo").content == reference_bytes("photo.gif")
        assert _delete(classic, WRITE_RECORD, "photo").status_code == 200
        error = refusal(lambda: client.export_file(WRITE_RECORD, "photo"))
        assert (error.status, error.message) == (400, expected.NO_FILE_TO_DOWNLOAD)


# -- step 1: Analysis/Cleanup -------------------------------------------------------------------------


@pytest.mark.source(f"{STEP} step 1: status > 1 refuses deletes (V7+)")
def test_a_project_in_analysis_cleanup_refuses_deletes(analysis: ProjectUnderTest) -> None:
    assert _answer(_delete(analysis, "1", "attachment")) == (403, expected.DELETE_ANALYSIS)


@pytest.mark.source(f"{STEP}: step 1 runs before steps 4-6")
def test_a_delete_checks_the_project_status_before_the_record_and_field(analysis: ProjectUnderTest) -> None:
    assert _answer(_delete(analysis, NO_SUCH_RECORD, NO_SUCH_FIELD)) == (403, expected.DELETE_ANALYSIS)


# -- step 2: the event --------------------------------------------------------------------------------


NOT_UNIQUE_EVENT_NAMES = {"missing": None, "unknown": "visit_9_arm_1", "in-capitals": "BASELINE_ARM_1"}


@pytest.mark.source(f"{STEP} step 2: longitudinal projects need an existing unique event name")
@pytest.mark.parametrize("event", list(NOT_UNIQUE_EVENT_NAMES))
def test_a_longitudinal_delete_without_an_exact_unique_event_name_is_an_invalid_event(
    longitudinal: ProjectUnderTest, event: str
) -> None:
    name = NOT_UNIQUE_EVENT_NAMES[event]
    extra = {"event": name} if name is not None else {}
    assert _answer(_delete(longitudinal, "101", "visit_photo", **extra)) == (400, expected.INVALID_EVENT)


@pytest.mark.source(f"{STEP}: step 2 runs before step 4")
def test_a_delete_checks_the_event_before_the_record(longitudinal: ProjectUnderTest) -> None:
    response = _delete(longitudinal, NO_SUCH_RECORD, "visit_photo", event="visit_9_arm_1")
    assert _answer(response) == (400, expected.INVALID_EVENT)


# -- step 3: locking (REDCap 13+), with import's texts --------------------------------------------------


@pytest.mark.source(f"{STEP} step 3: the record lock, with import's 'could not be saved' text copied")
@pytest.mark.redcap_version(">=13.6.1")
def test_a_record_locked_whole_refuses_deletes_with_the_upload_text(classic: ProjectUnderTest) -> None:
    assert any(r.record_locked for r in classic.fixture.records if r.record == LOCKED_RECORD)
    response = _delete(classic, LOCKED_RECORD, "report_file")
    assert _answer(response) == (400, expected.record_locked(LOCKED_RECORD))


@pytest.mark.source(f"{STEP} step 3: the instrument lock, with import's 'could not be saved' text copied")
@pytest.mark.redcap_version(">=13.6.1")
def test_a_locked_instrument_refuses_deletes_with_the_upload_text(classic: ProjectUnderTest) -> None:
    assert any(
        "documents" in r.locked_forms for r in classic.fixture.records if r.record == LOCKED_FORM_RECORD
    )
    response = _delete(classic, LOCKED_FORM_RECORD, "report_file")
    assert _answer(response) == (400, expected.form_locked(LOCKED_FORM_RECORD))


# -- step 4: the record, in that event ------------------------------------------------------------------


UNKNOWN_RECORDS = {"plain": NO_SUCH_RECORD, "quotes-and-ampersand": 'Tom & "Jerry\'s"'}


@pytest.mark.source(f"{STEP} step 4: single quotes, the record as sent, even in 15.x (unlike export's E5)")
@pytest.mark.parametrize("case", list(UNKNOWN_RECORDS))
def test_an_unknown_record_is_named_raw_in_single_quotes(classic: ProjectUnderTest, case: str) -> None:
    record = UNKNOWN_RECORDS[case]
    assert _answer(_delete(classic, record, "report_file")) == (400, expected.delete_record_missing(record))


@pytest.mark.source(f"{STEP} step 4: a row of the record in *that* event")
def test_a_record_is_looked_up_in_the_event_named(longitudinal: ProjectUnderTest) -> None:
    # Record 102 exists in baseline_arm_1 only.
    response = _delete(longitudinal, "102", "visit_photo", event="visit_1_arm_1")
    assert _answer(response) == (400, expected.delete_record_missing("102"))


@pytest.mark.source(f"{STEP}: step 4 runs before step 5")
def test_a_delete_checks_the_record_before_the_field(classic: ProjectUnderTest) -> None:
    response = _delete(classic, NO_SUCH_RECORD, NO_SUCH_FIELD)
    assert _answer(response) == (400, expected.delete_record_missing(NO_SUCH_RECORD))


# -- steps 5-6: the field and its file -----------------------------------------------------------------


@pytest.mark.source(f"{STEP} step 5: a redcap_metadata row with element_type 'file'")
@pytest.mark.parametrize("field", [NO_SUCH_FIELD, "participant_name"], ids=["no-such-field", "a-text-field"])
def test_a_delete_from_a_field_that_is_not_a_file_field_is_refused(
    classic: ProjectUnderTest, field: str
) -> None:
    assert _answer(_delete(classic, "1", field)) == (400, expected.field_not_file(field))


@pytest.mark.source(f"{STEP}: step 5 runs before step 6")
def test_a_delete_checks_the_field_before_the_file(classic: ProjectUnderTest) -> None:
    response = _delete(classic, "2", "participant_name")
    assert _answer(response) == (400, expected.field_not_file("participant_name"))


@pytest.mark.source(f"{STEP} step 6: no value for record + event + field + instance")
def test_a_record_without_a_file_in_that_field_has_no_file_to_delete(classic: ProjectUnderTest) -> None:
    assert _answer(_delete(classic, "2", "report_file")) == (400, expected.NO_FILE_TO_DELETE)


@pytest.mark.source(f"{STEP} step 6, in the instance named (repeat_instance as in export E4)")
def test_an_instance_without_a_file_has_no_file_to_delete(classic: ProjectUnderTest) -> None:
    # Instance 3 of lab_results exists in record 1 (it has a lab_date) but holds no file.
    response = _delete(classic, "1", "lab_file", repeat_instance="3")
    assert _answer(response) == (400, expected.NO_FILE_TO_DELETE)


@pytest.mark.source(
    f"{STEP}: no signature check in delete.php (V7+)",
    f"{src.DOCS} api_docs_131: signatures can be downloaded or deleted through the API",
)
def test_a_signature_field_passes_the_delete_checks(classic: ProjectUnderTest) -> None:
    # Record 2 has no signature: the request goes through every check to step 6. (Deleting record 1's
    # signature could not be undone: only REDCap's mobile app may upload a signature.)
    field = classic.fixture.field("participant_signature")
    assert field is not None and field.is_signature
    response = _delete(classic, "2", "participant_signature")
    assert _answer(response) == (400, expected.NO_FILE_TO_DELETE)
