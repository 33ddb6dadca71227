"""`fake-redcap snapshot`: a project pulled through the API into a fixture folder that `serve` loads.

The fake serves a fixture, the snapshot command (in-process, through its CLI entry point) pulls it, the
fake serves the snapshot, and the two servers' exports are compared. The safe default is checked on the
output folder's bytes; the contract suite's preflight runs against a served snapshot of the reference
projects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from contract_tests.preflight import run_preflight
from contract_tests.targets import REFERENCE_FIXTURES, ProjectUnderTest, Target, TokenSource
from fake_redcap import FakeServer, FakeState, load_fixture
from fake_redcap.cli import main
from fake_redcap.model import ExportRight, Project
from fake_redcap.snapshot import pull
from fake_redcap.snapshot.synthetic import is_free_text, is_identifier, is_personal

DEMO = Path(__file__).resolve().parent.parent / "fake_redcap" / "demo"
PYCAP = Path(__file__).resolve().parent / "data" / "pycap"
FIXTURES = (*REFERENCE_FIXTURES, DEMO / "every_field_type" / "project.yaml", DEMO / "longitudinal.yaml")
# Every bundled project: the reference projects, the demos, PyCap's three project XMLs (each served
# alone: their project ids repeat).
BUNDLED = (*FIXTURES, DEMO / "classic.yaml", *sorted(PYCAP.glob("*.xml")))
ENV = "FAKE_REDCAP_SNAPSHOT_TEST_TOKEN"


def full_token(project: Project) -> str:
    """A user who may export everything (the snapshot needs Project Design for repeatingFormsEvents)."""
    for user in project.users:
        if (
            user.export_rights() == ExportRight.FULL
            and user.api_export
            and not user.suspended
            and not user.super_user
            and user.expiration is None
            and (user.design or not project.repeating)
        ):
            return user.token
    raise AssertionError(f"{project.title}: no user may export everything")


@pytest.fixture(scope="module")
def source() -> Iterator[FakeServer]:
    server = FakeServer(FakeState([str(p) for p in FIXTURES]), "127.0.0.1", 0).start()
    yield server
    server.stop()


def snapshot(
    server: FakeServer, project: Project, out: Path, monkeypatch: pytest.MonkeyPatch, *options: str
) -> int:
    monkeypatch.setenv(ENV, full_token(project))
    return main(["snapshot", "--url", server.url, "--token-env", ENV, "--out", str(out), *options])


def post(url: str, token: str, **params: str) -> requests.Response:
    return requests.post(url, data={"token": token, "returnFormat": "json", **params}, timeout=30)


def exports(url: str, token: str, project: Project) -> dict[str, Any]:
    """Every export the snapshot must reproduce, as the server answers it."""
    seen: dict[str, Any] = {}
    contents = ["project", "metadata", "instrument", "exportFieldNames"]
    if project.is_longitudinal:
        contents += ["arm", "event", "formEventMapping"]
    if project.repeating:
        contents.append("repeatingFormsEvents")
    for content in contents:
        answer = post(url, token, content=content, format="json")
        assert answer.status_code == 200, (content, answer.text)
        seen[content] = answer.json()
    for fmt in ("csv", "json"):
        answer = post(url, token, content="record", format=fmt, type="flat")
        assert answer.status_code == 200, answer.text
        seen[f"record.{fmt}"] = answer.text
    for row in project.records:
        for name in row.files:
            where = {"record": row.record, "field": name}
            if row.event is not None:
                where["event"] = row.event
            if row.instance != 1:
                where["repeat_instance"] = str(row.instance)
            info = post(url, token, content="fileinfo", action="export", **where)
            data = post(url, token, content="file", action="export", **where)
            key = f"{row.record}/{row.event}/{row.instance}/{name}"
            seen[key] = (info.json(), data.headers.get("Content-Type"), data.content)
    return seen


def served(path: Path) -> tuple[FakeServer, Project]:
    server = FakeServer(FakeState([str(path)]), "127.0.0.1", 0).start()
    return server, server.state.served[0].project


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_round_trip_reproduces_every_export(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, original = served(path)
    out = tmp_path / "snap"
    options = ("--with-data", "--keep-record-ids", "--with-files")
    try:
        assert snapshot(source, original, out, monkeypatch, *options) == 0
        copy_server, copy = served(out / "project.yaml")
        try:
            want = exports(source.url, full_token(original), original)
            have = exports(copy_server.url, copy.users[0].token, original)
        finally:
            copy_server.stop()
    finally:
        source.stop()
    assert have.keys() == want.keys()
    for key in want:
        assert have[key] == want[key], key
    assert sum(len(r.files) for r in original.records) == sum(len(r.files) for r in copy.records)


def test_round_trip_without_files_keeps_names_types_and_sizes(
    source: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = source.state.served[0].project
    out = tmp_path / "snap"
    assert snapshot(source, original, out, monkeypatch, "--with-data", "--keep-record-ids") == 0
    copy = load_fixture(out / "project.yaml")
    stored = {(r.record, r.event, r.instance, n): f for r in original.records for n, f in r.files.items()}
    placed = {(r.record, r.event, r.instance, n): f for r in copy.records for n, f in r.files.items()}
    assert stored.keys() == placed.keys() and stored
    for key, made in placed.items():
        assert (made.name, made.mime, made.size) == (stored[key].name, stored[key].mime, stored[key].size)
        assert made.read_bytes() == bytes(made.size)  # a placeholder: zeros


def design_text(project: Project) -> str:
    """The project's own words (title, labels, notes, choices, annotations): a value found there (PyCap's
    test records have the first name "PyCap", in "PyCap Test Simple Project") tells nothing."""
    parts = [project.title, *project.instrument_labels.values()]
    for f in project.fields:
        parts += [f.label, f.section_header, f.choices, f.note, f.annotation, f.branching_logic]
    return "\n".join(parts)


def distinctive_values(project: Project) -> set[str]:
    """Every value of an Identifier, free-text, e-mail, phone, SSN or MRN field long enough to be told
    apart from a code or a short number, and not one of the project's own words."""
    design = design_text(project)
    secret: set[str] = set()
    for row in project.records:
        for name, value in row.values.items():
            field = project.field(name.split("___")[0])
            if field is None or len(value) < 4:
                continue
            meta = {
                "field_type": field.type,
                "identifier": "y" if field.identifier else "",
                "text_validation_type_or_show_slider_number": field.validation or "",
            }
            if (is_identifier(meta) or is_free_text(meta) or is_personal(meta)) and value not in design:
                secret.add(value)
    return secret


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_default_snapshot_holds_no_identifier_or_free_text_value(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, original = served(path)
    out = tmp_path / "snap"
    try:
        assert snapshot(source, original, out, monkeypatch) == 0
    finally:
        source.stop()
    secret = distinctive_values(original)
    # the projects with no such value (longitudinal, doctest_project) still check IDs, files, token
    assert secret or path.stem in ("longitudinal", "doctest_project")
    written = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    for value in secret:
        for path, data in written.items():
            assert value.encode() not in data, f"{value!r} is in {path.relative_to(out)}"
    copy = load_fixture(out / "project.yaml")
    for row in copy.records:
        for made in row.files.values():
            assert made.read_bytes() == bytes(made.size)
    # record IDs renumbered (a stored file's name is kept as it is, record ID or not)
    names = sorted({row.record for row in original.records}, key=lambda n: (len(n), n))
    assert {row.record for row in copy.records} == {str(n) for n in range(1, len(names) + 1)}
    # the real token never; the new one is the owner's
    assert full_token(original).encode() not in b"".join(written.values())
    assert copy.users[0].token != full_token(original)


def test_default_snapshot_keeps_shape_and_counts(
    source: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = source.state.served[3].project  # every field type
    out = tmp_path / "snap"
    assert snapshot(source, original, out, monkeypatch) == 0
    copy = load_fixture(out / "project.yaml")
    assert [f.name for f in copy.fields] == [f.name for f in original.fields]
    assert len(copy.records) == len(original.records)
    assert sorted({r.record for r in copy.records}) == [
        str(n) for n in range(1, len({r.record for r in original.records}) + 1)
    ]


def test_preflight_passes_on_a_served_snapshot_of_the_reference_projects(
    source: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reference fixtures are the expectations; the server is the fake serving their snapshots
    (safe defaults, record IDs kept so the stored files are where the fixtures say), and the reference
    projects' full_user is the snapshot's owner."""
    paths = []
    for index, reference in enumerate(REFERENCE_FIXTURES):
        out = tmp_path / reference.stem
        assert (
            snapshot(source, source.state.served[index].project, out, monkeypatch, "--keep-record-ids") == 0
        )
        paths.append(out / "project.yaml")
    server = FakeServer(FakeState([str(p) for p in paths]), "127.0.0.1", 0).start()
    session = requests.Session()
    try:
        projects = []
        for reference, copy in zip(REFERENCE_FIXTURES, server.state.served, strict=True):
            expected = load_fixture(reference)
            full = next(u.username for u in expected.users if u.username == "full_user" or u.api_import)
            tokens = {full: TokenSource(env=None, value=copy.project.users[0].token)}
            projects.append(ProjectUnderTest(expected, reference, server.url, tokens, session))
        target = Target("snapshot", server.url, "fake", tuple(projects), session)
        result = run_preflight(target)
    finally:
        session.close()
        server.stop()
    assert not result.differences, result.summary()
    assert all(c.status == "ok" for c in result.checks), result.summary()


# -- errors: one line, non-zero, no folder ----------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_missing_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(ENV, raising=False)
    code = main(
        ["snapshot", "--url", "http://127.0.0.1:9/api/", "--token-env", ENV, "--out", str(tmp_path / "x")]
    )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and ENV in err and "not set" in err
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("url", "token", "words"),
    [
        ("ftp://example.org/api/", "A" * 32, "http(s) URL"),
        (None, "0" * 32, "HTTP 403"),  # a token the server does not know: REDCap's own message
        ("http://127.0.0.1:9/api/", "A" * 32, "could not reach"),
    ],
    ids=["bad-url", "redcap-error", "network"],
)
def test_errors(
    source: FakeServer,
    url: str | None,
    token: str,
    words: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(ENV, token)
    args = ["snapshot", "--url", url or source.url, "--token-env", ENV, "--out", str(tmp_path / "x")]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2, err
    assert words in err and err.startswith("fake-redcap: snapshot: ") and err.count("\n") == 1, err
    assert token not in err
    assert leftovers(tmp_path) == []


def test_existing_folder_is_refused(
    source: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x").mkdir()
    assert snapshot(source, source.state.served[0].project, tmp_path / "x", monkeypatch) == 2
    assert "exists" in capsys.readouterr().err
    assert leftovers(tmp_path) == ["x"] and leftovers(tmp_path / "x") == []


def test_interrupt_leaves_nothing(
    source: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("fake_redcap.snapshot.cli.pull_files", interrupted)
    assert (
        snapshot(source, source.state.served[0].project, tmp_path / "x", monkeypatch, "--with-files") == 130
    )
    assert "interrupted" in capsys.readouterr().err
    assert leftovers(tmp_path) == []


def test_a_snapshot_the_fixture_reader_refuses_is_not_written(
    source: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original_structure = pull.pull_structure

    def unknown_type(client: Any) -> pull.Pulled:
        pulled = original_structure(client)
        pulled.metadata[1]["field_type"] = "hologram"
        return pulled

    monkeypatch.setattr("fake_redcap.snapshot.cli.pull_structure", unknown_type)
    assert snapshot(source, source.state.served[1].project, tmp_path / "x", monkeypatch) == 2
    err = capsys.readouterr().err
    assert "does not load as a fixture" in err and "hologram" in err and ".snapshot-" not in err
    assert leftovers(tmp_path) == []


def test_custom_labels_are_carried_over(
    source: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Custom event and repeating-instrument labels as the event and repeatingFormsEvents exports give
    them (written to events.csv and repeating.csv as REDCap's downloads have them)."""
    original_structure = pull.pull_structure

    def custom_label(client: Any) -> pull.Pulled:
        pulled = original_structure(client)
        pulled.events[0]["custom_event_label"] = "[visit_date]"
        form = next(r for r in pulled.repeating if r.get("form_name"))
        form["custom_form_label"] = '[lab_date], "quoted"'
        return pulled

    monkeypatch.setattr("fake_redcap.snapshot.cli.pull_structure", custom_label)
    original = source.state.served[1].project
    assert original.is_longitudinal and original.repeating
    assert snapshot(source, original, tmp_path / "x", monkeypatch) == 0
    assert "label" not in capsys.readouterr().err
    copy = load_fixture(tmp_path / "x" / "project.yaml")
    assert copy.events[0].custom_label == "[visit_date]"
    assert [r.label for r in copy.repeating if r.form][:1] == ['[lab_date], "quoted"']


def test_cli_smoke(source: FakeServer, tmp_path: Path) -> None:
    """The installed command, as a user runs it: quiet progress off a terminal, the new token on stdout."""
    project = source.state.served[0].project
    out = tmp_path / "snap"
    env = {**os.environ, ENV: full_token(project)}
    args = [
        sys.executable,
        "-m",
        "fake_redcap",
        "snapshot",
        "--url",
        source.url,
        "--token-env",
        ENV,
        "--out",
        str(out),
    ]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    # no progress bar off a terminal; what the user may not export (users, DAGs) said in notes
    assert "\r" not in done.stderr
    assert all(line.startswith("fake-redcap: snapshot: NOTE: ") for line in done.stderr.splitlines())
    token = load_fixture(out / "project.yaml").users[0].token
    assert done.stdout.count(token) == 1
    assert full_token(project) not in done.stdout
    assert json.loads(json.dumps(done.stdout))  # printable text


def test_progress_bars_show_on_a_terminal(
    source: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert snapshot(source, source.state.served[0].project, tmp_path / "x", monkeypatch) == 0
    err = capsys.readouterr().err
    assert "records" in err and "files" in err and "%" in err
