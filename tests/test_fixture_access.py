"""Fixtures declaring data access groups, user roles and their members (fake_redcap/fixture/access.py),
a project XML's DataAccessGroups and UserRoles, and the page showing them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from fake_redcap import FakeState
from fake_redcap.fixture import FixtureError
from tests.support import CLASSIC_EXTRA_FILES, MakeState, api, classic_fixture, post, tok

ADMIN = tok(0x4301)
SITE_USER = tok(0x4302)
ROLE_USER = tok(0x4303)


def _doc() -> dict[str, Any]:
    doc = classic_fixture()
    doc["dags"] = [{"name": "Site A"}, {"name": "Site B", "id": 7}]
    doc["roles"] = [
        {
            "unique_role_name": "U-123ACDEFHJ",
            "label": "Exporter",
            "data_export": "full",
            "api_export": True,
            "rights": {"reports": 1, "lock_records": 2},
            "forms": {"enrollment": 2},
        }
    ]
    doc["users"] += [
        {
            "username": "admin",
            "token": ADMIN,
            "data_export": "full",
            "api_import": True,
            "user_rights": "read_only",
            "rights": {"data_access_groups": 1},
            "email": "admin@example.org",
            "firstname": "Ada",
            "lastname": "Admin",
        },
        {
            "username": "site_user",
            "token": SITE_USER,
            "data_export": "full",
            "dag": "site_a",
            "dag_switch": ["site_a", "site_b", ""],
        },
        {
            "username": "role_user",
            "token": ROLE_USER,
            "data_export": "no_access",
            "api_export": False,
            "role": "U-123ACDEFHJ",
        },
    ]
    doc["records"][0]["dag"] = "site_a"
    return doc


@pytest.fixture
def state(make_state: MakeState) -> FakeState:
    return make_state(_doc(), CLASSIC_EXTRA_FILES)


def test_the_fixture_declares_dags_roles_and_members(state: FakeState) -> None:
    client = api(state)

    def export(content: str, token: str = ADMIN) -> Any:
        return json.loads(post(client, {"token": token, "content": content, "format": "json"}).text)

    assert export("dag") == [
        {"data_access_group_name": "Site A", "unique_group_name": "site_a", "data_access_group_id": 1},
        {"data_access_group_name": "Site B", "unique_group_name": "site_b", "data_access_group_id": 7},
    ]
    users = {u["username"]: u for u in export("user")}
    assert users["admin"]["user_rights"] == 2 and users["admin"]["email"] == "admin@example.org"
    assert (
        users["site_user"]["data_access_group"] == "site_a"
        and users["site_user"]["data_access_group_id"] == 1
    )
    role_user = users["role_user"]
    assert role_user["api_export"] == 1 and role_user["lock_records"] == 2 and role_user["reports"] == 1
    assert role_user["forms"] == {"enrollment": 2, "labs": 0}
    (role,) = export("userRole")
    assert role["unique_role_name"] == "U-123ACDEFHJ" and role["role_label"] == "Exporter"
    # the role's rights are the user's: API export and Full export rights
    assert post(client, {"token": ROLE_USER, "content": "version"}).status_code == 200
    records = export("record", SITE_USER)
    assert {r["record_id"] for r in records} == {"1"}
    assert (
        post(client, {"token": SITE_USER, "content": "dag", "action": "switch", "dag": "site_b"}).text == "1"
    )
    assert export("record", SITE_USER) == []


@pytest.mark.parametrize(
    ("change", "place", "words"),
    [
        (lambda d: d["users"][-1].update(role="U-NOPE"), "role", "is not in roles"),
        (lambda d: d["users"][-2].update(dag="site_c"), "dag", "not the unique name of a DAG"),
        (lambda d: d["records"][0].update(dag="nowhere"), "records[0].dag", "not the unique name"),
        (lambda d: d["roles"][0]["rights"].update(api_export=1), "rights.api_export", "has a key of its own"),
        (lambda d: d["roles"][0]["rights"].update(reports=5), "rights.reports", "is not a value"),
        (lambda d: d["roles"][0].update(forms={"nope": 1}), "forms.nope", "does not exist in fields"),
        (lambda d: d["dags"].append({"name": "Again", "id": 7}), "dags[2].id", "given twice"),
    ],
)
def test_broken_references_name_the_place_and_the_fix(
    make_state: MakeState, change: Any, place: str, words: str
) -> None:
    doc = _doc()
    change(doc)
    with pytest.raises(FixtureError) as caught:
        make_state(doc, CLASSIC_EXTRA_FILES)
    text = str(caught.value)
    assert place in text and words in text and "Fix:" in text


def test_a_project_xml_brings_its_dags_and_roles(tmp_path: Path) -> None:
    source = Path(__file__).parent / "data" / "pycap" / "test_simple_project.xml"
    shutil.copy(source, tmp_path / "project.xml")
    (tmp_path / "project.yaml").write_text(
        "redcap: {project_xml: project.xml}\n"
        f'users: [{{username: admin, token: "{ADMIN}", data_export: full, user_rights: true,'
        " rights: {data_access_groups: 1}}]\n",
        encoding="utf-8",
    )
    state = FakeState([tmp_path / "project.yaml"])
    client = api(state)
    dags = json.loads(post(client, {"token": ADMIN, "content": "dag", "format": "json"}).text)
    assert [d["unique_group_name"] for d in dags] == ["test_dag"]
    roles = json.loads(post(client, {"token": ADMIN, "content": "userRole", "format": "json"}).text)
    assert [(r["unique_role_name"], r["role_label"]) for r in roles] == [("U-573AEYRNR8", "Example Role")]
    assert roles[0]["forms_export"]["demographics"] == 2  # the XML's legacy data_export_tool="2"
