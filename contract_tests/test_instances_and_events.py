"""Reference §1.3 E4 (and E3, E5, E7 as they meet events): which instance and which event's file comes back.

The instance rule: `repeat_instance` if numeric and > 0, else 1, and forced back to 1 unless the field's
form repeats in that event (or the event repeats). A wrong instance is never an error; it is instance 1.
"""

from __future__ import annotations

import pytest

from . import expected
from . import sources as src
from .helpers import assert_same_file, export, refusal
from .targets import ProjectUnderTest

E4 = f"{src.V15_EXPORT} E4 (reference §1.3)"

# -- classic project, repeating instrument lab_results -------------------------------------------------


@pytest.mark.source(E4, f"{src.DOCS} api_docs_278")
def test_repeat_instance_selects_that_instance_of_a_repeating_instrument(classic: ProjectUnderTest) -> None:
    exported = classic.client("full_user").export_file("1", "lab_file", repeat_instance=2)
    assert_same_file(exported.content, classic.stored("1", "lab_file", instance=2))


@pytest.mark.source(E4, f"{src.DOCS} api_docs_278: default value is '1'")
def test_without_repeat_instance_instance_1_is_exported(classic: ProjectUnderTest) -> None:
    exported = classic.client("full_user").export_file("1", "lab_file")
    assert_same_file(exported.content, classic.stored("1", "lab_file", instance=1))


@pytest.mark.source(f"{E4}: is_numeric and > 0, else 1")
@pytest.mark.parametrize("instance", ["two", "0", "-2", ""], ids=["word", "zero", "negative", "empty"])
def test_a_repeat_instance_that_is_not_a_positive_number_means_instance_1(
    classic: ProjectUnderTest, instance: str
) -> None:
    response = classic.post("full_user", export("1", "lab_file", repeat_instance=instance))
    assert response.status_code == 200
    assert_same_file(response.content, classic.stored("1", "lab_file", instance=1))


@pytest.mark.source(
    f"{src.V15_EXPORT}:52 is_numeric() accepts '2e0', '2.0', ' 2' (leading white space) and '02' (V7.1.2 "
    "the same line); :87 compares instance = '2e0' in SQL, which MySQL reads as the number 2"
)
@pytest.mark.parametrize(
    "instance", ["2e0", "2.0", " 2", "02"], ids=["exponent", "decimal", "leading-space", "leading-zero"]
)
def test_a_repeat_instance_php_reads_as_the_number_2_selects_instance_2(
    classic: ProjectUnderTest, instance: str
) -> None:
    response = classic.post("full_user", export("1", "lab_file", repeat_instance=instance))
    assert response.status_code == 200
    assert_same_file(response.content, classic.stored("1", "lab_file", instance=2))


@pytest.mark.source(f"{E4}: forced back to 1 unless the form repeats")
def test_repeat_instance_is_forced_to_1_on_a_form_that_does_not_repeat(classic: ProjectUnderTest) -> None:
    exported = classic.client("full_user").export_file("1", "report_file", repeat_instance=2)
    assert_same_file(exported.content, classic.stored("1", "report_file"))


@pytest.mark.source(f"{src.V15_EXPORT} E7: no value for record + event + field + instance (reference §1.3)")
def test_an_instance_without_a_file_has_no_file_to_download(classic: ProjectUnderTest) -> None:
    # Instance 3 of lab_results exists (it has a lab_date) but holds no file.
    error = refusal(lambda: classic.client("full_user").export_file("1", "lab_file", repeat_instance=3))
    assert (error.status, error.message) == (400, expected.NO_FILE_TO_DOWNLOAD)


@pytest.mark.source(f"{src.V15_EXPORT} E5 (any instance) then E7 (reference §1.3)")
def test_an_instance_that_does_not_exist_has_no_file_to_download(classic: ProjectUnderTest) -> None:
    error = refusal(lambda: classic.client("full_user").export_file("1", "lab_file", repeat_instance=9))
    assert (error.status, error.message) == (400, expected.NO_FILE_TO_DOWNLOAD)


@pytest.mark.source(f"{E4}: repeat_instrument is not read by file export")
def test_repeat_instrument_is_not_read_by_file_export(classic: ProjectUnderTest) -> None:
    # REDCapR sends repeat_instrument; naming the wrong form changes nothing.
    response = classic.post(
        "full_user", export("1", "lab_file", repeat_instance="2", repeat_instrument="documents")
    )
    assert response.status_code == 200
    assert_same_file(response.content, classic.stored("1", "lab_file", instance=2))


# -- longitudinal project: events, a repeating instrument in visit_1, a repeating event visit_2 -------


@pytest.mark.source(f"{src.V15_EXPORT} E3-E7: the file of record + event + field (reference §1.3)")
@pytest.mark.parametrize("event", ["baseline_arm_1", "visit_1_arm_1", "visit_2_arm_1"])
def test_each_event_holds_its_own_file(longitudinal: ProjectUnderTest, event: str) -> None:
    exported = longitudinal.client("full_user").export_file("101", "visit_photo", event=event)
    assert_same_file(exported.content, longitudinal.stored("101", "visit_photo", event=event))


@pytest.mark.source(f"{src.V15_EXPORT} E3: any existing unique event name, in any arm (reference §1.3)")
def test_an_event_of_the_second_arm_is_found(longitudinal: ProjectUnderTest) -> None:
    exported = longitudinal.client("full_user").export_file("201", "visit_photo", event="baseline_arm_2")
    assert_same_file(exported.content, longitudinal.stored("201", "visit_photo", event="baseline_arm_2"))


@pytest.mark.source(f"{E4}: a repeating event repeats all its forms")
def test_repeat_instance_selects_that_instance_of_a_repeating_event(longitudinal: ProjectUnderTest) -> None:
    client = longitudinal.client("full_user")
    exported = client.export_file("101", "visit_photo", event="visit_2_arm_1", repeat_instance=2)
    assert_same_file(
        exported.content, longitudinal.stored("101", "visit_photo", event="visit_2_arm_1", instance=2)
    )


@pytest.mark.source(f"{E4}: a form repeating in that event")
def test_repeat_instance_selects_that_instance_of_a_repeating_instrument_in_an_event(
    longitudinal: ProjectUnderTest,
) -> None:
    client = longitudinal.client("full_user")
    exported = client.export_file("101", "sample_report", event="visit_1_arm_1", repeat_instance=2)
    assert_same_file(
        exported.content, longitudinal.stored("101", "sample_report", event="visit_1_arm_1", instance=2)
    )


@pytest.mark.source(f"{E4}: the form must repeat in *that* event")
def test_a_form_that_repeats_in_another_event_does_not_repeat_here(longitudinal: ProjectUnderTest) -> None:
    # samples repeats in visit_1_arm_1 only; in baseline_arm_1 instance 2 is instance 1.
    client = longitudinal.client("full_user")
    exported = client.export_file("101", "sample_report", event="baseline_arm_1", repeat_instance=2)
    assert_same_file(exported.content, longitudinal.stored("101", "sample_report", event="baseline_arm_1"))


@pytest.mark.source(f"{E4}: in a repeating instrument's event, the other forms do not repeat")
def test_a_form_that_does_not_repeat_beside_a_repeating_one_means_instance_1(
    longitudinal: ProjectUnderTest,
) -> None:
    # visit_1_arm_1 repeats samples, not visit: visit_photo instance 2 is instance 1.
    client = longitudinal.client("full_user")
    exported = client.export_file("101", "visit_photo", event="visit_1_arm_1", repeat_instance=2)
    assert_same_file(exported.content, longitudinal.stored("101", "visit_photo", event="visit_1_arm_1"))
