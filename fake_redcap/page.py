"""`GET /`: a plain, server-rendered page showing what the fake serves and what it was asked.

No JavaScript: the page refreshes itself every few seconds (`<meta http-equiv="refresh">`, off with
`?refresh=0`). Everything shown is escaped by Jinja's autoescape; tokens appear masked only (a full
token that a caller sent in some other parameter is masked too). Stored files download from
`/__fake__/files/<project_id>?record=..&field=..[&event=..][&instance=..]`.

Every route here passes `control.guard()` first (project data, tokens masked or not, is the test
harness's only); without the proof `GET /` answers `landing_page()` instead.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from flask import Blueprint, Response, request, url_for

from fake_redcap.dag_names import ordered
from fake_redcap.fixture import mask_token
from fake_redcap.journal import JournalEntry
from fake_redcap.model import ExportRight, Project, User
from fake_redcap.repository import Folder, Repository
from fake_redcap.responses import stream
from fake_redcap.state import FakeState, Served
from fake_redcap.storage import StoredFileMissing
from fake_redcap.user_rights import effective

TEMPLATES = Path(__file__).parent / "templates"
LATEST_REQUESTS = 50
REFRESH_SECONDS = 5
# The page needs no script and no outside resource; a stored file is always an attachment.
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'none'"
FILE_CSP = "default-src 'none'; sandbox"

_EXPORT_WORDS = {
    ExportRight.FULL: "Full Data Set",
    ExportRight.DEIDENTIFIED: "De-Identified",
    ExportRight.REMOVE_IDENTIFIERS: "Remove All Identifier Fields",
    ExportRight.NO_ACCESS: "No Access",
}

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def page_blueprint(state: FakeState) -> Blueprint:
    bp = Blueprint("fake_page", __name__)

    @bp.get("/")
    def index() -> Response:
        refresh = request.args.get("refresh", str(REFRESH_SECONDS))
        html = _environment.get_template("page.html").render(
            api_url=request.host_url + "api/",
            refresh=refresh if refresh.isdigit() and refresh != "0" else None,
            projects=[_project_view(s) for s in state.served],
            requests=_request_views(state, state.journal.entries()[-LATEST_REQUESTS:][::-1]),
            total_requests=len(state.journal.entries()),
            faults=[_fault_text(state, f.to_json()) for f in state.faults.active()],
            now=dt.datetime.now().strftime("%H:%M:%S"),
        )
        response = Response(html, mimetype="text/html")
        response.headers["Content-Security-Policy"] = PAGE_CSP
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.get("/__fake__/files/<int:project_id>")
    def download(project_id: int) -> Response:
        record = request.args.get("record", "")
        field = request.args.get("field", "")
        event = request.args.get("event") or None
        instance_text = request.args.get("instance", "1")
        with state.serving():  # no upload it could see leaves the disk before the file is open
            served = next((s for s in state.served if s.project.project_id == project_id), None)
            if served is None:
                return _not_found(f"no project {project_id} is served")
            if not instance_text.isdigit():
                return _not_found("instance must be a positive whole number")
            instance = int(instance_text)
            row = next((r for r in served.rows(record, event) if r.instance == instance), None)
            stored = row.files.get(field) if row is not None else None
            if stored is None:
                where = f"record {record!r}, event {event!r}, instance {instance}, field {field!r}"
                return _not_found(f"project {project_id} holds no file at {where}")
            try:
                body = stream(stored)
            except StoredFileMissing:
                return _not_found(f"the file {stored.name!r} is no longer where it was stored")
        response = Response(body, mimetype=None, direct_passthrough=True)
        response.headers["Content-Type"] = stored.mime
        response.headers["Content-Length"] = str(stored.size)
        response.headers["Content-Disposition"] = content_disposition(stored.name)
        response.headers["Content-Security-Policy"] = FILE_CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    return bp


def landing_page(api_url: str, page_url: str) -> Response:
    """What `GET /` shows without the control proof: how to open the page, and no project data."""
    html = _environment.get_template("landing.html").render(api_url=api_url, page_url=page_url)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266 / RFC 5987)."""
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in name) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(name, safe='')}"


def _not_found(text: str) -> Response:
    return Response(text + "\n", status=404, mimetype="text/plain")


# --------------------------------------------------------------------------------------------------------
# What the template shows: plain strings and lists, computed here so the template stays simple.


@dataclass(frozen=True)
class _Download:
    where: str
    field: str
    name: str
    mime: str
    size: int
    url: str


