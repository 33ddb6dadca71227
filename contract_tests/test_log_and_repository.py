"""Export Logging (`content=log`) and the File Repository (`content=fileRepository`).

Every call to a REDCap server adds rows to its logging, so the log clauses compare only rows they
choose by filter (a time in the future matches none; a record import's own row is the newest of its
record). The repository refusals change nothing (no folder is created: a folder cannot be deleted
through the API); the one repository clause that writes uploads a file with a name of its own into the
top level and deletes it again, whatever the outcome (REDCap keeps a deleted file's row, out of the
list).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator

import pytest
import requests

from .helpers import blanked, json_message
from .targets import ProjectUnderTest

LOG = "REDCap 15.7.6 API/log/export.php"
FILTERS = "REDCap 15.7.6 Logging/filters.php"
RENDER = "REDCap 15.7.6 Classes/Logging.php renderLogRow"
REPOSITORY = "REDCap 15.7.6 API/fileRepository"
FILE_REPOSITORY = "REDCap 15.7.6 Classes/FileRepository.php"
FUTURE = "2999-12-31 23:59"
LOG_HEADER = "timestamp,username,action,details,record"
CONTRACT_FILE = "fake-redcap-contract-repository.txt"
CONTRACT_BYTES = b"written by the contract suite, deleted again\n"


def _log(project: ProjectUnderTest, username: str, **params: str) -> requests.Response:
    return project.post(username, {"content": "log", "returnFormat": "json", **params})


def _repository(project: ProjectUnderTest, username: str, action: str, **params: str) -> requests.Response:
    return project.post(
        username,
        {"content": "fileRepository", "action": action, "format": "json", "returnFormat": "json", **params},
    )


@pytest.mark.source(f'{LOG}:5-7: "No Access" data export rights are refused first')
@pytest.mark.redcap_version(">=13.6.1")
def test_the_log_export_refuses_no_access_export_rights(classic: ProjectUnderTest) -> None:
    response = _log(classic, "no_access_user", format="json")
    assert (response.status_code, json_message(response)) == (
        403,
        'The API request cannot complete because currently you have "No Access" data export rights. Higher '
        "level data export rights are required for this operation.",
    )


@pytest.mark.source(
    f"{LOG}:33-35, 83-91: no row is the csv header alone, [] in json, <logs> empty in xml",
    f"{FILTERS}:118-133, 167: beginTime, read as digits, bounds ts",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_log_export_that_matches_nothing_in_each_format(classic: ProjectUnderTest) -> None:
    bounds = {"logtype": "record", "beginTime": FUTURE}
    csv = _log(classic, "full_user", format="csv", **bounds)
    assert (csv.status_code, csv.text) == (200, LOG_HEADER)
    assert _log(classic, "full_user", format="json", **bounds).text == "[]"
    xml = _log(classic, "full_user", format="xml", **bounds)
    assert xml.text == '<?xml version="1.0" encoding="UTF-8" ?>\n<logs>\n</logs>\n'


@pytest.mark.source(
    f"{LOG}:45-58: the columns, newest row first",
    f"{RENDER}: 'Update record (API)' then the record; the data values on one line",
    "REDCap 15.7.6 Classes/Records.php saveData:7096-7104, 7276-7300: the row a record import logs",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_record_import_shows_in_the_log_as_redcap_renders_it(classic: ProjectUnderTest) -> None:
    """Writes: sets record 3's enrollment_notes, reads the log, and blanks the value again."""
    value = "logged by the contract suite"
    with blanked(classic, "3", "enrollment_notes"):
        data = json.dumps([{"record_id": "3", "enrollment_notes": value}])
        params = {"content": "record", "format": "json", "returnFormat": "json", "data": data}
        assert classic.post("importer_user", params).status_code == 200
        response = _log(classic, "full_user", format="json", logtype="record_edit", record="3")
        assert response.status_code == 200, response.content[:300]
        newest = response.json()[0]
        assert list(newest) == ["timestamp", "username", "action", "details", "record"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", newest["timestamp"])
        assert (newest["action"], newest["details"], newest["record"]) == (
            "Update record (API) 3",
            f"enrollment_notes = '{value}'",
            "3",
        )


@pytest.mark.source(f"{REPOSITORY}/export.php:17-19, REDCap 15.7.6 Classes/Files.php validateDocId:1427")
@pytest.mark.redcap_version(">=13.6.1")
@pytest.mark.parametrize("doc_id", ["", "abc", "1.5"])
def test_a_repository_export_without_a_whole_doc_id_is_refused(
    classic: ProjectUnderTest, doc_id: str
) -> None:
    response = _repository(classic, "full_user", "export", doc_id=doc_id)
    assert (response.status_code, json_message(response)) == (400, "Invalid doc_id or missing doc_id")


@pytest.mark.source(f"{FILE_REPOSITORY} createFolder:90-95: a name, then a whole folder_id")
@pytest.mark.redcap_version(">=13.6.1")
def test_create_folder_wants_a_name_then_a_valid_folder_id(classic: ProjectUnderTest) -> None:
    response = _repository(classic, "importer_user", "createFolder")
    assert (response.status_code, json_message(response)) == (400, "new folder 'name' not provided")
    response = _repository(classic, "importer_user", "createFolder", name="never made", folder_id="abc")
    assert (response.status_code, json_message(response)) == (400, "folder_id is not valid")


@pytest.mark.source(f"{REPOSITORY}/createFolder.php:16-20 and list.php:16-20: an unknown folder_id")
@pytest.mark.redcap_version(">=13.6.1")
@pytest.mark.parametrize("action", ["createFolder", "list"])
def test_an_unknown_folder_is_refused(classic: ProjectUnderTest, action: str) -> None:
    response = _repository(classic, "importer_user", action, name="never made", folder_id="2147480001")
    assert (response.status_code, json_message(response)) == (
        400,
        "The File Repository folder folder_id=2147480001 does not exist or else you do not have permission "
        "to that folder because it is DAG-restricted or Role-restricted.",
    )


@pytest.mark.source(f"{FILE_REPOSITORY} upload:377-380: no part named file")
@pytest.mark.redcap_version(">=13.6.1")
def test_a_repository_import_without_a_file_is_refused(classic: ProjectUnderTest) -> None:
    response = _repository(classic, "importer_user", "import")
    assert (response.status_code, json_message(response)) == (400, "No valid file was uploaded")


@contextlib.contextmanager
def repository_cleaned(project: ProjectUnderTest, name: str) -> Iterator[None]:
    """Around a clause that uploads `name` into the top level of the File Repository: afterwards every
    top-level file of that name (or REDCap's "name (n)" for it) is deleted, however the clause ended."""
    stem = name.rsplit(".", 1)[0]
    project.token("importer_user")
    try:
        yield
    finally:
        listing = _repository(project, "importer_user", "list")
        left = (
            [row for row in listing.json() if str(row.get("name", "")).startswith(stem)] if listing.ok else []
        )
        for row in left:
            _repository(project, "importer_user", "delete", doc_id=str(row["doc_id"]))
        if not listing.ok:
            raise AssertionError(
                f"the File Repository of {project.name} could not be listed to delete {name}"
            )


@pytest.mark.source(
    f"{FILE_REPOSITORY} upload:369-442, {REPOSITORY}/list.php, export.php, delete.php",
    "REDCap 15.7.6 Classes/RestUtility.php sendFileContents:319-339: the file's headers",
)
@pytest.mark.redcap_version(">=14.5.11")
def test_a_repository_file_is_listed_exported_and_deleted(classic: ProjectUnderTest) -> None:
    """Writes: uploads a file into the File Repository's top level and deletes it again."""
    with repository_cleaned(classic, CONTRACT_FILE):
        params = {"content": "fileRepository", "action": "import", "returnFormat": "json"}
        files = {"file": (CONTRACT_FILE, CONTRACT_BYTES, "text/plain")}
        response = classic.post("importer_user", params, files=files)
        assert (response.status_code, response.content) == (200, b"")
        listing = _repository(classic, "importer_user", "list").json()
        mine = [row for row in listing if row.get("name") == CONTRACT_FILE]
        assert len(mine) == 1 and set(mine[0]) == {"doc_id", "name"} and isinstance(mine[0]["doc_id"], int)
        doc_id = str(mine[0]["doc_id"])
        exported = _repository(classic, "full_user", "export", doc_id=doc_id)
        assert (exported.status_code, exported.content) == (200, CONTRACT_BYTES)
        assert exported.headers["Content-Type"] == f'text/plain; name="{CONTRACT_FILE}";charset=UTF-8'
        assert exported.headers["Content-Security-Policy"] == "script-src 'none'"
        deleted = _repository(classic, "importer_user", "delete", doc_id=doc_id)
        assert (deleted.status_code, deleted.content) == (200, b"")
        after = _repository(classic, "importer_user", "list").json()
        assert not [row for row in after if row.get("doc_id") == mine[0]["doc_id"]]
