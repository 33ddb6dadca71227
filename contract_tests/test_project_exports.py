"""The read-only project exports REDCap clients call before they touch a file (PyCap reads the metadata;
redcapAPI reads metadata, project and events): version, project, metadata, instrument, arm, event,
formEventMapping, repeatingFormsEvents, and the flat record export a client uses to find which records
hold files.

Every expectation is read from the reference fixtures (what the project must hold), never from
server-specific values such as project ids, creation times or event ids. Record exports are compared
for the records the writing clauses leave alone (classic 1, 2 and REF-A; longitudinal 101, 102 and 201):
REDCap keeps a form status where a file was uploaded and deleted again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from fake_redcap.model import Field

from . import expected
from . import sources as src
from .helpers import NO_SUCH_FIELD, json_message
from .targets import ProjectUnderTest

READER = "full_user"  # Full Data Set rights: nothing is removed from the exports


def _export(project: ProjectUnderTest, content: str, params: Iterable[tuple[str, str]] = ()) -> Any:
    """`content=...&format=json` as a user with full rights; the decoded json of a 200."""
    pairs = [("content", content), ("format", "json"), ("returnFormat", "json"), *params]
    # The Analysis/Cleanup project has no full_user; its importer has Full Data Set rights too.
    username = READER if READER in {u.username for u in project.fixture.users} else "importer_user"
    response = project.post(username, pairs)
    assert response.status_code == 200, (
        f"content={content}: HTTP {response.status_code} {response.content[:300]!r}"
    )
    return response.json()


def _array(name: str, values: Sequence[str]) -> list[tuple[str, str]]:
    """REDCap's array parameter encoding, as PyCap sends it: `name[0]=a&name[1]=b`."""
    return [(f"{name}[{i}]", value) for i, value in enumerate(values)]


def _refused(project: ProjectUnderTest, content: str) -> tuple[int, str]:
    response = project.post(READER, {"content": content, "format": "json", "returnFormat": "json"})
    return response.status_code, json_message(response)


# -- content=version ----------------------------------------------------------------------------------


@pytest.mark.source(
    f"{src.DOCS} exp_rc_v: 'the current REDCap version number as plain text (e.g., 4.13.18, 5.12.2, 6.0.0)'",
    f"{src.V15_VERSION}: sent as is, whatever format asks for",
)
@pytest.mark.parametrize("fmt", ["", "json", "xml", "csv"], ids=["no-format", "json", "xml", "csv"])
def test_version_is_the_version_number_as_plain_text(classic: ProjectUnderTest, fmt: str) -> None:
    params = {"content": "version", **({"format": fmt} if fmt else {})}
    response = classic.post(READER, params)
    assert response.status_code == 200
    assert re.fullmatch(rb"\d+\.\d+\.\d+", response.content), response.content[:80]


# -- content=project ----------------------------------------------------------------------------------


@pytest.mark.source(
    f"{src.V15_PROJECT_EXPORT} and {src.V15_PROJECT} getAttributesApiExportProjectInfo",
    f"{src.V10_PROJECT_EXPORT}",
    src.PYCAP_PROJECT,
)
def test_project_information_is_one_json_object_with_redcaps_keys(classic: ProjectUnderTest) -> None:
    info = _export(classic, "project")
    assert isinstance(info, dict), f"not one object: {str(info)[:200]}"
    missing = [key for key in expected.PROJECT_INFO_KEYS if key not in info]
    assert not missing, f"keys missing: {missing}"


@pytest.mark.source(
    f"{src.V15_PROJECT}:2231-2257 getAttributesApiExportProjectInfo, in order; "
    f"{src.V15_PROJECT_EXPORT}:70-89 fills the keys in that order (reassigning a PHP array key keeps "
    "its place)",
    "REDCap 10.0.13 Classes/Project.php:2025-2050 (the same order)",
)
@pytest.mark.redcap_version(">=10.0.13")
def test_project_information_keys_come_in_redcaps_order(classic: ProjectUnderTest) -> None:
    info = _export(classic, "project")
    known = [key for key in info if key in expected.PROJECT_INFO_KEY_ORDER]
    assert known == [key for key in expected.PROJECT_INFO_KEY_ORDER if key in info]
    assert len(known) >= len(expected.PROJECT_INFO_KEYS)


