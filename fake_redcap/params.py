"""The request parameters as PHP's `$_POST` would hold them.

REDCap reads only `$_POST` (reference §1.2): the urlencoded or multipart body, never the query string
and never a JSON body. PHP's parsing rules that a caller can observe are kept: the last of duplicated
keys wins, `name[...]` keys make an array, spaces and dots in a name become `_`, and bytes that are not
UTF-8 reach the code unchanged (kept here as surrogate escapes).

PHP's input limits, with php.ini's defaults (observed with php-cgi 8.2 and read in php-src
`main/php_variables.c`, `main/rfc1867.c`):

* `max_input_vars` = 1000. A urlencoded body is read piece by piece (`&`-separated, empty pieces
  included) and parsing stops with a warning once the piece just registered is the 1001st: `$_POST`
  holds the first 1001 pieces (the check follows the insert). A multipart body registers its first 1000
  text parts, drops the others with a warning and goes on reading file parts.
* `max_input_nesting_level` = 64: a key nested deeper (`a[1][2]...[65]`) deletes the whole top-level
  variable `a` (whatever earlier pieces put there) and is itself dropped, with a warning.

Parsing is linear in the body: every piece costs the length of its key and value, whatever came before
(`tests/test_params.py` counts the work done for 100 000 `x[]=` pieces).
"""

from __future__ import annotations

import binascii
import re
import urllib.parse
from collections.abc import ItemsView, Iterable, KeysView, Mapping
from dataclasses import dataclass

MAX_INPUT_VARS = 1000  # php.ini default
MAX_INPUT_NESTING_LEVEL = 64  # php.ini default
_INTEGER_KEY = re.compile(r"-?[1-9][0-9]*|0")  # Zend's ZEND_HANDLE_NUMERIC_STR: "5" is 5, "05" is "05"


@dataclass(frozen=True)
class ArrayParam:
    """A parameter PHP turned into an array (`field[0]=x`, `record[]=1`): its first-level keys and
    values in the order they came (`a[b][c]=v` is the item `("b", "v")`)."""

    items: tuple[tuple[str, str], ...]


ParamValue = str | ArrayParam


class _PhpArray:
    """Only the shape of a PHP array, to count its elements as `count(..., COUNT_RECURSIVE)` does: keys
    (integer-like ones as ints, as PHP's symtable does) and the next free integer index for `[]`."""

    __slots__ = ("children", "next_index")

    def __init__(self) -> None:
        self.children: dict[str | int, _PhpArray | None] = {}
        self.next_index = 0

    def key(self, raw: str | None) -> str | int:
        key: str | int = self.next_index if raw is None else raw
        if raw is not None and len(raw) < 20 and _INTEGER_KEY.fullmatch(raw) and -(2**63) <= int(raw) < 2**63:
            key = int(raw)
        if isinstance(key, int) and key >= self.next_index:
            self.next_index = key + 1
        return key

    def count(self) -> int:
        total = 0
        stack: list[_PhpArray] = [self]
        while stack:
            node = stack.pop()
            total += len(node.children)
            stack.extend(child for child in node.children.values() if child is not None)
        return total


class Params(Mapping[str, ParamValue]):
    """Read-only `$_POST`."""

    def __init__(self, values: dict[str, ParamValue], count_recursive: int | None = None) -> None:
        self._values = values
        self._count = count_recursive

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> Params:
        """`$_POST` from the (name, value) pieces in the order they came. Linear: array items are
        collected in lists and frozen once at the end."""
        scalars: dict[str, str | list[tuple[str, str]]] = {}
        shapes: dict[str, _PhpArray | None] = {}
        for raw_key, value in pairs:
            parsed = _parse_key(raw_key.lstrip(" "))
            if parsed is None:
                continue
            name, indexes = parsed
            if not indexes:
                scalars[name] = value  # an overwrite keeps the key's place, as a PHP array does
                shapes[name] = None
                continue
            if len(indexes) > MAX_INPUT_NESTING_LEVEL:
                scalars.pop(name, None)
                shapes.pop(name, None)
                continue
            current = scalars.get(name)
            if not isinstance(current, list):
                current = []
                scalars[name] = current
            current.append((indexes[0] or "", value))
            shape = shapes.get(name)
            if shape is None:
                shape = shapes[name] = _PhpArray()
            _insert(shape, indexes)
        values: dict[str, ParamValue] = {
            name: ArrayParam(tuple(value)) if isinstance(value, list) else value
            for name, value in scalars.items()
        }
        count = sum(1 + (shape.count() if shape is not None else 0) for shape in shapes.values())
        return cls(values, count)

    def __getitem__(self, key: str) -> ParamValue:
        return self._values[key]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    # Mapping's defaults go through __getitem__ and a try/except; these are the dict's own (the journal,
    # lint and routing read parameters several times per request).
    def __contains__(self, key: object) -> bool:
        return key in self._values

    def get(self, key: str, default: ParamValue | None = None) -> ParamValue | None:  # type: ignore[override]
        return self._values.get(key, default)

    def items(self) -> ItemsView[str, ParamValue]:
        return self._values.items()

    def keys(self) -> KeysView[str]:
        return self._values.keys()

    def count_recursive(self) -> int:
        """PHP's `count($_POST, COUNT_RECURSIVE)`: every variable and every element of every array, at
        every depth (REDCap compares it with `max_input_vars`)."""
        if self._count is not None:
            return self._count
        return sum(1 + (len(v.items) if isinstance(v, ArrayParam) else 0) for v in self._values.values())

    def text(self, name: str) -> str:
        """The value in a string context: missing is "" (PHP null), an array is "Array" (PHP's
        array-to-string conversion)."""
        value = self._values.get(name)
        if value is None:
            return ""
        if isinstance(value, ArrayParam):
            return "Array"
        return value

    def present(self, name: str) -> bool:
        """PHP `isset($_POST[name]) && $_POST[name] != ''`."""
        return self.text(name) != ""

    def is_array(self, name: str) -> bool:
        """Sent as `name[...]`: PHP 8 throws a TypeError where REDCap hands it to a string function or
        uses it as an array key (source audit #21)."""
        return isinstance(self._values.get(name), ArrayParam)

    def db(self, name: str, *, unwrap_one: bool = True) -> str:
        """The value as REDCap's `db_escape` puts it into SQL (V15 Config/init_functions.php:2984-2990):
        `replaceMSchars` first, then `db_real_escape_string` (:486-495), which reads a one-element array
        as its element (REDCap 14+, `unwrap_one`) and any other array as "" (source audit #21, #22)."""
        value = self._values.get(name)
        if isinstance(value, ArrayParam):
            value = value.items[0][1] if unwrap_one and len(value.items) == 1 else ""
        return fold_ms_chars(value or "")


