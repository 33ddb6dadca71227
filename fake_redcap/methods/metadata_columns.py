"""`MetaData::error_checking` from column H on (V15 `Classes/MetaData.php`:1323-1856): validation types
and their min/max, identifiers, branching logic, required fields, custom alignment, matrix groups and
matrix ranking, as Import Metadata runs it. Corrections in place, errors into `Found` under REDCap's
keys (see `metadata_checks`). The field annotation check (:1827) only applies outside the API; the
randomization (30, 51) and PROMIS (42, 43) checks need set-ups the fake does not have. Facts only: no
REDCap code is copied.
"""

from __future__ import annotations

import datetime as dt
import re

from fake_redcap.escape import rcview_escape
from fake_redcap.fixture.values import VALIDATIONS
from fake_redcap.methods.export_format import not_implemented, php_trim
from fake_redcap.methods.metadata_checks import (
    Found,
    Table,
    balanced,
    bracketed_fields,
    check_parses,
    clean_logic,
    remove_comments,
)
from fake_redcap.model import Project
from fake_redcap.php import is_numeric, to_bytes
from fake_redcap.validation_types import LEGACY_VAL_TYPES, VAL_TYPES, VISIBLE_VAL_TYPES

# English.ini (V15)
VALIDATION_BAD = (  # database_mods_48, _49
    "The only valid validation types are {types} and must all be lower-case. The following are invalid "
    "validation types in your data dictionary:"
)
VALIDATION_NOT_TEXT = (  # database_mods_50
    "Only 'text' field types may have validation. The following validation types should be removed from your "
    "data dictionary  or else their field type should be changed to 'text': "
)
DATE_BAD = (  # data_import_tool_90
    "Invalid date format. (NOTE: Dates must be imported here only in Y-M-D or M/D/Y format, regardless of "
    "the specific date format designated for this field.)"
)
DATETIME_BAD = (  # data_import_tool_150
    "Invalid datetime format. (NOTE: Dates must be imported here only in Y-M-D H:M[:S] or M/D/Y H:M[:S] "
    "format, regardless of the specific date format designated for this field.)"
)
MIN_BAD = (  # data_import_tool_198
    "Format for the minimum validation value is incorrect because it does not follow the expected format:"
)
MAX_BAD = (  # data_import_tool_199
    "Format for the maximum validation value is incorrect because it does not follow the expected format:"
)
RANGE_WITHOUT_TYPE = (  # data_import_tool_264
    "A field validation type is required in order to have a minimum or maximum validation value. The "
    "following cells are missing a validation type:"
)
BRANCHING_SYNTAX = "There is a syntactical error in the branching logic for the following cells: "  # _53
BRANCHING_FIELDS_MISSING = (  # database_mods_55
    "There are variables used in the branching logic that are not listed as real variables in column A. All "
    "variables used in branching  logic must exist in column A. Below are the variables not found in column "
    "A."
)
BRANCHING_FUNCTIONS = (  # design_442
    "There are custom functions used in some branching logic that are not official REDCap functions and are "
    "thus not allowed. These unrecognized functions must be removed from the branching logic. Below are the "
    "functions found that are not allowed."
)
BRANCHING_SYNTAX_ERRORS = (  # design_444
    "There are syntax errors in some branching logic. This may occur if illegal characters or illegal "
    "functions are used in the branching logic. Please remove all syntax errors. Below are the fields that "
    "contain syntax errors in their branching logic."
)
MATRIX_NAME_LONG = (  # database_mods_121
    "Matrix group names cannot be more than 60 characters in length. Shorten the following matrix group "
    "names:"
)
MATRIX_NOT_SEQUENTIAL = (  # database_mods_122
    "Matrix group names must be sequential and cannot repeat again after being used for another group. "
    "Rename the following matrix group names  beginning with the values listed below:"
)
MATRIX_CHOICES = (  # database_mods_123
    "The cells listed below appear to be in a matrix group, but all the fields in this matrix group do not "
    "have the  same multiple choice options. Please make sure that all fields in this group have the EXACT "
    "same choices in column F."
)
MATRIX_CHOICES_SHOULD_BE = "The choices should be:"  # database_mods_124
MATRIX_TYPE = (  # database_mods_125
    "Fields that are part of a matrix group can ONLY be a radio or checkbox field. The fields below need to "
    "be changed  so that the field is either of those field types."
)
MATRIX_RANKING = (  # database_mods_156
    "If ranking is used for a matrix of fields, each field in the matrix must have the same value (either "
    "'Y' or blank/null)  for the Matrix Ranking column. Listed below are the matrix group names that have "
    "one or more fields in the matrix with a  ranking value that differs from the other fields in the matrix:"
)


