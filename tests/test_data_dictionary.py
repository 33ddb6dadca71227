"""The whole data dictionary (issue 14, point 1): every field type with every column of REDCap's metadata
export, checkboxes expanded where REDCap expands them, values checked at load, instrument labels.

Expected answers are written from REDCap's source (V15 = REDCap 15.7.6): `Classes/MetaData.php`
getDataDictionary (columns, "y" flags, slider alignment "RV"), `Classes/REDCap.php` getExportFieldNames
and `Classes/Project.php` getExtendedCheckboxFieldname (checkbox columns), `Classes/Records.php` getData
(checkbox defaults), `Classes/MetaData.php` save_metadata (form labels).
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from contract_tests.expected import DATA_DICTIONARY_COLUMNS
from fake_redcap import FakeState, create_app
from fake_redcap.fixture import FIELD_TYPES, FixtureError, load_fixture
from tests.support import write_fixture

TOKEN = "0123456789ABCDEF0123456789ABCDEF"
Doc = dict[str, Any]


def every_type() -> Doc:
    return {
        "project": {"project_id": 31, "title": "Every field type"},
        "fields": [
            {"name": "record_id", "form": "intake", "type": "text", "label": "Record ID"},
            {
                "name": "dob",
                "form": "intake",
                "type": "text",
                "validation": "date_mdy",
                "validation_min": "1900-01-01",
                "label": "Date of birth",
                "identifier": True,
                "section_header": "About you",
                "note": "as on the passport",
                "required": True,
            },
            {"name": "weight", "form": "intake", "type": "text", "validation": "int", "label": "kg"},
            {"name": "notes", "form": "intake", "type": "notes", "label": "Notes", "annotation": "@HIDDEN"},
            {"name": "color", "form": "intake", "type": "dropdown", "choices": "1, Red | 2, Green"},
            {
                "name": "size",
                "form": "intake",
                "type": "radio",
                "choices": "s, Small | l, Large",
                "alignment": "LH",
            },
            {
                "name": "pets",
                "form": "intake",
                "type": "checkbox",
                "choices": "1, Cat | A-2, Dog | 3.5, Fish",
            },
            {"name": "smoker", "form": "intake", "type": "yesno", "branching_logic": "[weight] > 10"},
            {"name": "agree", "form": "intake", "type": "truefalse", "question_number": "1a"},
            {"name": "pain", "form": "intake", "type": "slider", "choices": "None | Some | Worst"},
            {"name": "bmi", "form": "intake", "type": "calc", "choices": "[weight]/4"},
            {"name": "site", "form": "intake", "type": "sql", "choices": "select value from sites"},
            {"name": "info", "form": "intake", "type": "descriptive", "label": "Read this"},
            {"name": "scan", "form": "intake", "type": "file"},
            {"name": "sign", "form": "intake", "type": "file", "validation": "signature"},
            {
                "name": "q1",
                "form": "survey_part_two",
                "type": "radio",
                "choices": "1, A | 2, B",
                "matrix_group": "m",
            },
            {
                "name": "q2",
                "form": "survey_part_two",
                "type": "radio",
                "choices": "1, A | 2, B",
                "matrix_group": "m",
                "matrix_ranking": True,
            },
        ],
        "instruments": [{"name": "survey_part_two", "label": "Part 2"}],
        "users": [{"username": "owner", "token": TOKEN, "data_export": "full"}],
        "records": [
            {
                "record": "1",
                "values": {
                    "dob": "1980-02-29",
                    "weight": "70",
                    "color": "2",
                    "size": "l",
                    "pets___1": "1",
                    "pets___a_2": "0",
                    "pets___3_5": "1",
                    "smoker": "0",
                    "agree": "1",
                    "pain": "55",
                    "bmi": "17.5",
                    "intake_complete": "2",
                },
            },
            {"record": "2", "values": {"q1": "1"}},
        ],
    }


def client_for(folder: Path, doc: Doc) -> FlaskClient:
    return create_app(FakeState([write_fixture(folder, doc)])).test_client()


def post(client: FlaskClient, **params: str) -> Any:
    body = urllib.parse.urlencode({"token": TOKEN, "format": "json", **params}).encode("ascii")
    response = client.post("/api/", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data())


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    return client_for(tmp_path_factory.mktemp("every"), every_type())


COLUMNS = list(DATA_DICTIONARY_COLUMNS)  # REDCap's order, as the contract suite states it
BLANK = dict.fromkeys(COLUMNS, "")


def test_metadata_shows_every_column_as_redcap_exports_it(client: FlaskClient) -> None:
    rows = {r["field_name"]: r for r in post(client, content="metadata")}
    assert list(rows) == [f["name"] for f in every_type()["fields"]]
    assert all(list(r) == list(BLANK) for r in rows.values())
    assert rows["dob"] == {
        **BLANK,
        "field_name": "dob",
        "form_name": "intake",
        "section_header": "About you",
        "field_type": "text",
        "field_label": "Date of birth",
        "field_note": "as on the passport",
        "text_validation_type_or_show_slider_number": "date_mdy",
        "text_validation_min": "1900-01-01",
        "identifier": "y",
        "required_field": "y",
    }
    # legacy validation names are stored and shown as the user-facing ones (int -> integer)
    assert rows["weight"]["text_validation_type_or_show_slider_number"] == "integer"
    assert rows["pets"]["select_choices_or_calculations"] == "1, Cat | A-2, Dog | 3.5, Fish"
    assert rows["size"]["custom_alignment"] == "LH"
    # a slider without alignment is shown as RV (MetaData.php: sliders are right-vertical by default)
    assert (rows["pain"]["custom_alignment"], rows["pain"]["select_choices_or_calculations"]) == (
        "RV",
        "None | Some | Worst",
    )
    assert rows["bmi"]["select_choices_or_calculations"] == "[weight]/4"
    assert rows["smoker"]["branching_logic"] == "[weight] > 10"
    assert (rows["q2"]["matrix_group_name"], rows["q2"]["matrix_ranking"], rows["q1"]["matrix_ranking"]) == (
        "m",
        "y",
        "",
    )
    assert rows["notes"]["field_annotation"] == "@HIDDEN"
    assert rows["sign"]["text_validation_type_or_show_slider_number"] == "signature"


def test_fields_pasted_from_a_metadata_export_load_the_same(client: FlaskClient, tmp_path: Path) -> None:
    exported = post(client, content="metadata")
    doc = every_type()
    doc["fields"] = exported
    again = client_for(tmp_path, doc)
    assert post(again, content="metadata") == exported


def test_export_field_names_expand_checkboxes_with_formatted_codes(client: FlaskClient) -> None:
    rows = post(client, content="exportFieldNames")
    pets = [r for r in rows if r["original_field_name"] == "pets"]
    assert pets == [
        {"original_field_name": "pets", "choice_value": "1", "export_field_name": "pets___1"},
        {"original_field_name": "pets", "choice_value": "A-2", "export_field_name": "pets___a_2"},
        {"original_field_name": "pets", "choice_value": "3.5", "export_field_name": "pets___3_5"},
    ]
    names = [r["export_field_name"] for r in rows]
    # file and descriptive fields have no export name; form status fields are included
    assert "scan" not in names and "info" not in names and "sign" not in names
    assert names[-2:] == ["q2", "survey_part_two_complete"] and "intake_complete" in names
    assert post(client, content="exportFieldNames", field="pets") == pets


def test_record_export_has_a_column_per_checkbox_choice(client: FlaskClient) -> None:
    rows = post(client, content="record", type="flat")
    first, second = rows
    columns = list(first)
    assert columns[columns.index("size") + 1 : columns.index("smoker")] == [
        "pets___1",
        "pets___a_2",
        "pets___3_5",
    ]
    assert (first["pets___1"], first["pets___a_2"], first["pets___3_5"]) == ("1", "0", "1")
    assert first["intake_complete"] == "2" and first["survey_part_two_complete"] == "0"
    # record 2 has no intake data: its checkboxes and status still default to 0 (the form is designated)
    assert (second["pets___1"], second["intake_complete"], second["survey_part_two_complete"]) == (
        "0",
        "0",
        "0",
    )
    only = post(client, content="record", type="flat", fields="record_id,pets")
    assert list(only[0]) == ["record_id", "pets___1", "pets___a_2", "pets___3_5"]


def test_checkboxes_of_other_forms_are_blank_on_repeating_rows(tmp_path: Path) -> None:
    doc = every_type()
    doc["repeating"] = [{"form": "survey_part_two"}]
    doc["records"] = [
        {"record": "1", "values": {"pets___1": "1"}},
        {"record": "1", "repeat_instrument": "survey_part_two", "instance": 2, "values": {"q1": "2"}},
    ]
    base, repeat = post(client_for(tmp_path, doc), content="record", type="flat")
    assert (base["pets___1"], base["pets___a_2"], base["survey_part_two_complete"]) == ("1", "0", "")
    assert (repeat["redcap_repeat_instance"], repeat["pets___1"], repeat["intake_complete"]) == (2, "", "")
    assert repeat["survey_part_two_complete"] == "0"


def test_instrument_labels_default_to_redcaps_data_dictionary_rule(client: FlaskClient) -> None:
    assert post(client, content="instrument") == [
        {"instrument_name": "intake", "instrument_label": "Intake"},
        {"instrument_name": "survey_part_two", "instrument_label": "Part 2"},
    ]


def test_the_project_model_holds_the_columns(tmp_path: Path) -> None:
    project = load_fixture(write_fixture(tmp_path, every_type()))
    pets = project.field("pets")
    assert pets is not None and pets.choice_codes() == ("1", "A-2", "3.5")
    (row1, _row2) = project.records
    # unchecked choices are not stored, as REDCap stores only checked ones
    assert "pets___a_2" not in row1.values and row1.values["pets___3_5"] == "1"


def _refused(tmp_path: Path, doc: Doc) -> str:
    with pytest.raises(FixtureError) as info:
        load_fixture(write_fixture(tmp_path, doc))
    message = str(info.value)
    assert "Fix: " in message
    return message


def _field(index: int, **changes: Any) -> Doc:
    doc = every_type()
    doc["fields"][index] = {**doc["fields"][index], **changes}
    return doc


def _value(name: str, value: str) -> Doc:
    doc = every_type()
    doc["records"][0]["values"][name] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        (_field(4, choices=None), "fields[4].choices: the dropdown field 'color' needs its choices"),
        (_field(4, choices="1, Red | 1, Green"), "fields[4].choices: the choice code '1' is used twice"),
        (_field(4, choices="1 x, Red"), "fields[4].choices: the choice code '1 x' is not a number"),
        (_field(10, choices=""), "fields[10].choices: the calc field 'bmi' needs a calculation"),
        (_field(3, choices="1, A"), "fields[3].choices: a notes field has no choices"),
        (_field(5, validation="integer"), "fields[5].validation: a radio field takes no validation"),
        (_field(2, validation="integr"), "fields[2].validation: unknown text validation 'integr'"),
        (_field(9, validation="integer"), "fields[9].validation: a slider takes only 'number'"),
        (_field(5, alignment="XX"), "fields[5].alignment: unknown custom alignment 'XX'"),
        (_field(16, choices="1, A | 2, C"), "fields[16].matrix_group: the fields of matrix group 'm' differ"),
        (_field(2, name="intake_complete"), "fields[2].name: 'intake_complete' is the form status field"),
        (_field(1, required="maybe"), "fields[1].required: required must be true or false"),
        (_field(1, field_name="dob"), "fields[1].field_name: field_name repeats name"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None,
)
def test_data_dictionary_mistakes_are_refused_with_their_place(
    tmp_path: Path, doc: Doc, fragment: str
) -> None:
    assert fragment in _refused(tmp_path, doc)


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("color", "3", "'3' is not one of the field's choice codes"),
        ("smoker", "yes", "a yesno field takes 0 or 1"),
        ("dob", "02/29/1980", "not a valid date_mdy value"),
        ("dob", "1981-02-29", "not a valid date_mdy value"),
        ("weight", "7.5", "does not pass the field's integer validation"),
        ("pain", "101", "a slider holds a whole number from 0 to 100"),
        ("bmi", "x", "a calc field holds a number"),
        ("pets___1", "2", "a checkbox choice is 0 or 1"),
        ("pets___9", "1", "the field 'pets___9' does not exist"),
        ("pets", "1", "'pets' is a checkbox field"),
        ("intake_complete", "3", "a form status is 0, 1 or 2"),
        ("info", "x", "is a descriptive field"),
    ],
)
def test_values_are_checked_against_their_field(tmp_path: Path, name: str, value: str, fragment: str) -> None:
    message = _refused(tmp_path, _value(name, value))
    assert f"records[0].values.{name}: " in message and fragment in message, message


def test_date_fix_names_the_stored_format(tmp_path: Path) -> None:
    assert "YYYY-MM-DD (whatever the field's display format)" in _refused(
        tmp_path, _value("dob", "02/29/1980")
    )


DEMO = Path(__file__).resolve().parent.parent / "fake_redcap" / "demo" / "every_field_type" / "project.yaml"


def test_the_every_field_type_demo_uses_every_type_and_column() -> None:
    project = load_fixture(DEMO)
    assert {f.type for f in project.fields} == set(FIELD_TYPES)
    for column in (
        "section_header",
        "choices",
        "note",
        "validation_min",
        "validation_max",
        "branching_logic",
    ):
        assert any(getattr(f, column) for f in project.fields), column
    for column in ("question_number", "matrix_group", "annotation", "alignment", "identifier", "required"):
        assert any(getattr(f, column) for f in project.fields), column
    assert project.form_label("daily_diary") == "Daily diary"
    assert {r.instance for r in project.records} == {1, 2}


def test_the_every_field_type_demo_exports_its_records() -> None:
    client = create_app(FakeState([DEMO])).test_client()
    body = urllib.parse.urlencode(
        {"token": "1601FA4EFA4EFA4EFA4EFA4EFA4EFA4E", "content": "record", "format": "json"}
    ).encode()
    rows = json.loads(client.post("/api/", data=body, content_type="application/x-www-form-urlencoded").data)
    assert [(r["record_id"], r["redcap_repeat_instrument"], r["redcap_repeat_instance"]) for r in rows] == [
        ("1", "", ""),
        ("1", "daily_diary", 1),
        ("1", "daily_diary", 2),
        ("2", "", ""),
    ]
    assert (rows[0]["symptoms___fatigue"], rows[0]["symptoms____1"], rows[3]["symptoms____1"]) == (
        "1",
        "0",
        "1",
    )


def test_unquoted_yaml_bounds_are_read_as_redcap_writes_them(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "fields:\n  - {name: record_id, form: f, type: text}\n"
        "  - {name: d, form: f, type: text, validation: date_ymd, validation_min: 2000-01-31,"
        " validation_max: 2030-12-31}\n  - {name: n, form: f, type: text, validation: number,"
        " validation_min: 0.5, validation_max: 10}\n",
        encoding="utf-8",
    )
    project = load_fixture(path)
    assert [(f.validation_min, f.validation_max) for f in project.fields[1:]] == [
        ("2000-01-31", "2030-12-31"),
        ("0.5", "10"),
    ]
