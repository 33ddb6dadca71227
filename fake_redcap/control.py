"""The fake's own surface: control endpoints under `/__fake__/` (a prefix no REDCap URL can have) and
the page at `/`, kept apart from the emulated API and guarded by one check, `guard()`.

The endpoints do from HTTP what the state object does from Python: reset, load fixtures, read the state
and the journal, set faults. Tokens never appear in what they send: users show a masked token.

Who may call them (docs/server.md, "Control endpoints"): the test harness, which proves it by the server's
control secret, random per server start unless the user gives one. Every route but the API's (`/api/`,
`/api`) passes `guard()` before its view runs, so a route added later is guarded without a word:

1. The Host header must name this server (127.0.0.1, localhost or [::1] at the served port, or the bound
   host): a page that rebinds its own DNS name to 127.0.0.1 is refused.
2. A request that names an Origin must come from this server's own origin.
3. A state change (any method but GET, HEAD) must not carry a body type an HTML form can send
   (urlencoded, multipart, text/plain): control bodies are JSON.
4. Proof: the header `X-Fake-Redcap-Control: SECRET`, which no cross-site form or simple request can
   send; or, for reading only (GET, HEAD), the page cookie a browser gets by opening `/?control=SECRET`
   (HttpOnly, SameSite=Strict), sent by a same-origin or typed-in navigation.

Without proof, `GET /` shows a landing page that tells how to open the page (no project data); every
other guarded request is refused. Refusals are JSON: `{"error": <the problem>, "fix": <what to do>}`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import socket
import stat
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import yaml
from flask import Blueprint, Flask, Request, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from fake_redcap import apache
from fake_redcap.faults import Fault, FaultError
from fake_redcap.fixture import FixtureError, mask_token
from fake_redcap.fixture.odm import ODM
from fake_redcap.model import Project, RecordRow
from fake_redcap.page import landing_page, page_blueprint, shown_match
from fake_redcap.state import FakeState

PREFIX = "/__fake__"
CONTROL_HEADER = "X-Fake-Redcap-Control"
SECRET_ENV = "FAKE_REDCAP_CONTROL_SECRET"
LOGIN_PARAMETER = "control"  # `/?control=SECRET` sets the page cookie
COOKIE_PREFIX = "fake_redcap_control_"  # + the served port: cookies are shared by every port of a host
API_PATHS = frozenset({"/api/", "/api"})  # the emulated API: REDCap's own rules, never this guard
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
_READING = frozenset({"GET", "HEAD"})
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9._~-]{16,200}")
_APP_KEY = "FAKE_CONTROL_ACCESS"


class ControlSecretError(ValueError):
    """A control secret given by the user that cannot serve; the message says what to change."""


def check_secret(secret: str) -> str:
    """A user-given control secret, checked: 16 to 200 characters of letters, digits and `._~-`, so
    it travels unchanged in a header, a URL query and a shell line."""
    if not _SECRET_SHAPE.fullmatch(secret):
        raise ControlSecretError(
            f"a control secret must be 16 to 200 letters, digits or ._~- (the one given has {len(secret)} "
            f"characters{'' if re.fullmatch(r'[A-Za-z0-9._~-]*', secret) else ', some of them others'}); "
            "leave it out to get a random one"
        )
    return secret


def is_loopback(host: str) -> bool:
    """Whether listening on `host` keeps the server to this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ControlAccess:
    """Who may use one server's control plane: the holder of `secret`, calling it by its own name."""

    secret: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    bound_host: str = "127.0.0.1"
    allow_remote: bool = False
    machine_names: frozenset[str] = field(default_factory=frozenset, repr=False)

    @classmethod
    def create(
        cls, secret: str | None = None, bound_host: str = "127.0.0.1", *, allow_remote: bool = False
    ) -> ControlAccess:
        names: set[str] = set()
        if allow_remote:  # reached by the machine's own names too
            names = {socket.gethostname().lower(), socket.getfqdn().lower()}
        return cls(
            secret=secrets.token_urlsafe(24) if secret is None else check_secret(secret),
            bound_host=bound_host.strip("[]").lower(),
            allow_remote=allow_remote,
            machine_names=frozenset(names),
        )

    @property
    def headers(self) -> dict[str, str]:
        """The header that proves a request comes from the test harness."""
        return {CONTROL_HEADER: self.secret}

    def page_url(self, base_url: str) -> str:
        """The URL that opens the page in a browser (it sets the page cookie and drops the secret)."""
        return f"{base_url}/?{LOGIN_PARAMETER}={urllib.parse.quote(self.secret)}"

    def cookie_value(self) -> str:
        """What the page cookie holds: derived from the secret, not the secret itself."""
        return hmac.new(self.secret.encode(), b"fake-redcap page cookie", hashlib.sha256).hexdigest()

    def proves(self, given: str | None, expected: str) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), expected.encode())

    def names_this_server(self, host_header: str, port: str) -> bool:
        name, given_port = _split_host(host_header)
        if name is None:
            return False
        if self.allow_remote and (name in self.machine_names or _is_ip(name) or name in LOOPBACK_NAMES):
            return True  # a published container port may differ from the bound one: names only
        known = name in LOOPBACK_NAMES or (name == self.bound_host and not _is_wildcard(name))
        return known and (given_port or "80") == port


