"""`fake-redcap snapshot` of data access groups, users, roles and the File Repository.

A project with two DAGs (records in each and in none), a role, users in the role and in a DAG, and a
File Repository with a nested folder is served; its snapshot is served and compared export by export.
By default usernames are replaced and e-mail addresses and names left out; a user in a DAG pulls only
its group's records and is told so."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from fake_redcap import FakeServer, FakeState, load_fixture
from fake_redcap.cli import main

ENV = "FAKE_REDCAP_SNAPSHOT_ACCESS_TOKEN"
ADMIN = "A0000000000000000000000000000001"
IN_DAG = "A0000000000000000000000000000002"
NO_REPOSITORY = "A0000000000000000000000000000003"

PROJECT: dict[str, Any] = {
    "project": {
        "project_id": 71,
        "title": "Sites and people",
        "status": "production",
        "attributes": {
            "purpose": 2,
            "project_notes": "Multi-site study",
            "record_autonumbering_enabled": 1,
            "project_pi_firstname": "Perpetua",
            "project_pi_lastname": "Investigatorova",
            "project_irb_number": "IRB-2024-77",
        },
    },
    "redcap_version": "15.7.6",
    "fields": [
        {"name": "record_id", "form": "enrollment", "type": "text"},
        {"name": "nickname", "form": "enrollment", "type": "text", "identifier": True},
        {"name": "age", "form": "enrollment", "type": "text", "validation": "integer"},
        {"name": "report", "form": "labs", "type": "file"},
    ],
    "dags": [{"name": "North Site", "id": 4}, {"name": "South Site", "id": 9}],
    "roles": [
        {
            "unique_role_name": "U-123ACDEFHJ",
            "label": "Data entry",
            "data_export": {"enrollment": "deidentified", "labs": "full"},
            "api_export": True,
            "rights": {"reports": 1, "lock_records": 2},
            "forms": {"enrollment": 1, "labs": 2},
        }
    ],
    "users": [
        {
            "username": "alice.admin",
            "token": ADMIN,
            "data_export": "full",
            "design": True,
            "user_rights": True,
            "email": "alice@hospital.example",
            "firstname": "Alice",
            "lastname": "Adminson",
            "rights": {"data_access_groups": 1, "file_repository": 1, "logging": 1},
        },
        {
            "username": "bob.north",
            "token": IN_DAG,
            "data_export": "full",
            "dag": "north_site",
            "email": "bob@hospital.example",
            "rights": {"file_repository": 1},
        },
        {
            "username": "carol.role",
            "token": NO_REPOSITORY,
            "data_export": "full",
            "role": "U-123ACDEFHJ",
            "expiration": "2031-05-06",
        },
    ],
    "records": [
        {"record": "N-1", "dag": "north_site", "values": {"nickname": "Zebediah", "age": "40"}},
        {"record": "N-2", "dag": "north_site", "values": {"nickname": "Quintessa", "age": "41"}},
        {
            "record": "S-1",
            "dag": "south_site",
            "values": {"nickname": "Bartholomew"},
            "files": {"report": {"text": "south report\n", "name": "s1.txt"}},
        },
        {"record": "X-1", "values": {"nickname": "Wilhelmina"}},
    ],
    "file_repository": {
        "folders": [
            {"name": "Protocols", "id": 3},
            {"name": "2024", "parent": "Protocols", "id": 8},
            {"name": "Empty", "id": 5},
        ],
        "files": [
            {"folder": "Protocols", "text": "protocol v1\n", "name": "protocol.txt", "doc_id": 12},
            {
                "folder": "Protocols/2024",
                "base64": "JVBERi0xLjQK",
                "name": "sop.pdf",
                "mime": "application/pdf",
            },
            {"text": "top level\n", "name": "readme.md"},
        ],
    },
}
SECRETS = (
    "alice.admin",
    "bob.north",
    "carol.role",
    "alice@hospital.example",
    "Alice",
    "Adminson",
    "Perpetua",
    "Investigatorova",
)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeServer]:
    path = tmp_path_factory.mktemp("access") / "project.yaml"
    path.write_text(yaml.safe_dump(PROJECT, sort_keys=False), encoding="utf-8")
    server = FakeServer(FakeState([str(path)]), "127.0.0.1", 0).start()
    yield server
    server.stop()


def run(server: FakeServer, token: str, out: Path, monkeypatch: pytest.MonkeyPatch, *options: str) -> int:
    monkeypatch.setenv(ENV, token)
    return main(["snapshot", "--url", server.url, "--token-env", ENV, "--out", str(out), *options])


def post(url: str, token: str, **params: str) -> requests.Response:
    data = {"token": token, "format": "json", "returnFormat": "json", **params}
    return requests.post(url, data=data, timeout=30)


def repository(url: str, token: str) -> list[Any]:
    """The whole File Repository as the API shows it: every listing, every file's headers and bytes."""
    seen: list[Any] = []
    pending: list[str | None] = [None]
    while pending:
        folder = pending.pop(0)
        extra = {} if folder is None else {"folder_id": folder}
        rows = post(url, token, content="fileRepository", action="list", **extra).json()
        seen.append((folder, rows))
        for row in rows:
            if "folder_id" in row:
                pending.append(str(row["folder_id"]))
            else:
                answer = post(
                    url, token, content="fileRepository", action="export", doc_id=str(row["doc_id"])
                )
                seen.append((row["doc_id"], answer.headers["Content-Type"], answer.content))
    return seen


