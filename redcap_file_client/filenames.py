"""File names from REDCap's headers: parse them faithfully, then make them safe to use as a path.

REDCap sends `Content-type: <mime>; name="<doc_name>"` with the name in double quotes and *not*
escaped, and PHP appends `;charset=UTF-8` (no space) to `text/*` types (reference
docs/evidence/file-api-behaviour.md §3.1). REDCap's own docs show `name='x.docx'`, other servers send
unquoted names, RFC 5987 `name*=`, or a Content-Disposition. `werkzeug.http.parse_options_header`
and `email.message.Message` both handle the RFC shapes but lose single-quoted names containing `;`
and unescaped quotes inside a name, so this module has a small tolerant parameter parser of its own:
a quote only closes a value when what follows it is the end, or `;` and another `key=` parameter.

The parsed name is the server's text, unsanitised; `sanitise_filename` is the only way it should
reach a path.
"""

from __future__ import annotations

import mimetypes
import os
import re
import unicodedata
import urllib.parse
from collections.abc import Mapping

__all__ = [
    "MAX_NAME_BYTES",
    "fallback_filename",
    "filename_from_headers",
    "parse_header_params",
    "repair_latin1",
    "safe_filename",
    "sanitise_filename",
]

MAX_NAME_BYTES = 200
"""Longest name written, in UTF-8 bytes: below the 255-byte limit of common file systems, with room
for the temporary-file prefix and suffix used while downloading."""

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
# What may follow a closing quote: the end, or `;` and another parameter.
_NEXT_PARAM = re.compile(rf"\s*(?:$|;\s*(?:$|{_TOKEN}\s*=))")
# What ends an unquoted value: the end, or `;` and a parameter these headers really carry. An unquoted
# name may itself hold `;x=` (`name=résumé;v2=final.txt;charset=UTF-8`), so any other key is read as
# part of the value.
_KNOWN_PARAMS = r"(?:charset|name|filename|boundary|format|type|size|(?:creation|modification|read)-date)"
_NEXT_KNOWN_PARAM = re.compile(rf"\s*(?:$|;\s*(?:$|{_KNOWN_PARAMS}(?:\*\d*\*?)?\s*=))", re.IGNORECASE)

_SEPARATORS = re.compile(r"[/\\]")
# Characters Windows refuses in names (`:` would also select a drive or an NTFS stream) and look-alike
# slashes that some tools fold into real separators.
_UNSAFE = re.compile('[<>:"|?*\u2215\u2044\u29f8\u29f9\uff0f\uff3c]')
# Bidirectional and zero-width controls: they make `gpj.exe` display as `exe.jpg`.
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_EDGES = re.compile(r"^[\s.]+|[\s.]+$")
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{dev}{n}" for dev in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"]}
)
_MAX_EXT_BYTES = 32


def repair_latin1(value: str) -> str:
    """Undo the latin-1 decoding that `http.client` applies to every header.

    REDCap writes the name's UTF-8 bytes raw, so `报.pdf` arrives as `æ\\x8a¥.pdf`. When the text
    round-trips (latin-1 encode, UTF-8 decode), the UTF-8 reading is the real one; a genuine latin-1
    name such as `caf\\xe9.pdf` is not valid UTF-8 and is kept as it is.
    """
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def parse_header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split a header such as Content-Type into its main value and its parameters.

    Keys are lower-cased; the first occurrence of a key wins. Values may be double-quoted (with `\\"`
    and `\\\\` escapes), single-quoted, or bare. RFC 2231/5987 extended parameters (`name*=`,
    `name*0*=`...) are decoded and stored under the plain key, where they take precedence.
    """
    main, _, rest = value.partition(";")
    plain: dict[str, str] = {}
    extended: dict[str, dict[int, tuple[str, bool]]] = {}
    i, n = 0, len(rest)
    while i < n:
        while i < n and (rest[i] in "; \t"):
            i += 1
        if i >= n:
            break
        key_end = i
        while key_end < n and rest[key_end] not in "=;":
            key_end += 1
        key = rest[i:key_end].strip().lower()
        if key_end >= n or rest[key_end] == ";":
            i = key_end
            if key:
                plain.setdefault(key, "")
            continue
        i = key_end + 1
        while i < n and rest[i] in " \t":
            i += 1
        raw, i = _read_value(rest, i)
        if not key:
            continue
        match = re.fullmatch(r"(.+?)\*(\d+)?(\*)?", key)
        if match is None:
            plain.setdefault(key, raw)
            continue
        base, index, star = match.groups()
        encoded = star is not None or index is None
        extended.setdefault(base, {}).setdefault(int(index or 0), (raw, encoded))
    for base, parts in extended.items():
        decoded = _decode_extended(parts)
        if decoded is not None:
            plain[base] = decoded
    return main.strip(), plain


def _read_value(text: str, i: int, escapes: bool = True) -> tuple[str, int]:
    """Read one parameter value starting at `text[i]`; return it and the index after it.

    A double-quoted value honours the RFC 9110 escape `\\"`, unless that leaves the quote unterminated.
    REDCap never escapes, so other backslashes are kept as they are and `name="a\\"` is the name `a\\`.
    """
    n = len(text)
    if i < n and text[i] in "\"'":
        quote = text[i]
        out: list[str] = []
        j = i + 1
        while j < n:
            char = text[j]
            if escapes and quote == '"' and char == "\\" and j + 1 < n and text[j + 1] == '"':
                out.append(text[j + 1])
                j += 2
                continue
            if char == quote and _NEXT_PARAM.match(text, j + 1):
                return "".join(out), j + 1
            out.append(char)
            j += 1
        if escapes and quote == '"':
            return _read_value(text, i, escapes=False)
        return "".join(out), n  # unterminated: tolerate, take the rest
    j = i
    while j < n:
        if text[j] == ";" and _NEXT_KNOWN_PARAM.match(text, j):
            break
        j += 1
    return text[i:j].strip(), j


def _decode_extended(parts: dict[int, tuple[str, bool]]) -> str | None:
    """Join RFC 2231 continuations and percent-decode them with the declared charset."""
    if 0 not in parts:
        return None
    first, first_encoded = parts[0]
    charset = "utf-8"
    if first_encoded:
        pieces = first.split("'", 2)
        if len(pieces) == 3:
            charset, _lang, first = pieces
            charset = charset or "utf-8"
    data = bytearray()
    for index in sorted(parts):
        raw, encoded = parts[index]
        if index == 0:
            raw = first
        data += urllib.parse.unquote_to_bytes(raw) if encoded else raw.encode("utf-8")
    try:
        return bytes(data).decode(charset)
    except (LookupError, UnicodeDecodeError):
        return None


def filename_from_headers(headers: Mapping[str, str]) -> str | None:
    """The server's file name, unsanitised: Content-Type `name` first (REDCap's way), then a
    `filename` there, then Content-Disposition `filename`. None when no header names the file."""
    for header, keys in (("Content-Type", ("name", "filename")), ("Content-Disposition", ("filename",))):
        value = headers.get(header)
        if not value:
            continue
        _main, params = parse_header_params(repair_latin1(value))
        for key in keys:
            if params.get(key):
                return params[key]
    return None


def _clean(text: str) -> str:
    """Remove control and invisible characters; replace characters unsafe on some file system."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cc")
    text = _INVISIBLE.sub("", text)
    return _UNSAFE.sub("_", _SEPARATORS.sub("_", text))