def _split_host(host: str) -> tuple[str | None, str | None]:
    host = host.strip().lower()
    if host.startswith("["):
        name, found, rest = host[1:].partition("]")
        if not found or (rest and not rest.startswith(":")):
            return None, None
        port = rest[1:] or None
    else:
        name, _, port_text = host.partition(":")
        port = port_text or None
        if ":" in port_text:
            return None, None
    if port is not None and not port.isdigit():
        return None, None
    return (name or None), port


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _is_wildcard(name: str) -> bool:
    return name in ("0.0.0.0", "::", "")


def install(app: Flask, state: FakeState, access: ControlAccess) -> None:
    """Put the control endpoints and the page on `app`, behind `guard()`."""
    app.config[_APP_KEY] = access
    app.register_blueprint(control_blueprint(state))
    app.register_blueprint(page_blueprint(state))
    app.before_request(guard)
    app.after_request(_no_referrer)
    app.register_error_handler(Exception, _failed)


def _failed(error: Exception) -> Response | HTTPException:
    """A fault of the fake itself in a control or page route: JSON naming it, not Flask's HTML page
    (the traceback goes to the server's log, never to the caller)."""
    if isinstance(error, HTTPException):
        return error
    current_app.logger.exception("control route %s failed", request.path)
    return refuse(
        500,
        f"the fake failed while answering {request.path} ({type(error).__name__})",
        "report it with the server's log; POST /__fake__/reset brings the fixtures back",
    )


def access_of(app: Flask) -> ControlAccess:
    """The control access of an app made by `create_app` (its `.secret`, `.headers`)."""
    access = app.config[_APP_KEY]
    assert isinstance(access, ControlAccess)
    return access


def guard() -> Response | None:
    """The one check every route but the API's passes: None lets the request through."""
    if request.path in API_PATHS:
        return None
    under_prefix = request.path == PREFIX or request.path.startswith(PREFIX + "/")
    if request.url_rule is None and not under_prefix and request.path != "/":
        return None  # an unknown path (a plain 404): nothing to protect
    access = access_of(current_app)
    port = str(request.environ.get("SERVER_PORT", ""))
    refused = _refusal(access, request, port)
    if refused is not None:
        return refused
    if request.path == "/" and LOGIN_PARAMETER in request.args and request.method in _READING:
        return _login(access, port)
    if _proven(access, request, port):
        return _routing_error(request)
    if request.headers.get(CONTROL_HEADER) is not None:
        return refuse(
            403,
            f"the {CONTROL_HEADER} header does not hold this server's control secret",
            "send the secret this server printed at start (FakeServer.control_secret in Python)",
        )
    if request.path == "/" and request.method in _READING:
        base = request.host_url.rstrip("/")
        return landing_page(base + "/api/", f"{base}/?{LOGIN_PARAMETER}=SECRET")
    if request.method not in _READING and _has_page_cookie(access, request, port):
        return refuse(
            403,
            "the page cookie allows reading only; changing the fake's state needs the control header",
            f"send the header {CONTROL_HEADER}: <the control secret>",
        )
    return refuse(
        403,
        f"{request.path} is the fake's control plane and needs proof that the caller is the test harness",
        f"send the header {CONTROL_HEADER}: <the control secret> (fake-redcap serve prints it; "
        "FakeServer.control_headers and the pytest plugin's redcap_control_headers hold it), "
        "or open the page URL the server printed in a browser",
    )


