"""The record export's `fields[]` with a descriptive field (text on a form, no data): REDCap drops it
from the list, and refuses a list that held only descriptive fields. The analysis reference project has
one, `note_heading` (reference_analysis.yaml); its `importer_user` has Full Data Set rights.
"""

from __future__ import annotations

import pytest

from . import sources as src
from .helpers import json_message
from .targets import ProjectUnderTest

READER = "importer_user"
DESCRIPTIVE = "note_heading"
DESCRIPTIVE_ONLY = (
    'The variables provided in the parameter "fields" are not valid fields that contain data. This might '
    "happen if you only provided variables for Descriptive fields."
)
SOURCE = (
    f"{src.V15} API/record/export.php:59-60 (a descriptive field in fields[] is unset) and 67-69 (none "
    "left: 400)"
)
V13_SOURCE = "REDCap 13.6.1 API/record/export.php:51-52, 60-61 (the same)"


def _export(project: ProjectUnderTest, fields: list[str]) -> tuple[int, bytes]:
    params = [("content", "record"), ("format", "json"), ("returnFormat", "json"), ("type", "flat")]
    params += [(f"fields[{i}]", name) for i, name in enumerate(fields)]
    response = project.post(READER, params)
    return response.status_code, response.content


def _check_fixture(project: ProjectUnderTest) -> None:
    field = project.fixture.field(DESCRIPTIVE)
    assert field is not None and field.type == "descriptive", (
        f"{DESCRIPTIVE} is the fixture's descriptive field"
    )


@pytest.mark.source(SOURCE, V13_SOURCE)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_descriptive_field_in_fields_is_dropped_from_the_record_export(analysis: ProjectUnderTest) -> None:
    _check_fixture(analysis)
    record_id = analysis.fixture.record_id_field
    with_it = _export(analysis, [record_id, DESCRIPTIVE])
    without = _export(analysis, [record_id])
    assert with_it[0] == 200, with_it[1][:300]
    assert with_it == without


@pytest.mark.source(SOURCE, V13_SOURCE)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_record_export_of_descriptive_fields_only_is_refused(analysis: ProjectUnderTest) -> None:
    _check_fixture(analysis)
    response = analysis.post(
        READER,
        {
            "content": "record",
            "format": "json",
            "returnFormat": "json",
            "type": "flat",
            "fields[0]": DESCRIPTIVE,
        },
    )
    assert (response.status_code, json_message(response)) == (400, DESCRIPTIVE_ONLY)
