"""Import Records (`content=record` with `data`, flat json): REDCap's refusals, each listing the bad value
as record, field, value and reason, and an accepted import as the record export shows it.

The refusals change nothing. Four clauses write: one sets `enrollment_notes` of classic record 3 (which
the reference fixture leaves blank) and blanks it again with overwriteBehavior=overwrite, one checks
the checkbox column `contact_ways___2` of record 3 (unchecked in the fixture) and unchecks it again the
same way, one renames record 3 and renames it back, one gives longitudinal record 103 a visit in Visit 1
and deletes that form again, whatever the outcome.
"""

from __future__ import annotations

import json

import pytest
import requests

from . import expected
from . import sources as src
from .helpers import RENAMER, blanked, json_message, rename_params, renamed
from .restore import Undo, export, json_import, listed, restored, send
from .targets import ProjectUnderTest

IMPORTER = "importer_user"
WRITE_RECORD = "3"
SAVE = "REDCap 15.7.6 Classes/Records.php saveData"
IMPORT = "REDCap 15.7.6 API/record/import.php"


def _import(project: ProjectUnderTest, rows: list[dict[str, str]], **more: str) -> requests.Response:
    params = {"content": "record", "format": "json", "returnFormat": "json", "data": json.dumps(rows), **more}
    return project.post(IMPORTER, params)


def _notes(project: ProjectUnderTest) -> str:
    params = {
        "content": "record",
        "format": "json",
        "records[0]": WRITE_RECORD,
        "fields[0]": "record_id",
        "fields[1]": "enrollment_notes",
    }
    rows = project.post("full_user", params).json()
    return str(next(r["enrollment_notes"] for r in rows if r["redcap_repeat_instrument"] == ""))


@pytest.mark.source(f"{src.V15_INDEX}: content=record with data is an import, which needs API Import/Update")
def test_a_record_import_needs_the_api_import_right(classic: ProjectUnderTest) -> None:
    params = {"content": "record", "format": "json", "returnFormat": "json", "data": "[]"}
    response = classic.post("full_user", params)
    assert (response.status_code, json_message(response)) == (403, expected.NO_API_IMPORT)


@pytest.mark.source(
    f"{SAVE}: fields neither in the data dictionary nor reserved (English.ini data_import_tool_218)"
)
def test_an_unknown_field_is_refused(classic: ProjectUnderTest) -> None:
    response = _import(classic, [{"record_id": WRITE_RECORD, "no_such_field": "x"}])
    assert (response.status_code, json_message(response)) == (
        400,
        "The following fields were not found in the project as real data fields: no_such_field",
    )


@pytest.mark.source(
    f"{SAVE}: a field of a repeating instrument needs redcap_repeat_instrument/instance (_262, _263)"
)
def test_a_repeating_field_without_an_instance_is_listed(classic: ProjectUnderTest) -> None:
    response = _import(classic, [{"record_id": WRITE_RECORD, "lab_date": "x"}])
    assert (response.status_code, json_message(response)) == (
        400,
        '"3","lab_date","x","This field (\'lab_date\') exists on a Repeating Instrument named '
        "'lab_results'. "
        "However, the fields 'redcap_repeat_instance' and/or 'redcap_repeat_instrument' for this row of data "
        "have no value, which are both required for importing data into a Repeating Instrument.  You are not "
        'allowed to import data for this field into a non-repeating instrument."',
    )


@pytest.mark.source(f"{SAVE}: the record id field must be given (data_import_tool_212, _213)")
def test_a_row_without_the_record_id_is_refused(classic: ProjectUnderTest) -> None:
    response = _import(classic, [{"enrollment_notes": "x"}])
    assert (response.status_code, json_message(response)) == (
        400,
        "The record id field (record_id) is missing.",
    )


@pytest.mark.source(
    f"{SAVE}:5419-5420: a record name holding '+', an apostrophe, '&' or '#' is refused "
    "(English.ini data_import_tool_215, _216)"
)
@pytest.mark.parametrize("name", ["a#b", "a+b"], ids=["pound-sign", "plus-sign"])
def test_a_record_name_with_a_forbidden_character_is_refused(classic: ProjectUnderTest, name: str) -> None:
    response = _import(classic, [{"record_id": name, "enrollment_notes": "x"}])
    assert (response.status_code, json_message(response)) == (
        400,
        f"The record name ({name}) cannot contain a plus sign (+), ampersand (&), pound sign (#), or "
        "apostrophe.",
    )


