"""Real REDCap clients from PyPI, unmodified, against the fake over HTTP on 127.0.0.1.

PyCap 2.7.0 (`redcap.Project`) and redcaplite 2.3.0 (`redcaplite.RedcapClient`) talk to a FakeServer
serving the bundled demo projects (classic project 14, longitudinal project 15). Where a client has a
bug that a real REDCap server would trigger just the same (see docs/evidence/clients.md), the
test asserts the outcome a real server gives and names the bug; the fake is never bent to hide it.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from redcap.project import Project
from redcap.request import RedcapError
from redcaplite import RedcapClient
from redcaplite.http.error import APIException

from fake_redcap import FakeServer, FakeState, demo_fixture_paths, messages
from tests.support import NO_PERMISSION

DEMO = demo_fixture_paths()[0].parent
C_FULL = "1401FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
C_IMPORTER = "1412FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # api_import and record_delete
L_FULL = "1501FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
L_IMPORTER = "1506FA4EFA4EFA4EFA4EFA4EFA4EFA4E"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer(FakeState(demo_fixture_paths()), "127.0.0.1", 0) as running:
        yield running


@pytest.fixture
def url(server: FakeServer) -> str:
    """The API URL (ending in /api/, as PyCap asserts), over a state reset before each test."""
    server.state.reset()
    assert server.url.startswith("http://127.0.0.1:")
    return server.url


def demo_bytes(name: str) -> bytes:
    return (DEMO / "files" / name).read_bytes()


# ===================================================================================================
# PyCap 2.7.0


def test_pycap_export_version(url: str) -> None:
    assert str(Project(url, C_FULL).export_version()) == "15.7.6"


def test_pycap_export_metadata_json_csv_and_its_properties(url: str) -> None:
    project = Project(url, C_FULL)
    metadata = project.export_metadata()
    assert [(m["field_name"], m["field_type"], m["identifier"]) for m in metadata] == [
        ("record_id", "text", ""),
        ("age", "text", ""),
        ("consent_form", "file", "y"),
        ("participant_signature", "file", ""),
        ("lab_date", "text", ""),
        ("lab_report", "file", ""),
        ("document_title", "text", ""),
        ("study_document", "file", ""),
    ]
    assert project.def_field == "record_id"
    assert sorted(project.forms) == ["documents", "enrollment", "labs"]
    csv = project.export_metadata(format_type="csv", fields=["lab_report"])
    assert csv.splitlines()[1] == 'lab_report,labs,,file,"Lab report",,,,,,,,,,,,,'
    frame = project.export_metadata(format_type="df")
    assert list(frame.index) == [m["field_name"] for m in metadata]


def test_pycap_is_longitudinal_from_form_event_mapping(url: str) -> None:
    """PyCap asks formEventMapping and takes REDCap's classic-project error as "not longitudinal"."""
    assert Project(url, C_FULL).is_longitudinal is False
    assert Project(url, L_FULL).is_longitudinal is True


def test_pycap_reads_the_other_project_exports(url: str) -> None:
    project = Project(url, L_FULL)
    info = project.export_project_info()
    assert (info["project_id"], info["is_longitudinal"], info["in_production"]) == (15, 1, 1)
    assert project.export_arms() == [{"arm_num": 1, "name": "Treatment"}, {"arm_num": 2, "name": "Control"}]
    assert [e["unique_event_name"] for e in project.export_events(arms=["2"])] == [
        "baseline_arm_2",
        "followup_arm_2",
    ]
    assert project.export_instruments()[1] == {"instrument_name": "visit", "instrument_label": "Visit"}
    mappings = project.export_instrument_event_mappings(arms=["1"])
    assert [(m["unique_event_name"], m["form"]) for m in mappings][:2] == [
        ("baseline_arm_1", "enrollment"),
        ("baseline_arm_1", "labs"),
    ]
    assert project.export_repeating_instruments_events() == [
        {"event_name": "visit_1_arm_1", "form_name": "labs", "custom_form_label": ""},
        {"event_name": "visit_2_arm_1", "form_name": "", "custom_form_label": ""},
    ]
    names = project.export_field_names()
    assert names[0] == {
        "original_field_name": "record_id",
        "choice_value": "",
        "export_field_name": "record_id",
    }


