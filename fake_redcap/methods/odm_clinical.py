"""The ClinicalData section of a project XML, and the item groups both sections share.

Sources (V15 `html/redcap_v15.7.6/Classes/ODM.php`): getOdmExportFields (:119-161), getOdmItemGroups
(:165-238) and getOdmClinicalData (:1476-1700), fed by `Records::getData`'s flat rows (Records.php
:4266-4281). The rules restated, not copied:

* Item groups: the record ID field opens one (with `redcap_data_access_group` when DAGs are exported);
  then a new group starts at each new form and each change of section header, keyed
  `<form>.<first field>`; a checkbox is one entry per choice (`field___code`). The metadata counts
  descriptive fields, ClinicalData does not (getOdmItemGroups' last argument).
* ClinicalData walks the flat rows: a SubjectData per record, a StudyEventData per event (and
  repeating-event instance, longitudinal only), a FormData whenever the form changes or a new
  repeating instance starts, an ItemGroupData whenever the section changes (its OID only when that
  field opens a group, else ""); blank values are left out; a field is skipped when its form is not
  designated for the event, not the row's repeating form, or a repeating form on a base row. Closing
  tags follow REDCap's flags exactly, its quirks included.
* Values: ASCII control characters but LF and CR dropped, `htmlspecialchars(ENT_QUOTES)`, a
  datetime's space made a `T`; a file field's value, with `exportFiles`, an ItemDataBase64Binary with
  the file's name and MIME type and its bytes as base64 in CDATA.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

from fake_redcap.escape import rcview_escape
from fake_redcap.methods.structure import metadata_fields, repeating_form, repeats_whole
from fake_redcap.model import Field, Project, StoredFile, parse_choices
from fake_redcap.php import from_bytes, htmlspecialchars, to_bytes

DAG_FIELD = "redcap_data_access_group"
_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")  # ODM.php:1668 and :1718


def section_of(field: Field) -> str:
    """element_preceding_header; a form status field's is "Form Status" (REDCap stores it so)."""
    return "Form Status" if field.name == f"{field.form}_complete" else field.section_header


def checkbox_names(field: Field) -> list[str]:
    from fake_redcap.model import checkbox_column

    return [checkbox_column(field.name, code) for code in parse_choices(field.choices)]


def export_fields(project: Project, dags: bool, descriptive: bool) -> list[tuple[str, Field | None]]:
    """getOdmExportFields: the record ID field, the DAG pseudo-field, then every field (a checkbox per
    choice), descriptive fields only when asked. None marks the pseudo-field."""
    fields = metadata_fields(project)
    result: list[tuple[str, Field | None]] = [(project.record_id_field, fields[0])]
    if dags:
        result.append((DAG_FIELD, None))
    for field in fields[1:]:
        if field.type == "checkbox":
            result.extend((name, field) for name in checkbox_names(field))
        elif field.type != "descriptive" or descriptive:
            result.append((field.name, field))
    return result


def item_groups(project: Project, dags: bool, descriptive: bool) -> dict[str, list[tuple[str, Field | None]]]:
    """getOdmItemGroups: `<form>.<first field>` -> the fields of that group, in order."""
    groups: dict[str, list[tuple[str, Field | None]]] = {}
    pk = project.record_id_field
    prev_form: str | None = None
    prev_section: str | None = None
    key = ""
    for name, field in export_fields(project, dags, descriptive):
        if name == pk:
            assert field is not None
            key = f"{field.form}.{name}"
            groups[key] = [(name, field)]
            if dags:
                groups[key].append((DAG_FIELD, None))
            prev_form, prev_section = field.form, ""
            continue
        if field is None:
            continue  # the DAG field is in the record ID's group already
        section = section_of(field)
        if prev_form != field.form or prev_section != section:
            key = f"{field.form}.{name}"
        groups.setdefault(key, []).append((name, field))
        prev_form, prev_section = field.form, section
    return groups


