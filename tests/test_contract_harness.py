"""The contract suite's tools, apart from the clauses: target files, version ranges, known differences
and their docs page (docs/contract-suite.md), the report, the REDCap import CSVs, and the reference upload
command.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from contract_tests import known_differences, reference_csv, upload_reference
from contract_tests.known_differences import KnownDifferencesError, load_known_differences, markdown
from contract_tests.preflight import run_preflight
from contract_tests.report import ClauseResult, Report, TargetInfo
from contract_tests.targets import REFERENCE_FIXTURES, TargetError, load_target
from contract_tests.versions import Version, VersionRange
from fake_redcap import load_fixture
from tests.support.contract_runs import REFERENCE_DIR, REPO, env_name, served_fake, write_target

SUITE = REPO / "contract_tests"

# -- version ranges ------------------------------------------------------------------------------------


def test_a_version_range_holds_the_versions_between_its_bounds() -> None:
    window = VersionRange.parse(">=10.0.13, <=13.6.1")
    assert Version.parse("10.0.13") in window
    assert Version.parse("13.6.1") in window
    assert Version.parse("13.6.2") not in window
    assert Version.parse("9.9.9") not in window
    assert str(window) == ">=10.0.13,<=13.6.1"


@pytest.mark.parametrize("text", ["14", ">= fourteen", "~=14.0.0", ""])
def test_a_malformed_version_range_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="version"):
        VersionRange.parse(text)


# -- target files -------------------------------------------------------------------------------------


def _write(path: Path, document: object) -> Path:
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_the_one_project_target_form_of_the_interfaces_works(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "TARGET.yaml",
        {
            "url": "https://redcap.example.edu/api/",
            "fixture": "reference_classic.yaml",  # found in contract_tests/reference/
            "tokens": {"full_user": "MY_FULL_TOKEN", "deid_user": "MY_DEID_TOKEN"},
        },
    )
    target = load_target(path, {"MY_FULL_TOKEN": "ABC123"})
    try:
        (project,) = target.projects
        assert project.path == REFERENCE_FIXTURES[0]
        assert target.server == "redcap" and target.label == "https://redcap.example.edu/api/"
        assert project.tokens["full_user"].value == "ABC123"
        assert project.tokens["deid_user"].value is None
        assert "set environment variable MY_DEID_TOKEN" in project.tokens["deid_user"].describe_missing(
            "deid_user", project.name
        )
    finally:
        target.close()


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ({"url": "ftp://x/", "fixture": "reference_classic.yaml"}, "url must be the API URL"),
        ({"url": "https://x/api/", "fixture": "nowhere.yaml"}, "fixture 'nowhere.yaml' not found"),
        (
            {"url": "https://x/api/", "fixture": "reference_classic.yaml", "tokenz": {}},
            "unknown key(s) tokenz",
        ),
        ({"url": "https://x/api/", "fixture": "reference_classic.yaml", "server": "mock"}, "server must be"),
        (
            {"url": "https://x/api/", "fixture": "reference_classic.yaml", "tokens": {"nobody": "X"}},
            "'nobody', which is not a user of reference_classic.yaml",
        ),
        (
            {
                "url": "https://x/api/",
                "fixtures": ["reference_classic.yaml", "reference_longitudinal.yaml"],
                "tokens": {"full_user": "SHARED"},
            },
            "a REDCap token belongs to one project",
        ),
        ({"url": "https://x/api/"}, "name the project(s) the server holds"),
    ],
)
def test_a_bad_target_file_is_refused_with_the_fix(tmp_path: Path, document: object, complaint: str) -> None:
    with pytest.raises(TargetError) as info:
        load_target(_write(tmp_path / "TARGET.yaml", document), {})
    assert complaint in str(info.value)
    assert str(tmp_path / "TARGET.yaml") in str(info.value)


def test_a_missing_token_is_the_only_reason_a_clause_skips(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "TARGET.yaml",
        {"url": "https://x/api/", "fixture": "reference_classic.yaml", "tokens": {"full_user": "UNSET_VAR"}},
    )
    target = load_target(path, {})
    try:
        project = target.projects[0]
        with pytest.raises(pytest.skip.Exception, match="set environment variable UNSET_VAR"):
            project.token("full_user")
        with pytest.raises(pytest.skip.Exception, match="name an environment variable for it"):
            project.token("deid_user")
    finally:
        target.close()


def test_a_target_without_the_analysis_project_skips_its_clauses_naming_the_fixture(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "TARGET.yaml",
        {
            "url": "https://x/api/",
            "fixtures": [{"fixture": "reference_classic.yaml", "tokens": {"full_user": "SOME_VAR"}}],
        },
    )
    target = load_target(path, {})
    try:
        assert target.project(longitudinal=False).name == "reference_classic.yaml"
        with pytest.raises(pytest.skip.Exception, match=r"add reference_analysis\.yaml"):
            target.project_in_analysis()
        with pytest.raises(TargetError, match=r"add reference_longitudinal\.yaml"):
            target.project(longitudinal=True)
    finally:
        target.close()


def test_the_analysis_project_is_never_taken_for_the_classic_one(tmp_path: Path) -> None:
    # Listed first, the (classic) Analysis/Cleanup project must not stand in for reference_classic.yaml.
    path = _write(
        tmp_path / "TARGET.yaml",
        {
            "url": "https://x/api/",
            "fixtures": [
                {"fixture": "reference_analysis.yaml", "tokens": {"importer_user": "A"}},
                {"fixture": "reference_classic.yaml", "tokens": {"importer_user": "B"}},
            ],
        },
    )
    target = load_target(path, {})
    try:
        assert target.project(longitudinal=False).name == "reference_classic.yaml"
        assert target.project_in_analysis().name == "reference_analysis.yaml"
    finally:
        target.close()


# -- markers the clauses carry ------------------------------------------------------------------------


def _clause_functions() -> list[ast.FunctionDef]:
    found = []
    for module in sorted(SUITE.glob("test_*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        found += [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    return found


def test_every_clause_names_its_source_and_none_is_skipped_by_marker() -> None:
    for function in _clause_functions():
        markers = [ast.unparse(d) for d in function.decorator_list]
        assert any(m.startswith("pytest.mark.source(") for m in markers), function.name
        assert not any(".skip" in m for m in markers), function.name


def _docs_text() -> str:
    """README.md and the pages under docs/ (the suite's page is docs/contract-suite.md)."""
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def test_the_readme_section_states_the_clause_count() -> None:
    text = _docs_text()
    stated = re.search(r"\*\*(\d+) clauses\*\*", text)
    assert stated is not None
    assert int(stated[1]) == len(_clause_functions())


def _calls(function: ast.FunctionDef, name: str) -> bool:
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
        for node in ast.walk(function)
    )