def test_pycap_export_records_finds_the_records_that_hold_files(url: str) -> None:
    """A file field's value in a record export is the stored file name (REDCap 13+), so a client can
    list which records hold files before exporting them one by one."""
    project = Project(url, L_FULL)
    rows = project.export_records(fields=["visit_photo"], events=["visit_2_arm_1"])
    assert [(r["record_id"], r["redcap_repeat_instance"], r["visit_photo"]) for r in rows] == [
        ("101", 1, "visit_photo_1.png"),
        ("101", 2, "visit_photo_2.png"),
    ]
    frame = project.export_records(format_type="df", records=["201"])
    assert list(frame.index) == [(201, "baseline_arm_2"), (201, "followup_arm_2")]


def test_pycap_export_file_classic(url: str) -> None:
    project = Project(url, C_FULL)
    content, info = project.export_file(record="1", field="consent_form")
    assert (content, info) == (demo_bytes("consent.pdf"), {"name": "consent.pdf"})
    # text files carry PHP's ;charset=UTF-8, which PyCap reports as it does for a real server
    content, info = project.export_file(record="1", field="lab_report", repeat_instance=2)
    assert (content, info) == (demo_bytes("lab_2.txt"), {"name": "lab_2.txt", "charset": "UTF-8"})


def test_pycap_export_file_longitudinal_and_repeating_event(url: str) -> None:
    project = Project(url, L_FULL)
    content, _ = project.export_file(
        record="101", field="lab_report", event="visit_1_arm_1", repeat_instance=2
    )
    assert content == demo_bytes("lab_2.txt")
    content, info = project.export_file(
        record="101", field="visit_photo", event="visit_2_arm_1", repeat_instance=2
    )
    assert (content, info) == (demo_bytes("visit_photo_2.png"), {"name": "visit_photo_2.png"})


def test_pycap_export_file_errors_raise_from_the_xml_envelope(url: str) -> None:
    """PyCap sends no returnFormat, so REDCap answers errors in XML, which PyCap detects."""
    project = Project(url, L_FULL)
    with pytest.raises(RedcapError) as raised:
        project.export_file(record="101", field="lab_report")  # no event in a longitudinal project
    assert raised.value.args == (
        b'<?xml version="1.0" encoding="UTF-8" ?><hash><error>invalid event</error></hash>',
    )
    with pytest.raises(ValueError, match="'age' is not a field or not a 'file' field"):
        project.export_file(record="1", field="age")  # PyCap's own metadata pre-flight


def test_pycap_bug_name_with_semicolon_and_non_latin_letters(url: str) -> None:
    """PyCap bug: it splits Content-Type on ";" and "=" and reads the header as latin-1, so the stored
    name "résumé;v2=final.txt" comes back as mojibake cut at the ";" with a stray "v2" key. A real
    server sends the same header (reference §3.1: ; = and UTF-8 survive REDCap's sanitiser)."""
    content, info = Project(url, C_FULL).export_file(record="3", field="study_document")
    assert content == b"Curriculum vitae (demo)\n"
    assert info == {"name": "résumé".encode().decode("latin-1"), "v2": "final.txt", "charset": "UTF-8"}


def test_pycap_import_and_export_file_round_trip(url: str) -> None:
    project = Project(url, C_IMPORTER)
    data = b"%PDF-1.4\n% imported through PyCap\n%%EOF\n"
    result = project.import_file(
        record="2",
        field="lab_report",
        file_name="new report.pdf",
        file_object=io.BytesIO(data),
        repeat_instance=3,
    )
    assert result == [{}]
    content, info = project.export_file(record="2", field="lab_report", repeat_instance=3)
    assert (content, info) == (data, {"name": "new report.pdf"})


