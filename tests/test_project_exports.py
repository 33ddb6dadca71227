"""The read-only project exports: project, metadata, instrument, arm, event, formEventMapping,
repeatingFormsEvents, exportFieldNames and version, byte for byte in json, csv and xml (the record
export: tests/test_record_export.py).

Every expected body is written out here from REDCap's source (V15 = `xOops4/redcap`
`html/redcap_v15.7.6/`, file named in each test), not from the fake: the tests hold the fake to
REDCap. REDCap's message texts come from `fake_redcap.messages`, the one place they are kept. A small
classic fixture ("tiny") is written into tmp_path so that every row can be spelled out; the
longitudinal shapes use the bundled demo project 15.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState, create_app, demo_fixture_paths, messages
from tests.support.project_exports import (
    CLASSIC_FULL,
    CLASSIC_NO_API_EXPORT,
    CSV_TYPE,
    JSON_TYPE,
    LONG_FULL,
    TINY_TOKENS,
    XML_HEAD,
    XML_TYPE,
    answer,
    not_implemented,
    ok,
    php_json,
    post,
    tiny_fixture,
    write_state,
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    return create_app(write_state(tmp_path_factory.mktemp("tiny"), tiny_fixture())).test_client()


@pytest.fixture(scope="module")
def demo() -> FlaskClient:
    return create_app(FakeState(demo_fixture_paths())).test_client()


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
