"""The suites: wall time of the contract suite against the in-process fake, and of `make test`.

Baselines measured in the same run: pytest collecting the same tests without running them (start-up,
imports and collection), so the ratio is how much the running itself costs.

Run: `.venv/bin/python benchmarks/bench_suites.py [--skip-make-test]`
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from common import machine, row

ROOT = Path(__file__).resolve().parent.parent
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        print(result.stdout[-2000:], result.stderr[-2000:], file=sys.stderr)
        raise SystemExit(f"{' '.join(command)} failed with exit status {result.returncode}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-make-test", action="store_true", help="time only the contract suite")
    args = parser.parse_args()
    print(f"Suites on {machine()}")
    collect = timed([*PYTEST, "--collect-only", "contract_tests"])
    run = timed([*PYTEST, "contract_tests"])
    row("contract suite: collect only", f"{collect:.1f} s")
    row("contract suite: run, in-process fake", f"{run:.1f} s", run / collect)
    if args.skip_make_test:
        return
    collect_all = timed([*PYTEST, "--collect-only"])
    make_test = timed(["make", "test"])
    row("all tests: collect only", f"{collect_all:.1f} s")
    row("make test (ruff, mypy, every test on 2 workers)", f"{make_test:.1f} s", make_test / collect_all)


if __name__ == "__main__":
    main()
