"""Small helpers the clauses share: catching the client's refusal, comparing bytes by hash, and putting
back what a clause that writes has changed."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from fake_redcap.model import StoredFile
from redcap_file_client import RedcapError

from . import expected
from .targets import REFERENCE_DIR, ProjectUnderTest, sha256

# A record name and a field name no reference project holds.
NO_SUCH_RECORD = "contract-suite-no-such-record"
NO_SUCH_FIELD = "contract_suite_no_such_field"
# REDCapR's bad token (test-file-oneshot.R): 32 characters, letters and digits, known to no server.
UNKNOWN_TOKEN = "BAD00000000000000000000000000000"


def refusal(action: Callable[[], Any]) -> RedcapError:
    """The RedcapError the client raises for this call; the call must not succeed."""
    with pytest.raises(RedcapError) as info:
        action()
    return info.value


def assert_same_file(content: bytes, stored: StoredFile) -> None:
    """Byte-identical, compared by SHA-256 (sizes can agree while the bytes do not)."""
    want = sha256(stored.read_bytes())
    have = sha256(content)
    assert have == want, (
        f"got {len(content)} bytes with sha256 {have[:16]}…; the fixture stores {stored.name!r}: "
        f"{stored.size} bytes with sha256 {want[:16]}…"
    )


def export(record: str, field: str, **extra: str) -> dict[str, str]:
    """The form fields of an Export File request."""
    return {"content": "file", "action": "export", "record": record, "field": field, **extra}


def json_message(response: requests.Response) -> str:
    """The message of a json error envelope (the request asked for returnFormat=json)."""
    data = response.json()
    assert isinstance(data, dict) and set(data) == {"error"}, f"not a REDCap json error: {response.content!r}"
    return str(data["error"])


def is_record_missing(message: str, record: str) -> bool:
    """E5's message in either wording (14.5.11+: double quotes, escaped; up to 13.6.1: single quotes,
    raw). Clauses about *when* E5 fires accept both; the wording has clauses of its own."""
    return message in (expected.record_missing(record), expected.record_missing_raw(record))


# -- clauses that change data ---------------------------------------------------------------------------

# The fixture users that write: API Import/Update without Delete Records, and the reverse (every
# reference project has both).
UPLOADER = "importer_user"
DELETER = "deleter_user"


def reference_bytes(name: str) -> bytes:
    """A file of contract_tests/reference/files/."""
    return (REFERENCE_DIR / "files" / name).read_bytes()


def file_params(action: str, record: str, field: str, **extra: str) -> dict[str, str]:
    """The form fields of an Import / Delete / Export File request, errors asked for in json."""
    return {
        "content": "file",
        "action": action,
        "record": record,
        "field": field,
        **extra,
        "returnFormat": extra.get("returnFormat", "json"),
    }


def upload(
    project: ProjectUnderTest,
    record: str,
    field: str,
    data: bytes = b"contract suite upload\n",
    filename: str = "contract-suite.txt",
    *,
    username: str = UPLOADER,
    part: str = "file",
    event: str | None = None,
    **extra: str,
) -> requests.Response:
    """Import File over the wire: a multipart POST with the upload in the part `part` (`event` None:
    no event parameter at all)."""
    if event is not None:
        extra["event"] = event
    return project.post(
        username,
        file_params("import", record, field, **extra),
        files={part: (filename, data, "application/octet-stream")},
    )


def emptied(
    project: ProjectUnderTest,
    record: str,
    field: str,
    *,
    event: str | None = None,
    repeat_instance: int | None = None,
) -> contextlib.AbstractContextManager[None]:
    """Around a clause that uploads into a place the reference fixture leaves empty: afterwards that place
    is emptied again with Delete File (as the user with the Delete Records right), however the clause
    ended. The deleter's token is read first, so a target without it skips before anything is written."""
    instance = repeat_instance or 1
    for row in project.fixture.records:
        if (row.record, row.event, row.instance) == (record, event, instance):
            assert field not in row.files, (
                f"{project.name} stores a file at record {record}, {field}: a clause that writes must use "
                "a place the fixture leaves empty"
            )
    project.token(DELETER)
    extra = {"event": event} if event is not None else {}
    if repeat_instance is not None:
        extra["repeat_instance"] = str(repeat_instance)
    return _emptied(project, file_params("delete", record, field, **extra))


@contextlib.contextmanager
def _emptied(project: ProjectUnderTest, params: dict[str, str]) -> Iterator[None]:
    try:
        yield
    except BaseException as error:
        problem = _delete_quietly(project, params)
        if problem:
            error.add_note(problem)
        raise
    problem = _delete_quietly(project, params)
    if problem:
        raise AssertionError(problem)


def _delete_quietly(project: ProjectUnderTest, params: dict[str, str]) -> str | None:
    """Delete the file (gone already is fine); the reason when the target could not be put back."""
    response = project.post(DELETER, params)
    if response.status_code == 200:
        return None
    if response.status_code == 400 and expected.NO_FILE_TO_DELETE.encode() in response.content:
        return None
    where = f"record {params['record']}, {params['field']}"
    if "event" in params:
        where += f", {params['event']}"
    if "repeat_instance" in params:
        where += f", instance {params['repeat_instance']}"
    return (
        f"could not put {project.name} back: deleting the upload at {where} answered HTTP "
        f"{response.status_code} {response.content[:200]!r}; delete that file by hand"
    )


@contextlib.contextmanager
def blanked(project: ProjectUnderTest, record: str, field: str) -> Iterator[None]:
    """Around a clause that imports a value into a field the reference fixture leaves blank: afterwards
    the value is blanked again with Import Records, overwriteBehavior=overwrite (as the importer),
    however the clause ended; a restore that fails fails the clause and names the place."""
    for row in project.fixture.records:
        assert not (row.record == record and row.values.get(field)), (
            f"{project.name} holds a value at record {record}, {field}: a clause that writes must use "
            "a place the fixture leaves blank"
        )
    project.token("importer_user")
    data = json.dumps([{project.fixture.fields[0].name: record, field: ""}])
    params = {"content": "record", "format": "json", "returnFormat": "json", "overwriteBehavior": "overwrite"}
    try:
        yield
    finally:
        response = project.post("importer_user", {**params, "data": data})
        if response.status_code != 200:
            raise AssertionError(f"record {record}, {field} of {project.name} could not be blanked again")


RENAMER = "super_user"  # super users hold the Rename Record right


def rename_params(record: str, new_name: str) -> dict[str, str]:
    return {
        "content": "record",
        "action": "rename",
        "format": "json",
        "returnFormat": "json",
        "record": record,
        "new_record_name": new_name,
    }


@contextlib.contextmanager
def renamed(project: ProjectUnderTest, record: str, new_name: str) -> Iterator[None]:
    """Around a clause that renames `record` to `new_name` (a name the reference fixture does not use):
    afterwards the record is renamed back with Rename Record (as the super user), however the clause
    ended; a rename back that fails fails the clause and names the record."""
    assert all(row.record != new_name for row in project.fixture.records), f"{new_name} is in the fixture"
    project.token(RENAMER)
    try:
        yield
    finally:
        response = project.post(RENAMER, rename_params(new_name, record))
        if (response.status_code, response.text) != (200, "1"):
            where = f"record {new_name} of {project.name}"
            raise AssertionError(f"could not rename {where} back to {record}; rename it by hand")