def test_every_clause_that_writes_restores_and_says_so_and_the_readme_names_it() -> None:
    """A clause that uploads with success must put the place back (helpers.emptied, or helpers.blanked for
    a value it imports, helpers.renamed for a record it renames), say "Writes:" in its docstring, and be
    listed in docs/contract-suite.md's "Clauses that write"."""
    readme = _docs_text()
    writers = []
    for function in _clause_functions():
        docstring = ast.get_docstring(function) or ""
        helpers = ("emptied", "blanked", "renamed", "repository_cleaned", "restored")
        restores = any(_calls(function, name) for name in helpers)
        if restores or docstring.startswith("Writes:"):
            writers.append(function.name)
            assert restores, f"{function.name} writes without emptied, blanked, renamed, ... or restored"
            assert docstring.startswith("Writes:"), f"{function.name}: the docstring must start 'Writes:'"
            assert f"`{function.name}`" in readme, f"{function.name} is not in docs/contract-suite.md"
    assert len(writers) == 39


def test_the_readme_section_lists_every_reference_user() -> None:
    text = _docs_text()
    for fixture in REFERENCE_FIXTURES:
        for user in load_fixture(fixture).users:
            assert f"`{user.username}`" in text, user.username


# -- known differences --------------------------------------------------------------------------------


def test_every_known_difference_is_tied_to_a_clause_and_every_tie_is_known() -> None:
    differences = load_known_differences()
    tied = known_differences.clauses_by_difference()
    assert set(tied) == set(differences)


def test_the_differences_section_is_generated_from_the_file() -> None:
    differences = load_known_differences()
    section = markdown(differences, known_differences.clauses_by_difference())
    assert section.startswith("## Differences from real REDCap")
    for difference in differences.values():
        assert f"### {difference.title}" in section
        assert f"`{difference.id}`" in section
        assert difference.last_confirmed.isoformat() in section


def test_the_readme_section_carries_the_current_differences() -> None:
    assert known_differences.main(["--check", str(REPO / "docs" / "differences.md")]) == 0


def test_the_differences_section_is_rewritten_between_its_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    begin, end = known_differences.BEGIN_MARKER, known_differences.END_MARKER
    readme.write_text(f"# Project\n\n{begin}\nold text\n{end}\n\n## After\n")
    assert known_differences.main(["--update", str(readme)]) == 0
    text = readme.read_text()
    assert "old text" not in text and "## Differences from real REDCap" in text
    assert text.endswith(f"{known_differences.END_MARKER}\n\n## After\n")
    assert known_differences.main(["--check", str(readme)]) == 0
    bare = tmp_path / "BARE.md"
    bare.write_text("# no markers\n")
    assert known_differences.main(["--update", str(bare)]) == 2


def test_a_malformed_known_differences_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "known.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "differences": [
                    {
                        "id": "x",
                        "title": "t",
                        "side": "both",
                        "what": "w",
                        "evidence": "e",
                        "last_confirmed": dt.date(2026, 1, 1),
                    }
                ]
            }
        )
    )
    with pytest.raises(KnownDifferencesError, match="side must be fake or redcap"):
        load_known_differences(path)


# -- the report ---------------------------------------------------------------------------------------


