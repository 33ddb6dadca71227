"""The read-only project exports: project, metadata, instrument, arm, event, formEventMapping,
repeatingFormsEvents, exportFieldNames, record and version, byte for byte in json, csv and xml.

Every expected body is written out here from REDCap's source (V15 = `xOops4/redcap`
`html/redcap_v15.7.6/`, file named in each test), not from the fake: the tests hold the fake to
REDCap. REDCap's message texts come from `fake_redcap.messages`, the one place they are kept. A small
classic fixture ("tiny") is written into tmp_path so that every row can be spelled out; the
longitudinal shapes use the bundled demo project 15.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from fake_redcap import FakeState, create_app, demo_fixture_paths, messages
from tests.support import token, write_fixture

XML_HEAD = '<?xml version="1.0" encoding="UTF-8" ?>'
JSON_TYPE = "application/json; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
TYPES = {"json": JSON_TYPE, "csv": CSV_TYPE, "xml": XML_TYPE}

# demo project 15 (longitudinal, fake_redcap/demo/longitudinal.yaml) and 14 (classic)
LONG_FULL = "1501FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
LONG_DEID = "1502FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
CLASSIC_FULL = "1401FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
CLASSIC_NO_API_EXPORT = "1408FA4EFA4EFA4EFA4EFA4EFA4EFA4E"


def tok(n: int) -> str:
    return token(0, 0x5000 + n)


TINY_USERS: dict[str, dict[str, Any]] = {
    "full": {"data_export": "full", "design": True},
    "deid": {"data_export": "deidentified"},
    "remove": {"data_export": "remove_identifiers"},
    "none": {"data_export": "no_access"},
    # a mix aggregates to Full (no 403), but the No Access form's fields are removed
    "enrollment_only": {"data_export": {"enrollment": "full", "visits": "no_access"}},
}
TINY_TOKENS = {name: tok(i) for i, name in enumerate(TINY_USERS)}


def tiny_fixture(version: str = "15.7.6") -> dict[str, Any]:
    """A classic project with a repeating form `visits`, an identifier text field, a date, a notes
    field, two file fields and a descriptive field. Records "2", "10" and "abc" (natural order)."""
    return {
        "project": {"project_id": 501, "title": "Tiny, classic", "status": "development"},
        "redcap_version": version,
        "fields": [
            {"name": "record_id", "form": "enrollment", "type": "text", "label": "Record ID"},
            {"name": "name", "form": "enrollment", "type": "text", "identifier": True, "label": 'Name "q"'},
            {"name": "dob", "form": "enrollment", "type": "text", "validation": "date_ymd", "label": "DOB"},
            {"name": "notes_field", "form": "enrollment", "type": "notes", "label": "Notes"},
            {"name": "consent", "form": "enrollment", "type": "file", "identifier": True, "label": "Consent"},
            {"name": "visit_note", "form": "visits", "type": "text", "validation": "integer", "label": "N"},
            {"name": "scan", "form": "visits", "type": "file", "label": "Scan"},
            {"name": "intro", "form": "visits", "type": "descriptive", "label": "Intro"},
        ],
        "repeating": [{"form": "visits"}],
        "users": [{"username": n, "token": TINY_TOKENS[n], **e} for n, e in TINY_USERS.items()],
        "records": [
            {
                "record": "2",
                "values": {
                    "name": "Ann Lee",
                    "dob": "1990-01-02",
                    "notes_field": "line1\r\nline2",
                    "visit_note": "5",
                },
                "files": {
                    "consent": {"text": "c2", "name": "c, 2.txt"},
                    "scan": {"text": "s1", "name": "scan1.png"},
                },
            },
            {"record": "2", "instance": 2, "files": {"scan": {"text": "s2", "name": "scan2.txt"}}},
            {"record": "10", "values": {"name": 'Bo "B"'}},
            {"record": "abc", "values": {"visit_note": "7"}},
        ],
    }


def write_state(folder: Path, doc: Mapping[str, Any]) -> FakeState:
    return FakeState([write_fixture(folder, doc)])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    return create_app(write_state(tmp_path_factory.mktemp("tiny"), tiny_fixture())).test_client()


@pytest.fixture(scope="module")
def demo() -> FlaskClient:
    return create_app(FakeState(demo_fixture_paths())).test_client()


def post(client: FlaskClient, params: Mapping[str, str] | Sequence[tuple[str, str]]) -> TestResponse:
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    body = urllib.parse.urlencode(pairs).encode("ascii")
    return client.post("/api/", data=body, content_type="application/x-www-form-urlencoded")


def answer(response: TestResponse) -> tuple[int, str, str]:
    return response.status_code, response.headers["Content-Type"], response.get_data(as_text=True)


def php_json(value: object) -> str:
    """PHP's json_encode: no spaces, "/" escaped, non-ASCII as \\uhhhh."""
    return json.dumps(value, separators=(",", ":")).replace("/", "\\/")


def ok(fmt: str, body: str) -> tuple[int, str, str]:
    return 200, TYPES[fmt], body


def not_implemented(response: TestResponse) -> bool:
    return response.status_code == 400 and "X-Fake-REDCap-Not-Implemented" in response.headers


# ---------------------------------------------------------------------------------------------------
# content=version (API/version/export.php: sendResponse(200, $redcap_version, 'csv'))


@pytest.mark.parametrize("fmt", ["json", "csv", "xml", ""])
def test_version_is_plain_text_labelled_csv_whatever_the_format(demo: FlaskClient, fmt: str) -> None:
    response = post(demo, {"token": CLASSIC_FULL, "content": "version", "format": fmt})
    assert answer(response) == (200, CSV_TYPE, "15.7.6")


