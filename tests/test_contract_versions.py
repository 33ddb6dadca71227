"""The contract suite against the fake at every version profile: the versions whose source was read and,
for every bound of `fake_redcap.messages.CHANGES`, the bound itself and the profile just below it. One
suite process, one in-process fake per version (`--redcap-target fake@V`), side by side.

Each version-bound clause (`@pytest.mark.redcap_version`) runs on a version inside its range and is not
applicable on one outside it, so both sides of every bound a clause states are exercised.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from contract_tests.versions import Version, VersionRange
from fake_redcap.messages import CHANGES
from tests.support.contract_runs import SuiteRun, run_suite

SOURCE_VERSIONS = ("7.1.2", "10.0.13", "13.6.1", "14.5.11", "15.7.6")  # reference §0


def profile_versions() -> list[Version]:
    """The source versions and every bound of CHANGES, sorted (each bound's neighbour below is in it)."""
    bounds = {Version(v.major, v.minor, v.patch) for v, _ in CHANGES.values()}
    return sorted(bounds | {Version.parse(v) for v in SOURCE_VERSIONS})


@pytest.fixture(scope="module")
def every_version(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    targets = [arg for v in profile_versions() for arg in ("--redcap-target", f"fake@{v}")]
    return run_suite(tmp_path_factory.mktemp("versions"), *targets)


def test_every_bound_of_changes_has_a_profile_on_each_side() -> None:
    versions = profile_versions()
    for change, (bound, _) in CHANGES.items():
        at = Version(bound.major, bound.minor, bound.patch)
        assert at in versions, change
        assert any(v < at for v in versions), f"{change}: no profile below {at}"


def test_the_suite_passes_against_the_fake_at_every_version(every_version: SuiteRun) -> None:
    run = every_version
    assert run.returncode == 0, run.output[-4000:]
    versions = profile_versions()
    assert [run.target(i)["redcap_version"] for i in range(len(versions))] == [str(v) for v in versions]
    for index in range(len(versions)):
        counts = run.target(index)["counts"]
        assert counts["failed"] == counts["error"] == counts["not run"] == counts["skipped"] == 0, index
        assert counts["passed"] >= 200


def test_each_version_bound_clause_runs_inside_its_range_and_not_outside(every_version: SuiteRun) -> None:
    run = every_version
    assert run.report is not None
    versions = profile_versions()
    labels = [run.target(i)["label"] for i in range(len(versions))]
    bound = [c for c in run.report["clauses"] if c["versions"]]
    assert len(bound) >= 40
    for clause in bound:
        allowed = VersionRange.parse(clause["versions"])
        for version, label in zip(versions, labels, strict=True):
            got = clause["results"][label]["result"]
            if version in allowed:
                assert got in ("passed", "xfailed"), (clause["clause"], str(version), got)
            else:
                assert got == "not applicable", (clause["clause"], str(version), got)
        inside = [v for v in versions if v in allowed]
        assert inside, f"{clause['clause']}: {allowed} holds for no profile"
        if any(op in (">=", ">") for op, _ in allowed.conditions):
            assert any(v < min(inside) for v in versions), f"{clause['clause']}: nothing below {allowed}"


def test_the_versions_are_named_in_the_report(every_version: SuiteRun) -> None:
    assert "fake (in-process) as 13.10.5" in every_version.markdown()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("fake@6.0.0", "--redcap-target fake@6.0.0: the fake serves REDCap 7.0.0 and later"),
        ("fake@15", "--redcap-target fake@15: '15' is not a REDCap version"),
    ],
)
def test_a_version_the_fake_does_not_serve_is_a_usage_error(
    tmp_path: Path, option: str, message: str
) -> None:
    run = run_suite(tmp_path, "contract_tests/test_matching.py", "--redcap-target", option)
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert message in run.output
