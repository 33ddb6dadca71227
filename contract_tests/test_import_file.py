"""Reference §4.1: Import File (`action=import`, the upload in the multipart part `file`), check by check in
REDCap's order, and what an accepted upload becomes.

Most clauses are refused before anything is stored, so they change nothing in the project. (A refusal
from step 9 on comes after REDCap has put the upload in its file storage; it is linked to no record.)
The clauses that store a file say so in their docstring: they upload into a place the reference fixture
leaves empty (record 3 of the classic project, record 103 of the longitudinal one, or a free instance)
and delete the upload again afterwards, whatever the outcome (`helpers.emptied`).
"""

from __future__ import annotations

import pytest
import requests

from . import expected
from . import sources as src
from .helpers import (
    NO_SUCH_FIELD,
    NO_SUCH_RECORD,
    UPLOADER,
    emptied,
    file_params,
    json_message,
    reference_bytes,
    upload,
)
from .restore import Undo, listed, restored
from .targets import ProjectUnderTest, sha256

# The classic record the writing clauses use (holds no file in the fixture), a record locked whole, and
# a record whose documents instrument is locked (reference_classic.yaml).
WRITE_RECORD = "3"
LOCKED_RECORD = "4"
LOCKED_FORM_RECORD = "5"
# The longitudinal record the writing clauses use (baseline_arm_1 only, no file).
WRITE_RECORD_LONGITUDINAL = "103"

STEP = f"{src.V15_IMPORT} (reference §4.1)"


def _answer(response: requests.Response) -> tuple[int, str]:
    """Status and message of a refusal (the clauses ask for json errors)."""
    return response.status_code, json_message(response)


def _fixture_says(project: ProjectUnderTest, record: str, *, locked: bool = False, form: str = "") -> None:
    rows = [row for row in project.fixture.records if row.record == record]
    assert rows, f"{project.name} has no record {record}"
    if locked:
        assert any(row.record_locked for row in rows), f"record {record} is not locked in {project.name}"
    if form:
        assert any(form in row.locked_forms for row in rows), f"{form} of {record} is not locked"


# -- index.php and steps 1-2: the right, then the upload itself ----------------------------------------


@pytest.mark.source(f"{src.V15_INDEX}: api_import is checked before import.php runs (reference §4.1, §5)")
def test_the_api_import_right_is_checked_before_the_upload(classic: ProjectUnderTest) -> None:
    assert not classic.user("full_user").api_import
    response = classic.post("full_user", file_params("import", NO_SUCH_RECORD, NO_SUCH_FIELD))
    assert _answer(response) == (403, expected.NO_API_IMPORT)


@pytest.mark.source(f"{STEP} step 1: count($_FILES) == 0, before the record and field checks")
def test_a_request_without_an_uploaded_file_is_refused(classic: ProjectUnderTest) -> None:
    response = classic.post(UPLOADER, file_params("import", NO_SUCH_RECORD, NO_SUCH_FIELD))
    assert _answer(response) == (400, expected.NO_VALID_FILE)


@pytest.mark.source(
    f"{STEP} step 2: $_FILES['file']['error'] != 0",
    "PHP: a file part with an empty file name, as a form with an empty file input sends it, is "
    "UPLOAD_ERR_NO_FILE (4)",
)
def test_a_file_part_without_a_file_is_a_problem_with_the_upload(classic: ProjectUnderTest) -> None:
    response = upload(classic, NO_SUCH_RECORD, NO_SUCH_FIELD, b"", "")
    assert _answer(response) == (400, expected.UPLOAD_PROBLEM)


# -- step 3: Analysis/Cleanup -------------------------------------------------------------------------


@pytest.mark.source(f"{STEP} step 3: status > 1 refuses uploads (V7+)")
def test_a_project_in_analysis_cleanup_refuses_uploads(analysis: ProjectUnderTest) -> None:
    response = upload(analysis, "1", "attachment")
    assert _answer(response) == (403, expected.IMPORT_ANALYSIS)


