"""PHP 8 string built-ins REDCap's messages and file names pass through, on bytes as PHP sees them.

Each function restates the documented behaviour of the PHP function of the same name (php-src
`ext/standard/html.c` and `string.c`, observed under PHP 8.2 CLI); none runs PHP. Strings are PHP byte
strings: parameters reach the fake with invalid UTF-8 kept as surrogate escapes, so `to_bytes` and
`from_bytes` convert without losing a byte.
"""

from __future__ import annotations

import html.entities
import re
import urllib.parse

_HTML401_ENTITIES = {name.encode("ascii"): cp for name, cp in html.entities.name2codepoint.items()}
_ENTITY_NAME = re.compile(rb"[A-Za-z0-9]+")
_DECIMAL = re.compile(rb"[0-9]+")
_HEX = re.compile(rb"(?:0[xX](?=[0-9A-Fa-f]))?([0-9A-Fa-f]+)")
_C_SPACE = b" \t\n\v\f\r"  # C isspace() in the "C" locale
TRIM_CHARS = b" \t\n\r\0\x0b"  # trim()'s default list
REPLACEMENT = "\ufffd".encode()


def to_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def from_bytes(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def trim(data: bytes, chars: bytes = TRIM_CHARS) -> bytes:
    return data.strip(chars)


def urldecode(data: bytes) -> bytes:
    """`urldecode`: `+` is a space, `%XX` (two hex digits) its byte, any other `%` stays."""
    return urllib.parse.unquote_to_bytes(data.replace(b"+", b" "))


def rawurldecode(data: bytes) -> bytes:
    """`rawurldecode`: `%XX` its byte, `+` stays."""
    return urllib.parse.unquote_to_bytes(data)


def stripslashes(data: bytes) -> bytes:
    """`stripslashes`: a backslash escapes the next byte (`\\0` becomes NUL); a lone final one goes."""
    out = bytearray()
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == 0x5C:
            i += 1
            if i < len(data):
                out.append(0 if data[i] == 0x30 else data[i])
        else:
            out.append(byte)
        i += 1
    return bytes(out)


def _cp_allowed_html401(cp: int) -> bool:
    """php-src html.c unicode_cp_is_allowed for the HTML 4.01 document type."""
    return (
        0x20 <= cp <= 0x7E
        or cp in (0x09, 0x0A, 0x0D)
        or 0xA0 <= cp <= 0xD7FF
        or (0xE000 <= cp <= 0x10FFFF and (cp & 0xFFFF) < 0xFFFE and not 0xFDD0 <= cp <= 0xFDEF)
    )


def _numeric_entity(data: bytes, start: int) -> tuple[int | None, int]:
    """The code point of `&#...;` whose digits start at `start`, and where scanning stopped."""
    hexadecimal = start < len(data) and data[start] in b"xX"
    pos = start + 1 if hexadecimal else start
    found = (_HEX if hexadecimal else _DECIMAL).match(data, pos)
    if found is None:
        return None, pos
    end = found.end()
    if end >= len(data) or data[end] != 0x3B:  # ';'
        return None, end
    digits = found.group(1) if hexadecimal else found.group(0)
    value = int(digits, 16 if hexadecimal else 10)
    return (value if value <= 0x10FFFF else None), end


def html_entity_decode(data: bytes) -> bytes:
    """`html_entity_decode($s, ENT_QUOTES)` with UTF-8, HTML 4.01: only complete entities ending in `;`
    (so `&amp` stays), the 252 HTML 4.01 names (so `&apos;` stays), numeric ones for code points the
    document type allows (`&#0;` and `&#xD800;` stay); other bytes, valid UTF-8 or not, pass through."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        if data[i] != 0x26 or i + 3 >= n:  # '&' followed by at least three bytes
            out.append(data[i])
            i += 1
            continue
        if data[i + 1] == 0x23:  # '#'
            cp, stop = _numeric_entity(data, i + 2)
            if cp is None or not _cp_allowed_html401(cp):
                out += data[i:stop]
                i = stop
                continue
        else:
            name = _ENTITY_NAME.match(data, i + 1)
            stop = name.end() if name else i + 1
            cp = _HTML401_ENTITIES.get(name.group(0)) if name else None
            if cp is None or stop >= n or data[stop] != 0x3B:
                out += data[i:stop]
                i = stop
                continue
        out += chr(cp).encode("utf-8", "surrogatepass")
        i = stop + 1
    return bytes(out)


def _utf8_lead(byte: int) -> bool:
    return byte < 0x80 or 0xC2 <= byte <= 0xF4


def _utf8_trail(byte: int) -> bool:
    return 0x80 <= byte <= 0xBF


def next_utf8_char(data: bytes, pos: int) -> tuple[bool, int]:
    """php-src html.c get_next_char for UTF-8: (valid, next position). An invalid sequence is skipped
    as PHP skips it, which decides how many U+FFFD ENT_SUBSTITUTE writes."""
    avail = len(data) - pos
    c = data[pos]
    if c < 0x80:
        return True, pos + 1
    need = 2 if 0xC2 <= c < 0xE0 else 3 if 0xE0 <= c < 0xF0 else 4 if 0xF0 <= c < 0xF5 else 0
    if need == 0:
        return False, pos + 1
    if avail < need or not all(_utf8_trail(b) for b in data[pos + 1 : pos + need]):
        # Skip up to the first byte that is missing or could start a character.
        for k in range(1, need):
            if avail < k + 1 or _utf8_lead(data[pos + k]):
                return False, pos + k
        return False, pos + need
    if need == 3:
        cp = ((c & 0x0F) << 12) | ((data[pos + 1] & 0x3F) << 6) | (data[pos + 2] & 0x3F)
        if cp < 0x800 or 0xD800 <= cp <= 0xDFFF:  # overlong, or a surrogate
            return False, pos + 3
    elif need == 4:
        cp = ((c & 0x07) << 18) | ((data[pos + 1] & 0x3F) << 12) | ((data[pos + 2] & 0x3F) << 6)
        if not 0x10000 <= cp | (data[pos + 3] & 0x3F) <= 0x10FFFF:
            return False, pos + 4
    return True, pos + need


_SPECIALS = {
    0x26: b"&amp;",
    0x22: b"&quot;",
    0x27: b"&#039;",
    0x3C: b"&lt;",
    0x3E: b"&gt;",
}


def htmlspecialchars(data: bytes, *, substitute: bool = False) -> bytes:
    """`htmlspecialchars($s, ENT_QUOTES)` (UTF-8, double encoding): "" when the input holds invalid UTF-8;
    with `substitute` (ENT_SUBSTITUTE) each invalid sequence becomes U+FFFD instead."""
    out = bytearray()
    pos = 0
    while pos < len(data):
        valid, nxt = next_utf8_char(data, pos)
        if not valid:
            if not substitute:
                return b""
            out += REPLACEMENT
        elif nxt == pos + 1 and data[pos] in _SPECIALS:
            out += _SPECIALS[data[pos]]
        else:
            out += data[pos:nxt]
        pos = nxt
    return bytes(out)


def strip_tags(data: bytes) -> bytes:
    """`strip_tags($s)` with no allowed tags: PHP 8's state machine (php-src string.c
    php_strip_tags_ex). A `<` followed by white space is text; a tag runs to its `>` outside quotes,
    counting nested `<`; `<?` runs to `?>`, `<!--` to `-->`, other `<!` to `>`; NUL bytes go."""
    out = bytearray()
    n = len(data)
    state, depth, in_q, p = 0, 0, 0, 0
    lc, br, is_xml = 0, 0, False

    def at(k: int) -> int:
        return data[k] if 0 <= k < n else 0

    while p < n:
        c = data[p]
        if state == 0:
            if c == 0x3C:  # '<' (no quotes are open outside a tag)
                if at(p + 1) and at(p + 1) in _C_SPACE:
                    out.append(c)
                else:
                    lc, state = 0x3C, 1
            elif c == 0x3E:  # '>'
                if depth:
                    depth -= 1
                elif not in_q:
                    out.append(c)
            elif c != 0:
                out.append(c)
        elif state == 1:  # inside a tag
            if c == 0x3C and not in_q:
                if not (at(p + 1) and at(p + 1) in _C_SPACE):
                    depth += 1
            elif c == 0x3E:
                if depth:
                    depth -= 1
                elif not in_q and not (is_xml and at(p - 1) == 0x2D):
                    lc, in_q, state, is_xml = 0x3E, 0, 0, False
            elif c in (0x22, 0x27):
                if p != 0 and (not in_q or c == in_q):
                    in_q = 0 if in_q else c
            elif c == 0x21 and at(p - 1) == 0x3C:  # '<!'
                state, lc = 3, c
            elif c == 0x3F and at(p - 1) == 0x3C:  # '<?'
                br, state = 0, 2
        elif state == 2:  # <? ... ?>
            state, lc, br, depth, in_q, is_xml = _php_block(data, p, lc, br, depth, in_q)
        elif state == 3:  # <! ... >
            if c == 0x3E:
                if depth:
                    depth -= 1
                elif not in_q:
                    in_q, state = 0, 0
            elif c in (0x22, 0x27):
                if p != 0 and at(p - 1) != 0x5C and (not in_q or c == in_q):
                    in_q = 0 if in_q else c
            elif c == 0x2D and at(p - 1) == 0x2D and at(p - 2) == 0x21:  # '<!--'
                state = 4
            elif c in b"Ee" and p > 6 and data[p - 6 : p].lower() == b"doctyp":
                state = 1
        elif state == 4 and c == 0x3E and not in_q and at(p - 1) == 0x2D and at(p - 2) == 0x2D:
            in_q, state = 0, 0
        p += 1
    return bytes(out)


def _php_block(
    data: bytes, p: int, lc: int, br: int, depth: int, in_q: int
) -> tuple[int, int, int, int, int, bool]:
    """One byte of strip_tags' `<?` state: (state, lc, br, depth, in_q, is_xml) after it."""
    c = data[p]
    prev = data[p - 1] if p > 0 else 0
    if c == 0x28 and lc not in (0x22, 0x27):  # '('
        return 2, 0x28, br + 1, depth, in_q, False
    if c == 0x29 and lc not in (0x22, 0x27):  # ')'
        return 2, 0x29, br - 1, depth, in_q, False
    if c == 0x3E:
        if depth:
            return 2, lc, br, depth - 1, in_q, False
        if not in_q and not br and lc != 0x22 and prev == 0x3F:
            return 0, lc, br, depth, 0, False
        return 2, lc, br, depth, in_q, False
    if c in (0x22, 0x27) and p >= 1 and prev != 0x5C:
        if lc == c:
            lc = 0
        elif lc != 0x5C:
            lc = c
        if not in_q or c == in_q:
            in_q = 0 if in_q else c
        return 2, lc, br, depth, in_q, False
    if c in b"lL" and p > 4 and data[p - 4 : p].lower() == b"<?xm":
        return 1, lc, br, depth, in_q, True
    return 2, lc, br, depth, in_q, False


_NUMERIC = re.compile(rb"[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*")


def is_numeric(data: bytes) -> bool:
    """PHP 8's numeric string: optional white space, sign, digits with a decimal point or exponent,
    optional trailing white space."""
    return _NUMERIC.fullmatch(data) is not None


def loose_equals(a: bytes, b: bytes) -> bool:
    """PHP 8 `$a == $b` for two strings: as numbers when both are numeric strings, else byte for byte
    (so `"1.0" == "1"` and `" 1" == "1"`)."""
    if is_numeric(a) and is_numeric(b):
        return float(a) == float(b)
    return a == b


def php_string(value: object) -> str:
    """A scalar of PHP's json_decode as PHP turns it into a string: null and false are "", true is
    "1", a whole float loses its ".0" (json_decode reads 2.0 as a float, which PHP writes as 2)."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
