"""The File Repository (content=fileRepository): V15 API/fileRepository/*.php and
Classes/FileRepository.php."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from redcap.project import Project

from fake_redcap import FakeServer, FakeState
from fake_redcap.methods import file_repository as fr
from tests.support import (
    BOUNDARY,
    CLASSIC_EXTRA_FILES,
    CLASSIC_TOKENS,
    MakeState,
    api,
    classic_fixture,
    json_error,
    multipart_body,
    post,
    tok,
)

KEEPER = tok(0x3301)


def _classic() -> dict[str, Any]:
    doc = classic_fixture()
    doc["users"].append(
        {"username": "keeper", "token": KEEPER, "data_export": "full", "api_import": True}
        | {"rights": {"file_repository": 1, "logging": 1}}
    )
    return doc


@pytest.fixture
def state(make_state: MakeState) -> FakeState:
    return make_state(_classic(), CLASSIC_EXTRA_FILES)


@pytest.fixture
def client(state: FakeState) -> FlaskClient:
    return api(state)


def _call(client: FlaskClient, action: str, token: str = KEEPER, **params: str) -> tuple[int, str]:
    base = {"token": token, "content": "fileRepository", "action": action, "format": "json"}
    response = post(client, {**base, **params})
    return response.status_code, response.get_data(as_text=True)


def _upload(client: FlaskClient, name: str, data: bytes, **fields: str) -> tuple[int, str]:
    base = {"token": KEEPER, "content": "fileRepository", "action": "import", "returnFormat": "json"}
    body = multipart_body({**base, **fields}, [("file", name, data)])
    response = client.post("/api/", data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    return response.status_code, response.get_data(as_text=True)


def _error(text: str) -> tuple[int, str]:
    return 400, json_error(text).decode()


def test_folders_files_and_the_listing(client: FlaskClient) -> None:
    status, body = _call(client, "createFolder", name="test")
    assert status == 200
    folder = int(body.removeprefix('[{"folder_id":').removesuffix("}]"))
    assert _call(client, "createFolder", name="B 10") == (200, f'[{{"folder_id":{folder + 1}}}]')
    assert _call(client, "createFolder", name="b 9")[0] == 200
    assert _upload(client, "test.txt", b"hello") == (200, "")
    assert _upload(client, "test.txt", b"again") == (200, "")  # a free name: "test (1).txt"
    assert _upload(client, "in.txt", b"inside", folder_id=str(folder)) == (200, "")
    status, body = _call(client, "list")
    assert status == 200
    listed = [(row.get("folder_id"), row.get("doc_id"), row["name"]) for row in _json(body)]
    assert [name for _, _, name in listed] == ["b 9", "B 10", "test", "test (1).txt", "test.txt"]
    inside = _json(_call(client, "list", folder_id=str(folder))[1])
    assert [row["name"] for row in inside] == ["in.txt"]
    csv = _call(client, "list", format="csv")[1].split("\n")
    assert csv[0] == "folder_id,doc_id,name" and csv[1].endswith(',,"b 9"')
    xml = _call(client, "list", folder_id=str(folder), format="xml")[1]
    doc_id = inside[0]["doc_id"]
    assert xml == (
        f'<?xml version="1.0" encoding="UTF-8" ?>\n<items>\n<item><doc_id>{doc_id}</doc_id>'
        "<name><![CDATA[in.txt]]></name></item>\n</items>\n"
    )


def _json(body: str) -> list[dict[str, Any]]:
    decoded = json.loads(body)
    assert isinstance(decoded, list)
    return decoded


def test_create_folder_refusals(client: FlaskClient) -> None:
    assert _call(client, "createFolder") == _error(fr.NO_NAME)
    assert _call(client, "createFolder", name="x", folder_id="abc") == _error(fr.BAD_FOLDER_ID)
    assert _call(client, "createFolder", name="x", folder_id="999") == _error(
        fr.NO_FOLDER.format(folder_id="999")
    )
    assert _call(client, "createFolder", name="Same")[0] == 200
    assert _call(client, "createFolder", name="same") == _error(fr.DUPLICATE.format(name="same"))
    assert _call(client, "createFolder", name="x", token=CLASSIC_TOKENS["full"])[0] == 403  # API Import


def test_export_and_delete(client: FlaskClient, state: FakeState) -> None:
    assert _upload(client, "notes.txt", b"hello") == (200, "")
    doc_id = _json(_call(client, "list")[1])[0]["doc_id"]
    response = post(
        client, {"token": KEEPER, "content": "fileRepository", "action": "export", "doc_id": str(doc_id)}
    )
    assert response.status_code == 200
    assert response.get_data() == b"hello"
    assert response.headers["Content-Type"] == 'text/plain; name="notes.txt";charset=UTF-8'
    assert response.headers["Content-Security-Policy"] == "script-src 'none'"
    assert _call(client, "delete", doc_id=str(doc_id)) == (200, "")
    assert _json(_call(client, "list")[1]) == []
    # REDCap only sets delete_date: the doc_id still exports and deletes
    again = post(
        client, {"token": KEEPER, "content": "fileRepository", "action": "export", "doc_id": str(doc_id)}
    )
    assert again.get_data() == b"hello"
    assert _call(client, "delete", doc_id=str(doc_id)) == (200, "")
    assert _call(client, "export", doc_id="abc") == _error(fr.BAD_DOC_ID)
    assert _call(client, "delete", doc_id="12345") == _error(fr.BAD_DOC_ID)
    assert _call(client, "delete") == _error(fr.BAD_DOC_ID)


def test_upload_refusals_and_the_log(client: FlaskClient, state: FakeState) -> None:
    body = multipart_body({"token": KEEPER, "content": "fileRepository", "action": "import"})
    response = client.post("/api/", data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code == 400
    assert _upload(client, "evil.exe", b"MZ")[0] == 400
    assert _upload(client, "a.txt", b"x", folder_id="77")[0] == 400
    _call(client, "createFolder", name="docs")
    _upload(client, "a.txt", b"x", folder_id="1")
    rows = [(e.event, e.object_type, e.data_values, e.description) for e in reversed(state.project_log(101))]
    assert rows == [
        ("MANAGE", "redcap_docs_folders", "docs", "Create folder in File Repository (API)"),
        ("MANAGE", "redcap_docs", "a.txt, folder docs", "Upload file to File Repository (API)"),
    ]
    _call(client, "list")
    assert state.project_log(101)[0].data_values == "folder [Top-level directory]"


def test_reset_empties_the_repository_and_frees_its_files(client: FlaskClient, state: FakeState) -> None:
    assert _upload(client, "notes.txt", b"hello") == (200, "")
    uploads = [p for p in state.storage.root.iterdir() if p.is_file()]
    assert len(uploads) == 1
    state.reset()
    assert _json(_call(client, "list")[1]) == []
    assert not uploads[0].exists()


@pytest.fixture
def server(state: FakeState) -> Iterator[FakeServer]:
    with FakeServer(state, "127.0.0.1", 0) as running:
        yield running


def test_pycap_fills_and_reads_the_repository(server: FakeServer, tmp_path: Any) -> None:
    """What PyCap's integration fixtures and tests do (PyCap's integration conftest
    add_files_to_repository, test_simple_project.py)."""
    project = Project(server.url, KEEPER)
    folder = project.create_folder_in_repository("test").pop()
    assert folder["folder_id"] > 0
    path = tmp_path / "t.txt"
    path.write_text("hello")
    with path.open("r") as handle:
        project.import_file_into_repository(file_name="test.txt", file_object=handle)
        handle.seek(0)
        project.import_file_into_repository(
            file_name="test_in_folder.txt", file_object=handle, folder_id=folder["folder_id"]
        )
    listing = project.export_file_repository()
    text_file = [f for f in listing if f["name"] == "test.txt"].pop()
    content, headers = project.export_file_from_repository(doc_id=text_file["doc_id"])
    assert content == b"hello" and headers["name"] == "test.txt"
    assert project.delete_file_from_repository(doc_id=text_file["doc_id"]) == [{}]
    logs = project.export_logging(log_type="manage")
    assert "manage/design" in logs.pop()["action"].lower()


def test_the_file_repository_right_and_dag_restricted_folders(make_state: MakeState) -> None:
    """The File Repository right (fileRepository/*.php:10-13) and DAG-restricted folders
    (FileRepository.php createFolder:114-116, userHasFolderAccess:1194-1206, list.php:24)."""
    doc = _classic()
    doc["dags"] = [{"name": "Site A"}, {"name": "Site B"}]
    member = tok(0x3302)
    doc["users"].append(
        {"username": "member", "token": member, "data_export": "full", "api_import": True}
        | {"dag": "site_b", "rights": {"file_repository": 1}}
    )
    doc["users"].append({"username": "outsider", "token": tok(0x3303), "data_export": "full"})
    state = make_state(doc, CLASSIC_EXTRA_FILES)
    client = api(state)
    assert _call(client, "list", token=tok(0x3303)) == (403, json_error(fr.NO_RIGHTS).decode())
    assert _call(client, "createFolder", name="for A", dag_id="1")[0] == 200
    assert _call(client, "createFolder", name="open")[0] == 200
    assert [r["name"] for r in _json(_call(client, "list")[1])] == ["for A", "open"]
    assert [r["name"] for r in _json(_call(client, "list", token=member)[1])] == ["open"]
    assert _call(client, "list", token=member, folder_id="1") == _error(fr.NO_FOLDER.format(folder_id="1"))
    first = state.project_log(101)[-1]
    assert first.data_values == "for A, DAG-Restricted: Site A"
