"""Putting back what a clause that writes a project's set-up, users, roles or data access groups changed
(test_setup_writes.py, test_user_writes.py).

`restored` exports what the clause is about to change (json, as the writing user), lets the clause run,
then undoes the change with the clause's own `undo` steps, whatever the clause's outcome, and exports
again: anything that is not back as it was fails the clause, naming the project, the method and what to
put back by hand. A clause that failed keeps its own failure, with the restore's problem added as a note.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .targets import ProjectUnderTest

# The reference user that writes set-up, users, roles and DAGs (reference_classic.yaml and
# reference_longitudinal.yaml): API Import/Update and Export, Project Design and Setup, User Rights,
# Data Access Groups (classic) and Delete Records (asked of event and role deletes).
WRITER = "designer_user"


def export(project: ProjectUnderTest, content: str, *, username: str = WRITER, **extra: str) -> Any:
    """`content` exported as json; an export the server refuses fails the clause with its answer."""
    params = {"content": content, "format": "json", "returnFormat": "json", **extra}
    response = project.post(username, params)
    assert response.status_code == 200, (
        f"exporting content={content} of {project.name} answered HTTP {response.status_code} "
        f"{response.content[:300]!r}"
    )
    return response.json()


def loose(value: Any) -> Any:
    """`value` with every null as an empty text, for comparing exports before and after a write: REDCap
    stores some blanks as NULL and writes them back as '' (an event import's custom_event_label, V15
    Event.php update:210-229; the repeating set-up's label through checkNull), so a json export may show
    null before and "" after for the same blank (the project export shows both as "", project/export.php)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return {key: loose(item) for key, item in value.items()}
    if isinstance(value, list):
        return [loose(item) for item in value]
    return value


def current(project: ProjectUnderTest, content: str) -> Any:
    """What `content` exports now (json, as the writing user), or None when the export fails: for the
    steps that put a project back, which must not stop at a failed export."""
    response = project.post(WRITER, {"content": content, "format": "json", "returnFormat": "json"})
    return response.json() if response.status_code == 200 else None


def send(
    project: ProjectUnderTest,
    params: Mapping[str, str] | Sequence[tuple[str, str]],
    *,
    username: str = WRITER,
) -> tuple[int, str]:
    """One write as the writing user: (status, body)."""
    response = project.post(username, params)
    return response.status_code, response.text


def json_import(content: str, rows: object, **extra: str) -> dict[str, str]:
    """The form fields of a json import of `rows` (errors asked for in json)."""
    return {"content": content, "format": "json", "returnFormat": "json", "data": json.dumps(rows), **extra}


def listed(content: str, key: str, values: Sequence[str], **extra: str) -> list[tuple[str, str]]:
    """The form fields of a delete naming `values` as the array `key[]` (REDCap wants an array)."""
    pairs = [("content", content), ("action", "delete"), ("returnFormat", "json"), *extra.items()]
    return pairs + [(f"{key}[{i}]", value) for i, value in enumerate(values)]


@dataclass(frozen=True)
class Undo:
    """One step that puts something back: what it does (for the failure message) and its form fields."""

    what: str
    params: Mapping[str, str] | Sequence[tuple[str, str]]


@contextlib.contextmanager
def restored(
    project: ProjectUnderTest,
    contents: Sequence[str],
    undo: Callable[[ProjectUnderTest, dict[str, Any]], list[Undo]],
) -> Iterator[dict[str, Any]]:
    """Around a clause that changes what `contents` export: yields those exports as they were (content ->
    json); afterwards sends the steps `undo(project, before)` names and checks every export is back as
    it was. The writer's token is read first, so a target without it skips before anything is written."""
    project.token(WRITER)
    before = {content: export(project, content) for content in contents}
    try:
        yield before
    except BaseException as error:
        problem = _put_back(project, before, undo)
        if problem:
            error.add_note(problem)
        raise
    problem = _put_back(project, before, undo)
    if problem:
        raise AssertionError(problem)


def _put_back(
    project: ProjectUnderTest,
    before: dict[str, Any],
    undo: Callable[[ProjectUnderTest, dict[str, Any]], list[Undo]],
) -> str | None:
    problems = []
    for step in undo(project, before):
        status, body = send(project, step.params)
        if status != 200:
            problems.append(f"{step.what} answered HTTP {status} {body[:200]!r}")
    for content, rows in before.items():
        now = current(project, content)
        if loose(now) != loose(rows):
            problems.append(f"content={content} exports {_short(now)} instead of {_short(rows)}")
    if not problems:
        return None
    return f"could not put {project.name} back: " + "; ".join(problems) + "; put it back by hand"


def _short(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 400 else text[:400] + "…"
