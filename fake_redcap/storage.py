"""Where one FakeState keeps uploaded files, when they are freed, and how any stored file is opened.

**Where.** Every state gets a folder of its own, `<tempdir>/fake-redcap-<uid>/<pid>-<start>-<random>/`,
holding its uploads and `incoming/` (where request parsing spools file parts). The name says which
process owns it (`start` is the process's start time, so a reused pid is not mistaken for the owner).
Creating a state removes the folders of owners that are gone (a server killed with SIGKILL, a crashed
test run); a folder whose owner still runs is never touched, so concurrent servers never delete each
other's storage. A state's own folder goes when it is closed, garbage-collected or the process exits.

**When freed.** An upload leaves the served world when its field is replaced or deleted, or when a
reset or load drops its project. An API call that began before that may hold a snapshot naming it and
be about to open it, so the file is unlinked as soon as every such call has ended (calls are counted by
epoch; a change bumps the epoch). A download that has opened the file keeps reading it through its
descriptor: POSIX keeps an unlinked file's bytes until the last descriptor closes, so the disk space is
freed when the last download of a replaced file ends, never later than that and never under a reader.
This is reference counting without counting readers: the kernel counts the open descriptors.

**How opened.** Stored paths are absolute and fully resolved (the fixture loader resolves a fixture's
files and checks they stay inside its folder; uploads live in the resolved storage folder). They are
opened so that no symbolic link is followed anywhere on the way (O_NOFOLLOW, and the real path of the
open descriptor must be the stored path; one component at a time where /proc is missing), so a file or
folder swapped for a symbolic link after load (to /etc/passwd, out of the folder) is refused, as is
anything but a regular file.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import stat
import tempfile
import threading
import uuid
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import IO, BinaryIO

_OWNED = re.compile(r"(?P<pid>[0-9]+)-(?P<start>[0-9]*)-[0-9a-f]{8}")
# POSIX flags (absent on Windows, where the fake is not supported but must still import).
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC
_FILE_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | _CLOEXEC


class StoredFileMissing(Exception):
    """A stored file cannot be opened as the regular file it was: deleted, swapped for a symbolic link
    or something else, or moved out from under its path. `path` is the path it was stored at."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"the stored file {path} is missing")
        self.path = path


def open_stored(path: Path) -> BinaryIO:
    """The stored file at `path` (absolute, resolved), opened for reading without following a symbolic
    link anywhere on the way. Raises StoredFileMissing for anything but the regular file at that path."""
    if not path.is_absolute() or any(p in (".", "..") for p in path.parts[1:]):
        raise StoredFileMissing(path)
    try:
        if _PROC_FD:
            fd, before = _open_checked_by_proc(path)
        else:
            fd, before = _open_walking(path)
    except OSError:
        raise StoredFileMissing(path) from None
    after = os.fstat(fd)
    if (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino) or not stat.S_ISREG(after.st_mode):
        os.close(fd)
        raise StoredFileMissing(path)
    return io.FileIO(fd, "rb")  # unbuffered: it is read in large chunks (and cheaper to make)


# Linux names every open descriptor's real path in /proc/self/fd: one open and one readlink check that
# no component of the path was a symbolic link (the real path would differ), instead of one open per
# component (about 15 µs against 50 µs for an 8-component path).
_PROC_FD = os.path.isdir("/proc/self/fd")


def _open_checked_by_proc(path: Path) -> tuple[int, os.stat_result]:
    before = os.lstat(path)  # a FIFO or a device is never opened (opening one can block or act)
    if not stat.S_ISREG(before.st_mode):
        raise FileNotFoundError(path)
    fd = os.open(path, _FILE_FLAGS)
    try:
        if os.readlink(f"/proc/self/fd/{fd}") != str(path):
            raise FileNotFoundError(path)
    except OSError:
        os.close(fd)
        raise
    return fd, before


def _open_walking(path: Path) -> tuple[int, os.stat_result]:
    parts = path.parts
    folder = os.open(parts[0], _DIR_FLAGS)
    try:
        for part in parts[1:-1]:
            inner = os.open(part, _DIR_FLAGS, dir_fd=folder)
            os.close(folder)
            folder = inner
        before = os.stat(parts[-1], dir_fd=folder, follow_symlinks=False)
        if not stat.S_ISREG(before.st_mode):
            raise FileNotFoundError(path)
        return os.open(parts[-1], _FILE_FLAGS, dir_fd=folder), before
    finally:
        os.close(folder)


def default_base() -> Path:
    """The one folder every state of this user keeps its storage under."""
    return Path(tempfile.gettempdir()) / f"fake-redcap-{os.getuid()}"


