"""download_file: streams to a temporary file beside the destination, renames only a complete body,
never writes outside the destination, and leaves nothing behind after a failure."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from fake_redcap import messages
from redcap_file_client import RedcapClient, RedcapError
from tests.support import NO_PERMISSION
from tests.support.client_stub import Script, StubServer, error_response, file_response, response, serve

TOKEN = "8C1F0D6E2B9A47F3A5D2C7B19E04F6A1"
PNG = 'image/png; name="mugshot-1.jpg"'


def make(stub: StubServer, **kwargs: object) -> RedcapClient:
    options: dict[str, object] = {"timeout": 2.0, "retries": 0, "backoff": 0.001, **kwargs}
    return RedcapClient(stub.url, TOKEN, **options)  # type: ignore[arg-type]


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    folder = tmp_path / "dest"
    folder.mkdir()
    return folder


def tree(root: Path) -> list[str]:
    """Every path under root, relative, so a stray file anywhere shows up."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_download_into_a_folder_uses_the_server_name(dest: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    with serve(file_response(data, 'application/pdf; name="consent.pdf"', chunked=True)) as stub:
        path = make(stub).download_file("1", "consent_form", dest)
    assert path == dest / "consent.pdf"
    assert path.read_bytes() == data
    assert tree(dest) == ["consent.pdf"]


def test_download_to_a_file_path(dest: Path) -> None:
    with serve(file_response(b"hello\n", 'text/plain; name="ignored.txt";charset=UTF-8')) as stub:
        path = make(stub).download_file("1", "f", dest / "mine.txt")
    assert path == dest / "mine.txt"
    assert path.read_bytes() == b"hello\n"
    assert tree(dest) == ["mine.txt"]


def test_a_string_destination_works(dest: Path) -> None:
    with serve(file_response(b"x", PNG)) as stub:
        path = make(stub).download_file("1", "f", str(dest))
    assert path == dest / "mugshot-1.jpg"


def test_progress_is_reported(dest: Path) -> None:
    data = b"x" * (2 * 1024 * 1024 + 5)
    seen: list[tuple[int, int | None]] = []
    with serve(file_response(data, PNG)) as stub:
        make(stub).download_file("1", "f", dest, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (len(data), len(data))
    assert len(seen) >= 2
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_a_missing_folder_is_refused_before_any_request(tmp_path: Path) -> None:
    with serve(file_response(b"x", PNG)) as stub:
        with pytest.raises(FileNotFoundError):
            make(stub).download_file("1", "f", tmp_path / "nope" / "x.png")
        with pytest.raises(FileNotFoundError):
            make(stub).download_file("1", "f", f"{tmp_path / 'nope'}/")
        assert stub.requests == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("server_name", "written"),
    [
        ("../../x", "x"),
        ("/etc/passwd", "passwd"),
        ("C:\\x", "x"),
        ("C:\\Windows\\win.ini", "win.ini"),
        ("con.txt", "_con.txt"),
        ("a\x00b.png", "ab.png"),
        ("x" * 300 + ".png", None),
        ("...", "record-1_field-f.png"),
        ("..", "record-1_field-f.png"),
        (".", "record-1_field-f.png"),
        ("", "record-1_field-f.png"),
        ("../", "record-1_field-f.png"),
        ("/", "record-1_field-f.png"),
    ],
)
def test_hostile_names_stay_inside_the_destination(
    tmp_path: Path, server_name: str, written: str | None
) -> None:
    dest = tmp_path / "a" / "b"
    dest.mkdir(parents=True)
    for header in (f'image/png; name="{server_name}"', f"image/png; name={server_name}"):
        with serve(file_response(b"\x89PNG", header.encode().decode("latin-1"))) as stub:
            path = make(stub).download_file("1", "f", dest, overwrite=True)
        assert path.parent == dest
        assert path.resolve().parent == dest.resolve()
        if written is not None:
            assert path.name == written
        assert len(path.name.encode()) <= 200
        assert tree(tmp_path) == ["a", "a/b", f"a/b/{path.name}"]
        path.unlink()


def test_no_name_falls_back_to_record_event_instance_field(dest: Path) -> None:
    with serve(file_response(b"%PDF", "application/pdf")) as stub:
        path = make(stub).download_file("../7", "lab", dest, event="visit_1_arm_1", repeat_instance=2)
    assert path.name == "record-.._7_event-visit_1_arm_1_instance-2_field-lab.pdf"
    assert path.parent == dest


def test_a_symlinked_name_is_not_written_through(tmp_path: Path, dest: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"keep me")
    (dest / "mugshot-1.jpg").symlink_to(outside)
    with serve(file_response(b"new", PNG)) as stub:
        with pytest.raises(FileExistsError):
            make(stub).download_file("1", "f", dest)
        path = make(stub).download_file("1", "f", dest, overwrite=True)
    assert not path.is_symlink() and path.read_bytes() == b"new"
    assert outside.read_bytes() == b"keep me"


