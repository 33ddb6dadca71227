"""`/api/`: one request, from the socket to REDCap's answer, in REDCap's order.

`Api.__call__` reads top to bottom: the body as PHP's `$_POST`/`$_FILES` (`wire`), the token and its
user, content, action and API rights, one `Call`, the method that answers it, a matching fault, one
journal entry, the bytes. Source for the order and texts: V15 `API/index.php` and
`Classes/RestUtility.php` (reference §1.1-1.2).
"""

from __future__ import annotations

import dataclasses
import html
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from flask import Flask, Response, request
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Request

from fake_redcap import apache, compression, home
from fake_redcap import messages as msg
from fake_redcap.call import Call
from fake_redcap.control import CONTROL_HEADER, ControlAccess
from fake_redcap.control import install as install_control
from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.faults import apply as apply_fault
from fake_redcap.faults import fault_message
from fake_redcap.journal import CountingBody, JournalEntry
from fake_redcap.lint import lint
from fake_redcap.messages import Change, Profile
from fake_redcap.methods import file_repository
from fake_redcap.methods.dag import (
    delete_dags,
    export_dags,
    export_user_dag_mapping,
    import_dags,
    import_user_dag_mapping,
    switch_dag,
)
from fake_redcap.methods.design_import import (
    delete_arms,
    delete_events,
    import_arms,
    import_events,
    import_form_event_mapping,
    import_repeating_forms_events,
)
from fake_redcap.methods.file import delete_file, export_file, import_file
from fake_redcap.methods.log import export_log
from fake_redcap.methods.metadata_import import import_metadata
from fake_redcap.methods.mobile_app import import_app
from fake_redcap.methods.project_create import create_project
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
from fake_redcap.methods.project_settings import import_project_settings
from fake_redcap.methods.project_xml import export_project_xml
from fake_redcap.methods.record import export_records
from fake_redcap.methods.record_delete import delete_records, generate_next_record_name, rename_record
from fake_redcap.methods.record_import import import_records
from fake_redcap.methods.user import delete_users, export_users, import_users
from fake_redcap.methods.user_role import (
    delete_user_roles,
    export_user_role_mapping,
    export_user_roles,
    import_user_role_mapping,
    import_user_roles,
)
from fake_redcap.model import User
from fake_redcap.params import MAX_INPUT_VARS, Params
from fake_redcap.responses import (
    PHP_DEFAULT_CONTENT_TYPE,
    HeaderVariant,
    Reply,
    error_reply,
    global_headers,
    status_line,
)
from fake_redcap.routing import Route, authenticate, check_project_state, route
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

