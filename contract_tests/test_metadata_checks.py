"""Import Metadata's data dictionary checks (REDCap 13.6.1-15.7.6 Classes/MetaData.php error_checking):
the reference project's own dictionary with one bad line added is refused with REDCap's message, and
nothing changes. A clause whose import is (wrongly) accepted puts the dictionary back before it fails.
"""

from __future__ import annotations

import json

import pytest

from . import sources as src
from .helpers import json_message
from .targets import ProjectUnderTest

DESIGNER = "super_user"  # every right, Project Design and API Import included (V15 RestUtility.php:143-160)
SOURCE = f"{src.V15} Classes/MetaData.php error_checking"


def _dictionary(project: ProjectUnderTest) -> list[dict[str, str]]:
    response = project.post(DESIGNER, {"content": "metadata", "format": "json", "returnFormat": "json"})
    assert response.status_code == 200, response.text
    rows: list[dict[str, str]] = response.json()
    return rows


def _line(name: str, ftype: str, **columns: str) -> dict[str, str]:
    line = {
        "field_name": name,
        "form_name": "enrollment",
        "section_header": "",
        "field_type": ftype,
        "field_label": name,
        "select_choices_or_calculations": "",
        "field_note": "",
        "text_validation_type_or_show_slider_number": "",
        "text_validation_min": "",
        "text_validation_max": "",
        "identifier": "",
        "branching_logic": "",
        "required_field": "",
        "custom_alignment": "",
        "question_number": "",
        "matrix_group_name": "",
        "matrix_ranking": "",
        "field_annotation": "",
    }
    line.update(columns)
    return line


def _refusal(project: ProjectUnderTest, bad: dict[str, str]) -> tuple[str, int]:
    """The dictionary with `bad` after the record ID field; the message and the bad line's row."""
    before = _dictionary(project)
    rows = [before[0], bad, *before[1:]]
    params = {"content": "metadata", "format": "json", "returnFormat": "json", "data": json.dumps(rows)}
    response = project.post(DESIGNER, params)
    if response.status_code == 200:
        restore = {**params, "data": json.dumps(before)}
        project.post(DESIGNER, restore)
        pytest.fail(f"the import was accepted ({response.text!r}); the dictionary was put back")
    assert response.status_code == 400, response.text
    assert _dictionary(project) == before
    return json_message(response), 3


@pytest.mark.source(
    f"{SOURCE} :1170-1174 (errors_array[18], database_mods_39); V13.6.1 and V14.5.11 the same"
)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_multiple_choice_field_needs_choices(classic: ProjectUnderTest) -> None:
    message, row = _refusal(classic, _line("mc_color", "radio"))
    assert message == (
        "Each multiple choice field (radio, drop-down, checkbox, etc.) must have choices listed in column F, "
        f"but the following  cells have choices missing: F{row}"
    )


@pytest.mark.source(
    f"{SOURCE} :1176-1214 (errors_array[25], database_mods_40); V13.6.1 and V14.5.11 the same"
)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_choice_code_given_twice_is_refused(classic: ProjectUnderTest) -> None:
    bad = _line("mc_color", "dropdown", select_choices_or_calculations="1, Red | 1, Blue")
    message, row = _refusal(classic, bad)
    assert message == (
        "Multiple choice fields have been found where a coded value is duplicated in the choices column (F). "
        "All multiple choice fields  must have a unique coded value for every option. Please remove any "
        f"duplications for the coded values in the following cells: mc_color (F{row})"
    )


@pytest.mark.source(
    f"{SOURCE} :1190-1200 (errors_array[27], database_mods_154, _33); V13.6.1, V14.5.11 the same"
)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_choice_code_with_a_space_is_refused_with_a_suggestion(classic: ProjectUnderTest) -> None:
    bad = _line("mc_color", "radio", select_choices_or_calculations="a b, Red | 2, Blue")
    message, row = _refusal(classic, bad)
    assert message == (
        "Multiple choice fields can only have coded values (in the choices in column F) that are numeric "
        "or  alpha-numeric (lower case or upper case, with or without underscores), thus they cannot have "
        "codings "
        f'that contain spaces or other characters.  Please make the following corrections:  "a b" (F{row}) - '
        'Suggestion: replace with "a_b"'
    )