@dataclass(frozen=True)
class OdmRow:
    """One flat row of `Records::getData` as getOdmClinicalData reads it: the record, its event (None
    in a classic project), `redcap_repeat_instrument`/`redcap_repeat_instance` (None: no such
    columns), and the other columns in order (record ID, DAG, fields). A file column's value is the
    stored file."""

    record: str
    event: str | None
    repeat_instrument: str | None
    repeat_instance: str | None
    items: Sequence[tuple[str, str | StoredFile]]


_IG_END = "\t\t\t\t</ItemGroupData>\n"
_FORM_END = "\t\t\t</FormData>\n"
_RECORD_END = "\t</SubjectData>\n"


@dataclass
class _Walk:
    """getOdmClinicalData's state between rows."""

    prev_record: str | None = None
    prev_event: str | None = None
    prev_form: str | None = None
    prev_instrument_instance: str | None = None
    prev_event_instance: str | None = None
    prev_event_key: str | None = None
    open_group: bool = False
    open_form: bool = False


def clinical_data(
    project: Project, rows: Sequence[OdmRow], dags: bool, study_oid: str, metadata_oid: str
) -> str:
    """The ClinicalData element, `</ClinicalData>\\n` included."""
    out = [f'<ClinicalData StudyOID="{study_oid}" MetaDataVersionOID="{metadata_oid}">\n']
    if rows:
        groups = item_groups(project, dags, descriptive=False)
        fields = {f.name: f for f in metadata_fields(project)}
        event_end = "\t\t</StudyEventData>\n" if project.is_longitudinal else ""
        walk = _Walk()
        for row in rows:
            _row(project, row, walk, groups, fields, out)
        out.append(_IG_END + _FORM_END + event_end + _RECORD_END)
    out.append("</ClinicalData>\n")
    return "".join(out)


def _s(value: str | None) -> str:
    """PHP's `$x.""` for a string or null."""
    return "" if value is None else value


def _row(
    project: Project,
    row: OdmRow,
    walk: _Walk,
    groups: dict[str, list[tuple[str, Field | None]]],
    fields: dict[str, Field],
    out: list[str],
) -> None:
    """One flat row (ODM.php:1531-1695)."""
    longitudinal = project.is_longitudinal
    has_repeats = bool(project.repeating)
    instance = _s(row.repeat_instance)
    repeating_event = (
        longitudinal
        and has_repeats
        and repeats_whole(project, row.event)
        and row.repeat_instance not in (None, "")
    )
    repeating_form_row = (
        has_repeats and not repeating_event and row.repeat_instrument is not None and instance != ""
    )
    event_key = instance if repeating_event else "1"
    form_key = instance if repeating_form_row else "1"
    if repeating_event or repeating_form_row:
        event_instance = f"{_s(row.event)}-{instance}" if longitudinal else None
        instrument_instance: str | None = f"{_s(row.repeat_instrument)}-{instance}"
    else:
        event_instance = instrument_instance = None
    new_record = _s(walk.prev_record) != row.record
    new_event = _s(walk.prev_event) != _s(row.event)
    new_event_instance = repeating_event and _s(walk.prev_event_instance) != _s(event_instance)
    new_instance = _s(instrument_instance) != _s(walk.prev_instrument_instance)
    walk.prev_instrument_instance = instrument_instance
    event_end = "\t\t</StudyEventData>\n" if longitudinal else ""
    new_subject = False
    if new_record:
        if walk.prev_record is not None:
            out.append(_IG_END + _FORM_END + event_end + _RECORD_END)
            walk.open_group = walk.open_form = False
        record = from_bytes(htmlspecialchars(to_bytes(row.record)))
        out.append(
            f'\t<SubjectData SubjectKey="{record}" redcap:RecordIdField="{project.record_id_field}">\n'
        )
        new_subject = True
    new_study_event = False
    if new_record or new_event or new_event_instance:
        if (not new_record and new_event and walk.prev_event is not None) or (
            not new_record and not new_event and new_event_instance and _s(walk.prev_event_key) != event_key
        ):
            out.append(
                (_IG_END if walk.open_group else "") + (_FORM_END if walk.open_form else "") + event_end
            )
            walk.open_group = walk.open_form = False
        if longitudinal:
            ev = _s(row.event)
            out.append(
                f'\t\t<StudyEventData StudyEventOID="Event.{ev}" StudyEventRepeatKey="{event_key}" '
                f'redcap:UniqueEventName="{ev}">\n'
            )
            new_study_event = True
            walk.open_group = walk.open_form = False
    flags = (new_instance, new_event_instance, new_subject, new_study_event, repeating_form_row, form_key)
    _items(project, row, walk, groups, fields, flags, out)
    walk.prev_record = row.record
    walk.prev_event = row.event
    walk.prev_event_instance = event_instance
    walk.prev_event_key = event_key