Method = Callable[[Call], Reply]
# (content, lower-cased action) -> method. Everything else REDCap accepts answers "not implemented".
METHODS: dict[tuple[str, str], Method] = {
    ("file", "export"): export_file,
    ("file", "import"): import_file,
    ("file", "delete"): delete_file,
    ("file", "import_app"): import_app,
    ("version", "export"): export_version,
    ("project", "export"): export_project,
    ("project", "import"): create_project,  # only with a Super API Token (routing.authenticate)
    ("project_settings", "import"): import_project_settings,
    ("project_xml", "export"): export_project_xml,
    ("metadata", "export"): export_metadata,
    ("metadata", "import"): import_metadata,
    ("instrument", "export"): export_instruments,
    ("arm", "export"): export_arms,
    ("arm", "import"): import_arms,
    ("arm", "delete"): delete_arms,
    ("event", "export"): export_events,
    ("event", "import"): import_events,
    ("event", "delete"): delete_events,
    ("formEventMapping", "export"): export_form_event_mapping,
    ("formEventMapping", "import"): import_form_event_mapping,
    ("repeatingFormsEvents", "export"): export_repeating_forms_events,
    ("repeatingFormsEvents", "import"): import_repeating_forms_events,
    ("exportFieldNames", "export"): export_field_names,
    ("record", "export"): export_records,
    ("record", "import"): import_records,
    ("record", "delete"): delete_records,
    ("record", "rename"): rename_record,
    ("generateNextRecordName", "export"): generate_next_record_name,
    ("user", "export"): export_users,
    ("user", "import"): import_users,
    ("user", "delete"): delete_users,
    ("userRole", "export"): export_user_roles,
    ("userRole", "import"): import_user_roles,
    ("userRole", "delete"): delete_user_roles,
    ("userRoleMapping", "export"): export_user_role_mapping,
    ("userRoleMapping", "import"): import_user_role_mapping,
    ("dag", "export"): export_dags,
    ("dag", "import"): import_dags,
    ("dag", "delete"): delete_dags,
    ("dag", "switch"): switch_dag,
    ("userDagMapping", "export"): export_user_dag_mapping,
    ("userDagMapping", "import"): import_user_dag_mapping,
    ("log", "export"): export_log,
    ("fileRepository", "createFolder"): file_repository.create_folder,
    ("fileRepository", "list"): file_repository.list_repository,
    ("fileRepository", "import"): file_repository.import_file,
    ("fileRepository", "export"): file_repository.export_file,
    ("fileRepository", "delete"): file_repository.delete_file,
}
CONTROL_ENVIRON = CONTROL_HEADER.upper().replace("-", "_")
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
    app.register_error_handler(NotFound, _not_found)
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
        where = home.place(
            path,
            environ.get("REQUEST_METHOD", ""),
            f"HTTP_{CONTROL_ENVIRON}" in environ,
            home.version_folders(self.state),
        )
        if where is home.Place.SLASH:
            return _moved_to_slash(environ, start_response)
        if where is home.Place.LOGIN:
            return home.respond(environ, start_response, self.state)  # a URL without /api/
        if where is not home.Place.API:
            return self.flask_app(environ, start_response)
        req = PhpSizedRequest(environ, self.state.incoming)
        try:
            reply, outcome = self.answer(req)
            reply = self.compressed(req, reply, outcome)
            reply, entry = self.journal(req, reply, outcome)
        finally:
            discard_spooled_uploads(req)
        status, headers, body = _to_wsgi(reply, entry, outcome.profile)
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
        profile = state.served[0].profile if state.served else Profile.for_version(msg.DEFAULT_VERSION)
        if req.method != "POST":
            return _not_post(req, profile)
        too_large = _post_too_large(req, state.post_max_mb, profile)
        if too_large is not None:
            return too_large, Outcome(Params({}), ReturnFormat.XML, profile, message="post_max_size")
        try:
            params = read_params(req)
        except BodyNotReceived as failure:
            return failure.reply(), Outcome(Params({}), ReturnFormat.XML, profile, message=failure.message)
        outcome = Outcome(params, return_format(params), profile, uploads=_upload_names(req))
        if profile.has(Change.POST_PARAM_COUNT_CHECK) and params.count_recursive() > MAX_INPUT_VARS:
            # §1.1 #0b (API/index.php:79, before :127 below): PHP kept max_input_vars (+1 if urlencoded)
            # values; REDCap refuses before the token.
            error = ApiError(400, msg.MAX_INPUT_VARS_EXCEEDED.format(limit=MAX_INPUT_VARS))
            outcome.message = error.message
            return error_reply(error, outcome.return_format, profile), outcome
        if params.is_array("returnFormat") and profile.has(Change.PHP8_TYPE_ERRORS):
            # strtolower(array) at API/index.php:127 and again in API::outputApiErrorMsg: PHP 8's
            # TypeError in the shutdown handler leaves only PHP's defaults (source audit #21c).
            outcome.message = "returnFormat sent as an array: PHP 8 TypeError"
            return Reply(200, PHP_DEFAULT_CONTENT_TYPE, b""), outcome
        if _query_content(req) == "mycap" and profile.has(Change.GET_MYCAP_TABLEAU):
            # API/index.php:104-107, 217-219: ?content=mycap makes any POST a MyCap call, without a token.
            outcome.return_format = ReturnFormat.JSON
            return error_reply(_not_implemented("content=mycap"), ReturnFormat.JSON, profile), outcome
        try:
            with state.serving():  # no upload this call can see leaves the disk before it ends
                return self.call(req, params, outcome), outcome
        except ApiError as error:
            outcome.message = error.message
            return error_reply(error, outcome.return_format, outcome.profile), outcome

    def call(self, req: Request, params: Params, outcome: Outcome) -> Reply:
        """API/index.php from RestUtility::processRequest to the include of the method."""
        caller = authenticate(self.state, params, outcome.profile)
        if caller.served is not None:
            outcome.served, outcome.profile = caller.served, caller.served.profile
        outcome.user = caller.user
        decided = route(params, caller, outcome.profile)
        check_project_state(params, caller, decided.content, outcome.profile)
        method = METHODS.get((decided.content, decided.action))
        if method is None or caller.served is None or caller.user is None:
            raise _not_implemented(_what(params, decided))
        call = Call(
            params,
            self.state,
            caller.served,
            caller.user,
            outcome.return_format,
            action=decided.action,
            fileinfo=decided.fileinfo,
            header_variant=self.header_variant,
            uploads=read_uploads(req),
            max_upload_mb=self.state.max_upload_mb,
        )
        return method(call)

    def compressed(self, req: Request, reply: Reply, outcome: Outcome) -> Reply:
        """System::enableGzipCompression and addHeaderRandomText (fake_redcap.compression): every PHP
        answer but `$_POST['content'] == 'file'`, when the server (and the project answering, else the
        first served one) has compression on; gzip or deflate only if Accept-Encoding asks for it."""
        served = outcome.served or (self.state.served[0] if self.state.served else None)
        enabled = self.state.compression and (served is None or served.project.compression)
        if not enabled or not reply.compressible or outcome.params.text("content") == "file":
            return reply
        if outcome.profile.has(Change.RANDOM_TEXT_HEADER):
            reply.headers.append((compression.RANDOM_TEXT_HEADER, compression.random_text()))
        coding = compression.output_coding(req.headers.get("Accept-Encoding", ""))
        return compression.compress(reply, coding) if coding else reply

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
    if "authkey" in params and "format" not in params:
        content_format = "csv"  # V15 API/index.php:100-102
    if content_format not in ("json", "csv", "odm"):
        content_format = "xml"
    chosen = params.text("returnFormat").lower() or content_format.lower()
    return {"json": ReturnFormat.JSON, "csv": ReturnFormat.CSV}.get(chosen, ReturnFormat.XML)


