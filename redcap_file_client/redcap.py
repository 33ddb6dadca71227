"""`RedcapClient`: REDCap's file methods over one `requests.Session`, strict about what comes back.

Every request is a POST to the API URL with `returnFormat=json`; the HTTP status is checked before
anything else, so an error is never saved as a file and a file is never read as an error. Downloads
stream to a temporary file beside the destination and are renamed into place only when the whole
body arrived.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import os
import secrets
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

import requests
import urllib3
from requests.structures import CaseInsensitiveDict

from redcap_file_client.checks import (
    empty_body_check,
    expected_length,
    file_headers,
    file_params,
    is_loopback,
)
from redcap_file_client.disk import fsync_folder, not_a_folder, place, unlink_quietly
from redcap_file_client.errors import RedcapError, error_message
from redcap_file_client.filenames import (
    safe_filename,
    sanitise_filename,
)
from redcap_file_client.network import is_timeout, root_cause, transient
from redcap_file_client.upload import MultipartBody, UploadSource, upload_source

__all__ = ["USER_AGENT", "ExportedFile", "FileType", "Progress", "RedcapClient"]

__version__ = "0.1.0"
USER_AGENT = f"fake-redcap-client/{__version__} (+requests/{requests.__version__})"

log = logging.getLogger("redcap_file_client")

CHUNK_SIZE = 1 << 20
RETRY_STATUSES = frozenset({502, 503, 504})
MAX_BACKOFF = 30.0
MAX_ERROR_BODY = 1 << 20

Timeout: TypeAlias = float | tuple[float, float]
Progress: TypeAlias = Callable[[int, int | None], None]
"""Called as `progress(bytes_so_far, total_or_None)` after every chunk written."""
T = TypeVar("T")


class _Token:
    """Holds the API token so that no repr, traceback local or log line ever shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<token hidden>"

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class ExportedFile:
    """One exported file: its bytes and what the Content-Type (or Content-Disposition) said about it.

    `filename` is the server's name as sent, *unsanitised*: use `safe_filename` (or `download_file`)
    before it goes near a path.
    """

    content: bytes
    filename: str | None
    mime_type: str | None
    charset: str | None
    content_type: str | None
    headers: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def safe_filename(self) -> str | None:
        """The name made safe as a path component (None when nothing usable is left)."""
        return sanitise_filename(self.filename)

    def __repr__(self) -> str:
        return (
            f"ExportedFile(filename={self.filename!r}, mime_type={self.mime_type!r}, "
            f"charset={self.charset!r}, content=<{len(self.content)} bytes>)"
        )


@dataclass(frozen=True)
class FileType:
    """What an Export File answer's headers say of its file (its body is not read)."""

    filename: str | None
    mime_type: str | None


class _BodyFailure(Exception):
    """The body broke off after a 200: may be retried, else its `error` is raised."""

    def __init__(self, error: RedcapError) -> None:
        super().__init__(error.message)
        self.error = error


