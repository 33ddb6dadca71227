"""Data access groups, users and roles in a snapshot, when the token's user may export them.

Pulled: `dag` (V15 API/dag/export.php: name, unique name, id; REDCap 14+ asks the Data Access Groups
right, 400 otherwise), `user` (API/user/export.php, the User Rights right: each user's account, DAG and
rights as `UserRights::getUserDetails` gives them), `userRole` and `userRoleMapping` (the same right).
REDCap before 13 answers these contents "not valid" as the fake does (messages.CONTENT_SINCE); a refusal
or an older server leaves them out, and the snapshot says so. Tokens are never exported: every user of
the snapshot gets a new one. Safe by default: usernames become user_1, user_2 ... and e-mail addresses
and names are left out; `--with-data` keeps them.

A record's DAG comes from the record export's `redcap_data_access_group` column (exportDataAccessGroups,
V15 API/record/export.php:234: only for a caller in no DAG, in a project that has DAGs).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fake_redcap.dag_names import with_unique_names
from fake_redcap.fixture.access import OTHER_RIGHTS, OWN_KEYS
from fake_redcap.model import EXPORT_RIGHT_WORDS, Dag
from redcap_file_client import RedcapClient, RedcapError

DAG_COLUMN = "redcap_data_access_group"


@dataclass
class Access:
    """What the server gave of DAGs, users and roles (None: refused or not in this REDCap)."""

    dags: list[dict[str, Any]] | None = None
    users: list[dict[str, Any]] | None = None
    roles: list[dict[str, Any]] | None = None
    role_of: dict[str, str] = field(default_factory=dict)  # username -> unique role name
    refused: dict[str, str] = field(default_factory=dict)  # content -> the server's message
    notes: list[str] = field(default_factory=list)

    @property
    def in_a_dag(self) -> bool:
        """The server said the token's user is in a DAG (403 api_183, V15 API/index.php:413)."""
        return "assigned to a data access group" in self.refused.get("dag", "").lower()


def _optional(client: RedcapClient, content: str, access: Access, needs: str) -> list[dict[str, Any]] | None:
    """An export the user may lack the right to, or the server's REDCap may not have."""
    try:
        data = client.export_json(content)
    except RedcapError as error:
        if error.status not in (400, 403):
            raise
        if "not valid" in error.message:  # REDCap before 13: no such content
            return None
        access.refused[content] = error.message
        note = f"content={content} was refused ({error.message.rstrip('.')}): {needs}"
        if any(word in error.message.lower() for word in ("privilege", "right", "permission")):
            note += ". Fix: give the token's user that right, or use another token"
        access.notes.append(note)
        return None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        return None
    return data


def pull_access(client: RedcapClient) -> Access:
    access = Access()
    access.dags = _optional(
        client, "dag", access, "the data access groups come from the records' groups alone"
    )
    access.users = _optional(client, "user", access, "the snapshot's only user is its owner")
    if access.users is not None:
        access.roles = _optional(client, "userRole", access, "the users' roles are left out")
        mapping = _optional(client, "userRoleMapping", access, "the users' roles are left out")
        if access.roles is not None and mapping is not None:
            access.role_of = {
                str(m.get("username")): str(m.get("unique_role_name") or "")
                for m in mapping
                if m.get("unique_role_name")
            }
    return access


@dataclass
class Groups:
    """The fixture's `dags:` and the server's unique names translated to the ones the fake makes."""

    entries: list[dict[str, Any]]
    rename: dict[str, str]


