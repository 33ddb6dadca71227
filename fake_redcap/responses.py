"""What REDCap sends back: headers, error envelopes and streamed files, as plain `Reply` values.

Methods return a `Reply` (or raise `ApiError`); only `api` turns it into a WSGI response, so methods
know nothing of Flask.
"""

from __future__ import annotations

import enum
import http
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, assert_never

from fake_redcap.errors import ApiError, ReturnFormat, content_type_for, error_body
from fake_redcap.messages import Change, Profile
from fake_redcap.model import StoredFile
from fake_redcap.storage import open_stored

CHUNK = 1024 * 1024  # REDCap streams 10 MB chunks (readfile_chunked); 1 MiB keeps memory low

# Headers REDCap sets on every request in System::init (reference §2), in the order it sets them.
# V15 Classes/System.php:424-434 setCacheControlAndOtherHeaders (Permissions-Policy's value is line 433),
# :508-515 setCrossDomainHttpAccessControl ("*" with the default empty allow-list), :437-449 setCspHeader.
PERMISSIONS_POLICY = (
    "accelerometer=*, autoplay=*, camera=*, encrypted-media=*, fullscreen=*, geolocation=*, gyroscope=*, "
    "magnetometer=*, microphone=*, midi=*, payment=*, picture-in-picture=*, publickey-credentials-get=*, "
    "sync-xhr=*, usb=*, xr-spatial-tracking=*"
)
GLOBAL_CSP = (
    "default-src * 'unsafe-inline' 'unsafe-eval' data: blob:; script-src * 'unsafe-inline' "
    "'unsafe-eval' data: blob:; style-src * 'unsafe-inline' data: blob:;"
)
GLOBAL_HEADERS: tuple[tuple[str, str], ...] = (  # REDCap 15
    ("Expires", "0"),
    ("Cache-control", "no-store, no-cache, must-revalidate"),
    ("Pragma", "no-cache"),
    ("X-XSS-Protection", "1; mode=block"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", PERMISSIONS_POLICY),
    ("Access-Control-Allow-Origin", "*"),
    ("Content-Security-Policy", GLOBAL_CSP),
)
# V10.0.13 System.php:196-202, V13.6.1 :376-383 and V14.5.11 :407-415 setCacheControl: no
# Referrer-Policy, Permissions-Policy or global CSP (source audit 2026-11 #29).
_V10_HEADERS = tuple(
    h
    for h in GLOBAL_HEADERS
    if h[0] not in ("Referrer-Policy", "Permissions-Policy", "Content-Security-Policy")
)
# V7.1.2 System.php:131-133: a lower-case `cache-control` and no X-XSS-Protection / X-Content-Type-Options.
_V7_HEADERS = (
    ("Expires", "0"),
    ("cache-control", "no-store, no-cache, must-revalidate"),
    ("Pragma", "no-cache"),
    ("Access-Control-Allow-Origin", "*"),
)


def global_headers(profile: Profile) -> tuple[tuple[str, str], ...]:
    """The headers System::init sets on every answer of this version."""
    if profile.has(Change.GLOBAL_SECURITY_HEADERS_15):
        return GLOBAL_HEADERS
    if profile.has(Change.XSS_NOSNIFF_HEADERS):
        return _V10_HEADERS
    return _V7_HEADERS


# V14+ RestUtility::sendFile replaces the global policy on downloads.
DOWNLOAD_CSP = "script-src 'none'"


class HeaderVariant(enum.StrEnum):
    """How Export File puts the file name on the wire. REDCAP is what real REDCap sends; the others
    exist so that clients can be tested against what REDCap's docs show (single quotes) and what other
    servers send. The values are the `--header-variant` spellings."""

    REDCAP = "redcap"
    SINGLE_QUOTE = "single_quote"
    UNQUOTED = "unquoted"
    RFC5987 = "rfc5987"
    CONTENT_DISPOSITION = "content_disposition"

    @classmethod
    def parse(cls, text: str) -> HeaderVariant:
        """The variant a user spelled (`--header-variant`, `create_app`, `FakeServer`)."""
        try:
            return cls(text)
        except ValueError:
            raise ValueError(
                f"unknown header variant {text!r}; choose one of {', '.join(HEADER_VARIANTS)}"
            ) from None


HEADER_VARIANTS: tuple[str, ...] = tuple(variant.value for variant in HeaderVariant)


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes | Iterable[bytes] = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    streamed: bool = False  # no Content-Length: the body goes out chunked, as REDCap's readfile_chunked
    size: int | None = None  # the whole body's length, when known
    close_connection: bool = False
    delay: float = 0.0  # seconds to wait before anything goes out (a `delay` fault)
    compressible: bool = True  # False: not PHP's output after System::initGlobalPage (Apache's pages, ...)
    encoding: str | None = None  # the Content-Encoding zlib.output_compression gave the body


def error_reply(error: ApiError, fmt: ReturnFormat, profile: Profile) -> Reply:
    return Reply(
        status=error.status,
        content_type=content_type_for(fmt, profile),
        body=error_body(error.message, fmt),
        headers=list(error.headers.items()),
    )


def text_reply(text: str, fmt: ReturnFormat, profile: Profile, status: int = 200) -> Reply:
    """A successful plain answer (`sendResponse(200, ...)`): the body as given, the format's type."""
    return Reply(status=status, content_type=content_type_for(fmt, profile), body=text.encode("utf-8"))


def status_line(status: int) -> str:
    """`<code> <reason>` with the reason phrases of RestUtility's table (reference §2), e.g.
    `403 Forbidden`; they are the standard phrases."""
    line = _STATUS_LINES.get(status)
    if line is None:
        line = _STATUS_LINES[status] = f"{status} {http.HTTPStatus(status).phrase}"
    return line


_STATUS_LINES: dict[int, str] = {}  # status -> line: HTTPStatus(...) is an enum lookup per call


def php_default_charset(content_type: str) -> str:
    """PHP's SAPI appends `;charset=UTF-8` to a Content-Type value that starts with `text/` and holds
    no `charset=` anywhere (php-src main/SAPI.c, sapi_apply_default_charset: a case-sensitive prefix
    test and a strstr over the whole value, so a file name containing `charset=` suppresses it)."""
    if content_type.startswith("text/") and "charset=" not in content_type:
        return ";charset=UTF-8"
    return ""


def wire(text: str) -> str:
    """A header value whose UTF-8 bytes go on the wire raw (WSGI header strings are latin-1)."""
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def file_reply(stored: StoredFile, profile: Profile, variant: HeaderVariant) -> Reply:
    """Export File success (V15 RestUtility::sendFile): `Content-type: <mime>; name="<doc_name>"`, the
    stored bytes streamed, no Content-Length and no Content-Disposition."""
    mime, name = stored.mime, stored.name
    headers: list[tuple[str, str]] = []
    match variant:
        case HeaderVariant.REDCAP:
            content_type = f'{mime}; name="{name}"'
        case HeaderVariant.SINGLE_QUOTE:
            content_type = f"{mime}; name='{name}'"
        case HeaderVariant.UNQUOTED:
            content_type = f"{mime}; name={name}"
        case HeaderVariant.RFC5987:
            content_type = f"{mime}; name*=UTF-8''{urllib.parse.quote(name, safe='')}"
        case HeaderVariant.CONTENT_DISPOSITION:
            content_type = mime
            ascii_name = name.encode("ascii", "replace").decode("ascii").replace('"', "_")
            encoded = urllib.parse.quote(name, safe="")
            headers.append(
                ("Content-Disposition", f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}")
            )
        case _:
            assert_never(variant)
    content_type += php_default_charset(content_type)
    content_type, headers = php_header_calls(content_type, headers)
    if profile.has(Change.DOWNLOAD_CSP):
        headers.append(("Content-Security-Policy", DOWNLOAD_CSP))
    return Reply(
        status=200,
        content_type=wire(content_type),
        body=stream(stored),
        headers=headers,
        streamed=True,
        size=stored.size,
    )


# PHP's default Content-Type, sent when REDCap's own `header('Content-type: ...')` is refused:
# default_mimetype (text/html) and the default_charset REDCap sets (V7-V15 System::init,
# `ini_set('default_charset', 'UTF-8')`), joined by php-src main/SAPI.c sapi_get_default_content_type.
PHP_DEFAULT_CONTENT_TYPE = "text/html; charset=UTF-8"


def php_header_allows(value: str) -> bool:
    """Whether PHP's `header()` sends this value. php-src main/SAPI.c sapi_header_op refuses a header
    holding CR or LF ("Header may not contain more than a single header, new line detected") or NUL
    ("Header may not contain NUL bytes"): the header is not sent at all and a warning is raised."""
    return not ("\r" in value or "\n" in value or "\0" in value)


def php_header_calls(content_type: str, headers: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
    """What goes out after REDCap's `header()` calls: a refused header is simply missing, so a stored
    name holding a line break (V7/V10 decode `&#13;&#10;` in upload names; a lone CR survives PHP's
    multipart parser) never splits the answer. RestUtility::sendFile (V7-V15) sets nothing else about
    the file, so a refused `Content-type` leaves PHP's default. REDCap runs with error_reporting(0)
    (V7-V15 System::setErrorReporting), so the warning never reaches the body. Observed with php-cli
    8.2 (`php -S`): `name="a\r\nSet-Cookie: x"` gives `Content-type: text/html; charset=UTF-8`, the
    body unchanged and no Set-Cookie."""
    if not php_header_allows(content_type):
        content_type = PHP_DEFAULT_CONTENT_TYPE
    return content_type, [(k, v) for k, v in headers if php_header_allows(v)]


def stream(stored: StoredFile) -> Iterator[bytes]:
    """The stored bytes in chunks. A file on disk is opened now, so the answer is the version stored at
    this moment even if the field is replaced while it is being sent."""
    if stored.data is not None:
        return _chunks(stored.data)
    assert stored.path is not None
    return _read(open_stored(stored.path))  # raises StoredFileMissing


def _chunks(data: bytes) -> Iterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(view), CHUNK):
        yield bytes(view[start : start + CHUNK])


def _read(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk
