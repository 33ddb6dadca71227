"""The fake's own CSV exports are REDCap's files (issue 14, point 2): for every demo project (every
field type included), PyCap's and REDCapR's project XMLs, the `metadata`, `arm`, `event`,
`formEventMapping`, `repeatingFormsEvents` and flat `record` CSV exports load back as `redcap:` files
and serve the same answers. File columns aside: the record export names a stored file, the fixture's
rows bring it (event ids aside: a new project's are new, as REDCap's would be)."""

from __future__ import annotations

import csv
import io
import urllib.parse
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState, create_app
from fake_redcap.fixture import demo_fixture_paths, load_fixture
from fake_redcap.model import ExportRight, Project, User
from tests.support import write_fixture

ROOT = Path(__file__).resolve().parent
SOURCES = [
    *demo_fixture_paths(),
    ROOT.parent / "fake_redcap" / "demo" / "every_field_type" / "project.yaml",
    *sorted((ROOT / "data" / "pycap").glob("*.xml")),
    # validation-types-1 has an sql field, whose query its XML leaves out: no dictionary upload takes it
    *(
        p
        for p in sorted((ROOT / "data" / "redcapr").glob("*/project.xml"))
        if p.parent.name not in ("potentially-problematic-values", "validation-types-1")
    ),
]
EXPORTS = {
    "data_dictionary": "metadata",
    "arms": "arm",
    "events": "event",
    "instrument_event_mappings": "formEventMapping",
    "repeating_instruments_events": "repeatingFormsEvents",
    "records": "record",
}
TOKEN = "ABCDEF0123456789ABCDEF0123456789"
COMPARED = ("metadata", "exportFieldNames", "instrument", "arm", "formEventMapping", "repeatingFormsEvents")


def answer(client: FlaskClient, token: str, content: str, fmt: str) -> tuple[int, str]:
    body = urllib.parse.urlencode({"token": token, "content": content, "format": fmt})
    response = client.post("/api/", data=body, content_type="application/x-www-form-urlencoded")
    return response.status_code, response.get_data(as_text=True)


def full_user(project: Project) -> User:
    return next(u for u in project.users if u.data_export == ExportRight.FULL and u.api_export and u.token)


def without_files(text: str, project: Project) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    files = {i for i, name in enumerate(rows[0]) if (f := project.field(name)) is not None and f.is_file}
    return [[c for i, c in enumerate(row) if i not in files] for row in rows]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_csv_exports_load_back_as_the_same_project(tmp_path: Path, source: Path) -> None:
    project = load_fixture(source)
    token = full_user(project).token
    original = create_app(FakeState([source])).test_client()
    files: dict[str, bytes] = {}
    for key, content in EXPORTS.items():
        status, text = answer(original, token, content, "csv")
        if status == 200:  # a classic project has no arms, events or designations to export
            files[f"{key}.csv"] = text.encode("utf-8")
    users = [{"username": "u", "token": TOKEN, "data_export": "full", "design": True}]
    labels = [{"name": f, "label": project.form_label(f)} for f in project.forms]
    doc = {"redcap": {k: f"{k}.csv" for k in EXPORTS if f"{k}.csv" in files}, "instruments": labels}
    if project.dags:
        doc["dags"] = [{"name": d.name} for d in project.dags]
    copy = create_app(FakeState([write_fixture(tmp_path, {**doc, "users": users}, files)])).test_client()
    for content in COMPARED:
        for fmt in ("csv", "json", "xml"):
            want = answer(original, token, content, fmt)
            if content == "repeatingFormsEvents" and want[0] == 400 and "privileges" in want[1]:
                continue  # the source's user lacks Project Design
            assert answer(copy, TOKEN, content, fmt) == want, (content, fmt)
    have_records = answer(copy, TOKEN, "record", "csv")[1]
    assert without_files(have_records, project) == without_files(
        answer(original, token, "record", "csv")[1], project
    )
