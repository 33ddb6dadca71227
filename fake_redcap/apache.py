"""Apache's own error pages: the answers a REDCap server's web server gives before (or instead of)
PHP, for a body that never arrived whole, for the 5xx pages a fault can show, for `/api` without its
slash (DirectorySlash's 301) and for a URL that is not there (404). Every such page is built here, from
one table.

The texts are Apache httpd's default error documents (`modules/http/http_protocol.c`,
`get_canned_error_string`), served as `text/html; charset=iso-8859-1`.
"""

from __future__ import annotations

from fake_redcap.responses import Reply

# status -> (title, text) of Apache's default page.
PAGES: dict[int, tuple[str, str]] = {
    301: ("Moved Permanently", ""),  # the text names the new location: moved_permanently()
    400: ("Bad Request", "Your browser sent a request that this server could not understand."),
    404: ("Not Found", "The requested URL was not found on this server."),
    408: ("Request Timeout", "Server timeout waiting for the HTTP request from the client."),
    500: (
        "Internal Server Error",
        "The server encountered an internal error or misconfiguration and was "
        "unable to complete your request.",
    ),
    502: ("Bad Gateway", "The proxy server received an invalid response from an upstream server."),
    503: (
        "Service Unavailable",
        "The server is temporarily unable to service your request due to "
        "maintenance downtime or capacity problems. Please try again later.",
    ),
}
# The statuses an `http_error` fault shows: the PHP/Apache front failing.
FRONT_ERRORS = frozenset({500, 502, 503})
CONTENT_TYPE = "text/html; charset=iso-8859-1"


def page(status: int, *, signature: bool, text: str | None = None) -> bytes:
    """Apache's page for `status`; `signature` adds the `<address>` line of `ServerSignature On`;
    `text` (HTML) replaces the canned one."""
    title, canned = PAGES[status]
    text = canned if text is None else text
    address = "<hr>\n<address>Apache Server</address>\n" if signature else ""
    return (
        f'<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>{status} {title}</title>\n'
        f"</head><body>\n<h1>{title}</h1>\n<p>{text}</p>\n{address}</body></html>\n"
    ).encode("latin-1", "xmlcharrefreplace")


def reply(status: int, *, signature: bool = False, close_connection: bool = False) -> Reply:
    """Apache's answer with its page, as a `Reply`."""
    return Reply(status, CONTENT_TYPE, page(status, signature=signature), close_connection=close_connection)


def moved_permanently(location: str) -> bytes:
    """DirectorySlash's 301 page: "The document has moved <a href=...>here</a>." (ap_escape_html)."""
    href = location.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return page(301, signature=False, text=f'The document has moved <a href="{href}">here</a>.')


NOT_FOUND = page(404, signature=False)
