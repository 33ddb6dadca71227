"""`/api/`: one request, from the socket to REDCap's answer, in REDCap's order.

`Api.__call__` reads top to bottom: the body as PHP's `$_POST`/`$_FILES` (`wire`), the token and its
user, content, action and API rights, one `Call`, the method that answers it, a matching fault, one
journal entry, the bytes. Source for the order and texts: V15 `API/index.php` and
`Classes/RestUtility.php` (reference §1.1-1.2).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from flask import Flask
from werkzeug.wrappers import Request

from fake_redcap import messages as msg
from fake_redcap.call import Call
from fake_redcap.control import ControlAccess
from fake_redcap.control import install as install_control
from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.faults import apply as apply_fault
from fake_redcap.faults import fault_message
from fake_redcap.journal import CountingBody, JournalEntry
from fake_redcap.lint import lint
from fake_redcap.messages import Change, Profile
from fake_redcap.methods.file import delete_file, export_file, import_file
from fake_redcap.methods.project_info import (
    export_arms,
    export_events,
    export_field_names,
    export_form_event_mapping,
    export_instruments,
    export_metadata,
    export_project,
    export_repeating_forms_events,
    export_version,
)
from fake_redcap.methods.record import export_records
from fake_redcap.model import User
from fake_redcap.params import Params
from fake_redcap.responses import (
    GLOBAL_HEADERS,
    HeaderVariant,
    Reply,
    error_reply,
    status_line,
)
from fake_redcap.state import FakeState, Served
from fake_redcap.wire import (
    BodyNotReceived,
    PhpSizedRequest,
    discard_spooled_uploads,
    read_params,
    read_uploads,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

_TOKEN_FORMAT = re.compile(r"[A-Za-z0-9]+\n?")  # PHP's `$` also matches before a final newline

Method = Callable[[Call], Reply]
# (content, lower-cased action) -> method. Everything else REDCap accepts answers "not implemented".
METHODS: dict[tuple[str, str], Method] = {
    ("file", "export"): export_file,
    ("file", "import"): import_file,
    ("file", "delete"): delete_file,
    ("version", "export"): export_version,
    ("project", "export"): export_project,
    ("metadata", "export"): export_metadata,
    ("instrument", "export"): export_instruments,
    ("arm", "export"): export_arms,
    ("event", "export"): export_events,
    ("formEventMapping", "export"): export_form_event_mapping,
    ("repeatingFormsEvents", "export"): export_repeating_forms_events,
    ("exportFieldNames", "export"): export_field_names,
    ("record", "export"): export_records,
}
# Contents whose action comes from the `action` parameter (V15 API/index.php); an empty action means
# export for event, arm, dag, user and userRole.
_ACTION_CONTENTS = frozenset({"fileRepository", "event", "arm", "dag", "user", "userRole"})

WsgiReply = tuple[str, list[tuple[str, str]], Iterable[bytes]]


def create_app(
    state: FakeState, *, header_variant: str = "redcap", control: ControlAccess | None = None
) -> Flask:
    """A Flask app serving `state` at `/api/`, like a REDCap server's API endpoint, with the page and
    the `/__fake__/` control endpoints beside it for whoever holds `control`'s secret (default: a
    random one; `control.py`). `header_variant` is one of `HEADER_VARIANTS`."""
    variant = HeaderVariant.parse(header_variant)
    app = Flask("fake_redcap")
    app.config["FAKE_STATE"] = state
    install_control(app, state, control if control is not None else ControlAccess.create())
    app.wsgi_app = Api(app.wsgi_app, state, variant)  # type: ignore[method-assign]
    return app


@dataclasses.dataclass
class Outcome:
    """What the journal and the faults need to know of a request once it is answered."""

    params: Params
    return_format: ReturnFormat
    profile: Profile
    served: Served | None = None
    user: User | None = None
    message: str | None = None
    uploads: tuple[tuple[str, str], ...] = ()  # multipart part name -> file name


class Api:
    """The one entry for `/api/` and `/api`, as plain WSGI in front of the Flask app: every method
    (POST, GET, PROPFIND, ...) and a mounted app take this path, without Flask's request context or
    URL routing (about five times less work per small export, benchmarks/). Every other path (the page,
    `/__fake__/`) goes to Flask. `header_variant` is fixed for the server's life."""

    def __init__(self, flask_app: WSGIApplication, state: FakeState, header_variant: HeaderVariant) -> None:
        self.flask_app = flask_app
        self.state = state
        self.header_variant = header_variant

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == "/api":
            return _moved_to_api_slash(environ, start_response)
        if path != "/api/":
            return self.flask_app(environ, start_response)
        req = PhpSizedRequest(environ, self.state.incoming)
        try:
            reply, outcome = self.answer(req)
            reply, entry = self.journal(req, reply, outcome)
        finally:
            discard_spooled_uploads(req)
        status, headers, body = _to_wsgi(reply, entry)
        if reply.delay:
            time.sleep(reply.delay)
        start_response(status, headers)
        if req.method == "HEAD":  # headers only, as werkzeug's Response does
            closing = getattr(body, "close", None)
            if closing is not None:
                closing()
            return []
        return body

    def answer(self, req: Request) -> tuple[Reply, Outcome]:
        """One API request, start to end. Never raises: every failure is a REDCap answer."""
        state = self.state
        default_profile = (
            state.served[0].profile if state.served else Profile.for_version(msg.DEFAULT_VERSION)
        )
        # §1.1 #4: only POST. $_POST is empty on other methods, so the envelope is always xml.
        if req.method != "POST":
            error = ApiError(501, msg.METHOD_NOT_IMPLEMENTED)
            outcome = Outcome(Params({}), ReturnFormat.XML, default_profile, message=error.message)
            return error_reply(error, ReturnFormat.XML, default_profile), outcome
        try:
            params = read_params(req)
        except BodyNotReceived as failure:
            return failure.reply(), Outcome(
                Params({}), ReturnFormat.XML, default_profile, message=failure.message
            )
        outcome = Outcome(params, return_format(params), default_profile, uploads=_upload_names(req))
        try:
            with state.serving():  # reset() waits for this call before deleting uploaded files
                served, user = authenticate(state, params)
                outcome.served, outcome.user, outcome.profile = served, user, served.profile
                action, fileinfo = route(params, served.profile, user)
                call = Call(
                    params,
                    state,
                    served,
                    user,
                    outcome.return_format,
                    action=action,
                    fileinfo=fileinfo,
                    header_variant=self.header_variant,
                    uploads=read_uploads(req),
                    max_upload_mb=state.max_upload_mb,
                )
                return method_for(call)(call), outcome
        except ApiError as error:
            outcome.message = error.message
            return error_reply(error, outcome.return_format, outcome.profile), outcome

    def journal(self, req: Request, reply: Reply, outcome: Outcome) -> tuple[Reply, JournalEntry]:
        """A fault matching the request changes the reply; then the request is journalled once, as the
        client saw it, without a token."""
        params = outcome.params
        username = outcome.user.username if outcome.user else None
        fault = self.state.faults.take(
            {
                "content": params.text("content"),
                "action": params.text("action").lower(),
                "record": params.text("record"),
                "field": params.text("field"),
                "user": username or "",
            }
        )
        message = outcome.message
        if fault is not None:
            reply = apply_fault(fault, reply, outcome.return_format, outcome.profile)
            message = fault_message(fault, outcome.message)
        entry = self.state.journal.write(
            self.state.mask_tokens,
            method=req.method,
            path=req.path,
            params=params,
            user=username,
            uploads=outcome.uploads,
            project_id=outcome.served.project.project_id if outcome.served else None,
            status=reply.status,
            message=message,
            fault=fault.kind if fault is not None else None,
            lint=lint(params, outcome.served) if req.method == "POST" else (),
        )
        return reply, entry


