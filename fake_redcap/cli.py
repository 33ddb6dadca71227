"""`fake-redcap serve`, `check`, `contract` (fake_redcap/contract_cli.py) and `snapshot`
(fake_redcap/snapshot/cli.py)."""

from __future__ import annotations

import argparse
import errno
import importlib.metadata
import os
import re
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from fake_redcap import contract_cli
from fake_redcap.control import CONTROL_HEADER, SECRET_ENV, ControlSecretError, is_loopback
from fake_redcap.describe import describe_project
from fake_redcap.fixture import FixtureError, check_unique_tokens
from fake_redcap.fixture.all_errors import load_with_all_errors
from fake_redcap.messages import Profile
from fake_redcap.methods.record_calc import unsupported_notes
from fake_redcap.model import ExportRight
from fake_redcap.responses import HEADER_VARIANTS
from fake_redcap.server import FakeServer
from fake_redcap.snapshot import cli as snapshot_cli
from fake_redcap.state import FakeState, Served

DEFAULT_PORT = 8765
# The fixture format's one documentation, shipped in the package (docs/fixture-format.md points here).
FIXTURE_FORMAT = Path(__file__).resolve().parent / "fixture" / "FORMAT.md"


def _megabytes(text: str) -> int:
    """A whole number of megabytes, at least 1 (argparse reports the ValueError's message)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} MB: give a whole number of megabytes, 1 or more")
    return value


def _port(text: str) -> int:
    """A TCP port, 0 to 65535 (argparse reports the message)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number: give 0 to 65535") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port number: give 0 to 65535 (0 picks a free one)")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fake-redcap",
        description="A fake REDCap server for testing code that calls REDCap's API, and the contract "
        "suite that holds it (and your own REDCap) to REDCap's behaviour.",
    )
    parser.add_argument("--version", action="version", version=f"fake-redcap {version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve fixtures (default: the bundled demo projects)")
    serve.add_argument(
        "--fixture",
        action="append",
        metavar="PATH",
        help="a project fixture (YAML or JSON); repeat for several projects. Default: the bundled demos",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; anything but loopback needs --allow-remote)",
    )
    serve.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other machines can reach (they can then use the API with the served tokens)",
    )
    serve.add_argument(
        "--control-secret",
        default=os.environ.get(SECRET_ENV) or None,
        metavar="SECRET",
        help=f"the secret the control endpoints and the page ask for (default: ${SECRET_ENV}, else random)",
    )
    serve.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)"
    )
    serve.add_argument("--redcap-version", metavar="V", help="behave as this REDCap version (e.g. 13.6.1)")
    serve.add_argument(
        "--max-upload-mb",
        type=_megabytes,
        default=32,
        metavar="MB",
        help="Import File's size limit for File Upload fields, REDCap's maxUploadSizeEdoc (default 32)",
    )
    serve.add_argument(
        "--post-max-mb",
        type=_megabytes,
        default=None,
        metavar="MB",
        help="PHP's post_max_size: a longer request body gets REDCap's 'maximum submission size' page "
        "(default: no limit)",
    )
    serve.add_argument(
        "--no-compression",
        dest="compression",
        action="store_false",
        help="answer as a REDCap server with HTTP compression turned off: no gzip and no "
        "REDCap-Random-Text header (default: on, as REDCap's enable_http_compression)",
    )
    serve.add_argument(
        "--header-variant",
        choices=HEADER_VARIANTS,
        default="redcap",
        help="how the file name is sent (default: as real REDCap does)",
    )

    check = commands.add_parser(
        "check",
        help="load fixtures and print what they hold, or what is wrong",
        epilog=f"The fixture format, every key and rule: {FIXTURE_FORMAT}",
    )
    check.add_argument("paths", nargs="+", metavar="PATH")
    contract_cli.add_parser(commands)
    snapshot_cli.add_parser(commands)
    return parser


def version() -> str:
    """The installed distribution's version."""
    try:
        return importlib.metadata.version("fake-redcap")
    except importlib.metadata.PackageNotFoundError:  # run from a clone that was never installed
        return "(not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "check":
            return check(args.paths)
        if args.command == "contract":
            return contract_cli.contract(args)
        if args.command == "replay":
            return contract_cli.replay(args)
        if args.command == "snapshot":
            return snapshot_cli.snapshot(args)
        if args.command == "provision":
            return contract_cli.provision(args)
        return serve(args)
    except BrokenPipeError:
        # The reader went away (`fake-redcap check x.yaml | head`): not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def check(paths: Sequence[str]) -> int:
    """Every fixture's description, or every error found in each (fixture/all_errors.py); 2 on errors,
    as `serve` exits on a broken fixture."""
    projects, failed = [], False
    for path in paths:
        project, errors = load_with_all_errors(path)
        for error in errors:
            print(f"fake-redcap: {error}", file=sys.stderr)
        if len(errors) > 1:
            print(f"fake-redcap: {path}: {len(errors)} errors", file=sys.stderr)
        failed = failed or bool(errors)
        if project is not None:
            projects.append(project)
    try:
        check_unique_tokens(projects)
    except FixtureError as error:
        print(f"fake-redcap: {error}", file=sys.stderr)
        failed = True
    if failed:
        return 2
    print("\n\n".join(describe_project(p) for p in projects))
    for project in projects:  # a warning, not an error: REDCap would compute them, the fake cannot
        for note in unsupported_notes(project):
            print(f"fake-redcap: warning: {project.source}: {note}", file=sys.stderr)
    return 0


