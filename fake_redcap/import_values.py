"""A value checked against its field as REDCap's record import checks it, with REDCap's own messages.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`): `Classes/Records.php` saveData, the value checks
(about lines 5925-6050 reformat dates, times, phone numbers and MRNs first; 6440-6690 check text
validations, choice codes, sliders, min/max and checkbox values), the texts from
`LanguageUpdater/English.ini` (`data_import_tool_*`, `config_functions_77`). The format checks are the
fixture's (`fake_redcap.fixture.values.VALIDATIONS`: one table of REDCap's validation types for both the
fixture's value checks and this import), so a rule is written once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fake_redcap.fixture.values import VALIDATIONS
from fake_redcap.model import Field

# English.ini texts (V15 LanguageUpdater/English.ini)
INTEGER = "The value of {field} must be an integer."  # data_import_tool_83 + _84
NUMBER = "The value of {field} must be numeric."  # data_import_tool_83 + _85
PHONE = "{field} must be a 10-digit phone number."  # data_import_tool_86
EMAIL = "Email address is not properly formatted."  # data_import_tool_87
VMRN = (  # data_import_tool_138
    "Vanderbilt medical record number is not properly formatted. It should be 4- to 9-digit number "
    "(excluding leading zeros)."
)
ZIPCODE = "{field} must be a 5 or 9 digit U.S. ZIP Code"  # data_import_tool_153
TIME = "Time is not properly formatted as HH:MM (military format)."  # data_import_tool_137
_DATE_NOTE = " format, regardless of the specific date format designated for this field.)"
DATE = {  # data_import_tool_190 (YMD), _238 (MDY), _239 (DMY)
    "YMD": "Invalid date format. (NOTE: Dates must be imported here only in Y-M-D" + _DATE_NOTE,
    "MDY": "Invalid date format. (NOTE: Dates must be imported here only in M/D/Y format or Y-M-D"
    + _DATE_NOTE,
    "DMY": "Invalid date format. (NOTE: Dates must be imported here only in D/M/Y format or Y-M-D"
    + _DATE_NOTE,
}
DATETIME = {  # data_import_tool_193 (YMD), _194 (MDY), _195 (DMY)
    "YMD": "Invalid date format. (NOTE: Dates must be imported here only in Y-M-D H:M[:S]" + _DATE_NOTE,
    "MDY": "Invalid date format. (NOTE: Dates must be imported here only in M/D/Y H:M[:S]" + _DATE_NOTE,
    "DMY": "Invalid date format. (NOTE: Dates must be imported here only in D/M/Y H:M[:S]" + _DATE_NOTE,
}
OTHER_FORMAT = (  # config_functions_77
    "The value you provided could not be validated because it does not follow the expected format. "
    "Please try again."
)
NOT_A_CATEGORY = "The value is not a valid category for {field}"  # data_import_tool_222
SLIDER_INTEGER = "{field} must be an integer"  # data_import_tool_299
BELOW_MIN = "{field} should not be less than the field minimum ({min})"  # data_import_tool_223
ABOVE_MAX = "{field} should not be greater than the field maximum ({max})"  # data_import_tool_225
CHECKBOX = (  # data_import_tool_227
    "{field} is a checkbox field and thus can only have a value of '1' (checked) or '0' (unchecked)."
)

# The validation names REDCap keeps internally ("int", "float") appear as "integer" and "number" in the
# metadata export, which is what the model holds.
_MESSAGES = {
    "integer": INTEGER,
    "number": NUMBER,
    "phone": PHONE,
    "email": EMAIL,
    "vmrn": VMRN,
    "zipcode": ZIPCODE,
    "time": TIME,
}
_INTEGER = re.compile(r"-?\d+")


@dataclass(frozen=True)
class Checked:
    """A value as REDCap stores it after its reformatting, and the error REDCap gives it (or None)."""

    value: str
    error: str | None = None


def check_value(field: Field, column: str, value: str, *, overwrite: bool, date_format: str) -> Checked:
    """`value` imported into `column` (the field's name, or a checkbox's `field___code`)."""
    if field.type == "checkbox":
        if overwrite and value == "":
            value = "0"  # saveData: a blank checkbox in overwrite mode unchecks it
        if value not in ("0", "1"):
            return Checked(value, CHECKBOX.format(field=column))
        return Checked(value)
    value = _reformatted(field, value, date_format)
    if value == "":
        return Checked(value)
    error = (
        _format_error(field, value, date_format) or _choice_error(field, value) or _range_error(field, value)
    )
    return Checked(value, error)


# Field types whose values check_value may reformat or refuse (whatever their validation); a text field
# may too when it has a validation or @FORCE-MINMAX.
_CHECKED_TYPES = frozenset({"checkbox", "dropdown", "radio", "yesno", "truefalse", "slider"})


def takes_any_value(field: Field) -> bool:
    """True when `check_value` gives every value back as it is, without an error (a notes field, a text
    field without validation or @FORCE-MINMAX, ...): a record import then need not check its values."""
    if field.type in _CHECKED_TYPES:
        return False
    return field.type != "text" or (not field.validation and "@FORCE-MINMAX" not in field.annotation)


class ColumnCheck:
    """`check_value` for one imported column: nothing for a field that takes any value, else worked
    out once per distinct value (it depends on nothing else within one import)."""

    __slots__ = ("checks", "date_format", "field", "name", "overwrite")

    def __init__(self, field: Field, name: str, overwrite: bool, date_format: str) -> None:
        self.field, self.name, self.overwrite, self.date_format = field, name, overwrite, date_format
        self.checks: dict[str, tuple[str, str | None]] | None = None if takes_any_value(field) else {}

    def check(self, raw: str) -> tuple[str, str | None]:
        """(the value as stored, its error or None), as `check_value` gives them."""
        if self.checks is None:
            return raw, None
        done = self.checks.get(raw)
        if done is None:
            checked = check_value(
                self.field, self.name, raw, overwrite=self.overwrite, date_format=self.date_format
            )
            done = self.checks[raw] = (checked.value, checked.error)
        return done


def _format_error(field: Field, value: str, date_format: str) -> str | None:
    """The text validation's regular expression (Records.php:6449-6520)."""
    validation = field.validation or ""
    if field.type != "text" or not validation:
        return None
    check = VALIDATIONS.get(validation)
    if check is None or check(value):
        return None
    if validation.startswith("datetime"):
        return DATETIME[date_format]
    if validation.startswith("date"):
        return DATE[date_format]
    return _MESSAGES.get(validation, OTHER_FORMAT).format(field=field.name)