def add_renderers(found: Found) -> None:
    """How keys 16-47 and 19-39 are written out (MetaData.php:1563-1590, 1681-1700, 1809-1856)."""
    types = "<u>" + "</u>, <u>".join(VISIBLE_VAL_TYPES) + "</u>"
    found.render.update(
        {
            16: lambda items: VALIDATION_BAD.format(types=types) + "<br>" + "<br>".join(items),
            17: lambda items: VALIDATION_NOT_TEXT + ", ".join(items),
            40: lambda items: f"{DATE_BAD}<br>" + "<br>".join(items),
            41: lambda items: f"{DATETIME_BAD}<br>" + "<br>".join(items),
            45: lambda items: f"{MIN_BAD}<br>" + "<br>".join(items),
            46: lambda items: f"{MAX_BAD}<br>" + "<br>".join(items),
            47: lambda items: f"{RANGE_WITHOUT_TYPE} <b>" + "</b>, <b>".join(items) + "</b>",
            19: lambda items: BRANCHING_SYNTAX + ", ".join(items),
            20: lambda items: f"{BRANCHING_FIELDS_MISSING}<br>" + "<br>".join(items),
            35: lambda items: f"{BRANCHING_FUNCTIONS}<br>" + "<br>".join(items),
            36: lambda items: f"{BRANCHING_SYNTAX_ERRORS}<br>" + "<br>".join(items),
            31: lambda items: f"{MATRIX_NAME_LONG}<br>" + "<br>".join(items),
            32: lambda items: f"{MATRIX_NOT_SEQUENTIAL}<br>" + "<br>".join(items),
            33: lambda items: f"{MATRIX_CHOICES}<br>" + "<br>".join(items),
            34: lambda items: f"{MATRIX_TYPE}<br>" + "<br>".join(items),
            39: lambda items: f"{MATRIX_RANKING}<br>" + ", ".join(items),
        }
    )


# ---------------------------------------------------------------------------------------------------
# ## VALIDATION TYPES (:1323-1591)


# The validations of other field types (:1343-1345): autocomplete drop-downs, signature file fields.
_OTHER_VALIDATIONS = (("dropdown", "autocomplete"), ("sql", "autocomplete"), ("file", "signature"))


def check_validations(found: Found, table: Table) -> None:
    """Bounds need a validation (47); only text, slider, autocomplete and signature fields validate
    (17); text fields' types and bounds checked (see _check_text_validation)."""
    for row, line in enumerate(table, start=2):
        vtype, ftype = line["text_validation_type_or_show_slider_number"], line["field_type"]
        if vtype == "":
            if ftype == "text" and (line["text_validation_min"] != "" or line["text_validation_max"] != ""):
                found.add(47, f"I{row}")
        elif ftype not in ("text", "slider") and (ftype, vtype) not in _OTHER_VALIDATIONS:
            found.add(17, f"<b>H{row}</b>")
        elif ftype == "text":
            _check_text_validation(found, line, row)


