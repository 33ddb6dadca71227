"""Every method of REDCap 15.7.6's API is either answered by the fake (and in docs/server.md's method
table) or answers "not implemented" (and is in the page's list of what the fake does not implement):
never neither, never both."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState, create_app, messages
from fake_redcap.api import METHODS

ROOT = Path(__file__).resolve().parent.parent
SERVER = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")

# REDCap 15.7.6's API scripts, html/redcap_v15.7.6/API/<content>/<action>.php (`export` for a content's
# export, which API/index.php includes when no action is given), leaving out the playground and help.
REDCAP_15_METHODS: list[tuple[str, str]] = [
    ("appRightsCheck", "export"),
    ("arm", "delete"), ("arm", "export"), ("arm", "import"),
    ("attachment", "export"),
    ("authkey", "export"),
    ("dag", "delete"), ("dag", "export"), ("dag", "import"), ("dag", "switch"),
    ("event", "delete"), ("event", "export"), ("event", "import"),
    ("exportFieldNames", "export"),
    ("fieldValidation", "export"),
    ("file", "delete"), ("file", "export"), ("file", "import"), ("file", "import_app"),
    ("fileRepository", "createFolder"), ("fileRepository", "delete"), ("fileRepository", "export"),
    ("fileRepository", "import"), ("fileRepository", "list"),
    ("formEventMapping", "export"), ("formEventMapping", "import"),
    ("generateNextRecordName", "export"),
    ("instrument", "export"),
    ("log", "export"),
    ("metadata", "export"), ("metadata", "import"),
    ("mycap", "display"),
    ("participantList", "export"),
    ("pdf", "export"),
    ("project", "export"), ("project", "import"),
    ("project_settings", "import"),
    ("project_xml", "export"),
    ("record", "delete"), ("record", "export"), ("record", "import"), ("record", "randomize"),
    ("record", "rename"),
    ("repeatingFormsEvents", "export"), ("repeatingFormsEvents", "import"),
    ("report", "export"),
    ("surveyAccessCode", "export"), ("surveyLink", "export"), ("surveyQueueLink", "export"),
    ("surveyReturnCode", "export"),
    ("tableau", "display"),
    ("user", "delete"), ("user", "export"), ("user", "import"),
    ("userDagMapping", "export"), ("userDagMapping", "import"),
    ("userRole", "delete"), ("userRole", "export"), ("userRole", "import"),
    ("userRoleMapping", "export"), ("userRoleMapping", "import"),
    ("version", "export"),
]  # fmt: skip
# API/index.php:384-403: these contents take the action from `action`; others from `data`.
ACTION_READ = {"fileRepository", "file", "event", "arm", "authkey", "dag", "user", "userRole"}
FULL_USER = "1401FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # the classic demo project's full_user (REDCap 15.7.6)


def _table(heading: str) -> str:
    """The first table after `heading` in docs/server.md."""
    rest = SERVER[SERVER.index(heading) :]
    rows = re.search(r"^\|.*?(?=\n[^|])", rest, re.MULTILINE | re.DOTALL)
    assert rows is not None, heading
    return rows.group(0)


def _first_cells(table: str) -> list[str]:
    return [line.split("|")[1] for line in table.splitlines()[2:]]


ANSWERED = _first_cells(_table("## What it answers"))
NOT_IMPLEMENTED = _first_cells(_table("### What it does not implement"))


def _named(content: str, cells: list[str]) -> bool:
    return any(f"`{content}`" in cell for cell in cells)


@pytest.fixture(scope="module")
def client() -> Iterator[FlaskClient]:
    state = FakeState()
    yield create_app(state).test_client()
    state.close()


def test_the_fake_answers_no_method_redcap_lacks() -> None:
    assert set(METHODS) <= set(REDCAP_15_METHODS), set(METHODS) - set(REDCAP_15_METHODS)


@pytest.mark.parametrize(
    ("content", "action"), REDCAP_15_METHODS, ids=[f"{c}/{a}" for c, a in REDCAP_15_METHODS]
)
def test_each_method_is_answered_or_says_not_implemented_and_the_page_says_which(
    client: FlaskClient, content: str, action: str
) -> None:
    params = {"token": FULL_USER, "content": content, "format": "json", "returnFormat": "json"}
    if content in ACTION_READ or action in ("delete", "rename", "randomize"):
        params["action"] = action
    elif action == "import":  # API/index.php: the action of other contents is import when data is given
        params["data"] = "{}" if content == "project_settings" else "[]"
    response = client.post("/api/", data=params)
    said_not_implemented = messages.NOT_IMPLEMENTED_HEADER in response.headers
    if (content, action) in METHODS:
        assert not said_not_implemented, response.get_data()
        assert _named(content, ANSWERED), f"docs/server.md's method table has no row for `{content}`"
        if all(pair in METHODS for pair in REDCAP_15_METHODS if pair[0] == content):
            assert not _named(content, NOT_IMPLEMENTED), (
                f"docs/server.md lists `{content}` as not implemented"
            )
        return
    assert _named(content, NOT_IMPLEMENTED), f"docs/server.md does not list `{content}` as not implemented"
    if all(answered != content for answered, _action in METHODS):
        assert not _named(content, ANSWERED), f"docs/server.md's method table lists `{content}` as answered"
    if (content, action) == ("record", "randomize"):  # no fixture user can hold the Randomize right
        assert (response.status_code, response.get_json()) == (403, {"error": messages.NO_RANDOMIZE})
    else:
        assert response.status_code == 400 and said_not_implemented, response.get_data()
