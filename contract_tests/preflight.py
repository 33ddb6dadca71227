"""Before any clause runs: is this server holding the reference projects at all?

A target whose project was built differently (a field not tagged Identifier, an event missing, the
files never uploaded, a token pasted into the wrong variable) would fail hundreds of clauses for one
reason. The preflight finds such reasons first and lists each plainly; the run stops when one is found.

What it reads, per project: the REDCap version (`content=version`), the project's shape
(`content=project`, `metadata`, `arm`, `event`, `formEventMapping`, `repeatingFormsEvents`), every
configured token (`content=version` again), every stored file's name and size (`content=fileinfo`),
and the rights of the user the writing clauses call as (`designer_user`, from its own `content=user`).
A method the server does not implement (the fake answers such requests with the header
`X-Fake-REDCap-Not-Implemented`) makes that part "not checkable", not a difference.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import requests

from fake_redcap.model import ExportRight, Project, ProjectStatus, User

from .restore import WRITER
from .targets import ProjectUnderTest, Target
from .versions import Version

NOT_IMPLEMENTED_HEADER = "X-Fake-REDCap-Not-Implemented"
OLDEST_COVERED = Version(7, 0, 0)

Status = Literal["ok", "differs", "not checkable"]


@dataclass
class Check:
    """One part of the preflight: what was compared and what came of it."""

    project: str  # the fixture file name, or "server"
    name: str
    status: Status = "ok"
    details: list[str] = field(default_factory=list)

    def differ(self, detail: str) -> None:
        self.status = "differs"
        self.details.append(detail)

    def cannot(self, why: str) -> None:
        if self.status == "ok":
            self.status = "not checkable"
        self.details.append(why)

    def line(self) -> str:
        head = f"{self.project}: {self.name}: {self.status}"
        return head if not self.details else head + "\n" + "\n".join(f"    - {d}" for d in self.details)


@dataclass
class Preflight:
    checks: list[Check] = field(default_factory=list)
    version: Version | None = None

    @property
    def differences(self) -> list[Check]:
        return [c for c in self.checks if c.status == "differs"]

    def summary(self) -> str:
        return "\n".join(c.line() for c in self.checks)


def run_preflight(target: Target) -> Preflight:
    result = Preflight()
    version_check = Check("server", "REDCap version (content=version)")
    result.checks.append(version_check)
    try:
        result.version = _read_version(target, version_check)
        for project in target.projects:
            result.checks.append(_check_tokens(project))
            result.checks.extend(_check_writer(project))
            result.checks.append(_check_project_info(project))
            result.checks.append(_check_metadata(project))
            if project.fixture.is_longitudinal:
                result.checks.append(_check_arms(project))
                result.checks.append(_check_events(project))
                result.checks.append(_check_form_event_mapping(project))
            result.checks.append(_check_repeating(project))
            result.checks.append(_check_files(project))
    except requests.RequestException as error:
        reach = Check("server", "connection")
        reach.differ(f"cannot talk to {target.url}: {error}")
        result.checks.append(reach)
    return result


# -- the version --------------------------------------------------------------------------------------


def _read_version(target: Target, check: Check) -> Version | None:
    asked = [
        (p, u)
        for p in target.projects
        for u in p.fixture.users
        if _may_call_api(u) and p.configured(u.username)
    ]
    if not asked:
        check.differ(
            "no token is configured for any user who may call the API; set the environment variables "
            "named under tokens in the target file (e.g. for full_user)"
        )
        return None
    project, user = asked[0]
    response = project.post(user.username, {"content": "version"})
    text = response.content.decode("utf-8", "replace").strip()
    if response.status_code != 200:
        check.differ(
            f"content=version with {user.username}'s token answered HTTP {response.status_code}: {text[:200]}"
        )
        return None
    try:
        version = Version.parse(text)
    except ValueError:
        check.differ(f"content=version answered {text[:80]!r}, not a version number")
        return None
    check.details.append(f"the target runs REDCap {version}")
    if version < OLDEST_COVERED:
        check.differ(
            f"REDCap {version} is older than {OLDEST_COVERED}; the suite states the behaviour of REDCap 7 "
            "and later (reference §1.4)"
        )
    return version


# -- tokens -------------------------------------------------------------------------------------------


def _may_call_api(user: User) -> bool:
    """Whether this fixture user's token should be accepted for content=version."""
    if user.super_user:
        return not user.suspended
    expired = user.expiration is not None and user.expiration <= dt.date.today()
    return user.api_export and not user.suspended and not expired