@pytest.mark.source(
    f"{src.V15_PROJECT_EXPORT}: integer values are sent as json numbers (isinteger -> (int))",
    f"{src.PYCAP_PROJECT} ('in_production': 0)",
)
def test_project_information_sends_integers_as_json_numbers(classic: ProjectUnderTest) -> None:
    info = _export(classic, "project")
    for key in ("project_id", "in_production", "is_longitudinal", "has_repeating_instruments_or_events"):
        assert type(info[key]) is int, f"{key} is {info[key]!r}"


PROJECTS = ["classic", "longitudinal", "analysis"]


@pytest.mark.source(
    f"{src.V15_PROJECT_EXPORT}: app_title, status (as in_production), the longitudinal and repeating flags",
    src.PYCAP_PROJECT,
)
@pytest.mark.parametrize("kind", PROJECTS)
def test_project_information_is_the_fixtures(request: pytest.FixtureRequest, kind: str) -> None:
    project: ProjectUnderTest = request.getfixturevalue(kind)
    fixture = project.fixture
    info = _export(project, "project")
    assert (
        info["project_title"],
        int(info["in_production"]),
        int(info["is_longitudinal"]),
        int(info["has_repeating_instruments_or_events"]),
    ) == (fixture.title, int(fixture.status), int(fixture.is_longitudinal), int(bool(fixture.repeating)))


# -- content=metadata ---------------------------------------------------------------------------------


def _dictionary(project: ProjectUnderTest, params: Iterable[tuple[str, str]] = ()) -> list[dict[str, Any]]:
    rows = _export(project, "metadata", params)
    assert isinstance(rows, list) and all(isinstance(r, dict) for r in rows), str(rows)[:200]
    return rows


def _fields(project: ProjectUnderTest, names: Iterable[str]) -> list[Field]:
    wanted = set(names)
    return [f for f in project.fixture.fields if f.name in wanted]


@pytest.mark.source(src.V15_METADATA, src.PYCAP_METADATA)
def test_metadata_rows_have_the_data_dictionary_columns_in_order(classic: ProjectUnderTest) -> None:
    for row in _dictionary(classic):
        assert tuple(row) == expected.DATA_DICTIONARY_COLUMNS, row.get("field_name")


@pytest.mark.source(
    f"{src.V15_METADATA}: the csv header row names the columns in the same order (MetaData.php:358-366 "
    "getDataDictionaryHeaders without label headers for the API, written by fputcsv at :640)"
)
def test_the_csv_data_dictionary_header_has_the_columns_in_order(classic: ProjectUnderTest) -> None:
    response = classic.post(READER, {"content": "metadata", "format": "csv", "returnFormat": "json"})
    assert response.status_code == 200, response.content[:300]
    header = response.content.decode("utf-8").splitlines()[0]
    assert header.split(",") == list(expected.DATA_DICTIONARY_COLUMNS)


@pytest.mark.source(f"{src.V15_METADATA}: every field in field order, form status fields left out")
@pytest.mark.parametrize("kind", PROJECTS)
def test_metadata_lists_the_fixtures_fields_and_forms_in_order(
    request: pytest.FixtureRequest, kind: str
) -> None:
    project: ProjectUnderTest = request.getfixturevalue(kind)
    rows = _dictionary(project)
    assert [(r["field_name"], r["form_name"]) for r in rows] == [
        (f.name, f.form) for f in project.fixture.fields
    ]


@pytest.mark.source(
    f"{src.V15_METADATA}: field_type, text_validation_type_or_show_slider_number, field_label"
)
@pytest.mark.parametrize("kind", ["classic", "longitudinal"])
def test_metadata_field_types_validation_and_labels_are_the_fixtures(
    request: pytest.FixtureRequest, kind: str
) -> None:
    project: ProjectUnderTest = request.getfixturevalue(kind)
    have = {
        r["field_name"]: (r["field_type"], r["text_validation_type_or_show_slider_number"], r["field_label"])
        for r in _dictionary(project)
    }
    want = {f.name: (f.type, f.validation or "", f.label) for f in project.fixture.fields}
    assert have == want


