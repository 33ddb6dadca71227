"""`project.attributes`: the content=project attributes a fixture may set (those Import Project
Information writes, V15 Project.php:2265-2292), shown by the project export and the project XML."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import yaml

from fake_redcap import FakeServer, FakeState, FixtureError, load_fixture

TOKEN = "B0000000000000000000000000000001"


def fixture(tmp_path: Path, attributes: object) -> Path:
    path = tmp_path / "project.yaml"
    document = {
        "project": {"project_id": 5, "title": "Attributes", "attributes": attributes},
        "fields": [{"name": "record_id", "form": "main", "type": "text"}],
        "users": [{"username": "u", "token": TOKEN, "data_export": "full"}],
    }
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_attributes_show_in_the_project_export(tmp_path: Path) -> None:
    attributes = {
        "purpose": 4,
        "purpose_other": "",
        "project_notes": "Notes, with a comma",
        "record_autonumbering_enabled": 1,
        "project_irb_number": "IRB-7",
        "custom_record_label": "[record_id]",
    }
    server = FakeServer(FakeState([str(fixture(tmp_path, attributes))]), "127.0.0.1", 0).start()
    try:
        data = {"token": TOKEN, "content": "project", "format": "json"}
        info = requests.post(server.url, data=data, timeout=30).json()
        xml = requests.post(
            server.url, data={**data, "content": "project_xml", "returnMetadataOnly": "true"}, timeout=30
        ).text
    finally:
        server.stop()
    assert {key: info[key] for key in attributes} == attributes
    assert info["surveys_enabled"] == 0  # the others keep a new project's values
    assert "<redcap:RecordAutonumberingEnabled>1</redcap:RecordAutonumberingEnabled>" in xml
    assert "<redcap:Purpose>4</redcap:Purpose>" in xml


@pytest.mark.parametrize(
    ("attributes", "words"),
    [
        ({"project_title": "x"}, "project_title"),  # the title is project.title
        ({"purpose": "4"}, "is not an integer"),
        ({"purpose": True}, "is not an integer"),
        ({"project_notes": 3}, "must be a string"),
        (["purpose"], "project.attributes"),
    ],
)
def test_bad_attributes_are_refused_with_their_place(tmp_path: Path, attributes: object, words: str) -> None:
    with pytest.raises(FixtureError) as caught:
        load_fixture(fixture(tmp_path, attributes))
    assert "project.attributes" in str(caught.value) and words in str(caught.value)
