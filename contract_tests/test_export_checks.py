"""Reference §1.3 E3, E5-E8: Export File's event, record, field and file checks, and their order.

Behaviour goes through the client (which asks for json errors); exact wire bytes only where a real
server's answer was captured.
"""

from __future__ import annotations

import pytest

from . import expected
from . import sources as src
from .helpers import (
    NO_SUCH_FIELD,
    NO_SUCH_RECORD,
    assert_same_file,
    export,
    is_record_missing,
    refusal,
)
from .targets import ProjectUnderTest
from .wire import form_body, raw_request

# -- E3: the event -------------------------------------------------------------------------------------


NOT_UNIQUE_EVENT_NAMES = {
    "missing": None,
    "unknown": "visit_9_arm_1",
    "an-event-label": "Baseline",
    "in-capitals": "BASELINE_ARM_1",
}


@pytest.mark.source(
    f"{src.V15_EXPORT} E3: longitudinal projects need an existing unique event name, found by "
    "Event::getEventIdByKey, an exact array_search (reference §1.3)"
)
@pytest.mark.parametrize("event", list(NOT_UNIQUE_EVENT_NAMES))
def test_a_longitudinal_export_without_an_exact_unique_event_name_is_an_invalid_event(
    longitudinal: ProjectUnderTest, event: str
) -> None:
    client = longitudinal.client("full_user")
    error = refusal(lambda: client.export_file("101", "visit_photo", event=NOT_UNIQUE_EVENT_NAMES[event]))
    assert (error.status, error.message) == (400, expected.INVALID_EVENT)


@pytest.mark.source(f"{src.V15_EXPORT} E3: classic projects never read event (reference §1.3, §6)")
def test_a_classic_project_ignores_the_event_parameter(classic: ProjectUnderTest) -> None:
    exported = classic.client("full_user").export_file("1", "report_file", event="no_such_event_arm_1")
    assert_same_file(exported.content, classic.stored("1", "report_file"))


@pytest.mark.source(f"{src.V15_EXPORT}: E3 runs before E5 (reference §1.3)")
def test_the_event_check_comes_before_the_record_check(longitudinal: ProjectUnderTest) -> None:
    client = longitudinal.client("full_user")
    error = refusal(lambda: client.export_file(NO_SUCH_RECORD, "visit_photo", event="visit_9_arm_1"))
    assert (error.status, error.message) == (400, expected.INVALID_EVENT)


# -- E5: the record -----------------------------------------------------------------------------------


UNKNOWN_RECORDS = {
    # record as sent: (14.5.11+ message, up to 13.6.1 message)
    "plain": (
        NO_SUCH_RECORD,
        f'The record "{NO_SUCH_RECORD}" does not exist',
        f"The record '{NO_SUCH_RECORD}' does not exist",
    ),
    "quotes-and-ampersand": (
        'Tom & "Jerry\'s"',
        'The record "Tom &amp; &quot;Jerry&#039;s&quot;" does not exist',
        "The record 'Tom & \"Jerry's\"' does not exist",
    ),
}


@pytest.mark.source(
    f"{src.V14_EXPORT} and {src.V15_EXPORT} E5: double quotes, RCView::escape (reference §1.3)",
    f"{src.REDCAPR_SURVEY} (same wording)",
)
@pytest.mark.redcap_version(">=14.5.11")
@pytest.mark.parametrize("case", list(UNKNOWN_RECORDS))
def test_an_unknown_record_is_named_in_double_quotes_html_escaped(
    classic: ProjectUnderTest, case: str
) -> None:
    record, message, _ = UNKNOWN_RECORDS[case]
    error = refusal(lambda: classic.client("full_user").export_file(record, "report_file"))
    assert (error.status, error.message) == (400, message)