@pytest.mark.source(f"{src.V15_METADATA}: identifier is 'y' for fields tagged Identifier, empty otherwise")
@pytest.mark.parametrize("kind", ["classic", "longitudinal"])
def test_metadata_flags_exactly_the_identifier_fields(request: pytest.FixtureRequest, kind: str) -> None:
    project: ProjectUnderTest = request.getfixturevalue(kind)
    have = {r["field_name"]: r["identifier"] for r in _dictionary(project)}
    assert have == {f.name: "y" if f.identifier else "" for f in project.fixture.fields}


@pytest.mark.source(
    f"{src.V15_METADATA}: fields[] selects fields, returned in field order",
    src.PYCAP_METADATA + " (fields[i])",
)
def test_metadata_fields_filter_selects_those_fields_in_field_order(classic: ProjectUnderTest) -> None:
    asked = ["photo", "consent_form", "lab_date"]
    rows = _dictionary(classic, _array("fields", asked))
    assert [r["field_name"] for r in rows] == [f.name for f in _fields(classic, asked)]


@pytest.mark.source(f"{src.V15_METADATA}: forms[] selects every field of those forms", src.PYCAP_METADATA)
def test_metadata_forms_filter_selects_the_fields_of_those_forms(classic: ProjectUnderTest) -> None:
    rows = _dictionary(classic, _array("forms", ["lab_results"]))
    assert [r["field_name"] for r in rows] == [
        f.name for f in classic.fixture.fields if f.form == "lab_results"
    ]


@pytest.mark.source(f"{src.V15_METADATA}: fields[] and forms[] together select the union")
def test_metadata_fields_and_forms_filters_select_their_union(classic: ProjectUnderTest) -> None:
    rows = _dictionary(classic, [*_array("fields", ["record_id"]), *_array("forms", ["lab_results"])])
    want = [f.name for f in classic.fixture.fields if f.name == "record_id" or f.form == "lab_results"]
    assert [r["field_name"] for r in rows] == want


# -- content=instrument, arm, event, formEventMapping, repeatingFormsEvents ---------------------------


@pytest.mark.source(f"{src.V15_INSTRUMENTS}: instrument_name and instrument_label, in form order")
@pytest.mark.parametrize("kind", ["classic", "longitudinal"])
def test_instruments_are_the_fixtures_forms_in_order(request: pytest.FixtureRequest, kind: str) -> None:
    project: ProjectUnderTest = request.getfixturevalue(kind)
    rows = _export(project, "instrument")
    assert [r["instrument_name"] for r in rows] == list(project.fixture.forms)
    assert all(isinstance(r["instrument_label"], str) and r["instrument_label"] for r in rows)


@pytest.mark.source(src.V15_ARMS)
def test_arms_are_the_fixtures(longitudinal: ProjectUnderTest) -> None:
    rows = _export(longitudinal, "arm")
    have = sorted((int(r["arm_num"]), r["name"]) for r in rows)
    assert have == sorted((a.number, a.name) for a in longitudinal.fixture.arms)


@pytest.mark.source(f"{src.V15_ARMS}: classic projects answer 400", src.REDCAPAPI_ERRORS)
def test_a_classic_project_has_no_arms_to_export(classic: ProjectUnderTest) -> None:
    assert _refused(classic, "arm") == (400, expected.ARMS_CLASSIC)


@pytest.mark.source(src.V15_EVENTS, src.PYCAP_EVENTS)
def test_events_are_the_fixtures(longitudinal: ProjectUnderTest) -> None:
    rows = _export(longitudinal, "event")
    have = sorted((r["unique_event_name"], int(r["arm_num"]), r["event_name"]) for r in rows)
    assert have == sorted((e.unique_name, e.arm, e.name) for e in longitudinal.fixture.events)