def _project_view(served: Served) -> dict[str, Any]:
    project = served.project
    return {
        "id": project.project_id,
        "title": project.title,
        "status": project.status.name.lower(),
        "version": project.redcap_version,
        "kind": "longitudinal" if project.is_longitudinal else "classic",
        "fixture": project.source.name,
        "fields": [
            {
                "name": f.name,
                "form": f.form,
                "type": f.type,
                "marks": [m for m, on in (("identifier", f.identifier), ("signature", f.is_signature)) if on],
                "label": f.label,
                "record_id": i == 0,
            }
            for i, f in enumerate(project.fields)
        ],
        "events": [
            {
                "arm": e.arm,
                "arm_name": next((a.name for a in project.arms if a.number == e.arm), ""),
                "unique_name": e.unique_name,
                "name": e.name,
                "forms": ", ".join(e.forms) or "no forms",
                "repeating": _event_repeating(project, e.unique_name),
            }
            for e in project.events
        ],
        "repeating": [_repeating_text(r.event, r.form) for r in project.repeating],
        "users": [_user_view(u, project) for u in project.users],
        "dags": [
            {
                "name": d.name,
                "unique_name": d.unique_name,
                "id": d.group_id,
                "users": ", ".join(u.username for u in project.users if u.dag == d.group_id) or "none",
                "records": sum(1 for g in project.record_dags.values() if g == d.group_id),
            }
            for d in ordered(project.dags)
        ],
        "roles": [
            {
                "unique_name": r.unique_name,
                "label": r.label,
                "users": ", ".join(u.username for u in project.users if u.role == r.unique_name) or "none",
            }
            for r in project.roles
        ],
        "files": _downloads(project),
        "records": len({r.record for r in project.records}),
        "repository": _repository_view(served.repository, project),
        "log_rows": served.log.size if served.log is not None else 0,
    }


_NO_FILE = {"mime": "", "size": ""}


def _repository_view(repository: Repository, project: Project) -> list[dict[str, Any]]:
    """The File Repository's folders (with their DAG or role restriction) then its files (a deleted file
    marked so: REDCap keeps its row)."""
    dags = {d.group_id: d.name for d in project.dags}
    roles = {r.role_id: r.label for r in project.roles}

    def limits(folder: Folder) -> str:
        shown = [f"DAG-restricted: {dags.get(folder.dag_id, folder.dag_id)}"] if folder.dag_id else []
        shown += [f"Role-restricted: {roles.get(folder.role_id, folder.role_id)}"] if folder.role_id else []
        return f" ({'; '.join(shown)})" if shown else ""

    def path(folder_id: int | None) -> str:
        parts: list[str] = []
        while folder_id is not None and (folder := repository.folder(folder_id)) is not None:
            parts.insert(0, folder.name)
            folder_id = folder.parent_id
        return "/" + "/".join(parts)

    items: list[dict[str, Any]] = [
        {
            "folder": path(f.parent_id),
            "name": f.name + "/" + limits(f),
            "id": f"folder_id {f.folder_id}",
            "mime": "",
            "size": "",
        }
        for f in repository.folders
    ]
    items += [
        {
            "folder": path(f.folder_id),
            "name": f.name + (" (deleted)" if f.deleted else ""),
            "id": f"doc_id {f.doc_id}",
            "mime": f.stored.mime,
            "size": f.stored.size,
        }
        for f in repository.files
    ]
    return items


def _event_repeating(project: Project, event: str) -> str:
    rules = [r for r in project.repeating if r.event == event]
    if any(r.form is None for r in rules):
        return "repeating event"
    forms = [r.form for r in rules if r.form is not None]
    return ("repeating: " + ", ".join(forms)) if forms else ""


def _repeating_text(event: str | None, form: str | None) -> str:
    if form is None:
        return f"event {event}: the whole event repeats"
    if event is None:
        return f"instrument {form} repeats"
    return f"instrument {form} repeats in event {event}"


