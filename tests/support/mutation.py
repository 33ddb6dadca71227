"""The mutation test of the contract suite (issue 17, "no blind spots"): does the suite ALONE, the one that
also runs against a real REDCap, notice when the fake is wrong?

Each mutant of `tests/support/mutants.py` is one small, plausible bug: an exact text of a file of
`fake_redcap/` replaced by another. For each, a copy of `fake_redcap/` and `contract_tests/` is made in a
temporary folder (the working tree is never touched), the text replaced there, and the contract suite run
in a subprocess whose first `sys.path` entry is that folder (it checks that the `fake_redcap` it imported
is the copy). The suite stops at its first failure (`-x`):

1. against the in-process fake at its default version (REDCap 15.7.6), about 3 s;
2. if that passes, against the fake at every version profile `make test` runs
   (`tests/test_contract_versions.py`: the versions whose source was read and both sides of every bound
   of the unmutated `fake_redcap.messages.CHANGES`), side by side, about 17 s (more under load).

A mutant is killed when either run fails. The kill rate counts the mutants not marked equivalent (a
mutant no real REDCap could tell from the fake, each with its reason); it must be at least 95 %, and an
equivalent mutant the suite kills is an error too (its reason is then wrong).

    make mutants                                       # every mutant, two at a time
    .venv/bin/python -m tests.support.mutation -k 'S0[1-3]'  # the mutants whose id or text matches
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COPIED = ("fake_redcap", "contract_tests")
THRESHOLD = 0.95
RUN_TIMEOUT = 600.0
TESTS_FAILED = 1  # pytest's exit code when a test (or the suite's preflight) failed

# The subprocess: the copy first on sys.path, proof that the fake imported is the copy, then pytest.
_BOOT = """
import sys
from pathlib import Path
root = Path(sys.argv[1]).resolve()
sys.path.insert(0, str(root))
import fake_redcap
where = Path(fake_redcap.__file__).resolve()
if root not in where.parents:
    sys.exit(f"mutation: fake_redcap was imported from {where}, not from the mutant's copy {root}")
import pytest
sys.exit(pytest.main(sys.argv[2:]))
"""


@dataclass(frozen=True)
class Mutant:
    """One small bug: `old` (found exactly once in `file`) replaced by `new`."""

    id: str
    cluster: str
    file: str  # relative to the repository, e.g. "fake_redcap/filenames.py"
    old: str
    new: str
    what: str
    equivalent: str = ""  # why no real REDCap could tell this mutant from the fake ("" if one could)


@dataclass(frozen=True)
class Outcome:
    mutant: Mutant
    killed: bool
    stage: str  # "15.7.6", "every version" or "" (survived)
    by: str  # the first failing clause, when killed
    seconds: float
    error: str = ""  # a mutant that could not run (its text not found, a crash of the suite)


class MutantError(Exception):
    """A mutant that no longer applies: its text is not in the file exactly once."""


def mutated_text(mutant: Mutant, root: Path = REPO) -> str:
    """The file's text with the mutant applied; MutantError unless `old` occurs exactly once and the
    result still compiles (a mutant is a plausible bug, never a syntax error)."""
    path = root / mutant.file
    if not path.is_file():
        raise MutantError(f"{mutant.id}: {mutant.file} does not exist")
    text = path.read_text(encoding="utf-8")
    count = text.count(mutant.old)
    if count != 1:
        raise MutantError(
            f"{mutant.id}: its text is found {count} times in {mutant.file}, not once: {mutant.old!r}"
        )
    changed = text.replace(mutant.old, mutant.new)
    compile(changed, str(path), "exec")
    return changed


def copy_tree(folder: Path) -> Path:
    """The fake and the suite copied into `folder`, with the suite's pytest settings."""
    for name in COPIED:
        shutil.copytree(REPO / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO / "pyproject.toml", folder / "pyproject.toml")
    return folder


def profile_targets() -> list[str]:
    """`--redcap-target fake@V` for every version profile of tests/test_contract_versions.py (computed in
    this process, from the unmutated fake)."""
    from tests.test_contract_versions import profile_versions

    return [arg for v in profile_versions() for arg in ("--redcap-target", f"fake@{v}")]


