"""Every example of the fixture format's documentation (`fake_redcap/fixture/FORMAT.md`) runs: each
`<!-- example: ... -->` block loads (or is refused exactly as shown), with the `<!-- file: ... -->`
blocks written beside it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from fake_redcap import FakeState, create_app
from fake_redcap.fixture import load_fixture

FORMAT = Path(__file__).resolve().parent.parent / "fake_redcap" / "fixture" / "FORMAT.md"
TEXT = FORMAT.read_text(encoding="utf-8")
BLOCK = re.compile(r"<!-- (example|file): ([\w.-]+)[^>]*-->\n *```(\w*)\n(.*?)\n *```", re.S)
BLOCKS = {(kind, name): body for kind, name, _lang, body in BLOCK.findall(TEXT)}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_every_code_block_is_an_example_or_a_file() -> None:
    fences = re.findall(r"^ *```\w*\n", TEXT, re.M)
    assert len(fences) == 2 * len(BLOCKS), (
        "a code block of FORMAT.md has no <!-- example --> or <!-- file --> mark"
    )
    assert set(BLOCKS) >= {
        ("example", "fixture"),
        ("example", "check-refusal"),
        ("example", "redcap-files"),
        ("example", "project-xml"),
    }


def ask(path: Path, content: str, fmt: str = "json", token: str = "", **more: str) -> Any:
    state = FakeState([path])
    token = token or state.projects[0].users[0].token
    client = create_app(state).test_client()
    body = urllib.parse.urlencode({"token": token, "content": content, "format": fmt, **more})
    response = client.post("/api/", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    return json.loads(text) if fmt == "json" else text


def the_fixture(folder: Path, text: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "files").mkdir(exist_ok=True)
    (folder / "files" / "consent.pdf").write_bytes(PDF)
    (folder / "files" / "sop.pdf").write_bytes(PDF)
    path = folder / "project.yaml"
    path.write_text(BLOCKS[("example", "fixture")] if text is None else text, encoding="utf-8")
    return path


def test_the_fixture_example_loads_and_serves(tmp_path: Path) -> None:
    path = the_fixture(tmp_path)
    project = load_fixture(path)
    assert (project.project_id, project.title, project.record_id_field) == (
        14,
        "Export File demo",
        "record_id",
    )
    rows = ask(path, "record", "json")
    assert {
        (r["redcap_event_name"], r["redcap_repeat_instrument"], r["redcap_repeat_instance"]) for r in rows
    } >= {
        ("baseline_arm_1", "", ""),
        ("visit_1_arm_1", "labs", 2),
    }
    contact = [f for f in ask(path, "metadata") if f["field_name"] == "contact"]
    assert contact == [
        {
            "field_name": "contact",
            "form_name": "enrollment",
            "section_header": "Contact",
            "field_type": "checkbox",
            "field_label": "Ways to contact",
            "select_choices_or_calculations": "1, Phone | 2, E-mail",
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
            "field_annotation": "@DEFAULT='1'",
        }
    ]


def test_the_check_refusal_is_the_one_shown(tmp_path: Path) -> None:
    """The fixture example whose labs form holds a notes field instead of lab_report."""
    text = BLOCKS[("example", "fixture")].replace(
        "{name: lab_report, form: labs, type: file}", "{name: lab_note, form: labs, type: notes}"
    )
    the_fixture(tmp_path, text)
    shown = BLOCKS[("example", "check-refusal")].strip().splitlines()
    command = shown[0].strip().removeprefix("$ ").split()
    assert command == ["fake-redcap", "check", "project.yaml"]
    done = subprocess.run(
        [sys.executable, "-m", "fake_redcap", *command[1:]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert done.stderr.splitlines()[0] == shown[1].strip()


def redcap_files(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for (kind, name), body in BLOCKS.items():
        if kind == "file":
            (folder / name).write_text(body + "\n", encoding="utf-8")
    path = folder / "project.yaml"
    path.write_text(BLOCKS[("example", "redcap-files")], encoding="utf-8")
    return path


def test_the_redcap_files_example_loads_and_serves(tmp_path: Path) -> None:
    path = redcap_files(tmp_path)
    project = load_fixture(path)
    pets = project.field("pets")
    assert pets is not None and (pets.label, pets.choices, pets.annotation) == (
        "Pets, if any",
        "1, Cat | 2, Dog",
        "@HIDDEN-SURVEY",
    )
    assert [(e.unique_name, e.custom_label) for e in project.events] == [
        ("baseline_arm_1", ""),
        ("visit_1_arm_1", "[lab_value]"),
    ]
    assert [(r.form, r.label) for r in project.repeating] == [("labs", "Lab [lab_value]")]
    # The file column holds the stored file's name, as the export writes it (the file is the YAML row's).
    assert ask(path, "record", "csv") == (tmp_path / "records.csv").read_text(encoding="utf-8")


def test_the_project_xml_example_loads_the_project_it_was_exported_from(tmp_path: Path) -> None:
    source = redcap_files(tmp_path / "files")
    folder = tmp_path / "xml"
    folder.mkdir()
    xml = ask(source, "project_xml", "xml", exportFiles="true")
    (folder / "project.xml").write_text(xml, encoding="utf-8")
    path = folder / "project.yaml"
    path.write_text(BLOCKS[("example", "project-xml")], encoding="utf-8")
    for content in ("record", "event", "repeatingFormsEvents", "formEventMapping"):
        assert ask(path, content, "csv") == ask(source, content, "csv"), content
    # REDCap's creation from XML rebuilds the choices without spaces around "|" (MetaData.php:1175-1215)
    assert ask(path, "metadata", "csv") == ask(source, "metadata", "csv").replace(
        "1, Cat | 2, Dog", "1, Cat|2, Dog"
    )
    assert load_fixture(path).records == load_fixture(source).records


@pytest.mark.parametrize("name", ["fixture", "redcap-files"])
def test_the_examples_check_cleanly(tmp_path: Path, name: str) -> None:
    path = the_fixture(tmp_path) if name == "fixture" else redcap_files(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "fake_redcap", "check", path.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