@pytest.mark.source(f"{src.V15_EVENTS}: classic projects answer 400", src.REDCAPR_EVENTS)
def test_a_classic_project_has_no_events_to_export(classic: ProjectUnderTest) -> None:
    # As REDCapR asks for it: returnFormat=csv, and the body compared whole.
    response = classic.post(READER, {"content": "event", "format": "csv", "returnFormat": "csv"})
    assert (response.status_code, response.content) == (400, expected.csv_error(expected.EVENTS_CLASSIC))


@pytest.mark.source(src.V15_MAPPING, src.PYCAP_MAPPING)
def test_form_event_mapping_is_the_fixtures_designations(longitudinal: ProjectUnderTest) -> None:
    rows = _export(longitudinal, "formEventMapping")
    have = sorted((int(r["arm_num"]), r["unique_event_name"], r["form"]) for r in rows)
    want = sorted((e.arm, e.unique_name, form) for e in longitudinal.fixture.events for form in e.forms)
    assert have == want


@pytest.mark.source(f"{src.V15_MAPPING}: classic projects answer 400", src.REDCAPAPI_ERRORS)
def test_a_classic_project_has_no_form_event_mapping_to_export(classic: ProjectUnderTest) -> None:
    assert _refused(classic, "formEventMapping") == (400, expected.MAPPING_CLASSIC)


# V10 API/index.php:152 has the content; the content switch of V7 API/index.php:107-133 does not.
@pytest.mark.redcap_version(">=10.0.13")
@pytest.mark.source(
    f"{src.V15_REPEATING}: classic rows name the form, in instrument order ({src.V15_PROJECT} "
    "setRepeatingFormsEvents asort()s them on form_number)",
    src.PYCAP_REPEATING,
)
def test_repeating_forms_classic_are_the_fixtures_in_instrument_order(classic: ProjectUnderTest) -> None:
    rows = _export(classic, "repeatingFormsEvents")
    repeating = {rule.form for rule in classic.fixture.repeating}
    assert [(r.get("event_name"), r["form_name"]) for r in rows] == [
        (None, form) for form in classic.fixture.forms if form in repeating
    ]


# V10 API/index.php:152 has the content; the content switch of V7 API/index.php:107-133 does not.
@pytest.mark.redcap_version(">=10.0.13")
@pytest.mark.source(
    f"{src.V15_REPEATING}: longitudinal rows the event, and the form or '' for a repeating event, event by "
    "event in the project's event order (the rows of one event come in table order)",
    src.PYCAP_REPEATING,
)
def test_repeating_forms_and_events_longitudinal_are_the_fixtures(longitudinal: ProjectUnderTest) -> None:
    rows = _export(longitudinal, "repeatingFormsEvents")
    fixture = longitudinal.fixture
    repeating_events = {rule.event for rule in fixture.repeating}
    assert list(dict.fromkeys(r["event_name"] for r in rows)) == [
        e.unique_name for e in fixture.events if e.unique_name in repeating_events
    ]
    have = sorted((r["event_name"], r["form_name"]) for r in rows)
    assert have == sorted((rule.event, rule.form or "") for rule in fixture.repeating)


# -- content=record (flat) ----------------------------------------------------------------------------


