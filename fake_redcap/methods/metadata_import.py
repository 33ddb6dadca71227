"""Import Metadata (`content=metadata` with `data`): the data dictionary replaced through the API.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`): `API/metadata/import.php` (development only, the
Project Design right, parsing per `format`, errors through strip_tags joined by "\\n", the count of
rows), `Classes/MetaData.php` convertFlatMetadataToDDarray (:667: columns taken by position, not by
name), saveMetadataFlat (:694), error_checking (:758-1230: the field name, form name and field type
checks, with their texts and order) and save_metadata (:1954: a new form designated to the event of a
classic project, a removed form's designations removed; `redcap_data` is not touched, so values of a
removed field stay and come back if a field of that name is added again). Texts from
`LanguageUpdater/English.ini`. V13.6.1 and V14.5.11 read the same. Facts only: no REDCap code is copied.

The checks REDCap makes beyond these (calculations, branching logic, validation types and ranges,
matrix groups, ...) are the fixture's own field rules (fake_redcap/fixture/fields.py): a dictionary they
refuse answers "not implemented" naming the problem, never a silent success.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from xml.etree import ElementTree

from fake_redcap.call import Call
from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.fixture import FixtureError
from fake_redcap.fixture.validate import Builder
from fake_redcap.methods.design_import import DESIGN_RIGHTS, PRODUCTION
from fake_redcap.methods.export_format import not_implemented, reply
from fake_redcap.methods.project_info import DATA_DICTIONARY_COLUMNS
from fake_redcap.methods.record_import import RESERVED as RESERVED_FIELD_NAMES
from fake_redcap.methods.record_import import _parse_csv
from fake_redcap.methods.structure import export_columns
from fake_redcap.model import Field, Project, ProjectStatus, RecordRow
from fake_redcap.project_log import log_event
from fake_redcap.responses import Reply

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

# Project::$reserved_field_names (V15 Classes/Project.php:13-25), as record_import keeps them.
RESERVED_NAMES = RESERVED_FIELD_NAMES
_ALL_TYPES = (*TYPES, "slider", "sql", "advcheckbox")
_LEGACY = {"textarea": "notes", "select": "dropdown"}
_NO_CHOICES = ("notes", "file", "yesno", "truefalse", "descriptive")


def import_metadata(call: Call) -> Reply:
    """API/metadata/import.php: checks, the dictionary replaced whole, the count of its rows."""
    project = call.project
    if project.status != ProjectStatus.DEVELOPMENT:
        raise ApiError(400, PRODUCTION)
    if not (call.user.design or call.user.super_user):
        raise ApiError(400, DESIGN_RIGHTS)
    rows = _rows(call)
    if rows is None:
        # putMetaData returns `$lang[...]` without `global $lang`: null, sent as an empty 200.
        return reply("", _format(call), call)
    table = _columns(rows)
    errors = _check(table, project)
    if errors:
        raise ApiError(400, "\n".join(errors))
    fields = _fields(table)
    updated = _with_fields(project, fields)
    entry = log_event(
        call,
        "redcap_metadata",
        "MANAGE",
        str(project.project_id),
        f"project_id = {project.project_id}",
        "Upload data dictionary (API)",
    )
    if not call.state.replace_project(updated, seen=call.served, log=(entry,)):
        raise ApiError(400, "The project was reset while the change was made; nothing was changed.")
    return reply(str(len(rows)), _format(call), call)


def _format(call: Call) -> ReturnFormat:
    formats = {"json": ReturnFormat.JSON, "csv": ReturnFormat.CSV}
    return formats.get(call.params.text("format"), ReturnFormat.XML)


def _rows(call: Call) -> list[list[str]] | None:
    """Each row's values in their order (convertFlatMetadataToDDarray takes columns by position)."""
    data = call.params.text("data").removeprefix("\ufeff")
    fmt = call.params.text("format")
    if fmt == "json":
        try:
            decoded = json.loads(data)
        except ValueError:
            return None
        if decoded is None or decoded == "" or decoded is False:
            return None
        if not isinstance(decoded, list) or not all(isinstance(d, dict) for d in decoded):
            raise not_implemented("content=metadata import of JSON that is not a list of objects")
        return [[_php_string(v) for v in d.values()] for d in decoded]
    if fmt == "csv":
        text = data.replace("&#13;&#10;", "\r\n").replace("&#10;", "\n").replace("&#13;", "\r")
        return [list(row.values()) for row in _parse_csv(text, ",")]
    if fmt == "odm":
        raise not_implemented("content=metadata import with format=odm")
    if "<!DOCTYPE" in data.upper() or "<!ENTITY" in data.upper():
        raise not_implemented("content=metadata import of XML with a DOCTYPE")
    try:
        root = ElementTree.fromstring(data.strip())
    except ElementTree.ParseError:
        return None
    items = root.findall("item") if root.tag == "records" else []
    if not items:
        return None
    return [[(child.text or "").strip() for child in item] for item in items]