# RCView::escape as REDCap computes it (RCView.php escape -> strip_tags2 -> label_decode, filter_tags ->
# htmlspecialchars): a `<` that starts no allowed tag gets a space after it, `&nbsp;` becomes a space,
# entities without `;` and `&apos;` (not HTML 4.01) stay. Outputs recorded by the source audit (#41).
ESCAPED_RECORDS = {
    "less-than-letter": ("a<b", "a&lt; b"),
    "less-than-digit": ("a<5", "a&lt; 5"),
    "script-tag": ("<script>alert(1)</script>", "&lt; script&gt;alert(1)&lt; /script&gt;"),
    "nbsp-entity": ("x&nbsp;y", "x y"),
    "entity-without-semicolon": ("a&ampb", "a&amp;ampb"),
    "apos-entity": ("&apos;", "&amp;apos;"),
    # label_decode (init_functions.php:1561-1564) spaces the '<' before '$' first; filter_tags alone would
    # pair the two '<' and let strip_tags eat '<$b'.
    "double-less-than-dollar": ("a<<$b", "a&lt; &lt; $b"),
}


@pytest.mark.source(
    f"{src.V14_EXPORT} and {src.V15_EXPORT} E5: RCView::escape (RCView.php escape, init_functions.php "
    "strip_tags2, label_decode, filter_tags)",
    f"{src.AUDIT} #41",
)
@pytest.mark.redcap_version(">=14.5.11")
@pytest.mark.parametrize("case", list(ESCAPED_RECORDS))
def test_an_unknown_record_is_escaped_as_rcview_escape_computes_it(
    classic: ProjectUnderTest, case: str
) -> None:
    record, escaped = ESCAPED_RECORDS[case]
    error = refusal(lambda: classic.client("full_user").export_file(record, "report_file"))
    assert (error.status, error.message) == (400, f'The record "{escaped}" does not exist')


# Tags REDCap 15 added to System.php's ALLOWED_TAGS (V15 Classes/System.php:313; not in V14.5.11
# System.php:300): filter_tags keeps them whole, so the final strip_tags removes them; before 15 the '<'
# gets a space and the tag stays as text. (record sent, REDCap 15's message part, REDCap 14's)
TAGS_NEW_IN_15 = {
    "wbr": ("x<wbr>y", "xy", "x&lt; wbr&gt;y"),
    "ruby-closing": ("x</ruby>y", "xy", "x&lt; /ruby&gt;y"),
}


@pytest.mark.source(
    f"{src.V15_EXPORT} E5: RCView::escape -> strip_tags2 -> filter_tags with System.php:313 ALLOWED_TAGS "
    "(rt, rp, ruby, wbr, blockquote, address, progress, meter new in 15), then strip_tags",
    f"{src.AUDIT} #41",
)
@pytest.mark.redcap_version(">=15.7.6")
@pytest.mark.parametrize("case", list(TAGS_NEW_IN_15))
def test_an_unknown_record_loses_a_tag_redcap_15_allows(classic: ProjectUnderTest, case: str) -> None:
    record, escaped, _ = TAGS_NEW_IN_15[case]
    error = refusal(lambda: classic.client("full_user").export_file(record, "report_file"))
    assert (error.status, error.message) == (400, f'The record "{escaped}" does not exist')


@pytest.mark.source(
    f"{src.V14_EXPORT} E5: RCView::escape with REDCap 14's ALLOWED_TAGS (V14.5.11 Classes/System.php:300, "
    "without the tags 15 added): filter_tags puts a space after their '<', so they stay as text",
    f"{src.AUDIT} #41",
)
@pytest.mark.redcap_version(">=14.5.11,<15.0.0")
@pytest.mark.parametrize("case", list(TAGS_NEW_IN_15))
def test_before_redcap_15_an_unknown_record_keeps_a_tag_15_allows_as_text(
    classic: ProjectUnderTest, case: str
) -> None:
    record, _, escaped = TAGS_NEW_IN_15[case]
    error = refusal(lambda: classic.client("full_user").export_file(record, "report_file"))
    assert (error.status, error.message) == (400, f'The record "{escaped}" does not exist')


