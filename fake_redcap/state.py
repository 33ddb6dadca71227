"""The one object that holds a fake world: the served projects and their stored files.

No module globals: every test, server or app gets its own `FakeState`. `reset()` rebuilds it from the
fixtures exactly. Methods that change a project (import, delete) replace its `Served` snapshot under the
lock; readers take a snapshot and never see a half-applied change. Uploaded files live in a `Storage`
(fake_redcap/storage.py), which frees a replaced file once no call can still open it.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import functools
import hmac
import itertools
import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import IO

from fake_redcap.collation import db_key as db_key  # re-exported: methods import it from here
from fake_redcap.faults import Faults
from fake_redcap.fixture import (
    FixtureError,
    check_unique_tokens,
    demo_fixture_paths,
    load_fixture,
    mask_token,
)
from fake_redcap.journal import Journal
from fake_redcap.messages import Profile
from fake_redcap.methods.structure import event_id
from fake_redcap.model import Field, Project, RecordRow, StoredFile, User
from fake_redcap.project_log import LogChain, LogEvent
from fake_redcap.repository import Repository
from fake_redcap.storage import Storage

_INVALID_BYTE = re.compile("[\udc80-\udcff]")
DOC_NAME_CHARS = 255  # redcap_edocs_metadata.doc_name varchar(255) (V10-V15 install.sql)


def db_doc_name(name: str) -> str:
    """The file name as `redcap_edocs_metadata.doc_name` keeps it. REDCap connects with
    sql_mode NO_ENGINE_SUBSTITUTION (V7-V15 System::setDbSqlMode / init_functions.php: not strict) and
    utf8mb4 (V10+ install_data.sql db_character_set), so MySQL stores what it cannot hold with a warning
    instead of failing: each byte that is not valid UTF-8 becomes `?` and the name is cut to 255
    characters (observed on MariaDB 10.11: 'caf\\xe9.txt' -> 'caf?.txt'). PHP passes the uploaded name
    through as bytes; parameters carry such bytes as surrogate escapes."""
    return _INVALID_BYTE.sub("?", name)[:DOC_NAME_CHARS]


@dataclass(frozen=True)
class Served:
    """One project as served right now, with indexes for O(1) lookups (no scans over records)."""

    project: Project
    profile: Profile
    # (db_key(record), event) -> rows of that record in that event, as loaded (`rows` reads
    # `changed_rows` first)
    by_record_event: dict[tuple[str, str | None], tuple[RecordRow, ...]] = field(repr=False)
    # db_key(record) -> the record's name, for every record with a row in any event
    records: dict[str, str] = field(repr=False)
    # db_key(record) of every record locked whole
    locked_records: frozenset[str] = field(repr=False)
    # Which reset or load served this project from its fixture; copy-on-write changes keep it. A change
    # computed on a snapshot of another origin is for a world that is gone (see FakeState.set_file).
    origin: int = 0
    # (token, super token) of every user as `authenticate` compares them: upper-cased UTF-8, once
    tokens: tuple[tuple[bytes, bytes, User], ...] = field(default=(), repr=False)
    # db_key(name) -> the file field, for the database's case-insensitive field match (E6)
    file_fields: dict[str, Field] = field(default_factory=dict, repr=False)
    # When each record last changed, as REDCap's logging keeps it (YYYYMMDDHHMMSS, server time): the
    # fixture's records at the load or reset that served them, then at each write (record import, delete,
    # rename, file import or delete). The record export's dateRangeBegin/End reads it.
    loaded_at: str = ""
    changed: dict[str, str] = field(default_factory=dict, repr=False)
    # The project's log (fake_redcap/project_log.py), newest first; None: nothing logged since the load
    log: LogChain | None = field(default=None, repr=False)
    # The same for the record/event pairs an Import or Delete File changed since the load: a file change
    # copies this small overlay, not the whole index, so a reset frees only what changed (issue 19)
    changed_rows: dict[tuple[str, str | None], tuple[RecordRow, ...]] = field(
        default_factory=dict, repr=False
    )
    # The project's File Repository (fake_redcap/repository.py): the fixture's, then as changed
    repository: Repository = field(default_factory=Repository, repr=False)

    def changed_at(self, record: str) -> str:
        return self.changed.get(db_key(record), self.loaded_at)

    @classmethod
    def build(cls, project: Project) -> Served:
        grouped: dict[tuple[str, str | None], list[RecordRow]] = {}
        rows = project.records
        keys = [db_key(row.record) for row in rows]  # once per row: this loop's largest cost
        for key, row in zip(keys, rows, strict=True):
            grouped.setdefault((key, row.event), []).append(row)
        return cls(
            project=project,
            profile=Profile.for_version(project.redcap_version),
            by_record_event={k: tuple(v) for k, v in grouped.items()},
            records={k: r.record for k, r in zip(reversed(keys), reversed(rows), strict=True)},
            locked_records=frozenset(k for k, r in zip(keys, rows, strict=True) if r.record_locked),
            tokens=tuple(
                (u.token.upper().encode("ascii"), (u.super_token or "").upper().encode("ascii"), u)
                for u in project.users
            ),
            file_fields=_file_fields(project),
            repository=project.repository,
        )

    def rows(self, record: str, event: str | None) -> tuple[RecordRow, ...]:
        return self.rows_at((db_key(record), event))

    def rows_at(self, key: tuple[str, str | None]) -> tuple[RecordRow, ...]:
        found = self.changed_rows.get(key)
        return found if found is not None else self.by_record_event.get(key, ())

    def file_field(self, name: str) -> Field | None:
        """The first file field whose name the database matches to `name` (case-insensitively)."""
        return self.file_fields.get(db_key(name))


def _file_fields(project: Project) -> dict[str, Field]:
    found: dict[str, Field] = {}
    for f in project.fields:
        if f.is_file:
            found.setdefault(db_key(f.name), f)
    return found


def log_time() -> str:
    """Now as REDCap's log_event table stores `ts` (YYYYMMDDHHMMSS, the server's local time)."""
    return dt.datetime.now().strftime("%Y%m%d%H%M%S")


def check_unique_project_ids(projects: Sequence[Project]) -> None:
    """One server never holds two projects with the same project_id."""
    seen: dict[int, Project] = {}
    for project in projects:
        other = seen.setdefault(project.project_id, project)
        if other is not project:
            raise FixtureError(
                project.source,
                "project.project_id",
                f"project_id {project.project_id} is also the id of the project in {other.source}",
                "give each served project its own project_id",
            )


MimeSniffer = Callable[[Path], str]


class FakeState:
    """The served projects of one fake REDCap world."""

    def __init__(
        self,
        fixtures: Sequence[str | os.PathLike[str]] | None = None,
        *,
        redcap_version: str | None = None,
        max_upload_mb: int = 32,
        post_max_mb: int | None = None,
        compression: bool = True,
    ) -> None:
        self.max_upload_mb = max_upload_mb  # REDCap's maxUploadSizeEdoc() for File Upload fields
        # False: the server's HTTP compression is off (REDCap's enable_http_compression), whatever the
        # fixtures' `compression:` keys say.
        self.compression = compression
        # PHP's post_max_size in MB (None: no limit): a longer body gets REDCap's HTML page, status 200
        # (System::checkUploadFileContentLength).
        self.post_max_mb = post_max_mb
        self.storage = Storage()
        # Where multipart uploads are spooled while a request is parsed; Import File adopts the file
        # from here by renaming it, so a large upload is written to disk once, not twice.
        self.incoming = self.storage.incoming
        self._fixtures: tuple[Path, ...] = tuple(
            Path(p) for p in (demo_fixture_paths() if fixtures is None else fixtures)
        )
        self._redcap_version = redcap_version
        self.lock = threading.RLock()
        self.journal = Journal()
        self.faults = Faults()
        # fixture path -> (its file's mtime and size, the project as loaded). Projects are immutable, so
        # reset() can serve them again without re-reading a fixture that has not changed.
        self._pristine: dict[Path, tuple[tuple[int, int], Served]] = {}
        self._origins = itertools.count(1)
        # project_id -> uploads linked into the served world (each normally once), freed when unlinked
        self._links: dict[int, collections.Counter[Path]] = {}
        # Auto-increment ids (redcap_edocs_metadata.doc_id for uploads to fields and to the File
        # Repository alike, redcap_docs.docs_id, redcap_docs_folders.folder_id): the last one issued per
        # table for the server, never reused, not even after a reset, and always above the ids a served
        # fixture's File Repository holds (`_floors`, raised by every load and reset)
        self._ids: dict[str, int] = {}
        self._floors: dict[str, int] = {}
        self._served: tuple[Served, ...] = self._stamp(self._load(self._fixtures))

    def _stamp(self, served: Sequence[Served]) -> tuple[Served, ...]:
        """The projects as served from now on, marked with a new origin."""
        origin = next(self._origins)
        now = log_time()
        for s in served:
            tops = dict(s.project.repository.top_ids())
            tops["redcap_events_metadata"] = max(
                (event_id(s.project, e) for e in s.project.events), default=0
            )
            tops["redcap_data_access_groups"] = max((d.group_id for d in s.project.dags), default=0)
            for table, top in tops.items():
                self._floors[table] = max(self._floors.get(table, 0), top)
        return tuple(
            dataclasses.replace(s, origin=origin, loaded_at=now, changed={}, log=None) for s in served
        )

    def _load(self, fixtures: Sequence[Path]) -> tuple[Served, ...]:
        served = tuple(self._load_one(p) for p in fixtures)
        projects = [s.project for s in served]
        check_unique_tokens(projects)
        check_unique_project_ids(projects)
        return served

    def _load_one(self, path: Path) -> Served:
        try:
            st = path.stat()
            signature = (st.st_mtime_ns, st.st_size)
        except OSError:
            signature = (-1, -1)  # let load_fixture say what is wrong with the path
        cached = self._pristine.get(path)
        if cached is not None and cached[0] == signature:
            return cached[1]
        served = Served.build(load_fixture(path, redcap_version=self._redcap_version))
        self._pristine[path] = (signature, served)
        return served

    def load(self, fixtures: Sequence[str | os.PathLike[str]], *, replace: bool = False) -> None:
        """Serve more fixtures (or, with replace, only these) from now on. All or nothing: a broken
        fixture raises FixtureError and changes nothing. A fixture whose file is already served replaces
        that project; the other projects keep their state."""
        paths = [Path(p).resolve() for p in fixtures]
        if not paths:
            raise ValueError(
                "load() needs at least one fixture file; to serve no projects, make a FakeState([]) "
                "(an empty load would leave reset() nothing to bring back)"
            )
        loaded = self._stamp(self._load(paths))
        with self.lock:
            kept = [] if replace else [s for s in self._served if s.project.source not in paths]
            projects = [s.project for s in (*kept, *loaded)]
            check_unique_tokens(projects)
            check_unique_project_ids(projects)
            kept_ids = {id(s) for s in kept}
            gone = [s.project.project_id for s in self._served if id(s) not in kept_ids]
            self._served = (*kept, *loaded)
            kept_paths = [p for p in self._fixtures if p.resolve() not in paths] if not replace else []
            self._fixtures = (*kept_paths, *paths)
            dropped = [path for pid in gone for path in self._links.pop(pid, {})]
        self.storage.retire(dropped)

    @property
    def fixtures(self) -> tuple[Path, ...]:
        return self._fixtures

    @property
    def served(self) -> tuple[Served, ...]:
        return self._served

    @property
    def projects(self) -> tuple[Project, ...]:
        return tuple(s.project for s in self._served)

    def reset(self) -> None:
        """Serve every project as its fixture file says, dropping all changes (and uploaded files), the
        journal and the faults. A fixture file that changed since it was loaded is read again.

        Returns at once. Uploaded files are unlinked once the API calls that began before the reset have
        ended (such a call may hold the old projects and be about to open one); a call that began before
        and changes a file afterwards changes the world that is gone, not the fresh one (set_file).
        """
        fresh = self._stamp(self._load(self._fixtures))
        with self.lock:
            self._served = fresh
            self.journal.clear()
            self.faults.clear()
            dropped = [path for links in self._links.values() for path in links]
            self._links = {}
        self.storage.retire(dropped)

    def serving(self) -> contextlib.AbstractContextManager[None]:
        """Wraps one API call (or anything that reads the projects and opens a stored file) from before
        it reads the projects until its answer is ready, with any file to send open by then: no upload
        it could see is unlinked before it ends."""
        return self.storage.call()

    def close(self) -> None:
        """Remove the uploaded files from disk (also done when the state is garbage-collected)."""
        self.storage.close()

    def store(self, source: IO[bytes], name: str, mime_of: MimeSniffer) -> StoredFile:
        """Put an upload into this state's storage (renamed from `incoming`, or copied in chunks) under
        the name the database would keep (db_doc_name). A stored file is never changed afterwards: a
        replacement is a new file. Until set_file links it, it belongs to the calling request."""
        path = self.storage.adopt(source)
        try:
            return StoredFile(name=db_doc_name(name), mime=mime_of(path), size=path.stat().st_size, path=path)
        except BaseException:
            path.unlink(missing_ok=True)
            raise

    def set_file(
        self,
        project_id: int,
        record: str,
        event: str | None,
        instance: int,
        field: str,
        stored: StoredFile | None,
        *,
        seen: Served | None = None,
        log: Sequence[LogEvent] = (),
    ) -> None:
        """Store (or, with None, delete) the file of one field in one record/event/instance, and add
        `log` to the project's log in the same step.

        A row that does not exist yet (a new event or instance of an existing record) is created.
        The project is replaced whole under the lock, so readers never see half a change. `seen` is the
        snapshot the caller checked the change against: if the project has been reset, reloaded or
        removed since, the change belonged to that world and is dropped (as if made just before the
        reset), its upload freed. The upload it replaces is freed once no call can still open it.
        """
        new_path = stored.path if stored is not None else None
        freed: list[Path] = []
        with self.lock:
            index = next((i for i, s in enumerate(self._served) if s.project.project_id == project_id), None)
            if index is None or (seen is not None and self._served[index].origin != seen.origin):
                freed.extend([new_path] if new_path is not None else [])
            else:
                served = self._served[index]
                updated, replaced = _with_file(served, record, event, instance, field, stored)
                updated = dataclasses.replace(
                    updated,
                    changed={**served.changed, db_key(record): log_time()},
                    log=LogChain.extend(served.log, log),
                )
                self._served = (*self._served[:index], updated, *self._served[index + 1 :])
                links = self._links.setdefault(project_id, collections.Counter())
                if new_path is not None and self.storage.owns(new_path):
                    links[new_path] += 1
                old_path = replaced.path if replaced is not None else None
                if old_path is not None and old_path in links:
                    links[old_path] -= 1
                    if links[old_path] <= 0:
                        del links[old_path]
                        freed.append(old_path)
        self.storage.retire(freed)

    def replace_records(
        self,
        project_id: int,
        records: tuple[RecordRow, ...],
        *,
        seen: Served,
        log: Sequence[LogEvent] = (),
        project: Project | None = None,
        record_dags: Mapping[str, int] | None = None,
    ) -> bool:
        """Serve the project with `records` as its rows (a record import, delete or rename), whole and
        under the lock, with `log` added to its log. False if the project was reset, reloaded or removed
        since `seen` (the change was for a world that is gone). Files a row no longer holds are freed
        once no call can open them. `record_dags` replaces the records' DAGs; by default a record no
        longer present loses its DAG."""
        freed: list[Path] = []
        with self.lock:
            index = next((i for i, s in enumerate(self._served) if s.project.project_id == project_id), None)
            if index is None or self._served[index].origin != seen.origin:
                return False
            served = self._served[index]
            kept = {id(f) for row in records for f in (*row.files.values(), *row.hidden_files.values())}
            links = self._links.get(project_id, collections.Counter())
            for row in served.project.records:
                for stored in (*row.files.values(), *row.hidden_files.values()):
                    path = stored.path
                    if id(stored) not in kept and path is not None and path in links:
                        links[path] -= 1
                        if links[path] <= 0:
                            del links[path]
                            freed.append(path)
            before = {id(r) for r in served.project.records}
            touched = {db_key(r.record) for r in records if id(r) not in before}
            after = {id(r) for r in records}
            touched |= {db_key(r.record) for r in served.project.records if id(r) not in after}
            now = log_time()
            base = project or served.project
            present = {db_key(r.record) for r in records}
            dags = base.record_dags if record_dags is None else record_dags
            kept_dags = MappingProxyType({k: v for k, v in dags.items() if k in present})
            updated = Served.build(dataclasses.replace(base, records=records, record_dags=kept_dags))
            updated = dataclasses.replace(
                updated,
                origin=served.origin,
                loaded_at=served.loaded_at,
                changed={**served.changed, **dict.fromkeys(touched, now)},
                log=LogChain.extend(served.log, log),
                repository=served.repository,
            )
            self._served = (*self._served[:index], updated, *self._served[index + 1 :])
        self.storage.retire(freed)
        return True

    def replace_repository(
        self,
        project_id: int,
        repository: Repository,
        *,
        seen: Served,
        log: Sequence[LogEvent] = (),
        added: StoredFile | None = None,
    ) -> bool:
        """Serve the project with this File Repository (and `log` added), under the lock; `added` is an
        upload it now holds (freed with the project at a reset). False, the upload freed, if the project
        was reset, reloaded or removed since `seen`."""
        new_path = added.path if added is not None else None
        with self.lock:
            index = next((i for i, s in enumerate(self._served) if s.project.project_id == project_id), None)
            if index is None or self._served[index].origin != seen.origin:
                if new_path is not None:
                    self.storage.retire([new_path])
                return False
            served = self._served[index]
            updated = dataclasses.replace(served, repository=repository, log=LogChain.extend(served.log, log))
            self._served = (*self._served[:index], updated, *self._served[index + 1 :])
            if new_path is not None and self.storage.owns(new_path):
                self._links.setdefault(project_id, collections.Counter())[new_path] += 1
        return True

    def next_doc_id(self) -> int:
        """A new redcap_edocs_metadata doc_id (what REDCap logs for an upload and the file repository
        shows)."""
        return self.next_id("redcap_edocs_metadata")

    def next_id(self, table: str, *, above: int = 0) -> int:
        """The next auto-increment id of a REDCap table (doc_id, docs_id, folder_id, event_id, group_id):
        above every id issued since the server started, every id a fixture loaded since held, and
        `above` (the largest the served projects hold now). MySQL never hands an AUTO_INCREMENT value
        out twice, so an id whose row was deleted is not reused."""
        with self.lock:
            issued = max(self._ids.get(table, 0), self._floors.get(table, 0), above) + 1
            self._ids[table] = issued
            return issued

    def add_log(self, project_id: int, *events: LogEvent, seen: Served | None = None) -> bool:
        """Add `events` (fake_redcap/project_log.py) to the project's log, under the lock. False if the
        project is gone or, with `seen`, was reset or reloaded since that snapshot (the entry belonged
        to a world that is gone)."""
        with self.lock:
            index = next((i for i, s in enumerate(self._served) if s.project.project_id == project_id), None)
            if index is None or (seen is not None and self._served[index].origin != seen.origin):
                return False
            served = self._served[index]
            updated = dataclasses.replace(served, log=LogChain.extend(served.log, events))
            self._served = (*self._served[:index], updated, *self._served[index + 1 :])
        return True

    def project_log(self, project_id: int) -> tuple[LogEvent, ...]:
        """The project's log as served now, newest first (empty for an unknown project)."""
        served = next((s for s in self._served if s.project.project_id == project_id), None)
        return () if served is None or served.log is None else tuple(served.log.newest_first())

    def add_project(
        self, project: Project, *, log: Callable[[int], Sequence[LogEvent]] = lambda _pid: ()
    ) -> Served:
        """Serve a project created through the API (content=project), under the next project_id (one
        more than the largest served, as REDCap's auto-increment gives), with `log(project_id)` as its
        log. It lives until the next reset or a `load(replace=True)`."""
        with self.lock:
            project_id = max((s.project.project_id for s in self._served), default=0) + 1
            project = dataclasses.replace(project, project_id=project_id)
            check_unique_tokens([*(s.project for s in self._served), project])
            served = Served.build(project)
            served = dataclasses.replace(
                served,
                origin=next(self._origins),
                loaded_at=log_time(),
                log=LogChain.extend(None, log(project_id)),
            )
            self._served = (*self._served, served)
        return served

    def replace_project(self, project: Project, *, seen: Served, log: Sequence[LogEvent] = ()) -> bool:
        """Serve `project` (same project_id) instead of the snapshot `seen`, whole and under the lock: a
        change to its set-up (metadata, arms, events, settings). False if the project was reset, reloaded
        or removed since `seen`. Files of rows the change dropped are freed as replace_records frees them."""
        return self.replace_records(project.project_id, project.records, seen=seen, log=log, project=project)

    def authenticate(self, token: str) -> tuple[Served, User] | None:
        """The project and user a token belongs to, suspended users included.

        Compares against every token in constant time per comparison, case-insensitively as the
        `api_token` column's collation does (reference §5, §6).
        """
        wanted = token.upper().encode("utf-8", "surrogateescape")
        found: tuple[Served, User] | None = None
        for served in self._served:
            for theirs, _, user in served.tokens:
                if hmac.compare_digest(wanted, theirs) and found is None:
                    found = (served, user)
        return found

    def authenticate_super(self, token: str) -> tuple[Served, User] | None:
        """The super user holding this Super API Token (redcap_user_information.api_token, compared
        case-insensitively as its utf8mb4_unicode_ci collation does), with the first served project that
        lists that user (for the version profile), or None. Constant time per comparison."""
        wanted = token.upper().encode("utf-8", "surrogateescape")
        found: tuple[Served, User] | None = None
        for served in self._served:
            for _, theirs, user in served.tokens:
                if user.super_token and hmac.compare_digest(wanted, theirs) and found is None:
                    found = (served, user)
        return found

    def mask_tokens(self, text: str) -> str:
        """`text` with every served token, in any case, masked as the control endpoints show tokens.

        For what the fake itself keeps and shows (the journal): a caller that sends its token in the
        wrong parameter (`Token=`, `api_token=`, `record=`) must not find it in a bug report.
        """
        if len(text) < 32:  # REDCap tokens are 32 characters (the fixture checks)
            return text
        tokens = {u.token.upper() for s in self._served for u in s.project.users if u.token}
        tokens.update(u.super_token.upper() for s in self._served for u in s.project.users if u.super_token)
        pattern = _token_pattern(frozenset(tokens))
        return pattern.sub(lambda m: mask_token(m.group(0)), text) if pattern is not None else text

    def __repr__(self) -> str:
        names = ", ".join(p.name for p in self._fixtures)
        return f"FakeState(fixtures=[{names}])"


