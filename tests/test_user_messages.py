"""The smaller points of issue 18: what the command lines say when something is wrong."""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fake_redcap import FakeServer
from fake_redcap.cli import build_parser
from fake_redcap.cli import main as fake_main
from redcap_file_client import RedcapClient
from redcap_file_client.cli import EXIT_LOCAL, EXIT_SERVER
from redcap_file_client.cli import main as client_main
from tests.support import CLASSIC_EXTRA_FILES, classic_fixture, write_fixture

LONGITUDINAL_FULL = "1501FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # demo project 15
CLASSIC_FULL = "1401FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # demo project 14


def _write(folder: Path, doc: dict[str, Any]) -> Path:
    return write_fixture(folder, doc, CLASSIC_EXTRA_FILES)


# -- fake-redcap check: every error, "did you mean", exit 2 --------------------------------------------


def test_check_reports_every_broken_record_and_user_with_places_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = classic_fixture()
    doc["records"][0]["files"] = {"age": {"text": "x", "name": "a.txt"}}  # not a file field
    doc["records"][2]["values"] = {"no_such_field": "1"}
    doc["users"][1]["data_export"] = "everything"
    path = _write(tmp_path, doc)
    assert fake_main(["check", str(path)]) == 2
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == ""
    assert lines[0].startswith(f"fake-redcap: {path}: users[1].data_export: ")  # users come first
    assert any(line.startswith(f"fake-redcap: {path}: records[0].files.age: ") for line in lines)
    assert any(line.startswith(f"fake-redcap: {path}: records[2].values.no_such_field: ") for line in lines)
    assert any(line.startswith(f"fake-redcap: {path}: users[1]") for line in lines)
    assert lines[-1] == f"fake-redcap: {path}: 3 errors"


def test_check_offers_the_key_a_misspelt_one_meant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = classic_fixture()
    doc["recrods"] = doc.pop("records")
    doc["users"][0]["api_exprot"] = True
    path = _write(tmp_path, doc)
    assert fake_main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "recrods: unknown key 'recrods' (did you mean 'records'?)" in err
    assert "users[0].api_exprot: unknown key 'api_exprot' (did you mean 'api_export'?)" in err


def test_check_reports_every_file_and_exits_2_like_serve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _write(tmp_path / "good", classic_fixture())
    broken = classic_fixture()
    broken["records"][0]["files"] = {"age": {"text": "x", "name": "a.txt"}}
    first, second = _write(tmp_path / "one", broken), _write(tmp_path / "two", broken)
    assert fake_main(["check", str(first), str(good), str(second)]) == 2
    err = capsys.readouterr().err
    assert str(first) in err and str(second) in err
    assert fake_main(["serve", "--fixture", str(first)]) == 2


def test_check_of_a_good_fixture_still_describes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert fake_main(["check", str(_write(tmp_path, classic_fixture()))]) == 0
    assert "Classic test project" in capsys.readouterr().out


def test_check_stops_at_a_data_dictionary_error_rather_than_report_what_follows_from_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = classic_fixture()
    doc["fields"][1]["type"] = "fiel"
    path = _write(tmp_path, doc)
    assert fake_main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "fields[1]" in err


# -- fake-redcap serve: a busy port -------------------------------------------------------------------


