"""User roles (content=userRole) and user-role assignments (content=userRoleMapping): V15
API/userRole/*.php, API/userRoleMapping/*.php, Classes/UserRights.php uploadUserRoles,
uploadUserRoleMappings, getUserRolesDetails; a user's rights follow their role at once."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState, messages
from fake_redcap.methods.user_import import IN_ROLE
from fake_redcap.methods.user_role import (
    BAD_ROLE_RIGHT,
    INVALID_ROLES,
    LABEL_BLANK,
    MAPPING_COLUMNS_MISSING,
    MAPPING_NO_USERNAME,
    MAPPING_TWICE,
    ROLE_IMPORT_NEEDS_USER_RIGHTS,
    ROLES_UNKNOWN,
)
from tests.support import CLASSIC_EXTRA_FILES, MakeState, api, classic_fixture, json_error, post, tok
from tests.support import CLASSIC_TOKENS as T

ADMIN = tok(0x4101)
ROLE_COLUMNS_15 = [
    "unique_role_name",
    "role_label",
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
    "lock_records_customization",
    "lock_records",
    "lock_records_all_forms",
    "forms",
    "forms_export",
]


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
    return api(state)


def _call(client: FlaskClient, content: str, data: Any = None, fmt: str = "json", **extra: str) -> Any:
    params = {"token": ADMIN, "content": content, "format": fmt, **extra}
    if data is not None:
        params["data"] = json.dumps(data) if fmt == "json" else data
    return post(client, params)


def _roles(client: FlaskClient) -> list[dict[str, Any]]:
    answer = _call(client, "userRole")
    assert answer.status_code == 200, answer.text
    result: list[dict[str, Any]] = json.loads(answer.text)
    return result


def test_a_new_role_gets_a_unique_name_and_no_rights(client: FlaskClient) -> None:
    assert _roles(client) == []
    answer = _call(client, "userRole", [{"role_label": "New Role"}])
    assert (answer.status_code, answer.text) == (200, "1")
    (role,) = _roles(client)
    assert list(role) == ROLE_COLUMNS_15
    assert re.fullmatch(r"U-[1-9]{3}[34789ACDEFHJKLMNPRTWXY]{7}", role["unique_role_name"])
    assert role["role_label"] == "New Role"
    assert role["design"] == "0" and role["api_export"] == "0"  # strings, as the database returns them
    assert role["forms"] == {"enrollment": 128, "labs": 128}  # REDCap 15's bitmask for No Access


def test_role_rights_follow_to_its_users_at_once(client: FlaskClient) -> None:
    data = [{"role_label": "Exporter", "api_export": "1", "forms_export": {"enrollment": "1", "labs": "1"}}]
    assert _call(client, "userRole", data).text == "1"
    name = _roles(client)[0]["unique_role_name"]
    # no_api_export may not export; in the role it may.
    assert post(client, {"token": T["no_api_export"], "content": "version"}).status_code == 403
    mapping = [{"username": "no_api_export", "unique_role_name": name}]
    assert _call(client, "userRoleMapping", mapping).text == "1"
    assert post(client, {"token": T["no_api_export"], "content": "version"}).status_code == 200
    exported = json.loads(_call(client, "userRoleMapping").text)
    assert {"username": "no_api_export", "unique_role_name": name} in exported
    users = json.loads(_call(client, "user").text)
    assert next(u for u in users if u["username"] == "no_api_export")["api_export"] == 1
    # a user in a role cannot be imported
    answer = _call(client, "user", [{"username": "no_api_export"}])
    assert (answer.status_code, answer.data) == (400, json_error(IN_ROLE.format(user="no_api_export")))
    # editing the role: a right left out becomes 0
    edit = [{"unique_role_name": name, "role_label": "Exporter"}]
    assert _call(client, "userRole", edit).text == "1"
    assert post(client, {"token": T["no_api_export"], "content": "version"}).status_code == 403
    # out of the role: the user's own rights again
    out = [{"username": "no_api_export", "unique_role_name": ""}]
    assert _call(client, "userRoleMapping", out).text == "1"
    assert post(client, {"token": T["no_api_export"], "content": "version"}).status_code == 403


def test_role_import_errors(client: FlaskClient) -> None:
    data = [{"role_label": "", "design": "x"}, {"unique_role_name": "U-999NOPE", "role_label": "R"}]
    answer = _call(client, "userRole", data)
    expected = "\n".join(
        [
            LABEL_BLANK,
            BAD_ROLE_RIGHT.format(field="design", role="", value="x"),
            INVALID_ROLES.format(names="U-999NOPE"),
        ]
    )
    assert (answer.status_code, answer.data) == (400, json_error(expected))
    assert _roles(client) == []


def test_role_delete(client: FlaskClient) -> None:
    assert _call(client, "userRole", [{"role_label": "A"}, {"role_label": "B"}]).text == "2"
    names = [r["unique_role_name"] for r in _roles(client)]
    answer = post(client, {"token": ADMIN, "content": "userRole", "action": "delete", "roles": names[0]})
    unknown = "An unknown error occurred. Please check your API parameters."  # PHP 8's TypeError (implode)
    assert (answer.status_code, answer.data) == (400, xml_error(unknown))
    pairs = [("token", ADMIN), ("content", "userRole"), ("action", "delete"), ("returnFormat", "json")]
    answer = post(client, [*pairs, ("roles[0]", names[0]), ("roles[1]", "U-NOPE")])
    assert (answer.status_code, answer.data) == (400, json_error(f"{ROLES_UNKNOWN} U-NOPE"))
    answer = post(client, [*pairs, ("roles[0]", names[0])])
    assert (answer.status_code, answer.text) == (200, "1")
    assert [r["unique_role_name"] for r in _roles(client)] == names[1:]


def test_role_delete_needs_delete_records(client: FlaskClient) -> None:
    """API/index.php:435: a delete of any content but dag and fileRepository needs Delete Records."""
    assert _call(client, "user", [{"username": "full", "user_rights": 1, "api_import": 1}]).text == "1"
    params = [("token", T["full"]), ("content", "userRole"), ("action", "delete"), ("roles[0]", "x")]
    assert post(client, params).status_code == 403


def test_mapping_checks_and_csv(client: FlaskClient) -> None:
    answer = _call(client, "userRoleMapping", [{"username": "x"}])
    assert (answer.status_code, answer.data) == (400, json_error(MAPPING_COLUMNS_MISSING))
    data = [
        {"username": "", "unique_role_name": "U-1"},
        {"username": "full", "unique_role_name": ""},
        {"username": "full", "unique_role_name": ""},
    ]
    answer = _call(client, "userRoleMapping", data)
    expected = "\n".join([MAPPING_NO_USERNAME.format(role="U-1"), MAPPING_TWICE.format(user="full")])
    assert (answer.status_code, answer.data) == (400, json_error(expected))
    csv = _call(client, "userRoleMapping", fmt="csv").text
    assert csv.startswith("username,unique_role_name\nadmin,\n")
    # a username the project lacks is added with no rights
    assert _call(client, "userRoleMapping", "username,unique_role_name\nnewbie,\n", fmt="csv").text == "1"
    users = json.loads(_call(client, "user").text)
    assert next(u for u in users if u["username"] == "newbie")["api_export"] == 0


def test_role_import_needs_user_rights(client: FlaskClient) -> None:
    assert _call(client, "user", [{"username": "full", "user_rights": 2, "api_import": 1}]).text == "1"
    answer = post(client, {"token": T["full"], "content": "userRole", "data": "[]", "returnFormat": "json"})
    assert (answer.status_code, answer.data) == (400, json_error(ROLE_IMPORT_NEEDS_USER_RIGHTS))


def test_role_csv_repeats_form_pairs_in_forms_export(client: FlaskClient) -> None:
    assert _call(client, "userRole", [{"role_label": "R", "forms_export": {"labs": "2"}}]).text == "1"
    text = _call(client, "userRole", fmt="csv").text
    # addRole writes the forms in the project's order, whatever order they came in
    assert text.endswith('"enrollment:128,labs:128","enrollment:128,labs:128,enrollment:0,labs:2"')


def xml_error(message: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8" ?><hash><error>{message}</error></hash>'.encode()


def test_a_new_role_before_15_gets_0_and_the_forms_given(make_state: MakeState) -> None:
    doc = classic_fixture("14.5.11")
    doc["users"].append(
        {"username": "admin", "token": ADMIN, "data_export": "full", "api_import": True, "user_rights": True}
    )
    client = api(make_state(doc, CLASSIC_EXTRA_FILES))
    assert (
        _call(client, "userRole", [{"role_label": "R"}, {"role_label": "S", "forms": {"labs": "2"}}]).text
        == "2"
    )
    forms = [r["forms"] for r in _roles(client)]
    assert forms == [{"enrollment": 0, "labs": 0}, {"enrollment": 0, "labs": 2}]
    assert "alerts" in _roles(client)[0]


def test_a_new_role_with_forms_in_15_is_a_php_fatal_error_and_writes_nothing(
    client: FlaskClient, state: FakeState
) -> None:
    """V15 addRole hands each form's right, a number, to encodeDataViewingRights, which throws
    (UserRights.php:3032, :4163-4167): System::fatalErrorShutdownHandler's answer, the import's
    transaction never committed (an earlier role of the same import is not kept either)."""
    data = [{"role_label": "Kept?"}, {"role_label": "R", "forms": {"labs": "0"}}]
    answer = _call(client, "userRole", data)
    assert (answer.status_code, answer.get_json()) == (400, {"error": messages.UNKNOWN_ERROR_PARAMETERS})
    assert "X-Fake-REDCap-Not-Implemented" not in answer.headers
    assert state.projects[0].roles == () and _roles(client) == []
    assert _call(client, "userRole", [{"role_label": "R", "forms": {}}]).text == "1"  # empty: no rights
