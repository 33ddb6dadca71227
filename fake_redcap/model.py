"""Plain, immutable model objects for one served REDCap project.

`fixture.load_fixture` builds these from a fixture file; everything else only reads them.
Names follow REDCap's own words (record, event, instance, field, form, export rights).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fake_redcap.repository import Repository
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
    """One data dictionary line: every column of REDCap's metadata export, as that export shows it."""

    name: str
    form: str
    type: str  # REDCap field type: text, file, notes, dropdown, ...
    validation: str | None = None  # text_validation_type_or_show_slider_number; "signature" for signatures
    identifier: bool = False  # field_phi == '1'
    label: str = ""
    section_header: str = ""
    choices: str = ""  # select_choices_or_calculations: choices, a calculation, slider labels or SQL
    note: str = ""  # field_note
    validation_min: str = ""
    validation_max: str = ""
    branching_logic: str = ""
    required: bool = False
    alignment: str = ""  # custom_alignment
    question_number: str = ""
    matrix_group: str = ""
    matrix_ranking: bool = False
    annotation: str = ""  # field_annotation (action tags)

    @property
    def is_file(self) -> bool:
        return self.type == "file"

    @property
    def is_signature(self) -> bool:
        return self.type == "file" and self.validation == "signature"

    def choice_codes(self) -> tuple[str, ...]:
        """The coded values of a dropdown, radio or checkbox field, in order (parseEnum's keys)."""
        if self.type not in ("dropdown", "radio", "checkbox"):
            return ()
        return _choice_codes(self.choices)

    def export_names(self) -> tuple[str, ...]:
        """The record export's column names: `name___code` per choice for a checkbox (V15
        `REDCap::getExportFieldNames`), none for file and descriptive fields, else the name."""
        if self.type == "checkbox":
            return tuple(checkbox_column(self.name, code) for code in self.choice_codes())
        if self.type in ("file", "descriptive"):
            return ()
        return (self.name,)


def status_field(form: str) -> Field:
    """`<form>_complete`, the form status field REDCap keeps at the end of every form (a dropdown
    0 Incomplete / 1 Unverified / 2 Complete, element_label "Complete?")."""
    return Field(
        name=f"{form}_complete",
        form=form,
        type="dropdown",
        label="Complete?",
        choices="0, Incomplete | 1, Unverified | 2, Complete",
    )


@functools.lru_cache(maxsize=1024)
def _choice_codes(choices: str) -> tuple[str, ...]:
    """The codes of a choices text, parsed once per text (record imports check every value with them)."""
    return tuple(parse_choices(choices))


def parse_choices(choices: str) -> dict[str, str]:
    """Choices "1, Red | 2, Green" as REDCap's parseEnum reads them (V15 Config/init_functions.php:1687):
    split at "|", the code before the first comma and the label after it, both trimmed; no comma makes
    the code its own label; a code given twice joins its labels with ", "."""
    result: dict[str, str] = {}
    if not choices.strip():
        return result
    for part in choices.strip().split("|"):
        code, comma, label = part.partition(",")
        code, label = code.strip(), label.strip() if comma else code.strip()
        result[code] = f"{result[code]}, {label}" if code in result else label
    return result


def checkbox_column(field: str, code: str) -> str:
    """`Project::getExtendedCheckboxFieldname` (V15 Classes/Project.php:2022-2036): "-" and "." become
    "_", then lower case, and anything but a-z, 0-9 and _ is dropped."""
    formatted = re.sub(r"[^a-z_0-9]", "", code.replace("-", "_").replace(".", "_").lower())
    return f"{field}___{formatted}"


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
    # REDCap's redcap_events_metadata.event_id, an AUTO_INCREMENT that never changes once given (V15
    # Classes/Event.php create:185 inserts a row, update:210 keeps its id). None: the fixture's synthetic id
    # (structure.event_id); an event import or delete pins every id first, so no id shifts.
    event_id: int | None = None
    # redcap_events_metadata.custom_event_label, set by an event import (V15 Classes/Event.php create,
    # update) and shown by the event export; not part of an event's identity.
    custom_label: str = field(default="", compare=False)


@dataclass(frozen=True)
class Repeating:
    """One repeating rule: a repeating instrument (form set) or a repeating event (form None)."""

    event: str | None  # None in classic projects
    form: str | None  # None: the whole event repeats
    # redcap_events_repeat.custom_repeat_form_label (a repeating import's custom_form_label), shown by
    # the repeating export; not part of the rule's identity (membership tests compare event and form).
    label: str = field(default="", compare=False)


