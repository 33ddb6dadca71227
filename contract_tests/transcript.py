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
  wherever it occurs (body, query, headers, response), in any letter case (a token sent in lower case
  reads `{{token:<fixture stem>:<user>:lower}}`); replay puts the target's token for that user back, in
  that case.
- Bodies are `{"text": ...}` when they are UTF-8 and short, `{"base64": ...}` for short binary request
  bodies, and `{"sha256": ..., "length": ...}` otherwise (responses over 2 KiB, requests over 64 KiB;
  such a request cannot be replayed and is reported so).
- Volatile response headers (Date, REDCap-Random-Text, Set-Cookie) read `<volatile>`, and so do, in a
  response body, only the parts that carry the clock or a per-request value: the login page's hidden
  value, each log row's `timestamp` (Export Logging's json, csv and xml), and Export Project XML's
  `AsOfDateTime`, `CreationDateTime` and the time in its `Metadata.<title>_<date>_<time>` OIDs (V15
  ODM.php:2867-2884, 242-247). A multipart boundary reads `fake-redcap-transcript-boundary`.
- Values the server makes up and the clause sends back are bound, not masked away: a new role's
  `unique_role_name` (`U-` and 10 characters, V15 UserRights.php:3515-3527), and the `doc_id` and
  `folder_id` a File Repository answer gives (`"doc_id":28`) become `{{made:<kind>:<n>}}`, numbered
  per file in the order the answers first show them, in the answers and in every later request that
  sends them back (`doc_id=28`). Replay numbers the target's answers the same way and sends the
  target's own value where the transcript has the placeholder, so a role made on one server is
  deleted by its new name on another.
  Header values are the bytes as sent, decoded as UTF-8 (invalid bytes as `\\xNN`), one `Name: value`
  string per header line. Keys come in a fixed order and the JSON is indented, so two transcripts diff
  line by line.

`_order.txt` lists the files in the order the run wrote their exchanges, one a line: the server's state
depends on it (a log export shows every earlier change, a new file gets the next id), so replay
follows it.

`fake-redcap replay DIR` (contract_tests/replay.py) sends every exchange again and reports each field that
differs.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import re
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from . import wire

FORMAT = "fake-redcap-transcript/1"
ORDER_FILE = "_order.txt"  # the clause files in the order the run made their exchanges
VOLATILE = "<volatile>"
VOLATILE_HEADERS = frozenset({"date", "redcap-random-text", "set-cookie"})
BOUNDARY = "fake-redcap-transcript-boundary"
RESPONSE_TEXT_LIMIT = 2048
REQUEST_KEEP_LIMIT = 64 * 1024
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
# Parts of a body that change with every answer; each pattern's groups 1 and 2 are kept around `<volatile>`.
_MINUTE = rb"\d{4}-\d\d-\d\d \d\d:\d\d"  # a log row's time (Y-m-d H:i): V15 Logging.php:573 renderLogRow
# Export Logging's csv (V15 API/log/export.php:35): its header line, then a row's time opens each line.
_LOG_CSV_HEADER = b"timestamp,username,action,details,record\n"
_LOG_CSV_ROW = re.compile(rb"(?m)^" + _MINUTE + rb"(?=,)")
VOLATILE_BODY = (
    re.compile(rb"(name='redcap_login_[A-Za-z0-9_]+' value=')[^']*(')"),  # the login page's per-request value
    re.compile(rb'((?:^\[|\},)\{"timestamp":")' + _MINUTE + rb'(",")'),  # content=log, format=json
    re.compile(rb"(<log><timestamp><!\[CDATA\[)" + _MINUTE + rb"(\]\]></timestamp>)"),  # format=xml
    # Export Project XML (V15 ODM.php:2867-2884 and 242-247): NOW in the opening tag and the OIDs.
    re.compile(rb'( (?:AsOfDateTime|CreationDateTime)=")\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(")'),
    re.compile(rb'(OID="Metadata\.[A-Za-z0-9]*_)\d{4}-\d\d-\d\d_\d{4}(")'),
)
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
    if body.startswith(_LOG_CSV_HEADER):
        body = _LOG_CSV_ROW.sub(VOLATILE.encode("ascii"), body)
    return body


