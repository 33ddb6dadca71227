"""Fixture loading: the demo projects hold what their headers promise, what is accepted loads as written,
and per-form export rights aggregate as REDCap aggregates them. (Refusals: tests/test_fixture_rules.py and
tests/test_fixture_safety.py.)"""

from __future__ import annotations

import datetime as dt
import json
import pickle
from pathlib import Path
from types import MappingProxyType

import pytest

from fake_redcap.describe import describe_project
from fake_redcap.fixture import (
    DEFAULT_REDCAP_VERSION,
    FixtureError,
    check_unique_tokens,
    demo_fixture_paths,
    load_fixture,
    mask_token,
)
from fake_redcap.model import ExportRight, Project, ProjectStatus, RecordRow, Repeating, StoredFile, User
from tests.support import write_fixture
from tests.support.fixture_docs import (
    TOKEN_A,
    TOKEN_B,
    Doc,
    classic,
    longitudinal,
    refused,
)

# --------------------------------------------------------------------------------------------------------
# The demo projects


@pytest.fixture(scope="module")
def demos() -> dict[int, Project]:
    projects = [load_fixture(p) for p in demo_fixture_paths()]
    return {p.project_id: p for p in projects}


def rows_of(project: Project, record: str, event: str | None = None) -> list[RecordRow]:
    return [r for r in project.records if r.record == record and r.event == event]


def stored(
    project: Project, record: str, field: str, event: str | None = None, instance: int = 1
) -> StoredFile:
    for row in rows_of(project, record, event):
        if row.instance == instance and field in row.files:
            return row.files[field]
    raise AssertionError(f"no file {record}/{event}/{instance}/{field}")


def user(project: Project, username: str) -> User:
    return next(u for u in project.users if u.username == username)


def test_demo_paths_are_the_two_bundled_yaml_files() -> None:
    paths = demo_fixture_paths()
    assert [p.name for p in paths] == ["classic.yaml", "longitudinal.yaml"]
    assert all(p.is_absolute() and p.is_file() for p in paths)


def test_demo_tokens_are_unique_across_both_projects(demos: dict[int, Project]) -> None:
    check_unique_tokens(list(demos.values()))
    tokens = [u.token.upper() for p in demos.values() for u in p.users]
    assert len(tokens) == len(set(tokens)) == 18


def test_classic_demo_structure(demos: dict[int, Project]) -> None:
    p = demos[14]
    assert not p.is_longitudinal
    assert p.status is ProjectStatus.DEVELOPMENT
    assert p.redcap_version == DEFAULT_REDCAP_VERSION == "15.7.6"
    assert p.record_id_field == "record_id"
    assert p.forms == ("enrollment", "labs", "documents")
    consent, signature = p.field("consent_form"), p.field("participant_signature")
    assert consent is not None and consent.is_file and consent.identifier
    assert signature is not None and signature.is_signature and not signature.identifier
    assert p.repeating == (Repeating(event=None, form="labs"),)
    assert [(a.number, a.name) for a in p.arms] == [(1, "Arm 1")]


def test_classic_demo_files(demos: dict[int, Project]) -> None:
    p = demos[14]
    pdf = stored(p, "1", "consent_form")
    assert (pdf.name, pdf.mime, pdf.size) == ("consent.pdf", "application/pdf", 670)
    assert pdf.path is not None and pdf.data is None and pdf.read_bytes().startswith(b"%PDF-1.4")
    png = stored(p, "1", "participant_signature")
    assert (png.name, png.mime) == ("signature.png", "image/png")
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    csv = stored(p, "1", "lab_report")
    assert (csv.name, csv.mime) == ("lab_1.csv", "text/csv")
    assert b"\r\n" in csv.read_bytes()
    inline = stored(p, "1", "study_document")
    assert (inline.name, inline.mime, inline.data) == (
        "protocol.txt",
        "text/plain",
        b"Study protocol v1 (demo)\n",
    )
    # The repeating instrument: instance 2 holds a different file.
    second = stored(p, "1", "lab_report", instance=2)
    assert (second.name, second.mime) == ("lab_2.txt", "text/plain")
    assert second.read_bytes() != csv.read_bytes()
    assert "µ".encode() in second.read_bytes()
    # Record 2 exists with its signature left empty, and a 0-byte file.
    (row2,) = rows_of(p, "2")
    assert "participant_signature" not in row2.files and "lab_report" not in row2.files
    assert stored(p, "2", "consent_form").name == "O'Brien consent.pdf"
    empty = stored(p, "2", "study_document")
    assert (empty.name, empty.size, empty.read_bytes()) == ("empty.txt", 0, b"")
    # Awkward names and an inline base64 signature.
    assert stored(p, "3", "lab_report").name == "报告 final.pdf"
    assert stored(p, "3", "study_document").name == "résumé;v2=final.txt"
    b64 = stored(p, "3", "participant_signature")
    assert b64.data is not None and b64.data == png.read_bytes()
    assert not rows_of(p, "4")