@dataclass(frozen=True)
class User:
    username: str
    token: str
    # One level for every form, or a level per form (every form of the project is present).
    data_export: ExportRight | Mapping[str, ExportRight]
    api_export: bool = True
    api_import: bool = False
    record_delete: bool = False
    record_rename: bool = False  # Rename Record (user right record_rename)
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
    # What the user import/export (`content=user`) also carries (fake_redcap/user_rights.py): the
    # account's e-mail and names, per-form data entry rights in stored order (None: every form 1, View &
    # Edit), the other rights by their export names (alerts, reports, lock_records, ...; 0 when absent,
    # and `user_rights: 2` for Read Only), the user role (its unique name) and the DAG (group_id).
    # A user added through the API has no token ("", REDCap issues tokens separately).
    email: str = ""
    firstname: str = ""
    lastname: str = ""
    data_entry: tuple[tuple[str, int | str], ...] | None = None
    rights: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    role: str | None = None
    dag: int | None = None
    # The DAG Switcher's assignments (redcap_data_access_groups_users): the group_ids the user may switch
    # to with content=dag&action=switch, None for "no assignment".
    dag_switch: tuple[int | None, ...] = ()

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
class Dag:
    """One data access group (redcap_data_access_groups): its id, name and unique name."""

    group_id: int
    name: str  # group_name, as data_access_group_name exports it
    unique_name: str  # unique_group_name


@dataclass(frozen=True)
class Role:
    """One user role (redcap_user_roles): its unique name (`U-...`), label and rights, held as a User
    whose username and token are empty (only its rights count; fake_redcap/user_rights.py)."""

    unique_name: str
    label: str
    rights: User
    role_id: int = 0  # redcap_user_roles.role_id (what "Edit role" and "Delete role" log)


@dataclass(frozen=True, slots=True)
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


# One read-only empty mapping shared by every row that has no values, files or hidden values (a
# 100,000-record fixture would otherwise hold 100,000 empty dicts of each).
EMPTY_MAPPING: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One flat row: a record in one event and instance, with its values and stored files."""

    record: str
    event: str | None  # unique event name; None in classic projects
    instance: int  # 1 when not repeating
    values: Mapping[str, str] = field(default_factory=lambda: EMPTY_MAPPING)
    files: Mapping[str, StoredFile] = field(default_factory=lambda: EMPTY_MAPPING)
    record_locked: bool = False  # "Lock entire record": blocks file import/delete in every event (V13+)
    locked_forms: frozenset[str] = frozenset()  # instruments locked in this event and instance
    # Values of fields a metadata import removed: REDCap's redcap_data keeps them (save_metadata does not
    # touch it) and a field of that name added again shows them. No export reads them.
    hidden_values: Mapping[str, str] = field(default_factory=lambda: EMPTY_MAPPING)
    # Files of file fields a metadata import removed: REDCap keeps their doc_id in redcap_data and the
    # edoc (MetaData::save_metadata deletes neither), so the file is back when the field is. No method
    # reads them; they are freed with their row.
    hidden_files: Mapping[str, StoredFile] = field(default_factory=lambda: EMPTY_MAPPING)


# PHP's ucwords: a lower-case letter at the start or after a space, tab, CR, LF, FF or VT is upper-cased.
_WORD_START = re.compile(r"(^|[ \t\r\n\f\v])([a-z])")


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
    # Instrument menu labels the fixture gives (`instruments:`, or a project XML's FormDef Name); forms
    # not listed get the label REDCap gives a form a data dictionary creates (see `form_label`).
    instrument_labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    compression: bool = True  # the server's enable_http_compression: gzip + REDCap-Random-Text
    # Project attributes set through the API (Create Project, Import Project Settings): content=project
    # export keys whose values differ from a new project's defaults (methods/project_info.py).
    info: Mapping[str, str | int] = field(default_factory=lambda: MappingProxyType({}))
    dags: tuple[Dag, ...] = ()
    roles: tuple[Role, ...] = ()
    # db_key(record) -> group_id: the DAG a record belongs to (REDCap's __GROUPID__ value)
    record_dags: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    # The File Repository the fixture declares (`file_repository:`); what a reset brings back
    repository: Repository = field(default_factory=Repository)

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

    def form_label(self, form: str) -> str:
        """The instrument's menu label: the one given, else ucwords(str_replace("_", " ", form)), the
        label REDCap 7-15 gives a form that a data dictionary upload or an API metadata import creates
        (V15 Classes/MetaData.php:2099, V7.1.2 :1981). A project XML gives its own (ODM FormDef Name,
        V15 Classes/ODM.php:2055). Only a form that lost its label in production draft mode gets the
        bare form name (V15 Classes/Project.php:747)."""
        given = self.instrument_labels.get(form)
        if given is not None:
            return given
        return _WORD_START.sub(lambda m: m[1] + m[2].upper(), form.replace("_", " "))

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
