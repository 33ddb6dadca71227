"""The client against the fake REDCap server over real HTTP on 127.0.0.1: every demo file arrives
byte-identical with its exact name through every header variant, and every error the fake sends
becomes the right RedcapError."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from fake_redcap import FakeServer, FakeState, messages
from fake_redcap.model import ExportRight, Project, StoredFile
from redcap_file_client import RedcapClient, RedcapError
from redcap_file_client.errors import error_message
from redcap_file_client.filenames import sanitise_filename
from tests.support import NO_PERMISSION

VARIANTS = ("redcap", "single_quote", "unquoted", "rfc5987", "content_disposition")
CLASSIC_FULL = "1401FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
LONG_FULL = "1501FA4EFA4EFA4EFA4EFA4EFA4EFA4E"


@dataclass(frozen=True)
class DemoFile:
    token: str
    record: str
    event: str | None
    instance: int
    field: str
    stored: StoredFile

    def __str__(self) -> str:
        return f"{self.record}-{self.event}-{self.instance}-{self.field}"


def full_token(project: Project) -> str:
    for user in project.users:
        if (
            user.export_rights() == ExportRight.FULL
            and user.api_export
            and not user.suspended
            and user.expiration is None
        ):
            return user.token
    raise AssertionError(f"no full-rights user in {project.title}")


def demo_files() -> list[DemoFile]:
    files = []
    for project in FakeState().projects:
        token = full_token(project)
        for row in project.records:
            for field, stored in row.files.items():
                files.append(DemoFile(token, row.record, row.event, row.instance, field, stored))
    return files


DEMO_FILES = demo_files()


@pytest.fixture(scope="module")
def state() -> FakeState:
    return FakeState()


@pytest.fixture(scope="module", params=VARIANTS)
def server(request: pytest.FixtureRequest, state: FakeState) -> Iterator[FakeServer]:
    with FakeServer(state, header_variant=request.param) as srv:
        yield srv


@pytest.fixture(scope="module")
def plain(state: FakeState) -> Iterator[FakeServer]:
    """REDCap's own header shape, for the error checks (which do not depend on the variant)."""
    with FakeServer(state) as srv:
        yield srv


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_demo_has_files() -> None:
    assert len(DEMO_FILES) >= 15
    assert any(not f.stored.read_bytes() for f in DEMO_FILES)  # the 0-byte file
    assert any(not f.stored.name.isascii() for f in DEMO_FILES)
    assert any(";" in f.stored.name and "=" in f.stored.name for f in DEMO_FILES)


@pytest.mark.parametrize("demo", DEMO_FILES, ids=str)
def test_every_demo_file_exports_byte_identical(server: FakeServer, demo: DemoFile) -> None:
    with RedcapClient(server.url, demo.token, retries=0) as client:
        exported = client.export_file(
            demo.record, demo.field, event=demo.event, repeat_instance=demo.instance
        )
    assert sha256(exported.content) == sha256(demo.stored.read_bytes())
    assert exported.filename == demo.stored.name
    assert exported.mime_type == demo.stored.mime
    assert exported.charset == ("UTF-8" if demo.stored.mime.startswith("text/") else None)


@pytest.mark.parametrize("demo", DEMO_FILES, ids=str)
def test_every_demo_file_downloads_byte_identical(server: FakeServer, demo: DemoFile, tmp_path: Path) -> None:
    with RedcapClient(server.url, demo.token, retries=0) as client:
        path = client.download_file(
            demo.record, demo.field, tmp_path, event=demo.event, repeat_instance=demo.instance
        )
    assert path == tmp_path / str(sanitise_filename(demo.stored.name))
    assert sha256(path.read_bytes()) == sha256(demo.stored.read_bytes())
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_instances_differ(server: FakeServer) -> None:
    """Instance 2 is instance 2's file, not instance 1's (REDCapR #506, redcapAPI #245)."""
    with RedcapClient(server.url, CLASSIC_FULL, retries=0) as client:
        first = client.export_file("1", "lab_report", repeat_instance=1)
        second = client.export_file("1", "lab_report", repeat_instance=2)
    assert (first.filename, second.filename) == ("lab_1.csv", "lab_2.txt")


# ------------------------------------------------------------------ errors

NO_ACCESS = messages.EXPORT_NO_ACCESS
IDENTIFIER = messages.EXPORT_IDENTIFIER


@dataclass(frozen=True)
class ErrorCase:
    name: str
    token: str
    params: dict[str, str]
    status: int
    message: str


def export(record: str, field: str, **extra: str) -> dict[str, str]:
    return {"content": "file", "action": "export", "record": record, "field": field, **extra}