def sanitise_filename(name: str | None, *, max_bytes: int = MAX_NAME_BYTES) -> str | None:
    """Make a server-supplied name safe as one path component inside a folder, or None if nothing
    usable is left.

    Only the last path component is kept (`../../x` → `x`, `C:\\\\x` → `x`); control characters are
    removed; characters Windows refuses are replaced with `_`; leading and trailing dots and spaces are
    stripped (so no `.`, `..` or hidden file); Windows device names (`con.txt`) get a `_` prefix; the
    result is cut to `max_bytes` of UTF-8, keeping the extension.
    """
    if max_bytes < 2 * _MAX_EXT_BYTES:
        raise ValueError(f"max_bytes must be at least {2 * _MAX_EXT_BYTES}")
    if not name:
        return None
    name = unicodedata.normalize("NFC", name)
    components = [part for part in _SEPARATORS.split(name) if part.strip()]
    if not components:
        return None
    text = _EDGES.sub("", _clean(components[-1]))
    if not text:
        return None
    text = _truncate(text, max_bytes)
    if text.split(".")[0].rstrip(" ").upper() in _RESERVED:
        text = _truncate("_" + text, max_bytes)
    return text or None


def _truncate(text: str, max_bytes: int) -> str:
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    root, ext = os.path.splitext(text)
    if len(ext.encode("utf-8")) > _MAX_EXT_BYTES:
        root, ext = text, ""
    budget = max_bytes - len(ext.encode("utf-8"))
    cut = root.encode("utf-8")[:budget].decode("utf-8", "ignore")
    return _EDGES.sub("", cut) + ext


def fallback_filename(
    record: str,
    field: str,
    *,
    event: str | None = None,
    repeat_instance: int | None = None,
    mime_type: str | None = None,
    max_bytes: int = MAX_NAME_BYTES,
) -> str:
    """A name built from where the file lives, for when the server's name is missing or unusable:
    `record-<r>[_event-<e>][_instance-<n>]_field-<f>[.ext]`, with the extension guessed from the MIME
    type. Each part is cleaned, so a hostile record ID cannot add a path separator."""
    parts = [f"record-{_clean(record)}"]
    if event is not None:
        parts.append(f"event-{_clean(event)}")
    if repeat_instance is not None:
        parts.append(f"instance-{repeat_instance}")
    parts.append(f"field-{_clean(field)}")
    ext = mimetypes.guess_extension(mime_type, strict=False) if mime_type else None
    name = "_".join(parts) + (ext or "")
    return sanitise_filename(name, max_bytes=max_bytes) or "redcap-file"


def safe_filename(
    name: str | None,
    record: str,
    field: str,
    *,
    event: str | None = None,
    repeat_instance: int | None = None,
    mime_type: str | None = None,
    max_bytes: int = MAX_NAME_BYTES,
) -> str:
    """The sanitised server name, or the fallback name when nothing usable is left."""
    return sanitise_filename(name, max_bytes=max_bytes) or fallback_filename(
        record,
        field,
        event=event,
        repeat_instance=repeat_instance,
        mime_type=mime_type,
        max_bytes=max_bytes,
    )
