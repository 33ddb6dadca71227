"""The wire: reading one request's body as PHP fills `$_POST` and `$_FILES`, with PHP's limits
(`max_input_vars` and nesting in `fake_redcap.params`; uploads and parts here), and the answers Apache
gives before PHP runs for a body that never arrived whole (408, 400). The server (`fake_redcap.server`)
answers what Apache refuses before any of this runs."""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from werkzeug.datastructures import FileStorage, Headers, MultiDict
from werkzeug.exceptions import ClientDisconnected
from werkzeug.formparser import MultiPartParser
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData
from werkzeug.wrappers import Request

from fake_redcap import apache
from fake_redcap.call import Upload
from fake_redcap.params import MAX_INPUT_VARS, Params, parse_urlencoded
from fake_redcap.responses import Reply

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment


# PHP's limits on a multipart body, php.ini defaults (php-src main/rfc1867.c; observed with php-cgi 8.2):
# past `max_file_uploads` file parts, further file parts are skipped with a warning and parsing goes on;
# past `max_multipart_body_parts` parts of any kind (-1 by default: max_input_vars + max_file_uploads),
# parsing stops with a warning and the rest of the body is ignored. A part without a `name` is skipped.
MAX_FILE_UPLOADS = 20
MAX_MULTIPART_BODY_PARTS = MAX_INPUT_VARS + MAX_FILE_UPLOADS
_CHUNK = 1024 * 1024  # multipart bodies are read 1 MiB at a time (benchmarks/RESULTS.md)


class PhpSizedRequest(Request):
    """One request as PHP reads it. `read_params` parses the body once, with PHP's own limits (see
    `fake_redcap.params` and above); werkzeug's form parsing and its hardening defaults (500 kB per
    value, 1000 parts) are never used, so a 1 MB value is REDCap's answer and not a 500. File parts are
    spooled to files in `upload_dir` (Import File renames one into storage), never held in memory, and
    every spooled file is deleted by `discard_spooled_uploads` whatever happened to the request.
    (PHP's `post_max_size` is checked before the body is read: `api._post_too_large`.)"""

    def __init__(self, environ: WSGIEnvironment, upload_dir: Path | None = None) -> None:
        super().__init__(environ)
        self.upload_dir = upload_dir
        self.spooled: list[IO[bytes]] = []

    def _load_form_data(self) -> None:
        # werkzeug parses `form`/`files` lazily on first access: `read_params` has already filled them
        # (or the body was never read); never let werkzeug read the stream a second time.
        if "form" not in self.__dict__:
            self.__dict__["form"] = MultiDict()
            self.__dict__["files"] = MultiDict()

    def spool(self) -> IO[bytes]:
        """A new file for one file part: in `upload_dir` when there is one, else anonymous."""
        if self.upload_dir is None:
            stream: IO[bytes] = tempfile.TemporaryFile("w+b")  # noqa: SIM115  # closed by discard_spooled_uploads
        else:
            stream = tempfile.NamedTemporaryFile(  # noqa: SIM115  # closed and deleted by discard_spooled_uploads
                "w+b", dir=self.upload_dir, prefix="upload-", delete=False
            )
        self.spooled.append(stream)
        return stream


def discard_spooled_uploads(req: Request) -> None:
    """Every file spooled for this request that Import File did not adopt is closed and deleted, once
    the request is answered, also when the body failed midway."""
    for stream in getattr(req, "spooled", ()):
        stream.close()
        name = getattr(stream, "name", None)
        if isinstance(name, str):
            Path(name).unlink(missing_ok=True)


class BadChunkedBody(ValueError):
    """A chunked request body that breaks the chunked coding (raised by the server's body reader)."""