@pytest.mark.source(f"{STEP}: step 1 runs before step 3")
def test_the_upload_is_looked_at_before_the_project_status(analysis: ProjectUnderTest) -> None:
    response = analysis.post(UPLOADER, file_params("import", "1", "attachment"))
    assert _answer(response) == (400, expected.NO_VALID_FILE)


@pytest.mark.source(f"{STEP}: step 3 runs before steps 9-10")
def test_an_upload_checks_the_project_status_before_the_record_and_field(analysis: ProjectUnderTest) -> None:
    response = upload(analysis, NO_SUCH_RECORD, NO_SUCH_FIELD)
    assert _answer(response) == (403, expected.IMPORT_ANALYSIS)


# -- step 4: the event --------------------------------------------------------------------------------


NOT_UNIQUE_EVENT_NAMES = {
    "missing": None,
    "unknown": "visit_9_arm_1",
    "an-event-label": "Baseline",
    "in-capitals": "BASELINE_ARM_1",
}


@pytest.mark.source(
    f"{STEP} step 4: longitudinal projects need an existing unique event name (Event::getEventIdByKey)"
)
@pytest.mark.parametrize("event", list(NOT_UNIQUE_EVENT_NAMES))
def test_a_longitudinal_upload_without_an_exact_unique_event_name_is_an_invalid_event(
    longitudinal: ProjectUnderTest, event: str
) -> None:
    response = upload(
        longitudinal, WRITE_RECORD_LONGITUDINAL, "visit_photo", event=NOT_UNIQUE_EVENT_NAMES[event]
    )
    assert _answer(response) == (400, expected.INVALID_EVENT)


@pytest.mark.source(f"{STEP}: step 4 runs before step 9")
def test_an_upload_checks_the_event_before_the_record(longitudinal: ProjectUnderTest) -> None:
    response = upload(longitudinal, NO_SUCH_RECORD, "visit_photo", event="visit_9_arm_1")
    assert _answer(response) == (400, expected.INVALID_EVENT)


@pytest.mark.source(f"{STEP} step 4: classic projects use their first event and never read event")
def test_a_classic_project_ignores_the_event_of_an_upload(classic: ProjectUnderTest) -> None:
    """Writes: uploads into record 3's report_file, then deletes it again."""
    data = reference_bytes("report.pdf")
    with emptied(classic, WRITE_RECORD, "report_file"):
        response = upload(
            classic, WRITE_RECORD, "report_file", data, "report.pdf", event="no_such_event_arm_1"
        )
        assert response.status_code == 200, response.content[:300]
        exported = classic.client("full_user").export_file(WRITE_RECORD, "report_file")
        assert sha256(exported.content) == sha256(data)


@pytest.mark.source(f"{STEP} step 4 and 13: the file is saved in the event named")
def test_an_upload_lands_in_the_event_it_names(longitudinal: ProjectUnderTest) -> None:
    """Writes: uploads into record 103's visit_photo in baseline_arm_1, then deletes it again."""
    data = reference_bytes("visit_photo_101_baseline.png")
    with emptied(longitudinal, WRITE_RECORD_LONGITUDINAL, "visit_photo", event="baseline_arm_1"):
        response = upload(
            longitudinal, WRITE_RECORD_LONGITUDINAL, "visit_photo", data, "photo.png", event="baseline_arm_1"
        )
        assert response.status_code == 200, response.content[:300]
        client = longitudinal.client("full_user")
        exported = client.export_file(WRITE_RECORD_LONGITUDINAL, "visit_photo", event="baseline_arm_1")
        assert sha256(exported.content) == sha256(data)


# -- step 5: the instance -----------------------------------------------------------------------------


def _next_free_instance(project: ProjectUnderTest, record: str, form: str, fields: list[str]) -> int:
    """An instance of `form` that `record` does not have yet, read from the record export (an earlier
    run against a real server may have left an instance behind: REDCap keeps the form status it
    created there). Never below 2, so the upload does not go to the default instance."""
    params = [("content", "record"), ("format", "json"), ("type", "flat"), ("records[0]", record)]
    params += [(f"fields[{i}]", name) for i, name in enumerate(fields)]
    response = project.post("full_user", params)
    assert response.status_code == 200, response.content[:300]
    rows = response.json()
    taken = [
        int(row["redcap_repeat_instance"])
        for row in rows
        if row.get("redcap_repeat_instrument") == form
        and str(row.get("redcap_repeat_instance", "")).isdigit()
    ]
    return max([1, *taken]) + 1


