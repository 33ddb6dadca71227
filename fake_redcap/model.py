"""Plain, immutable model objects for one served REDCap project.

`fixture.load_fixture` builds these from a fixture file; everything else only reads them.
Names follow REDCap's own words (record, event, instance, field, form, export rights).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from fake_redcap.storage import open_stored


class ExportRight(enum.IntEnum):
    """REDCap's data export rights codes (V15 `UserRights`; `English.ini` rights_47/48/49 and
    data_export_tool_290)."""

    NO_ACCESS = 0
    FULL = 1
    DEIDENTIFIED = 2
    REMOVE_IDENTIFIERS = 3

    @classmethod
    def from_word(cls, word: str) -> ExportRight:
        return _EXPORT_WORDS[word]


_EXPORT_WORDS = {
    "no_access": ExportRight.NO_ACCESS,
    "full": ExportRight.FULL,
    "deidentified": ExportRight.DEIDENTIFIED,
    "remove_identifiers": ExportRight.REMOVE_IDENTIFIERS,
}
EXPORT_RIGHT_WORDS: tuple[str, ...] = tuple(_EXPORT_WORDS)


class ProjectStatus(enum.IntEnum):
    """`redcap_projects.status`: 0 development, 1 production, 2 analysis/cleanup."""

    DEVELOPMENT = 0
    PRODUCTION = 1
    ANALYSIS = 2


class ProjectState(enum.Enum):
    """What REDCap's API/index.php checks after the API rights (V15 :459-475): a project deleted
    (`date_deleted` set, 400 `api_11`), marked Completed (`completed_time` set, 400 `api_150`) or taken
    offline (`online_offline` 0, 400 `info_65`). Independent of `ProjectStatus`."""

    ACTIVE = "active"
    DELETED = "deleted"
    COMPLETED = "completed"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Field:
    name: str
    form: str
    type: str  # REDCap field type: text, file, notes, dropdown, ...
    validation: str | None = None  # text_validation_type_or_show_slider_number; "signature" for signatures
    identifier: bool = False  # field_phi == '1'
    label: str = ""

    @property
    def is_file(self) -> bool:
        return self.type == "file"

    @property
    def is_signature(self) -> bool:
        return self.type == "file" and self.validation == "signature"


@dataclass(frozen=True)
class Arm:
    number: int
    name: str


@dataclass(frozen=True)
class Event:
    unique_name: str
    name: str
    arm: int
    forms: tuple[str, ...]


@dataclass(frozen=True)
class Repeating:
    """One repeating rule: a repeating instrument (form set) or a repeating event (form None)."""

    event: str | None  # None in classic projects
    form: str | None  # None: the whole event repeats


@dataclass(frozen=True)
class User:
    username: str
    token: str
    # One level for every form, or a level per form (every form of the project is present).
    data_export: ExportRight | Mapping[str, ExportRight]
    api_export: bool = True
    api_import: bool = False
    record_delete: bool = False
    expiration: dt.date | None = None
    suspended: bool = False
    super_user: bool = False
    # User rights REDCap reads on these paths (V15 RestUtility::processRequest): the Mobile App right
    # (with `mobile_app=1`, full export and API rights), Project Design and Setup (`design`, e.g.
    # repeatingFormsEvents' api_227) and User Rights.
    mobile_app: bool = False
    design: bool = False
    user_rights: bool = False
    # A super user's 64-character Super API Token (redcap_user_information.api_token), or None.
    super_token: str | None = None

    def __repr__(self) -> str:  # never show the token
        return f"User(username={self.username!r})"

    def export_rights(self) -> ExportRight:
        """The single `export_rights` level the API uses (V15 `UserRights::setFormLevelPrivileges`).

        0 if no form is above 0; 2 if every form is 2; 3 if every form is 3; otherwise 1.
        Super users always have Full Data Set (V7+ `RestUtility::processRequest`).
        """
        if self.super_user:
            return ExportRight.FULL
        if isinstance(self.data_export, ExportRight):
            return self.data_export
        levels = set(self.data_export.values())
        if not levels or levels == {ExportRight.NO_ACCESS}:
            return ExportRight.NO_ACCESS
        if levels == {ExportRight.DEIDENTIFIED}:
            return ExportRight.DEIDENTIFIED
        if levels == {ExportRight.REMOVE_IDENTIFIERS}:
            return ExportRight.REMOVE_IDENTIFIERS
        return ExportRight.FULL


@dataclass(frozen=True)
class StoredFile:
    """One file as REDCap's `redcap_edocs_metadata` holds it.

    The bytes live either in memory (`data`, from `text:` / `base64:` fixtures) or on disk (`path`,
    absolute and fully resolved: a fixture's file inside its folder, or an upload in the state's storage),
    never both. Stored files are never changed in place: a replacement is a new StoredFile.
    """

    name: str  # doc_name
    mime: str  # mime_type
    size: int  # doc_size
    data: bytes | None = None
    path: Path | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.path is None):
            raise ValueError("a StoredFile has exactly one of data or path")

    def read_bytes(self) -> bytes:
        """The whole content (for tests and small files; the server streams instead), opened as the
        server opens it (storage.open_stored: no symbolic link followed; StoredFileMissing if gone)."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        with open_stored(self.path) as handle:
            return handle.read()


@dataclass(frozen=True)
class RecordRow:
    """One flat row: a record in one event and instance, with its values and stored files."""

    record: str
    event: str | None  # unique event name; None in classic projects
    instance: int  # 1 when not repeating
    values: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    files: Mapping[str, StoredFile] = field(default_factory=lambda: MappingProxyType({}))
    record_locked: bool = False  # "Lock entire record": blocks file import/delete in every event (V13+)
    locked_forms: frozenset[str] = frozenset()  # instruments locked in this event and instance


@dataclass(frozen=True)
class Project:
    project_id: int
    title: str
    status: ProjectStatus
    redcap_version: str
    fields: tuple[Field, ...]
    arms: tuple[Arm, ...]
    events: tuple[Event, ...]  # empty: a classic project
    repeating: tuple[Repeating, ...]
    users: tuple[User, ...]
    records: tuple[RecordRow, ...]
    source: Path  # the fixture file it came from
    state: ProjectState = ProjectState.ACTIVE

    @property
    def is_longitudinal(self) -> bool:
        return bool(self.events)

    @property
    def record_id_field(self) -> str:
        return self.fields[0].name

    @property
    def forms(self) -> tuple[str, ...]:
        """Instrument names in data-dictionary order."""
        return tuple(dict.fromkeys(f.form for f in self.fields))

    def field(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def event(self, unique_name: str) -> Event | None:
        for e in self.events:
            if e.unique_name == unique_name:
                return e
        return None
