"""`MetaData::error_checking` (V15 `Classes/MetaData.php`:758-1955) as Import Metadata runs it
(`$appendFields` false, `$ignoreIllegalVariables` false): field names, form names, field types, choices
and calculations. The later columns (validation, identifiers, branching logic, required, alignment,
matrix groups) are in `metadata_columns.py`.

Each check corrects the dictionary in place where REDCap does (names lower-cased, legacy types and
validations renamed, bad flags blanked, ...) and collects errors under REDCap's own `$errors_array`
key; PHP keeps the keys in the order each was first set, and `API/metadata/import.php` joins the
messages with "\\n" and passes them through strip_tags, which `Found.messages` does too (the items keep
REDCap's `<b>`/`<br>` markup until then, so a value with a `<` in it loses what REDCap's loses). Texts
from V15 `LanguageUpdater/English.ini`. V13.6.1 and V14.5.11 read the same. Facts only: no REDCap code.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from fake_redcap import logic_syntax
from fake_redcap.escape import rcview_escape
from fake_redcap.methods.export_format import not_implemented, php_trim
from fake_redcap.methods.record_import import RESERVED as RESERVED_NAMES
from fake_redcap.model import Project
from fake_redcap.php import from_bytes, is_numeric, strip_tags, to_bytes

Table = list[dict[str, str]]

# English.ini (V15) database_mods_*, tags removed as strip_tags removes them.
DUPLICATED = (
    "The following variable/field names were duplicated. Please rename these field names so that they only "
    "appear once."
)
NAME_MISSING = "Each row MUST have a variable/field name, but the following cells have a field name missing: "
STARTS_WITH_NUMBER = (
    "Variables/field names cannot begin with a number. Remove the numeral from the beginning of the "
    "following field names:"
)
TRIPLE_UNDERSCORE = (
    "Variables/field names cannot have a triple underscore (___). Remove the triple underscore from the "
    "following field names:"
)
STARTS_WITH_UNDERSCORE = (
    "Variables/field names cannot begin with an underscore character. Remove the underscore character from "
    "the beginning of the  following field names:"
)
ENDS_WITH_UNDERSCORE = (
    "Variables/field names cannot end with an underscore character. Remove all underscores from the end of "
    "the following field names:"
)
TOO_LONG = "Variables/field names cannot be more than 100 characters in length. " + (
    "Shorten the following variable names:"
)
RESERVED = (
    "This is an illegal variable name and cannot be used. Please change the variable name in the following "
    "cells: "
)
FORM_MISSING = "Each row MUST have a form name, but the following cells have a form name missing: "
NOT_SEQUENTIAL = (
    "Form names must be sequential and cannot repeat again after being used for another form. Rename the "
    "following form names  beginning with the values listed below:"
)
FORM_TOO_LONG = "Form names cannot be more than 64 characters in length. Shorten the following form names:"
STATUS_NAME = (
    "Variables/field names cannot be named [form_name]+'_complete', in which [form_name] corresponds to an "
    "existing Form Name  in column B. Please change the following variable names:"
)
TYPES = (
    "text",
    "notes",
    "radio",
    "dropdown",
    "calc",
    "file",
    "checkbox",
    "yesno",
    "truefalse",
    "descriptive",
)
BAD_TYPE = (
    "The only valid field types are "
    + ", ".join((*TYPES, "slider"))
    + " and must all be lower-case. The following are invalid field types listed in your data dictionary:"
)
TYPE_MISSING = "Each row MUST have a field type, but the following cells have a field type missing: "
CALC_MISSING = (  # database_mods_37
    "Each 'calc' field must have an equation in column F, but the following cells have an equation missing: "
)
CALC_SYNTAX = "There is a syntactical error in the 'calc' field equation for the following cells: "  # _38
CHOICES_MISSING = (  # database_mods_39
    "Each multiple choice field (radio, drop-down, checkbox, etc.) must have choices listed in column F, but "
    "the following  cells have choices missing: "
)
CHOICE_DUPLICATED = (  # database_mods_40
    "Multiple choice fields have been found where a coded value is duplicated in the choices column (F). All "
    "multiple choice fields  must have a unique coded value for every option. Please remove any duplications "
    "for the coded values in the following cells: "
)
SQL_NEW = (  # database_mods_41
    "For security purposes, 'sql' field types can ONLY be added or modified by REDCap administrators. You "
    "may continue the upload  if you remove the variables listed below, or you may ask a REDCap "
    "administrator to look them over to approve them and  then upload this data dictionary for you."
)
SQL_CHANGED = (  # database_mods_42
    "It appears that you have modified an 'sql' field. For security purposes, 'sql' field types can ONLY be "
    "added or modified by  REDCap administrators. For the variables listed below, you will need to either "
    "set the field's value in column F back  to its existing value in your data dictionary or ask a REDCap "
    "administrator to look them over to approve them  and then upload this data dictionary for you."
)
CHOICE_CODE_BAD = (  # database_mods_154
    "Multiple choice fields can only have coded values (in the choices in column F) that are numeric or  "
    "alpha-numeric (lower case or upper case, with or without underscores), thus they cannot have codings "
    "that contain spaces or other characters.  Please make the following corrections: "
)
SUGGESTION = "Suggestion: replace with"  # database_mods_33
CALC_FIELDS_MISSING = (  # database_mods_45
    "There are variables used in calculated field equation(s) that are not listed as real variables in "
    "column A. All variables used  in calculations must exist in column A. Below are the variables not found "
    "in column A."
)
CALC_FUNCTIONS = (  # design_447
    "There are custom functions used in some calc field equations that are not official REDCap functions and "
    "are thus not allowed. These unrecognized functions must be removed from the calc field equation. Below "
    "are the functions found that are not allowed."
)
CALC_SYNTAX_ERRORS = (  # design_449
    "There are syntax errors in some calc field equations. This may occur if illegal characters or illegal "
    "functions are used in the calc field equation. Please remove all syntax errors. Below are the calc "
    "fields that contain syntax errors in their equation."
)
SLIDER_BOUND = (  # design_940
    "The custom min/max value of a slider must be an integer (positive or negative) or a blank value."
)

_ALL_TYPES = (*TYPES, "slider", "sql", "advcheckbox")
_LEGACY = {"textarea": "notes", "select": "dropdown"}
_NO_CHOICES = ("textarea", "notes", "file", "yesno", "truefalse", "descriptive")
_CHOICE_TYPES = ("select", "radio", "dropdown", "checkbox")
_CODE = re.compile(r"[a-zA-Z0-9._\-]+")


def _br(prefix: str) -> Callable[[list[str]], str]:
    return lambda items: f"{prefix}<br>" + "<br>".join(items)


def _comma(prefix: str, end: str = "") -> Callable[[list[str]], str]:
    return lambda items: prefix + ", ".join(items) + end


# How each $errors_array key is written out (MetaData.php, after each loop).
RENDER: dict[int, Callable[[list[str]], str]] = {
    1: lambda items: DUPLICATED + "".join(f"<br>{i}" for i in items),
    2: _comma(NAME_MISSING, "."),
    3: _br(STARTS_WITH_NUMBER),
    10: _br(STARTS_WITH_UNDERSCORE),
    26: _br(TRIPLE_UNDERSCORE),
    50: _br(ENDS_WITH_UNDERSCORE),
    11: _br(TOO_LONG),
    22: _comma(RESERVED),
    5: _comma(FORM_MISSING, "."),
    8: _br(NOT_SEQUENTIAL),
    12: _br(FORM_TOO_LONG),
    24: _br(STATUS_NAME),
    9: lambda items: (
        "The only valid field types are <u>"
        + "</u>, <u>".join((*TYPES, "slider"))
        + "</u> and must all be lower-case. The following are invalid field types listed in your data "
        "dictionary:<br>" + "<br>".join(items)
    ),
    13: _comma(TYPE_MISSING, "."),
    14: _comma(CALC_MISSING),
    15: _comma(CALC_SYNTAX),
    18: _comma(CHOICES_MISSING),
    25: _comma(CHOICE_DUPLICATED),
    28: _br(SQL_NEW),
    29: _br(SQL_CHANGED),
    27: lambda items: f"{CHOICE_CODE_BAD} <br>" + "<br>".join(items),
    21: _br(CALC_FIELDS_MISSING),
    37: _br(CALC_FUNCTIONS),
    38: _br(CALC_SYNTAX_ERRORS),
    48: _br(SLIDER_BOUND),
    49: _br(SLIDER_BOUND),
}


class Found:
    """`$errors_array`: each key's items, keys in the order first set."""

    def __init__(self) -> None:
        self.items: dict[int, list[str]] = {}
        self.render: dict[int, Callable[[list[str]], str]] = dict(RENDER)

    def add(self, key: int, item: str) -> None:
        self.items.setdefault(key, []).append(item)

    def messages(self) -> list[str]:
        """implode("\\n") then strip_tags, as API/metadata/import.php sends them: one per line."""
        joined = "\n".join(self.render[key](items) for key, items in self.items.items())
        return [from_bytes(strip_tags(to_bytes(joined)))] if self.items else []