def test_a_busy_port_is_named_with_the_systems_reason(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert fake_main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port} (Address already in use)." in err
    assert "None" not in err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--port", "99999"], "argument --port: 99999 is not a port number: give 0 to 65535"),
        (["--port", "-1"], "argument --port: -1 is not a port number"),
        (["--port", "http"], "argument --port: 'http' is not a port number"),
        (["--max-upload-mb", "0"], "argument --max-upload-mb: 0 MB: give a whole number of megabytes"),
    ],
)
def test_an_impossible_option_is_a_usage_error_not_a_traceback(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        fake_main(["serve", *argv])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("host", "reason", "fix"),
    [
        ("192.0.2.1", ["Cannot assign requested address"], "Give --host an address of this machine"),
        # the resolver's words: no such name, or no resolver reachable
        (
            "no-such-host.invalid",
            ["Name or service not known", "Temporary failure in name resolution"],
            "a name this machine resolves",
        ),
    ],
)
def test_an_address_that_is_not_this_machines_is_named_with_the_fix_for_it(
    host: str, reason: list[str], fix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert fake_main(["serve", "--host", host, "--allow-remote", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert any(f"cannot listen on {host}:0 ({words})." in err for words in reason), err
    assert fix in err
    assert "--port 0" not in err and "None" not in err


# -- redcap-file / RedcapClient: local problems named for what the user gave -----------------------------


def test_a_folder_that_cannot_be_written_is_named_not_the_temporary_file(
    demo_server: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def refusing_open(path: Any, flags: int, mode: int = 0o777) -> int:
        if str(path).endswith(".part"):  # what a read-only folder does (root ignores chmod)
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", refusing_open)
    with RedcapClient(demo_server.url, CLASSIC_FULL) as client, pytest.raises(PermissionError) as caught:
        client.download_file("1", "consent_form", tmp_path)
    assert (
        str(caught.value) == f"[Errno 13] cannot write a file in folder {str(tmp_path)!r}: Permission denied"
    )
    assert ".part" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_a_destination_folder_that_is_a_file_is_called_a_file(
    demo_server: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    existing = tmp_path / "notes.txt"
    existing.write_text("mine")
    monkeypatch.setenv("REDCAP_API_TOKEN", CLASSIC_FULL)
    for dest in (f"{existing}/", str(existing / "consent.pdf")):
        argv = ["export", "--url", demo_server.url, "--record", "1", "--field", "consent_form", "-o", dest]
        assert client_main(argv) == EXIT_LOCAL
        err = capsys.readouterr().err
        assert "is a file, not a folder" in err and "does not exist" not in err
    assert existing.read_text() == "mine"
    with RedcapClient(demo_server.url, CLASSIC_FULL) as client, pytest.raises(FileNotFoundError) as missing:
        client.download_file("1", "consent_form", tmp_path / "nowhere" / "x.pdf")
    assert "does not exist" in str(missing.value)


def test_a_longitudinal_export_without_event_hints_at_event(
    demo_server: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("REDCAP_API_TOKEN", LONGITUDINAL_FULL)
    argv = [
        "export",
        "--url",
        demo_server.url,
        "--record",
        "1",
        "--field",
        "consent_form",
        "-o",
        str(tmp_path),
    ]
    assert client_main([*argv, "--retries", "0"]) == EXIT_SERVER
    err = capsys.readouterr().err
    assert "REDCap answered HTTP 400: invalid event (the project is longitudinal: pass --event" in err
    assert client_main([*argv, "--retries", "0", "--event", "no_such_event"]) == EXIT_SERVER
    assert "pass --event" not in capsys.readouterr().err  # given: REDCap's message alone


# -- every command: exit 2 for a usage problem, every serve option documented ---------------------------


def test_fake_redcap_contract_exits_2_for_a_target_file_that_does_not_exist(tmp_path: Path) -> None:
    """pytest's own usage error is 4; the command says 2, as serve, check and snapshot do."""
    done = subprocess.run(
        [sys.executable, "-m", "fake_redcap", "contract", "--redcap-target", str(tmp_path / "missing.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "missing.yaml: cannot read the target file" in done.stdout + done.stderr


def test_every_serve_option_is_in_the_server_pages_command_line() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    options = {o for a in commands.choices["serve"]._actions for o in a.option_strings if o.startswith("--")}
    page = (Path(__file__).resolve().parent.parent / "docs" / "server.md").read_text(encoding="utf-8")
    section = page.split("## Command line")[1].split("\n## ")[0]
    assert options - {"--help"} <= set(re.findall(r"--[a-z-]+", section.split("```")[1]))
