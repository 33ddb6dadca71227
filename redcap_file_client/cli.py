"""`redcap-file`: download a file from a REDCap file field the way a user would, or ask the version.

The token comes from an environment variable (`REDCAP_API_TOKEN`, or the one named by
`--token-env`), never from the command line, where it would land in shell history and `ps`. It is
never printed, not even inside argparse's own error messages.

Exit codes: 0 success; 1 REDCap answered with an error; 2 usage or configuration error; 3 REDCap
could not be reached or the download broke off; 4 a local file problem (the destination exists,
the folder is missing, no permission); 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import sys
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

from tqdm import tqdm  # no stubs in the dev dependencies

from redcap_file_client.errors import RedcapError
from redcap_file_client.redcap import RedcapClient, __version__

__all__ = ["EXIT_LOCAL", "EXIT_NETWORK", "EXIT_OK", "EXIT_SERVER", "EXIT_USAGE", "main"]

EXIT_OK = 0
EXIT_SERVER = 1
EXIT_USAGE = 2
EXIT_NETWORK = 3
EXIT_LOCAL = 4
EXIT_INTERRUPTED = 130

DEFAULT_TOKEN_ENV = "REDCAP_API_TOKEN"
URL_ENV = "REDCAP_API_URL"
PROGRESS_THRESHOLD = 1 << 20
_TOKEN_LIKE = re.compile(r"\b[0-9A-Fa-f]{32}(?:[0-9A-Fa-f]{32})?\b")
_PROG = "redcap-file"


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose error messages cannot echo a token pasted onto the command line."""

    secrets: tuple[str, ...] = ()

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {_redact(message, self.secrets)}\n")


class _RefuseToken(argparse.Action):
    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option: str | None = None,
    ) -> None:
        parser.error(
            f"the token is never taken on the command line; put it in the environment variable "
            f"{DEFAULT_TOKEN_ENV} (or the one named by --token-env)"
        )


