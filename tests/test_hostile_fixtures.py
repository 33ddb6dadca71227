"""Hostile fixtures: each is refused with a message naming the file, the place and the fix, or (an enormous
stored file) served without ever being read into memory.

`tests/test_fixture_safety.py` already covers `..`, absolute and Windows paths, a symlink (file or folder)
out, a FIFO as a stored file, anchors, aliases, merge keys and the billion-laughs bomb, and duplicate tokens
across projects at `check_unique_tokens`. This adds: other ways out of the folder, NUL bytes and symlink
loops, documents nested too deeply for the parsers, a fixture that is huge or not a regular file, an
enormous stored file (a sparse 2 GiB file), and duplicate tokens across fixtures through `FakeState` and
`fake-redcap check`.
"""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fake_redcap import FakeState, create_app
from fake_redcap.cli import main as cli_main
from fake_redcap.control import project_json
from fake_redcap.describe import describe_project
from fake_redcap.fixture import FixtureError, load_fixture
from fake_redcap.fixture import yaml_json as fixture_module
from tests.support import token, write_fixture

TOKEN_A = token(0xF1C7, 1)
TOKEN_B = token(0xF1C7, 2)
GIB = 1 << 30
MIB = 1 << 20


def doc(path: str = "files/lab.txt", user_token: str = TOKEN_A, project_id: int = 1) -> dict[str, Any]:
    return {
        "project": {"project_id": project_id, "title": "Hostile fixture"},
        "fields": [
            {"name": "record_id", "form": "main", "type": "text"},
            {"name": "lab", "form": "main", "type": "file"},
        ],
        "users": [{"username": f"user{project_id}", "token": user_token, "data_export": "full"}],
        "records": [{"record": "1", "files": {"lab": {"path": path}}}],
    }


