"""Reference §1.3 E9 and §3.3: `content=fileinfo` (and its older name `filesize`), V7+.

It runs every export check first, then answers `{"size":<int>,"name":"<doc_name>"}` as JSON whatever the
returnFormat.
"""

from __future__ import annotations

import pytest

from . import expected
from . import sources as src
from .helpers import json_message
from .targets import ProjectUnderTest

FILEINFO = f"{src.V15_EXPORT} E9 (reference §3.3)"


def _fileinfo(record: str, field: str, content: str = "fileinfo", **extra: str) -> dict[str, str]:
    return {"content": content, "action": "export", "record": record, "field": field, **extra}


def _info_body(size: int, name: str) -> bytes:
    return expected.php_json_encode({"size": size, "name": name}).encode("ascii")


@pytest.mark.source(FILEINFO)
def test_fileinfo_answers_the_stored_size_and_name_as_json(classic: ProjectUnderTest) -> None:
    stored = classic.stored("1", "report_file")
    response = classic.post("full_user", _fileinfo("1", "report_file"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == _info_body(stored.size, stored.name)


@pytest.mark.source(FILEINFO + ": always JSON")
@pytest.mark.parametrize("return_format", ["xml", "csv"])
def test_fileinfo_answers_json_whatever_returnformat_asks_for(
    classic: ProjectUnderTest, return_format: str
) -> None:
    stored = classic.stored("1", "report_file")
    response = classic.post("full_user", _fileinfo("1", "report_file", returnFormat=return_format))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == _info_body(stored.size, stored.name)


@pytest.mark.source(f"{src.V15_INDEX}: content=filesize is rewritten like fileinfo (reference §1.1 #16)")
def test_filesize_answers_like_fileinfo(classic: ProjectUnderTest) -> None:
    stored = classic.stored("1", "report_file")
    response = classic.post("full_user", _fileinfo("1", "report_file", content="filesize"))
    assert response.status_code == 200
    assert response.content == _info_body(stored.size, stored.name)


@pytest.mark.source(FILEINFO + ": the name is json_encode'd")
def test_fileinfo_writes_a_non_latin_name_as_unicode_escapes(classic: ProjectUnderTest) -> None:
    stored = classic.stored("1", "unicode_file")
    response = classic.post("full_user", _fileinfo("1", "unicode_file"))
    assert response.status_code == 200
    assert b"\\u" in response.content
    assert response.content == _info_body(stored.size, stored.name)


@pytest.mark.source(FILEINFO)
def test_fileinfo_reports_size_zero_for_an_empty_file(classic: ProjectUnderTest) -> None:
    stored = classic.stored("1", "empty_file")
    response = classic.post("full_user", _fileinfo("1", "empty_file"))
    assert response.status_code == 200
    assert response.json() == {"size": 0, "name": stored.name}


@pytest.mark.source(f"{FILEINFO}, E4")
def test_fileinfo_reads_the_requested_instance(classic: ProjectUnderTest) -> None:
    stored = classic.stored("1", "lab_file", instance=2)
    response = classic.post("full_user", _fileinfo("1", "lab_file", repeat_instance="2"))
    assert response.status_code == 200
    assert response.content == _info_body(stored.size, stored.name)


@pytest.mark.source(f"{FILEINFO}: reached only after E1-E8")
def test_fileinfo_runs_the_file_checks_first(classic: ProjectUnderTest) -> None:
    response = classic.post("full_user", _fileinfo("2", "report_file", returnFormat="json"))
    assert response.status_code == 400
    assert json_message(response) == expected.NO_FILE_TO_DOWNLOAD


@pytest.mark.source(f"{FILEINFO}: reached only after E1-E8")
def test_fileinfo_applies_the_data_export_rights(classic: ProjectUnderTest) -> None:
    response = classic.post("deid_user", _fileinfo("1", "consent_form", returnFormat="json"))
    assert response.status_code == 403
    assert json_message(response) == expected.EXPORT_IDENTIFIER
