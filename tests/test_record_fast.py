"""Export Records' fast path (methods/record_fast.py, issue 19) gives byte for byte the answer of the
general path (methods/record.py `_get_data` + `_write`) on generated classic projects: fields of every
kind over several forms, blank and non-blank values, statuses given or not, files, and the export's
parameters (records, fields, forms, csv delimiters, REDCap 12 and 15)."""

from __future__ import annotations

import json
import tempfile
import urllib.parse
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fake_redcap import FakeState, create_app
from fake_redcap.import_values import ColumnCheck, check_value, takes_any_value
from fake_redcap.methods import record_fast
from fake_redcap.model import Field, Project
from tests.support import write_fixture

TOKEN = "D" * 32
FIELDS: list[dict[str, Any]] = [
    {"name": "record_id", "form": "one", "type": "text"},
    {"name": "name", "form": "one", "type": "text"},
    {"name": "pick", "form": "one", "type": "dropdown", "choices": "1, A | 2, B"},
    {"name": "boxes", "form": "one", "type": "checkbox", "choices": "1, A | 2, B | x, C"},
    {"name": "doc", "form": "one", "type": "file"},
    {"name": "intro", "form": "one", "type": "descriptive"},
    {"name": "age", "form": "two", "type": "text", "validation": "integer"},
    {"name": "note", "form": "two", "type": "notes"},
    {"name": "scan", "form": "two", "type": "file"},
    {"name": "flag", "form": "three", "type": "yesno"},
]
VALUES = {
    "name": st.sampled_from(
        ["", "Ann", "a b", 'say "hi"', "x,y", "semi;colon", "t\tab", "line\nbreak", "é/ü"]
    ),
    "pick": st.sampled_from(["", "1", "2"]),
    "boxes___1": st.sampled_from(["0", "1"]),
    "boxes___2": st.sampled_from(["0", "1"]),
    "boxes___x": st.sampled_from(["0", "1"]),
    "age": st.sampled_from(["", "7", "42"]),
    "note": st.sampled_from(["", "n", "a|b^c"]),
    "flag": st.sampled_from(["", "0", "1"]),
    "one_complete": st.sampled_from(["0", "2"]),
    "two_complete": st.sampled_from(["1"]),
}
RECORD_NAMES = ["1", "2", "10", "02", "a", "B", "b2", "A10", "x 1", "Z"]


@st.composite
def projects(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(RECORD_NAMES), max_size=8, unique_by=str.lower))
    records: list[dict[str, Any]] = []
    for name in names:
        chosen = draw(st.lists(st.sampled_from(sorted(VALUES)), max_size=6, unique=True))
        row: dict[str, Any] = {"record": name, "values": {k: draw(VALUES[k]) for k in chosen}}
        files = draw(st.lists(st.sampled_from(["doc", "scan"]), max_size=2, unique=True))
        if files:
            row["files"] = {f: {"text": "x", "name": f"{f}-{name}.txt"} for f in files}
        records.append(row)
    draw(st.randoms()).shuffle(records)
    user = {"username": "u", "token": TOKEN, "data_export": "full"}
    return {"project": {"project_id": 77}, "fields": FIELDS, "users": [user], "records": records}


PARAMS = st.fixed_dictionaries(
    {"format": st.sampled_from(["json", "csv"])},
    optional={
        "records": st.lists(st.sampled_from([*RECORD_NAMES, "nope", " 1"]), min_size=1, max_size=3),
        "fields": st.lists(
            st.sampled_from(["record_id", "name", "boxes", "doc", "age", "scan", "flag", "two_complete"]),
            min_size=1,
            max_size=3,
            unique=True,
        ),
        "forms": st.lists(st.sampled_from(["one", "two", "three"]), min_size=1, max_size=2, unique=True),
        "csvDelimiter": st.sampled_from([",", ";", "|", "^"]),
        "type": st.just("flat"),
    },
)


def _export(state: FakeState, params: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    pairs = [("token", TOKEN), ("content", "record")]
    for key, value in params.items():
        if isinstance(value, list):
            pairs.extend((f"{key}[{i}]", v) for i, v in enumerate(value))
        else:
            pairs.append((key, value))
    response = (
        create_app(state)
        .test_client()
        .post(
            "/api/",
            data=urllib.parse.urlencode(pairs),
            content_type="application/x-www-form-urlencoded",
        )
    )
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in ("date", "redcap-random-text")]
    return response.status_code, headers, response.data