def test_the_report_is_written_as_json_and_markdown_with_a_column_per_target(tmp_path: Path) -> None:
    report = Report(
        targets=[
            TargetInfo("Our REDCap", "https://r/api/", "redcap", "15.7.6", ["a.yaml"]),
            TargetInfo("fake (in-process)", "http://127.0.0.1:1/api/", "fake", "15.7.6", ["a.yaml"]),
        ]
    )
    for label, results in (
        ("Our REDCap", ("passed", "failed", "not applicable")),
        ("fake (in-process)", ("passed",) * 3),
    ):
        for name, result in zip(("test_a", "test_b", "test_c"), results, strict=True):
            outcome = report.add(
                f"m::{name}[{label}]",
                ClauseResult(
                    f"m::{name}", name, "m", ["docs | pipe" if name == "test_c" else "docs"], "<=13.6.1"
                ),
                label,
            )
            outcome.result = result
            outcome.detail = "400 != 403" if result == "failed" else ""
    json_path, md_path = report.write(tmp_path / "out" / "our-redcap.json")
    assert (json_path.name, md_path.name) == ("our-redcap.json", "our-redcap.md")
    assert report.headline(report.targets[0]).startswith(
        "Our REDCap (REDCap 15.7.6) passes 1/2 applicable cases"
    )
    text = md_path.read_text(encoding="utf-8")
    assert "| Clause | Source | Our REDCap | fake (in-process) |" in text
    assert "| `test_b` | docs | FAIL | pass |" in text
    assert "| `test_c` | docs \\| pipe | n/a (for <=13.6.1) | pass |" in text
    assert "- `m::test_b` on Our REDCap: FAIL: 400 != 403" in text
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert [t["label"] for t in data["targets"]] == ["Our REDCap", "fake (in-process)"]
    assert data["clauses"][1]["results"]["Our REDCap"] == {"result": "failed", "detail": "400 != 403"}


# -- the REDCap import files --------------------------------------------------------------------------


def test_the_redcap_import_csvs_match_the_fixtures() -> None:
    assert reference_csv.main(["--check"]) == 0


def test_the_records_csv_splits_repeating_instances_as_redcap_expects() -> None:
    rows = reference_csv.records(load_fixture(REFERENCE_FIXTURES[0])).splitlines()
    assert rows[0].split(",") == [
        "record_id",
        "redcap_repeat_instrument",
        "redcap_repeat_instance",
        "participant_name",
        "enrollment_notes",
        "contact_ways___1",
        "contact_ways___2",
        "contact_ways___3",
        "lab_date",
    ]
    assert "1,lab_results,2,,,,,,2024-02-15" in rows
    assert "1,,,Ada Example,Holds a file in every file field.,1,0,1," in rows
    assert all(",lab_results," not in row or row.split(",")[3:8] == [""] * 5 for row in rows[1:])


# -- the upload command -------------------------------------------------------------------------------


def test_the_upload_is_a_dry_run_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Nothing listens on this URL: a dry run must not connect.
    target, environ = write_target(tmp_path, "http://127.0.0.1:9/api/", server="redcap")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environ.items():
            patch.setenv(name, value)
        assert upload_reference.main(["--target", str(target)]) == 0
    out = capsys.readouterr().out
    assert "reference_classic.yaml: 12 files, uploaded as importer_user" in out
    assert "[signature: sent with mobile_app=1]" in out
    assert "dry run: nothing was sent" in out


def test_the_upload_puts_the_reference_files_on_a_server_that_lacks_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The fake serves the reference projects with their records but no files, like a freshly built
    # project on a real server; the command uploads them and the preflight then finds them all.
    served = tmp_path / "served"
    shutil.copytree(REFERENCE_DIR, served, ignore=shutil.ignore_patterns("redcap_import"))
    for fixture in REFERENCE_FIXTURES:
        document = yaml.safe_load((served / fixture.name).read_text(encoding="utf-8"))
        for row in document["records"]:
            row.pop("files", None)
        (served / fixture.name).write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    served_fixtures = [served / f.name for f in REFERENCE_FIXTURES]
    with served_fake(served_fixtures) as url, pytest.MonkeyPatch.context() as patch:
        target, environ = write_target(tmp_path, url, server="fake")
        for name, value in environ.items():
            patch.setenv(name, value)
        code = upload_reference.main(["--target", str(target), "--apply"])
        out = capsys.readouterr().out
        # REDCap takes a signature upload from any client that posts mobile_app=1 (import.php:122, source
        # audit 2026-11 #54), and so does the fake: every file goes up, signature included.
        assert code == 0
        assert out.count(": uploaded\n") == 21
        assert "participant_signature <- 'signature.png'" in out
        again = upload_reference.main(["--target", str(target), "--apply"])
        assert again == 0 and capsys.readouterr().out.count(": already there\n") == 21
        checked = load_target(target)
        try:
            files = [c for c in run_preflight(checked).checks if c.name.startswith("stored files")]
        finally:
            checked.close()
    details = [d for c in files for d in c.details]
    assert [d for d in details if "HTTP" in d] == []
    assert env_name(REFERENCE_FIXTURES[0], "importer_user") in environ