def _what(params: Params, decided: Route) -> str:
    if decided.content == "file":  # filesize/fileinfo name the action REDCap derived
        shown = params.text("content")
        return f"content={shown}&action={decided.action if decided.fileinfo else params.text('action')}"
    return f"content={decided.content}"


def _not_implemented(what: str) -> ApiError:
    """REDCap accepts the request, the fake has no method for it: never a silent success."""
    return ApiError(
        400, msg.NOT_IMPLEMENTED_BY_FAKE.format(what=what), headers={msg.NOT_IMPLEMENTED_HEADER: what}
    )


def _not_post(req: Request, profile: Profile) -> tuple[Reply, Outcome]:
    """RestUtility::processRequest: only POST (501, reference §1.1 #4), in xml as $_POST is empty, but
    in json when the query string says content=mycap (API/index.php:104-107). REDCap 13+ answers a GET
    with content=mycap or tableau in the query string (API/index.php:212-215): the fake does not
    implement those (the MyCap app's API, Tableau's web data connector page)."""
    query_content = _query_content(req)
    fmt = ReturnFormat.XML
    if profile.has(Change.GET_MYCAP_TABLEAU):
        if req.method == "GET" and query_content in ("mycap", "tableau"):
            fmt = ReturnFormat.JSON if query_content == "mycap" else ReturnFormat.XML
            error = _not_implemented(f"content={query_content}")
            return error_reply(error, fmt, profile), Outcome(Params({}), fmt, profile, message=error.message)
        if query_content == "mycap":
            fmt = ReturnFormat.JSON
    error = ApiError(501, msg.METHOD_NOT_IMPLEMENTED)
    return error_reply(error, fmt, profile), Outcome(Params({}), fmt, profile, message=error.message)