# ---------------------------------------------------------------------------------------------------
# content=project (API/project/export.php, Project::getAttributesApiExportProjectInfo)

PROJECT_KEYS = (
    "project_id,project_title,creation_time,production_time,in_production,project_language,purpose,"
    "purpose_other,project_notes,custom_record_label,secondary_unique_field,is_longitudinal,"
    "has_repeating_instruments_or_events,surveys_enabled,scheduling_enabled,record_autonumbering_enabled,"
    "randomization_enabled,ddp_enabled,project_irb_number,project_grant_number,project_pi_firstname,"
    "project_pi_lastname,display_today_now_button,missing_data_codes,external_modules,"
    "bypass_branching_erase_field_prompt"
)


def test_project_json_is_one_object_with_integers(tiny: FlaskClient) -> None:
    status, ctype, body = answer(
        post(tiny, {"token": TINY_TOKENS["full"], "content": "project", "format": "json"})
    )
    info = json.loads(body)
    assert (status, ctype, ",".join(info)) == (200, JSON_TYPE, PROJECT_KEYS)
    assert body.startswith('{"project_id":501,"project_title":"Tiny, classic","creation_time":"')
    assert (info["in_production"], info["is_longitudinal"], info["has_repeating_instruments_or_events"]) == (
        0,
        0,
        1,
    )
    assert (info["production_time"], info["project_language"], info["purpose"]) == ("", "English", 0)


def test_project_csv_is_a_header_line_and_a_value_line(demo: FlaskClient) -> None:
    status, ctype, body = answer(post(demo, {"token": LONG_FULL, "content": "project", "format": "csv"}))
    header, values, end = body.split("\n")
    assert (status, ctype, header, end) == (200, CSV_TYPE, PROJECT_KEYS, "")
    # fputcsv quotes values holding a space; in_production 1 (production), is_longitudinal 1
    assert values.startswith('15,"Export File demo (longitudinal)","')
    assert values.endswith(",1,English,0,,,,,1,1,0,0,0,0,0,,,,,1,,,0")


def test_project_xml_has_every_element_on_one_line_and_zero_in_cdata(tiny: FlaskClient) -> None:
    status, ctype, body = answer(post(tiny, {"token": TINY_TOKENS["full"], "content": "project"}))
    assert (status, ctype) == (200, XML_TYPE)
    assert body.startswith(f"{XML_HEAD}\n<items>\n<project_id><![CDATA[501]]></project_id><project_title>")
    assert "<production_time></production_time><in_production><![CDATA[0]]></in_production>" in body
    assert body.endswith(
        "<bypass_branching_erase_field_prompt><![CDATA[0]]></bypass_branching_erase_field_prompt>\n</items>\n"
    )
    assert body.count("\n") == 4


def test_project_analysis_status_is_in_production_2(tmp_path: Path) -> None:
    doc = tiny_fixture()
    doc["project"]["status"] = "analysis"
    client = create_app(write_state(tmp_path, doc)).test_client()
    info = json.loads(
        post(client, {"token": TINY_TOKENS["full"], "content": "project", "format": "json"}).get_data()
    )
    assert info["in_production"] == 2


# ---------------------------------------------------------------------------------------------------
# content=metadata (API/metadata/export.php, MetaData::getDataDictionary)

DD_HEADER = (
    "field_name,form_name,section_header,field_type,field_label,select_choices_or_calculations,field_note,"
    "text_validation_type_or_show_slider_number,text_validation_min,text_validation_max,identifier,"
    "branching_logic,required_field,custom_alignment,question_number,matrix_group_name,matrix_ranking,"
    "field_annotation"
)


def dd(
    field: str, form: str, ftype: str, label: str, validation: str = "", identifier: str = ""
) -> dict[str, str]:
    row = dict.fromkeys(DD_HEADER.split(","), "")
    row.update(
        field_name=field,
        form_name=form,
        field_type=ftype,
        field_label=label,
        text_validation_type_or_show_slider_number=validation,
        identifier=identifier,
    )
    return row


TINY_DD = [
    dd("record_id", "enrollment", "text", "Record ID"),
    dd("name", "enrollment", "text", 'Name "q"', identifier="y"),
    dd("dob", "enrollment", "text", "DOB", validation="date_ymd"),
    dd("notes_field", "enrollment", "notes", "Notes"),
    dd("consent", "enrollment", "file", "Consent", identifier="y"),
    dd("visit_note", "visits", "text", "N", validation="integer"),
    dd("scan", "visits", "file", "Scan"),
    dd("intro", "visits", "descriptive", "Intro"),
]


def test_metadata_json_rows_joined_by_comma_newline(tiny: FlaskClient) -> None:
    status, ctype, body = answer(
        post(tiny, {"token": TINY_TOKENS["full"], "content": "metadata", "format": "json"})
    )
    expected = "[" + ",\n".join(json.dumps(r, separators=(",", ":")) for r in TINY_DD) + "]"
    assert (status, ctype, body) == (200, JSON_TYPE, expected)


def test_metadata_csv_raw_headers_fputcsv_quoting_and_lf(tiny: FlaskClient) -> None:
    body = post(tiny, {"token": TINY_TOKENS["full"], "content": "metadata", "format": "csv"}).get_data(
        as_text=True
    )
    assert body == (
        DD_HEADER + "\n"
        'record_id,enrollment,,text,"Record ID",,,,,,,,,,,,,\n'
        'name,enrollment,,text,"Name ""q""",,,,,,y,,,,,,,\n'
        "dob,enrollment,,text,DOB,,,date_ymd,,,,,,,,,,\n"
        "notes_field,enrollment,,notes,Notes,,,,,,,,,,,,,\n"
        "consent,enrollment,,file,Consent,,,,,,y,,,,,,,\n"
        "visit_note,visits,,text,N,,,integer,,,,,,,,,,\n"
        "scan,visits,,file,Scan,,,,,,,,,,,,,\n"
        "intro,visits,,descriptive,Intro,,,,,,,,,,,,,\n"
    )


