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
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request

from fake_redcap.responses import status_line

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

HOME_PATHS = frozenset({"/", "/index.php"})
CONTENT_TYPE = "text/html; charset=UTF-8"  # PHP's default_charset; the page's own meta says UTF-8 too
# Sent by redcap_connect.php (V15, lines 8-10) before anything else, on every page.
NO_CACHE_HEADERS = (
    ("Expires", "0"),
    ("cache-control", "no-store, no-cache, must-revalidate"),
    ("Pragma", "no-cache"),
)


def answers(path: str | None, method: str, has_control_proof: bool) -> bool:
    """Whether this request gets REDCap's login page: `/index.php` always; `/` for every method but
    GET and HEAD (the fake's page), unless the caller proves it is the test harness (control.py)."""
    if path == "/index.php":
        return True
    return path == "/" and method not in ("GET", "HEAD") and not has_control_proof


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


def respond(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """REDCap's login page as a WSGI answer. The request body is read and dropped, as PHP reads it."""
    request = Request(environ)
    stream = request.stream
    while stream.read(65536):
        pass
    uri = request.full_path if request.query_string else request.path
    body = login_page(uri)
    headers = [*NO_CACHE_HEADERS, ("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(body)))]
    start_response(status_line(200), headers)
    return [] if request.method == "HEAD" else [body]
