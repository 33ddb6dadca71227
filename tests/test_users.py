"""Export, Import and Delete Users (content=user): V15 API/user/export.php, import.php, delete.php and
Classes/UserRights.php getUserDetails / uploadUsers; the rights a user gets take effect at once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState
from fake_redcap.methods.user import (
    EXPORT_NEEDS_USER_RIGHTS,
    IMPORT_NEEDS_USER_RIGHTS,
    USERS_NOT_ARRAY,
    USERS_UNKNOWN,
)
from fake_redcap.methods.user_import import BAD_RIGHT, BAD_USERNAME, IN_ROLE, UNKNOWN_FORM, USERNAME_MISSING
from tests.support import (
    CLASSIC_EXTRA_FILES,
    MakeState,
    api,
    classic_fixture,
    json_error,
    post,
    tok,
)
from tests.support import CLASSIC_TOKENS as T

ADMIN = tok(0x4001)
COLUMNS_15 = [
    "username",
    "email",
    "firstname",
    "lastname",
    "expiration",
    "data_access_group",
    "data_access_group_id",
    "design",
    "alerts",
    "user_rights",
    "data_access_groups",
    "reports",
    "stats_and_charts",
    "manage_survey_participants",
    "calendar",
    "data_import_tool",
    "data_comparison_tool",
    "logging",
    "email_logging",
    "file_repository",
    "data_quality_create",
    "data_quality_execute",
    "api_export",
    "api_import",
    "api_modules",
    "mobile_app",
    "mobile_app_download_data",
    "record_create",
    "record_rename",
    "record_delete",
    "lock_records_all_forms",
    "lock_records",
    "lock_records_customization",
    "forms",
    "forms_export",
]


def _doc(version: str = "15.7.6") -> dict[str, Any]:
    doc = classic_fixture(version)
    doc["users"].append(
        {
            "username": "Admin",
            "token": ADMIN,
            "data_export": "full",
            "api_import": True,
            "user_rights": True,
            "record_delete": True,
        }
    )
    return doc


@pytest.fixture
def state(make_state: MakeState) -> FakeState:
    return make_state(_doc(), CLASSIC_EXTRA_FILES)


@pytest.fixture
def client(state: FakeState) -> FlaskClient:
    return api(state)


def _users(client: FlaskClient, fmt: str = "json", token: str = ADMIN) -> Any:
    answer = post(client, {"token": token, "content": "user", "format": fmt})
    assert answer.status_code == 200, answer.text
    return json.loads(answer.text) if fmt == "json" else answer.text


def _import(client: FlaskClient, data: Any, fmt: str = "json", token: str = ADMIN) -> Any:
    text = json.dumps(data) if fmt == "json" else data
    return post(client, {"token": token, "content": "user", "format": fmt, "data": text})


def test_export_columns_order_and_values(client: FlaskClient) -> None:
    users = _users(client)
    assert [u["username"] for u in users] == sorted(u["username"] for u in users)  # by primary key
    admin = next(u for u in users if u["username"] == "admin")  # lower-cased as getUserDetails does
    assert list(admin) == COLUMNS_15
    assert admin["user_rights"] == 1 and admin["api_import"] == 1 and admin["record_delete"] == 1
    assert (
        admin["expiration"] == "" and admin["data_access_group"] == "" and admin["data_access_group_id"] == ""
    )
    assert admin["forms"] == {"enrollment": 1, "labs": 1}
    assert admin["forms_export"] == {"enrollment": 1, "labs": 1}
    deid = next(u for u in users if u["username"] == "form_deid_remove")
    assert deid["forms_export"] == {"enrollment": 2, "labs": 3}


def test_export_needs_user_rights(client: FlaskClient) -> None:
    answer = post(client, {"token": T["full"], "content": "user", "format": "json"})
    assert (answer.status_code, answer.data) == (400, json_error(EXPORT_NEEDS_USER_RIGHTS))


def test_export_before_14_has_13s_columns(make_state: MakeState) -> None:
    client = api(make_state(_doc("13.6.1"), CLASSIC_EXTRA_FILES))
    admin = next(u for u in _users(client) if u["username"] == "admin")
    assert "alerts" not in admin and "api_modules" not in admin and "email_logging" not in admin
    assert list(admin)[-3:] == ["mycap_participants", "forms", "forms_export"]


def test_export_csv_and_xml(client: FlaskClient) -> None:
    text = _users(client, "csv")
    header, *lines = text.split("\n")
    assert header == ",".join(COLUMNS_15)
    assert not text.endswith("\n")  # arrayToCsv trims
    admin = next(line for line in lines if line.startswith("admin,"))
    assert admin.endswith(',"enrollment:1,labs:1","enrollment:1,labs:1"')
    xml = _users(client, "xml")
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8" ?>\n<users>\n<item><username>')
    assert "<forms><enrollment>1</enrollment><labs>1</labs></forms>" in xml
    assert xml.endswith("</item>\n</users>\n")


def test_import_new_user_gets_no_rights_and_no_token(client: FlaskClient, state: FakeState) -> None:
    answer = _import(client, [{"username": "new.person@example.org"}])
    assert (answer.status_code, answer.text) == (200, "1")
    new = next(u for u in _users(client) if u["username"] == "new.person@example.org")
    assert new["api_export"] == 0 and new["user_rights"] == 0 and new["record_create"] == 0
    assert new["forms"] == {"enrollment": 0, "labs": 0}
    assert new["forms_export"] == {"enrollment": 0, "labs": 0}
    stored = next(u for u in state.projects[0].users if u.username == "new.person@example.org")
    assert stored.token == ""
    state.reset()
    assert all(u.username != "new.person@example.org" for u in state.projects[0].users)


def test_import_changes_rights_at_once(client: FlaskClient) -> None:
    # full_user loses API export and gets Delete Records; the next request sees it.
    answer = _import(client, [{"username": "full", "api_export": "0", "record_delete": 1}])
    assert (answer.status_code, answer.text) == (200, "1")
    export = post(client, {"token": T["full"], "content": "version"})
    assert export.status_code == 403
    answer = _import(
        client, [{"username": "full", "api_export": 1, "forms_export": {"enrollment": 0, "labs": 1}}]
    )
    assert answer.text == "1"
    record = post(client, {"token": T["full"], "content": "record", "format": "json"})
    assert record.status_code == 200 and "lab_value" in record.text and '"age"' not in record.text
    # Export File reads the aggregated level (one form above 0: Full), as REDCap 12.2+ does.
    assert _file_export(client).status_code == 200
    answer = _import(client, [{"username": "full", "api_export": 1, "forms_export": {"enrollment": 0}}])
    assert _file_export(client).status_code == 403  # every form No Access


def _file_export(client: FlaskClient) -> Any:
    params = {
        "token": T["full"],
        "content": "file",
        "action": "export",
        "record": "1",
        "field": "consent_form",
    }
    return post(client, params)


def test_import_round_trip_of_the_export(client: FlaskClient) -> None:
    """PyCap's set-up: export the users, change a right, import the row back."""
    admin = next(u for u in _users(client) if u["username"] == "admin")
    admin["lock_records_all_forms"] = 1
    admin["lock_records"] = 1
    assert _import(client, [admin]).text == "1"
    again = next(u for u in _users(client) if u["username"] == "admin")
    assert again == admin