@pytest.mark.source(
    f"{src.V14_EXPORT} and {src.V15_EXPORT} E5: htmlspecialchars returns '' for invalid UTF-8 and "
    "RCView::escape falls back to ENT_SUBSTITUTE, one U+FFFD per invalid byte here",
    f"{src.AUDIT} #41",
)
@pytest.mark.redcap_version(">=14.5.11")
def test_an_unknown_record_in_invalid_utf8_is_shown_with_replacement_characters(
    classic: ProjectUnderTest,
) -> None:
    pairs = [("token", classic.token("full_user")), *export("PLACEHOLDER", "report_file").items()]
    body = form_body(pairs).replace(b"PLACEHOLDER", b"%FF%FE")
    response = raw_request(classic.url, "POST", body, {"Content-Type": "application/x-www-form-urlencoded"})
    replaced = "\ufffd\ufffd"
    assert (response.status, response.body) == (
        400,
        expected.xml_error(f'The record "{replaced}" does not exist'),
    )


@pytest.mark.source(f"{src.V13_EXPORT} E5 (and V5-V10): single quotes, as sent (reference §1.3, §1.4)")
@pytest.mark.redcap_version("<=13.6.1")
@pytest.mark.parametrize("case", list(UNKNOWN_RECORDS))
def test_an_unknown_record_is_named_in_single_quotes_as_sent_up_to_redcap_13(
    classic: ProjectUnderTest, case: str
) -> None:
    record, _, message = UNKNOWN_RECORDS[case]
    error = refusal(lambda: classic.client("full_user").export_file(record, "report_file"))
    assert (error.status, error.message) == (400, message)


@pytest.mark.source(
    f"{src.V13_EXPORT} E5: the record as sent; {src.V15_REST} sendResponse puts an xml message between "
    "<error> tags without escaping it (reference §2)"
)
@pytest.mark.redcap_version("<=13.6.1")
def test_an_xml_error_carries_the_raw_record_unescaped_up_to_redcap_13(classic: ProjectUnderTest) -> None:
    record = "a<b&c"
    response = classic.post("full_user", {**export(record, "report_file"), "returnFormat": "xml"})
    assert (response.status_code, response.content) == (
        400,
        expected.xml_error(f"The record '{record}' does not exist"),
    )