def _check_tokens(project: ProjectUnderTest) -> Check:
    check = Check(project.name, "tokens")
    missing = [u.username for u in project.fixture.users if not project.configured(u.username)]
    for user in project.fixture.users:
        if not project.configured(user.username) or not _may_call_api(user):
            continue
        response = project.post(user.username, {"content": "version", "returnFormat": "json"})
        if response.status_code != 200:
            source = project.tokens[user.username]
            variable = f" (from {source.env})" if source.env else ""
            check.differ(
                f"the token of {user.username}{variable} is refused: HTTP {response.status_code} "
                f"{_message(response)}; request that user's API token for this project"
            )
    if missing:
        check.details.append(f"not configured (clauses that need them are skipped): {', '.join(missing)}")
    return check


# -- the project's shape ------------------------------------------------------------------------------


def _full_user(project: ProjectUnderTest) -> User | None:
    """A configured user who may export every file: reads the project's shape and files."""
    for user in project.fixture.users:
        if (
            not user.super_user
            and _may_call_api(user)
            and user.export_rights() == ExportRight.FULL
            and isinstance(user.data_export, ExportRight)
            and project.configured(user.username)
        ):
            return user
    return None


def _export(project: ProjectUnderTest, check: Check, content: str) -> Any | None:
    """`content=...&format=json` as the project's full user; None (and the check marked) when it cannot be
    read."""
    user = _full_user(project)
    if user is None:
        check.cannot("no token configured for a user with Full Data Set rights (e.g. full_user)")
        return None
    response = project.post(user.username, {"content": content, "format": "json", "returnFormat": "json"})
    if response.headers.get(NOT_IMPLEMENTED_HEADER):
        check.cannot(f"the server does not implement content={content} ({NOT_IMPLEMENTED_HEADER})")
        return None
    if response.status_code != 200:
        check.cannot(f"content={content} answered HTTP {response.status_code}: {_message(response)}")
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        check.cannot(f"content={content} did not answer JSON: {response.content[:120]!r}")
        return None


def _check_project_info(project: ProjectUnderTest) -> Check:
    check = Check(project.name, "project type (content=project)")
    data = _export(project, check, "project")
    if isinstance(data, dict):
        fixture = project.fixture
        longitudinal = str(data.get("is_longitudinal", "")) == "1"
        if longitudinal != fixture.is_longitudinal:
            want = "longitudinal" if fixture.is_longitudinal else "classic"
            have = "longitudinal" if longitudinal else "classic"
            check.differ(f"the server's project is {have}; the fixture describes a {want} project")
        repeating = str(data.get("has_repeating_instruments_or_events", "")) == "1"
        if repeating != bool(fixture.repeating):
            check.differ(
                "repeating instruments/events are "
                + ("enabled" if repeating else "not enabled")
                + " on the server; the fixture "
                + ("has" if fixture.repeating else "has none")
            )
        # in_production is redcap_projects.status; 2 is Analysis/Cleanup (reference §4.1 step 3). The
        # clauses that write need a project that is not in it; those about the status need one that is.
        analysis = str(data.get("in_production", "")) == str(int(ProjectStatus.ANALYSIS))
        if analysis != (fixture.status == ProjectStatus.ANALYSIS):
            check.differ(
                "the project is in Analysis/Cleanup status on the server; the fixture says status: "
                f"{fixture.status.name.lower()}"
                if analysis
                else "the project is not in Analysis/Cleanup status on the server; move it there "
                "(Project Setup > Other Functionality), as the fixture says status: analysis"
            )
    return check


def _check_metadata(project: ProjectUnderTest) -> Check:
    check = Check(project.name, "data dictionary (content=metadata)")
    data = _export(project, check, "metadata")
    if isinstance(data, list):
        compare_metadata(project.fixture, data, check.differ)
    return check