class BodyNotReceived(Exception):
    """The request body never arrived whole: the client stalled past the server's timeout, or closed
    the connection before sending Content-Length bytes. PHP never runs for such a request; Apache
    answers it (408 after RequestReadTimeout, 400 for a body cut short) and closes the connection.
    The fake does the same, so it never acts on half a body (a truncated `record=12` is not `record=1`).
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message

    def reply(self) -> Reply:
        return apache.reply(self.status, close_connection=True)


def read_params(req: Request) -> Params:
    """`$_POST`: the urlencoded or multipart body only; the query string and JSON bodies are ignored.
    Multipart file parts are spooled and kept for `read_uploads` (`req.files`).

    Raises BodyNotReceived when the body does not arrive whole; whatever was spooled is then already
    deleted.
    """
    mimetype = req.mimetype
    if mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return Params({})
    body = _Body(req.stream)
    try:
        if mimetype == "application/x-www-form-urlencoded":
            params = Params.from_pairs(parse_urlencoded(body.read_all(), MAX_INPUT_VARS))
        else:
            fields, files = _parse_multipart(req, body)
            req.__dict__["form"], req.__dict__["files"] = MultiDict(fields), files
            params = Params.from_pairs(fields)
        body.drain()
        _check_whole_body(req)
    except BodyNotReceived:
        req.__dict__["files"] = MultiDict()
        discard_spooled_uploads(req)
        raise
    return params


class _Body:
    """The request body, read in pieces; the server's own failures become Apache's answers."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def read(self, size: int) -> bytes:
        try:
            return self.stream.read(size)
        except TimeoutError:
            raise BodyNotReceived(408, "the request body stalled past the server's read timeout") from None
        except BadChunkedBody as error:
            raise BodyNotReceived(400, f"malformed chunked request body: {error}") from None
        except (ClientDisconnected, ConnectionError):
            raise BodyNotReceived(400, _CUT_SHORT) from None

    def read_all(self) -> bytes:
        pieces: list[bytes] = []
        while piece := self.read(_CHUNK):
            pieces.append(piece)
        return b"".join(pieces)

    def drain(self) -> None:
        """Read and drop what is left (bytes after the closing boundary, parts past PHP's limit)."""
        while self.read(_CHUNK):
            pass


_CUT_SHORT = "the client closed the connection before the whole request body arrived"


def _check_whole_body(req: Request) -> None:
    """A real socket's body ended before its Content-Length (cheroot's input stream counts what is
    left; werkzeug would silently parse the part that came)."""
    if getattr(req.environ["wsgi.input"], "remaining", 0) > 0:
        raise BodyNotReceived(400, _CUT_SHORT)


def _parse_multipart(req: Request, body: _Body) -> tuple[list[tuple[str, str]], MultiDict[str, FileStorage]]:
    """`$_POST` pairs and `$_FILES` from a multipart body, with PHP's limits (module constants). A body
    that is not valid multipart keeps what was complete before the fault, as PHP does."""
    boundary = req.mimetype_params.get("boundary", "").encode("latin-1", "replace")
    fields: list[tuple[str, str]] = []
    files: MultiDict[str, FileStorage] = MultiDict()
    if not boundary:
        return fields, files  # PHP: "Missing boundary in multipart/form-data POST data"
    spool = req.spool if isinstance(req, PhpSizedRequest) else _anonymous_spool(req)
    parts = PartLimits()
    decoder = _PhpPartHeaders(boundary)
    part: Field | File | None = None
    sink: list[bytes] | IO[bytes] | None = None
    while parts.reading:
        data = body.read(_CHUNK)
        decoder.receive_data(data or None)
        try:
            event = decoder.next_event()
            while not isinstance(event, (Epilogue, NeedData)):
                if isinstance(event, (Field, File)):
                    part, sink = event, parts.open(event, spool)
                    if not parts.reading:
                        break
                elif isinstance(event, Data) and part is not None:
                    if isinstance(sink, list):
                        sink.append(event.data)
                    elif sink is not None:
                        sink.write(event.data)
                    if not event.more_data:
                        _close_part(part, sink, fields, files)
                        part = sink = None
                event = decoder.next_event()
        except ValueError:
            break  # not multipart from here on: PHP keeps the parts it completed
        if isinstance(event, Epilogue) or not data:
            break
    return fields, files


class _PhpPartHeaders(MultipartDecoder):
    """werkzeug's multipart decoder, reading each part's header lines as PHP's rfc1867.c does: bytes kept
    as they came (werkzeug decodes them as strict UTF-8, so a file name that is not UTF-8 lost the whole
    upload, where PHP passes the bytes to REDCap: observed with php-cli 8.2), a line ended by LF with one
    CR before it dropped (a lone CR stays in the value), a line that starts with white space or has no
    colon appended to the previous value as it is."""

    def _parse_headers(self, data: bytes | bytearray) -> Headers:
        headers: list[tuple[str, str]] = []
        for raw in bytes(data).split(b"\n"):
            line = (raw[:-1] if raw.endswith(b"\r") else raw).decode("utf-8", "surrogateescape")
            if "\0" in line:
                # rfc1867.c multipart_buffer_headers reads each line as a C string (strchr, estrdup,
                # smart_string_appends): it ends at its first NUL, so `filename="a\0b.txt"` is "a" and
                # `filename="\0b.txt"` no file (error 4); observed with php-cli 8.2. A line that starts
                # with NUL ends PHP's headers (`line[0] != '\0'`) and PHP reads what follows it as the
                # part's data; the fake ends the headers there but keeps werkzeug's data (a difference).
                line = line.split("\0", 1)[0]
                if not line:
                    break
            if not line:
                continue
            if (line[0] in _PHP_SPACE or ":" not in line) and headers:
                name, value = headers[-1]
                headers[-1] = (name, value + line)
                continue
            name, _, value = line.partition(":")
            headers.append((name.strip(_PHP_SPACE), value.lstrip(_PHP_SPACE)))
        headers = [
            (name, _drop_extended_params(value) if name.lower() == "content-disposition" else value)
            for name, value in headers
        ]
        parsed = Headers()
        parsed._list = headers  # werkzeug's Headers.add refuses the lone CR that PHP keeps in a value
        return parsed