def _process_state(pid: int) -> tuple[str, str] | None:
    """(state letter, start time in clock ticks) of a process from Linux's /proc/<pid>/stat; None where
    /proc cannot tell."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = raw[raw.rindex(b")") + 2 :].split()  # the command name may hold spaces and parentheses
    return fields[0].decode("ascii", "replace"), fields[19].decode("ascii", "replace")


def _owner_alive(pid: int, start: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, and not ours to judge
    found = _process_state(pid)
    if found is None:
        return True
    state, started = found
    return state not in ("Z", "X") and (not start or started == start)


def sweep_stale(base: Path) -> list[Path]:
    """Remove the storage folders under `base` whose owning process is gone; returns what it removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(base))
    except OSError:
        return removed
    for entry in entries:
        match = _OWNED.fullmatch(entry.name)
        if match is None or not entry.is_dir(follow_symlinks=False):
            continue
        if _owner_alive(int(match["pid"]), match["start"]):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed


def _private_base(base: Path) -> bool:
    """Create `base` if needed; True if it is a real folder of ours that nobody else can write to (in a
    shared /tmp, anything else could be a trap: a symbolic link, someone else's folder)."""
    try:
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(base)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022


class Storage:
    """One state's folder of uploads, with epoch-based freeing (see the module's docstring)."""

    def __init__(self, base: Path | None = None) -> None:
        base = default_base() if base is None else base
        pid = os.getpid()
        found = _process_state(pid)
        name = f"{pid}-{found[1] if found else ''}-{secrets.token_hex(4)}"
        if _private_base(base):
            sweep_stale(base)
            root = base / name
            root.mkdir(mode=0o700)
        else:  # no shared base to sweep: a private folder of the old kind, removed at exit as before
            root = Path(tempfile.mkdtemp(prefix="fake-redcap-"))
        self.root = root.resolve()
        self.incoming = self.root / "incoming"
        self.incoming.mkdir()
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.root, True)
        self._lock = threading.Lock()
        self._epoch = 0
        self._active: dict[int, int] = {}  # calls in progress, by the epoch they began in
        self._retired: list[tuple[int, Path]] = []  # (last epoch that may still see it, file)

    def owns(self, path: Path | None) -> bool:
        """Whether `path` is an upload of this storage (never a fixture's file)."""
        return path is not None and path.parent == self.root

    def adopt(self, source: IO[bytes]) -> Path:
        """Put an upload into storage: a file spooled in `incoming` is renamed into place (one disk
        write, not two), anything else is copied in chunks, never whole in memory."""
        path = self.root / uuid.uuid4().hex
        spooled = Path(str(getattr(source, "name", "")))
        if spooled.parent == self.incoming and spooled.is_file():
            source.flush()
            os.replace(spooled, path)
            return path
        with path.open("xb") as out:
            while chunk := source.read(1024 * 1024):
                out.write(chunk)
        return path

    def call(self) -> _Call:
        """One API call, from before it reads the served world until its answer is ready (a file to send
        is open by then): files retired meanwhile stay on disk until it ends. (A class, not a generator:
        it wraps every request.)"""
        return _Call(self)

    def _begin(self) -> int:
        with self._lock:
            epoch = self._epoch
            self._active[epoch] = self._active.get(epoch, 0) + 1
        return epoch

    def _end(self, epoch: int) -> None:
        with self._lock:
            left = self._active[epoch] - 1
            if left:
                self._active[epoch] = left
            else:
                del self._active[epoch]
            ready = self._ready() if self._retired else []
        _unlink(ready)

    def retire(self, paths: Iterable[Path]) -> None:
        """These uploads have left the served world (which already no longer names them): unlink each
        once no call that began before now is still running."""
        owned = [p for p in paths if self.owns(p)]
        if not owned:
            return
        with self._lock:
            self._retired.extend((self._epoch, p) for p in owned)
            self._epoch += 1
            ready = self._ready()
        _unlink(ready)

    def _ready(self) -> list[Path]:
        oldest = min(self._active, default=self._epoch)
        ready = [p for epoch, p in self._retired if epoch < oldest]
        if ready:
            self._retired = [(epoch, p) for epoch, p in self._retired if epoch >= oldest]
        return ready

    def close(self) -> None:
        """Remove this storage's folder and everything in it."""
        self._cleanup()


class _Call:
    """`Storage.call()`: counts one call in the epoch it began in, until it ends."""

    __slots__ = ("epoch", "storage")

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.epoch = 0

    def __enter__(self) -> None:
        self.epoch = self.storage._begin()

    def __exit__(self, *exc: object) -> None:
        self.storage._end(self.epoch)


def _unlink(paths: Iterable[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
