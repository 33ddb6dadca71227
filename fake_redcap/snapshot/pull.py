"""Pull a project through REDCap's API with the project's own client (`redcap_file_client`).

What is read, in REDCap's own shapes: `version`, `project`, `metadata`, `instrument`, for a longitudinal
project `arm`, `event` and `formEventMapping`, when the project repeats `repeatingFormsEvents`, the flat
raw record export (csv, in batches of records), and for each stored file its name and size (`fileinfo`,
V7+: reference §3.3) and MIME type (Export File's Content-Type header), optionally its bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fake_redcap.snapshot.access import DAG_COLUMN, Access
from fake_redcap.snapshot.repository import PulledRepository
from redcap_file_client import RedcapClient, RedcapError

RECORD_BATCH = 100  # records per record export request

# The flat, raw record export as REDCap's own "CSV (raw data)" download has it: no labels, no survey
# columns ("false" is false: V15 API/index.php:266-267 takes only '1' or 'true'); each record's data
# access group when the caller is in none (V15 API/record/export.php:234).
RECORD_EXPORT = {
    "format": "csv",
    "type": "flat",
    "rawOrLabel": "raw",
    "rawOrLabelHeaders": "raw",
    "exportCheckboxLabel": "false",
    "exportSurveyFields": "false",
    "exportDataAccessGroups": "true",
}
RECORD_META = ("redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance")


class PullError(Exception):
    """The server's answer cannot be used; the message says which and why."""


@dataclass(frozen=True)
class FilePlace:
    """Where a stored file is: record (as the server names it), event, instance and field."""

    record: str
    event: str | None
    instance: int
    field: str


@dataclass
class PulledFile:
    place: FilePlace
    name: str
    size: int
    mime: str | None
    content: Path | None = None  # the downloaded bytes (--with-files)


@dataclass
class Pulled:
    """Everything the API gave, as it gave it."""

    version: str
    info: dict[str, Any]
    metadata: list[dict[str, Any]]
    instruments: list[dict[str, Any]]
    arms: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    mappings: list[dict[str, Any]] = field(default_factory=list)
    repeating: list[dict[str, Any]] = field(default_factory=list)
    record_header: list[str] = field(default_factory=list)
    records: list[list[str]] = field(default_factory=list)
    files: list[PulledFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the snapshot could not pull, said to the user
    repeating_refused: bool = False  # repeatingFormsEvents refused: the set-up is read from the records
    access: Access = field(default_factory=Access)  # DAGs, users and roles (snapshot/access.py)
    repository: PulledRepository | None = None  # the File Repository (snapshot/repository.py)

    @property
    def longitudinal(self) -> bool:
        return str(self.info.get("is_longitudinal", "0")) == "1"

    @property
    def record_id_field(self) -> str:
        return str(self.metadata[0]["field_name"])


Bar = Callable[[str, int], "BarHandle"]


class BarHandle:
    """A progress bar's interface (tqdm's, or nothing)."""

    def update(self, n: int) -> None:  # pragma: no cover - replaced by the CLI's bar
        pass

    def close(self) -> None:  # pragma: no cover
        pass


def no_bar(label: str, total: int) -> BarHandle:
    return BarHandle()


def _rows(data: Any, content: str) -> list[dict[str, Any]]:
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise PullError(f"content={content} did not answer a JSON list of objects")
    return data


def pull_structure(client: RedcapClient) -> Pulled:
    """The version, project info and the project's shape."""
    version = client.export_content("version").decode("utf-8", "replace").strip().strip('"')
    info = client.export_json("project")
    if not isinstance(info, dict):
        raise PullError("content=project did not answer a JSON object")
    metadata = _rows(client.export_json("metadata"), "metadata")
    if not metadata:
        raise PullError("content=metadata answered no fields")
    pulled = Pulled(version, info, metadata, _rows(client.export_json("instrument"), "instrument"))
    if pulled.longitudinal:
        pulled.arms = _rows(client.export_json("arm"), "arm")
        pulled.events = _rows(client.export_json("event"), "event")
        pulled.mappings = _rows(client.export_json("formEventMapping"), "formEventMapping")
    if str(info.get("has_repeating_instruments_or_events", "0")) == "1":
        try:
            pulled.repeating = _rows(client.export_json("repeatingFormsEvents"), "repeatingFormsEvents")
        except RedcapError as error:
            # REDCap 14+ asks Project Design and Setup of this export (400 api_227: V14.5.11 and
            # V15.7.6 API/repeatingFormsEvents/export.php:5); the record export shows which
            # instruments and events repeat wherever a record has an instance.
            if error.status not in (400, 403):
                raise
            pulled.repeating_refused = True
    return pulled


def _csv(raw: bytes, what: str) -> list[list[str]]:
    try:
        text = raw.decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text, newline="")))
    except (UnicodeDecodeError, csv.Error) as error:
        raise PullError(f"{what} is not UTF-8 CSV ({error})") from None


def record_names(client: RedcapClient, pulled: Pulled) -> list[str]:
    """Every record's name, in the export's order (the record ID field alone)."""
    lines = _csv(
        client.export_content("record", {**RECORD_EXPORT, "fields[0]": pulled.record_id_field}),
        "the record list",
    )
    names: dict[str, None] = {}
    for line in lines[1:]:
        if line and line[0] != "":
            names.setdefault(line[0], None)
    return list(names)