def test_round_trip_of_dags_users_roles_and_the_file_repository(
    source: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "snap"
    assert run(source, ADMIN, out, monkeypatch, "--with-data", "--keep-record-ids", "--with-files") == 0
    assert "NOTE" not in capsys.readouterr().err
    copy = FakeServer(FakeState([str(out / "project.yaml")]), "127.0.0.1", 0).start()
    try:
        owner = copy.state.served[0].project.users[0]
        assert owner.username == "owner"
        info = post(source.url, ADMIN, content="project").json()
        assert info["project_pi_lastname"] == "Investigatorova" and info["in_production"] == 1
        assert post(copy.url, owner.token, content="project").json() == info
        for content in ("dag", "user", "userRole", "userRoleMapping", "userDagMapping"):
            want = post(source.url, ADMIN, content=content).json()
            have = [
                row
                for row in post(copy.url, owner.token, content=content).json()
                if row.get("username") != "owner"
            ]
            assert have == want, content
        for fmt in ("csv", "json"):
            want = post(source.url, ADMIN, content="record", format=fmt, exportDataAccessGroups="true").text
            assert (
                post(copy.url, owner.token, content="record", format=fmt, exportDataAccessGroups="true").text
                == want
            )
        assert repository(copy.url, owner.token) == repository(source.url, ADMIN)
    finally:
        copy.stop()
    tokens = {u.token for u in load_fixture(out / "project.yaml").users}
    assert not tokens & {ADMIN, IN_DAG, NO_REPOSITORY}  # every user has a new token


def test_default_snapshot_replaces_usernames_and_keeps_placeholders(
    source: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "snap"
    assert run(source, ADMIN, out, monkeypatch) == 0
    written = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    for secret in (*SECRETS, "Zebediah", "Quintessa", "Bartholomew", "Wilhelmina", "N-1", "S-1", "X-1"):
        assert secret.encode() not in written, secret
    for token in (ADMIN, IN_DAG, NO_REPOSITORY):
        assert token.encode() not in written
    copy = load_fixture(out / "project.yaml")
    assert [u.username for u in copy.users] == ["owner", "user_1", "user_2", "user_3"]
    assert {(d.unique_name, d.group_id) for d in copy.dags} == {("north_site", 4), ("south_site", 9)}
    # the records keep their groups under their new IDs
    served = FakeServer(FakeState([str(out / "project.yaml")]), "127.0.0.1", 0).start()
    try:
        token = served.state.served[0].project.users[0].token
        rows = post(served.url, token, content="record", exportDataAccessGroups="true").json()
        assert sorted(r["redcap_data_access_group"] for r in rows) == [
            "",
            "north_site",
            "north_site",
            "south_site",
        ]
        # placeholders in the File Repository: the same names, types and sizes, zeros
        for want, have in zip(repository(source.url, ADMIN), repository(served.url, token), strict=True):
            if len(want) == 3:
                assert have[:2] == want[:2] and have[2] == bytes(len(want[2]))
            else:
                assert have == want
    finally:
        served.stop()


def test_a_user_in_a_dag_pulls_its_records_and_is_told(
    source: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "snap"
    assert run(source, IN_DAG, out, monkeypatch, "--keep-record-ids") == 0
    err = capsys.readouterr().err
    assert "NOTE: the token's user is in a data access group: only its group's records were pulled" in err
    assert "content=user was refused" in err
    copy = load_fixture(out / "project.yaml")
    assert sorted({r.record for r in copy.records}) == ["N-1", "N-2"]
    assert [u.username for u in copy.users] == ["owner"]


def test_without_the_rights_users_and_the_repository_are_left_out_and_said(
    source: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "snap"
    assert run(source, NO_REPOSITORY, out, monkeypatch) == 0
    err = capsys.readouterr().err
    assert "NOTE: the File Repository was not pulled" in err and "File Repository right" in err
    assert "content=user was refused" in err and "content=dag was refused" in err
    copy = load_fixture(out / "project.yaml")
    assert [u.username for u in copy.users] == ["owner"] and not copy.repository.folders
    # the groups come from the records' own column
    assert {d.unique_name for d in copy.dags} == {"north_site", "south_site"}
    assert os.path.isdir(out / "repository") is False or not any((out / "repository").iterdir())


@pytest.mark.parametrize("version", ["10.0.13", "13.6.1", "14.5.11"])
def test_older_redcap_versions(
    version: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before 13 REDCap has no DAG, user, role or File Repository export (the contents are "not
    valid"): the snapshot goes on without them, its DAGs from the records; 13.x sends the File
    Repository file's name where its MIME type goes (the type is then left to the name's extension)."""
    path = tmp_path / "project.yaml"
    path.write_text(yaml.safe_dump({**PROJECT, "redcap_version": version}, sort_keys=False), encoding="utf-8")
    server = FakeServer(FakeState([str(path)]), "127.0.0.1", 0).start()
    out = tmp_path / "snap"
    try:
        assert run(server, ADMIN, out, monkeypatch, "--with-data", "--keep-record-ids", "--with-files") == 0
        copy = FakeServer(FakeState([str(out / "project.yaml")]), "127.0.0.1", 0).start()
        try:
            owner = copy.state.served[0].project.users[0].token
            assert copy.state.served[0].project.redcap_version == version
            for content in ("metadata", "project", "instrument", "exportFieldNames"):
                assert (
                    post(copy.url, owner, content=content).json()
                    == post(server.url, ADMIN, content=content).json()
                )
            params = {"content": "record", "format": "csv", "exportDataAccessGroups": "true"}
            assert post(copy.url, owner, **params).text == post(server.url, ADMIN, **params).text
            if version >= "13":
                assert repository(copy.url, owner) == repository(server.url, ADMIN)
        finally:
            copy.stop()
    finally:
        server.stop()
    notes = [line for line in capsys.readouterr().err.splitlines() if "NOTE" in line]
    # the fake's own gap before 13 (a real REDCap 10 exports users), said as such
    assert all("content=user was refused (The fake REDCap server does not implement" in n for n in notes)
    assert len(notes) == (1 if version < "13" else 0)
