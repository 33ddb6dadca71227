"""`RedcapModel`: a plain model of REDCap 15.7.6's rules, written from the reference, not from the
fake's code (tests/test_model_based.py has the story and the readings it states)."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from fake_redcap import messages
from tests.support import (
    ACTION_INVALID,
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
)
from tests.support.model_based.fixture import (
    FIELDS,
    LONGITUDINAL,
    PAYLOADS,
    POSTED_NAME_REFUSED,
    TODAY,
    UPLOAD_NAMES,
)
from tests.support.model_based.model_types import (
    _RIGHTS,
    DESIGN_CONTENTS,
    Expected,
    FileKey,
    LogRow,
    ProjectModel,
    Request,
    RoleModel,
    Stored,
    UserModel,
    aggregate_export_rights,
    empty_success,
    error,
    integer_instance,
    key,
    numeric_instance,
    php_json,
    rcview_escape,
    return_format,
    unique_dag_name,
)
from tests.support.model_based.texts import (
    DAG_MAPPING_MEMBER,
    DAG_MEMBER,
    DAG_MISSING,
    DAG_NOTE,
    DAG_RIGHTS,
    DELETE_MISSING,
    DELETE_RIGHTS,
    DESIGN_RIGHTS,
    DESIGN_RIGHTS_REPEATING,
    EVENT_NEEDS_INSTANCE,
    FORM_LOCKED_IMPORT,
    OTHER_DAG_IMPORT,
    OTHER_DAGS_RECORDS,
    RECORD_NAME_CHARACTERS,
    ROLE_IMPORT_RIGHTS,
    USER_IMPORT_RIGHTS,
    USER_IN_ROLE,
)


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
