"""Arms, events, instrument-event mappings and the repeating set-up through the API (V15 API/arm/,
API/event/, API/formEventMapping/import.php, API/repeatingFormsEvents/import.php, Classes/Arm.php,
Classes/Event.php)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState
from fake_redcap.methods.design_import import (
    ARM_MISSING,
    ARM_NAME_LONG,
    ARM_NUMBER_BAD,
    ARM_NUMBER_BIG,
    ARMS_PARAM,
    ARMS_UNKNOWN,
    DESIGN_RIGHTS,
    DESIGN_RIGHTS_REPEATING,
    EVENT_MISSING,
    EVENT_NAME_LONG,
    EVENT_NOT_AVAILABLE,
    FORM_MISSING,
    FORM_NOT_AVAILABLE,
    MISSING,
    NOT_IN_FORMAT,
    PRODUCTION,
    unique_event_base,
)
from tests.support import MakeState, api, json_error, longitudinal_fixture, post, tok

DESIGNER = tok(0x6001)
IMPORTER = tok(0x6002)  # API Import, no Project Design


@pytest.fixture
def state(make_state: MakeState) -> FakeState:
    doc: dict[str, Any] = longitudinal_fixture()
    doc["users"] += [
        # Deleting arms and events takes Delete Records (API/index.php:437 checks it for every delete
        # but dag and fileRepository), then Project Design.
        {
            "username": "designer",
            "token": DESIGNER,
            "data_export": "full",
            "api_import": True,
            "design": True,
            "record_delete": True,
        },
        {"username": "importer2", "token": IMPORTER, "data_export": "full", "api_import": True},
    ]
    return make_state(doc)


def _send(client: FlaskClient, content: str, rows: Any = None, **more: str) -> Any:
    params = {"token": DESIGNER, "content": content, "format": "json", "returnFormat": "json", **more}
    if content in ("arm", "event") and rows is not None and "action" not in more:
        params["action"] = "import"  # these take the action from the parameter (API/index.php)
    if rows is not None:
        params["data"] = rows if isinstance(rows, str) else json.dumps(rows)
    return post(client, params)


def _events(client: FlaskClient) -> list[tuple[str, int, str]]:
    rows = _send(client, "event").get_json()
    return [(e["event_name"], e["arm_num"], e["unique_event_name"]) for e in rows]


def _arms(client: FlaskClient) -> list[tuple[int, str]]:
    return [(a["arm_num"], a["name"]) for a in _send(client, "arm").get_json()]


def test_an_arm_is_added_renamed_and_shown_once_it_has_an_event(state: FakeState) -> None:
    client = api(state)
    answer = _send(client, "arm", [{"arm_num": 2, "name": "Drug B"}, {"arm_num": "1", "name": " First "}])
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "2")
    assert _arms(client) == [(1, "First")]  # arm 2 has no event yet: loadEvents does not see it
    assert _send(client, "event", [{"event_name": "Week 1", "arm_num": "2"}]).get_data(as_text=True) == "1"
    assert _arms(client) == [(1, "First"), (2, "Drug B")]
    assert _events(client)[-1] == ("Week 1", 2, "week_1_arm_2")


def test_arm_override_removes_every_event_and_its_data(state: FakeState) -> None:
    client = api(state)
    answer = _send(client, "arm", [{"arm_num": 1, "name": "Only"}], override="1")
    assert answer.get_data(as_text=True) == "1"
    assert state.projects[0].events == ()
    assert state.projects[0].records == ()
    assert state.projects[0].repeating == ()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], f"{MISSING} arm_num, name"),
        ([{"arm_num": 1}], f"{MISSING} arm_num, name"),
        ([{"arm_num": "x", "name": "a"}], ARM_NUMBER_BAD.format(value="x")),
        ([{"arm_num": 0, "name": "a"}], ARM_NUMBER_BAD.format(value="0")),
        ([{"arm_num": 100, "name": "a"}], ARM_NUMBER_BIG.format(value="100")),
        ([{"arm_num": 2, "name": "n" * 51}], ARM_NAME_LONG.format(value="n" * 51)),
        (
            [{"arm_num": 2, "name": "ok"}, {"arm_num": -1, "name": "a"}, {"arm_num": 200, "name": "b"}],
            ARM_NUMBER_BAD.format(value="-1") + "\n" + ARM_NUMBER_BIG.format(value="200"),
        ),
    ],
)
def test_arm_import_refusals_change_nothing(state: FakeState, rows: list[Any], message: str) -> None:
    before = state.projects[0]
    answer = _send(api(state), "arm", rows)
    assert (answer.status_code, answer.data) == (400, json_error(message))
    assert state.projects[0] is before


def test_undecodable_json_answers_200_with_redcaps_text(state: FakeState) -> None:
    # putArms/putEvents/putMap return $lang['data_import_tool_200'] as the content.
    for content in ("arm", "event", "formEventMapping"):
        answer = _send(api(state), content, "{not json")
        assert (answer.status_code, answer.get_data(as_text=True)) == (200, NOT_IN_FORMAT)


def test_arm_delete(state: FakeState) -> None:
    client = api(state)
    _send(client, "arm", [{"arm_num": 2, "name": "B"}])
    _send(client, "event", [{"event_name": "Week 1", "arm_num": "2"}])
    missing = _send(client, "arm", action="delete", **{"arms[0]": "2", "arms[1]": "7", "arms[2]": "x"})
    assert (missing.status_code, missing.data) == (400, json_error(f"{ARMS_UNKNOWN} 7, x"))
    assert _send(client, "arm", action="delete").data == json_error(ARMS_PARAM)
    assert _send(client, "arm", action="delete", **{"arms[0]": "2"}).get_data(as_text=True) == "1"
    assert _arms(client) == [(1, "Arm 1")]
    assert [e[2] for e in _events(client)] == ["baseline_arm_1", "visit_1_arm_1", "visit_2_arm_1"]


def test_event_rename_moves_its_data_and_repeating_rule(state: FakeState) -> None:
    client = api(state)
    rows = [{"event_name": "First visit", "arm_num": "1", "unique_event_name": "visit_1_arm_1"}]
    assert _send(client, "event", rows).get_data(as_text=True) == "1"
    assert [e[2] for e in _events(client)] == ["baseline_arm_1", "first_visit_arm_1", "visit_2_arm_1"]
    project = state.projects[0]
    assert {r.event for r in project.records if r.record == "3"} == {"first_visit_arm_1"}
    assert ("first_visit_arm_1", "labs") in {(r.event, r.form) for r in project.repeating}


def test_event_names_are_made_unique_as_redcap_makes_them(state: FakeState) -> None:
    client = api(state)
    _send(
        client,
        "event",
        [{"event_name": "Baseline", "arm_num": "1"}, {"event_name": "Baseline", "arm_num": 1}],
    )
    assert [e[2] for e in _events(client)][-2:] == ["baseline_arm_1b", "baseline_arm_1c"]
    assert unique_event_base("  --Día 1: ünïcode!! visit number 12 ", 3) == "da_1_ncode_visit_n_arm_3"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"event_name": "E", "arm_num": "x"}, ARM_NUMBER_BAD.format(value="x")),
        ({"event_name": "E", "arm_num": "4"}, ARM_MISSING.format(value="4")),
        ({"event_name": "E" * 31, "arm_num": "1"}, EVENT_NAME_LONG.format(value="E" * 31)),
    ],
)
def test_event_import_refusals(state: FakeState, row: dict[str, str], message: str) -> None:
    before = state.projects[0]
    answer = _send(api(state), "event", [row])
    assert (answer.status_code, answer.data) == (400, json_error(message))
    assert state.projects[0] is before


def test_event_delete_counts_what_it_deleted(state: FakeState) -> None:
    client = api(state)
    answer = _send(client, "event", action="delete", **{"events[0]": "visit_2_arm_1", "events[1]": "nope"})
    assert answer.get_data(as_text=True) == "1"
    assert [e[2] for e in _events(client)] == ["baseline_arm_1", "visit_1_arm_1"]
    assert not [r for r in state.projects[0].records if r.event == "visit_2_arm_1"]


def _event_ids(client: FlaskClient) -> dict[str, int]:
    return {e["unique_event_name"]: e["event_id"] for e in _send(client, "event").get_json()}


def test_event_ids_never_shift_and_a_new_event_takes_a_new_one(state: FakeState) -> None:
    # V15 Classes/Event.php create:185 inserts a row (event_id AUTO_INCREMENT), update:210 and delete:167
    # touch only their own row: no other event's id changes.
    client = api(state)
    before = _event_ids(client)
    _send(client, "event", [{"event_name": "Early", "arm_num": "1", "day_offset": "0"}])
    during = _event_ids(client)
    assert {name: during[name] for name in before} == before
    assert during["early_arm_1"] == max(before.values()) + 1
    assert _send(client, "event", action="delete", **{"events[0]": "baseline_arm_1"}).get_data() == b"1"
    after = _event_ids(client)
    assert after == {name: i for name, i in during.items() if name != "baseline_arm_1"}
    _send(client, "event", [{"event_name": "Late", "arm_num": "1"}])
    assert _event_ids(client)["late_arm_1"] == max(during.values()) + 1


def test_a_deleted_events_id_is_never_given_again(state: FakeState) -> None:
    # redcap_events_metadata.event_id is AUTO_INCREMENT (V15 Resources/sql/install.sql): MySQL hands no
    # value out twice, so a new event after the newest was deleted takes the next id, not the freed one,
    # and the fixture's own ids are not reused after a reset either.
    client = api(state)
    fixture_top = max(_event_ids(client).values())
    _send(client, "event", [{"event_name": "Early", "arm_num": "1"}])
    early = _event_ids(client)["early_arm_1"]
    assert early == fixture_top + 1
    assert _send(client, "event", action="delete", **{"events[0]": "early_arm_1"}).get_data() == b"1"
    _send(client, "event", [{"event_name": "Again", "arm_num": "1"}])
    assert _event_ids(client)["again_arm_1"] == early + 1
    state.reset()
    _send(client, "event", [{"event_name": "After", "arm_num": "1"}])
    assert _event_ids(client)["after_arm_1"] == early + 2


def test_a_failed_event_import_gives_out_no_id(state: FakeState) -> None:
    client = api(state)
    top = max(_event_ids(client).values())
    bad = [{"event_name": "Fine", "arm_num": "1"}, {"event_name": "Bad", "arm_num": "9"}]
    assert _send(client, "event", bad).status_code == 400
    _send(client, "event", [{"event_name": "Next", "arm_num": "1"}])
    assert _event_ids(client)["next_arm_1"] == top + 1


def test_event_override_replaces_every_event(state: FakeState) -> None:
    client = api(state)
    answer = _send(client, "event", [{"event_name": "Only", "arm_num": "1"}], override="1")
    assert answer.get_data(as_text=True) == "1"
    assert _events(client) == [("Only", 1, "only_arm_1")]


def test_mapping_import_replaces_every_designation(state: FakeState) -> None:
    client = api(state)
    rows = [{"arm_num": "1", "unique_event_name": "visit_2_arm_1", "form": "enrollment"}]
    assert _send(client, "formEventMapping", rows).get_data(as_text=True) == "1"
    mapping = _send(client, "formEventMapping").get_json()
    assert mapping == [{"arm_num": 1, "unique_event_name": "visit_2_arm_1", "form": "enrollment"}]


def test_mapping_import_takes_a_stored_arm_without_events(state: FakeState) -> None:
    # Event::saveEventMapping checks the arm with Arm::getArm, a query of redcap_events_arms (V15
    # Classes/Event.php:33, Arm.php:67-80): an arm with no event yet exists for it. The event decides
    # the designation.
    client = api(state)
    assert _send(client, "arm", [{"arm_num": 2, "name": "Drug B"}]).get_data(as_text=True) == "1"
    rows = [{"arm_num": "2", "unique_event_name": "visit_2_arm_1", "form": "enrollment"}]
    answer = _send(client, "formEventMapping", rows)
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "1")
    mapping = _send(client, "formEventMapping").get_json()
    assert mapping == [{"arm_num": 1, "unique_event_name": "visit_2_arm_1", "form": "enrollment"}]


def test_mapping_import_lists_every_problem(state: FakeState) -> None:
    rows = [
        {"arm_num": "9", "unique_event_name": "nope", "form": "labs"},
        {"arm_num": "1", "unique_event_name": "baseline_arm_1", "form": "nope"},
    ]
    answer = _send(api(state), "formEventMapping", rows)
    expected = "\n".join(
        [ARM_MISSING.format(value="9"), EVENT_MISSING.format(value="nope"), FORM_MISSING.format(value="nope")]
    )
    assert (answer.status_code, answer.data) == (400, json_error(expected))
    missing = _send(api(state), "formEventMapping", [{"arm_num": "1"}])
    assert missing.data == json_error(f"{MISSING} arm_num,unique_event_name,form")


def test_repeating_import(state: FakeState) -> None:
    client = api(state)
    rows = [
        {"event_name": "baseline_arm_1", "form_name": "labs", "custom_form_label": ""},
        {"event_name": "visit_2_arm_1", "form_name": ""},
    ]
    answer = _send(client, "repeatingFormsEvents", rows)
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "2")
    assert {(r.event, r.form) for r in state.projects[0].repeating} == {
        ("baseline_arm_1", "labs"),
        ("visit_2_arm_1", None),
    }


def test_repeating_import_keeps_custom_form_labels(state: FakeState) -> None:
    """custom_form_label is stored (V15 API/repeatingFormsEvents/import.php getInsertQuery) and exported;
    a longitudinal export shows a falsy label ("0") blank (export.php getItems), csv doubles quotes."""
    client = api(state)
    rows = [
        {"event_name": "baseline_arm_1", "form_name": "labs", "custom_form_label": '[lab_value] "x"'},
        {"event_name": "visit_2_arm_1", "form_name": "", "custom_form_label": "0"},
    ]
    assert _send(client, "repeatingFormsEvents", rows).get_data(as_text=True) == "2"
    assert _send(client, "repeatingFormsEvents").get_json() == [
        {"event_name": "baseline_arm_1", "form_name": "labs", "custom_form_label": '[lab_value] "x"'},
        {"event_name": "visit_2_arm_1", "form_name": "", "custom_form_label": ""},
    ]
    csv = _send(client, "repeatingFormsEvents", format="csv").get_data(as_text=True)
    assert (
        csv
        == 'event_name,form_name,custom_form_label\nbaseline_arm_1,labs,[lab_value] ""x""\nvisit_2_arm_1,,\n'
    )
    xml = _send(client, "repeatingFormsEvents", format="xml").get_data(as_text=True)
    assert '<custom_form_label><![CDATA[[lab_value] "x"]]></custom_form_label>' in xml


def test_repeating_import_errors_are_joined(state: FakeState) -> None:
    rows = [{"event_name": "nope", "form_name": "nada"}]
    answer = _send(api(state), "repeatingFormsEvents", rows)
    title = "Longitudinal test project"
    expected = "; ".join(
        [
            EVENT_NOT_AVAILABLE.format(event="nope", title=title),
            FORM_NOT_AVAILABLE.format(form="nada", title=title),
        ]
    )
    assert (answer.status_code, answer.data) == (400, json_error(expected))


def test_undecodable_repeating_json_empties_the_set_up(state: FakeState) -> None:
    # loadData returns a string for bad JSON; getQueries' loop skips it; only the delete runs.
    answer = _send(api(state), "repeatingFormsEvents", "{not json")
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "0")
    assert state.projects[0].repeating == ()


def test_rights_and_status(state: FakeState, make_state: MakeState) -> None:
    client = api(state)
    denied = _send(client, "arm", [{"arm_num": 1, "name": "a"}], token=IMPORTER)
    assert (denied.status_code, denied.data) == (400, json_error(DESIGN_RIGHTS))
    denied = _send(client, "repeatingFormsEvents", [], token=IMPORTER)
    assert denied.data == json_error(DESIGN_RIGHTS_REPEATING)
    doc = longitudinal_fixture()
    doc["project"]["status"] = "production"
    doc["users"].append(
        {
            "username": "d",
            "token": DESIGNER,
            "data_export": "full",
            "api_import": True,
            "design": True,
            "record_delete": True,
        }
    )
    production = api(make_state(doc))
    for content, action in (
        ("arm", "import"),
        ("arm", "delete"),
        ("event", "delete"),
        ("formEventMapping", ""),
    ):
        answer = _send(production, content, [{"arm_num": 1, "name": "a"}], action=action)
        assert (answer.status_code, answer.data) == (400, json_error(PRODUCTION))
    # API/repeatingFormsEvents/import.php has no status check: production projects take it.
    repeating = [{"event_name": "baseline_arm_1", "form_name": "labs"}]
    assert _send(production, "repeatingFormsEvents", repeating).get_data(as_text=True) == "1"


def test_redcap_13_asks_no_design_right_for_the_repeating_set_up(make_state: MakeState) -> None:
    # api_228 arrived with REDCap 14 (V14.5.11 API/repeatingFormsEvents/import.php:230; not in V13.6.1).
    doc: dict[str, Any] = longitudinal_fixture("13.6.1")
    doc["users"].append(
        {"username": "importer2", "token": IMPORTER, "data_export": "full", "api_import": True}
    )
    rows = [{"event_name": "baseline_arm_1", "form_name": "labs"}]
    answer = _send(api(make_state(doc)), "repeatingFormsEvents", rows, token=IMPORTER)
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "1")
