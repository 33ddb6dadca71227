"""Model-based test: random sequences of Import, Export, Delete File, fileinfo, Import and Delete Records
(whole records, their files with them), Import Users, Import User Roles and User-Role Assignments,
Import DAGs and User-DAG Assignments, an event of the longitudinal project deleted and set up again
(Delete and Import Events, Instrument-Event Mappings, Repeating Instruments and Events), and reset, sent
to the fake and to `RedcapModel`, a plain model of REDCap 15.7.6's rules written here from the reference
(`docs/evidence/file-api-behaviour.md` §1.1, §1.2, §1.3, §2, §3, §4, §5, §6), not from the fake's code. Every
answer must match the model exactly: status, Content-type and every byte of the body (REDCap's texts
come from `tests.support`, that is `fake_redcap.messages`). After every step
the fake's stored files must equal the model's, and so must the record rows of its log (what each
import, delete and file change logs, in order).

User roles (V15 UserRights::getPrivileges, RestUtility.php:115-159): a user in a role has the role's
API, Delete Records, User Rights and export rights, not their own; a role's edit writes every right left
out as 0 (uploadUserRoles/editRole); an assignment moves a user in or out of a role, and their next
request meets the other rights; Import Users refuses a user in a role (api_112).

Data access groups: DAGs added and renamed (the unique name follows the name, members and records stay),
users put in and out of them (Import Users takes a user out, as it writes a left-out DAG empty). A DAG
member's Import Records: a new record joins the DAG (logged before its row, Records.php:7250-7300), a
record of another DAG is refused with REDCap's list (:5865-5885), one in no DAG with data_import_tool_307
on its record ID (:6300-6306); Delete Records and the file methods ignore DAGs (API/record/delete.php,
API/file/*.php check none). DAG and assignment imports refuse a caller in a DAG (api_183, api_184).

Project set-up: an event deleted (Event::delete; its designations, repeating set-up and locks go by
foreign key) and imported again under its name takes a new event_id, so its data, instances and files are
gone for good while every other event's stay; the designations and repeating set-up are imported back,
so later requests meet the project as before. Only events where every record also has data elsewhere are
deleted (see `rebuild_an_event`). The repeating set-up is also replaced by another (an event or
instrument that stops or starts repeating): stored instances stay, later requests meet the new set-up
(instances forced to 1, new instances written, Import Records refused for a repeating event).
Import Metadata drops a file field and brings it back: REDCap's save_metadata replaces redcap_metadata
only (MetaData.php:1954-2180), so the field's files are unreachable ("not a file field") while it is
gone and the same files are back with it. Not covered: arms.

Calc fields: `age_months` is `[age]*12`; an import that changes an age logs its recalculation after the
import's own row (Records.php:7447-7460, Calculate::saveCalcFields; "(Auto calculation)" appended,
Records.php:7292-7299), computed here from the age, not by the fake's evaluator.

The requests use any user of the fixture (no rights, expired, suspended, super user, per-form rights),
bad tokens, missing and oddly spelled records, bogus events, instances 0/-1/x/1.5/2.0, non-file,
signature and identifier fields, and upload names the sanitiser changes or refuses.

Where the reference is silent the model states its reading (see `RedcapModel`):
* An import writes the record-ID row of that event with the file (V15 `API/file/import.php` saves
  `[table_pk => record, field => doc_id]`), so the record then exists in that event, also after the file
  is deleted again.
* Import's instrument-lock check looks the field up case-sensitively, like the repeating-form lookup (§6).
* Upload MIME types are libmagic's answers for the fixed payloads used here (§3.1, open question 9).

`make test` runs 100 examples of up to 30 steps on the Flask test client and a few on a real server;
`SOAK=1` (`make soak`) runs 10 rounds of 150 examples of up to 100 steps, and 100 over a real socket.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime as dt
import html
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from fake_redcap import FakeServer, FakeState, create_app, messages
from tests.support import (
    ACTION_INVALID,
    CSV_TYPE,
    DELETE_RECORD_MISSING,
    EXPIRED,
    EXPORT_RECORD_MISSING,
    FIELD_NOT_FILE,
    FORM_LOCKED,
    IDENTIFIER,
    IMPORT_RECORD_MISSING,
    INVALID_EVENT,
    JSON_TYPE,
    NO_ACCESS,
    NO_API_EXPORT,
    NO_API_IMPORT,
    NO_FILE_TO_DELETE,
    NO_FILE_TO_DOWNLOAD,
    NO_PERMISSION,
    NO_RECORD_DELETE,
    NO_VALID_FILE,
    NOT_PERMITTED,
    RECORD_LOCKED,
    SAVE_FAILED,
    SIGNATURE,
    XML_HEAD,
    XML_TYPE,
    token,
    write_fixture,
)

SOAK = os.environ.get("SOAK") == "1"
# A soak runs rounds of 150 examples: Hypothesis keeps per-run bookkeeping that grows with the examples
# of one run (about 0.5 MiB each here), the fake does not.
ROUNDS, EXAMPLES, STEPS = (10, 150, 100) if SOAK else (1, 100, 30)
EXTRA_ROUNDS = 4
WIRE_EXAMPLES, WIRE_STEPS = (100, 60) if SOAK else (10, 25)

TODAY = dt.date.today()
PAST = "2024-01-31"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BINARY = b"\x00\x01\x02\x03\xff\xfe\xfd binary"

# ---------------------------------------------------------------------------------------------------------
# The fixture: two small projects (REDCap 15.7.6), written to tmp_path as YAML. The model reads these
# dicts; the fake reads the YAML.


def _user(name: str, n: int, data_export: object, **flags: object) -> dict[str, Any]:
    return {"username": name, "token": token(0x5EED01, n), "data_export": data_export, **flags}


# One data dictionary for both projects, so the two differ only in events and repeating set-up.
FIELDS: list[dict[str, Any]] = [
    {"name": "record_id", "form": "enrollment", "type": "text"},
    {"name": "consent", "form": "enrollment", "type": "file", "identifier": True},
    {"name": "signature", "form": "enrollment", "type": "file", "validation": "signature"},
    {"name": "age", "form": "enrollment", "type": "text"},
    {"name": "age_months", "form": "enrollment", "type": "calc", "choices": "[age]*12"},
    {"name": "lab_file", "form": "labs", "type": "file"},
    {"name": "lab_value", "form": "labs", "type": "text"},
]

CLASSIC: dict[str, Any] = {
    "project": {"project_id": 601, "title": "Model classic"},
    "redcap_version": "15.7.6",
    "fields": FIELDS,
    "repeating": [{"form": "labs"}],
    "users": [
        _user("admin", 1, "full", api_import=True, record_delete=True),
        _user("importer", 2, "full", api_import=True, dag="site_a"),
        _user("deleter", 3, "no_access", api_export=False, record_delete=True),
        _user("deid", 4, "deidentified"),
        _user("remover", 5, "remove_identifiers", api_import=True, record_delete=True),
        _user("no_access", 6, "no_access", api_import=True),
        _user("no_api", 7, "full", api_export=False),
        _user("expired", 8, "full", api_import=True, record_delete=True, expiration=PAST),
        _user("suspended", 9, "full", api_import=True, record_delete=True, suspended=True),
        _user("super", 10, "no_access", api_export=False, expiration=PAST, super_user=True),
        _user("mixed", 11, {"enrollment": "deidentified", "labs": "remove_identifiers"}),
        _user("all_deid", 12, {"enrollment": "deidentified", "labs": "deidentified"}),
        _user(
            "rights_admin",
            13,
            "no_access",
            api_export=False,
            api_import=True,
            user_rights=True,
            rights={"data_access_groups": 1},
        ),
        # In a role from the start: the role's rights (De-Identified, API Export only), not her own.
        _user("member", 14, "full", api_import=True, record_delete=True, role="U-READER01"),
    ],
    "dags": [{"name": "Site A"}, {"name": "Site B"}],
    "roles": [
        {
            "unique_role_name": "U-LOADER01",
            "label": "Loader",
            "data_export": "full",
            "api_export": True,
            "api_import": True,
            "record_delete": True,
        },
        {
            "unique_role_name": "U-READER01",
            "label": "Reader",
            "data_export": "deidentified",
            "api_export": True,
        },
    ],
    "records": [
        {
            "record": "1",
            "values": {"age": "40"},
            "files": {
                "consent": {"text": "consent of 1\n", "name": "consent 1.txt", "mime": "text/plain"},
                "signature": {"base64": "iVBORw0KGgo=", "name": "sig.png", "mime": "image/png"},
                "lab_file": {"text": "lab 1/1\n", "name": "lab.csv", "mime": "text/csv"},
            },
        },
        {
            "record": "1",
            "instance": 2,
            "files": {"lab_file": {"base64": "JVBERi0xLjQK", "name": "lab2.pdf", "mime": "application/pdf"}},
        },
        {"record": "A7", "values": {"age": "7"}, "dag": "site_a"},
        {
            "record": "L1",
            "locked": True,
            "files": {"consent": {"text": "locked\n", "name": "locked.txt", "mime": "text/plain"}},
        },
        {
            "record": "5",
            "values": {"age": "5", "lab_value": "1.0"},
            "locked_forms": ["labs"],
            "files": {"lab_file": {"text": "locked lab\n", "name": "ll.txt", "mime": "text/plain"}},
        },
    ],
}

LONGITUDINAL: dict[str, Any] = {
    "project": {"project_id": 602, "title": "Model longitudinal"},
    "redcap_version": "15.7.6",
    "fields": FIELDS,
    # Every form in every event, so no answer depends on designation (about which the reference is silent).
    "events": [
        {"unique_name": "baseline_arm_1", "forms": ["enrollment", "labs"]},
        {"unique_name": "visit_arm_1", "forms": ["enrollment", "labs"]},
        {"unique_name": "followup_arm_1", "forms": ["enrollment", "labs"]},
    ],
    "repeating": [{"event": "visit_arm_1"}, {"event": "followup_arm_1", "form": "labs"}],
    "users": [
        _user("l_admin", 21, "full", api_import=True, record_delete=True),
        _user("l_reader", 22, "full"),
        _user("l_deid", 23, "deidentified", api_import=True, record_delete=True, dag="north"),
        _user(
            "l_rights_admin",
            24,
            "no_access",
            api_export=False,
            api_import=True,
            user_rights=True,
            rights={"data_access_groups": 1},
        ),
        _user("l_member", 25, "no_access", api_export=False, role="U-LLOADER1"),
        # Project Design and Setup: deletes and imports events, designations and the repeating set-up
        _user(
            "l_designer", 26, "no_access", api_export=False, api_import=True, record_delete=True, design=True
        ),
    ],
    "dags": [{"name": "North"}],
    "roles": [
        {
            "unique_role_name": "U-LLOADER1",
            "label": "Loader",
            "data_export": "full",
            "api_export": True,
            "api_import": True,
            "record_delete": True,
        },
    ],
    "records": [
        {
            "record": "1",
            "event": "baseline_arm_1",
            "values": {"age": "30"},
            "files": {
                "consent": {"text": "long consent\n", "name": "c.txt", "mime": "text/plain"},
                "lab_file": {"text": "baseline lab\n", "name": "bl.txt", "mime": "text/plain"},
            },
        },
        {
            "record": "1",
            "event": "visit_arm_1",
            "files": {"lab_file": {"text": "visit 1\n", "name": "v1.txt", "mime": "text/plain"}},
        },
        {
            "record": "1",
            "event": "visit_arm_1",
            "instance": 2,
            "files": {"consent": {"text": "visit 2 consent\n", "name": "v2.txt", "mime": "text/plain"}},
        },
        {
            "record": "2",
            "event": "followup_arm_1",
            "dag": "north",
            "files": {"lab_file": {"text": "f1\n", "name": "f1.txt", "mime": "text/plain"}},
        },
        {
            "record": "2",
            "event": "followup_arm_1",
            "instance": 2,
            "files": {"lab_file": {"text": "f2\n", "name": "f2.txt", "mime": "text/plain"}},
        },
        {"record": "L2", "event": "baseline_arm_1", "values": {"age": "9"}, "locked_forms": ["enrollment"]},
    ],
}

# Upload names and what REDCap 15's Files::sanitizeFileName stores (§3.1); None: no extension left, so
# nothing is saved (§4.1 step 8). REDCap then answers docs_1136 only if the name as posted has no permitted
# extension either (import.php:88-93): `.hidden` has the extension "hidden", so it gets the save-failed text.
UPLOAD_NAMES: dict[str, str | None] = {
    "report.txt": "report.txt",
    "my notes.txt": "my notes.txt",
    "a+b.txt": "a-b.txt",
    "q?.txt": "q.txt",
    "x%20y.csv": "x-y.csv",
    "-_scan.pdf.": "scan.pdf",
    "noext": None,
    ".hidden": None,
}
POSTED_NAME_REFUSED = {"noext"}
# Payloads and the MIME type libmagic gives them (REDCap 10+ sniffs; the part's type is ignored).
PAYLOADS: list[tuple[bytes, str]] = [
    (b"", "application/x-empty"),
    (PDF, "application/pdf"),
    (BINARY, "application/octet-stream"),
]

# ---------------------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class Stored:
    name: str
    mime: str
    data: bytes


@dataclass(frozen=True)
class Expected:
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class UserModel:
    username: str
    token: str
    export_rights: int  # 0 No Access, 1 Full, 2 De-Identified, 3 Remove Identifiers (aggregated, §5)
    api_export: bool
    api_import: bool
    record_delete: bool
    expiration: str | None
    suspended: bool
    super_user: bool
    rights_admin: bool = False  # User Rights (Full Access)
    role: str | None = None  # the unique name of the user's role
    dag: int | None = None  # the group_id of the user's data access group (redcap_user_rights.group_id)
    dag_rights: bool = False  # Data Access Groups
    design: bool = False  # Project Design and Setup


@dataclass(frozen=True)
class RoleModel:
    """A user role's rights that the methods here read. A role holds no expiration, suspension or DAG
    (V15 install.sql `redcap_user_roles` has no such columns): those stay the user's own."""

    export_rights: int
    api_export: bool
    api_import: bool
    record_delete: bool
    rights_admin: bool
    dag_rights: bool = False


