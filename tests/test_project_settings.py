"""Import Project Information (content=project_settings; V15 API/project_settings/import.php)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState
from fake_redcap.messages import DEFAULT_400
from fake_redcap.methods.design_import import DESIGN_RIGHTS_REPEATING
from tests.support import CLASSIC_EXTRA_FILES, MakeState, api, classic_fixture, json_error, post, tok

DESIGNER = tok(0x9001)


@pytest.fixture
def state(make_state: MakeState) -> FakeState:
    doc: dict[str, Any] = classic_fixture()
    doc["project"]["status"] = "production"  # the method has no status check
    doc["users"].append(
        {"username": "designer", "token": DESIGNER, "data_export": "full", "api_import": True, "design": True}
    )
    return make_state(doc, CLASSIC_EXTRA_FILES)


def _send(client: FlaskClient, data: str, fmt: str = "json", token: str = DESIGNER) -> Any:
    params = {
        "token": token,
        "content": "project_settings",
        "format": fmt,
        "returnFormat": "json",
        "data": data,
    }
    return post(client, params)


def _info(client: FlaskClient) -> dict[str, Any]:
    result: dict[str, Any] = post(
        client, {"token": DESIGNER, "content": "project", "format": "json"}
    ).get_json()
    return result


def test_attributes_are_written_and_every_key_counted(state: FakeState) -> None:
    client = api(state)
    data = {
        "project_title": "Renamed",
        "purpose": "4",
        "project_notes": "notes",
        "project_irb_number": "IRB-7",
        "display_today_now_button": "0",
        "project_id": "999",  # an export attribute: kept by storeItems, never written
        "nonsense": "x",  # counted all the same
    }
    answer = _send(client, json.dumps(data))
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "7")
    info = _info(client)
    assert (info["project_id"], info["project_title"], info["purpose"]) == (101, "Renamed", 4)
    assert (info["project_notes"], info["project_irb_number"], info["display_today_now_button"]) == (
        "notes",
        "IRB-7",
        0,
    )


def test_xml_and_csv(state: FakeState) -> None:
    client = api(state)
    xml = "<items><project_title>From XML</project_title><purpose>2.6</purpose></items>"
    assert _send(client, xml, "xml").get_data(as_text=True) == "2"
    assert (_info(client)["project_title"], _info(client)["purpose"]) == ("From XML", 3)  # MySQL rounds
    assert _send(client, "project_language,purpose\nFrench,abc\n", "csv").get_data(as_text=True) == "2"
    assert (_info(client)["project_language"], _info(client)["purpose"]) == ("French", 0)


def test_undecodable_data_gets_the_default_400(state: FakeState) -> None:
    # createData reads $lang without `global`: the message is null, sendResponse adds its default text.
    for data, fmt in (("{nope", "json"), ("<nope", "xml"), ("", "csv")):
        answer = _send(api(state), data, fmt)
        assert (answer.status_code, answer.data) == (400, json_error(DEFAULT_400))


def test_design_right_needed(state: FakeState) -> None:
    importer = classic_fixture()["users"][-1]["token"]
    answer = _send(api(state), "{}", token=importer)
    assert (answer.status_code, answer.data) == (400, json_error(DESIGN_RIGHTS_REPEATING))


def test_changing_is_longitudinal_is_not_implemented(state: FakeState) -> None:
    answer = _send(api(state), json.dumps({"is_longitudinal": 1}))
    assert (
        answer.headers["X-Fake-REDCap-Not-Implemented"] == "content=project_settings changing is_longitudinal"
    )
    assert _send(api(state), json.dumps({"is_longitudinal": 0})).status_code == 200


def test_redcap_13_asks_no_design_right(make_state: MakeState) -> None:
    # api_228 arrived with REDCap 14 (V14.5.11 API/project_settings/import.php:5; not in V13.6.1).
    doc = classic_fixture("13.6.1")
    importer = doc["users"][-1]["token"]
    answer = _send(
        api(make_state(doc, CLASSIC_EXTRA_FILES)), json.dumps({"project_notes": "n"}), token=importer
    )
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "1")
