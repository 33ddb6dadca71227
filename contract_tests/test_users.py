"""Users, user roles and data access groups: who may call their methods, and what DAG membership does.
Every clause here reads only: each request is refused before anything is written (the reference users
hold no User Rights or Data Access Groups right), or only exports."""

from __future__ import annotations

import pytest

from . import sources as src
from .helpers import json_message
from .targets import ProjectUnderTest

EXPORT_NEEDS_USER_RIGHTS = (
    "Insufficient user privileges: You must have 'API Export' privileges and 'User Rights' privileges "
    "(Full Access or Read Only) in the project."
)
IMPORT_NEEDS_USER_RIGHTS = (
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'User Rights' "
    "privileges in the project in order to import/update users via the API Import Users method."
)


@pytest.mark.source(
    f"{src.V15_USER_EXPORT}:5: 400 api_229 when the caller's User Rights right is 0",
    "REDCap 14.5.11 API/user/export.php:5 the same; 13.6.1 has no such check",
)
@pytest.mark.redcap_version(">=14.5.11")
def test_exporting_users_needs_the_user_rights_right(classic: ProjectUnderTest) -> None:
    response = classic.post("full_user", {"content": "user", "format": "json", "returnFormat": "json"})
    assert (response.status_code, json_message(response)) == (400, EXPORT_NEEDS_USER_RIGHTS)


