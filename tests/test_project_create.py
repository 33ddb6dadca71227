"""Create Project (`content=project` with `data`, a Super API Token; V15 API/project/import.php,
Classes/Project.php validateApiCreateProjectInput and apiCreate)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from fake_redcap import FakeServer, FakeState
from fake_redcap.messages import SUPER_TOKEN_NEEDED
from fake_redcap.methods.project_create import (
    BAD_ODM,
    MISSING_ATTRIBUTES,
    NOT_IN_FORMAT,
    ONE_PROJECT,
    PURPOSE_OTHER_NEEDED,
)
from fake_redcap.model import ExportRight
from tests.support import (
    CLASSIC_EXTRA_FILES,
    MakeState,
    api,
    classic_fixture,
    json_error,
    post,
    tok,
    xml_error,
)

SUPER = "5" * 64
PYCAP = Path(__file__).parent / "data" / "pycap"
SIMPLE_XML = (PYCAP / "test_simple_project.xml").read_text(encoding="utf-8")
LONG_XML = (PYCAP / "test_long_project.xml").read_text(encoding="utf-8")
PYCAP_INFO = """<?xml version="1.0" encoding="UTF-8" ?>
    <item>
    <project_title>PyCap test_simple_project: 11-30 21:00:00</project_title>
    <purpose>0</purpose>
    </item>"""


@pytest.fixture
def state(make_state: MakeState) -> FakeState:
    doc: dict[str, Any] = classic_fixture()
    doc["users"].append(
        {
            "username": "admin",
            "token": tok(0x5001),
            "data_export": "no_access",
            "super_user": True,
            "super_token": SUPER,
        }
    )
    return make_state(doc, CLASSIC_EXTRA_FILES)


def _create(client: FlaskClient, **params: str) -> Any:
    return post(client, {"token": SUPER, "content": "project", **params})


def test_pycap_creates_its_project_from_a_project_xml(state: FakeState) -> None:
    client = api(state)
    answer = _create(client, format="xml", data=PYCAP_INFO, odm=SIMPLE_XML)
    assert answer.status_code == 200
    assert answer.content_type == "text/xml; charset=utf-8"
    token = answer.get_data(as_text=True)
    assert re.fullmatch(r"[0-9A-F]{32}", token)  # the answer is the token alone
    new = state.served[-1].project
    assert new.project_id == 102  # one more than the largest served (101)
    assert new.title == "PyCap test_simple_project: 11-30 21:00:00"
    [creator] = new.users
    assert (creator.username, creator.token, creator.super_user) == ("admin", token, True)
    assert (creator.data_export, creator.api_export, creator.api_import, creator.design) == (
        ExportRight.FULL,
        True,
        True,
        True,
    )
    assert (creator.record_delete, creator.record_rename) == (False, False)  # the columns' defaults
    records = post(client, {"token": token, "content": "record", "format": "json"}).get_json()
    assert [r["record_id"] for r in records] == ["1", "2", "3"]
    info = post(client, {"token": token, "content": "project", "format": "json"}).get_json()
    assert (info["project_id"], info["purpose"], info["is_longitudinal"]) == (102, 0, 0)
    assert info["record_autonumbering_enabled"] == 1  # apiCreate's default


def test_a_longitudinal_project_xml_keeps_its_arms_and_events(state: FakeState) -> None:
    client = api(state)
    data = json.dumps([{"project_title": "Long", "purpose": "2"}])
    token = _create(client, format="json", data=data, odm=LONG_XML).get_data(as_text=True)
    arms = post(client, {"token": token, "content": "arm", "format": "json"}).get_json()
    assert [a["name"] for a in arms] == ["Drug A", "Drug B"]
    events = post(client, {"token": token, "content": "event", "format": "json"}).get_json()
    assert len(events) == 16


def test_without_xml_the_project_has_redcaps_first_instrument(state: FakeState) -> None:
    client = api(state)
    data = "project_title,purpose,purpose_other,project_notes\nMine,1,Teaching,  notes \n"
    answer = _create(client, format="csv", data=data)
    assert answer.content_type == "text/csv; charset=utf-8"
    token = answer.get_data(as_text=True)
    metadata = post(client, {"token": token, "content": "metadata", "format": "json"}).get_json()
    assert [(m["field_name"], m["form_name"], m["field_label"]) for m in metadata] == [
        ("record_id", "form_1", "Record ID")
    ]
    info = post(client, {"token": token, "content": "project", "format": "json"}).get_json()
    assert (info["purpose"], info["purpose_other"], info["project_notes"]) == (1, "Teaching", "notes")
    assert info["is_longitudinal"] == 0


def test_is_longitudinal_gives_the_default_arm_and_event(state: FakeState) -> None:
    client = api(state)
    data = json.dumps([{"project_title": "L", "purpose": 0, "is_longitudinal": 1}])
    token = _create(client, format="json", data=data).get_data(as_text=True)
    events = post(client, {"token": token, "content": "event", "format": "json"}).get_json()
    assert [(e["event_name"], e["arm_num"], e["unique_event_name"]) for e in events] == [
        ("Event 1", 1, "event_1_arm_1")
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"format": "json", "data": '[{"purpose": "0"}]'}, MISSING_ATTRIBUTES),
        ({"format": "json", "data": '[{"project_title": "t", "purpose": "5"}]'}, MISSING_ATTRIBUTES),
        ({"format": "json", "data": '[{"project_title": "t", "purpose": "x"}]'}, MISSING_ATTRIBUTES),
        ({"format": "json", "data": '[{"project_title": "t", "purpose": "1"}]'}, PURPOSE_OTHER_NEEDED),
        ({"format": "json", "data": '{"project_title": "t", "purpose": "0"}'}, NOT_IN_FORMAT),
        ({"format": "json", "data": "[{}]"}, MISSING_ATTRIBUTES),
        ({"format": "json", "data": "[null]"}, NOT_IN_FORMAT),
        ({"format": "json", "data": "[1]"}, MISSING_ATTRIBUTES),
        ({"format": "json", "data": "not json"}, NOT_IN_FORMAT),
        ({"format": "csv", "data": "project_title,purpose\na,0\nb,0\n"}, ONE_PROJECT),
        ({"format": "xml", "data": "<items><item/></items>"}, NOT_IN_FORMAT),
        ({"format": "odm", "data": "x"}, MISSING_ATTRIBUTES),  # createProject's switch has no odm case
        ({"format": "json", "data": '[{"project_title": "t", "purpose": "0"}]', "odm": "<x/>"}, BAD_ODM),
        ({"format": "json", "data": '[{"project_title": "t", "purpose": "0"}]', "odm": "<ODM"}, BAD_ODM),
    ],
)
def test_refusals_create_nothing(state: FakeState, params: dict[str, str], message: str) -> None:
    before = len(state.served)
    answer = _create(api(state), returnFormat="json", **params)
    assert (answer.status_code, answer.data) == (400, json_error(message))
    assert len(state.served) == before


def test_a_project_token_cannot_create_a_project(state: FakeState) -> None:
    answer = post(api(state), {"token": tok(0x5001), "content": "project", "data": PYCAP_INFO})
    assert (answer.status_code, answer.data) == (403, xml_error(SUPER_TOKEN_NEEDED))


def test_a_created_project_lives_until_reset(state: FakeState) -> None:
    client = api(state)
    token = _create(client, format="xml", data=PYCAP_INFO).get_data(as_text=True)
    assert post(client, {"token": token, "content": "version"}).status_code == 200
    with FakeServer(state) as server:
        shown = requests.get(f"{server.base_url}/__fake__/state", headers=server.control_headers, timeout=10)
        page = requests.get(server.page_url, timeout=10)
    assert [p["project_id"] for p in shown.json()["projects"]] == [101, 102]
    assert "PyCap test_simple_project" in page.text
    state.reset()
    assert [p.project_id for p in state.projects] == [101]
    assert post(client, {"token": token, "content": "version"}).status_code == 403


def test_creation_is_logged_in_the_new_project(state: FakeState) -> None:
    _create(api(state), format="xml", data=PYCAP_INFO, odm=SIMPLE_XML)
    logged = state.project_log(102)
    assert [(e.event, e.object_type, e.pk, e.data_values, e.description, e.user) for e in logged] == [
        (
            "MANAGE",
            "project_info",
            "102",
            "project_id = 102",
            "Create project using REDCap XML file (API)",
            "admin",
        ),
        ("INSERT", "redcap_user_rights", "admin", "user = 'admin'", "Add user", "admin"),
    ]


def test_calc_values_of_the_xml_are_not_saved(state: FakeState) -> None:
    # ODM::parseOdm saves the data through Records::saveData, which skips calc fields (age and bmi).
    client = api(state)
    token = _create(client, format="xml", data=PYCAP_INFO, odm=SIMPLE_XML).get_data(as_text=True)
    records = post(client, {"token": token, "content": "record", "format": "json"}).get_json()
    assert [(r["age"], r["bmi"], r["height"]) for r in records] == [
        ("", "", "130"),
        ("", "", "131"),
        ("", "", ""),
    ]
    eav = post(client, {"token": token, "content": "record", "format": "json", "type": "eav"}).get_json()
    assert len(eav) == 30  # what PyCap's integration suite counts on redcapdemo.vumc.org


def test_the_creators_exported_rights_are_redcaps_creator_rights(state: FakeState) -> None:
    """insertUserRightsProjectCreator (V15 Project.php:204-229) with the table's defaults and
    saveAPIRights(1, 1, 1, 1): what content=user shows for the creator of a new project."""
    client = api(state)
    token = _create(client, format="xml", data=PYCAP_INFO, odm=SIMPLE_XML).get_data(as_text=True)
    [creator] = post(client, {"token": token, "content": "user", "format": "json"}).get_json()
    ones = ["design", "alerts", "user_rights", "data_access_groups", "reports", "stats_and_charts"]
    ones += ["manage_survey_participants", "calendar", "data_import_tool", "data_comparison_tool", "logging"]
    ones += ["file_repository", "data_quality_create", "data_quality_execute", "api_export", "api_import"]
    ones += ["api_modules", "mobile_app", "record_create"]
    zeros = ["email_logging", "mobile_app_download_data", "record_rename", "record_delete"]
    zeros += ["lock_records_all_forms", "lock_records", "lock_records_customization"]
    assert {k: creator[k] for k in ones} == dict.fromkeys(ones, 1)
    assert {k: creator[k] for k in zeros} == dict.fromkeys(zeros, 0)
    assert creator["data_access_group"] == "" and set(creator["forms"].values()) == {1}
