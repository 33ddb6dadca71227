"""The File Repository content a project holds before any clause runs (reference_classic.yaml's
`file_repository:`, provisioned through the API): listed, opened and exported as REDCap lists and sends
an uploaded file. None of these clauses writes."""

from __future__ import annotations

import pytest
import requests

from .targets import ProjectUnderTest

REPOSITORY = "REDCap 15.7.6 API/fileRepository"
FOLDER = "Contract reference"
DAG_FOLDER = "Contract site only"
FILE = "reference notes.txt"


def _repository(project: ProjectUnderTest, action: str, **params: str) -> requests.Response:
    return project.post(
        "full_user",
        {"content": "fileRepository", "action": action, "format": "json", "returnFormat": "json", **params},
    )


def _folder_id(project: ProjectUnderTest, name: str) -> str:
    listing = _repository(project, "list")
    assert listing.status_code == 200
    found = [row for row in listing.json() if row.get("name") == name and "folder_id" in row]
    assert len(found) == 1, f"the top level of the File Repository holds no folder {name!r}"
    assert set(found[0]) == {"folder_id", "name"} and isinstance(found[0]["folder_id"], int)
    return str(found[0]["folder_id"])


@pytest.mark.source(
    f"{REPOSITORY}/list.php:23-44: a folder's subfolders then its files, each as folder_id/doc_id and name",
    "REDCap 15.7.6 Classes/FileRepository.php userHasFolderAccess:1194-1206: a user in no DAG opens a"
    " DAG-restricted folder",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_the_projects_repository_folders_and_file_are_listed(classic: ProjectUnderTest) -> None:
    folder_id = _folder_id(classic, FOLDER)
    inside = _repository(classic, "list", folder_id=folder_id)
    assert inside.status_code == 200
    rows = inside.json()
    assert [row["name"] for row in rows] == [FILE] and set(rows[0]) == {"doc_id", "name"}
    restricted = _repository(classic, "list", folder_id=_folder_id(classic, DAG_FOLDER))
    assert (restricted.status_code, restricted.json()) == (200, [])


@pytest.mark.source(
    f"{REPOSITORY}/export.php, REDCap 15.7.6 Classes/RestUtility.php sendFileContents:319-339: the stored"
    " bytes with the MIME type and name they were uploaded with",
)
@pytest.mark.redcap_version(">=14.5.11")
def test_the_projects_repository_file_exports_as_uploaded(classic: ProjectUnderTest) -> None:
    rows = _repository(classic, "list", folder_id=_folder_id(classic, FOLDER)).json()
    exported = _repository(classic, "export", doc_id=str(rows[0]["doc_id"]))
    expected = classic.fixture.repository.files[0].stored.read_bytes()
    assert (exported.status_code, exported.content) == (200, expected)
    assert exported.headers["Content-Type"] == f'text/plain; name="{FILE}";charset=UTF-8'