@pytest.mark.source(
    f"{src.V15_INDEX}:423-428: the import passes API Import/Update",
    f"{src.V15_USER_IMPORT}:5: then 400 api_103 without User Rights (Full Access); nothing is imported",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_importing_users_needs_the_user_rights_right(classic: ProjectUnderTest) -> None:
    data = '[{"username":"contract_clause_never_added"}]'
    params = {"content": "user", "format": "json", "returnFormat": "json", "data": data}
    response = classic.post("importer_user", params)
    assert (response.status_code, json_message(response)) == (400, IMPORT_NEEDS_USER_RIGHTS)


@pytest.mark.source(
    f"{src.V15_INDEX}:430-433: a user delete needs API Import/Update (not Delete Records), 403",
    f"{src.V15_USER_DELETE}:5",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_deleting_users_needs_api_import(classic: ProjectUnderTest) -> None:
    params = [
        ("content", "user"),
        ("action", "delete"),
        ("returnFormat", "json"),
        ("users[0]", "contract_clause_no_such_user"),
    ]
    response = classic.post("full_user", params)
    expected = (403, "You do not have API Import/Update privileges")
    assert (response.status_code, json_message(response)) == expected


ROLE_IMPORT_NEEDS_USER_RIGHTS = (
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'User Rights' privileges "
    "in the project in order to import/update user roles via the API Import User Roles method."
)
DAG_EXPORT_NEEDS_RIGHT = (
    "Insufficient user privileges: You must have 'API Export' privileges and 'Data Access Groups' privileges "
    "in the project."
)
DAG_IMPORT_NEEDS_RIGHT = (
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'Data Access Groups' "
    "privileges in the project."
)


@pytest.mark.source(
    "REDCap 15.7.6 API/userRole/export.php:5 and API/userRoleMapping/export.php:5: 400 api_229",
    "REDCap 14.5.11 the same; 13.6.1 has no such check",
)
@pytest.mark.redcap_version(">=14.5.11")
@pytest.mark.parametrize("content", ["userRole", "userRoleMapping"])
def test_exporting_roles_needs_the_user_rights_right(classic: ProjectUnderTest, content: str) -> None:
    response = classic.post("full_user", {"content": content, "format": "json", "returnFormat": "json"})
    assert (response.status_code, json_message(response)) == (400, EXPORT_NEEDS_USER_RIGHTS)


@pytest.mark.source(
    f"{src.V15_INDEX}:423-428: the import passes API Import/Update",
    "REDCap 15.7.6 API/userRole/import.php:5: then 400 api_171 without User Rights",
    "REDCap 13.6.1 and 14.5.11 API/userRole/import.php:5 the same",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_importing_roles_needs_the_user_rights_right(classic: ProjectUnderTest) -> None:
    data = '[{"role_label":"contract clause role never added"}]'
    params = {"content": "userRole", "format": "json", "returnFormat": "json", "data": data}
    response = classic.post("importer_user", params)
    assert (response.status_code, json_message(response)) == (400, ROLE_IMPORT_NEEDS_USER_RIGHTS)


@pytest.mark.source(
    f"{src.V15_INDEX}:435-438: a delete of any content but dag and fileRepository needs Delete Records, so a "
    "role delete does (403 before the method's own User Rights check)",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_deleting_roles_needs_delete_records(classic: ProjectUnderTest) -> None:
    params = [("content", "userRole"), ("action", "delete"), ("returnFormat", "json"), ("roles[0]", "U-NONE")]
    response = classic.post("full_user", params)
    assert (response.status_code, json_message(response)) == (403, "You do not have Delete Record privileges")


@pytest.mark.source(
    "REDCap 15.7.6 API/dag/export.php:5, API/userDagMapping/export.php:5: 400 api_221 without the Data "
    "Access Groups right",
    "REDCap 14.5.11 the same; 13.6.1 has no such check",
)
@pytest.mark.redcap_version(">=14.5.11")
@pytest.mark.parametrize("content", ["dag", "userDagMapping"])
def test_exporting_dags_needs_the_dag_right(classic: ProjectUnderTest, content: str) -> None:
    response = classic.post("full_user", {"content": content, "format": "json", "returnFormat": "json"})
    assert (response.status_code, json_message(response)) == (400, DAG_EXPORT_NEEDS_RIGHT)


@pytest.mark.source(
    "REDCap 15.7.6 API/dag/import.php:5: 400 api_222 without the Data Access Groups right (a DAG import "
    "names action=import: API/index.php:383 takes a dag's action from the parameter)",
    "REDCap 14.5.11 the same; 13.6.1 has no such check",
)
@pytest.mark.redcap_version(">=14.5.11")
def test_importing_dags_needs_the_dag_right(classic: ProjectUnderTest) -> None:
    data = '[{"data_access_group_name":"contract clause DAG never added","unique_group_name":""}]'
    params = {"content": "dag", "action": "import", "format": "json", "returnFormat": "json", "data": data}
    response = classic.post("importer_user", params)
    assert (response.status_code, json_message(response)) == (400, DAG_IMPORT_NEEDS_RIGHT)


@pytest.mark.source(
    "REDCap 15.7.6 API/dag/switch.php:3-14 (sendResponse :14) and Classes/DAGSwitcher.php:446-452: an "
    "unknown DAG answers 'ERROR: Invalid DAG' with status 200; API/index.php checks no right for switch",
    "REDCap 13.6.1 and 14.5.11 the same",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_switching_to_an_unknown_dag_answers_an_error_text_with_200(classic: ProjectUnderTest) -> None:
    params = {"content": "dag", "action": "switch", "dag": "contract_no_such_dag", "format": "json"}
    response = classic.post("no_access_user", params)
    assert (response.status_code, response.text) == (200, "ERROR: Invalid DAG")


@pytest.mark.source(
    "REDCap 15.7.6 API/record/export.php:586-600: a caller in a DAG exports only the records whose "
    "__GROUPID__ is that DAG (none here)",
    "REDCap 13.6.1 and 14.5.11 the same",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_dag_member_exports_only_the_records_of_its_dag(classic: ProjectUnderTest) -> None:
    response = classic.post("dag_user", {"content": "record", "format": "json", "returnFormat": "json"})
    assert (response.status_code, response.json()) == (200, [])


@pytest.mark.source(
    "REDCap 15.7.6 API/file/export.php: no DAG check anywhere (the record need only exist), so a DAG "
    "member downloads a file of a record outside its DAG",
    "REDCap 13.6.1 and 14.5.11 API/file/export.php the same",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_the_file_export_ignores_dag_membership(classic: ProjectUnderTest) -> None:
    params = {
        "content": "file",
        "action": "export",
        "record": "1",
        "field": "notes_file",
        "returnFormat": "json",
    }
    member = classic.post("dag_user", params)
    full = classic.post("full_user", params)
    assert (member.status_code, member.content) == (full.status_code, full.content)
    assert member.status_code == 200 and member.content != b""
