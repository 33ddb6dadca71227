"""Reading the `data` of REDCap's user, role and DAG imports (json, csv, xml) as `API/user/import.php`
reads it, and the small PHP conversions their checks make.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`): `Classes/RestUtility.php`:180-203 (a JSON `data` that
does not decode is refused before any method: "The data being imported is not formatted correctly.
PHP error from JSON decoder: ..."), `API/user/import.php`:28-62 (json_decode, Records::xmlDecode with
`<users><item>`, csvToArray with `forms` as `form:right,form:right`), `Config/init_functions.php`
isinteger (:5188). Facts only: no REDCap code is copied.
"""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree

from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.methods.export_format import not_implemented
from fake_redcap.methods.record_import import _parse_csv
from fake_redcap.php import php_string

# A decoded item: scalar values as PHP strings; `forms` / `forms_export` as form -> right when given
# as an array (a JSON object, nested XML, or the CSV's "form:right,..." list).
Item = dict[str, "str | dict[str, str]"]

NOT_IN_FORMAT = "The data is not in the specified format."  # data_import_tool_200
JSON_NOT_DECODED = (  # RestUtility.php:184
    "The data being imported is not formatted correctly. PHP error from JSON decoder: {error}. The JSON "
    "must be in an array, as in [{{ ... }}]."
)
FORM_LISTS = ("forms", "forms_export")


class NotInFormat(Exception):
    """putItems returns data_import_tool_200 as the answer's body, with status 200."""


_INTEGER = re.compile(r"[-+]?\d+")


def isinteger(text: str) -> bool:
    """REDCap's isinteger (V15 init_functions.php:5188): trimmed, digits with an optional sign, no
    leading zero (but "0")."""
    text = text.strip(" \t\n\r\0\x0b")
    if not _INTEGER.fullmatch(text):
        return False
    digits = text.lstrip("+-")
    return digits == "0" or not digits.startswith("0")


def read_items(data: str, fmt: ReturnFormat, root: str) -> list[Item]:
    """The items of an import, in order. Raises NotInFormat where putItems answers data_import_tool_200
    with status 200, ApiError where REDCap answers an error."""
    if fmt == ReturnFormat.JSON:
        return _json_items(data)
    if fmt == ReturnFormat.XML:
        return _xml_items(data, root)
    rows = _parse_csv(data.replace("&#10;", "\n").replace("&#13;", "\r"), ",")
    items: list[Item] = []
    for row in rows:
        item: Item = dict(row)
        for name in FORM_LISTS:
            text = row.get(name, "")
            if text != "":
                item[name] = _form_pairs(text)
        items.append(item)
    return items


def _form_pairs(text: str) -> dict[str, str]:
    """`form:right,form:right` (import.php:44-50): a pair without ':' has no right (PHP's null)."""
    pairs: dict[str, str] = {}
    for pair in text.split(","):
        form, _, level = pair.partition(":")
        pairs[form] = level
    return pairs


def _json_items(data: str) -> list[Item]:
    try:
        decoded = json.loads(data)
    except ValueError:
        raise ApiError(400, JSON_NOT_DECODED.format(error="Syntax error")) from None
    if decoded is None or decoded == "" or decoded is False:
        raise NotInFormat
    if not isinstance(decoded, list) or not all(isinstance(item, dict) for item in decoded):
        # Not determined: REDCap hands any decoded value to uploadUsers / uploadUserRoles / the DAG and
        # mapping imports, whose foreach then indexes each element as an array; a scalar element is a
        # TypeError ("Cannot access offset of type string on string") or a silent null by PHP version
        # and by whether each access is guarded (isset / ??), read method by method; not traced yet.
        raise not_implemented("a user, role or DAG import whose JSON is not a list of objects")
    items: list[Item] = []
    for raw in decoded:
        item: Item = {}
        for key, value in raw.items():
            if key in FORM_LISTS and isinstance(value, dict):
                item[key] = {str(f): php_string(v) for f, v in value.items()}
            elif isinstance(value, (list, dict)):
                # Not determined: a nested array where the import expects a string reaches PHP string
                # functions (trim, strtolower, db_escape) in each method; not traced method by method.
                raise not_implemented(f"a user, role or DAG import with a nested value in {key!r}")
            else:
                item[str(key)] = php_string(value)
        items.append(item)
    return items


def _xml_items(data: str, root: str) -> list[Item]:
    if "<!DOCTYPE" in data.upper() or "<!ENTITY" in data.upper():
        # Not determined: simplexml_load_string (no LIBXML_NOENT) keeps entity references, which
        # json_encode of the SimpleXMLElement then drops or keeps by libxml's version; not reproduced.
        raise not_implemented("a user, role or DAG import of XML with a DOCTYPE")
    try:
        tree = ElementTree.fromstring(data.strip(" \t\n\r\0\x0b"))
    except ElementTree.ParseError:
        # XML that does not parse: Records::xmlDecode returns array() (V15 Records.php:4860-4886; its
        # error list stays empty: the caller's `$error_arr` is an empty array, which is falsy), so
        # RestUtility.php:190's `$content == ''` is false in PHP (an array never equals a string) and
        # nothing is refused there; each import's own xmlDecode then finds no `<root><item>` and
        # answers data_import_tool_200 with status 200 (API/user/import.php:33-34, userRole/import.php:
        # 33-34, dag/import.php:35-36, userRoleMapping and userDagMapping/import.php:32-33). libxml's
        # warnings are not shown: System::setErrorReporting sets error_reporting(0) (System.php:90).
        raise NotInFormat from None
    items = tree.findall("item") if tree.tag == root else []
    if not items:
        raise NotInFormat
    result: list[Item] = []
    for element in items:
        item: Item = {}
        for child in element:
            if len(child):
                item[child.tag] = {sub.tag: sub.text or "" for sub in child}
            else:
                item[child.tag] = child.text or ""
        result.append(item)
    return result
