"""The request parameters as PHP's `$_POST` would hold them.

REDCap reads only `$_POST` (reference §1.2): the urlencoded or multipart body, never the query string
and never a JSON body. PHP's parsing rules that a caller can observe are kept: the last of duplicated
keys wins, `name[...]` keys make an array, spaces and dots in a name become `_`, and bytes that are not
UTF-8 reach the code unchanged (kept here as surrogate escapes).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_ARRAY_KEY = re.compile(r"^([^\[]*)\[([^\]]*)\](.*)$", re.DOTALL)


@dataclass(frozen=True)
class ArrayParam:
    """A parameter PHP turned into an array (`field[0]=x`, `record[]=1`)."""

    items: tuple[tuple[str, str], ...]


ParamValue = str | ArrayParam


class Params(Mapping[str, ParamValue]):
    """Read-only `$_POST`."""

    def __init__(self, values: dict[str, ParamValue]) -> None:
        self._values = values

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> Params:
        values: dict[str, ParamValue] = {}
        for raw_key, value in pairs:
            key = raw_key.lstrip(" ")
            m = _ARRAY_KEY.match(key)
            if m and m[1]:
                name = _php_name(m[1])
                current = values.get(name)
                items = current.items if isinstance(current, ArrayParam) else ()
                values[name] = ArrayParam((*items, (m[2], value)))
            elif key:
                values[_php_name(key)] = value
        return cls(values)

    def __getitem__(self, key: str) -> ParamValue:
        return self._values[key]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

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


def _php_name(name: str) -> str:
    # PHP rewrites ' ' and '.' (and an unmatched '[') in variable names to '_'.
    return name.replace(" ", "_").replace(".", "_").replace("[", "_")


def parse_urlencoded(body: bytes) -> list[tuple[str, str]]:
    """`application/x-www-form-urlencoded` as PHP reads it: `&`-separated, `+` is a space, values kept
    byte for byte (invalid UTF-8 as surrogate escapes)."""
    pairs: list[tuple[str, str]] = []
    for piece in body.split(b"&"):
        if not piece:
            continue
        key, _, value = piece.partition(b"=")
        pairs.append((_unquote(key), _unquote(value)))
    return pairs


def _unquote(raw: bytes) -> str:
    data = urllib.parse.unquote_to_bytes(raw.replace(b"+", b" "))
    return data.decode("utf-8", "surrogateescape")


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