def check_names(found: Found, table: Table, project_forms: tuple[str, ...]) -> None:
    """## FIELD NAMES (:807-934): the first name is the record ID field (its section header cleared);
    names corrected (lower case, spaces and double underscores made single underscores, other
    characters dropped), then checked; duplicates listed after the rest (errors_array[1] is set last)."""
    first_name = ""
    suffixed: list[tuple[int, str]] = []
    # $extra_reserved_field_names (:781-790): the survey timestamp and return code pseudo-fields of the
    # project's forms as they are before the import ($Proj->forms).
    pseudo = {f"{form}{suffix}" for form in project_forms for suffix in ("_timestamp", "_return_code")}
    for row, line in enumerate(table, start=2):
        name = line["field_name"]
        if name and not first_name:
            first_name = name
            line["section_header"] = ""
        elif not name:
            found.add(2, f"<b>A{row}</b>")
        if (name != re.sub(r"[^a-z_0-9]", "", name) or "__" in name) and "___" not in name:
            name = re.sub(r"[^a-z_0-9]", "", name.lower().replace(" ", "_").replace("__", "_"))
            line["field_name"] = name
        shown = f"<b>{rcview_escape(name)} (A{row})</b>"
        if name[:1].isdigit():
            found.add(3, shown)
        if name.startswith("_"):
            found.add(10, shown)
        if "___" in name:
            found.add(26, shown)
        if name.endswith("_"):
            found.add(50, shown)
        if len(to_bytes(name)) > 100:
            found.add(11, shown)
        if name in RESERVED_NAMES or name in pseudo:
            found.add(22, f"<b>A{row}</b>")
        if name.endswith("_complete"):
            suffixed.append((row, name[:-9]))
    names = [line["field_name"] for line in table]
    for i, name in enumerate(names, start=2):
        if name in names[: i - 2]:
            found.add(1, f"<b>{rcview_escape(name)} (A{i})</b>")
    forms = _check_forms(found, table)
    for row, form in suffixed:
        if form in forms:
            found.add(24, f"<b>{form}_complete (A{row})</b>")


