"""Data access groups: content=dag (export, import, delete, switch), content=userDagMapping, and what DAG
membership does to the record export and import (V15 API/dag/*.php, API/userDagMapping/*.php,
Classes/DataAccessGroups.php, Classes/DAGSwitcher.php, Classes/Records.php getData/saveData)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState
from fake_redcap.dag_names import with_unique_names
from fake_redcap.messages import DAG_MEMBER
from fake_redcap.methods.dag import (
    DAG_COLUMNS_MISSING,
    DAGS_UNKNOWN,
    EXPORT_NEEDS_DAG_RIGHTS,
    MAPPING_NOT_A_USER,
    NAME_BLANK,
    SWITCH_INVALID_DAG,
    SWITCH_INVALID_USER,
    SWITCH_NOT_PERMITTED,
    UNIQUE_UNKNOWN,
)
from fake_redcap.methods.record_dags import (
    DAG_COLUMN_REFUSED,
    INVALID_DAG_NAMES,
    NOT_IN_YOUR_DAG,
    OTHER_DAGS_RECORDS,
)
from fake_redcap.model import Dag
from tests.support import CLASSIC_EXTRA_FILES, MakeState, api, classic_fixture, json_error, post, tok
from tests.support import CLASSIC_TOKENS as T

ADMIN = tok(0x4201)


@pytest.fixture
def state(make_state: MakeState) -> FakeState:
    doc = classic_fixture()
    doc["users"].append(
        {
            "username": "admin",
            "token": ADMIN,
            "data_export": "full",
            "api_import": True,
            "user_rights": True,
            "record_delete": True,
        }
    )
    return make_state(doc, CLASSIC_EXTRA_FILES)


@pytest.fixture
def client(state: FakeState) -> FlaskClient:
    c = api(state)
    # admin gets the Data Access Groups right, full_user API Import
    data = [{"username": "admin", "data_access_groups": 1, "api_import": 1, "user_rights": 1}]
    assert _call(c, "user", data).text == "1"
    return c


def _call(client: FlaskClient, content: str, data: Any = None, token: str = ADMIN, **extra: str) -> Any:
    params = {"token": token, "content": content, "format": extra.pop("fmt", "json"), **extra}
    if data is not None:
        params["data"] = json.dumps(data) if params["format"] == "json" else data
    return post(client, params)


def _dags(client: FlaskClient) -> list[dict[str, Any]]:
    answer = _call(client, "dag")
    assert answer.status_code == 200, answer.text
    result: list[dict[str, Any]] = json.loads(answer.text)
    return result


def test_unique_names_are_made_from_the_names() -> None:
    dags = with_unique_names(
        [
            Dag(1, "Site A!", ""),
            Dag(2, "site a", ""),
            Dag(3, "A very long name of a site_", ""),
            Dag(4, "???", ""),
        ]
    )
    names = {d.group_id: d.unique_name for d in dags}
    # getGroups orders by name ("site a" before "Site A!"), the second of a unique name gets "b"
    assert names[2] == "site_a" and names[1] == "site_ab"
    assert names[3] == "a_very_long_name_o"
    assert len(names[4]) == 10  # the MD5 of the name


def test_import_export_rename_delete(client: FlaskClient) -> None:
    assert _dags(client) == []
    assert (
        _call(client, "dag", fmt="csv").text
        == "data_access_group_name,unique_group_name,data_access_group_id"
    )
    answer = _call(
        client,
        "dag",
        action="import",
        data=[{"data_access_group_name": "New DAG", "unique_group_name": ""}],
        fmt="csv",
    )
    assert answer.status_code == 400  # csv data that is json: no columns
    answer = _call(
        client, "dag", action="import", data=[{"data_access_group_name": "New DAG", "unique_group_name": ""}]
    )
    assert (answer.status_code, answer.text) == (200, "1")
    (dag,) = _dags(client)
    assert dag["data_access_group_name"] == "New DAG" and dag["unique_group_name"] == "new_dag"
    rename = [{"data_access_group_name": "Renamed", "unique_group_name": "new_dag"}]
    assert _call(client, "dag", rename, action="import").text == "1"
    assert _dags(client)[0]["unique_group_name"] == "renamed"
    pairs = [("token", ADMIN), ("content", "dag"), ("action", "delete"), ("returnFormat", "json")]
    answer = post(client, [*pairs, ("dags[0]", "renamed"), ("dags[1]", "nope")])
    assert (answer.status_code, answer.data) == (400, json_error(f"{DAGS_UNKNOWN} nope"))
    assert (post(client, [*pairs, ("dags[0]", "renamed")]).text) == "1"
    assert _dags(client) == []


def test_a_deleted_dags_id_is_never_given_again(client: FlaskClient) -> None:
    # redcap_data_access_groups.group_id is AUTO_INCREMENT (V15 Resources/sql/install.sql): a DAG made
    # after the newest one was deleted takes the next id, not the freed one.
    add = [{"data_access_group_name": "First", "unique_group_name": ""}]
    assert _call(client, "dag", add, action="import").text == "1"
    (first,) = _dags(client)
    pairs = [("token", ADMIN), ("content", "dag"), ("action", "delete"), ("returnFormat", "json")]
    assert post(client, [*pairs, ("dags[0]", "first")]).text == "1"
    add = [{"data_access_group_name": "Second", "unique_group_name": ""}]
    assert _call(client, "dag", add, action="import").text == "1"
    (second,) = _dags(client)
    assert second["data_access_group_id"] == first["data_access_group_id"] + 1


def test_import_errors(client: FlaskClient) -> None:
    answer = _call(client, "dag", action="import", data=[{"data_access_group_name": "x"}])
    assert (answer.status_code, answer.data) == (400, json_error(DAG_COLUMNS_MISSING))
    data = [
        {"data_access_group_name": "", "unique_group_name": "u"},
        {"data_access_group_name": "B", "unique_group_name": "zz"},
    ]
    answer = _call(client, "dag", data, action="import")
    expected = "\n".join([NAME_BLANK.format(unique="u"), UNIQUE_UNKNOWN.format(unique="zz")])
    assert (answer.status_code, answer.data) == (400, json_error(expected))
    assert _dags(client) == []


def test_export_needs_the_dag_right(client: FlaskClient) -> None:
    answer = _call(client, "dag", token=T["full"], returnFormat="json")
    assert (answer.status_code, answer.data) == (400, json_error(EXPORT_NEEDS_DAG_RIGHTS))


def _two_dags_and_records(client: FlaskClient) -> None:
    data = [
        {"data_access_group_name": "Site A", "unique_group_name": ""},
        {"data_access_group_name": "Site B", "unique_group_name": ""},
    ]
    assert _call(client, "dag", data, action="import").text == "2"
    rows = [
        {"record_id": "1", "redcap_data_access_group": "site_a"},
        {"record_id": "2", "redcap_data_access_group": "site_b"},
    ]
    answer = _call(client, "record", rows)
    assert answer.status_code == 200, answer.text


def test_dag_membership_restricts_the_record_export(client: FlaskClient) -> None:
    _two_dags_and_records(client)
    everyone = json.loads(_call(client, "record", exportDataAccessGroups="true").text)
    assert {(r["record_id"], r["redcap_data_access_group"]) for r in everyone} >= {
        ("1", "site_a"),
        ("2", "site_b"),
    }
    columns = ["record_id", "redcap_repeat_instrument", "redcap_repeat_instance", "redcap_data_access_group"]
    assert list(everyone[0])[:4] == columns
    assert "redcap_data_access_group" in everyone[0]
    mapping = [{"username": "full", "redcap_data_access_group": "site_a"}]
    assert _call(client, "userDagMapping", mapping).text == "1"
    mine = json.loads(_call(client, "record", token=T["full"], exportDataAccessGroups="true").text)
    assert {r["record_id"] for r in mine} == {"1"}
    assert "redcap_data_access_group" not in mine[0]  # a DAG member never gets the column
    # ... but the file methods do not look at DAGs (API/file/export.php has no DAG check)
    for record in ("1", "2"):
        params = {"content": "file", "action": "export", "record": record, "field": "consent_form"}
        theirs = post(client, {"token": T["full"], **params})
        admins = post(client, {"token": ADMIN, **params})
        assert (theirs.status_code, theirs.data) == (admins.status_code, admins.data)
    # a DAG member may not export DAGs
    answer = _call(client, "dag", token=T["full"], returnFormat="json")
    assert (answer.status_code, answer.data) == (403, json_error(DAG_MEMBER))


def test_dag_membership_restricts_the_record_import(client: FlaskClient) -> None:
    _two_dags_and_records(client)
    assert (
        _call(
            client,
            "user",
            [
                {
                    "username": "full",
                    "api_import": 1,
                    "api_export": 1,
                    "data_access_group": "site_a",
                    "forms_export": {"enrollment": 1, "labs": 1},
                }
            ],
        ).text
        == "1"
    )
    answer = _call(client, "record", [{"record_id": "2", "age": "1"}], token=T["full"], returnFormat="json")
    assert (answer.status_code, answer.data) == (400, json_error(f"{OTHER_DAGS_RECORDS} 2"))
    answer = _call(
        client,
        "record",
        [{"record_id": "1", "redcap_data_access_group": ""}],
        token=T["full"],
        returnFormat="json",
    )
    assert (answer.status_code, answer.data) == (400, json_error(DAG_COLUMN_REFUSED))
    assert _call(client, "record", [{"record_id": "77", "age": "1"}], token=T["full"]).status_code == 200
    mine = json.loads(_call(client, "record", token=T["full"]).text)
    assert {r["record_id"] for r in mine} == {"1", "77"}  # the new record joined the user's DAG


def test_a_dag_member_may_not_import_a_record_in_no_dag(client: FlaskClient, state: FakeState) -> None:
    """V15 Records.php:6300-6306: a record that exists and is not among the caller's DAG's records gets
    data_import_tool_307 on its record ID, one line per row, even when no DAG holds it (:5865-5885 lists
    only records of another DAG); a new record joins the DAG, logged before the record's own row
    (:7250-7270, then :7274-7300)."""
    _two_dags_and_records(client)
    assert _call(client, "record", [{"record_id": "3", "age": "3"}]).status_code == 200  # in no DAG
    member = [{"username": "full", "api_import": 1, "api_export": 1, "data_access_group": "site_a"}]
    assert _call(client, "user", member).text == "1"
    answer = _call(client, "record", [{"record_id": "3", "age": "4"}], token=T["full"], returnFormat="json")
    line = f'"3","record_id","3","{NOT_IN_YOUR_DAG}"'
    assert (answer.status_code, answer.data) == (400, json_error(line))
    before = len(_log(state))
    assert _call(client, "record", [{"record_id": "78", "age": "1"}], token=T["full"]).status_code == 200
    assert [(e, d) for e, d, _ in _log(state)[before:]] == [
        ("UPDATE", "redcap_data_access_group = 'site_a'"),
        ("INSERT", "record_id = '78',\nage = '1'"),
    ]


def test_record_import_dag_names_checked(client: FlaskClient) -> None:
    _two_dags_and_records(client)
    answer = _call(
        client, "record", [{"record_id": "1", "redcap_data_access_group": "nope"}], returnFormat="json"
    )
    assert (answer.status_code, answer.data) == (400, json_error(f"{INVALID_DAG_NAMES} nope"))
    # blank: kept, unless overwrite
    assert _call(client, "record", [{"record_id": "1", "redcap_data_access_group": ""}]).status_code == 200
    rows = json.loads(_call(client, "record", exportDataAccessGroups="1").text)
    assert next(r for r in rows if r["record_id"] == "1")["redcap_data_access_group"] == "site_a"
    answer = _call(
        client, "record", [{"record_id": "1", "redcap_data_access_group": ""}], overwriteBehavior="overwrite"
    )
    assert answer.status_code == 200
    rows = json.loads(_call(client, "record", exportDataAccessGroups="1").text)
    assert next(r for r in rows if r["record_id"] == "1")["redcap_data_access_group"] == ""


def test_user_dag_mapping(client: FlaskClient) -> None:
    _two_dags_and_records(client)
    answer = _call(client, "userDagMapping", [{"username": "nobody", "redcap_data_access_group": "site_a"}])
    assert (answer.status_code, answer.data) == (400, json_error(MAPPING_NOT_A_USER.format(user="nobody")))
    text = _call(client, "userDagMapping", fmt="csv").text
    assert text.startswith("username,redcap_data_access_group\nadmin,\n")
    users = json.loads(_call(client, "user").text)
    assert next(u for u in users if u["username"] == "admin")["data_access_group"] == ""


def test_switch(client: FlaskClient, state: FakeState) -> None:
    _two_dags_and_records(client)
    answer = _call(client, "dag", action="switch", dag="nope", token=T["full"])
    assert (answer.status_code, answer.text) == (200, SWITCH_INVALID_DAG)
    answer = _call(client, "dag", action="switch", dag="site_a", token=T["full"])
    assert (answer.status_code, answer.text) == (200, SWITCH_INVALID_USER)
    project = state.projects[0]
    a, b = (d.group_id for d in sorted(project.dags, key=lambda d: d.name))
    users = tuple(
        dataclasses.replace(u, dag_switch=(None, a)) if u.username == "full" else u for u in project.users
    )
    state.replace_project(dataclasses.replace(project, users=users), seen=state.served[0])
    answer = _call(client, "dag", action="switch", dag="site_b", token=T["full"])
    assert (answer.status_code, answer.text) == (200, SWITCH_NOT_PERMITTED)
    assert _call(client, "dag", action="switch", dag="site_a", token=T["full"]).text == "1"
    assert {r["record_id"] for r in json.loads(_call(client, "record", token=T["full"]).text)} == {"1"}
    assert _call(client, "dag", action="switch", dag="", token=T["full"]).text == "1"
    assert {r["record_id"] for r in json.loads(_call(client, "record", token=T["full"]).text)} >= {"1", "2"}
    assert b != a


def _log(state: FakeState) -> list[tuple[str, str | None, str | None]]:
    """The project's log, oldest first: (event, data_values, description)."""
    return [(e.event, e.data_values, e.description) for e in reversed(state.project_log(101))]


