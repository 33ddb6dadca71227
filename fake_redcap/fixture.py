"""Load a project fixture (YAML or JSON) into the immutable model, refusing anything REDCap could not hold.

Every rule is checked at load time: a fixture the fake would serve differently from a real REDCap (a file on
a form the event does not have, a token two users share, a path that leaves the fixture's folder) fails here
with a message naming the file, the place in it and the fix, never later as a puzzling API answer.

Places are written the way the fixture nests: `records[3].files.lab_report`, `users[1].token`,
`events[0].forms[2]` (list positions count from 0). No message and no summary ever shows a whole token.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import errno
import functools
import json
import mimetypes
import os
import re
import stat
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath
from types import MappingProxyType
from typing import Any, NoReturn

import yaml
import yaml.composer
import yaml.nodes

from fake_redcap.model import (
    EXPORT_RIGHT_WORDS,
    Arm,
    Event,
    ExportRight,
    Field,
    Project,
    ProjectStatus,
    RecordRow,
    Repeating,
    StoredFile,
    User,
)

__all__ = [
    "DEFAULT_REDCAP_VERSION",
    "FIELD_TYPES",
    "FixtureError",
    "check_unique_tokens",
    "demo_fixture_paths",
    "describe_project",
    "load_fixture",
    "mask_token",
]

DEFAULT_REDCAP_VERSION = "15.7.6"

# REDCap's `redcap_metadata.element_type` values as the data dictionary names them.
FIELD_TYPES: frozenset[str] = frozenset(
    {
        "text",
        "notes",
        "dropdown",
        "radio",
        "checkbox",
        "yesno",
        "truefalse",
        "file",
        "calc",
        "sql",
        "descriptive",
        "slider",
    }
)

DEMO_DIR = Path(__file__).resolve().parent / "demo"

_TOP_KEYS = ("project", "redcap_version", "fields", "arms", "events", "repeating", "users", "records")
_PROJECT_KEYS = ("project_id", "title", "status")
_FIELD_KEYS = ("name", "form", "type", "validation", "identifier", "label")
_ARM_KEYS = ("number", "name")
_EVENT_KEYS = ("unique_name", "name", "arm", "forms")
_REPEATING_KEYS = ("event", "form")
_USER_KEYS = (
    "username",
    "token",
    "data_export",
    "api_export",
    "api_import",
    "record_delete",
    "expiration",
    "suspended",
    "super_user",
)
_RECORD_KEYS = ("record", "event", "instance", "values", "files", "locked", "locked_forms")
_FILE_KEYS = ("path", "text", "base64", "name", "mime")
_FILE_SOURCES = ("path", "text", "base64")

_STATUS_WORDS = {
    "development": ProjectStatus.DEVELOPMENT,
    "production": ProjectStatus.PRODUCTION,
    "analysis": ProjectStatus.ANALYSIS,
}

_VARIABLE_RE = re.compile(r"[a-z][a-z0-9_]*")  # REDCap variable and instrument names
_EVENT_RE = re.compile(r"[a-z0-9_]+")  # REDCap unique event names
_TOKEN_RE = re.compile(r"[0-9A-Fa-f]{32}")
_HEX_RE = re.compile(r"[0-9A-Fa-f]*")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_VERSION_RE = re.compile(r"\d+\.\d+\.\d+")
_MIME_TOKEN = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*"
_MIME_RE = re.compile(rf"{_MIME_TOKEN}/{_MIME_TOKEN}")

# Characters REDCap 15's Files::sanitizeFileName never lets into a stored doc_name. They would also break the
# `Content-Type: <mime>; name="<doc_name>"` header or a client's path handling, so a fixture may not use them.
_NAME_FORBIDDEN = {'"': "double quote", "/": "slash", "\\": "backslash"}
_NAME_BAD = re.compile(r'["/\\\x00-\x1f\x7f]')

# Compressed files: `mimetypes` reports these as an encoding of the inner type; a stored file is the archive.
_ENCODING_MIME = {
    "gzip": "application/gzip",
    "bzip2": "application/x-bzip2",
    "xz": "application/x-xz",
    "compress": "application/x-compress",
    "br": "application/x-brotli",
}
# Only Python's built-in table, not the machine's /etc/mime.types: a fixture means the same everywhere.
_MIME_TYPES = mimetypes.MimeTypes()
_MIME_TYPES.add_type("text/plain", ".txt")
_MIME_TYPES.add_type("text/csv", ".csv")

_EXPORT_LABELS = {
    ExportRight.FULL: "Full Data Set",
    ExportRight.DEIDENTIFIED: "De-Identified",
    ExportRight.REMOVE_IDENTIFIERS: "Remove All Identifier Fields",
    ExportRight.NO_ACCESS: "No Access",
}


class FixtureError(Exception):
    """A fixture breaks a rule; str() names the file, the place in it, the problem and the fix."""

    def __init__(self, source: str | os.PathLike[str], place: str, problem: str, fix: str = "") -> None:
        self.source = os.fspath(source)
        self.place = place
        self.problem = problem
        self.fix = fix
        super().__init__(self.source, place, problem, fix)

    def __str__(self) -> str:
        where = f"{self.source}: {self.place}" if self.place else self.source
        text = f"{where}: {self.problem}"
        return f"{text}. Fix: {self.fix}." if self.fix else f"{text}."


def mask_token(token: str) -> str:
    """A token as it may be shown: its first 4 characters, enough to tell demo users apart."""
    return token[:4] + "…"


# --------------------------------------------------------------------------------------------------------
# Reading the file


class _AliasRefused(yaml.composer.ComposerError):
    """An anchor or alias: refused so a small file cannot expand into a huge document ("billion laughs")."""


class _DuplicateKey(yaml.composer.ComposerError):
    """PyYAML keeps the last of two equal keys silently; a fixture must not lose an entry that way."""


class _NoDuplicateKeys:
    """Refuses duplicate mapping keys (a mixin for PyYAML's safe constructors)."""

    def construct_mapping(self, node: yaml.nodes.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        self.flatten_mapping(node)  # type: ignore[attr-defined]
        seen: set[object] = set()
        for key_node, _value_node in node.value:
            key = self.construct_object(key_node, deep=False)  # type: ignore[attr-defined]
            try:
                duplicate = key in seen
            except TypeError:  # unhashable: the base constructor reports it
                continue
            if duplicate:
                raise _DuplicateKey(
                    None, None, f"the key {_show_key(key)} appears twice in one mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)  # type: ignore[misc, no-any-return]


class _FixtureLoader(_NoDuplicateKeys, yaml.SafeLoader):
    """SafeLoader without anchors, aliases or duplicate mapping keys (pure Python)."""

    def compose_node(self, parent: yaml.nodes.Node | None, index: int) -> yaml.nodes.Node | None:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        _refuse_alias(event)
        return super().compose_node(parent, index)


_FastFixtureLoader: type | None = None
if getattr(yaml, "__with_libyaml__", False):

    class _CFixtureLoader(_NoDuplicateKeys, yaml.CSafeLoader):
        """The same on libyaml: about ten times faster on large fixtures. libyaml composes nodes in C,
        so anchors and aliases are refused by a first pass over the parser's events."""

    _FastFixtureLoader = _CFixtureLoader


def _refuse_alias(event: Any) -> None:
    if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
        raise _AliasRefused(
            None, None, "YAML anchors (&name) and aliases (*name) are not allowed", event.start_mark
        )


class _JsonDuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _JsonDuplicateKey(key)
        result[key] = value
    return result


def _json_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def _show_key(key: object) -> str:
    """A mapping key for a message; masked if it looks like a token someone put in the wrong place."""
    if isinstance(key, str) and _TOKEN_RE.fullmatch(key):
        return repr(mask_token(key))
    return repr(key)


# A fixture document is read whole into memory; files it stores go beside it (`path:`), never inside.
MAX_FIXTURE_BYTES = 64 * 1024 * 1024


def _read_document(path: Path, source: str) -> Any:
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise FixtureError(
            source, "", f"unknown fixture file type {path.suffix!r}", "name it *.yaml, *.yml or *.json"
        )
    try:
        # Checked before reading: a fixture name that leads to a device, a FIFO or a huge file must not
        # block the loader or fill the memory.
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise FixtureError(
                source, "", "the fixture is not a regular file", "point at a YAML or JSON file"
            )
        if info.st_size > MAX_FIXTURE_BYTES:
            raise FixtureError(
                source,
                "",
                f"the fixture file is {info.st_size} bytes, over the {MAX_FIXTURE_BYTES // (1024 * 1024)} MiB"
                " a fixture may have",
                "keep large stored files beside the fixture and refer to them with path:",
            )
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FixtureError(source, "", "the fixture file does not exist", "check the path") from None
    except UnicodeDecodeError as exc:
        raise FixtureError(
            source, "", f"the file is not UTF-8 text (byte {exc.start})", "save it as UTF-8"
        ) from None
    except OSError as exc:
        raise FixtureError(source, "", f"cannot read the file ({exc.strerror})", "check the path") from None
    if suffix == ".json":
        return _parse_json(text, source)
    return _parse_yaml(text, source)


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_json_object, parse_constant=_json_constant)
    except _JsonDuplicateKey as exc:
        raise FixtureError(
            source,
            "",
            f"the key {_show_key(exc.key)} appears twice in one JSON object",
            "keep one of them: JSON readers silently drop all but the last",
        ) from None
    except json.JSONDecodeError as exc:
        raise FixtureError(
            source, f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}", "correct the JSON"
        ) from None
    except ValueError as exc:
        raise FixtureError(source, "", f"invalid JSON: {exc}", "use plain JSON numbers") from None
    except RecursionError:
        raise FixtureError(source, "", _TOO_DEEP, _TOO_DEEP_FIX) from None


# Python's json module and PyYAML's pure-Python composer recurse once per level of nesting.
_TOO_DEEP = "the document is nested too deeply to read"
_TOO_DEEP_FIX = "a fixture needs only a few levels of nesting; check the brackets"


def _parse_yaml(text: str, source: str) -> Any:
    try:
        if _FastFixtureLoader is None:
            return yaml.load(text, Loader=_FixtureLoader)
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            _refuse_alias(event)
        return yaml.load(text, Loader=_FastFixtureLoader)
    except yaml.MarkedYAMLError as exc:
        # The problem text and position only: PyYAML's own str() quotes the line, which may hold a token.
        mark = exc.problem_mark
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{problem} ({exc.context})"
        if isinstance(exc, _AliasRefused):
            fix = "write each value out in full (refused so that no small file can expand into a huge one)"
        elif isinstance(exc, _DuplicateKey):
            fix = "keep one of them: YAML readers silently drop all but the last"
        else:
            fix = "correct the YAML syntax"
        raise FixtureError(source, place, problem, fix) from None
    except yaml.YAMLError as exc:
        raise FixtureError(source, "", f"invalid YAML: {type(exc).__name__}", "correct the YAML") from None
    except RecursionError:
        raise FixtureError(source, "", _TOO_DEEP, _TOO_DEEP_FIX) from None


# --------------------------------------------------------------------------------------------------------
# Building the model


def load_fixture(path: str | os.PathLike[str], *, redcap_version: str | None = None) -> Project:
    """Load and validate one fixture file; `redcap_version` (from --redcap-version) overrides the file's."""
    given = Path(path)
    source = os.fspath(path)
    document = _read_document(given, source)
    return _Builder(source, given).build(document, redcap_version)


class _Builder:
    """Validates one fixture document section by section, keeping what later sections refer to."""

    def __init__(self, source: str, path: Path) -> None:
        self.source = source
        self.path = path.absolute()
        self.folder = self.path.parent.resolve()
        self.fields: dict[str, Field] = {}
        self.forms: list[str] = []
        self.arms: dict[int, Arm] = {}
        self.events: dict[str, Event] = {}
        self.repeating: list[Repeating] = []
        self.record_id_field = ""

    # -- small typed readers ------------------------------------------------------------------------------

    def fail(self, place: str, problem: str, fix: str = "") -> NoReturn:
        raise FixtureError(self.source, place, problem, fix)

    def mapping(self, value: object, place: str, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(
                place or "top level",
                f"{what} must be a mapping, not {_kind(value)}",
                f"write {what} as key: value pairs",
            )
        for key in value:
            if not isinstance(key, str):
                self.fail(
                    place or "top level",
                    f"the key {_show_key(key)} is not a string",
                    "write keys as plain words",
                )
        return value

    def sequence(self, value: object, place: str, what: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(
                place, f"{what} must be a list, not {_kind(value)}", f"write {what} as a list (`- ...` items)"
            )
        return value

    def keys(
        self, m: Mapping[str, Any], place: str, allowed: Sequence[str], required: Sequence[str] = ()
    ) -> None:
        for key in m:
            if key not in allowed:
                self.fail(
                    _join(place, key),
                    f"unknown key {_show_key(key)}",
                    f"use only {', '.join(allowed)}",
                )
        for key in required:
            if key not in m:
                self.fail(_join(place, key), f"the required key {key!r} is missing", f"add {key}")

    def string(self, value: object, place: str, what: str, *, empty_ok: bool = False) -> str:
        if not isinstance(value, str):
            self.fail(place, f"{what} must be a string, not {_kind(value)}", "quote it")
        if not empty_ok and not value.strip():
            self.fail(place, f"{what} is empty", f"give {what}")
        return value

    def boolean(self, m: Mapping[str, Any], key: str, place: str, default: bool) -> bool:
        if key not in m:
            return default
        value = m[key]
        if not isinstance(value, bool):
            self.fail(
                _join(place, key), f"{key} must be true or false, not {_kind(value)}", "write true or false"
            )
        return value

    def positive_int(self, value: object, place: str, what: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(
                place, f"{what} must be a positive whole number, not {_show_value(value)}", "use 1, 2, 3, ..."
            )
        return value

    # -- sections -----------------------------------------------------------------------------------------

    def build(self, document: object, version_override: str | None) -> Project:
        doc = self.mapping(document, "", "the fixture")
        self.keys(doc, "", _TOP_KEYS, ("fields",))
        project_id, title, status = self.project(doc.get("project"))
        version = self.version(doc.get("redcap_version"), version_override)
        fields = self.read_fields(doc["fields"])
        arms = self.read_arms(doc.get("arms"))
        events = self.read_events(doc.get("events"))
        self.check_arms()
        repeating = self.read_repeating(doc.get("repeating"))
        users = self.read_users(doc.get("users"))
        records = self.read_records(doc.get("records"))
        return Project(
            project_id=project_id,
            title=title,
            status=status,
            redcap_version=version,
            fields=fields,
            arms=arms,
            events=events,
            repeating=repeating,
            users=users,
            records=records,
            source=self.path.resolve(),
        )

    def project(self, value: object) -> tuple[int, str, ProjectStatus]:
        if value is None:
            return 1, self.path.stem, ProjectStatus.DEVELOPMENT
        m = self.mapping(value, "project", "project")
        self.keys(m, "project", _PROJECT_KEYS)
        project_id = self.positive_int(m.get("project_id", 1), "project.project_id", "project_id")
        title = self.string(m.get("title", self.path.stem), "project.title", "the title")
        word = m.get("status", "development")
        if not isinstance(word, str) or word not in _STATUS_WORDS:
            self.fail(
                "project.status",
                f"unknown status {_show_value(word)}",
                f"use one of {', '.join(_STATUS_WORDS)}",
            )
        return project_id, title, _STATUS_WORDS[word]

    def version(self, value: object, override: str | None) -> str:
        version = DEFAULT_REDCAP_VERSION
        if value is not None:
            if not isinstance(value, str):
                self.fail(
                    "redcap_version",
                    f"the version was read as {_kind(value)}",
                    'quote it, e.g. redcap_version: "15.7.6"',
                )
            if not _VERSION_RE.fullmatch(value):
                self.fail(
                    "redcap_version",
                    f"{value!r} is not a REDCap version",
                    "give three numbers such as 15.7.6",
                )
            version = value
        if override is not None:
            if not _VERSION_RE.fullmatch(override):
                self.fail(
                    "redcap_version (the override given to load_fixture)",
                    f"{override!r} is not a REDCap version",
                    "give three numbers such as 15.7.6",
                )
            version = override
        return version

    def read_fields(self, value: object) -> tuple[Field, ...]:
        items = self.sequence(value, "fields", "fields")
        if not items:
            self.fail("fields", "the data dictionary is empty", "list at least the record ID field")
        result: list[Field] = []
        for i, item in enumerate(items):
            place = f"fields[{i}]"
            m = self.mapping(item, place, "a field")
            self.keys(m, place, _FIELD_KEYS, ("name", "form", "type"))
            name = self.string(m["name"], f"{place}.name", "the field name")
            if not _VARIABLE_RE.fullmatch(name):
                self.fail(
                    f"{place}.name",
                    f"{name!r} is not a REDCap variable name",
                    "use lower-case letters, digits and _, starting with a letter",
                )
            if name in self.fields:
                self.fail(
                    f"{place}.name", f"the field {name!r} is defined twice", "give each field its own name"
                )
            form = self.string(m["form"], f"{place}.form", "the form name")
            if not _VARIABLE_RE.fullmatch(form):
                self.fail(
                    f"{place}.form",
                    f"{form!r} is not a REDCap instrument name",
                    "use lower-case letters, digits and _, starting with a letter",
                )
            if form in self.forms and self.forms[-1] != form:
                self.fail(
                    f"{place}.form",
                    f"the fields of form {form!r} are not together"
                    " (REDCap keeps each instrument's fields in one block)",
                    f"move this field next to the other fields of {form!r}",
                )
            ftype = m["type"]
            if not isinstance(ftype, str) or ftype not in FIELD_TYPES:
                self.fail(
                    f"{place}.type",
                    f"unknown field type {_show_value(ftype)}",
                    f"use one of {', '.join(sorted(FIELD_TYPES))}",
                )
            validation = m.get("validation")
            if validation is not None:
                validation = self.string(validation, f"{place}.validation", "the validation")
            if ftype == "file" and validation not in (None, "signature"):
                self.fail(
                    f"{place}.validation",
                    f"a file field takes no validation {validation!r}",
                    "use validation: signature for a signature field, or leave it out",
                )
            if validation == "signature" and ftype != "file":
                self.fail(
                    f"{place}.validation",
                    f"signature validation on a {ftype} field (REDCap signatures are file fields)",
                    "set type: file, or remove the validation",
                )
            identifier = self.boolean(m, "identifier", place, False)
            label = self.string(m.get("label", ""), f"{place}.label", "the label", empty_ok=True)
            if i == 0 and ftype == "file":
                self.fail(
                    f"{place}.type",
                    f"the first field ({name!r}) is the record ID field and cannot be a file field",
                    "put the record ID field (e.g. record_id, type text) first",
                )
            fld = Field(
                name=name, form=form, type=ftype, validation=validation, identifier=identifier, label=label
            )
            self.fields[name] = fld
            if not self.forms or self.forms[-1] != form:
                self.forms.append(form)
            result.append(fld)
        self.record_id_field = result[0].name
        return tuple(result)

    def read_arms(self, value: object) -> tuple[Arm, ...]:
        if value is None:
            self.arms[1] = Arm(1, "Arm 1")
            return (self.arms[1],)
        items = self.sequence(value, "arms", "arms")
        if not items:
            self.fail(
                "arms", "the list of arms is empty", "list at least one arm, or leave arms out for arm 1"
            )
        for i, item in enumerate(items):
            place = f"arms[{i}]"
            m = self.mapping(item, place, "an arm")
            self.keys(m, place, _ARM_KEYS, ("number",))
            number = self.positive_int(m["number"], f"{place}.number", "the arm number")
            if number in self.arms:
                self.fail(f"{place}.number", f"arm {number} is defined twice", "give each arm its own number")
            name = self.string(m.get("name", f"Arm {number}"), f"{place}.name", "the arm name")
            self.arms[number] = Arm(number, name)
        return tuple(self.arms.values())

    def read_events(self, value: object) -> tuple[Event, ...]:
        if value is None:
            return ()
        items = self.sequence(value, "events", "events")
        for i, item in enumerate(items):
            place = f"events[{i}]"
            m = self.mapping(item, place, "an event")
            self.keys(m, place, _EVENT_KEYS, ("unique_name", "forms"))
            unique = self.string(m["unique_name"], f"{place}.unique_name", "the unique event name")
            if not _EVENT_RE.fullmatch(unique):
                self.fail(
                    f"{place}.unique_name",
                    f"{unique!r} is not a REDCap unique event name",
                    "use lower-case letters, digits and _ (e.g. baseline_arm_1)",
                )
            if unique in self.events:
                self.fail(
                    f"{place}.unique_name",
                    f"the event {unique!r} is defined twice",
                    "give each event its own name",
                )
            name = self.string(m.get("name", unique), f"{place}.name", "the event name")
            arm = m.get("arm", 1)
            if isinstance(arm, bool) or not isinstance(arm, int) or arm not in self.arms:
                self.fail(
                    f"{place}.arm",
                    f"arm {_show_value(arm)} does not exist",
                    f"use an arm number ({', '.join(map(str, self.arms))}) or add the arm under arms",
                )
            forms = self.sequence(m["forms"], f"{place}.forms", "the event's forms")
            seen: list[str] = []
            for j, form in enumerate(forms):
                if form not in self.forms:
                    self.fail(
                        f"{place}.forms[{j}]",
                        f"the form {_show_value(form)} does not exist in fields",
                        f"use one of {', '.join(self.forms)}",
                    )
                if form in seen:
                    self.fail(f"{place}.forms[{j}]", f"the form {form!r} is listed twice", "list it once")
                seen.append(form)
            # Designated forms follow the data dictionary's order, as REDCap lists them.
            ordered = tuple(f for f in self.forms if f in seen)
            self.events[unique] = Event(unique_name=unique, name=name, arm=arm, forms=ordered)
        return tuple(self.events.values())

    def check_arms(self) -> None:
        arm_list = list(self.arms)
        if not self.events:
            if len(arm_list) > 1:
                self.fail(
                    "arms",
                    "a classic project (no events) has a single arm",
                    "add events, or leave out arms",
                )
            return
        used = {e.arm for e in self.events.values()}
        for i, number in enumerate(arm_list):
            if number not in used:
                self.fail(
                    f"arms[{i}]",
                    f"arm {number} has no events",
                    "add an event with this arm, or remove the arm",
                )

    def read_repeating(self, value: object) -> tuple[Repeating, ...]:
        if value is None:
            return ()
        items = self.sequence(value, "repeating", "repeating")
        longitudinal = bool(self.events)
        for i, item in enumerate(items):
            place = f"repeating[{i}]"
            m = self.mapping(item, place, "a repeating rule")
            self.keys(m, place, _REPEATING_KEYS)
            event = m.get("event")
            form = m.get("form")
            if not longitudinal:
                if event is not None:
                    self.fail(
                        f"{place}.event",
                        "a classic project has no events",
                        "leave out event; classic projects repeat instruments only",
                    )
                if form is None:
                    self.fail(
                        f"{place}.form",
                        "a classic project can only repeat instruments",
                        "name the form that repeats",
                    )
            elif event is None:
                self.fail(
                    f"{place}.event",
                    "a longitudinal project's repeating rule needs its event",
                    "name the event (with form for a repeating instrument, without for a repeating event)",
                )
            elif not isinstance(event, str) or event not in self.events:
                self.fail(
                    f"{place}.event",
                    f"the event {_show_value(event)} does not exist",
                    f"use one of {', '.join(self.events)}",
                )
            if form is not None:
                if form not in self.forms:
                    self.fail(
                        f"{place}.form",
                        f"the form {_show_value(form)} does not exist in fields",
                        f"use one of {', '.join(self.forms)}",
                    )
                if event is not None and form not in self.events[event].forms:
                    self.fail(
                        f"{place}.form",
                        f"the form {form!r} is not designated for event {event!r}",
                        f"add {form} to that event's forms,"
                        f" or use a form it has ({', '.join(self.events[event].forms)})",
                    )
            rule = Repeating(event=event, form=form)
            if rule in self.repeating:
                self.fail(place, "this repeating rule is listed twice", "list it once")
            if event is not None:
                whole = Repeating(event=event, form=None)
                conflict = (
                    whole in self.repeating
                    if form is not None
                    else any(r.event == event and r.form is not None for r in self.repeating)
                )
                if conflict:
                    self.fail(
                        place,
                        f"event {event!r} cannot be both a repeating event and hold a repeating instrument",
                        "keep either the repeating event or its repeating instruments",
                    )
            self.repeating.append(rule)
        return tuple(self.repeating)

    def read_users(self, value: object) -> tuple[User, ...]:
        if value is None:
            return ()
        items = self.sequence(value, "users", "users")
        result: list[User] = []
        names: dict[str, int] = {}
        tokens: dict[str, int] = {}
        for i, item in enumerate(items):
            place = f"users[{i}]"
            m = self.mapping(item, place, "a user")
            self.keys(m, place, _USER_KEYS, ("username", "token", "data_export"))
            username = self.string(m["username"], f"{place}.username", "the username")
            folded = username.casefold()
            if folded in names:
                self.fail(
                    f"{place}.username",
                    f"the user {username!r} is listed twice (also users[{names[folded]}])",
                    "list each user of a project once",
                )
            names[folded] = i
            token = self.token(m["token"], f"{place}.token")
            key = token.upper()
            if key in tokens:
                other = result[tokens[key]].username
                self.fail(
                    f"{place}.token",
                    f"user {username!r} has the same token as user {other!r} (users[{tokens[key]}]);"
                    " REDCap compares tokens case-insensitively",
                    "give every user a token of their own",
                )
            tokens[key] = i
            result.append(
                User(
                    username=username,
                    token=token,
                    data_export=self.data_export(m["data_export"], f"{place}.data_export"),
                    api_export=self.boolean(m, "api_export", place, True),
                    api_import=self.boolean(m, "api_import", place, False),
                    record_delete=self.boolean(m, "record_delete", place, False),
                    expiration=self.expiration(m.get("expiration"), f"{place}.expiration"),
                    suspended=self.boolean(m, "suspended", place, False),
                    super_user=self.boolean(m, "super_user", place, False),
                )
            )
        return tuple(result)

    def token(self, value: object, place: str) -> str:
        """Checks a token's shape; the messages describe it but never repeat it."""
        fix = "give 32 hexadecimal characters (0-9, A-F) in quotes, as REDCap issues them"
        if not isinstance(value, str):
            self.fail(
                place,
                f"the token was read as {_kind(value)}, not a string (YAML reads unquoted digits as numbers)",
                fix,
            )
        if not _TOKEN_RE.fullmatch(value):
            detail = "" if _HEX_RE.fullmatch(value) else " and holds characters other than 0-9 and A-F"
            self.fail(place, f"the token has {len(value)} characters{detail}", fix)
        return value

    def data_export(self, value: object, place: str) -> ExportRight | Mapping[str, ExportRight]:
        words = ", ".join(EXPORT_RIGHT_WORDS)
        if isinstance(value, str):
            if value not in EXPORT_RIGHT_WORDS:
                self.fail(
                    place, f"unknown export right {value!r}", f"use one of {words}, or a mapping form: level"
                )
            return ExportRight.from_word(value)
        if isinstance(value, dict):
            m = self.mapping(value, place, "data_export")
            per_form: dict[str, ExportRight] = {}
            for form, word in m.items():
                if form not in self.forms:
                    self.fail(
                        _join(place, form),
                        f"the form {_show_key(form)} does not exist in fields",
                        f"use forms of this project ({', '.join(self.forms)})",
                    )
                if word not in EXPORT_RIGHT_WORDS:
                    self.fail(
                        _join(place, form), f"unknown export right {_show_value(word)}", f"use one of {words}"
                    )
                per_form[form] = ExportRight.from_word(word)
            # Forms left out get No Access, as REDCap gives a new instrument for an existing user.
            return MappingProxyType({f: per_form.get(f, ExportRight.NO_ACCESS) for f in self.forms})
        self.fail(
            place, f"data_export must be a word or a mapping, not {_kind(value)}", f"use one of {words}"
        )

    def expiration(self, value: object, place: str) -> dt.date | None:
        fix = "write the date as YYYY-MM-DD, or null for no expiration"
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            self.fail(place, "expiration is a date and time; REDCap expires rights by the day", fix)
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and _DATE_RE.fullmatch(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                self.fail(place, f"{value!r} is not a real date", fix)
        self.fail(place, f"expiration {_show_value(value)} is not a date", fix)

    # -- records ------------------------------------------------------------------------------------------

    def repeats(self, event: str | None, form: str) -> bool:
        """Whether this form has instances above 1 in this event (a repeating form or a repeating event)."""
        if event is not None and Repeating(event=event, form=None) in self.repeating:
            return True
        return Repeating(event=event, form=form) in self.repeating

    def read_records(self, value: object) -> tuple[RecordRow, ...]:
        if value is None:
            return ()
        items = self.sequence(value, "records", "records")
        rows: list[RecordRow] = []
        # REDCap matches record names case-insensitively (utf8mb4_unicode_ci): two spellings are one record.
        spellings: dict[str, tuple[str, int]] = {}
        row_places: dict[tuple[str, str | None, int], int] = {}
        for i, item in enumerate(items):
            place = f"records[{i}]"
            m = self.mapping(item, place, "a record row")
            self.keys(m, place, _RECORD_KEYS, ("record",))
            record = self.record_name(m["record"], f"{place}.record")
            folded = record.casefold()
            first = spellings.setdefault(folded, (record, i))
            if first[0] != record:
                self.fail(
                    f"{place}.record",
                    f"record {record!r} and record {first[0]!r} (records[{first[1]}]) are one record"
                    " to REDCap, which matches record names case-insensitively",
                    "spell the record name the same way in every row",
                )
            event = self.row_event(m, place)
            instance = self.positive_int(m.get("instance", 1), f"{place}.instance", "the instance")
            key = (folded, event, instance)
            if key in row_places:
                self.fail(
                    place,
                    f"record {record!r}{_event_words(event)} instance {instance} already has a row"
                    f" (records[{row_places[key]}])",
                    "put all values and files of one record, event and instance in one row",
                )
            row_places[key] = i
            designated = self.events[event].forms if event is not None else tuple(self.forms)
            values = self.row_values(m.get("values"), place, event, designated)
            files = self.row_files(m.get("files"), place, event, designated)
            self.check_instance(place, event, instance, [*values, *files])
            rows.append(
                RecordRow(
                    record=record,
                    event=event,
                    instance=instance,
                    values=MappingProxyType(values),
                    files=MappingProxyType(files),
                    record_locked=self.boolean(m, "locked", place, False),
                    locked_forms=self.row_locked_forms(m.get("locked_forms"), place, event, designated),
                )
            )
        return tuple(rows)

    def row_locked_forms(
        self, value: object, place: str, event: str | None, designated: Sequence[str]
    ) -> frozenset[str]:
        """Instruments locked in this row's event and instance (REDCap's form-level locking)."""
        if value is None:
            return frozenset()
        forms = self.sequence(value, f"{place}.locked_forms", "locked_forms")
        for j, form in enumerate(forms):
            if not isinstance(form, str) or form not in designated:
                self.fail(
                    f"{place}.locked_forms[{j}]",
                    f"{_show_value(form)} is not an instrument{_event_words(event)}",
                    f"use one of {', '.join(designated)}",
                )
        return frozenset(forms)

    def record_name(self, value: object, place: str) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            self.fail(
                place, f"the record name must be a string, not {_kind(value)}", 'quote it, e.g. record: "1"'
            )
        if not value.strip():
            self.fail(place, "the record name is empty", 'give the record ID, e.g. record: "1"')
        if value != value.strip():
            self.fail(
                place,
                f"the record name {value!r} starts or ends with white space (REDCap ignores trailing spaces)",
                "remove the spaces",
            )
        return value

    def row_event(self, m: Mapping[str, Any], place: str) -> str | None:
        event = m.get("event")
        if not self.events:
            if event is not None:
                self.fail(f"{place}.event", "a classic project has no events", "leave out event")
            return None
        if event is None:
            self.fail(
                f"{place}.event",
                "a longitudinal project's record row needs its event",
                f"add event: one of {', '.join(self.events)}",
            )
        if not isinstance(event, str) or event not in self.events:
            self.fail(
                f"{place}.event",
                f"the event {_show_value(event)} does not exist",
                f"use one of {', '.join(self.events)}",
            )
        return str(event)

    def designated_field(
        self, name: str, place: str, event: str | None, designated: Sequence[str], section: str
    ) -> Field:
        fld = self.fields.get(name)
        if fld is None:
            self.fail(
                place,
                f"the field {_show_key(name)} does not exist in fields",
                "use a field of the data dictionary",
            )
        if name == self.record_id_field:
            self.fail(
                place,
                f"{name!r} is the record ID field; its value is the row's record",
                "give it as record: instead",
            )
        if section == "values" and fld.is_file:
            self.fail(place, f"{name!r} is a file field", "put it under files with a path, text or base64")
        if section == "files" and not fld.is_file:
            self.fail(
                place,
                f"{name!r} is not a file field (its type is {fld.type})",
                "put its value under values, or make it type: file",
            )
        if section == "values" and fld.type == "descriptive":
            self.fail(place, f"{name!r} is a descriptive field and holds no value", "remove it")
        if event is not None and fld.form not in designated:
            self.fail(
                place,
                f"the form {fld.form!r} of field {name!r} is not designated for event {event!r}",
                f"add {fld.form} to that event's forms, or move the value to an event that has it",
            )
        return fld

    def row_values(
        self, value: object, place: str, event: str | None, designated: Sequence[str]
    ) -> dict[str, str]:
        if value is None:
            return {}
        m = self.mapping(value, f"{place}.values", "values")
        result: dict[str, str] = {}
        for name, raw in m.items():
            vplace = _join(f"{place}.values", name)
            self.designated_field(name, vplace, event, designated, "values")
            if isinstance(raw, bool) or not isinstance(raw, str | int | float):
                self.fail(
                    vplace, f"the value must be text or a number, not {_kind(raw)}", 'quote it, e.g. "yes"'
                )
            result[name] = raw if isinstance(raw, str) else str(raw)
        return result

    def row_files(
        self, value: object, place: str, event: str | None, designated: Sequence[str]
    ) -> dict[str, StoredFile]:
        if value is None:
            return {}
        m = self.mapping(value, f"{place}.files", "files")
        result: dict[str, StoredFile] = {}
        for name, spec in m.items():
            fplace = _join(f"{place}.files", name)
            self.designated_field(name, fplace, event, designated, "files")
            result[name] = self.stored_file(spec, fplace)
        return result

    def check_instance(self, place: str, event: str | None, instance: int, names: list[str]) -> None:
        if instance == 1:
            return
        fix = (
            "give this form's fields in an instance 1 row, or add a repeating rule"
            if event is None
            else f"give them in an instance 1 row, or make the form (or event {event!r}) repeat"
        )
        if not names:
            if not any(self.repeats(event, f) for f in (self.events[event].forms if event else self.forms)):
                self.fail(
                    f"{place}.instance",
                    f"instance {instance} given but nothing repeats{_event_words(event)}",
                    fix,
                )
            return
        for name in names:
            form = self.fields[name].form
            if not self.repeats(event, form):
                self.fail(
                    f"{place}.instance",
                    f"instance {instance} given but the form {form!r} of field {name!r} does not repeat"
                    f"{_event_words(event)} (only repeating forms and events have instances above 1)",
                    fix,
                )

    # -- stored files -------------------------------------------------------------------------------------

    def stored_file(self, spec: object, place: str) -> StoredFile:
        m = self.mapping(spec, place, "a file")
        self.keys(m, place, _FILE_KEYS)
        sources = [k for k in _FILE_SOURCES if k in m]
        if len(sources) != 1:
            self.fail(
                place,
                "a file needs exactly one of path, text or base64"
                + (f" (it has {', '.join(sources)})" if sources else ""),
                "keep exactly one",
            )
        source = sources[0]
        name_value = m.get("name")
        if source == "path":
            resolved, size, basename = self.file_path(m["path"], f"{place}.path")
            name = self.file_name(basename if name_value is None else name_value, f"{place}.name")
            return StoredFile(name=name, mime=self.mime(m.get("mime"), name, place), size=size, path=resolved)
        if name_value is None:
            self.fail(f"{place}.name", f"a file given as {source} needs a name", "add name: e.g. report.txt")
        name = self.file_name(name_value, f"{place}.name")
        if source == "text":
            data = self.string(m["text"], f"{place}.text", "text", empty_ok=True).encode("utf-8")
        else:
            data = self.base64(m["base64"], f"{place}.base64")
        return StoredFile(name=name, mime=self.mime(m.get("mime"), name, place), size=len(data), data=data)

    def file_path(self, value: object, place: str) -> tuple[Path, int, str]:
        """Resolves a fixture-relative path that must stay inside the fixture's folder, symlinks included."""
        raw = self.string(value, place, "the path")
        if "\0" in raw:
            self.fail(place, "the path contains a NUL character", "remove it")
        if (
            PurePosixPath(raw).is_absolute()
            or PureWindowsPath(raw).is_absolute()
            or PureWindowsPath(raw).drive
        ):
            self.fail(
                place,
                f"the path {raw!r} is absolute",
                f"give a path relative to the fixture's folder {self.folder}",
            )
        joined = self.folder / raw
        try:
            resolved = joined.resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            if not Path(os.path.normpath(joined)).is_relative_to(self.folder):
                self._escape(place, raw, "")
            # Python 3.11 raises RuntimeError for a loop of symbolic links, later versions ELOOP.
            if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
                self.fail(place, f"the path {raw!r} is a loop of symbolic links", "point at a file")
            self.fail(place, f"the file {raw!r} does not exist (in {self.folder})", "check the path")
        if not resolved.is_relative_to(self.folder):
            symlink = Path(os.path.normpath(joined)).is_relative_to(self.folder)
            self._escape(place, raw, " through a symbolic link" if symlink else "")
        info = resolved.stat()
        if not stat.S_ISREG(info.st_mode):
            self.fail(place, f"{raw!r} is not a regular file", "point at a file")
        return resolved, info.st_size, PurePosixPath(raw).name

    def _escape(self, place: str, raw: str, how: str) -> NoReturn:
        self.fail(
            place,
            f"the path {raw!r} leads out of the fixture's folder {self.folder}{how}",
            "copy the file into the fixture's folder (or a folder below it)",
        )

    def file_name(self, value: object, place: str) -> str:
        name = self.string(value, place, "the file name")
        if not _NAME_BAD.search(name):
            return name
        for ch in name:
            bad = _NAME_FORBIDDEN.get(ch)
            if bad is None and (ch < " " or ch == "\x7f"):
                bad = f"control character U+{ord(ch):04X}"
            if bad is not None:
                self.fail(
                    place,
                    f"the file name {name!r} contains a {bad}; REDCap 15's Files::sanitizeFileName never"
                    ' stores such a name (and it would break the Content-Type header\'s name="...")',
                    "remove or replace that character",
                )
        return name

    def mime(self, value: object, name: str, place: str) -> str:
        if value is not None:
            mime = self.string(value, f"{place}.mime", "the MIME type")
            if not _MIME_RE.fullmatch(mime):
                self.fail(
                    f"{place}.mime",
                    f"{mime!r} is not a MIME type",
                    "write type/subtype such as application/pdf, without parameters",
                )
            return mime
        # Only the last two extensions matter (`x.tar.gz`), so the guess is cached on them.
        stem, last = os.path.splitext(name)
        return _guess_mime("x" + os.path.splitext(stem)[1] + last)

    def base64(self, value: object, place: str) -> bytes:
        text = self.string(value, place, "the base64 text", empty_ok=True)
        try:
            return base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            self.fail(
                place,
                "the base64 text does not decode",
                "give standard base64 (A-Z a-z 0-9 + / and = padding)",
            )


@functools.lru_cache(maxsize=1024)
def _guess_mime(name: str) -> str:
    guessed, encoding = _MIME_TYPES.guess_type(name, strict=False)
    if encoding is not None:
        return _ENCODING_MIME.get(encoding, "application/octet-stream")
    return guessed or "application/octet-stream"


def _join(place: str, key: str) -> str:
    """A place one key deeper; a key that looks like a token is masked even here."""
    shown = mask_token(key) if _TOKEN_RE.fullmatch(key) else key
    return f"{place}.{shown}" if place else shown


def _kind(value: object) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _show_value(value: object) -> str:
    """A short rendering of a wrong value for a message (it is never a token: tokens are checked apart)."""
    if isinstance(value, str):
        return _show_key(value if len(value) <= 60 else value[:60] + "…")
    if isinstance(value, int | float | bool) or value is None:
        return repr(value)
    return _kind(value)


def _event_words(event: str | None) -> str:
    return f" in event {event!r}" if event is not None else ""


# --------------------------------------------------------------------------------------------------------
# Several projects, demo projects, summaries


def check_unique_tokens(projects: Sequence[Project]) -> None:
    """Refuse a token shared by two served users: the token alone decides the user and the project.

    Compared case-insensitively, as `redcap_user_rights.api_token`'s collation does. The message names
    both fixture files and users, never the token.
    """
    seen: dict[str, tuple[Project, int]] = {}
    for project in projects:
        for index, user in enumerate(project.users):
            key = user.token.upper()
            if key not in seen:
                seen[key] = (project, index)
                continue
            other_project, other_index = seen[key]
            other = other_project.users[other_index]
            same = other_project is project or other_project.source == project.source
            where = "this fixture (served twice?)" if same else f"{other_project.source}"
            raise FixtureError(
                project.source,
                f"users[{index}].token",
                f"user {user.username!r} (project {project.project_id}) has the same token as user"
                f" {other.username!r} (project {other_project.project_id}, users[{other_index}]) in {where};"
                " REDCap compares tokens case-insensitively",
                "give every user of every served project a token of their own",
            )


def demo_fixture_paths() -> list[Path]:
    """The bundled demo fixtures, served when no --fixture is given."""
    return sorted(DEMO_DIR.glob("*.yaml"))


def describe_project(project: Project) -> str:
    """The summary `fake-redcap check` prints; tokens appear masked only."""
    lines: list[str] = []
    kind = "longitudinal" if project.is_longitudinal else "classic"
    lines.append(f"Project {project.project_id}: {project.title}")
    lines.append(f"  fixture: {project.source}")
    lines.append(f"  status: {project.status.name.lower()}, REDCap version {project.redcap_version}, {kind}")

    repeating_forms = [r for r in project.repeating if r.form is not None]
    lines.append(f"Fields ({len(project.fields)}; record ID field: {project.record_id_field}):")
    for form in project.forms:
        classic_repeat = not project.is_longitudinal and any(r.form == form for r in repeating_forms)
        suffix = " (repeating instrument)" if classic_repeat else ""
        lines.append(f"  form {form}{suffix}:")
        for fld in project.fields:
            if fld.form != form:
                continue
            marks = [fld.type]
            if fld.is_signature:
                marks.append("signature")
            if fld.identifier:
                marks.append("identifier")
            lines.append(f"    {fld.name} [{', '.join(marks)}]")

    if project.is_longitudinal:
        lines.append(f"Arms and events ({len(project.arms)} arms, {len(project.events)} events):")
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
                lines.append(
                    f"    {event.unique_name} ({event.name}){note}: {', '.join(forms) or 'no forms'}"
                )
    if project.repeating:
        lines.append("Repeating:")
        for rule in project.repeating:
            if rule.form is None:
                lines.append(f"  event {rule.event} (repeating event: all its forms repeat together)")
            elif rule.event is None:
                lines.append(f"  instrument {rule.form}")
            else:
                lines.append(f"  instrument {rule.form} in event {rule.event}")
    else:
        lines.append("Repeating: none")

    today = dt.date.today()
    lines.append(f"Users ({len(project.users)}):")
    width = max((len(u.username) for u in project.users), default=0)
    for user in project.users:
        lines.append(
            f"  {user.username:<{width}}  token {mask_token(user.token)}  {_describe_rights(user, today)}"
        )

    records = {r.record for r in project.records}
    files = [(row, name, f) for row in project.records for name, f in row.files.items()]
    total = sum(f.size for _row, _name, f in files)
    lines.append(
        f"Records: {len(records)} records in {len(project.records)} rows,"
        f" {len(files)} stored files ({total} bytes)"
    )
    for row, name, f in files:
        where = f"record {row.record}"
        if row.event is not None:
            where += f", {row.event}"
        if row.instance != 1:
            where += f", instance {row.instance}"
        lines.append(f"  {where}: {name} = {f.name!r} ({f.mime}, {f.size} bytes)")
    return "\n".join(lines)


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
