"""The project's File Repository in a snapshot: its folders and files, as the token's user sees them.

`content=fileRepository&action=list` (V15 API/fileRepository/list.php: a folder's subfolders as
`folder_id, name`, then its files as `doc_id, name`; `folder_id` lists a subfolder) walked from the top
level, and `action=export` for each file's name and MIME type (the Content-Type header, as Export File
sends it) and size. The File Repository right is needed (403 otherwise, API/fileRepository/*.php); REDCap
before 13 answers the content "not valid". Folders restricted to another DAG or role do not show to the
user and are not pulled; the API shows no folder's restriction, so none is written. REDCap 13 sends the
file's name where the MIME type goes (`messages.Change.REPOSITORY_EXPORT_MIME`): a "type" without a `/`
is left out, and the fixture's default (from the name's extension) applies.

Written as the fixture's `file_repository:` (fake_redcap/fixture/repository.py), ids kept, each file under
`repository/` as its bytes (`--with-files`) or a placeholder of zeros of the same size.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redcap_file_client import RedcapClient, RedcapError

FOLDER = "repository"


@dataclass
class RepoFolder:
    folder_id: int
    name: str
    parent: str | None  # the parent's path from the top level


@dataclass
class RepoEntry:
    doc_id: int
    name: str
    folder: str | None
    mime: str | None = None
    size: int = 0
    content: Path | None = None


@dataclass
class PulledRepository:
    folders: list[RepoFolder] = field(default_factory=list)
    files: list[RepoEntry] = field(default_factory=list)


def _listing(client: RedcapClient, folder_id: int | None) -> list[dict[str, Any]]:
    params = {"action": "list"} if folder_id is None else {"action": "list", "folder_id": str(folder_id)}
    data = client.export_json("fileRepository", params)
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise RedcapError(200, "content=fileRepository&action=list did not answer a JSON list of objects")
    return data


def _number(value: object) -> int | None:
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def walk(client: RedcapClient, notes: list[str]) -> PulledRepository | None:
    """Every folder and file the user sees, parents first; None when the repository may not be read."""
    try:
        top = _listing(client, None)
    except RedcapError as error:
        if error.status not in (400, 403):
            raise
        if "not valid" not in error.message:  # REDCap before 13 has no such content: nothing to say
            notes.append(
                f"the File Repository was not pulled ({error.message.rstrip('.')}). Fix: give the "
                "token's user the File Repository right, or use another token"
            )
        return None
    pulled = PulledRepository()
    pending: list[tuple[list[dict[str, Any]], str | None]] = [(top, None)]
    while pending:
        rows, path = pending.pop(0)
        for row in rows:
            folder_id, doc_id = _number(row.get("folder_id")), _number(row.get("doc_id"))
            name = str(row.get("name", ""))
            if folder_id is not None:
                pulled.folders.append(RepoFolder(folder_id, name, path))
                inner = f"{path}/{name}" if path else name
                pending.append((_listing(client, folder_id), inner))
            elif doc_id is not None:
                pulled.files.append(RepoEntry(doc_id, name, path))
    return pulled


def pull_repository_files(
    client: RedcapClient,
    repository: PulledRepository,
    folder: Path | None,
    progress: Callable[[int], None],
) -> None:
    """Each file's name, MIME type and size; with `folder`, its bytes too (folder/<doc_id>.bin)."""
    for entry in repository.files:
        target = folder / f"{entry.doc_id}.bin" if folder is not None else None
        kind, size = client.export_repository_file(entry.doc_id, target)
        entry.name = kind.filename or entry.name
        entry.mime = kind.mime_type if kind.mime_type and "/" in kind.mime_type else None
        entry.size = size
        entry.content = target
        progress(1)


def repository_section(repository: PulledRepository, stage: Path, with_files: bool) -> dict[str, Any]:
    """The fixture's `file_repository:`, and its files under `stage/repository/`."""
    files_folder = stage / FOLDER
    files_folder.mkdir(exist_ok=True)
    folders = []
    for f in repository.folders:
        entry: dict[str, Any] = {"name": f.name, "id": f.folder_id}
        if f.parent is not None:
            entry["parent"] = f.parent
        folders.append(entry)
    files = []
    for e in repository.files:
        path = files_folder / f"{e.doc_id}.bin"
        if e.content is None or not with_files:
            with path.open("wb") as handle:
                handle.truncate(e.size)
        elif e.content != path:
            os.replace(e.content, path)
        item: dict[str, Any] = {"path": f"{FOLDER}/{path.name}", "name": e.name, "doc_id": e.doc_id}
        if e.folder is not None:
            item["folder"] = e.folder
        if e.mime:
            item["mime"] = e.mime
        files.append(item)
    return {"folders": folders, "files": files}