ERROR_CASES = [
    ErrorCase("bad token", "0" * 32, export("1", "consent_form"), 403, NO_PERMISSION),
    ErrorCase(
        "suspended",
        "1410FA4EFA4EFA4EFA4EFA4EFA4EFA4E",
        export("1", "consent_form"),
        403,
        NO_PERMISSION,
    ),
    ErrorCase(
        "expired",
        "1409FA4EFA4EFA4EFA4EFA4EFA4EFA4E",
        export("1", "consent_form"),
        403,
        "You do not have API rights because your privileges have expired for this project as of 2024-01-31.",
    ),
    ErrorCase(
        "no api export",
        "1408FA4EFA4EFA4EFA4EFA4EFA4EFA4E",
        export("1", "consent_form"),
        403,
        messages.NO_API_EXPORT,
    ),
    ErrorCase("no access", "1404FA4EFA4EFA4EFA4EFA4EFA4EFA4E", export("1", "lab_report"), 403, NO_ACCESS),
    ErrorCase("identifier", "1402FA4EFA4EFA4EFA4EFA4EFA4EFA4E", export("1", "consent_form"), 403, IDENTIFIER),
    ErrorCase("no record", CLASSIC_FULL, export("4", "consent_form"), 400, 'The record "4" does not exist'),
    ErrorCase(
        "not a file field",
        CLASSIC_FULL,
        export("1", "age"),
        400,
        "The field 'age' does not exist or is not a 'file' field",
    ),
    ErrorCase(
        "no file",
        CLASSIC_FULL,
        export("2", "lab_report"),
        400,
        messages.NO_FILE_TO_DOWNLOAD,
    ),
    ErrorCase("no event", LONG_FULL, export("101", "consent_form"), 400, "invalid event"),
    ErrorCase(
        "bad event", LONG_FULL, export("101", "consent_form", event="nope_arm_1"), 400, "invalid event"
    ),
    ErrorCase(
        "record not in event",
        LONG_FULL,
        export("102", "visit_photo", event="visit_2_arm_1"),
        400,
        'The record "102" does not exist',
    ),
    ErrorCase(
        "no import right",
        CLASSIC_FULL,
        {"content": "file", "action": "import", "record": "1", "field": "lab_report"},
        403,
        messages.NO_API_IMPORT,
    ),
    ErrorCase(
        "no delete right",
        CLASSIC_FULL,
        {"content": "file", "action": "delete", "record": "1", "field": "lab_report"},
        403,
        messages.NO_RECORD_DELETE,
    ),
]


def call(client: RedcapClient, params: dict[str, str]) -> None:
    record, field = params["record"], params["field"]
    event = params.get("event")
    if params["action"] == "export":
        client.export_file(record, field, event=event)
    elif params["action"] == "import":
        client.import_file(record, field, b"x", event=event, filename="x.txt")
    else:
        client.delete_file(record, field, event=event)


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda c: c.name)
def test_errors_become_redcap_error(plain: FakeServer, case: ErrorCase) -> None:
    with RedcapClient(plain.url, case.token, retries=0) as client, pytest.raises(RedcapError) as caught:
        call(client, case.params)
    assert (caught.value.status, caught.value.message) == (case.status, case.message)
    assert caught.value.body.startswith(b'{"error":')
    assert case.token not in str(caught.value) + repr(caught.value)


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("fmt", ["json", "xml", "csv", None])
def test_every_envelope_from_the_fake_parses_to_the_message(
    plain: FakeServer, case: ErrorCase, fmt: str | None
) -> None:
    """The client always asks for json; its parser must still read the fake's xml and csv bytes."""
    data = {"token": case.token, **case.params}
    if fmt is not None:
        data["returnFormat"] = fmt
    files = {"file": ("x.txt", b"x")} if case.params["action"] == "import" else None
    answer = requests.post(plain.url, data=data, files=files, timeout=10)
    assert answer.status_code == case.status
    parsed = error_message(answer.reason, answer.headers.get("Content-Type"), answer.content)
    assert parsed == case.message


def test_get_is_501_in_xml(plain: FakeServer) -> None:
    answer = requests.get(plain.url, timeout=10)
    assert answer.status_code == 501
    assert error_message(answer.reason, answer.headers.get("Content-Type"), answer.content) == (
        messages.METHOD_NOT_IMPLEMENTED
    )


def test_version(plain: FakeServer, state: FakeState) -> None:
    with RedcapClient(plain.url, CLASSIC_FULL, retries=0) as client:
        version = client.export_version()
    assert version == state.projects[0].redcap_version


def test_import_export_delete_round_trip(tmp_path: Path) -> None:
    state = FakeState()
    importer = "1412FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
    data = bytes(range(256)) * 64
    with FakeServer(state) as srv, RedcapClient(srv.url, importer, retries=0) as client:
        with pytest.raises(RedcapError, match="There is no file to download"):
            client.export_file("2", "lab_report")
        source = tmp_path / "new-lab.csv"
        source.write_bytes(data)
        client.import_file("2", "lab_report", source)
        exported = client.export_file("2", "lab_report")
        assert exported.content == data
        assert exported.filename == "new-lab.csv"
        client.delete_file("2", "lab_report")
        with pytest.raises(RedcapError, match="There is no file to download"):
            client.export_file("2", "lab_report")
        with pytest.raises(RedcapError) as caught:
            client.delete_file("2", "lab_report")
        assert (caught.value.status, caught.value.message) == (
            400,
            messages.NO_FILE_TO_DELETE,
        )
        with pytest.raises(RedcapError, match="signature field") as signature:
            client.import_file("1", "participant_signature", b"\x89PNG", filename="s.png")
        assert signature.value.status == 400