@pytest.mark.source(
    f"{src.V13_EXPORT} E5: the record as sent; sendResponse json_encodes the message, which PHP answers "
    "with false for invalid UTF-8, echoed as an empty body (reference §7 q8)"
)
@pytest.mark.redcap_version("<=13.6.1")
def test_a_json_error_naming_invalid_utf8_is_empty_up_to_redcap_13(classic: ProjectUnderTest) -> None:
    pairs = [("token", classic.token("full_user")), *export("PLACEHOLDER", "report_file").items()]
    pairs.append(("returnFormat", "json"))
    body = form_body(pairs).replace(b"PLACEHOLDER", b"%FF%FE")
    response = raw_request(classic.url, "POST", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert (response.status, response.body) == (400, b"")


@pytest.mark.source(f"{src.V15_EXPORT} E5: a row of the record in *that* event (reference §1.3, §6)")
def test_a_record_is_looked_up_in_the_requested_event_only(longitudinal: ProjectUnderTest) -> None:
    # Record 102 exists in baseline_arm_1 only.
    client = longitudinal.client("full_user")
    error = refusal(lambda: client.export_file("102", "visit_photo", event="visit_1_arm_1"))
    assert error.status == 400
    assert is_record_missing(error.message, "102"), error.message


@pytest.mark.source(f"{src.V15_EXPORT}: E5 runs before E6", f"{src.REDCAPR_FILE} (reference §1.3 E6 note)")
def test_the_record_check_comes_before_the_field_check(classic: ProjectUnderTest) -> None:
    error = refusal(lambda: classic.client("full_user").export_file(NO_SUCH_RECORD, NO_SUCH_FIELD))
    assert error.status == 400
    assert is_record_missing(error.message, NO_SUCH_RECORD), error.message


# -- E6: the field ------------------------------------------------------------------------------------


@pytest.mark.source(f"{src.V15_EXPORT} E6: a redcap_metadata row with element_type 'file' (reference §1.3)")
@pytest.mark.parametrize("field", [NO_SUCH_FIELD, "participant_name"], ids=["no-such-field", "a-text-field"])
def test_a_field_that_is_not_a_file_field_is_refused(classic: ProjectUnderTest, field: str) -> None:
    error = refusal(lambda: classic.client("full_user").export_file("1", field))
    assert (error.status, error.message) == (
        400,
        f"The field '{field}' does not exist or is not a 'file' field",
    )


@pytest.mark.source(f"{src.REDCAPR_FILE} 'bad field name' (400, csv)")
def test_an_unknown_field_is_refused_as_a_real_server_answers(classic: ProjectUnderTest) -> None:
    response = classic.post("full_user", {**export("1", "mugshotttttt"), "returnFormat": "csv"})
    assert response.status_code == 400
    assert response.content == b"ERROR: The field 'mugshotttttt' does not exist or is not a 'file' field"


@pytest.mark.source(f"{src.V14_EXPORT} and {src.V15_EXPORT} E6: RCView::escape on the field (reference §1.3)")
@pytest.mark.redcap_version(">=14.5.11")
def test_the_field_in_the_message_is_html_escaped(classic: ProjectUnderTest) -> None:
    field = "no_such_field_'&\""
    error = refusal(lambda: classic.client("full_user").export_file("1", field))
    assert (error.status, error.message) == (
        400,
        "The field 'no_such_field_&#039;&amp;&quot;' does not exist or is not a 'file' field",
    )


@pytest.mark.source(f"{src.V13_EXPORT} E6: the field as sent (reference §1.3, §1.4)")
@pytest.mark.redcap_version("<=13.6.1")
def test_the_field_in_the_message_is_raw_up_to_redcap_13(classic: ProjectUnderTest) -> None:
    field = "no_such_field_'&\""
    error = refusal(lambda: classic.client("full_user").export_file("1", field))
    assert (error.status, error.message) == (
        400,
        "The field 'no_such_field_'&\"' does not exist or is not a 'file' field",
    )


# -- E7/E8: the file ----------------------------------------------------------------------------------


@pytest.mark.source(f"{src.V15_EXPORT} E7 (reference §1.3)")
def test_a_record_without_a_file_in_that_field_has_no_file_to_download(classic: ProjectUnderTest) -> None:
    error = refusal(lambda: classic.client("full_user").export_file("2", "report_file"))
    assert (error.status, error.message) == (400, expected.NO_FILE_TO_DOWNLOAD)


@pytest.mark.source(f"{src.V15_EXPORT} E5-E7: the record exists in the event, the field's form is not there")
def test_a_file_field_whose_form_the_event_lacks_has_no_file_to_download(
    longitudinal: ProjectUnderTest,
) -> None:
    # visit_2_arm_1 has the visit form only; sample_report is on the samples form.
    client = longitudinal.client("full_user")
    error = refusal(lambda: client.export_file("101", "sample_report", event="visit_2_arm_1"))
    assert (error.status, error.message) == (400, expected.NO_FILE_TO_DOWNLOAD)


@pytest.mark.source(f"{src.V15_EXPORT}: E6 runs before E7 (reference §1.3)")
def test_the_field_check_comes_before_the_file_check(classic: ProjectUnderTest) -> None:
    error = refusal(lambda: classic.client("full_user").export_file("2", "participant_name"))
    assert (error.status, error.message) == (
        400,
        "The field 'participant_name' does not exist or is not a 'file' field",
    )