def test_metadata_xml_records_items_cdata_only_for_values(tiny: FlaskClient) -> None:
    body = post(tiny, {"token": TINY_TOKENS["full"], "content": "metadata", "fields[0]": "scan"}).get_data(
        as_text=True
    )
    cells = "".join(
        f"<{k}><![CDATA[{v}]]></{k}>" if v else f"<{k}></{k}>"
        for k, v in dd("scan", "visits", "file", "Scan").items()
    )
    assert body == f"{XML_HEAD}\n<records>\n<item>{cells}</item>\n</records>\n"


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ([("fields", "dob,scan")], ["dob", "scan"]),
        ([("fields", "dob, scan")], ["dob"]),  # a comma string is not trimmed: " scan" matches nothing
        ([("fields[0]", "DOB")], ["dob"]),  # matched by the database, case-insensitively
        ([("forms[0]", "visits")], ["visit_note", "scan", "intro"]),
        ([("fields[0]", "record_id"), ("forms[0]", "visits")], ["record_id", "visit_note", "scan", "intro"]),
        ([("fields[0]", "nope")], []),  # unknown names are ignored
        ([("fields", "")], [r["field_name"] for r in TINY_DD]),  # empty: everything
    ],
)
def test_metadata_fields_and_forms_filters(
    tiny: FlaskClient, params: list[tuple[str, str]], names: list[str]
) -> None:
    base = [("token", TINY_TOKENS["full"]), ("content", "metadata"), ("format", "json")]
    rows = json.loads(post(tiny, base + params).get_data())
    assert [r["field_name"] for r in rows] == names


def test_metadata_forms_as_a_string_is_not_imitated(tiny: FlaskClient) -> None:
    """API/metadata/export.php hands a string `forms` to prep_implode, which makes `IN ()`: REDCap fails."""
    response = post(tiny, {"token": TINY_TOKENS["full"], "content": "metadata", "forms": "visits"})
    assert not_implemented(response)


def test_metadata_odm_is_not_implemented(tiny: FlaskClient) -> None:
    assert not_implemented(post(tiny, {"token": TINY_TOKENS["full"], "content": "metadata", "format": "odm"}))


# ---------------------------------------------------------------------------------------------------
# content=instrument (API/instrument/export.php); labels ucwords(form with _ as space)


def test_instruments_in_every_format(demo: FlaskClient) -> None:
    def get(fmt: str) -> tuple[int, str, str]:
        return answer(post(demo, {"token": LONG_FULL, "content": "instrument", "format": fmt}))

    assert get("json") == ok(
        "json",
        '[{"instrument_name":"enrollment","instrument_label":"Enrollment"},'
        '{"instrument_name":"visit","instrument_label":"Visit"},'
        '{"instrument_name":"labs","instrument_label":"Labs"}]',
    )
    # the csv is written by hand: the label always quoted
    assert get("csv") == ok(
        "csv", 'instrument_name,instrument_label\nenrollment,"Enrollment"\nvisit,"Visit"\nlabs,"Labs"\n'
    )
    item = (
        "<item><instrument_name><![CDATA[{0}]]></instrument_name>"
        "<instrument_label><![CDATA[{1}]]></instrument_label></item>\n"
    )
    items = "".join(item.format(n, n.capitalize()) for n in ("enrollment", "visit", "labs"))
    assert get("xml") == ok("xml", f"{XML_HEAD}\n<instruments>\n{items}</instruments>\n")


# ---------------------------------------------------------------------------------------------------
# content=arm (Project::getArmRecords / extractArms, arrayToCsv)


def test_arms_in_every_format(demo: FlaskClient) -> None:
    def get(fmt: str, *more: tuple[str, str]) -> tuple[int, str, str]:
        return answer(post(demo, [("token", LONG_FULL), ("content", "arm"), ("format", fmt), *more]))

    assert get("json") == ok("json", '[{"arm_num":1,"name":"Treatment"},{"arm_num":2,"name":"Control"}]')
    assert get("csv") == ok("csv", "arm_num,name\n1,Treatment\n2,Control")  # arrayToCsv trims the end
    assert get("xml") == ok(
        "xml",
        f"{XML_HEAD}\n<arms>\n<item><arm_num><![CDATA[1]]></arm_num><name><![CDATA[Treatment]]></name></item>\n"
        "<item><arm_num><![CDATA[2]]></arm_num><name><![CDATA[Control]]></name></item>\n</arms>\n",
    )
    # in_array with PHP's loose comparison: "02" is arm 2
    assert get("json", ("arms[0]", "02")) == ok("json", '[{"arm_num":2,"name":"Control"}]')


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("arm", messages.ARMS_CLASSIC),
        ("event", messages.EVENTS_CLASSIC),
        ("formEventMapping", messages.MAPPING_CLASSIC),
    ],
)
def test_longitudinal_only_exports_refuse_classic_projects_in_the_return_format(
    demo: FlaskClient, content: str, message: str
) -> None:
    params = {"token": CLASSIC_FULL, "content": content}
    assert answer(post(demo, params)) == (400, XML_TYPE, f"{XML_HEAD}<hash><error>{message}</error></hash>")
    assert answer(post(demo, {**params, "returnFormat": "csv", "format": "json"})) == (
        400,
        CSV_TYPE,
        f"ERROR: {message}",
    )
    assert answer(post(demo, {**params, "format": "json"})) == (400, JSON_TYPE, php_json({"error": message}))
    # the classic-project check comes before the content format is looked at (odm errors are xml)
    assert answer(post(demo, {**params, "format": "odm"})) == (
        400,
        XML_TYPE,
        f"{XML_HEAD}<hash><error>{message}</error></hash>",
    )


