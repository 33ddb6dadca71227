"""Which action REDCap checks API rights on, and which contents it accepts (source audit #10, #15-#17,
#19, and the answers REDCapR recorded against real servers).

V15 `API/index.php` derives one `$action` per request and checks the user's API rights on it before
anything else: `file` (and event, arm, ...) take it from `action`; `filesize`, `fileinfo` and every
other content from `data` (an import when `data` is posted, else an export), `version` always an
export. Only then does it include the method, whether or not a server (or the fake) implements it.
"""

from __future__ import annotations

import pytest

from . import expected
from . import sources as src
from .helpers import NO_SUCH_RECORD, assert_same_file, export, json_message
from .targets import ProjectUnderTest

DERIVED = f"{src.V15_INDEX}: $action from data for every content but file, event, arm, ... (source audit #16)"
FILEINFO_ACTION = f"{src.V15_INDEX}: filesize/fileinfo take their action from data (source audit #17)"


def _json(params: dict[str, str]) -> dict[str, str]:
    return {**params, "returnFormat": "json"}


def _info_body(size: int, name: str) -> bytes:
    return expected.php_json_encode({"size": size, "name": name}).encode("ascii")


# -- #17: filesize and fileinfo ------------------------------------------------------------------------


@pytest.mark.source(FILEINFO_ACTION, f"{src.V15_EXPORT} E9: the rewritten request answers the file's info")
@pytest.mark.parametrize("content", ["filesize", "fileinfo"])
def test_action_delete_on_filesize_answers_the_file_info_and_deletes_nothing(
    classic: ProjectUnderTest, content: str
) -> None:
    user = classic.user("deleter_user")
    assert user.record_delete and user.api_export
    stored = classic.stored("1", "report_file")
    params = {"content": content, "action": "delete", "record": "1", "field": "report_file"}
    response = classic.post("deleter_user", _json(params))
    assert response.status_code == 200
    assert response.content == _info_body(stored.size, stored.name)
    # The file is still there.
    after = classic.post("full_user", export("1", "report_file"))
    assert after.status_code == 200
    assert_same_file(after.content, stored)


@pytest.mark.source(FILEINFO_ACTION, f"{src.V15_INDEX}: api_export != 1 -> 403 (source audit #17)")
@pytest.mark.parametrize("content", ["filesize", "fileinfo"])
def test_action_delete_on_fileinfo_needs_api_export_not_delete_records(
    classic: ProjectUnderTest, content: str
) -> None:
    user = classic.user("deleter_no_export_user")
    assert user.record_delete and not user.api_export
    params = {"content": content, "action": "delete", "record": "1", "field": "report_file"}
    response = classic.post("deleter_no_export_user", _json(params))
    assert response.status_code == 403
    assert json_message(response) == expected.NO_API_EXPORT


@pytest.mark.source(FILEINFO_ACTION)
def test_action_delete_on_fileinfo_is_answered_without_the_delete_records_right(
    classic: ProjectUnderTest,
) -> None:
    assert not classic.user("full_user").record_delete
    stored = classic.stored("1", "report_file")
    params = {"content": "fileinfo", "action": "delete", "record": "1", "field": "report_file"}
    response = classic.post("full_user", _json(params))
    assert response.status_code == 200
    assert response.content == _info_body(stored.size, stored.name)


@pytest.mark.source(FILEINFO_ACTION, f"{src.V15_INDEX}: data makes it an import, api_import != 1 -> 403")
def test_data_makes_fileinfo_an_import_that_needs_api_import(classic: ProjectUnderTest) -> None:
    assert not classic.user("full_user").api_import
    params = {"content": "fileinfo", "action": "export", "record": "1", "field": "report_file", "data": "x"}
    response = classic.post("full_user", _json(params))
    assert response.status_code == 403
    assert json_message(response) == expected.NO_API_IMPORT


# -- #16: every other content is checked on its derived action -----------------------------------------