def _refusal(access: ControlAccess, req: Request, port: str) -> Response | None:
    host = req.headers.get("Host", "")
    if not access.names_this_server(host, port):
        where = "127.0.0.1" if _is_wildcard(access.bound_host) else access.bound_host
        return refuse(
            403,
            f"the Host header {_shown(host)} does not name this server (a page that rebinds its own DNS name "
            "to this address is refused)",
            f"call the server by the address it serves, e.g. http://{where}:{port}/ or http://localhost:{port}/",
        )
    origin = req.headers.get("Origin")
    if origin is not None and origin.lower() != f"http://{host.lower()}":
        return refuse(
            403,
            f"a request from another origin ({_shown(origin)}) may not use the fake's control plane",
            "call it from a test, a script or this server's own page, not from another web page",
        )
    if req.method not in _READING and req.mimetype in _FORM_TYPES:
        return refuse(
            415,
            f"the control endpoints take JSON, not {_shown(req.mimetype)} (a body an HTML form can send)",
            "send Content-Type: application/json, or no body",
        )
    return None


def _proven(access: ControlAccess, req: Request, port: str) -> bool:
    if access.proves(req.headers.get(CONTROL_HEADER), access.secret):
        return True
    # The cookie only reads, and only for navigations a page elsewhere cannot start: SameSite=Strict
    # keeps it off cross-site requests, Sec-Fetch-Site off same-site ones (another port of 127.0.0.1).
    fetch_site = req.headers.get("Sec-Fetch-Site")
    return (
        req.method in _READING
        and fetch_site in (None, "same-origin", "none")
        and _has_page_cookie(access, req, port)
    )


def _has_page_cookie(access: ControlAccess, req: Request, port: str) -> bool:
    return access.proves(req.cookies.get(COOKIE_PREFIX + port), access.cookie_value())


