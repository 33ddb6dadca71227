"""A project's File Repository as REDCap's tables hold it: folders (`redcap_docs_folders`) and files
(`redcap_docs` joined to `redcap_edocs_metadata` and `redcap_docs_folders_files`). Immutable, kept in
the project's `Served` snapshot and replaced whole (FakeState.replace_repository); a reset brings back
what the fixture declares (`file_repository:`, fake_redcap/fixture/repository.py; `Project.repository`).

A deleted file keeps its row with `deleted` set: REDCap only sets `delete_date` (V15 API/fileRepository/
delete.php:22-24), so the list leaves it out while Export and Delete still find its doc_id.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # model.py imports this module (Project.repository)
    from fake_redcap.model import StoredFile


@dataclass(frozen=True)
class Folder:
    folder_id: int
    name: str
    parent_id: int | None  # parent_folder_id; None: the top level
    dag_id: int | None = None
    role_id: int | None = None


@dataclass(frozen=True)
class RepoFile:
    doc_id: int  # redcap_edocs_metadata.doc_id, what the API shows
    docs_id: int  # redcap_docs.docs_id, what the upload's log row names
    name: str  # docs_name (and doc_name)
    folder_id: int | None
    stored: StoredFile
    deleted: bool = False  # delete_date set


@dataclass(frozen=True)
class Repository:
    folders: tuple[Folder, ...] = ()
    files: tuple[RepoFile, ...] = ()

    def folder(self, folder_id: int | None) -> Folder | None:
        return next((f for f in self.folders if f.folder_id == folder_id), None)

    def file(self, doc_id: int) -> RepoFile | None:
        return next((f for f in self.files if f.doc_id == doc_id), None)

    def folder_name(self, folder_id: int | None) -> str | None:
        found = self.folder(folder_id)
        return found.name if found is not None else None

    def name_taken(self, name: str, parent_id: int | None) -> bool:
        """createFolder's duplicate test: `name = '...'` in the same parent, compared by the column's
        collation (FileRepository.php:104-108)."""
        from fake_redcap.state import db_key  # state imports this module

        key = db_key(name)
        return any(f.parent_id == parent_id and db_key(f.name) == key for f in self.folders)

    def file_name_taken(self, name: str, folder_id: int | None) -> bool:
        """Whether a file of the folder that is not deleted has this name, compared by the column's
        collation (checkFilenameExists:455-463)."""
        from fake_redcap.state import db_key  # state imports this module

        key = db_key(name)
        return any(f.folder_id == folder_id and not f.deleted and db_key(f.name) == key for f in self.files)

    def top_ids(self) -> dict[str, int]:
        """The largest id of each table this repository holds (what new ids must stay above)."""
        return {
            "redcap_docs_folders": max((f.folder_id for f in self.folders), default=0),
            "redcap_edocs_metadata": max((f.doc_id for f in self.files), default=0),
            "redcap_docs": max((f.docs_id for f in self.files), default=0),
        }

    def with_folder(self, folder: Folder) -> Repository:
        return dataclasses.replace(self, folders=(*self.folders, folder))

    def with_file(self, file: RepoFile) -> Repository:
        return dataclasses.replace(self, files=(*self.files, file))

    def with_deleted(self, doc_id: int) -> Repository:
        files = tuple(dataclasses.replace(f, deleted=True) if f.doc_id == doc_id else f for f in self.files)
        return dataclasses.replace(self, files=files)
