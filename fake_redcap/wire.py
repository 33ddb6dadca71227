"""The wire: reading one request's body as PHP fills `$_POST` and `$_FILES`, and the answers Apache
gives before PHP runs (a body that never arrived whole)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.formparser import FormDataParser, MultiPartParser
from werkzeug.wrappers import Request

from fake_redcap import apache
from fake_redcap.call import Upload
from fake_redcap.params import Params, parse_urlencoded
from fake_redcap.responses import Reply

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment


class _LargeBufferFormDataParser(FormDataParser):
    """werkzeug's form parser reading multipart bodies 1 MiB at a time instead of 64 KiB: a large upload
    is parsed in a sixteenth of the calls (benchmarks/RESULTS.md)."""

    def _parse_multipart(
        self, stream: IO[bytes], mimetype: str, content_length: int | None, options: dict[str, str]
    ) -> tuple[IO[bytes], MultiDict[str, str], MultiDict[str, FileStorage]]:
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        parser = MultiPartParser(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls,
            buffer_size=1024 * 1024,
        )
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


class PhpSizedRequest(Request):
    """PHP puts no limit of its own on one multipart text value or on the number of parts (only on the
    whole body, post_max_size), so neither does the fake: Werkzeug's hardening defaults (500 kB per
    value, 1000 parts) made a 1 MB value or 5000 parameters a 500 with an empty body instead of
    REDCap's answer. File parts are still spooled to disk, never held in memory."""

    form_data_parser_class = _LargeBufferFormDataParser
    max_form_memory_size = None
    max_form_parts = None  # type: ignore[assignment]  # werkzeug's own type says int; None means no limit

    def __init__(self, environ: WSGIEnvironment, upload_dir: Path | None = None) -> None:
        super().__init__(environ)
        self.upload_dir = upload_dir

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        """File parts go straight to a file in the state's `incoming` folder, which Import File then
        renames into storage (werkzeug's default is an anonymous temporary file, copied again later)."""
        if self.upload_dir is None:
            return super()._get_file_stream(total_content_length, content_type, filename, content_length)
        return tempfile.NamedTemporaryFile("w+b", dir=self.upload_dir, prefix="upload-", delete=False)


def discard_spooled_uploads(req: Request) -> None:
    """Uploads Import File did not adopt are deleted once the request is answered."""
    if (
        req.mimetype != "multipart/form-data"
        or not isinstance(req, PhpSizedRequest)
        or req.upload_dir is None
    ):
        return
    for part in req.files.values():
        path = Path(str(getattr(part.stream, "name", "")))
        if path.parent == req.upload_dir:
            part.stream.close()
            path.unlink(missing_ok=True)


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

    Raises BodyNotReceived when the body does not arrive whole.
    """
    try:
        if req.mimetype == "application/x-www-form-urlencoded":
            params = Params.from_pairs(parse_urlencoded(req.get_data(cache=True)))
        elif req.mimetype == "multipart/form-data":
            params = Params.from_pairs(req.form.items(multi=True))
        else:
            return Params({})
        _check_whole_body(req)
    except TimeoutError:
        raise BodyNotReceived(408, "the request body stalled past the server's read timeout") from None
    return params


def _check_whole_body(req: Request) -> None:
    """A real socket's body ended before its Content-Length (cheroot's input stream counts what is
    left; werkzeug would silently parse the part that came). Bytes after a multipart body's closing
    boundary are read and ignored, as PHP does."""
    stream = req.environ["wsgi.input"]
    while (remaining := getattr(stream, "remaining", 0)) > 0:
        if not stream.read(min(remaining, 64 * 1024)):
            raise BodyNotReceived(
                400, "the client closed the connection before the whole request body arrived"
            )


def read_uploads(req: Request) -> dict[str, Upload]:
    """`$_FILES`: multipart file parts (spooled to disk by werkzeug, not held in memory)."""
    if req.mimetype != "multipart/form-data":
        return {}
    return {
        name: Upload(filename=part.filename or "", stream=part.stream, error=0 if part.filename else 4)
        for name, part in req.files.items(multi=True)
    }