def _login(access: ControlAccess, port: str) -> Response:
    if not access.proves(request.args.get(LOGIN_PARAMETER), access.secret):
        return refuse(
            403,
            f"?{LOGIN_PARAMETER}= does not hold this server's control secret",
            "open the page URL this server printed at start (FakeServer.page_url in Python)",
        )
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != LOGIN_PARAMETER]
    target = "/" + (f"?{urllib.parse.urlencode(kept)}" if kept else "")
    response = Response(status=303, headers={"Location": target})  # the secret leaves the address bar
    response.set_cookie(
        COOKIE_PREFIX + port, access.cookie_value(), httponly=True, samesite="Strict", path="/"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _routing_error(req: Request) -> Response | None:
    """A proven request for a control path that does not exist, or with the wrong method: JSON."""
    error = req.routing_exception
    if isinstance(error, MethodNotAllowed):
        allowed = ", ".join(sorted(set(error.valid_methods or ()) - {"OPTIONS"}))
        return refuse(405, f"{req.path} does not take {req.method}", f"use {allowed}")
    if isinstance(error, NotFound):
        return refuse(
            404, f"there is no control endpoint {req.path}", "see docs/server.md, Control endpoints"
        )
    return None


def _no_referrer(response: Response) -> Response:
    """The fake's own pages never leak their URL (it may carry the control secret) in a Referer. The
    pages that imitate Apache (its 404 for a path that is not there) keep Apache's headers."""
    if request.path not in API_PATHS and response.content_type != apache.CONTENT_TYPE:
        response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def refuse(status: int, problem: str, fix: str) -> Response:
    """A refused control request: JSON naming the problem and the fix."""
    response = jsonify(error=problem, fix=fix)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _shown(value: str, limit: int = 100) -> str:
    """A caller's header value as a refusal may echo it: short, in repr quotes."""
    return repr(value[:limit] + ("…" if len(value) > limit else ""))


# --------------------------------------------------------------------------------------------------------
# The endpoints


def control_blueprint(state: FakeState) -> Blueprint:
    bp = Blueprint("fake_control", __name__, url_prefix=PREFIX)

    @bp.get("/health")
    def health() -> Response:
        return jsonify(status="ok", projects=len(state.served))

    @bp.post("/reset")
    def reset() -> Response:
        try:
            state.reset()
        except FixtureError as error:
            return refuse(409, f"reset kept the served projects: {error}", "correct the fixture file")
        return jsonify(status="reset", projects=len(state.served))

    @bp.post("/load")
    def load() -> Response:
        return _load(state, request.get_json(silent=True))

    @bp.get("/state")
    def show_state() -> Response:
        return jsonify(projects=[project_json(p) for p in state.projects])

    @bp.get("/requests")
    def requests() -> Response:
        return jsonify(requests=[e.to_json() for e in state.journal.entries()])

    @bp.delete("/requests")
    def clear_requests() -> Response:
        state.journal.clear()
        return jsonify(status="cleared")

    @bp.get("/faults")
    def faults() -> Response:
        return jsonify(faults=[fault_json(state, f) for f in state.faults.active()])

    @bp.post("/faults")
    def add_fault() -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _bad('send JSON like {"kind": "http_error", "status": 502, "match": {"content": "file"}}')
        if "seed" in body:
            return _bad("set the seed with POST /__fake__/faults/seed")
        fields = {f.name for f in dataclasses.fields(Fault)} - {"id", "fired"}
        unknown = set(body) - fields
        if unknown:
            return _bad(f"unknown fault keys {sorted(unknown)}; use {sorted(fields)}")
        try:
            fault = state.faults.add(Fault(**body))
        except (FaultError, TypeError, ValueError) as error:
            return _bad(state.mask_tokens(str(error)))
        return jsonify(fault_json(state, fault))

    @bp.post("/faults/seed")
    def seed_faults() -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("seed"), int):
            return _bad('send JSON like {"seed": 42}')
        state.faults.seed(body["seed"])
        return jsonify(status="seeded")

    @bp.delete("/faults")
    def clear_faults() -> Response:
        state.faults.clear()
        return jsonify(status="cleared")

    return bp