# A `key*=` parameter (RFC 2231/5987: `filename*=UTF-8''a%0d%0a...`). PHP's rfc1867.c compares each
# Content-Disposition key with "name" and "filename" exactly, so `name*` and `filename*` are ignored
# (observed with php-cli 8.2: a part with only `filename*` is a $_POST value and $_FILES stays empty);
# werkzeug would decode them into `name` and `filename`, so they are dropped before werkzeug reads the value.
_EXTENDED_PARAM = re.compile(r';[ \t]*[^;=\s]+\*[ \t]*=[ \t]*(?:"(?:[^"\\]|\\.)*"|[^;]*)')


def _drop_extended_params(disposition: str) -> str:
    return _close_quote(_EXTENDED_PARAM.sub("", disposition))


def _close_quote(disposition: str) -> str:
    """A quoted value left open runs to the end of the header, as rfc1867.c's php_ap_getword and
    substring_conf read it (observed with php-cli 8.2: `filename="a.txt` is a.txt); werkzeug would drop
    the parameter, so the quote is closed for it."""
    if disposition.count('"') % 2 == 0 and "\\" not in disposition:
        return disposition  # every quote closed (the usual case)
    quote = ""
    i = 0
    while i < len(disposition):
        ch = disposition[i]
        if quote and ch == "\\" and disposition[i + 1 : i + 2] == quote:
            i += 2
            continue
        if ch == quote:
            quote = ""
        elif not quote and ch == '"':
            quote = ch
        i += 1
    return disposition + quote


_PHP_SPACE = " \t\n\r\v\f"  # C isspace()


class _NoFile(io.BytesIO):
    """The stream of an empty file input: what is sent for it is dropped, as PHP drops it."""

    def write(self, data: Any) -> int:
        return len(data)


class PartLimits:
    """PHP's counters while it reads a multipart body (rfc1867.c)."""

    def __init__(self) -> None:
        self.parts = self.text_vars = self.uploads = 0
        self.reading = True

    def open(self, part: Field | File, spool: Callable[[], IO[bytes]]) -> list[bytes] | IO[bytes] | None:
        """Where this part's bytes go: a list for a text value, a spooled file for an upload, None to
        drop them (no name, past a limit)."""
        self.parts += 1
        if self.parts > MAX_MULTIPART_BODY_PARTS:
            self.reading = False
            return None
        if not part.name:
            return None
        if isinstance(part, Field):
            self.text_vars += 1
            return [] if self.text_vars <= MAX_INPUT_VARS else None
        if not part.filename:
            return _NoFile()  # an empty file input: in $_FILES with error 4, not counted, nothing kept
        if self.uploads >= MAX_FILE_UPLOADS:
            return None
        self.uploads += 1
        return spool()


def _close_part(
    part: Field | File,
    sink: list[bytes] | IO[bytes] | None,
    fields: list[tuple[str, str]],
    files: MultiDict[str, FileStorage],
) -> None:
    if sink is None:
        return
    if isinstance(sink, list):
        charset = MultiPartParser().get_part_charset(part.headers)
        fields.append((part.name, b"".join(sink).decode(charset, "replace")))
        return
    sink.seek(0)
    filename = part.filename if isinstance(part, File) else ""
    files.add(part.name, FileStorage(sink, filename, part.name, headers=part.headers))


def _anonymous_spool(req: Request) -> Callable[[], IO[bytes]]:
    def spool() -> IO[bytes]:
        return tempfile.TemporaryFile("w+b")

    return spool


def read_uploads(req: Request) -> dict[str, Upload]:
    """`$_FILES`: multipart file parts (spooled to disk by `read_params`, not held in memory)."""
    if req.mimetype != "multipart/form-data":
        return {}
    return {
        name: Upload(filename=part.filename or "", stream=part.stream, error=0 if part.filename else 4)
        for name, part in req.files.items(multi=True)
    }
