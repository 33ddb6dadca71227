"""filterLogic: REDCap's logic as pipelines filter records by (fake_redcap.logic, V15 LogicParser and
Records::applyFilteringLogic), its PHP 8 comparisons, and the record export rows it keeps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from redcap.project import Project

from fake_redcap import FakeServer, FakeState, logic, messages
from tests.support import LONG_TOKENS, MakeState, api, longitudinal_fixture, post


@pytest.mark.parametrize(
    ("op", "left", "right", "expected"),
    [
        ("==", "30", 30.0, True),
        ("==", "30.0", "30", True),  # two numeric strings compare as numbers
        ("==", "abc", "ABC", False),
        ("<", "", 5.0, True),  # PHP 8: "" against 5 compares "" with "5" as strings
        (">", "", 5.0, False),
        ("!=", "", "", False),
        ("<", "2020-01-31", "2020-02-01", True),
        (">=", "10", "9", True),  # numerically, not as strings
        ("==", "1e1", "10", True),
        ("<", "abc", 5.0, False),  # "abc" > "5" as strings
    ],
)
def test_php_8_comparisons(op: str, left: str, right: str | float, expected: bool) -> None:
    assert logic.php_compare(op, left, right) is expected


def test_parse_and_evaluate() -> None:
    values: dict[tuple[str | None, str, str | None], str] = {("e1", "a", None): "3", ("e2", "a", None): "7"}
    values[("e1", "c", "2")] = "1"

    def lookup(event: str | None, field: str, code: str | None) -> str:
        return values.get((event, field, code), "")

    def truth(text: str) -> bool:
        return logic.evaluate(logic.parse(text), lookup, "e1")

    assert truth('[a] = "3"') and truth("[a] = 3") and not truth("[a] <> 3")
    assert truth("[e2][a] > [a]") and truth("[c(2)] = '1'") and not truth("[c(3)] = 1")
    assert truth('not [a] = 4 and ([b] = "" or [a] = 9)')
    assert truth("[a] = 3 OR [a] = 4") and not truth("not ([a] >= 3)")


@pytest.mark.parametrize(
    "text",
    ['datediff([a], "today", "d") > 1', "[a] + 1 > 2", "[a]", "[a:label] = 1", "[a] = [event-name]", "(("],
)
def test_what_the_fake_does_not_evaluate_is_refused(text: str) -> None:
    with pytest.raises(logic.Unsupported):
        logic.parse(text)


def _doc() -> dict[str, Any]:
    doc = longitudinal_fixture()
    doc["fields"].insert(
        2, {"name": "pets", "form": "enrollment", "type": "checkbox", "choices": "1, Cat | 2, Dog"}
    )
    doc["records"][0]["values"] = {"pets___2": "1"}
    return doc


@pytest.fixture
def state(make_state: MakeState) -> FakeState:
    return make_state(_doc())


def _export(client: FlaskClient, text: str) -> Any:
    params = {"token": LONG_TOKENS["full"], "content": "record", "format": "json", "filterLogic": text}
    return post(client, {**params, "fields[0]": "record_id", "fields[1]": "lab_value"})


def _rows(client: FlaskClient, text: str) -> list[tuple[str, str, Any]]:
    response = _export(client, text)
    assert response.status_code == 200, response.data
    return [
        (r["record_id"], r["redcap_event_name"], r["redcap_repeat_instance"]) for r in response.get_json()
    ]


def test_export_keeps_the_rows_the_logic_holds_for(state: FakeState) -> None:
    client = api(state)
    assert _rows(client, '[lab_value] = "9"') == [("3", "visit_1_arm_1", 1)]
    assert _rows(client, "[baseline_arm_1][pets(2)] = '1' and [record_id] = 1")[0] == (
        "1",
        "baseline_arm_1",
        "",
    )
    assert {r[0] for r in _rows(client, "[baseline_arm_1][pets(2)] = '1'")} == {"1"}
    assert _rows(client, '[record_id] = "nobody"') == []
    assert len(_rows(client, "1 = 2")) == len(_rows(client, "1 = 1"))  # no field: REDCap does not filter


def test_unsupported_logic_is_not_implemented(state: FakeState) -> None:
    response = _export(api(state), "datediff([lab_value], 'today', 'd') > 1")
    assert response.status_code == 400 and response.headers[messages.NOT_IMPLEMENTED_HEADER]
    response = _export(api(state), "[nope] = 1")
    assert response.status_code == 400 and response.headers[messages.NOT_IMPLEMENTED_HEADER]


@pytest.fixture
def server(state: FakeState) -> Iterator[FakeServer]:
    with FakeServer(state, "127.0.0.1", 0) as running:
        yield running


def test_pycap_filter_logic(server: FakeServer) -> None:
    project = Project(server.url, LONG_TOKENS["full"])
    rows = project.export_records(fields=["record_id", "lab_value"], filter_logic="[lab_value] >= 9")
    assert json.loads(json.dumps(rows)) == [
        {
            "record_id": "3",
            "redcap_event_name": "visit_1_arm_1",
            "redcap_repeat_instrument": "labs",
            "redcap_repeat_instance": 1,
            "lab_value": "9",
        }
    ]
