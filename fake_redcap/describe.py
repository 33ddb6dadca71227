"""The summary `fake-redcap check` prints: what a fixture holds, tokens masked."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from fake_redcap.fixture import mask_token
from fake_redcap.model import ExportRight, Field, Project, User

_EXPORT_LABELS = {
    ExportRight.FULL: "Full Data Set",
    ExportRight.DEIDENTIFIED: "De-Identified",
    ExportRight.REMOVE_IDENTIFIERS: "Remove All Identifier Fields",
    ExportRight.NO_ACCESS: "No Access",
}


def describe_project(project: Project) -> str:
    """The summary `fake-redcap check` prints; tokens appear masked only."""
    kind = "longitudinal" if project.is_longitudinal else "classic"
    lines = [
        f"Project {project.project_id}: {project.title}",
        f"  fixture: {project.source}",
        f"  status: {project.status.name.lower()}, REDCap version {project.redcap_version}, {kind}",
    ]
    lines += _describe_fields(project)
    if project.is_longitudinal:
        lines += _describe_events(project)
    lines += _describe_repeating(project)
    lines += _describe_users(project)
    lines += _describe_records(project)
    return "\n".join(lines)


def _describe_fields(project: Project) -> list[str]:
    repeating_forms = [r for r in project.repeating if r.form is not None]
    lines = [f"Fields ({len(project.fields)}; record ID field: {project.record_id_field}):"]
    for form in project.forms:
        classic_repeat = not project.is_longitudinal and any(r.form == form for r in repeating_forms)
        suffix = " (repeating instrument)" if classic_repeat else ""
        lines.append(f"  form {form} {project.form_label(form)!r}{suffix}:")
        lines.extend(
            f"    {fld.name} [{', '.join(_field_marks(fld))}]" for fld in project.fields if fld.form == form
        )
    return lines


def _field_marks(fld: Field) -> list[str]:
    """The type, then what the data dictionary adds to it."""
    marks = [fld.type]
    if fld.is_signature:
        marks.append("signature")
    elif fld.validation:
        marks.append(f"validation {fld.validation}")
    codes = fld.choice_codes()
    if fld.type == "checkbox":
        marks.append(f"export columns {', '.join(fld.export_names())}")
    elif codes:
        marks.append(f"choices {', '.join(codes)}")
    elif fld.type == "calc":
        marks.append(f"calculation {fld.choices}")
    for flag, word in ((fld.identifier, "identifier"), (fld.required, "required")):
        if flag:
            marks.append(word)
    if fld.branching_logic:
        marks.append("branching logic")
    if fld.matrix_group:
        marks.append(f"matrix {fld.matrix_group}")
    return marks


def _describe_events(project: Project) -> list[str]:
    repeating_forms = [r for r in project.repeating if r.form is not None]
    lines = [f"Arms and events ({len(project.arms)} arms, {len(project.events)} events):"]
    for arm in project.arms:
        lines.append(f"  arm {arm.number}: {arm.name}")
        for event in project.events:
            if event.arm != arm.number:
                continue
            notes = []
            if any(r.event == event.unique_name and r.form is None for r in project.repeating):
                notes.append("repeating event")
            forms = [
                f"{f} (repeating)"
                if any(r.event == event.unique_name and r.form == f for r in repeating_forms)
                else f
                for f in event.forms
            ]
            note = f" [{', '.join(notes)}]" if notes else ""
            lines.append(f"    {event.unique_name} ({event.name}){note}: {', '.join(forms) or 'no forms'}")
    return lines


def _describe_repeating(project: Project) -> list[str]:
    if not project.repeating:
        return ["Repeating: none"]
    lines = ["Repeating:"]
    for rule in project.repeating:
        if rule.form is None:
            lines.append(f"  event {rule.event} (repeating event: all its forms repeat together)")
        elif rule.event is None:
            lines.append(f"  instrument {rule.form}")
        else:
            lines.append(f"  instrument {rule.form} in event {rule.event}")
    return lines


def _describe_users(project: Project) -> list[str]:
    today = dt.date.today()
    lines = [f"Users ({len(project.users)}):"]
    width = max((len(u.username) for u in project.users), default=0)
    for user in project.users:
        lines.append(
            f"  {user.username:<{width}}  token {mask_token(user.token)}  {_describe_rights(user, today)}"
        )
    return lines


def _describe_records(project: Project) -> list[str]:
    records = {r.record for r in project.records}
    files = [(row, name, f) for row in project.records for name, f in row.files.items()]
    total = sum(f.size for _row, _name, f in files)
    lines = [
        f"Records: {len(records)} records in {len(project.records)} rows,"
        f" {len(files)} stored files ({total} bytes)"
    ]
    for row, name, f in files:
        where = f"record {row.record}"
        if row.event is not None:
            where += f", {row.event}"
        if row.instance != 1:
            where += f", instance {row.instance}"
        lines.append(f"  {where}: {name} = {f.name!r} ({f.mime}, {f.size} bytes)")
    return lines


def _describe_rights(user: User, today: dt.date) -> str:
    parts: list[str] = []
    # The rights as written, aggregated the way REDCap does, before any super-user override.
    export = _EXPORT_LABELS[dataclasses.replace(user, super_user=False).export_rights()]
    if isinstance(user.data_export, Mapping):
        per_form = ", ".join(f"{form}: {_EXPORT_LABELS[level]}" for form, level in user.data_export.items())
        export += f" (per form: {per_form})"
    parts.append(f"export rights {export}")
    parts.append("API export" if user.api_export else "no API export")
    if user.api_import:
        parts.append("API import")
    if user.record_delete:
        parts.append("record delete")
    if user.expiration is not None:
        state = "expired" if user.expiration <= today else "expires"
        parts.append(f"{state} {user.expiration.isoformat()}")
    if user.suspended:
        parts.append("suspended")
    if user.super_user:
        return f"super user: Full Data Set, every API right, never expires (as written: {'; '.join(parts)})"
    return "; ".join(parts)
