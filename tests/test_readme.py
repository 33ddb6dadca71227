"""The README tells the truth about what the code holds as data."""

from __future__ import annotations

from pathlib import Path

from fake_redcap.messages import CHANGES
from fake_redcap.responses import HEADER_VARIANTS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_version_difference_is_in_the_versions_table() -> None:
    for name, (since, _) in CHANGES.items():
        assert f"| `{name}` | {since} |" in README, f"README's Versions table lacks {name} (from {since})"


def test_every_header_variant_is_documented() -> None:
    assert "--header-variant " + "|".join(HEADER_VARIANTS) in README


def test_the_quick_start_is_the_two_make_commands() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make serve" in quick_start and "make test" in quick_start
