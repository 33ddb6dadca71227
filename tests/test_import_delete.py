"""Import File and Delete File, step by step in REDCap's order (reference §4.1 and §4.2, from V15
`API/index.php`, `API/file/import.php` and `API/file/delete.php`), with exact bodies.

Each step is shown with a request that would also fail every later step, so the test proves the
order, not only the message. Uses the bundled demo projects (classic project 14, longitudinal 15) and
small fixtures written into tmp_path. REDCap's texts come from `tests.support` (fake_redcap.messages).
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from fake_redcap import FakeServer, FakeState, create_app, demo_fixture_paths, messages
from tests.support import (
    BOUNDARY,
    CSV_TYPE,
    JSON_TYPE,
    NO_API_IMPORT,
    NO_FILE_TO_DELETE,
    NO_FILE_TO_DOWNLOAD,
    NO_RECORD_DELETE,
    NO_VALID_FILE,
    NOT_PERMITTED,
    XML_TYPE,
    multipart_body,
    token,
    xml_error,
)
from tests.support import SIGNATURE as SIGNATURE_TEMPLATE

# demo tokens (fake_redcap/demo/*.yaml)
C_FULL = "1401FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # Full, no api_import, no record_delete
C_SUPER = "1411FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # super user: every right
C_IMPORTER = "1412FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # api_import and record_delete
L_FULL = "1501FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
L_IMPORTER = "1506FA4EFA4EFA4EFA4EFA4EFA4EFA4E"

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

UPLOAD_PROBLEM = messages.UPLOAD_PROBLEM
SAVE_FAILED = messages.SAVE_FAILED
IMPORT_ANALYSIS = messages.IMPORT_ANALYSIS
DELETE_ANALYSIS = messages.DELETE_ANALYSIS
NO_IMPORT_RIGHT = NO_API_IMPORT
NO_DELETE_RIGHT = NO_RECORD_DELETE
SIGNATURE = SIGNATURE_TEMPLATE.format(field="participant_signature")


# ---------------------------------------------------------------------------------------------------
# Requests


def upload(
    client: FlaskClient,
    token: str,
    record: str,
    field: str,
    data: bytes = b"new content\n",
    filename: str = "upload.txt",
    *,
    part: str = "file",
    ctype: str = "application/octet-stream",
    **more: str,
) -> TestResponse:
    fields = {"token": token, "content": "file", "action": "import", "record": record, "field": field, **more}
    body = multipart_body(fields, [(part, filename, data, ctype)])
    return client.post("/api/", data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}")


def form(client: FlaskClient, **params: str) -> TestResponse:
    body = urllib.parse.urlencode(params).encode()
    return client.post("/api/", data=body, content_type="application/x-www-form-urlencoded")


def delete(client: FlaskClient, token: str, record: str, field: str, **more: str) -> TestResponse:
    return form(client, token=token, content="file", action="delete", record=record, field=field, **more)


def export(client: FlaskClient, token: str, record: str, field: str, **more: str) -> TestResponse:
    return form(client, token=token, content="file", action="export", record=record, field=field, **more)


def answer(response: TestResponse) -> tuple[int, str, bytes]:
    return response.status_code, response.headers["Content-Type"], response.get_data()


def error(status: int, message: str) -> tuple[int, str, bytes]:
    return status, XML_TYPE, xml_error(message)


EMPTY_OK = (200, XML_TYPE, b"")  # sendResponse(200): empty body, typed by the returnFormat


# ---------------------------------------------------------------------------------------------------
# Worlds


@pytest.fixture
def state() -> Iterator[FakeState]:
    world = FakeState(demo_fixture_paths())
    yield world
    world.close()


@pytest.fixture
def client(state: FakeState) -> FlaskClient:
    return create_app(state).test_client()


def tok(n: int) -> str:
    return token(0, 0x6000 + n)


def small_project(status: str = "development") -> dict[str, Any]:
    """A classic project with users for the rights quirks of delete."""
    return {
        "project": {"project_id": 601, "title": "Rights", "status": status},
        "fields": [
            {"name": "record_id", "form": "main", "type": "text"},
            {"name": "attachment", "form": "main", "type": "file"},
        ],
        "users": [
            {
                "username": "importer",
                "token": tok(1),
                "data_export": "full",
                "api_import": True,
                "record_delete": True,
            },
            {"username": "import_only", "token": tok(2), "data_export": "full", "api_import": True},
            # no API import right, but the Delete Records right: may delete files, not import them
            {"username": "delete_only", "token": tok(3), "data_export": "full", "record_delete": True},
        ],
        "records": [{"record": "1", "files": {"attachment": {"text": "kept\n", "name": "kept.txt"}}}],
    }


def small_client(
    tmp_path: Path, status: str = "development", redcap_version: str | None = None
) -> FlaskClient:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "project.yaml"
    path.write_text(yaml.safe_dump(small_project(status), sort_keys=False), encoding="utf-8")
    return create_app(FakeState([path], redcap_version=redcap_version)).test_client()


# ===================================================================================================
# Import File (§4.1)


def test_import_needs_the_api_import_right_before_anything_else(client: FlaskClient) -> None:
    """API/index.php checks the right before import.php runs (no file, unknown record, bad field)."""
    response = form(client, token=C_FULL, content="file", action="import", record="4", field="nope")
    assert answer(response) == error(403, NO_IMPORT_RIGHT)


def test_import_1_no_uploaded_file(client: FlaskClient) -> None:
    response = form(client, token=C_IMPORTER, content="file", action="import", record="4", field="nope")
    assert answer(response) == error(400, NO_VALID_FILE)


def test_import_2_a_file_part_without_a_name_is_an_upload_error(client: FlaskClient) -> None:
    """PHP's UPLOAD_ERR_NO_FILE (4) for a `file` part with an empty file name."""
    response = upload(client, C_IMPORTER, "4", "nope", filename="", part="file")
    assert answer(response) == error(400, UPLOAD_PROBLEM)