# ---------------------------------------------------------------------------------------------------
# content=event (Project::getEventRecords, eventsToCSV)

EVENTS = [
    ("Baseline", 1, "baseline_arm_1", 1501),
    ("Visit 1", 1, "visit_1_arm_1", 1502),
    ("Visit 2", 1, "visit_2_arm_1", 1503),
    ("Baseline", 2, "baseline_arm_2", 1504),
    ("Follow-up", 2, "followup_arm_2", 1505),
]


def test_events_json_keys_and_integer_ids(demo: FlaskClient) -> None:
    body = post(demo, {"token": LONG_FULL, "content": "event", "format": "json"}).get_data(as_text=True)
    expected = [
        {"event_name": n, "arm_num": a, "unique_event_name": u, "custom_event_label": "", "event_id": i}
        for n, a, u, i in EVENTS
    ]
    assert body == json.dumps(expected, separators=(",", ":"))


def test_events_csv_trimmed_and_xml(demo: FlaskClient) -> None:
    csv = post(demo, {"token": LONG_FULL, "content": "event", "format": "csv", "arms": "2"}).get_data(
        as_text=True
    )
    assert csv == (
        "event_name,arm_num,unique_event_name,custom_event_label,event_id\n"
        "Baseline,2,baseline_arm_2,,1504\nFollow-up,2,followup_arm_2,,1505"
    )
    xml = post(demo, {"token": LONG_FULL, "content": "event", "arms[0]": " 1 "}).get_data(as_text=True)
    items = "".join(
        f"<item><event_name><![CDATA[{n}]]></event_name><arm_num><![CDATA[{a}]]></arm_num>"
        f"<unique_event_name><![CDATA[{u}]]></unique_event_name><custom_event_label></custom_event_label>"
        f"<event_id><![CDATA[{i}]]></event_id></item>\n"
        for n, a, u, i in EVENTS[:3]
    )
    assert xml == f"{XML_HEAD}\n<events>\n{items}</events>\n"


def test_events_of_no_arm_are_an_empty_csv_body(demo: FlaskClient) -> None:
    assert answer(post(demo, {"token": LONG_FULL, "content": "event", "format": "csv", "arms": "9"})) == ok(
        "csv", ""
    )


# ---------------------------------------------------------------------------------------------------
# content=formEventMapping (Project::getInstrEventMapRecords, instrEventMapToCSV)

MAPPING = [
    (1, "baseline_arm_1", "enrollment"),
    (1, "baseline_arm_1", "labs"),
    (1, "visit_1_arm_1", "visit"),
    (1, "visit_1_arm_1", "labs"),
    (1, "visit_2_arm_1", "visit"),
    (2, "baseline_arm_2", "enrollment"),
    (2, "followup_arm_2", "visit"),
]


def test_form_event_mapping_in_every_format(demo: FlaskClient) -> None:
    def get(fmt: str, **more: str) -> tuple[int, str, str]:
        return answer(post(demo, {"token": LONG_FULL, "content": "formEventMapping", "format": fmt, **more}))

    rows = [{"arm_num": a, "unique_event_name": u, "form": f} for a, u, f in MAPPING]
    assert get("json") == ok("json", json.dumps(rows, separators=(",", ":")))
    assert get("csv") == ok(
        "csv", "arm_num,unique_event_name,form\n" + "\n".join(f"{a},{u},{f}" for a, u, f in MAPPING)
    )
    items = "".join(
        f"<item><arm_num>{a}</arm_num><unique_event_name>{u}</unique_event_name><form>{f}</form></item>\n"
        for a, u, f in MAPPING[5:]
    )
    assert get("xml", arms="2") == ok("xml", f"{XML_HEAD}\n<items>\n{items}</items>\n")


def test_form_event_mapping_of_no_arm_is_one_blank_row(demo: FlaskClient) -> None:
    def get(fmt: str) -> str:
        response = post(
            demo, {"token": LONG_FULL, "content": "formEventMapping", "format": fmt, "arms[0]": "7"}
        )
        return response.get_data(as_text=True)

    assert get("json") == '[{"arm_num":"","unique_event_name":"","form":""}]'
    assert get("csv") == "arm_num,unique_event_name,form"
    assert get("xml") == (
        f"{XML_HEAD}\n<items>\n<item><arm_num></arm_num><unique_event_name></unique_event_name><form></form></item>\n</items>\n"
    )


# ---------------------------------------------------------------------------------------------------
# content=repeatingFormsEvents (API/repeatingFormsEvents/export.php)


def test_repeating_forms_events_longitudinal(demo: FlaskClient) -> None:
    def get(fmt: str) -> tuple[int, str, str]:
        return answer(post(demo, {"token": LONG_FULL, "content": "repeatingFormsEvents", "format": fmt}))

    assert get("json") == ok(
        "json",
        '[{"event_name":"visit_1_arm_1","form_name":"labs","custom_form_label":""},'
        '{"event_name":"visit_2_arm_1","form_name":"","custom_form_label":""}]',
    )
    assert get("csv") == ok(
        "csv", "event_name,form_name,custom_form_label\nvisit_1_arm_1,labs,\nvisit_2_arm_1,,\n"
    )
    assert get("xml") == ok(
        "xml",
        f"{XML_HEAD}\n<repeatingFormsEvents>\n"
        "<item><event_name>visit_1_arm_1</event_name><form_name>labs</form_name><custom_form_label></custom_form_label></item>\n"
        "<item><event_name>visit_2_arm_1</event_name><form_name></form_name><custom_form_label></custom_form_label></item>\n"
        "</repeatingFormsEvents>\n",
    )