def dag_entries(access: Access, header: Sequence[str], records: Sequence[Sequence[str]]) -> Groups:
    """The fixture's DAGs: the server's list, or the groups the records name when it was refused. The
    fake makes unique names from names (fake_redcap/dag_names.py); a server's that differs (a DAG
    renamed after it was made) is translated, and the snapshot says so."""
    seen: list[str] = []
    if DAG_COLUMN in header:
        column = list(header).index(DAG_COLUMN)
        seen = list(dict.fromkeys(r[column] for r in records if len(r) > column and r[column] != ""))
    if access.dags is not None:
        listed = [
            (str(d.get("data_access_group_name", "")), str(d.get("unique_group_name", "")), d)
            for d in access.dags
        ]
    else:
        listed = [(name, name, {}) for name in seen]
    made = with_unique_names(
        [Dag(_dag_id(d.get("data_access_group_id"), i), name, "") for i, (name, _, d) in enumerate(listed)]
    )
    entries = []
    rename: dict[str, str] = {}
    for (name, unique, d), dag in zip(listed, made, strict=True):
        entry: dict[str, Any] = {"name": name}
        if d.get("data_access_group_id") not in (None, ""):
            entry["id"] = dag.group_id
        entries.append(entry)
        rename[unique] = dag.unique_name
    changed = sorted(k for k, v in rename.items() if k != v)
    if changed:
        access.notes.append(
            "the fake makes a DAG's unique name from its name; these differ on the server and are "
            f"renamed: {', '.join(f'{k} -> {rename[k]}' for k in changed)}"
        )
    return Groups(entries, rename)


def _dag_id(value: object, index: int) -> int:
    try:
        number = int(str(value))
    except ValueError:
        return index + 1
    return number if number > 0 else index + 1


def export_word(code: object) -> str:
    """A data export right's code (0-3) as the fixture's word."""
    try:
        return EXPORT_RIGHT_WORDS[int(str(code))]
    except (ValueError, IndexError):
        return "no_access"


def _level(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def rights_of(item: Mapping[str, Any], forms: Sequence[str]) -> dict[str, Any]:
    """A user's or role's rights as the fixture writes them, from REDCap's user (or role) export."""
    result: dict[str, Any] = {}
    per_form = item.get("forms_export")
    if isinstance(per_form, dict) and per_form:  # REDCap 12.2+: per instrument
        words = {form: export_word(per_form.get(form, 0)) for form in forms}
        same = set(words.values())
        result["data_export"] = same.pop() if len(same) == 1 else words
    else:
        result["data_export"] = export_word(item.get("data_export", 0))
    for key in OWN_KEYS:
        level = _level(item.get(key, 0))
        if key == "user_rights" and level == 2:
            result[key] = "read_only"
        else:
            result[key] = level == 1
    rights = {}
    for name in OTHER_RIGHTS:
        level = _level(item.get(name, 0))
        if 0 < level <= (2 if name == "lock_records" else 1):
            rights[name] = level
    if rights:
        result["rights"] = rights
    entry = item.get("forms")
    if isinstance(entry, dict) and entry:
        result["forms"] = {f: min(max(_level(entry.get(f, 0)), 0), 3) for f in forms if f in entry}
    return result


def role_entries(access: Access, forms: Sequence[str]) -> list[dict[str, Any]]:
    return [
        {
            "unique_role_name": str(role.get("unique_role_name", "")),
            "label": str(role.get("role_label", "")),
            **rights_of(role, forms),
        }
        for role in access.roles or []
    ]


def user_entries(
    access: Access, forms: Sequence[str], dags: Groups, keep_names: bool
) -> list[dict[str, Any]]:
    """The project's users with new tokens; renamed user_1, user_2 ... unless `keep_names`."""
    roles = {str(r.get("unique_role_name", "")) for r in access.roles or []}
    entries = []
    for number, item in enumerate(access.users or [], start=1):
        username = str(item.get("username", ""))
        name = username if keep_names else f"user_{number}"
        entry: dict[str, Any] = {"username": name, "token": secrets.token_hex(16).upper()}
        role = access.role_of.get(username, "")
        if role in roles and role:
            entry["role"] = role
        entry.update(rights_of(item, forms))
        expiration = str(item.get("expiration") or "")
        if expiration:
            entry["expiration"] = expiration[:10]
        group = str(item.get("data_access_group") or "")
        if group in dags.rename:
            entry["dag"] = dags.rename[group]
        if keep_names:
            for key in ("email", "firstname", "lastname"):
                if item.get(key):
                    entry[key] = str(item[key])
        entries.append(entry)
    return entries