def test_import_2_an_upload_under_another_name_goes_on_with_no_file(tmp_path: Path) -> None:
    """`$_FILES['file']['error']` is null and `null != 0` is false in PHP, so REDCap goes on: V15 stops at
    the type check (an empty name has no extension), older versions when saving the missing file."""
    client = small_client(tmp_path, "development")
    response = upload(client, tok(1), "1", "attachment", filename="a.txt", part="upload")
    assert answer(response) == error(400, NOT_PERMITTED)
    old = small_client(tmp_path / "old", "development", redcap_version="14.5.11")
    response = upload(old, tok(1), "1", "attachment", filename="a.txt", part="upload")
    assert answer(response) == error(400, SAVE_FAILED)


def test_import_2_a_failed_save_comes_before_the_record_and_field_checks(tmp_path: Path) -> None:
    """Record, field and signature checks sit inside `if ($docId != 0)` (import.php:96-170): with no file
    saved, REDCap answers the save-failed text whatever the record and field (source audit 2026-11 #47)."""
    old = small_client(tmp_path, "development", redcap_version="14.5.11")
    response = upload(old, tok(1), "no_such_record", "no_such_field", filename="a.txt", part="upload")
    assert answer(response) == error(400, SAVE_FAILED)


def test_import_3_analysis_cleanup_status_is_403(tmp_path: Path) -> None:
    client = small_client(tmp_path, "analysis")
    # before the record and field checks
    assert answer(upload(client, tok(1), "nope", "nope")) == error(403, IMPORT_ANALYSIS)
    # export still works in Analysis/Cleanup
    assert export(client, tok(1), "1", "attachment").get_data() == b"kept\n"


def test_import_4_longitudinal_needs_a_valid_event(client: FlaskClient) -> None:
    assert answer(upload(client, L_IMPORTER, "4", "nope")) == error(400, "invalid event")
    assert answer(upload(client, L_IMPORTER, "4", "nope", event="Visit_1_arm_1")) == error(
        400, "invalid event"
    )


def test_import_4_classic_ignores_the_event(client: FlaskClient) -> None:
    assert answer(upload(client, C_IMPORTER, "2", "lab_report", PDF, "r.pdf", event="bogus")) == EMPTY_OK
    assert export(client, C_FULL, "2", "lab_report").get_data() == PDF


