"""Import Metadata (content=metadata with data; V15 API/metadata/import.php, Classes/MetaData.php
saveMetadataFlat, error_checking, save_metadata)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState
from fake_redcap.methods.design_import import DESIGN_RIGHTS, PRODUCTION
from fake_redcap.methods.metadata_import import (
    BAD_TYPE,
    DUPLICATED,
    NOT_SEQUENTIAL,
    RESERVED,
    STARTS_WITH_NUMBER,
    STATUS_NAME,
    TRIPLE_UNDERSCORE,
    TYPE_MISSING,
)
from fake_redcap.methods.project_info import DATA_DICTIONARY_COLUMNS
from tests.support import CLASSIC_EXTRA_FILES, MakeState, api, classic_fixture, json_error, post, tok

DESIGNER = tok(0x7001)


def _doc(status: str = "development") -> dict[str, Any]:
    doc: dict[str, Any] = classic_fixture()
    doc["project"]["status"] = status
    doc["users"].append(
        {"username": "designer", "token": DESIGNER, "data_export": "full", "api_import": True, "design": True}
    )
    return doc


@pytest.fixture
def state(make_state: MakeState) -> FakeState:
    return make_state(_doc(), CLASSIC_EXTRA_FILES)


def _metadata(client: FlaskClient) -> list[dict[str, str]]:
    params = {"token": DESIGNER, "content": "metadata", "format": "json"}
    result: list[dict[str, str]] = post(client, params).get_json()
    return result


def _import(client: FlaskClient, data: Any, fmt: str = "json", token: str = DESIGNER) -> Any:
    text = data if isinstance(data, str) else json.dumps(data)
    params = {"token": token, "content": "metadata", "format": fmt, "returnFormat": "json", "data": text}
    return post(client, params)


def test_the_export_imports_back_unchanged(state: FakeState) -> None:
    client = api(state)
    before = _metadata(client)
    answer = _import(client, before)
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, str(len(before)))
    assert _metadata(client) == before


def test_a_removed_field_keeps_its_values_for_when_it_comes_back(state: FakeState) -> None:
    client = api(state)
    before = _metadata(client)
    without_lab_value = [f for f in before if f["field_name"] != "lab_value"]
    assert _import(client, without_lab_value).get_data(as_text=True) == str(len(before) - 1)
    records = post(client, {"token": DESIGNER, "content": "record", "format": "json"}).get_json()
    assert all("lab_value" not in r for r in records)
    _import(client, before)  # save_metadata leaves redcap_data alone: the values show again
    records = post(client, {"token": DESIGNER, "content": "record", "format": "json"}).get_json()
    assert "7.1" in [r["lab_value"] for r in records]


def test_a_removed_file_field_keeps_its_files_for_when_it_comes_back(state: FakeState) -> None:
    """V15 MetaData::save_metadata (MetaData.php:1954-2180) deletes neither the field's redcap_data rows
    (their value is the doc_id) nor the edocs: while the field is gone Export File refuses it, and once
    it is back the same file exports again."""
    client = api(state)
    before = _metadata(client)
    params = {"token": DESIGNER, "content": "file", "action": "export", "record": "1", "field": "lab_report"}
    params["returnFormat"] = "json"
    stored = post(client, params)
    assert stored.status_code == 200 and stored.get_data() != b""
    without = [f for f in before if f["field_name"] != "lab_report"]
    assert _import(client, without).get_data(as_text=True) == str(len(before) - 1)
    assert post(client, params).status_code == 400  # not a file field now
    _import(client, before)
    back = post(client, params)
    assert (back.status_code, back.get_data()) == (200, stored.get_data())


def test_columns_are_taken_by_position_and_names_corrected(state: FakeState) -> None:
    client = api(state)
    csv = "a,b,c,d,e\nrecord_id,enrollment,,text,ID\nMy Field,enrollment,,textarea,Notes\n"
    assert _import(client, csv, "csv").get_data(as_text=True) == "2"
    assert [(f["field_name"], f["field_type"], f["field_label"]) for f in _metadata(client)] == [
        ("record_id", "text", "ID"),
        ("my_field", "notes", "Notes"),
    ]


def test_a_new_form_is_exported_with_redcaps_label(state: FakeState) -> None:
    client = api(state)
    rows = [*_metadata(client), _row("weight", "vital_signs")]
    _import(client, rows)
    instruments = post(client, {"token": DESIGNER, "content": "instrument", "format": "json"}).get_json()
    assert instruments[-1] == {"instrument_name": "vital_signs", "instrument_label": "Vital Signs"}


def _row(name: str, form: str = "enrollment", ftype: str = "text") -> dict[str, str]:
    """A full line: REDCap reads the columns by position, whatever their keys."""
    line = dict.fromkeys(DATA_DICTIONARY_COLUMNS, "")
    line.update(field_name=name, form_name=form, field_type=ftype, field_label=name)
    return line


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([_row("record_id"), _row("1st")], f"{STARTS_WITH_NUMBER}1st (A3)"),
        ([_row("record_id"), _row("a___b")], f"{TRIPLE_UNDERSCORE}a___b (A3)"),
        ([_row("record_id"), _row("submit")], f"{RESERVED}A3"),
        ([_row("record_id"), _row("age"), _row("age")], f"{DUPLICATED}age (A4)"),
        ([_row("record_id"), _row("x", ftype="")], f"{TYPE_MISSING}D3.\n{BAD_TYPE} (D3)"),
        ([_row("record_id"), _row("x", ftype="Text")], f"{BAD_TYPE}Text (D3)"),
        ([_row("record_id"), _row("enrollment_complete")], f"{STATUS_NAME}enrollment_complete (A3)"),
        (
            [_row("record_id"), _row("a", "labs"), _row("b", "enrollment")],
            f"{NOT_SEQUENTIAL}enrollment (B4)",
        ),
        (
            [_row("record_id"), _row("1x"), _row("submit"), _row("x", ftype="bad")],
            f"{STARTS_WITH_NUMBER}1x (A3)\n{RESERVED}A4\n{BAD_TYPE}bad (D5)",
        ),
    ],
)
def test_refusals_change_nothing(state: FakeState, rows: list[dict[str, str]], message: str) -> None:
    before = state.projects[0]
    answer = _import(api(state), rows)
    assert (answer.status_code, answer.data) == (400, json_error(message))
    assert state.projects[0] is before


def test_undecodable_json_answers_an_empty_200(state: FakeState) -> None:
    answer = _import(api(state), "{nope")
    assert (answer.status_code, answer.data) == (200, b"")


def test_rights_and_status(state: FakeState, make_state: MakeState) -> None:
    importer = classic_fixture()["users"][-1]["token"]  # API Import, no Project Design
    denied = _import(api(state), [_row("record_id")], token=importer)
    assert (denied.status_code, denied.data) == (400, json_error(DESIGN_RIGHTS))
    production = api(make_state(_doc("production"), CLASSIC_EXTRA_FILES))
    assert _import(production, [_row("record_id")]).data == json_error(PRODUCTION)
