"""The Flask view: wire -> parameters -> token/user -> method -> response, in REDCap's order.

Source for the order and texts: V15 `API/index.php` and `Classes/RestUtility.php` (reference §1.1-1.2).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from flask import Flask, Response, request
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.wrappers import Request

from fake_redcap import messages as msg
from fake_redcap.call import Call
from fake_redcap.control import control_blueprint
from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.faults import apply as apply_fault
from fake_redcap.faults import fault_message
from fake_redcap.journal import CountingBody, JournalEntry, redacted
from fake_redcap.lint import lint
from fake_redcap.messages import Profile
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
from fake_redcap.page import page_blueprint
from fake_redcap.params import Params
from fake_redcap.responses import GLOBAL_HEADERS, HEADER_VARIANTS, Reply, error_reply, status_line
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

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
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
# Contents whose action comes from the `action` parameter, and the actions API/index.php lets through
# for them (V15); an empty action means export for event, arm, dag, user and userRole.
_ACTION_CONTENTS = frozenset({"fileRepository", "event", "arm", "dag", "user", "userRole"})
_ACTIONS = frozenset({"export", "delete", "import", "import_app", "switch", "list", "createFolder"})


def create_app(state: FakeState, *, header_variant: str = "redcap") -> Flask:
    """A Flask app serving `state` at `/api/`, like a REDCap server's API endpoint."""
    if header_variant not in HEADER_VARIANTS:
        raise ValueError(
            f"unknown header variant {header_variant!r}; choose one of {', '.join(HEADER_VARIANTS)}"
        )
    app = Flask("fake_redcap")
    app.config["FAKE_STATE"] = state

    def api() -> Response:
        return _flask_response(respond(state, request, header_variant))

    def api_without_slash() -> Response:
        # Apache's DirectorySlash answers /api with a 301 to /api/; clients that follow it with a GET
        # then meet the 501 (REDCapR issue #166).
        response = Response(status=status_line(301))
        response.headers["Location"] = request.root_url.rstrip("/") + "/api/"
        return response

    def other_method(error: MethodNotAllowed) -> Response:
        # A method outside ALL_METHODS (PROPFIND, MKCOL, ...) is still "not POST": REDCap answers 501,
        # never Flask's 405 page.
        if request.path == "/api":
            return api_without_slash()
        return api()

    app.add_url_rule("/api/", "api", api, methods=ALL_METHODS, provide_automatic_options=False)
    app.add_url_rule(
        "/api", "api_without_slash", api_without_slash, methods=ALL_METHODS, provide_automatic_options=False
    )
    app.register_error_handler(MethodNotAllowed, other_method)
    app.wsgi_app = ApiFastPath(app.wsgi_app, state, header_variant)  # type: ignore[method-assign]
    app.register_blueprint(control_blueprint(state))
    app.register_blueprint(page_blueprint(state))
    return app


class ApiFastPath:
    """POSTs and every other method to `/api/` go straight to `respond`, skipping Flask's request
    context and URL routing: the same view, measurably faster on small exports (benchmarks/). Every
    other path (the page, `/__fake__/`, `/api`) goes through Flask as usual."""

    def __init__(self, wsgi_app: WSGIApplication, state: FakeState, header_variant: str) -> None:
        self.wsgi_app = wsgi_app
        self.state = state
        self.header_variant = header_variant

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/api/":
            return self.wsgi_app(environ, start_response)
        req = PhpSizedRequest(environ, self.state.incoming)
        try:
            status, headers, body = respond(self.state, req, self.header_variant)
        finally:
            discard_spooled_uploads(req)
        start_response(status, headers)
        if environ.get("REQUEST_METHOD") == "HEAD":  # headers only, as werkzeug's Response does
            closing = getattr(body, "close", None)
            if closing is not None:
                closing()
            return []
        return body


@dataclasses.dataclass
class Outcome:
    """What the journal and the faults need to know of a request once it is answered."""

    params: Params
    return_format: ReturnFormat
    profile: Profile
    served: Served | None = None
    user: User | None = None
    message: str | None = None
    body_received: bool = True


WsgiReply = tuple[str, list[tuple[str, str]], Iterable[bytes]]


def respond(state: FakeState, req: Request, header_variant: str = "redcap") -> WsgiReply:
    """Answer, inject a matching fault, journal it (without the token) and count what goes out."""
    reply, outcome = handle(state, req, header_variant)
    params = outcome.params
    username = outcome.user.username if outcome.user else None
    entry = state.journal.open(req.method, req.path, redacted(params, username))
    entry.uploads = (
        {name: part.filename or "" for name, part in req.files.items(multi=True)}
        if outcome.body_received and req.mimetype == "multipart/form-data"
        else {}
    )
    entry.user = username
    entry.project_id = outcome.served.project.project_id if outcome.served else None
    entry.content, entry.action = params.text("content"), params.text("action")
    entry.record, entry.field = params.text("record"), params.text("field")
    entry.lint = lint(params, outcome.served) if req.method == "POST" else []
    fault = state.faults.take(
        {
            "content": entry.content,
            "action": entry.action.lower(),
            "record": entry.record,
            "field": entry.field,
            "user": username or "",
        }
    )
    entry.message = outcome.message
    if fault is not None:
        reply = apply_fault(fault, reply, outcome.return_format, outcome.profile)
        entry.fault = fault.kind
        entry.message = fault_message(fault, outcome.message)
    entry.status = reply.status
    _mask_tokens(state, entry)
    return _to_wsgi(reply, entry)