def test_import_5_creates_a_new_instance(client: FlaskClient) -> None:
    """api_docs_378: a repeating instance that does not exist yet is created."""
    assert (
        answer(upload(client, C_IMPORTER, "2", "lab_report", PNG, "third.png", repeat_instance="3"))
        == EMPTY_OK
    )
    response = export(client, C_FULL, "2", "lab_report", repeat_instance="3")
    assert (response.get_data(), response.headers["Content-Type"]) == (PNG, 'image/png; name="third.png"')
    # the record export shows the new instance
    rows = json.loads(form(client, token=C_FULL, content="record", format="json", records="2").get_data())
    assert [(r["redcap_repeat_instrument"], r["redcap_repeat_instance"], r["lab_report"]) for r in rows] == [
        ("", "", ""),
        ("labs", 3, "third.png"),
    ]


def demo_client(redcap_version: str) -> Iterator[FlaskClient]:
    world = FakeState(demo_fixture_paths(), redcap_version=redcap_version)
    yield create_app(world).test_client()
    world.close()


@pytest.fixture
def client_14() -> Iterator[FlaskClient]:
    yield from demo_client("14.5.11")


def test_import_5_new_instance_of_a_repeating_event_in_14(client_14: FlaskClient) -> None:
    ok = upload(
        client_14, L_IMPORTER, "101", "visit_photo", PNG, "v3.png", event="visit_2_arm_1", repeat_instance="3"
    )
    assert answer(ok) == EMPTY_OK
    again = export(client_14, L_FULL, "101", "visit_photo", event="visit_2_arm_1", repeat_instance="3")
    assert again.get_data() == PNG


def test_import_5_new_instance_of_a_repeating_event_stores_nothing_in_15(client: FlaskClient) -> None:
    """V15 import.php:142-161 saves through getData, which has no row for an instance that does not exist
    yet: 200, and nothing stored (source audit 2026-11 #55)."""
    ok = upload(
        client, L_IMPORTER, "101", "visit_photo", PNG, "v3.png", event="visit_2_arm_1", repeat_instance="3"
    )
    assert answer(ok) == EMPTY_OK
    again = export(client, L_FULL, "101", "visit_photo", event="visit_2_arm_1", repeat_instance="3")
    assert answer(again) == error(400, NO_FILE_TO_DOWNLOAD)


@pytest.mark.parametrize("instance", ["5", "2.0", "02", "x"])
def test_import_5_instance_is_1_when_the_form_does_not_repeat(client: FlaskClient, instance: str) -> None:
    """study_document's form does not repeat: any instance becomes 1 and replaces the file there."""
    assert (
        answer(upload(client, C_IMPORTER, "1", "study_document", b"v2\n", "p.txt", repeat_instance=instance))
        == EMPTY_OK
    )
    assert export(client, C_FULL, "1", "study_document").get_data() == b"v2\n"


@pytest.mark.parametrize("instance", ["2.0", "02", "1e1", "x", "-2"])
def test_import_5_instance_is_1_when_not_an_integer_or_not_positive(
    client: FlaskClient, instance: str
) -> None:
    """V15 reads the instance with isinteger: "2.0", "02" and "1e1" are not integers (is_numeric would
    say they are); then anything not above 0 is 1. lab_report repeats, yet lands on instance 1."""
    assert (
        answer(upload(client, C_IMPORTER, "1", "lab_report", b"i1\n", "i.txt", repeat_instance=instance))
        == EMPTY_OK
    )
    assert export(client, C_FULL, "1", "lab_report").get_data() == b"i1\n"
    second = export(client, C_FULL, "1", "lab_report", repeat_instance="2")
    assert second.headers["Content-Type"] == 'text/plain; name="lab_2.txt";charset=UTF-8'


def test_import_6_locked_record_and_locked_form() -> None:
    """V13+: a record locked whole refuses every field (even an oversized upload to a bad field: the
    lock comes first); a locked instrument refuses its own fields only."""
    client = create_app(FakeState(demo_fixture_paths(), max_upload_mb=1)).test_client()
    oversized = b"x" * (1024 * 1024 + 1)
    whole = upload(client, C_IMPORTER, "L1", "nope", oversized, "big.txt")
    assert answer(whole) == error(400, 'The uploaded file could not be saved because record "L1" is locked.')
    locked_form = upload(client, C_IMPORTER, "L2", "study_document")
    assert answer(locked_form) == error(
        400, 'The uploaded file could not be saved because the field\'s instrument is locked for record "L2".'
    )
    assert answer(upload(client, C_IMPORTER, "L2", "consent_form", PDF, "c.pdf")) == EMPTY_OK