@dataclass(frozen=True)
class MadeKind:
    """A kind of value the server makes up: where an answer shows it (group 1), where a request sends it
    back (group 1 of any of `sent`)."""

    name: str
    shown: re.Pattern[bytes]
    sent: tuple[re.Pattern[bytes], ...]


def _form_field(name: bytes) -> tuple[re.Pattern[bytes], ...]:
    """`name=value` in a query or urlencoded body, and a multipart part named `name`."""
    return (
        re.compile(rb"(?:^|[&?])" + name + rb"=(\d+)(?![\d])"),
        re.compile(rb'name="' + name + rb'"\r\n\r\n(\d+)\r\n'),
    )


# Not inside a longer word; `%22U-...` (a quote, urlencoded) counts as its start.
_ROLE_NAME = re.compile(
    rb"(?:(?<![A-Za-z0-9])|(?<=%[0-9A-Fa-f]{2}))(U-[1-9]{3}[A-Za-z0-9]{7})(?![A-Za-z0-9])"
)
MADE_KINDS = (
    # addUniqueUserRoleName (V15 UserRights.php:3515-3527): "U-", three digits 1-9, 7 random characters.
    MadeKind("role", _ROLE_NAME, (_ROLE_NAME,)),
    # The File Repository's ids (AUTO_INCREMENT in REDCap), shown by action=list as json numbers.
    MadeKind("doc_id", re.compile(rb'"doc_id":"?(\d+)'), _form_field(b"doc_id")),
    MadeKind("folder_id", re.compile(rb'"folder_id":"?(\d+)'), _form_field(b"folder_id")),
)


@dataclass
class Made:
    """The values one clause's answers made up, each bound to `{{made:<kind>:<n>}}` (n from 1 per kind, in
    the order the answers first show them). The recorder and replay each keep one per clause file."""

    bound: dict[tuple[str, bytes], bytes] = field(default_factory=dict)  # (kind, value) -> placeholder

    def _placeholder(self, kind: str, value: bytes) -> bytes:
        key = (kind, value)
        if key not in self.bound:
            number = 1 + sum(1 for k, _ in self.bound if k == kind)
            self.bound[key] = f"{{{{made:{kind}:{number}}}}}".encode("ascii")
        return self.bound[key]

    def _known(self, kind: str, value: bytes) -> bytes | None:
        return self.bound.get((kind, value))

    @staticmethod
    def _swap(pattern: re.Pattern[bytes], data: bytes, new: Callable[[bytes], bytes | None]) -> bytes:
        def one(found: re.Match[bytes]) -> bytes:
            start, end = found.span(1)
            replacement = new(found[1])
            whole = found[0]
            if replacement is None:
                return whole
            offset = found.start(0)
            return whole[: start - offset] + replacement + whole[end - offset :]

        return pattern.sub(one, data)

    def answer(self, body: bytes) -> bytes:
        """An answer with each made-up value as its placeholder (new ones bound)."""
        for kind in MADE_KINDS:
            body = self._swap(kind.shown, body, functools.partial(self._placeholder, kind.name))
        return body

    def request(self, data: bytes) -> bytes:
        """A request with each value an earlier answer made up as its placeholder."""
        for kind in MADE_KINDS:
            for pattern in kind.sent:
                data = self._swap(pattern, data, functools.partial(self._known, kind.name))
        return data

    def unbind(self, data: bytes) -> bytes:
        """A recorded request with each placeholder this target's answers bound as the target's value."""
        for (_, value), placeholder in self.bound.items():
            data = data.replace(placeholder, value)
        return data


def response_record(
    status: int, reason: bytes, headers: list[tuple[bytes, bytes]], body: bytes, made: Made | None = None
) -> Json:
    body = normalise_body(body)
    if made is not None:
        body = made.answer(body)
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
        """Each token, in any letter case (REDCap compares tokens case-insensitively, so clauses send
        them in other cases too), as its placeholder; a case other than the token's own is named in it."""
        for token, placeholder in self.tokens.items():
            found = re.compile(re.escape(token.encode("ascii")), re.IGNORECASE)
            data = found.sub(functools.partial(_cased, placeholder, token), data)
        return data

    def unmask(self, data: bytes) -> bytes:
        for token, placeholder in self.tokens.items():
            data = data.replace(placeholder.encode("ascii"), token.encode("ascii"))
            stem = placeholder.removesuffix("}}").encode("ascii") + b":"
            data = re.sub(
                re.escape(stem) + rb"(lower|upper|swapcase|case=[Ul]+)\}\}",
                functools.partial(_recased, token),
                data,
            )
        return data


