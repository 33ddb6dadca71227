"""Helpers shared by the reliability tests (model-based, concurrency, hostile input, secrets, faults, soak).

Kept apart from `tests/support.py` on purpose: these tests hold the fake to the reference with their own
spelled-out texts, never to `fake_redcap.messages`.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

BOUNDARY = "----reliabilityboundary7MA4YWxkTrZu0gW"
MULTIPART_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
URLENCODED_TYPE = "application/x-www-form-urlencoded"

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" ?>'

# Texts from the reference (docs/evidence/file-api-behaviour.md §1.1, §1.3, §4), REDCap 15.7.6.
NO_PERMISSION = "You do not have permissions to use the API"
NO_API_EXPORT = "You do not have API Export privileges"
NO_API_IMPORT = "You do not have API Import/Update privileges"
NO_RECORD_DELETE = "You do not have Delete Record privileges"
ACTION_INVALID = 'The value of the parameter "action" is not valid'
EXPIRED = "You do not have API rights because your privileges have expired for this project as of {date}."
NO_ACCESS = (
    'The API request cannot complete because currently you have "No Access" data export rights. '
    "Higher level data export rights are required for this operation."
)
IDENTIFIER = (
    "The API request cannot complete because this File Upload field is an Identifier field while at the "
    'same time you currently have either "De-Identified" data export rights or "Remove all tagged '
    'Identifier fields" data export rights, which prevent you from exporting fields tagged as Identifiers. '
    "Higher level data export rights are required for this operation."
)
INVALID_EVENT = "invalid event"
EXPORT_RECORD_MISSING = 'The record "{record}" does not exist'  # record RCView-escaped (V14+)
FIELD_NOT_FILE = "The field '{field}' does not exist or is not a 'file' field"  # field escaped (V14+)
NO_FILE_TO_DOWNLOAD = "There is no file to download for this record"
NO_VALID_FILE = "No valid file was uploaded"
RECORD_LOCKED = 'The uploaded file could not be saved because record "{record}" is locked.'
FORM_LOCKED = (
    'The uploaded file could not be saved because the field\'s instrument is locked for record "{record}".'
)
TOO_LARGE = "The uploaded file exceeded the maximum file size limit of {mb} MB for File Upload fields."
NOT_PERMITTED = "ERROR: The file cannot be uploaded because its file type is not permitted."
SAVE_FAILED = "A problem occurred while trying to save the uploaded file"
IMPORT_RECORD_MISSING = "The record '{record}' does not exist. It must exist to upload a file"  # raw
SIGNATURE = (
    "The field '{field}' is a signature field, which cannot be imported using the API but can only be "
    "created using the web interface. However, it can be downloaded or deleted using the API."
)
DELETE_RECORD_MISSING = "The record '{record}' does not exist"  # raw, single quotes, even in V15
NO_FILE_TO_DELETE = "There is no file to delete for this record"


def token(prefix: int, n: int) -> str:
    """A distinct 32-hex-digit API token: 6 digits of `prefix`, 26 of `n`."""
    return f"{prefix:06X}{n:026X}"


def write_yaml(folder: Path, doc: Mapping[str, Any], name: str = "project.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(dict(doc), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def multipart(
    fields: Sequence[tuple[str, str]] | Mapping[str, str],
    files: Sequence[tuple[str, str, bytes]] = (),
) -> bytes:
    """A multipart/form-data body (boundary BOUNDARY): text fields, then (part name, file name, bytes)
    file parts. Written by hand so every byte reaches the server as given."""
    items = list(fields.items()) if isinstance(fields, Mapping) else list(fields)
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode()
        + v.encode("utf-8", "surrogateescape")
        + b"\r\n"
        for k, v in items
    ]
    for name, filename, data in files:
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        parts.append(f"{head}Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def open_fds() -> int:
    """How many file descriptors this process holds (Linux /proc)."""
    return len(os.listdir("/proc/self/fd"))


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc/self/statm), in bytes."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def raw_request(host: str, port: int, head: bytes, timeout: float = 10.0) -> socket.socket:
    """Open a connection and send `head` (a request, or the start of one); the caller owns the socket."""
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.sendall(head)
    return sock


def read_answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks: list[bytes] = []
    while data := sock.recv(65536):
        chunks.append(data)
    return b"".join(chunks)