def test_pycap_import_longitudinal(url: str) -> None:
    project = Project(url, L_IMPORTER)
    png = demo_bytes("visit_photo_1.png")
    assert project.import_file(
        "201", "visit_photo", "photo.png", io.BytesIO(png), event="followup_arm_2"
    ) == [{}]
    assert project.export_file("201", "visit_photo", event="followup_arm_2") == (png, {"name": "photo.png"})


def test_pycap_bug_import_errors_never_raise(url: str) -> None:
    """PyCap bug: import_file replaces the answer with [{}] before looking for an error, so a 400 from
    REDCap ("The record '4' does not exist. It must exist to upload a file") is silent. Nothing is
    stored, as on a real server."""
    project = Project(url, C_IMPORTER)
    assert project.import_file("4", "lab_report", "x.txt", io.BytesIO(b"x")) == [{}]
    with pytest.raises(RedcapError) as raised:
        project.export_file(record="4", field="lab_report")
    assert raised.value.args == (
        b'<?xml version="1.0" encoding="UTF-8" ?><hash><error>The record "4" does not exist</error></hash>',
    )


def test_pycap_delete_file(url: str) -> None:
    project = Project(url, L_IMPORTER)
    assert project.delete_file(record="101", field="consent_form", event="baseline_arm_1") == [{}]
    with pytest.raises(RedcapError, match=messages.NO_FILE_TO_DOWNLOAD):
        project.export_file(record="101", field="consent_form", event="baseline_arm_1")


def test_pycap_delete_file_classic_reaches_instance_1_only(url: str) -> None:
    """PyCap's delete_file has no repeat_instance parameter, so REDCap deletes instance 1 (its default);
    instance 2 keeps its file."""
    project = Project(url, C_IMPORTER)
    assert project.delete_file(record="1", field="lab_report") == [{}]
    with pytest.raises(RedcapError, match=messages.NO_FILE_TO_DOWNLOAD):
        project.export_file(record="1", field="lab_report")
    assert project.export_file(record="1", field="lab_report", repeat_instance=2)[0] == demo_bytes(
        "lab_2.txt"
    )


def test_pycap_bug_delete_errors_never_raise(url: str) -> None:
    """PyCap bug: like import, delete_file returns [{}] whatever REDCap says. Here REDCap refuses with
    403 "You do not have Delete Record privileges" (a user without the Delete Records right) and 400
    "There is no file to delete for this record"; the files stay as they were."""
    assert Project(url, C_FULL).delete_file(record="1", field="consent_form") == [{}]
    assert Project(url, C_FULL).export_file(record="1", field="consent_form")[0] == demo_bytes("consent.pdf")
    assert Project(url, C_IMPORTER).delete_file(record="2", field="lab_report") == [{}]


def test_pycap_bug_file_content_with_error_tag_raises(url: str) -> None:
    """PyCap bug: with no returnFormat it calls any answer holding "<error>" an error, even the 200
    bytes of a file. A real server returns the same bytes; PyCap raises all the same."""
    body = b"log line\n<error>disk full</error>\n"
    Project(url, C_IMPORTER).import_file("2", "study_document", "log.txt", io.BytesIO(body))
    raw = requests.post(
        url,
        data={
            "token": C_FULL,
            "content": "file",
            "action": "export",
            "record": "2",
            "field": "study_document",
        },
        timeout=10,
    )
    assert (raw.status_code, raw.content) == (200, body)
    with pytest.raises(RedcapError):
        Project(url, C_FULL).export_file(record="2", field="study_document")


# ===================================================================================================
# redcaplite 2.3.0 (prints "HTTP Status: ..." on every call)


def test_redcaplite_version_and_metadata(url: str) -> None:
    client = RedcapClient(url, L_FULL)
    assert client.get_version() == "15.7.6"
    metadata = client.get_metadata(format="json")
    assert [m["field_name"] for m in metadata][:3] == ["record_id", "consent_form", "participant_signature"]