def test_repeating_forms_events_classic_and_none(tiny: FlaskClient, tmp_path: Path) -> None:
    body = post(tiny, {"token": TINY_TOKENS["full"], "content": "repeatingFormsEvents", "format": "csv"})
    assert body.get_data(as_text=True) == "form_name,custom_form_label\nvisits,\n"
    doc = tiny_fixture()
    doc["repeating"] = []
    doc["records"] = [{"record": "1"}]
    client = create_app(write_state(tmp_path, doc)).test_client()
    message = messages.NO_REPEATING
    response = post(
        client, {"token": TINY_TOKENS["full"], "content": "repeatingFormsEvents", "format": "csv"}
    )
    assert answer(response) == (400, CSV_TYPE, f"ERROR: {message}")


def test_repeating_forms_classic_come_in_instrument_order(tmp_path: Path) -> None:
    # V15 Project.php:2076-2085 asort()s the repeating forms on form_number (source audit 2026-11 #64):
    # `visits` comes before `adverse_events` because it is the earlier instrument, not alphabetically.
    doc = tiny_fixture()
    doc["fields"] = [
        *doc["fields"],
        {"name": "ae_term", "form": "adverse_events", "type": "text", "label": "AE"},
    ]
    doc["repeating"] = [{"form": "adverse_events"}, {"form": "visits"}]
    client = create_app(write_state(tmp_path, doc)).test_client()
    params = {"token": TINY_TOKENS["full"], "content": "repeatingFormsEvents", "format": "csv"}
    body = post(client, params).get_data(as_text=True)
    assert body == "form_name,custom_form_label\nvisits,\nadverse_events,\n"


# ---------------------------------------------------------------------------------------------------
# content=exportFieldNames (API/exportFieldNames/export.php, REDCap::getExportFieldNames)


def test_export_field_names_skip_file_and_descriptive_fields(tiny: FlaskClient) -> None:
    names = [
        "record_id",
        "name",
        "dob",
        "notes_field",
        "enrollment_complete",
        "visit_note",
        "visits_complete",
    ]
    body = post(
        tiny, {"token": TINY_TOKENS["full"], "content": "exportFieldNames", "format": "csv"}
    ).get_data(as_text=True)
    assert body == "original_field_name,choice_value,export_field_name\n" + "".join(
        f"{n},,{n}\n" for n in names
    )
    one = post(tiny, {"token": TINY_TOKENS["full"], "content": "exportFieldNames", "field": "dob"})
    assert answer(one) == ok(
        "xml",
        f"{XML_HEAD}\n<fields>\n<field><original_field_name><![CDATA[dob]]></original_field_name>"
        "<choice_value><![CDATA[]]></choice_value><export_field_name><![CDATA[dob]]></export_field_name></field>\n</fields>",
    )


@pytest.mark.parametrize(("field", "message"), [("nope", "Invalid field"), ("scan", messages.UNKNOWN_ERROR)])
def test_export_field_names_errors(tiny: FlaskClient, field: str, message: str) -> None:
    params = {"token": TINY_TOKENS["full"], "content": "exportFieldNames", "format": "json", "field": field}
    assert answer(post(tiny, params)) == (400, JSON_TYPE, php_json({"error": message}))


# ---------------------------------------------------------------------------------------------------
# The action REDCap's API/index.php derives, and the API Export right


def test_other_actions_answer_not_implemented_or_refused(demo: FlaskClient) -> None:
    importer = "1506FA4EFA4EFA4EFA4EFA4EFA4EFA4E"
    refused = post(demo, {"token": LONG_FULL, "content": "event", "action": "import", "returnFormat": "json"})
    assert answer(refused) == (403, JSON_TYPE, '{"error":"You do not have API Import\\/Update privileges"}')
    # With the right, Import Events' own checks (tests/test_design_import.py): the demo is in production.
    production = post(
        demo, {"token": importer, "content": "event", "action": "import", "returnFormat": "json"}
    )
    assert answer(production) == (
        400,
        JSON_TYPE,
        '{"error":"This method cannot be used while the project is in Production status."}',
    )
    # `data` makes it an import: the API Import/Update right first (source audit #16), then the method.
    no_import = post(demo, {"token": LONG_FULL, "content": "metadata", "data": "[]", "format": "json"})
    assert answer(no_import) == (403, JSON_TYPE, '{"error":"You do not have API Import\\/Update privileges"}')
    in_production = post(demo, {"token": importer, "content": "metadata", "data": "[]", "format": "json"})
    assert answer(in_production) == answer(production)
    bad = post(demo, {"token": LONG_FULL, "content": "arm", "action": "Export", "returnFormat": "json"})
    assert answer(bad) == (400, JSON_TYPE, '{"error":"The value of the parameter \\"action\\" is not valid"}')


@pytest.mark.parametrize("content", ["project", "metadata", "instrument", "record", "exportFieldNames"])
def test_exports_need_the_api_export_right(demo: FlaskClient, content: str) -> None:
    response = post(demo, {"token": CLASSIC_NO_API_EXPORT, "content": content, "format": "json"})
    assert answer(response) == (403, JSON_TYPE, '{"error":"You do not have API Export privileges"}')


# ---------------------------------------------------------------------------------------------------
# content=record (API/record/export.php, Records::getData)

TINY_COLUMNS = [
    "record_id",
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
    "name",
    "dob",
    "notes_field",
    "consent",
    "enrollment_complete",
    "visit_note",
    "scan",
    "visits_complete",
]