class RedcapClient:
    """A client for REDCap's file methods (Export/Import/Delete File) and `version`.

    `timeout` is the connect and per-read timeout in seconds (or a `(connect, read)` pair).
    `retries` is how many times an export or version request is retried after a connection failure,
    a timeout, a body cut short, or a 502/503/504; waits grow as `backoff * 2**attempt` seconds.
    Import and delete are never retried: they change data. Redirects are refused, not followed: a
    followed 301/302 turns the POST into a GET (REDCap then answers 501) and a 307/308 would resend
    the token to another address.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: Timeout = 30.0,
        session: requests.Session | None = None,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(
                f"url must be an http(s) URL such as https://redcap.example.edu/api/, not {url!r}"
            )
        if not isinstance(token, str) or not token.strip().isalnum() or not token.strip().isascii():
            raise ValueError(
                "token must be a non-empty string of letters and digits (REDCap's are 32 hex digits)"
            )
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError("retries must be an integer >= 0")
        if backoff < 0:
            raise ValueError("backoff must be >= 0")
        self.url = url
        self._token = _Token(token.strip())
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._own_session = session is None
        self.session = session if session is not None else requests.Session()
        if self._own_session:
            self.session.headers["User-Agent"] = USER_AGENT
        if parsed.scheme == "http" and not is_loopback(parsed.hostname):
            log.warning("%s is plain http: the API token travels unencrypted", self._display_url)

    def __repr__(self) -> str:
        return f"RedcapClient(url={self._display_url!r})"

    def __enter__(self) -> RedcapClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the session if this client created it."""
        if self._own_session:
            self.session.close()

    # ----------------------------------------------------------------- public methods

    def export_version(self) -> str:
        """REDCap's version, e.g. `15.7.6` (`content=version`)."""

        def read(resp: requests.Response) -> str:
            body = io.BytesIO()
            self._copy_body(resp, body.write, None)
            text = body.getvalue().decode("utf-8", "replace").strip().strip('"')
            parts = text.split(".")
            if not text or len(text) > 40 or not all(part.isdigit() for part in parts):
                raise RedcapError(200, f"expected a version number, got {text[:80]!r}", body.getvalue())
            return text

        return self._post([("content", "version")], retry=True, on_ok=read)

    def export_file(
        self,
        record: str | int,
        field: str,
        *,
        event: str | None = None,
        repeat_instance: int | None = None,
    ) -> ExportedFile:
        """Export File, in memory. For large files prefer `download_file`, which streams to disk."""
        params = file_params("export", record, field, event, repeat_instance)

        def read(resp: requests.Response) -> ExportedFile:
            body = io.BytesIO()
            self._copy_body(resp, body.write, None)
            meta = file_headers(resp)
            return ExportedFile(
                content=body.getvalue(),
                filename=meta.filename,
                mime_type=meta.mime_type,
                charset=meta.charset,
                content_type=meta.content_type,
                headers=CaseInsensitiveDict(resp.headers),
            )

        return self._post(params, retry=True, on_ok=read)

    def download_file(
        self,
        record: str | int,
        field: str,
        dest: str | os.PathLike[str],
        *,
        event: str | None = None,
        repeat_instance: int | None = None,
        overwrite: bool = False,
        progress: Progress | None = None,
    ) -> Path:
        """Export File, streamed to disk; returns the path written.

        `dest` is an existing folder (the file gets the server's name, sanitised, or a name built from
        record/event/instance/field when the server's name is unusable) or a file path in an existing
        folder. The body goes to a temporary file in that folder, is fsynced, and is renamed into place
        only when complete, so a failure leaves no file and never touches an existing one.
        An existing destination raises `FileExistsError` unless `overwrite=True`; with a file path
        this is checked before any request.
        """
        params = file_params("export", record, field, event, repeat_instance)
        dest_path = Path(dest)
        if dest_path.is_dir():
            folder, fixed_target = dest_path, None
        elif os.fspath(dest).endswith(("/", os.sep)):  # meant as a folder; Path() drops the slash
            raise not_a_folder(os.fspath(dest))
        else:
            folder, fixed_target = dest_path.parent, dest_path
            if not folder.is_dir():
                raise not_a_folder(str(folder))
            if not overwrite and os.path.lexists(dest_path):
                raise FileExistsError(f"{str(dest_path)!r} exists; pass overwrite=True to replace it")

        def read(resp: requests.Response) -> tuple[Path, Path]:
            meta = file_headers(resp)
            if fixed_target is not None:
                target = fixed_target
            else:
                name = safe_filename(
                    meta.filename,
                    str(record),
                    field,
                    event=event,
                    repeat_instance=repeat_instance,
                    mime_type=meta.mime_type,
                )
                target = folder / name
                if target.parent != folder or os.path.dirname(name):
                    raise RedcapError(200, f"refusing file name {name!r}: it leaves the folder")
                if not overwrite and os.path.lexists(target):
                    raise FileExistsError(f"{str(target)!r} exists; pass overwrite=True to replace it")
            return target, self._stream_to_temp(resp, folder, progress)

        target, temp = self._post(params, retry=True, on_ok=read)
        try:
            place(temp, target, overwrite)
        finally:
            unlink_quietly(temp)
        fsync_folder(folder)
        log.debug("downloaded %s", target)
        return target

    def import_file(
        self,
        record: str | int,
        field: str,
        file: UploadSource,
        *,
        event: str | None = None,
        repeat_instance: int | None = None,
        filename: str | None = None,
    ) -> None:
        """Import File: upload `file` (a path, bytes, or a binary file object) into a file field.

        The upload is streamed with a Content-Length, so a large file is not read into memory. REDCap
        stores the name given here (`filename`, else the path's or file object's base name; bytes need
        `filename`). Never retried.
        """
        params = file_params("import", record, field, event, repeat_instance)
        with upload_source(file, filename) as (stream, size, name):
            body = MultipartBody([*params, ("returnFormat", "json")], name, stream, size)
            self._post(params, retry=False, on_ok=self._expect_empty, multipart=body)

    def delete_file(
        self,
        record: str | int,
        field: str,
        *,
        event: str | None = None,
        repeat_instance: int | None = None,
    ) -> None:
        """Delete File. Never retried."""
        params = file_params("delete", record, field, event, repeat_instance)
        self._post(params, retry=False, on_ok=self._expect_empty)

    def export_content(self, content: str, params: Mapping[str, str] | None = None) -> bytes:
        """Any read-only export (`content=metadata`, `arm`, `record`, `fileinfo`, ...) with `params`:
        the whole body of a 200 answer, checked complete, retried as the other exports are. A non-200
        answer raises `RedcapError` with REDCap's message; a 200 HTML page (a login or maintenance page a
        proxy sent) raises too, rather than being read as data. Requests that write (`data`, an
        import, delete or rename action) are refused before any request."""
        if not isinstance(content, str) or not content or content.strip() != content:
            raise ValueError(f"content must be a REDCap content name such as 'metadata', not {content!r}")
        extra = dict(params or {})
        reserved = sorted({"token", "content", "returnFormat", "data"} & set(extra))
        if reserved:
            raise ValueError(f"export_content sets or refuses these parameters itself: {', '.join(reserved)}")
        if extra.get("action", "export") not in ("export", "list"):  # list: the File Repository's
            raise ValueError("export_content only exports (action=export or list)")
        pairs = [("content", content), *((str(k), str(v)) for k, v in extra.items())]

        def read(resp: requests.Response) -> bytes:
            body = io.BytesIO()
            self._copy_body(resp, body.write, None)
            raw = body.getvalue()
            mime = (resp.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if mime in ("text/html", "application/xhtml+xml"):
                message = error_message(resp.reason or "", resp.headers.get("Content-Type"), raw)
                raise RedcapError(200, f"content={content}: {message}", raw)
            return raw

        return self._post(pairs, retry=True, on_ok=read)

    def export_json(self, content: str, params: Mapping[str, str] | None = None) -> Any:
        """`export_content` with `format=json`, decoded; an answer that is not JSON raises `RedcapError`."""
        raw = self.export_content(content, {"format": "json", **(params or {})})
        try:
            return json.loads(raw.decode("utf-8-sig"))
        except ValueError:
            text = raw[:80].decode("utf-8", "replace")
            raise RedcapError(200, f"content={content}: expected JSON, got {text!r}", raw) from None

    def export_file_type(
        self,
        record: str | int,
        field: str,
        *,
        event: str | None = None,
        repeat_instance: int | None = None,
    ) -> FileType:
        """Export File's name and MIME type from its headers; the body is not read (the connection is
        closed after the headers)."""
        params = file_params("export", record, field, event, repeat_instance)

        def read(resp: requests.Response) -> FileType:
            meta = file_headers(resp)
            return FileType(meta.filename, meta.mime_type)

        return self._post(params, retry=True, on_ok=read)

    def export_repository_file(self, doc_id: int, dest: Path | None = None) -> tuple[FileType, int]:
        """Export a File Repository file (`content=fileRepository&action=export&doc_id=N`): its name and
        MIME type from the headers (V15 API/fileRepository/export.php, RestUtility::sendFileContents)
        and its size; with `dest`, its bytes written there (the file is replaced, whole, at each
        attempt). Retried as the other exports are."""
        if isinstance(doc_id, bool) or not isinstance(doc_id, int) or doc_id < 1:
            raise ValueError(f"doc_id must be a positive integer, not {doc_id!r}")
        params = [("content", "fileRepository"), ("action", "export"), ("doc_id", str(doc_id))]

        def read(resp: requests.Response) -> tuple[FileType, int]:
            meta = file_headers(resp)
            if dest is None:
                size = self._copy_body(resp, lambda chunk: None, None)
            else:
                with open(dest, "wb") as handle:
                    size = self._copy_body(resp, handle.write, None)
            return FileType(meta.filename, meta.mime_type), size

        return self._post(params, retry=True, on_ok=read)

    # ----------------------------------------------------------------- transport

    @property
    def _display_url(self) -> str:
        parts = urllib.parse.urlsplit(self.url)
        netloc = parts.netloc.rpartition("@")[2]
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    def _redact(self, text: str) -> str:
        return text.replace(self._token.reveal(), "[token]")

    def _post(
        self,
        params: list[tuple[str, str]],
        *,
        retry: bool,
        on_ok: Callable[[requests.Response], T],
        multipart: MultipartBody | None = None,
    ) -> T:
        """POST, check the status, hand a 200 to `on_ok`; retry what may be retried."""
        attempts = 1 + (self.retries if retry else 0)
        what = dict(params).get("content", "?") + "/" + dict(params).get("action", "")
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                resp = self._send(params, multipart)
            except requests.RequestException as exc:
                error = RedcapError(None, self._describe(exc))
                if last or not transient(exc):
                    raise error from exc
                self._wait(attempt, what, error.message)
                continue
            with resp:
                status = resp.status_code
                if status in RETRY_STATUSES and not last:
                    self._wait(attempt, what, f"HTTP {status}")
                    continue
                if status != 200:
                    raise self._error_response(resp)
                try:
                    return on_ok(resp)
                except _BodyFailure as failure:
                    if last:
                        raise failure.error from failure.__cause__
                    self._wait(attempt, what, failure.error.message)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, params: list[tuple[str, str]], multipart: MultipartBody | None) -> requests.Response:
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
        log.debug("POST %s %s", self._display_url, " ".join(f"{k}={v}" for k, v in params))
        body: Any  # requests' stubs do not know bodies that have read() and __len__()
        if multipart is not None:
            multipart.token = self._token.reveal()
            headers["Content-Type"] = multipart.content_type
            body = multipart
        else:
            body = [("token", self._token.reveal()), *params, ("returnFormat", "json")]
        return self.session.post(
            self.url,
            data=body,
            headers=headers,
            timeout=self.timeout,
            stream=True,
            allow_redirects=False,
        )

    def _wait(self, attempt: int, what: str, why: str) -> None:
        delay = min(self.backoff * 2**attempt, MAX_BACKOFF)
        log.info("%s failed (%s); retry %d of %d in %.2f s", what, why, attempt + 1, self.retries, delay)
        if delay:
            time.sleep(delay)

    def _describe(self, exc: requests.RequestException) -> str:
        if isinstance(exc, requests.Timeout):
            text = f"timed out after {self.timeout} s waiting for {self._display_url}"
        else:
            text = f"could not reach {self._display_url}: {root_cause(exc)}"
        return self._redact(text)

    def _error_response(self, resp: requests.Response) -> RedcapError:
        body = io.BytesIO()
        broken = False
        try:
            for chunk in resp.iter_content(64 * 1024):
                body.write(chunk)
                if body.tell() >= MAX_ERROR_BODY:
                    break
        except (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException, OSError):
            broken = True
        raw = body.getvalue()
        if 300 <= resp.status_code < 400:
            location = resp.headers.get("Location", "?")
            message = (
                f"the server redirects to {location}; use that as the API URL "
                "(a redirect is not followed: it would turn the POST into a GET or resend the token)"
            )
        else:
            message = error_message(resp.reason or "", resp.headers.get("Content-Type"), raw)
        if broken:
            message += " (the error body was cut short)"
        return RedcapError(resp.status_code, self._redact(message), raw)

    def _expect_empty(self, resp: requests.Response) -> None:
        body = io.BytesIO()
        self._copy_body(resp, body.write, None)
        empty_body_check(body.getvalue(), resp)

    def _copy_body(
        self, resp: requests.Response, write: Callable[[bytes], object], progress: Progress | None
    ) -> int:
        """Copy the body to `write`; a transport failure or a short body raises `_BodyFailure`."""
        expected = expected_length(resp)
        done = 0
        chunks: Iterator[bytes] = resp.iter_content(CHUNK_SIZE)
        while True:
            try:
                chunk = next(chunks)
            except StopIteration:
                break
            except (
                requests.RequestException,
                urllib3.exceptions.HTTPError,
                http.client.HTTPException,
                OSError,
            ) as exc:
                of = f" of {expected}" if expected is not None else ""
                reason = "timed out" if is_timeout(exc) else "broke off"
                error = RedcapError(
                    None, self._redact(f"the answer {reason} after {done}{of} bytes: {root_cause(exc)}")
                )
                raise _BodyFailure(error) from exc
            write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, expected)
        if expected is not None and done != expected:
            raise _BodyFailure(RedcapError(None, f"incomplete download: received {done} of {expected} bytes"))
        return done

    def _stream_to_temp(self, resp: requests.Response, folder: Path, progress: Progress | None) -> Path:
        """Write the body to a new temporary file in `folder`, fsynced; delete it on any failure."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        while True:
            temp = folder / f".redcap-download-{secrets.token_hex(8)}.part"
            try:
                fd = os.open(temp, flags, 0o666)
                break
            except FileExistsError:  # pragma: no cover - 64 random bits
                continue
            except OSError as exc:  # named for the folder: the temporary name means nothing to a user
                problem = f"cannot write a file in folder {str(folder)!r}: {exc.strerror}"
                raise type(exc)(exc.errno, problem) from None
        try:
            with os.fdopen(fd, "wb") as handle:
                self._copy_body(resp, handle.write, progress)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            unlink_quietly(temp)
            raise
        return temp
