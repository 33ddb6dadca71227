"""Export Logging (content=log): V15 API/log/export.php, Logging/filters.php, Logging::renderLogRow and
Logging::setEventFilterSql."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState
from fake_redcap.methods.log import NO_EXPORT_RIGHTS, NO_LOGGING_RIGHTS
from fake_redcap.project_log import make_event
from tests.support import (
    CLASSIC_EXTRA_FILES,
    CLASSIC_TOKENS,
    LONG_TOKENS,
    MakeState,
    api,
    classic_fixture,
    json_error,
    longitudinal_fixture,
    post,
    tok,
)

WRITER = tok(0x3201)
TS = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")


def _classic() -> dict[str, Any]:
    doc = classic_fixture()
    doc["users"].append(
        {
            "username": "writer",
            "token": WRITER,
            "data_export": "full",
            "api_import": True,
            "record_delete": True,
            "rights": {"logging": 1},
        }
    )
    return doc


@pytest.fixture
def state(make_state: MakeState) -> FakeState:
    return make_state(_classic(), CLASSIC_EXTRA_FILES)


@pytest.fixture
def client(state: FakeState) -> FlaskClient:
    return api(state)


def _log(client: FlaskClient, token: str = WRITER, **params: str) -> Any:
    response = post(client, {"token": token, "content": "log", "format": "json", **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _import(client: FlaskClient, data: str) -> None:
    response = post(client, {"token": WRITER, "content": "record", "format": "json", "data": data})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_an_empty_log_in_each_format(client: FlaskClient) -> None:
    assert _log(client) == []
    # the export wrote its own row, which the next export shows
    base = {"token": WRITER, "content": "log", "logtype": "record"}
    csv = post(client, {**base, "format": "csv"})
    assert csv.get_data(as_text=True) == "timestamp,username,action,details,record"
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    xml = post(client, {**base, "format": "xml"}).get_data(as_text=True)
    assert xml == '<?xml version="1.0" encoding="UTF-8" ?>\n<logs>\n</logs>\n'


def test_record_changes_newest_first(client: FlaskClient) -> None:
    _import(client, '[{"record_id": "9", "age": "50"}]')
    _import(client, '[{"record_id": "9", "age": "51"}]')
    rows = _log(client)
    assert [{k: v for k, v in r.items() if k != "timestamp"} for r in rows] == [
        {"username": "writer", "action": "Update record (API) 9", "details": "age = '51'", "record": "9"},
        {
            "username": "writer",
            "action": "Create record (API) 9",
            "details": "record_id = '9', age = '50'",
            "record": "9",
        },
    ]
    assert all(TS.fullmatch(r["timestamp"]) for r in rows)
    manage = _log(client, logtype="manage")
    assert [(r["action"], r["details"], r["record"]) for r in manage] == [
        ("Manage/Design ", "Export Logging (API)", "")
    ]


def test_csv_and_xml_rows(client: FlaskClient) -> None:
    _import(client, '[{"record_id": "9", "age": "=1"}]')
    base = {"token": WRITER, "content": "log", "logtype": "record_add"}
    csv = post(client, {**base, "format": "csv"}).get_data(as_text=True).split("\n")
    assert csv[0] == "timestamp,username,action,details,record"
    assert csv[1].endswith(",writer,\"Create record (API) 9\",\"record_id = '9', age = '=1'\",9")
    xml = post(client, {**base, "format": "xml"}).get_data(as_text=True)
    assert "<log><timestamp><![CDATA[" in xml
    assert "<username><![CDATA[writer]]></username><action><![CDATA[Create record (API) 9]]></action>" in xml


def test_filters(client: FlaskClient, state: FakeState) -> None:
    _import(client, '[{"record_id": "9", "age": "50"}, {"record_id": "8", "age": "5"}]')
    post(client, {"token": WRITER, "content": "record", "action": "delete", "records[0]": "8"})
    assert [r["action"] for r in _log(client, logtype="record_delete")] == ["Delete record (API) 8"]
    assert [r["record"] for r in _log(client, logtype="record_add")] == ["8", "9"]
    assert [r["record"] for r in _log(client, record="9")] == ["9"]
    # logtype manage drops the record filter: the three exports so far
    assert [r["record"] for r in _log(client, logtype="manage", record="9")] == ["", "", ""]
    assert _log(client, user="nobody") == []
    assert len(_log(client, user="WRITER", logtype="record")) == 3  # the column's collation
    assert _log(client, logtype="record", beginTime="2999-01-01 00:00") == []
    assert len(_log(client, logtype="record", endTime="2999-01-01 00:00")) == 3
    assert _log(client, logtype="record", endTime="2000-01-01 00:00") == []
    # "2999-01-01" gains ":00" and loses its non-digits: 2999010100, smaller than any ts
    assert len(_log(client, logtype="record", beginTime="2999-01-01")) == 3
    assert (
        len(_log(client, logtype="nonsense")) == len(_log(client)) - 1
    )  # an unknown logtype filters nothing


def test_time_bounds_compare_whole_minutes(state: FakeState, client: FlaskClient) -> None:
    for ts in ("20260102030400", "20260102030459", "20260102030500"):
        state.add_log(101, make_event(ts, "u", "redcap_projects", "MANAGE", "101", "", f"at {ts}"))
    rows = _log(client, beginTime="2026-01-02 03:04", endTime="2026-01-02 03:05")
    assert [r["details"] for r in rows] == ["at 20260102030500", "at 20260102030459", "at 20260102030400"]
    rows = _log(client, beginTime="2026-01-02 03:04:30", endTime="2026-01-02 03:04")
    assert [r["details"] for r in rows] == ["at 20260102030400"]  # cut to 16 characters


def test_rights(client: FlaskClient) -> None:
    response = post(client, {"token": CLASSIC_TOKENS["no_access"], "content": "log", "format": "json"})
    assert (response.status_code, response.get_data()) == (403, json_error(NO_EXPORT_RIGHTS))
    response = post(client, {"token": CLASSIC_TOKENS["no_api_export"], "content": "log", "format": "json"})
    assert response.status_code == 403


def test_page_views_are_not_implemented(client: FlaskClient) -> None:
    response = post(client, {"token": WRITER, "content": "log", "logtype": "page_view"})
    assert response.status_code == 400
    assert "X-Fake-REDCap-Not-Implemented" in response.headers


def test_longitudinal_rows_name_their_event(make_state: MakeState) -> None:
    doc = longitudinal_fixture()
    doc["users"][0].update(api_import=True, rights={"logging": 1})
    client = api(make_state(doc))
    data = '[{"record_id": "1", "redcap_event_name": "visit_1_arm_1", "redcap_repeat_instrument": "labs", '
    data += '"redcap_repeat_instance": "3", "lab_value": "4"}]'
    response = post(
        client, {"token": LONG_TOKENS["full"], "content": "record", "format": "json", "data": data}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = _log(client, token=LONG_TOKENS["full"], logtype="record")
    assert [(r["action"], r["details"], r["record"]) for r in rows] == [
        ("Update record (API) 1 (Visit 1)", "[instance = 3], record_id = '1', lab_value = '4'", "1")
    ]


def test_exports_are_logged(client: FlaskClient) -> None:
    """API/record/export.php:261-267 (DATA_EXPORT) and API/file/export.php:130-135 (MANAGE)."""
    assert post(client, {"token": WRITER, "content": "record", "format": "json"}).status_code == 200
    params = {"token": WRITER, "content": "file", "action": "export", "record": "1", "field": "consent_form"}
    assert post(client, params).status_code == 200
    exports = _log(client, logtype="export")
    assert [(r["action"], r["details"], r["record"]) for r in exports] == [
        ("Data export (API) ", "export_format: JSON, rawOrLabel: ", "")
    ]
    manage = _log(client, logtype="manage")
    assert [(r["action"], r["details"]) for r in manage][-1] == ("Manage/Design ", "Download file (API)")


def _dag_state(make_state: MakeState) -> FakeState:
    doc = _classic()
    doc["dags"] = [{"name": "Site A"}, {"name": "Site B", "id": 7}]
    doc["users"].append(
        {"username": "site_a_user", "token": tok(0x3202), "data_export": "full", "api_import": True}
        | {"dag": "site_a", "rights": {"logging": 1}}
    )
    doc["users"].append({"username": "no_log", "token": tok(0x3203), "data_export": "full"})
    doc["records"][1]["dag"] = "site_a"  # record 1 (its second row) in Site A
    return make_state(doc, CLASSIC_EXTRA_FILES)


def test_the_logging_right(make_state: MakeState) -> None:
    """API/log/export.php:9-15: without the Logging right, REDCap's 403."""
    client = api(_dag_state(make_state))
    response = post(client, {"token": tok(0x3203), "content": "log", "format": "json"})
    assert (response.status_code, response.get_data()) == (403, json_error(NO_LOGGING_RIGHTS))


def test_the_dag_filter(make_state: MakeState) -> None:
    """Logging/filters.php:40-84: `dag` is a group_id; a DAG member sees only their DAG's records."""
    client = api(_dag_state(make_state))
    _import(client, '[{"record_id": "1", "age": "41"}, {"record_id": "2", "age": "31"}]')
    records = {"logtype": "record"}
    assert [r["record"] for r in _log(client, dag="1", **records)] == ["1"]
    assert [r["record"] for r in _log(client, dag="site_a", **records)] == ["2", "1"]  # not a group_id
    assert _log(client, dag="7", **records) == []  # Site B has no records
    assert [r["record"] for r in _log(client, token=tok(0x3202), **records)] == ["1"]
    assert _log(client, token=tok(0x3202), record="2", **records) == []  # outside the user's DAG
    # Without a record log type a DAG member also sees their DAG's users' other rows, but not a MANAGE
    # row whose pk is no record of the DAG: their own "Export Logging" rows name the project_id.
    rows = _log(client, token=tok(0x3202))
    assert [(r["username"], r["record"]) for r in rows] == [("writer", "1")]