def test_classic_demo_users(demos: dict[int, Project]) -> None:
    p = demos[14]
    expected = {
        "full_user": ExportRight.FULL,
        "deid_user": ExportRight.DEIDENTIFIED,
        "remove_id_user": ExportRight.REMOVE_IDENTIFIERS,
        "no_access_user": ExportRight.NO_ACCESS,
        "mixed_full_user": ExportRight.FULL,
        "all_forms_deid_user": ExportRight.DEIDENTIFIED,
        "other_form_full_user": ExportRight.FULL,
        "no_api_export_user": ExportRight.FULL,
        "expired_user": ExportRight.FULL,
        "suspended_user": ExportRight.FULL,
        "super_user": ExportRight.FULL,
        "importer_user": ExportRight.FULL,
    }
    assert {u.username: u.export_rights() for u in p.users} == expected
    assert user(p, "mixed_full_user").data_export == {
        "enrollment": ExportRight.DEIDENTIFIED,
        "labs": ExportRight.REMOVE_IDENTIFIERS,
        "documents": ExportRight.NO_ACCESS,
    }
    all_deid = user(p, "all_forms_deid_user").data_export
    assert isinstance(all_deid, MappingProxyType) and set(all_deid.values()) == {ExportRight.DEIDENTIFIED}
    other = user(p, "other_form_full_user").data_export
    assert isinstance(other, MappingProxyType) and other["enrollment"] is ExportRight.NO_ACCESS
    assert user(p, "no_api_export_user").api_export is False
    assert user(p, "expired_user").expiration == dt.date(2024, 1, 31)
    assert user(p, "suspended_user").suspended is True
    su = user(p, "super_user")
    assert su.super_user and su.data_export is ExportRight.NO_ACCESS and not su.api_export
    imp = user(p, "importer_user")
    assert imp.api_import and imp.record_delete
    assert not user(p, "full_user").api_import and not user(p, "full_user").record_delete


def test_longitudinal_demo(demos: dict[int, Project]) -> None:
    p = demos[15]
    assert p.is_longitudinal and p.status is ProjectStatus.PRODUCTION
    assert [(a.number, a.name) for a in p.arms] == [(1, "Treatment"), (2, "Control")]
    assert {e.unique_name: e.arm for e in p.events} == {
        "baseline_arm_1": 1,
        "visit_1_arm_1": 1,
        "visit_2_arm_1": 1,
        "baseline_arm_2": 2,
        "followup_arm_2": 2,
    }
    assert set(p.repeating) == {Repeating("visit_1_arm_1", "labs"), Repeating("visit_2_arm_1", None)}
    # Repeating instrument: two instances, two different files.
    lab1 = stored(p, "101", "lab_report", "visit_1_arm_1", 1)
    lab2 = stored(p, "101", "lab_report", "visit_1_arm_1", 2)
    assert (lab1.name, lab2.name) == ("lab_1.csv", "lab_2.txt")
    # Repeating event: two instances, two different PNGs.
    ph1 = stored(p, "101", "visit_photo", "visit_2_arm_1", 1)
    ph2 = stored(p, "101", "visit_photo", "visit_2_arm_1", 2)
    assert ph1.mime == ph2.mime == "image/png" and ph1.read_bytes() != ph2.read_bytes()
    # A record that exists in some events only.
    assert {r.event for r in p.records if r.record == "102"} == {"baseline_arm_1"}
    assert stored(p, "102", "consent_form", "baseline_arm_1").name == "同意书 signed.pdf"
    # An existing row whose file field is empty.
    (followup,) = rows_of(p, "201", "followup_arm_2")
    assert followup.values == {"visit_date": "2025-04-02"} and not followup.files
    rights = {u.username: u.export_rights() for u in p.users}
    assert rights["other_form_full_user"] is ExportRight.FULL
    assert rights["no_access_user"] is ExportRight.NO_ACCESS


def test_demo_objects_are_immutable(demos: dict[int, Project]) -> None:
    row = demos[14].records[0]
    with pytest.raises(TypeError):
        row.files["x"] = row.files["consent_form"]  # type: ignore[index]
    with pytest.raises(TypeError):
        row.values["age"] = "1"  # type: ignore[index]
    assert isinstance(demos[14].records, tuple) and isinstance(demos[15].events[0].forms, tuple)