def _records(project: ProjectUnderTest, params: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    """A flat json record export, every value as text (REDCap sends redcap_repeat_instance as a number)."""
    rows = _export(project, "record", [("type", "flat"), *params])
    assert isinstance(rows, list), str(rows)[:200]
    return [{key: "" if value is None else str(value) for key, value in row.items()} for row in rows]


def _stored(project: ProjectUnderTest, record: str, field: str, event: str | None, instance: int) -> str:
    """What the fixture holds there: the value, or for a file field the stored file's name."""
    for row in project.fixture.records:
        if (row.record, row.event, row.instance) == (record, event, instance):
            stored = row.files.get(field)
            return stored.name if stored is not None else row.values.get(field, "")
    return ""


def _flat_row(
    project: ProjectUnderTest,
    record: str,
    fields: Sequence[str],
    *,
    event: str | None = None,
    instrument: str = "",
    instance: int | None = None,
) -> dict[str, str]:
    """One row of REDCap's flat export as the fixture declares it: the record ID field, then
    redcap_event_name (longitudinal) and redcap_repeat_instrument / redcap_repeat_instance (projects that
    repeat), then the fields asked for. A base row holds the fields of forms that do not repeat there; a
    repeating instrument's row holds that form's fields; a repeating event's row holds every field."""
    fixture = project.fixture
    row = {fixture.record_id_field: record}
    if fixture.is_longitudinal:
        row["redcap_event_name"] = event or ""
    if fixture.repeating:
        row["redcap_repeat_instrument"] = instrument
        row["redcap_repeat_instance"] = "" if instance is None else str(instance)
    repeats_whole = any(r.event == event and r.form is None for r in fixture.repeating)
    repeating_forms = {r.form for r in fixture.repeating if r.event == event and r.form is not None}
    for name in fields:
        if name == fixture.record_id_field:
            continue
        field = fixture.field(name)
        assert field is not None, name
        # Which row holds the field: its repeating instrument's, else the base row (every row of a
        # repeating event holds every field).
        here = (
            (field.form == instrument) if instrument else (repeats_whole or field.form not in repeating_forms)
        )
        row[name] = _stored(project, record, name, event, instance or 1) if here else ""
    return row


@pytest.mark.source(src.V15_RECORDS, src.PYCAP_RECORDS)
def test_record_export_has_every_record_of_the_fixture(classic: ProjectUnderTest) -> None:
    rows = _records(classic, [])
    assert {r["record_id"] for r in rows} == {row.record for row in classic.fixture.records}


@pytest.mark.source(f"{src.V15_RECORDS}: a row per record and event, redcap_event_name the unique name")
def test_longitudinal_record_export_has_a_row_for_every_record_and_event(
    longitudinal: ProjectUnderTest,
) -> None:
    rows = _records(longitudinal, [])
    have = {(r["record_id"], r["redcap_event_name"]) for r in rows}
    assert have == {(row.record, row.event) for row in longitudinal.fixture.records}


@pytest.mark.source(
    f"{src.V15_RECORDS}: the record ID field, the repeat columns, then the fields asked for in field order",
    src.PYCAP_RECORDS,
)
def test_record_export_columns_are_the_fields_asked_for_in_field_order(classic: ProjectUnderTest) -> None:
    rows = _records(
        classic, [*_array("records", ["2"]), *_array("fields", ["participant_name", "record_id"])]
    )
    assert [list(row) for row in rows] == [
        ["record_id", "redcap_repeat_instrument", "redcap_repeat_instance", "participant_name"]
    ]


@pytest.mark.source(
    f"{src.V15} API/record/export.php:340-341 (exportBlankForGrayFormStatus: true, '1' or 'true' in any "
    "case) and Classes/Records.php:2401-2408 (a form status with no value: blank with it, else '0')",
    "REDCap 13.6.1 API/record/export.php:337 (the same parameter)",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_record_export_blank_for_gray_form_status(classic: ProjectUnderTest) -> None:
    """Record 2 has data in enrollment only: its documents form is gray, status "0" unless asked blank."""
    asked = [*_array("records", ["2"]), *_array("fields", ["record_id", "documents_complete"])]
    plain = _records(classic, asked)
    blank = _records(classic, [*asked, ("exportBlankForGrayFormStatus", "TRUE")])
    assert [r["documents_complete"] for r in plain] == ["0"]
    assert [r["documents_complete"] for r in blank] == [""]


@pytest.mark.source(f"{src.V15_RECORDS}: records[] selects records", src.PYCAP_RECORDS + " (records[i])")
def test_record_export_records_filter_selects_those_records(classic: ProjectUnderTest) -> None:
    rows = _records(classic, [*_array("records", ["2", "REF-A"]), *_array("fields", ["record_id"])])
    assert sorted(r["record_id"] for r in rows) == ["2", "REF-A"]


@pytest.mark.source(
    f"{src.V15} API/record/export.php:218-220 getRecordsFlat: each name in records[] loses its single "
    "quotes and is trimmed before getData",
    "REDCap 10.0.13 API/record/export.php:184-186 (the same)",
)
def test_record_export_record_names_lose_single_quotes_and_outer_spaces(classic: ProjectUnderTest) -> None:
    rows = _records(classic, [*_array("records", ["'2'", " REF-A "]), *_array("fields", ["record_id"])])
    assert sorted(r["record_id"] for r in rows) == ["2", "REF-A"]


@pytest.mark.source(
    f"{src.V15} API/record/export.php:53-67: a name in fields[] that is no field of the project is refused, "
    "listed through prep_implode (in single quotes)"
)
def test_record_export_refuses_an_unknown_field(classic: ProjectUnderTest) -> None:
    params = [
        ("content", "record"),
        ("format", "json"),
        ("returnFormat", "json"),
        ("fields[0]", NO_SUCH_FIELD),
    ]
    response = classic.post(READER, params)
    assert (response.status_code, json_message(response)) == (
        400,
        f"The following values in the parameter \"fields\" are not valid: '{NO_SUCH_FIELD}'",
    )


@pytest.mark.source(
    f"{src.V15} API/record/export.php:45-51: fields sent as one comma-separated string are split and each "
    "name trimmed"
)
def test_record_export_fields_as_a_comma_string_are_trimmed(classic: ProjectUnderTest) -> None:
    rows = _records(classic, [*_array("records", ["2"]), ("fields", "record_id, participant_name")])
    assert rows and all("participant_name" in row for row in rows)


@pytest.mark.source(
    f"{src.V15} API/record/export.php:247-249 and Classes/DataExport.php:4787-4808 deidFieldsToRemove: "
    "De-Identified rights also drop unvalidated text, notes (textarea) and date fields, the record ID "
    "field kept"
)
def test_de_identified_rights_leave_free_text_notes_and_dates_out_of_the_record_export(
    classic: ProjectUnderTest,
) -> None:
    response = classic.post(
        "deid_user", {"content": "record", "format": "json", "type": "flat", "returnFormat": "json"}
    )
    assert response.status_code == 200, response.content[:300]
    rows = response.json()
    pk = classic.fixture.record_id_field

    def dropped(field: Field) -> bool:
        validation = field.validation or ""
        free_text = field.type == "text" and (validation == "" or validation.startswith("date"))
        return field.identifier or field.type == "notes" or free_text

    removed = {f.name for f in classic.fixture.fields if f.name != pk and dropped(f)}
    assert rows and "enrollment_notes" in removed
    assert all(pk in row and not removed & set(row) for row in rows)


@pytest.mark.source(
    f"{src.V15_RECORDS}: a base row, then a row per instance of the repeating instrument",
    f"{src.DOCS}: redcap_repeat_instrument and redcap_repeat_instance",
)
def test_record_export_gives_a_row_per_instance_of_a_repeating_instrument(classic: ProjectUnderTest) -> None:
    fields = ["record_id", "participant_name", "lab_date"]
    rows = _records(classic, [*_array("records", ["1"]), *_array("fields", fields)])
    instances = sorted(
        r.instance for r in classic.fixture.records if r.record == "1" and r.values.get("lab_date")
    )
    assert instances == [1, 2, 3]
    assert rows == [
        _flat_row(classic, "1", fields),
        *(_flat_row(classic, "1", fields, instrument="lab_results", instance=i) for i in instances),
    ]


@pytest.mark.source(f"{src.V15_RECORDS}: events[] selects events (unique event names)", src.PYCAP_RECORDS)
def test_record_export_events_filter_selects_that_event(longitudinal: ProjectUnderTest) -> None:
    rows = _records(longitudinal, _array("events", ["baseline_arm_1"]))
    assert {r["redcap_event_name"] for r in rows} == {"baseline_arm_1"}
    assert {r["record_id"] for r in rows} == {
        row.record for row in longitudinal.fixture.records if row.event == "baseline_arm_1"
    }


@pytest.mark.source(
    f"{src.V15_RECORDS}: in an event with a repeating instrument, a base row and its instances"
)
def test_record_export_rows_of_an_event_with_a_repeating_instrument(longitudinal: ProjectUnderTest) -> None:
    fields = ["record_id", "visit_date", "sample_date"]
    params = [*_array("records", ["101"]), *_array("events", ["visit_1_arm_1"]), *_array("fields", fields)]
    rows = _records(longitudinal, params)
    assert rows == [
        _flat_row(longitudinal, "101", fields, event="visit_1_arm_1"),
        *(
            _flat_row(longitudinal, "101", fields, event="visit_1_arm_1", instrument="samples", instance=i)
            for i in (1, 2)
        ),
    ]


@pytest.mark.source(f"{src.V15_RECORDS}: a repeating event's instances are rows with no repeat instrument")
def test_record_export_rows_of_a_repeating_event(longitudinal: ProjectUnderTest) -> None:
    fields = ["record_id", "visit_date"]
    params = [*_array("records", ["101"]), *_array("events", ["visit_2_arm_1"]), *_array("fields", fields)]
    rows = _records(longitudinal, params)
    assert rows == [_flat_row(longitudinal, "101", fields, event="visit_2_arm_1", instance=i) for i in (1, 2)]


@pytest.mark.source(
    f"{src.V15_RECORDS}: a file field's value is its stored file name (REDCap 13.6.1 and later; "
    "'[document]' in 10.0.13)",
    f"{src.PYCAP_RECORDS} ('upload_field': 'test_upload.txt')",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_record_export_shows_each_file_fields_stored_file_name(classic: ProjectUnderTest) -> None:
    fields = ["record_id", "report_file", "consent_form", "lab_date", "lab_file"]
    rows = _records(classic, [*_array("records", ["1", "2", "REF-A"]), *_array("fields", fields)])
    want = [
        _flat_row(classic, "1", fields),
        *(_flat_row(classic, "1", fields, instrument="lab_results", instance=i) for i in (1, 2, 3)),
        _flat_row(classic, "2", fields),
        _flat_row(classic, "REF-A", fields),
    ]
    assert rows == want
    assert want[0]["report_file"] == classic.stored("1", "report_file").name != ""


@pytest.mark.source(f"{src.V15_RECORDS}: file names per event and per instance of a repeating event")
@pytest.mark.redcap_version(">=13.6.1")
def test_record_export_shows_file_names_in_each_event(longitudinal: ProjectUnderTest) -> None:
    fields = ["record_id", "visit_date", "visit_photo"]
    rows = _records(longitudinal, [*_array("records", ["101", "201"]), *_array("fields", fields)])
    want = [
        _flat_row(longitudinal, "101", fields, event="baseline_arm_1"),
        _flat_row(longitudinal, "101", fields, event="visit_1_arm_1"),
        *(_flat_row(longitudinal, "101", fields, event="visit_2_arm_1", instance=i) for i in (1, 2)),
        _flat_row(longitudinal, "201", fields, event="baseline_arm_2"),
    ]
    assert rows == want
    assert all(row["visit_photo"] for row in want)


# -- record export rights --------------------------------------------------------------------------------


@pytest.mark.source(
    f"{src.V15} API/record/export.php:11-12: export_rights 0 (No Access) answers 403 before anything else",
    "reference §1.3 E1 (the same text as Export File's)",
)
def test_a_user_with_no_access_export_rights_cannot_export_records(classic: ProjectUnderTest) -> None:
    response = classic.post("no_access_user", {"content": "record", "format": "json", "returnFormat": "json"})
    assert (response.status_code, json_message(response)) == (403, expected.EXPORT_NO_ACCESS)


@pytest.mark.source(
    f"{src.V15} API/record/export.php:247-249: with export rights above 0 (De-Identified, Remove "
    "Identifiers) DataExport::deidFieldsToRemove drops the fields tagged Identifier from the export; "
    "V7.1.2 API/record/export.php getRecordsFlat: the same for export_rights > 1",
)
def test_remove_identifiers_rights_leave_the_identifier_fields_out_of_the_record_export(
    classic: ProjectUnderTest,
) -> None:
    response = classic.post(
        "remove_ids_user", {"content": "record", "format": "json", "type": "flat", "returnFormat": "json"}
    )
    assert response.status_code == 200, response.content[:300]
    rows = response.json()
    identifiers = {f.name for f in classic.fixture.fields if f.identifier}
    assert rows and identifiers
    assert all(classic.fixture.record_id_field in row and not identifiers & set(row) for row in rows)
