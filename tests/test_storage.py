"""Issue 12 points 6 (last part), 7 and 8: file storage that cannot be escaped or confused.

* Fixture files are checked where they are opened, not only at load: a file swapped for a symbolic link
  (to /etc/passwd), a folder swapped for one, a FIFO, a deleted file: REDCap's answer for a file missing
  from its storage folder, 400 `The file "<path>" ("<name>") does not exist` (V7-V15
  `API/file/export.php`:138; the path is the one looked at), never the bytes of what is there now.
* A killed server's storage is removed by the next start; concurrent servers keep each other's.
* A replaced or deleted upload leaves the disk once no call can still open it (a download that has it
  open keeps reading it).
* An upload name that is not UTF-8 is stored as MySQL's non-strict utf8mb4 column keeps it: each invalid
  byte becomes `?` (observed on MariaDB 10.11 under REDCap's sql_mode NO_ENGINE_SUBSTITUTION).
* Resets beside imports and exports never answer 500.

Expected texts are spelled out here, not imported from the fake.
"""

from __future__ import annotations

import io
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from fake_redcap import FakeServer, FakeState, create_app, storage
from fake_redcap.storage import Storage, sweep_stale
from tests.support import BOUNDARY, MULTIPART_TYPE, token, write_fixture
from tests.support.contract_runs import _first_url, fake_redcap_command

ADMIN = token(0x5707, 1)
PDF = b"%PDF-1.4\nfixture consent\n%%EOF\n"
DURATION = float(os.environ.get("RESET_SOAK_SECONDS", "60")) if os.environ.get("SOAK") else 0.0


def fixture_doc() -> dict[str, Any]:
    return {
        "project": {"project_id": 5707, "title": "Storage"},
        "fields": [
            {"name": "record_id", "form": "main", "type": "text"},
            {"name": "doc", "form": "main", "type": "file"},
            {"name": "other", "form": "main", "type": "file"},
        ],
        "users": [
            {
                "username": "admin",
                "token": ADMIN,
                "data_export": "full",
                "api_import": True,
                "record_delete": True,
            }
        ],
        "records": [{"record": "1", "files": {"doc": {"path": "files/consent.pdf"}}}, {"record": "2"}],
    }


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    where = tmp_path / "fixture"
    (where / "files").mkdir(parents=True)
    (where / "files" / "consent.pdf").write_bytes(PDF)
    write_fixture(where, fixture_doc())
    return where


@pytest.fixture
def state(folder: Path) -> Iterator[FakeState]:
    fake = FakeState([folder / "project.yaml"])
    yield fake
    fake.close()