def test_import_leaving_out_expiration_clears_it(client: FlaskClient) -> None:
    assert _import(client, [{"username": "full", "expiration": "2099-12-31"}]).text == "1"
    assert next(u for u in _users(client) if u["username"] == "full")["expiration"] == "2099-12-31"
    assert _import(client, [{"username": "full", "expiration": "12/30/2099"}]).text == "1"
    assert next(u for u in _users(client) if u["username"] == "full")["expiration"] == "2099-12-30"
    assert _import(client, [{"username": "full", "api_export": 1}]).text == "1"
    assert next(u for u in _users(client) if u["username"] == "full")["expiration"] == ""


def test_import_errors_all_listed_nothing_written(client: FlaskClient) -> None:
    data = [
        {"username": "ok_user"},
        {"username": " "},
        {"username": "bad/name", "design": "5", "forms": {"nope": 1}},
    ]
    answer = _import(client, data)
    expected = "\n".join(
        [
            USERNAME_MISSING.format(n=2),
            BAD_USERNAME.format(name="bad/name"),
            BAD_RIGHT.format(field="design", user="bad/name", value="5"),
            UNKNOWN_FORM.format(form="nope", user="bad/name"),
        ]
    )
    assert (answer.status_code, answer.data) == (400, json_error(expected))
    assert all(u["username"] != "ok_user" for u in _users(client))


