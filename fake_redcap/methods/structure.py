"""A project's structure as REDCap's exports see it (V15 `Classes/Project.php`): the metadata with
the form status fields, arms and events in REDCap's order, event ids, repeating rules, per-form export
rights. Read from the model; nothing here is specific to one export.
"""

from __future__ import annotations

from collections.abc import Sequence

from fake_redcap.model import Arm, Event, ExportRight, Field, Project, Repeating, User, status_field


def metadata_fields(project: Project) -> tuple[Field, ...]:
    """`$Proj->metadata` in field order: each form's fields, then its status field."""
    result: list[Field] = []
    for form in project.forms:
        result.extend(f for f in project.fields if f.form == form)
        result.append(status_field(form))
    return tuple(result)


def export_columns(project: Project) -> dict[str, Field]:
    """Every record export column and its field, in field order: a checkbox has a column per choice
    (`field___code`, V15 REDCap::getExportFieldNames), every other field (files too) its name."""
    result: dict[str, Field] = {}
    for field in metadata_fields(project):
        for column in field.export_names() if field.type == "checkbox" else (field.name,):
            result[column] = field
    return result


def is_status_field(field: Field) -> bool:
    return field.name == f"{field.form}_complete"


def ordered_arms(project: Project) -> tuple[Arm, ...]:
    return tuple(sorted(project.arms, key=lambda a: a.number))


def ordered_events(project: Project) -> tuple[Event, ...]:
    """Events as `Project::loadEvents` orders them: by arm number, then day offset and name. The
    fixture has no day offsets; its order within an arm stands for them."""
    return tuple(sorted(project.events, key=lambda e: e.arm))


def event_id(project: Project, event: Event) -> int:
    """A synthetic `event_id` (REDCap's are database ids the fixture does not hold): the project id
    times 100 plus the event's position in REDCap's order, so ids are stable across resets; an event the
    API added or kept through an import or delete holds its own (Event.event_id)."""
    if event.event_id is not None:
        return event.event_id
    return project.project_id * 100 + ordered_events(project).index(event) + 1


def event_forms(project: Project, event: Event) -> tuple[str, ...]:
    """The forms designated for an event, in form order (`Project::loadEventsForms` orders by
    field_order, not by the order the designations were made)."""
    return tuple(f for f in project.forms if f in event.forms)


def repeats_whole(project: Project, event: str | None) -> bool:
    """`Project::isRepeatingEvent`: only longitudinal projects have repeating events."""
    if not project.repeating:  # most projects: no dataclass built per call
        return False
    return project.is_longitudinal and Repeating(event=event, form=None) in project.repeating


def repeating_form(project: Project, event: str | None, form: str) -> bool:
    """`Project::isRepeatingForm` in this event (classic projects: event None)."""
    if not project.repeating:
        return False
    return Repeating(event=event, form=form) in project.repeating


def has_repeating_forms(project: Project) -> bool:
    return any(rule.form is not None for rule in project.repeating)


def has_repeating_events(project: Project) -> bool:
    return project.is_longitudinal and any(rule.form is None for rule in project.repeating)


def has_repeating_forms_events(project: Project) -> bool:
    return has_repeating_forms(project) or has_repeating_events(project)


def form_export_right(user: User, form: str) -> ExportRight:
    """The user's data export right on one form (`export_rights_forms`); super users have Full on
    every form (V15 RestUtility::processRequest). A per-form map leaves out the forms with No Access."""
    if user.super_user:
        return ExportRight.FULL
    if isinstance(user.data_export, ExportRight):
        return user.data_export
    return user.data_export.get(form, ExportRight.NO_ACCESS)


def deid_fields_to_remove(fields: Sequence[Field], user: User, record_id_field: str) -> set[str]:
    """`DataExport::deidFieldsToRemove($pid, $fields, $forms_export, true)` (V15 Classes/DataExport.php):
    per form, No Access removes every field; De-Identified and Remove Identifiers remove Identifier
    fields; De-Identified also removes unvalidated text fields, notes fields and date/time fields. The
    record ID field is kept."""
    removed: set[str] = set()
    for field in fields:
        if field.name == record_id_field:
            continue
        right = form_export_right(user, field.form)
        deid = right == ExportRight.DEIDENTIFIED
        validation = field.validation or ""
        if (
            right == ExportRight.NO_ACCESS
            or (right in (ExportRight.DEIDENTIFIED, ExportRight.REMOVE_IDENTIFIERS) and field.identifier)
            or (deid and field.type == "text" and validation == "")
            or (deid and field.type == "notes")
            or (deid and field.type == "text" and validation.startswith("date"))
        ):
            removed.add(field.name)
    return removed
