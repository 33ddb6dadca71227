"""Fixture loading that must not be abused: paths never leave the fixture's folder, tokens never show in a
message, and the file itself (YAML aliases, duplicate keys, encodings, tags) is read safely."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fake_redcap.fixture import (
    FixtureError,
    check_unique_tokens,
    load_fixture,
)
from tests.support import write_fixture
from tests.support.fixture_docs import (
    TOKEN_A,
    TOKEN_B,
    Doc,
    assert_refused,
    classic,
    refused,
)

# --------------------------------------------------------------------------------------------------------
# Paths never leave the fixture's folder


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_bytes(b"secret")
    return secret


def _path_doc(path: str) -> Doc:
    doc = classic()
    doc["records"][0]["files"] = {"lab_report": {"path": path}}
    return doc


def test_dotdot_escape_refused(tmp_path: Path, outside: Path) -> None:
    message = assert_refused(
        tmp_path / "fx",
        _path_doc("../outside/secret.txt"),
        "records[0].files.lab_report.path",
        "leads out of the fixture's folder",
    )
    assert "copy the file into the fixture's folder" in message


def test_dotdot_escape_to_a_missing_file_says_escape(tmp_path: Path) -> None:
    assert_refused(
        tmp_path / "fx", _path_doc("../nothing.txt"), "records[0].files.lab_report.path", "leads out"
    )


def test_absolute_path_refused(tmp_path: Path, outside: Path) -> None:
    assert_refused(
        tmp_path / "fx", _path_doc(str(outside)), "records[0].files.lab_report.path", "is absolute"
    )


def test_windows_absolute_path_refused(tmp_path: Path) -> None:
    assert_refused(
        tmp_path / "fx", _path_doc("C:\\data\\x.txt"), "records[0].files.lab_report.path", "is absolute"
    )


def test_symlink_out_refused(tmp_path: Path, outside: Path) -> None:
    folder = tmp_path / "fx"
    folder.mkdir()
    (folder / "link.txt").symlink_to(outside)
    assert_refused(
        folder, _path_doc("link.txt"), "records[0].files.lab_report.path", "through a symbolic link"
    )


def test_symlinked_folder_out_refused(tmp_path: Path, outside: Path) -> None:
    folder = tmp_path / "fx"
    folder.mkdir()
    (folder / "files").symlink_to(outside.parent, target_is_directory=True)
    assert_refused(folder, _path_doc("files/secret.txt"), "records[0].files.lab_report.path", "leads out")


def test_fifo_inside_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    assert_refused(tmp_path, _path_doc("pipe"), "records[0].files.lab_report.path", "not a regular file")


# --------------------------------------------------------------------------------------------------------
# Tokens never show


@pytest.mark.parametrize(
    ("token", "fragment"),
    [
        (TOKEN_A[:31], "31 characters"),
        (TOKEN_A + "0", "33 characters"),
        ("G" + TOKEN_A[1:], "other than 0-9 and A-F"),
        (" " + TOKEN_A[1:], "other than 0-9 and A-F"),
    ],
)
def test_malformed_token_refused_without_showing_it(tmp_path: Path, token: str, fragment: str) -> None:
    doc = classic()
    doc["users"][0]["token"] = token
    message = assert_refused(tmp_path, doc, "users[0].token", fragment)
    assert token not in message and token.strip() not in message and TOKEN_A[4:30] not in message


def test_unquoted_numeric_token_refused_without_showing_it(tmp_path: Path) -> None:
    path = write_fixture(tmp_path, classic())
    digits = "12345678901234567890123456789012"
    path.write_text(path.read_text(encoding="utf-8").replace(TOKEN_A, digits), encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8").replace(f"'{digits}'", digits), encoding="utf-8")
    message = refused(path)
    assert "users[0].token" in message and "number" in message and "quote" in message
    assert digits not in message


def test_duplicate_token_in_one_file_refused_without_showing_it(tmp_path: Path) -> None:
    doc = classic()
    doc["users"].append({"username": "bob", "token": TOKEN_A.lower(), "data_export": "full"})
    message = assert_refused(tmp_path, doc, "users[1].token", "same token as user 'alice'")
    assert TOKEN_A not in message and TOKEN_A.lower() not in message


def test_yaml_syntax_error_does_not_quote_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(f'users:\n  - {{username: a, token: "{TOKEN_A}", data_export: full\n', encoding="utf-8")
    message = refused(path)
    assert str(path) in message and "line " in message and TOKEN_A not in message


def test_token_used_as_a_key_is_masked(tmp_path: Path) -> None:
    doc = classic()
    doc["users"][0][TOKEN_A] = "alice"
    message = refused(write_fixture(tmp_path, doc))
    assert "users[0].0123…: unknown key '0123…'" in message
    assert TOKEN_A not in message


@pytest.mark.parametrize("section", ["values", "files"])
def test_token_used_as_a_field_name_is_masked(tmp_path: Path, section: str) -> None:
    doc = classic()
    doc["records"][0][section] = {TOKEN_A: "x"}
    message = refused(write_fixture(tmp_path, doc))
    assert f"records[0].{section}.0123…" in message and TOKEN_A not in message


def test_token_used_as_a_form_name_is_masked(tmp_path: Path) -> None:
    doc = classic()
    doc["users"][0]["data_export"] = {TOKEN_A: "full"}
    message = refused(write_fixture(tmp_path, doc))
    assert "users[0].data_export.0123…" in message and TOKEN_A not in message


def test_duplicate_tokens_across_projects_refused(tmp_path: Path) -> None:
    one = classic()
    two = classic()
    two["project"]["project_id"] = 8
    two["users"] = [
        {"username": "carol", "token": TOKEN_B, "data_export": "full"},
        {"username": "dave", "token": TOKEN_A.lower(), "data_export": "full"},
    ]
    a = load_fixture(write_fixture(tmp_path / "a", one))
    b = load_fixture(write_fixture(tmp_path / "b", two))
    check_unique_tokens([a])
    with pytest.raises(FixtureError) as info:
        check_unique_tokens([a, b])
    message = str(info.value)
    assert str(a.source) in message and str(b.source) in message
    assert "'alice'" in message and "'dave'" in message and "users[1].token" in message
    assert TOKEN_A not in message and TOKEN_A.lower() not in message


def test_the_same_fixture_served_twice_is_refused(tmp_path: Path) -> None:
    path = write_fixture(tmp_path, classic())
    with pytest.raises(FixtureError, match="served twice"):
        check_unique_tokens([load_fixture(path), load_fixture(path)])


# --------------------------------------------------------------------------------------------------------
# The file itself


def test_yaml_alias_refused(tmp_path: Path) -> None:
    path = tmp_path / "alias.yaml"
    text = write_fixture(tmp_path, classic()).read_text(encoding="utf-8")
    path.write_text(text + "x-base: &base {a: 1}\nx-copy: *base\n", encoding="utf-8")
    message = refused(path)
    assert "anchors" in message and "aliases" in message and "line " in message and "Fix: " in message


def test_billion_laughs_refused_quickly(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = refused(path)
    assert "anchors" in message and str(path) in message


def test_merge_key_alias_refused(tmp_path: Path) -> None:
    path = tmp_path / "merge.yaml"
    path.write_text(
        "fields:\n  - &f {name: record_id, form: a, type: text}\n  - {<<: *f, name: x}\n", encoding="utf-8"
    )
    assert "aliases" in refused(path)


def test_yaml_duplicate_key_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("fields: []\nfields:\n  - {name: record_id, form: a, type: text}\n", encoding="utf-8")
    message = refused(path)
    assert "'fields' appears twice" in message and "line 2" in message


def test_json_duplicate_key_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text('{"fields": [], "fields": []}', encoding="utf-8")
    assert "'fields' appears twice" in refused(path)


def test_json_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"fields": [}', encoding="utf-8")
    message = refused(path)
    assert "line 1, column" in message and "invalid JSON" in message


def test_json_nan_refused(tmp_path: Path) -> None:
    path = tmp_path / "nan.json"
    path.write_text('{"fields": NaN}', encoding="utf-8")
    assert "NaN" in refused(path)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    assert "top level" in refused(path)


def test_unknown_extension_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("", encoding="utf-8")
    assert "*.yaml, *.yml or *.json" in refused(path)


def test_missing_file_refused(tmp_path: Path) -> None:
    assert "does not exist" in refused(tmp_path / "nope.yaml")


def test_non_utf8_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"project: {title: caf\xe9}\n")
    assert "not UTF-8" in refused(path)


def test_python_tags_refused(tmp_path: Path) -> None:
    path = tmp_path / "tag.yaml"
    path.write_text("fields: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    assert "line 1" in refused(path)
