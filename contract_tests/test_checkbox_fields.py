"""Checkbox fields: the data dictionary holds one field with its choices; the exports that name record
columns (exportFieldNames, the flat record export) give each choice a column of its own, `field___code`.

Expectations come from the classic reference fixture's checkbox field (`contact_ways`, choices
"1, Phone | 2, E-mail | 3, Post"), read here by REDCap's own rule (parseEnum: split at "|", the code
before the first comma, trimmed), never from the fake's code.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from . import sources as src
from .targets import ProjectUnderTest

READER = "full_user"
CHECKBOX = "contact_ways"


def _export(project: ProjectUnderTest, params: dict[str, str]) -> Any:
    response = project.post(READER, {"format": "json", "returnFormat": "json", **params})
    assert response.status_code == 200, f"HTTP {response.status_code} {response.content[:300]!r}"
    return response.json()


def _choices(project: ProjectUnderTest) -> list[str]:
    """The checkbox's codes in order, from the fixture's data dictionary text."""
    field = project.fixture.field(CHECKBOX)
    assert field is not None and field.type == "checkbox"
    return [part.split(",", 1)[0].strip() for part in field.choices.split("|")]


def _column(code: str) -> str:
    """Project::getExtendedCheckboxFieldname: "-" and "." become "_", lower case, only [a-z0-9_] kept."""
    return f"{CHECKBOX}___" + re.sub(r"[^a-z_0-9]", "", code.replace("-", "_").replace(".", "_").lower())


@pytest.mark.source(src.V15_EXPORT_FIELD_NAMES, src.PYCAP_FIELD_NAMES)
def test_export_field_names_give_a_checkbox_a_row_per_choice(classic: ProjectUnderTest) -> None:
    rows = _export(classic, {"content": "exportFieldNames"})
    mine = [r for r in rows if r["original_field_name"] == CHECKBOX]
    assert mine == [
        {"original_field_name": CHECKBOX, "choice_value": code, "export_field_name": _column(code)}
        for code in _choices(classic)
    ]


@pytest.mark.source(
    f"{src.V15_EXPORT_FIELD_NAMES}: field= names one field; a checkbox still gives every choice"
)
def test_export_field_names_of_one_checkbox_field(classic: ProjectUnderTest) -> None:
    rows = _export(classic, {"content": "exportFieldNames", "field": CHECKBOX})
    assert [r["export_field_name"] for r in rows] == [_column(c) for c in _choices(classic)]


@pytest.mark.source(
    f"{src.V15_EXPORT_FIELD_NAMES}: other fields keep their name with an empty choice_value; file fields"
    " have none"
)
def test_export_field_names_of_the_other_fields(classic: ProjectUnderTest) -> None:
    rows = _export(classic, {"content": "exportFieldNames"})
    plain = {r["original_field_name"]: r for r in rows if r["original_field_name"] != CHECKBOX}
    for field in classic.fixture.fields:
        if field.type == "checkbox":
            continue
        if field.is_file or field.type == "descriptive":
            assert field.name not in plain
        else:
            assert (plain[field.name]["choice_value"], plain[field.name]["export_field_name"]) == (
                "",
                field.name,
            )


@pytest.mark.source(f"{src.V15_METADATA}: select_choices_or_calculations as the data dictionary gave it")
def test_metadata_shows_the_checkbox_and_its_choices(classic: ProjectUnderTest) -> None:
    rows = _export(classic, {"content": "metadata", "fields[0]": CHECKBOX})
    field = classic.fixture.field(CHECKBOX)
    assert field is not None
    assert [(r["field_name"], r["field_type"], r["select_choices_or_calculations"]) for r in rows] == [
        (CHECKBOX, "checkbox", field.choices)
    ]


@pytest.mark.source(
    f"{src.V15_RECORDS}: a checkbox is a column per choice after the record ID and repeat columns, 1 checked,"
    " 0 unchecked on the record's own row",
    src.PYCAP_RECORDS,
)
def test_record_export_gives_a_checkbox_a_column_per_choice(classic: ProjectUnderTest) -> None:
    rows = _export(
        classic,
        {
            "content": "record",
            "type": "flat",
            "records[0]": "1",
            "fields[0]": "record_id",
            "fields[1]": CHECKBOX,
        },
    )
    base = rows[0]
    columns = [_column(c) for c in _choices(classic)]
    assert list(base) == ["record_id", "redcap_repeat_instrument", "redcap_repeat_instance", *columns]
    (row,) = [r for r in classic.fixture.records if r.record == "1" and r.instance == 1]
    assert [base[c] for c in columns] == ["1" if row.values.get(c) == "1" else "0" for c in columns]
    assert "1" in [base[c] for c in columns] and "0" in [base[c] for c in columns]