@pytest.mark.source(f"{STEP} step 5 and 13", f"{src.DOCS} api_docs_378: a new repeating instance is created")
def test_an_upload_to_a_new_instance_of_a_repeating_instrument_creates_it(classic: ProjectUnderTest) -> None:
    """Writes: uploads into a free instance of record 3's lab_results, then deletes it again."""
    fields = ["record_id", "lab_date", "lab_file", "lab_results_complete"]
    instance = _next_free_instance(classic, WRITE_RECORD, "lab_results", fields)
    data = reference_bytes("lab_2.txt")
    with emptied(classic, WRITE_RECORD, "lab_file", repeat_instance=instance):
        response = upload(classic, WRITE_RECORD, "lab_file", data, "lab.txt", repeat_instance=str(instance))
        assert response.status_code == 200, response.content[:300]
        exported = classic.client("full_user").export_file(WRITE_RECORD, "lab_file", repeat_instance=instance)
        assert sha256(exported.content) == sha256(data)
        assert _next_free_instance(classic, WRITE_RECORD, "lab_results", fields) == instance + 1


@pytest.mark.source(
    f"{src.V15_IMPORT}:59 reads repeat_instance with isinteger, else instance 1; "
    f"{src.V15} Config/init_functions.php:5188-5196 isinteger: sign and digits only, no leading zero",
    f"{src.V14_IMPORT}:59 used is_numeric instead",
)
@pytest.mark.redcap_version(">=15.7.6")
@pytest.mark.parametrize("sent", ["02", "2.0"], ids=["leading-zero", "decimal"])
def test_an_upload_instance_isinteger_refuses_goes_to_instance_1(
    classic: ProjectUnderTest, sent: str
) -> None:
    """Writes: uploads into record 3's lab_file, instance 1, then deletes it again."""
    data = reference_bytes("lab_2.txt")
    with emptied(classic, WRITE_RECORD, "lab_file", repeat_instance=1):
        response = upload(classic, WRITE_RECORD, "lab_file", data, "lab.txt", repeat_instance=sent)
        assert response.status_code == 200, response.content[:300]
        exported = classic.client("full_user").export_file(WRITE_RECORD, "lab_file", repeat_instance=1)
        assert sha256(exported.content) == sha256(data)


@pytest.mark.source(
    f"{src.V14_IMPORT}:59 and {src.V13_IMPORT}:59: repeat_instance taken when is_numeric and > 0; the "
    "instance = '02' of the SQL that stores it is the number 2 to MySQL",
    f"{src.V15_IMPORT}:59 uses isinteger instead (from 15)",
)
@pytest.mark.redcap_version(">=13.6.1,<15.0.0")
def test_an_upload_instance_with_a_leading_zero_is_that_instance_before_15(classic: ProjectUnderTest) -> None:
    """Writes: uploads into a free instance of record 3's lab_results (its number sent as '0N'), then
    deletes it again."""
    fields = ["record_id", "lab_date", "lab_file", "lab_results_complete"]
    instance = _next_free_instance(classic, WRITE_RECORD, "lab_results", fields)
    data = reference_bytes("lab_2.txt")
    with emptied(classic, WRITE_RECORD, "lab_file", repeat_instance=instance):
        response = upload(classic, WRITE_RECORD, "lab_file", data, "lab.txt", repeat_instance=f"0{instance}")
        assert response.status_code == 200, response.content[:300]
        exported = classic.client("full_user").export_file(WRITE_RECORD, "lab_file", repeat_instance=instance)
        assert sha256(exported.content) == sha256(data)


# -- step 6: locking (REDCap 13+) -----------------------------------------------------------------------


@pytest.mark.source(f"{STEP} step 6: Locking::isWholeRecordLocked", f"{src.V13_IMPORT}")
@pytest.mark.redcap_version(">=13.6.1")
def test_a_record_locked_whole_refuses_uploads(classic: ProjectUnderTest) -> None:
    _fixture_says(classic, LOCKED_RECORD, locked=True)
    response = upload(classic, LOCKED_RECORD, "report_file")
    assert _answer(response) == (400, expected.record_locked(LOCKED_RECORD))


