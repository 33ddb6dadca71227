"""A File Repository declared by the fixture (`file_repository:`, fake_redcap/fixture/repository.py):
validated at load, listed and exported as uploaded files are, restricted by DAG and role as REDCap's
userHasFolderAccess restricts folders (V15 Classes/FileRepository.php:1194-1206, API/fileRepository/
list.php:24-25), brought back by a reset, shown on the page, provisioned through the API."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeServer, FakeState
from fake_redcap.fixture import FixtureError
from fake_redcap.page import _repository_view
from tests.support import CLASSIC_EXTRA_FILES, MakeState, api, classic_fixture, post, tok

KEEPER = tok(0x4401)
SITE_B = tok(0x4402)
ROLE_USER = tok(0x4403)
ROLE = "U-123ACDEFHJ"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
RIGHTS = {"file_repository": 1, "logging": 1}


def _doc() -> dict[str, Any]:
    doc = classic_fixture()
    doc["dags"] = [{"name": "Site A"}, {"name": "Site B"}]
    doc["roles"] = [{"unique_role_name": ROLE, "label": "Monitor", "rights": RIGHTS}]
    doc["users"] += [
        {
            "username": "keeper",
            "token": KEEPER,
            "data_export": "full",
            "api_import": True,
            "rights": {**RIGHTS, "data_access_groups": 1},
        },
        {"username": "site_b", "token": SITE_B, "data_export": "full", "dag": "site_b", "rights": RIGHTS},
        {"username": "monitor", "token": ROLE_USER, "data_export": "full", "role": ROLE},
    ]
    doc["file_repository"] = {
        "folders": [
            {"name": "Protocols"},
            {"name": "2024", "parent": "Protocols"},
            {"name": "Site A only", "dag": "site_a", "id": 20},
            {"name": "Monitors", "role": ROLE},
        ],
        "files": [
            {"text": "protocol v1\n", "name": "protocol.txt", "folder": "Protocols"},
            {"path": "files/consent.pdf", "mime": "application/pdf", "doc_id": 40},
            {"base64": base64.b64encode(PNG).decode(), "name": "logo.png", "folder": "Protocols/2024"},
            {"text": "site a\n", "name": "a.txt", "folder": "Site A only"},
        ],
    }
    return doc


@pytest.fixture
def state(make_state: MakeState) -> FakeState:
    return make_state(_doc(), CLASSIC_EXTRA_FILES)


@pytest.fixture
def client(state: FakeState) -> FlaskClient:
    return api(state)


def _call(client: FlaskClient, action: str, token: str = KEEPER, **params: str) -> tuple[int, Any]:
    base = {"token": token, "content": "fileRepository", "action": action, "format": "json"}
    response = post(client, {**base, **params})
    body = response.get_data()
    if response.status_code == 200 and action in ("list", "createFolder"):
        return 200, json.loads(body)
    return response.status_code, body


def test_the_fixture_repository_is_listed_as_redcap_lists_it(client: FlaskClient) -> None:
    assert _call(client, "list") == (
        200,
        [
            {"folder_id": 4, "name": "Monitors"},
            {"folder_id": 1, "name": "Protocols"},
            {"folder_id": 20, "name": "Site A only"},
            {"doc_id": 40, "name": "consent.pdf"},
        ],
    )
    assert _call(client, "list", folder_id="1") == (
        200,
        [{"folder_id": 2, "name": "2024"}, {"doc_id": 1, "name": "protocol.txt"}],
    )
    assert _call(client, "list", folder_id="2") == (200, [{"doc_id": 3, "name": "logo.png"}])


def test_fixture_files_export_with_their_bytes_and_type(client: FlaskClient) -> None:
    response = post(client, {"token": KEEPER, "content": "fileRepository", "action": "export", "doc_id": "3"})
    assert (response.status_code, response.get_data()) == (200, PNG)
    assert response.headers["Content-Type"] == 'image/png; name="logo.png"'
    pdf = post(client, {"token": KEEPER, "content": "fileRepository", "action": "export", "doc_id": "40"})
    assert pdf.get_data() == CLASSIC_EXTRA_FILES["files/consent.pdf"]
    assert pdf.headers["Content-Type"].startswith("application/pdf;")


def test_new_ids_stay_above_the_fixture_ids_and_a_reset_restores_the_fixture(
    state: FakeState, client: FlaskClient
) -> None:
    assert _call(client, "createFolder", name="New") == (200, [{"folder_id": 21}])
    assert _call(client, "delete", doc_id="1")[0] == 200
    assert _call(client, "list", folder_id="1")[1] == [{"folder_id": 2, "name": "2024"}]
    form = {
        "token": KEEPER,
        "content": "fileRepository",
        "action": "import",
        "file": (io.BytesIO(b"x"), "n.txt"),
    }
    assert client.post("/api/", data=form, content_type="multipart/form-data").status_code == 200
    assert any(row.get("doc_id") == 41 for row in _call(client, "list")[1])  # above doc_id 40
    state.reset()
    top = _call(client, "list")[1]
    assert [row["name"] for row in top] == ["Monitors", "Protocols", "Site A only", "consent.pdf"]
    assert _call(client, "list", folder_id="1")[1][1] == {"doc_id": 1, "name": "protocol.txt"}
    assert _call(client, "createFolder", name="Again") == (200, [{"folder_id": 22}])  # never reused


def test_dag_and_role_restricted_folders(client: FlaskClient) -> None:
    """A DAG member sees neither another DAG's folder nor its contents; a user in a role does not see a
    folder restricted to another role; users outside any DAG or role see every folder."""
    names = [row["name"] for row in _call(client, "list", token=SITE_B)[1]]
    assert names == ["Monitors", "Protocols", "consent.pdf"]
    status, body = _call(client, "list", token=SITE_B, folder_id="20")
    assert status == 400 and b"folder_id=20 does not exist" in body
    names = [row["name"] for row in _call(client, "list", token=ROLE_USER)[1]]
    assert names == ["Monitors", "Protocols", "Site A only", "consent.pdf"]


def test_create_folder_with_a_role_id_restricts_it_and_logs_it(state: FakeState, client: FlaskClient) -> None:
    assert _call(client, "createFolder", name="Private", role_id="1") == (200, [{"folder_id": 21}])
    folder = state.served[0].repository.folder(21)
    assert folder is not None and folder.role_id == 1
    assert state.project_log(101)[0].data_values == "Private, Role-Restricted: Monitor"
    assert _call(client, "createFolder", name="Unknown role", role_id="9")[0] == 200
    assert state.served[0].repository.folder(22).role_id is None  # type: ignore[union-attr]


def test_the_page_shows_the_fixture_repository_with_its_restrictions(state: FakeState) -> None:
    served = state.served[0]
    rows = {(r["folder"], r["name"]): r for r in _repository_view(served.repository, served.project)}
    assert rows[("/", "Site A only/ (DAG-restricted: Site A)")]["id"] == "folder_id 20"
    assert ("/", "Monitors/ (Role-restricted: Monitor)") in rows
    assert rows[("/Protocols/2024", "logo.png")]["mime"] == "image/png"


@pytest.mark.parametrize(
    ("change", "place", "words"),
    [
        (lambda r: r.update(extra=1), "file_repository.extra", "unknown key"),
        (lambda r: r["folders"].append({"name": "a/b"}), "folders[4].name", "stores the folder name"),
        (lambda r: r["folders"].append({"name": "x" * 151}), "folders[4].name", "at most 150 bytes"),
        (lambda r: r["folders"].append({"name": "protocols"}), "folders[4].name", "declared twice"),
        (lambda r: r["folders"].append({"name": "B", "parent": "Nope"}), "folders[4].parent", "no folder"),
        (lambda r: r["folders"].append({"name": "B", "dag": "site_c"}), "folders[4].dag", "not the unique"),
        (lambda r: r["folders"].append({"name": "B", "role": "U-X"}), "folders[4].role", "not the unique"),
        (lambda r: r["folders"].append({"name": "B", "id": 20}), "folders[4].id", "given twice"),
        (lambda r: r["folders"].append({"name": "B", "id": 0}), "folders[4].id", "positive whole"),
        (lambda r: r["files"].append({"text": "", "name": "a b?.txt"}), "files[4].name", "is stored as"),
        (lambda r: r["files"].append({"text": "", "name": "A.TXT", "folder": "Site A only"}), "files[4].name",
         "already holds"),
        (lambda r: r["files"].append({"text": "", "name": "x.txt", "folder": "2024"}), "files[4].folder",
         "no folder"),
        (lambda r: r["files"].append({"text": "", "name": "y", "doc_id": 40}), "files[4].doc_id", "twice"),
        (lambda r: r["files"].append({"text": ""}), "files[4].name", "needs a name"),
        (lambda r: r["files"].append({"path": "../x.txt"}), "files[4].path", "leads out"),
    ],
)  # fmt: skip
def test_a_broken_repository_names_the_place_and_the_fix(
    make_state: MakeState, change: Any, place: str, words: str
) -> None:
    doc = _doc()
    change(doc["file_repository"])
    with pytest.raises(FixtureError) as caught:
        make_state(doc, CLASSIC_EXTRA_FILES)
    text = str(caught.value)
    assert place in text and words in text and "Fix:" in text


def test_provisioning_builds_the_repository_through_the_api(make_state: MakeState, tmp_path: Any) -> None:
    """contract_tests/provision.py's build_repository against a fake serving an empty copy of the project:
    the folders (with the DAG's id from the DAG export), the files in them; the role restriction is left
    to the checklist."""
    from contract_tests import provision

    doc = _doc()
    source = make_state(doc, CLASSIC_EXTRA_FILES)
    fixture = source.projects[0]
    empty = _doc()
    del empty["file_repository"]
    target = make_state(empty, CLASSIC_EXTRA_FILES)
    plan = provision.ProjectPlan("classic", fixture.source, fixture)
    with FakeServer(target, "127.0.0.1", 0) as server:
        made = provision.build_repository(provision.Api(server.url), KEEPER, plan)
    assert made == 8
    built = target.served[0].repository
    assert [(f.name, f.dag_id, f.role_id) for f in built.folders] == [
        ("Protocols", None, None),
        ("2024", None, None),
        ("Site A only", 1, None),
        ("Monitors", None, None),
    ]
    assert built.folders[1].parent_id == built.folders[0].folder_id
    logo = next(f for f in built.files if f.name == "logo.png")
    assert logo.folder_id == built.folders[1].folder_id and logo.stored.read_bytes() == PNG
    lines = provision.checklist([plan], provision.env_name("RC"))
    assert any("restrict the File Repository folder Monitors to the role Monitor" in line for line in lines)
