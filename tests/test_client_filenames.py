"""File names from REDCap's headers: every shape the reference lists, and a sanitiser that keeps any
server-chosen name inside the destination folder."""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from werkzeug.http import parse_options_header

from redcap_file_client.filenames import (
    MAX_NAME_BYTES,
    fallback_filename,
    filename_from_headers,
    parse_header_params,
    repair_latin1,
    safe_filename,
    sanitise_filename,
)


def latin1_wire(text: str) -> str:
    """What `http.client` hands over for a header whose UTF-8 bytes were sent raw."""
    return text.encode("utf-8").decode("latin-1")


@pytest.mark.parametrize(
    ("content_type", "name", "charset"),
    [
        # REDCap's real shapes (docs/evidence/file-api-behaviour.md §3.1)
        ('image/jpeg; name="mugshot-1.jpg"', "mugshot-1.jpg", None),
        ('text/plain; name="test_upload.txt";charset=UTF-8', "test_upload.txt", "UTF-8"),
        # REDCap's docs (api_docs_125): single quotes
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document; name='FILE_NAME.docx'",
            "FILE_NAME.docx",
            None,
        ),
        ("text/plain; name='a;b=c.txt';charset=UTF-8", "a;b=c.txt", "UTF-8"),
        # unquoted
        ("text/plain; name=x.txt", "x.txt", None),
        ("text/plain; name=x.txt;charset=UTF-8", "x.txt", "UTF-8"),
        ("text/plain; name=my report.txt;charset=UTF-8", "my report.txt", "UTF-8"),
        ("text/plain; name=a;b.txt;charset=UTF-8", "a;b.txt", "UTF-8"),
        ("text/plain; name=résumé;v2=final.txt;charset=UTF-8", "résumé;v2=final.txt", "UTF-8"),
        ("text/plain; name=x.txt; charset=UTF-8", "x.txt", "UTF-8"),
        ("text/plain; charset=UTF-8; name=x.txt", "x.txt", "UTF-8"),
        # `;` and `=` inside a quoted name, which PyCap, redcaplite and phpcap break on
        ('application/pdf; name="a;b=c.pdf"', "a;b=c.pdf", None),
        ('text/csv; name="x=1;y=2.csv";charset=UTF-8', "x=1;y=2.csv", "UTF-8"),
        ('text/plain; name="charset=x;.txt";charset=UTF-8', "charset=x;.txt", "UTF-8"),
        # REDCap does not escape quotes inside the name (older versions could store them)
        ('application/pdf; name="he said "hi".pdf"', 'he said "hi".pdf', None),
        ('application/pdf; name="a";b.pdf"', 'a";b.pdf', None),
        # RFC 7230 escapes from other servers
        ('application/pdf; name="a\\"b.pdf"', 'a"b.pdf', None),
        # RFC 5987 / 2231
        ("application/pdf; name*=UTF-8''%E6%8A%A5%E5%91%8A.pdf", "报告.pdf", None),
        ("text/plain; name*=UTF-8''a%3Bb.txt;charset=UTF-8", "a;b.txt", "UTF-8"),
        ("application/pdf; name=\"fallback.pdf\"; name*=UTF-8''r%C3%A9sum%C3%A9.pdf", "résumé.pdf", None),
        ("application/pdf; name*=iso-8859-1'en'caf%E9.pdf", "café.pdf", None),
        ("application/pdf; name*0*=UTF-8''%E6%8A%A5; name*1=.pdf", "报.pdf", None),
        # spacing and case variations
        ('IMAGE/PNG;NAME="x.png"', "x.png", None),
        ('image/png ;  name = "x.png" ', "x.png", None),
        ('text/plain; charset=UTF-8; name="x.txt"', "x.txt", "UTF-8"),
        # UTF-8 names that arrive latin-1-decoded
        (latin1_wire('application/pdf; name="报告.pdf"'), "报告.pdf", None),
        (latin1_wire('text/plain; name="Ünïcödé ✓.txt";charset=UTF-8'), "Ünïcödé ✓.txt", "UTF-8"),
    ],
)
def test_content_type_name_and_charset(content_type: str, name: str, charset: str | None) -> None:
    assert filename_from_headers({"Content-Type": content_type}) == name
    _main, params = parse_header_params(repair_latin1(content_type))
    assert params.get("charset") == charset


def test_main_value_is_the_mime_type() -> None:
    assert parse_header_params('text/plain; name="x.txt";charset=UTF-8')[0] == "text/plain"