def _php_string(value: object) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, dict)):
        raise not_implemented("content=metadata import with a nested value")
    return str(value)


def _columns(rows: list[list[str]]) -> list[dict[str, str]]:
    """Rows as data dictionary lines: the n-th value is the n-th column (a short row's missing values
    are null, i.e. "")."""
    return [
        {name: (row[i] if i < len(row) else "") for i, name in enumerate(DATA_DICTIONARY_COLUMNS)}
        for row in rows
    ]


def _check(table: list[dict[str, str]], project: Project) -> list[str]:
    """MetaData::error_checking's field name, form name and field type checks, corrections applied in
    place (names lower-cased, spaces made underscores, other characters dropped), errors in the order
    REDCap first meets each kind (row numbers start at 2, as in the spreadsheet)."""
    found: dict[str, list[str]] = {}
    suffixed: list[tuple[int, str]] = []
    first_name = ""
    for row, line in enumerate(table, start=2):
        name = line["field_name"]
        if name and not first_name:
            first_name = name
            line["section_header"] = ""
        elif not name:
            found.setdefault("missing", []).append(f"A{row}")
        if (name != re.sub(r"[^a-z_0-9]", "", name) or "__" in name) and "___" not in name:
            name = re.sub(r"[^a-z_0-9]", "", name.lower().replace(" ", "_").replace("__", "_"))
            line["field_name"] = name
        _name_errors(found, name, row)
        if name.endswith("_complete"):
            suffixed.append((row, name[:-9]))
    names = [line["field_name"] for line in table]
    duplicated = [f"{n} (A{i})" for i, n in enumerate(names, start=2) if n in names[: i - 2]]
    forms = _form_errors(found, table)
    status = [f"{form}_complete (A{row})" for row, form in suffixed if form in forms]
    messages = {
        "missing": lambda v: NAME_MISSING + ", ".join(v) + ".",
        "number": lambda v: STARTS_WITH_NUMBER + "".join(v),
        "underscore": lambda v: STARTS_WITH_UNDERSCORE + "".join(v),
        "triple": lambda v: TRIPLE_UNDERSCORE + "".join(v),
        "end": lambda v: ENDS_WITH_UNDERSCORE + "".join(v),
        "long": lambda v: TOO_LONG + "".join(v),
        "reserved": lambda v: RESERVED + ", ".join(v),
        "form_missing": lambda v: FORM_MISSING + ", ".join(v) + ".",
        "form_long": lambda v: FORM_TOO_LONG + "".join(v),
        "sequence": lambda v: NOT_SEQUENTIAL + "".join(v),
        "type": lambda v: BAD_TYPE + "".join(v),
        "type_missing": lambda v: TYPE_MISSING + ", ".join(v) + ".",
    }
    if duplicated:
        found["duplicated"] = duplicated
        messages["duplicated"] = lambda v: DUPLICATED + "".join(v)
    if status:
        found["status"] = status
        messages["status"] = lambda v: STATUS_NAME + "".join(v)
    _type_errors(found, table)
    del project
    return [messages[kind](values) for kind, values in found.items()]


def _name_errors(found: dict[str, list[str]], name: str, row: int) -> None:
    if name[:1].isdigit():
        found.setdefault("number", []).append(f"{name} (A{row})")
    if name.startswith("_"):
        found.setdefault("underscore", []).append(f"{name} (A{row})")
    if "___" in name:
        found.setdefault("triple", []).append(f"{name} (A{row})")
    if name.endswith("_"):
        found.setdefault("end", []).append(f"{name} (A{row})")
    if len(name.encode("utf-8", "surrogateescape")) > 100:
        found.setdefault("long", []).append(f"{name} (A{row})")
    if name in RESERVED_NAMES:
        found.setdefault("reserved", []).append(f"A{row}")