def _redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[token]")
    return _TOKEN_LIKE.sub("[token]", text)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer (1 or more), not {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, not {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("expected a number of seconds above 0")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("expected 0 or more")
    return value


def build_parser(secrets: Sequence[str] = ()) -> argparse.ArgumentParser:
    common = _Parser(add_help=False, allow_abbrev=False)
    common.add_argument(
        "--url",
        default=os.environ.get(URL_ENV),
        help=f"the API URL, e.g. https://redcap.example.edu/api/ (default: ${URL_ENV})",
    )
    common.add_argument(
        "--token-env",
        default=DEFAULT_TOKEN_ENV,
        metavar="NAME",
        help=f"the environment variable holding the API token (default: {DEFAULT_TOKEN_ENV})",
    )
    common.add_argument(
        "--timeout", type=_positive_float, default=30.0, help="seconds per read (default: 30)"
    )
    common.add_argument(
        "--retries", type=_non_negative_int, default=3, help="retries after a network failure or 502/503/504"
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log each request on stderr")
    common.add_argument("--token", nargs="?", action=_RefuseToken, help=argparse.SUPPRESS)

    parser = _Parser(
        prog=_PROG,
        description="Download files from REDCap file fields (Export File) and ask REDCap's version.",
        epilog="The API token is read from an environment variable, never from the command line.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    export = commands.add_parser(
        "export",
        parents=[common],
        help="download one file",
        description="Download the file in one record's file field. Prints the path written on stdout.",
        allow_abbrev=False,
    )
    export.add_argument("--record", required=True, help="the record ID")
    export.add_argument("--field", required=True, help="the file field's name")
    export.add_argument("--event", help="the unique event name (longitudinal projects)")
    export.add_argument("--instance", type=_positive_int, help="the repeat instance (repeating forms/events)")
    export.add_argument(
        "-o",
        "--output",
        default=".",
        metavar="PATH",
        help="an existing folder (the server's file name is used, made safe) or a file path (default: .)",
    )
    export.add_argument("--overwrite", action="store_true", help="replace an existing file")
    export.add_argument("--no-progress", action="store_true", help="never show a progress bar")

    commands.add_parser(
        "version",
        parents=[common],
        help="print REDCap's version",
        description="Print the REDCap version of the server (content=version).",
        allow_abbrev=False,
    )
    for each in (parser, *commands.choices.values()):
        if isinstance(each, _Parser):
            each.secrets = tuple(secrets)
    return parser


class _ProgressBar:
    """A tqdm bar on a terminal, shown only for downloads of known size >= 1 MiB, or of unknown size
    once 1 MiB has arrived."""

    def __init__(self, enabled: bool, label: str) -> None:
        self.enabled = enabled
        self.label = label
        self.bar: Any = None  # a tqdm bar, created on demand
        self.shown = 0

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if (total if total is not None else done) < PROGRESS_THRESHOLD:
                return
            self.bar = tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=self.label,
                file=sys.stderr,
                leave=False,
            )
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _secrets_from(argv: Sequence[str]) -> list[str]:
    """Token values from the environment, to be kept out of every message."""
    names = {DEFAULT_TOKEN_ENV}
    for i, arg in enumerate(argv):
        if arg == "--token-env" and i + 1 < len(argv):
            names.add(argv[i + 1])
        elif arg.startswith("--token-env="):
            names.add(arg.split("=", 1)[1])
    return [os.environ[name] for name in names if os.environ.get(name)]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    secrets = _secrets_from(args_list)
    parser = build_parser(secrets)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE

    with _verbose_logging(args.verbose):
        code, message = _run(args)
    if message:
        print(f"{_PROG}: {_redact(message, secrets)}", file=sys.stderr)
    return code


@contextlib.contextmanager
def _verbose_logging(enabled: bool) -> Iterator[None]:
    """With -v, the client's log lines go to stderr for this run only."""
    if not enabled:
        yield
        return
    logger = logging.getLogger("redcap_file_client")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def _run(args: argparse.Namespace) -> tuple[int, str]:
    """Do the command; return the exit code and the message for stderr (empty on success)."""
    try:
        client = _make_client(args)
    except _UsageError as exc:
        return EXIT_USAGE, str(exc)
    progress = _ProgressBar(
        enabled=args.command == "export" and not args.no_progress and sys.stderr.isatty(),
        label=getattr(args, "field", ""),
    )
    try:
        with client:
            if args.command == "version":
                print(client.export_version())
            else:
                path = client.download_file(
                    args.record,
                    args.field,
                    args.output,
                    event=args.event,
                    repeat_instance=args.instance,
                    overwrite=args.overwrite,
                    progress=progress,
                )
                progress.close()
                print(path)
    except RedcapError as exc:
        if exc.status is None:
            return EXIT_NETWORK, exc.message
        return EXIT_SERVER, f"REDCap answered HTTP {exc.status}: {exc.message}{_hint(args, exc)}"
    except ValueError as exc:
        return EXIT_USAGE, str(exc)
    except FileExistsError as exc:
        return EXIT_LOCAL, str(exc).replace("pass overwrite=True", "use --overwrite")
    except OSError as exc:
        return EXIT_LOCAL, str(exc)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED, "interrupted; no file was written"
    finally:
        progress.close()
    return EXIT_OK, ""


def _hint(args: argparse.Namespace, error: RedcapError) -> str:
    """What to try, when REDCap's message alone does not say: its "invalid event" to an export without
    --event means a longitudinal project, where every file lives in an event."""
    if error.message == "invalid event" and getattr(args, "event", None) is None:
        return (
            " (the project is longitudinal: pass --event with the event's unique name, e.g. "
            "--event baseline_arm_1)"
        )
    return ""


def _make_client(args: argparse.Namespace) -> RedcapClient:
    if not args.url:
        raise _UsageError(f"give the API URL with --url or in the environment variable {URL_ENV}")
    token = os.environ.get(args.token_env, "").strip()
    if not token:
        raise _UsageError(
            f"no API token: set the environment variable {args.token_env} (the token is never taken on "
            "the command line)"
        )
    try:
        return RedcapClient(args.url, token, timeout=args.timeout, retries=args.retries)
    except ValueError as exc:
        raise _UsageError(f"{exc} (token read from {args.token_env})") from None


if __name__ == "__main__":
    sys.exit(main())
