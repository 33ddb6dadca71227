"""Apache's own error pages: the answers a REDCap server's web server gives before (or instead of)
PHP, for a request it refuses itself (a broken length or chunked body, headers past its limits, a
request that stalls), for the 5xx pages a fault can show, for `/api` without its slash
(DirectorySlash's 301) and for a URL that is not there (404). Every such page is built here, from one
table.

The texts are Apache httpd's default error documents (`modules/http/http_protocol.c`,
`get_canned_error_string`, and the error notes of `server/protocol.c`), served as
`text/html; charset=iso-8859-1`. 400, 408, 413 and 414 are byte for byte what Apache 2.4.71 (Debian)
sent in a measurement (its newer HTML 4.01 doctype aside: the fake keeps the 2.4 doctype older servers
send).
"""

from __future__ import annotations

from fake_redcap.responses import Reply

# status -> (title, the page's text as HTML; `{note}` is an error note, `{method}` the request's method).
PAGES: dict[int, tuple[str, str]] = {
    301: ("Moved Permanently", ""),  # the text names the new location: moved_permanently()
    400: (
        "Bad Request",
        "<p>Your browser sent a request that this server could not understand.<br />\n{note}</p>\n",
    ),
    404: ("Not Found", "<p>The requested URL was not found on this server.</p>\n"),
    408: ("Request Timeout", "<p>Server timeout waiting for the HTTP request from the client.</p>\n"),
    413: (
        "Request Entity Too Large",
        "The requested resource does not allow request data with {method} requests, or the amount of data "
        "provided in\nthe request exceeds the capacity limit.\n",
    ),
    414: (
        "Request-URI Too Long",
        "<p>The requested URL's length exceeds the capacity\nlimit for this server.<br />\n</p>\n",
    ),
    500: (
        "Internal Server Error",
        "<p>The server encountered an internal error or misconfiguration and was "
        "unable to complete your request.</p>\n",
    ),
    502: ("Bad Gateway", "<p>The proxy server received an invalid response from an upstream server.</p>\n"),
    503: (
        "Service Unavailable",
        "<p>The server is temporarily unable to service your request due to "
        "maintenance downtime or capacity problems. Please try again later.</p>\n",
    ),
}
# The statuses an `http_error` fault shows: the PHP/Apache front failing.
FRONT_ERRORS = frozenset({500, 502, 503})
CONTENT_TYPE = "text/html; charset=iso-8859-1"
# Error notes Apache puts into its 400 page (server/protocol.c ap_get_mime_headers_core).
FIELD_TOO_LONG = "Size of a request header field exceeds server limit."
TOO_MANY_FIELDS = "The number of request header fields exceeds this server's limit."


def page(
    status: int, *, signature: bool, text: str | None = None, note: str = "", method: str = "POST"
) -> bytes:
    """Apache's page for `status`; `signature` adds the `<address>` line of `ServerSignature On`;
    `text` (HTML, one paragraph) replaces the canned one; `note` is the error note of a 400."""
    title, canned = PAGES[status]
    body = f"<p>{text}</p>\n" if text is not None else canned.format(note=note, method=method)
    address = "<hr>\n<address>Apache Server</address>\n" if signature else ""
    return (
        f'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>{status} {title}</title>\n'
        f"</head><body>\n<h1>{title}</h1>\n{body}{address}</body></html>\n"
    ).encode("latin-1", "xmlcharrefreplace")


def reason(status: int) -> str:
    """Apache's reason phrase: `408 Request Timeout`, `414 Request-URI Too Long`."""
    return PAGES[status][0]


def reply(status: int, *, signature: bool = False, close_connection: bool = False) -> Reply:
    """Apache's answer with its page, as a `Reply`."""
    page_bytes = page(status, signature=signature)
    # Apache's own page: no PHP output, so no zlib compression.
    return Reply(status, CONTENT_TYPE, page_bytes, close_connection=close_connection, compressible=False)


def moved_permanently(location: str) -> bytes:
    """DirectorySlash's 301 page: "The document has moved <a href=...>here</a>." (ap_escape_html)."""
    href = location.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return page(301, signature=False, text=f'The document has moved <a href="{href}">here</a>.')


NOT_FOUND = page(404, signature=False)