def _cased(placeholder: str, token: str, found: re.Match[bytes]) -> bytes:
    """`{{token:stem:user}}`, or `{{token:stem:user:lower}}` (upper, swapcase; `case=UlU...` per
    character for any other mix) for the token sent in another case."""
    sent = found[0].decode("ascii")
    if sent == token:
        return placeholder.encode("ascii")
    variants = {"lower": token.lower(), "upper": token.upper(), "swapcase": token.swapcase()}
    name = next((n for n, v in variants.items() if v == sent), None)
    if name is None:
        name = "case=" + "".join("U" if c.isupper() else "l" for c in sent)
    return f"{placeholder.removesuffix('}}')}:{name}}}}}".encode("ascii")


def _recased(token: str, found: re.Match[bytes]) -> bytes:
    name = found[1].decode("ascii")
    if name.startswith("case="):
        cased = "".join(c.upper() if k == "U" else c.lower() for c, k in zip(token, name[5:], strict=False))
    else:
        cased = {"lower": token.lower(), "upper": token.upper()}.get(name, token.swapcase())
    return cased.encode("ascii")


_NOT_RECORDED = frozenset({"content-length", "host", "connection"})  # the client's connection handling


def request_record(
    client: str,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    masker: Masker,
    made: Made | None = None,
) -> Json:
    """`client`: "socket" (contract_tests/wire.py, one connection per exchange) or "requests"."""
    made = made or Made()
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
        "query": made.request(masker.mask(parts.query.encode("utf-8"))).decode("utf-8"),
        "headers": lines,
        "body": body_record(made.request(masker.mask(body)), keep_limit=REQUEST_KEEP_LIMIT, binary_ok=True),
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


def clause_file(clause: str) -> str:
    """The file of a clause (`test_download.py::test_x[a b]` -> `test_download/test_x[a_b].json`), or
    `_preflight.json` for the preflight's exchanges."""
    module, _, name = clause.partition("::")
    if not name:
        return "_preflight.json"
    return f"{module.removesuffix('.py')}/{_SAFE.sub('_', name)}.json"


class Recorder:
    """Collects the exchanges of a run, per target and clause, and writes them as JSON files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.clause = "_preflight"
        self.exchanges: dict[tuple[str, str], list[Json]] = {}
        self.made: dict[tuple[str, str], Made] = {}  # (target id, clause) -> the values its answers made up
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

    def _made(self, target_id: str) -> Made:
        return self.made.setdefault((target_id, self.clause), Made())

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
        made = self._made(target_id)
        request = request_record(
            "requests", prepared.method, prepared.url, prepared.headers, body, masker, made
        )
        self._add(target_id, request, response_record(*answer_of(response), made))

    def _on_wire(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes, answer: wire.RawResponse
    ) -> None:
        target_id = self._target_of(url)
        if target_id is None:
            return
        made = self._made(target_id)
        request = request_record("socket", method, url, headers, body, self.maskers[target_id], made)
        response = response_record(answer.status, answer.reason, list(answer.headers), answer.body, made)
        self._add(target_id, request, response)

    def write(self, several_targets: bool) -> list[Path]:
        written = []
        order: dict[Path, list[str]] = {}  # a target's folder -> its files in the order the run made them
        for (target_id, clause), exchanges in self.exchanges.items():
            folder = self.folder / target_id.lstrip("@") if several_targets else self.folder
            path = folder / clause_file(clause)
            path.parent.mkdir(parents=True, exist_ok=True)
            document = {
                "format": FORMAT,
                "clause": clause,
                "api_path": self.api_paths[target_id],
                "exchanges": exchanges,
            }
            path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            order.setdefault(folder, []).append(path.relative_to(folder).as_posix())
            written.append(path)
        for folder, names in order.items():
            (folder / ORDER_FILE).write_text("".join(f"{name}\n" for name in names), encoding="utf-8")
        return sorted(written)