@pytest.mark.parametrize(
    ("disposition", "name"),
    [
        ('attachment; filename="report.pdf"', "report.pdf"),
        ("attachment; filename=report.pdf", "report.pdf"),
        ("attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf", "résumé.pdf"),
        ("attachment; filename*=UTF-8''%E6%8A%A5.pdf", "报.pdf"),
    ],
)
def test_content_disposition_fallback(disposition: str, name: str) -> None:
    headers = {"Content-Type": "application/pdf", "Content-Disposition": disposition}
    assert filename_from_headers(headers) == name


def test_content_type_name_wins_over_disposition() -> None:
    headers = {
        "Content-Type": 'application/pdf; name="a.pdf"',
        "Content-Disposition": "attachment; filename=b",
    }
    assert filename_from_headers(headers) == "a.pdf"


@pytest.mark.parametrize(
    "headers", [{}, {"Content-Type": "application/pdf"}, {"Content-Type": 'x/y; name=""'}]
)
def test_no_name(headers: dict[str, str]) -> None:
    assert filename_from_headers(headers) is None


def test_latin1_repair_keeps_genuine_latin1() -> None:
    assert repair_latin1("caf\xe9.pdf") == "café.pdf"  # not valid UTF-8: kept
    assert repair_latin1(latin1_wire("café.pdf")) == "café.pdf"
    assert repair_latin1("报.pdf") == "报.pdf"  # already real text


