"""Fixture loading: the demo projects hold what their headers promise, and every rule refuses clearly."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any

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

TOKEN_A = "0123456789ABCDEF0123456789ABCDEF"
TOKEN_B = "FEDCBA9876543210FEDCBA9876543210"

Doc = dict[str, Any]


def classic() -> Doc:
    return {
        "project": {"project_id": 7, "title": "Tiny", "status": "development"},
        "fields": [
            {"name": "record_id", "form": "enrollment", "type": "text"},
            {"name": "age", "form": "enrollment", "type": "text"},
            {"name": "consent", "form": "enrollment", "type": "file", "identifier": True},
            {"name": "intro", "form": "enrollment", "type": "descriptive"},
            {"name": "lab_report", "form": "labs", "type": "file"},
            {"name": "lab_note", "form": "labs", "type": "notes"},
        ],
        "repeating": [{"form": "labs"}],
        "users": [{"username": "alice", "token": TOKEN_A, "data_export": "full"}],
        "records": [
            {"record": "1", "values": {"age": "3"}, "files": {"lab_report": {"text": "x", "name": "a.txt"}}},
        ],
    }


def longitudinal() -> Doc:
    doc = classic()
    doc["arms"] = [{"number": 1, "name": "One"}, {"number": 2, "name": "Two"}]
    doc["events"] = [
        {"unique_name": "ev1_arm_1", "name": "Ev 1", "arm": 1, "forms": ["enrollment", "labs"]},
        {"unique_name": "ev2_arm_1", "name": "Ev 2", "arm": 1, "forms": ["labs"]},
        {"unique_name": "ev3_arm_1", "name": "Ev 3", "arm": 1, "forms": ["labs"]},
        {"unique_name": "ev1_arm_2", "name": "Ev 1", "arm": 2, "forms": ["enrollment"]},
    ]
    doc["repeating"] = [{"event": "ev2_arm_1", "form": "labs"}, {"event": "ev3_arm_1"}]
    doc["records"] = [
        {"record": "1", "event": "ev1_arm_1", "values": {"age": "3"}},
        {
            "record": "1",
            "event": "ev2_arm_1",
            "instance": 2,
            "files": {"lab_report": {"text": "b", "name": "b.txt"}},
        },
        {"record": "1", "event": "ev3_arm_1", "instance": 3, "values": {"lab_note": "n"}},
    ]
    return doc


def refused(path: Path, **kwargs: Any) -> str:
    with pytest.raises(FixtureError) as info:
        load_fixture(path, **kwargs)
    return str(info.value)


def assert_refused(tmp_path: Path, doc: Doc, place: str, fragment: str) -> str:
    path = write_fixture(tmp_path, doc)
    message = refused(path)
    assert str(path) in message
    assert f": {place}: " in message, message
    assert fragment in message, message
    assert "Fix: " in message
    return message


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
# Every rule refused, naming file + place


def _set(path: list[Any], value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _delete(path: list[Any]) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


def _append(path: list[Any], value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        target: Any = doc
        for key in path:
            target = target[key]
        target.append(copy.deepcopy(value))

    return change


CLASSIC_CASES: list[tuple[str, Callable[[Doc], None], str, str]] = [
    ("unknown top key", _set(["recrods"], []), "recrods", "unknown key 'recrods'"),
    ("missing fields", _delete(["fields"]), "fields", "required key"),
    ("project unknown key", _set(["project", "owner"], "x"), "project.owner", "unknown key"),
    ("bad status", _set(["project", "status"], "archived"), "project.status", "unknown status 'archived'"),
    ("status not a word", _set(["project", "status"], ["x"]), "project.status", "unknown status"),
    ("project_id zero", _set(["project", "project_id"], 0), "project.project_id", "positive"),
    ("project_id bool", _set(["project", "project_id"], True), "project.project_id", "positive"),
    ("version a number", _set(["redcap_version"], 15.7), "redcap_version", "quote it"),
    ("version malformed", _set(["redcap_version"], "15"), "redcap_version", "not a REDCap version"),
    ("fields empty", _set(["fields"], []), "fields", "empty"),
    ("fields not a list", _set(["fields"], {"a": 1}), "fields", "must be a list"),
    ("field unknown key", _set(["fields", 1, "kind"], "x"), "fields[1].kind", "unknown key"),
    ("field missing type", _delete(["fields", 1, "type"]), "fields[1].type", "required key"),
    ("duplicate field", _set(["fields", 1, "name"], "record_id"), "fields[1].name", "defined twice"),
    ("upper-case field", _set(["fields", 1, "name"], "Age"), "fields[1].name", "not a REDCap variable name"),
    (
        "digit-first field",
        _set(["fields", 1, "name"], "1age"),
        "fields[1].name",
        "not a REDCap variable name",
    ),
    ("bad form name", _set(["fields", 1, "form"], "Enroll ment"), "fields[1].form", "instrument name"),
    ("first field a file", _set(["fields", 0, "type"], "file"), "fields[0].type", "record ID field"),
    ("unknown type", _set(["fields", 1, "type"], "date"), "fields[1].type", "unknown field type 'date'"),
    (
        "signature on text",
        _set(["fields", 1, "validation"], "signature"),
        "fields[1].validation",
        "signature",
    ),
    ("file validation", _set(["fields", 2, "validation"], "email"), "fields[2].validation", "no validation"),
    ("identifier string", _set(["fields", 2, "identifier"], "yes"), "fields[2].identifier", "true or false"),
    ("identifier int", _set(["fields", 2, "identifier"], 1), "fields[2].identifier", "true or false"),
    (
        "form split in two blocks",
        _append(["fields"], {"name": "late", "form": "enrollment", "type": "text"}),
        "fields[6].form",
        "not together",
    ),
    ("two arms, no events", _set(["arms"], [{"number": 1}, {"number": 2}]), "arms", "single arm"),
    ("arm number zero", _set(["arms"], [{"number": 0}]), "arms[0].number", "positive"),
    ("duplicate arm", _set(["arms"], [{"number": 1}, {"number": 1}]), "arms[1].number", "defined twice"),
    ("classic repeating event", _set(["repeating", 0, "event"], "ev"), "repeating[0].event", "no events"),
    ("classic repeating no form", _set(["repeating"], [{}]), "repeating[0].form", "only repeat instruments"),
    ("repeating unknown form", _set(["repeating", 0, "form"], "nope"), "repeating[0].form", "does not exist"),
    ("repeating twice", _append(["repeating"], {"form": "labs"}), "repeating[1]", "listed twice"),
    (
        "duplicate username",
        _append(["users"], {"username": "ALICE", "token": TOKEN_B, "data_export": "full"}),
        "users[1].username",
        "listed twice",
    ),
    ("missing token", _delete(["users", 0, "token"]), "users[0].token", "required key"),
    ("missing data_export", _delete(["users", 0, "data_export"]), "users[0].data_export", "required key"),
    ("unknown user key", _set(["users", 0, "rolle"], "x"), "users[0].rolle", "unknown key"),
    (
        "bad export word",
        _set(["users", 0, "data_export"], "everything"),
        "users[0].data_export",
        "unknown export right",
    ),
    ("export list", _set(["users", 0, "data_export"], ["full"]), "users[0].data_export", "word or a mapping"),
    (
        "export unknown form",
        _set(["users", 0, "data_export"], {"nope": "full"}),
        "users[0].data_export.nope",
        "does not exist",
    ),
    (
        "export bad level",
        _set(["users", 0, "data_export"], {"labs": "most"}),
        "users[0].data_export.labs",
        "unknown export right",
    ),
    ("api_export string", _set(["users", 0, "api_export"], "yes"), "users[0].api_export", "true or false"),
    ("api_import int", _set(["users", 0, "api_import"], 1), "users[0].api_import", "true or false"),
    (
        "record_delete null",
        _set(["users", 0, "record_delete"], None),
        "users[0].record_delete",
        "true or false",
    ),
    ("suspended string", _set(["users", 0, "suspended"], "no"), "users[0].suspended", "true or false"),
    ("super_user int", _set(["users", 0, "super_user"], 0), "users[0].super_user", "true or false"),
    (
        "expiration format",
        _set(["users", 0, "expiration"], "31/01/2024"),
        "users[0].expiration",
        "not a date",
    ),
    (
        "expiration impossible",
        _set(["users", 0, "expiration"], "2024-02-30"),
        "users[0].expiration",
        "not a real date",
    ),
    ("expiration number", _set(["users", 0, "expiration"], 20240131), "users[0].expiration", "not a date"),
    ("record float", _set(["records", 0, "record"], 1.5), "records[0].record", "must be a string"),
    ("record bool", _set(["records", 0, "record"], True), "records[0].record", "must be a string"),
    ("record empty", _set(["records", 0, "record"], ""), "records[0].record", "empty"),
    ("record padded", _set(["records", 0, "record"], "1 "), "records[0].record", "white space"),
    ("record missing", _delete(["records", 0, "record"]), "records[0].record", "required key"),
    ("classic record event", _set(["records", 0, "event"], "ev1"), "records[0].event", "no events"),
    ("instance zero", _set(["records", 0, "instance"], 0), "records[0].instance", "positive"),
    ("instance string", _set(["records", 0, "instance"], "2"), "records[0].instance", "positive"),
    (
        "instance 2, form does not repeat",
        _set(["records", 0, "instance"], 2),
        "records[0].instance",
        "form 'enrollment' of field 'age' does not repeat",
    ),
    (
        "duplicate row",
        _append(["records"], {"record": "1", "instance": 1, "values": {"lab_note": "x"}}),
        "records[1]",
        "already has a row",
    ),
    (
        "values unknown field",
        _set(["records", 0, "values", "nope"], "x"),
        "records[0].values.nope",
        "does not exist",
    ),
    (
        "values file field",
        _set(["records", 0, "values", "consent"], "x"),
        "records[0].values.consent",
        "is a file field",
    ),
    (
        "values record id",
        _set(["records", 0, "values", "record_id"], "1"),
        "records[0].values.record_id",
        "record ID field",
    ),
    (
        "values descriptive",
        _set(["records", 0, "values", "intro"], "x"),
        "records[0].values.intro",
        "descriptive",
    ),
    ("values bool", _set(["records", 0, "values", "age"], True), "records[0].values.age", "text or a number"),
    ("values null", _set(["records", 0, "values", "age"], None), "records[0].values.age", "text or a number"),
    ("values list", _set(["records", 0, "values"], ["age"]), "records[0].values", "must be a mapping"),
    (
        "files non-file field",
        _set(["records", 0, "files", "age"], {"text": "x", "name": "a.txt"}),
        "records[0].files.age",
        "not a file field (its type is text)",
    ),
    (
        "files unknown field",
        _set(["records", 0, "files", "nope"], {"text": "x", "name": "a.txt"}),
        "records[0].files.nope",
        "does not exist",
    ),
    (
        "file spec not a mapping",
        _set(["records", 0, "files", "lab_report"], "a.txt"),
        "records[0].files.lab_report",
        "must be a mapping",
    ),
    (
        "file two sources",
        _set(["records", 0, "files", "lab_report", "base64"], "eA=="),
        "records[0].files.lab_report",
        "exactly one of path, text or base64 (it has text, base64)",
    ),
    (
        "file no source",
        _delete(["records", 0, "files", "lab_report", "text"]),
        "records[0].files.lab_report",
        "exactly one",
    ),
    (
        "file unknown key",
        _set(["records", 0, "files", "lab_report", "size"], 3),
        "records[0].files.lab_report.size",
        "unknown key",
    ),
    (
        "text without name",
        _delete(["records", 0, "files", "lab_report", "name"]),
        "records[0].files.lab_report.name",
        "needs a name",
    ),
    (
        "text not a string",
        _set(["records", 0, "files", "lab_report", "text"], 12),
        "records[0].files.lab_report.text",
        "must be a string",
    ),
    (
        "bad base64",
        _set(["records", 0, "files", "lab_report"], {"base64": "@@@", "name": "a.bin"}),
        "records[0].files.lab_report.base64",
        "does not decode",
    ),
    (
        "bad base64 padding",
        _set(["records", 0, "files", "lab_report"], {"base64": "aGVsbG8", "name": "a.bin"}),
        "records[0].files.lab_report.base64",
        "does not decode",
    ),
    (
        "empty name",
        _set(["records", 0, "files", "lab_report", "name"], ""),
        "records[0].files.lab_report.name",
        "empty",
    ),
    (
        "bad mime",
        _set(["records", 0, "files", "lab_report", "mime"], "text/plain; charset=x"),
        "records[0].files.lab_report.mime",
        "not a MIME type",
    ),
    (
        "missing path",
        _set(["records", 0, "files", "lab_report"], {"path": "nope.txt"}),
        "records[0].files.lab_report.path",
        "does not exist",
    ),
    (
        "path to a folder",
        _set(["records", 0, "files", "lab_report"], {"path": "."}),
        "records[0].files.lab_report.path",
        "not a regular file",
    ),
]


@pytest.mark.parametrize(
    ("change", "place", "fragment"), [c[1:] for c in CLASSIC_CASES], ids=[c[0] for c in CLASSIC_CASES]
)
def test_classic_rule_refused(
    tmp_path: Path, change: Callable[[Doc], None], place: str, fragment: str
) -> None:
    doc = classic()
    change(doc)
    assert_refused(tmp_path, doc, place, fragment)


def test_record_spelled_two_ways_refused(tmp_path: Path) -> None:
    # REDCap's case-insensitive collation would treat "A" and "a" as one record.
    doc = classic()
    doc["records"] = [{"record": "A"}, {"record": "a", "instance": 2, "values": {"lab_note": "x"}}]
    assert_refused(tmp_path, doc, "records[1].record", "one record to REDCap")


LONGITUDINAL_CASES: list[tuple[str, Callable[[Doc], None], str, str]] = [
    ("arm without events", _append(["arms"], {"number": 3}), "arms[2]", "arm 3 has no events"),
    ("event unknown key", _set(["events", 0, "day"], 3), "events[0].day", "unknown key"),
    (
        "duplicate event",
        _set(["events", 1, "unique_name"], "ev1_arm_1"),
        "events[1].unique_name",
        "defined twice",
    ),
    (
        "bad event name",
        _set(["events", 0, "unique_name"], "Visit 1"),
        "events[0].unique_name",
        "unique event name",
    ),
    ("event unknown arm", _set(["events", 0, "arm"], 9), "events[0].arm", "arm 9 does not exist"),
    (
        "event unknown form",
        _set(["events", 0, "forms"], ["enrollment", "labs", "nope"]),
        "events[0].forms[2]",
        "'nope' does not exist",
    ),
    (
        "event form twice",
        _set(["events", 0, "forms"], ["labs", "labs"]),
        "events[0].forms[1]",
        "listed twice",
    ),
    ("event forms missing", _delete(["events", 0, "forms"]), "events[0].forms", "required key"),
    (
        "repeating without event",
        _set(["repeating", 0], {"form": "labs"}),
        "repeating[0].event",
        "needs its event",
    ),
    (
        "repeating unknown event",
        _set(["repeating", 0, "event"], "nope"),
        "repeating[0].event",
        "does not exist",
    ),
    (
        "repeating form not designated",
        _set(["repeating", 0], {"event": "ev1_arm_2", "form": "labs"}),
        "repeating[0].form",
        "not designated for event 'ev1_arm_2'",
    ),
    (
        "repeating event and form",
        _append(["repeating"], {"event": "ev2_arm_1"}),
        "repeating[2]",
        "both a repeating event",
    ),
    (
        "repeating form in repeating event",
        _append(["repeating"], {"event": "ev3_arm_1", "form": "labs"}),
        "repeating[2]",
        "both a repeating event",
    ),
    ("record without event", _delete(["records", 0, "event"]), "records[0].event", "needs its event"),
    ("record unknown event", _set(["records", 0, "event"], "nope"), "records[0].event", "does not exist"),
    (
        "values on undesignated form",
        _set(["records", 1, "values"], {"age": "4"}),
        "records[1].values.age",
        "not designated for event 'ev2_arm_1'",
    ),
    (
        "file on undesignated form",
        _set(["records", 1, "files", "consent"], {"text": "c", "name": "c.txt"}),
        "records[1].files.consent",
        "not designated",
    ),
    (
        "instance 2 where labs does not repeat",
        _set(
            ["records", 0], {"record": "1", "event": "ev1_arm_1", "instance": 2, "values": {"lab_note": "x"}}
        ),
        "records[0].instance",
        "does not repeat in event 'ev1_arm_1'",
    ),
    (
        "empty row instance 2, nothing repeats",
        _set(["records", 0], {"record": "1", "event": "ev1_arm_2", "instance": 2}),
        "records[0].instance",
        "nothing repeats",
    ),
    (
        "duplicate row in event",
        _append(["records"], {"record": "1", "event": "ev3_arm_1", "instance": 3}),
        "records[3]",
        "instance 3 already has a row",
    ),
]


@pytest.mark.parametrize(
    ("change", "place", "fragment"),
    [c[1:] for c in LONGITUDINAL_CASES],
    ids=[c[0] for c in LONGITUDINAL_CASES],
)
def test_longitudinal_rule_refused(
    tmp_path: Path, change: Callable[[Doc], None], place: str, fragment: str
) -> None:
    doc = longitudinal()
    change(doc)
    assert_refused(tmp_path, doc, place, fragment)


def test_same_record_in_another_event_or_instance_is_fine(tmp_path: Path) -> None:
    doc = longitudinal()
    doc["records"].append({"record": "1", "event": "ev3_arm_1", "instance": 1})
    doc["records"].append({"record": "1", "event": "ev1_arm_2"})
    assert len(load_fixture(write_fixture(tmp_path, doc)).records) == 5


@pytest.mark.parametrize(
    "bad", ['a"b.txt', "a/b.txt", "a\\b.txt", "a\x00b.txt", "a\rb.txt", "a\nb.txt", "a\tb.txt"]
)
def test_file_names_redcap_would_never_store(tmp_path: Path, bad: str) -> None:
    doc = classic()
    doc["records"][0]["files"]["lab_report"]["name"] = bad
    message = assert_refused(tmp_path, doc, "records[0].files.lab_report.name", "sanitizeFileName")
    assert "REDCap 15" in message


def test_file_name_from_path_is_checked_too(tmp_path: Path) -> None:
    (tmp_path / 'say "hi".txt').write_bytes(b"hi")
    doc = classic()
    doc["records"][0]["files"] = {"lab_report": {"path": 'say "hi".txt'}}
    assert_refused(tmp_path, doc, "records[0].files.lab_report.name", "double quote")


# --------------------------------------------------------------------------------------------------------
# Paths never leave the fixture's folder


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_bytes(b"secret")
    return secret


def _path_doc(path: str) -> Doc:
    doc = classic()
    doc["records"][0]["files"] = {"lab_report": {"path": path}}
    return doc


def test_dotdot_escape_refused(tmp_path: Path, outside: Path) -> None:
    message = assert_refused(
        tmp_path / "fx",
        _path_doc("../outside/secret.txt"),
        "records[0].files.lab_report.path",
        "leads out of the fixture's folder",
    )
    assert "copy the file into the fixture's folder" in message


def test_dotdot_escape_to_a_missing_file_says_escape(tmp_path: Path) -> None:
    assert_refused(
        tmp_path / "fx", _path_doc("../nothing.txt"), "records[0].files.lab_report.path", "leads out"
    )


def test_absolute_path_refused(tmp_path: Path, outside: Path) -> None:
    assert_refused(
        tmp_path / "fx", _path_doc(str(outside)), "records[0].files.lab_report.path", "is absolute"
    )


def test_windows_absolute_path_refused(tmp_path: Path) -> None:
    assert_refused(
        tmp_path / "fx", _path_doc("C:\\data\\x.txt"), "records[0].files.lab_report.path", "is absolute"
    )


def test_symlink_out_refused(tmp_path: Path, outside: Path) -> None:
    folder = tmp_path / "fx"
    folder.mkdir()
    (folder / "link.txt").symlink_to(outside)
    assert_refused(
        folder, _path_doc("link.txt"), "records[0].files.lab_report.path", "through a symbolic link"
    )


def test_symlinked_folder_out_refused(tmp_path: Path, outside: Path) -> None:
    folder = tmp_path / "fx"
    folder.mkdir()
    (folder / "files").symlink_to(outside.parent, target_is_directory=True)
    assert_refused(folder, _path_doc("files/secret.txt"), "records[0].files.lab_report.path", "leads out")


def test_fifo_inside_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    assert_refused(tmp_path, _path_doc("pipe"), "records[0].files.lab_report.path", "not a regular file")


# --------------------------------------------------------------------------------------------------------
# Tokens never show


@pytest.mark.parametrize(
    ("token", "fragment"),
    [
        (TOKEN_A[:31], "31 characters"),
        (TOKEN_A + "0", "33 characters"),
        ("G" + TOKEN_A[1:], "other than 0-9 and A-F"),
        (" " + TOKEN_A[1:], "other than 0-9 and A-F"),
    ],
)
def test_malformed_token_refused_without_showing_it(tmp_path: Path, token: str, fragment: str) -> None:
    doc = classic()
    doc["users"][0]["token"] = token
    message = assert_refused(tmp_path, doc, "users[0].token", fragment)
    assert token not in message and token.strip() not in message and TOKEN_A[4:30] not in message


def test_unquoted_numeric_token_refused_without_showing_it(tmp_path: Path) -> None:
    path = write_fixture(tmp_path, classic())
    digits = "12345678901234567890123456789012"
    path.write_text(path.read_text(encoding="utf-8").replace(TOKEN_A, digits), encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8").replace(f"'{digits}'", digits), encoding="utf-8")
    message = refused(path)
    assert "users[0].token" in message and "number" in message and "quote" in message
    assert digits not in message


def test_duplicate_token_in_one_file_refused_without_showing_it(tmp_path: Path) -> None:
    doc = classic()
    doc["users"].append({"username": "bob", "token": TOKEN_A.lower(), "data_export": "full"})
    message = assert_refused(tmp_path, doc, "users[1].token", "same token as user 'alice'")
    assert TOKEN_A not in message and TOKEN_A.lower() not in message


def test_yaml_syntax_error_does_not_quote_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(f'users:\n  - {{username: a, token: "{TOKEN_A}", data_export: full\n', encoding="utf-8")
    message = refused(path)
    assert str(path) in message and "line " in message and TOKEN_A not in message


def test_token_used_as_a_key_is_masked(tmp_path: Path) -> None:
    doc = classic()
    doc["users"][0][TOKEN_A] = "alice"
    message = refused(write_fixture(tmp_path, doc))
    assert "users[0].0123…: unknown key '0123…'" in message
    assert TOKEN_A not in message


@pytest.mark.parametrize("section", ["values", "files"])
def test_token_used_as_a_field_name_is_masked(tmp_path: Path, section: str) -> None:
    doc = classic()
    doc["records"][0][section] = {TOKEN_A: "x"}
    message = refused(write_fixture(tmp_path, doc))
    assert f"records[0].{section}.0123…" in message and TOKEN_A not in message


def test_token_used_as_a_form_name_is_masked(tmp_path: Path) -> None:
    doc = classic()
    doc["users"][0]["data_export"] = {TOKEN_A: "full"}
    message = refused(write_fixture(tmp_path, doc))
    assert "users[0].data_export.0123…" in message and TOKEN_A not in message


def test_duplicate_tokens_across_projects_refused(tmp_path: Path) -> None:
    one = classic()
    two = classic()
    two["project"]["project_id"] = 8
    two["users"] = [
        {"username": "carol", "token": TOKEN_B, "data_export": "full"},
        {"username": "dave", "token": TOKEN_A.lower(), "data_export": "full"},
    ]
    a = load_fixture(write_fixture(tmp_path / "a", one))
    b = load_fixture(write_fixture(tmp_path / "b", two))
    check_unique_tokens([a])
    with pytest.raises(FixtureError) as info:
        check_unique_tokens([a, b])
    message = str(info.value)
    assert str(a.source) in message and str(b.source) in message
    assert "'alice'" in message and "'dave'" in message and "users[1].token" in message
    assert TOKEN_A not in message and TOKEN_A.lower() not in message


def test_the_same_fixture_served_twice_is_refused(tmp_path: Path) -> None:
    path = write_fixture(tmp_path, classic())
    with pytest.raises(FixtureError, match="served twice"):
        check_unique_tokens([load_fixture(path), load_fixture(path)])


# --------------------------------------------------------------------------------------------------------
# The file itself


def test_yaml_alias_refused(tmp_path: Path) -> None:
    path = tmp_path / "alias.yaml"
    text = write_fixture(tmp_path, classic()).read_text(encoding="utf-8")
    path.write_text(text + "x-base: &base {a: 1}\nx-copy: *base\n", encoding="utf-8")
    message = refused(path)
    assert "anchors" in message and "aliases" in message and "line " in message and "Fix: " in message


def test_billion_laughs_refused_quickly(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = refused(path)
    assert "anchors" in message and str(path) in message


def test_merge_key_alias_refused(tmp_path: Path) -> None:
    path = tmp_path / "merge.yaml"
    path.write_text(
        "fields:\n  - &f {name: record_id, form: a, type: text}\n  - {<<: *f, name: x}\n", encoding="utf-8"
    )
    assert "aliases" in refused(path)


def test_yaml_duplicate_key_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("fields: []\nfields:\n  - {name: record_id, form: a, type: text}\n", encoding="utf-8")
    message = refused(path)
    assert "'fields' appears twice" in message and "line 2" in message


def test_json_duplicate_key_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text('{"fields": [], "fields": []}', encoding="utf-8")
    assert "'fields' appears twice" in refused(path)


def test_json_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"fields": [}', encoding="utf-8")
    message = refused(path)
    assert "line 1, column" in message and "invalid JSON" in message


def test_json_nan_refused(tmp_path: Path) -> None:
    path = tmp_path / "nan.json"
    path.write_text('{"fields": NaN}', encoding="utf-8")
    assert "NaN" in refused(path)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    assert "top level" in refused(path)


def test_unknown_extension_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("", encoding="utf-8")
    assert "*.yaml, *.yml or *.json" in refused(path)


def test_missing_file_refused(tmp_path: Path) -> None:
    assert "does not exist" in refused(tmp_path / "nope.yaml")


def test_non_utf8_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"project: {title: caf\xe9}\n")
    assert "not UTF-8" in refused(path)


def test_python_tags_refused(tmp_path: Path) -> None:
    path = tmp_path / "tag.yaml"
    path.write_text("fields: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    assert "line 1" in refused(path)


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