@pytest.mark.source(DERIVED)
@pytest.mark.parametrize("content", ["metadata", "version", "project", "instrument"])
def test_action_import_does_not_turn_an_export_into_an_import(
    classic: ProjectUnderTest, content: str
) -> None:
    assert not classic.user("no_api_export_user").api_export
    response = classic.post("no_api_export_user", _json({"content": content, "action": "import"}))
    assert response.status_code == 403
    assert json_message(response) == expected.NO_API_EXPORT


@pytest.mark.source(DERIVED, f"{src.V15_INDEX}: version is always an export (V10+; V7 derives it from data)")
@pytest.mark.redcap_version(">=10.0.13")
def test_data_does_not_make_version_an_import(classic: ProjectUnderTest) -> None:
    response = classic.post("no_api_export_user", _json({"content": "version", "data": "x"}))
    assert response.status_code == 403
    assert json_message(response) == expected.NO_API_EXPORT


@pytest.mark.source(
    DERIVED,
    "real-server capture: REDCapR tests/testthat/test-write-error.R (a write without API Import/Update)",
)
def test_a_record_import_without_api_import_is_refused_before_anything_else(
    classic: ProjectUnderTest,
) -> None:
    assert not classic.user("full_user").api_import
    params = {"content": "record", "format": "json", "data": '[{"record_id":"' + NO_SUCH_RECORD + '"}]'}
    response = classic.post("full_user", _json(params))
    assert response.status_code == 403
    assert json_message(response) == expected.NO_API_IMPORT


@pytest.mark.source(
    f"{src.V15_INDEX}: record delete checks Delete Records (record_delete)",
    "real-server capture: REDCapR tests/testthat/test-delete.R (a delete without Delete Records)",
)
def test_a_record_delete_without_delete_records_is_refused_before_anything_else(
    classic: ProjectUnderTest,
) -> None:
    assert not classic.user("full_user").record_delete
    params = {"content": "record", "action": "delete", "records[0]": NO_SUCH_RECORD}
    response = classic.post("full_user", _json(params))
    assert response.status_code == 403
    assert json_message(response) == expected.NO_RECORD_DELETE


# -- #15: import_app has no rights check ----------------------------------------------------------------


@pytest.mark.source(
    f"{src.V15_INDEX}: no rights branch for import_app (source audit #15)",
    f"{src.V15} API/file/import_app.php: no file -> 400 'No valid file was uploaded'",
)
def test_import_app_is_not_refused_for_lack_of_api_import(classic: ProjectUnderTest) -> None:
    assert not classic.user("full_user").api_import
    params = {"content": "file", "action": "import_app", "record": "1", "field": "report_file"}
    response = classic.post("full_user", _json(params))
    assert response.status_code == 400
    assert json_message(response) == expected.NO_VALID_FILE


# -- #10: contents REDCap accepts ----------------------------------------------------------------------

ACCEPTED = ["appRightsCheck", "fieldValidation", "attachment", "surveyLink", "log", "userRoleMapping"]


@pytest.mark.source(
    f"{src.V15_INDEX}: the content list, then API Export on the derived action (source audit #10)"
)
@pytest.mark.redcap_version(">=13.6.1")
@pytest.mark.parametrize("content", ACCEPTED)
def test_a_content_redcap_accepts_is_checked_for_rights_not_refused_as_invalid(
    classic: ProjectUnderTest, content: str
) -> None:
    response = classic.post("no_api_export_user", _json({"content": content}))
    assert response.status_code == 403
    assert json_message(response) == expected.NO_API_EXPORT


@pytest.mark.source(f"{src.V15_INDEX}: surveyAccessCode joins the content list in 15.x (source audit #10)")
@pytest.mark.redcap_version(">=15.7.6")
def test_survey_access_code_is_a_content_redcap_15_accepts(classic: ProjectUnderTest) -> None:
    response = classic.post("no_api_export_user", _json({"content": "surveyAccessCode"}))
    assert response.status_code == 403
    assert json_message(response) == expected.NO_API_EXPORT


