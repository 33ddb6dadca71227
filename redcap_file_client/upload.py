"""What Import File sends: the upload as a stream with its size and name, and a multipart body read
piece by piece with a known length, so a large file is never held in memory."""

from __future__ import annotations

import contextlib
import io
import mimetypes
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TypeAlias

UploadSource: TypeAlias = str | os.PathLike[str] | bytes | BinaryIO


@contextlib.contextmanager
def upload_source(file: UploadSource, filename: str | None) -> Iterator[tuple[BinaryIO, int, str]]:
    """The upload as (stream, size, name); a path is opened here and closed afterwards."""
    if isinstance(file, bytes | bytearray | memoryview):
        if not filename:
            raise ValueError("filename= is required when the file is given as bytes")
        data = bytes(file)
        yield io.BytesIO(data), len(data), filename
        return
    if isinstance(file, str | os.PathLike):
        path = Path(file)
        with path.open("rb") as handle:
            yield handle, os.fstat(handle.fileno()).st_size, filename or path.name
        return
    if isinstance(file, io.TextIOBase):
        raise ValueError("open the file in binary mode ('rb') to upload it")
    if not hasattr(file, "read"):
        raise ValueError(f"file must be a path, bytes or a binary file object, not {type(file).__name__}")
    name = filename or os.path.basename(str(getattr(file, "name", "") or ""))
    if not name:
        raise ValueError("filename= is required when the file object has no name")
    size = remaining_size(file)
    if size is None:
        data = file.read()
        yield io.BytesIO(data), len(data), name
    else:
        yield file, size, name


def remaining_size(file: BinaryIO) -> int | None:
    try:
        if file.seekable():
            here = file.tell()
            end = file.seek(0, io.SEEK_END)
            file.seek(here)
            return end - here
    except (OSError, AttributeError, ValueError):
        pass
    return None


class MultipartBody:
    """A multipart/form-data body read piece by piece, with a known length, so requests sends it with
    a Content-Length without building it in memory. The token is filled in at send time."""

    def __init__(self, params: list[tuple[str, str]], filename: str, stream: BinaryIO, size: int) -> None:
        self.boundary = "redcap-" + secrets.token_hex(16)
        self.content_type = f"multipart/form-data; boundary={self.boundary}"
        self.token = ""
        self._params = params
        self._filename = filename
        self._stream = stream
        self._size = size
        self._pieces: list[bytes | BinaryIO] | None = None
        self._sent = 0

    def _build(self) -> list[bytes | BinaryIO]:
        head = io.BytesIO()
        for key, value in [("token", self.token), *self._params]:
            head.write(f'--{self.boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode())
            head.write(value.encode("utf-8") + b"\r\n")
        quoted = self._filename.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")
        mime = mimetypes.guess_type(self._filename)[0] or "application/octet-stream"
        head.write(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
            f"Content-Type: {mime}\r\n\r\n".encode()
        )
        return [head.getvalue(), self._stream, f"\r\n--{self.boundary}--\r\n".encode()]

    def __len__(self) -> int:
        pieces = self._build()
        return len(pieces[0]) + self._size + len(pieces[2])  # type: ignore[arg-type]

    def read(self, size: int = -1) -> bytes:
        if self._pieces is None:
            self._pieces = self._build()
        out = bytearray()
        while self._pieces and (size < 0 or len(out) < size):
            piece = self._pieces[0]
            want = -1 if size < 0 else size - len(out)
            if isinstance(piece, bytes):
                taken = piece if want < 0 else piece[:want]
                out += taken
                rest = piece[len(taken) :]
                if rest:
                    self._pieces[0] = rest
                else:
                    self._pieces.pop(0)
                continue
            left = self._size - self._sent
            chunk = piece.read(left if want < 0 else min(want, left)) if left else b""
            if not chunk:
                if self._sent != self._size:
                    raise OSError(f"the file to upload ended after {self._sent} of {self._size} bytes")
                self._pieces.pop(0)
                continue
            self._sent += len(chunk)
            out += chunk
        return bytes(out)
