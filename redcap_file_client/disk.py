"""Putting a finished download in place: atomic, never over an existing file unless asked, durable,
and with errors that name the user's path, never the temporary one."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def place(temp: Path, target: Path, overwrite: bool) -> None:
    """Move the finished temp file to `target`; without `overwrite`, atomically refuse an existing
    name (a hard link fails if the name exists, with no window for a race). A failure names `target`,
    never the temporary file."""
    try:
        if overwrite:
            os.replace(temp, target)
            return
        try:
            os.link(temp, target)
        except FileExistsError:
            raise
        except OSError:  # file systems without hard links
            if os.path.lexists(target):
                raise FileExistsError from None
            os.replace(temp, target)
    except FileExistsError:
        raise FileExistsError(f"{str(target)!r} exists; pass overwrite=True to replace it") from None
    except OSError as exc:
        raise type(exc)(exc.errno, f"cannot write {str(target)!r}: {exc.strerror}") from None


def not_a_folder(path: str) -> FileNotFoundError | NotADirectoryError:
    """The error for a destination folder that is not one: missing, or a file."""
    if os.path.lexists(path.rstrip("/" + os.sep) or path):
        return NotADirectoryError(f"{path!r} is a file, not a folder; give a folder or a new file's path")
    return FileNotFoundError(f"folder {path!r} does not exist")


def unlink_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def fsync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); not possible on every platform, so best effort."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