@pytest.mark.source(f"{IMPORT}:13-19: a project in Analysis/Cleanup status (2) refuses imports with a 403")
def test_a_record_import_into_an_analysis_cleanup_project_is_refused(analysis: ProjectUnderTest) -> None:
    params = {"content": "record", "format": "json", "returnFormat": "json"}
    response = analysis.post(IMPORTER, {**params, "data": json.dumps([{"record_id": "1"}])})
    assert (response.status_code, json_message(response)) == (
        403,
        "Data may not be imported because the project is in Analysis/Cleanup status.",
    )


@pytest.mark.source(
    f"{IMPORT}: returnContent=ids lists the records; {SAVE}: normal keeps, overwrite blanks",
    f"{src.V15_INDEX}:339: overwriteBehavior is compared lower-cased, so OVERWRITE is overwrite",
)
def test_an_import_writes_and_overwrite_blanks(classic: ProjectUnderTest) -> None:
    """Writes: enrollment_notes of record 3 (blank in the reference fixture), blanked again after."""
    assert _notes(classic) == "", f"record {WRITE_RECORD} must have no enrollment_notes"
    with blanked(classic, WRITE_RECORD, "enrollment_notes"):
        response = _import(
            classic, [{"record_id": WRITE_RECORD, "enrollment_notes": "written"}], returnContent="ids"
        )
        assert (response.status_code, response.text) == (200, '["3"]')
        assert _notes(classic) == "written"
        response = _import(classic, [{"record_id": WRITE_RECORD, "enrollment_notes": ""}])
        assert (response.status_code, response.text) == (200, '{"count": 1}')
        assert _notes(classic) == "written"
        response = _import(
            classic, [{"record_id": WRITE_RECORD, "enrollment_notes": ""}], overwriteBehavior="OVERWRITE"
        )
        assert response.status_code == 200
        assert _notes(classic) == ""


def _box(project: ProjectUnderTest, column: str) -> str:
    params = {"content": "record", "format": "json", "records[0]": WRITE_RECORD}
    params.update({"fields[0]": "record_id", "fields[1]": "contact_ways"})
    rows = project.post("full_user", params).json()
    return str(next(r[column] for r in rows if r["redcap_repeat_instrument"] == ""))


@pytest.mark.source(
    f"{SAVE}: a blank checkbox column stays blank in normal mode and is kept like any blank; overwrite "
    "mode turns it into 0 (V15 Records.php:5490-5506)"
)
def test_a_blank_checkbox_column_unchecks_only_in_overwrite_mode(classic: ProjectUnderTest) -> None:
    """Writes: contact_ways___2 of record 3 (unchecked in the reference fixture), unchecked again after."""
    column = "contact_ways___2"
    assert _box(classic, column) == "0", f"record {WRITE_RECORD} must have {column} unchecked"
    with blanked(classic, WRITE_RECORD, column):
        response = _import(classic, [{"record_id": WRITE_RECORD, column: "1"}])
        assert (response.status_code, response.text) == (200, '{"count": 1}')
        assert _box(classic, column) == "1"
        response = _import(classic, [{"record_id": WRITE_RECORD, column: ""}])
        assert (response.status_code, _box(classic, column)) == (200, "1")
        response = _import(classic, [{"record_id": WRITE_RECORD, column: ""}], overwriteBehavior="overwrite")
        assert (response.status_code, _box(classic, column)) == (200, "0")


# -- Delete Records and Generate Next Record Name (read only: every clause is refused or reads) ----------

DELETE = "REDCap 15.7.6 API/record/delete.php"


def _delete(project: ProjectUnderTest, username: str, *records: str) -> requests.Response:
    params = [("content", "record"), ("action", "delete"), ("returnFormat", "json")]
    params += [(f"records[{i}]", r) for i, r in enumerate(records)]
    return project.post(username, params)


@pytest.mark.source(f"{DELETE}: Delete Records without API Import/Update is a 400 (English.ini api_135)")
def test_a_record_delete_needs_api_import_too(classic: ProjectUnderTest) -> None:
    assert classic.user("deleter_user").record_delete and not classic.user("deleter_user").api_import
    response = _delete(classic, "deleter_user", "no-such-record")
    assert (response.status_code, json_message(response)) == (
        400,
        "Insufficient user privileges: You must have 'API Import/Update' privileges and 'Delete Records' "
        "privileges in the project in order to utilize this API method.",
    )


