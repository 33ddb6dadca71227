"""Reference §3.1: a successful Export File. The body is the stored bytes (compared by SHA-256), and the
Content-type carries the MIME type and the name: `<mime>; name="<doc_name>"`, with PHP's `;charset=UTF-8`
after text types. What the client makes of it is checked through the client; the header's exact bytes
over a plain socket.
"""

from __future__ import annotations

import pytest

from . import expected
from . import sources as src
from .helpers import assert_same_file, emptied, export, file_params, reference_bytes, upload
from .targets import ProjectUnderTest, sha256

SEND_FILE = f"{src.V15_REST} sendFile (reference §3.1)"

# -- the bytes -----------------------------------------------------------------------------------------


@pytest.mark.source(SEND_FILE, f"{src.V15_EXPORT} E11")
@pytest.mark.parametrize(
    "field",
    ["consent_form", "report_file", "photo", "notes_file"],
    ids=["pdf", "another-pdf", "gif", "text-with-crlf"],
)
def test_an_exported_file_is_byte_identical_to_the_stored_one(classic: ProjectUnderTest, field: str) -> None:
    exported = classic.client("full_user").export_file("1", field)
    assert_same_file(exported.content, classic.stored("1", field))


@pytest.mark.source(f"{src.V15_REST} sendFile: readfile_chunked streams the whole file (reference §3.1)")
def test_a_large_file_is_exported_whole(classic: ProjectUnderTest) -> None:
    stored = classic.stored("1", "large_file")
    assert stored.size > 256 * 1024
    exported = classic.client("full_user").export_file("1", "large_file")
    assert len(exported.content) == stored.size
    assert_same_file(exported.content, stored)


@pytest.mark.source(SEND_FILE)
def test_an_empty_file_is_exported_as_zero_bytes_with_its_name(classic: ProjectUnderTest) -> None:
    stored = classic.stored("1", "empty_file")
    assert stored.size == 0
    exported = classic.client("full_user").export_file("1", "empty_file")
    assert exported.content == b""
    assert exported.filename == stored.name


@pytest.mark.source(
    f"{src.DOCS} api_docs_120: 'this method may also be used for Signature fields'",
    f"{src.V15_EXPORT}: no special handling of signatures (reference §1.3)",
)
def test_a_signature_field_exports_like_any_file_field(classic: ProjectUnderTest) -> None:
    field = classic.fixture.field("participant_signature")
    assert field is not None and field.is_signature
    exported = classic.client("full_user").export_file("1", "participant_signature")
    assert_same_file(exported.content, classic.stored("1", "participant_signature"))
    assert exported.mime_type == "image/png"


# -- the name, MIME type and charset as the client reads them -----------------------------------------


@pytest.mark.source(SEND_FILE, f'{src.REDCAPR_FILE} (name="mugshot-1.jpg")')
def test_the_file_name_and_mime_type_are_the_stored_ones(classic: ProjectUnderTest) -> None:
    stored = classic.stored("1", "report_file")
    exported = classic.client("full_user").export_file("1", "report_file")
    assert (exported.filename, exported.mime_type) == (stored.name, stored.mime)


@pytest.mark.source(src.PHP_SAPI, src.PYCAP_FILES + " ({'name': 'test_upload.txt', 'charset': 'UTF-8'})")
def test_a_text_file_comes_with_charset_utf8(classic: ProjectUnderTest) -> None:
    exported = classic.client("full_user").export_file("1", "notes_file")
    assert (exported.mime_type, exported.charset) == ("text/plain", "UTF-8")


@pytest.mark.source(src.PHP_SAPI + ": only text/* types get a charset", SEND_FILE)
def test_a_binary_file_comes_without_a_charset(classic: ProjectUnderTest) -> None:
    exported = classic.client("full_user").export_file("1", "consent_form")
    assert (exported.mime_type, exported.charset) == ("application/pdf", None)


@pytest.mark.source(SEND_FILE + ": the name is neither escaped nor encoded")
@pytest.mark.parametrize("field", ["awkward_file", "unicode_file"], ids=["awkward", "non-latin"])
def test_an_unusual_file_name_reaches_the_client_intact(classic: ProjectUnderTest, field: str) -> None:
    stored = classic.stored("1", field)
    exported = classic.client("full_user").export_file("1", field)
    assert exported.filename == stored.name


# -- the header bytes, off the socket -----------------------------------------------------------------