@pytest.mark.source(f"{src.V15_INDEX}: tableau and mycap have the action 'display', which no right guards")
@pytest.mark.redcap_version(">=13.6.1")
@pytest.mark.parametrize("content", ["tableau", "mycap"])
def test_tableau_and_mycap_are_neither_invalid_nor_refused_for_rights(
    classic: ProjectUnderTest, content: str
) -> None:
    response = classic.post("no_api_export_user", _json({"content": content}))
    assert response.status_code != 403
    if response.status_code == 400 and response.headers.get("Content-Type", "").startswith(
        "application/json"
    ):
        assert json_message(response) != expected.CONTENT_INVALID


# -- #19: super API tokens ------------------------------------------------------------------------------


@pytest.mark.source(
    f"{src.V15_REST} processRequest -> processRequestSuper: a 64-character token on content=version",
    f"{src.DOCS} api_120 (source audit #19)",
)
@pytest.mark.redcap_version(">=10.0.13")
def test_an_unknown_64_character_token_on_version_is_refused_as_a_super_token(
    classic: ProjectUnderTest,
) -> None:
    response = classic.post(None, {"token": "C0DE" * 16, "content": "version", "returnFormat": "json"})
    assert response.status_code == 403
    assert json_message(response) == expected.SUPER_TOKEN_NEEDED


@pytest.mark.source(
    f"{src.V15_REST} processRequest: content=project with data goes to processRequestSuper whatever the "
    "token's length (source audit #19)"
)
def test_creating_a_project_with_a_project_token_is_refused_for_want_of_a_super_token(
    classic: ProjectUnderTest,
) -> None:
    params = {"content": "project", "format": "json", "data": '[{"project_title":"x","purpose":"0"}]'}
    response = classic.post("full_user", _json(params))
    assert response.status_code == 403
    assert json_message(response) == expected.SUPER_TOKEN_NEEDED


# -- the Mobile App right -------------------------------------------------------------------------------

MOBILE = f"{src.V15_REST} processRequest: Mobile App right + mobile_app=1 -> full export and API rights"


@pytest.mark.source(MOBILE)
def test_mobile_app_1_gives_a_mobile_app_user_full_export_rights(classic: ProjectUnderTest) -> None:
    user = classic.user("mobile_app_user")
    assert user.mobile_app and not user.api_export and user.export_rights() == 0
    response = classic.post("mobile_app_user", {**export("1", "consent_form"), "mobile_app": "1"})
    assert response.status_code == 200
    assert_same_file(response.content, classic.stored("1", "consent_form"))


@pytest.mark.source(MOBILE + ": without mobile_app=1 the user's own rights apply")
def test_without_mobile_app_1_the_mobile_app_user_has_no_api_export(classic: ProjectUnderTest) -> None:
    response = classic.post("mobile_app_user", _json(export("1", "consent_form")))
    assert response.status_code == 403
    assert json_message(response) == expected.NO_API_EXPORT


@pytest.mark.source(MOBILE + ": only for users with the Mobile App right (or super users)")
def test_mobile_app_1_gives_nothing_to_a_user_without_the_right(classic: ProjectUnderTest) -> None:
    assert not classic.user("no_api_export_user").mobile_app
    response = classic.post("no_api_export_user", _json({**export("1", "consent_form"), "mobile_app": "1"}))
    assert response.status_code == 403
    assert json_message(response) == expected.NO_API_EXPORT


@pytest.mark.source(
    f"{src.V15_REST} processRequestSuper: a valid Super API Token gets the version; idx:406 skips the "
    "rights for 64-character tokens (source audit #19)",
    f"{src.V15_VERSION}",
)
@pytest.mark.redcap_version(">=10.0.13")
def test_a_super_token_exports_the_version(classic: ProjectUnderTest) -> None:
    token = classic.super_token("super_user")
    assert len(token) == 64
    response = classic.post(None, {"token": token, "content": "version"})
    assert response.status_code == 200
    assert expected_version_text(response.content)


def expected_version_text(body: bytes) -> bool:
    """content=version answers the bare version number."""
    parts = body.decode("ascii", "replace").split(".")
    return len(parts) == 3 and all(part.isdigit() for part in parts)
