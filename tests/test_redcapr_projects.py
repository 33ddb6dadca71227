"""Files a real REDCap wrote, as fixtures (issue 14, point 2): REDCapR's test projects
(`tests/data/redcapr/`, MIT-licensed copies; see its README) load as REDCap's project XML alone and as
REDCap's CSV files under `redcap:`, and the fake's exports equal REDCap's own files.

Where the fake's answer differs from a file, the difference is REDCap's own (asserted below with its
source): the Data Dictionary download pads an annotation starting with "@" for Excel, a project XML
carries checkbox choices as stored, no slider bounds and no SQL.
"""

from __future__ import annotations

import csv
import io
import shutil
import urllib.parse
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState, create_app
from fake_redcap.fixture import FixtureError, load_fixture
from tests.support import write_fixture

DATA = Path(__file__).resolve().parent / "data" / "redcapr"
LOADING = sorted(p.name for p in DATA.iterdir() if p.is_dir() and p.name != "potentially-problematic-values")
# data.csv (or data-old.csv) is the raw flat export of the project the XML holds.
EXPORTS = {
    "arm-multiple-delete": "data-old.csv",
    "decimal-comma-and-dot": "data.csv",
    "nonnumeric-record-id": "data.csv",
    "repeating-instruments": "data.csv",
    "single-column": "data.csv",
}
TOKEN = "8C1F0D6E2B9A47F3A5D2C7B19E04F6A1"
USER = {"username": "u", "token": TOKEN, "data_export": "full", "design": True}


def client(path: Path) -> tuple[FlaskClient, str]:
    state = FakeState([path])
    return create_app(state).test_client(), state.projects[0].users[0].token


def answer(path: Path, content: str, fmt: str = "csv", **more: str) -> tuple[int, str]:
    api, token = client(path)
    body = urllib.parse.urlencode({"token": token, "content": content, "format": fmt, **more})
    response = api.post("/api/", data=body, content_type="application/x-www-form-urlencoded")
    return response.status_code, response.get_data(as_text=True)


def ask(path: Path, content: str, fmt: str = "csv", **more: str) -> str:
    status, text = answer(path, content, fmt, **more)
    assert status == 200, text
    return text


def dictionary_rows(name: str, from_xml: bool = True) -> list[list[str]]:
    """dictionary.csv's rows (no header) as the metadata export shows the project the XML creates (or,
    `from_xml` false, the project a data dictionary upload of it makes)."""
    rows = list(csv.reader(io.StringIO((DATA / name / "dictionary.csv").read_text(encoding="utf-8"))))[1:]
    for row in rows:
        # The download writes " @TODAY" for Excel; the upload and the API have "@TODAY" (V15
        # MetaData.php:569-571, 1828-1833).
        if row[17].startswith(" @"):
            row[17] = row[17][1:]
        if row[3] in ("dropdown", "radio", "checkbox") and from_xml:
            # REDCap's creation from XML rebuilds choices as "code, label" joined by "|" (MetaData.php
            # error_checking with ignoreIllegalVariables, :1175-1215); the download was of the original.
            row[5] = "|".join(c.strip() for c in row[5].split("|"))
        if name == "validation-types-1":
            if row[0] == "f_slider":  # getOdmRangeCheck writes no slider bounds (ODM.php:73-100)
                row[8] = row[9] = ""
            if row[0] == "f_sql":  # the XML leaves out an SQL field's query (ODM.php:1727-1730)
                row[5] = ""
    return rows


@pytest.mark.parametrize("name", LOADING)
def test_the_project_xml_serves_the_data_dictionary_redcap_downloaded(name: str) -> None:
    metadata = ask(DATA / name / "project.xml", "metadata")
    assert list(csv.reader(io.StringIO(metadata)))[1:] == dictionary_rows(name)


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_the_project_xml_serves_redcaps_record_export_byte_for_byte(name: str) -> None:
    want = (DATA / name / EXPORTS[name]).read_text(encoding="utf-8")
    assert ask(DATA / name / "project.xml", "record", type="flat") == want


def from_csv_files(folder: Path, name: str, with_data: bool = True) -> Path:
    """A YAML fixture naming REDCap's CSV files of the project; instrument designations and the
    repeating set-up (REDCapR keeps none) are the XML project's own exports."""
    source = DATA / name
    xml = source / "project.xml"
    files = {"data_dictionary": "dictionary.csv"}
    shutil.copy(source / "dictionary.csv", folder / "dictionary.csv")
    if with_data:
        shutil.copy(source / EXPORTS[name], folder / "records.csv")
        files["records"] = "records.csv"
    for key, csv_name in (("arms", "arm.csv"), ("events", "event.csv")):
        if (source / csv_name).is_file():
            shutil.copy(source / csv_name, folder / csv_name)
            files[key] = csv_name
    if "events" in files:
        (folder / "designations.csv").write_text(ask(xml, "formEventMapping"), encoding="utf-8")
        files["instrument_event_mappings"] = "designations.csv"
    status, repeating = answer(xml, "repeatingFormsEvents")
    if status == 200:
        (folder / "repeating.csv").write_text(repeating, encoding="utf-8")
        files["repeating_instruments_events"] = "repeating.csv"
    labels = [{"name": i["instrument_name"], "label": i["instrument_label"]} for i in instruments(xml)]
    return write_fixture(folder, {"redcap": files, "instruments": labels, "users": [USER]})