@pytest.mark.source(f"{STEP}: step 6 runs before step 10", f"{src.V13_IMPORT}")
@pytest.mark.redcap_version(">=13.6.1")
def test_the_record_lock_is_checked_before_the_field(classic: ProjectUnderTest) -> None:
    response = upload(classic, LOCKED_RECORD, NO_SUCH_FIELD)
    assert _answer(response) == (400, expected.record_locked(LOCKED_RECORD))


@pytest.mark.source(f"{STEP} step 6: Locking::findLocked for the field's form, event and instance")
@pytest.mark.redcap_version(">=13.6.1")
def test_a_locked_instrument_refuses_uploads_to_its_fields(classic: ProjectUnderTest) -> None:
    _fixture_says(classic, LOCKED_FORM_RECORD, form="documents")
    response = upload(classic, LOCKED_FORM_RECORD, "report_file")
    assert _answer(response) == (400, expected.form_locked(LOCKED_FORM_RECORD))


@pytest.mark.source(f"{STEP} step 6: only the field's own instrument is looked at")
def test_a_locked_instrument_leaves_the_records_other_instruments_open(classic: ProjectUnderTest) -> None:
    """Writes: uploads into record 5's consent_form (enrollment; documents is the locked instrument),
    then deletes it again."""
    _fixture_says(classic, LOCKED_FORM_RECORD, form="documents")
    data = reference_bytes("consent_form.pdf")
    with emptied(classic, LOCKED_FORM_RECORD, "consent_form"):
        response = upload(classic, LOCKED_FORM_RECORD, "consent_form", data, "consent.pdf")
        assert response.status_code == 200, response.content[:300]


# -- step 8: the file type -----------------------------------------------------------------------------


@pytest.mark.source(
    f"{STEP} step 8: docs_1136 when Files::uploadFile refuses the type, before step 9",
    f"{src.V15_FILES} fileTypeAllowed: an empty extension is not allowed (in 14.5.11 it still was)",
)
@pytest.mark.redcap_version(">=15.7.6")
def test_a_file_name_without_an_extension_is_refused(classic: ProjectUnderTest) -> None:
    response = upload(classic, NO_SUCH_RECORD, "report_file", b"no extension\n", "README")
    assert _answer(response) == (400, expected.FILE_TYPE_NOT_PERMITTED)


@pytest.mark.source(f"{STEP} step 8: docs_1136 starts with 'ERROR: '", "reference §2: the csv envelope")
@pytest.mark.redcap_version(">=15.7.6")
def test_the_file_type_message_says_error_twice_in_a_csv_envelope(classic: ProjectUnderTest) -> None:
    response = upload(classic, NO_SUCH_RECORD, "report_file", b"x", "README", returnFormat="csv")
    assert response.status_code == 400
    assert response.content == expected.csv_error(expected.FILE_TYPE_NOT_PERMITTED)
    assert response.content.startswith(b"ERROR: ERROR: ")


@pytest.mark.source(
    f"{STEP} steps 8-12: the record, field and signature checks sit inside `if ($docId != 0)`; with no "
    "temporary file uploadFile saves nothing and the empty name has no extension, which V15 refuses",
    f"{src.AUDIT} #47",
)
@pytest.mark.redcap_version(">=15.7.6")
def test_an_upload_under_another_part_name_is_refused_before_the_record(classic: ProjectUnderTest) -> None:
    response = upload(classic, NO_SUCH_RECORD, NO_SUCH_FIELD, part="upload")
    assert _answer(response) == (400, expected.FILE_TYPE_NOT_PERMITTED)


@pytest.mark.source(
    f"{src.V14_IMPORT} and {src.V13_IMPORT}: the record, field and signature checks sit inside "
    "`if ($docId != 0)`; without a temporary file nothing is saved, and an empty extension is permitted",
    f"{src.AUDIT} #47",
)
@pytest.mark.redcap_version(">=13.6.1,<15.0.0")
def test_an_upload_under_another_part_name_fails_to_save_before_the_record(classic: ProjectUnderTest) -> None:
    response = upload(classic, NO_SUCH_RECORD, NO_SUCH_FIELD, part="upload")
    assert _answer(response) == (400, expected.SAVE_FAILED)