def test_user_role_and_dag_changes_are_logged_as_redcap_logs_them(
    client: FlaskClient, state: FakeState
) -> None:
    _two_dags_and_records(client)
    before = len(_log(state))
    assert (
        _call(client, "userDagMapping", [{"username": "full", "redcap_data_access_group": "site_a"}]).text
        == "1"
    )
    assert _call(client, "user", [{"username": "Newbie", "data_access_group": "site_b"}]).text == "1"
    assert _call(client, "userRole", [{"role_label": "R"}]).text == "1"
    log = _log(state)[before:]
    assert log == [
        ("MANAGE", "project_id = 101", "Import User-DAG assignments (API)"),
        ("MANAGE", "user = 'full',\ngroup = 'Site A'", "Assign user to data access group"),
        ("MANAGE", "project_id = 101", "Import users (API)"),
        ("INSERT", "user = 'Newbie'", "Add user"),
        ("MANAGE", "user = 'Newbie',\ngroup = 'site_b'", "Assign user to data access group"),
        ("MANAGE", "project_id = 101", "Import user roles (API)"),
        ("INSERT", "role = 'R'", "Add role"),
    ]
    # the DAG assignments of the record import at the start
    assert (
        "UPDATE",
        "redcap_data_access_group = 'site_a'",
        "Assign record to Data Access Group (API)",
    ) in _log(state)[:before]
    # a refused import is logged (import.php logs before it imports); a refused right is not
    _call(client, "user", [{"username": "bad/name"}])
    assert _log(state)[-1] == ("MANAGE", "project_id = 101", "Import users (API)")
    logged = len(_log(state))
    assert _call(client, "user", [{"username": "x"}], token=T["full"]).status_code == 403
    assert len(_log(state)) == logged


def test_an_export_with_the_dag_column_logs_it(client: FlaskClient, state: FakeState) -> None:
    """API/record/export.php:262-264: export_data_access_group 'Yes' in the DATA_EXPORT row."""
    _two_dags_and_records(client)
    _call(client, "record", exportDataAccessGroups="true")
    assert _log(state)[-1] == (
        "DATA_EXPORT",
        '{"export_format":"JSON","rawOrLabel":"","export_data_access_group":"Yes"}',
        "Export data (API)",
    )