def _user_view(stored: User, project: Project) -> dict[str, Any]:
    """A user as the checks see them (a role's rights for a user in a role)."""
    user = effective(stored, project.roles)
    today = dt.date.today()
    rights: list[str] = []
    if isinstance(user.data_export, ExportRight):
        export = _EXPORT_WORDS[user.data_export]
    else:
        per_form = ", ".join(f"{form}: {_EXPORT_WORDS[level]}" for form, level in user.data_export.items())
        export = f"{_EXPORT_WORDS[user.export_rights()]} (per form: {per_form})"
    rights.append("API export" if user.api_export else "no API export")
    if user.api_import:
        rights.append("API import")
    if user.record_delete:
        rights.append("record delete")
    status: list[str] = []
    if user.super_user:
        status.append("super user")
    if user.suspended:
        status.append("suspended")
    if user.expiration is not None:
        word = "expired" if user.expiration <= today else "expires"
        status.append(f"{word} {user.expiration.isoformat()}")
    return {
        "username": user.username,
        "token": mask_token(user.token) if user.token else "(no token)",
        "export": export,
        "rights": ", ".join(rights),
        "status": ", ".join(status) or "active",
        "role": stored.role or "",
        "dag": next((d.unique_name for d in project.dags if d.group_id == user.dag), ""),
    }


def _downloads(project: Project) -> list[_Download]:
    found: list[_Download] = []
    for row in project.records:
        where = f"record {row.record}"
        if row.event is not None:
            where += f", {row.event}"
        if row.instance != 1:
            where += f", instance {row.instance}"
        if row.record_locked:
            where += " (record locked)"
        for field_name, stored in row.files.items():
            query: dict[str, str | int] = {"record": row.record, "field": field_name}
            if row.event is not None:
                query["event"] = row.event
            if row.instance != 1:
                query["instance"] = row.instance
            base = url_for("fake_page.download", project_id=project.project_id)
            url = base + "?" + urllib.parse.urlencode(query)
            field = project.field(field_name)
            form_locked = field is not None and field.form in row.locked_forms
            shown_where = where + (f" ({field.form} locked)" if form_locked and field else "")
            found.append(_Download(shown_where, field_name, stored.name, stored.mime, stored.size, url))
    return found


def _request_views(state: FakeState, entries: Iterable[JournalEntry]) -> list[dict[str, Any]]:
    scrub = _token_scrubber(state)
    views = []
    for entry in entries:
        params = {k: v for k, v in entry.params.items() if k not in ("token", "content", "action")}
        shown = " ".join(f"{k}={v if isinstance(v, str) else list(v)!r}" for k, v in params.items())
        if entry.uploads:
            shown += " " + " ".join(f"{k}=<file {v!r}>" for k, v in entry.uploads.items())
        if entry.fault is not None:
            outcome = f"fault: {entry.fault}"
        elif entry.status == 200:
            outcome = "ok"
        else:
            outcome = "error"
        what = entry.content + (f"/{entry.action}" if entry.action else "")
        views.append(
            {
                "seq": entry.seq,
                "time": dt.datetime.fromtimestamp(entry.time).strftime("%H:%M:%S"),
                "method": entry.method,
                "user": entry.user or str(entry.params.get("token", "")) or "(no token)",
                "project": entry.project_id if entry.project_id is not None else "",
                "what": scrub(what or "(none)"),
                "params": scrub(shown.strip()),
                "status": entry.status,
                "outcome": outcome,
                "message": scrub(entry.message or ""),
                "bytes": entry.bytes_sent,
                "cut": not entry.completed,
                "lint": [scrub(note) for note in entry.lint],
            }
        )
    return views


def _token_scrubber(state: FakeState) -> Callable[[str], str]:
    """Masks any served token that a caller put in some other parameter (REDCap's tokens compare
    case-insensitively, so the mask does too)."""
    tokens = sorted({u.token for p in state.projects for u in p.users if u.token}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(t) for t in tokens), re.IGNORECASE) if tokens else None

    def scrub(text: str) -> str:
        return pattern.sub(lambda m: mask_token(m.group(0)), text) if pattern else text

    return scrub


def shown_match(state: FakeState, match: dict[str, Any]) -> dict[str, Any]:
    """A fault's `match` as the page and `/__fake__/faults` show it: a served token anywhere masked (a
    token as `user` is refused when the fault is made, faults.TOKEN_SHAPE)."""
    return {k: state.mask_tokens(v) if isinstance(v, str) else v for k, v in match.items()}


def _fault_text(state: FakeState, fault: dict[str, Any]) -> str:
    match = ", ".join(f"{k}={v}" for k, v in shown_match(state, fault["match"]).items()) or "every request"
    times = "sticky" if fault["times"] is None else f"{fault['fired']}/{fault['times']} fired"
    extra = []
    if fault["kind"] == "http_error":
        extra.append(str(fault["status"]))
    if fault["probability"] < 1:
        extra.append(f"p={fault['probability']}")
    detail = f" ({', '.join(extra)})" if extra else ""
    return f"#{fault['id']} {fault['kind']}{detail} on {match}, {times}"
