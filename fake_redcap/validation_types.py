"""REDCap's text validation types as `getValTypes()` reads them (V15 `Config/init_functions.php`:3765:
`redcap_validation_types` ordered by validation_label), with each type's data_type and whether it is
offered in the designer (`visible`), as V15 `Resources/sql/install_data.sql`:455-494 installs them.
An administrator may show or hide types, which changes only the list the data dictionary check names.

The value checks themselves are the fixture's (`fake_redcap.fixture.values.VALIDATIONS`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ValType:
    name: str
    label: str
    data_type: str
    visible: bool


_NCD = "number_comma_decimal"
_ROWS = (
    ("date_dmy", "Date (D-M-Y)", "date", True),
    ("date_mdy", "Date (M-D-Y)", "date", True),
    ("date_ymd", "Date (Y-M-D)", "date", True),
    ("datetime_dmy", "Datetime (D-M-Y H:M)", "datetime", True),
    ("datetime_mdy", "Datetime (M-D-Y H:M)", "datetime", True),
    ("datetime_ymd", "Datetime (Y-M-D H:M)", "datetime", True),
    ("datetime_seconds_dmy", "Datetime w/ seconds (D-M-Y H:M:S)", "datetime_seconds", True),
    ("datetime_seconds_mdy", "Datetime w/ seconds (M-D-Y H:M:S)", "datetime_seconds", True),
    ("datetime_seconds_ymd", "Datetime w/ seconds (Y-M-D H:M:S)", "datetime_seconds", True),
    ("email", "Email", "email", True),
    ("integer", "Integer", "integer", True),
    ("alpha_only", "Letters only", "text", False),
    ("mrn_10d", "MRN (10 digits)", "mrn", False),
    ("mrn_generic", "MRN (generic)", "mrn", False),
    ("number", "Number", "number", True),
    (
        "number_1dp_comma_decimal",
        "Number (1 decimal place - comma as decimal)",
        "number_comma_decimal",
        False,
    ),
    ("number_1dp", "Number (1 decimal place)", "number", False),
    (
        "number_2dp_comma_decimal",
        "Number (2 decimal places - comma as decimal)",
        "number_comma_decimal",
        False,
    ),
    ("number_2dp", "Number (2 decimal places)", "number", False),
    (
        "number_3dp_comma_decimal",
        "Number (3 decimal places - comma as decimal)",
        "number_comma_decimal",
        False,
    ),
    ("number_3dp", "Number (3 decimal places)", "number", False),
    (
        "number_4dp_comma_decimal",
        "Number (4 decimal places - comma as decimal)",
        "number_comma_decimal",
        False,
    ),
    ("number_4dp", "Number (4 decimal places)", "number", False),
    ("number_comma_decimal", "Number (comma as decimal)", _NCD, False),
    ("phone_australia", "Phone (Australia)", "phone", False),
    ("phone_france", "Phone (France) (xx xx xx xx xx)(+33 x xx xx xx xx)", "phone", False),
    ("phone", "Phone (North America)", "phone", True),
    ("phone_uk", "Phone (UK)", "phone", False),
    ("postalcode_australia", "Postal Code (Australia)", "postal_code", False),
    ("postalcode_canada", "Postal Code (Canada)", "postal_code", False),
    ("postalcode_germany", "Postal Code (Germany)", "postal_code", False),
    ("postalcode_uk", "Postal Code (UK)", "postal_code", False),
    ("ssn", "Social Security Number (U.S.)", "ssn", False),
    ("time", "Time (HH:MM)", "time", True),
    ("time_hh_mm_ss", "Time (HH:MM:SS)", "time", True),
    ("time_mm_ss", "Time (MM:SS)", "time", False),
    ("vmrn", "Vanderbilt MRN", "mrn", False),
    ("zipcode", "Zipcode (U.S.)", "postal_code", True),
    ("postalcode_french", "Code Postal 5 caracteres (France)", "postal_code", False),
)

# In getValTypes' order (ORDER BY validation_label, case-insensitively).
VAL_TYPES: dict[str, ValType] = {
    row[0]: ValType(*row) for row in sorted(_ROWS, key=lambda r: r[1].casefold())
}
# error_checking seeds its list with the legacy names (V15 MetaData.php:1320).
LEGACY_VAL_TYPES = {
    "date": "date_ymd",
    "datetime": "datetime_ymd",
    "datetime_seconds": "datetime_seconds_ymd",
    "int": "integer",
    "float": "number",
}
VISIBLE_VAL_TYPES = tuple(v.name for v in VAL_TYPES.values() if v.visible)
