"""`fake-redcap snapshot` with a token whose user may not see everything, and against servers that
refuse or fail: what is pulled is said (a NOTE on stderr), a refusal is one line naming the fix, exit 2,
no folder left behind, and the token never shows.

The users are reference_classic's (contract_tests/reference/reference_classic.yaml): one per rights case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from contract_tests.targets import REFERENCE_FIXTURES
from fake_redcap import FakeServer, FakeState, load_fixture
from fake_redcap.cli import main
from fake_redcap.faults import Fault
from fake_redcap.snapshot import pull

CLASSIC = next(p for p in REFERENCE_FIXTURES if p.stem == "reference_classic")
ENV = "FAKE_REDCAP_SNAPSHOT_RIGHTS_TOKEN"


@pytest.fixture(scope="module")
def source() -> Iterator[FakeServer]:
    server = FakeServer(FakeState([str(CLASSIC)]), "127.0.0.1", 0).start()
    yield server
    server.stop()


def token_of(server: FakeServer, username: str) -> str:
    project = server.state.served[0].project
    return next(u.token for u in project.users if u.username == username)


def run(server: FakeServer, username: str, out: Path, monkeypatch: pytest.MonkeyPatch, *options: str) -> int:
    monkeypatch.setenv(ENV, token_of(server, username))
    return main(["snapshot", "--url", server.url, "--token-env", ENV, "--out", str(out), *options])


def post(server: FakeServer, token: str, **params: str) -> requests.Response:
    data = {"token": token, "format": "json", "returnFormat": "json", **params}
    return requests.post(server.url, data=data, timeout=30)


def notes(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("fake-redcap: snapshot: NOTE: ")]


def test_without_design_rights_the_repeating_set_up_comes_from_the_records(
    source: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """REDCap 14+ refuses repeatingFormsEvents without Project Design (V15
    API/repeatingFormsEvents/export.php:5): the snapshot reads the set-up from the record export's
    repeat columns instead, and says so."""
    out = tmp_path / "snap"
    assert run(source, "deleter_user", out, monkeypatch, "--with-data", "--keep-record-ids") == 0
    said = [n for n in notes(capsys.readouterr().err) if "repeating set-up" in n]
    assert len(said) == 1 and "Project Design" in said[0]
    copy = FakeServer(FakeState([str(out / "project.yaml")]), "127.0.0.1", 0).start()
    try:
        owner = copy.state.served[0].project.users[0].token
        full = token_of(source, "full_user")
        for content in ("repeatingFormsEvents", "metadata", "exportFieldNames"):
            assert post(copy, owner, content=content).json() == post(source, full, content=content).json()
        want = post(source, full, content="record", type="flat").json()
        assert post(copy, owner, content="record", type="flat").json() == want
    finally:
        copy.stop()


@pytest.mark.parametrize(
    ("username", "left_out"),
    [
        ("remove_ids_user", 2),  # Remove Identifiers: the identifier fields' columns are left out
        ("deid_user", 4),  # De-Identified: identifiers, free text and dates
        ("own_form_no_access_user", 6),  # No Access on one instrument: its fields
    ],
)
def test_fields_the_user_may_not_export_are_named(
    source: FakeServer,
    username: str,
    left_out: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "snap"
    assert run(source, username, out, monkeypatch) == 0
    said = [n for n in notes(capsys.readouterr().err) if "may not export" in n and "field" in n]
    assert len(said) == 1 and f"may not export {left_out} field(s)" in said[0], said
    header = (out / "records.csv").read_text().splitlines()[0].split(",")
    missing = pull.missing_fields(
        pull.Pulled(
            "15.7.6",
            {},
            [{"field_name": f.name, "field_type": f.type} for f in source.state.served[0].project.fields],
            [{"instrument_name": n} for n in source.state.served[0].project.forms],
            record_header=header,
        )
    )
    assert len(missing) == left_out and all(name in said[0] for name in missing)
    load_fixture(out / "project.yaml")  # the folder loads without those columns


@pytest.mark.parametrize(
    ("username", "words"),
    [
        ("no_access_user", '"No Access" data export rights'),
        ("no_api_export_user", "You do not have API Export privileges"),
        ("expired_user", "expired"),
        ("suspended_user", "You do not have permissions to use the API"),
    ],
)
def test_refused_tokens(
    source: FakeServer,
    username: str,
    words: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(source, username, tmp_path / "x", monkeypatch) == 2
    err = capsys.readouterr().err
    assert err.startswith("fake-redcap: snapshot: HTTP 403: ") and err.count("\n") == 1, err
    assert words in err and f"Fix: put in ${ENV} the API token" in err and ".." not in err
    assert token_of(source, username) not in err
    assert sorted(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content", ["version", "metadata", "record", "fileinfo"])
def test_a_server_error_midway_leaves_nothing(
    content: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = FakeServer(FakeState([str(CLASSIC)]), "127.0.0.1", 0).start()
    try:
        server.state.faults.add(Fault("http_error", match={"content": content}, status=500, times=None))
        assert run(server, "full_user", tmp_path / "x", monkeypatch) == 2
    finally:
        server.stop()
    err = capsys.readouterr().err
    assert err.startswith("fake-redcap: snapshot: HTTP 500") and err.count("\n") == 1, err
    assert "Fix: try again later" in err and token_of(server, "full_user") not in err
    assert sorted(tmp_path.iterdir()) == []


def test_a_url_that_is_not_the_api(
    source: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV, token_of(source, "full_user"))
    url = source.url.rstrip("/").rsplit("/", 1)[0] + "/not-the-api/"
    assert main(["snapshot", "--url", url, "--token-env", ENV, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fake-redcap: snapshot: ") and err.count("\n") == 1 and "Fix: " in err, err
    assert token_of(source, "full_user") not in err
    assert sorted(tmp_path.iterdir()) == []


def test_progress_does_not_garble_a_log(
    source: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """stderr not a terminal (a CI log): no bar, no carriage return; the summary on stdout."""
    assert run(source, "full_user", tmp_path / "x", monkeypatch) == 0
    captured = capsys.readouterr()
    assert "\r" not in captured.err and "\r" not in captured.out and "%" not in captured.err
    assert captured.out.startswith(f"Wrote {tmp_path / 'x'}: 6 records")


@pytest.mark.parametrize(
    "given",
    [
        ["--token-env", "CA551C00000000000000000000000001"],
        ["--token", "CA551C00000000000000000000000001"],  # argparse's abbreviation of --token-env
        ["--token-env=ca551c00000000000000000000000001"],
        ["--token-env", "A" * 64],  # a Super API Token's shape
    ],
)
def test_a_token_given_as_the_variable_name_is_not_repeated(
    given: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["snapshot", "--url", "http://127.0.0.1:9/api/", *given, "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "NAME of an environment variable" in err
    assert given[-1].split("=")[-1] not in err and "000000000" not in err
    assert sorted(tmp_path.iterdir()) == []


def test_a_variable_name_that_is_no_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "snapshot",
        "--url",
        "http://127.0.0.1:9/api/",
        "--token-env",
        "$TOKEN",
        "--out",
        str(tmp_path / "x"),
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "must be the name of an environment variable" in err