def run_suite(root: Path, targets: Sequence[str]) -> tuple[int, str]:
    """The contract suite against the copy in `root`, stopping at the first failure."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "PYTEST_"))}
    env.pop("PYTHONPATH", None)
    args = ["contract_tests", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:randomly"]
    done = subprocess.run(
        [sys.executable, "-c", _BOOT, str(root), *args, *targets],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=RUN_TIMEOUT,
    )
    return done.returncode, done.stdout + done.stderr


def _first_failure(output: str) -> str:
    found = re.search(r"^(?:FAILED|ERROR) (\S+)", output, re.M)
    return found[1] if found else "(the suite failed; no clause named)"


def run_mutant(mutant: Mutant, every_version: Sequence[str], *, stages: int = 2) -> Outcome:
    """Apply the mutant to a fresh copy and run the suite (stage 1, then stage 2 if it survived)."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"mutant-{mutant.id}-") as temp:
        root = copy_tree(Path(temp))
        try:
            (root / mutant.file).write_text(mutated_text(mutant, REPO), encoding="utf-8")
        except (MutantError, SyntaxError) as problem:
            return Outcome(mutant, False, "", "", 0.0, error=str(problem))
        for stage, targets in (("15.7.6", ()), ("every version", every_version))[:stages]:
            code, output = run_suite(root, targets)
            if code == TESTS_FAILED:
                return Outcome(mutant, True, stage, _first_failure(output), time.monotonic() - start)
            if code != 0:
                crash = f"the suite exited {code} ({stage}):\n{output[-2000:]}"
                return Outcome(mutant, False, stage, "", time.monotonic() - start, error=crash)
    return Outcome(mutant, False, "", "", time.monotonic() - start)


@dataclass(frozen=True)
class Summary:
    outcomes: tuple[Outcome, ...]

    @property
    def counted(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.mutant.equivalent]

    @property
    def killed(self) -> int:
        return sum(o.killed for o in self.counted)

    @property
    def rate(self) -> float:
        return self.killed / len(self.counted) if self.counted else 1.0

    @property
    def problems(self) -> list[str]:
        found = [f"{o.mutant.id}: {o.error}" for o in self.outcomes if o.error]
        found += [
            f"{o.mutant.id} is listed as equivalent but {o.by} kills it: its reason is wrong"
            for o in self.outcomes
            if o.mutant.equivalent and o.killed
        ]
        return found

    @property
    def passed(self) -> bool:
        return self.rate >= THRESHOLD and not self.problems

    def lines(self) -> Iterable[str]:
        for o in self.outcomes:
            if o.error:
                state = "ERROR"
            elif o.mutant.equivalent:
                state = "equivalent" + (" (KILLED)" if o.killed else "")
            else:
                state = "killed" if o.killed else "SURVIVED"
            where = f" at {o.stage} by {o.by}" if o.killed else ""
            yield f"{state:10} {o.mutant.id} [{o.mutant.cluster}] {o.mutant.what}{where} ({o.seconds:.1f} s)"
        for o in self.outcomes:
            if o.mutant.equivalent:
                yield f"equivalent {o.mutant.id}: {o.mutant.equivalent}"
        yield from self.problems
        yield (
            f"kill rate: {self.killed}/{len(self.counted)} non-equivalent mutants killed "
            f"({100 * self.rate:.1f} %; at least {100 * THRESHOLD:.0f} % needed); "
            f"{len(self.outcomes) - len(self.counted)} equivalent"
        )


def run_all(mutants: Sequence[Mutant], *, workers: int = 2) -> Summary:
    every_version = profile_targets()
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(lambda m: run_mutant(m, every_version), mutants))
    return Summary(tuple(outcomes))


def main(argv: Sequence[str] | None = None) -> int:
    from tests.support.mutants import MUTANTS

    parser = argparse.ArgumentParser(
        prog="python -m tests.support.mutation", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "-k", dest="pattern", default="", help="only the mutants whose id or text matches this regex"
    )
    parser.add_argument("-j", dest="workers", type=int, default=2, help="suites run at once (default 2)")
    options = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if re.search(options.pattern, f"{m.id} {m.cluster} {m.what}")]
    if not chosen:
        print(f"mutation: no mutant matches {options.pattern!r}", file=sys.stderr)
        return 2
    start = time.monotonic()
    summary = run_all(chosen, workers=options.workers)
    for line in summary.lines():
        print(line)
    print(f"{len(chosen)} mutants in {time.monotonic() - start:.0f} s")
    return 0 if summary.passed else 1


if __name__ == "__main__":
    sys.exit(main())
