"""Names as they reach REDCap: an upload name with a NUL byte (PHP's multipart parser), Rename Record's
url-decoding, and `action=rename` before REDCap had Rename Record."""

from __future__ import annotations

import pytest

from .helpers import RENAMER, rename_params, renamed
from .targets import ProjectUnderTest
from .test_log_and_repository import repository_cleaned

NUL_NAME = "fake-redcap-contract-nul.txt"
WRITE_RECORD = "3"  # classic: the record the writing clauses use
BOUNDARY = "fakeRedcapContractBoundary"


def _multipart(token: str, fields: dict[str, str], filename: bytes, data: bytes) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in {"token": token, **fields}.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="'.encode()
        + filename
        + b'"\r\nContent-Type: text/plain\r\n\r\n'
        + data
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


@pytest.mark.source(
    "php-src main/rfc1867.c multipart_buffer_headers: each part header line is read as a C string, so it"
    ' ends at a NUL byte (observed with php-cli 8.2: filename="a\\0b.txt" is a)',
    "REDCap 15.7.6 Classes/FileRepository.php upload:369-442",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_an_upload_name_ends_at_a_nul_byte(classic: ProjectUnderTest) -> None:
    """Writes: uploads a file into the File Repository's top level and deletes it again."""
    with repository_cleaned(classic, NUL_NAME):
        fields = {"content": "fileRepository", "action": "import", "returnFormat": "json"}
        body = _multipart(classic.token("importer_user"), fields, NUL_NAME.encode() + b"\0.exe", b"nul\n")
        headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
        response = classic.session.post(classic.url, data=body, headers=headers, timeout=30)
        assert (response.status_code, response.content) == (200, b"")
        params = {"content": "fileRepository", "action": "list", "format": "json"}
        listing = classic.post("importer_user", params).json()
        assert [
            row["name"] for row in listing if str(row["name"]).startswith("fake-redcap-contract-nul")
        ] == [NUL_NAME]


@pytest.mark.source(
    "REDCap 15.7.6 Classes/REDCap.php renameRecord:2381-2382: once the record is found, the new name is"
    " trim(rawurldecode(urldecode(...))) before the record takes it (13.6.1 and 14.5.11 alike)",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_renamed_records_new_name_is_url_decoded_twice(classic: ProjectUnderTest) -> None:
    """Writes: renames record 3 to contract-suite-decoded (sent as contract-suite%252Ddecoded), then
    back to 3."""
    new_name = "contract-suite-decoded"
    with renamed(classic, WRITE_RECORD, new_name):
        response = classic.post(RENAMER, rename_params(WRITE_RECORD, "contract-suite%252Ddecoded"))
        assert (response.status_code, response.text) == (200, "1")
        params = {"content": "record", "format": "json", "fields[0]": "record_id"}
        names = {str(row["record_id"]) for row in classic.post("full_user", params).json()}
        assert new_name in names and WRITE_RECORD not in names


@pytest.mark.source(
    "REDCap 10.0.13 API/index.php:253-257: only action=delete is a record action, anything else is an"
    " export without data; 10.0.13 has no API/record/rename.php",
)
@pytest.mark.redcap_version("<=10.0.13")
def test_before_redcap_13_a_rename_is_a_record_export(classic: ProjectUnderTest) -> None:
    params = rename_params("contract-suite-no-such-record", "contract-suite-new-name")
    response = classic.post(RENAMER, params)
    assert response.status_code == 200
    names = {str(row["record_id"]) for row in response.json()}
    assert names == {row.record for row in classic.fixture.records}
