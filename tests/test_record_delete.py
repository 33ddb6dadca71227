"""Delete Records (content=record&action=delete) and Generate Next Record Name (V15 API/record/delete.php,
Classes/REDCap.php deleteRecord, API/generateNextRecordName/export.php, DataEntry::getAutoId)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from redcap.project import Project
from redcap.request import RedcapError
from redcaplite import RedcapClient

from fake_redcap import FakeServer, FakeState
from fake_redcap.methods.record_delete import EMPTY_ARRAY, MISSING, NOT_AN_ARRAY, NOT_DELETED, RIGHTS
from tests.support import (
    BOUNDARY,
    CLASSIC_EXTRA_FILES,
    LONG_TOKENS,
    MakeState,
    api,
    classic_fixture,
    json_error,
    longitudinal_fixture,
    multipart_body,
    post,
    tok,
)
from tests.support import CLASSIC_TOKENS as T

DELETER = tok(0x3001)


def _classic() -> dict[str, Any]:
    doc = classic_fixture()
    doc["fields"][0]["label"] = "<b>Record</b> ID"
    doc["users"].append(
        {
            "username": "deleter",
            "token": DELETER,
            "data_export": "full",
            "api_import": True,
            "record_delete": True,
            "record_rename": True,
        }
    )
    doc["users"].append(
        {"username": "deleter_only", "token": tok(0x3002), "data_export": "full", "record_delete": True}
    )
    return doc


@pytest.fixture
def state(make_state: MakeState) -> FakeState:
    return make_state(_classic(), CLASSIC_EXTRA_FILES)


@pytest.fixture
def client(state: FakeState) -> FlaskClient:
    return api(state)


def _delete(client: FlaskClient, *records: str, token: str = DELETER, **more: str) -> tuple[int, str]:
    pairs = [
        ("token", token),
        ("content", "record"),
        ("action", "delete"),
        ("format", "json"),
        ("returnFormat", "json"),
    ]
    pairs += [(f"records[{i}]", r) for i, r in enumerate(records)] + list(more.items())
    response = post(client, pairs)
    return response.status_code, response.get_data(as_text=True)


def _error(message: str) -> str:
    return json_error(message).decode()


def _records(client: FlaskClient) -> list[tuple[str, str, Any]]:
    params = {"token": DELETER, "content": "record", "format": "json"}
    rows = post(client, params).get_json()
    return [(r["record_id"], r["redcap_repeat_instrument"], r["redcap_repeat_instance"]) for r in rows]


def test_a_whole_record_goes_with_its_files(client: FlaskClient, state: FakeState) -> None:
    fields = {"token": DELETER, "content": "file", "action": "import", "record": "2", "field": "consent_form"}
    body = multipart_body(fields, [("file", "c.txt", b"consent of 2")])
    response = client.post("/api/", data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code == 200
    uploads = [p for p in state.storage.root.iterdir() if p.is_file()]
    assert len(uploads) == 1
    assert _delete(client, "2", "ABC") == (200, "2")
    assert [r[0] for r in _records(client)] == ["1", "1", "1"]
    assert not [row for row in state.projects[0].records if row.record in ("2", "abc")]
    assert not uploads[0].exists()  # the record's upload left the disk with it


def test_refusals_delete_nothing(client: FlaskClient) -> None:
    before = _records(client)
    assert _delete(client, "1", "nope") == (400, _error(MISSING.format(records="nope")))
    assert _delete(client) == (400, _error(EMPTY_ARRAY))
    response = post(
        client,
        {"token": DELETER, "content": "record", "action": "delete", "records": "1", "returnFormat": "json"},
    )
    assert (response.status_code, response.get_data(as_text=True)) == (400, _error(NOT_AN_ARRAY))
    assert _delete(client, "1", token=tok(0x3002)) == (400, _error(RIGHTS))
    assert _delete(client, "1", token=T["importer"])[0] == 403
    assert _delete(client, "1", "2", repeat_instance="x") == (
        400,
        _error(
            NOT_DELETED.format(
                errors="1: Repeating instance should be numeric., 2: Repeating instance should be numeric."
            )
        ),
    )
    assert _records(client) == before


def test_an_instrument_instance_only(client: FlaskClient) -> None:
    assert _delete(client, "1", instrument="labs", repeat_instance="2") == (200, "1")
    assert ("1", "labs", 2) not in _records(client)
    assert ("1", "labs", 1) in _records(client)
    assert _delete(client, "2", instrument="labs") == (200, "0")  # nothing there: not counted


def test_longitudinal_event_scope(make_state: MakeState) -> None:
    doc = longitudinal_fixture()
    for user in doc["users"]:
        user.update(api_import=True, record_delete=True)
    client = api(make_state(doc))
    token = LONG_TOKENS["full"]
    base = [
        ("token", token),
        ("content", "record"),
        ("action", "delete"),
        ("returnFormat", "json"),
        ("records[0]", "1"),
    ]
    response = post(client, [*base, ("instrument", "labs")])
    assert response.get_data(as_text=True) == _error(
        NOT_DELETED.format(errors="1: Event is mandatory for longitudinal project.")
    )
    response = post(client, [*base, ("event", "nowhere")])
    assert response.get_data(as_text=True) == _error(
        NOT_DELETED.format(errors="1: Invalid Unique Event Name.")
    )
    response = post(client, [*base, ("event", "visit_2_arm_1"), ("repeat_instance", "2")])
    assert (response.status_code, response.get_data(as_text=True)) == (200, "1")
    rows = post(client, {"token": token, "content": "record", "format": "json"}).get_json()
    assert [(r["redcap_event_name"], r["redcap_repeat_instance"]) for r in rows if r["record_id"] == "1"] == [
        ("baseline_arm_1", ""),
        ("visit_1_arm_1", 1),
        ("visit_1_arm_1", 2),
        ("visit_2_arm_1", 1),
    ]


def test_a_longitudinal_event_left_without_data_goes(make_state: MakeState) -> None:
    """Records::deleteForm (V15 Records.php:126-156): in a longitudinal project, when no form of the event
    (in a repeating event: of the instance) has data left and the record has data elsewhere, the whole
    event instance goes, record ID included; a record with no other data keeps its row."""
    doc = longitudinal_fixture()
    for user in doc["users"]:
        user.update(api_import=True, record_delete=True)
    client = api(make_state(doc))
    token = LONG_TOKENS["full"]

    def delete(record: str, event: str, instance: str = "1") -> str:
        params = {"records[0]": record, "instrument": "labs", "event": event, "repeat_instance": instance}
        response = post(client, {"token": token, "content": "record", "action": "delete", **params})
        return str(response.get_data(as_text=True))

    def rows(record: str) -> list[tuple[str, Any]]:
        exported = post(client, {"token": token, "content": "record", "format": "json"}).get_json()
        return [
            (r["redcap_event_name"], r["redcap_repeat_instance"])
            for r in exported
            if r["record_id"] == record
        ]

    assert delete("1", "visit_2_arm_1", "2") == "1"  # the repeating event's instance 2 had only labs
    assert delete("1", "baseline_arm_1") == "1"  # enrollment keeps its consent form: the row stays
    assert rows("1") == [
        ("baseline_arm_1", ""),
        ("visit_1_arm_1", 1),
        ("visit_1_arm_1", 2),
        ("visit_2_arm_1", 1),
    ]
    assert delete("3", "visit_1_arm_1") == "1"  # record 3's only data: the record stays, empty
    whole = {"token": token, "content": "record", "action": "delete", "records[0]": "3"}
    assert post(client, whole).get_data(as_text=True) == "1"  # it still existed


def test_generate_next_record_name(client: FlaskClient) -> None:
    response = post(client, {"token": T["full"], "content": "generateNextRecordName"})
    assert response.get_data(as_text=True) == "3"
    assert _delete(client, "2") == (200, "1")
    assert (
        post(client, {"token": T["full"], "content": "generateNextRecordName"}).get_data(as_text=True) == "2"
    )
    response = post(client, {"token": T["no_access"], "content": "generateNextRecordName"})
    assert response.status_code == 403


@pytest.fixture
def server(state: FakeState) -> Iterator[FakeServer]:
    with FakeServer(state, "127.0.0.1", 0) as running:
        yield running


def test_pycap_and_redcaplite(server: FakeServer) -> None:
    project = Project(server.url, DELETER)
    assert project.generate_next_record_name() == "3"
    assert project.delete_records(["2"]) == 1
    with pytest.raises(RedcapError, match="do not exist"):
        project.delete_records(["2"])
    lite = RedcapClient(server.url, DELETER)
    assert str(lite.delete_records(["abc"])) == "1"
    assert [r["record_id"] for r in project.export_records(fields=["record_id"])] == ["1"]
    lite.rename_record("1", "uno")
    assert [r["record_id"] for r in project.export_records(fields=["record_id"])] == ["uno"]


def _rename(client: FlaskClient, record: str, new: str, token: str = DELETER) -> tuple[int, str]:
    params = {
        "token": token,
        "content": "record",
        "action": "rename",
        "record": record,
        "new_record_name": new,
    }
    response = post(client, params)
    return response.status_code, response.get_data(as_text=True)


def test_rename_moves_every_row_and_its_files(client: FlaskClient, state: FakeState) -> None:
    assert _rename(client, "1", " one ") == (200, "1")
    rows = [r for r in state.projects[0].records if r.record == "one"]
    assert len(rows) == 2 and rows[0].files["consent_form"].name == "consent.pdf"
    assert not [r for r in state.projects[0].records if r.record == "1"]
    assert _rename(client, "one", "ABC") == (
        200,
        'Record ID "one" could not be changed to "ABC" because that record already exists! Please try again.',
    )
    assert _rename(client, "nope", "x") == (200, "Current Record does not exists.")
    assert _rename(client, "", "x") == (200, "Current record name must be provided.")
    assert _rename(client, "2", "") == (200, "New record name must be provided.")
    assert _rename(client, "2", "x", token=T["importer"])[0] == 403


def test_rename_url_decodes_both_names_twice_as_redcap_does(client: FlaskClient, state: FakeState) -> None:
    """V15 Classes/REDCap.php renameRecord:2381-2382: once the record is found as sent, both names are
    `trim(rawurldecode(urldecode(...)))`; the log keeps them as sent (API/record/rename.php:7-9)."""
    assert _rename(client, "1", "a%2520b+c%2B") == (200, "1")
    assert {r.record for r in state.projects[0].records} >= {"a b c+"}
    assert state.project_log(101)[0].data_values == "old_record = '1',\nnew_record = 'a%2520b+c%2B'"
    taken = _rename(client, "2", "a+b%20c%2B")
    assert taken == (
        200,
        'Record ID "2" could not be changed to "a b c+" because that record already exists!'
        " Please try again.",
    )


def test_rename_before_redcap_13_is_a_record_export(make_state: MakeState) -> None:
    """V10.0.13 API/index.php:253-257 knows only action=delete for records: `action=rename` is an
    export (an import with data), and nothing is renamed; REDCap 13.6.1 has API/record/rename.php."""
    state = make_state(_classic(), CLASSIC_EXTRA_FILES, redcap_version="10.0.13")
    client = api(state)
    params = {"token": DELETER, "content": "record", "action": "rename", "format": "json"}
    response = post(client, {**params, "record": "1", "new_record_name": "uno"})
    assert response.status_code == 200
    assert {row["record_id"] for row in response.get_json()} >= {"1", "2"}
    assert {r.record for r in state.projects[0].records} >= {"1"}
    newer = api(make_state(_classic(), CLASSIC_EXTRA_FILES, redcap_version="13.6.1"))
    renamed = post(newer, {**params, "record": "1", "new_record_name": "uno"})
    assert renamed.get_data(as_text=True) == "1"


def test_randomize_before_redcap_15_is_a_record_export(make_state: MakeState) -> None:
    """V14.5.11 API/index.php:392 takes the action of a record request only for delete and rename:
    `action=randomize` is an export there; REDCap 15.7.6 routes it to API/record/randomize.php
    (API/index.php:394), which needs the Randomize right (:445)."""
    params = {"token": DELETER, "content": "record", "action": "randomize", "format": "json", "record": "1"}
    older = api(make_state(_classic(), CLASSIC_EXTRA_FILES, redcap_version="14.5.11"))
    response = post(older, params)
    assert response.status_code == 200
    assert {row["record_id"] for row in response.get_json()} >= {"1", "2"}
    newer = api(make_state(_classic(), CLASSIC_EXTRA_FILES, redcap_version="15.7.6"))
    refused = post(newer, params)
    assert (refused.status_code, refused.get_json()) == (
        403,
        {"error": "You do not have Randomize privileges"},
    )