def _query_content(req: Request) -> str | None:
    """`content` from the query string (werkzeug parses `args` only when there is a query string)."""
    return req.args.get("content") if req.environ.get("QUERY_STRING") else None


def _post_too_large(req: Request, post_max_mb: int | None, profile: Profile) -> Reply | None:
    """System::checkUploadFileContentLength (V15 Classes/System.php:823-841), run by System::init before
    any API code: a POST whose Content-Length is over post_max_size gets an HTML text with status 200
    (PHP's default Content-Type), not a REDCap envelope. The body is not read; the connection closes."""
    if post_max_mb is None:
        return None
    length = req.content_length
    if length is None or length <= post_max_mb * 1048576:
        return None
    if profile.has(Change.POST_MAX_MESSAGE_NAMES_SIZE):
        text = msg.POST_TOO_LARGE.format(size=f" ({post_max_mb} MB)")
        referer = html.escape(req.headers.get("Referer", ""), quote=True).replace("&#x27;", "&#039;")
    else:
        text = msg.POST_TOO_LARGE.format(size="")
        referer = req.headers.get("Referer", "")
    if referer:
        text += msg.POST_TOO_LARGE_REFERER.format(referer=referer)
    body = text.encode("utf-8", "surrogateescape")
    # System::init answers before initGlobalPage turns compression on.
    return Reply(200, PHP_DEFAULT_CONTENT_TYPE, body, close_connection=True, compressible=False)


def _to_wsgi(reply: Reply, entry: JournalEntry, profile: Profile) -> WsgiReply:
    """Status line, headers and body, as they go on the wire. RestUtility's reason phrases (reference
    §2: 403 Forbidden, 501 Not Implemented, ...), not Werkzeug's upper-case ones."""
    body = [reply.body] if isinstance(reply.body, bytes) else reply.body
    base = global_headers(profile)
    if reply.headers:  # e.g. the download CSP replaces the global one
        replaced = {name.lower() for name, _ in reply.headers}
        headers = [h for h in base if h[0].lower() not in replaced]
        headers.extend(reply.headers)
    else:
        headers = list(base)
    headers.append(("Content-type", reply.content_type))
    if reply.encoding is not None:  # added by zlib's output handler, after the script's own headers
        headers += [("Content-Encoding", reply.encoding), ("Vary", "Accept-Encoding")]
    if not reply.streamed and isinstance(reply.body, bytes):
        headers.append(("Content-Length", str(len(reply.body))))
    if reply.close_connection:
        headers.append(("Connection", "close"))
    return status_line(reply.status), headers, CountingBody(body, entry)


def _moved_to_slash(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """A folder without its slash (`/api`, `/redcap_v15.7.6`), whatever the method: Apache's
    DirectorySlash answers a 301 to the folder with its slash (and the query string), with its own page
    (source audit #3); clients that follow it with a GET then meet the 501 (REDCapR issue #166)."""
    req = Request(environ)
    location = req.root_url.rstrip("/") + req.path + "/"
    if req.query_string:
        location += "?" + req.query_string.decode("latin-1")
    body = apache.moved_permanently(location)
    start_response(
        status_line(301),
        [("Location", location), ("Content-Length", str(len(body))), ("Content-Type", apache.CONTENT_TYPE)],
    )
    return [body]


def _not_found(error: NotFound) -> Response | NotFound:
    """A URL that is neither the API, the page nor a control endpoint: Apache's own 404 page, as
    REDCapR's tests expect from a real server for a wrong URL. The fake's `/__fake__/` URLs keep
    werkzeug's page."""
    if request.path.startswith("/__fake__/"):
        return error
    return Response(apache.NOT_FOUND, status=status_line(404), content_type=apache.CONTENT_TYPE)
