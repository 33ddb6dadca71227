"""`fake-redcap contract`: the contract suite from an installed copy.

The suite is the package `fake_redcap_contract` when installed (the folder `contract_tests/` of the
repository, where `pytest contract_tests ...` runs it). This command runs pytest on that package with the
suite's own settings, whatever configuration the current folder holds, so

    fake-redcap contract --redcap-target TARGET.yaml --report out/redcap-15

is `pytest contract_tests --redcap-target TARGET.yaml --report out/redcap-15` in a clone. Arguments after
`--` go to pytest unchanged (`-- -k download -x`).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path

SUITE_PACKAGES = ("fake_redcap_contract", "contract_tests")  # installed name, then a clone's folder
_ALREADY_IMPORTED = "Module already imported so cannot be rewritten"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    contract = commands.add_parser(
        "contract",
        help="run the contract suite against the in-process fake or a real REDCap",
        description="Run the contract suite (the same clauses as `pytest contract_tests` in the "
        "repository). Default target: the fake, in-process, with the bundled reference projects. "
        "Arguments after -- go to pytest.",
    )
    contract.add_argument(
        "--redcap-target",
        action="append",
        metavar="FILE",
        help="a target file naming a server, its reference project and the environment variables holding "
        "its tokens; repeat to run several side by side; 'fake' names the in-process fake",
    )
    contract.add_argument("--report", metavar="PATH", help="also write the report to PATH.json and PATH.md")
    contract.add_argument(
        "--transcript",
        metavar="DIR",
        help="write every exchange to DIR, one JSON file per clause, tokens masked "
        "(replay: fake-redcap replay DIR)",
    )
    contract.add_argument("pytest_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    replay = commands.add_parser(
        "replay",
        help="send a transcript's exchanges again and report every field that differs",
        description="Replay a transcript written by `fake-redcap contract --transcript DIR` against the "
        "in-process fake (default), the fake as another version (fake@13.6.1) or any server a target "
        "file names; print each status, header and body that differs. Exit 1 when one differs.",
    )
    replay.add_argument("transcript", metavar="DIR")
    replay.add_argument("--redcap-target", metavar="TARGET", default="fake")
    replay.add_argument(
        "--summary", action="store_true", help="only the differences grouped by field, not each one"
    )
    provision = commands.add_parser(
        "provision",
        help="build the contract suite's reference projects on a REDCap server through its API",
        description="Create the reference projects with a Super API Token, import their data dictionary, "
        "arms, events, designations, repeating set-up, records and users, upload their files, write the "
        "target file, and print what only an administrator can do (the preflight then checks it).",
    )
    add_provision_arguments(provision)


def add_provision_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `fake-redcap provision` (and `python -m contract_tests.provision`)."""
    parser.add_argument("--url", required=True, help="the server's API URL, ending in /api/")
    parser.add_argument(
        "--super-token-env",
        required=True,
        metavar="VAR",
        help="the environment variable holding a super user's Super API Token (never an argument)",
    )
    parser.add_argument("--out", required=True, type=Path, help="the target file to write")
    parser.add_argument(
        "--env-prefix", default="RC", help="prefix of the token variables the target file names (default RC)"
    )
    parser.add_argument(
        "--without-analysis",
        action="store_true",
        help="leave out the optional Analysis/Cleanup project (its clauses are then skipped)",
    )


def suite_package() -> tuple[str, Path] | None:
    """The import name and folder of the installed suite (`fake_redcap_contract`; in an editable install
    that name maps to the clone's `contract_tests/`), or a clone's `contract_tests` run from its root."""
    for name in SUITE_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin is not None:
            folder = Path(spec.origin).parent
            if (folder / "conftest.py").is_file():
                return name, folder
    return None


def suite_dir() -> Path | None:
    """The folder of the installed suite (or of a clone's `contract_tests`, run from its root)."""
    found = suite_package()
    return found[1] if found else None


def pytest_arguments(args: argparse.Namespace, folder: Path) -> list[str]:
    """pytest's command line for `args`: the suite's folder as rootdir, no configuration file from the
    current folder (`-c os.devnull`), no cache written into the installed package."""
    arguments = [
        str(folder),
        "--rootdir",
        str(folder),
        "-c",
        os.devnull,
        "-p",
        "no:cacheprovider",
        "-ra",
        "--strict-markers",
        "-o",
        "xfail_strict=true",
        # This command imported fake_redcap before pytest loads it as the plugin: nothing of the suite
        # is rewritten by it, so pytest's note that it cannot rewrite the package is noise for the user.
        "-W",
        f"ignore:{_ALREADY_IMPORTED}:pytest.PytestAssertRewriteWarning",
    ]
    for target in args.redcap_target or []:
        arguments += ["--redcap-target", target]
    if args.report is not None:
        arguments += ["--report", args.report]
    if args.transcript is not None:
        arguments += ["--transcript", args.transcript]
    extra = list(args.pytest_args)
    if extra[:1] == ["--"]:
        extra = extra[1:]
    return arguments + extra


def _installed_suite() -> tuple[str, Path] | None:
    """The suite's import name and folder, or None after saying how to get it back."""
    found = suite_package()
    if found is None:
        print(
            "fake-redcap: the contract suite is not installed (no package fake_redcap_contract). "
            "Reinstall fake-redcap: pip install --force-reinstall fake-redcap",
            file=sys.stderr,
        )
    return found


def contract(args: argparse.Namespace) -> int:
    """Run the suite. Exit 0 all passed, 1 a clause failed, 2 a usage problem (a bad option or target
    file: pytest's 4, made 2 as in every other command), 3 pytest's internal error, 5 nothing
    collected, 130 interrupted (pytest's 2)."""
    found = _installed_suite()
    if found is None:
        return 2
    import pytest  # only this command needs pytest at import time

    status = int(pytest.main(pytest_arguments(args, found[1])))
    return {int(pytest.ExitCode.USAGE_ERROR): 2, int(pytest.ExitCode.INTERRUPTED): 130}.get(status, status)


def replay(args: argparse.Namespace) -> int:
    """`fake-redcap replay DIR [--redcap-target T]`: the suite's replay (its module replay.py)."""
    found = _installed_suite()
    if found is None:
        return 2
    # By its import name: in an editable install the folder is the clone's contract_tests/, which is not
    # importable from another working folder.
    module = importlib.import_module(f"{found[0]}.replay")
    summary = ["--summary"] if args.summary else []
    return int(module.main([args.transcript, "--redcap-target", args.redcap_target, *summary]))


def provision(args: argparse.Namespace) -> int:
    """`fake-redcap provision ...`: the suite's provisioning (its module provision.py)."""
    found = _installed_suite()
    if found is None:
        return 2
    module = importlib.import_module(f"{found[0]}.provision")
    return int(module.run(args))


def run(argv: Sequence[str]) -> int:
    """`fake-redcap contract ...` without the main parser (tests)."""
    parser = argparse.ArgumentParser(prog="fake-redcap")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return contract(parser.parse_args(["contract", *argv]))
