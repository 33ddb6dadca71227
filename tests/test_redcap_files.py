"""REDCap's own files as fixture input (issue 14, point 2): `redcap:` names the data dictionary, arms,
events, instrument designations, repeating set-up and flat record export REDCap writes, and the project
they describe is the one the hand-written fixture describes.

The files compared are the ones `contract_tests/reference_csv.py` writes from the reference fixtures
for a user to build the reference projects on a real server (`contract_tests/reference/redcap_import/`).
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml

from fake_redcap import FakeState, create_app
from fake_redcap.fixture import FixtureError, load_fixture
from fake_redcap.model import Project
from tests.support import write_fixture

REFERENCE = Path(__file__).resolve().parent.parent / "contract_tests" / "reference"
STEMS = ("classic", "longitudinal", "analysis")
FILE_KEYS = {
    "data_dictionary": "data_dictionary",
    "arms": "arms",
    "events": "events",
    "instrument_event_mappings": "instrument_designations",
    "repeating_instruments_events": "repeating_instruments_events",
    "records": "records",
}


def from_redcap_files(folder: Path, stem: str) -> Path:
    """The reference fixture with fields, arms, events, repeating and values replaced by `redcap:`
    files; its rows keep only their stored files (the record export holds no file)."""
    shutil.copytree(REFERENCE / "files", folder / "files")
    shutil.copytree(REFERENCE / "redcap_import", folder / "redcap_import")
    doc: dict[str, Any] = yaml.safe_load((REFERENCE / f"reference_{stem}.yaml").read_text(encoding="utf-8"))
    files = {}
    for key, name in FILE_KEYS.items():
        if (folder / "redcap_import" / f"{stem}_{name}.csv").is_file():
            files[key] = f"redcap_import/{stem}_{name}.csv"
    for key in ("fields", "arms", "events", "repeating"):
        doc.pop(key, None)
    rows = []
    for row in doc.pop("records", []):
        row.pop("values", None)
        if row.get("files") or row.get("locked") or row.get("locked_forms"):
            rows.append(row)
    doc = {"redcap": files, **doc, "records": rows}
    return write_fixture(folder, doc, name=f"{stem}_from_csv.yaml")


def _rows(project: Project) -> list[tuple[Any, ...]]:
    return sorted(
        (
            r.record,
            r.event or "",
            r.instance,
            sorted(r.values.items()),
            sorted(r.files),
            r.record_locked,
            sorted(r.locked_forms),
        )
        for r in project.records
    )


@pytest.mark.parametrize("stem", STEMS)
def test_reference_csvs_load_the_project_the_yaml_describes(tmp_path: Path, stem: str) -> None:
    written = load_fixture(REFERENCE / f"reference_{stem}.yaml")
    read = load_fixture(from_redcap_files(tmp_path, stem))
    assert read.fields == written.fields
    assert (read.arms, read.events, read.repeating) == (written.arms, written.events, written.repeating)
    assert read.users == written.users
    assert _rows(read) == _rows(written)


def _answers(path: Path, project: Project) -> list[str]:
    client = create_app(FakeState([path])).test_client()
    token = project.users[0].token
    answers = []
    for content in (
        "metadata",
        "instrument",
        "exportFieldNames",
        "record",
        "arm",
        "event",
        "formEventMapping",
        "repeatingFormsEvents",
        "project",
    ):
        for fmt in ("json", "csv"):
            body = urllib.parse.urlencode({"token": token, "content": content, "format": fmt}).encode()
            response = client.post("/api/", data=body, content_type="application/x-www-form-urlencoded")
            answers.append(f"{content} {fmt} {response.status_code} {response.get_data(as_text=True)}")
    return answers


@pytest.mark.parametrize("stem", STEMS)
def test_reference_csvs_serve_the_same_answers_as_the_yaml(tmp_path: Path, stem: str) -> None:
    yaml_path = REFERENCE / f"reference_{stem}.yaml"
    csv_path = from_redcap_files(tmp_path, stem)
    written = load_fixture(yaml_path)
    have, want = _answers(csv_path, written), _answers(yaml_path, written)
    # the project title is the same; creation time and the like are fixed
    assert have == want
    assert any(a.startswith("record json 200 [{") for a in have)


def write(folder: Path, doc: dict[str, Any], files: dict[str, str]) -> Path:
    """A fixture beside REDCap files given as text."""
    return write_fixture(
        folder, doc, {name: text.encode("utf-8") for name, text in files.items()}, name="p.yaml"
    )


DICTIONARY = (
    '"Variable / Field Name","Form Name","Section Header","Field Type","Field Label",'
    '"Choices, Calculations, OR Slider Labels","Field Note","Text Validation Type OR Show Slider Number",'
    '"Text Validation Min","Text Validation Max","Identifier?","Branching Logic (Show field only if...)",'
    '"Required Field?","Custom Alignment","Question Number (surveys only)","Matrix Group Name",'
    '"Matrix Ranking?","Field Annotation"\n'
    "record_id,intake,,text,ID,,,,,,,,,,,,,\n"
    'color,intake,,select,Color,"1, Red | 2, Green",,,,,,,y,,,,,\n'
    'pets,intake,,checkbox,Pets,"1, Cat | 2, Dog",,,,,,,,,,,,\n'
    "age,intake,,text,Age,,,int,0,120,,,,,,,,\n"
)


def test_a_data_dictionary_download_with_checkboxes_and_a_raw_record_export(tmp_path: Path) -> None:
    records = "record_id,color,pets___1,pets___2,age,intake_complete\n1,2,1,0,40,2\n2,,0,0,,0\n"
    path = write(
        tmp_path,
        {"redcap": {"data_dictionary": "dd.csv", "records": "records.csv"}},
        {"dd.csv": "\ufeff" + DICTIONARY, "records.csv": records},
    )
    project = load_fixture(path)
    color = project.field("color")
    assert color is not None and (color.type, color.choices, color.required) == (
        "dropdown",
        "1, Red | 2, Green",
        True,
    )
    age = project.field("age")
    assert age is not None and (age.validation, age.validation_min, age.validation_max) == (
        "integer",
        "0",
        "120",
    )
    assert [dict(r.values) for r in project.records] == [
        {"color": "2", "pets___1": "1", "age": "40", "intake_complete": "2"},
        {"intake_complete": "0"},
    ]


def test_rows_add_files_to_a_classic_records_file_without_repeat_columns(tmp_path: Path) -> None:
    """A classic project's export has no redcap_repeat_instrument column; the fixture's own rows still
    add files to its records (they were refused as a second row of the same record)."""
    dictionary = DICTIONARY + "scan,intake,,file,Scan,,,,,,,,,,,,,\n"
    path = write(
        tmp_path,
        {
            "redcap": {"data_dictionary": "dd.csv", "records": "records.csv"},
            "records": [
                {"record": "1", "files": {"scan": {"text": "hi\n", "name": "scan.txt", "mime": "text/plain"}}}
            ],
        },
        {"dd.csv": dictionary, "records.csv": "record_id,age\n1,40\n2,\n"},
    )
    project = load_fixture(path)
    assert [(r.record, dict(r.values), sorted(r.files)) for r in project.records] == [
        ("1", {"age": "40"}, ["scan"]),
        ("2", {}, []),
    ]
    twice = write(
        tmp_path / "twice",
        {
            "redcap": {"data_dictionary": "dd.csv", "records": "records.csv"},
            "records": [{"record": "1", "values": {"color": "1"}}, {"record": "1", "values": {"color": "2"}}],
        },
        {"dd.csv": dictionary, "records.csv": "record_id,age\n1,40\n"},
    )
    with pytest.raises(FixtureError, match="already has a row"):
        load_fixture(twice)


@pytest.mark.parametrize(
    ("files", "doc", "fragment"),
    [
        ({"records.csv": "record_id,age\n1,abc\n"}, {}, "records.csv line 2.values.age: 'abc' does not pass"),
        ({"records.csv": "age,record_id\n40,1\n"}, {}, "records.csv line 1: the first column is 'age'"),
        (
            {"records.csv": "record_id,age\n1\n"},
            {},
            "records.csv line 2: the line has 1 cells but the header 2",
        ),
        (
            {"records.csv": "record_id,nope\n1,2\n"},
            {},
            "records.csv line 2.values.nope: the field 'nope' does not exist",
        ),
        ({"records.csv": "record_id,redcap_survey_identifier\n1,x\n"}, {}, "'redcap_survey_identifier'"),
        ({"records.csv": "record_id,redcap_data_access_group\n1,x\n"}, {}, "records.csv line 2.dag"),
        (
            {},
            {"fields": [{"name": "x", "form": "f", "type": "text"}]},
            "fields: fields is given here and in redcap",
        ),
        ({"records.csv": b"record_id\n\xff\n"}, {}, "records.csv is not UTF-8 text"),
    ],
)
def test_mistakes_in_redcap_files_are_placed_at_the_file_and_line(
    tmp_path: Path, files: dict[str, Any], doc: dict[str, Any], fragment: str
) -> None:
    (tmp_path / "dd.csv").write_text(DICTIONARY, encoding="utf-8")
    spec = {"data_dictionary": "dd.csv"}
    for name, content in files.items():
        if isinstance(content, bytes):
            (tmp_path / name).write_bytes(content)
        else:
            (tmp_path / name).write_text(content, encoding="utf-8")
        spec["records"] = name
    path = write(tmp_path, {"redcap": spec, **doc}, {})
    with pytest.raises(FixtureError) as info:
        load_fixture(path)
    assert fragment in str(info.value) and "Fix: " in str(info.value), str(info.value)


def test_a_redcap_file_outside_the_fixture_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dd.csv").write_text(DICTIONARY, encoding="utf-8")
    path = write(tmp_path / "inner", {"redcap": {"data_dictionary": "../dd.csv"}}, {})
    expected = re.escape("redcap.data_dictionary: the path '../dd.csv' leads out")
    with pytest.raises(FixtureError, match=expected):
        load_fixture(path)


def test_served_exports_of_a_csv_project(tmp_path: Path) -> None:
    records = "record_id,color,pets___1,pets___2,age\n1,2,1,0,40\n"
    path = write(
        tmp_path,
        {
            "redcap": {"data_dictionary": "dd.csv", "records": "records.csv"},
            "users": [{"username": "u", "token": "AB" * 16, "data_export": "full"}],
        },
        {"dd.csv": DICTIONARY, "records.csv": records},
    )
    client = create_app(FakeState([path])).test_client()
    body = urllib.parse.urlencode({"token": "AB" * 16, "content": "record", "format": "json"}).encode()
    rows = json.loads(client.post("/api/", data=body, content_type="application/x-www-form-urlencoded").data)
    assert rows == [
        {
            "record_id": "1",
            "color": "2",
            "pets___1": "1",
            "pets___2": "0",
            "age": "40",
            "intake_complete": "0",
        }
    ]
