"""The README is for a user and short; the docs tell the truth about what the code holds as data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fake_redcap.cli import FIXTURE_FORMAT, build_parser
from fake_redcap.messages import CHANGES
from fake_redcap.responses import HEADER_VARIANTS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SERVER = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
DEVELOPMENT = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
FIRST_SCREEN = "\n".join(README.splitlines()[:60])


def test_every_version_difference_is_in_the_versions_table() -> None:
    for name, (since, _) in CHANGES.items():
        assert f"| `{name}` | {since} |" in SERVER, (
            f"docs/server.md's Versions table lacks {name} (from {since})"
        )


def test_every_header_variant_is_documented() -> None:
    assert "--header-variant " + "|".join(HEADER_VARIANTS) in SERVER


def test_the_readme_is_at_most_250_lines() -> None:
    lines = len(README.splitlines())
    assert lines <= 250, f"README.md has {lines} lines: move the detail into a page under docs/"


def test_the_first_screen_has_the_install_line_and_a_first_test() -> None:
    assert re.search(r"^pip install \S", FIRST_SCREEN, re.MULTILINE), "no `pip install` line in the first 60"
    assert "<!-- example: readme-first-test -->" in FIRST_SCREEN
    assert re.search(r"^def test_\w+\(redcap_", FIRST_SCREEN, re.MULTILINE), "no first test in the first 60"


def test_the_readme_links_every_docs_page() -> None:
    pages = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    missing = [page for page in pages if f"(docs/{page}" not in README]
    assert not missing, f"README.md links no docs page {missing}"


def test_the_maintainers_quick_start_is_the_two_make_commands() -> None:
    assert "make serve" in DEVELOPMENT and "make test" in DEVELOPMENT


def test_the_fixture_format_has_one_source_shipped_and_named_by_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert FIXTURE_FORMAT == ROOT / "fake_redcap" / "fixture" / "FORMAT.md" and FIXTURE_FORMAT.is_file()
    with pytest.raises(SystemExit):
        build_parser().parse_args(["check", "--help"])
    assert str(FIXTURE_FORMAT) in "".join(capsys.readouterr().out.split())  # argparse wraps the epilog
    pointer = (ROOT / "docs" / "fixture-format.md").read_text(encoding="utf-8")
    assert "(../fake_redcap/fixture/FORMAT.md)" in pointer
    assert "```yaml" not in pointer and "redcap_version:" not in pointer, "docs/ keeps no second copy"
