"""Replay a transcript (contract_tests/transcript.py) against a server and report every field that differs.

    fake-redcap replay DIR                                   # against the fake, in-process (15.7.6)
    fake-redcap replay DIR --redcap-target fake@13.6.1       # the fake as another version
    fake-redcap replay DIR --redcap-target TARGET.yaml       # any server a target file names
    python -m contract_tests.replay DIR ...                  # the same from a clone

Each exchange is sent again as recorded (the target's token put back for each `{{token:...}}`, and the
value the target's own answers made up for each `{{made:...}}`), by the client that recorded it, in
the order of the run (`_order.txt`; without it `_preflight.json` first, then by module and clause).
The answer is normalised as the recorder normalises it and compared field by field: status, reason,
each header (by name, in order) and the body (text or digest). Exit status 0 when every exchange
matches, 1 when one differs, 2 for a usage problem.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from . import wire
from .targets import Target, TargetError, in_process_fake, load_target
from .transcript import FORMAT, ORDER_FILE, Made, Masker, answer_of, response_record
from .versions import Version


@dataclass(frozen=True)
class Difference:
    file: str
    exchange: int
    field: str
    recorded: Any
    got: Any

    def line(self) -> str:
        return f"{self.file} #{self.exchange} {self.field}: recorded {self.recorded!r}, got {self.got!r}"


def transcript_files(folder: Path) -> list[Path]:
    """The files in the order the run made them (its `_order.txt`), then any other: the preflight's
    first, the rest by module and clause."""
    files = sorted(folder.rglob("*.json"))
    listed = folder / ORDER_FILE
    rank = {}
    if listed.is_file():
        rank = {name: i for i, name in enumerate(listed.read_text(encoding="utf-8").splitlines())}
    return sorted(
        files,
        key=lambda p: (
            rank.get(p.relative_to(folder).as_posix(), len(rank)),
            p.name != "_preflight.json",
            p.relative_to(folder).as_posix(),
        ),
    )


def masker_of(target: Target) -> Masker:
    masker = Masker()
    for project in target.projects:
        for username, source in project.tokens.items():
            masker.add(project.path.stem, username, source.value)
    return masker


def _request_bytes(body: dict[str, Any]) -> bytes | None:
    if "text" in body:
        return str(body["text"]).encode("utf-8")
    if "base64" in body:
        return base64.b64decode(body["base64"])
    return None


def _header_fields(lines: list[str]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for line in lines:
        name, _, value = line.partition(": ")
        fields.setdefault(name.lower(), []).append(value)
    return fields


def compare(file: str, index: int, recorded: dict[str, Any], got: dict[str, Any]) -> Iterator[Difference]:
    for key in ("status", "reason"):
        if recorded[key] != got[key]:
            yield Difference(file, index, key, recorded[key], got[key])
    want, have = _header_fields(recorded["headers"]), _header_fields(got["headers"])
    for name in [*want, *(n for n in have if n not in want)]:
        if want.get(name) != have.get(name):
            yield Difference(file, index, f"header {name}", want.get(name), have.get(name))
    if [n.partition(": ")[0].lower() for n in recorded["headers"]] != [
        n.partition(": ")[0].lower() for n in got["headers"]
    ] and want.keys() == have.keys():
        yield Difference(file, index, "header order", list(want), list(have))
    if recorded["body"] != got["body"]:
        yield Difference(file, index, "body", recorded["body"], got["body"])


def replay(folder: Path, target: Target) -> tuple[int, list[Difference]]:
    """(exchanges sent, differences) for every transcript file under `folder`."""
    masker = masker_of(target)
    parts = urllib.parse.urlsplit(target.url)
    origin, api_path = f"{parts.scheme}://{parts.netloc}", parts.path or "/"
    sent = 0
    differences: list[Difference] = []
    session = requests.Session()
    session.headers.clear()
    for path in transcript_files(folder):
        document = json.loads(path.read_text(encoding="utf-8"))
        name = path.relative_to(folder).as_posix()
        if document.get("format") != FORMAT:
            differences.append(Difference(name, 0, "format", FORMAT, document.get("format")))
            continue
        recorded_api = str(document["api_path"])
        made = Made()  # the values this target's answers make up, bound to the transcript's placeholders
        for index, exchange in enumerate(document["exchanges"], start=1):
            request = exchange["request"]
            body = _request_bytes(request["body"])
            if body is None:
                differences.append(Difference(name, index, "request", "replayable", "body kept as a digest"))
                continue
            path_text = str(request["path"])
            if path_text.startswith(recorded_api):
                path_text = api_path + path_text[len(recorded_api) :]
            query = made.unbind(masker.unmask(str(request["query"]).encode("utf-8"))).decode("utf-8")
            url = origin + path_text + (f"?{query}" if query else "")
            headers = {}
            for line in request["headers"]:
                header, _, value = str(line).partition(": ")
                headers[header] = masker.unmask(value.encode("latin-1")).decode("latin-1")
            got = response_record(
                *send(session, request, url, headers, made.unbind(masker.unmask(body))), made
            )
            if "text" in got["body"]:
                got["body"]["text"] = masker.mask(got["body"]["text"].encode("utf-8")).decode("utf-8")
            sent += 1
            differences.extend(compare(name, index, exchange["response"], got))
    session.close()
    return sent, differences


def send(
    session: requests.Session, request: dict[str, Any], url: str, headers: dict[str, str], body: bytes
) -> tuple[int, bytes, list[tuple[bytes, bytes]], bytes]:
    """The exchange sent again by the client that recorded it."""
    if request["client"] == "socket":
        answer = wire.raw_request(url, str(request["method"]), body, headers)
        return answer.status, answer.reason, list(answer.headers), answer.body
    response = session.request(
        str(request["method"]),
        url,
        data=body,
        headers=headers,
        stream=True,
        allow_redirects=False,
        timeout=30,
    )
    try:
        return answer_of(response)
    finally:
        response.close()


def open_target(option: str) -> Target:
    if option == "fake":
        return in_process_fake()
    if option.startswith("fake@"):
        Version.parse(option.removeprefix("fake@"))
        return in_process_fake(redcap_version=option.removeprefix("fake@"))
    return load_target(Path(option))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="fake-redcap replay", description="Replay a contract-suite transcript and report differences."
    )
    parser.add_argument("transcript", metavar="DIR", help="a folder written by --transcript")
    parser.add_argument(
        "--redcap-target",
        default="fake",
        metavar="TARGET",
        help="fake (default), fake@VERSION, or a target file naming a server and its tokens",
    )
    parser.add_argument(
        "--summary",
        action="store_true",
        help="print only the differences grouped by field (how many exchanges, the first), not each one",
    )
    args = parser.parse_args(argv)
    folder = Path(args.transcript)
    if not folder.is_dir() or not transcript_files(folder):
        print(
            f"fake-redcap replay: {folder} holds no transcript (*.json); write one with --transcript",
            file=sys.stderr,
        )
        return 2
    try:
        target = open_target(args.redcap_target)
    except (TargetError, ValueError) as error:
        print(f"fake-redcap replay: --redcap-target: {error}", file=sys.stderr)
        return 2
    try:
        sent, differences = replay(folder, target)
    except (requests.RequestException, OSError) as error:
        print(
            f"fake-redcap replay: cannot reach {target.url}: {type(error).__name__}: {error}", file=sys.stderr
        )
        return 2
    finally:
        target.close()
    if not args.summary:
        for difference in differences:
            print(difference.line())
    if differences:
        print("Differences by field:")
        for line in summary(differences):
            print(f"  {line}")
    print(f"{sent} exchanges replayed against {target.label}: {len(differences)} difference(s)")
    return 1 if differences else 0


def summary(differences: Sequence[Difference]) -> list[str]:
    """One line per field that differs (status, a header, the body...), most frequent first: in how many
    exchanges and files, and the first of them; a version's missing header shows once, not 600 times."""
    by_field: dict[str, list[Difference]] = {}
    for difference in differences:
        by_field.setdefault(difference.field, []).append(difference)
    lines = []
    for field, found in sorted(by_field.items(), key=lambda item: (-len(item[1]), item[0])):
        files = len({d.file for d in found})
        first = found[0]
        lines.append(
            f"{field}: {len(found)} exchange(s) in {files} file(s); first {first.file} #{first.exchange}: "
            f"recorded {_short(first.recorded)}, got {_short(first.got)}"
        )
    return lines


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


if __name__ == "__main__":
    raise SystemExit(main())