def test_import_csv_forms(client: FlaskClient) -> None:
    data = "username,api_export,forms,forms_export\nnewcsv,1,enrollment:2,labs:1\n"
    answer = _import(client, data, "csv")
    assert (answer.status_code, answer.text) == (200, "1")
    new = next(u for u in _users(client) if u["username"] == "newcsv")
    assert new["forms"] == {"enrollment": 2, "labs": 0}
    assert new["forms_export"] == {"labs": 1, "enrollment": 0}


def test_import_xml_wrong_root_is_200(client: FlaskClient) -> None:
    answer = _import(client, "<records><item><username>x</username></item></records>", "xml")
    assert (answer.status_code, answer.text) == (200, "The data is not in the specified format.")


def test_import_needs_full_user_rights(client: FlaskClient) -> None:
    assert _import(client, [{"username": "full", "user_rights": 2}]).text == "1"
    answer = _import(client, [{"username": "x"}], token=T["full"])
    assert answer.status_code == 403  # full has no API Import
    assert _import(client, [{"username": "full", "api_import": 1, "user_rights": 2}]).text == "1"
    answer = _import(client, [{"username": "x"}], token=T["full"])
    assert (answer.status_code, answer.data) == (400, json_error(IMPORT_NEEDS_USER_RIGHTS))
    assert _users(client, token=T["full"])  # Read Only may export


def test_delete_users(client: FlaskClient, state: FakeState) -> None:
    answer = post(client, {"token": ADMIN, "content": "user", "action": "delete", "users": "full"})
    # delete.php logs implode(", ", $post['users']) first: PHP 8's TypeError, REDCap's shutdown answer
    assert (answer.status_code, answer.text) == (400, f"{XML_ERR_OPEN}{UNKNOWN_ERROR}{XML_ERR_CLOSE}")
    answer = post(
        client,
        [
            ("token", ADMIN),
            ("content", "user"),
            ("action", "delete"),
            ("users[]", "full"),
            ("users[]", "Deid"),
        ],
    )
    assert (answer.status_code, answer.text) == (400, f"{XML_ERR_OPEN}{USERS_UNKNOWN} Deid{XML_ERR_CLOSE}")
    assert post(client, {"token": T["full"], "content": "version"}).status_code == 200  # nothing deleted
    answer = post(
        client,
        [
            ("token", ADMIN),
            ("content", "user"),
            ("action", "delete"),
            ("users[]", " <b>full</b>"),
            ("users[]", "deid"),
        ],
    )
    assert (answer.status_code, answer.text) == (200, "2")
    assert post(client, {"token": T["full"], "content": "version"}).status_code == 403  # token gone


def test_user_in_role_cannot_be_imported(state: FakeState, client: FlaskClient) -> None:
    import dataclasses

    from fake_redcap.model import Role, User

    project = state.projects[0]
    template = next(u for u in project.users if u.username == "full")
    role = Role("U-123ABCDEFG", "Role", dataclasses.replace(template, username="", token=""))
    users = tuple(
        dataclasses.replace(u, role=role.unique_name) if u.username == "deid" else u for u in project.users
    )
    state.replace_project(dataclasses.replace(project, roles=(role,), users=users), seen=state.served[0])
    answer = _import(client, [{"username": "deid"}])
    assert (answer.status_code, answer.data) == (400, json_error(IN_ROLE.format(user="deid")))
    deid = next(u for u in _users(client) if u["username"] == "deid")
    assert deid["forms_export"] == {"enrollment": 1, "labs": 1}  # the role's rights
    assert isinstance(template, User)