def rec(values: Sequence[str | int]) -> dict[str, str | int]:
    return dict(zip(TINY_COLUMNS, values, strict=True))


# Every row of the tiny project for a Full Data Set user: base rows first, then the repeating rows;
# form statuses "0" where the form is on the row, "" for other forms on a repeating row and for the
# repeating form on a base row; file fields show the stored file name (REDCap 13+).
TINY_ROWS = [
    rec(["2", "", "", "Ann Lee", "1990-01-02", "line1\r\nline2", "c, 2.txt", "0", "", "", ""]),
    rec(["2", "visits", 1, "", "", "", "", "", "5", "scan1.png", "0"]),
    rec(["2", "visits", 2, "", "", "", "", "", "", "scan2.txt", "0"]),
    rec(["10", "", "", 'Bo "B"', "", "", "", "0", "", "", ""]),
    rec(["abc", "", "", "", "", "", "", "0", "", "", ""]),
    rec(["abc", "visits", 1, "", "", "", "", "", "7", "", "0"]),
]


def records(client: FlaskClient, token: str, *params: tuple[str, str], fmt: str = "json") -> TestResponse:
    return post(client, [("token", token), ("content", "record"), ("format", fmt), ("type", "flat"), *params])


def test_records_json_every_row_and_column(tiny: FlaskClient) -> None:
    status, ctype, body = answer(records(tiny, TINY_TOKENS["full"]))
    assert (status, ctype, body) == (200, JSON_TYPE, php_json(TINY_ROWS))
    assert '"redcap_repeat_instance":1,' in body  # an integer, as PyCap's real-server doctest shows


def test_records_csv_header_quoting_and_line_ends(tiny: FlaskClient) -> None:
    body = records(tiny, TINY_TOKENS["full"], fmt="csv").get_data(as_text=True)
    assert body == (
        ",".join(TINY_COLUMNS) + "\n"
        '2,,,"Ann Lee",1990-01-02,"line1\r\nline2","c, 2.txt",0,,,\n'
        "2,visits,1,,,,,,5,scan1.png,0\n"
        "2,visits,2,,,,,,,scan2.txt,0\n"
        '10,,,"Bo ""B""",,,,0,,,\n'
        "abc,,,,,,,0,,,\n"
        "abc,visits,1,,,,,,7,,0\n"
    )


def test_records_xml_cdata_and_no_final_newline(tiny: FlaskClient) -> None:
    body = records(tiny, TINY_TOKENS["full"], ("records[0]", "10"), fmt="xml").get_data(as_text=True)
    cells = "".join(
        f"<{k}><![CDATA[{v}]]></{k}>" if v != "" else f"<{k}></{k}>" for k, v in TINY_ROWS[3].items()
    )
    assert body == f"{XML_HEAD}\n<records>\n<item>{cells}</item>\n</records>"


def test_records_empty_result_in_each_format(tiny: FlaskClient) -> None:
    def get(fmt: str) -> str:
        return records(tiny, TINY_TOKENS["full"], ("records", "nope"), fmt=fmt).get_data(as_text=True)

    assert (get("json"), get("csv"), get("xml")) == ("[]", "\n", f"{XML_HEAD}\n<records>\n</records>")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            [("records", "abc,10")],
            [TINY_ROWS[3], TINY_ROWS[4], TINY_ROWS[5]],
        ),  # REDCap's order, not the request's
        (
            [("records[0]", "ABC")],
            [TINY_ROWS[4], TINY_ROWS[5]],
        ),  # matched by the database, case-insensitively
        ([("records[0]", "2"), ("records[1]", "nope")], TINY_ROWS[:3]),
        ([("records", " 'abc' ")], [TINY_ROWS[4], TINY_ROWS[5]]),  # quotes removed, value trimmed
    ],
)
def test_records_filter(
    tiny: FlaskClient, params: list[tuple[str, str]], expected: list[dict[str, Any]]
) -> None:
    assert json.loads(records(tiny, TINY_TOKENS["full"], *params).get_data()) == expected


def test_records_fields_without_the_record_id_field_have_no_id_columns(tiny: FlaskClient) -> None:
    """Classic: the columns after the record ID field come only with it. The repeating form's status is
    fetched (not shown), so every instance gets a row even where the field is blank."""
    rows = json.loads(records(tiny, TINY_TOKENS["full"], ("fields", "scan")).get_data())
    assert rows == [{"scan": "scan1.png"}, {"scan": "scan2.txt"}, {"scan": ""}]


def test_records_fields_array_and_comma_forms(tiny: FlaskClient) -> None:
    expected = [
        {"record_id": r["record_id"], "redcap_repeat_instrument": r["redcap_repeat_instrument"],
         "redcap_repeat_instance": r["redcap_repeat_instance"], "dob": r["dob"], "scan": r["scan"]}
        for r in TINY_ROWS
    ]  # fmt: skip
    by_array = records(
        tiny, TINY_TOKENS["full"], ("fields[0]", "scan"), ("fields[1]", "dob"), ("fields[2]", "record_id")
    )
    by_string = records(tiny, TINY_TOKENS["full"], ("fields", "scan, dob ,record_id"))  # trimmed
    assert json.loads(by_array.get_data()) == expected
    assert json.loads(by_string.get_data()) == expected
    by_form = records(tiny, TINY_TOKENS["full"], ("forms[0]", "visits"), ("fields[0]", "record_id"))
    first = json.loads(by_form.get_data())[0]
    assert list(first) == [
        "record_id", "redcap_repeat_instrument", "redcap_repeat_instance", "visit_note", "scan",
        "visits_complete",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            [("fields", "scan,nope,x'y")],
            "The following values in the parameter \"fields\" are not valid: 'nope', 'x\\'y'",
        ),
        ([("fields[0]", "SCAN")], "The following values in the parameter \"fields\" are not valid: 'SCAN'"),
        (
            [("fields[0]", "intro")],
            messages.RECORD_FIELDS_DESCRIPTIVE,
        ),
        (
            [("forms[0]", "visits"), ("forms[1]", "nope")],
            "The following values in the parameter \"forms\" are not valid: 'nope'",
        ),
    ],
)
def test_records_invalid_fields_and_forms(
    tiny: FlaskClient, params: list[tuple[str, str]], message: str
) -> None:
    response = records(tiny, TINY_TOKENS["full"], *params, ("returnFormat", "csv"))
    assert answer(response) == (400, CSV_TYPE, f"ERROR: {message}")