def pull_records(client: RedcapClient, pulled: Pulled, bar: Bar = no_bar) -> None:
    """The flat raw record export, `RECORD_BATCH` records a request; every batch must have one header."""
    names = record_names(client, pulled)
    progress = bar("records", len(names))
    try:
        for start in range(0, len(names), RECORD_BATCH):
            batch = names[start : start + RECORD_BATCH]
            params = {**RECORD_EXPORT, **{f"records[{i}]": n for i, n in enumerate(batch)}}
            lines = _csv(client.export_content("record", params), "the record export")
            if not lines:
                raise PullError("the record export answered nothing, not even a header line")
            if not pulled.record_header:
                pulled.record_header = lines[0]
            elif lines[0] != pulled.record_header:
                raise PullError("the record export's columns changed between two requests; run it again")
            pulled.records.extend(line for line in lines[1:] if any(cell != "" for cell in line))
            progress.update(len(batch))
    finally:
        progress.close()
    if pulled.repeating_refused:
        pulled.repeating = repeating_from_records(pulled)
        pulled.notes.append(
            "the token's user may not export the repeating set-up (REDCap asks Project Design and Setup "
            "of it); it was read from the records, so a repeating instrument or event without any "
            "instance in the data is not repeating in the snapshot. Fix: give the user Project Design "
            "and Setup, or use another token"
        )
    if (pulled.access.dags and DAG_COLUMN not in pulled.record_header) or pulled.access.in_a_dag:
        pulled.notes.append(
            "the token's user is in a data access group: only its group's records were pulled. Fix: use "
            "the token of a user in no data access group"
        )
    missing = missing_fields(pulled)
    if missing:
        pulled.notes.append(
            f"the token's user may not export {len(missing)} field(s) (its data export rights leave them "
            f"out of the record export): {_listed(missing)}; they are blank in the snapshot. Fix: give "
            "the user Full Data Set export rights on every instrument, or use another token"
        )


def _listed(names: list[str], most: int = 12) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def repeating_from_records(pulled: Pulled) -> list[dict[str, Any]]:
    """The repeating set-up as the record export shows it: `redcap_repeat_instrument` names a repeating
    instrument (of the row's event); an instance number with no instrument is a repeating event's row."""
    header = pulled.record_header
    if "redcap_repeat_instance" not in header:
        return []
    found: dict[tuple[str, str], None] = {}
    for line in pulled.records:
        row = dict(zip(header, line, strict=False))
        if row.get("redcap_repeat_instance", "") == "":
            continue
        found.setdefault((row.get("redcap_event_name", ""), row.get("redcap_repeat_instrument", "")), None)
    return [{"event_name": event, "form_name": form} for event, form in found]


def missing_fields(pulled: Pulled) -> list[str]:
    """Fields with data (and instruments' `_complete` fields) the record export left out for this user."""
    if not pulled.record_header:
        return []
    columns = {c.split("___", 1)[0] for c in pulled.record_header} | set(pulled.record_header)
    columns.discard(DAG_COLUMN)
    wanted: list[str] = []
    for meta in pulled.metadata:
        if meta.get("field_type") != "descriptive":
            wanted.append(str(meta["field_name"]))
    wanted += [f"{i['instrument_name']}_complete" for i in pulled.instruments]
    return [name for name in wanted if name not in columns]


def file_places(pulled: Pulled) -> Iterator[FilePlace]:
    """Each non-blank file column of each record row (a file field shows its name, or [document])."""
    file_fields = {str(m["field_name"]) for m in pulled.metadata if m.get("field_type") == "file"}
    header = pulled.record_header
    for line in pulled.records:
        row = dict(zip(header, line, strict=False))
        instance = row.get("redcap_repeat_instance", "") or "1"
        for name in header:
            if name in file_fields and row.get(name, "") != "":
                yield FilePlace(line[0], row.get("redcap_event_name") or None, int(instance), name)


def pull_files(client: RedcapClient, pulled: Pulled, folder: Path | None, bar: Bar = no_bar) -> None:
    """Name, size and MIME type of every stored file; with `folder`, also its bytes (files/0001.bin...)."""
    places = list(file_places(pulled))
    progress = bar("files", len(places))
    try:
        for number, place in enumerate(places, start=1):
            pulled.files.append(_pull_file(client, place, folder, number))
            progress.update(1)
    finally:
        progress.close()


def _pull_file(client: RedcapClient, place: FilePlace, folder: Path | None, number: int) -> PulledFile:
    where = {"record": place.record, "field": place.field, "action": "export"}
    if place.event is not None:
        where["event"] = place.event
    if place.instance != 1:
        where["repeat_instance"] = str(place.instance)
    info = client.export_json("fileinfo", where)  # {"size": int, "name": ...}: V15 API/file/export.php:111
    if (
        not isinstance(info, dict)
        or not isinstance(info.get("name"), str)
        or not isinstance(info.get("size"), int)
    ):
        raise PullError(
            f"content=fileinfo for record {place.record}, field {place.field} answered no name and size"
        )
    kind = client.export_file_type(
        place.record,
        place.field,
        event=place.event,
        repeat_instance=place.instance if place.instance != 1 else None,
    )
    pulled = PulledFile(place, info["name"], info["size"], kind.mime_type)
    if folder is not None:
        target = folder / f"{number:04d}.bin"
        client.download_file(
            place.record,
            place.field,
            target,
            event=place.event,
            repeat_instance=place.instance if place.instance != 1 else None,
        )
        pulled.content = target
        pulled.size = target.stat().st_size
    return pulled
