"""Record rows as REDCap's flat export writes them (issue 14, point 3).

REDCap's flat record export gives a record's non-repeating data, and each repeating instrument's
instance, rows of their own (`redcap_repeat_instrument` blank vs the form name; V15
`Classes/Records.php` getData). Such rows load as they stand, with `repeat_instrument:`; the older merged
style (instance 1 of a repeating form in the record's row) keeps loading to the same project.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from fake_redcap import FakeState, create_app
from fake_redcap.fixture import FixtureError, load_fixture
from tests.support import write_fixture

TOKEN = "0123456789ABCDEF0123456789ABCDEF"
Doc = dict[str, Any]


def classic(records: list[Doc]) -> Doc:
    return {
        "project": {"project_id": 7, "title": "Rows"},
        "fields": [
            {"name": "record_id", "form": "enrollment", "type": "text"},
            {"name": "age", "form": "enrollment", "type": "text"},
            {"name": "lab_value", "form": "labs", "type": "text"},
            {"name": "lab_report", "form": "labs", "type": "file"},
            {"name": "med", "form": "meds", "type": "text"},
        ],
        "repeating": [{"form": "labs"}, {"form": "meds"}],
        "users": [{"username": "alice", "token": TOKEN, "data_export": "full"}],
        "records": records,
    }


def longitudinal(records: list[Doc]) -> Doc:
    doc = classic(records)
    doc["events"] = [
        {"unique_name": "base_arm_1", "forms": ["enrollment", "labs"]},
        {"unique_name": "visit_arm_1", "forms": ["labs", "meds"]},
    ]
    doc["repeating"] = [{"event": "base_arm_1", "form": "labs"}, {"event": "visit_arm_1"}]
    return doc


MERGED: list[Doc] = [
    {"record": "1", "values": {"age": "40", "lab_value": "a", "med": "m1"}},
    {"record": "1", "instance": 2, "values": {"lab_value": "b"}},
]
REDCAP_STYLE: list[Doc] = [
    {"record": "1", "repeat_instrument": "", "values": {"age": "40"}},
    {"record": "1", "repeat_instrument": "labs", "instance": 1, "values": {"lab_value": "a"}},
    {"record": "1", "repeat_instrument": "labs", "instance": 2, "values": {"lab_value": "b"}},
    {"record": "1", "repeat_instrument": "meds", "instance": 1, "values": {"med": "m1"}},
]


def test_redcap_style_rows_load_to_the_same_project_as_merged_rows(tmp_path: Path) -> None:
    merged = load_fixture(write_fixture(tmp_path / "a", classic(MERGED)))
    flat = load_fixture(write_fixture(tmp_path / "b", classic(REDCAP_STYLE)))
    assert flat.records == merged.records
    assert [(r.instance, dict(r.values)) for r in flat.records] == [
        (1, {"age": "40", "lab_value": "a", "med": "m1"}),
        (2, {"lab_value": "b"}),
    ]


def test_instance_1_row_of_a_repeating_form_beside_the_record_row_is_no_duplicate(tmp_path: Path) -> None:
    """The case the old loader refused as "instance 1 already has a row"."""
    rows: list[Doc] = [
        {"record": "1", "values": {"age": "40"}},
        {"record": "1", "repeat_instrument": "labs", "files": {"lab_report": {"text": "x", "name": "r.txt"}}},
    ]
    project = load_fixture(write_fixture(tmp_path, classic(rows)))
    (row,) = project.records
    assert dict(row.values) == {"age": "40"} and set(row.files) == {"lab_report"}


def test_longitudinal_redcap_style_rows(tmp_path: Path) -> None:
    rows: list[Doc] = [
        {"record": "1", "event": "base_arm_1", "repeat_instrument": "", "values": {"age": "40"}},
        {
            "record": "1",
            "event": "base_arm_1",
            "repeat_instrument": "labs",
            "instance": 1,
            "values": {"lab_value": "a"},
        },
        {
            "record": "1",
            "event": "visit_arm_1",
            "repeat_instrument": "",
            "instance": 2,
            "values": {"med": "m"},
        },
    ]
    project = load_fixture(write_fixture(tmp_path, longitudinal(rows)))
    assert [(r.event, r.instance, dict(r.values)) for r in project.records] == [
        ("base_arm_1", 1, {"age": "40", "lab_value": "a"}),
        ("visit_arm_1", 2, {"med": "m"}),
    ]


def _post(client: Any, params: dict[str, str]) -> Any:
    body = urllib.parse.urlencode(params).encode("ascii")
    return client.post("/api/", data=body, content_type="application/x-www-form-urlencoded")


def _export(path: Path) -> list[dict[str, Any]]:
    client = create_app(FakeState([path])).test_client()
    response = _post(client, {"token": TOKEN, "content": "record", "format": "json", "type": "flat"})
    assert response.status_code == 200, response.get_data(as_text=True)
    rows: list[dict[str, Any]] = json.loads(response.get_data())
    return rows


@pytest.mark.parametrize("make", [classic, longitudinal], ids=["classic", "longitudinal"])
def test_the_flat_record_export_pasted_as_rows_serves_the_same_export(tmp_path: Path, make: Any) -> None:
    if make is classic:
        rows = [*MERGED, {"record": "2", "instance": 3, "values": {"med": "m3"}}]
    else:
        rows = [
            {"record": "1", "event": "base_arm_1", "values": {"age": "40", "lab_value": "a"}},
            {"record": "1", "event": "base_arm_1", "instance": 2, "values": {"lab_value": "b"}},
            {"record": "1", "event": "visit_arm_1", "instance": 3, "values": {"med": "m"}},
        ]
    first = _export(write_fixture(tmp_path / "a", make(rows)))
    pasted = []
    for out in first:
        values = {
            k: v
            for k, v in out.items()
            if v != "" and not k.startswith("redcap_") and k != "record_id" and not k.endswith("_complete")
        }
        row: Doc = {"record": out["record_id"], "repeat_instrument": out["redcap_repeat_instrument"]}
        if "redcap_event_name" in out:
            row["event"] = out["redcap_event_name"]
        if out["redcap_repeat_instance"] != "":
            row["instance"] = out["redcap_repeat_instance"]
        pasted.append({**row, "values": values})
    assert any(r["repeat_instrument"] for r in pasted) and any(not r["repeat_instrument"] for r in pasted)
    assert _export(write_fixture(tmp_path / "b", make(pasted))) == first


def refused(tmp_path: Path, doc: Doc) -> str:
    with pytest.raises(FixtureError) as info:
        load_fixture(write_fixture(tmp_path, doc))
    return str(info.value)


@pytest.mark.parametrize(
    ("rows", "place", "fragment"),
    [
        (
            [{"record": "1", "repeat_instrument": "enrollment", "values": {"age": "1"}}],
            "records[0].repeat_instrument",
            "'enrollment' is not a repeating instrument",
        ),
        (
            [{"record": "1", "repeat_instrument": "nope"}],
            "records[0].repeat_instrument",
            "does not exist",
        ),
        (
            [{"record": "1", "repeat_instrument": 3}],
            "records[0].repeat_instrument",
            "must be a string",
        ),
        (
            [{"record": "1", "repeat_instrument": "labs", "values": {"age": "1"}}],
            "records[0].values.age",
            "belongs to the form 'enrollment', not to this row's repeating instrument 'labs'",
        ),
        (
            [{"record": "1", "repeat_instrument": "", "values": {"lab_value": "1"}}],
            "records[0]",
            "belongs to the repeating instrument 'labs'",
        ),
        (
            [{"record": "1", "repeat_instrument": "", "instance": 2, "values": {"age": "1"}}],
            "records[0].instance",
            "does not repeat",
        ),
        (
            [
                {"record": "1", "repeat_instrument": "labs", "instance": 2, "values": {"lab_value": "1"}},
                {"record": "1", "repeat_instrument": "labs", "instance": 2, "values": {"lab_value": "2"}},
            ],
            "records[1]",
            "repeat_instrument 'labs' instance 2 already has a row (records[0])",
        ),
        (
            [
                {"record": "1", "values": {"lab_value": "1"}},
                {"record": "1", "repeat_instrument": "labs", "values": {"lab_value": "2"}},
            ],
            "records[1].values.lab_value",
            "also given in records[0]",
        ),
    ],
    ids=[
        "not-repeating",
        "unknown-form",
        "not-a-string",
        "other-form",
        "blank-with-repeating-field",
        "blank-instance-2",
        "duplicate",
        "given-twice",
    ],
)
def test_wrong_redcap_style_rows_are_refused_with_their_place(
    tmp_path: Path, rows: list[Doc], place: str, fragment: str
) -> None:
    message = refused(tmp_path, classic(rows))
    assert f": {place}: " in message and fragment in message and "Fix: " in message, message


def test_a_repeating_event_row_names_no_instrument(tmp_path: Path) -> None:
    rows = [{"record": "1", "event": "visit_arm_1", "repeat_instrument": "meds", "values": {"med": "m"}}]
    message = refused(tmp_path, longitudinal(rows))
    assert "records[0].repeat_instrument: event 'visit_arm_1' repeats as a whole" in message, message
