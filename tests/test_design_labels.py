"""Custom labels of the set-up imports (V15 Classes/Event.php create/update custom_event_label,
API/repeatingFormsEvents/import.php custom_repeat_form_label) shown by the exports, and what the set-up
imports answer in a classic project (its hidden arm 1 and event "Event 1")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState
from tests.support import (
    CLASSIC_EXTRA_FILES,
    MakeState,
    api,
    classic_fixture,
    json_error,
    longitudinal_fixture,
    post,
    tok,
)

DESIGNER = tok(0x6101)
USER = {"username": "designer", "token": DESIGNER, "data_export": "full", "api_import": True, "design": True}


@pytest.fixture
def longitudinal(make_state: MakeState) -> FakeState:
    doc: dict[str, Any] = longitudinal_fixture()
    doc["users"].append(USER)
    return make_state(doc)


@pytest.fixture
def classic(make_state: MakeState) -> FakeState:
    doc: dict[str, Any] = classic_fixture()
    doc["users"].append(USER)
    return make_state(doc, CLASSIC_EXTRA_FILES)


def _send(client: FlaskClient, content: str, rows: Any = None, **more: str) -> Any:
    params = {"token": DESIGNER, "content": content, "format": "json", "returnFormat": "json", **more}
    if content in ("arm", "event") and rows is not None:
        params["action"] = "import"
    if rows is not None:
        params["data"] = json.dumps(rows)
    return post(client, params)


def test_an_event_import_sets_the_custom_label_and_an_update_without_it_blanks_it(
    longitudinal: FakeState,
) -> None:
    client = api(longitudinal)
    rows = [
        {"event_name": "Visit 3", "arm_num": "1", "custom_event_label": "[visit_date]"},
        {
            "event_name": "Baseline",
            "arm_num": "1",
            "unique_event_name": "baseline_arm_1",
            "custom_event_label": "B",
        },
    ]
    assert _send(client, "event", rows).get_data(as_text=True) == "2"
    labels = {e["unique_event_name"]: e["custom_event_label"] for e in _send(client, "event").get_json()}
    assert labels == {
        "baseline_arm_1": "B",
        "visit_1_arm_1": "",
        "visit_2_arm_1": "",
        "visit_3_arm_1": "[visit_date]",
    }
    again = [{"event_name": "Baseline", "arm_num": "1", "unique_event_name": "baseline_arm_1"}]
    assert _send(client, "event", again).status_code == 200
    assert _send(client, "event").get_json()[0]["custom_event_label"] == ""


def test_a_repeating_import_keeps_each_custom_form_label(longitudinal: FakeState, classic: FakeState) -> None:
    client = api(longitudinal)
    rows = [
        {"event_name": "visit_1_arm_1", "form_name": "labs", "custom_form_label": "[lab_value]"},
        {"event_name": "visit_2_arm_1", "form_name": "", "custom_form_label": "Visit"},
    ]
    assert _send(client, "repeatingFormsEvents", rows).get_data(as_text=True) == "2"
    assert _send(client, "repeatingFormsEvents").get_json() == [
        {"event_name": "visit_1_arm_1", "form_name": "labs", "custom_form_label": "[lab_value]"},
        {"event_name": "visit_2_arm_1", "form_name": "", "custom_form_label": "Visit"},
    ]
    client = api(classic)
    answer = _send(client, "repeatingFormsEvents", [{"form_name": "labs", "custom_form_label": 'Lab "x"'}])
    assert answer.get_data(as_text=True) == "1"
    csv = _send(client, "repeatingFormsEvents", format="csv")
    assert csv.get_data(as_text=True) == 'form_name,custom_form_label\nlabs,Lab ""x""\n'


def test_repeating_the_event_of_a_classic_project_is_counted_and_repeats_nothing(classic: FakeState) -> None:
    client = api(classic)
    rows = [{"form_name": "labs"}, {"form_name": "", "custom_form_label": "All"}]
    assert _send(client, "repeatingFormsEvents", rows).get_data(as_text=True) == "2"
    assert _send(client, "repeatingFormsEvents").get_json() == [
        {"form_name": "labs", "custom_form_label": ""}
    ]
    only_event = _send(client, "repeatingFormsEvents", [{"form_name": ""}])
    assert only_event.get_data(as_text=True) == "1"
    assert _send(client, "repeatingFormsEvents").status_code == 400  # nothing repeats now


def test_a_classic_project_takes_arms_and_designations_without_showing_them(classic: FakeState) -> None:
    client = api(classic)
    before = classic.projects[0]
    arms = _send(client, "arm", [{"arm_num": "1", "name": "Renamed"}, {"arm_num": "2", "name": "Second"}])
    assert arms.get_data(as_text=True) == "2"
    assert _send(client, "arm").status_code == 400  # the arm export refuses a classic project
    mapping = [{"arm_num": "1", "unique_event_name": "event_1_arm_1", "form": "labs"}]
    assert _send(client, "formEventMapping", mapping).get_data(as_text=True) == "1"
    assert classic.projects[0].fields == before.fields and classic.projects[0].events == ()
    bad = [{"arm_num": "2", "unique_event_name": "visit_arm_2", "form": "labs"}]
    assert _send(client, "formEventMapping", bad).data == json_error(
        'The arm number "2" does not exist in the project.\n'
        'The unique event name "visit_arm_2" does not exist in the project.'
    )


@pytest.mark.parametrize(
    ("content", "rows", "more"),
    [
        ("arm", [{"arm_num": "1", "name": "Arm 1"}], {"override": "1"}),
        ("event", [{"event_name": "Two", "arm_num": "1"}], {}),
    ],
)
def test_what_would_change_a_classic_projects_hidden_event_is_not_implemented(
    classic: FakeState, content: str, rows: list[dict[str, str]], more: dict[str, str]
) -> None:
    answer = _send(api(classic), content, rows, **more)
    assert answer.status_code == 400
    assert "in a classic project" in answer.headers["X-Fake-REDCap-Not-Implemented"]