def _insert(shape: _PhpArray, indexes: list[str | None]) -> None:
    """Walk (and make) the nested arrays for one `name[i][j]...` piece; the last key holds a string."""
    node = shape
    for depth, raw in enumerate(indexes):
        key = node.key(raw)
        if depth == len(indexes) - 1:
            node.children[key] = None
            return
        child = node.children.get(key)
        if child is None:
            child = node.children[key] = _PhpArray()
        node = child


def _parse_key(key: str) -> tuple[str, list[str | None]] | None:
    """(variable name, the bracketed keys, `None` for `[]`) as PHP's php_register_variable_ex reads a
    name, or None for a name PHP ignores (empty). One left-to-right pass over the key.

    The name is what comes before the first `[` that has a matching `]`; a `[` without one becomes `_`
    with the rest kept as part of the name. After each `]`, parsing goes on only if `[` follows at once;
    anything else after it is ignored, as PHP does.
    """
    start = key.find("[")
    if start <= 0:
        name = _php_name(key) if start < 0 else ""
        return (name, []) if name else None
    first_close = key.find("]", start + 1)
    if first_close < 0:
        return _php_name(key), []
    name = _php_name(key[:start])
    indexes: list[str | None] = []
    pos = start
    while pos < len(key) and key[pos] == "[":
        if len(indexes) == MAX_INPUT_NESTING_LEVEL:
            indexes.append(None)  # one level too deep: the caller drops the variable, as PHP does
            break
        close = key.find("]", pos + 1)
        if close < 0:
            break  # PHP ignores an unterminated trailing `[...` after the first level
        index = key[pos + 1 : close]
        indexes.append(None if index.strip(" \t\n\r\v\f") == "" and len(index) <= 1 else index)
        pos = close + 1
    return name, indexes


def _php_name(name: str) -> str:
    # PHP rewrites ' ' and '.' (and an unmatched '[') in variable names to '_'.
    return name.replace(" ", "_").replace(".", "_").replace("[", "_")


def parse_urlencoded(body: bytes, max_input_vars: int | None = None) -> list[tuple[str, str]]:
    """`application/x-www-form-urlencoded` as PHP reads it: `&`-separated, `+` is a space, values kept
    byte for byte (invalid UTF-8 as surrogate escapes). With `max_input_vars`, only the first
    `max_input_vars + 1` pieces are read (PHP checks after registering; empty pieces count)."""
    pairs: list[tuple[str, str]] = []
    pieces = body.split(b"&")
    if pieces and not pieces[-1]:
        pieces.pop()  # "a=1&": PHP stops at the end, there is no empty last piece
    if max_input_vars is not None:
        del pieces[max_input_vars + 1 :]
    for piece in pieces:
        if not piece:
            continue
        key, _, value = piece.partition(b"=")
        pairs.append((_unquote(key), _unquote(value)))
    return pairs


def _unquote(raw: bytes) -> str:
    raw = raw.replace(b"+", b" ")
    if b"%" not in raw:
        data = raw
    elif _QP_UNSAFE.search(raw) is None:
        # Every % starts an escape and no = or line break is there: quoted-printable's =XX decoder (in C)
        # then gives exactly unquote_to_bytes' bytes, which loops in Python per escape (a 1 MB
        # urlencoded `data` of an Import Records holds ~10^5 of them).
        data = binascii.a2b_qp(raw.replace(b"%", b"="))
    else:
        data = urllib.parse.unquote_to_bytes(raw)
    return data.decode("utf-8", "surrogateescape")


_QP_UNSAFE = re.compile(rb"%(?![0-9A-Fa-f]{2})|[=\r\n]")


# REDCap's replaceMSchars (V15 Config/init_functions.php:2924-2961, the same table in V7.1.2-V15.7.6):
# "MS Word" characters replaced before every value goes into SQL. No replacement makes a later one match,
# so one translate pass equals PHP's str_replace over the two lists in order.
_MS_CHARS = str.maketrans(
    {
        "\u00ab": "<<",
        "\u00bb": ">>",
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2039": "<",
        "\u203a": ">",
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
    }
)


def fold_ms_chars(text: str) -> str:
    """REDCap's replaceMSchars: curly quotes, guillemets, en/em dashes and the ellipsis as plain ASCII."""
    return text.translate(_MS_CHARS)
