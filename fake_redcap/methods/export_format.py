"""How REDCap writes its read-only exports: the content `format`, PHP's fputcsv, json_encode, the
hand-built XML of `API/*/export.php`, and PHP's way of reading list parameters.

Facts only, from V15 (`xOops4/redcap` `html/redcap_v15.7.6/`): `API/index.php` (format rule),
`Classes/RestUtility.php` `sendResponse` (Content-type), and php-src `ext/standard/file.c`
`php_fputcsv` (quoting). No REDCap code is copied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from fake_redcap import messages as msg
from fake_redcap.call import Call
from fake_redcap.errors import ApiError, ReturnFormat, php_json_encode
from fake_redcap.params import ArrayParam, Params
from fake_redcap.php import php_string
from fake_redcap.responses import Reply, text_reply

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" ?>'
Scalar = str | int


def not_implemented(what: str) -> ApiError:
    """The fake's own answer for something REDCap accepts but the fake does not do (never a silent
    success); the same answer `api.method_for` gives for a method the fake lacks."""
    return ApiError(
        400, msg.NOT_IMPLEMENTED_BY_FAKE.format(what=what), headers={msg.NOT_IMPLEMENTED_HEADER: what}
    )


def decoded_string(value: object, nested: str) -> str:
    """A value of a decoded JSON import as PHP reads it (`php.php_string`); a nested array or object,
    which the fake does not follow method by method, answers not implemented naming `nested`."""
    if isinstance(value, (list, dict)):
        raise not_implemented(nested)
    return php_string(value)


def content_format(call: Call) -> ReturnFormat:
    """The export's content format (V15 `API/index.php`): `format` counts only as exactly json, csv or
    odm, anything else is xml. No read-only export of the fake writes ODM."""
    raw = call.params.text("format")
    if raw == "odm":
        content = call.params.text("content")
        raise not_implemented(f"content={content}&format=odm")
    return {"json": ReturnFormat.JSON, "csv": ReturnFormat.CSV}.get(raw, ReturnFormat.XML)


def reply(body: str, fmt: ReturnFormat, call: Call) -> Reply:
    """`RestUtility::sendResponse(200, $content, $format)`: the body as built, `Content-type: <type of
    the content format>; charset=utf-8`."""
    return text_reply(body, fmt, call.profile)


# ---------------------------------------------------------------------------------------------------
# PHP's fputcsv (php-src ext/standard/file.c, php_fputcsv), as REDCap calls it: delimiter ",",
# enclosure '"', escape "" (none). A field is enclosed when it holds the delimiter, the enclosure, a
# newline, a carriage return, a tab or a space; enclosures inside are doubled; every line ends in "\n".

_NEEDS_ENCLOSURE_ANY = re.compile(r'["\n\r\t ]')  # and the delimiter


def csv_field(value: Scalar, delimiter: str = ",") -> str:
    text = str(value)
    if delimiter in text or _NEEDS_ENCLOSURE_ANY.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(values: Iterable[Scalar], delimiter: str = ",") -> str:
    """One fputcsv line, "\\n" included (an empty list writes just the "\\n")."""
    return delimiter.join(csv_field(v, delimiter) for v in values) + "\n"


def csv_text_lines(rows: Iterable[Mapping[str, str]], delimiter: str = ",") -> str:
    """`csv_line` of each row's values, all text: a row none of whose values needs enclosing (the
    joined line holds no enclosure character and only the delimiters put between the values) is
    joined as it is, the others value by value with the same rule as `csv_field`."""
    needs = re.compile(r'["\n\r\t ' + re.escape(delimiter) + "]").search
    lines = []
    for row in rows:
        values = row.values()
        line = delimiter.join(values)
        if line.count(delimiter) != len(values) - 1 or _NEEDS_ENCLOSURE_ANY.search(line):
            line = delimiter.join(['"' + v.replace('"', '""') + '"' if needs(v) else v for v in values])
        lines.append(line)
    return "\n".join(lines) + "\n" if lines else ""


def csv_table(header: Sequence[str], rows: Iterable[Mapping[str, Scalar]]) -> str:
    """A header line then one line per row, as REDCap's fputcsv loops write them (not trimmed)."""
    return csv_line(header) + "".join(csv_line(row.values()) for row in rows)


def php_trim(text: str) -> str:
    """PHP's trim(): strips " \\t\\n\\r\\0\\x0B" from both ends (not every Unicode space)."""
    return text.strip(" \t\n\r\0\x0b")