_token_chars = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&*+-.^_`|~")
# No backslash: an RFC server escapes it as `\\\\`, REDCap sends it raw, and the parser follows REDCap.
_quoted_chars = st.characters(min_codepoint=0x20, max_codepoint=0x7E, blacklist_characters="\\")


@given(
    mime=st.sampled_from(["application/pdf", "text/plain", "image/png"]),
    name=st.text(_quoted_chars, min_size=1, max_size=40),
    charset=st.none() | st.sampled_from(["UTF-8", "utf-8", "ISO-8859-1"]),
)
def test_agrees_with_werkzeug_on_well_formed_headers(mime: str, name: str, charset: str | None) -> None:
    """On RFC-conformant headers (escaped quotes) the tolerant parser gives werkzeug's answer. Werkzeug
    also percent-decodes a quoted value (`%22` becomes `"`, for browsers' multipart names); REDCap sends
    the name raw and the client keeps it, so names holding `%XX` are left out here."""
    assume(re.search("%[0-9A-Fa-f]{2}", name) is None)
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    header = f'{mime}; name="{escaped}"' + (f"; charset={charset}" if charset else "")
    mine = parse_header_params(header)
    theirs = parse_options_header(header)
    assert mine[0] == theirs[0]
    assert mine[1].get("name") == theirs[1].get("name") == name
    assert mine[1].get("charset") == theirs[1].get("charset")


@given(name=st.text(min_size=1, max_size=60).filter(lambda s: s.strip() == s and "\x00" not in s))
@example(name="报告 final;v=2.pdf")
def test_rfc5987_round_trip(name: str) -> None:
    header = f"application/pdf; name*=UTF-8''{urllib.parse.quote(name, safe='')}"
    assert filename_from_headers({"Content-Type": header}) == name


@given(
    name=st.text(
        st.characters(blacklist_characters='"', blacklist_categories=["Cs"]), min_size=1, max_size=60
    )
)
def test_redcap_header_round_trip(name: str) -> None:
    """Whatever REDCap stores (it strips `"` at upload), its header shape gives the name back,
    also after the latin-1 decoding of http.client."""
    for header in (f'application/pdf; name="{name}"', f'text/plain; name="{name}";charset=UTF-8'):
        assert filename_from_headers({"Content-Type": latin1_wire(header)}) == name


# ------------------------------------------------------------------ sanitising


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("my report (final).pdf", "my report (final).pdf"),
        ("报告.pdf", "报告.pdf"),
        ("../../x", "x"),
        ("/etc/passwd", "passwd"),
        ("C:\\x", "x"),
        ("C:\\Windows\\System32\\evil.dll", "evil.dll"),
        ("C:evil.txt", "C_evil.txt"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("dir/", "dir"),
        ("con.txt", "_con.txt"),
        ("CON", "_CON"),
        ("nul", "_nul"),
        ("Com1.tar.gz", "_Com1.tar.gz"),
        ("lpt9.doc", "_lpt9.doc"),
        ("LPT¹.txt", "_LPT¹.txt"),
        ("console.txt", "console.txt"),
        ("a\x00b.txt", "ab.txt"),
        ("line\nbreak\r.txt", "linebreak.txt"),
        ("tab\there.txt", "tabhere.txt"),
        ("a\x7fb\x85c.txt", "abc.txt"),
        ("evil\u202egpj.exe", "evilgpj.exe"),
        ("what?.txt", "what_.txt"),
        ('a<b>c:d"e|f*g.txt', "a_b_c_d_e_f_g.txt"),
        ("a\u2215b.txt", "a_b.txt"),
        (".bashrc", "bashrc"),
        ("trailing. . ", "trailing"),
        ("  spaced.txt  ", "spaced.txt"),
        ("my..file.txt", "my..file.txt"),
    ],
)
def test_sanitise(name: str, expected: str) -> None:
    assert sanitise_filename(name) == expected


@pytest.mark.parametrize(
    "name", [None, "", ".", "..", "...", "....", " . ", "/", "\\", "../..", "a/..", "\x00", "\u202e"]
)
def test_nothing_usable_left(name: str | None) -> None:
    assert sanitise_filename(name) is None


def test_length_limit_keeps_extension() -> None:
    long = "x" * 300 + ".pdf"
    out = sanitise_filename(long)
    assert out is not None
    assert out.endswith(".pdf")
    assert len(out.encode()) == MAX_NAME_BYTES


def test_length_limit_never_splits_a_character() -> None:
    out = sanitise_filename("报" * 300 + ".txt")
    assert out is not None and out.endswith(".txt")
    assert len(out.encode()) <= MAX_NAME_BYTES
    out.encode("utf-8")  # a split character would have been dropped, never left half


def test_a_huge_extension_is_not_kept_whole() -> None:
    out = sanitise_filename("a." + "b" * 400)
    assert out is not None and len(out.encode()) <= MAX_NAME_BYTES


def test_fallback_name() -> None:
    assert fallback_filename("7", "lab_report") == "record-7_field-lab_report"
    assert (
        fallback_filename(
            "7", "lab_report", event="visit_1_arm_1", repeat_instance=2, mime_type="application/pdf"
        )
        == "record-7_event-visit_1_arm_1_instance-2_field-lab_report.pdf"
    )
    assert fallback_filename("../../etc", "f", event="a/b") == "record-.._.._etc_event-a_b_field-f"


def test_safe_filename_falls_back() -> None:
    assert safe_filename("...", "1", "consent", mime_type="image/png") == "record-1_field-consent.png"
    assert safe_filename("ok.png", "1", "consent") == "ok.png"


@given(name=st.text(max_size=400), record=st.text(max_size=50), field=st.text(min_size=1, max_size=50))
@example(name="../../x", record="1", field="f")
@example(name="..", record="..", field="..")
@example(name="con.txt", record="/", field="\\")
@example(name="\x00" * 10, record="", field="\x00")
def test_safe_filename_properties(name: str, record: str, field: str) -> None:
    out = safe_filename(name, record, field)
    assert out
    assert "/" not in out and "\\" not in out and "\x00" not in out
    assert out not in (".", "..") and out.strip(".")
    assert not any(ord(c) < 0x20 or ord(c) == 0x7F for c in out)
    assert len(out.encode("utf-8")) <= MAX_NAME_BYTES
    assert out.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}
    dest = Path("/srv/downloads")
    assert (dest / out).parent == dest
    assert Path(dest, out).resolve().parent == dest.resolve()


@given(name=st.text(max_size=400))
def test_sanitise_is_idempotent(name: str) -> None:
    once = sanitise_filename(name)
    assert sanitise_filename(once) == once


@given(
    name=st.text(
        st.characters(blacklist_characters="'", blacklist_categories=["Cs"]), min_size=1, max_size=60
    )
)
def test_single_quoted_header_round_trip(name: str) -> None:
    """REDCap's documented shape, `name='...'`, for any name without a single quote."""
    header = f"text/plain; name='{name}';charset=UTF-8"
    assert filename_from_headers({"Content-Type": latin1_wire(header)}) == name


@pytest.mark.parametrize(
    ("content_type", "name"),
    [
        ('x/y; name="\\"', "\\"),
        ('x/y; name="\\\\"', "\\\\"),
        ('x/y; name="a\\";charset=UTF-8', "a\\"),
        ('x/y; name="a\\b"', "a\\b"),
    ],
)
def test_unescaped_backslashes_from_redcap(content_type: str, name: str) -> None:
    assert filename_from_headers({"Content-Type": content_type}) == name
