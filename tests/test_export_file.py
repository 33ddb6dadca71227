"""Export File, E1-E9 of the reference (§1.3), the rights aggregation of §5 and the matching rules of §6."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.support import (
    ABC_BYTES,
    IDENTIFIER,
    INVALID_EVENT,
    JSON_TYPE,
    LAB_ONE,
    LAB_TWO,
    LAB_TWO_NAME,
    LONG_TOKENS,
    NO_ACCESS,
    NO_FILE,
    PDF_BYTES,
    PNG_BYTES,
    UNICODE_NAME,
    assert_error,
    assert_file,
    export_params,
    field_not_file,
    post,
    record_missing_15,
    xml_error,
)
from tests.support import CLASSIC_TOKENS as T

CONSENT_TYPE = 'application/pdf; name="consent.pdf"'
LAB_ONE_TYPE = f'text/plain; name="{UNICODE_NAME}";charset=UTF-8'
LAB_TWO_TYPE = f'text/csv; name="{LAB_TWO_NAME}";charset=UTF-8'
LONG_LAB_TYPE = 'text/plain; name="lab.txt";charset=UTF-8'


# ---------------------------------------------------------------------------------------------------------
# E1 / E2 and the per-form aggregation of §5


def test_e1_no_access_is_403(classic: FlaskClient) -> None:
    assert_error(post(classic, export_params(T["no_access"])), 403, xml_error(NO_ACCESS))


def test_e1_no_access_also_for_a_field_that_is_not_an_identifier(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["no_access"], field="lab_report"))
    assert_error(response, 403, xml_error(NO_ACCESS))


def test_e1_no_access_json_escapes_the_quotes(classic: FlaskClient) -> None:
    # The reference's own example of the json envelope (§2).
    response = post(classic, export_params(T["no_access"], returnFormat="json"))
    expected = (
        b'{"error":"The API request cannot complete because currently you have \\"No Access\\" data export'
        b' rights. Higher level data export rights are required for this operation."}'
    )
    assert_error(response, 403, expected, JSON_TYPE)


@pytest.mark.parametrize("user", ["deid", "remove_ids"])
def test_e2_identifier_field_with_deidentified_or_remove_identifier_rights_is_403(
    classic: FlaskClient, user: str
) -> None:
    assert_error(post(classic, export_params(T[user])), 403, xml_error(IDENTIFIER))


@pytest.mark.parametrize("user", ["deid", "remove_ids"])
def test_e2_does_not_apply_to_fields_without_the_identifier_tag(classic: FlaskClient, user: str) -> None:
    response = post(classic, export_params(T[user], field="lab_report"))
    assert_file(response, LAB_ONE.encode(), LAB_ONE_TYPE)


def test_rights_no_access_on_the_fields_form_but_full_elsewhere_can_export(classic: FlaskClient) -> None:
    # enrollment: No Access, labs: Full -> export_rights 1; consent_form is on enrollment.
    assert_file(post(classic, export_params(T["form_noaccess_full"])), PDF_BYTES, CONSENT_TYPE)


def test_rights_mixed_deidentified_and_remove_identifiers_export_identifiers(classic: FlaskClient) -> None:
    # A mix of 2 and 3 aggregates to 1 (Full Data Set): E2 is skipped.
    assert_file(post(classic, export_params(T["form_deid_remove"])), PDF_BYTES, CONSENT_TYPE)


def test_rights_mixed_deidentified_and_no_access_export_identifiers(classic: FlaskClient) -> None:
    # enrollment: De-Identified, labs: No Access (left out of the fixture) -> 0 + 2 -> 1.
    assert_file(post(classic, export_params(T["form_deid_only_enrollment"])), PDF_BYTES, CONSENT_TYPE)


def test_rights_every_form_deidentified_is_403_on_an_identifier(classic: FlaskClient) -> None:
    assert_error(post(classic, export_params(T["form_all_deid"])), 403, xml_error(IDENTIFIER))


def test_rights_every_form_remove_identifiers_is_403_on_an_identifier(classic: FlaskClient) -> None:
    assert_error(post(classic, export_params(T["form_all_remove"])), 403, xml_error(IDENTIFIER))


def test_rights_every_form_deidentified_exports_a_plain_file_field(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["form_all_deid"], field="lab_report"))
    assert_file(response, LAB_ONE.encode(), LAB_ONE_TYPE)


def test_rights_every_form_no_access_is_403_no_access(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["form_all_noaccess"], field="lab_report"))
    assert_error(response, 403, xml_error(NO_ACCESS))


def test_field_name_case_quirk_skips_the_identifier_check_but_exports(classic: FlaskClient) -> None:
    # E2 looks the field up by exact PHP array key; E6 and the data lookup are case-insensitive SQL (§6).
    assert_error(post(classic, export_params(T["deid"], field="consent_form")), 403, xml_error(IDENTIFIER))
    assert_file(post(classic, export_params(T["deid"], field="CONSENT_FORM")), PDF_BYTES, CONSENT_TYPE)


def test_field_name_matches_case_insensitively_and_ignores_trailing_spaces(classic: FlaskClient) -> None:
    assert_file(post(classic, export_params(T["full"], field="Consent_Form  ")), PDF_BYTES, CONSENT_TYPE)


def test_field_name_with_a_leading_space_is_not_a_file_field(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"], field=" consent_form"))
    assert_error(response, 400, xml_error(field_not_file(" consent_form")))


# ---------------------------------------------------------------------------------------------------------
# E3: events


def test_e3_longitudinal_without_event_is_400(longitudinal: FlaskClient) -> None:
    response = post(longitudinal, export_params(LONG_TOKENS["full"]))
    assert_error(response, 400, xml_error(INVALID_EVENT))


def test_e3_longitudinal_empty_event_is_400(longitudinal: FlaskClient) -> None:
    response = post(longitudinal, export_params(LONG_TOKENS["full"], event=""))
    assert_error(response, 400, xml_error(INVALID_EVENT))


@pytest.mark.parametrize("event", ["bogus", "BASELINE_ARM_1", "baseline_arm_1 ", "Baseline"])
def test_e3_longitudinal_unknown_event_is_400_matched_exactly(longitudinal: FlaskClient, event: str) -> None:
    response = post(longitudinal, export_params(LONG_TOKENS["full"], event=event))
    assert_error(response, 400, xml_error(INVALID_EVENT))


def test_e3_longitudinal_known_event_exports(longitudinal: FlaskClient) -> None:
    response = post(longitudinal, export_params(LONG_TOKENS["full"], event="baseline_arm_1"))
    assert_file(response, b"consent", 'text/plain; name="consent.txt";charset=UTF-8')


@pytest.mark.parametrize("event", ["bogus", "baseline_arm_1", ""])
def test_e3_classic_project_ignores_the_event(classic: FlaskClient, event: str) -> None:
    assert_file(post(classic, export_params(T["full"], event=event)), PDF_BYTES, CONSENT_TYPE)


# ---------------------------------------------------------------------------------------------------------
# E5: the record, per event, matched like the database does


def test_e5_missing_record_is_400(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"], record="999"))
    assert_error(response, 400, xml_error(record_missing_15("999")))


def test_e5_missing_record_parameter_is_an_empty_record(classic: FlaskClient) -> None:
    params = {k: v for k, v in export_params(T["full"]).items() if k != "record"}
    assert_error(post(classic, params), 400, xml_error(record_missing_15("")))


@pytest.mark.parametrize("record", ["ABC", "Abc", "abc ", "abc   ", "ABC "])
def test_e5_record_matches_case_insensitively_and_ignores_trailing_spaces(
    classic: FlaskClient, record: str
) -> None:
    response = post(classic, export_params(T["full"], record=record))
    assert_file(response, ABC_BYTES, 'application/pdf; name="abc.pdf"')


def test_e5_record_with_a_leading_space_does_not_match(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"], record=" abc"))
    assert_error(response, 400, xml_error(record_missing_15(" abc")))


def test_e5_record_is_checked_per_event(longitudinal: FlaskClient) -> None:
    # Record 3 has a row in visit_1_arm_1 only.
    response = post(longitudinal, export_params(LONG_TOKENS["full"], record="3", event="baseline_arm_1"))
    assert_error(response, 400, xml_error(record_missing_15("3")))


def test_e5_record_in_its_own_event_passes_the_record_check(longitudinal: FlaskClient) -> None:
    params = export_params(LONG_TOKENS["full"], record="3", event="visit_1_arm_1", field="lab_report")
    assert_error(post(longitudinal, params), 400, xml_error(NO_FILE))


# ---------------------------------------------------------------------------------------------------------
# E6: the field


@pytest.mark.parametrize("field", ["age", "record_id", "nope", ""])
def test_e6_non_file_or_unknown_field_is_400(classic: FlaskClient, field: str) -> None:
    response = post(classic, export_params(T["full"], field=field))
    assert_error(response, 400, xml_error(field_not_file(field)))


def test_e6_missing_field_parameter_is_an_empty_field(classic: FlaskClient) -> None:
    params = {k: v for k, v in export_params(T["full"]).items() if k != "field"}
    assert_error(post(classic, params), 400, xml_error(field_not_file("")))


def test_e6_signature_field_is_an_ordinary_file_field_on_export(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"], field="participant_signature"))
    assert_file(response, PNG_BYTES, 'image/png; name="signature.png"')


# ---------------------------------------------------------------------------------------------------------
# E7: no stored file


def test_e7_empty_file_field_is_400(classic: FlaskClient) -> None:
    assert_error(post(classic, export_params(T["full"], record="2")), 400, xml_error(NO_FILE))


def test_e7_empty_file_field_json_is_the_body_clients_compare_against(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"], record="2", returnFormat="json"))
    assert_error(response, 400, b'{"error":"There is no file to download for this record"}', JSON_TYPE)


def test_e7_file_field_of_another_record_only(classic: FlaskClient) -> None:
    # Record abc has a consent form but no lab report.
    response = post(classic, export_params(T["full"], record="abc", field="lab_report"))
    assert_error(response, 400, xml_error(NO_FILE))


def test_zero_byte_file_is_a_file(classic: FlaskClient) -> None:
    response = post(classic, export_params(T["full"], field="empty_upload"))
    assert_file(response, b"", 'text/plain; name="empty.txt";charset=UTF-8')


# ---------------------------------------------------------------------------------------------------------
# E4: repeat_instance (classic: `labs` is a repeating instrument; record 1 has instances 1 and 2)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 1),
        ("", 1),
        ("1", 1),
        ("0", 1),
        ("-1", 1),
        ("-2", 1),
        ("abc", 1),
        ("2abc", 1),
        ("0x2", 1),
        ("2", 2),
        ("2.0", 2),
        (" 2", 2),
        ("+2", 2),
        ("02", 2),
        ("2e0", 2),
    ],
)
def test_e4_repeat_instance_on_a_repeating_instrument(
    classic: FlaskClient, raw: str | None, expected: int
) -> None:
    params = export_params(T["full"], field="lab_report")
    if raw is not None:
        params["repeat_instance"] = raw
    data, ctype = (LAB_ONE, LAB_ONE_TYPE) if expected == 1 else (LAB_TWO, LAB_TWO_TYPE)
    assert_file(post(classic, params), data.encode(), ctype)


@pytest.mark.parametrize("raw", ["1.5", "3", "99"])
def test_e4_repeat_instance_that_matches_no_instance_has_no_file(classic: FlaskClient, raw: str) -> None:
    params = export_params(T["full"], field="lab_report", repeat_instance=raw)
    assert_error(post(classic, params), 400, xml_error(NO_FILE))


@pytest.mark.parametrize("raw", ["2", "1.5", "99"])
def test_e4_repeat_instance_on_a_non_repeating_form_is_forced_to_1(classic: FlaskClient, raw: str) -> None:
    response = post(classic, export_params(T["full"], repeat_instance=raw))
    assert_file(response, PDF_BYTES, CONSENT_TYPE)


def test_e4_repeat_instrument_is_not_read(classic: FlaskClient) -> None:
    params = export_params(T["full"], field="lab_report", repeat_instrument="enrollment", repeat_instance="2")
    assert_file(post(classic, params), LAB_TWO.encode(), LAB_TWO_TYPE)


@pytest.mark.parametrize(
    ("event", "raw", "expected"),
    [
        ("visit_1_arm_1", None, b"visit 1 #1"),  # repeating instrument
        ("visit_1_arm_1", "2", b"visit 1 #2"),
        ("visit_1_arm_1", "abc", b"visit 1 #1"),
        ("visit_2_arm_1", None, b"visit 2 #1"),  # repeating event
        ("visit_2_arm_1", "2", b"visit 2 #2"),
        ("visit_2_arm_1", "0", b"visit 2 #1"),
        ("baseline_arm_1", "2", b"baseline"),  # labs does not repeat in baseline: forced to 1
    ],
)
def test_e4_repeat_instance_on_repeating_instruments_and_repeating_events(
    longitudinal: FlaskClient, event: str, raw: str | None, expected: bytes
) -> None:
    params = export_params(LONG_TOKENS["full"], field="lab_report", event=event)
    if raw is not None:
        params["repeat_instance"] = raw
    assert_file(post(longitudinal, params), expected, LONG_LAB_TYPE)


def test_e4_repeating_event_without_that_instance_has_no_file(longitudinal: FlaskClient) -> None:
    params = export_params(
        LONG_TOKENS["full"], field="lab_report", event="visit_2_arm_1", repeat_instance="3"
    )
    assert_error(post(longitudinal, params), 400, xml_error(NO_FILE))


# ---------------------------------------------------------------------------------------------------------
# E9: fileinfo / filesize (always JSON, PHP json_encode)


@pytest.mark.parametrize("content", ["fileinfo", "filesize"])
def test_e9_fileinfo_is_json_size_and_name(classic: FlaskClient, content: str) -> None:
    params = {**export_params(T["full"]), "content": content}
    response = post(classic, params)
    assert (response.status_code, response.get_data(), response.headers["Content-type"]) == (
        200,
        b'{"size":%d,"name":"consent.pdf"}' % len(PDF_BYTES),
        JSON_TYPE,
    )


@pytest.mark.parametrize("return_format", ["xml", "csv", "json"])
def test_e9_fileinfo_is_json_whatever_the_return_format(classic: FlaskClient, return_format: str) -> None:
    params = {**export_params(T["full"], field="lab_report"), "content": "fileinfo"}
    response = post(classic, {**params, "returnFormat": return_format})
    # `報告 ; a=b 'x' é.txt`: non-ASCII as \uhhhh (lower-case hex, as PHP), `'` and `;` as they are.
    expected = b'{"size":%d,"name":"\\u5831\\u544a ; a=b \'x\' \\u00e9.txt"}' % len(LAB_ONE)
    assert (response.status_code, response.get_data(), response.headers["Content-type"]) == (
        200,
        expected,
        JSON_TYPE,
    )


def test_e9_fileinfo_of_a_zero_byte_file(classic: FlaskClient) -> None:
    response = post(classic, {**export_params(T["full"], field="empty_upload"), "content": "fileinfo"})
    assert (response.status_code, response.get_data()) == (200, b'{"size":0,"name":"empty.txt"}')


def test_e9_fileinfo_on_a_repeat_instance(classic: FlaskClient) -> None:
    params = {**export_params(T["full"], field="lab_report", repeat_instance="2"), "content": "filesize"}
    response = post(classic, params)
    assert (response.status_code, response.get_data()) == (
        200,
        b'{"size":%d,"name":"lab two.csv"}' % len(LAB_TWO),
    )


def test_e9_fileinfo_runs_every_export_check_first(classic: FlaskClient) -> None:
    base = {"content": "fileinfo"}
    assert_error(post(classic, {**export_params(T["no_access"]), **base}), 403, xml_error(NO_ACCESS))
    assert_error(post(classic, {**export_params(T["deid"]), **base}), 403, xml_error(IDENTIFIER))
    missing = {**export_params(T["full"], record="404"), **base}
    assert_error(post(classic, missing), 400, xml_error(record_missing_15("404")))
    assert_error(
        post(classic, {**export_params(T["full"], field="age"), **base}),
        400,
        xml_error(field_not_file("age")),
    )
    empty = {**export_params(T["full"], record="2", returnFormat="json"), **base}
    assert_error(
        post(classic, empty), 400, b'{"error":"There is no file to download for this record"}', JSON_TYPE
    )
