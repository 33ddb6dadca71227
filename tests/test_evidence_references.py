"""Every reference to the evidence leads somewhere in the repository.

The convention (docs/evidence/file-api-behaviour.md, top): a section sign with a number ("reference
§1.1", "§4.2 step 3", "§1.3 E5", "§7 q8") names a heading of docs/evidence/file-api-behaviour.md and,
when given, a row of it; "audit #NN" names row NN of docs/evidence/source-audit.md. Paths of this
repository named in code, tests and docs exist, Markdown links resolve, and nothing points at the
project's working notes outside the repository (`shared/...`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVIDENCE = ROOT / "docs" / "evidence"
BEHAVIOUR = EVIDENCE / "file-api-behaviour.md"
AUDIT = EVIDENCE / "source-audit.md"
SCANNED = ("fake_redcap", "redcap_file_client", "contract_tests", "tests", "docs", "benchmarks", "README.md")
TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".json", ".html", ".txt", ".toml", ".cfg", ".ini"}
SECTION_SIGN = chr(0xA7)  # spelled by code point so this file's own patterns are not references

# A section, optionally a range of sections (§1.1-1.2), optionally one row or a range of rows.
_SECTION_REF = re.compile(
    SECTION_SIGN + r"\s?(?P<section>\d+(?:\.\d+)?)(?:-(?P<to>\d+\.\d+))?"
    r"(?:\s+(?P<kind>#|E|step\s+|q|question\s+)(?P<row>\d+[a-z]?)(?:-#?E?(?P<row_to>\d+[a-z]?))?)?"
)
_AUDIT_REF = re.compile(r"\baudit(?:\s+2026-11)?\s+#(?P<row>\d+)", re.IGNORECASE)
# Files outside the repository that the code once pointed at; the evidence now lives in docs/evidence/.
_OUTSIDE = re.compile(
    r"shared/(?:reference|spec)\b|\bredcap-file-api-behaviour\.md|source-audit-2026-11|"
    r"(?<!evidence/)\bredcap-clients\.md|\binterfaces(?:\.md)?\s+" + SECTION_SIGN
)
# A path of this repository: one of its top-level folders, then at least one more part.
_REPO_PATH = re.compile(
    r"(?<![\w/.\-])(?P<path>(?:fake_redcap|redcap_file_client|client|contract_tests|tests|docs|benchmarks|\.ci)"
    r"(?:/[\w.*\-]+)+)"
)
# Paths under the same names that belong to other projects (REDCapR's tests, say).
_FOREIGN = ("tests/testthat/",)
_MD_LINK = re.compile(r"\[[^\]\n]*\]\((?P<target>[^)\s]+)\)")


@dataclass(frozen=True)
class Mention:
    file: Path
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line}: {self.text}"


def scanned_files() -> Iterator[Path]:
    for name in SCANNED:
        top = ROOT / name
        if top.is_file():
            yield top
            continue
        for path in sorted(top.rglob("*")):
            if path.is_file() and path.suffix in TEXT_SUFFIXES and "__pycache__" not in path.parts:
                yield path


def lines() -> Iterator[tuple[Path, int, str]]:
    for path in scanned_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            yield path, number, line


@dataclass(frozen=True)
class Section:
    number: str
    body: str

    def rows(self) -> set[str]:
        """Row labels: a table's first cell (`| 12 |`, `| E5 |`), a numbered item (`3. `, `8. **q8: `)."""
        table = re.findall(r"^\|\s*(\w+)\s*\|", self.body, re.MULTILINE)
        items = re.findall(r"^(\d+)\.\s", self.body, re.MULTILINE)
        return set(table) | set(items)


def sections(doc: Path) -> dict[str, Section]:
    """Each `§N` heading with the text up to the next heading of any level."""
    text = doc.read_text(encoding="utf-8")
    heads = list(re.finditer(r"^#+\s+" + SECTION_SIGN + r"(\d+(?:\.\d+)?)\b.*$", text, re.MULTILINE))
    found: dict[str, Section] = {}
    for head in heads:
        start = head.end()
        following = re.compile(r"^#+\s", re.MULTILINE).search(text, start)
        found[head.group(1)] = Section(head.group(1), text[start : following.start() if following else None])
    return found


