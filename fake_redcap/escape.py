"""REDCap's `RCView::escape`, the escaping its API messages put a record or field name through.

Sources (behaviour restated, no REDCap code): V15 `Classes/RCView.php`:664-686 `escape`; V15
`Config/init_functions.php`:1540-1575 `label_decode`, :1533-1537 `replaceNBSP`, :1582-1589
`strip_tags2`, :2605-2780 `filter_tags`, :2784-2789 `styleTagReplaceLineBreaks`, :2389-2392 `br2nl`;
V15 `Classes/System.php`:313 `ALLOWED_TAGS`. V14.5.11 has the same functions except that its
`filter_tags` has no recursion cap and no final-`<` rule and its `ALLOWED_TAGS` (System.php:300) lacks
the ruby, wbr, blockquote, address, progress and meter tags (source audit 2026-11 #41).

What it does, in short: html-decode (keeping `&nbsp;`); delete raw U+00A0 and turn `&nbsp;` into a
space; put a space after a `<` that does not start one of REDCap's allowed tags (`a<b` is `a< b`),
strip tags, and `htmlspecialchars` the rest; invalid UTF-8 comes out as U+FFFD rather than "".
The per-request random `<object...>` tag Piping adds to the allowed list (Piping.php:67-74) cannot be
guessed by a client, so it is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fake_redcap.php import from_bytes, html_entity_decode, htmlspecialchars, strip_tags, to_bytes, trim

_V14_TAGS = (  # noqa: SIM905 - System.php's list, as written there
    "abbr input button col colgroup strike s style code video audio source caption canvas ol ul li label "
    "pre p a br center font b i u h6 h5 h4 h3 h2 h1 hr table tbody tr th td thead tfoot img span div em "
    "strong acronym sub sup map area"
).split()
_V15_TAGS = [*"rt rp ruby wbr blockquote address progress meter".split(), *_V14_TAGS]  # noqa: SIM905


@dataclass(frozen=True)
class FilterRules:
    """What differs between the versions' `filter_tags`."""

    allowed_tags: tuple[str, ...]
    keeps_final_lt: bool  # V15: a string ending in `<` keeps it through strip_tags
    recursion_cap: int | None  # V15 stops after 5 extra passes; V14 recurses until nothing changes


V15_RULES = FilterRules(tuple(_V15_TAGS), keeps_final_lt=True, recursion_cap=5)
V14_RULES = FilterRules(tuple(_V14_TAGS), keeps_final_lt=False, recursion_cap=None)
_V14_SAFETY_CAP = 200  # V14 has no cap; a string that never settles would exhaust PHP's stack

_NBSP_MARK = b"|*|RC_NBSP|*|"
_NOT_EQUAL = b"||--RC_NOT_EQUAL_TO--||"
_LESS_EQUAL = b"||--RC_LS_EQUAL_TO--||"
_LESS_EXCLAIM = b"||--RC_LS_EXCLAIM--||"
_REAL_LT = b"||--RC_REALTAG_LT--||"
_REAL_GT = b"||--RC_REALTAG_GT--||"
_FAKE_LT = b"||--RC_NOTREALTAG_LT--||"
_LESS_DIGIT = b" ||--RC_LS_NUM--||"

_LT_BEFORE_NUMBER = re.compile(rb"(<)(\d|\+|-|\.|\*|\$|=)")
_STYLE_BLOCK = re.compile(rb"[\n\r]*<(style)(?:(?!</?\1).)*?</\1>[\n\r]*", re.I | re.S)
_BR = re.compile(rb"<br(\s*)?/?>", re.I)
_COMMENT = re.compile(rb"<!--.*?-->", re.S | re.M)
_OPEN_COMMENT = re.compile(rb"(<!--)(.|\s)*?(?!-->)")
_NOT_A_TAG = re.compile(rb"(<)([^0-9])(\s?)")
_LT_DIGIT = re.compile(rb"(<)(\d)")
_TAG_NAME = re.compile(rb"</?(\w+)")
_REMOVED_RUN = re.compile(rb"(?:removed;){2,}")


def _keep_nbsp(data: bytes) -> bytes:
    """html_entity_decode, with `&nbsp;` and `&amp;nbsp;` coming out as `&nbsp;`."""
    data = data.replace(b"&amp;nbsp;", _NBSP_MARK).replace(b"&nbsp;", _NBSP_MARK)
    return html_entity_decode(data).replace(_NBSP_MARK, b"&nbsp;")


