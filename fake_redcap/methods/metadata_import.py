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
from types import MappingProxyType
from xml.etree import ElementTree

from fake_redcap.call import Call
from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.methods.design_import import DESIGN_RIGHTS, PRODUCTION
from fake_redcap.methods.export_format import decoded_string, not_implemented, php_trim, reply
from fake_redcap.methods.metadata_checks import (
    BAD_TYPE,
    DUPLICATED,
    NOT_SEQUENTIAL,
    RESERVED,
    STARTS_WITH_NUMBER,
    STATUS_NAME,
    TRIPLE_UNDERSCORE,
    TYPE_MISSING,
    Found,
    check_names,
    check_types,
)
from fake_redcap.methods.metadata_columns import (
    add_renderers,
    check_branching,
    check_flags,
    check_matrix,
    check_validations,
)
from fake_redcap.methods.project_info import DATA_DICTIONARY_COLUMNS
from fake_redcap.methods.record_import import RESERVED as RESERVED_FIELD_NAMES
from fake_redcap.methods.record_import import _parse_csv
from fake_redcap.methods.structure import export_columns
from fake_redcap.model import Field, Project, ProjectStatus, RecordRow
from fake_redcap.php import to_bytes
from fake_redcap.project_log import log_event
from fake_redcap.responses import Reply

# Project::$reserved_field_names (V15 Classes/Project.php:13-25), as record_import keeps them.
RESERVED_NAMES = RESERVED_FIELD_NAMES
__all__ = [
    "BAD_TYPE",
    "DUPLICATED",
    "NOT_SEQUENTIAL",
    "RESERVED",
    "RESERVED_NAMES",
    "STARTS_WITH_NUMBER",
    "STATUS_NAME",
    "TRIPLE_UNDERSCORE",
    "TYPE_MISSING",
    "import_metadata",
]

# A nested array or object in `data`: not followed (decoded_string answers not implemented).
NESTED = "content=metadata import with a nested value"


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
    errors = _check(table, project, call.user.super_user)
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
        return [[decoded_string(v, NESTED) for v in d.values()] for d in decoded]
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


def _columns(rows: list[list[str]]) -> list[dict[str, str]]:
    """Rows as data dictionary lines: the n-th value is the n-th column (a short row's missing values
    are null, i.e. "")."""
    return [
        {name: (row[i] if i < len(row) else "") for i, name in enumerate(DATA_DICTIONARY_COLUMNS)}
        for row in rows
    ]


def _check(table: list[dict[str, str]], project: Project, super_user: bool) -> list[str]:
    """MetaData::error_checking in its order (see metadata_checks and metadata_columns): corrections
    made in place, REDCap's messages in the order its keys were first set."""
    found = Found()
    add_renderers(found)
    check_names(found, table, project.forms)
    check_types(found, table, project, super_user)
    check_validations(found, table)
    check_flags(found, table)
    check_branching(found, table, project, super_user)
    check_matrix(found, table)
    return found.messages()


def _fields(table: list[dict[str, str]]) -> tuple[Field, ...]:
    """The checked lines as save_metadata stores them (V15 MetaData.php:2086-2130) and the metadata export
    then shows them (getDataDictionary :514-580): choices without leading or trailing pipes, a slider's
    validation other than "number" dropped, question numbers cut to 10 bytes, a slider's blank
    alignment shown as RV."""
    return tuple(_field(line) for line in table)


def _field(line: dict[str, str]) -> Field:
    ftype = line["field_type"]
    choices = re.sub(r"(^\|\s*)|(\s*\|$)", "", line["select_choices_or_calculations"])
    if choices != "" and ftype not in ("calc", "slider", "sql"):
        choices = choices.replace("|", "\\n").replace("\n", " \\n ")
    choices = choices.replace("\r\r", "\n\n")
    if ftype != "sql":  # the export: trimmed, each stored "\n" shown as "|"
        choices = php_trim(choices).replace("\\n", "|")
    validation = line["text_validation_type_or_show_slider_number"]
    if ftype == "slider" and validation not in ("", "number"):
        validation = ""
    alignment = line["custom_alignment"]
    return Field(
        name=line["field_name"],
        form=line["form_name"],
        type=ftype,
        validation=validation or None,
        identifier=line["identifier"] != "",
        label=line["field_label"].replace("\r\r", "\n\n"),
        section_header=line["section_header"].replace("\r\r", "\n\n"),
        choices=choices,
        note=line["field_note"],
        validation_min=line["text_validation_min"],
        validation_max=line["text_validation_max"],
        branching_logic=line["branching_logic"],
        required=line["required_field"] != "",
        alignment="RV" if ftype == "slider" and alignment == "" else alignment,
        question_number=to_bytes(line["question_number"])[:10].decode("utf-8", "ignore"),
        matrix_group=line["matrix_group_name"],
        matrix_ranking=line["matrix_ranking"] != "",
        annotation=line["field_annotation"],
    )


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
    them). A removed file field's file is kept hidden too and is back when a file field of that name is:
    save_metadata (V15 MetaData.php:1954-2180) deletes neither redcap_data rows nor edocs."""
    merged = {**row.hidden_values, **row.values}
    values = {k: v for k, v in merged.items() if k in columns}
    hidden = {k: v for k, v in merged.items() if k not in columns}
    all_files = {**row.hidden_files, **row.files}
    files = {k: v for k, v in all_files.items() if k in file_fields}
    hidden_files = {k: v for k, v in all_files.items() if k not in file_fields}
    if values == dict(row.values) and hidden == dict(row.hidden_values) and files == dict(row.files):
        return row
    return dataclasses.replace(
        row,
        values=MappingProxyType(values),
        hidden_values=MappingProxyType(hidden),
        files=MappingProxyType(files),
        hidden_files=MappingProxyType(hidden_files),
    )