def audit_rows() -> set[str]:
    return set(re.findall(r"^\|\s*(\d+)\s*\|", AUDIT.read_text(encoding="utf-8"), re.MULTILINE))


def unresolved_section_refs(line: str, known: dict[str, Section]) -> list[str]:
    problems = []
    for ref in _SECTION_REF.finditer(line):
        wanted = [ref["section"]] + ([ref["to"]] if ref["to"] else [])
        missing = [n for n in wanted if n not in known]
        if missing:
            problems.append(f"{ref.group(0)!r}: no heading {SECTION_SIGN}{missing[0]}")
            continue
        if ref["kind"] is None:
            continue
        kind = ref["kind"].strip()
        rows = known[ref["section"]].rows()
        for row in filter(None, (ref["row"], ref["row_to"])):
            label = f"E{row}" if kind == "E" else row
            if label not in rows:
                problems.append(f"{ref.group(0)!r}: {SECTION_SIGN}{ref['section']} has no row {label}")
    return problems


def exists_in_repo(path: str) -> bool:
    path = path.rstrip(".")
    if "*" in path:
        return any(ROOT.glob(path))
    return (ROOT / path).exists()


def test_the_evidence_pages_exist_and_state_the_convention() -> None:
    for page in (BEHAVIOUR, AUDIT):
        head = page.read_text(encoding="utf-8")[:2500]
        assert "tests/test_evidence_references.py" in head, f"{page.name} states how it is cited"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")  # the README links the evidence pages
    assert "(docs/evidence/file-api-behaviour.md)" in readme and "(docs/evidence/source-audit.md)" in readme


def test_every_section_reference_names_a_heading_and_row() -> None:
    known = sections(BEHAVIOUR)
    bad = [
        f"{Mention(path, number, problem)}"
        for path, number, line in lines()
        if path != Path(__file__).resolve()
        for problem in unresolved_section_refs(line, known)
    ]
    assert not bad, "references to docs/evidence/file-api-behaviour.md that lead nowhere:\n" + "\n".join(bad)


def test_every_audit_reference_names_a_row() -> None:
    rows = audit_rows()
    assert rows >= {str(n) for n in range(1, 69)}
    bad = [
        str(Mention(path, number, ref.group(0)))
        for path, number, line in lines()
        for ref in _AUDIT_REF.finditer(line)
        if ref["row"] not in rows
    ]
    assert not bad, "audit rows cited but not in docs/evidence/source-audit.md:\n" + "\n".join(bad)


def test_nothing_points_outside_the_repository() -> None:
    bad = [
        str(Mention(path, number, line.strip()))
        for path, number, line in lines()
        if path != Path(__file__).resolve() and _OUTSIDE.search(line)
    ]
    assert not bad, "name docs/evidence/... (or a README section) instead:\n" + "\n".join(bad)


def is_string_literal(line: str, start: int, end: int) -> bool:
    """A path that is a whole string literal in code is data (often a path in a test's own folder)."""
    before, after = line[start - 1 : start], line[end : end + 1]
    return before in ("'", '"') and before == after


def test_every_repository_path_named_exists() -> None:
    bad = [
        str(Mention(path, number, found["path"]))
        for path, number, line in lines()
        if path != Path(__file__).resolve()
        for found in _REPO_PATH.finditer(line)
        if not found["path"].startswith(_FOREIGN)
        and not (path.suffix == ".py" and is_string_literal(line, found.start(), found.end()))
        and not exists_in_repo(found["path"])
    ]
    assert not bad, "paths named that are not in the repository:\n" + "\n".join(bad)


MARKDOWN = [
    ROOT / "README.md",
    ROOT / "CHANGES.md",
    ROOT / "fake_redcap" / "fixture" / "FORMAT.md",
    *sorted((ROOT / "docs").rglob("*.md")),
]


def anchors(doc: Path) -> set[str]:
    return own(doc.read_text(encoding="utf-8"))