def _check_forms(found: Found, table: Table) -> dict[str, None]:
    """## FORM NAMES (:936-1013): blank, over 64 bytes, corrected, not sequential. The forms in order."""
    forms: dict[str, None] = {}
    previous = ""
    for row, line in enumerate(table, start=2):
        form = line["form_name"]
        if form == "":
            found.add(5, f"<b>B{row}</b>")
        if len(to_bytes(form)) > 64:
            found.add(12, f"<b>{rcview_escape(form)} (A{row})</b>")
        squeezed = form.replace(" ", "").replace("_", "").strip()
        if form != re.sub(r"[^a-z_0-9]", "", form) or form[:1].isdigit() or squeezed.isdigit():
            form = _corrected_form(form)
            line["form_name"] = form
        if previous and previous != form and form in forms:
            found.add(8, f"<b>{rcview_escape(form)} (B{row})</b>")
        forms[form] = None
        previous = form
    return forms


def _corrected_form(form: str) -> str:
    text = re.sub(r"[^a-z_0-9]", "", form.lower().replace(" ", "_"))
    while "__" in text:
        text = text.replace("__", "_")
    text = text.strip("_").lstrip("0123456789").lstrip("_")
    if text == "" or text[:1].isdigit():
        # Still blank or a digit first: the first four letters of the name's MD5 (digits removed) in front
        # (V15 MetaData.php:977-980).
        digest = hashlib.md5(text.encode("utf-8", "surrogateescape")).hexdigest()
        text = re.sub(r"[0-9]", "", digest)[:4] + text
    return text