# ---------------------------------------------------------------------------------------------------
# json_encode and the XML REDCap builds by string concatenation (values are not escaped; non-blank
# values go in CDATA).


def json_body(value: object) -> str:
    return php_json_encode(value)


def nonblank(value: Scalar) -> bool:
    """PHP 8's `$value != ""`: an int is compared as a string, so 0 is not blank."""
    return isinstance(value, int) or value != ""


def xml_element(name: str, value: Scalar, *, cdata: bool = True) -> str:
    if not nonblank(value):
        return f"<{name}></{name}>"
    if cdata:
        return f"<{name}><![CDATA[{value}]]></{name}>"
    return f"<{name}>{value}</{name}>"


def xml_items(root: str, rows: Iterable[Mapping[str, Scalar]], *, trailing_newline: bool = True) -> str:
    """`<?xml ...?>\\n<root>\\n<item>...</item>\\n...</root>\\n`, every non-blank value in CDATA: the
    shape of the instrument, arm, event and metadata exports."""
    items = "".join(
        "<item>" + "".join(xml_element(k, v) for k, v in row.items()) + "</item>\n" for row in rows
    )
    return f"{XML_DECLARATION}\n<{root}>\n{items}</{root}>" + ("\n" if trailing_newline else "")


# ---------------------------------------------------------------------------------------------------
# List parameters: REDCap takes `name[0]=a&name[1]=b` (a PHP array) and, for most methods, also
# `name=a,b` (exploded on commas).


def php_array_values(param: ArrayParam) -> list[str]:
    """The values of a PHP array built from `name[key]=value` pairs, in PHP's order: a repeated key
    replaces its value in place, `name[]` appends."""
    order: list[str] = []
    values: dict[str, str] = {}
    appended = 0
    for key, value in param.items:
        if key == "":
            key = f"\0append{appended}"
            appended += 1
        if key not in values:
            order.append(key)
        values[key] = value
    return [values[k] for k in order]


def list_param(params: Params, name: str) -> tuple[list[str], bool]:
    """(values, given as an array). REDCap's API/index.php turns a missing or empty parameter into an
    empty array; a string is exploded on "," (not trimmed: each method trims, or not, itself)."""
    value = params.get(name)
    if isinstance(value, ArrayParam):
        return php_array_values(value), True
    if value is None or value == "":
        return [], True
    return value.split(","), False


# ---------------------------------------------------------------------------------------------------
# Texts built the way REDCap builds them


def prep_implode(values: Iterable[str]) -> str:
    """REDCap's `prep_implode` (V15 Config/init_functions.php) as it shows in error messages: each value
    with typographic quotes, dashes and ellipses replaced (`replaceMSchars`), escaped like
    mysqli_real_escape_string, wrapped in single quotes, joined by ", "."""
    return ", ".join(f"'{_mysql_escape(_replace_ms_chars(v))}'" for v in values)


_MS_CHARS = {
    "«": "<<",
    "»": ">>",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "‹": "<",
    "›": ">",
    "–": "-",
    "—": "-",
    "…": "...",
}
_MYSQL_ESCAPES = {"\\": "\\\\", "\0": "\\0", "\n": "\\n", "\r": "\\r", "'": "\\'", '"': '\\"', "\x1a": "\\Z"}


def _replace_ms_chars(text: str) -> str:
    return "".join(_MS_CHARS.get(ch, ch) for ch in text)


def _mysql_escape(text: str) -> str:
    return "".join(_MYSQL_ESCAPES.get(ch, ch) for ch in text)


def unique(values: Iterable[str]) -> list[str]:
    """PHP's array_unique: the first of equal values, in order."""
    return list(dict.fromkeys(values))


_PHP_NUMERIC = re.compile(r"[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*")


def php_loose_equals_int(text: str, number: int) -> bool:
    """PHP 8's `"text" == 3`: numeric strings compare as numbers, others as the string "3"."""
    if _PHP_NUMERIC.fullmatch(text):
        return float(text) == number
    return text == str(number)


def php_loose_equals(a: str, b: str) -> bool:
    """PHP 8's `==` between two strings: numerically when both are numeric strings."""
    if _PHP_NUMERIC.fullmatch(a) and _PHP_NUMERIC.fullmatch(b):
        return float(a) == float(b)
    return a == b