_RIGHTS = {"no_access": 0, "full": 1, "deidentified": 2, "remove_identifiers": 3}


def aggregate_export_rights(data_export: object, forms: list[str]) -> int:
    """§5: per-form rights become 0 if no form is above 0, 2 if every form is 2, 3 if every form is 3,
    else 1. Forms left out have No Access."""
    if isinstance(data_export, str):
        return _RIGHTS[data_export]
    assert isinstance(data_export, dict)
    levels = {_RIGHTS[data_export.get(form, "no_access")] for form in forms}
    if levels == {0}:
        return 0
    if levels in ({2}, {3}):
        return levels.pop()
    return 1


def unique_dag_name(name: str) -> str:
    """V15 Project::getUniqueGroupNames (Project.php:1409-1450): letters, digits, `_` and spaces kept,
    spaces as `_`, 18 characters, lower case, no trailing `_` (the names used here never collide, so no
    "b", "c" suffix)."""
    text = re.sub(r"[^0-9a-z_ ]", "", name.strip(), flags=re.IGNORECASE)
    return text.replace(" ", "_")[:18].lower().removesuffix("_")


FileKey = tuple[int, str, str | None, float, str]  # project, record key, event, instance, field


@dataclass
class ProjectModel:
    project_id: int
    longitudinal: bool
    events: list[str]
    repeating_forms: set[tuple[str | None, str]]  # (event, form)
    repeating_events: set[str]
    fields: dict[str, dict[str, Any]]
    forms: list[str]
    users: list[UserModel]
    locked_records: set[str]
    locked_forms: set[tuple[str, str | None, float, str]]  # record key, event, instance, form
    roles: dict[str, RoleModel] = field(default_factory=dict)
    dags: dict[int, str] = field(default_factory=dict)  # group_id: the DAG's name

    def dag_names(self) -> dict[int, str]:
        """group_id: unique group name."""
        return {group_id: unique_dag_name(name) for group_id, name in self.dags.items()}

    def dag_id(self, unique_name: str) -> int | None:
        return next((i for i, n in self.dag_names().items() if n == unique_name), None)

    def effective(self, user: UserModel) -> UserModel:
        """The rights REDCap checks: V15 UserRights::getPrivileges (UserRights.php:751-783) joins the
        user's row to their role's and lets every role column override the user's own (the loop stops
        only when the role's project_id is NULL, i.e. no role), and RestUtility.php:115-159 takes the
        API rights from that array; super users get every right regardless (RestUtility.php:141-159)."""
        role = self.roles.get(user.role) if user.role is not None else None
        if role is None or user.super_user:
            return user
        return dataclasses.replace(
            user,
            export_rights=role.export_rights,
            api_export=role.api_export,
            api_import=role.api_import,
            record_delete=role.record_delete,
            rights_admin=role.rights_admin,
            dag_rights=role.dag_rights,
        )

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> ProjectModel:
        fields = {f["name"]: f for f in doc["fields"]}
        forms = list(dict.fromkeys(f["form"] for f in doc["fields"]))
        dags = {i + 1: d["name"] for i, d in enumerate(doc.get("dags", []))}  # ids by position
        dag_ids = {unique_dag_name(name): group_id for group_id, name in dags.items()}
        users = [
            UserModel(
                username=u["username"],
                token=u["token"],
                # super users always have Full Data Set (§5)
                export_rights=1 if u.get("super_user") else aggregate_export_rights(u["data_export"], forms),
                api_export=u.get("api_export", True),
                api_import=u.get("api_import", False),
                record_delete=u.get("record_delete", False),
                expiration=u.get("expiration"),
                suspended=u.get("suspended", False),
                super_user=u.get("super_user", False),
                rights_admin=u.get("user_rights", False),
                role=u.get("role"),
                dag_rights=u.get("rights", {}).get("data_access_groups") == 1,
                design=u.get("design", False),
                dag=dag_ids.get(u.get("dag", "")),
            )
            for u in doc["users"]
        ]
        roles = {
            r["unique_role_name"]: RoleModel(
                export_rights=aggregate_export_rights(r.get("data_export", "no_access"), forms),
                api_export=r.get("api_export", False),
                api_import=r.get("api_import", False),
                record_delete=r.get("record_delete", False),
                rights_admin=r.get("user_rights", False),
            )
            for r in doc.get("roles", [])
        }
        rules = doc.get("repeating", [])
        return cls(
            project_id=doc["project"]["project_id"],
            longitudinal=bool(doc.get("events")),
            events=[e["unique_name"] for e in doc.get("events", [])],
            repeating_forms={(r.get("event"), r["form"]) for r in rules if r.get("form")},
            repeating_events={r["event"] for r in rules if not r.get("form")},
            fields=fields,
            forms=forms,
            users=users,
            locked_records={key(r["record"]) for r in doc["records"] if r.get("locked")},
            locked_forms={
                (key(r["record"]), r.get("event"), float(r.get("instance", 1)), form)
                for r in doc["records"]
                for form in r.get("locked_forms", [])
            },
            roles=roles,
            dags=dags,
        )


def key(record: str) -> str:
    """How REDCap's utf8mb4_unicode_ci record column compares (§6): case-insensitive, trailing spaces
    ignored (the values used here are ASCII)."""
    return record.rstrip(" ").lower()


