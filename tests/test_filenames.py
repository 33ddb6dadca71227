"""Upload names and permitted file types (fake_redcap.filenames), per REDCap version.

The sanitiser rows are the source audit of November 2026 (#52: REDCap's own Files::sanitizeFileName run
under PHP 8.2) and the V15 Files.php table; the type rules are V15/V13 Files::fileTypeAllowed and
import.php (#50).
"""

from __future__ import annotations

import pytest

from fake_redcap.filenames import (
    RESTRICTED_UPLOAD_TYPES,
    TRANSLITERATION,
    file_extension,
    file_type_allowed,
    refusal_name,
    sanitize_file_name,
    stored_name,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("ÆØ.txt", "AEO.txt"),  # audit #52: a fixed table, not NFKD
        ("ß.txt", "s.txt"),
        ("ﬁ.txt", "ﬁ.txt"),  # not in the table: kept
        ("€£.txt", "E.txt"),
        ("Ĳssel œuvre.pdf", "IJssel oeuvre.pdf"),
        ('a?b/c\\d<e>f:g"h*i|j~k`l!m«n»o”p“q\x00r.txt', "abcdefghijklmnopqr.txt"),
        ("a+b%20c.txt", "a-b-c.txt"),
        ("a\r\n\t--b.txt", "a-b.txt"),
        ("._-name.txt-_.", "name.txt"),
    ],
)
def test_sanitize_file_name(given: str, expected: str) -> None:
    assert sanitize_file_name(given) == expected


def test_the_table_maps_to_ascii_only() -> None:
    assert len(TRANSLITERATION) == 309  # V15 Files.php sanitizeFileName's table has 309 entries
    assert all(target.isascii() for target in TRANSLITERATION.values())


@pytest.mark.parametrize(
    ("given", "v13", "v10", "v7"),
    [
        (" report.pdf ", "report.pdf", "report.pdf", " report.pdf "),  # audit #52: the outer trim()
        ("ÆØ.txt", "AEO.txt", "ÆØ.txt", "ÆØ.txt"),
        ("O'Brien.txt", "O'Brien.txt", "OBrien.txt", "OBrien.txt"),  # V13+ keeps the quote
        ("&lt;b&gt;x.txt", "x.txt", "x.txt", "<b>x.txt"),  # decoded, then tags stripped (V10+)
        ("a\\'b.txt", "a'b.txt", "ab.txt", "ab.txt"),  # stripslashes
    ],
)
def test_stored_name_per_version(given: str, v13: str, v10: str, v7: str) -> None:
    assert stored_name(given, sanitised=True, tags_stripped=True) == v13
    assert stored_name(given, sanitised=False, tags_stripped=True) == v10
    assert stored_name(given, sanitised=False, tags_stripped=False) == v7


def test_refusal_name_is_decoded_but_never_sanitised() -> None:
    assert refusal_name(".hidden") == ".hidden"
    assert refusal_name("tool.exe ") == "tool.exe "
    assert refusal_name("it&#039;s.exe") == "its.exe"


@pytest.mark.parametrize(
    ("name", "ext"), [("a.tar.gz", "gz"), ("A.EXE", "exe"), ("noext", ""), ("a.", ""), (".hidden", "hidden")]
)
def test_file_extension_is_after_the_last_dot_lower_cased(name: str, ext: str) -> None:
    assert file_extension(name) == ext


def test_the_default_restricted_list() -> None:
    # V15 install_data.sql:128 / upgrade_13.10.05.php: 53 extensions.
    assert len(RESTRICTED_UPLOAD_TYPES) == 53
    assert {"exe", "js", "php", "bat", "dll", "jar", "ps1", "xll"} <= RESTRICTED_UPLOAD_TYPES
    assert "pdf" not in RESTRICTED_UPLOAD_TYPES


@pytest.mark.parametrize(
    ("name", "v15", "v14", "v13_6"),
    [
        ("report.pdf", True, True, True),
        ("tool.EXE", False, False, True),  # the default list arrives in 13.10.5
        ("noext", False, True, True),  # V15 refuses an empty extension
        ("tool.exe ", True, True, True),  # extension "exe " is not in the list
    ],
)
def test_file_type_allowed(name: str, v15: bool, v14: bool, v13_6: bool) -> None:
    assert file_type_allowed(name, restricted=RESTRICTED_UPLOAD_TYPES, refuse_no_extension=True) is v15
    assert file_type_allowed(name, restricted=RESTRICTED_UPLOAD_TYPES, refuse_no_extension=False) is v14
    assert file_type_allowed(name, restricted=frozenset(), refuse_no_extension=False) is v13_6
