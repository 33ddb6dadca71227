"""The `snapshot` subcommand: arguments, the token from the environment, progress, and one-line errors."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from fake_redcap.fixture import FixtureError, load_fixture
from fake_redcap.snapshot.access import pull_access
from fake_redcap.snapshot.pull import BarHandle, PullError, pull_files, pull_records, pull_structure
from fake_redcap.snapshot.repository import FOLDER as REPOSITORY
from fake_redcap.snapshot.repository import pull_repository_files, walk
from fake_redcap.snapshot.write import (
    FIXTURE_NAME,
    Options,
    Written,
    discard,
    finish,
    staging_folder,
    write_fixture,
)
from redcap_file_client import RedcapClient, RedcapError

INTERRUPTED = 130


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    snap = commands.add_parser(
        "snapshot",
        help="pull a REDCap project through its API into a fixture folder `serve` loads",
        description="Pull a project through REDCap's API into a new fixture folder. By default the values "
        "of Identifier fields and free text are synthetic, files are placeholders of the same name, type "
        "and size, and record IDs are renumbered.",
    )
    snap.add_argument("--url", required=True, help="the API URL, e.g. https://redcap.example.edu/api/")
    snap.add_argument(
        "--token-env",
        required=True,
        metavar="VAR",
        help="the environment variable that holds the API token (never given as an argument)",
    )
    snap.add_argument("--out", required=True, metavar="DIR", help="the folder to create (must not exist)")
    snap.add_argument("--with-files", action="store_true", help="download the stored files' bytes")
    snap.add_argument(
        "--with-data", action="store_true", help="keep every value as the server holds it (real data!)"
    )
    snap.add_argument(
        "--keep-record-ids", action="store_true", help="keep the record IDs (default: renumber 1, 2, 3 ...)"
    )


def _fail(message: str) -> int:
    print(f"fake-redcap: snapshot: {message}", file=sys.stderr)
    return 2


class _Bar(BarHandle):
    def __init__(self, label: str, total: int) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, desc=label, unit="", file=sys.stderr, leave=False)

    def update(self, n: int) -> None:
        self._bar.update(n)

    def close(self) -> None:
        self._bar.close()


def progress_bars() -> Callable[[str, int], BarHandle]:
    """tqdm bars on stderr when stderr is a terminal; nothing otherwise (a log or a pipe gets no
    carriage returns)."""
    if sys.stderr.isatty():
        return _Bar
    return lambda label, total: BarHandle()


# An environment variable's name; a REDCap token (32 hex digits, a Super API Token's 64 letters and
# digits) given in its place is refused without being repeated (`--token X` is argparse's abbreviation
# of `--token-env X`).
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOKEN_SHAPED = re.compile(r"[0-9A-Fa-f]{32}|[A-Za-z0-9]{64}")


def snapshot(args: argparse.Namespace) -> int:
    if _TOKEN_SHAPED.fullmatch(args.token_env.strip()):
        return _fail(
            "--token-env takes the NAME of an environment variable, and this looks like a token itself "
            "(not repeated here); put the token in a variable (export REDCAP_TOKEN=...) and give its name"
        )
    if not _VARIABLE.fullmatch(args.token_env):
        return _fail(
            "--token-env must be the name of an environment variable (letters, digits and _), "
            "such as REDCAP_TOKEN"
        )
    token = os.environ.get(args.token_env, "").strip()
    if not token:
        return _fail(
            f"the environment variable {args.token_env} is not set or empty; put the API token there"
        )
    out = Path(args.out)
    if os.path.lexists(out):
        return _fail(f"{out} exists; give --out a folder that does not exist yet")
    if not out.parent.is_dir():
        return _fail(f"the folder {out.parent} does not exist; create it first")
    try:
        client = RedcapClient(args.url, token)
    except ValueError as error:
        return _fail(f"--url / ${args.token_env}: {error}")
    options = Options(
        with_data=args.with_data, keep_record_ids=args.keep_record_ids, with_files=args.with_files
    )
    if args.with_data:
        print(
            "fake-redcap: snapshot: WARNING: --with-data keeps the real values, identifiers included; "
            "treat the folder as the project's data",
            file=sys.stderr,
        )
    if args.with_files:
        print(
            "fake-redcap: snapshot: WARNING: --with-files keeps the real files; treat the folder as the "
            "project's data",
            file=sys.stderr,
        )
    try:
        stage = staging_folder(out)
    except OSError as error:
        return _fail(f"cannot create a folder beside {out}: {error.strerror}")
    try:
        written = _run(client, stage, out, options)
    except KeyboardInterrupt:
        discard(stage)
        print("fake-redcap: snapshot: interrupted; nothing written", file=sys.stderr)
        return INTERRUPTED
    except (RedcapError, PullError, FixtureError, OSError) as error:
        discard(stage)
        return _fail(_describe(error, stage, out, args.token_env))
    finally:
        client.close()
    for note in written.notes:
        print(f"fake-redcap: snapshot: NOTE: {note}", file=sys.stderr)
    print(
        f"Wrote {out}: {written.records} records, {written.files} files, {written.replaced} values replaced."
    )
    print(f"Serve it:  fake-redcap serve --fixture {out / FIXTURE_NAME}")
    print(
        f"Its user {written.owner} has the token {written.token} "
        "(a new token for the fake, not the server's)."
    )
    return 0


def _run(client: RedcapClient, stage: Path, out: Path, options: Options) -> Written:
    bar = progress_bars()
    pulled = pull_structure(client)
    pulled.access = pull_access(client)
    pull_records(client, pulled, bar)
    (stage / "files").mkdir()
    pull_files(client, pulled, stage / "files" if options.with_files else None, bar)
    pulled.repository = walk(client, pulled.notes)
    if pulled.repository is not None:
        (stage / REPOSITORY).mkdir()
        progress = bar("File Repository", len(pulled.repository.files))
        try:
            kept = stage / REPOSITORY if options.with_files else None
            pull_repository_files(client, pulled.repository, kept, progress.update)
        finally:
            progress.close()
    written = write_fixture(pulled, stage, options)
    finish(stage, out, load_fixture)
    return written


def _describe(error: Exception, stage: Path, out: Path, variable: str) -> str:
    if isinstance(error, FixtureError):
        return "the snapshot does not load as a fixture, so nothing was written: " + str(error).replace(
            str(stage), str(out)
        )
    if isinstance(error, OSError) and not isinstance(error, FileExistsError) and error.strerror:
        where = f" ({error.filename})" if error.filename else ""
        return f"cannot write the snapshot{where}: {error.strerror}".replace(str(stage), str(out))
    if isinstance(error, RedcapError):
        return f"{str(error).rstrip('.')}. Fix: {_fix(error, variable)}"
    return str(error).replace(str(stage), str(out))


def _fix(error: RedcapError, variable: str) -> str:
    """What to do about a server's refusal or failure, by its HTTP status."""
    status = error.status
    if status is None:
        return "check --url and that the server can be reached from here"
    if 300 <= status < 400:
        return "give --url the address the server names"
    if status in (401, 403):
        return (
            f"put in ${variable} the API token of a user of this project with API Export and a data "
            "export right other than No Access, not expired or suspended (REDCap's User Rights page)"
        )
    if status == 400 and "privileges" in error.message.lower():
        return f"give the token's user those rights, or put another user's token in ${variable}"
    if status in (404, 405, 501):
        return "give --url the REDCap API's address, such as https://redcap.example.edu/api/"
    if status >= 500:
        return "try again later, or ask the server's administrator (the server failed, not the request)"
    return "check --url and the token; the server's own message is above"