def test_redcaplite_get_file_saves_under_the_servers_name(url: str, tmp_path: Path) -> None:
    client = RedcapClient(url, L_FULL)
    response = client.get_file(
        "101", "lab_report", event="visit_1_arm_1", repeat_instance=2, file_dictionary=str(tmp_path)
    )
    assert response.status_code == 200
    assert (tmp_path / "lab_2.txt").read_bytes() == demo_bytes("lab_2.txt")


def test_redcaplite_import_then_get_then_delete(url: str, tmp_path: Path) -> None:
    source = tmp_path / "upload" / "scan.png"
    source.parent.mkdir()
    source.write_bytes(demo_bytes("visit_photo_2.png"))
    client = RedcapClient(url, C_IMPORTER)
    assert client.import_file(str(source), "2", "lab_report", repeat_instance=2).status_code == 200
    out = tmp_path / "out"
    out.mkdir()
    client.get_file("2", "lab_report", repeat_instance=2, file_dictionary=str(out))
    assert (out / "scan.png").read_bytes() == source.read_bytes()


def test_redcaplite_bug_delete_file_raises_on_success(url: str) -> None:
    """redcaplite bug: delete_file sends format=json and then parses REDCap's empty 200 body as JSON,
    so every successful delete raises JSONDecodeError. The file is deleted all the same, as it would
    be on a real server (import/delete success is an empty 200, reference §3.2)."""
    client = RedcapClient(url, C_IMPORTER)
    with pytest.raises(requests.exceptions.JSONDecodeError):
        client.delete_file("1", "study_document")
    with pytest.raises(APIException, match="Bad Request: There is no file to download for this record"):
        client.get_file("1", "study_document")


def test_redcaplite_bug_name_with_equals_sign_becomes_download_raw(url: str, tmp_path: Path) -> None:
    """redcaplite bug: it unpacks `item.split("=")` into two names, so `name="a=b.txt"` raises inside a
    bare except and the file is saved as download.raw. REDCap's sanitiser keeps "=", so a real server
    sends this very header."""
    source = tmp_path / "a=b.txt"
    source.write_bytes(b"equals\n")
    RedcapClient(url, C_IMPORTER).import_file(str(source), "2", "study_document")
    raw = requests.post(
        url,
        data={
            "token": C_FULL,
            "content": "file",
            "action": "export",
            "record": "2",
            "field": "study_document",
        },
        timeout=10,
    )
    assert raw.headers["Content-Type"] == 'text/plain; name="a=b.txt";charset=UTF-8'
    out = tmp_path / "out"
    out.mkdir()
    RedcapClient(url, C_FULL).get_file("2", "study_document", file_dictionary=str(out))
    assert [p.name for p in out.iterdir()] == ["download.raw"]
    assert (out / "download.raw").read_bytes() == b"equals\n"


def test_redcaplite_bug_forbidden_drops_the_servers_text(url: str, tmp_path: Path) -> None:
    """redcaplite bug: every 403 becomes a fixed "Forbidden: You do not have permissions to use the
    API.", whatever REDCap said (here "You do not have API Import/Update privileges")."""
    source = tmp_path / "x.txt"
    source.write_bytes(b"x")
    raw = requests.post(
        url,
        data={"token": C_FULL, "content": "file", "action": "import", "record": "2", "field": "lab_report",
              "returnFormat": "json"},
        files={"file": ("x.txt", b"x")},
        timeout=10,
    )  # fmt: skip
    assert (raw.status_code, json.loads(raw.content)) == (
        403,
        {"error": messages.NO_API_IMPORT},
    )
    with pytest.raises(APIException, match=rf"^Forbidden: {re.escape(NO_PERMISSION)}\.$"):
        RedcapClient(url, C_FULL).import_file(str(source), "2", "lab_report")