@pytest.mark.source(
    f"{STEP} step 8: docs_1136 for an extension on the Restricted Upload File Types list, before step 9",
    src.RESTRICTED_TYPES,
    f"{src.AUDIT} #50",
    f"{src.V15} Config/init_functions.php:2915-2919 getFileExt: the extension follows the LAST '.' (strrpos)",
)
@pytest.mark.redcap_version(">=13.10.5")
@pytest.mark.parametrize(
    "name", ["tool.exe", "script.JS", "page.php", "run.bat", "lib.dll", "app.jar", "notes.txt.exe"]
)
def test_a_restricted_file_type_is_refused(classic: ProjectUnderTest, name: str) -> None:
    response = upload(classic, NO_SUCH_RECORD, "report_file", b"MZ", name)
    assert _answer(response) == (400, expected.FILE_TYPE_NOT_PERMITTED)


@pytest.mark.source(
    f"{STEP} step 8: uploadFile judges the sanitised name ('hidden', no extension) and saves nothing, but "
    "docs_1136 is decided on the name as posted ('.hidden', extension 'hidden'), so the save fails",
    f"{src.AUDIT} #50",
)
@pytest.mark.redcap_version(">=15.7.6")
def test_the_file_type_refusal_is_decided_on_the_name_as_posted(classic: ProjectUnderTest) -> None:
    response = upload(classic, NO_SUCH_RECORD, "report_file", b"x", ".hidden")
    assert _answer(response) == (400, expected.SAVE_FAILED)


# -- step 9: the record --------------------------------------------------------------------------------


UNKNOWN_RECORDS = {"plain": NO_SUCH_RECORD, "quotes-and-ampersand": 'Tom & "Jerry\'s"'}


@pytest.mark.source(f"{STEP} step 9: single quotes, the record as sent, in every version")
@pytest.mark.parametrize("case", list(UNKNOWN_RECORDS))
def test_an_unknown_record_is_refused_raw_in_single_quotes(classic: ProjectUnderTest, case: str) -> None:
    record = UNKNOWN_RECORDS[case]
    response = upload(classic, record, "report_file")
    assert _answer(response) == (400, expected.import_record_missing(record))


@pytest.mark.source(f"{STEP} step 9: a row of the record in any event (project-wide, unlike export)")
def test_the_record_may_exist_in_another_event_than_the_one_named(longitudinal: ProjectUnderTest) -> None:
    # Record 102 exists in baseline_arm_1 only. In visit_1_arm_1 the upload passes the record check and
    # stops at the field check (a text field), so nothing is saved.
    response = upload(longitudinal, "102", "visit_date", event="visit_1_arm_1")
    assert _answer(response) == (400, expected.field_not_file("visit_date"))


@pytest.mark.source(f"{STEP}: step 9 runs before step 10")
def test_an_upload_checks_the_record_before_the_field(classic: ProjectUnderTest) -> None:
    response = upload(classic, NO_SUCH_RECORD, NO_SUCH_FIELD)
    assert _answer(response) == (400, expected.import_record_missing(NO_SUCH_RECORD))


# -- steps 10-11: the field ----------------------------------------------------------------------------


@pytest.mark.source(f"{STEP} step 10: a redcap_metadata row with element_type 'file'")
@pytest.mark.parametrize("field", [NO_SUCH_FIELD, "participant_name"], ids=["no-such-field", "a-text-field"])
def test_an_upload_to_a_field_that_is_not_a_file_field_is_refused(
    classic: ProjectUnderTest, field: str
) -> None:
    response = upload(classic, WRITE_RECORD, field)
    assert _answer(response) == (400, expected.field_not_file(field))