def test_describe_project_masks_tokens(demos: dict[int, Project]) -> None:
    for project in demos.values():
        text = describe_project(project)
        for u in project.users:
            assert u.token not in text and u.token.lower() not in text
            assert mask_token(u.token) in text
            assert u.username in text
        assert f"Project {project.project_id}: {project.title}" in text
    classic_text = describe_project(demos[14])
    assert "consent_form [file, identifier]" in classic_text
    assert "participant_signature [file, signature]" in classic_text
    assert "instrument labs" in classic_text
    assert "Records: 5 records in 6 rows, 12 stored files" in classic_text
    long_text = describe_project(demos[15])
    assert "visit_2_arm_1 (repeating event" in long_text and "arm 2: Control" in long_text


def test_mask_token_shows_four_characters() -> None:
    assert mask_token(TOKEN_A) == "0123…"


# --------------------------------------------------------------------------------------------------------
# Loading details that are accepted


def test_minimal_classic_fixture(tmp_path: Path) -> None:
    doc = classic()
    doc["records"] = [
        {"record": 5, "values": {"age": 42, "lab_note": 1.5}},
        {"record": 5, "instance": 2, "files": {"lab_report": {"base64": "aGVs\nbG8=", "name": "h.bin"}}},
    ]
    p = load_fixture(write_fixture(tmp_path, doc))
    assert (p.project_id, p.title, p.redcap_version) == (7, "Tiny", "15.7.6")
    assert p.source == (tmp_path / "project.yaml").resolve()
    first, second = p.records
    assert (first.record, first.event, first.instance) == ("5", None, 1)
    assert first.values == {"age": "42", "lab_note": "1.5"}
    f = second.files["lab_report"]
    assert (f.data, f.size, f.mime, f.path) == (b"hello", 5, "application/octet-stream", None)


def test_defaults_for_a_bare_fixture(tmp_path: Path) -> None:
    doc: Doc = {"fields": [{"name": "record_id", "form": "f", "type": "text"}]}
    p = load_fixture(write_fixture(tmp_path, doc, name="bare.yml"))
    assert (p.project_id, p.title, p.status) == (1, "bare", ProjectStatus.DEVELOPMENT)
    assert (p.users, p.records, p.events, p.repeating) == ((), (), (), ())


def test_redcap_version_override(tmp_path: Path) -> None:
    doc = classic()
    doc["redcap_version"] = "14.5.11"
    path = write_fixture(tmp_path, doc)
    assert load_fixture(path).redcap_version == "14.5.11"
    assert load_fixture(path, redcap_version="13.6.1").redcap_version == "13.6.1"
    message = refused(path, redcap_version="thirteen")
    assert "redcap_version" in message and "'thirteen'" in message


def test_json_fixture_loads_like_yaml(tmp_path: Path) -> None:
    doc = longitudinal()
    json_path = tmp_path / "p.json"
    json_path.write_text(json.dumps(doc), encoding="utf-8")
    from_json, from_yaml = load_fixture(json_path), load_fixture(write_fixture(tmp_path, doc))
    assert from_json.records == from_yaml.records and from_json.users == from_yaml.users


def test_longitudinal_instances_in_repeating_form_and_event(tmp_path: Path) -> None:
    p = load_fixture(write_fixture(tmp_path, longitudinal()))
    assert [(r.event, r.instance) for r in p.records] == [
        ("ev1_arm_1", 1),
        ("ev2_arm_1", 2),
        ("ev3_arm_1", 3),
    ]


def test_file_from_path(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "report.csv").write_bytes(b"a,b\n1,2\n")
    doc = classic()
    doc["records"][0]["files"] = {
        "lab_report": {"path": "docs/report.csv"},
        "consent": {"path": "docs/report.csv", "name": "x.PDF"},
    }
    p = load_fixture(write_fixture(tmp_path, doc))
    f = p.records[0].files["lab_report"]
    assert (f.name, f.mime, f.size, f.data) == ("report.csv", "text/csv", 8, None)
    assert f.path == (tmp_path / "docs" / "report.csv").resolve() and f.path.is_absolute()
    assert p.records[0].files["consent"].mime == "application/pdf"


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("a.txt", "text/plain"),
        ("a.csv", "text/csv"),
        ("a.pdf", "application/pdf"),
        ("a.png", "image/png"),
        ("a.json", "application/json"),
        ("a.csv.gz", "application/gzip"),
        ("a.unknownext", "application/octet-stream"),
        ("noextension", "application/octet-stream"),
    ],
)
def test_mime_defaults_from_the_name(tmp_path: Path, name: str, mime: str) -> None:
    doc = classic()
    doc["records"][0]["files"] = {"lab_report": {"text": "", "name": name}}
    assert load_fixture(write_fixture(tmp_path, doc)).records[0].files["lab_report"].mime == mime