# ------------------------------------------------------------------ overwriting


def test_an_existing_file_path_is_refused_before_any_request(dest: Path) -> None:
    (dest / "mine.png").write_bytes(b"old")
    with serve(file_response(b"new", PNG)) as stub:
        with pytest.raises(FileExistsError):
            make(stub).download_file("1", "f", dest / "mine.png")
        assert stub.requests == []
    assert (dest / "mine.png").read_bytes() == b"old"


def test_an_existing_server_name_is_refused(dest: Path) -> None:
    (dest / "mugshot-1.jpg").write_bytes(b"old")
    with serve(file_response(b"new", PNG)) as stub, pytest.raises(FileExistsError):
        make(stub).download_file("1", "f", dest)
    assert (dest / "mugshot-1.jpg").read_bytes() == b"old"
    assert tree(dest) == ["mugshot-1.jpg"]


def test_overwrite_replaces(dest: Path) -> None:
    (dest / "mugshot-1.jpg").write_bytes(b"old")
    (dest / "mine.png").write_bytes(b"old")
    with serve(file_response(b"new", PNG)) as stub:
        make(stub).download_file("1", "f", dest, overwrite=True)
        make(stub).download_file("1", "f", dest / "mine.png", overwrite=True)
    assert (dest / "mugshot-1.jpg").read_bytes() == b"new"
    assert (dest / "mine.png").read_bytes() == b"new"
    assert tree(dest) == ["mine.png", "mugshot-1.jpg"]


# ------------------------------------------------------------------ failures leave nothing behind

HTML_502 = response(502, b"<html><title>502 Bad Gateway</title></html>", [("Content-Type", "text/html")])
FAULTS = {
    "dropped mid-body": Script(
        b'HTTP/1.1 200 OK\r\nContent-Type: image/png; name="mugshot-1.jpg"\r\nContent-Length: 100000\r\n\r\n'
        + b"x" * 5000,
        "close",
    ),
    "fewer bytes than Content-Length": file_response(b"x" * 99, PNG, content_length=100, then="close"),
    "chunked body cut": Script(
        b'HTTP/1.1 200 OK\r\nContent-Type: image/png; name="mugshot-1.jpg"\r\n'
        b"Transfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n10\r\nabc",
        "close",
    ),
    "stalls mid-body": file_response(b"x" * 10, PNG, content_length=1000, then="stall"),
    "stalls before headers": Script(b"", "stall"),
    "closes before headers": Script(b"", "close"),
    "502 html": HTML_502,
    "400 json": error_response(400, "json", messages.NO_FILE_TO_DOWNLOAD),
    "403 xml": error_response(403, "xml", NO_PERMISSION),
}


@pytest.mark.parametrize("overwrite", [False, True])
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_failure_leaves_no_file_and_never_touches_an_existing_one(
    tmp_path: Path, fault: str, overwrite: bool
) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    if overwrite:
        (dest / "mugshot-1.jpg").write_bytes(b"precious")
    started = time.monotonic()
    with serve(FAULTS[fault]) as stub:
        client = make(stub, timeout=0.3)
        with pytest.raises(RedcapError) as caught:
            client.download_file("1", "f", dest, overwrite=overwrite)
        with pytest.raises(RedcapError):
            client.download_file("1", "f", dest / "named.png", overwrite=overwrite)
    assert time.monotonic() - started < 5
    assert tree(tmp_path) == (["dest", "dest/mugshot-1.jpg"] if overwrite else ["dest"])
    if overwrite:
        assert (dest / "mugshot-1.jpg").read_bytes() == b"precious"
    if "stalls" in fault or "cut" in fault or "fewer" in fault or "dropped" in fault or "closes" in fault:
        assert caught.value.status is None
        assert caught.value.__cause__ is not None or "incomplete" in caught.value.message
    else:
        assert caught.value.status in (400, 403, 502)


def test_a_short_body_message_says_how_much_arrived(dest: Path) -> None:
    with serve(FAULTS["fewer bytes than Content-Length"]) as stub, pytest.raises(RedcapError) as caught:
        make(stub).download_file("1", "f", dest)
    assert "of 100 bytes" in caught.value.message


def test_a_broken_download_is_retried_from_the_start(dest: Path) -> None:
    data = b"0123456789" * 1000
    with serve(FAULTS["dropped mid-body"], file_response(data, PNG)) as stub:
        path = make(stub, retries=1).download_file("1", "f", dest)
    assert path.read_bytes() == data
    assert tree(dest) == ["mugshot-1.jpg"]
    assert len(stub.requests) == 2


def test_an_interrupt_mid_body_leaves_nothing(dest: Path) -> None:
    def stop(done: int, total: int | None) -> None:
        raise KeyboardInterrupt

    with serve(file_response(b"x" * 100, PNG)) as stub, pytest.raises(KeyboardInterrupt):
        make(stub).download_file("1", "f", dest, progress=stop)
    assert tree(dest) == []
