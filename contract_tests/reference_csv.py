"""The reference projects in REDCap's own import formats, generated from the fixtures.

A user builds each reference project on their server from these files (see docs/contract-suite.md): the
data dictionary, arms, events, instrument designations and repeating set-up, then the records (without
files; `upload_reference` uploads those). They are generated so they cannot drift from the fixtures:

    python -m contract_tests.reference_csv            # rewrite contract_tests/reference/redcap_import/
    python -m contract_tests.reference_csv --check    # exit 1 if a file is out of date
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Sequence
from pathlib import Path

from fake_redcap import load_fixture
from fake_redcap.model import Project, RecordRow

from .targets import REFERENCE_FIXTURES

IMPORT_DIR = REFERENCE_FIXTURES[0].parent / "redcap_import"

DICTIONARY_COLUMNS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)


def _csv(rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue()


def data_dictionary(project: Project) -> str:
    """The Data Dictionary upload (Project Setup > Data Dictionary): every column the fixture gives."""
    rows: list[list[str]] = [list(DICTIONARY_COLUMNS)]
    for f in project.fields:
        rows.append(
            [
                f.name,
                f.form,
                f.section_header,
                f.type,
                f.label or f.name,
                f.choices,
                f.note,
                f.validation or "",
                f.validation_min,
                f.validation_max,
                "y" if f.identifier else "",
                f.branching_logic,
                "y" if f.required else "",
                f.alignment if f.type != "slider" or f.alignment != "RV" else "",
                f.question_number,
                f.matrix_group,
                "y" if f.matrix_ranking else "",
                f.annotation,
            ]
        )
    return _csv(rows)


def arms(project: Project) -> str:
    """Define My Events > Upload arms (API content=arm import format)."""
    return _csv([["arm_num", "name"], *([str(a.number), a.name] for a in project.arms)])


def events(project: Project) -> str:
    """Define My Events > Upload events (API content=event import format). REDCap makes the unique event
    name from the event name and arm; the column shows the name the fixture expects."""
    rows = [
        [
            "event_name",
            "arm_num",
            "day_offset",
            "offset_min",
            "offset_max",
            "unique_event_name",
            "custom_event_label",
        ]
    ]
    for e in project.events:
        day = [x.unique_name for x in project.events if x.arm == e.arm].index(e.unique_name)
        rows.append([e.name, str(e.arm), str(day), "0", "0", e.unique_name, ""])
    return _csv(rows)


def instrument_designations(project: Project) -> str:
    """Designate Instruments for My Events > Upload (API content=formEventMapping import format)."""
    rows = [["arm_num", "unique_event_name", "form"]]
    rows += [[str(e.arm), e.unique_name, form] for e in project.events for form in e.forms]
    return _csv(rows)


def repeating(project: Project) -> str:
    """Repeating instruments and events (API content=repeatingFormsEvents import format)."""
    if project.is_longitudinal:
        rows = [["event_name", "form_name", "custom_form_label"]]
        rows += [[r.event or "", r.form or "", ""] for r in project.repeating]
    else:
        rows = [["form_name", "custom_form_label"]]
        rows += [[r.form or "", ""] for r in project.repeating]
    return _csv(rows)


def records(project: Project) -> str:
    """Data Import Tool (flat CSV, one row per record, event and repeating instance; no file fields;
    a checkbox as a column per choice, `field___code`, 1 or 0)."""
    columns = [
        (column, f)
        for f in project.fields[1:]
        if not f.is_file and f.type != "descriptive"
        for column in (f.export_names() if f.type == "checkbox" else (f.name,))
    ]
    header = [project.record_id_field]
    if project.is_longitudinal:
        header.append("redcap_event_name")
    if project.repeating:
        header += ["redcap_repeat_instrument", "redcap_repeat_instance"]
    header += [column for column, _f in columns]
    rows: list[list[str]] = [header]
    for row in project.records:
        for repeat_form, instance, names in _split(project, row):
            values = {n: row.values[n] for n in names}
            if not values:
                continue
            forms = {_form(project, n) for n in names}
            line = [row.record]
            if project.is_longitudinal:
                line.append(row.event or "")
            if project.repeating:
                line += [repeat_form or "", str(instance) if instance else ""]
            for column, f in columns:
                unchecked = "0" if f.type == "checkbox" and f.form in forms else ""
                line.append(values.get(column, unchecked))
            rows.append(line)
    return _csv(rows)


def _split(project: Project, row: RecordRow) -> list[tuple[str | None, int | None, list[str]]]:
    """A fixture row as REDCap's flat rows: (repeat instrument, repeat instance, value columns)."""
    repeating_event = any(r.event == row.event and r.form is None for r in project.repeating if row.event)
    if repeating_event:
        return [(None, row.instance, list(row.values))]
    repeating_forms = {r.form for r in project.repeating if r.form is not None and r.event == row.event}
    plain = [n for n in row.values if _form(project, n) not in repeating_forms]
    parts: list[tuple[str | None, int | None, list[str]]] = [(None, None, plain)]
    for form in sorted(repeating_forms):
        names = [n for n in row.values if _form(project, n) == form]
        parts.append((form, row.instance, names))
    return parts


def _form(project: Project, column: str) -> str:
    """The form of a value column: a field, a checkbox choice `field___code`, or a form status."""
    for f in project.fields:
        if column == f.name or (f.type == "checkbox" and column in f.export_names()):
            return f.form
    if column.endswith("_complete") and column.removesuffix("_complete") in project.forms:
        return column.removesuffix("_complete")
    raise AssertionError(column)


def generated_files() -> dict[Path, str]:
    files: dict[Path, str] = {}
    for path in REFERENCE_FIXTURES:
        project = load_fixture(path)
        stem = path.stem.removeprefix("reference_")
        files[IMPORT_DIR / f"{stem}_data_dictionary.csv"] = data_dictionary(project)
        if project.is_longitudinal:
            files[IMPORT_DIR / f"{stem}_arms.csv"] = arms(project)
            files[IMPORT_DIR / f"{stem}_events.csv"] = events(project)
            files[IMPORT_DIR / f"{stem}_instrument_designations.csv"] = instrument_designations(project)
        if project.repeating:
            files[IMPORT_DIR / f"{stem}_repeating_instruments_events.csv"] = repeating(project)
        files[IMPORT_DIR / f"{stem}_records.csv"] = records(project)
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m contract_tests.reference_csv",
        description="Write the reference projects' REDCap import CSVs, generated from the fixtures.",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a CSV is missing or out of date")
    args = parser.parse_args(argv)
    files = generated_files()
    stale = [p for p, text in files.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"out of date: {path}", file=sys.stderr)
        if stale:
            print("run: python -m contract_tests.reference_csv", file=sys.stderr)
        return 1 if stale else 0
    IMPORT_DIR.mkdir(exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        print(
            f"{'wrote' if path in stale else 'unchanged'} {path.relative_to(IMPORT_DIR.parent.parent.parent)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