def _items(
    project: Project,
    row: OdmRow,
    walk: _Walk,
    groups: dict[str, list[tuple[str, Field | None]]],
    fields: dict[str, Field],
    flags: tuple[bool, bool, bool, bool, bool, str],
    out: list[str],
) -> None:
    """The values of one row (ODM.php:1604-1681)."""
    new_instance, new_event_instance, new_subject, new_study_event, repeating_form_row, form_key = flags
    loops = 0
    prev_section: str | None = None
    form = ""
    field_type = ""
    designated = _designated(project, row.event)
    for name, value in row.items:
        if value == "":
            continue
        true_field = fields.get(name.split("___")[0]) if name not in fields else fields[name]
        if true_field is not None and name not in fields and true_field.type != "checkbox":
            true_field = None
        section = ""
        if true_field is not None:
            form = true_field.form
            field_type = fields[name].type if name in fields else ""
            section = section_of(true_field)
        if designated is not None and form not in designated:
            continue
        if repeating_form_row and form != _s(row.repeat_instrument):
            continue
        if not repeating_form_row and repeating_form(project, row.event, form):
            continue
        new_form = _s(walk.prev_form) != form
        new_section = new_form or _s(prev_section) != section
        if loops == 0 or new_form:
            if (
                walk.prev_form is not None
                and (
                    (loops > 0 and not new_instance and not new_event_instance)
                    or (
                        (new_instance or new_event_instance)
                        and not new_subject
                        and not new_study_event
                        and loops == 0
                    )
                    or (loops > 0 and new_form)
                )
                and not (new_instance and new_event_instance and loops == 0)
            ):
                out.append((_IG_END if walk.open_group else "") + (_FORM_END if walk.open_form else ""))
                walk.open_group = walk.open_form = False
            out.append(f'\t\t\t<FormData FormOID="Form.{form}" FormRepeatKey="{form_key}">\n')
            walk.open_form = True
        if loops == 0 or new_section:
            if not new_form and loops > 0:
                out.append(_IG_END)
                walk.open_group = False
            group = f"{form}.{name}" if f"{form}.{name}" in groups else ""
            out.append(f'\t\t\t\t<ItemGroupData ItemGroupOID="{group}" ItemGroupRepeatKey="1">\n')
            walk.open_group = True
        out.append(_item(name, value, field_type, fields.get(name)))
        walk.prev_form = form
        prev_section = section
        loops += 1


def _designated(project: Project, event: str | None) -> tuple[str, ...] | None:
    if not project.is_longitudinal:
        return None
    found = project.event(event or "")
    return found.forms if found is not None else ()


def _item(name: str, value: str | StoredFile, field_type: str, field: Field | None) -> str:
    if isinstance(value, StoredFile):
        if field_type != "file":
            return ""
        data = base64.b64encode(value.read_bytes()).decode("ascii")
        return (
            f'\t\t\t\t\t<ItemDataBase64Binary ItemOID="{name}" redcap:DocName="{rcview_escape(value.name)}" '
            f'redcap:MimeType="{rcview_escape(value.mime)}"><![CDATA[{data}]]></ItemDataBase64Binary>\n'
        )
    if field_type == "file":
        return ""  # a file field's value that is not a stored file (ODM.php:1645-1660 writes nothing)
    if field_type == "text" and field is not None and (field.validation or "").startswith("datetime"):
        value = value.replace(" ", "T")
    value = _CONTROL.sub("", value)
    return f'\t\t\t\t\t<ItemData ItemOID="{name}" Value="{from_bytes(htmlspecialchars(to_bytes(value)))}"/>\n'
