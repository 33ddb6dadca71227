"""Export Project XML round trip: every demo and reference project exported as project XML
(`content=project_xml`, data and files included), loaded back as a fixture (the XML alone), answers
every export the original answers the same way: metadata, instruments, records (flat, json), arms,
events, instrument-event mappings, the repeating set-up, each stored file, and the project title."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState, create_app
from fake_redcap.fixture import demo_fixture_paths
from fake_redcap.model import Project

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = sorted((ROOT / "contract_tests" / "reference").glob("reference_*.yaml"))
# The every-field-type demo has SQL fields, whose project XML the fake does not write (see below).
EVERY_FIELD_TYPE = ROOT / "fake_redcap" / "demo" / "every_field_type" / "project.yaml"
PROJECT_FILES = [*demo_fixture_paths(), *REFERENCE]
EXPORTS = ("metadata", "instrument", "record", "arm", "event", "formEventMapping", "repeatingFormsEvents")


def _post(client: FlaskClient, data: dict[str, str]) -> tuple[int, bytes]:
    answer = client.post("/api/", data=data)
    return answer.status_code, answer.data


def _exporter(project: Project) -> str:
    """A user who may call every export compared (repeatingFormsEvents needs Project Design)."""
    usable = [u for u in project.users if u.api_export and not u.suspended and u.expiration is None]
    return next((u.token for u in usable if u.design), usable[0].token)


def _answers(client: FlaskClient, token: str, design: bool) -> dict[str, Any]:
    """Each export's status and json; event_id (a database id, made from the project_id) left out."""
    got: dict[str, Any] = {}
    for content in EXPORTS if design else EXPORTS[:-1]:
        status, body = _post(client, {"token": token, "content": content, "format": "json"})
        shown = json.loads(body)
        if content == "event" and status == 200:
            shown = [{k: v for k, v in row.items() if k != "event_id"} for row in shown]
        got[content] = (status, shown)
    info = _post(client, {"token": token, "content": "project", "format": "json"})
    got["project"] = info[0]
    return got


def _as_created_from_xml(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers of a project REDCap creates from this XML: its import rebuilds the choices of
    dropdown, radio and checkbox fields as "code, label" joined by "|" without spaces
    (MetaData::error_checking with ignoreIllegalVariables, V15 MetaData.php:1175-1215)."""
    status, rows = answers["metadata"]
    if status == 200:
        rows = [
            {**row, "select_choices_or_calculations": "|".join(c.strip() for c in choices.split("|"))}
            if row["field_type"] in ("dropdown", "radio", "checkbox")
            and (choices := row["select_choices_or_calculations"])
            else row
            for row in rows
        ]
    return {**answers, "metadata": (status, rows)}


@pytest.mark.parametrize("path", PROJECT_FILES, ids=lambda p: p.stem)
def test_a_project_survives_its_own_project_xml(path: Path, tmp_path: Path) -> None:
    state = FakeState([path])
    project = state.projects[0]
    client = create_app(state).test_client()
    token = _exporter(project)
    design = next(u.design for u in project.users if u.token == token)
    status, xml = _post(client, {"token": token, "content": "project_xml", "exportFiles": "true"})
    assert status == 200, xml
    copy = tmp_path / "copy.xml"
    copy.write_bytes(xml)
    again = FakeState([copy])
    copied = again.projects[0]
    again_client = create_app(again).test_client()
    again_token = copied.users[0].token
    assert copied.title == project.title
    assert _answers(again_client, again_token, design) == _as_created_from_xml(
        _answers(client, token, design)
    )
    for row in project.records:
        for field, stored in row.files.items():
            data = {"token": again_token, "content": "file", "action": "export", "record": row.record}
            data |= {"field": field, "repeat_instance": str(row.instance)}
            if row.event is not None:
                data["event"] = row.event
            answer = again_client.post("/api/", data=data)
            original = client.post("/api/", data={**data, "token": token})
            assert (answer.status_code, answer.data) == (200, stored.read_bytes())
            assert answer.headers["Content-Type"] == original.headers["Content-Type"]


def test_a_project_with_sql_fields_is_not_written() -> None:
    """An SQL field's Length is the longest code its query returns (ODM.php:1768-1770): the fake runs
    no SQL, so it answers not implemented rather than a wrong length."""
    state = FakeState([EVERY_FIELD_TYPE])
    client = create_app(state).test_client()
    answer = client.post("/api/", data={"token": _exporter(state.projects[0]), "content": "project_xml"})
    assert answer.status_code == 400
    assert answer.headers["X-Fake-REDCap-Not-Implemented"] == "content=project_xml with SQL fields"


def test_every_other_field_type_survives_its_project_xml(tmp_path: Path) -> None:
    """The every-field-type demo without its SQL field: notes, dropdown, radio, checkbox, yes/no,
    true/false, slider, calc, descriptive, file and signature fields, validations with bounds, field
    notes, annotations and matrices go out and come back as they were. A line break in a value does
    not: REDCap writes it raw inside the Value attribute (htmlspecialchars leaves it), and an XML
    parser reads it as a space (XML 1.0 section 3.3.3, attribute-value normalization)."""
    folder = tmp_path / "every_field_type"
    shutil.copytree(EVERY_FIELD_TYPE.parent, folder)
    text = EVERY_FIELD_TYPE.read_text(encoding="utf-8")
    (folder / "project.yaml").write_text(
        "\n".join(line for line in text.splitlines() if "type: sql" not in line) + "\n", encoding="utf-8"
    )
    state = FakeState([folder / "project.yaml"])
    client = create_app(state).test_client()
    token = _exporter(state.projects[0])
    status, xml = _post(client, {"token": token, "content": "project_xml", "exportFiles": "1"})
    assert status == 200, xml
    (tmp_path / "copy.xml").write_bytes(xml)
    again = FakeState([tmp_path / "copy.xml"])
    again_client = create_app(again).test_client()
    original = _answers(client, token, design=True)
    records = [
        {k: v.replace("\n", " ") if isinstance(v, str) else v for k, v in row.items()}
        for row in original["record"][1]
    ]
    assert any(row != new for row, new in zip(original["record"][1], records, strict=True))
    original["record"] = (200, records)
    assert _answers(again_client, again.projects[0].users[0].token, design=True) == _as_created_from_xml(
        original
    )