def _bad(message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = 400
    return response


# --------------------------------------------------------------------------------------------------------
# load: fixture files only, and nothing said about any other file

LOADABLE_SUFFIXES = (".yaml", ".yml", ".json", ".xml")
# A document counts as a fixture when its top level is a mapping with one of these keys (`fields`: the
# data dictionary every hand-written fixture has; `redcap`: REDCap's own exports), or, for `.xml`, when
# its root element is CDISC ODM's (a REDCap project XML, served alone as `serve --fixture X.xml` does).
_FIXTURE_KEYS = frozenset({"fields", "redcap"})
_MAX_PROBE_BYTES = 64 * 1024 * 1024


def _load(state: FakeState, body: object) -> Response:
    if not isinstance(body, dict) or not isinstance(body.get("fixtures"), list):
        return _bad('send JSON like {"fixtures": ["path/to/project.yaml"], "replace": false}')
    paths = body["fixtures"]
    if not all(isinstance(p, str) for p in paths):
        return _bad("fixtures must be a list of file paths (strings)")
    if not paths:
        return _bad(
            "fixtures is empty: name at least one fixture file (an empty list with replace would leave "
            "the server serving nothing, and reset could not bring the projects back)"
        )
    for path in paths:
        if not looks_like_a_fixture(path):
            return refuse(
                400,
                f"cannot load {path!r}: not a fixture file this server can read",
                f"give the path of a project fixture ({', '.join(LOADABLE_SUFFIXES)}) that the server's "
                "user can read",
            )
    try:
        state.load(paths, replace=bool(body.get("replace", False)))
    except FixtureError as error:
        return _bad(state.mask_tokens(str(error)))
    return jsonify(status="loaded", projects=[p.project_id for p in state.projects])


def looks_like_a_fixture(path: str) -> bool:
    """Whether `path` is a regular, readable YAML/JSON file whose top level is a fixture's, or a project
    XML. One answer for a missing path, a folder, a device, an unreadable file and any other document,
    so that `load` tells nothing about the files of the machine (only a fixture's own problems are
    reported)."""
    if not path or "\x00" in path or not path.lower().endswith(LOADABLE_SUFFIXES):
        return False
    try:
        # Non-blocking, then checked on the open descriptor: a FIFO (or a file swapped for one after a
        # first look) must not hang the request.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with open(descriptor, "rb") as handle:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_PROBE_BYTES:
                return False
            data = handle.read(_MAX_PROBE_BYTES + 1)
        if path.lower().endswith(".xml"):
            return _is_project_xml(data)
        text = data.decode("utf-8-sig")
    except (OSError, ValueError):
        return False
    return bool(_FIXTURE_KEYS & _top_level_keys(text, json_document=path.lower().endswith(".json")))


def _is_project_xml(data: bytes) -> bool:
    """Whether the root element is CDISC ODM's; a DOCTYPE or entity declaration (which the fixture reader
    refuses too) is never parsed. Only the first start tag is read."""
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        return False
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start",))
    try:
        for start in range(0, len(data), 64 * 1024):
            parser.feed(data[start : start + 64 * 1024])
            for _event, element in parser.read_events():  # type: ignore[misc]  # typeshed's union
                return isinstance(element, ET.Element) and str(element.tag) == f"{ODM}ODM"
    except ET.ParseError:
        return False
    return False


def _top_level_keys(text: str, *, json_document: bool) -> set[str]:
    """The keys of the document's top-level mapping; empty when it is not a mapping or not readable.
    YAML is read as events, never built: aliases are not expanded, so no small file grows huge here."""
    if json_document:
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            return set()
        return {k for k in document if isinstance(k, str)} if isinstance(document, dict) else set()
    keys: set[str] = set()
    depth = 0
    position = 0  # of the node being read inside the top-level mapping: even a key, odd a value
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, yaml.StreamStartEvent | yaml.DocumentStartEvent):
                continue
            if depth == 0 and not isinstance(event, yaml.MappingStartEvent):
                return set()
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
                if depth == 0:
                    return keys  # the first document only
                position += depth == 1
            elif depth == 1 and isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
                if position % 2 == 0 and isinstance(event, yaml.ScalarEvent):
                    keys.add(event.value)
                position += 1
    except (yaml.YAMLError, RecursionError):
        return set()
    return keys


# --------------------------------------------------------------------------------------------------------
# What the endpoints send


def fault_json(state: FakeState, fault: Fault) -> dict[str, Any]:
    """A fault as the control plane shows it: a token given as `match.user` is masked."""
    shown = fault.to_json()
    shown["match"] = shown_match(state, fault.match)
    return shown


def project_json(project: Project) -> dict[str, Any]:
    return {
        "project_id": project.project_id,
        "title": project.title,
        "status": project.status.name.lower(),
        "redcap_version": project.redcap_version,
        "longitudinal": project.is_longitudinal,
        "fixture": str(project.source),
        "fields": [dataclasses.asdict(f) for f in project.fields],
        "arms": [dataclasses.asdict(a) for a in project.arms],
        "events": [dataclasses.asdict(e) for e in project.events],
        "repeating": [dataclasses.asdict(r) for r in project.repeating],
        "users": [
            {
                "username": u.username,
                "token": mask_token(u.token),
                "export_rights": u.export_rights().name.lower(),
                "api_export": u.api_export,
                "api_import": u.api_import,
                "record_delete": u.record_delete,
                "expiration": u.expiration.isoformat() if u.expiration else None,
                "suspended": u.suspended,
                "super_user": u.super_user,
            }
            for u in project.users
        ],
        "records": [row_json(r) for r in project.records],
    }


def row_json(row: RecordRow) -> dict[str, Any]:
    return {
        "record": row.record,
        "event": row.event,
        "instance": row.instance,
        "values": dict(row.values),
        "files": {f: {"name": s.name, "mime": s.mime, "size": s.size} for f, s in row.files.items()},
        "locked": row.record_locked,
        "locked_forms": sorted(row.locked_forms),
    }
