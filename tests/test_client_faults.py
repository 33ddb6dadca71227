"""The client against the fake's fault modes: the connection dropped mid-body, a short body (a
Content-Length promise broken), a stall past the client's timeout, an Apache 502/503 page, a 200
maintenance page.

What must hold:
* the right `RedcapError`: status None for a transport failure (the cause chained), the HTTP status and
  a short description for an HTML page;
* Export File is retried where that is safe: a one-shot fault costs one more request and the download
  then succeeds, whole (the journal shows both requests);
* Import and Delete File are never retried (the journal shows exactly one request). The faults act after
  the fake has done the work, as a proxy failing on the way back would: the change is made, and the
  client says it does not know;
* no partial file and no temporary file is left behind, and an existing destination is untouched.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fake_redcap import FakeServer, FakeState
from fake_redcap.faults import Fault
from fake_redcap.journal import JournalEntry
from redcap_file_client import RedcapClient, RedcapError
from tests.support import token, write_fixture

ADMIN = token(0xFA017, 1)
# 512 KiB that never repeat: a drop after 100 kB is mid-body, and any mix-up shows.
CONTENT = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(16384))
TIMEOUT = 0.5
FIXTURE: dict[str, Any] = {
    "project": {"project_id": 902, "title": "Client faults"},
    "fields": [
        {"name": "record_id", "form": "main", "type": "text"},
        {"name": "scan", "form": "main", "type": "file"},
        {"name": "notes", "form": "main", "type": "file"},
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
    "records": [
        {
            "record": "1",
            "files": {
                "scan": {"path": "files/scan.bin", "mime": "application/octet-stream"},
                "notes": {"text": "notes\n", "name": "notes.txt", "mime": "text/plain"},
            },
        }
    ],
}

# kind -> (Fault arguments, the expected status, words in the message)
FAULTS: dict[str, tuple[dict[str, Any], int | None, str]] = {
    "drop": ({"kind": "drop", "after_bytes": 100_000}, None, "broke off"),
    "short_body": ({"kind": "short_body", "after_bytes": 100_000}, None, "broke off"),
    "stall": ({"kind": "delay", "seconds": 2 * TIMEOUT}, None, "timed out"),
    "502": ({"kind": "http_error", "status": 502}, 502, "not a REDCap answer, an HTML page: 502 Bad Gateway"),
    "503": (
        {"kind": "http_error", "status": 503},
        503,
        "not a REDCap answer, an HTML page: 503 Service Unavailable",
    ),
    "maintenance": ({"kind": "maintenance"}, 200, "an HTML page: REDCap - Maintenance"),
}
RETRIED = ["drop", "short_body", "stall", "502", "503"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FakeServer]:
    folder = tmp_path / "fixture"
    (folder / "files").mkdir(parents=True)
    (folder / "files" / "scan.bin").write_bytes(CONTENT)
    state = FakeState([write_fixture(folder, FIXTURE)])
    with FakeServer(state, "127.0.0.1", 0) as running:
        yield running
    state.close()


def client(server: FakeServer, retries: int = 2) -> RedcapClient:
    return RedcapClient(server.url, ADMIN, timeout=TIMEOUT, retries=retries, backoff=0)


def add_fault(server: FakeServer, kind: str, action: str, times: int | None) -> None:
    arguments = dict(FAULTS[kind][0])
    server.state.faults.add(Fault(match={"action": action}, times=times, **arguments))


def requests_made(server: FakeServer, action: str) -> int:
    return len(server.state.journal.find(action=action))


def settled(server: FakeServer) -> list[JournalEntry]:
    """The journal once every request is answered (a delayed answer is journaled when it goes out)."""
    deadline = time.monotonic() + 10  # a hang guard
    while any(e.status == 0 for e in server.state.journal.entries()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return server.state.journal.entries()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("kind", RETRIED)
def test_export_retries_through_a_one_shot_fault_and_succeeds(
    server: FakeServer, tmp_path: Path, kind: str
) -> None:
    add_fault(server, kind, "export", times=1)
    target = tmp_path / "out"
    target.mkdir()
    with client(server) as redcap:
        path = redcap.download_file("1", "scan", target)
    assert path.read_bytes() == CONTENT
    assert leftovers(target) == ["scan.bin"]
    assert requests_made(server, "export") == 2


@pytest.mark.parametrize("kind", list(FAULTS))
def test_export_under_a_lasting_fault_raises_and_touches_no_file(
    server: FakeServer, tmp_path: Path, kind: str
) -> None:
    """Into a folder: nothing is created. Onto an existing file with overwrite=True: it keeps its bytes."""
    add_fault(server, kind, "export", times=None)
    _arguments, status, words = FAULTS[kind]
    folder = tmp_path / "out"
    folder.mkdir()
    existing = folder / "kept.bin"
    existing.write_bytes(b"the user's own file")
    with client(server) as redcap:
        for dest, overwrite in ((folder, False), (existing, True)):
            with pytest.raises(RedcapError) as info:
                redcap.download_file("1", "scan", dest, overwrite=overwrite)
            assert info.value.status == status
            assert words in info.value.message
            if status is None:
                assert info.value.__cause__ is not None
    assert leftovers(folder) == ["kept.bin"]
    assert existing.read_bytes() == b"the user's own file"
    retries = 2 if kind in RETRIED else 0
    assert requests_made(server, "export") == 2 * (1 + retries)


def test_export_file_in_memory_retries_too(server: FakeServer) -> None:
    add_fault(server, "drop", "export", times=2)
    with client(server) as redcap:
        exported = redcap.export_file("1", "scan")
    assert exported.content == CONTENT and exported.filename == "scan.bin"
    assert requests_made(server, "export") == 3


@pytest.mark.parametrize("action", ["import", "delete"])
@pytest.mark.parametrize("kind", list(FAULTS))
def test_import_and_delete_are_never_retried(server: FakeServer, kind: str, action: str) -> None:
    """A one-shot fault: one request, a RedcapError, and the change made on the server (the fault hit
    the answer on its way back), which the client must not repeat."""
    add_fault(server, kind, action, times=1)
    _arguments, status, _words = FAULTS[kind]
    with client(server, retries=3) as redcap, pytest.raises(RedcapError) as info:
        if action == "import":
            redcap.import_file("1", "notes", b"replaced\n", filename="new.txt")
        else:
            redcap.delete_file("1", "notes")
    assert info.value.status == status
    assert requests_made(server, action) == 1
    files = server.state.projects[0].records[0].files
    if action == "import":
        assert files["notes"].read_bytes() == b"replaced\n"
    else:
        assert "notes" not in files


def test_the_fault_journal_names_each_fault(server: FakeServer, tmp_path: Path) -> None:
    """Every fault tried above, as the journal reports it: kind and status, once per request."""
    for kind in FAULTS:
        add_fault(server, kind, "export", times=1)
    with client(server, retries=0) as redcap:
        for _kind in FAULTS:
            with contextlib.suppress(RedcapError):
                redcap.export_file("1", "scan")
    entries = settled(server)
    assert [e.fault for e in entries] == [
        "drop",
        "short_body",
        "delay",
        "http_error",
        "http_error",
        "maintenance",
    ]
