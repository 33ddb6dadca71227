"""REDCap's home page, as an API client with a wrong base URL meets it.

A REDCap server's web root is `index.php` (`/` and `/index.php`): V15 `index.php` includes
`redcap_v15.7.6/home.php`, which runs `System::initGlobalPage()` (`Classes/System.php`:874), whose
`Authentication::authenticate()` (`Classes/Authentication.php`:148) finds no session (an API client has
none) and calls `loginFunction()` (`Config/init_functions.php`:608): the login page, status 200, whatever
the method and whatever the body holds (a token, `content=version`). Nothing of the API runs there.
So a pipeline whose URL lacks `/api/` gets HTML with a login form where it expected its answer; the
fake answers the same, so such a pipeline fails against the fake as it fails in production.

The page here is the login page's frame, not REDCap's full page (which depends on the server's
authentication method, logo, texts and version): the heading and form of table-based authentication,
REDCap's default. Every other path the fake does not serve gets Apache's 404 page (`apache.py`);
`GET /` is the fake's own page (`control.py`), which a real server would answer with this login page.

The version folder, `/redcap_v<version>/` for the version of a served project, is a REDCap server's
too (V15 `html/redcap_v15.7.6/`): its `index.php` runs `init_global.php` without `pid`,
`init_project.php` with it (V15 `index.php`:7-11), both authenticating first: the login page. Its
`API/index.php` is the API script the web root's `api/index.php` includes (V15 `html/api/index.php`:9),
which answers the same when called at its own address (System::checkREDCapVersionRedirect,
V15 `Classes/System.php`:1576-1600, redirects only when the folder's version is not the server's).
A folder without its slash (`/api`, `/redcap_v15.7.6`, `/redcap_v15.7.6/API`) is Apache's DirectorySlash
301. The login page's headers are System::init's (`responses.global_headers`, V15 `System.php`:278,
424-434; they replace redcap_connect.php's three, V15 `redcap_connect.php`:8-10), then
addHeaderRandomText and gzip as for the API (initGlobalPage, V15 `System.php`:883-887;
`compression.py`).
"""

from __future__ import annotations

import enum
import html
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request

from fake_redcap import compression
from fake_redcap.messages import DEFAULT_VERSION, Change, Profile
from fake_redcap.responses import Reply, global_headers, status_line

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from fake_redcap.state import FakeState

HOME_PATHS = frozenset({"/", "/index.php"})
API_SCRIPT_PATHS = frozenset({"/api/", "/api/index.php"})
CONTENT_TYPE = "text/html; charset=UTF-8"  # PHP's default_charset; the page's own meta says UTF-8 too


class Place(enum.Enum):
    """What a REDCap server behind Apache has at a path (beside the fake's own page and `/__fake__/`)."""

    API = "api"  # api/index.php or the version folder's API/index.php
    LOGIN = "login"  # a page behind REDCap's authentication
    SLASH = "slash"  # a folder asked for without its slash: DirectorySlash's 301
    OTHER = "other"  # anything else: the fake's own page and control endpoints, or Apache's 404


def place(path: str | None, method: str, has_control_proof: bool, versions: Iterable[str]) -> Place:
    """Where `path` leads: `/index.php` and the version folder's index are the login page whatever the
    method; `/` is too for every method but GET and HEAD (the fake's page), unless the caller proves it
    is the test harness (control.py)."""
    if path in API_SCRIPT_PATHS:
        return Place.API
    if path == "/api":
        return Place.SLASH
    if path == "/index.php" or (path == "/" and method not in ("GET", "HEAD") and not has_control_proof):
        return Place.LOGIN
    if path is None or not path.startswith("/redcap_v"):
        return Place.OTHER
    for version in versions:
        folder = f"/redcap_v{version}"
        if path in (folder, f"{folder}/API"):
            return Place.SLASH
        if path in (f"{folder}/", f"{folder}/index.php"):
            return Place.LOGIN
        if path in (f"{folder}/API/", f"{folder}/API/index.php"):
            return Place.API
    return Place.OTHER


def answers(path: str | None, method: str, has_control_proof: bool) -> bool:
    """Whether this request gets REDCap's login page (the web root's paths only; see `place`)."""
    return place(path, method, has_control_proof, ()) is Place.LOGIN


def login_page(request_uri: str) -> bytes:
    """The login page's frame: HtmlPage's head (`Classes/HtmlPage.php`:116-134, title "REDCap"), the
    "Log In" heading (`config_functions_45`), table-based authentication's instructions
    (`config_functions_129`) and its form, posting back to the URI asked for, with the hidden
    `submitted` and `redcap_login_a38us_09i85` login token (`Authentication::generateLoginToken`)."""
    action = html.escape(request_uri.replace("`", ""), quote=True)
    token = secrets.token_hex(32)  # REDCap's is an encrypted random string: opaque to the client
    return (
        "<!DOCTYPE HTML>\n<html>\n<head>\n"
        '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />\n'
        '<meta charset="utf-8">\n<title>REDCap</title>\n</head>\n<body>\n'
        '<div id="left_col">'
        '<h4 style="margin-top:60px;padding:3px;border-bottom:1px solid #AAAAAA;color:#000000;'
        'font-weight:bold;">Log In</h4>'
        "<div id='rc-login-form'><p style=\"font-size:13px;\">Please log in with your user name and "
        'password. If you are having trouble logging in, try clicking the "Forgot your password" link '
        "below.</p><br><center>"
        f"<form name='form' style='max-width:350px;' method='post' action='{action}'>"
        "Username: <input type='text' name='username' id='username' value='' tabindex='1'>"
        "Password: <input type='password' name='password' id='password' value='' tabindex='2'>"
        "<button id='login_btn' tabindex='3'>Log In</button>"
        "<a href='Authentication/password_recovery.php'>Forgot your password?</a>"
        "<input type='hidden' name='submitted' value='1'>"
        f"<input type='hidden' id='redcap_login_a38us_09i85' name='redcap_login_a38us_09i85' value='{token}'>"
        "</form></center></div></div>\n</body>\n</html>\n"
    ).encode()


def respond(environ: WSGIEnvironment, start_response: StartResponse, state: FakeState) -> Iterable[bytes]:
    """REDCap's login page as a WSGI answer. The request body is read and dropped, as PHP reads it."""
    request = Request(environ)
    stream = request.stream
    while stream.read(65536):
        pass
    uri = request.full_path if request.query_string else request.path
    served = state.served[0] if state.served else None
    profile = served.profile if served is not None else Profile.for_version(DEFAULT_VERSION)
    reply = Reply(200, CONTENT_TYPE, login_page(uri), headers=list(global_headers(profile)))
    if state.compression and (served is None or served.project.compression):
        if profile.has(Change.RANDOM_TEXT_HEADER):
            reply.headers.append((compression.RANDOM_TEXT_HEADER, compression.random_text()))
        coding = compression.output_coding(request.headers.get("Accept-Encoding", ""))
        if coding is not None:
            reply = compression.compress(reply, coding)
    body = reply.body if isinstance(reply.body, bytes) else b"".join(reply.body)
    headers = [*reply.headers, ("Content-Type", CONTENT_TYPE)]
    if reply.encoding is not None:
        headers += [("Content-Encoding", reply.encoding), ("Vary", "Accept-Encoding")]
    else:
        headers.append(("Content-Length", str(len(body))))
    start_response(status_line(200), headers)
    return [] if request.method == "HEAD" else [body]


def version_folders(state: FakeState) -> set[str]:
    """The versions whose folder (`/redcap_v<version>/`) the server has: those of the served projects."""
    return {str(served.profile.version) for served in state.served}
