"""Transcripts: every exchange of a run of the suite, written as one JSON file per clause.

    pytest contract_tests --redcap-target TARGET.yaml --transcript out/transcript

writes `out/transcript/<module>/<clause>.json` (with several targets, one folder per target first:
`out/transcript/<target id>/<module>/<clause>.json`), and `_preflight.json` for the preflight's requests.
A file holds the exchanges of one clause (its fixtures included) in the order they were made:

    {"format": "fake-redcap-transcript/1",
     "clause": "test_download.py::test_x[param]",
     "api_path": "/api/",
     "exchanges": [
       {"request": {"client": "requests", "method": "POST", "path": "/api/", "query": "",
                    "headers": ["User-Agent: fake-redcap-contract-suite", "Accept-Encoding: gzip, deflate",
                                "Accept: */*", "Content-Type: application/x-www-form-urlencoded"],
                    "body": {"text": "token={{token:reference_classic:full_user}}&content=version"}},
        "response": {"status": 200, "reason": "OK",
                     "headers": ["Content-Type: text/html; charset=UTF-8", "Date: <volatile>"],
                     "body": {"text": "15.7.6"}}}]}

- A request is replayed by the client that sent it (`client`: `socket`, one connection per exchange,
  or `requests`, a kept-alive session) with the headers it sent (not Host, Content-Length, Connection).
- Tokens never appear: each token of a reference user is written `{{token:<fixture stem>:<user>}}`,
  wherever it occurs (body, query, response); replay puts the target's token for that user back.
- Bodies are `{"text": ...}` when they are UTF-8 and short, `{"base64": ...}` for short binary request
  bodies, and `{"sha256": ..., "length": ...}` otherwise (responses over 2 KiB, requests over 64 KiB;
  such a request cannot be replayed and is reported so).
- Volatile response headers (Date, REDCap-Random-Text, Set-Cookie) read `<volatile>`, and so does the
  login page's hidden per-request value; a multipart boundary reads `fake-redcap-transcript-boundary`.
  Header values are the bytes as sent, decoded as UTF-8 (invalid bytes as `\\xNN`), one `Name: value`
  string per header line. Keys come in a fixed order and the JSON is indented, so two transcripts diff
  line by line.

`fake-redcap replay DIR` (contract_tests/replay.py) sends every exchange again and reports each field that
differs.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from . import wire

FORMAT = "fake-redcap-transcript/1"
VOLATILE = "<volatile>"
VOLATILE_HEADERS = frozenset({"date", "redcap-random-text", "set-cookie"})
BOUNDARY = "fake-redcap-transcript-boundary"
RESPONSE_TEXT_LIMIT = 2048
REQUEST_KEEP_LIMIT = 64 * 1024
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
# Parts of a body that change with every answer: the login page's per-request hidden value.
VOLATILE_BODY = (re.compile(rb"(name='redcap_login_[A-Za-z0-9_]+' value=')[^']*(')"),)
_SAFE = re.compile(r"[^A-Za-z0-9_.\[\]=,+-]+")

Json = dict[str, Any]


def header_text(value: bytes) -> str:
    return value.decode("utf-8", "backslashreplace")


def body_record(data: bytes, *, keep_limit: int, binary_ok: bool) -> Json:
    if len(data) <= keep_limit:
        try:
            return {"text": data.decode("utf-8")}
        except UnicodeDecodeError:
            if binary_ok:
                return {"base64": base64.b64encode(data).decode("ascii")}
    return {"sha256": hashlib.sha256(data).hexdigest(), "length": len(data)}


def normalise_headers(headers: list[tuple[bytes, bytes]]) -> list[str]:
    """`Name: value` per header line, in the order sent."""
    result = []
    for name, value in headers:
        text = header_text(name)
        result.append(f"{text}: {VOLATILE if text.lower() in VOLATILE_HEADERS else header_text(value)}")
    return result


def normalise_body(body: bytes) -> bytes:
    for pattern in VOLATILE_BODY:
        body = pattern.sub(rb"\g<1>" + VOLATILE.encode("ascii") + rb"\g<2>", body)
    return body


def response_record(status: int, reason: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> Json:
    body = normalise_body(body)
    return {
        "status": status,
        "reason": header_text(reason),
        "headers": normalise_headers(headers),
        "body": body_record(body, keep_limit=RESPONSE_TEXT_LIMIT, binary_ok=False),
    }


@dataclass
class Masker:
    """Replaces tokens with placeholders (recording) and placeholders with tokens (replay)."""

    tokens: dict[str, str] = field(default_factory=dict)  # token -> placeholder

    def add(self, fixture_stem: str, username: str, token: str | None) -> None:
        if token:
            self.tokens[token] = f"{{{{token:{fixture_stem}:{username}}}}}"

    def mask(self, data: bytes) -> bytes:
        for token, placeholder in self.tokens.items():
            data = data.replace(token.encode("ascii"), placeholder.encode("ascii"))
        return data

    def unmask(self, data: bytes) -> bytes:
        for token, placeholder in self.tokens.items():
            data = data.replace(placeholder.encode("ascii"), token.encode("ascii"))
        return data


_NOT_RECORDED = frozenset({"content-length", "host", "connection"})  # the client's connection handling


def request_record(
    client: str, method: str, url: str, headers: Mapping[str, str], body: bytes, masker: Masker
) -> Json:
    """`client`: "socket" (contract_tests/wire.py, one connection per exchange) or "requests"."""
    parts = urllib.parse.urlsplit(url)
    lines = []
    for name, value in headers.items():
        if name.lower() in _NOT_RECORDED:
            continue
        found = _BOUNDARY.search(value) if name.lower() == "content-type" else None
        if found:
            body = body.replace(found[1].encode("latin-1"), BOUNDARY.encode("ascii"))
            value = value.replace(found[1], BOUNDARY)
        lines.append(f"{name}: {masker.mask(value.encode('latin-1')).decode('latin-1')}")
    return {
        "client": client,
        "method": method,
        "path": parts.path or "/",
        "query": masker.mask(parts.query.encode("utf-8")).decode("utf-8"),
        "headers": lines,
        "body": body_record(masker.mask(body), keep_limit=REQUEST_KEEP_LIMIT, binary_ok=True),
    }


def answer_of(response: requests.Response) -> tuple[int, bytes, list[tuple[bytes, bytes]], bytes]:
    """Status, reason, header lines and body bytes of a `requests` answer, as they came."""
    raw_headers = [
        (str(k).encode("latin-1"), str(v).encode("latin-1")) for k, v in response.raw.headers.items()
    ]
    reason = (response.reason or "").encode("latin-1", "replace")
    return response.status_code, reason, raw_headers, _body(response)


class _ReadBody(io.BytesIO):
    """The body the recorder read, offered to the clause as the response's `raw` stream (undecoded)."""

    def __init__(self, data: bytes, headers: object) -> None:
        super().__init__(data)
        self.headers = headers

    def read(self, amt: int | None = None, decode_content: bool | None = None) -> bytes:
        return super().read(-1 if amt is None else amt)

    def stream(self, amt: int = 65536, decode_content: bool | None = None) -> Iterator[bytes]:
        while chunk := self.read(amt):
            yield chunk

    def release_conn(self) -> None:
        pass


