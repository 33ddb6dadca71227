"""rawOrLabel=label, exportCheckboxLabel and rawOrLabelHeaders=label (V15 Records::getData)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support import LONG_TOKENS, MakeState, api, longitudinal_fixture, post


def _doc() -> dict[str, Any]:
    doc = longitudinal_fixture()
    doc["fields"][0]["label"] = "Record ID"
    doc["fields"][2:2] = [
        {
            "name": "pets",
            "form": "enrollment",
            "type": "checkbox",
            "choices": '1, Cat | 2, "Dog"',
            "label": "Pets",
        },
        {
            "name": "sex",
            "form": "enrollment",
            "type": "radio",
            "choices": "1, Male | 2, Female",
            "label": "Sex",
        },
        {"name": "ok", "form": "enrollment", "type": "yesno", "label": "<b>OK</b>?"},
    ]
    doc["records"][0]["values"] = {"pets___2": "1", "sex": "2", "ok": "0"}
    return doc


@pytest.fixture
def client(make_state: MakeState) -> FlaskClient:
    return api(make_state(_doc()))


def _export(client: FlaskClient, fmt: str = "json", **more: str) -> Any:
    fields = {f"fields[{i}]": n for i, n in enumerate(["record_id", "pets", "sex", "ok", "lab_value"])}
    params = {"token": LONG_TOKENS["full"], "content": "record", "format": fmt, "records[0]": "1", **fields}
    response = post(client, {**params, **more})
    assert response.status_code == 200, response.data
    return response.get_json() if fmt == "json" else response.get_data(as_text=True)


def test_values_as_labels(client: FlaskClient) -> None:
    rows = _export(client, rawOrLabel="label")
    assert rows[0] == {
        "record_id": "1",
        "redcap_event_name": "Baseline",
        "redcap_repeat_instrument": "",
        "redcap_repeat_instance": "",
        "pets___1": "Unchecked",
        "pets___2": "Checked",
        "sex": "Female",
        "ok": "No",
        "lab_value": "",
    }
    assert (rows[1]["redcap_event_name"], rows[1]["redcap_repeat_instrument"]) == ("Visit 1", "Labs")
    assert rows[1]["pets___1"] == ""  # enrollment is not designated for visit 1
    assert _export(client, rawOrLabel="LABEL") == _export(client)  # exactly "label" (export.php)


def test_checkbox_labels(client: FlaskClient) -> None:
    row = _export(client, rawOrLabel="label", exportCheckboxLabel="true")[0]
    assert (row["pets___1"], row["pets___2"]) == ("", "'Dog'")
    assert _export(client, exportCheckboxLabel="true")[0]["pets___2"] == "1"  # only with labels


def test_csv_headers_as_labels(client: FlaskClient) -> None:
    header = _export(client, "csv", rawOrLabelHeaders="label").splitlines()[0]
    assert header == (
        '"Record ID","Event Name","Repeat Instrument","Repeat Instance","Pets (choice=Cat)",'
        '"Pets (choice=Dog)",Sex,OK?,'
    )
