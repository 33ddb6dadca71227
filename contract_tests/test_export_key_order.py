"""The order of the keys in the structure exports' json rows: arms, events, the instrument-event mapping,
the repeating set-up and the export field names. REDCap builds each row as a PHP array in a fixed order
and json_encode keeps it; clients that read rows by position (CSV readers, R data frames built from the
first row) depend on it. The other clauses compare these rows as sets of values, so these state the
order itself.
"""

from __future__ import annotations

from typing import Any

import pytest

from . import sources as src
from .targets import ProjectUnderTest

READER = "full_user"

ARM_KEYS = ["arm_num", "name"]
# day_offset, offset_min and offset_max sit after arm_num with the scheduling module; event_id (left out
# for the Mobile App) comes last.
EVENT_KEYS = ["event_name", "arm_num", "day_offset", "offset_min", "offset_max", "unique_event_name"]
EVENT_KEYS += ["custom_event_label", "event_id"]
MAPPING_KEYS = ["arm_num", "unique_event_name", "form"]
REPEATING_LONGITUDINAL_KEYS = ["event_name", "form_name", "custom_form_label"]
REPEATING_CLASSIC_KEYS = ["form_name", "custom_form_label"]
FIELD_NAME_KEYS = ["original_field_name", "choice_value", "export_field_name"]


def _rows(project: ProjectUnderTest, content: str) -> list[dict[str, Any]]:
    response = project.post(READER, {"content": content, "format": "json", "returnFormat": "json"})
    assert response.status_code == 200, (
        f"content={content}: HTTP {response.status_code} {response.content[:300]!r}"
    )
    rows = response.json()
    assert isinstance(rows, list) and rows, f"content={content}: no rows: {response.content[:300]!r}"
    return rows


def _in_order(rows: list[dict[str, Any]], order: list[str], required: list[str]) -> None:
    for row in rows:
        keys = list(row)
        assert [k for k in required if k not in keys] == [], f"keys missing in {row}"
        assert keys == [k for k in order if k in keys], f"keys out of REDCap's order: {keys}"


@pytest.mark.source(
    f"{src.V15_PROJECT}:2001-2002 getArmRecords: array('arm_num' => ..., 'name' => ...)",
    "REDCap 10.0.13 Classes/Project.php:1815-1816 (the same)",
)
@pytest.mark.redcap_version(">=10.0.13")
def test_arm_rows_have_arm_num_then_name(longitudinal: ProjectUnderTest) -> None:
    _in_order(_rows(longitudinal, "arm"), ARM_KEYS, ARM_KEYS)


@pytest.mark.source(
    f"{src.V15_PROJECT}:1963-1973 getEventRecords: event_name, arm_num, the scheduling offsets, "
    "unique_event_name, custom_event_label, event_id, assigned in that order",
    "REDCap 10.0.13 Classes/Project.php:1783-1791 (the same)",
)
@pytest.mark.redcap_version(">=10.0.13")
def test_event_rows_have_redcaps_key_order(longitudinal: ProjectUnderTest) -> None:
    required = ["event_name", "arm_num", "unique_event_name", "custom_event_label"]
    _in_order(_rows(longitudinal, "event"), EVENT_KEYS, required)


@pytest.mark.source(
    f"{src.V15_PROJECT}:1896 getInstrEventMapRecords: array('arm_num', 'unique_event_name', 'form')",
    "REDCap 10.0.13 Classes/Project.php:1718 (the same)",
)
@pytest.mark.redcap_version(">=10.0.13")
def test_form_event_mapping_rows_have_arm_num_event_then_form(longitudinal: ProjectUnderTest) -> None:
    _in_order(_rows(longitudinal, "formEventMapping"), MAPPING_KEYS, MAPPING_KEYS)


# V10 API/index.php:152 has the content; the content switch of V7 API/index.php:107-133 does not.
@pytest.mark.source(
    f"{src.V15_REPEATING}:96 (longitudinal: event_name, form_name, custom_form_label) and :102 (classic: "
    "form_name, custom_form_label)",
    "REDCap 10.0.13 API/repeatingFormsEvents/export.php:93, 99 (the same)",
)
@pytest.mark.redcap_version(">=10.0.13")
@pytest.mark.parametrize("kind", ["classic", "longitudinal"])
def test_repeating_setup_rows_have_redcaps_key_order(request: pytest.FixtureRequest, kind: str) -> None:
    project: ProjectUnderTest = request.getfixturevalue(kind)
    order = REPEATING_LONGITUDINAL_KEYS if kind == "longitudinal" else REPEATING_CLASSIC_KEYS
    _in_order(_rows(project, "repeatingFormsEvents"), order, order)


@pytest.mark.source(
    f"{src.V15} API/exportFieldNames/export.php:35, 68-71: $headers = original_field_name, choice_value, "
    "export_field_name; each json row built with those keys in that order",
    "REDCap 10.0.13 API/exportFieldNames/export.php:35 (the same headers)",
)
@pytest.mark.redcap_version(">=10.0.13")
def test_export_field_name_rows_have_redcaps_key_order(classic: ProjectUnderTest) -> None:
    _in_order(_rows(classic, "exportFieldNames"), FIELD_NAME_KEYS, FIELD_NAME_KEYS)