def check_types(found: Found, table: Table, project: Project, super_user: bool) -> None:
    """## FIELD TYPES AND CHOICES/CALCULATIONS (:1030-1282): the first field made text; per row the
    blank and unknown types, legacy types renamed, calc equations, sql fields (administrators only),
    slider bounds, then the choices of multiple choice fields."""
    if table and table[0]["field_type"] != "text":
        table[0]["field_type"] = "text"  # warning 16 (database_mods_109)
    names = [line["field_name"] for line in table]
    status_fields = [f"{form}_complete" for form in dict.fromkeys(line["form_name"] for line in table)]
    for row, line in enumerate(table, start=2):
        ftype = line["field_type"]
        if ftype == "":
            found.add(13, f"<b>D{row}</b>")
        if ftype in _NO_CHOICES:
            line["select_choices_or_calculations"] = ""
        if ftype in _LEGACY:
            line["field_type"] = ftype = _LEGACY[ftype]
        elif ftype not in _ALL_TYPES:
            found.add(9, f"<b>{rcview_escape(ftype)} (D{row})</b>")
        elif ftype == "calc":
            _check_calc(found, line, row, (names, status_fields))
            if not super_user:
                check_parses(found, (38, "F", row), line, _old_equation(project, line["field_name"]))
        elif ftype == "advcheckbox":
            raise not_implemented("content=metadata import with an advcheckbox field")
        elif ftype == "sql":
            _check_sql(found, line, row, project, super_user)
        elif ftype == "slider":
            for column, key, cell in (("text_validation_min", 48, "I"), ("text_validation_max", 49, "J")):
                if line[column] != "" and not _isinteger(line[column]):
                    found.add(key, f"<b>{line['field_name']} ({cell}{row})</b>")
        _check_choices(found, line, row, ftype)


def _check_calc(found: Found, line: dict[str, str], row: int, known: tuple[list[str], list[str]]) -> None:
    """A calc needs an equation (14); brackets and parentheses must pair up (15), else the equation is
    cleaned of spaces and other characters inside [] (cleanBranchingOrCalc); every [field] must be a
    field of column A or a form status field (21). The equation is then stored trimmed, line breaks as
    "\\n". (LogicParser's syntax check, 38, follows for users who are not super users.)"""
    equation = line["select_choices_or_calculations"]
    formatted = remove_comments(equation)
    if php_trim(formatted) == "":
        found.add(14, f"<b>F{row}</b>")
    elif not balanced(formatted, quotes=False):
        found.add(15, f"<b>F{row}</b>")
    else:
        equation = clean_logic(equation)
    for name in bracketed_fields(equation):
        if name not in known[0] and name not in known[1]:
            found.add(21, f"<b>{name} (F{row})</b>")
    line["select_choices_or_calculations"] = php_trim(equation.replace("\r\n", "\n").replace("\r", "\n"))


def _old_equation(project: Project, name: str) -> str:
    """The field's equation before the import ($Proj->metadata element_enum; a new field has none)."""
    existing = project.field(name)
    return existing.choices if existing is not None and existing.type == "calc" else ""


def check_parses(found: Found, where: tuple[int, str, int], line: dict[str, str], old: str) -> None:
    """LogicParser's check for a user who is not a super user (:1092-1123 calc, :1640-1672 branching):
    logic it cannot parse is refused (38, 36) unless it is the field's logic from before (warning 25,
    22). Logic the fake cannot decide on answers not implemented, unless it is unchanged."""
    key, cell, row = where
    column = "select_choices_or_calculations" if cell == "F" else "branching_logic"
    logic = line[column]
    if logic == php_trim(old.replace("\r\n", "\n").replace("\r", "\n")):
        return
    try:
        fine = logic_syntax.parses(remove_comments(logic))
    except logic_syntax.Unsupported as problem:
        what = "calc equation" if cell == "F" else "branching logic"
        raise not_implemented(
            f"content=metadata import by a user who is not a super user of a {what} with {problem} (cell "
            f"{cell}{row}: REDCap's LogicParser check is not modelled for it)"
        ) from None
    if not fine:
        found.add(key, f"<b>{line['field_name']} ({cell}{row})</b>")


