"""What REDCap's API/index.php decides before a method runs (fake_redcap/routing.py): the action it
derives and the rights it checks on it, the contents each version accepts, Super API Tokens, the Mobile
App right, the project states, and parameters PHP 8 refuses (source audit #10, #15-#17, #19, #21)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from fake_redcap import FakeState, messages
from fake_redcap.methods.project_create import MISSING_ATTRIBUTES
from fake_redcap.methods.record_delete import EMPTY_ARRAY, RENAME_NO_RECORD
from tests.support import (
    ACTION_INVALID,
    BOUNDARY,
    CONTENT_INVALID,
    NO_API_EXPORT,
    NO_API_IMPORT,
    NO_PERMISSION,
    PDF_BYTES,
    XML_TYPE,
    api,
    assert_error,
    classic_fixture,
    export_params,
    multipart_body,
    post,
    tok,
    xml_error,
)

SUPER = "5A" * 32
NO_DELETE = messages.NO_RECORD_DELETE
SUPER_NEEDED = messages.SUPER_TOKEN_NEEDED
UNKNOWN_ERROR = messages.UNKNOWN_ERROR_PARAMETERS
DESIGN_NEEDED = messages.DESIGN_RIGHTS_NEEDED
CONSENT_TYPE = b'application/pdf; name="consent.pdf"'

USERS: dict[str, dict[str, Any]] = {
    "full": {"data_export": "full"},
    "no_export": {"data_export": "no_access", "api_export": False},
    "deleter": {"data_export": "full", "record_delete": True},
    "deleter_no_export": {"data_export": "full", "api_export": False, "record_delete": True},
    "importer": {"data_export": "full", "api_import": True, "record_delete": True},
    "mobile": {"data_export": "no_access", "api_export": False, "mobile_app": True},
    "designer": {"data_export": "full", "design": True},
    "admin": {"data_export": "no_access", "super_user": True, "super_token": SUPER},
    "gone_admin": {"data_export": "full", "super_user": True, "suspended": True, "super_token": "6B" * 32},
}
T = {name: tok(0x3000 + i) for i, name in enumerate(USERS)}

Make = Callable[..., FlaskClient]


@pytest.fixture
def make(make_state: Callable[..., FakeState]) -> Make:
    """`make(version="15.7.6", status=None)`: a client over the classic test project with USERS."""

    def build(version: str = "15.7.6", status: str | None = None) -> FlaskClient:
        doc = classic_fixture(version)
        doc["users"] = [{"username": n, "token": T[n], **e} for n, e in USERS.items()]
        doc["records"].append({"record": "O'Brien", "values": {"age": "1"}})
        if status is not None:
            doc["project"]["status"] = status
        return api(make_state(doc, {"files/consent.pdf": PDF_BYTES}))

    return build


@pytest.fixture
def client(make: Make) -> FlaskClient:
    return make()


def _json(response: TestResponse) -> Any:
    return json.loads(response.get_data())


def _message(response: TestResponse) -> str:
    return str(_json(response)["error"])


def _post(client: FlaskClient, user: str | None, **params: str) -> TestResponse:
    pairs = ([("token", T[user])] if user else []) + list(params.items()) + [("returnFormat", "json")]
    return post(client, pairs)


def _not_implemented(response: TestResponse) -> str:
    assert response.status_code == 400, response.get_data()
    what = response.headers.get(messages.NOT_IMPLEMENTED_HEADER)
    assert what, response.get_data()
    return what


INFO = {"record": "1", "field": "consent_form"}


# -- #17: filesize / fileinfo --------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["15.7.6", "10.0.13"])
@pytest.mark.parametrize("content", ["filesize", "fileinfo"])
def test_action_delete_on_filesize_and_fileinfo_answers_info_and_deletes_nothing(
    make: Make, version: str, content: str
) -> None:
    client = make(version)
    response = _post(client, "deleter", content=content, action="delete", **INFO)
    assert (response.status_code, _json(response)) == (200, {"size": len(PDF_BYTES), "name": "consent.pdf"})
    assert post(client, export_params(T["full"])).get_data() == PDF_BYTES


@pytest.mark.parametrize("content", ["filesize", "fileinfo"])
def test_fileinfo_rights_are_those_of_the_derived_action(client: FlaskClient, content: str) -> None:
    refused = _post(client, "deleter_no_export", content=content, action="delete", **INFO)
    assert (refused.status_code, _message(refused)) == (403, NO_API_EXPORT)
    answered = _post(client, "full", content=content, action="delete", **INFO)
    assert answered.status_code == 200
    importing = _post(client, "full", content=content, action="export", data="x", **INFO)
    assert (importing.status_code, _message(importing)) == (403, NO_API_IMPORT)


# -- #16: every content on its derived action ----------------------------------------------------------


@pytest.mark.parametrize("content", ["metadata", "version", "project", "record", "exportFieldNames"])
def test_action_import_does_not_make_an_export_an_import(client: FlaskClient, content: str) -> None:
    response = _post(client, "no_export", content=content, action="import")
    assert (response.status_code, _message(response)) == (403, NO_API_EXPORT)


def test_data_makes_an_import_except_for_version(client: FlaskClient) -> None:
    response = _post(client, "full", content="metadata", data="[]")
    assert (response.status_code, _message(response)) == (403, NO_API_IMPORT)
    response = _post(client, "no_export", content="version", data="[]")
    assert (response.status_code, _message(response)) == (403, NO_API_EXPORT)


def test_record_import_and_delete_are_refused_for_rights_before_not_implemented(client: FlaskClient) -> None:
    # REDCapR test-write-error.R and test-delete.R recorded these 403s from real servers.
    write = _post(client, "full", content="record", data='[{"record_id":"9"}]')
    assert (write.status_code, _message(write)) == (403, NO_API_IMPORT)
    delete = _post(client, "full", content="record", action="delete", **{"records[0]": "1"})
    assert (delete.status_code, _message(delete)) == (403, NO_DELETE)
    # With the rights, the methods' own answers (tests/test_record_import.py, test_record_delete.py).
    imported = _post(client, "importer", content="record", format="json", data="[]")
    assert (imported.status_code, imported.get_data(as_text=True)) == (200, '{"count": 0}')
    deleted = _post(client, "importer", content="record", action="delete")
    assert (deleted.status_code, _message(deleted)) == (400, EMPTY_ARRAY)


def test_rename_and_randomize_need_their_rights(client: FlaskClient) -> None:
    rename = _post(client, "importer", content="record", action="rename")
    assert (rename.status_code, _message(rename)) == (403, messages.NO_RECORD_RENAME)
    randomize = _post(client, "importer", content="record", action="randomize")
    assert (randomize.status_code, _message(randomize)) == (403, messages.NO_RANDOMIZE)
    renamed = _post(client, "admin", content="record", action="rename")  # a super user holds the right
    assert (renamed.status_code, renamed.get_data(as_text=True)) == (200, RENAME_NO_RECORD)


def test_event_and_arm_actions_are_checked_exactly(client: FlaskClient) -> None:
    response = _post(client, "full", content="event", action="EXPORT")
    assert (response.status_code, _message(response)) == (400, ACTION_INVALID)


# -- #15: import_app -------------------------------------------------------------------------------------


def _upload(client: FlaskClient, user: str, **params: str) -> TestResponse:
    pairs = [("token", T[user]), *params.items(), ("returnFormat", "json")]
    body = multipart_body(pairs)[: -len(f"--{BOUNDARY}--\r\n")]
    body += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhi\r\n'
        f"--{BOUNDARY}--\r\n"
    ).encode()
    return client.post("/api/", data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}")


def test_import_app_has_no_rights_check_and_runs_its_first_checks(make: Make) -> None:
    client = make()
    nothing = _post(client, "full", content="file", action="import_app", **INFO)
    assert (nothing.status_code, _message(nothing)) == (400, messages.NO_VALID_FILE)
    uploaded = _upload(client, "no_export", content="file", action="import_app", **INFO)
    assert _not_implemented(uploaded) == "content=file&action=import_app"
    analysis = _upload(make(status="analysis"), "full", content="file", action="import_app", **INFO)
    assert (analysis.status_code, _message(analysis)) == (
        403,
        messages.IMPORT_ANALYSIS,
    )


# -- #10: the contents each version accepts -------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    ["appRightsCheck", "fieldValidation", "attachment", "surveyAccessCode", "report"],
)
def test_accepted_contents_meet_the_rights_check_then_not_implemented(
    client: FlaskClient, content: str
) -> None:
    refused = _post(client, "no_export", content=content)
    assert (refused.status_code, _message(refused)) == (403, NO_API_EXPORT)
    assert _not_implemented(_post(client, "full", content=content)) == f"content={content}"


@pytest.mark.parametrize(
    ("content", "version"),
    [
        ("surveyAccessCode", "14.5.11"),
        ("dag", "10.0.13"),
        ("mycap", "10.0.13"),
        ("repeatingFormsEvents", "7.1.2"),
    ],
)
def test_contents_added_later_are_invalid_in_older_versions(make: Make, content: str, version: str) -> None:
    response = _post(make(version), "full", content=content)
    assert (response.status_code, _message(response)) == (400, CONTENT_INVALID)


@pytest.mark.parametrize("content", ["tableau", "mycap"])
def test_tableau_and_mycap_meet_no_rights_check(client: FlaskClient, content: str) -> None:
    assert _not_implemented(_post(client, "no_export", content=content)) == f"content={content}"


def test_authkey_needs_no_token_and_answers_in_csv_by_default(client: FlaskClient) -> None:
    response = post(client, {"authkey": "abc", "content": "record"})
    assert response.status_code == 400
    assert response.get_data().startswith(b"ERROR: The fake REDCap server does not implement content=authkey")
    with_token = post(client, {"token": T["no_export"], "authkey": "abc"})
    assert with_token.get_data() == b"ERROR: " + NO_API_EXPORT.encode()


def test_get_with_content_mycap_or_tableau_is_not_a_501_from_redcap_13(make: Make) -> None:
    client = make()
    mycap = client.get("/api/?content=mycap")
    assert _not_implemented(mycap) == "content=mycap"
    assert mycap.headers["Content-Type"] == "application/json; charset=utf-8"
    tableau = client.get("/api/?content=tableau")
    assert _not_implemented(tableau) == "content=tableau"
    assert tableau.headers["Content-Type"] == XML_TYPE
    # Any other method stays a 501, in json when the query names mycap (API/index.php:104-107).
    put = client.put("/api/?content=mycap")
    assert (put.status_code, _message(put)) == (501, messages.METHOD_NOT_IMPLEMENTED)
    # A POST with ?content=mycap is a MyCap call whatever the body says, and needs no token.
    assert _not_implemented(client.post("/api/?content=mycap", data={"content": "file"})) == "content=mycap"
    older = make("10.0.13").get("/api/?content=mycap")
    assert_error(older, 501, xml_error(messages.METHOD_NOT_IMPLEMENTED))


# -- #19: Super API Tokens -------------------------------------------------------------------------------


def test_a_super_token_exports_the_version_without_a_rights_check(client: FlaskClient) -> None:
    response = post(client, {"token": SUPER.lower(), "content": "version"})
    assert (response.status_code, response.get_data()) == (200, b"15.7.6")


def test_project_creation_with_a_super_token_reaches_create_project(client: FlaskClient) -> None:
    # Create Project's own checks (tests/test_project_create.py): no attributes in the one object sent.
    response = post(client, {"token": SUPER, "content": "project", "data": "[{}]", "format": "json"})
    assert (response.status_code, _message(response)) == (400, MISSING_ATTRIBUTES)


@pytest.mark.parametrize(
    "params",
    [
        {"token": "C0DE" * 16, "content": "version"},  # unknown
        {"token": "6B" * 32, "content": "version"},  # a suspended super user's
        {"token": T["full"], "content": "project", "data": "[{}]"},  # a project token
        {"token": "C0DE", "content": "project", "data": "x"},  # any length
        {"content": "project", "data": "x"},  # none at all
    ],
)
def test_the_super_token_path_refuses_with_api_120(client: FlaskClient, params: dict[str, str]) -> None:
    response = post(client, {**params, "returnFormat": "json"})
    assert (response.status_code, _message(response)) == (403, SUPER_NEEDED)


def test_a_super_token_is_no_project_token(make: Make) -> None:
    response = post(make(), {"token": SUPER, **export_params(SUPER)})
    assert_error(response, 403, xml_error(NO_PERMISSION))
    # REDCap 7 has no super-token path for the version.
    old = post(make("7.1.2"), {"token": SUPER, "content": "version"})
    assert_error(old, 403, xml_error(NO_PERMISSION))


def test_the_journal_never_holds_a_super_token(make_state: Callable[..., FakeState]) -> None:
    doc = classic_fixture()
    doc["users"] = [{"username": "admin", "token": T["admin"], **USERS["admin"]}]
    state = make_state(doc, {"files/consent.pdf": PDF_BYTES})
    client = api(state)
    post(client, {"token": SUPER, "content": "version"})
    post(client, {"token": T["admin"], "content": "version", "record": SUPER})
    dumped = repr([entry.params for entry in state.journal.entries()])
    assert SUPER not in dumped.upper() and "admin" in dumped


# -- the Mobile App right --------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", [("mobile_app", "1"), ("mobile_app", " 1.0"), ("mobileApp", "1")])
def test_mobile_app_1_gives_full_export_rights_to_a_user_with_the_right(
    client: FlaskClient, flag: tuple[str, str]
) -> None:
    response = post(client, [*export_params(T["mobile"]).items(), flag])
    assert (response.status_code, response.get_data()) == (200, PDF_BYTES)


def test_without_the_right_or_the_flag_the_user_keeps_their_rights(client: FlaskClient) -> None:
    assert_error(post(client, export_params(T["mobile"])), 403, xml_error(NO_API_EXPORT))
    assert_error(post(client, export_params(T["no_export"], mobile_app="1")), 403, xml_error(NO_API_EXPORT))
    assert_error(post(client, export_params(T["mobile"], mobile_app="yes")), 403, xml_error(NO_API_EXPORT))


def test_mobile_app_does_not_give_delete_records(client: FlaskClient) -> None:
    response = _post(client, "mobile", content="file", action="delete", mobile_app="1", **INFO)
    assert (response.status_code, _message(response)) == (403, NO_DELETE)


@pytest.mark.parametrize(("version", "status"), [("15.7.6", 400), ("13.6.1", 200)])
def test_repeating_export_needs_project_design_from_redcap_14(make: Make, version: str, status: int) -> None:
    client = make(version)
    response = _post(client, "full", content="repeatingFormsEvents")
    assert response.status_code == status
    if status == 400:
        assert _message(response) == DESIGN_NEEDED
    assert _post(client, "designer", content="repeatingFormsEvents").status_code == 200
    granted = _post(client, "mobile", content="repeatingFormsEvents", mobile_app="1")
    assert granted.status_code == 200


# -- project states ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("deleted", messages.PROJECT_DELETED),
        ("completed", messages.PROJECT_COMPLETED),
    ],
)
def test_deleted_and_completed_projects_answer_400_after_the_rights(
    make: Make, status: str, message: str
) -> None:
    client = make(status=status)
    response = _post(client, "full", content="file", action="export", **INFO)
    assert (response.status_code, _message(response)) == (400, message)
    rights_first = _post(client, "no_export", content="file", action="export", **INFO)
    assert _message(rights_first) == NO_API_EXPORT
    assert _post(client, "full", content="version").get_data() == b"15.7.6"
    assert _post(client, "full", content="project").status_code == 200
    # REDCap 7 has neither check.
    assert post(make("7.1.2", status=status), export_params(T["full"])).get_data() == PDF_BYTES


def test_an_offline_project_answers_400_to_everything_from_redcap_13(make: Make) -> None:
    client = make(status="offline")
    offline = messages.PROJECT_OFFLINE
    for content in ("version", "project", "file"):
        response = _post(client, "full", content=content, action="export", **INFO)
        assert (response.status_code, _message(response)) == (400, offline)
    assert post(make("10.0.13", status="offline"), export_params(T["full"])).get_data() == PDF_BYTES


# -- #21, #22: parameters -----------------------------------------------------------------------------


def test_return_format_as_an_array_is_an_empty_200_in_redcap_15(make: Make) -> None:
    pairs = [*export_params(T["full"]).items(), ("returnFormat[]", "json")]
    response = post(make(), pairs)
    assert (response.status_code, response.get_data()) == (200, b"")
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert post(make("14.5.11"), pairs).get_data() == PDF_BYTES  # PHP 7: strtolower(array) is NULL


def test_an_array_action_for_a_file_content_is_a_type_error(client: FlaskClient) -> None:
    pairs = [("token", T["full"]), ("content", "file"), ("action[]", "export"), ("returnFormat", "json")]
    response = post(client, pairs)
    assert (response.status_code, _message(response)) == (400, UNKNOWN_ERROR)


@pytest.mark.parametrize("sent", ["O\u2019Brien", "O\u2018Brien", "o\u201bbrien "])
def test_word_processor_quotes_find_the_record(client: FlaskClient, sent: str) -> None:
    response = _post(client, "full", content="file", action="export", record=sent, field="consent_form")
    assert (response.status_code, _message(response)) == (400, messages.NO_FILE_TO_DOWNLOAD)
    missing = _post(
        client, "full", content="file", action="export", record="O\u201cBrien", field="consent_form"
    )
    assert _message(missing) == 'The record "O\u201cBrien" does not exist'