def instruments(path: Path) -> list[dict[str, str]]:
    rows = csv.DictReader(io.StringIO(ask(path, "instrument")))
    return [dict(r) for r in rows]


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_redcaps_csv_files_serve_the_project_the_xml_holds(tmp_path: Path, name: str) -> None:
    xml = DATA / name / "project.xml"
    fixture = from_csv_files(tmp_path, name)
    for content in (
        "instrument",
        "exportFieldNames",
        "record",
        "arm",
        "event",
        "formEventMapping",
        "repeatingFormsEvents",
    ):
        for fmt in ("csv", "json"):
            assert answer(fixture, content, fmt) == answer(xml, content, fmt), (content, fmt)
    want = dictionary_rows(name, from_xml=False) if name != "validation-types-1" else None
    if want is not None:
        assert list(csv.reader(io.StringIO(ask(fixture, "metadata"))))[1:] == want


def test_values_entered_before_their_validation_are_refused_as_redcaps_xml_import_refuses_them() -> None:
    """REDCap creates a project from XML by saving its data through Records::saveData and deletes the
    new project when that reports errors (V15 ODM.php:2708-2720)."""
    with pytest.raises(FixtureError, match=r"'before validation 1' is not a valid date_ymd value"):
        load_fixture(DATA / "potentially-problematic-values" / "project.xml")


def test_an_export_with_survey_fields_is_refused_at_its_column(tmp_path: Path) -> None:
    shutil.copy(DATA / "file-repo" / "dictionary.csv", tmp_path / "dictionary.csv")
    shutil.copy(DATA / "file-repo" / "data.csv", tmp_path / "records.csv")
    fixture = write_fixture(
        tmp_path,
        {"redcap": {"data_dictionary": "dictionary.csv", "records": "records.csv"}, "users": [USER]},
    )
    with pytest.raises(FixtureError, match=r"records.csv line 1: the column 'redcap_survey_identifier'"):
        load_fixture(fixture)


def test_an_sql_field_without_its_query_loads_from_a_project_xml_only(tmp_path: Path) -> None:
    """The XML leaves the query out and REDCap creates the project all the same (metadata errors are
    allowed then, MetaData.php:701-703); a data dictionary upload needs it (error 18, :1168-1170)."""
    project = load_fixture(DATA / "validation-types-1" / "project.xml")
    sql = project.field("f_sql")
    assert sql is not None and (sql.type, sql.choices) == ("sql", "")
    (tmp_path / "dd.csv").write_text(
        "field_name,form_name,section_header,field_type,field_label,select_choices_or_calculations\n"
        "record_id,f,,text,ID,\nq,f,,sql,Query,\n",
        encoding="utf-8",
    )
    fixture = write_fixture(tmp_path, {"redcap": {"data_dictionary": "dd.csv"}, "users": [USER]})
    with pytest.raises(FixtureError, match=r"dd.csv line 3.choices: the sql field 'q' needs an SQL query"):
        load_fixture(fixture)


def test_choices_are_rebuilt_as_redcaps_creation_from_xml_rebuilds_them(tmp_path: Path) -> None:
    """CodeListItems joined by " | " (a label's line break as <br />, a FormattedTranslatedText's HTML
    in its place, ODM.php:2222-2245), then rebuilt by error_checking with ignoreIllegalVariables: each
    "code, label" trimmed, a code neither numeric nor letters, digits, ".", "_", "-" cleaned (spaces to
    "_", others dropped), joined by "|" (MetaData.php:1175-1215)."""
    xml = (DATA.parent / "pycap" / "test_simple_project.xml").read_text(encoding="utf-8")

    def item(code: str, decode: str) -> str:
        return f'<CodeListItem CodedValue="{code}"><Decode>{decode}</Decode></CodeListItem>'

    items = item("0", "<TranslatedText>Female</TranslatedText>") + "\n\t\t"
    items += item("1", "<TranslatedText>Male</TranslatedText>")
    assert items in xml
    formatted = "<redcap:FormattedTranslatedText>&lt;b&gt;Male&lt;/b&gt;</redcap:FormattedTranslatedText>"
    xml = xml.replace(
        items,
        item("0", "<TranslatedText>Fe\nmale </TranslatedText>")
        + item("not sure!", "<TranslatedText>Maybe</TranslatedText>")
        + item("1", f"<TranslatedText>Male</TranslatedText>{formatted}"),
    )
    (tmp_path / "project.xml").write_text(xml, encoding="utf-8")
    sex = load_fixture(tmp_path / "project.xml").field("sex")
    assert sex is not None and sex.choices == "0, Fe<br />male|not_sure, Maybe|1, <b>Male</b>"