@pytest.mark.source(SEND_FILE, f'{src.REDCAPR_FILE} (…; name="mugshot-1.jpg")')
def test_a_binary_files_content_type_is_the_mime_type_then_the_quoted_name(classic: ProjectUnderTest) -> None:
    stored = classic.stored("1", "consent_form")
    response = classic.raw_post("full_user", export("1", "consent_form"))
    assert response.status == 200
    assert response.header_values("Content-Type") == [f'{stored.mime}; name="{stored.name}"'.encode()]


@pytest.mark.source(SEND_FILE, src.PHP_SAPI + ": ';charset=' + default_charset, no space")
def test_a_text_files_content_type_ends_in_charset_utf8_without_a_space(classic: ProjectUnderTest) -> None:
    stored = classic.stored("1", "notes_file")
    response = classic.raw_post("full_user", export("1", "notes_file"))
    assert response.header_values("Content-Type") == [
        f'text/plain; name="{stored.name}";charset=UTF-8'.encode()
    ]


@pytest.mark.source(SEND_FILE + ": 'name=\"' . $filename . '\"': no escaping, UTF-8 bytes as they are")
@pytest.mark.parametrize("field", ["awkward_file", "unicode_file"], ids=["awkward", "non-latin"])
def test_an_unusual_file_name_is_sent_raw_in_double_quotes(classic: ProjectUnderTest, field: str) -> None:
    stored = classic.stored("1", field)
    assert any(ch in stored.name for ch in ";='&#,") or not stored.name.isascii()
    response = classic.raw_post("full_user", export("1", field))
    assert response.header_values("Content-Type") == [
        expected.download_content_type(stored.mime, stored.name)
    ]


@pytest.mark.source(SEND_FILE + ": no Content-Disposition")
def test_a_download_has_no_content_disposition_header(classic: ProjectUnderTest) -> None:
    response = classic.raw_post("full_user", export("1", "report_file"))
    assert response.status == 200
    assert response.header_values("Content-Disposition") == []


@pytest.mark.source(
    f"{src.V15_REST} sendFile and REDCap 14.5.11 sendFile: CSP script-src 'none' (reference §3.1)"
)
@pytest.mark.redcap_version(">=14.5.11")
def test_a_download_replaces_the_content_security_policy_with_script_src_none(
    classic: ProjectUnderTest,
) -> None:
    response = classic.raw_post("full_user", export("1", "report_file"))
    assert response.header_values("Content-Security-Policy") == [expected.DOWNLOAD_CSP.encode()]


@pytest.mark.source(f"{src.V15_SYSTEM} enableGzipCompression: off when content=file (reference §2)")
@pytest.mark.redcap_version(">=15.7.6")
def test_a_download_is_not_gzip_compressed_even_when_the_client_accepts_it(classic: ProjectUnderTest) -> None:
    response = classic.post(
        "full_user",
        export("1", "large_file"),
        headers={"Accept-Encoding": "gzip, deflate"},
        stream=True,
    )
    try:
        assert response.status_code == 200
        assert response.headers.get("Content-Encoding", "identity") == "identity"
        assert "REDCap-Random-Text" not in response.headers
        body = response.raw.read(decode_content=False)
    finally:
        response.close()
    assert_same_file(body, classic.stored("1", "large_file"))


# -- a name that would split the header ------------------------------------------------------------------


@pytest.mark.source(
    "REDCap 10.0.13 Classes/Files.php uploadFile: the name is html_entity_decode'd, so &#13;&#10; become "
    f"CR LF; {src.V13_FILES} sanitizeFileName turns runs of CR/LF into '-'",
    f"{SEND_FILE}: header('Content-type: <mime>; name=\"<doc_name>\"')",
    "php-src main/SAPI.c sapi_header_op: header() refuses a value holding CR or LF (not sent at all)",
)
def test_an_upload_name_with_encoded_line_breaks_never_adds_a_header(classic: ProjectUnderTest) -> None:
    """Writes: uploads into record 3's report_file, then deletes it again. Whatever the version makes of
    the name, the download carries no header the name smuggled in, and the bytes are the upload's."""
    data = reference_bytes("report.pdf")
    with emptied(classic, "3", "report_file"):
        name = "a&#13;&#10;Set-Cookie: contract=1.pdf"
        response = upload(classic, "3", "report_file", data, name)
        assert response.status_code == 200, response.content[:300]
        exported = classic.post("full_user", file_params("export", "3", "report_file"))
        assert exported.status_code == 200
        assert sha256(exported.content) == sha256(data)
        assert "set-cookie" not in {key.lower() for key in exported.headers}
        assert not any("\r" in value or "\n" in value for value in exported.headers.values())
