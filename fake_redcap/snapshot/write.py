"""Write a pulled project as a fixture folder that `fake-redcap serve` loads as is.

REDCap's own file formats where the fixture reader takes them (fixture/redcap_csv.py): the data
dictionary, arms, events, instrument designations, repeating set-up and the flat raw record export; the
rest in `project.yaml`: project id, title and status, the REDCap version, the instruments' labels, one
owner user with a freshly generated token, and the stored files (the CSV's file columns hold only names).

The folder is built beside its destination under a temporary name, loaded with the fixture reader, and
renamed into place only then: a failure or Ctrl-C leaves no folder behind.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fake_redcap.fixture.access import OTHER_RIGHTS
from fake_redcap.fixture.redcap_csv import DICTIONARY_COLUMNS
from fake_redcap.fixture.structure import INTEGER_ATTRIBUTES, TEXT_ATTRIBUTES
from fake_redcap.snapshot.access import DAG_COLUMN, Groups, dag_entries, role_entries, user_entries
from fake_redcap.snapshot.pull import RECORD_META, Pulled
from fake_redcap.snapshot.repository import repository_section
from fake_redcap.snapshot.synthetic import Synthesizer, must_replace

FIXTURE_NAME = "project.yaml"
OWNER = "owner"
# redcap_projects.status as content=project's in_production gives it (0, 1, 2 Analysis/Cleanup).
STATUSES = {"0": "development", "1": "production", "2": "analysis"}


@dataclass(frozen=True)
class Options:
    with_data: bool = False  # keep every value as the server holds it
    keep_record_ids: bool = False
    with_files: bool = False  # the files' bytes (else placeholders of the same name, type and size)


@dataclass(frozen=True)
class Written:
    folder: Path
    token: str
    records: int
    files: int
    replaced: int
    notes: list[str]
    owner: str = OWNER


def staging_folder(out: Path) -> Path:
    """A new, empty folder beside `out` to build the snapshot in."""
    stage = out.parent / f".{out.name}.snapshot-{secrets.token_hex(4)}"
    stage.mkdir()
    return stage


def finish(stage: Path, out: Path, check: Callable[[Path], object]) -> None:
    """`check` the fixture in `stage` (it raises when the folder would not load), then move it to `out`."""
    check(stage / FIXTURE_NAME)
    if os.path.lexists(out):
        raise FileExistsError(f"{out} appeared while the snapshot was written; nothing was replaced")
    os.rename(stage, out)


def discard(stage: Path) -> None:
    shutil.rmtree(stage, ignore_errors=True)


def _csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if cell is None else str(cell) for cell in row] for row in rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def write_structure(pulled: Pulled, stage: Path) -> dict[str, str]:
    """The REDCap files of the project's shape; returns the `redcap:` key's entries."""
    files = {"data_dictionary": "data_dictionary.csv"}
    _csv(
        stage / files["data_dictionary"],
        DICTIONARY_COLUMNS,
        ([row.get(column, "") for column in DICTIONARY_COLUMNS] for row in pulled.metadata),
    )
    if pulled.longitudinal:
        files["arms"] = "arms.csv"
        _csv(
            stage / "arms.csv", ("arm_num", "name"), ((a.get("arm_num"), a.get("name")) for a in pulled.arms)
        )
        files["events"] = "events.csv"
        columns: tuple[str, ...] = ("event_name", "arm_num", "unique_event_name", "custom_event_label")
        _csv(stage / "events.csv", columns, ([e.get(c) or "" for c in columns] for e in pulled.events))
        files["instrument_event_mappings"] = "instrument_designations.csv"
        columns = ("arm_num", "unique_event_name", "form")
        _csv(
            stage / files["instrument_event_mappings"],
            columns,
            ([m.get(c) for c in columns] for m in pulled.mappings),
        )
    if pulled.repeating:
        files["repeating_instruments_events"] = "repeating.csv"
        repeat_columns: tuple[str, ...] = ("event_name", "form_name", "custom_form_label")
        if not pulled.longitudinal:
            repeat_columns = repeat_columns[1:]
        rules = ([r.get(c) or "" for c in repeat_columns] for r in pulled.repeating)
        _csv(stage / "repeating.csv", repeat_columns, rules)
    return files


def record_id_map(pulled: Pulled, options: Options) -> dict[str, str]:
    """Each record's new name: itself when kept, else 1, 2, 3 ... in the export's order."""
    names = list(dict.fromkeys(line[0] for line in pulled.records))
    if options.keep_record_ids:
        return {name: name for name in names}
    return {name: str(number) for number, name in enumerate(names, start=1)}


def write_records(
    pulled: Pulled,
    stage: Path,
    ids: Mapping[str, str],
    options: Options,
    dags: Mapping[str, str] | None = None,
) -> int:
    """records.csv: the flat export with record IDs mapped, DAG names as the fake makes them (`dags`)
    and, unless `with_data`, the values that must not leave the server replaced. Returns how many
    values were replaced."""
    fields = {str(m["field_name"]): m for m in pulled.metadata}
    replace: dict[int, Mapping[str, Any]] = {}
    if not options.with_data:
        for index, column in enumerate(pulled.record_header):
            meta = None if column in RECORD_META else fields.get(column)
            if meta is None and "___" in column:  # a checkbox choice's column, field___code
                box = fields.get(column.split("___", 1)[0])
                meta = box if box is not None and box.get("field_type") == "checkbox" else None
            if index > 0 and meta is not None and must_replace(meta):
                replace[index] = meta
    synth = Synthesizer()
    rows = []
    group = pulled.record_header.index(DAG_COLUMN) if DAG_COLUMN in pulled.record_header else None
    for line in pulled.records:
        row = list(line)
        row[0] = ids[row[0]]
        if group is not None and dags and group < len(row):
            row[group] = dags.get(row[group], row[group])
        for index, field_meta in replace.items():
            if index < len(row):
                row[index] = synth.value(field_meta, pulled.record_header[index], row[index])
        rows.append(row)
    _csv(stage / "records.csv", pulled.record_header, rows)
    return synth.count


def file_rows(pulled: Pulled, stage: Path, ids: Mapping[str, str], options: Options) -> list[dict[str, Any]]:
    """The fixture's `records:` rows that add the stored files (files/0001.bin ...: the bytes, or a
    placeholder of zeros of the same size)."""
    folder = stage / "files"
    folder.mkdir(exist_ok=True)
    rows: dict[tuple[str, str | None, int], dict[str, Any]] = {}
    for number, pulled_file in enumerate(pulled.files, start=1):
        path = folder / f"{number:04d}.bin"
        if pulled_file.content is None or not options.with_files:
            with path.open("wb") as handle:
                handle.truncate(pulled_file.size)
        elif pulled_file.content != path:
            os.replace(pulled_file.content, path)
        place = pulled_file.place
        entry: dict[str, Any] = {"path": f"files/{path.name}", "name": pulled_file.name}
        if pulled_file.mime:
            entry["mime"] = pulled_file.mime
        record = ids[place.record]
        row = rows.setdefault((record, place.event, place.instance), {"record": record})
        if place.event is not None:
            row["event"] = place.event
        if place.instance != 1:
            row["instance"] = place.instance
        row.setdefault("files", {})[place.field] = entry
    return list(rows.values())


def owner_user(token: str, name: str = OWNER) -> dict[str, Any]:
    """One user with every right a project's creator has (in no DAG, so it sees every record)."""
    return {
        "username": name,
        "token": token,
        "data_export": "full",
        "api_import": True,
        "record_delete": True,
        "record_rename": True,
        "design": True,
        "user_rights": True,
        "mobile_app": True,
        "rights": {name: 2 if name == "lock_records" else 1 for name in OTHER_RIGHTS},
    }


