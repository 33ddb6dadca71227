"""The model-based test's building blocks: what is stored, what is expected, users, roles, projects and
requests, as REDCap 15.7.6 holds them (tests/test_model_based.py has the story)."""

from __future__ import annotations

import dataclasses
import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from tests.support import (
    CSV_TYPE,
    JSON_TYPE,
    XML_HEAD,
    XML_TYPE,
)

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
SETUP_CONTENTS = {
    "user_import": "user",
    "role_import": "userRole",
    "role_mapping": "userRoleMapping",
    "dag_import": "dag",
    "dag_mapping": "userDagMapping",
}
DESIGN_CONTENTS = {
    "event_delete": ("event", "delete"),
    "event_import": ("event", "import"),
    "mapping_import": ("formEventMapping", ""),
    "repeating_import": ("repeatingFormsEvents", ""),
    "metadata_import": ("metadata", ""),
}
