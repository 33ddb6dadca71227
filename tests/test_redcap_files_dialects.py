"""REDCap's CSV files as a user's REDCap wrote them (issue 14, point 2): each CSV delimiter a user may
choose (V15 User.php:904-921; the downloads use it), older and Excel-saved data dictionaries, the
Excel padding of annotations, the arms download's CSV-injection TAB, and empty exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
import yaml

from contract_tests.reference_csv import DICTIONARY_COLUMNS
from fake_redcap import FakeServer, FakeState
from fake_redcap.fixture import FixtureError, load_fixture
from fake_redcap.fixture.redcap_csv import delimiter
from tests.support import write_fixture

USER = {"username": "u", "token": "8C1F0D6E2B9A47F3A5D2C7B19E04F6A1", "data_export": "full"}
LABELS = list(DICTIONARY_COLUMNS)  # the header REDCap's download writes
FIELDS = [
    ["record_id", "visit", "", "text", "Record ID"],
    ["pets", "visit", "About you", "checkbox", "Pets, if any", "1, Cat | 2, Dog; or wolf"],
    ["age", "visit", "", "text", "Age", "", "", "Integer", "0", "120"],  # the upload lower-cases it
    ["when", "visit", "", "text", "Visit date", "", "", "date_ymd", *[""] * 9, " @TODAY"],
]
RECORDS = [
    ["record_id", "redcap_event_name", "pets___1", "pets___2", "age", "when", "visit_complete"],
    ["1", "one_arm_1", "1", "0", "40", "2024-02-29", "2"],
    ["2", "two_arm_2", "0", "0", "", "", "0"],
]
ARMS = [["arm_num", "name"], ["1", "Arm 1"], ["2", "\t-minus"]]
EVENTS = [
    ["event_name", "arm_num", "unique_event_name", "custom_event_label", "event_id"],
    ["One", "1", "one_arm_1", "", "11"],
    ["Two", "2", "two_arm_2", "", "12"],
]
MAPPINGS = [
    ["arm_num", "unique_event_name", "form"],
    ["1", "one_arm_1", "visit"],
    ["2", "two_arm_2", "visit"],
]


def fputcsv(rows: list[list[str]], sep: str) -> str:
    """Lines as PHP's fputcsv writes them: a cell is quoted when it holds the delimiter, a quote, a
    space, a TAB, CR or LF."""

    def cell(text: str) -> str:
        if any(c in text for c in (sep, '"', " ", "\t", "\r", "\n")):
            return '"' + text.replace('"', '""') + '"'
        return text

    return "".join(sep.join(cell(c) for c in row) + "\n" for row in rows)


def project_from(folder: Path, files: dict[str, str], doc: dict[str, object] | None = None) -> Path:
    names = {
        "data_dictionary": "dd.csv",
        "records": "records.csv",
        "arms": "arms.csv",
        "events": "events.csv",
        "instrument_event_mappings": "designations.csv",
    }
    return write_fixture(
        folder,
        {"redcap": {k: names[k] for k in files}, **(doc or {}), "users": [USER]},
        {names[k]: text.encode("utf-8") for k, text in files.items()},
    )


@pytest.mark.parametrize("sep", [",", ";", "\t", "|", "^", " "])
def test_every_delimiter_a_user_may_choose_reads_the_same_project(tmp_path: Path, sep: str) -> None:
    files = {
        "data_dictionary": "\ufeff" + fputcsv([LABELS, *FIELDS], sep),
        "records": fputcsv(RECORDS, sep),
        "arms": fputcsv(ARMS, sep),
        "events": fputcsv(EVENTS, sep),
        "instrument_event_mappings": fputcsv(MAPPINGS, sep),
    }
    project = load_fixture(project_from(tmp_path, files))
    pets = project.field("pets")
    assert pets is not None and (pets.label, pets.choices, pets.section_header) == (
        "Pets, if any",
        "1, Cat | 2, Dog; or wolf",
        "About you",
    )
    when = project.field("when")
    assert when is not None and when.annotation == "@TODAY"  # the download's Excel pad taken off
    assert [a.name for a in project.arms] == ["Arm 1", "-minus"]  # arrayToCsv's TAB taken off
    assert [(e.unique_name, e.arm, e.forms) for e in project.events] == [
        ("one_arm_1", 1, ("visit",)),
        ("two_arm_2", 2, ("visit",)),
    ]
    assert [(r.record, r.event, dict(r.values)) for r in project.records] == [
        ("1", "one_arm_1", {"pets___1": "1", "age": "40", "when": "2024-02-29", "visit_complete": "2"}),
        ("2", "two_arm_2", {"visit_complete": "0"}),
    ]


@pytest.mark.parametrize(
    ("first_line", "sep"),
    [
        ('"Variable / Field Name","Form Name"', ","),
        ('"Variable / Field Name";"Form Name"', ";"),
        ('"a ""quoted"" label"|b', "|"),
        ("Variable / Field Name,Form Name", ","),  # Excel leaves it unquoted
        ("Variable / Field Name;Form Name", ";"),
        ("record_id\tage", "\t"),
        ("record_id age", " "),
        ("record_id", ","),
    ],
)
def test_the_delimiter_is_the_character_after_the_first_header_cell(first_line: str, sep: str) -> None:
    assert delimiter(first_line + "\n1\n") == sep


def test_an_older_data_dictionary_with_fewer_columns_loads_with_the_rest_blank(tmp_path: Path) -> None:
    """REDCap's upload reads columns by position and leaves missing ones blank (V15 Design.php:243-349);
    its own demonstration dictionary (Design/data_dictionary_demo_download.php) has 16 columns."""
    sixteen = [row[:16] for row in (LABELS, *FIELDS[:3])]
    project = load_fixture(project_from(tmp_path, {"data_dictionary": fputcsv(sixteen, ",")}))
    age = project.field("age")
    assert age is not None and (age.validation, age.validation_max, age.annotation) == ("integer", "120", "")


def test_excels_empty_trailing_columns_are_ignored_and_a_value_there_is_refused(tmp_path: Path) -> None:
    rows = [[*LABELS, "", ""], *([*f, *[""] * (20 - len(f))] for f in FIELDS)]
    project = load_fixture(project_from(tmp_path / "empty", {"data_dictionary": fputcsv(rows, ",")}))
    assert [f.name for f in project.fields] == ["record_id", "pets", "age", "when"]
    rows[2][19] = "stray"
    with pytest.raises(FixtureError) as caught:
        load_fixture(project_from(tmp_path / "stray", {"data_dictionary": fputcsv(rows, ",")}))
    assert str(caught.value).endswith(
        "dd.csv line 3: column 20 holds 'stray', but a data dictionary has 18 columns (the 18th is Field"
        " Annotation). Fix: remove the columns after the 18th."
    )


def test_the_legacy_field_units_column_is_refused_as_redcaps_upload_refuses_it(tmp_path: Path) -> None:
    header = ["Variable / Field Name", "Form Name", "Field Units", *LABELS[2:]]
    rows = [header, ["record_id", "f", "", "text"]]
    with pytest.raises(FixtureError, match=r"dd.csv line 1: the third column is the legacy 'Field Units'"):
        load_fixture(project_from(tmp_path, {"data_dictionary": fputcsv(rows, ",")}))


@pytest.mark.parametrize("blank", ["", "\n", "\r\n"])
def test_an_empty_record_export_is_a_project_without_records(tmp_path: Path, blank: str) -> None:
    """The raw export of a project without records is "\\n" (the fake answers so as REDCap does)."""
    files = {"data_dictionary": fputcsv([LABELS, *FIELDS], ","), "records": blank}
    assert load_fixture(project_from(tmp_path, files)).records == ()


def test_a_header_only_designations_file_designates_nothing(tmp_path: Path) -> None:
    files = {
        "data_dictionary": fputcsv([LABELS, *FIELDS], ","),
        "arms": fputcsv(ARMS[:2], ","),
        "events": fputcsv(EVENTS[:2], ","),
        "instrument_event_mappings": "arm_num,unique_event_name,form",
    }
    project = load_fixture(project_from(tmp_path, files))
    assert [(e.unique_name, e.forms) for e in project.events] == [("one_arm_1", ())]


def test_a_missing_designations_or_repeating_file_is_named_in_the_fix(tmp_path: Path) -> None:
    """Events without their designations file have no forms; a records file with repeating rows needs
    the repeating set-up file: the fix names the file to give."""
    files = {
        "data_dictionary": fputcsv([LABELS, *FIELDS], ","),
        "arms": fputcsv(ARMS, ","),
        "events": fputcsv(EVENTS, ","),
        "records": fputcsv(RECORDS, ","),
    }
    with pytest.raises(FixtureError) as caught:
        load_fixture(project_from(tmp_path / "events", files))
    assert str(caught.value).endswith(
        "records.csv line 2.values.pets___1: the form 'visit' of field 'pets___1' is not designated for event"
        " 'one_arm_1'. Fix: give REDCap's instrument designations download as redcap:"
        " instrument_event_mappings, or move the value to an event that has it."
    )
    files["instrument_event_mappings"] = fputcsv(MAPPINGS[:2], ",")
    with pytest.raises(FixtureError, match=r"Fix: add the line for two_arm_2 and visit to designations.csv"):
        load_fixture(project_from(tmp_path / "mappings", files))
    classic = {
        "data_dictionary": fputcsv([LABELS, *FIELDS], ","),
        "records": "record_id,redcap_repeat_instrument,redcap_repeat_instance,age\n1,visit,1,40\n",
    }
    with pytest.raises(FixtureError) as caught:
        load_fixture(project_from(tmp_path / "repeating", classic))
    assert str(caught.value).endswith(
        "records.csv line 2.repeat_instrument: the form 'visit' is not a repeating instrument. Fix: give"
        " REDCap's repeating set-up download as redcap: repeating_instruments_events, or leave"
        " redcap_repeat_instrument blank."
    )


def test_a_section_header_above_the_record_id_field_is_cleared_as_redcap_clears_it(tmp_path: Path) -> None:
    """REDCap's upload (and its project creation from XML) blanks it (V15 MetaData.php:800-803); the
    flags take "Y" as "y" (strtolower(trim()), :1596, :1706)."""
    rows = [
        LABELS,
        ["record_id", "visit", "Top", "text", "ID"],
        ["age", "visit", "", "text", "Age", *[""] * 5, "Y"],
    ]
    project = load_fixture(project_from(tmp_path / "csv", {"data_dictionary": fputcsv(rows, ",")}))
    age = project.field("age")
    assert project.fields[0].section_header == "" and age is not None and age.identifier
    doc = {"fields": [{"name": "record_id", "form": "f", "type": "text", "section_header": "Top"}]}
    with pytest.raises(FixtureError) as caught:
        load_fixture(write_fixture(tmp_path / "yaml", {**doc, "users": [USER]}))
    assert str(caught.value).endswith(
        "fields[0].section_header: the record ID field 'record_id' has a section header, which REDCap"
        " clears. Fix: move it to the second field, or remove it."
    )


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("age", "40", ""),
        ("pets___1", "Checked", "a checkbox choice is 0 or 1, not 'Checked'. Fix: write 1 (checked) or 0"),
        ("visit_complete", "Complete", "a form status is 0, 1 or 2, not 'Complete'"),
    ],
)
def test_an_export_of_labels_is_refused_with_a_fix_that_says_so(
    tmp_path: Path, column: str, value: str, message: str
) -> None:
    fields = [*FIELDS, ["color", "visit", "", "dropdown", "Color", "1, Red | 2, Green"]]
    records = f"record_id,color,{column}\n1,Red,{value}\n"
    files = {"data_dictionary": fputcsv([LABELS, *fields], ","), "records": records}
    with pytest.raises(FixtureError) as caught:
        load_fixture(project_from(tmp_path, files))
    assert str(caught.value).endswith(
        "records.csv line 2.values.color: 'Red' is the label of choice 1. Fix: give the code, as REDCap's"
        " raw export writes it (not an export of labels)."
    )
    if message:
        records = f"record_id,{column}\n1,{value}\n"
        files["records"] = records
        with pytest.raises(FixtureError, match=re.escape(message)):
            load_fixture(project_from(tmp_path / "again", files))


def test_the_control_endpoint_loads_redcap_files_named_in_yaml_and_json(tmp_path: Path) -> None:
    """`/__fake__/load` takes what `serve --fixture` takes: a YAML or JSON fixture whose `redcap:` files
    lie beside it (paths relative to the fixture, not to the server's working directory)."""
    files = {
        "data_dictionary": fputcsv([LABELS, *FIELDS], ";"),
        "arms": fputcsv(ARMS, ";"),
        "events": fputcsv(EVENTS, ";"),
        "instrument_event_mappings": fputcsv(MAPPINGS, ";"),
        "records": fputcsv(RECORDS, ";"),
    }
    yaml_path = project_from(tmp_path / "yaml", files)
    json_path = tmp_path / "yaml" / "project.json"
    document = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    document["users"][0]["token"] = "5A1F0D6E2B9A47F3A5D2C7B19E04F6A2"
    document["project"] = {"project_id": 2}
    json_path.write_text(json.dumps(document), encoding="utf-8")
    with FakeServer(FakeState(), "127.0.0.1", 0) as server:
        for path in (yaml_path, json_path):
            answer = requests.post(
                server.base_url + "/__fake__/load",
                json={"fixtures": [str(path)]},
                headers=server.control_headers,
                timeout=30,
            )
            assert answer.status_code == 200, answer.text
            token = server.state.served[-1].project.users[0].token
            body = {"token": token, "content": "record", "format": "json"}
            rows = requests.post(server.url, data=body, timeout=30).json()
            assert [(r["record_id"], r["redcap_event_name"], r["age"]) for r in rows] == [
                ("1", "one_arm_1", "40"),
                ("2", "two_arm_2", ""),
            ]
