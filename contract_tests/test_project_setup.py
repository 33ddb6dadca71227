"""Project set-up through the API: the refusals REDCap answers before it changes anything (the design
right for arms, events, designations and the data dictionary; the Project Setup/Design right for the
repeating set-up and project information from REDCap 14; Create Project's required attributes). No
clause here writes: each request is refused before the server changes the project.
"""

from __future__ import annotations

import json

import pytest

from . import sources as src
from .helpers import json_message
from .targets import ProjectUnderTest

# English.ini api_124, api_228, design_641 + " project_title, purpose" + period + " " + api_121
DESIGN_124 = (
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'Project Design and "
    "Setup' privileges in the project in order to utilize this API method."
)
DESIGN_228 = (
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'Project Setup/Design' "
    "privileges in the project."
)
MISSING = (
    "One or more components are missing in your input data. The following attributes are required: "
    "project_title, purpose. Also, 'purpose' must have a value of 0, 1, 2, 3, or 4."
)
IMPORTER = "importer_user"  # API Import/Update, no Project Design right, in both reference projects


def _import(project: ProjectUnderTest, content: str, rows: object, **more: str) -> tuple[int, str]:
    params = {"content": content, "format": "json", "returnFormat": "json", "data": json.dumps(rows), **more}
    response = project.post(IMPORTER, params)
    return response.status_code, json_message(response)


@pytest.mark.source(f"{src.V15} API/arm/import.php: the Project Design right (api_124); V10 and V13 the same")
@pytest.mark.redcap_version(">=10.0.13")
def test_arm_import_needs_the_design_right(longitudinal: ProjectUnderTest) -> None:
    rows = [{"arm_num": "1", "name": "Arm 1"}]
    assert _import(longitudinal, "arm", rows, action="import") == (400, DESIGN_124)


@pytest.mark.source(
    f"{src.V15} API/event/import.php: the Project Design right (api_124); V10 and V13 the same"
)
@pytest.mark.redcap_version(">=10.0.13")
def test_event_import_needs_the_design_right(longitudinal: ProjectUnderTest) -> None:
    rows = [{"event_name": "Never made", "arm_num": "1"}]
    assert _import(longitudinal, "event", rows, action="import") == (400, DESIGN_124)


@pytest.mark.source(
    f"{src.V15} API/formEventMapping/import.php: the Project Design right (api_124); V10 and V13 the same"
)
@pytest.mark.redcap_version(">=10.0.13")
def test_mapping_import_needs_the_design_right(longitudinal: ProjectUnderTest) -> None:
    rows = [{"arm_num": "1", "unique_event_name": "none_arm_1", "form": "none"}]
    assert _import(longitudinal, "formEventMapping", rows) == (400, DESIGN_124)


@pytest.mark.source(
    f"{src.V15} API/metadata/import.php: the Project Design right (api_124); V10 and V13 the same"
)
@pytest.mark.redcap_version(">=10.0.13")
def test_metadata_import_needs_the_design_right(classic: ProjectUnderTest) -> None:
    rows = [
        {"field_name": "record_id", "form_name": "enrollment", "section_header": "", "field_type": "text"}
    ]
    assert _import(classic, "metadata", rows) == (400, DESIGN_124)


@pytest.mark.source(
    "REDCap 14.5.11 and 15.7.6 API/repeatingFormsEvents/import.php: the Project Setup/Design right "
    "(api_228; REDCap 13.6.1 has no such check)"
)
@pytest.mark.redcap_version(">=14.5.11")
def test_repeating_import_needs_the_design_right(classic: ProjectUnderTest) -> None:
    rows = [{"form_name": "lab_results", "custom_form_label": ""}]
    assert _import(classic, "repeatingFormsEvents", rows) == (400, DESIGN_228)


@pytest.mark.source(
    "REDCap 14.5.11 and 15.7.6 API/project_settings/import.php: the Project Setup/Design right "
    "(api_228; REDCap 13.6.1 has no such check)"
)
@pytest.mark.redcap_version(">=14.5.11")
def test_project_settings_import_needs_the_design_right(classic: ProjectUnderTest) -> None:
    assert _import(classic, "project_settings", {"project_notes": "never written"}) == (400, DESIGN_228)


@pytest.mark.source(
    f"{src.V15} API/project/import.php and Classes/Project.php validateApiCreateProjectInput: project_title "
    "and a purpose of 0-4 are required (design_641, api_121), checked before any project is made"
)
@pytest.mark.redcap_version(">=13.6.1")
def test_create_project_needs_a_title_and_a_purpose(classic: ProjectUnderTest) -> None:
    token = classic.super_token("super_user")
    data = json.dumps([{"project_title": "never made", "purpose": "7"}])
    params = {"token": token, "content": "project", "format": "json", "returnFormat": "json", "data": data}
    response = classic.post(None, params)
    assert (response.status_code, json_message(response)) == (400, MISSING)