def serve(args: argparse.Namespace) -> int:
    if args.redcap_version is not None:
        try:
            Profile.for_version(args.redcap_version)
        except ValueError as error:
            print(f"fake-redcap: --redcap-version: {error}", file=sys.stderr)
            return 2
    try:
        state = FakeState(
            args.fixture,
            redcap_version=args.redcap_version,
            max_upload_mb=args.max_upload_mb,
            post_max_mb=args.post_max_mb,
            compression=args.compression,
        )
    except FixtureError as error:
        print(f"fake-redcap: {error}", file=sys.stderr)
        return 2
    if not is_loopback(args.host) and not args.allow_remote:
        print(
            f"fake-redcap: --host {args.host} would let other machines reach the fake: its API with every "
            "served token (the bundled demos' tokens are public), the stored files, and, with the control "
            "secret, the control endpoints. Listen on 127.0.0.1, or add --allow-remote if you mean it.",
            file=sys.stderr,
        )
        return 2
    try:
        server = FakeServer(
            state,
            args.host,
            args.port,
            header_variant=args.header_variant,
            control_secret=args.control_secret,
            allow_remote=args.allow_remote,
        )
    except ControlSecretError as error:
        print(f"fake-redcap: --control-secret / ${SECRET_ENV}: {error}", file=sys.stderr)
        return 2
    try:
        server.start()
    except OSError as error:
        print(
            f"fake-redcap: cannot listen on {args.host}:{args.port} ({_reason(error)}). {_listen_fix(error)}",
            file=sys.stderr,
        )
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(server.url, flush=True)
    print(banner(server), flush=True)
    if not is_loopback(args.host):
        print(remote_warning(server), file=sys.stderr, flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    print("fake-redcap: stopped", file=sys.stderr)
    return 0


def _listen_fix(error: OSError) -> str:
    """What to do when the socket cannot be bound: another port when the port is the problem (taken, or
    below 1024 without the right), another --host when the address is not this machine's."""
    text = str(error)
    if error.errno in (errno.EADDRNOTAVAIL,) or "Cannot assign requested address" in text:
        return "Give --host an address of this machine (the default 127.0.0.1 always is)."
    if isinstance(error, socket.gaierror) or "Name or service not known" in text or "[Errno -" in text:
        return "Give --host an address or a name this machine resolves (the default 127.0.0.1 always works)."
    if error.errno == errno.EACCES or "Permission denied" in text:
        return "Ports below 1024 need privileges: pass --port 0 to pick a free port, or one above 1023."
    return "Pass --port 0 to pick a free port, or another --port."


def _reason(error: OSError) -> str:
    """Why a socket could not be bound: the OS's words. cheroot wraps the bind's error in an OSError of
    its own ("No socket could be created -- ((host, port): [Errno 98] Address already in use)")."""
    if error.strerror:
        return error.strerror
    found = re.search(r"\[Errno -?\d+\] ([^)]+)", str(error))
    return found[1] if found else str(error) or type(error).__name__


def banner(server: FakeServer) -> str:
    """What a user needs to start: each project's users and tokens, and a request to paste."""
    lines: list[str] = []
    example: tuple[str, str, str, str | None] | None = None
    for served in server.state.served:
        project = served.project
        kind = "longitudinal" if project.is_longitudinal else "classic"
        lines.append("")
        lines.append(
            f"Project {project.project_id}: {project.title} ({kind}, REDCap {served.profile.version}, "
            f"{project.source.name})"
        )
        for user in project.users:
            lines.append(f"  {user.username:<28} {user.token}")
        if example is None:
            example = _first_file(served)
    if example is not None:
        token, record, field, event = example
        event_part = f" -d event={event}" if event else ""
        lines.append("")
        lines.append("Try:")
        lines.append(
            f"  curl -sS -D - -o exported.bin {server.url} -d token={token} -d content=file -d action=export "
            f"-d record={record} -d field={field}{event_part} -d returnFormat=json"
        )
    lines.append("")
    lines.append(f"Page (open in a browser): {server.page_url}")
    lines.append(f"Control endpoints ({server.base_url}/__fake__/...) need the header:")
    lines.append(f"  {CONTROL_HEADER}: {server.control_secret}")
    lines.append("")
    lines.append("Ctrl-C stops the server.")
    return "\n".join(lines)


def remote_warning(server: FakeServer) -> str:
    """What --allow-remote exposes, said once the server listens."""
    return (
        f"fake-redcap: WARNING: listening on {server.host}:{server.port}, reachable from other machines. "
        "Anyone who can reach this port can call the API at /api/ with the tokens above (the bundled "
        "demos' tokens are public) and download every stored file; with the control secret, also read "
        "and change the projects, the journal and the faults under /__fake__/ and see the page. "
        "Stop it with Ctrl-C unless you meant this."
    )


def _first_file(served: Served) -> tuple[str, str, str, str | None] | None:
    """A user with full export rights and a file of theirs, for the example request."""
    project = served.project
    user = next(
        (
            u
            for u in project.users
            if u.api_export
            and not u.suspended
            and u.expiration is None
            and u.export_rights() == ExportRight.FULL
        ),
        None,
    )
    if user is None:
        return None
    for row in project.records:
        for field, _stored in row.files.items():
            if row.instance == 1 and " " not in row.record:
                return user.token, row.record, field, row.event
    return None