@pytest.mark.source(f"{src.V15_INDEX}: content=record&action=delete checks Delete Records first (403)")
def test_a_record_delete_needs_the_delete_records_right(classic: ProjectUnderTest) -> None:
    response = _delete(classic, IMPORTER, "no-such-record")
    assert (response.status_code, json_message(response)) == (403, "You do not have Delete Record privileges")


@pytest.mark.source(
    "REDCap 15.7.6 API/generateNextRecordName/export.php, Classes/DataEntry.php getAutoId: the largest "
    "record name of digits only, plus one"
)
def test_the_next_record_name_follows_the_largest_numeric_one(classic: ProjectUnderTest) -> None:
    numbers = [int(row.record) for row in classic.fixture.records if row.record.isdigit()]
    response = classic.post("full_user", {"content": "generateNextRecordName"})
    assert (response.status_code, response.text) == (200, str(max(numbers) + 1))


@pytest.mark.source(
    "REDCap 15.7.6 API/record/rename.php and Classes/REDCap.php renameRecord:2380: a record that does not "
    "exist is answered 200 with English.ini api_188 as the body (super users hold the Rename Record right)",
    "REDCap 13.6.1 API/record/rename.php (the method's first release among the sources; 10.0.13 has none)",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_renaming_a_record_that_does_not_exist_answers_200_with_redcaps_text(
    classic: ProjectUnderTest,
) -> None:
    response = classic.post(
        RENAMER, rename_params("contract-suite-no-such-record", "contract-suite-new-name")
    )
    assert (response.status_code, response.text) == (200, "Current Record does not exists.")


@pytest.mark.source(
    "REDCap 15.7.6 Classes/REDCap.php renameRecord:2386: the new name is trimmed (and url-decoded) before "
    "the record takes it; rename.php answers renameRecord's true as 1",
    "REDCap 13.6.1 API/record/rename.php (the method's first release among the sources)",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_renamed_record_takes_the_new_name_trimmed(classic: ProjectUnderTest) -> None:
    """Writes: renames record 3 to contract-suite-renamed (sent with spaces around it), then back to 3."""
    new_name = "contract-suite-renamed"
    with renamed(classic, WRITE_RECORD, new_name):
        response = classic.post(RENAMER, rename_params(WRITE_RECORD, f"  {new_name}  "))
        assert (response.status_code, response.text) == (200, "1")
        params = {"content": "record", "format": "json", "fields[0]": "record_id"}
        names = {str(row["record_id"]) for row in classic.post("full_user", params).json()}
        assert new_name in names and WRITE_RECORD not in names


def _visit_1_back(project: ProjectUnderTest, before: dict[str, object]) -> list[Undo]:
    params = [*listed("record", "records", ["103"]), ("instrument", "visit"), ("event", "visit_1_arm_1")]
    return [Undo("deleting record 103's visit form in visit_1_arm_1", params)]


@pytest.mark.source(
    "REDCap 15.7.6 Classes/Records.php:126-156 deleteForm: in a longitudinal project, when no form of the "
    "event has data left and the record has data in another event, every value of the event goes, the "
    "record ID included, so the export has no row for it",
    "REDCap 13.6.1 Classes/Records.php:116-146 (the same)",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_deleting_the_only_form_with_data_in_an_event_removes_the_event_row(
    longitudinal: ProjectUnderTest,
) -> None:
    """Writes: record 103 (Baseline only in the fixture) gets a visit date in Visit 1, then its visit form
    there is deleted with Delete Records (instrument and event); the record export is checked back."""
    with restored(longitudinal, ["record"], _visit_1_back) as before:
        row = {"record_id": "103", "redcap_event_name": "visit_1_arm_1", "visit_date": "2024-05-01"}
        assert send(longitudinal, json_import("record", [row])) == (200, '{"count": 1}')
        events = [r["redcap_event_name"] for r in export(longitudinal, "record") if r["record_id"] == "103"]
        assert events == ["baseline_arm_1", "visit_1_arm_1"]
        assert send(longitudinal, _visit_1_back(longitudinal, before)[0].params) == (200, "1")
        assert export(longitudinal, "record") == before["record"]