def _body(response: requests.Response) -> bytes:
    """The body as it came (read once; the clause then reads the same bytes from `raw`)."""
    encoding = response.headers.get("Content-Encoding", "identity").lower()
    if encoding != "identity" or getattr(response, "_content_consumed", False):  # what requests decoded
        return response.content
    data = response.raw.read(decode_content=False)
    response.raw.release_conn()
    response.raw = _ReadBody(data, response.raw.headers)
    return data


class Recorder:
    """Collects the exchanges of a run, per target and clause, and writes them as JSON files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.clause = "_preflight"
        self.exchanges: dict[tuple[str, str], list[Json]] = {}
        self.maskers: dict[str, Masker] = {}  # target id -> its masker
        self.api_paths: dict[str, str] = {}
        self.by_origin: dict[str, str] = {}  # scheme://host:port -> target id

    def attach(self, target_id: str, url: str, session: requests.Session, masker: Masker) -> None:
        self.maskers[target_id] = masker
        parts = urllib.parse.urlsplit(url)
        self.api_paths[target_id] = parts.path or "/"
        self.by_origin[f"{parts.scheme}://{parts.netloc}"] = target_id
        session.hooks["response"].append(self._on_response)
        if self._on_wire not in wire.OBSERVERS:
            wire.OBSERVERS.append(self._on_wire)

    def detach(self) -> None:
        if self._on_wire in wire.OBSERVERS:
            wire.OBSERVERS.remove(self._on_wire)

    def _target_of(self, url: str) -> str | None:
        parts = urllib.parse.urlsplit(url)
        return self.by_origin.get(f"{parts.scheme}://{parts.netloc}")

    def _add(self, target_id: str, request: Json, response: Json) -> None:
        masker = self.maskers[target_id]
        body = response["body"]
        if "text" in body:
            body["text"] = masker.mask(body["text"].encode("utf-8")).decode("utf-8")
        key = (target_id, self.clause)
        self.exchanges.setdefault(key, []).append({"request": request, "response": response})

    def _on_response(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        target_id = self._target_of(response.url if not response.history else response.history[0].url)
        prepared = response.request
        if target_id is None or prepared.method is None or prepared.url is None:
            return
        raw_body = prepared.body or b""
        body = raw_body.encode("utf-8") if isinstance(raw_body, str) else bytes(raw_body)
        masker = self.maskers[target_id]
        request = request_record("requests", prepared.method, prepared.url, prepared.headers, body, masker)
        self._add(target_id, request, response_record(*answer_of(response)))

    def _on_wire(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes, answer: wire.RawResponse
    ) -> None:
        target_id = self._target_of(url)
        if target_id is None:
            return
        request = request_record("socket", method, url, headers, body, self.maskers[target_id])
        response = response_record(answer.status, answer.reason, list(answer.headers), answer.body)
        self._add(target_id, request, response)

    def write(self, several_targets: bool) -> list[Path]:
        written = []
        for (target_id, clause), exchanges in sorted(self.exchanges.items()):
            folder = self.folder / target_id.lstrip("@") if several_targets else self.folder
            module, _, name = clause.partition("::")
            path = folder / (module.removesuffix(".py") or "_preflight") / f"{_SAFE.sub('_', name)}.json"
            if not name:
                path = folder / "_preflight.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            document = {
                "format": FORMAT,
                "clause": clause,
                "api_path": self.api_paths[target_id],
                "exchanges": exchanges,
            }
            path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            written.append(path)
        return written