@pytest.mark.source(f"{STEP} step 11: validation 'signature' without mobile_app=1 (V7+)", f"{src.DOCS}")
def test_a_signature_field_is_refused(classic: ProjectUnderTest) -> None:
    field = classic.fixture.field("participant_signature")
    assert field is not None and field.is_signature
    png = reference_bytes("signature.png")
    response = upload(classic, WRITE_RECORD, "participant_signature", png, "signature.png")
    assert _answer(response) == (400, expected.signature_import("participant_signature"))


@pytest.mark.source(
    f"{STEP} step 11: the signature test reads $Proj->metadata[$fieldName], an exact PHP key, and "
    "`$post['mobile_app'] != '1'`",
    f"{src.AUDIT} #54",
)
@pytest.mark.parametrize(
    ("field", "extra"),
    [("participant_signature", {"mobile_app": "1"}), ("PARTICIPANT_SIGNATURE", {})],
    ids=["mobile-app", "field-in-capitals"],
)
def test_a_signature_upload_passes_as_the_mobile_app_or_under_another_case(
    classic: ProjectUnderTest, field: str, extra: dict[str, str]
) -> None:
    """Writes: uploads into record 3's participant_signature, then deletes it again."""
    png = reference_bytes("signature.png")
    with emptied(classic, WRITE_RECORD, "participant_signature"):
        response = upload(classic, WRITE_RECORD, field, png, "signature.png", **extra)
        assert (response.status_code, response.content) == (200, b"")
        exported = classic.client("full_user").export_file(WRITE_RECORD, "participant_signature")
        assert sha256(exported.content) == sha256(png)


@pytest.mark.source(f"{STEP}: step 9 runs before step 11")
def test_an_upload_checks_the_record_before_the_signature(classic: ProjectUnderTest) -> None:
    png = reference_bytes("signature.png")
    response = upload(classic, NO_SUCH_RECORD, "participant_signature", png, "signature.png")
    assert _answer(response) == (400, expected.import_record_missing(NO_SUCH_RECORD))


# -- step 13 and §3.1: what an accepted upload becomes ------------------------------------------------


@pytest.mark.source(f"{STEP} step 13: sendResponse(200)", f"{src.V15_REST} sendResponse (reference §3.2)")
def test_a_successful_upload_answers_200_with_an_empty_body(classic: ProjectUnderTest) -> None:
    """Writes: uploads into record 3's notes_file, then deletes it again."""
    with emptied(classic, WRITE_RECORD, "notes_file"):
        response = upload(classic, WRITE_RECORD, "notes_file", reference_bytes("notes.txt"), "notes.txt")
        assert (response.status_code, response.content) == (200, b"")
        assert response.headers.get("Content-Type") == expected.ERROR_CONTENT_TYPES["json"]


@pytest.mark.source(
    f"{src.V15_FILES}, {src.V14_FILES} and {src.V13_FILES} uploadFile: doc_name = "
    "trim(Files::sanitizeFileName(...)) (reference §3.1: '+' becomes '-', spaces stay; '?' and ':' are "
    "removed; accented letters from a fixed table, so AE for \u00c6 and s for \u00df)",
    f"{src.V15_FILES}:1518 sanitizeFileName removes '!' and '~'; :1849 turns '%20' into '-'; :1850 turns "
    "each run of CR, LF, tab and '-' into one '-'; :1851 trims '.', '-' and '_' from both ends",
    f"{src.AUDIT} #51, #52",
)
@pytest.mark.redcap_version(">=13.6.1")
@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("my report+v2.txt", "my report-v2.txt"),
        ("report: final?.txt", "report final.txt"),
        ("\u00c6\u00d8 \u00df.txt", "AEO s.txt"),
        ("notes.txt ", "notes.txt"),
        ("wow!.txt", "wow.txt"),
        ("a--b\tc.txt", "a-b-c.txt"),
        ("a~b.txt", "ab.txt"),
        ("my%20report.txt", "my-report.txt"),
        ("_report_.txt_", "report_.txt"),
    ],
    ids=[
        "plus",
        "colon-and-question-mark",
        "fixed-table",
        "outer-trim",
        "exclamation-mark",
        "dash-runs",
        "tilde",
        "percent-20",
        "underscores-at-the-ends",
    ],
)
def test_the_stored_name_passes_through_redcaps_sanitiser(
    classic: ProjectUnderTest, sent: str, stored: str
) -> None:
    """Writes: uploads into record 3's notes_file, then deletes it again."""
    data = reference_bytes("notes.txt")
    with emptied(classic, WRITE_RECORD, "notes_file"):
        response = upload(classic, WRITE_RECORD, "notes_file", data, sent)
        assert response.status_code == 200, response.content[:300]
        exported = classic.client("full_user").export_file(WRITE_RECORD, "notes_file")
        assert (exported.filename, sha256(exported.content)) == (stored, sha256(data))