def _upload_names(req: Request) -> tuple[tuple[str, str], ...]:
    if req.mimetype != "multipart/form-data":
        return ()
    return tuple((name, part.filename or "") for name, part in req.files.items(multi=True))


def return_format(params: Params) -> ReturnFormat:
    """§1.2: `format` counts only as exactly json/csv/odm; `returnFormat` is lower-cased; anything else
    is xml."""
    content_format = params.text("format")
    if content_format not in ("json", "csv", "odm"):
        content_format = "xml"
    chosen = params.text("returnFormat").lower() or content_format.lower()
    return {"json": ReturnFormat.JSON, "csv": ReturnFormat.CSV}.get(chosen, ReturnFormat.XML)


def authenticate(state: FakeState, params: Params) -> tuple[Served, User]:
    """§1.1 #5-#7: token format, token known and user not suspended, rights not expired."""
    token = params.text("token")
    if not _TOKEN_FORMAT.fullmatch(token):
        raise ApiError(403, msg.NO_API_PERMISSION)
    found = state.authenticate(token)
    if found is None or found[1].suspended:
        raise ApiError(403, msg.NO_API_PERMISSION)
    served, user = found
    if not user.super_user and user.expiration is not None and user.expiration <= dt.date.today():
        raise ApiError(403, msg.EXPIRED.format(expiration=user.expiration.isoformat()))
    return served, user