@pytest.fixture(params=["proc", "walk"])
def client(state: FakeState, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    """Both ways of opening a stored file: the real path of the descriptor checked through /proc, and
    (where /proc is missing) one O_NOFOLLOW open per path component."""
    if request.param == "walk":
        monkeypatch.setattr(storage, "_PROC_FD", False)
    return create_app(state).test_client()


def export(client: FlaskClient, field: str = "doc", record: str = "1", fmt: str = "json") -> Any:
    data = {"token": ADMIN, "content": "file", "action": "export", "record": record, "field": field}
    return client.post("/api/", data={**data, "returnFormat": fmt})


def upload(client: FlaskClient, data: bytes, name: str = "up.bin", field: str = "doc") -> int:
    answer = client.post(
        "/api/",
        data={
            "token": ADMIN,
            "content": "file",
            "action": "import",
            "record": "1",
            "field": field,
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )
    return answer.status_code


def missing(path: Path, name: str) -> bytes:
    text = f'The file "{path}" ("{name}") does not exist'
    return json.dumps({"error": text}, separators=(",", ":")).replace("/", "\\/").encode()


# ---------------------------------------------------------------------------------------------------------
# Point 7: fixture files checked where they are opened


def test_a_fixture_file_swapped_for_a_link_to_etc_passwd_is_never_served(
    state: FakeState, client: FlaskClient, folder: Path
) -> None:
    consent = (folder / "files" / "consent.pdf").resolve()
    assert export(client).get_data() == PDF
    consent.unlink()
    consent.symlink_to("/etc/passwd")
    for _ in range(2):  # before and after a reset (the fixture itself did not change)
        answer = export(client)
        assert (answer.status_code, answer.get_data()) == (400, missing(consent, "consent.pdf"))
        assert b"root:" not in answer.get_data()
        state.reset()


def test_a_fixture_folder_swapped_for_a_link_is_never_followed(
    state: FakeState, client: FlaskClient, folder: Path, tmp_path: Path
) -> None:
    consent = (folder / "files" / "consent.pdf").resolve()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "consent.pdf").write_bytes(b"not the fixture's file")
    (folder / "files").rename(tmp_path / "moved")
    (folder / "files").symlink_to(elsewhere)
    answer = export(client)
    assert (answer.status_code, answer.get_data()) == (400, missing(consent, "consent.pdf"))


def test_a_deleted_fixture_file_answers_as_redcap_does(
    state: FakeState, client: FlaskClient, folder: Path
) -> None:
    consent = (folder / "files" / "consent.pdf").resolve()
    consent.unlink()
    answer = export(client)
    assert (answer.status_code, answer.get_data()) == (400, missing(consent, "consent.pdf"))
    xml = export(client, fmt="xml")
    text = f'The file "{consent}" ("consent.pdf") does not exist'
    assert xml.status_code == 400 and text.encode() in xml.get_data()
    # fileinfo reads the metadata only (V15 export.php answers it before looking at the file)
    info = client.post(
        "/api/",
        data={"token": ADMIN, "content": "fileinfo", "action": "export", "record": "1", "field": "doc"},
    )
    assert (info.status_code, info.get_json()) == (200, {"size": len(PDF), "name": "consent.pdf"})


def test_a_fixture_file_swapped_for_a_fifo_answers_at_once(client: FlaskClient, folder: Path) -> None:
    consent = (folder / "files" / "consent.pdf").resolve()
    consent.unlink()
    os.mkfifo(consent)
    answer = export(client)  # opening a FIFO for reading would block until a writer came
    assert (answer.status_code, answer.get_data()) == (400, missing(consent, "consent.pdf"))


def test_a_fixture_file_edited_in_place_is_served_as_it_is_now(client: FlaskClient, folder: Path) -> None:
    (folder / "files" / "consent.pdf").write_bytes(PDF + b"% edited\n")
    assert export(client).get_data() == PDF + b"% edited\n"


def test_a_deleted_upload_answers_as_redcap_does(state: FakeState, client: FlaskClient) -> None:
    assert upload(client, b"uploaded bytes", "u.txt", field="other") == 200
    stored = state.projects[0].records[0].files["other"]
    assert stored.path is not None
    stored.path.unlink()
    answer = export(client, field="other")
    assert (answer.status_code, answer.get_data()) == (400, missing(stored.path, "u.txt"))


# ---------------------------------------------------------------------------------------------------------
# Point 8: leftovers


def blobs(state: FakeState) -> list[Path]:
    return sorted(p for p in state.storage.root.iterdir() if p.is_file())


def test_replaced_and_deleted_uploads_leave_the_disk(state: FakeState, client: FlaskClient) -> None:
    for n in range(5):
        assert upload(client, f"version {n}".encode()) == 200
        assert len(blobs(state)) == 1
    assert export(client).get_data() == b"version 4"
    delete = client.post(
        "/api/", data={"token": ADMIN, "content": "file", "action": "delete", "record": "1", "field": "doc"}
    )
    assert delete.status_code == 200
    assert blobs(state) == []


def test_a_download_in_progress_keeps_the_replaced_file(state: FakeState, folder: Path) -> None:
    big = os.urandom(3 * 1024 * 1024)
    client = create_app(state).test_client()
    assert upload(client, big) == 200
    with FakeServer(state) as server:
        data = {"token": ADMIN, "content": "file", "action": "export", "record": "1", "field": "doc"}
        with requests.post(server.url, data=data, stream=True, timeout=30) as answer:
            chunks = answer.iter_content(64 * 1024)
            first = next(chunks)
            assert upload(client, b"replacement") == 200  # the old file is unlinked now ...
            assert len(blobs(state)) == 1
            rest = b"".join(chunks)  # ... and still read whole
        assert first + rest == big


def test_a_reset_frees_the_uploads_at_once_when_no_call_is_running(
    state: FakeState, client: FlaskClient
) -> None:
    assert upload(client, b"a") == 200
    assert upload(client, b"b", field="other") == 200
    assert len(blobs(state)) == 2
    state.reset()
    assert blobs(state) == []
    assert export(client).get_data() == PDF


def test_an_upload_name_that_is_not_utf8_is_stored_as_mysql_keeps_it(state: FakeState) -> None:
    stored = state.store(io.BytesIO(b"x"), "caf\udce9 \udcff\udcfe.txt", lambda _: "text/plain")
    assert stored.name == "caf? ??.txt"
    long = state.store(io.BytesIO(b"x"), "é" * 300 + ".txt", lambda _: "text/plain")
    assert long.name == "é" * 255  # varchar(255): cut to 255 characters, extension and all


def start_server(base_tmp: Path, fixture: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "TMPDIR": str(base_tmp)}
    process = subprocess.Popen(
        [*fake_redcap_command(), "serve", "--port", "0", "--fixture", str(fixture)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return process, _first_url(lines, process)


def storage_folders(base_tmp: Path) -> list[Path]:
    return sorted(p for base in base_tmp.glob("fake-redcap-*") for p in base.iterdir())


def test_a_killed_servers_storage_is_removed_by_the_next_start(tmp_path: Path, folder: Path) -> None:
    base_tmp = tmp_path / "tmp"
    base_tmp.mkdir()
    fixture = folder / "project.yaml"
    first, url = start_server(base_tmp, fixture)
    second: subprocess.Popen[str] | None = None
    try:
        answer = requests.post(
            url,
            data={"token": ADMIN, "content": "file", "action": "import", "record": "1", "field": "doc"},
            files={"file": ("big.bin", b"x" * (1024 * 1024))},
            timeout=30,
        )
        assert answer.status_code == 200
        [killed] = storage_folders(base_tmp)
        assert any(p.is_file() for p in killed.iterdir())
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert storage_folders(base_tmp) == [killed]  # SIGKILL leaves it behind ...
        second, _ = start_server(base_tmp, fixture)
        assert not killed.exists()  # ... and the next start removes it
        assert len(storage_folders(base_tmp)) == 1
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


def test_concurrent_servers_keep_each_others_storage(tmp_path: Path, folder: Path) -> None:
    base_tmp = tmp_path / "tmp"
    base_tmp.mkdir()
    fixture = folder / "project.yaml"
    processes: list[subprocess.Popen[str]] = []
    try:
        first, url = start_server(base_tmp, fixture)
        processes.append(first)
        data = {"token": ADMIN, "content": "file", "action": "import", "record": "1", "field": "doc"}
        answer = requests.post(url, data=data, files={"file": ("a.bin", b"kept")}, timeout=30)
        assert answer.status_code == 200
        second, _ = start_server(base_tmp, fixture)
        processes.append(second)
        assert len(storage_folders(base_tmp)) == 2
        export = requests.post(url, data={**data, "action": "export"}, timeout=30)
        assert (export.status_code, export.content) == (200, b"kept")
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
    assert storage_folders(base_tmp) == []  # a server stopped with SIGTERM removes its own


def test_the_sweep_keeps_live_owners_and_foreign_names(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir(mode=0o700)
    live = Storage(base)
    dead_pid = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_pid.wait()
    stale = base / f"{dead_pid.pid}--0123abcd"
    stale.mkdir()
    (stale / "blob").write_bytes(b"x")
    reused = base / f"{os.getpid()}-1-89abcdef"  # a live pid that started at another time: reused
    reused.mkdir()
    foreign = base / "not-ours"
    foreign.mkdir()
    removed = sweep_stale(base)
    assert sorted(removed) == sorted([stale, reused])
    assert live.root.exists() and foreign.exists()
    live.close()
    assert not live.root.exists()


# ---------------------------------------------------------------------------------------------------------
# Point 6 (last part): resets beside imports and exports


def test_resets_beside_imports_and_exports_never_answer_500(state: FakeState) -> None:
    """Four clients import and export over a real socket while resets run back to back; a bounded number
    of requests (or SOAK=1 with RESET_SOAK_SECONDS for a timed run). No 5xx, no broken connection, and
    every answer is one the fixture or an upload could give."""
    requests_per_client = 150
    stop_at = time.monotonic() + DURATION if DURATION else None
    tally: Counter[str] = Counter()
    wrong: list[str] = []
    fixture_answer = (200, PDF)

    with FakeServer(state) as server:
        url = server.url

        def client(n: int) -> None:
            with requests.Session() as session:
                i = 0
                while (i < requests_per_client) if stop_at is None else (time.monotonic() < stop_at):
                    i += 1
                    payload = f"client {n} upload {i}".encode()
                    base = {"token": ADMIN, "content": "file", "record": "1", "field": "doc"}
                    try:
                        if i % 2:
                            got = session.post(
                                url, data={**base, "action": "import"}, files={"file": ("u.txt", payload)}
                            )
                            ok = (got.status_code, got.content) == (200, b"")
                        else:
                            got = session.post(url, data={**base, "action": "export"})
                            ok = got.status_code == 200 and (
                                (got.status_code, got.content) == fixture_answer
                                or got.content.startswith(b"client ")
                            )
                    except requests.RequestException as exc:
                        wrong.append(repr(exc))
                        return
                    tally[str(got.status_code)] += 1
                    if not ok:
                        wrong.append(f"{got.status_code} {got.content[:80]!r}")

        clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for thread in clients:
            thread.start()
        while any(thread.is_alive() for thread in clients):
            state.reset()
            tally["resets"] += 1
        for thread in clients:
            thread.join()
    print(f"\nresets beside imports and exports: {dict(tally)}")
    assert wrong == [], wrong[:5]
    assert tally["resets"] > 0 and tally["200"] > 0
    assert blobs(state) == []
    state.reset()


def test_an_upload_name_that_is_not_utf8_is_accepted_and_stored_with_question_marks(
    state: FakeState,
) -> None:
    """PHP hands REDCap the name's bytes as they came (observed with php-cli 8.2); the database keeps `?`
    for each byte that is not UTF-8. Before: the whole multipart body was dropped (403, then "No valid
    file was uploaded")."""
    fields = {"token": ADMIN, "content": "file", "action": "import", "record": "1", "field": "doc"}
    body = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    body += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="'.encode()
        + b"caf\xe9 \xff.txt"
        + b'"\r\nContent-Type: text/plain\r\n\r\nhello\r\n'
        + f"--{BOUNDARY}--\r\n".encode()
    )
    with FakeServer(state) as server:
        answer = requests.post(server.url, data=body, headers={"Content-Type": MULTIPART_TYPE}, timeout=30)
        assert (answer.status_code, answer.content) == (200, b"")
        info = requests.post(
            server.url, data={**fields, "content": "fileinfo", "action": "export"}, timeout=30
        )
        assert info.json() == {"size": 5, "name": "caf? ?.txt"}
        export = requests.post(server.url, data={**fields, "action": "export"}, timeout=30)
        assert export.headers["Content-Type"] == 'text/plain; name="caf? ?.txt";charset=UTF-8'
        assert export.content == b"hello"


def test_a_load_that_replaces_a_project_frees_its_uploads(
    state: FakeState, client: FlaskClient, folder: Path
) -> None:
    assert upload(client, b"a") == 200
    assert len(blobs(state)) == 1
    state.load([folder / "project.yaml"], replace=True)
    assert blobs(state) == []
    assert export(client).get_data() == PDF


def test_a_change_computed_before_a_reset_is_dropped_with_that_world(state: FakeState) -> None:
    """An import that read the projects, then a reset, then the import links its file: the file would
    land in the fresh world the reset promised. It is dropped (as if made just before the reset) and
    its upload freed."""
    before = state.served[0]
    stored = state.store(io.BytesIO(b"late"), "late.txt", lambda _: "text/plain")
    state.reset()
    state.set_file(5707, "1", None, 1, "doc", stored, seen=before)
    assert state.projects[0].records[0].files["doc"].name == "consent.pdf"
    assert blobs(state) == []
    now = state.served[0]
    fresh = state.store(io.BytesIO(b"now"), "now.txt", lambda _: "text/plain")
    state.set_file(5707, "1", None, 1, "doc", fresh, seen=now)
    assert state.projects[0].records[0].files["doc"].read_bytes() == b"now"
