"""Import Metadata's data dictionary checks beyond names, forms and types (V15 Classes/MetaData.php
error_checking :1037-1856): choices, calculations, sql fields, slider bounds, validations and their
bounds, branching logic, flags, matrix groups; the corrections REDCap makes and what the metadata export
then shows."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState
from fake_redcap.methods.project_info import DATA_DICTIONARY_COLUMNS
from tests.support import CLASSIC_EXTRA_FILES, MakeState, api, classic_fixture, json_error, post, tok

DESIGNER = tok(0x7101)
ADMIN = tok(0x7102)


@pytest.fixture
def state(make_state: MakeState) -> FakeState:
    doc: dict[str, Any] = classic_fixture()
    doc["users"] += [
        {
            "username": "designer",
            "token": DESIGNER,
            "data_export": "full",
            "api_import": True,
            "design": True,
        },
        {"username": "admin", "token": ADMIN, "data_export": "full", "api_import": True, "super_user": True},
    ]
    return make_state(doc, CLASSIC_EXTRA_FILES)


def _row(name: str, ftype: str = "text", form: str = "enrollment", **columns: str) -> dict[str, str]:
    line = dict.fromkeys(DATA_DICTIONARY_COLUMNS, "")
    line.update(field_name=name, form_name=form, field_type=ftype, field_label=name, **columns)
    return line


def _import(client: FlaskClient, rows: list[dict[str, str]], token: str = DESIGNER) -> Any:
    params = {"token": token, "content": "metadata", "format": "json", "data": json.dumps(rows)}
    return post(client, params)


def _metadata(client: FlaskClient) -> list[dict[str, str]]:
    result: list[dict[str, str]] = post(
        client, {"token": DESIGNER, "content": "metadata", "format": "json"}
    ).get_json()
    return result


ID = _row("record_id")
CHOICES = "select_choices_or_calculations"
VALIDATION = "text_validation_type_or_show_slider_number"
VISIBLE = (
    "date_dmy, date_mdy, date_ymd, datetime_dmy, datetime_mdy, datetime_ymd, datetime_seconds_dmy, "
    "datetime_seconds_mdy, datetime_seconds_ymd, email, integer, number, phone, time, time_hh_mm_ss, zipcode"
)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [ID, _row("color", "dropdown")],
            "Each multiple choice field (radio, drop-down, checkbox, etc.) must have choices listed in "
            "column F, but the following  cells have choices missing: F3",
        ),
        (
            [ID, _row("color", "radio", select_choices_or_calculations="1, Red | 1, Blue")],
            "Multiple choice fields have been found where a coded value is duplicated in the choices column "
            "(F). All multiple choice fields  must have a unique coded value for every option. Please "
            "remove any duplications for the coded values in the following cells: color (F3)",
        ),
        (
            [ID, _row("color", "checkbox", select_choices_or_calculations="a b, Red | c!, Blue")],
            "Multiple choice fields can only have coded values (in the choices in column F) that are "
            "numeric or  alpha-numeric (lower case or upper case, with or without underscores), thus they "
            "cannot have codings that contain spaces or other characters.  Please make the following "
            'corrections:  "a b" (F3) - Suggestion: replace with "a_b""c!" (F3) - Suggestion: replace with '
            '"c"',
        ),
        (
            [ID, _row("bmi", "calc")],
            "Each 'calc' field must have an equation in column F, but the following cells have an equation "
            "missing: F3",
        ),
        (
            [ID, _row("bmi", "calc", select_choices_or_calculations="([record_id] * 2")],
            "There is a syntactical error in the 'calc' field equation for the following cells: F3\nThere "
            "are syntax errors in some calc field equations. This may occur if illegal characters or "
            "illegal functions are used in the calc field equation. Please remove all syntax errors. Below "
            "are the calc fields that contain syntax errors in their equation.bmi (F3)",
        ),
        (
            [ID, _row("bmi", "calc", select_choices_or_calculations="[weight] / [record_id]")],
            "There are variables used in calculated field equation(s) that are not listed as real variables "
            "in column A. All variables used  in calculations must exist in column A. Below are the "
            "variables not found in column A.weight (F3)",
        ),
        (
            [ID, _row("pain", "slider", text_validation_min="1.5", text_validation_max="010")],
            "The custom min/max value of a slider must be an integer (positive or negative) or a blank value."
            "pain (I3)\nThe custom min/max value of a slider must be an integer (positive or negative) or a "
            "blank value.pain (J3)",
        ),
        (
            [ID, _row("height", text_validation_type_or_show_slider_number="Height_CM")],
            f"The only valid validation types are {VISIBLE} and must all be lower-case. The following are "
            "invalid validation types in your data dictionary:height_cm (H3)",
        ),
        (
            [ID, _row("color", "radio", select_choices_or_calculations="1, A", **{VALIDATION: "integer"})],
            "Only 'text' field types may have validation. The following validation types should be removed "
            "from your data dictionary  or else their field type should be changed to 'text': H3",
        ),
        (
            [ID, _row("height", text_validation_max="200")],
            "A field validation type is required in order to have a minimum or maximum validation value. The "
            "following cells are missing a validation type: I3",
        ),
        (
            [
                ID,
                _row(
                    "visit",
                    text_validation_type_or_show_slider_number="date_ymd",
                    text_validation_min="13/45/20",
                ),
            ],
            "Invalid date format. (NOTE: Dates must be imported here only in Y-M-D or M/D/Y format, "
            'regardless of the specific date format designated for this field.)"13/45/20" (I3)',
        ),
        (
            [ID, _row("n", text_validation_type_or_show_slider_number="integer", text_validation_min="1.5")],
            "Format for the minimum validation value is incorrect because it does not follow the expected "
            'format:"1.5" (I3)',
        ),
        (
            [ID, _row("n", branching_logic="[record_id] = '1")],
            "There is a syntactical error in the branching logic for the following cells: L3\nThere are "
            "syntax errors in some branching logic. This may occur if illegal characters or illegal "
            "functions are used in the branching logic. Please remove all syntax errors. Below are the "
            "fields that contain syntax errors in their branching logic.n (L3)",
        ),
        (
            [ID, _row("n", branching_logic="[enrollment_complete] = '2' and [weight(1)] = '1'")],
            "There are variables used in the branching logic that are not listed as real variables in "
            "column A. All variables used in branching  logic must exist in column A. Below are the "
            "variables not found in column A.weight (L3)",
        ),
        (
            [ID, _row("a", "dropdown", select_choices_or_calculations="1, A", matrix_group_name="g")],
            "Fields that are part of a matrix group can ONLY be a radio or checkbox field. The fields below "
            "need to be changed  so that the field is either of those field types.dropdown (D3)",
        ),
        (
            [
                ID,
                _row("a", "radio", select_choices_or_calculations="1, A | 2, B", matrix_group_name="g"),
                _row("b", "radio", select_choices_or_calculations="1, A", matrix_group_name="g"),
            ],
            "The cells listed below appear to be in a matrix group, but all the fields in this matrix group "
            "do not have the  same multiple choice options. Please make sure that all fields in this group "
            "have the EXACT same choices in column F.F4 - The choices should be: 1, A | 2, B",
        ),
        (
            [
                ID,
                _row("a", "radio", select_choices_or_calculations="1, A", matrix_group_name="g"),
                _row("b", "radio", select_choices_or_calculations="1, A", matrix_group_name="h"),
                _row(
                    "c",
                    "radio",
                    select_choices_or_calculations="1, A",
                    matrix_group_name="g",
                    matrix_ranking="y",
                ),
            ],
            "Matrix group names must be sequential and cannot repeat again after being used for another "
            "group. Rename the following matrix group names  beginning with the values listed below:g (P5)\n"
            "If ranking is used for a matrix of fields, each field in the matrix must have the same value "
            "(either 'Y' or blank/null)  for the Matrix Ranking column. Listed below are the matrix group "
            "names that have one or more fields in the matrix with a  ranking value that differs from the "
            "other fields in the matrix:g",
        ),
        (
            [ID, _row("q", "sql", select_choices_or_calculations="select 1")],
            "For security purposes, 'sql' field types can ONLY be added or modified by REDCap "
            "administrators. You may continue the upload  if you remove the variables listed below, or you "
            "may ask a REDCap administrator to look them over to approve them and  then upload this data "
            "dictionary for you.q (Row 3)",
        ),
        (
            [ID, _row("enrollment_timestamp")],
            "This is an illegal variable name and cannot be used. Please change the variable name in the "
            "following cells: A3",
        ),
    ],
)
def test_refusals(state: FakeState, rows: list[dict[str, str]], message: str) -> None:
    before = state.projects[0]
    answer = _import(api(state), rows)
    assert (answer.status_code, answer.data) == (400, json_error(message))
    assert state.projects[0] is before


def test_errors_come_in_the_order_redcap_first_meets_each_kind(state: FakeState) -> None:
    rows = [
        ID,
        _row("a", "radio", select_choices_or_calculations="1, A | 1, B"),  # 25 (row 3)
        _row("b", "dropdown"),  # 18 (row 4)
        _row("c", branching_logic="[zz] = 1", text_validation_type_or_show_slider_number="bad"),
        _row("d", "bogus"),  # 9, set in the type loop before 25 and 18 of later rows
    ]
    answer = _import(api(state), rows)
    text = json.loads(answer.data)["error"]
    starts = [line.split(" ", 3)[:3] for line in text.split("\n")]
    assert [" ".join(s) for s in starts] == [
        "Multiple choice fields",  # 25: row 3
        "Each multiple choice",  # 18: row 4
        "The only valid",  # 9: row 6 (field types)
        "The only valid",  # 16: validation types, after the type loop
        "There are variables",  # 20: branching logic
    ]
    assert "field types" in text.split("\n")[2] and "validation types" in text.split("\n")[3]


def test_what_redcap_accepts_and_corrects_is_held_and_exported(state: FakeState) -> None:
    rows = [
        _row("record_id", "file", section_header="Gone"),
        _row(
            "code",
            select_choices_or_calculations="kept on a text field",
            identifier=" Y ",
            required_field="x",
        ),
        _row("color", "checkbox", select_choices_or_calculations="1, Red|2, Blue|", custom_alignment="XX"),
        _row(
            "size",
            "dropdown",
            select_choices_or_calculations="s, Small\nl, Large",
            question_number="12345678901",
        ),
        _row("pain", "slider", text_validation_type_or_show_slider_number="integer"),
        _row("visit", text_validation_type_or_show_slider_number="date", text_validation_min="1/2/2020"),
        # Only a lower-case type's M/D/Y bound is rewritten (the test runs before lower-casing).
        _row("visit2", text_validation_type_or_show_slider_number="DATE", text_validation_min="1/2/2020"),
        _row("n", text_validation_type_or_show_slider_number="int", text_validation_max="9"),
        _row("bmi", "calc", select_choices_or_calculations=" [ n ] * 2 \r\n"),
        _row("m1", "radio", select_choices_or_calculations="1, A", matrix_group_name=" My Group "),
        _row("m2", "checkbox", select_choices_or_calculations="1, A", matrix_group_name="my_group"),
        _row("note", "descriptive", required_field="y", branching_logic="   "),
    ]
    client = api(state)
    answer = _import(client, rows)
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "12")
    shown = {f["field_name"]: f for f in _metadata(client)}
    assert (shown["record_id"]["field_type"], shown["record_id"]["section_header"]) == ("text", "")
    code = shown["code"]
    assert (code[CHOICES], code["identifier"], code["required_field"]) == ("kept on a text field", "y", "")
    assert (shown["color"][CHOICES], shown["color"]["custom_alignment"]) == ("1, Red|2, Blue", "")
    assert (shown["size"][CHOICES], shown["size"]["question_number"]) == ("s, Small | l, Large", "1234567890")
    assert (shown["pain"][VALIDATION], shown["pain"]["custom_alignment"]) == ("", "RV")
    assert (shown["visit"][VALIDATION], shown["visit"]["text_validation_min"]) == ("date_ymd", "2020-01-02")
    assert (shown["visit2"][VALIDATION], shown["visit2"]["text_validation_min"]) == ("date_ymd", "1/2/2020")
    assert shown["n"][VALIDATION] == "integer"
    assert shown["bmi"][CHOICES] == "[n] * 2"
    assert [shown[m]["matrix_group_name"] for m in ("m1", "m2")] == ["my_group", "my_group"]
    assert shown["m2"]["field_type"] == "radio"  # made the group's first type
    assert (shown["note"]["required_field"], shown["note"]["branching_logic"]) == ("", "")


def test_only_an_administrator_adds_an_sql_field(state: FakeState) -> None:
    rows = [ID, _row("q", "sql", select_choices_or_calculations="select 1, 'One'")]
    client = api(state)
    assert _import(client, rows, ADMIN).get_data(as_text=True) == "2"
    assert _metadata(client)[1][CHOICES] == "select 1, 'One'"
    # The designer may now upload it unchanged, not changed.
    assert _import(client, rows).status_code == 200
    changed = [ID, _row("q", "sql", select_choices_or_calculations="select 2")]
    answer = _import(client, changed)
    assert answer.status_code == 400
    assert json.loads(answer.data)["error"].startswith("It appears that you have modified an 'sql' field.")


def test_a_date_bound_in_ymd_is_not_checked_and_other_types_accept_numbers(state: FakeState) -> None:
    rows = [
        ID,
        _row("d", text_validation_type_or_show_slider_number="date_ymd", text_validation_min="not a date"),
        _row("x", text_validation_type_or_show_slider_number="number_2dp", text_validation_min="1"),
        _row("t", text_validation_type_or_show_slider_number="time", text_validation_min="9:30"),
        _row("e", text_validation_type_or_show_slider_number="integer", text_validation_min="[age]"),
    ]
    client = api(state)
    assert _import(client, rows).status_code == 200
    shown = {f["field_name"]: f["text_validation_min"] for f in _metadata(client)}
    assert (shown["d"], shown["x"], shown["t"], shown["e"]) == ("not a date", "1", "09:30", "[age]")


def test_a_user_who_is_not_a_super_user_gets_logicparsers_refusals(state: FakeState) -> None:
    rows = [
        ID,
        _row("age"),
        _row("bmi", "calc", select_choices_or_calculations="[age] 2"),
        _row("note", branching_logic="[age] ="),
    ]
    answer = _import(api(state), rows)
    assert (answer.status_code, answer.data) == (
        400,
        json_error(
            "There are syntax errors in some calc field equations. This may occur if illegal characters or "
            "illegal functions are used in the calc field equation. Please remove all syntax errors. Below "
            "are the calc fields that contain syntax errors in their equation.bmi (F4)\nThere are syntax "
            "errors in some branching logic. This may occur if illegal characters or illegal functions are "
            "used in the branching logic. Please remove all syntax errors. Below are the fields that "
            "contain syntax errors in their branching logic.note (L5)"
        ),
    )
    assert _import(api(state), rows, ADMIN).status_code == 200  # a super user only gets warnings


def test_logic_the_fake_cannot_decide_is_not_implemented_unless_unchanged(state: FakeState) -> None:
    rows = [ID, _row("age"), _row("note", branching_logic="[user-name] = 'x'")]
    client = api(state)
    answer = _import(client, rows)
    assert answer.status_code == 400
    assert "[user-name]" in answer.headers["X-Fake-REDCap-Not-Implemented"]
    assert _import(client, rows, ADMIN).status_code == 200
    assert _import(client, rows).status_code == 200  # the field's logic from before: a warning only


def test_a_form_name_left_blank_or_starting_with_a_digit_gets_redcaps_md5_prefix(state: FakeState) -> None:
    """MD5("") is d41d8cd98f00..., MD5("2b") is f8bc2fbe...: their first four letters lead the name."""
    client = api(state)
    rows = [ID, _row("a", form="2024"), _row("b", form="1_2b")]
    assert _import(client, rows).status_code == 200
    assert [f["form_name"] for f in _metadata(client)] == ["enrollment", "ddcd", "fbcf2b"]