@pytest.mark.source(
    f"{src.V15_FILES}:390 uploadFile: doc_name = trim(Files::sanitizeFileName(strip_tags(...))); "
    f"{src.V10_FILES}:341: trim(strip_tags(...)): an HTML tag in the upload's name goes, brackets and all "
    "(V7.1.2 Classes/Files.php:299 keeps it)",
)
@pytest.mark.redcap_version(">=10.0.13")
def test_the_stored_name_loses_html_tags(classic: ProjectUnderTest) -> None:
    """Writes: uploads into record 3's notes_file, then deletes it again."""
    data = reference_bytes("notes.txt")
    with emptied(classic, WRITE_RECORD, "notes_file"):
        response = upload(classic, WRITE_RECORD, "notes_file", data, "a<b>bold</b>.txt")
        assert response.status_code == 200, response.content[:300]
        exported = classic.client("full_user").export_file(WRITE_RECORD, "notes_file")
        assert (exported.filename, sha256(exported.content)) == ("abold.txt", sha256(data))


@pytest.mark.source(
    f"{src.V15_FILES} uploadFile: mime_type = mime_content_type() of the upload, V10+ (reference §3.1); "
    "the part's own Content-Type and the name's extension are not used"
)
@pytest.mark.redcap_version(">=10.0.13")
def test_the_stored_mime_type_is_sniffed_from_the_content(classic: ProjectUnderTest) -> None:
    """Writes: uploads a PNG named picture.bin into record 3's photo, then deletes it again."""
    png = reference_bytes("visit_photo_101_baseline.png")
    with emptied(classic, WRITE_RECORD, "photo"):
        response = upload(classic, WRITE_RECORD, "photo", png, "picture.bin")
        assert response.status_code == 200, response.content[:300]
        exported = classic.client("full_user").export_file(WRITE_RECORD, "photo")
        assert (exported.mime_type, exported.filename) == ("image/png", "picture.bin")
        assert sha256(exported.content) == sha256(png)


@pytest.mark.source(
    f"{src.V15_FILES}:391 uploadFile: mime_content_type on the temporary file, which libmagic calls "
    "application/x-empty when it is empty (PHP's multipart parser accepts an empty file with a name: "
    "error 0, size 0; observed with php-cli 8)",
)
@pytest.mark.redcap_version(">=10.0.13")
def test_an_empty_upload_is_stored_as_application_x_empty(classic: ProjectUnderTest) -> None:
    """Writes: uploads an empty file into record 3's notes_file, then deletes it again."""
    with emptied(classic, WRITE_RECORD, "notes_file"):
        response = upload(classic, WRITE_RECORD, "notes_file", b"", "empty.txt")
        assert response.status_code == 200, response.content[:300]
        exported = classic.client("full_user").export_file(WRITE_RECORD, "notes_file")
        assert (exported.mime_type, exported.filename, exported.content) == (
            "application/x-empty",
            "empty.txt",
            b"",
        )


@pytest.mark.source(
    f'{src.V10_FILES}:341 uploadFile: doc_name = trim(strip_tags(str_replace("\'", "", ...))); REDCap '
    '7.1.2 Classes/Files.php:299: str_replace("\'", "", ...): the apostrophe goes',
)
@pytest.mark.redcap_version("<=10.0.13")
def test_before_redcap_13_the_stored_name_loses_its_apostrophes(classic: ProjectUnderTest) -> None:
    """Writes: uploads into record 3's notes_file, then deletes it again."""
    data = reference_bytes("notes.txt")
    with emptied(classic, WRITE_RECORD, "notes_file"):
        response = upload(classic, WRITE_RECORD, "notes_file", data, "it's notes.txt")
        assert response.status_code == 200, response.content[:300]
        exported = classic.client("full_user").export_file(WRITE_RECORD, "notes_file")
        assert (exported.filename, sha256(exported.content)) == ("its notes.txt", sha256(data))


