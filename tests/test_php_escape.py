"""PHP's string built-ins (fake_redcap.php) and REDCap's RCView::escape (fake_redcap.escape).

Expected values are PHP 8.2's and REDCap's own outputs: the RCView::escape rows are the inputs and
outputs the source audit of November 2026 (#41) recorded by running REDCap's functions; the built-in rows
were observed with php-cli by hand.
"""

from __future__ import annotations

import pytest

from fake_redcap import messages, php
from fake_redcap.errors import ApiError
from fake_redcap.escape import V14_RULES, V15_RULES, label_decode, rcview_escape, strip_tags2
from fake_redcap.methods.export_format import decoded_string

# Audit #41: input -> RCView::escape in REDCap 15 (PHP 8.2).
AUDIT_ROWS = [
    ("a<b", "a&lt; b"),
    ("a<5", "a&lt; 5"),
    ("<script>alert(1)</script>", "&lt; script&gt;alert(1)&lt; /script&gt;"),
    ("x&nbsp;y", "x y"),
    ("\udcff\udcfe", "\ufffd\ufffd"),  # the bytes FF FE: invalid UTF-8, ENT_SUBSTITUTE fallback
    ("a&ampb", "a&amp;ampb"),
    ("&apos;", "&amp;apos;"),
]


@pytest.mark.parametrize(("given", "expected"), AUDIT_ROWS)
def test_rcview_escape_gives_redcaps_output(given: str, expected: str) -> None:
    assert rcview_escape(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("x\u00a0y", "xy"),  # a raw no-break space is deleted by strip_tags2
        ("x&#160;y", "xy"),  # ... also when it was an entity
        ("<b>bold</b> & <i>it</i>", "bold &amp; it"),  # allowed tags are stripped
        ("a<=b", "a&lt; =b"),
        ('O\'Brien "x"', "O&#039;Brien &quot;x&quot;"),
        ("&lt;i&gt;a&amp;b", "a&amp;b"),  # decoded first, then a tag
        ("a<!-- note -->b", "ab"),
        ("\udcc3(", "\ufffd("),  # a broken two-byte sequence: one U+FFFD, the next byte kept
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_rcview_escape_follows_strip_tags2_and_htmlspecialchars(given: str, expected: str) -> None:
    assert rcview_escape(given) == expected


def test_ruby_tags_are_allowed_in_15_only() -> None:
    # V15 System.php:313 adds rt/rp/ruby/...; V14 System.php:300 does not, so V14 shows `< rt>`.
    assert rcview_escape("<rt>x", V15_RULES) == "x"
    assert rcview_escape("<rt>x", V14_RULES) == "&lt; rt&gt;x"


def test_label_decode_spaces_a_less_than_before_a_number_and_keeps_nbsp() -> None:
    assert label_decode(b"1<2 &amp; a<=b &nbsp;") == b"1< 2 & a< =b &nbsp;"


def test_strip_tags2_turns_nbsp_into_a_space() -> None:
    assert strip_tags2(b"a&nbsp;b&amp;nbsp;c") == b"a b c"


# ---------------------------------------------------------------------------------------------------------
# The PHP built-ins (php-cli 8.2 outputs)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (b"&amp;&lt;&gt;&quot;&#39;&#x27;", b"&<>\"''"),
        (b"&amp", b"&amp"),  # no ';'
        (b"&apos;", b"&apos;"),  # not an HTML 4.01 entity
        (b"&eacute;&#233;&#xE9;", "ééé".encode()),
        (b"&#0;&#xD800;&#1114112;&#128;", b"&#0;&#xD800;&#1114112;&#128;"),  # not allowed in HTML 4.01
        (b"&#x0x41;", b"A"),  # strtol accepts a 0x prefix
        (b"&&lt;", b"&<"),
        (b"a&b;", b"a&b;"),
        (b"\xff&lt;", b"\xff<"),  # invalid bytes pass through
    ],
)
def test_html_entity_decode(given: bytes, expected: bytes) -> None:
    assert php.html_entity_decode(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (b"a<b>c</b>d", b"acd"),
        (b"a < b", b"a < b"),  # `<` before white space is text
        (b"a<b", b"a"),  # an unterminated tag runs to the end
        (b"x<a title='>'>y", b"xy"),  # quotes inside a tag
        (b"x<!-- a > b -->y", b"xy"),
        (b"x<?php echo 1; ?>y", b"xy"),
        (b"x<<b>>y", b"xy"),  # nesting
        (b"a\x00b", b"ab"),
        (b"a>b", b"a>b"),
    ],
)
def test_strip_tags(given: bytes, expected: bytes) -> None:
    assert php.strip_tags(given) == expected


@pytest.mark.parametrize(
    ("given", "plain", "substituted"),
    [
        (b"<a href=\"x\">'&'</a>", b"&lt;a href=&quot;x&quot;&gt;&#039;&amp;&#039;&lt;/a&gt;", None),
        (b"\xff\xfe", b"", "\ufffd\ufffd".encode()),
        (b"\xe2\x82", b"", "\ufffd".encode()),  # truncated three-byte sequence: one replacement
        (b"\xe2\x28\xa1", b"", "\ufffd(\ufffd".encode()),
        (b"\xed\xa0\x80", b"", "\ufffd".encode()),  # an encoded surrogate
        (b"\xc0\xaf", b"", "\ufffd\ufffd".encode()),  # overlong
        (b"\xf4\x90\x80\x80", b"", "\ufffd".encode()),  # above U+10FFFF
    ],
)
def test_htmlspecialchars(given: bytes, plain: bytes, substituted: bytes | None) -> None:
    assert php.htmlspecialchars(given) == plain
    assert php.htmlspecialchars(given, substitute=True) == (plain if substituted is None else substituted)


def test_stripslashes_and_trim() -> None:
    assert php.stripslashes(b"a\\'b\\\\c\\0d\\") == b"a'b\\c\x00d"
    assert php.trim(b" \t\x00x \x0b\n") == b"x"


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (False, ""), (True, "1"), (0, "0"), (2.0, "2"), (1.5, "1.5"), (-3, "-3"), ("a b", "a b")],
)
def test_a_decoded_json_scalar_is_the_string_php_makes_of_it(value: object, text: str) -> None:
    """(string) of json_decode's scalars, as the imports read them (observed with php-cli 8.2:
    `var_dump((string) json_decode('[null,false,true,2.0]')[i])`)."""
    assert php.php_string(value) == text


def test_a_nested_value_in_an_import_answers_not_implemented() -> None:
    with pytest.raises(ApiError) as refused:
        decoded_string({"a": 1}, "content=x import with a nested value")
    assert refused.value.headers == {messages.NOT_IMPLEMENTED_HEADER: "content=x import with a nested value"}
    assert decoded_string(True, "unused") == "1"
