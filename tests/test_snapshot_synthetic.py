"""The snapshot's synthetic values: every one passes the fixture reader's check for its field (type,
validation, bounds), and none is made from the real value."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from fake_redcap.fixture.values import VALIDATIONS, value_problem
from fake_redcap.model import Field
from fake_redcap.snapshot.synthetic import Synthesizer, choice_codes, must_replace


def meta(field_type: str, validation: str = "", low: str = "", high: str = "", **more: str) -> dict[str, Any]:
    return {
        "field_name": "f",
        "form_name": "main",
        "field_type": field_type,
        "text_validation_type_or_show_slider_number": validation,
        "text_validation_min": low,
        "text_validation_max": high,
        "identifier": "y",
        **more,
    }


def as_field(m: dict[str, Any]) -> Field:
    return Field(
        name="f",
        form="main",
        type=m["field_type"],
        validation=m["text_validation_type_or_show_slider_number"] or None,
        validation_min=m["text_validation_min"],
        validation_max=m["text_validation_max"],
        choices=m.get("select_choices_or_calculations", ""),
    )


@pytest.mark.parametrize("validation", sorted(VALIDATIONS))
def test_every_validation_gets_a_value_that_passes_it(validation: str) -> None:
    synth = Synthesizer(random.Random(7))
    m = meta("text", validation)
    for _ in range(50):
        value = synth.value(m, "f", "real value")
        assert value != "" and value_problem(as_field(m), value) is None, (validation, value)


@pytest.mark.parametrize(
    ("m", "check"),
    [
        (meta("text", "integer", "5", "9"), lambda v: 5 <= int(v) <= 9),
        (
            meta("text", "number_2dp", "1.5", "2.5"),
            lambda v: 1.5 <= float(v) <= 2.5 and len(v.split(".")[1]) == 2,
        ),
        (
            meta("text", "date_mdy", "2001-02-03", "2001-02-05"),
            lambda v: dt.date(2001, 2, 3) <= dt.date.fromisoformat(v) <= dt.date(2001, 2, 5),
        ),
        (
            meta("text", "datetime_seconds_dmy", "2001-02-03", "2001-02-03"),
            lambda v: v.startswith("2001-02-03 "),
        ),
        (meta("slider", "number", "-3", "3"), lambda v: -3 <= int(v) <= 3),
        (meta("radio", select_choices_or_calculations="a, A | -1, B"), lambda v: v in ("a", "-1")),
        (meta("dropdown", select_choices_or_calculations="1, x"), lambda v: v == "1"),
        (meta("yesno"), lambda v: v in ("0", "1")),
        (meta("calc", select_choices_or_calculations="1+1"), lambda v: v.isdigit()),
        (meta("notes"), lambda v: v.replace(" ", "").isalpha()),
    ],
)
def test_values_stay_in_type_and_bounds(m: dict[str, Any], check: Any) -> None:
    synth = Synthesizer(random.Random(3))
    for _ in range(50):
        value = synth.value(m, "f", "Ada Lovelace, 1815-12-10")
        assert check(value), value
        assert value_problem(as_field(m), value) is None


def test_blank_stays_blank_and_checkbox_columns_are_0_or_1() -> None:
    synth = Synthesizer(random.Random(1))
    assert synth.value(meta("text"), "f", "") == ""
    box = meta("checkbox", select_choices_or_calculations="1, A | 2, B")
    assert {synth.value(box, "f___1", "1") for _ in range(30)} == {"0", "1"}
    assert synth.value(meta("sql"), "f", "12") == ""  # no value the fake could make up: blank


def test_which_fields_are_replaced() -> None:
    assert must_replace({**meta("text"), "identifier": ""})  # free text
    assert must_replace({**meta("notes"), "identifier": ""})
    assert must_replace(meta("text", "email"))  # an identifier
    assert must_replace({**meta("text", "email"), "identifier": ""})  # an address, tagged or not
    assert must_replace({**meta("text", "phone"), "identifier": ""})
    assert not must_replace({**meta("text", "date_ymd"), "identifier": ""})
    assert not must_replace({**meta("text", "zipcode"), "identifier": ""})
    assert not must_replace({**meta("radio"), "identifier": ""})  # codes are not free text
    assert not must_replace(meta("file"))  # files: placeholders, not their column
    assert choice_codes("1, Yes | 2, No, really | fatigue, F") == ["1", "2", "fatigue"]


def test_records_replace_identifier_checkbox_columns_and_renumber(tmp_path: Any) -> None:
    from fake_redcap.snapshot.pull import Pulled
    from fake_redcap.snapshot.write import Options, record_id_map, write_records

    metadata = [
        {**meta("text"), "field_name": "record_id", "identifier": ""},
        {**meta("checkbox", select_choices_or_calculations="1, A | 2, B"), "field_name": "box"},
        {
            **meta("radio", select_choices_or_calculations="1, A | 2, B"),
            "field_name": "kept",
            "identifier": "",
        },
        {**meta("text"), "field_name": "a___b", "identifier": ""},  # a name with ___ that is no checkbox
    ]
    header = ["record_id", "box___1", "box___2", "kept", "a___b"]
    pulled = Pulled("15.7.6", {"project_id": 1}, metadata, [], record_header=header)
    pulled.records = [["SMITH-J", "1", "1", "2", "Ada Lovelace"]] * 40
    ids = record_id_map(pulled, Options())
    assert ids == {"SMITH-J": "1"}
    assert write_records(pulled, tmp_path, ids, Options()) == 40 * 3
    lines = (tmp_path / "records.csv").read_text().splitlines()
    rows = [line.split(",") for line in lines[1:]]
    assert {r[0] for r in rows} == {"1"} and {r[3] for r in rows} == {"2"}
    assert {r[1] for r in rows} == {"0", "1"}  # random, not the real 1
    assert "Ada Lovelace" not in "".join(lines)
