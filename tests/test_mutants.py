"""The mutation test's own checks (the full run is `make mutants`, see tests/support/mutation.py): every
mutant still applies to the code exactly once and compiles, the clusters issue 17 names are covered, and
one mutant run end to end changes a copy, never the working tree, and is killed by the contract suite."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from tests.support.mutants import MUTANTS
from tests.support.mutation import REPO, Mutant, MutantError, Outcome, Summary, mutated_text, run_mutant

CLUSTERS = {
    "version bounds",
    "upload names",
    "MIME sniffing",
    "record export",
    "envelope escaping",
    "headers",
    "instance numbers",
    "project export order",
    "record import/delete/rename",
}


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
def test_every_mutant_applies_exactly_once_and_compiles(mutant: Mutant) -> None:
    changed = mutated_text(mutant)
    assert changed != (REPO / mutant.file).read_text(encoding="utf-8")


def test_a_mutant_whose_text_moved_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "fake_redcap").mkdir()
    (tmp_path / "fake_redcap" / "x.py").write_text("A = 1\nB = 1\n", encoding="utf-8")
    missing = Mutant("T1", "test", "fake_redcap/x.py", "C = 1", "C = 2", "gone")
    twice = Mutant("T2", "test", "fake_redcap/x.py", " = 1", " = 2", "twice")
    with pytest.raises(MutantError, match="found 0 times"):
        mutated_text(missing, tmp_path)
    with pytest.raises(MutantError, match="found 2 times"):
        mutated_text(twice, tmp_path)


def test_the_mutants_cover_the_clusters_and_are_many() -> None:
    assert len({m.id for m in MUTANTS}) == len(MUTANTS)
    counts = Counter(m.cluster for m in MUTANTS)
    assert set(counts) == CLUSTERS
    assert len(MUTANTS) >= 40
    for mutant in MUTANTS:
        assert mutant.what and mutant.old != mutant.new


def test_the_kill_rate_counts_only_non_equivalent_mutants_and_needs_95_percent() -> None:
    live = [Mutant(f"L{i}", "c", "f", "a", "b", "w") for i in range(20)]
    same = Mutant("Q", "c", "f", "a", "b", "w", equivalent="no client can tell")
    outcomes = [Outcome(m, i != 0, "15.7.6", "x", 0.0) for i, m in enumerate(live)]
    summary = Summary((*outcomes, Outcome(same, False, "", "", 0.0)))
    assert (summary.killed, len(summary.counted), summary.passed) == (19, 20, True)
    assert "kill rate: 19/20 non-equivalent mutants killed (95.0 %" in list(summary.lines())[-1]
    worse = Summary((*outcomes[:10], Outcome(live[10], False, "", "", 0.0)))
    assert not worse.passed
    wrong = Summary((*outcomes, Outcome(same, True, "15.7.6", "clause", 0.0)))
    assert not wrong.passed and "its reason is wrong" in wrong.problems[0]


def _tree_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted((REPO / "fake_redcap").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_a_mutant_runs_on_a_copy_and_the_suite_kills_it() -> None:
    """One whole run (stage 1 only, about 3 s): the working tree is untouched and the suite fails."""
    mutant = next(m for m in MUTANTS if m.id == "H07")
    before = _tree_digest()
    outcome = run_mutant(mutant, [], stages=1)
    assert _tree_digest() == before
    assert not outcome.error, outcome.error
    assert outcome.killed and "download_replaces_the_content_security_policy" in outcome.by


def test_an_unmutated_copy_passes_the_suite() -> None:
    """The copy itself is sound: a no-op change leaves the suite green (else every mutant would die)."""
    text = (REPO / "fake_redcap" / "errors.py").read_text(encoding="utf-8")
    first = text.splitlines()[0]
    noop = Mutant("N0", "test", "fake_redcap/errors.py", first, first + "  ", "trailing spaces")
    outcome = run_mutant(noop, [], stages=1)
    assert not outcome.error, outcome.error
    assert not outcome.killed