def rcview_escape(text: str) -> str:
    """RCView::escape (§1.3 E5): html-decode, strip tags, then htmlspecialchars with ENT_QUOTES."""
    text = re.sub(r"<[^>]*>", "", html.unescape(text))
    return (
        text.replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("'", "&#039;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def php_json(value: object) -> bytes:
    """PHP json_encode, default flags (§2): no spaces, `/` as `\\/`, non-ASCII as \\uhhhh."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode("ascii")


def return_format(value: str | None) -> str:
    """§1.2 with no `format` posted: returnFormat lower-cased; json and csv, else xml."""
    chosen = (value or "").lower()
    return chosen if chosen in ("json", "csv") else "xml"


def error(status: int, message: str, fmt: str) -> Expected:
    """§2: the error envelope of the returnFormat, no trailing newline, the message unescaped in xml."""
    if fmt == "json":
        return Expected(status, JSON_TYPE, php_json({"error": message}))
    if fmt == "csv":
        return Expected(status, CSV_TYPE, f"ERROR: {message}".encode())
    return Expected(status, XML_TYPE, f"{XML_HEAD}<hash><error>{message}</error></hash>".encode())


def empty_success(fmt: str) -> Expected:
    """§3.2: 200, the returnFormat's Content-type, zero bytes."""
    return Expected(200, {"json": JSON_TYPE, "csv": CSV_TYPE}.get(fmt, XML_TYPE), b"")


def numeric_instance(raw: str | None) -> float:
    """§1.3 E4 (export, delete): is_numeric and > 0, else 1 (the values used here: 1, 2, 3, 0, -1, x,
    1.5, 2.0)."""
    try:
        value = float(raw) if raw is not None else 1.0
    except ValueError:  # "x"
        return 1.0
    return value if value > 0 else 1.0


def integer_instance(raw: str | None) -> float:
    """§4.1 step 5 (V15 import): isinteger and > 0, else 1 (1.5 is not an integer)."""
    if raw is None or not re.fullmatch(r"-?[0-9]+", raw):
        return 1.0
    value = int(raw)
    return float(value) if value > 0 else 1.0


@dataclass(frozen=True)
class Request:
    op: str  # export, fileinfo, import, delete, action
    token: str | None
    record: str | None
    field: str | None
    event: str | None
    instance: str | None
    return_format: str | None
    action: str | None = None
    upload: tuple[str, bytes] | None = None
    value: str = ""  # record_import: the age imported
    user_row: str = ""  # user_import, role_import, ...: the JSON of the rows (`data`)
    label: str = ""  # what the tally counts it as (default: op)

    @property
    def action_param(self) -> str:
        if self.action is not None:
            return self.action
        return "export" if self.op == "fileinfo" else self.op

    def params(self) -> list[tuple[str, str]]:
        if self.op in ("record_import", "record_delete"):
            return self.record_params()
        if self.op in DESIGN_CONTENTS:
            what, action = DESIGN_CONTENTS[self.op]
            pairs = [
                ("token", self.token),
                ("content", what),
                ("format", "json"),
                ("returnFormat", "json"),
            ]
            pairs += [("action", action)] if action else []
            if self.op == "event_delete":
                return [(k, v) for k, v in [*pairs, ("events[0]", self.event)] if v is not None]
            return [(k, v) for k, v in [*pairs, ("data", self.user_row)] if v is not None]
        if content := SETUP_CONTENTS.get(self.op):
            pairs = [("token", self.token), ("content", content), ("format", "json")]
            pairs += [("returnFormat", "json")] + ([("action", "import")] if content == "dag" else [])
            return [(k, v) for k, v in [*pairs, ("data", self.user_row)] if v is not None]
        content = "fileinfo" if self.op == "fileinfo" else "file"
        pairs = [("token", self.token), ("content", content), ("action", self.action_param)]
        pairs += [("record", self.record), ("field", self.field), ("event", self.event)]
        pairs += [("repeat_instance", self.instance), ("returnFormat", self.return_format)]
        return [(k, v) for k, v in pairs if v is not None]

    def record_params(self) -> list[tuple[str, str]]:
        """Import Records (one row: the record, its age, its event) or Delete Records (one record)."""
        pairs = [("token", self.token), ("content", "record"), ("format", "json"), ("returnFormat", "json")]
        if self.op == "record_delete":
            return [
                (k, v)
                for k, v in [*pairs, ("action", "delete"), ("records[0]", self.record)]
                if v is not None
            ]
        row = {"record_id": self.record, "age": self.value}
        if self.event is not None:
            row["redcap_event_name"] = self.event
        return [(k, v) for k, v in [*pairs, ("data", json.dumps([row]))] if v is not None]


LogRow = tuple[str, str, str | None, str | None]


@dataclass
class RedcapModel:
    """REDCap 15.7.6's file API over two projects, from the reference alone."""

    projects: list[ProjectModel]
    files: dict[FileKey, Stored] = field(default_factory=dict)
    hidden: dict[FileKey, Stored] = field(default_factory=dict)  # files of file fields removed for now
    rows: set[tuple[int, str, str | None]] = field(default_factory=set)  # record has data in event
    instances: set[tuple[int, str, str | None, float]] = field(default_factory=set)  # ... in this instance
    # A record's name as stored: an import naming it in another case logs the stored one (V15
    # Records.php:7584-7606 aligns imported names with the back-end value, case-insensitively).
    names: dict[tuple[int, str], str] = field(default_factory=dict)
    ages: dict[tuple[int, str, str | None], str] = field(default_factory=dict)  # the stored age per row
    record_dags: dict[tuple[int, str], int] = field(default_factory=dict)  # (project, record key): group_id
    # The record rows of each project's log, oldest first (V15 Logging::logEvent calls in saveData,
    # deleteRecordByProject, API/file/import.php:165 and delete.php:122): (event, record key,
    # description, data values; None where they name a doc_id)
    log: dict[int, list[LogRow]] = field(default_factory=dict)

    @classmethod
    def from_docs(cls, docs: list[dict[str, Any]]) -> RedcapModel:
        model = cls([ProjectModel.from_doc(d) for d in docs])
        for doc in docs:
            pid = doc["project"]["project_id"]
            for row in doc["records"]:
                rec, event, inst = key(row["record"]), row.get("event"), float(row.get("instance", 1))
                model.rows.add((pid, rec, event))
                model.names.setdefault((pid, rec), row["record"])
                if row.get("dag"):
                    project = next(p for p in model.projects if p.project_id == pid)
                    model.record_dags[(pid, rec)] = project.dag_id(row["dag"]) or 0
                model.instances.add((pid, rec, event, inst))
                if row.get("values", {}).get("age"):
                    model.ages[(pid, rec, event)] = row["values"]["age"]
                for name, spec in row.get("files", {}).items():
                    data = spec["text"].encode() if "text" in spec else base64.b64decode(spec["base64"])
                    model.files[(pid, rec, event, inst, name)] = Stored(spec["name"], spec["mime"], data)
        return model

    def user_of(self, tok: str | None) -> UserModel | None:
        """The user a token names (as the token column compares), or None."""
        for project in self.projects:
            for user in project.users:
                if tok is not None and user.token.upper() == tok.strip().upper():
                    return user
        return None

    def rebuildable_events(self) -> list[str]:
        """The longitudinal project's events in which every record with data also has data in another."""
        pid = LONGITUDINAL["project"]["project_id"]
        project = next(p for p in self.projects if p.project_id == pid)
        where: dict[str, set[str | None]] = {}
        for p, rec, event in self.rows:
            if p == pid:
                where.setdefault(rec, set()).add(event)
        return [e for e in project.events if all(events - {e} for events in where.values() if e in events)]

    def project_of(self, tok: str) -> ProjectModel:
        return next(p for p in self.projects for u in p.users if u.token.upper() == tok.upper())

    def records(self, pid: int) -> set[str]:
        return {rec for p, rec, _event in self.rows if p == pid}

    def logged(self, pid: int, row: LogRow) -> None:
        self.log.setdefault(pid, []).append(row)

    # -- the pipeline, §1.1 ------------------------------------------------------------------------------

    def answer(self, req: Request) -> Expected:
        fmt = return_format(req.return_format)
        who = self._authenticate(req.token, fmt)
        if isinstance(who, Expected):
            return who
        project, user = who
        if req.op == "user_import":
            return self._user_import(project, user, req)
        if req.op in ("role_import", "role_mapping"):
            return self._roles(project, user, req)
        if req.op in ("dag_import", "dag_mapping"):
            return self._dags(project, user, req)
        if req.op in DESIGN_CONTENTS:
            return self._design(project, user, req)
        if req.op == "record_import":
            return self._record_import(project, user, req)
        if req.op == "record_delete":
            return self._record_delete(project, user, req)
        content = "fileinfo" if req.op == "fileinfo" else "file"
        action = req.action_param
        if action.lower() not in ("export", "import", "import_app", "delete"):  # #10
            return error(400, ACTION_INVALID, fmt)
        exact = ("export", "delete", "import", "import_app", "switch", "list", "createFolder")
        if content == "file" and action not in exact:  # #11, V13+
            return error(400, ACTION_INVALID, fmt)
        if not user.super_user:  # #12 and §4: delete needs Delete Records, not API import
            if action.lower() == "delete" and not user.record_delete:
                return error(403, NO_RECORD_DELETE, fmt)
            if action.lower() in ("import", "import_app") and not user.api_import:
                return error(403, NO_API_IMPORT, fmt)
            if action.lower() == "export" and not user.api_export:
                return error(403, NO_API_EXPORT, fmt)
        if req.op in ("export", "fileinfo"):
            return self._export(project, user, req, fmt)
        if req.op == "import":
            return self._import(project, req, fmt)
        return self._delete(project, req, fmt)

    def _authenticate(self, tok: str | None, fmt: str) -> tuple[ProjectModel, UserModel] | Expected:
        # #5: PHP's /^[A-Za-z0-9]+$/ ($ also matches before a final newline); #6 the token column
        # compares case-insensitively and a suspended user is not found; #7 expired rights.
        if tok is None or not re.fullmatch(r"[A-Za-z0-9]+\n?", tok):
            return error(403, NO_PERMISSION, fmt)
        for project in self.projects:
            for user in project.users:
                if user.token.upper() == tok.upper() and not user.suspended:
                    expired = user.expiration is not None and dt.date.fromisoformat(user.expiration) <= TODAY
                    if expired and not user.super_user:
                        return error(403, EXPIRED.format(expiration=user.expiration), fmt)
                    return project, project.effective(user)
        return error(403, NO_PERMISSION, fmt)

    # -- helpers -----------------------------------------------------------------------------------------

    def _event(self, project: ProjectModel, event: str | None) -> tuple[bool, str | None]:
        """E3 / import 4 / delete 2: (valid, event). Longitudinal projects need an exact unique event
        name; classic projects ignore `event`."""
        if not project.longitudinal:
            return True, None
        return bool(event) and event in project.events, event

    def _instance(self, project: ProjectModel, event: str | None, field_name: str, raw: float) -> float:
        """Forced back to 1 unless the field's form (an exact-case lookup, §6) repeats in the event, or
        the project is longitudinal and the event repeats."""
        exact = project.fields.get(field_name)
        form = exact["form"] if exact else None
        if form is not None and (event, form) in project.repeating_forms:
            return raw
        if project.longitudinal and event in project.repeating_events:
            return raw
        return 1.0

    def _file_field(self, project: ProjectModel, name: str) -> str | None:
        """E6: a file field, matched as the metadata column compares (case-insensitive)."""
        for fname, spec in project.fields.items():
            if spec["type"] == "file" and fname.lower() == name.rstrip(" ").lower():
                return fname
        return None

    def _locked(self, project: ProjectModel, req: Request, event: str | None, instance: float) -> str | None:
        record, field_name = req.record or "", req.field or ""
        if key(record) in project.locked_records:
            return RECORD_LOCKED.format(record=rcview_escape(record))
        exact = project.fields.get(field_name)
        if exact and (key(record), event, instance, exact["form"]) in project.locked_forms:
            return FORM_LOCKED.format(record=rcview_escape(record))
        return None

    # -- methods -----------------------------------------------------------------------------------------

    def _export(self, project: ProjectModel, user: UserModel, req: Request, fmt: str) -> Expected:
        record, field_name = req.record or "", req.field or ""
        if user.export_rights == 0:  # E1
            return error(403, NO_ACCESS, fmt)
        exact = project.fields.get(field_name)
        if user.export_rights in (2, 3) and exact and exact.get("identifier"):
            return error(403, IDENTIFIER, fmt)  # E2
        valid, event = self._event(project, req.event)
        if not valid:
            return error(400, INVALID_EVENT, fmt)
        instance = self._instance(project, event, field_name, numeric_instance(req.instance))  # E4
        if (project.project_id, key(record), event) not in self.rows:  # E5
            return error(400, EXPORT_RECORD_MISSING.format(record=rcview_escape(record)), fmt)
        canonical = self._file_field(project, field_name)
        if canonical is None:  # E6
            return error(400, FIELD_NOT_FILE.format(field=rcview_escape(field_name)), fmt)
        stored = self.files.get((project.project_id, key(record), event, instance, canonical))
        if stored is None:  # E7
            return error(400, NO_FILE_TO_DOWNLOAD, fmt)
        if req.op == "fileinfo":  # E9, always JSON
            return Expected(200, JSON_TYPE, php_json({"size": len(stored.data), "name": stored.name}))
        content_type = f'{stored.mime}; name="{stored.name}"'  # §3.1, PHP's default charset for text/*
        if stored.mime.startswith("text/"):
            content_type += ";charset=UTF-8"
        return Expected(200, content_type, stored.data)

    def _import(self, project: ProjectModel, req: Request, fmt: str) -> Expected:
        record, field_name = req.record or "", req.field or ""
        if req.upload is None:  # 1
            return error(400, NO_VALID_FILE, fmt)
        valid, event = self._event(project, req.event)  # 4
        if not valid:
            return error(400, INVALID_EVENT, fmt)
        instance = self._instance(project, event, field_name, integer_instance(req.instance))  # 5
        locked = self._locked(project, req, event, instance)  # 6
        if locked:
            return error(400, locked, fmt)
        filename, data = req.upload
        name = UPLOAD_NAMES[filename]
        if name is None:  # 8: nothing saved; docs_1136 only if the posted name is refused too
            return error(400, NOT_PERMITTED if filename in POSTED_NAME_REFUSED else SAVE_FAILED, fmt)
        if key(record) not in self.records(project.project_id):  # 9: project-wide, raw
            return error(400, IMPORT_RECORD_MISSING.format(record=record), fmt)
        canonical = self._file_field(project, field_name)
        if canonical is None:  # 10
            return error(400, FIELD_NOT_FILE.format(field=rcview_escape(field_name)), fmt)
        exact = project.fields.get(field_name)
        if exact is not None and exact.get("validation") == "signature":  # 11: an exact PHP key
            return error(400, SIGNATURE.format(field=field_name), fmt)
        pid = project.project_id
        self.logged(pid, ("DOC_UPLOAD", key(record), "Upload document (API)", None))  # logged either way
        if not self._getdata_row(project, key(record), event, instance, canonical):
            return empty_success(fmt)  # 12 (V15): saved through getData/saveData, which found no row
        mime = dict((payload, m) for payload, m in PAYLOADS).get(data, "text/plain")
        self.files[(pid, key(record), event, instance, canonical)] = Stored(name, mime, data)
        self.rows.add((pid, key(record), event))
        self.instances.add((pid, key(record), event, instance))
        return empty_success(fmt)

    # -- records (V15 API/record/import.php, delete.php; Records::saveData, REDCap::deleteRecord) ----------

    def _record_import(self, project: ProjectModel, user: UserModel, req: Request) -> Expected:
        if not user.super_user and not user.api_import:
            return error(403, NO_API_IMPORT, "json")
        record = (req.record or "").strip()
        if record == "":
            return error(400, "The record id field (record_id) is missing.", "json")
        if any(c in record for c in "+'&#"):
            return error(400, RECORD_NAME_CHARACTERS.format(record=record), "json")
        event = req.event if project.longitudinal else None
        if project.longitudinal and event in project.repeating_events:
            return error(400, EVENT_NEEDS_INSTANCE.format(record=record, event=event), "json")
        if key(record) in project.locked_records:  # REDCap refuses it too; the fake does not say how
            what = "content=record import into a record locked whole"
            return error(400, messages.NOT_IMPLEMENTED_BY_FAKE.format(what=what), "json")
        pid = project.project_id
        stored = self.names.get((pid, key(record)), record)  # Records.php:7584-7606 aligns the case
        lines = []
        # Records.php:6300-6306: a DAG member may not import a record that exists outside their DAG
        exists = key(record) in self.records(pid)
        held_by = self.record_dags.get((pid, key(record)))
        if user.dag is not None and exists and held_by is not None and held_by != user.dag:
            return error(400, f"{OTHER_DAGS_RECORDS} {stored}", "json")  # Records.php:5865-5885, thrown
        if user.dag is not None and exists and self.record_dags.get((pid, key(record))) != user.dag:
            lines.append(f'"{stored}","record_id","{stored}","{OTHER_DAG_IMPORT}"')
        if req.value != "" and (key(record), event, 1.0, "enrollment") in project.locked_forms:
            # the stored age is never 30
            lines.append(f'"{stored}","age","{req.value}","{FORM_LOCKED_IMPORT}"')
        if lines:
            return error(400, "\n".join(lines), "json")
        if user.dag is not None and key(record) not in self.records(pid):
            # Records.php:7250-7270: a DAG member's new record goes into their DAG, logged before the
            # record's own row
            self.record_dags[(pid, key(record))] = user.dag
            shown = f"redcap_data_access_group = '{project.dag_names()[user.dag]}'"
            self.logged(pid, ("UPDATE", key(record), "Assign record to Data Access Group (API)", shown))
        self._log_import(pid, record, event, req.value)
        self.rows.add((pid, key(record), event))
        self.instances.add((pid, key(record), event, 1.0))
        return Expected(200, JSON_TYPE, b'{"count": 1}')

    def _log_import(self, pid: int, record: str, event: str | None, value: str) -> None:
        """saveData's row: the record-ID line for a row new in the event, the age if it changed (a blank
        keeps the stored one); INSERT "Create record (API)" if the record had no row in the arm (all
        events here are arm 1's), else UPDATE; nothing if nothing changed."""
        new_row = (pid, key(record), event) not in self.rows
        old = self.ages.get((pid, key(record), event), "")
        stored = self.names.setdefault((pid, key(record)), record)
        lines = [f"record_id = '{stored}'"] if new_row else []
        if value not in ("", old):
            lines.append(f"age = '{value}'")
            self.ages[(pid, key(record), event)] = value
        if not lines:
            return
        created = key(record) not in self.records(pid)
        kind, text = ("INSERT", "Create record (API)") if created else ("UPDATE", "Update record (API)")
        self.logged(pid, (kind, key(record), text, ",\n".join(lines)))
        if value not in ("", old):
            # saveData's auto-calculation (Records.php:7447-7460): age triggers age_months ([age]*12), a
            # PHP int; it changed only in this row's event (other events' ages did not change), logged
            # as its own UPDATE after the import's row. A locked enrollment never gets here: refused.
            months = f"age_months = '{int(value) * 12}'"
            self.logged(pid, ("UPDATE", key(record), "Update record (API) (Auto calculation)", months))

    def _user_import(self, project: ProjectModel, user: UserModel, req: Request) -> Expected:
        """Import Users (V15 API/user/import.php, UserRights::uploadUsers/updatePrivileges): API
        Import/Update, then User Rights; the rights given replace the user's, forms left out of
        forms_export get 0, and an expiration left out is cleared (REDCap writes it always)."""
        if not user.super_user and not user.api_import:
            return error(403, NO_API_IMPORT, "json")
        if not user.super_user and not user.rights_admin:
            return error(400, USER_IMPORT_RIGHTS, "json")
        (row,) = json.loads(req.user_row)
        index = next(i for i, u in enumerate(project.users) if u.username == row["username"])
        target = project.users[index]
        if target.role is not None:  # V15 UserRights.php:3459-3466, api_112
            return error(400, f'The user "{target.username}" {USER_IN_ROLE}', "json")
        # an expiration and a DAG left out are written empty (UserRights.php:3467-3470 and updatePrivileges)
        changes: dict[str, Any] = {"expiration": None, "dag": None}
        for flag in ("api_export", "api_import", "record_delete"):
            if flag in row:
                changes[flag] = row[flag] == 1
        if "forms_export" in row:
            words = {form: list(_RIGHTS)[level] for form, level in row["forms_export"].items()}
            changes["export_rights"] = aggregate_export_rights(words, project.forms)
        project.users[index] = dataclasses.replace(target, **changes)
        return Expected(200, JSON_TYPE, b"1")

    def _roles(self, project: ProjectModel, user: UserModel, req: Request) -> Expected:
        """Import User Roles and User-Role Assignments (V15 API/userRole/import.php,
        API/userRoleMapping/import.php): `data` makes the action import (API/index.php:332-335), so API
        Import/Update first (index.php:422-427), then User Rights (api_171); unknown unique role names
        refused (UserRights.php:3793, rights_406), a blank label too (rights_411), nothing written."""
        if not user.super_user and not user.api_import:
            return error(403, NO_API_IMPORT, "json")
        if not user.super_user and not user.rights_admin:
            return error(400, ROLE_IMPORT_RIGHTS, "json")
        (row,) = json.loads(req.user_row)
        name = row["unique_role_name"]
        errors = []
        if req.op == "role_import" and not row.get("role_label"):
            errors.append("The Role Label is blank.")
        if name and name not in project.roles:
            errors.append(f"Invalid Unique Role Names: {name}")
        if errors:
            return error(400, "\n".join(errors), "json")
        if req.op == "role_mapping":  # UserRights::updateUserRoleMapping: role_id set, or NULL for ""
            index = next(i for i, u in enumerate(project.users) if u.username == row["username"])
            project.users[index] = dataclasses.replace(project.users[index], role=name or None)
        else:
            project.roles[name] = edited_role(project, project.roles[name], row)
        return Expected(200, JSON_TYPE, b"1")

    def _dags(self, project: ProjectModel, user: UserModel, req: Request) -> Expected:
        """Import DAGs (`action=import`) and User-DAG Assignments (V15 API/dag/import.php,
        API/userDagMapping/import.php, DataAccessGroups::uploadDAGs and uploadUserDAGMappings)."""
        if req.op == "dag_import" and user.dag is not None and not user.super_user:
            return error(403, DAG_MEMBER, "json")  # API/index.php:406-414, before the API rights
        if not user.super_user and not user.api_import:
            return error(403, NO_API_IMPORT, "json")
        if not user.super_user and not user.dag_rights:
            return error(400, DAG_RIGHTS, "json")  # api_222
        (row,) = json.loads(req.user_row)
        if req.op == "dag_mapping":
            return self._dag_mapping(project, user, row)
        unique = row["unique_group_name"]
        group_id = project.dag_id(unique)
        if unique and group_id is None:  # DataAccessGroups.php:541-544
            return error(400, f'Unique group name "{unique}" {DAG_MISSING} {DAG_NOTE}', "json")
        if group_id is None:  # addGroupName: a new group, the next id
            group_id = max(project.dags, default=0) + 1
        project.dags[group_id] = row["data_access_group_name"]  # updateGroupName renames it
        return Expected(200, JSON_TYPE, b"1")

    def _dag_mapping(self, project: ProjectModel, user: UserModel, row: dict[str, str]) -> Expected:
        """uploadUserDAGMappings (DataAccessGroups.php:576-655): a caller in a DAG refused (api_184), an
        unknown unique group name too; then the user's group_id set, or NULL for ""."""
        if user.dag is not None and not user.super_user:
            return error(400, DAG_MAPPING_MEMBER, "json")
        unique = row["redcap_data_access_group"]
        if unique and project.dag_id(unique) is None:
            return error(400, f'Unique group name "{unique}" {DAG_MISSING}', "json")
        index = next(i for i, u in enumerate(project.users) if u.username == row["username"])
        project.users[index] = dataclasses.replace(project.users[index], dag=project.dag_id(unique))
        return Expected(200, JSON_TYPE, b"1")

    def _design(self, project: ProjectModel, user: UserModel, req: Request) -> Expected:
        """Delete Events, Import Events, Instrument-Event Mappings and the repeating set-up (V15
        API/event/delete.php, event/import.php, formEventMapping/import.php, repeatingFormsEvents/import.php)
        in a development project: the action's right first (a delete needs Delete Records, API/index.php:
        434-438; an import API Import), then Project Design (api_124; api_228 for the repeating set-up)."""
        if not user.super_user and req.op == "event_delete" and not user.record_delete:
            return error(403, NO_RECORD_DELETE, "json")
        if not user.super_user and req.op != "event_delete" and not user.api_import:
            return error(403, NO_API_IMPORT, "json")
        if not user.super_user and not user.design:
            return error(
                400, DESIGN_RIGHTS_REPEATING if req.op == "repeating_import" else DESIGN_RIGHTS, "json"
            )
        if req.op == "event_delete":
            return self._delete_event(project, req.event or "")
        rows = json.loads(req.user_row)
        if req.op == "metadata_import":
            self._new_dictionary(project, rows)
        if req.op == "event_import":  # new events at the end of their arm, named by getUniqueEventNames
            project.events += [f"{unique_dag_name(r['event_name'])}_arm_{r['arm_num']}" for r in rows]
        elif req.op == "repeating_import":  # the set-up replaced whole
            project.repeating_events = {r["event_name"] for r in rows if not r["form_name"]}
            project.repeating_forms = {(r["event_name"], r["form_name"]) for r in rows if r["form_name"]}
        return Expected(200, JSON_TYPE, str(len(rows)).encode())

    def _new_dictionary(self, project: ProjectModel, rows: list[dict[str, str]]) -> None:
        """Import Metadata (V15 MetaData::save_metadata, MetaData.php:1954-2180) replaces redcap_metadata
        only: a removed file field's files (their doc_id in redcap_data, the edocs) stay, unreachable
        while the field is gone, and are back when a file field of that name is."""
        pid = project.project_id
        project.fields = {
            r["field_name"]: next(f for f in FIELDS if f["name"] == r["field_name"]) for r in rows
        }
        files = {n for n, f in project.fields.items() if f["type"] == "file"}
        every = {**self.hidden, **self.files}
        self.files = {k: v for k, v in every.items() if k[0] != pid or k[4] in files}
        self.hidden = {k: v for k, v in every.items() if k[0] == pid and k[4] not in files}

    def _delete_event(self, project: ProjectModel, event: str) -> Expected:
        """Event::delete (V15 Event.php:167-183) deletes the event's redcap_events_metadata row; its
        designations, repeating set-up and locks go with it (foreign keys ON DELETE CASCADE, install.sql),
        and its data can never be reached again (a new event gets a new event_id): no row, instance or
        file of it is left, and nothing is logged against the records."""
        pid = project.project_id
        project.events.remove(event)
        project.repeating_events.discard(event)
        project.repeating_forms = {r for r in project.repeating_forms if r[0] != event}
        project.locked_forms = {lock for lock in project.locked_forms if lock[1] != event}
        self.rows = {r for r in self.rows if r[0] != pid or r[2] != event}
        self.instances = {i for i in self.instances if i[0] != pid or i[2] != event}
        self.files = {k: v for k, v in self.files.items() if k[0] != pid or k[2] != event}
        self.hidden = {k: v for k, v in self.hidden.items() if k[0] != pid or k[2] != event}
        self.ages = {k: v for k, v in self.ages.items() if k[0] != pid or k[2] != event}
        return Expected(200, JSON_TYPE, b"1")

    def _record_delete(self, project: ProjectModel, user: UserModel, req: Request) -> Expected:
        if not user.super_user and not user.record_delete:
            return error(403, NO_RECORD_DELETE, "json")
        if not user.super_user and not user.api_import:
            return error(400, DELETE_RIGHTS, "json")
        record, pid = req.record or "", project.project_id
        if key(record) not in self.records(pid):
            return error(400, DELETE_MISSING.format(records=record), "json")
        self.rows = {r for r in self.rows if r[:2] != (pid, key(record))}
        self.instances = {i for i in self.instances if i[:2] != (pid, key(record))}
        self.files = {k: v for k, v in self.files.items() if k[:2] != (pid, key(record))}
        self.hidden = {k: v for k, v in self.hidden.items() if k[:2] != (pid, key(record))}
        self.ages = {k: v for k, v in self.ages.items() if k[:2] != (pid, key(record))}
        self.names.pop((pid, key(record)), None)
        self.record_dags.pop((pid, key(record)), None)
        self.logged(pid, ("DELETE", key(record), "Delete record (API)", f"record_id = '{record}'"))
        # its locks go with it (redcap_locking_data rows of the record are deleted)
        project.locked_records.discard(key(record))
        project.locked_forms = {lock for lock in project.locked_forms if lock[0] != key(record)}
        return Expected(200, JSON_TYPE, b"1")

    def _getdata_row(
        self, project: ProjectModel, rec: str, event: str | None, inst: float, field: str
    ) -> bool:
        """V15 import.php:142-161: a repeating instrument's instance is written (its `_complete` row is
        inserted first); an instance of a repeating event only if it exists; anything else only if the
        record has data in the event."""
        pid = project.project_id
        if (event, project.fields[field]["form"]) in project.repeating_forms:
            return True
        if project.longitudinal and event in project.repeating_events:
            return (pid, rec, event, inst) in self.instances
        return (pid, rec, event) in self.rows

    def _delete(self, project: ProjectModel, req: Request, fmt: str) -> Expected:
        record, field_name = req.record or "", req.field or ""
        valid, event = self._event(project, req.event)  # 2
        if not valid:
            return error(400, INVALID_EVENT, fmt)
        instance = self._instance(project, event, field_name, numeric_instance(req.instance))
        locked = self._locked(project, req, event, instance)  # 3
        if locked:
            return error(400, locked, fmt)
        pid = project.project_id
        if (pid, key(record), event) not in self.rows:  # 4: raw, single quotes
            return error(400, DELETE_RECORD_MISSING.format(record=record), fmt)
        canonical = self._file_field(project, field_name)
        if canonical is None:  # 5
            return error(400, FIELD_NOT_FILE.format(field=rcview_escape(field_name)), fmt)
        file_key = (pid, key(record), event, instance, canonical)
        if file_key not in self.files:  # 6
            return error(400, NO_FILE_TO_DELETE, fmt)
        del self.files[file_key]  # 7: the record-ID row of the event stays
        # logEvent puts "[instance = n]" before the data values of an instance above 1
        shown = field_name if instance <= 1 else f"[instance = {int(instance)}],\n{field_name}"
        self.logged(pid, ("DOC_DELETE", key(record), "Delete uploaded document (API)", shown))
        return empty_success(fmt)


def dictionary_row(spec: dict[str, Any]) -> dict[str, str]:
    """A field as Export Metadata writes it (its 18 columns, in order: Import Metadata reads them by
    position)."""
    columns = ["field_name", "form_name", "section_header", "field_type", "field_label"]
    columns += ["select_choices_or_calculations", "field_note", "text_validation_type_or_show_slider_number"]
    columns += ["text_validation_min", "text_validation_max", "identifier", "branching_logic"]
    columns += ["required_field", "custom_alignment", "question_number", "matrix_group_name"]
    columns += ["matrix_ranking", "field_annotation"]
    row = dict.fromkeys(columns, "")
    row.update(
        field_name=spec["name"], form_name=spec["form"], field_type=spec["type"], field_label=spec["name"]
    )
    row["text_validation_type_or_show_slider_number"] = spec.get("validation", "")
    row["identifier"] = "y" if spec.get("identifier") else ""
    row["select_choices_or_calculations"] = spec.get("choices", "")
    return row


def edited_role(project: ProjectModel, role: RoleModel, row: dict[str, Any]) -> RoleModel:
    """UserRights::uploadUserRoles and editRole (V15 UserRights.php:3690-3860, 3603-3650): every right of
    the list left out is posted as '0' and so written 0; `forms_export` given sets the forms left out to
    0, left out keeps the role's stored export rights."""
    export_rights = role.export_rights
    if "forms_export" in row:
        words = {form: list(_RIGHTS)[level] for form, level in row["forms_export"].items()}
        export_rights = aggregate_export_rights(words, project.forms)
    return RoleModel(
        export_rights=export_rights,
        api_export=row.get("api_export", 0) == 1,
        api_import=row.get("api_import", 0) == 1,
        record_delete=row.get("record_delete", 0) == 1,
        rights_admin=row.get("user_rights", 0) == 1,
        dag_rights=row.get("data_access_groups", 0) == 1,
    )


# ---------------------------------------------------------------------------------------------------------
# Strategies

ALL_USERS = [u for doc in (CLASSIC, LONGITUDINAL) for u in doc["users"]]
ADMINS = [token(0x5EED01, 1), token(0x5EED01, 21)]
LONGITUDINAL_TOKENS = frozenset(u["token"].upper() for u in LONGITUDINAL["users"])
SETUP_CONTENTS = {
    "user_import": "user",
    "role_import": "userRole",
    "role_mapping": "userRoleMapping",
    "dag_import": "dag",
    "dag_mapping": "userDagMapping",
}

# Repeating set-ups to choose from (event, form; "" repeats the event): the fixture's two and one more
REPEATING_CHOICES = [("visit_arm_1", ""), ("followup_arm_1", "labs"), ("baseline_arm_1", "labs")]
DESIGN_CONTENTS = {
    "event_delete": ("event", "delete"),
    "event_import": ("event", "import"),
    "mapping_import": ("formEventMapping", ""),
    "repeating_import": ("repeatingFormsEvents", ""),
    "metadata_import": ("metadata", ""),
}
DESIGN_RIGHTS = (  # V15 English.ini api_124
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'Project Design and "
    "Setup' privileges in the project in order to utilize this API method."
)
DESIGN_RIGHTS_REPEATING = (  # V15 English.ini api_228
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'Project Setup/Design' "
    "privileges in the project."
)
USER_IN_ROLE = (  # V15 English.ini api_112
    "cannot have their user privileges modified because the user belongs to a user role. Users in roles "
    "cannot have their privileges modified via the 'Import User' API method."
)
OTHER_DAG_IMPORT = (  # V15 English.ini data_import_tool_307
    "This record cannot be imported because it already exists in the project and belongs to another Data "
    "Access Group."
)
OTHER_DAGS_RECORDS = (  # V15 English.ini data_import_tool_251
    "The following records cannot be modified because they do not belong to your Data Access Group:"
)
DAG_MEMBER = (  # V15 English.ini api_183
    "You do not have permission to export/import/delete Data Access Groups because you have been assigned to "
    "a Data Access Group."
)
DAG_MAPPING_MEMBER = (  # V15 English.ini api_184
    "You do not have permission to import User-DAG Assignment because you have been assigned to a Data "
    "Access Group."
)
DAG_RIGHTS = (  # V15 English.ini api_222
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'Data Access Groups' "
    "privileges in the project."
)
DAG_MISSING = "does not exist in the project."  # V15 English.ini design_643
DAG_NOTE = (  # V15 English.ini design_1113, as PHP reads the two-line value (the newline and indent kept)
    "NOTE: The unique group name is auto-generated from the name of the data access group, so there is no "
    "way to set the unique group name manually.\n              If you are attempting to create a new DAG, "
    "you should leave the unique_group_name and data_access_group_id fields blank in your upload file."
)
ROLE_IMPORT_RIGHTS = (  # V15 English.ini api_171
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'User Rights' privileges "
    "in the project in order to import/update user roles via the API Import User Roles method."
)
USER_IMPORT_RIGHTS = (  # V15 English.ini api_103
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'User Rights' privileges "
    "in the project in order to import/update users via the API Import Users method."
)
# Import and Delete Records texts (V15 LanguageUpdater/English.ini data_import_tool_215/216/282/283,
# api_131, api_135), written out here from the source, not taken from the fake.
RECORD_NAME_CHARACTERS = (
    "The record name ({record}) cannot contain a plus sign (+), ampersand (&), pound sign (#), or apostrophe."
)
EVENT_NEEDS_INSTANCE = (
    'The record name ({record}) with event "{event}" cannot be imported. This is because this event is a '
    "repeating event, but the field 'redcap_repeat_instance' could not be found in the data import fields.  "
    "In order to import data for a repeating event, the field 'redcap_repeat_instance' is required in the "
    "imported data set."
)
FORM_LOCKED_IMPORT = (
    "This field is located on a form that is locked. You must first unlock this form for this record."
)
DELETE_RIGHTS = (
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'Delete Records' "
    "privileges in the project in order to utilize this API method."
)
DELETE_MISSING = (
    "One or more of the records provided cannot be deleted because they do not exist in the project. The "
    "following records do not exist: {records}"
)
WEIRD_TOKENS: list[str | None] = [
    None,
    "",
    "BAD00000000000000000000000000000",
    "not-a-token",
    ADMINS[0] + "\n",
    ADMINS[0].lower(),
    ADMINS[1].lower(),
]
tokens = st.one_of(
    st.sampled_from(ADMINS),  # weighted: the admins reach the methods' own checks
    st.sampled_from([u["token"] for u in ALL_USERS]),
    st.sampled_from(WEIRD_TOKENS),
)
records = st.sampled_from(["1", "1", "2", "A7", "a7", "a7 ", "L1", "l1", "5", "L2", "99", "", '<b>"q"&\''])
fields = st.sampled_from(
    ["consent", "lab_file", "lab_file", "Lab_File", "CONSENT", "signature", "age", "record_id", "nope", ""]
)
odd_fields = st.sampled_from(["x'y", "<i>z</i>", "a&b"])
events = st.sampled_from(
    [None, "baseline_arm_1", "visit_arm_1", "followup_arm_1", "Baseline_Arm_1", "bogus", ""]
)
numeric_instances = st.sampled_from([None, "1", "2", "2", "3", "0", "-1", "x", "1.5", "2.0"])
integer_instances = st.sampled_from([None, "1", "2", "2", "3", "0", "-1", "x", "1.5"])
formats = st.sampled_from([None, "json", "xml", "csv", "JSON"])
# Mostly valid requests, so that files are written, read back, replaced and deleted often.
able_tokens = st.sampled_from(ADMINS + [token(0x5EED01, n) for n in (2, 3, 5, 10, 14, 23, 25)])
# Who imports roles and assignments: the two User Rights holders (never put in a role here, so they keep
# that right), the super user, and an admin without User Rights (refused).
ROLE_ADMINS = [token(0x5EED01, n) for n in (13, 13, 24, 24, 10, 1)]
# Who imports DAGs and assignments: the DAG right holders, the super user, an admin without it (refused).
DAG_ADMINS = [token(0x5EED01, n) for n in (13, 13, 24, 24, 10, 1)]
# Whom the assignments move in and out of DAGs (never those who import them).
DAG_CANDIDATES = {601: ["importer", "remover", "admin", "member"], 602: ["l_admin", "l_deid"]}
# Whom the assignments move in and out of roles (never the User Rights holders).
ROLE_CANDIDATES = {
    601: ["importer", "deleter", "remover", "member", "no_api", "mixed"],
    602: ["l_reader", "l_deid", "l_member"],
}
known_records = st.sampled_from(["1", "2", "A7", "5", "L2"])
file_fields = st.sampled_from(["consent", "lab_file", "signature"])
known_events = st.sampled_from(["baseline_arm_1", "visit_arm_1", "followup_arm_1"])
small_instances = st.sampled_from([None, "1", "2", "3"])
uploads = st.one_of(
    st.none(),
    st.tuples(
        st.sampled_from(list(UPLOAD_NAMES)),
        st.one_of(
            st.sampled_from([p for p, _m in PAYLOADS]),
            st.integers(0, 10**6).map(lambda n: f"upload version {n}\n".encode()),
        ),
    ),
)

# ---------------------------------------------------------------------------------------------------------
# The state machine

Sender = Callable[[Request], Expected]


class Tally:
    """What a run did, for the coverage check and the README figures."""

    def __init__(self) -> None:
        self.requests = 0
        self.resets = 0
        self.outcomes: Counter[tuple[str, int]] = Counter()
        self.messages: set[bytes] = set()


class FileApiMachine(RuleBasedStateMachine):
    state: FakeState
    send: Sender
    tally: Tally

    def __init__(self) -> None:
        super().__init__()
        self.model = RedcapModel.from_docs([copy.deepcopy(CLASSIC), copy.deepcopy(LONGITUDINAL)])

    @initialize()
    def fresh(self) -> None:
        self.state.reset()

    def check(self, req: Request) -> None:
        actor = self.model.user_of(req.token)
        expected = self.model.answer(req)
        got = self.send(req)
        self.tally.requests += 1
        self.tally.outcomes[(req.label or req.op, got.status)] += 1
        if actor is not None and actor.role is not None and req.op not in SETUP_CONTENTS:
            self.tally.outcomes[("by_role_member", got.status)] += 1
        if actor is not None and actor.dag is not None and req.op not in SETUP_CONTENTS:
            self.tally.outcomes[("by_dag_member", got.status)] += 1
        if got.status != 200:
            self.tally.messages.add(got.body)
        assert got == expected, f"{req}\n fake:  {got}\n model: {expected}"

    @rule(
        tok=tokens,
        record=records,
        field_name=fields | odd_fields,
        event=events,
        inst=numeric_instances,
        fmt=formats,
    )
    def export(
        self,
        tok: str | None,
        record: str,
        field_name: str,
        event: str | None,
        inst: str | None,
        fmt: str | None,
    ) -> None:
        self.check(Request("export", tok, record, field_name, event, inst, fmt))

    @rule(tok=tokens, record=records, field_name=fields, event=events, inst=numeric_instances, fmt=formats)
    def fileinfo(
        self,
        tok: str | None,
        record: str,
        field_name: str,
        event: str | None,
        inst: str | None,
        fmt: str | None,
    ) -> None:
        self.check(Request("fileinfo", tok, record, field_name, event, inst, fmt))

    @rule(
        tok=tokens,
        record=records,
        field_name=fields | odd_fields,
        event=events,
        inst=integer_instances,
        fmt=formats,
        upload=uploads,
    )
    def import_file(
        self,
        tok: str | None,
        record: str,
        field_name: str,
        event: str | None,
        inst: str | None,
        fmt: str | None,
        upload: tuple[str, bytes] | None,
    ) -> None:
        self.check(Request("import", tok, record, field_name, event, inst, fmt, upload=upload))

    @rule(tok=tokens, record=records, field_name=fields, event=events, inst=numeric_instances, fmt=formats)
    def delete(
        self,
        tok: str | None,
        record: str,
        field_name: str,
        event: str | None,
        inst: str | None,
        fmt: str | None,
    ) -> None:
        self.check(Request("delete", tok, record, field_name, event, inst, fmt))

    @rule(tok=tokens, action=st.sampled_from(["EXPORT", "Delete", "", "list", "nope"]), fmt=formats)
    def odd_action(self, tok: str | None, action: str, fmt: str | None) -> None:
        self.check(Request("action", tok, "1", "consent", None, None, fmt, action=action))

    @rule(
        tok=able_tokens,
        record=known_records,
        field_name=file_fields,
        event=known_events,
        inst=small_instances,
        upload=uploads,
    )
    def import_known(
        self,
        tok: str,
        record: str,
        field_name: str,
        event: str,
        inst: str | None,
        upload: tuple[str, bytes] | None,
    ) -> None:
        self.check(Request("import", tok, record, field_name, event, inst, "json", upload=upload))

    @precondition(lambda self: bool(self.model.rows))
    @rule(
        data=st.data(),
        field_name=st.sampled_from(["consent", "lab_file"]),
        inst=st.sampled_from([None, "1", "2"]),
        name=st.sampled_from([n for n, stored in UPLOAD_NAMES.items() if stored is not None]),
        payload=st.sampled_from([p for p, _m in PAYLOADS]),
    )
    def import_where_a_record_is(
        self, data: st.DataObject, field_name: str, inst: str | None, name: str, payload: bytes
    ) -> None:
        """An owner's upload to a record and event that exist now (records come and go with Delete
        Records and reset), so that every run writes files: the random rules above reach a successful
        import only when record, event, token and upload all happen to fit, and a run of them once
        reached none (CI, 2026-11-30)."""
        pid, record, event = data.draw(st.sampled_from(sorted(self.model.rows, key=repr)))
        tok = ADMINS[0] if pid == CLASSIC["project"]["project_id"] else ADMINS[1]
        self.check(Request("import", tok, record, field_name, event, inst, "json", upload=(name, payload)))

    @precondition(lambda self: bool(self.model.files))
    @rule(data=st.data(), op=st.sampled_from(["export", "fileinfo", "delete"]), fmt=formats)
    def use_a_stored_file(self, data: st.DataObject, op: str, fmt: str | None) -> None:
        """Export File, its file info or Delete File by an owner on a file stored now, for the same reason."""
        pid, record, event, inst, field_name = data.draw(st.sampled_from(sorted(self.model.files, key=repr)))
        tok = ADMINS[0] if pid == CLASSIC["project"]["project_id"] else ADMINS[1]
        instance = data.draw(st.sampled_from([str(int(inst))] + ([None] if inst == 1 else [])))
        self.check(Request(op, tok, record, field_name, event, instance, fmt))

    @rule(
        tok=able_tokens,
        record=known_records,
        field_name=file_fields,
        event=known_events,
        inst=small_instances,
        fileinfo=st.booleans(),
    )
    def export_known(
        self, tok: str, record: str, field_name: str, event: str, inst: str | None, fileinfo: bool
    ) -> None:
        self.check(
            Request("fileinfo" if fileinfo else "export", tok, record, field_name, event, inst, "json")
        )

    @rule(
        tok=able_tokens,
        record=known_records,
        field_name=file_fields,
        event=known_events,
        inst=small_instances,
    )
    def delete_known(self, tok: str, record: str, field_name: str, event: str, inst: str | None) -> None:
        self.check(Request("delete", tok, record, field_name, event, inst, "csv"))

    @rule(
        tok=tokens | able_tokens,
        record=records,
        event=st.sampled_from(["baseline_arm_1", "followup_arm_1", "visit_arm_1"]),
        value=st.sampled_from(["30", ""]),
    )
    def import_record(self, tok: str | None, record: str, event: str, value: str) -> None:
        """Import Records: one row of a record and its age (a new record, or one that exists)."""
        longitudinal = tok is not None and tok.strip().upper() in LONGITUDINAL_TOKENS
        self.check(
            Request(
                "record_import", tok, record, None, event if longitudinal else None, None, "json", value=value
            )
        )

    @rule(
        tok=st.sampled_from([token(0x5EED01, 13), token(0x5EED01, 24), token(0x5EED01, 1)]),
        who=st.sampled_from(["importer", "deleter", "deid", "no_api", "expired", "mixed"]),
        flags=st.fixed_dictionaries(
            {},
            optional={
                "api_export": st.sampled_from([0, 1]),
                "api_import": st.sampled_from([0, 1]),
                "record_delete": st.sampled_from([0, 1]),
            },
        ),
        exports=st.none()
        | st.dictionaries(st.sampled_from(["enrollment", "labs"]), st.integers(0, 3), min_size=1),
    )
    def change_rights(
        self, tok: str, who: str, flags: dict[str, int], exports: dict[str, int] | None
    ) -> None:
        """Import Users: a user's API rights, Delete Records and per-form export rights change, and
        every later request meets the new rights; an expiration left out is cleared (the expired user's
        rights come back)."""
        longitudinal = tok.upper() in LONGITUDINAL_TOKENS
        if longitudinal:
            who = {"importer": "l_reader", "deleter": "l_deid"}.get(who, "l_reader")
        row: dict[str, Any] = {"username": who, **flags}
        if exports is not None:
            row["forms_export"] = exports
        self.check(Request("user_import", tok, None, None, None, None, "json", user_row=json.dumps([row])))

    @rule(
        data=st.data(),
        tok=st.sampled_from(ROLE_ADMINS),
        label=st.sampled_from(["Role", "Role", "Role", "Role", "Role", ""]),
        flags=st.fixed_dictionaries(
            {},
            optional={
                "api_export": st.sampled_from([0, 1]),
                "api_import": st.sampled_from([0, 1]),
                "record_delete": st.sampled_from([0, 1]),
                "user_rights": st.sampled_from([0, 0, 1]),
            },
        ),
        exports=st.none()
        | st.dictionaries(st.sampled_from(["enrollment", "labs"]), st.integers(0, 3), min_size=1),
    )
    def import_role(
        self,
        data: st.DataObject,
        tok: str,
        label: str,
        flags: dict[str, int],
        exports: dict[str, int] | None,
    ) -> None:
        """Import User Roles: an existing role's rights replaced (now and then an unknown role or a
        blank label, refused); its members' next requests meet the new rights."""
        project = self.model.project_of(tok)
        known = st.sampled_from(sorted(project.roles))
        name = data.draw(known if data.draw(st.integers(0, 9)) else st.just("U-NOSUCH999"))
        row: dict[str, Any] = {"unique_role_name": name, "role_label": label, **flags}
        if exports is not None:
            row["forms_export"] = exports
        self.check(Request("role_import", tok, None, None, None, None, "json", user_row=json.dumps([row])))

    @rule(data=st.data(), tok=st.sampled_from(ROLE_ADMINS))
    def map_role(self, data: st.DataObject, tok: str) -> None:
        """Import User-Role Assignments: a user put into a role, moved to another or taken out of it."""
        project = self.model.project_of(tok)
        who = data.draw(st.sampled_from(ROLE_CANDIDATES[project.project_id]))
        names = ["", *sorted(project.roles)]
        name = data.draw(st.sampled_from(names) if data.draw(st.integers(0, 9)) else st.just("U-NOSUCH999"))
        row = {"username": who, "unique_role_name": name}
        self.check(Request("role_mapping", tok, None, None, None, None, "json", user_row=json.dumps([row])))

    @precondition(lambda self: any(u.role for p in self.model.projects for u in p.users))
    @rule(data=st.data(), name=st.sampled_from(["report.txt", "a+b.txt"]))
    def role_member_acts(self, data: st.DataObject, name: str) -> None:
        """A user in a role uses what the role grants now: an import where a record is (API Import), else
        an export of a stored file the role may read (API Export; identifier fields only with Full Data
        Set), else any stored file (refused), so that every run sees a role's rights applied."""
        members = sorted(((p, u) for p in self.model.projects for u in p.users if u.role), key=repr)
        project, user = data.draw(st.sampled_from(members))
        rights, pid = project.effective(user), project.project_id
        rows = sorted((r for r in self.model.rows if r[0] == pid), key=repr)
        if rights.api_import and rows:
            _pid, record, event = data.draw(st.sampled_from(rows))
            upload = (name, b"by a role member\n")
            self.check(Request("import", user.token, record, "lab_file", event, "1", "json", upload=upload))
            return
        stored = sorted((k for k in self.model.files if k[0] == pid), key=repr)
        readable = [k for k in stored if rights.export_rights == 1 or k[4] != "consent"]
        if rights.api_export and rights.export_rights and readable:
            stored = readable
        if stored:
            _pid, record, event, inst, field_name = data.draw(st.sampled_from(stored))
            self.check(Request("export", user.token, record, field_name, event, str(int(inst)), "json"))

    @rule(
        data=st.data(),
        tok=st.sampled_from(DAG_ADMINS),
        name=st.sampled_from(["Site A", "Site B", "Site C", "East", "West side", "North", "South"]),
    )
    def import_dag(self, data: st.DataObject, tok: str, name: str) -> None:
        """Import DAGs: a new DAG, or an existing one renamed (its unique name follows the name; its
        members and records stay in it); now and then an unknown unique group name, refused."""
        project = self.model.project_of(tok)
        taken = project.dag_names()
        target = data.draw(st.sampled_from(["", *sorted(taken.values())]) | st.just("nosuch_group"))
        owner = project.dag_id(target)
        if any(n == unique_dag_name(name) and i != owner for i, n in taken.items()):
            name = f"{name} {len(taken) + 1}"  # a name no other DAG's unique name has
        row = {"data_access_group_name": name, "unique_group_name": target}
        self.check(Request("dag_import", tok, None, None, None, None, "json", user_row=json.dumps([row])))

    @rule(data=st.data(), tok=st.sampled_from(DAG_ADMINS))
    def map_dag(self, data: st.DataObject, tok: str) -> None:
        """Import User-DAG Assignments: a user put into a DAG, moved, or taken out of it."""
        project = self.model.project_of(tok)
        who = data.draw(st.sampled_from(DAG_CANDIDATES[project.project_id]))
        names = ["", *sorted(project.dag_names().values())]
        dag = data.draw(st.sampled_from(names) if data.draw(st.integers(0, 9)) else st.just("nosuch_group"))
        row = {"username": who, "redcap_data_access_group": dag}
        self.check(Request("dag_mapping", tok, None, None, None, None, "json", user_row=json.dumps([row])))

    @precondition(lambda self: any(u.dag for p in self.model.projects for u in p.users if u.api_import))
    @rule(data=st.data(), fresh=st.booleans(), value=st.sampled_from(["30", "31", ""]))
    def dag_member_imports(self, data: st.DataObject, fresh: bool, value: str) -> None:
        """Import Records by a DAG member with API Import: a new record (it joins their DAG) or a record
        that exists (refused unless it is in their DAG), so that every run sees both."""
        members = [(p, u) for p in self.model.projects for u in p.users if u.dag and u.api_import]
        project, user = data.draw(st.sampled_from(sorted(members, key=repr)))
        pid = project.project_id
        # mostly records outside the member's DAG (refused), so that every run sees the refusal
        outside = [r for r in self.model.records(pid) if self.model.record_dags.get((pid, r)) != user.dag]
        mostly = bool(data.draw(st.integers(0, 3)))
        pool = outside if outside and mostly else sorted(self.model.records(pid))
        existing = sorted(self.model.names.get((pid, r), r) for r in pool)
        record = data.draw(st.sampled_from(["D1", "D2", "d2", "D3"]) if fresh else st.sampled_from(existing))
        event = "baseline_arm_1" if project.longitudinal else None
        req = Request("record_import", user.token, record, None, event, None, "json", value=value)
        self.check(dataclasses.replace(req, label="dag_member_import"))

    @precondition(lambda self: bool(self.model.rows))
    @rule(data=st.data(), dice=st.integers(0, 2))
    def delete_a_record_that_is(self, data: st.DataObject, dice: int) -> None:
        """Delete Records by an owner, of a record that exists now (one in three times this rule is
        picked, so that records and their files do not vanish too fast)."""
        if dice:
            return
        pid, record, _event = data.draw(st.sampled_from(sorted(self.model.rows, key=repr)))
        tok = ADMINS[0] if pid == CLASSIC["project"]["project_id"] else ADMINS[1]
        self.check(Request("record_delete", tok, record, None, None, None, "json"))

    @precondition(lambda self: bool(self.model.rebuildable_events()))
    @rule(data=st.data(), who=st.sampled_from([26, 26, 26, 26, 21]))
    def rebuild_an_event(self, data: st.DataObject, who: int) -> None:
        """Delete Events, then Import Events, Instrument-Event Mappings and the repeating set-up bring the
        event back as it was set up: its data, files and locks are gone (the new event has a new
        event_id), every other event's stay. Only events where every record also has data in another
        event: a record left with data in no event is one REDCap answers for by the state of its record
        list cache (Records::getArmsForAllRecords), not by anything the API shows."""
        tok = token(0x5EED01, who)
        event = data.draw(st.sampled_from(self.model.rebuildable_events()))
        self.check(Request("event_delete", tok, None, None, event, None, "json"))
        label = event.removesuffix("_arm_1").capitalize()
        rows: list[dict[str, str]] = [{"event_name": label, "arm_num": "1"}]
        self.check(Request("event_import", tok, None, None, None, None, "json", user_row=json.dumps(rows)))
        events = [e["unique_name"] for e in LONGITUDINAL["events"]]
        rows = [
            {"arm_num": "1", "unique_event_name": e, "form": f}
            for e in events
            for f in ("enrollment", "labs")
        ]
        self.check(Request("mapping_import", tok, None, None, None, None, "json", user_row=json.dumps(rows)))
        rows = [{"event_name": r["event"], "form_name": r.get("form", "")} for r in LONGITUDINAL["repeating"]]
        self.check(
            Request("repeating_import", tok, None, None, None, None, "json", user_row=json.dumps(rows))
        )

    @rule(
        who=st.sampled_from([26, 26, 26, 21]),
        chosen=st.sets(st.sampled_from(REPEATING_CHOICES)),
    )
    def change_repeating_setup(self, who: int, chosen: set[tuple[str, str]]) -> None:
        """Import Repeating Instruments and Events with another set-up (a repeating event or instrument
        dropped or added): later requests meet it (instances forced to 1 where nothing repeats, a new
        instance of an instrument that now repeats, Import Records refused for a repeating event without
        redcap_repeat_instance), while the stored instances stay (REDCap leaves redcap_data alone)."""
        rows = [{"event_name": e, "form_name": f} for e, f in sorted(chosen)]
        tok = token(0x5EED01, who)
        self.check(
            Request("repeating_import", tok, None, None, None, None, "json", user_row=json.dumps(rows))
        )

    @rule(who=st.sampled_from([26, 26, 26, 21]), dropped=st.sampled_from(["lab_file", "consent", ""]))
    def drop_or_restore_a_file_field(self, who: int, dropped: str) -> None:
        """Import Metadata in the longitudinal project: the dictionary without a file field (its files
        unreachable: "not a file field") or whole again (the same files back)."""
        rows = [dictionary_row(f) for f in FIELDS if f["name"] != dropped]
        req = Request("metadata_import", token(0x5EED01, who), None, None, None, None, "json")
        self.check(dataclasses.replace(req, user_row=json.dumps(rows)))

    @rule(tok=tokens | able_tokens, record=records)
    def delete_record(self, tok: str | None, record: str) -> None:
        """Delete Records: the whole record, its files with it."""
        self.check(Request("record_delete", tok, record, None, None, None, "json"))

    @rule(which=st.sampled_from([0, 1]))
    def export_project_xml(self, which: int) -> None:
        """Export Project XML with exportFiles (V15 API/project_xml/export.php, ODM.php
        getOdmClinicalData) agrees with the model: a SubjectData per record, and exactly the model's
        files (name, MIME type, bytes) in their record, event and instance (StudyEventRepeatKey in a
        repeating event, else FormRepeatKey)."""
        project = self.model.projects[which]
        able = [
            u
            for u in project.users
            if project.effective(u).api_export and not (u.suspended or u.super_user) and u.expiration is None
        ]
        if not able:
            return
        user = able[0]
        if not hasattr(self, "xml_client"):
            self.xml_client = create_app(self.state).test_client()
        answer = self.xml_client.post(
            "/api/", data={"token": user.token, "content": "project_xml", "exportFiles": "1"}
        )
        assert answer.status_code == 200, answer.data[:300]
        odm, rc = "{http://www.cdisc.org/ns/odm/v1.3}", "{https://projectredcap.org}"
        pid = project.project_id
        subjects, files = set(), {}
        for subject in ET.fromstring(answer.data).iter(f"{odm}SubjectData"):
            record = key(subject.get("SubjectKey", ""))
            subjects.add(record)
            for visit in subject.findall(f"{odm}StudyEventData") or [subject]:
                event = visit.get(f"{rc}UniqueEventName")
                for form in visit.findall(f"{odm}FormData"):
                    repeat = visit.get("StudyEventRepeatKey") if event in project.repeating_events else None
                    instance = float(repeat or form.get("FormRepeatKey") or "1")
                    for item in form.iter(f"{odm}ItemDataBase64Binary"):
                        data = base64.b64decode(item.text or "")
                        stored = Stored(item.get(f"{rc}DocName", ""), item.get(f"{rc}MimeType", ""), data)
                        files[(pid, record, event, instance, item.get("ItemOID", ""))] = stored
        # A DAG member exports its DAG's records only (API/project_xml/export.php:15, the user's group_id).
        mine = {
            r
            for r in self.model.records(pid)
            if user.dag is None or self.model.record_dags.get((pid, r)) == user.dag
        }
        assert subjects == mine
        # An instance above 1 where nothing repeats any more stays stored but is not exported (getData).
        shown = {
            k: v
            for k, v in self.model.files.items()
            if k[0] == pid
            and k[1] in mine
            and (
                k[3] == 1
                or k[2] in project.repeating_events
                or (k[2], project.fields[k[4]]["form"]) in project.repeating_forms
            )
        }
        assert files == shown
        self.tally.outcomes[("project_xml", 200)] += 1

    @rule(dice=st.integers(0, 4))
    def reset(self, dice: int) -> None:
        """Now and then (one in five times this rule is picked): back to the fixtures."""
        if dice:
            return
        self.state.reset()
        self.model = RedcapModel.from_docs([copy.deepcopy(CLASSIC), copy.deepcopy(LONGITUDINAL)])
        self.tally.resets += 1

    @invariant()
    def stored_files_match(self) -> None:
        """The fake holds exactly the model's files (name, MIME type, bytes) and record/event rows."""
        files: dict[FileKey, Stored] = {}
        hidden: dict[FileKey, Stored] = {}
        rows: set[tuple[int, str, str | None]] = set()
        for project in self.state.projects:
            for row in project.records:
                rows.add((project.project_id, key(row.record), row.event))
                for kept, held in ((files, row.files), (hidden, row.hidden_files)):
                    for name, stored in held.items():
                        where = (project.project_id, key(row.record), row.event, float(row.instance), name)
                        kept[where] = Stored(stored.name, stored.mime, stored.read_bytes())
        assert files == self.model.files
        assert hidden == self.model.hidden
        assert rows == self.model.rows

    @invariant()
    def log_matches(self) -> None:
        """The fake's log holds the model's record rows (logtype=record: redcap_data, no exports), in
        order, with their data values (but a doc_id's)."""
        for project in self.state.projects:
            pid = project.project_id
            got = [
                (e.event, key(e.pk or ""), e.description, None if e.event == "DOC_UPLOAD" else e.data_values)
                for e in reversed(self.state.project_log(pid))
                if e.object_type == "redcap_data" and e.event != "DATA_EXPORT"
            ]
            assert got == self.model.log.get(pid, []), f"project {pid}"

    @invariant()
    def storage_holds_only_live_uploads(self) -> None:
        """Between requests no call is running, so a replaced, deleted or reset upload has already left
        the disk: the storage folder holds exactly the uploads the projects name (issue 12 point 8)."""
        root = self.state.storage.root
        live = {
            stored.path
            for project in self.state.projects
            for row in project.records
            for stored in (*row.files.values(), *row.hidden_files.values())
            if stored.path is not None and stored.path.parent == root
        }
        assert {p for p in root.iterdir() if p.is_file()} == live


# ---------------------------------------------------------------------------------------------------------
# Transports


def flask_sender(client: FlaskClient) -> Sender:
    def send(req: Request) -> Expected:
        params = req.params()
        if req.op == "import" and req.upload is not None:
            filename, data = req.upload
            form: dict[str, Any] = dict(params)
            form["file"] = (io.BytesIO(data), filename)
            response = client.post("/api/", data=form, content_type="multipart/form-data")
        else:
            response = client.post("/api/", data=dict(params))
        return Expected(response.status_code, response.headers["Content-Type"], response.get_data())

    return send


def wire_sender(session: requests.Session, url: str) -> Sender:
    def send(req: Request) -> Expected:
        params = req.params()
        files = {"file": req.upload} if req.op == "import" and req.upload is not None else None
        response = session.post(url, data=params, files=files, timeout=30)
        return Expected(response.status_code, response.headers["Content-Type"], response.content)

    return send


@pytest.fixture
def model_state(tmp_path: Path) -> Iterator[FakeState]:
    paths = [
        write_fixture(tmp_path / "classic", CLASSIC),
        write_fixture(tmp_path / "longitudinal", LONGITUDINAL),
    ]
    state = FakeState(paths)
    yield state
    state.close()


def run_machine(
    state: FakeState, send: Sender, examples: int, steps: int, tally: Tally | None = None
) -> Tally:
    tally = tally if tally is not None else Tally()
    machine = type(
        "BoundFileApiMachine", (FileApiMachine,), {"state": state, "send": staticmethod(send), "tally": tally}
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    return tally


_SUCCESSES = (
    "export",
    "fileinfo",
    "import",
    "delete",
    "record_import",
    "record_delete",
    "user_import",
    "role_import",
    "role_mapping",
    "by_role_member",  # a request by a user in a role that succeeded (the role's rights applied)
    "dag_import",
    "dag_mapping",
    "dag_member_import",
    "by_dag_member",  # a request by a DAG member that succeeded
    "event_delete",
    "event_import",
    "mapping_import",
    "repeating_import",
    "metadata_import",
)
_REFUSALS = [
    ("export", 400),
    ("export", 403),
    ("import", 400),
    ("delete", 400),
    ("action", 400),
    ("dag_member_import", 400),  # a record of another DAG or of none
]


def run_mattered(tally: Tally) -> bool:
    return (
        all(tally.outcomes[(op, 200)] > 0 for op in _SUCCESSES)
        and all(tally.outcomes[key] > 0 for key in _REFUSALS)
        and len(tally.messages) >= 20
    )


def assert_run_mattered(tally: Tally) -> None:
    """The run reached every method's success and a spread of REDCap's refusals (a model that only ever
    saw 403s would prove nothing)."""
    for op in _SUCCESSES:
        assert tally.outcomes[(op, 200)] > 0, (op, tally.outcomes)
    for op, status in _REFUSALS:
        assert tally.outcomes[(op, status)] > 0, (op, status, tally.outcomes)
    assert len(tally.messages) >= 20, len(tally.messages)


def test_fake_matches_the_model(model_state: FakeState) -> None:
    app = create_app(model_state)
    tally = Tally()
    # A random run reaches a successful file import only some ten times: now and then none. Further
    # rounds (at most EXTRA_ROUNDS) until every outcome was seen keep the check from failing by chance.
    for round_number in range(ROUNDS + EXTRA_ROUNDS):
        if round_number >= ROUNDS and run_mattered(tally):
            break
        run_machine(model_state, flask_sender(app.test_client()), EXAMPLES, STEPS, tally)
    print(
        f"\nmodel-based (test client): {tally.requests} requests, {tally.resets} resets, "
        f"{len(tally.messages)} distinct error bodies, outcomes {dict(tally.outcomes)}"
    )
    assert_run_mattered(tally)


def test_fake_matches_the_model_over_a_real_socket(model_state: FakeState) -> None:
    """The same machine through cheroot and requests: chunked downloads, multipart parsing and header
    encoding on a real wire."""
    with FakeServer(model_state) as server, requests.Session() as session:
        tally = run_machine(model_state, wire_sender(session, server.url), WIRE_EXAMPLES, WIRE_STEPS)
    print(f"\nmodel-based (real server): {tally.requests} requests, {tally.resets} resets")
    assert tally.requests > 0


def test_the_model_reads_the_rights_the_reference_states() -> None:
    """A check of the model itself: the per-form aggregation of §5 on the fixture's users."""
    model = RedcapModel.from_docs([CLASSIC, LONGITUDINAL])
    rights = {u.username: u.export_rights for p in model.projects for u in p.users}
    assert rights["mixed"] == 1 and rights["all_deid"] == 2 and rights["no_access"] == 0
    assert dataclasses.asdict(model.projects[0].users[0])["token"] == token(0x5EED01, 1)