def _form_errors(found: dict[str, list[str]], table: list[dict[str, str]]) -> dict[str, None]:
    """Column B: blank names, over 64 characters, names corrected as REDCap corrects them, forms that
    come back after another form. The forms, in order."""
    forms: dict[str, None] = {}
    previous = ""
    for row, line in enumerate(table, start=2):
        form = line["form_name"]
        if form == "":
            found.setdefault("form_missing", []).append(f"B{row}")
        if len(form.encode("utf-8", "surrogateescape")) > 64:
            found.setdefault("form_long", []).append(f"{form} (A{row})")
        squeezed = form.replace(" ", "").replace("_", "").strip()
        if form != re.sub(r"[^a-z_0-9]", "", form) or form[:1].isdigit() or (squeezed.isdigit()):
            form = _corrected_form(form)
            line["form_name"] = form
        if previous and previous != form and form in forms:
            found.setdefault("sequence", []).append(f"{form} (B{row})")
        forms[form] = None
        previous = form
    return forms


def _corrected_form(form: str) -> str:
    text = re.sub(r"[^a-z_0-9]", "", form.lower().replace(" ", "_"))
    while "__" in text:
        text = text.replace("__", "_")
    text = text.strip("_").lstrip("0123456789").lstrip("_")
    if text == "" or text[:1].isdigit():
        raise not_implemented("content=metadata import with a form name REDCap renames with an MD5 prefix")
    return text


def _type_errors(found: dict[str, list[str]], table: list[dict[str, str]]) -> None:
    """Column D: the first field made text, legacy types renamed, blank and unknown types refused;
    choices cleared for the types that have none."""
    if table and table[0]["field_type"] != "text":
        table[0]["field_type"] = "text"
    for row, line in enumerate(table, start=2):
        ftype = line["field_type"]
        if ftype == "":
            found.setdefault("type_missing", []).append(f"D{row}")
        if ftype in ("textarea", *_NO_CHOICES):
            line["select_choices_or_calculations"] = ""
        if ftype in _LEGACY:
            line["field_type"] = _LEGACY[ftype]
        elif ftype not in _ALL_TYPES:
            found.setdefault("type", []).append(f"{ftype} (D{row})")


def _fields(table: list[dict[str, str]]) -> tuple[Field, ...]:
    """The lines as the fixture reads a data dictionary; what its rules refuse is not implemented."""
    builder = Builder("the data dictionary sent (data)", Path("data"))
    lines = [{k: v for k, v in line.items() if v != ""} for line in table]
    try:
        return builder.read_fields(lines)
    except FixtureError as problem:
        raise not_implemented(f"content=metadata import of this dictionary ({problem.problem})") from None


def _with_fields(project: Project, fields: tuple[Field, ...]) -> Project:
    """save_metadata in development: a new form is designated to the classic project's event (the fake's
    classic projects designate every form); a removed form loses its designations, repeating rules and
    label. Record values stay (redcap_data is not touched). A new record ID field with data answers not
    implemented (REDCap only warns; its rows keep the old field's values)."""
    if project.records and fields[0].name != project.record_id_field:
        raise not_implemented(
            "content=metadata import changing the record ID field of a project with records"
        )
    forms = tuple(dict.fromkeys(f.form for f in fields))
    events = tuple(
        dataclasses.replace(e, forms=tuple(f for f in e.forms if f in forms)) for e in project.events
    )
    repeating = tuple(r for r in project.repeating if r.form is None or r.form in forms)
    labels = {form: label for form, label in project.instrument_labels.items() if form in forms}
    updated = dataclasses.replace(
        project,
        fields=fields,
        events=events,
        repeating=repeating,
        instrument_labels=MappingProxyType(labels),
    )
    columns = export_columns(updated)
    file_fields = {f.name for f in fields if f.is_file}
    return dataclasses.replace(
        updated, records=tuple(_row_for(r, columns, file_fields) for r in project.records)
    )


def _row_for(row: RecordRow, columns: Mapping[str, Field], file_fields: set[str]) -> RecordRow:
    """The row's values of the dictionary's columns shown, the others kept hidden (redcap_data keeps
    them). A removed file field's file goes (the fake frees it; REDCap keeps the edoc)."""
    merged = {**row.hidden_values, **row.values}
    values = {k: v for k, v in merged.items() if k in columns}
    hidden = {k: v for k, v in merged.items() if k not in columns}
    files = {k: v for k, v in row.files.items() if k in file_fields}
    if values == dict(row.values) and hidden == dict(row.hidden_values) and len(files) == len(row.files):
        return row
    return dataclasses.replace(
        row,
        values=MappingProxyType(values),
        hidden_values=MappingProxyType(hidden),
        files=MappingProxyType(files),
    )