@pytest.mark.source(
    f"{SOURCE} :1062-1088 (errors_array[14] and [21], database_mods_37, _45); V13.6.1 the same"
)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_calc_needs_an_equation_of_known_fields(classic: ProjectUnderTest) -> None:
    message, row = _refusal(classic, _line("mc_calc", "calc"))
    assert message == (
        "Each 'calc' field must have an equation in column F, but the following cells have an equation "
        f"missing: F{row}"
    )
    message, row = _refusal(
        classic, _line("mc_calc", "calc", select_choices_or_calculations="[mc_nowhere]*2")
    )
    assert message == (
        "There are variables used in calculated field equation(s) that are not listed as real variables in "
        "column A. All variables used  in calculations must exist in column A. Below are the variables not "
        f"found in column A.mc_nowhere (F{row})"
    )


@pytest.mark.source(
    f"{SOURCE} :1330-1339, 1588-1590 (errors_array[47], data_import_tool_264); V13.6.1 the same"
)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_bound_needs_a_validation_type(classic: ProjectUnderTest) -> None:
    message, row = _refusal(classic, _line("mc_height", "text", text_validation_max="200"))
    assert message == (
        "A field validation type is required in order to have a minimum or maximum validation value. The "
        f"following cells are missing a validation type: I{row}"
    )


@pytest.mark.source(
    f"{SOURCE} :1507-1516, 1563-1566 (errors_array[16], database_mods_48, _49: the list names the types "
    "the administrator shows); V13.6.1 and V14.5.11 the same"
)
@pytest.mark.redcap_version(">=13.6.1")
def test_an_unknown_validation_type_is_refused(classic: ProjectUnderTest) -> None:
    bad = _line("mc_height", "text", text_validation_type_or_show_slider_number="Centimetres")
    message, row = _refusal(classic, bad)
    assert message.startswith("The only valid validation types are date_dmy, ")
    assert message.endswith(
        " and must all be lower-case. The following are invalid validation types in your data "
        f"dictionary:centimetres (H{row})"
    )


@pytest.mark.source(
    f"{SOURCE} :1631-1638 (errors_array[20], database_mods_55); V13.6.1 and V14.5.11 the same"
)
@pytest.mark.redcap_version(">=13.6.1")
def test_branching_logic_names_known_fields(classic: ProjectUnderTest) -> None:
    bad = _line("mc_note", "text", branching_logic="[enrollment_complete] = '2' or [mc_nowhere(1)] = '1'")
    message, row = _refusal(classic, bad)
    assert message == (
        "There are variables used in the branching logic that are not listed as real variables in column A. "
        "All variables used in branching  logic must exist in column A. Below are the variables not found in "
        f"column A.mc_nowhere (L{row})"
    )


@pytest.mark.source(
    f"{SOURCE} :1773-1776 (errors_array[34], database_mods_125); V13.6.1 and V14.5.11 the same"
)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_matrix_holds_only_radios_and_checkboxes(classic: ProjectUnderTest) -> None:
    bad = _line("mc_grid", "dropdown", select_choices_or_calculations="1, A | 2, B", matrix_group_name="mc")
    message, row = _refusal(classic, bad)
    assert message == (
        "Fields that are part of a matrix group can ONLY be a radio or checkbox field. The fields below "
        "need to "
        f"be changed  so that the field is either of those field types.dropdown (D{row})"
    )


@pytest.mark.source(
    f"{src.V15} API/formEventMapping/import.php and Classes/Event.php saveEventMapping: the rows of a "
    "classic project are checked like any other (its one event is hidden, not absent); V13.6.1 and V14.5.11 "
    "the same"
)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_classic_projects_designations_are_checked(classic: ProjectUnderTest) -> None:
    rows = [{"arm_num": "1", "unique_event_name": "mc_nowhere_arm_1", "form": "mc_no_form"}]
    params = {
        "content": "formEventMapping",
        "format": "json",
        "returnFormat": "json",
        "data": json.dumps(rows),
    }
    response = classic.post(DESIGNER, params)
    assert (response.status_code, json_message(response)) == (
        400,
        'The unique event name "mc_nowhere_arm_1" does not exist in the project.\n'
        'The instrument name (i.e., the unique form name) "mc_no_form" does not exist in the project.',
    )
