"""Record export options: csvDelimiter, decimalCharacter (V15 API/record/export.php, Records::getData,
getFieldsDecimalConvert, DataExport::getCsvDelimiters) and exportDataAccessGroups without DAGs."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from fake_redcap import messages
from tests.support import CLASSIC_EXTRA_FILES, MakeState, api, classic_fixture, post
from tests.support import CLASSIC_TOKENS as T


def _doc() -> dict[str, Any]:
    doc = classic_fixture()
    doc["fields"][4:4] = [
        {"name": "weight", "form": "enrollment", "type": "text", "validation": "number"},
        {"name": "height", "form": "enrollment", "type": "text", "validation": "number_comma_decimal"},
        {"name": "note", "form": "enrollment", "type": "text"},
    ]
    doc["records"][2]["values"] = {"age": "30", "weight": "70.5", "height": "1,8", "note": "a;b 1.5"}
    return doc


@pytest.fixture
def client(make_state: MakeState) -> FlaskClient:
    return api(make_state(_doc(), CLASSIC_EXTRA_FILES))


def _csv(client: FlaskClient, **more: str) -> str:
    params = {"token": T["full"], "content": "record", "format": "csv", "records[0]": "2"}
    params |= {"fields[0]": "record_id", "fields[1]": "weight", "fields[2]": "height", "fields[3]": "note"}
    response = post(client, {**params, **more})
    assert response.status_code == 200, response.data
    return response.get_data(as_text=True)


def test_csv_delimiters(client: FlaskClient) -> None:
    header = "record_id,redcap_repeat_instrument,redcap_repeat_instance,weight,height,note\n"
    assert _csv(client) == header + '2,,,70.5,"1,8","a;b 1.5"\n'
    assert _csv(client, csvDelimiter=";") == header.replace(",", ";") + '2;;;70.5;1,8;"a;b 1.5"\n'
    assert _csv(client, csvDelimiter="|") == header.replace(",", "|") + '2|||70.5|1,8|"a;b 1.5"\n'
    assert _csv(client, csvDelimiter="x") == _csv(client)  # not one of REDCap's: the default comma
    response = post(client, {"token": T["full"], "content": "record", "format": "csv", "csvDelimiter": "tab"})
    assert response.headers[messages.NOT_IMPLEMENTED_HEADER]


def test_decimal_character(client: FlaskClient) -> None:
    assert _csv(client, decimalCharacter=",").splitlines()[1] == '2,,,"70,5","1,8","a;b 1.5"'
    assert _csv(client, decimalCharacter=".").splitlines()[1] == '2,,,70.5,1.8,"a;b 1.5"'
    assert _csv(client, decimalCharacter="x") == _csv(client)


def test_export_data_access_groups_without_dags_changes_nothing(client: FlaskClient) -> None:
    """export.php:234: DAG columns only when the project has DAGs; the fake's projects have none."""
    assert _csv(client, exportDataAccessGroups="true") == _csv(client)