def test_explicit_mime_wins(tmp_path: Path) -> None:
    doc = classic()
    doc["records"][0]["files"] = {
        "lab_report": {"text": "x", "name": "a.txt", "mime": "application/x-custom"}
    }
    assert (
        load_fixture(write_fixture(tmp_path, doc)).records[0].files["lab_report"].mime
        == "application/x-custom"
    )


def test_symlink_inside_the_folder_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_bytes(b"real")
    (tmp_path / "link.txt").symlink_to("real.txt")
    doc = classic()
    doc["records"][0]["files"] = {"lab_report": {"path": "link.txt"}}
    f = load_fixture(write_fixture(tmp_path, doc)).records[0].files["lab_report"]
    assert (f.name, f.size, f.path) == ("link.txt", 4, (tmp_path / "real.txt").resolve())


def test_per_form_export_rights_fill_missing_forms_with_no_access(tmp_path: Path) -> None:
    doc = classic()
    doc["users"][0]["data_export"] = {"labs": "deidentified"}
    u = load_fixture(write_fixture(tmp_path, doc)).users[0]
    assert u.data_export == {"enrollment": ExportRight.NO_ACCESS, "labs": ExportRight.DEIDENTIFIED}
    assert isinstance(u.data_export, MappingProxyType) and list(u.data_export) == ["enrollment", "labs"]
    assert u.export_rights() is ExportRight.FULL


def test_user_flags_and_expiration(tmp_path: Path) -> None:
    doc = classic()
    doc["users"] = [
        {"username": "a", "token": TOKEN_A, "data_export": "full", "expiration": "2024-01-31"},
        {
            "username": "b",
            "token": TOKEN_B.lower(),
            "data_export": "no_access",
            "api_export": False,
            "api_import": True,
            "record_delete": True,
            "suspended": True,
            "super_user": True,
            "expiration": None,
        },
    ]
    a, b = load_fixture(write_fixture(tmp_path, doc)).users
    assert a.expiration == dt.date(2024, 1, 31) and a.api_export and not a.api_import
    assert b.token == TOKEN_B.lower()  # stored as given
    assert (b.api_export, b.api_import, b.record_delete, b.suspended, b.super_user) == (
        False,
        True,
        True,
        True,
        True,
    )
    assert b.expiration is None


def test_yaml_date_object_is_accepted_for_expiration(tmp_path: Path) -> None:
    path = write_fixture(tmp_path, classic())
    text = path.read_text(encoding="utf-8").replace(
        "data_export: full", "data_export: full\n  expiration: 2030-12-01"
    )
    path.write_text(text, encoding="utf-8")
    assert load_fixture(path).users[0].expiration == dt.date(2030, 12, 1)


def test_fixture_error_pickles_and_keeps_its_parts(tmp_path: Path) -> None:
    error = FixtureError(tmp_path / "x.yaml", "users[0].token", "bad", "fix it")
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error) == f"{tmp_path / 'x.yaml'}: users[0].token: bad. Fix: fix it."
    assert (again.place, again.problem, again.fix) == ("users[0].token", "bad", "fix it")


# --------------------------------------------------------------------------------------------------------
# User.export_rights(): REDCap's aggregation of per-form rights (UserRights::setFormLevelPrivileges)

N, F, D, R = ExportRight.NO_ACCESS, ExportRight.FULL, ExportRight.DEIDENTIFIED, ExportRight.REMOVE_IDENTIFIERS


@pytest.mark.parametrize(
    ("data_export", "super_user", "expected"),
    [
        (F, False, F),
        (D, False, D),
        (R, False, R),
        (N, False, N),
        ({}, False, N),
        ({"a": N, "b": N}, False, N),
        ({"a": D, "b": D}, False, D),
        ({"a": R, "b": R}, False, R),
        ({"a": D, "b": R}, False, F),
        ({"a": N, "b": D}, False, F),
        ({"a": N, "b": R}, False, F),
        ({"a": N, "b": F}, False, F),
        ({"a": F, "b": F}, False, F),
        (N, True, F),
        ({"a": D}, True, F),
    ],
)
def test_export_rights_aggregation(
    data_export: ExportRight | dict[str, ExportRight], super_user: bool, expected: ExportRight
) -> None:
    rights = data_export if isinstance(data_export, ExportRight) else MappingProxyType(data_export)
    u = User(username="u", token=TOKEN_A, data_export=rights, super_user=super_user)
    assert u.export_rights() is expected
    assert TOKEN_A not in repr(u)
