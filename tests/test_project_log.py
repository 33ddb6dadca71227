"""The project log the fake keeps (fake_redcap/project_log.py): what each change writes, as REDCap's
Logging::logEvent calls write it (V15 Classes/Records.php saveData:7276-7300, deleteRecordByProject:8572,
deleteForm:188; API/record/rename.php:7-9; API/file/import.php:165, delete.php:122)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState
from fake_redcap.project_log import LogChain, LogEvent, make_event, newest_first
from tests.support import (
    BOUNDARY,
    CLASSIC_EXTRA_FILES,
    MakeState,
    api,
    classic_fixture,
    multipart_body,
    post,
    tok,
)

WRITER = tok(0x3101)


def _classic() -> dict[str, Any]:
    doc = classic_fixture()
    doc["users"].append(
        {
            "username": "writer",
            "token": WRITER,
            "data_export": "full",
            "api_import": True,
            "record_delete": True,
            "record_rename": True,
        }
    )
    return doc


@pytest.fixture
def state(make_state: MakeState) -> FakeState:
    return make_state(_classic(), CLASSIC_EXTRA_FILES)


@pytest.fixture
def client(state: FakeState) -> FlaskClient:
    return api(state)


def _rows(state: FakeState) -> list[tuple[str, str, str | None, str | None, str | None, str | None]]:
    """(user, event, object_type, pk, data_values, description), oldest first."""
    return [
        (e.user, e.event, e.object_type, e.pk, e.data_values, e.description)
        for e in reversed(state.project_log(101))
    ]


def _import(client: FlaskClient, data: str, **more: str) -> None:
    params = {"token": WRITER, "content": "record", "format": "json", "data": data, **more}
    response = post(client, params)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_a_fixture_starts_with_an_empty_log(state: FakeState) -> None:
    assert state.project_log(101) == ()
    assert state.project_log(999) == ()


def test_record_import_logs_each_changed_row(client: FlaskClient, state: FakeState) -> None:
    _import(client, '[{"record_id": "9", "age": "50"}]')
    _import(client, '[{"record_id": "9", "age": "51", "lab_value": ""}]')
    _import(client, '[{"record_id": "9", "age": "51"}]')  # nothing changes: nothing logged
    _import(client, '[{"record_id": "1", "redcap_repeat_instrument": "labs", "redcap_repeat_instance": "3", '
                    '"lab_value": "8"}]')  # fmt: skip
    assert _rows(state) == [
        ("writer", "INSERT", "redcap_data", "9", "record_id = '9',\nage = '50'", "Create record (API)"),
        ("writer", "UPDATE", "redcap_data", "9", "age = '51'", "Update record (API)"),
        ("writer", "UPDATE", "redcap_data", "1", "[instance = 3],\nrecord_id = '1',\nlab_value = '8'",
         "Update record (API)"),
    ]  # fmt: skip


def test_overwrite_logs_an_erased_value(client: FlaskClient, state: FakeState) -> None:
    _import(client, '[{"record_id": "2", "age": ""}]', overwriteBehavior="overwrite")
    assert _rows(state) == [("writer", "UPDATE", "redcap_data", "2", "age = ''", "Update record (API)")]


def test_delete_and_rename_are_logged(client: FlaskClient, state: FakeState) -> None:
    base = {"token": WRITER, "content": "record", "returnFormat": "json"}
    assert post(client, {**base, "action": "delete", "records[0]": "2"}).status_code == 200
    post(
        client, {**base, "action": "delete", "records[0]": "1", "instrument": "labs", "repeat_instance": "2"}
    )
    post(client, {**base, "action": "rename", "record": "abc", "new_record_name": "xyz"})
    post(client, {**base, "action": "rename", "record": "nope", "new_record_name": "q", "arm": ""})
    assert _rows(state) == [
        ("writer", "DELETE", "redcap_data", "2", "record_id = '2'", "Delete record (API)"),
        ("writer", "UPDATE", "redcap_data", "1", "[instance = 2],\nlab_report = ''",
         "Delete all record data for single form"),
        ("writer", "UPDATE", "redcap_data", "xyz", "old_record = 'abc',\nnew_record = 'xyz'",
         "Rename Record (API)"),
        ("writer", "UPDATE", "redcap_data", "q", "old_record = 'nope',\nnew_record = 'q',\narm=",
         "Rename Record (API)"),  # logged though nothing was renamed (rename.php:7)
    ]  # fmt: skip


def test_file_import_and_delete_are_logged(client: FlaskClient, state: FakeState) -> None:
    fields = {"token": WRITER, "content": "file", "action": "import", "record": "2", "field": "consent_form"}
    body = multipart_body(fields, [("file", "c.txt", b"consent of 2")])
    response = client.post("/api/", data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code == 200
    deleted = post(client, {**fields, "action": "delete"})
    assert deleted.status_code == 200
    rows = _rows(state)
    assert rows[0][:4] == ("writer", "DOC_UPLOAD", "redcap_data", "2")
    assert rows[0][4] is not None and rows[0][4].startswith("consent_form = '")
    assert rows[0][5] == "Upload document (API)"
    assert rows[1] == (
        "writer",
        "DOC_DELETE",
        "redcap_data",
        "2",
        "consent_form",
        "Delete uploaded document (API)",
    )


def test_reset_empties_the_log_and_refusals_log_nothing(client: FlaskClient, state: FakeState) -> None:
    post(client, {"token": WRITER, "content": "record", "action": "delete", "records[0]": "nope"})
    assert state.project_log(101) == ()
    _import(client, '[{"record_id": "9", "age": "50"}]')
    assert len(state.project_log(101)) == 1
    state.reset()
    assert state.project_log(101) == ()


def test_add_log_is_dropped_for_a_world_that_is_gone(state: FakeState) -> None:
    seen = state.served[0]
    entry = make_event("20261130120000", "u", "redcap_projects", "manage", "101", "x", "Something")
    assert entry.event == "MANAGE"
    assert state.add_log(101, entry, seen=seen)
    state.reset()
    assert not state.add_log(101, entry, seen=seen)
    assert not state.add_log(999, entry)
    assert state.project_log(101) == ()


def test_the_chain_is_newest_first_and_shares_older_rows() -> None:
    def one(n: int) -> LogEvent:
        return make_event(f"2026113012000{n}", "u", "t", "OTHER", None, None, str(n), instance=n)

    first = LogChain.extend(None, [one(1), one(2)])
    second = LogChain.extend(first, [one(3)])
    assert LogChain.extend(second, []) is second
    assert [e.description for e in newest_first(second)] == ["3", "2", "1"]
    assert second is not None and second.before is first and second.size == 3
    assert one(2).data_values == "[instance = 2]"
    with pytest.raises(ValueError, match="unknown log event kind"):
        make_event("1", "u", "t", "NOPE", None, None, None)