def _free_name(users: list[dict[str, Any]]) -> str:
    """`owner`, or `owner_2` ... when the project has a user of that name."""
    taken = {str(u["username"]).casefold() for u in users}
    number = 1
    name = OWNER
    while name.casefold() in taken:
        number += 1
        name = f"{OWNER}_{number}"
    return name


def access_sections(pulled: Pulled, options: Options, token: str) -> tuple[dict[str, Any], Groups, str]:
    """`dags`, `roles` and `users` (the owner first), the DAG names' translation and the owner's name."""
    access = pulled.access
    groups = Groups([], {})
    if access.dags or DAG_COLUMN in pulled.record_header:
        groups = dag_entries(access, pulled.record_header, pulled.records)
    forms = [str(i["instrument_name"]) for i in pulled.instruments]
    users = user_entries(access, forms, groups, options.with_data)
    owner = _free_name(users)
    sections: dict[str, Any] = {}
    if groups.entries:
        sections["dags"] = groups.entries
    roles = role_entries(access, forms)
    if roles:
        sections["roles"] = roles
    sections["users"] = [owner_user(token, owner), *users]
    pulled.notes[:0] = access.notes
    return sections, groups, owner


# A person's name: left out unless --with-data (the PI's e-mail is not an attribute a fixture sets).
PERSONAL_ATTRIBUTES = ("project_pi_firstname", "project_pi_lastname")