def test_records_no_access_is_403(tiny: FlaskClient) -> None:
    text = messages.EXPORT_NO_ACCESS
    assert answer(records(tiny, TINY_TOKENS["none"], fmt="csv")) == (403, CSV_TYPE, f"ERROR: {text}")


def drop(rows: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in names} for r in rows]


def test_records_de_identified_removes_identifiers_free_text_notes_and_dates(tiny: FlaskClient) -> None:
    """DataExport::deidFieldsToRemove: De-Identified removes Identifier fields, unvalidated text, notes
    and date fields (record ID kept); `visit_note` (integer) and the file `scan` stay."""
    rows = json.loads(records(tiny, TINY_TOKENS["deid"]).get_data())
    assert rows == drop(TINY_ROWS, "name", "dob", "notes_field", "consent")


def test_records_remove_identifiers_removes_only_identifier_fields(tiny: FlaskClient) -> None:
    rows = json.loads(records(tiny, TINY_TOKENS["remove"]).get_data())
    assert rows == drop(TINY_ROWS, "name", "consent")


def test_records_per_form_no_access_removes_that_forms_fields(tiny: FlaskClient) -> None:
    """A mix of form rights aggregates to Full (no 403), but the visits form's fields go; with no
    repeating field left there are no repeating rows."""
    rows = json.loads(records(tiny, TINY_TOKENS["enrollment_only"]).get_data())
    assert rows == drop([TINY_ROWS[0], TINY_ROWS[3], TINY_ROWS[4]], "visit_note", "scan", "visits_complete")


def test_records_all_requested_fields_removed_by_de_identification(tiny: FlaskClient) -> None:
    response = records(tiny, TINY_TOKENS["deid"], ("fields[0]", "name"), ("returnFormat", "json"))
    message = messages.RECORD_FIELDS_ALL_DEID
    assert answer(response) == (400, JSON_TYPE, php_json({"error": message}))


def test_records_before_redcap_13_show_document_for_files(tmp_path: Path) -> None:
    client = create_app(write_state(tmp_path, tiny_fixture("10.0.13"))).test_client()
    rows = json.loads(records(client, TINY_TOKENS["full"], ("fields", "record_id,consent,scan")).get_data())
    assert [(r["consent"], r["scan"]) for r in rows] == [
        ("[document]", ""), ("", "[document]"), ("", "[document]"), ("", ""), ("", ""), ("", ""),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "params",
    [
        [("type", "eav"), ("rawOrLabel", "label")],
        [("filterLogic", "datediff([dob], 'today', 'y') > 18")],  # functions: not evaluated
        [("format", "odm")],
    ],
)
def test_records_options_the_fake_lacks_are_not_implemented(
    tiny: FlaskClient, params: list[tuple[str, str]]
) -> None:
    response = post(tiny, [("token", TINY_TOKENS["full"]), ("content", "record"), *params])
    assert not_implemented(response)


@pytest.mark.parametrize("flag", ["1", "true", "TRUE"])
def test_records_blank_for_gray_form_status(tiny: FlaskClient, flag: str) -> None:
    """exportBlankForGrayFormStatus (V15 API/record/export.php:340-341, Records.php:2401-2408): a form
    status with no stored value is "" instead of "0" (only record abc's enrollment has no data); a
    status stored with the form's data stays "0"."""
    rows = json.loads(records(tiny, TINY_TOKENS["full"], ("exportBlankForGrayFormStatus", flag)).get_data())
    expected = [dict(row) for row in TINY_ROWS]
    expected[4]["enrollment_complete"] = ""
    assert rows == expected
    for other in ("0", "false", "yes"):
        unchanged = records(tiny, TINY_TOKENS["full"], ("exportBlankForGrayFormStatus", other))
        assert json.loads(unchanged.get_data()) == TINY_ROWS


def test_records_blank_for_gray_form_status_without_repeating(tmp_path: Path) -> None:
    """The same on a classic project with no repeating set-up (the export's fast path)."""
    doc = tiny_fixture()
    doc.pop("repeating")
    doc["records"] = [{"record": "2", "values": {"name": "Ann"}}]
    client = create_app(write_state(tmp_path, doc)).test_client()
    statuses = []
    for flag in ("0", "1"):
        for fmt in ("json", "csv"):
            answer = records(client, TINY_TOKENS["full"], ("exportBlankForGrayFormStatus", flag), fmt=fmt)
            text = answer.get_data(as_text=True)
            row = (
                json.loads(text)[0]
                if fmt == "json"
                else dict(zip(*[line.split(",") for line in text.split("\n")[:2]], strict=True))
            )
            statuses.append((row["enrollment_complete"], row["visits_complete"]))
    assert statuses == [("0", "0"), ("0", "0"), ("0", ""), ("0", "")]