def test_import_7_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "project.yaml"
    path.write_text(yaml.safe_dump(small_project(), sort_keys=False), encoding="utf-8")
    client = create_app(FakeState([path], max_upload_mb=1)).test_client()
    message = "The uploaded file exceeded the maximum file size limit of 1 MB for File Upload fields."
    # before the extension, record and field checks
    assert answer(upload(client, tok(1), "nope", "nope", b"x" * (1024 * 1024 + 1), "README")) == error(
        400, message
    )
    assert answer(upload(client, tok(1), "1", "attachment", b"x" * (1024 * 1024), "max.bin")) == EMPTY_OK


def test_import_8_a_name_without_extension_is_refused(client: FlaskClient) -> None:
    """docs_1136 already starts with "ERROR: ", so a csv envelope says it twice."""
    assert answer(upload(client, C_IMPORTER, "4", "nope", b"x", "README")) == error(400, NOT_PERMITTED)
    csv = upload(client, C_IMPORTER, "4", "nope", b"x", "README", returnFormat="csv")
    assert answer(csv) == (400, CSV_TYPE, f"ERROR: {NOT_PERMITTED}".encode())


@pytest.mark.parametrize("name", ["report.?", ".hidden", "tool.exe "])
def test_import_8_refusal_is_decided_on_the_name_as_posted(client: FlaskClient, name: str) -> None:
    """The sanitised name ("report", "hidden", "tool.exe") is refused, so nothing is saved; but REDCap
    answers docs_1136 only when the posted name (extension "?", "hidden", "exe ") is refused too, so these
    get the save-failed text (V15 import.php:88-93; source audit 2026-11 #50)."""
    assert answer(upload(client, C_IMPORTER, "4", "nope", b"x", name)) == error(400, SAVE_FAILED)


@pytest.mark.parametrize("name", ["tool.exe", "script.JS", "x.php", "a.b.bat", "lib.dll", "app.jar"])
def test_import_8_restricted_extensions_are_refused_from_13_10_5(tmp_path: Path, name: str) -> None:
    """REDCap's default Restricted Upload File Types (install_data.sql:128; upgrade_13.10.05.php)."""
    for version, refused in (("15.7.6", True), ("14.5.11", True), ("13.10.5", True), ("13.6.1", False)):
        client = small_client(tmp_path / version, redcap_version=version)
        response = upload(client, tok(1), "1", "attachment", b"x", name)
        assert answer(response) == (error(400, NOT_PERMITTED) if refused else EMPTY_OK), version


def test_import_9_the_record_must_exist_in_some_event(client: FlaskClient) -> None:
    missing = upload(client, C_IMPORTER, "4", "nope", returnFormat="json")
    assert answer(missing) == (
        400,
        JSON_TYPE,
        b'{"error":"The record \'4\' does not exist. It must exist to upload a file"}',
    )
    # project-wide: record 102 exists only in baseline_arm_1, and may receive a file in visit_1_arm_1
    # (REDCap 15 then stores nothing there: test_import_into_an_event_without_data_stores_nothing_in_15)
    assert (
        answer(upload(client, L_IMPORTER, "102", "visit_photo", PNG, "p.png", event="visit_1_arm_1"))
        == EMPTY_OK
    )


def test_import_into_an_event_without_data_is_stored_in_14(client_14: FlaskClient) -> None:
    """V14.5.11 import.php:162-177 inserts the record ID row and the file's row."""
    response = upload(client_14, L_IMPORTER, "102", "visit_photo", PNG, "p.png", event="visit_1_arm_1")
    assert answer(response) == EMPTY_OK
    assert export(client_14, L_FULL, "102", "visit_photo", event="visit_1_arm_1").get_data() == PNG


def test_import_into_an_event_without_data_stores_nothing_in_15(client: FlaskClient) -> None:
    """V15 getData finds no row for 102 in visit_1_arm_1, so saveData never runs, yet REDCap answers 200
    (import.php:142-161, 173; source audit 2026-11 #55)."""
    response = upload(client, L_IMPORTER, "102", "visit_photo", PNG, "p.png", event="visit_1_arm_1")
    assert answer(response) == EMPTY_OK
    after = export(client, L_FULL, "102", "visit_photo", event="visit_1_arm_1")
    assert answer(after) == error(400, 'The record "102" does not exist')


