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
import io
import json
import os
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
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

from fake_redcap import FakeServer, FakeState, create_app
from tests.support import (
    token,
    write_fixture,
)
from tests.support.model_based.fixture import (
    CLASSIC,
    FIELDS,
    LONGITUDINAL,
    PAYLOADS,
    UPLOAD_NAMES,
)
from tests.support.model_based.model import (
    RedcapModel,
    dictionary_row,
)
from tests.support.model_based.model_types import (
    SETUP_CONTENTS,
    Expected,
    FileKey,
    Request,
    Stored,
    key,
    unique_dag_name,
)
from tests.support.model_based.strategies import (
    ADMINS,
    DAG_ADMINS,
    DAG_CANDIDATES,
    LONGITUDINAL_TOKENS,
    REPEATING_CHOICES,
    ROLE_ADMINS,
    ROLE_CANDIDATES,
    able_tokens,
    events,
    fields,
    file_fields,
    formats,
    integer_instances,
    known_events,
    known_records,
    numeric_instances,
    odd_fields,
    records,
    small_instances,
    tokens,
    uploads,
)

SOAK = os.environ.get("SOAK") == "1"
# A soak runs rounds of 150 examples: Hypothesis keeps per-run bookkeeping that grows with the examples
# of one run (about 0.5 MiB each here), the fake does not.
ROUNDS, EXAMPLES, STEPS = (10, 150, 100) if SOAK else (1, 100, 30)
EXTRA_ROUNDS = 4
WIRE_EXAMPLES, WIRE_STEPS = (100, 60) if SOAK else (10, 25)

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