def _check_sql(found: Found, line: dict[str, str], row: int, project: Project, super_user: bool) -> None:
    """Only administrators add or change an sql field (28 new, 29 changed; for them only a warning)."""
    if super_user:
        return
    name = line["field_name"]
    existing = project.field(name)
    cell = f"<b>{name} (Row {row})</b>"
    if existing is None or existing.type != "sql":
        found.add(28, cell)
    elif _lines(existing.choices.strip()) != _lines(line["select_choices_or_calculations"].strip()):
        found.add(29, cell)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _check_choices(found: Found, line: dict[str, str], row: int, ftype: str) -> None:
    """Multiple choice fields need choices (18); each code (before the first comma, trimmed) must be a
    number or letters, digits, '.', '_', '-' (27, with REDCap's suggestion); no code twice (25)."""
    choices = line["select_choices_or_calculations"]
    if ftype in (*_CHOICE_TYPES, "advcheckbox", "sql") and choices == "":
        found.add(18, f"<b>F{row}</b>")
        return
    if ftype not in _CHOICE_TYPES:
        return
    parts = choices.split("|")
    codes: set[str] = set()
    for part in parts:
        value = php_trim(part.partition(",")[0])
        codes.add(value)
        if not is_numeric(to_bytes(value)) and not _CODE.fullmatch(value):
            suggestion = re.sub(r"[^a-zA-Z0-9._\-]", "", value.replace(" ", "_"))
            if suggestion != value:
                shown = suggestion or "{number value}"
                found.add(27, f'<b>"{value}"</b> (F{row})</b> - {SUGGESTION} <b>"{shown}"</b>')
    if len(codes) < len(parts):
        found.add(25, f"<b>{line['field_name']} (F{row})</b>")


def _isinteger(text: str) -> bool:
    """isinteger() (V15 init_functions.php:5188): trimmed, an optionally signed run of digits, no
    leading zero."""
    value = php_trim(text)
    return re.fullmatch(r"[-+]?\d+", value) is not None and not (value != "0" and value.startswith("0"))


# ---------------------------------------------------------------------------------------------------
# Logic helpers shared with branching logic


def remove_comments(text: str) -> str:
    """LogicParser::removeCommentsAndSanitize (V15 LogicParser.php:147-170): lines starting with // or
    # dropped; `${...}` and `{$...}` lose their `$`."""
    kept = [ln for ln in text.split("\n") if not php_trim(ln).startswith(("//", "#"))]
    result = "\n".join(kept)
    if "$" in result:
        result = re.sub(r"\$(\{.*?\})", r"\1", result, flags=re.S)
        result = re.sub(r"\{\$(.*?)\}", r"\1", result, flags=re.S)
    return result


def balanced(text: str, *, quotes: bool) -> bool:
    """The simple check: as many ( as ), as many [ as ]; for branching also an even count of ' and "."""
    if text.count("(") != text.count(")") or text.count("[") != text.count("]"):
        return False
    return not quotes or (text.count("'") % 2 == 0 and text.count('"') % 2 == 0)


def clean_logic(text: str) -> str:
    """cleanBranchingOrCalc (V15 init_functions.php:1674-1680): inside each [...], spaces and anything
    but letters, digits, : ( ) . , _ - dropped."""
    return re.sub(r"\[[^\[]*\]", lambda m: "[" + re.sub(r"[^a-z0-9:A-Z().,_-]", "", m[0]) + "]", text)


_INSTANCE_WORDS = (
    "previous-instance",
    "current-instance",
    "next-instance",
    "first-instance",
    "last-instance",
)


def bracketed_fields(text: str) -> list[str]:
    """getBracketedFields($val, true, true, true) (V15 init_functions.php:1306-1390): the field of each
    [field] or [event][field] (an instance suffix, the event, a checkbox code and a `:...` suffix
    dropped), kept only when made of lower-case letters, digits, _ and . (smart variables have
    hyphens); in the order PHP's array keys end up in."""
    if php_trim(text) == "":
        return []
    found: dict[str, None] = {}
    for match in re.finditer(r"\[[^\[]*\]\[[^\[]*\]|\[[^\[]*\]", remove_comments(text)):
        inner = php_trim(match[0][1:-1]).replace("][", ".")
        if "]" in inner[1:]:
            inner = inner.split("]", 1)[0]
        if inner == "" or is_numeric(to_bytes(inner)):
            continue
        if "." in inner:
            parts = inner.split(".")
            if is_numeric(to_bytes(parts[-1])) or parts[-1] in _INSTANCE_WORDS:
                parts = parts[:-1]
            inner = ".".join(parts)
        dot, paren = inner.find("."), inner.find("(")
        if dot != -1 and (paren == -1 or dot < paren):
            inner = inner.split(".", 1)[1]
        if inner not in _INSTANCE_WORDS:
            found[inner] = None
    for name in list(found):
        if "(" in name:
            del found[name]
            found[name.split("(", 1)[0]] = None
    for name in list(found):
        short = name.split(".")[1] if "." in name else name
        if ":" in short:
            found.pop(short, None)
            short = short.split(":", 1)[0]
            found[short] = None
        if not re.fullmatch(r"[a-z0-9._]+", short):
            found.pop(short, None)
    return list(found)