def own(text: str) -> set[str]:
    """The anchors GitHub makes for Markdown headings (outside code blocks), `-1`... for repeats."""
    found: set[str] = set()
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        heading = None if fenced else re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            slug = re.sub(r"[^\w\- ]", "", heading[1].strip().lower()).replace(" ", "-")
            candidate, n = slug, 0
            while candidate in found:
                n += 1
                candidate = f"{slug}-{n}"
            found.add(candidate)
    return found


def broken_links(doc: Path, text: str | None = None) -> list[str]:
    """Relative links in `doc` (or in `text`, read as if it were at `doc`) to a file that is not in the
    repository, or to a heading a file lacks."""
    text = doc.read_text(encoding="utf-8") if text is None else text
    targets = (m["target"] for m in _MD_LINK.finditer(text))
    return [t for t in targets if not re.match(r"[a-z]+:", t) and leads_nowhere(doc, text, t)]


def leads_nowhere(doc: Path, text: str, target: str) -> bool:
    path, _, anchor = target.partition("#")
    if not path:
        return anchor not in own(text)
    file = (doc.parent / path).resolve()
    if not file.exists() or not file.is_relative_to(ROOT):
        return True
    return bool(anchor) and (file.suffix != ".md" or anchor not in anchors(file))


@pytest.mark.parametrize("doc", MARKDOWN, ids=lambda doc: str(doc.relative_to(ROOT)))
def test_markdown_links_resolve(doc: Path) -> None:
    """Every relative link (README, CHANGES, the shipped fixture format, docs/) leads to a file of the
    repository, and every #anchor to a heading of it."""
    bad = broken_links(doc)
    assert not bad, f"links in {doc.relative_to(ROOT)} to nothing: {bad}"


def test_the_link_check_catches_a_missing_file_or_heading() -> None:
    page = ROOT / "docs" / "server.md"
    assert "what-it-answers" in anchors(page) and "control-endpoints" in anchors(page)
    probe = (
        "# Probe\n\n## Twice\n\n## Twice\n\n```sh\n# not a heading\n```\n"
        "[a](server.md#what-it-answers) [b](#probe) [c](#twice-1) [d](evidence/clients.md)\n"
        "[e](no-such-page.md) [f](server.md#no-such-heading) [g](#nowhere) [h](../../outside.md)\n"
        "[i](#not-a-heading) [j](https://example.org/x.md)\n"
    )
    assert broken_links(ROOT / "docs" / "probe.md", probe) == [
        "no-such-page.md",
        "server.md#no-such-heading",
        "#nowhere",
        "../../outside.md",
        "#not-a-heading",
    ]


# -- the checks themselves catch what they are for ------------------------------------------------------


def test_the_checks_catch_a_broken_reference() -> None:
    known = sections(BEHAVIOUR)
    sign = SECTION_SIGN
    good = f"reference {sign}1.1 #16 and {sign}1.3 E9, {sign}4.1 step 13, {sign}1.1-1.2, {sign}7 q8"
    assert unresolved_section_refs(good, known) == []
    assert unresolved_section_refs(f"{sign}7 question 6, {sign}1.1 #4-#5, {sign}1.3 E1-E9", known) == []
    assert unresolved_section_refs(f"see {sign}9.9", known)
    assert unresolved_section_refs(f"see {sign}1.1 #99", known)
    assert unresolved_section_refs(f"see {sign}1.3 E99", known)
    assert unresolved_section_refs(f"see {sign}4.2 step 8", known)
    assert unresolved_section_refs(f"see {sign}1.1-1.9", known)
    assert _OUTSIDE.search("see shared/" + "reference/x.md")
    assert _OUTSIDE.search("(reference redcap-file-api-" + "behaviour.md " + sign + "2)")
    assert not _OUTSIDE.search("docs/evidence/clients.md")
    assert not exists_in_repo("fake_redcap/no_such_module.py")
    assert exists_in_repo("fake_redcap/demo/*.yaml") and exists_in_repo("tests/conftest.py.")
    assert _AUDIT_REF.search("(source audit 2026-11 #51)")["row"] == "51"  # type: ignore[index]
