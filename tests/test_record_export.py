"""The record export (content=record, API/record/export.php, Records::getData), byte for byte in json,
csv and xml: columns, rows, filters, rights and options, on the "tiny" classic fixture and the demo's
longitudinal project 15.

Every expected body is written out here from REDCap's source (V15 = `xOops4/redcap`
`html/redcap_v15.7.6/`, file named in each test), not from the fake. REDCap's message texts come from
`fake_redcap.messages`, the one place they are kept.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from fake_redcap import FakeState, create_app, demo_fixture_paths, messages
from tests.support.project_exports import (
    CSV_TYPE,
    JSON_TYPE,
    LONG_DEID,
    LONG_FULL,
    TINY_TOKENS,
    XML_HEAD,
    answer,
    not_implemented,
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