def project_section(pulled: Pulled, options: Options) -> dict[str, Any]:
    """`project:` with the attributes content=project gave that a fixture may set."""
    info = pulled.info
    attributes: dict[str, str | int] = {}
    for key in TEXT_ATTRIBUTES:
        if key in info and (options.with_data or key not in PERSONAL_ATTRIBUTES):
            attributes[key] = str(info[key] if info[key] is not None else "")
    for key in INTEGER_ATTRIBUTES:
        text = str(info.get(key, "")).strip()
        if text.lstrip("-").isdigit():
            attributes[key] = int(text)
    section: dict[str, Any] = {
        "project_id": int(info["project_id"]),
        "title": str(info.get("project_title", "")),
        "status": STATUSES.get(str(info.get("in_production", "0")), "development"),
    }
    if attributes:
        section["attributes"] = attributes
    return section


def write_fixture(pulled: Pulled, stage: Path, options: Options) -> Written:
    """Every file of the snapshot, in `stage`."""
    redcap = write_structure(pulled, stage)
    ids = record_id_map(pulled, options)
    token = secrets.token_hex(16).upper()
    people, groups, owner = access_sections(pulled, options, token)
    replaced = 0
    if pulled.record_header:
        redcap["records"] = "records.csv"
        replaced = write_records(pulled, stage, ids, options, groups.rename)
    document: dict[str, Any] = {
        "project": project_section(pulled, options),
        "redcap_version": pulled.version,
        "redcap": redcap,
        "instruments": [
            {"name": str(i["instrument_name"]), "label": str(i["instrument_label"])}
            for i in pulled.instruments
        ],
        **people,
    }
    rows = file_rows(pulled, stage, ids, options)
    if rows:
        document["records"] = rows
    if pulled.repository is not None and (pulled.repository.folders or pulled.repository.files):
        document["file_repository"] = repository_section(pulled.repository, stage, options.with_files)
    values = "as the server holds them" if options.with_data else "identifiers and free text synthetic"
    files = "as stored" if options.with_files else "placeholders (zeros) of the same name, type and size"
    ids_kept = "kept" if options.keep_record_ids else "renumbered"
    head = (
        f"# A snapshot written by `fake-redcap snapshot` (REDCap {pulled.version}).\n"
        f"# Values: {values}; files: {files}; record IDs: {ids_kept}.\n"
    )
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    (stage / FIXTURE_NAME).write_text(head + text, encoding="utf-8")
    return Written(stage, token, len(ids), len(pulled.files), replaced, pulled.notes, owner)