@pytest.mark.parametrize("field", ["age", "nope"])
def test_import_10_the_field_must_be_a_file_field(client: FlaskClient, field: str) -> None:
    response = upload(client, C_IMPORTER, "1", field)
    assert answer(response) == error(400, f"The field '{field}' does not exist or is not a 'file' field")


def test_import_11_signature_fields_are_refused(client: FlaskClient) -> None:
    assert answer(upload(client, C_IMPORTER, "1", "participant_signature", PNG, "s.png")) == error(
        400, SIGNATURE
    )


def test_import_11_signature_refusal_reads_the_exact_field_name(client: FlaskClient) -> None:
    """`$Proj->metadata[$fieldName]` is an exact PHP key: another case finds no metadata, so nothing refuses
    it, while the database check (case-insensitive) finds the file field (source audit 2026-11 #54)."""
    response = upload(client, C_IMPORTER, "1", "PARTICIPANT_SIGNATURE", PNG, "s.png")
    assert answer(response) == EMPTY_OK
    assert export(client, C_FULL, "1", "participant_signature").get_data() == PNG


@pytest.mark.parametrize(("value", "refused"), [("1", False), ("1.0", False), (" 1", False), ("0", True)])
def test_import_11_mobile_app_skips_the_signature_refusal(
    client: FlaskClient, value: str, refused: bool
) -> None:
    """`$post['mobile_app'] != '1'` is PHP's loose comparison: "1.0" and " 1" count as 1 (import.php:122)."""
    response = upload(client, C_IMPORTER, "1", "participant_signature", PNG, "s.png", mobile_app=value)
    assert answer(response) == (error(400, SIGNATURE) if refused else EMPTY_OK)


def test_import_12_success_is_an_empty_200_typed_by_the_return_format(client: FlaskClient) -> None:
    assert answer(upload(client, C_SUPER, "3", "lab_report", PDF, "new.pdf")) == EMPTY_OK
    json_ok = upload(client, C_IMPORTER, "3", "lab_report", PDF, "new.pdf", returnFormat="json")
    assert answer(json_ok) == (200, JSON_TYPE, b"")


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("a:b?c*d|e<f>.txt", "abcde.txt"),  # ? / \ < > : " * | ~ ` ! removed (`<f>` is also a tag)
        ("café.txt", "cafe.txt"),  # accented Latin letters transliterated
        ("my+file%20name.txt", "my-file-name.txt"),  # + and %20 become -
        ("__--report--v2.txt.", "report-v2.txt"),  # runs of - become one, then . - _ trimmed at both ends
        ("O'Brien; a=b.pdf", "O'Brien; a=b.pdf"),  # ' ; = and spaces survive
        ("报告.pdf", "报告.pdf"),  # non-Latin letters survive
    ],
)
def test_import_stores_the_name_through_redcaps_sanitiser(
    client: FlaskClient, sent: str, stored: str
) -> None:
    assert answer(upload(client, C_IMPORTER, "2", "study_document", PDF, sent)) == EMPTY_OK
    response = export(client, C_FULL, "2", "study_document")
    assert response.headers["Content-Type"].encode("latin-1") == f'application/pdf; name="{stored}"'.encode()


@pytest.mark.parametrize(
    ("data", "filename", "content_type"),
    [
        (PNG, "photo.txt", 'image/png; name="photo.txt"'),  # the bytes decide, not the name
        (b"just words\n", "data.bin", 'text/plain; name="data.bin";charset=UTF-8'),
        (PDF, "scan.png", 'application/pdf; name="scan.png"'),
    ],
)
def test_import_sniffs_the_mime_type_from_the_content(
    client: FlaskClient, data: bytes, filename: str, content_type: str
) -> None:
    """REDCap 10+ stores mime_content_type() of the upload; the part's own Content-Type is ignored."""
    assert (
        answer(upload(client, C_IMPORTER, "2", "study_document", data, filename, ctype="application/x-nope"))
        == EMPTY_OK
    )
    response = export(client, C_FULL, "2", "study_document")
    assert (response.get_data(), response.headers["Content-Type"]) == (data, content_type)


# ===================================================================================================
# Delete File (§4.2)


