"""Fixture loading: every rule of the format refused, naming the file, the place in it and the fix."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fake_redcap.fixture import (
    load_fixture,
)
from tests.support import write_fixture
from tests.support.fixture_docs import (
    TOKEN_B,
    Doc,
    assert_refused,
    classic,
    longitudinal,
)

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