def route(params: Params, profile: Profile, user: User) -> tuple[str, bool]:
    """§1.1 #9-#16: content, action, API rights. Returns the action lower-cased (for content=fileinfo
    derived, not read) and whether the call is content=fileinfo/filesize."""
    content = params.text("content")
    action = params.text("action")
    if content not in msg.VALID_CONTENT:
        raise ApiError(400, msg.CONTENT_INVALID)
    if content in msg.FILE_CONTENTS:
        if action.lower() not in msg.FILE_ACTIONS_LOWER:
            raise ApiError(400, msg.ACTION_INVALID)
        if (
            content == "file"
            and profile.has(Change.CASE_SENSITIVE_FILE_ACTION)
            and action not in msg.API_ACTIONS
        ):
            raise ApiError(400, msg.ACTION_INVALID)
    _check_api_rights(user, content, action.lower())
    if content == "fileinfo":
        # §1.1 #16: the action is derived, not read.
        action = "import" if "data" in params else "export"
    return action.lower(), content in ("filesize", "fileinfo")


def method_for(call: Call) -> Method:
    """The fake's method for the call, or REDCap's acceptance marked as not implemented by the fake."""
    key = call_key(call)
    method = METHODS.get(key)
    if method is None:
        content = call.params.text("content")
        what = f"content={content}"
        if content in msg.FILE_CONTENTS:  # fileinfo names the action it derived
            what += f"&action={call.action if content == 'fileinfo' else call.params.text('action')}"
        raise ApiError(
            400,
            msg.NOT_IMPLEMENTED_BY_FAKE.format(what=what),
            headers={msg.NOT_IMPLEMENTED_HEADER: what},
        )
    return method


def call_key(call: Call) -> tuple[str, str]:
    """(content, action) as V15 API/index.php decides the action it includes `<content>/<action>.php`
    for: file contents as route() derived it; event, arm, ... from `action`
    (case-sensitively, "" is export, anything else 400); record's delete, rename and randomize from
    `action`; version always export; every other content an import when `data` is posted, else an
    export."""
    params = call.params
    content = params.text("content")
    if content in msg.FILE_CONTENTS:
        return ("file", call.action)
    action = params.text("action")
    if content in _ACTION_CONTENTS:
        if action == "" and content != "fileRepository":
            action = "export"
        if content in ("user", "userRole") and action != "delete" and "data" in params:
            action = "import"
        if action not in msg.API_ACTIONS:
            raise ApiError(400, msg.ACTION_INVALID)
        return (content, action)
    if content == "record" and action in ("delete", "rename", "randomize"):
        return (content, action)
    if content == "version" or "data" not in params:
        return (content, "export")
    return (content, "import")


def _check_api_rights(user: User, content: str, action: str) -> None:
    """§1.1 #12 and §4: export needs API Export, import needs API Import/Update, and file delete needs
    the Delete Records right (not API import: a REDCap quirk). Super users have every right."""
    if user.super_user:
        return
    if content in msg.FILE_CONTENTS and action == "delete":
        if not user.record_delete:
            raise ApiError(403, msg.NO_RECORD_DELETE)
    elif action in ("import", "import_app", "delete"):
        if not user.api_import:
            raise ApiError(403, msg.NO_API_IMPORT)
    elif not user.api_export:
        raise ApiError(403, msg.NO_API_EXPORT)


def _to_wsgi(reply: Reply, entry: JournalEntry) -> WsgiReply:
    """Status line, headers and body, as they go on the wire. RestUtility's reason phrases (reference
    §2: 403 Forbidden, 501 Not Implemented, ...), not Werkzeug's upper-case ones."""
    body = [reply.body] if isinstance(reply.body, bytes) else reply.body
    replaced = {name.lower() for name, _ in reply.headers}
    headers = [(n, v) for n, v in GLOBAL_HEADERS if n.lower() not in replaced]  # e.g. the download CSP
    headers.extend(reply.headers)
    headers.append(("Content-type", reply.content_type))
    if not reply.streamed and isinstance(reply.body, bytes):
        headers.append(("Content-Length", str(len(reply.body))))
    if reply.close_connection:
        headers.append(("Connection", "close"))
    return status_line(reply.status), headers, CountingBody(body, entry)


def _moved_to_api_slash(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """`/api`, whatever the method: Apache's DirectorySlash answers a 301 to `/api/`; clients that
    follow it with a GET then meet the 501 (REDCapR issue #166)."""
    location = Request(environ).root_url.rstrip("/") + "/api/"
    start_response(
        status_line(301),
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "0"), ("Location", location)],
    )
    return []