def compare_metadata(fixture: Project, rows: list[Any], differ: Callable[[str], None]) -> None:
    """Field names and order, forms, types, Identifier flags and signature validation."""
    server = {str(r.get("field_name")): r for r in rows if isinstance(r, dict)}
    names = [str(r.get("field_name")) for r in rows if isinstance(r, dict)]
    for f in fixture.fields:
        row = server.get(f.name)
        if row is None:
            differ(f"field {f.name} ({f.type}, form {f.form}) is missing on the server")
            continue
        if row.get("form_name") != f.form:
            differ(
                f"field {f.name} is on form {row.get('form_name')!r} on the server, {f.form!r} in the fixture"
            )
        if row.get("field_type") != f.type:
            differ(
                f"field {f.name} has type {row.get('field_type')!r} on the server, {f.type!r} in the fixture"
            )
        identifier = str(row.get("identifier", "")).strip().lower() == "y"
        if identifier != f.identifier:
            differ(
                f"field {f.name} is {'' if identifier else 'not '}tagged Identifier on the server; "
                f"the fixture says identifier: {str(f.identifier).lower()}"
            )
        validation = str(row.get("text_validation_type_or_show_slider_number") or "") or None
        if f.type == "file" and (validation == "signature") != f.is_signature:
            differ(
                f"field {f.name} is {'' if validation == 'signature' else 'not '}a signature field on the "
                f"server; the fixture says validation: {f.validation}"
            )
    extra = [n for n in names if fixture.field(n) is None]
    if extra:
        differ(f"the server has fields the fixture lacks: {', '.join(extra)}")
    common = [n for n in names if fixture.field(n) is not None]
    wanted = [f.name for f in fixture.fields if f.name in server]
    if common != wanted:
        differ(f"the fields are in another order on the server: {', '.join(common)}")


def _check_arms(project: ProjectUnderTest) -> Check:
    check = Check(project.name, "arms (content=arm)")
    data = _export(project, check, "arm")
    if isinstance(data, list):
        have = {int(r["arm_num"]) for r in data if isinstance(r, dict) and "arm_num" in r}
        want = {a.number for a in project.fixture.arms}
        _compare_sets("arm", want, have, check)
    return check


def _check_events(project: ProjectUnderTest) -> Check:
    check = Check(project.name, "events (content=event)")
    data = _export(project, check, "event")
    if isinstance(data, list):
        have = {
            (str(r.get("unique_event_name")), int(r.get("arm_num", 0))) for r in data if isinstance(r, dict)
        }
        want = {(e.unique_name, e.arm) for e in project.fixture.events}
        _compare_sets("event (unique name, arm)", want, have, check)
    return check


def _check_form_event_mapping(project: ProjectUnderTest) -> Check:
    check = Check(project.name, "instrument designations (content=formEventMapping)")
    data = _export(project, check, "formEventMapping")
    if isinstance(data, list):
        have = {(str(r.get("unique_event_name")), str(r.get("form"))) for r in data if isinstance(r, dict)}
        want = {(e.unique_name, form) for e in project.fixture.events for form in e.forms}
        _compare_sets("designation (event, form)", want, have, check)
    return check


def _check_repeating(project: ProjectUnderTest) -> Check:
    check = Check(project.name, "repeating instruments and events (content=repeatingFormsEvents)")
    if not project.fixture.repeating:
        return check
    data = _export(project, check, "repeatingFormsEvents")
    if isinstance(data, list):
        have = {
            (str(r.get("event_name") or "") or None, str(r.get("form_name") or "") or None)
            for r in data
            if isinstance(r, dict)
        }
        want = {(r.event, r.form) for r in project.fixture.repeating}
        _compare_sets("repeating rule (event, form)", want, have, check)
    return check


def _compare_sets(what: str, want: set[Any], have: set[Any], check: Check) -> None:
    for item in sorted(want - have, key=str):
        check.differ(f"{what} {item} is missing on the server")
    for item in sorted(have - want, key=str):
        check.differ(f"{what} {item} is on the server but not in the fixture")


# -- stored files -------------------------------------------------------------------------------------


