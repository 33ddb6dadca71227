"""Import Records (content=record with data): parsing, REDCap's checks and texts, returnContent, and
the write through the copy-on-write model (V15 API/record/import.php, Classes/Records.php saveData)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from redcap.project import Project
from redcap.request import RedcapError
from redcaplite import RedcapClient
from redcaplite.http.error import APIException

from fake_redcap import FakeServer, FakeState
from fake_redcap.import_values import DATE, NOT_A_CATEGORY
from fake_redcap.methods.record_import import NEEDS_REPEATING_FORM, NOT_DESIGNATED, UNKNOWN_FIELDS
from tests.support import (
    CLASSIC_EXTRA_FILES,
    LONG_TOKENS,
    MakeState,
    api,
    classic_fixture,
    longitudinal_fixture,
    post,
)
from tests.support import CLASSIC_TOKENS as T

IMPORTER = T["importer"]


def _doc() -> dict[str, Any]:
    doc = classic_fixture()
    doc["fields"][4:4] = [
        {"name": "dob", "form": "enrollment", "type": "text", "validation": "date_ymd"},
        {"name": "color", "form": "enrollment", "type": "radio", "choices": "1, Red | 2, Green"},
        {"name": "score", "form": "enrollment", "type": "text", "validation": "integer"},
        {"name": "pets", "form": "enrollment", "type": "checkbox", "choices": "1, Cat | 2, Dog"},
        {"name": "bmi", "form": "enrollment", "type": "calc", "choices": "[age]*2"},
        {"name": "note", "form": "enrollment", "type": "descriptive"},
    ]
    return doc


@pytest.fixture
def state(make_state: MakeState) -> FakeState:
    return make_state(_doc(), CLASSIC_EXTRA_FILES)


@pytest.fixture
def client(state: FakeState) -> FlaskClient:
    return api(state)


def _import(client: FlaskClient, data: str, fmt: str = "json", **more: str) -> tuple[int, str]:
    response = post(client, {"token": IMPORTER, "content": "record", "format": fmt, "data": data, **more})
    return response.status_code, response.get_data(as_text=True)


def _export(client: FlaskClient, token: str = IMPORTER, **more: str) -> list[dict[str, str]]:
    response = post(client, {"token": token, "content": "record", "format": "json", **more})
    assert response.status_code == 200, response.data
    result: list[dict[str, str]] = response.get_json()
    return result


def _record(client: FlaskClient, name: str) -> dict[str, str]:
    return next(r for r in _export(client) if r["record_id"] == name and r["redcap_repeat_instrument"] == "")


def test_json_import_writes_and_counts(client: FlaskClient) -> None:
    rows = [{"record_id": "5", "age": 3, "dob": "2020-1-2", "color": "2", "pets___2": "1"}]
    assert _import(client, json.dumps(rows)) == (200, '{"count": 1}')
    got = _record(client, "5")
    assert (got["age"], got["dob"], got["color"], got["pets___1"], got["pets___2"]) == (
        "3",
        "2020-01-02",
        "2",
        "0",
        "1",
    )
    assert got["enrollment_complete"] == "0"


def test_csv_and_xml_imports_and_return_content(client: FlaskClient) -> None:
    assert _import(client, "record_id,age\n7,1\n8,2\n", "csv", returnContent="ids", returnFormat="csv") == (
        200,
        "id\n7\n8",
    )
    xml = "<records><item><record_id>9</record_id><age>4</age></item></records>"
    assert _import(client, xml, "xml", returnFormat="xml") == (
        200,
        '<?xml version="1.0" encoding="UTF-8" ?><count>1</count>',
    )
    assert _import(client, json.dumps([{"record_id": "9"}]), returnContent="ids") == (200, '["9"]')
    assert _import(client, json.dumps([{"record_id": "9"}]), returnContent="nothing") == (200, "")
    assert _import(
        client, json.dumps([{"record_id": "9"}]), returnContent="auto_ids", forceAutoNumber="true"
    ) == (
        200,
        '["9,9"]',
    )
    assert _import(client, json.dumps([{"record_id": "9"}]), returnContent="auto_ids") == (
        200,
        '{"count": 1}',
    )
    assert _record(client, "8")["age"] == "2"


def test_bad_values_are_listed_and_nothing_is_written(client: FlaskClient) -> None:
    rows = [
        {"record_id": "5", "age": "3"},
        {
            "record_id": "6",
            "dob": "2020-13-02",
            "color": "7",
            "lab_value": "x",
            "pets___1": "2",
            "score": "1.5",
        },
    ]
    status, body = _import(client, json.dumps(rows))
    assert status == 400
    lines = json.loads(body)["error"].split("\n")
    assert lines == [
        f'"6","dob","2020-13-02","{DATE["YMD"]}"',
        f'"6","color","7","{NOT_A_CATEGORY.format(field="color")}"',
        '"6","lab_value","x","' + NEEDS_REPEATING_FORM.format(field="lab_value", form="labs") + '"',
        '"6","pets___1","2","pets___1 is a checkbox field and thus can only have a value of '
        "'1' (checked) or '0' (unchecked).\"",
        '"6","score","1.5","The value of score must be an integer."',
    ]
    assert not any(r["record_id"] in ("5", "6") for r in _export(client))


def test_unknown_and_descriptive_fields_are_refused(client: FlaskClient) -> None:
    status, body = _import(client, "record_id,nope,note,\n7,1,2,3\n", "csv", returnFormat="json")
    assert (status, json.loads(body)["error"]) == (400, UNKNOWN_FIELDS.format(fields="nope, note"))


def test_calc_and_file_values_are_ignored(client: FlaskClient) -> None:
    assert _import(client, json.dumps([{"record_id": "2", "bmi": "99", "consent_form": "x.pdf"}]))[0] == 200
    got = _record(client, "2")
    # the imported 99 is skipped; naming bmi triggers its calculation ([age]*2, Records.php:7447-7460)
    assert got["bmi"] == "60" and got["age"] == "30"


def test_overwrite_behavior(client: FlaskClient) -> None:
    assert _import(client, json.dumps([{"record_id": "2", "age": ""}]))[0] == 200
    assert _record(client, "2")["age"] == "30"
    assert (
        _import(client, json.dumps([{"record_id": "2", "age": ""}]), overwriteBehavior="overwrite")[0] == 200
    )
    assert _record(client, "2")["age"] == ""


def test_a_blank_checkbox_keeps_its_box_in_normal_mode_and_unchecks_it_in_overwrite(
    client: FlaskClient,
) -> None:
    """saveData (V15 Records.php:5490-5506): a blank checkbox column is "" in normal mode, which keeps
    the stored value like any blank; only overwrite mode turns it into "0". "0" unchecks in both."""
    assert _import(client, "record_id,pets___1,pets___2\n2,1,1\n", fmt="csv")[0] == 200
    assert _import(client, "record_id,pets___1,pets___2\n2,,\n", fmt="csv")[0] == 200
    assert (_record(client, "2")["pets___1"], _record(client, "2")["pets___2"]) == ("1", "1")
    assert _import(client, "record_id,pets___1,pets___2\n2,0,\n", fmt="csv")[0] == 200
    assert (_record(client, "2")["pets___1"], _record(client, "2")["pets___2"]) == ("0", "1")
    assert _import(client, "record_id,pets___2\n2,\n", fmt="csv", overwriteBehavior="overwrite")[0] == 200
    assert _record(client, "2")["pets___2"] == "0"


def test_record_names(client: FlaskClient) -> None:
    assert _import(client, json.dumps([{"record_id": "ABC", "age": "1"}]), returnContent="ids") == (
        200,
        '["abc"]',
    )
    status, body = _import(client, json.dumps([{"record_id": "a+b"}]))
    assert (status, json.loads(body)["error"]) == (
        400,
        "The record name (a+b) cannot contain a plus sign (+), ampersand (&), pound sign (#), or apostrophe.",
    )
    status, body = _import(client, json.dumps([{"age": "1"}]))
    assert json.loads(body)["error"] == "The record id field (record_id) is missing."
    assert _import(client, "", returnFormat="json") == (400, '{"error":"No data was provided."}')
    assert _import(client, "not json", returnFormat="json") == (
        400,
        '{"error":"The data is not in the specified format."}',
    )


def test_repeating_instances(client: FlaskClient) -> None:
    row = {
        "record_id": "2",
        "redcap_repeat_instrument": "labs",
        "redcap_repeat_instance": "3",
        "lab_value": "5",
    }
    assert _import(client, json.dumps([row]))[0] == 200
    labs: list[dict[str, Any]] = [
        r for r in _export(client) if r["record_id"] == "2" and r["redcap_repeat_instrument"] == "labs"
    ]
    assert [(r["redcap_repeat_instance"], r["lab_value"]) for r in labs] == [(3, "5")]


def test_import_needs_the_api_import_right(client: FlaskClient) -> None:
    response = post(client, {"token": T["full"], "content": "record", "format": "json", "data": "[]"})
    assert response.status_code == 403


def test_longitudinal_event_rules(make_state: MakeState) -> None:
    client = api(make_state(_long_doc()))
    token = LONG_TOKENS["full"]
    row = {"record_id": "4", "redcap_event_name": "visit_1_arm_1", "weight": "7"}
    response = post(
        client, {"token": token, "content": "record", "format": "json", "data": json.dumps([row])}
    )
    assert (
        response.get_json()["error"]
        == '"4","weight","7","' + NOT_DESIGNATED.format(field="weight", event="Visit 1") + '"'
    )
    row = {"record_id": "4", "redcap_event_name": "visit_1_arm_1", "lab_value": "1"}
    response = post(
        client, {"token": token, "content": "record", "format": "json", "data": json.dumps([row])}
    )
    assert response.status_code == 400
    assert NEEDS_REPEATING_FORM.format(field="lab_value", form="labs") in response.get_json()["error"]
    row = {"record_id": "4", "redcap_event_name": "baseline_arm_1", "lab_value": "1"}
    response = post(
        client, {"token": token, "content": "record", "format": "json", "data": json.dumps([row])}
    )
    assert response.status_code == 200, response.data
    row = {"record_id": "4", "redcap_event_name": "nowhere", "lab_value": "1"}
    response = post(
        client, {"token": token, "content": "record", "format": "json", "data": json.dumps([row])}
    )
    assert response.get_json()["error"] == "The following values of redcap_event_name are invalid: nowhere"


def _long_doc() -> dict[str, Any]:
    doc = longitudinal_fixture()
    doc["fields"].insert(2, {"name": "weight", "form": "enrollment", "type": "text"})
    for user in doc["users"]:
        user["api_import"] = True
    return doc


@pytest.fixture
def server(state: FakeState) -> Iterator[FakeServer]:
    with FakeServer(state, "127.0.0.1", 0) as running:
        yield running


def test_pycap_import_records(server: FakeServer) -> None:
    project = Project(server.url, IMPORTER)
    assert project.import_records([{"record_id": "20", "age": "5"}]) == {"count": 1}
    assert project.import_records([{"record_id": "21"}], return_content="ids") == ["21"]
    with pytest.raises(RedcapError, match="must be an integer"):
        project.import_records([{"record_id": "22", "score": "x"}])
    exported = project.export_records(records=["20"], fields=["record_id", "age"])
    assert exported == [
        {"record_id": "20", "redcap_repeat_instrument": "", "redcap_repeat_instance": "", "age": "5"}
    ]


def test_redcaplite_import_records(server: FakeServer) -> None:
    client = RedcapClient(server.url, IMPORTER)
    assert client.import_records([{"record_id": "30", "age": "6"}], format="json") == ["30"]
    # redcaplite asks for json answers and hands the text back as it came
    assert (
        client.import_records("record_id,age\n31,7\n", format="csv", returnContent="count") == '{"count": 1}'
    )
    with pytest.raises(APIException, match="must be an integer"):
        client.import_records([{"record_id": "32", "score": "x"}], format="json")
    exported = client.export_records(format="json", records=["30", "31"], fields=["record_id", "age"])
    assert [(r["record_id"], r["age"]) for r in exported] == [("30", "6"), ("31", "7")]


def test_locked_forms_and_skipped_fields(make_state: MakeState) -> None:
    doc = _doc()
    doc["records"][2]["locked_forms"] = ["enrollment"]  # record 2
    client = api(make_state(doc, CLASSIC_EXTRA_FILES))
    status, body = _import(client, json.dumps([{"record_id": "2", "age": "31", "score": "x"}]))
    assert status == 400
    assert json.loads(body)["error"].split("\n") == [
        '"2","age","31","This field is located on a form that is locked. You must first unlock this form for '
        'this record."',
        '"2","score","x","The value of score must be an integer."',  # a later check replaces the lock's
    ]
    # calc and file fields are skipped before any check, wherever they are
    row = {"record_id": "9", "redcap_repeat_instrument": "labs", "redcap_repeat_instance": "1", "bmi": "1"}
    assert _import(client, json.dumps([row]))[0] == 200


def test_eav_import(client: FlaskClient) -> None:
    rows = [
        {"record": "40", "field_name": "age", "value": "5"},
        {"record": "40", "field_name": "pets", "value": "2"},
        {"record": "40", "field_name": "lab_value", "value": '7 \\"x\\"', "redcap_repeat_instrument": "labs",
         "redcap_repeat_instance": "2"},
    ]  # fmt: skip
    assert _import(client, json.dumps(rows), type="eav", returnContent="ids") == (200, '["40"]')
    exported = [r for r in _export(client) if r["record_id"] == "40"]
    assert [(r["age"], r["pets___2"], r["lab_value"], r["redcap_repeat_instance"]) for r in exported] == [
        ("5", "1", "", ""),
        ("", "", '7 "x"', 2),
    ]
    status, body = _import(
        client, json.dumps([{"record": " ", "field_name": "age", "value": "1"}]), type="eav"
    )
    assert (status, json.loads(body)["error"]) == (400, "The record name cannot be empty.")
    row = {"record": "41", "field_name": "lab_value", "value": "1", "redcap_repeat_instrument": "labs",
           "redcap_repeat_instance": "new"}  # fmt: skip
    status, body = _import(client, json.dumps([row]), type="eav")
    assert json.loads(body)["error"].startswith("The record name (41) has a value of 'new'")
