"""A project's log, as REDCap's `redcap_log_event` table keeps it: one row per `Logging::logEvent` call.

How to record a change (every method that changes a project, and some that only read, as REDCap does):

    from fake_redcap.project_log import log_event

    entry = log_event(call, "redcap_data", "UPDATE", record, "field = 'value'", "Update record (API)",
                      event_name="visit_1_arm_1", instance=2)
    call.state.replace_records(pid, rows, seen=call.served, log=(entry,))   # the change and its log, at once
    call.state.add_log(pid, entry, seen=call.served)                        # or a log entry on its own

`log_event` takes `Logging::logEvent`'s arguments in its order (V15 Classes/Logging.php:65): the SQL is
left out, `table` is the object type (`redcap_data`, `redcap_user_rights`, `redcap_docs`, ...), `event`
one of REDCap's event kinds (MANAGE, INSERT, UPDATE, DELETE, DOC_UPLOAD, DOC_DELETE, DATA_EXPORT, OTHER;
upper-cased as logEvent does), `record` the `pk` column (a record name, a user name, a doc_id, a
project_id, or None), `display` the `data_values` text and `descrip` the `description`. Copy these
arguments from the PHP call that logs the change you reproduce: the `content=log` export turns rows into
its columns as `Logging::renderLogRow` does, so the texts must be REDCap's.

The log lives in the project's `Served` snapshot (fake_redcap/state.py) as a `LogChain`, an immutable
linked list of batches, newest first: adding is O(1) and never copies the older rows, a reader iterates
the snapshot it holds, and `reset()` empties it (a project is served again from its fixture).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fake_redcap.call import Call

# PAGE for every API request (V15 Classes/System.php:1677: basename(dirname(PAGE_FULL))/basename(PAGE_FULL))
API_PAGE = "api/index.php"

EVENTS = frozenset(
    {"MANAGE", "INSERT", "UPDATE", "DELETE", "DOC_UPLOAD", "DOC_DELETE", "DATA_EXPORT", "OTHER"}
    | {"LOCK_RECORD", "ESIGNATURE"}
)


@dataclass(frozen=True)
class LogEvent:
    """One `redcap_log_event` row (V15 Classes/Logging.php:86-89 lists its columns)."""

    ts: str  # YYYYMMDDHHMMSS, the server's local time (NOW)
    user: str  # USERID (the token's user)
    event: str  # MANAGE, INSERT, UPDATE, DELETE, DOC_UPLOAD, DOC_DELETE, DATA_EXPORT, OTHER, ...
    object_type: str  # logEvent's $table
    pk: str | None  # logEvent's $record
    data_values: str | None  # logEvent's $display, with the "[instance = n]" prefix for instance > 1
    description: str | None  # logEvent's $descrip
    event_name: str | None = None  # the unique event name (REDCap stores the event_id); None: NULL
    page: str = API_PAGE
    change_reason: str | None = None


def make_event(
    ts: str,
    user: str,
    table: str,
    event: str,
    record: str | None,
    display: str | None,
    descrip: str | None,
    *,
    event_name: str | None = None,
    instance: int = 1,
    page: str = API_PAGE,
    change_reason: str | None = None,
) -> LogEvent:
    """A row as `Logging::logEvent` writes it (V15 Classes/Logging.php:65-98): the event upper-cased and,
    for an instance above 1, `[instance = n]` put before the display text (",\\n" between them)."""
    kind = event.upper()
    if kind not in EVENTS:
        raise ValueError(f"unknown log event kind {event!r}: use one of {sorted(EVENTS)}")
    if instance > 1:
        display = f"[instance = {instance}]" + ("" if not display else ",\n" + display)
    return LogEvent(
        ts=ts,
        user=user,
        event=kind,
        object_type=table,
        pk=record,
        data_values=display,
        description=descrip,
        event_name=event_name,
        page=page,
        change_reason=change_reason,
    )


def log_event(
    call: Call,
    table: str,
    event: str,
    record: str | None,
    display: str | None,
    descrip: str | None,
    *,
    event_name: str | None = None,
    instance: int = 1,
    change_reason: str | None = None,
) -> LogEvent:
    """`make_event` for an API call: now, by the call's user, on page api/index.php."""
    from fake_redcap.state import log_time

    return make_event(
        log_time(),
        call.user.username,
        table,
        event,
        record,
        display,
        descrip,
        event_name=event_name,
        instance=instance,
        change_reason=change_reason,
    )


@dataclass(frozen=True)
class LogChain:
    """An immutable log: `batch` (oldest first) added after everything `before` holds."""

    batch: tuple[LogEvent, ...]
    before: LogChain | None
    size: int

    @staticmethod
    def extend(chain: LogChain | None, events: Sequence[LogEvent]) -> LogChain | None:
        if not events:
            return chain
        return LogChain(tuple(events), chain, len(events) + (chain.size if chain is not None else 0))

    def newest_first(self) -> Iterator[LogEvent]:
        """Every row, the last logged first (REDCap's ORDER BY log_event_id DESC)."""
        link: LogChain | None = self
        while link is not None:
            yield from reversed(link.batch)
            link = link.before


def newest_first(chain: LogChain | None) -> Iterator[LogEvent]:
    return iter(()) if chain is None else chain.newest_first()
