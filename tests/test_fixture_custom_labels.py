"""Custom event and repeating-instrument labels in a fixture (issue 14, point 2): written in YAML
(`custom_label`), read from REDCap's events and repeating set-up files (`custom_event_label`,
`custom_form_label`) and from a project XML (`redcap:CustomEventLabel`, `redcap:CustomLabel`, V15
ODM.php:2027, 2247), shown by the event, repeating and project XML exports as REDCap shows them."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from fake_redcap import FakeState, create_app
from fake_redcap.fixture import FixtureError, load_fixture
from tests.support import longitudinal_fixture, write_fixture

DESIGNER = {
    "username": "designer",
    "token": "61016101610161016101610161016101",
    "data_export": "full",
    "design": True,
}


def labelled() -> dict[str, Any]:
    doc: dict[str, Any] = longitudinal_fixture()
    doc["users"].append(DESIGNER)
    for event in doc["events"]:
        if event["unique_name"] == "visit_1_arm_1":
            event["custom_label"] = '[visit_date] & "x"'
    for rule in doc["repeating"]:
        if rule.get("form") == "labs":
            rule["custom_label"] = "Lab <b>[lab_date]</b>"
    return doc


def ask(path: Path, content: str, fmt: str = "json", **more: str) -> str:
    client = create_app(FakeState([path])).test_client()
    body = urllib.parse.urlencode({"token": DESIGNER["token"], "content": content, "format": fmt, **more})
    response = client.post("/api/", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def labels_of(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    events = {e["unique_event_name"]: e["custom_event_label"] for e in json.loads(ask(path, "event"))}
    rules = json.loads(ask(path, "repeatingFormsEvents"))
    repeating = {r["form_name"]: r["custom_form_label"] for r in rules if r["form_name"]}
    return events, repeating


def test_yaml_labels_are_shown_by_the_event_repeating_and_project_xml_exports(tmp_path: Path) -> None:
    path = write_fixture(tmp_path, labelled())
    events, repeating = labels_of(path)
    assert events["visit_1_arm_1"] == '[visit_date] & "x"' and events["baseline_arm_1"] == ""
    assert repeating == {"labs": "Lab <b>[lab_date]</b>"}
    xml = ask(path, "project_xml", "xml", returnMetadataOnly="true")
    # RCView::escape($label, false): htmlspecialchars with ENT_QUOTES (ODM.php:373, 1306)
    assert 'redcap:CustomEventLabel="[visit_date] &amp; &quot;x&quot;"' in xml
    assert 'redcap:CustomLabel="Lab &lt;b&gt;[lab_date]&lt;/b&gt;"' in xml


def test_the_project_xml_and_the_csv_files_bring_the_labels_back(tmp_path: Path) -> None:
    path = write_fixture(tmp_path / "yaml", labelled())
    want = labels_of(path)
    folder = tmp_path / "xml"
    folder.mkdir()
    (folder / "project.xml").write_text(ask(path, "project_xml", "xml", returnMetadataOnly="true"))
    xml_doc = {"redcap": {"project_xml": "project.xml"}, "users": [DESIGNER]}
    assert labels_of(write_fixture(folder, xml_doc)) == want
    folder = tmp_path / "csv"
    files = {
        "dd.csv": ask(path, "metadata", "csv"),
        "arms.csv": ask(path, "arm", "csv"),
        "events.csv": ask(path, "event", "csv"),
        "designations.csv": ask(path, "formEventMapping", "csv"),
        "repeating.csv": ask(path, "repeatingFormsEvents", "csv"),
    }
    csv_doc = {
        "redcap": {
            "data_dictionary": "dd.csv",
            "arms": "arms.csv",
            "events": "events.csv",
            "instrument_event_mappings": "designations.csv",
            "repeating_instruments_events": "repeating.csv",
        },
        "users": [DESIGNER],
    }
    fixture = write_fixture(folder, csv_doc, {k: v.encode() for k, v in files.items()})
    assert labels_of(fixture) == want


def test_a_repeating_event_takes_no_custom_label(tmp_path: Path) -> None:
    doc = labelled()
    for rule in doc["repeating"]:
        if "form" not in rule:
            rule["custom_label"] = "Again"
    refused = r"repeating\[1\].custom_label: a repeating event has no custom label"
    with pytest.raises(FixtureError, match=refused):
        load_fixture(write_fixture(tmp_path, doc))