def _check_text_validation(found: Found, line: dict[str, str], row: int) -> None:
    """M/D/Y (and M/D/Y H:M[:S]) bounds of date fields made Y-M-D and checked (40, 41); H:M times padded;
    the type lower-cased and legacy names renamed, an unknown type refused (16); other bounds checked
    against the type's format (45, 46; a number passes a number type; "now", "today" and [field] pass)."""
    vtype = line["text_validation_type_or_show_slider_number"]
    for column, cell in (("text_validation_min", "I"), ("text_validation_max", "J")):
        value = line[column]
        if vtype.startswith("datetime"):
            if value != "" and value.find("/") > 0:
                line[column] = _mdy_datetime(value, seconds=vtype.startswith("datetime_seconds"))
                if not _ymd_datetime(line[column], seconds=vtype.startswith("datetime_seconds")):
                    found.add(41, f'<b>"{rcview_escape(value)}"</b> ({cell}{row})</b>')
        elif vtype.startswith("date"):
            if value != "" and value.find("/") > 0:
                line[column] = _mdy_date(value)
                if not _ymd_date(line[column]):
                    found.add(40, f'<b>"{rcview_escape(value)}"</b> ({cell}{row})</b>')
        elif vtype == "time" and value != "" and value.find(":") > 0 and len(to_bytes(value)) < 5:
            line[column] = "0" + value
    if vtype != vtype.lower():
        line["text_validation_type_or_show_slider_number"] = vtype = vtype.lower()  # warning 7
    if vtype in LEGACY_VAL_TYPES:
        line["text_validation_type_or_show_slider_number"] = vtype = LEGACY_VAL_TYPES[vtype]
    elif vtype not in VAL_TYPES:
        found.add(16, f"<b>{rcview_escape(vtype)} (H{row})</b>")
    known = VAL_TYPES.get(vtype)
    data_type = known.data_type if known else None
    if data_type in ("date", "datetime", "datetime_seconds"):
        return
    for column, cell, key in (("text_validation_min", "I", 45), ("text_validation_max", "J", 46)):
        value = line[column]
        if value in ("", "now", "today") or (value.startswith("[") and value.endswith("]")):
            continue
        if data_type == "number" and is_numeric(to_bytes(value)):
            continue
        if known is not None and VALIDATIONS.get(vtype) is None:
            raise not_implemented(f"content=metadata import with a {cell} bound of a {vtype} field")
        check = VALIDATIONS.get(vtype)
        if check is None or not check(value):
            found.add(key, f'<b>"{rcview_escape(value)}"</b> ({cell}{row})</b>')


def _php_int(text: str) -> int:
    match = re.match(r"[ \t\n\r\v\f]*([+-]?\d+)", text)
    return int(match[1]) if match else 0


def _mdy_date(text: str) -> str:
    """`list($mm, $dd, $yyyy) = explode('/', ...)` (no date_format posted through the API: M/D/Y), a
    two-digit year in the 2000s, month and day as sprintf("%02d")."""
    parts = [*text.split("/"), "", ""]
    month, day, year = parts[0], parts[1], parts[2]
    if len(to_bytes(year)) == 2:
        year = "20" + year
    return f"{year}-{_php_int(month):02d}-{_php_int(day):02d}"


def _mdy_datetime(text: str, *, seconds: bool) -> str:
    date, _, time = text.partition(" ")
    if seconds:
        if len(to_bytes(time)) <= 5 and ":" in time:
            time += ":00"  # Excel cut off the seconds
        if len(to_bytes(time)) < 8 and ":" in time:
            time = "0" + time
    elif len(to_bytes(time)) < 5:
        time = "0" + time
    return f"{_mdy_date(date)} {time}"


def _ymd_date(text: str) -> bool:
    """The date_ymd format: four-digit year, two-digit month and day, a real calendar date (the
    format's leap years: every fourth year, centuries only 1600, 2000, 2400, 2800)."""
    match = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", text)
    if match is None:
        return False
    year, month, day = int(match[1]), int(match[2]), int(match[3])
    if (month, day) == (2, 29):
        return (year % 100 != 0 and year % 4 == 0) or match[1] in ("1600", "2000", "2400", "2800")
    try:
        dt.date(2001, month, day)
    except ValueError:
        return False
    return True


def _ymd_datetime(text: str, *, seconds: bool) -> bool:
    date, _, time = text.partition(" ")
    pattern = r"(\d|[01]\d|2[0-3])(:[0-5]\d){2}" if seconds else r"(\d|[01]\d|2[0-3]):[0-5]\d"
    return _ymd_date(date) and re.fullmatch(pattern, time) is not None


# ---------------------------------------------------------------------------------------------------
# ## IDENTIFIERS, BRANCHING LOGIC, REQUIRED FIELDS, CUSTOM ALIGNMENT (:1593-1740)


def _is_y(text: str) -> bool:
    return php_trim(text.lower()) == "y"


def check_flags(found: Found, table: Table) -> None:
    """Identifier, required and matrix ranking: "y" in any case and spacing, anything else blanked
    (warnings 8, 9, 26); descriptive fields are never required (warning 12); an alignment other than
    LV, LH, RV, RH blanked (warning 15)."""
    del found  # only warnings here
    for line in table:
        for column in ("identifier", "required_field", "matrix_ranking"):
            if line[column] != "" and not _is_y(line[column]):
                line[column] = ""
        if line["required_field"] != "" and line["field_type"] in ("descriptive", "advcheckbox"):
            line["required_field"] = ""
        if line["custom_alignment"] not in ("", "LV", "LH", "RV", "RH"):
            line["custom_alignment"] = ""