def _both(doc: dict[str, Any], params: dict[str, Any], version: str) -> tuple[Any, Any]:
    with tempfile.TemporaryDirectory() as folder:
        state = FakeState([write_fixture(Path(folder), doc)], redcap_version=version)
        try:
            fast = _export(state, params)
            with mock.patch.object(record_fast, "applies", return_value=False):
                general = _export(state, params)
        finally:
            state.close()
    return fast, general


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects(), PARAMS, st.sampled_from(["12.4.0", "15.7.6"]))
def test_the_fast_export_is_the_general_one(
    doc: dict[str, Any], params: dict[str, Any], version: str
) -> None:
    fast, general = _both(doc, params, version)
    assert fast == general


def test_the_fast_path_is_taken_and_gives_the_rows(tmp_path: Path) -> None:
    """The common export goes the fast way (the test above would pass if it never did)."""
    records = [
        {"record": "10", "values": {"name": "Bo", "age": "3"}},
        {
            "record": "2",
            "values": {"name": "a b", "pick": ""},
            "files": {"doc": {"text": "x", "name": "d.txt"}},
        },
    ]
    user = {"username": "u", "token": TOKEN, "data_export": "full"}
    doc = {"project": {"project_id": 77}, "fields": FIELDS, "users": [user], "records": records}
    state = FakeState([write_fixture(tmp_path, doc)], redcap_version="15.7.6")
    try:
        with mock.patch.object(record_fast, "classic_rows", wraps=record_fast.classic_rows) as spy:
            status, _, body = _export(
                state, {"format": "json", "fields": ["record_id", "name", "doc", "age"]}
            )
        assert spy.call_count == 1
        assert status == 200
        assert json.loads(body) == [
            {"record_id": "2", "name": "a b", "doc": "d.txt", "age": ""},
            {"record_id": "10", "name": "Bo", "doc": "", "age": "3"},
        ]
    finally:
        state.close()


# Import Records: a column's check worked out once per distinct value (import_values.ColumnCheck), and
# nothing checked for a field that takes any value (import_values.takes_any_value).
IMPORT_FIELDS = [
    Field(name="t", form="f", type="text"),
    Field(name="n", form="f", type="notes"),
    Field(name="calc", form="f", type="calc", choices="[t] + 1"),
    Field(name="i", form="f", type="text", validation="integer"),
    Field(name="d", form="f", type="text", validation="date_ymd"),
    Field(name="dt", form="f", type="text", validation="datetime_seconds_ymd"),
    Field(name="tm", form="f", type="text", validation="time"),
    Field(
        name="m", form="f", type="text", annotation="@FORCE-MINMAX", validation_min="1", validation_max="5"
    ),
    Field(name="dd", form="f", type="dropdown", choices="1, A | 2, B"),
    Field(name="y", form="f", type="yesno"),
    Field(name="s", form="f", type="slider"),
    Field(name="c", form="f", type="checkbox", choices="1, A | 2, B"),
    Field(name="e", form="f", type="text", validation="email"),
]
IMPORT_VALUES = st.one_of(
    st.sampled_from(["", "0", "1", "2", "7", "-3", "2024-5-7", "5/7/2024", "2024-05-07 1:2", "1:05", "x"]),
    st.text(alphabet="0123456789-:/ T.a@", max_size=12),
)


@settings(max_examples=400)
@given(
    st.sampled_from(IMPORT_FIELDS),
    st.lists(IMPORT_VALUES, max_size=6),
    st.booleans(),
    st.sampled_from(["YMD", "MDY", "DMY"]),
)
def test_a_column_check_is_check_value(field: Field, values: list[str], overwrite: bool, fmt: str) -> None:
    column = f"{field.name}___1" if field.type == "checkbox" else field.name
    check = ColumnCheck(field, column, overwrite, fmt)
    for value in [*values, *values]:  # the second time from what the first worked out
        expected = check_value(field, column, value, overwrite=overwrite, date_format=fmt)
        assert check.check(value) == (expected.value, expected.error)
        if takes_any_value(field):
            assert (expected.value, expected.error) == (value, None)
    assert (check.checks is None) == takes_any_value(field)


@settings(max_examples=300)
@given(st.lists(st.text(alphabet="aAbB0129 _-", min_size=1, max_size=5), min_size=1, max_size=12))
def test_records_sorted_by_their_cached_rank_as_by_their_natural_key(names: list[str]) -> None:
    """The export sorts records by each one's place among the project's natural keys once most of them
    are sorted (record_fast.Known.order_key): the same order as sorting by the natural key itself."""
    project = cast(Project, SimpleNamespace(records=[SimpleNamespace(record=n) for n in names]))
    by_rank = record_fast.Known(project).order_key(project, len(names))
    assert by_rank is not record_fast.natural_key
    assert sorted(names, key=by_rank) == sorted(names, key=record_fast.natural_key)
    few = record_fast.Known(project).order_key(project, len(names) // 5)
    assert sorted(names, key=few) == sorted(names, key=record_fast.natural_key)