# -- V15 step 13: saved through getData/saveData ---------------------------------------------------------


def _delete_if_stored(project: ProjectUnderTest, params: dict[str, str]) -> None:
    """Put the target back should it have stored the upload after all (a 400 means nothing is there)."""
    response = project.post("deleter_user", params)
    assert response.status_code in (200, 400), response.content[:300]


def _visit_1_form_deleted(project: ProjectUnderTest, before: dict[str, object]) -> list[Undo]:
    params = [*listed("record", "records", [WRITE_RECORD_LONGITUDINAL]), ("instrument", "visit")]
    return [Undo("deleting record 103's visit form in visit_1_arm_1", [*params, ("event", "visit_1_arm_1")])]


@pytest.mark.source(
    "REDCap 14.5.11 API/file/import.php:175-178 and REDCap 13.6.1 API/file/import.php:173-176: the doc_id "
    "is INSERTed into redcap_data for the record in that event, whether or not the record has data there "
    "(REDCap 15 reads the record through getData first: the clause below)",
    f"{src.AUDIT} #55",
)
@pytest.mark.redcap_version(">=13.6.1,<15.0.0")
def test_before_15_an_upload_into_an_event_without_data_is_stored_there(
    longitudinal: ProjectUnderTest,
) -> None:
    """Writes: uploads into record 103's visit_photo in visit_1_arm_1 (no data there in the fixture), then
    deletes record 103's visit form in that event as designer_user; the record export is checked back."""
    rows = [r for r in longitudinal.fixture.records if r.record == WRITE_RECORD_LONGITUDINAL]
    assert rows and all(r.event == "baseline_arm_1" for r in rows)
    data = reference_bytes("visit_photo_101_baseline.png")
    with restored(longitudinal, ["record"], _visit_1_form_deleted):
        response = upload(
            longitudinal, WRITE_RECORD_LONGITUDINAL, "visit_photo", data, "photo.png", event="visit_1_arm_1"
        )
        assert (response.status_code, response.content) == (200, b"")
        client = longitudinal.client("full_user")
        exported = client.export_file(WRITE_RECORD_LONGITUDINAL, "visit_photo", event="visit_1_arm_1")
        assert (exported.filename, sha256(exported.content)) == ("photo.png", sha256(data))


@pytest.mark.source(
    f"{STEP} step 13 (V15 lines 142-161): REDCap::getData for the record in that event, then saveData per "
    "row; a record with no data in the event gives no row, so nothing is saved, yet the answer is 200",
    f"{src.AUDIT} #55",
)
@pytest.mark.redcap_version(">=15.7.6")
def test_an_upload_into_an_event_without_data_answers_200_and_stores_nothing(
    longitudinal: ProjectUnderTest,
) -> None:
    """Writes nothing on REDCap 15; should a server store the upload, it is deleted again."""
    longitudinal.token("deleter_user")
    rows = [r for r in longitudinal.fixture.records if r.record == WRITE_RECORD_LONGITUDINAL]
    assert rows and all(r.event == "baseline_arm_1" for r in rows)
    data = reference_bytes("visit_photo_101_baseline.png")
    try:
        response = upload(
            longitudinal, WRITE_RECORD_LONGITUDINAL, "visit_photo", data, "photo.png", event="visit_1_arm_1"
        )
        assert (response.status_code, response.content) == (200, b"")
        params = file_params("export", WRITE_RECORD_LONGITUDINAL, "visit_photo", event="visit_1_arm_1")
        after = longitudinal.post("full_user", params)
        assert _answer(after) == (400, expected.record_missing(WRITE_RECORD_LONGITUDINAL))
    finally:
        params = file_params("delete", WRITE_RECORD_LONGITUDINAL, "visit_photo", event="visit_1_arm_1")
        _delete_if_stored(longitudinal, params)