def check_branching(found: Found, table: Table, project: Project, super_user: bool) -> None:
    """Blank-looking logic made blank; unbalanced (), [], ' or " refused (19), else cleaned inside [];
    every [field] must be in column A or a form status field (20); then, for a user who is not a super
    user, LogicParser's check (36)."""
    names = [line["field_name"] for line in table]
    status_fields = [f"{form}_complete" for form in dict.fromkeys(line["form_name"] for line in table)]
    for row, line in enumerate(table, start=2):
        logic = line["branching_logic"]
        if logic == "":
            continue
        if php_trim(logic) == "":
            line["branching_logic"] = ""
            continue
        if not balanced(remove_comments(logic), quotes=True):
            found.add(19, f"<b>L{row}</b>")
        else:
            line["branching_logic"] = logic = clean_logic(logic)
        for name in bracketed_fields(clean_logic(logic)):
            if name not in names and name not in status_fields:
                found.add(20, f"<b>{name} (L{row})</b>")
        if not super_user:
            existing = project.field(line["field_name"])
            check_parses(found, (36, "L", row), line, existing.branching_logic if existing else "")


# ---------------------------------------------------------------------------------------------------
# ## MATRIX GROUP NAMES and MATRIX RANKING (:1741-1856)


def parse_enum(choices: str) -> list[tuple[str, str]]:
    """parseEnum (V15 init_functions.php:1687-1716) on choices with "|" as the separator: codes and
    labels trimmed, "&#44;" read as a comma, a repeated code's labels joined by ", "; in order."""
    text = php_trim(choices)
    if text == "":
        return []
    result: dict[str, str] = {}
    for part in text.replace("\n", "|").split("|"):
        code, comma, label = part.partition(",")
        code = php_trim(code).replace("&#44;", ",")
        label = php_trim(label if comma else part).replace("&#44;", ",")
        result[code] = f"{result[code]}, {label}" if code in result else label
    return list(result.items())


def check_matrix(found: Found, table: Table) -> None:
    """Group names trimmed, over 60 bytes refused (31), corrected, not sequential refused (32); only
    radio and checkbox fields (34), a field of another of those types made the group's first type
    (warning 19), the same choices as the group's first field (33); one ranking per group (39)."""
    previous = ""
    ranks: dict[str, list[str]] = {}
    types: dict[str, str] = {}
    enums: dict[str, list[tuple[str, str]]] = {}
    for row, line in enumerate(table, start=2):
        group = php_trim(line["matrix_group_name"])
        line["matrix_group_name"] = group
        if len(to_bytes(group)) > 60:
            found.add(31, f"<b>{group} (A{row})</b>")
        if group != re.sub(r"[^a-z_0-9]", "", group):
            group = re.sub(r"[^a-z_0-9]", "", group.lower().replace(" ", "_"))
            while "__" in group:
                group = group.replace("__", "_")
            line["matrix_group_name"] = group = group.strip("_")
        if previous != group and group in ranks:
            found.add(32, f"<b>{group} (P{row})</b>")
        if group != "":
            ranks.setdefault(group, []).append("1" if _is_y(line["matrix_ranking"]) else "0")
            _check_matrix_field(found, line, row, (group, types, enums))
        previous = group
    for group, values in ranks.items():
        if len(set(values)) > 1:
            found.add(39, f"<b>{group}</b>")


def _check_matrix_field(
    found: Found,
    line: dict[str, str],
    row: int,
    seen: tuple[str, dict[str, str], dict[str, list[tuple[str, str]]]],
) -> None:
    group, types, enums = seen
    ftype = line["field_type"]
    if ftype not in ("radio", "checkbox"):
        found.add(34, f"<b>{ftype} (D{row})</b>")
        return
    if types.setdefault(group, ftype) != ftype:
        line["field_type"] = types[group]
    enum = parse_enum(line["select_choices_or_calculations"])
    first = enums.setdefault(group, enum)
    if first != enum:
        should = " | ".join(f"{code}, {label}" for code, label in first)
        found.add(33, f"<b>F{row}</b> - {MATRIX_CHOICES_SHOULD_BE} <b>{should}</b>")