def _choice_error(field: Field, value: str) -> str | None:
    """A multiple choice value must be one of its codes (Records.php:6524-6548; yes/no and true/false
    carry the codes 1 and 0)."""
    if field.type in ("dropdown", "radio"):
        codes: tuple[str, ...] = field.choice_codes()
    elif field.type in ("yesno", "truefalse"):
        codes = ("1", "0")
    else:
        return None
    return None if value in codes else NOT_A_CATEGORY.format(field=field.name)


def _range_error(field: Field, value: str) -> str | None:
    """A slider is a whole number within its range, 0-100 unless set (Records.php:6551-6640). Min and
    max of a text field are only a warning, which the API does not show, unless @FORCE-MINMAX."""
    if field.type == "slider":
        if not _INTEGER.fullmatch(value):
            return SLIDER_INTEGER.format(field=field.name)
        low = field.validation_min or "0"
        high = field.validation_max or "100"
        if _INTEGER.fullmatch(low) and int(value) < int(low):
            return BELOW_MIN.format(field=field.name, min=low)
        if _INTEGER.fullmatch(high) and int(value) > int(high):
            return ABOVE_MAX.format(field=field.name, max=high)
        return None
    if "@FORCE-MINMAX" in field.annotation and field.type == "text":
        number = _as_number(value)
        least, most = _as_number(field.validation_min), _as_number(field.validation_max)
        if number is not None and least is not None and number < least:
            return BELOW_MIN.format(field=field.name, min=field.validation_min)
        if number is not None and most is not None and number > most:
            return ABOVE_MAX.format(field=field.name, max=field.validation_max)
    return None


def _as_number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _reformatted(field: Field, value: str, date_format: str) -> str:
    """The reformatting saveData does before it checks (Records.php:5925-6050): dates given with "/" in
    M/D/Y or D/M/Y order when dateFormat says so, Y-M-D padded with zeros, a "T" before a time, a time
    of four characters given its leading zero."""
    validation = field.validation or ""
    if field.type != "text" or value == "":
        return value
    if validation.startswith("datetime"):
        date, _, time = value.replace("T", " ").partition(" ")
        date = _ymd(date, date_format)
        parts = time.split(":") if ":" in time else []
        if len(parts) >= 2 and all(p.isdigit() for p in parts):
            width = 3 if validation.startswith("datetime_seconds") else 2
            parts = [*parts, "0"][:width]
            time = ":".join(f"{int(p):02d}" for p in parts)
        return f"{date} {time}"
    if validation.startswith("date"):
        return _ymd(value, date_format)
    if validation == "time" and ":" in value and len(value) < 5:
        return "0" + value
    return value


def _ymd(date: str, date_format: str) -> str:
    if "/" in date and date_format in ("MDY", "DMY"):
        parts = date.split("/")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            first, second, year = parts
            day, month = (first, second) if date_format == "DMY" else (second, first)
            return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
        return date
    parts = date.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):  # clean_date_ymd: leading zeros
        return f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}"
    return date
