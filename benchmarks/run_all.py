"""`make bench`: every benchmark in turn, each printing its figures with their ratios.

Run: `.venv/bin/python benchmarks/run_all.py [--quick]` (`--quick`: smaller sizes, for a smoke run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import TARGET_PREFIX, machine

HERE = Path(__file__).resolve().parent

FULL = [
    ["bench_per_test.py"],
    ["bench_small_exports.py"],
    ["bench_large_files.py", "--mib", "1024"],
    ["bench_scale.py", "--records", "100000"],
    ["bench_load.py", "--records", "100000", "--wide-records", "10000"],
    ["bench_write_path.py", "--records", "10000"],
    ["bench_start_stop.py"],
    ["bench_client_download.py", "--mib", "1024"],
    ["bench_suites.py"],
]
QUICK = [
    ["bench_per_test.py", "--tests", "50", "--rounds", "2"],
    ["bench_small_exports.py", "--requests", "300", "--rounds", "1"],
    ["bench_large_files.py", "--mib", "32"],
    ["bench_scale.py", "--records", "2000"],
    ["bench_load.py", "--records", "2000", "--wide-records", "200"],
    ["bench_write_path.py", "--records", "1000", "--rounds", "1"],
    ["bench_start_stop.py", "--repeat", "3"],
    ["bench_client_download.py", "--mib", "32"],
    ["bench_suites.py", "--skip-make-test"],
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(f"make bench, {dt.date.today()}, {machine()}\n", flush=True)
    started = time.perf_counter()
    temp = Path(tempfile.gettempdir())
    before = {p.name for p in temp.iterdir()}
    targets: list[str] = []
    for bench in QUICK if args.quick else FULL:
        print(f"$ python benchmarks/{' '.join(bench)}", flush=True)
        out = subprocess.run(
            [sys.executable, str(HERE / bench[0]), *bench[1:]],
            cwd=HERE,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        print(out, flush=True)
        targets.extend(line for line in out.splitlines() if line.startswith(TARGET_PREFIX))
    left = sorted(p.name for p in temp.iterdir() if p.name not in before and p.name.startswith("bench-"))
    print(f"all benchmarks: {time.perf_counter() - started:.0f} s; temporary folders left: {left or 'none'}")
    print("\nTargets (issue 19): name | ratio | target | met")
    for line in targets:
        print("  " + line.removeprefix(TARGET_PREFIX + " | "))


if __name__ == "__main__":
    main()