def test_delete_needs_the_delete_records_right_not_api_import(client: FlaskClient, tmp_path: Path) -> None:
    """API/index.php V7-V15 checks record_delete for content=file&action=delete, and never api_import."""
    assert answer(delete(client, C_FULL, "1", "consent_form")) == error(403, NO_DELETE_RIGHT)
    small = small_client(tmp_path)
    assert answer(delete(small, tok(2), "1", "attachment")) == error(
        403, NO_DELETE_RIGHT
    )  # import right only
    assert answer(upload(small, tok(3), "1", "attachment")) == error(
        403, NO_IMPORT_RIGHT
    )  # delete right only
    assert answer(delete(small, tok(3), "1", "attachment")) == EMPTY_OK


def test_delete_1_analysis_cleanup_status_is_403(tmp_path: Path) -> None:
    client = small_client(tmp_path, "analysis")
    assert answer(delete(client, tok(1), "nope", "nope")) == error(403, DELETE_ANALYSIS)


def test_delete_2_longitudinal_needs_a_valid_event(client: FlaskClient) -> None:
    assert answer(delete(client, L_IMPORTER, "4", "nope")) == error(400, "invalid event")
    assert answer(delete(client, L_IMPORTER, "4", "nope", event="nope")) == error(400, "invalid event")


def test_delete_3_locking_uses_imports_texts(client: FlaskClient) -> None:
    """delete.php reuses import's "could not be saved" texts."""
    whole = delete(client, C_IMPORTER, "L1", "consent_form")
    assert answer(whole) == error(400, 'The uploaded file could not be saved because record "L1" is locked.')
    locked_form = delete(client, C_IMPORTER, "L2", "study_document")
    assert answer(locked_form) == error(
        400, 'The uploaded file could not be saved because the field\'s instrument is locked for record "L2".'
    )


def test_delete_4_record_message_is_single_quoted_and_raw_even_in_15(client: FlaskClient) -> None:
    """Unlike export's RCView-escaped `The record "<rec>"`, delete.php keeps '<rec>' raw."""
    response = delete(client, C_IMPORTER, 'a"b<i>', "nope", returnFormat="json")
    assert answer(response) == (400, JSON_TYPE, b'{"error":"The record \'a\\"b<i>\' does not exist"}')
    # per event: 102 has no row in visit_1_arm_1
    per_event = delete(client, L_IMPORTER, "102", "visit_photo", event="visit_1_arm_1")
    assert answer(per_event) == error(400, "The record '102' does not exist")


def test_delete_5_the_field_must_be_a_file_field(client: FlaskClient) -> None:
    response = delete(client, C_IMPORTER, "1", "age")
    assert answer(response) == error(400, "The field 'age' does not exist or is not a 'file' field")


def test_delete_6_no_file_to_delete(client: FlaskClient) -> None:
    assert answer(delete(client, C_IMPORTER, "2", "lab_report")) == error(400, NO_FILE_TO_DELETE)


def test_delete_7_success_then_the_file_is_gone(client: FlaskClient) -> None:
    assert answer(delete(client, C_IMPORTER, "1", "lab_report", repeat_instance="2")) == EMPTY_OK
    assert answer(export(client, C_FULL, "1", "lab_report", repeat_instance="2")) == error(
        400, NO_FILE_TO_DOWNLOAD
    )
    assert export(client, C_FULL, "1", "lab_report").status_code == 200  # instance 1 untouched
    assert answer(delete(client, C_IMPORTER, "1", "lab_report", repeat_instance="2")) == error(
        400, NO_FILE_TO_DELETE
    )


def test_delete_signature_fields_are_deletable(client: FlaskClient) -> None:
    """api_docs_131: signatures cannot be imported but can be deleted."""
    assert answer(delete(client, C_IMPORTER, "1", "participant_signature", returnFormat="csv")) == (
        200,
        CSV_TYPE,
        b"",
    )
    assert answer(export(client, C_FULL, "1", "participant_signature")) == error(400, NO_FILE_TO_DOWNLOAD)


def test_delete_in_a_repeating_event(client: FlaskClient) -> None:
    ok = delete(client, L_IMPORTER, "101", "visit_photo", event="visit_2_arm_1", repeat_instance="2")
    assert answer(ok) == EMPTY_OK
    assert export(client, L_FULL, "101", "visit_photo", event="visit_2_arm_1").status_code == 200
    gone = export(client, L_FULL, "101", "visit_photo", event="visit_2_arm_1", repeat_instance="2")
    assert answer(gone) == error(400, NO_FILE_TO_DOWNLOAD)