XML_ERR_OPEN = '<?xml version="1.0" encoding="UTF-8" ?><hash><error>'
XML_ERR_CLOSE = "</error></hash>"
UNKNOWN_ERROR = "An unknown error occurred. Please check your API parameters."


def test_delete_users_before_15_names_the_users_parameter(make_state: MakeState) -> None:
    """PHP 7's implode only warned: delUsers answers api_161 for a `users` that is not an array."""
    client = api(make_state(_doc("14.5.11"), CLASSIC_EXTRA_FILES))
    answer = post(client, {"token": ADMIN, "content": "user", "action": "delete", "users": "full"})
    assert (answer.status_code, answer.text) == (400, f"{XML_ERR_OPEN}{USERS_NOT_ARRAY}{XML_ERR_CLOSE}")


def test_13_checks_no_user_rights_for_the_export_and_the_delete(make_state: MakeState) -> None:
    """REDCap 13.6.1's API/user/export.php and delete.php have no User Rights check (14 added them)."""
    client = api(make_state(_doc("13.6.1"), CLASSIC_EXTRA_FILES))
    assert _users(client, token=T["full"])
    answer = post(client, {"token": T["full"], "content": "dag", "format": "json"})
    assert (answer.status_code, answer.text) == (200, "[]")
    assert _import(client, [{"username": "full", "api_import": 1}]).text == "1"
    answer = post(
        client, [("token", T["full"]), ("content", "user"), ("action", "delete"), ("users[]", "deid")]
    )
    assert (answer.status_code, answer.text) == (200, "1")


def test_a_13_csv_import_with_forms_export_is_not_implemented(make_state: MakeState) -> None:
    client = api(make_state(_doc("13.6.1"), CLASSIC_EXTRA_FILES))
    answer = _import(client, "username,forms_export\nfull,labs:1\n", "csv")
    assert answer.status_code == 400 and "X-Fake-REDCap-Not-Implemented" in answer.headers
    assert _import(client, "username,forms\nfull,labs:1\n", "csv").text == "1"


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2024/01/31", "2024-01-31"),
        ("20240131", "2024-01-31"),
        ("31-01-2024", "2024-01-31"),
        ("31.01.2024", "2024-01-31"),
        ("01/31/24", "2024-01-31"),
        ("1/5/70", "1970-01-05"),
        ("2024-1-5T9:05:07", "2024-01-05"),
        ("  2024-01-31  ", "2024-01-31"),
        ("2024-02-31", "2024-03-02"),
        ("2024-01-00", "2023-12-31"),
        ("00/10/2024", "2023-12-10"),
    ],
)
def test_an_expiration_is_read_as_strtotime_reads_it(client: FlaskClient, sent: str, stored: str) -> None:
    """uploadUsers: date("Y-m-d", strtotime(expiration)) (V15 UserRights.php:3454); each answer observed
    with php-cli 8.2's strtotime, overflowing days and months included."""
    assert _import(client, [{"username": "deid", "expiration": sent}]).text == "1"
    assert next(u for u in _users(client) if u["username"] == "deid")["expiration"] == stored


@pytest.mark.parametrize("sent", ["tomorrow", "2024-13-01", "01-31-2024", "00.01.24", "2024-01-31 25:00"])
def test_an_expiration_strtotime_reads_otherwise_is_not_implemented(client: FlaskClient, sent: str) -> None:
    answer = _import(client, [{"username": "deid", "expiration": sent}])
    assert answer.status_code == 400 and "X-Fake-REDCap-Not-Implemented" in answer.headers
