"""Running another project's integration suite, copied unchanged, in a process of its own against the
fake (tests/test_pycap_integration.py, tests/test_redcaplite_integration.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path


def run_suite(where: Path, suite: str, env: Mapping[str, str], *options: str) -> tuple[dict[str, str], str]:
    """pytest on `suite` (relative to `where`, the run's working directory and rootdir) with no plugin
    of this environment but those named in `options`; (nodeid -> passed/failure/error/skipped, the
    output's end for an assertion message)."""
    report = where / "report.xml"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *options,
            "-o",
            "addopts=",
            "-o",
            "junit_family=xunit1",
            f"--junitxml={report}",
            "--rootdir",
            str(where),
            "-c",
            os.devnull,
            suite,
        ],
        cwd=where,
        env={**os.environ, **env, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    tail = run.stdout[-6000:] + run.stderr[-3000:]
    assert report.exists(), tail
    return _outcomes(report), tail


def _outcomes(report: Path) -> dict[str, str]:
    """nodeid -> passed / failure / error / skipped, from pytest's JUnit XML."""
    outcomes: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        path = case.get("classname", "").replace(".", "/")
        nodeid = f"{path}.py::{case.get('name')}"
        kinds = {child.tag for child in case}
        outcome = "passed"
        for kind in ("error", "failure", "skipped"):
            if kind in kinds:
                outcome = kind
        outcomes[nodeid] = outcome
    return outcomes


def check_outcomes(
    outcomes: Mapping[str, str], expected_failures: Mapping[str, str], total: int, tail: str
) -> None:
    """Every test ran (none skipped), and exactly the listed ones did not pass."""
    assert len(outcomes) == total, tail
    assert not [n for n, o in outcomes.items() if o == "skipped"], tail
    failing = {n for n, o in outcomes.items() if o != "passed"}
    newly_passing = sorted(set(expected_failures) - failing)
    newly_failing = sorted(failing - set(expected_failures))
    assert (newly_passing, newly_failing) == ([], []), tail