# ===================================================================================================
# A stored file is never changed in place, and reset() restores the fixtures exactly

BIG = bytes(range(256)) * (12 * 1024)  # 3 MiB: many 256 KiB chunks


def test_an_export_opened_before_a_replacement_sends_the_old_bytes_whole(client: FlaskClient) -> None:
    assert answer(upload(client, C_IMPORTER, "2", "study_document", BIG, "old.bin")) == EMPTY_OK
    params = {
        "token": C_FULL,
        "content": "file",
        "action": "export",
        "record": "2",
        "field": "study_document",
    }
    streaming = client.post(
        "/api/",
        data=urllib.parse.urlencode(params),
        content_type="application/x-www-form-urlencoded",
        buffered=False,
    )
    chunks = streaming.iter_encoded()
    first = next(chunks)
    # replaced, then deleted, while the first answer is still being sent
    assert answer(upload(client, C_IMPORTER, "2", "study_document", b"new\n", "new.txt")) == EMPTY_OK
    assert export(client, C_FULL, "2", "study_document").get_data() == b"new\n"
    assert answer(delete(client, C_IMPORTER, "2", "study_document")) == EMPTY_OK
    assert first + b"".join(chunks) == BIG
    streaming.close()


def test_over_a_socket_a_replacement_during_a_download_does_not_mix_bytes(state: FakeState) -> None:
    with FakeServer(state, "127.0.0.1", 0) as server:
        url = server.url

        def post(**params: str) -> requests.Response:
            return requests.post(url, data=params, timeout=10)

        def replace() -> None:
            body = multipart_body(
                {
                    "token": C_IMPORTER,
                    "content": "file",
                    "action": "import",
                    "record": "2",
                    "field": "study_document",
                },
                [("file", "new.txt", b"new\n", "text/plain")],
            )
            requests.post(
                url,
                data=body,
                headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
                timeout=10,
            )

        first = requests.post(
            url,
            data={
                "token": C_IMPORTER,
                "content": "file",
                "action": "import",
                "record": "2",
                "field": "study_document",
            },
            files={"file": ("old.bin", BIG)},
            timeout=10,
        )
        assert (first.status_code, first.content) == (200, b"")
        params = {
            "token": C_FULL,
            "content": "file",
            "action": "export",
            "record": "2",
            "field": "study_document",
        }
        with requests.post(url, data=params, stream=True, timeout=10) as download:
            received = bytearray(download.raw.read(256 * 1024))
            worker = threading.Thread(target=replace)
            worker.start()
            worker.join(timeout=10)
            received += download.raw.read()
        assert bytes(received) == BIG
        assert post(**params).content == b"new\n"


def test_reset_restores_the_fixtures_exactly(state: FakeState, client: FlaskClient) -> None:
    before = state.projects
    records_before = form(client, token=C_FULL, content="record", format="csv").get_data()
    assert (
        answer(upload(client, C_IMPORTER, "2", "lab_report", PDF, "x.pdf", repeat_instance="4")) == EMPTY_OK
    )
    assert answer(upload(client, C_IMPORTER, "1", "consent_form", PDF, "replaced.pdf")) == EMPTY_OK
    assert answer(delete(client, C_IMPORTER, "3", "study_document")) == EMPTY_OK
    assert (
        answer(upload(client, L_IMPORTER, "201", "visit_photo", PNG, "p.png", event="followup_arm_2"))
        == EMPTY_OK
    )
    uploaded = [
        stored.path
        for project in state.projects
        for row in project.records
        for stored in row.files.values()
        if stored.path is not None and not stored.path.is_relative_to(demo_fixture_paths()[0].parent)
    ]
    assert len(uploaded) == 3 and all(p.exists() for p in uploaded)
    assert state.projects != before

    state.reset()

    assert state.projects == before
    assert state.projects == FakeState(demo_fixture_paths()).projects
    assert not any(p.exists() for p in uploaded)
    assert form(client, token=C_FULL, content="record", format="csv").get_data() == records_before
    assert (
        export(client, C_FULL, "1", "consent_form").headers["Content-Type"]
        == 'application/pdf; name="consent.pdf"'
    )