def test_records_blank_for_gray_form_status_is_ignored_by_redcap_10(tmp_path: Path) -> None:
    """REDCap 10.0.13's record export has no exportBlankForGrayFormStatus (CHANGES
    blank_for_gray_form_status): the statuses stay "0"."""
    client = create_app(write_state(tmp_path, tiny_fixture("10.0.13"))).test_client()
    plain = records(client, TINY_TOKENS["full"]).get_data()
    assert records(client, TINY_TOKENS["full"], ("exportBlankForGrayFormStatus", "1")).get_data() == plain


def test_records_type_in_upper_case_is_eav_and_garbage_is_flat(tiny: FlaskClient) -> None:
    """API/index.php keeps a case-insensitive `eav`/`flat` as sent, then export.php compares exactly
    with "flat": FLAT means EAV; anything else becomes flat."""
    upper = records(tiny, TINY_TOKENS["full"], ("type", "FLAT"))
    eav = records(tiny, TINY_TOKENS["full"], ("type", "eav"))
    assert (upper.status_code, upper.get_data()) == (eav.status_code, eav.get_data())
    assert json.loads(records(tiny, TINY_TOKENS["full"], ("type", "wide")).get_data()) == TINY_ROWS


LONG_COLUMNS = [
    "record_id", "redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance", "consent_form",
    "participant_signature", "enrollment_complete", "visit_date", "visit_photo", "visit_complete", "lab_date",
    "lab_report", "labs_complete",
]  # fmt: skip


def long_row(values: Sequence[str | int]) -> dict[str, str | int]:
    return dict(zip(LONG_COLUMNS, values, strict=True))


# (record, event, instrument, instance, consent_form, participant_signature, enrollment_complete,
#  visit_date, visit_photo, visit_complete, lab_date, lab_report, labs_complete)
LONG_ROWS = [
    long_row(["101", "baseline_arm_1", "", "", "consent.pdf", "signature.png", "0", "", "", "",
              "2025-01-10", "lab_3.csv", "0"]),
    long_row(["101", "visit_1_arm_1", "", "", "", "", "", "2025-02-10", "", "0", "", "", ""]),
    long_row(["101", "visit_1_arm_1", "labs", 1, "", "", "", "", "", "", "2025-02-10", "lab_1.csv", "0"]),
    long_row(["101", "visit_1_arm_1", "labs", 2, "", "", "", "", "", "", "2025-02-24", "lab_2.txt", "0"]),
    long_row(["101", "visit_2_arm_1", "", 1, "", "", "", "2025-03-10", "visit_photo_1.png", "0", "", "", ""]),
    long_row(["101", "visit_2_arm_1", "", 2, "", "", "", "2025-03-17", "visit_photo_2.png", "0", "", "", ""]),
    long_row(["102", "baseline_arm_1", "", "", "同意书 signed.pdf", "", "0", "", "", "", "", "", "0"]),
    long_row(["201", "baseline_arm_2", "", "", "consent.pdf", "", "0", "", "", "", "", "", ""]),
    long_row(["201", "followup_arm_2", "", "", "", "", "", "2025-04-02", "", "0", "", "", ""]),
]  # fmt: skip


def test_records_longitudinal_events_and_repeats(demo: FlaskClient) -> None:
    """Base rows of a record first (event order), then its repeating rows (event, form, instance); a
    repeating event's rows have an instance and no instrument; a form not designated for the event has
    a blank status."""
    body = records(demo, LONG_FULL).get_data(as_text=True)
    assert body == php_json(LONG_ROWS)


def test_records_longitudinal_csv(demo: FlaskClient) -> None:
    body = records(demo, LONG_FULL, ("records", "201"), fmt="csv").get_data(as_text=True)
    assert body == (
        ",".join(LONG_COLUMNS)
        + "\n201,baseline_arm_2,,,consent.pdf,,0,,,,,,\n201,followup_arm_2,,,,,,2025-04-02,,0,,,\n"
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ([("events", "visit_2_arm_1")], LONG_ROWS[4:6]),
        ([("events[0]", "baseline_arm_2"), ("events[1]", "visit_2_arm_1")], [*LONG_ROWS[4:6], LONG_ROWS[7]]),
        ([("events", "visit_2_arm_1,nope")], LONG_ROWS[4:6]),  # a comma string is not validated
    ],
)
def test_records_events_filter(
    demo: FlaskClient, params: list[tuple[str, str]], expected: list[dict[str, Any]]
) -> None:
    assert json.loads(records(demo, LONG_FULL, *params).get_data()) == expected


def test_records_invalid_events_array(demo: FlaskClient) -> None:
    response = records(
        demo, LONG_FULL, ("events[0]", "visit_2_arm_1"), ("events[1]", "nope"), ("events[2]", "nope")
    )
    message = "The following values in the parameter \"events\" are not valid: 'nope'"
    assert answer(response) == (400, JSON_TYPE, php_json({"error": message}))


def test_records_longitudinal_fields_without_record_id_lose_the_event_column(demo: FlaskClient) -> None:
    """Records::getData adds the record ID field to fetch a longitudinal project's rows, then removes
    it, and redcap_event_name goes with it: one bare row per record-event and instance."""
    rows = json.loads(records(demo, LONG_FULL, ("fields[0]", "visit_photo")).get_data())
    assert rows == [
        {"visit_photo": r["visit_photo"]} for r in LONG_ROWS if r["redcap_repeat_instrument"] != "labs"
    ]


def test_records_de_identified_longitudinal(demo: FlaskClient) -> None:
    rows = json.loads(records(demo, LONG_DEID, ("records", "102")).get_data())
    # consent_form (Identifier) and the date fields go; the record ID field stays
    assert rows == [drop([LONG_ROWS[6]], "consent_form", "visit_date", "lab_date")[0]]