def label_decode(data: bytes) -> bytes:
    """`label_decode($val)`: decode, keep `&nbsp;`, and put a space after a `<` that precedes a digit or
    one of `+ - . * $ =` so that strip_tags cannot eat it."""
    data = _keep_nbsp(data)
    if b"<" in data:
        data = _LT_BEFORE_NUMBER.sub(rb"< \2", data)
    return data


def _style_block(match: re.Match[bytes]) -> bytes:
    text = _BR.sub(b"\n", match.group(0))
    return trim(text.replace(b"\r\n", b" ").replace(b"\n", b" ").replace(b"\r", b" "))


def _protect_tags(data: bytes, rules: FilterRules) -> bytes:
    """Hide the `<`/`>` of allowed tags, and put a space after every other `<` that is not before a digit."""
    data = _STYLE_BLOCK.sub(_style_block, data)
    if b"<!--" in data:
        data = _COMMENT.sub(b"", data)
        data = _OPEN_COMMENT.sub(rb"< !--\2", data)
    data = data.replace(b"<>", _NOT_EQUAL).replace(b"<=", _LESS_EQUAL).replace(b"<!", _LESS_EXCLAIM)
    names = b"|".join(tag.encode("ascii") for tag in rules.allowed_tags)
    allowed = {tag.encode("ascii") for tag in rules.allowed_tags}

    def real_tag(match: re.Match[bytes]) -> bytes:
        name = _TAG_NAME.match(match.group(0))
        if name is not None and name.group(1).lower() in allowed:
            return match.group(0).replace(b"<", _REAL_LT).replace(b">", _REAL_GT)
        return match.group(0)

    data = re.sub(rb"</?(" + names + rb")[^>]*>", real_tag, data, flags=re.I)
    data = _NOT_A_TAG.sub(_FAKE_LT + rb"\2\3", data)
    return _LT_DIGIT.sub(rb"\1" + _LESS_DIGIT + rb"\2", data)


def _restore(data: bytes) -> bytes:
    data = data.replace(_REAL_LT, b"<").replace(_REAL_GT, b">")
    data = data.replace(_FAKE_LT, b"< ").replace(b"<  ", b"< ")
    data = data.replace(_NOT_EQUAL, b"<>").replace(_LESS_EQUAL, b"<=").replace(_LESS_EXCLAIM, b"<!")
    return data.replace(_LESS_DIGIT, b"")


def _filter_pass(data: bytes, rules: FilterRules) -> bytes:
    """One pass of `filter_tags($val, false, false)` (no allowed tags kept, no JavaScript filter)."""
    has_lt = b"<" in data
    if has_lt:
        data = _protect_tags(data, rules)
    ends_with_lt = rules.keeps_final_lt and data.endswith(b"<")
    data = strip_tags(data)
    if ends_with_lt:
        data += b"<"
    return _restore(data) if has_lt else data


def filter_tags(data: bytes, rules: FilterRules = V15_RULES) -> bytes:
    """`filter_tags($val, false, false)`: decode and filter, again and again until a pass changes
    nothing (V15: at most 5 repeats, then `removed;` runs are squashed)."""
    count = 0
    while True:
        data = html_entity_decode(data)
        cap = rules.recursion_cap if rules.recursion_cap is not None else _V14_SAFETY_CAP
        if count > cap:
            return _REMOVED_RUN.sub(b"removed;", data)
        data = _filter_pass(data, rules)
        again = _filter_pass(html_entity_decode(data), rules)
        if again == data:
            return data
        data, count = again, count + 1


def strip_tags2(data: bytes, rules: FilterRules = V15_RULES) -> bytes:
    """`strip_tags2($val)`: drop raw U+00A0, label_decode, `&nbsp;` to a space, filter_tags, strip_tags."""
    data = label_decode(data.replace(b"\xc2\xa0", b""))
    data = data.replace(b"&amp;nbsp;", b" ").replace(b"&nbsp;", b" ")
    return strip_tags(filter_tags(data, rules))


def rcview_escape_bytes(data: bytes, rules: FilterRules = V15_RULES) -> bytes:
    data = strip_tags2(_keep_nbsp(data), rules)
    escaped = htmlspecialchars(data)
    if not escaped and data:  # invalid UTF-8: fall back to ENT_SUBSTITUTE
        return htmlspecialchars(data, substitute=True)
    return escaped


def rcview_escape(text: str, rules: FilterRules = V15_RULES) -> str:
    """`RCView::escape($s)` on a parameter (invalid UTF-8 carried as surrogate escapes)."""
    return from_bytes(rcview_escape_bytes(to_bytes(text), rules))