def refused(path: Path) -> str:
    with pytest.raises(FixtureError) as info:
        load_fixture(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and ". Fix: " in message, message
    return message


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A fixture folder with files/lab.txt inside, and outside/secret.txt beside it."""
    (tmp_path / "fx" / "files").mkdir(parents=True)
    (tmp_path / "fx" / "files" / "lab.txt").write_bytes(b"lab\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_bytes(b"secret\n")
    return tmp_path / "fx"


# ---------------------------------------------------------------------------------------------------------
# Paths


def _symlink_chain(folder: Path) -> str:
    (folder / "b.txt").symlink_to("../outside/secret.txt")
    (folder / "a.txt").symlink_to("b.txt")
    return "a.txt"


def _symlink_in_subfolder(folder: Path) -> str:
    (folder / "files" / "up").symlink_to("../..", target_is_directory=True)
    return "files/up/outside/secret.txt"


def _device(folder: Path) -> str:
    (folder / "zero.bin").symlink_to("/dev/zero")
    return "zero.bin"


PATH_CASES: list[tuple[str, Callable[[Path], str], str]] = [
    (
        "dotdot-through-a-subfolder",
        lambda f: "files/../../outside/secret.txt",
        "leads out of the fixture's folder",
    ),
    ("dot-then-dotdot", lambda f: "./../outside/secret.txt", "leads out of the fixture's folder"),
    ("symlink-chain", _symlink_chain, "through a symbolic link"),
    ("symlink-to-a-parent-folder", _symlink_in_subfolder, "leads out of the fixture's folder"),
    ("symlink-to-a-device", _device, "through a symbolic link"),
    ("unc-path", lambda f: "\\\\server\\share\\secret.txt", "is absolute"),
    ("nul-byte", lambda f: "files/lab.txt\0.pdf", "contains a NUL character"),
    ("directory", lambda f: "files", "is not a regular file"),
]


@pytest.mark.parametrize(
    ("make", "says"), [(m, s) for _n, m, s in PATH_CASES], ids=[n for n, _m, _s in PATH_CASES]
)
def test_a_stored_file_path_that_escapes_or_is_not_a_file_is_refused(
    folder: Path, make: Callable[[Path], str], says: str
) -> None:
    message = refused(write_fixture(folder, doc(make(folder))))
    assert "records[0].files.lab.path: " in message and says in message
    assert "secret\n" not in message


def test_a_loop_of_symbolic_links_is_named_as_such(folder: Path) -> None:
    (folder / "loop1").symlink_to("loop2")
    (folder / "loop2").symlink_to("loop1")
    message = refused(write_fixture(folder, doc("loop1")))
    assert "'loop1' is a loop of symbolic links" in message


# ---------------------------------------------------------------------------------------------------------
# Documents


@pytest.mark.parametrize("pure_python", [False, True], ids=["libyaml-if-present", "pure-python"])
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_document_nested_too_deeply_is_refused(
    tmp_path: Path, suffix: str, pure_python: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """100 000 nested lists: a RecursionError from Python's json or PyYAML's composer, or libyaml's own
    depth limit, becomes a FixtureError."""
    if pure_python:
        monkeypatch.setattr(fixture_module, "_FastFixtureLoader", None)
    path = tmp_path / f"deep{suffix}"
    path.write_text('{"fields": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    message = refused(path)
    assert "nest" in message


def test_an_enormous_fixture_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(2 * GIB)  # sparse: no disk used
    tracemalloc.start()
    try:
        message = refused(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f"{2 * GIB} bytes" in message and "64 MiB" in message and "path:" in message
    assert peak < MIB


def test_a_fixture_name_that_leads_to_a_device_or_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.yaml")  # opening it to read would wait for a writer forever
    for name in ("zero.yaml", "pipe.yaml"):
        assert "is not a regular file" in refused(tmp_path / name)


# ---------------------------------------------------------------------------------------------------------
# An enormous stored file is referenced, never read


def test_a_2_gib_stored_file_is_served_without_being_read_into_memory(folder: Path) -> None:
    big = folder / "files" / "scan.bin"
    with big.open("wb") as handle:
        handle.truncate(2 * GIB)  # sparse
    path = write_fixture(folder, doc("files/scan.bin"))
    tracemalloc.start()
    try:
        state = FakeState([path])
        project = state.projects[0]
        summary = describe_project(project)  # what `fake-redcap check` prints
        shown = project_json(project)  # what /__fake__/state sends
        state.reset()
        app = create_app(state)
        answer = app.test_client().post(
            "/api/",
            data={"token": TOKEN_A, "content": "file", "action": "export", "record": "1", "field": "lab"},
            buffered=False,
        )
        received = 0
        for chunk in answer.response:  # the first 8 MiB of the stream, then hang up
            received += len(chunk)
            if received >= 8 * MIB:
                break
        answer.close()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    stored = project.records[0].files["lab"]
    assert (stored.size, stored.data, stored.path) == (2 * GIB, None, big.resolve())
    assert f"({2 * GIB} bytes)" in summary
    assert shown["records"][0]["files"]["lab"]["size"] == 2 * GIB
    assert answer.status_code == 200 and received >= 8 * MIB
    assert peak < 16 * MIB, f"peak {peak / MIB:.1f} MiB"
    state.close()


# ---------------------------------------------------------------------------------------------------------
# Duplicate tokens across fixtures


def test_fixtures_sharing_a_token_are_refused_by_the_state_without_showing_it(tmp_path: Path) -> None:
    """The second fixture's token is the first one's in lower case: the same token to REDCap's
    case-insensitive api_token column."""
    (tmp_path / "a" / "files").mkdir(parents=True)
    (tmp_path / "b" / "files").mkdir(parents=True)
    (tmp_path / "a" / "files" / "lab.txt").write_bytes(b"a")
    (tmp_path / "b" / "files" / "lab.txt").write_bytes(b"b")
    first = write_fixture(tmp_path / "a", doc())
    second = write_fixture(tmp_path / "b", doc(user_token=TOKEN_A.lower(), project_id=2))
    with pytest.raises(FixtureError) as info:
        FakeState([first, second])
    message = str(info.value)
    assert str(first.resolve()) in message and str(second.resolve()) in message
    assert "'user1'" in message and "'user2'" in message and "same token" in message
    assert TOKEN_A.lower() not in message.lower()

    state = FakeState([first])
    with pytest.raises(FixtureError):
        state.load([second])
    assert [p.project_id for p in state.projects] == [1]  # all or nothing
    state.close()


def test_check_refuses_fixtures_sharing_a_token_without_showing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("a", "b"):
        (tmp_path / name / "files").mkdir(parents=True)
        (tmp_path / name / "files" / "lab.txt").write_bytes(b"x")
    first = write_fixture(tmp_path / "a", doc())
    second = write_fixture(tmp_path / "b", doc(user_token=TOKEN_A, project_id=2))
    assert cli_main(["check", str(first), str(second)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "same token" in err and err.startswith("fake-redcap: ")
    assert TOKEN_A.lower() not in (out + err).lower()
    assert TOKEN_B not in err


# -- REDCap's own files (redcap: CSVs, a project XML) ---------------------------------------------------


def _redcap_fixture(folder: Path, spec: dict[str, str]) -> Path:
    return write_fixture(folder, {"redcap": spec, "users": doc()["users"]})


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (
            b"record_id\n1\x00\n",
            "records.csv line 2.record: the record name contains the control character U+0000",
        ),
        (b"\xff\xfe\n", "records.csv is not UTF-8 text"),
        (b"\n1\n", "records.csv line 1: the header lacks record_id"),  # empty alone: no records
    ],
    ids=["nul-byte", "not-utf8", "no-header"],
)
def test_a_broken_records_csv_is_refused(tmp_path: Path, content: bytes, fragment: str) -> None:
    (tmp_path / "dd.csv").write_text(
        "field_name,form_name,section_header,field_type,field_label,select_choices_or_calculations,field_note,"
        "text_validation_type_or_show_slider_number,text_validation_min,text_validation_max,identifier,"
        "branching_logic,required_field,custom_alignment,question_number,matrix_group_name,matrix_ranking,"
        "field_annotation\nrecord_id,main,,text,ID,,,,,,,,,,,,,\n",
        encoding="utf-8",
    )
    (tmp_path / "records.csv").write_bytes(content)
    assert fragment in refused(
        _redcap_fixture(tmp_path, {"data_dictionary": "dd.csv", "records": "records.csv"})
    )


def test_a_redcap_file_that_is_a_fifo_or_outside_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "dd.csv")
    assert "is not a regular file" in refused(_redcap_fixture(tmp_path, {"data_dictionary": "dd.csv"}))
    (tmp_path / "inner").mkdir()
    message = refused(_redcap_fixture(tmp_path / "inner", {"data_dictionary": "../dd.csv"}))
    assert "leads out of the fixture's folder" in message


@pytest.mark.parametrize(
    "xml",
    [
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><r>&b;</r>',
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
        '<?xml version="1.0"?><ODM xmlns="http://www.cdisc.org/ns/odm/v1.3"><Study/></ODM>',
        "<a>" * 100_000 + "</a>" * 100_000,
    ],
    ids=["entity-bomb", "external-entity", "no-metadata", "deep"],
)
def test_a_hostile_project_xml_is_refused(tmp_path: Path, xml: str) -> None:
    path = tmp_path / "project.xml"
    path.write_text(xml, encoding="utf-8")
    message = refused(path)
    assert "passwd" not in message and "root:" not in message