def _check_files(project: ProjectUnderTest) -> Check:
    """Each stored file's name and size through fileinfo (reference §3.3): the quickest way to see that
    the reference files were uploaded, and uploaded to the right record, event and instance."""
    check = Check(project.name, "stored files (content=fileinfo)")
    user = _full_user(project)
    if user is None:
        check.cannot("no token configured for a user with Full Data Set rights (e.g. full_user)")
        return check
    upload_hint = (  # the package is `contract_tests` in a clone, `fake_redcap_contract` when installed
        f"upload the reference files: python -m {__package__}.upload_reference --target TARGET.yaml --apply"
    )
    needs_upload = False
    for record, event, instance, field_name, stored in project.stored_files():
        params = {"content": "fileinfo", "action": "export", "record": record, "field": field_name}
        if event is not None:
            params["event"] = event
        if instance != 1:
            params["repeat_instance"] = str(instance)
        params["returnFormat"] = "json"
        response = project.post(user.username, params)
        where = (
            f"record {record}"
            + (f", {event}" if event else "")
            + (f", instance {instance}" if instance != 1 else "")
        )
        where += f", {field_name}"
        if response.headers.get(NOT_IMPLEMENTED_HEADER):
            check.cannot(f"the server does not implement content=fileinfo ({NOT_IMPLEMENTED_HEADER})")
            return check
        if response.status_code != 200:
            check.differ(f"{where}: HTTP {response.status_code} {_message(response)}")
            needs_upload = True
            continue
        try:
            info = json.loads(response.content)
        except ValueError:
            check.differ(f"{where}: fileinfo did not answer JSON: {response.content[:120]!r}")
            continue
        name, size = info.get("name"), info.get("size")
        if name != stored.name or size != stored.size:
            check.differ(
                f"{where}: the server holds {name!r} ({size} bytes); the fixture stores {stored.name!r} "
                f"({stored.size} bytes)"
            )
            needs_upload = True
    if needs_upload:
        check.details.append(upload_hint)
    return check


# -- the writer's rights ------------------------------------------------------------------------------

WRITER_RIGHTS = (  # the user export's column, the right's name on REDCap's User Rights page
    ("api_export", "API Export"),
    ("api_import", "API Import/Update"),
    ("design", "Project Design and Setup"),
    ("user_rights", "User Rights (Full Access)"),
    ("data_access_groups", "Data Access Groups"),
    ("record_delete", "Delete Records"),
)


def _check_writer(project: ProjectUnderTest) -> list[Check]:
    """Where the fixture gives `designer_user` the User Rights right and the target its token: its own row
    of the user export holds every right the fixture gives it (a right missing on the server would fail
    each writing clause with one refusal)."""
    user = next((u for u in project.fixture.users if u.username == WRITER), None)
    if user is None or not user.user_rights or not project.configured(WRITER):
        return []
    check = Check(project.name, f"{WRITER}'s rights (content=user)")
    response = project.post(WRITER, {"content": "user", "format": "json", "returnFormat": "json"})
    if response.headers.get(NOT_IMPLEMENTED_HEADER) or response.status_code != 200:
        check.cannot(f"{WRITER}'s content=user answered HTTP {response.status_code}: {_message(response)}")
        return [check]
    try:
        rows = json.loads(response.content)
    except ValueError:
        check.cannot(f"content=user did not answer JSON: {response.content[:120]!r}")
        return [check]
    row = next((r for r in rows if isinstance(r, dict) and str(r.get("username")).lower() == WRITER), None)
    if row is None:
        check.differ(f"the server's user export has no row for {WRITER}")
        return [check]
    wanted = {
        "api_export": user.api_export,
        "api_import": user.api_import,
        "design": user.design,
        "user_rights": user.user_rights,
        "data_access_groups": user.rights.get("data_access_groups", 0) == 1,
        "record_delete": user.record_delete,
    }
    for column, name in WRITER_RIGHTS:
        if wanted[column] and str(row.get(column, "")) != "1":
            check.differ(f"{WRITER} lacks the {name} right on the server ({column} is {row.get(column)!r})")
    return [check]


def _message(response: requests.Response) -> str:
    text = response.content.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:200]
    if isinstance(data, dict) and "error" in data:
        return str(data["error"])
    return text[:200]
