"""User, role and DAG imports whose XML does not parse: Records::xmlDecode gives an empty array, which
RestUtility's `$content == ''` lets through (an array never equals a string in PHP), and each import
then answers data_import_tool_200 with status 200 (V15 API/user|userRole|dag|userRoleMapping|
userDagMapping/import.php), nothing changed and no libxml text shown (error_reporting(0))."""

from __future__ import annotations

from typing import Any

import pytest

from fake_redcap import FakeState
from tests.support import CLASSIC_EXTRA_FILES, MakeState, api, classic_fixture, post, tok

ADMIN = tok(0x4501)
NOT_IN_FORMAT = "The data is not in the specified format."
BROKEN = (
    "<users><item><username>x</username></users>",  # a tag left open
    "<items><item><username>x</item></items>",
    "not xml at all",
    "<dags><item><data_access_group_name>A & B</data_access_group_name></item></dags>",  # a bare &
)


def _doc() -> dict[str, Any]:
    doc = classic_fixture()
    doc["dags"] = [{"name": "Site A"}]
    doc["users"].append(
        {"username": "admin", "token": ADMIN, "data_export": "full", "api_import": True, "user_rights": True}
        | {"rights": {"data_access_groups": 1}}
    )
    return doc


@pytest.mark.parametrize(
    ("content", "extra"),
    [
        ("user", {}),
        ("userRole", {}),
        ("dag", {"action": "import"}),
        ("userRoleMapping", {}),
        ("userDagMapping", {"action": "import"}),
    ],
)
@pytest.mark.parametrize("data", BROKEN)
def test_xml_that_does_not_parse_is_not_in_the_specified_format(
    make_state: MakeState, content: str, extra: dict[str, str], data: str
) -> None:
    state: FakeState = make_state(_doc(), CLASSIC_EXTRA_FILES)
    before = state.projects[0]
    params = {"token": ADMIN, "content": content, "format": "xml", "data": data, **extra}
    answer = post(api(state), params)
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, NOT_IN_FORMAT)
    after = state.projects[0]
    assert (after.users, after.roles, after.dags) == (before.users, before.roles, before.dags)
