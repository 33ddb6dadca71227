"""Fixture documents the fixture-loading tests share (tests/test_fixture*.py): a small classic and a
longitudinal project, and the check that a fixture is refused naming its file, place and fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fake_redcap.fixture import FixtureError, load_fixture
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