@functools.lru_cache(maxsize=16)
def _token_pattern(tokens: frozenset[str]) -> re.Pattern[str] | None:
    if not tokens:
        return None
    # Longest first: a super token (64 characters) is masked whole.
    return re.compile(
        "|".join(re.escape(t) for t in sorted(tokens, key=lambda t: (-len(t), t))), re.IGNORECASE
    )


def _with_file(
    served: Served,
    record: str,
    event: str | None,
    instance: int,
    field: str,
    stored: StoredFile | None,
) -> tuple[Served, StoredFile | None]:
    """`served` with the field's file set (or removed, with None), and the file it held before."""
    key = (db_key(record), event)
    rows_here = served.rows_at(key)
    existing = next((r for r in rows_here if r.instance == instance), None)
    if existing is None:
        existing = RecordRow(record=served.records.get(key[0], record), event=event, instance=instance)
        rows_here = (*rows_here, existing)
        records = [*served.project.records, existing]
    else:
        records = list(served.project.records)
    files = dict(existing.files)
    replaced = files.pop(field, None)
    if stored is not None:
        files[field] = stored
    row = dataclasses.replace(existing, files=MappingProxyType(files))
    # Copy-on-write: the rows are copied (fast, in C), the index shared and the changed pair overlaid.
    position = next(i for i in range(len(records) - 1, -1, -1) if records[i] is existing)
    records[position] = row
    changed_rows = {**served.changed_rows, key: tuple(row if r is existing else r for r in rows_here)}
    names = served.records if key[0] in served.records else {**served.records, key[0]: row.record}
    updated = dataclasses.replace(
        served,
        project=dataclasses.replace(served.project, records=tuple(records)),
        changed_rows=changed_rows,
        records=names,
    )
    return updated, replaced