def _mask_tokens(state: FakeState, entry: JournalEntry) -> None:
    """The token parameter is already replaced by its user; this masks a token sent anywhere else (a
    misspelt `Token=`, a token pasted into `record=`), and REDCap's messages and the lint notes that
    echo such values."""
    mask = state.mask_tokens
    entry.params = {
        mask(key): [mask(v) for v in value] if isinstance(value, list) else mask(value)
        for key, value in entry.params.items()
    }
    entry.uploads = {mask(k): mask(v) for k, v in entry.uploads.items()}
    entry.content, entry.action = mask(entry.content), mask(entry.action)
    entry.record, entry.field = mask(entry.record), mask(entry.field)
    entry.message = mask(entry.message) if entry.message is not None else None
    entry.lint = [mask(note) for note in entry.lint]


def handle(state: FakeState, req: Request, header_variant: str = "redcap") -> tuple[Reply, Outcome]:
    """One API request, start to end. Never raises: every failure is a REDCap answer."""
    default_profile = state.served[0].profile if state.served else Profile.for_version(msg.DEFAULT_VERSION)
    # §1.1 #4: only POST. $_POST is empty on other methods, so the envelope is always xml.
    if req.method != "POST":
        outcome = Outcome(Params({}), ReturnFormat.XML, default_profile, message=msg.METHOD_NOT_IMPLEMENTED)
        return error_reply(
            ApiError(501, msg.METHOD_NOT_IMPLEMENTED), ReturnFormat.XML, default_profile
        ), outcome
    try:
        params = read_params(req)
    except BodyNotReceived as failure:
        outcome = Outcome(Params({}), ReturnFormat.XML, default_profile, message=failure.message)
        outcome.body_received = False
        return failure.reply(), outcome
    outcome = Outcome(params, return_format(params), default_profile)
    try:
        with state.serving():  # reset() waits for this call before deleting uploaded files
            outcome.served, outcome.user = authenticate(state, params)
            outcome.profile = outcome.served.profile
            call = route(state, params, outcome.served, outcome.user, outcome.return_format)
            call = dataclasses.replace(
                call,
                header_variant=header_variant,
                uploads=read_uploads(req),
                max_upload_mb=state.max_upload_mb,
            )
            return METHODS[call_key(call)](call), outcome
    except ApiError as error:
        outcome.message = error.message
        return error_reply(error, outcome.return_format, outcome.profile), outcome


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


def call_key(call: Call) -> tuple[str, str]:
    """(content, action) as V15 API/index.php decides the action it includes `<content>/<action>.php`
    for: file contents as route() derived it; event, arm, ... from `action` (case-sensitively, "" is
    export, anything else 400); record's delete, rename and randomize from `action`; version always
    export; every other content an import when `data` is posted, else an export."""
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
        if action not in _ACTIONS:
            raise ApiError(400, msg.ACTION_INVALID)
        return (content, action)
    if content == "record" and action in ("delete", "rename", "randomize"):
        return (content, action)
    if content == "version" or "data" not in params:
        return (content, "export")
    return (content, "import")


def route(state: FakeState, params: Params, served: Served, user: User, fmt: ReturnFormat) -> Call:
    """§1.1 #9-#16: content, action, API rights; the call for a method the fake has."""
    profile = served.profile
    content = params.text("content")
    action = params.text("action")
    if content not in msg.VALID_CONTENT:
        raise ApiError(400, msg.CONTENT_INVALID)
    if content in msg.FILE_CONTENTS:
        if action.lower() not in msg.FILE_ACTIONS_LOWER:
            raise ApiError(400, msg.ACTION_INVALID)
        if (
            content == "file"
            and profile.has("case_sensitive_file_action")
            and action not in msg.FILE_ACTIONS_EXACT
        ):
            raise ApiError(400, msg.ACTION_INVALID)
    _check_api_rights(user, content, action.lower())
    fileinfo = content in ("filesize", "fileinfo")
    if content == "fileinfo":
        # §1.1 #16: the action is derived, not read.
        action = "import" if "data" in params else "export"
    call = Call(params, state, served, user, fmt, action=action.lower(), fileinfo=fileinfo)
    if call_key(call) not in METHODS:
        what = f"content={content}" + (f"&action={action}" if content in msg.FILE_CONTENTS else "")
        raise ApiError(
            400,
            msg.NOT_IMPLEMENTED_BY_FAKE.format(what=what),
            headers={msg.NOT_IMPLEMENTED_HEADER: what},
        )
    return call


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


def _flask_response(reply: WsgiReply) -> Response:
    status, headers, body = reply
    response = Response(body, status=status, headers=headers)
    response.implicit_sequence_conversion = False
    response.automatically_set_content_length = False
    return response
