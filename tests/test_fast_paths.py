"""The shortcuts the loaders, the body parser and Import File take for speed (issue 19) give exactly what
the general code gives: each is compared with the code it stands in for, on generated input."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from fake_redcap import FakeState
from fake_redcap.fixture import yaml_json
from fake_redcap.fixture.values import VALIDATIONS, column_check, column_problem
from fake_redcap.model import Field, StoredFile
from fake_redcap.params import _unquote

_URL_BYTES = st.lists(
    st.one_of(
        st.sampled_from([b"%", b"+", b"=", b"\n", b"\r", b"%2", b"%3D", b"%0a", b"%C3%A9", b"%zz"]),
        st.binary(min_size=1, max_size=3),
        st.sampled_from([b"%" + bytes([a, b]) for a in b"0f9A" for b in b"0aF7g"]),
    ),
    max_size=12,
).map(b"".join)


@settings(max_examples=1000)
@given(_URL_BYTES)
def test_unquote_is_php_urldecode_whatever_the_bytes(raw: bytes) -> None:
    expected = urllib.parse.unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8", "surrogateescape")
    assert _unquote(raw) == expected


FIELDS = [
    Field(name="t", form="f", type="text"),
    Field(name="n", form="f", type="notes"),
    Field(name="d", form="f", type="dropdown", choices="1, A | 2, B | x, C"),
    Field(name="r", form="f", type="radio", choices="0, No | 1, Yes"),
    Field(name="y", form="f", type="yesno"),
    Field(name="tf", form="f", type="truefalse"),
    Field(name="c", form="f", type="checkbox", choices="1, A | 2, B"),
    Field(name="f_complete", form="f", type="dropdown", choices="0, I | 1, U | 2, C"),
    Field(name="s", form="f", type="slider", validation_min="-5", validation_max="5"),
    Field(name="calc", form="f", type="calc", choices="[t] + 1"),
    *(Field(name=f"v_{v}", form="f", type="text", validation=v) for v in VALIDATIONS),
]
FIXED_VALUES = [
    *["", "0", "1", "2", "3", "x", "X", "-5", "-6", "5", "6", "1.5", "1,5", "1e3", " 1", "1 ", "01"],
    *["2024-02-29", "2023-02-29", "2024-5-7", "2024-13-01", "0000-01-01", "12:30", "24:00", "1:05"],
    *["2024-05-17 10:30", "2024-05-17 10:30:59", "a@b.cd", "a@b", "12345", "12345-6789", "123-45-6789"],
    *["1234567890", "12.3", "12.34", "12.345", "12.3456", "12,3", "abc", "ab1", "59:59", "23:59:59"],
]


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.name)
def test_column_check_passes_what_column_problem_accepts(field: Field) -> None:
    check = column_check(field)
    for value in FIXED_VALUES:
        assert (check is None or check(value)) == (column_problem(field, value) is None), value


@settings(max_examples=300)
@given(st.sampled_from(FIELDS), st.text(alphabet="0123456789-:.,e@ aZ", max_size=12))
def test_column_check_on_generated_text(field: Field, value: str) -> None:
    check = column_check(field)
    assert (check is None or check(value)) == (column_problem(field, value) is None)


@settings(max_examples=1000)
@given(
    st.one_of(
        st.text(alphabet="0123456789-", max_size=11),
        st.dates().map(str),
        st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    )
)
def test_date_check_is_strptime(value: str) -> None:
    try:
        dt.datetime.strptime(value, "%Y-%m-%d")
        expected = True
    except ValueError:
        expected = False
    check = VALIDATIONS["date_ymd"]
    assert check is not None
    assert check(value) == expected


def test_a_file_change_overlays_the_loaded_index_instead_of_copying_it(tmp_path: Path) -> None:
    """Import File changes one record/event pair; the 100,000-entry index a large project has is
    shared with the loaded project (a reset then frees only the change), and reads see the change."""
    fixture = tmp_path / "p.json"
    fields = [
        {"name": "record_id", "form": "f", "type": "text"},
        {"name": "doc", "form": "f", "type": "file"},
    ]
    user = {"username": "u", "token": "C" * 32, "data_export": "full"}
    records = [{"record": str(i)} for i in range(1, 4)]
    fixture.write_text(json.dumps({"fields": fields, "users": [user], "records": records}))
    state = FakeState([fixture])
    try:
        before = state.served[0]
        stored = StoredFile(name="a.txt", mime="text/plain", size=1, data=b"a")
        state.set_file(before.project.project_id, "2", None, 1, "doc", stored)
        state.set_file(before.project.project_id, "4", None, 1, "doc", stored)  # a new record's row
        after = state.served[0]
        assert after.by_record_event is before.by_record_event
        assert after.rows("2", None)[0].files["doc"] is stored
        assert after.rows("4", None)[0].files["doc"] is stored
        assert after.rows("1", None)[0].files == {}
        assert [r.record for r in after.project.records] == ["1", "2", "3", "4"]
        state.reset()
        assert state.served[0].rows("2", None)[0].files == {}
        assert state.served[0].rows("4", None) == ()
    finally:
        state.close()


# Fixture YAML: the composed nodes turned into values without PyYAML's constructor (yaml_json._plain),
# PyYAML's own load for anything else: the same values and the same errors as yaml.load.
_SCALARS = st.one_of(
    st.text(max_size=8),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.dates(),
    st.sampled_from(
        ["0x1F", "0o17", "1:30", "1_000", "~", "yes", "No", "2024-05-17 10:30:00", ".inf", "=", "<<"]
    ),
)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=5), st.integers(), st.booleans()), inner, max_size=4),
    ),
    max_leaves=20,
)
_ODD_YAML = [
    "",
    "# only a comment\n",
    "a: 1\na: 2\n",
    "a: 1\nb: {c: 1, c: 2}\n",
    "<<: {a: 1}\nb: 2\n",
    "b: 2\n<<: [{a: 1}, {c: 3}]\n",
    "=: x\n",
    "!!set {a, b}\n",
    "!!omap [a: 1, b: 2]\n",
    "? [1, 2]\n: x\n",
    "? {a: 1}\n: x\n",
    "x: !!binary aGVsbG8=\n",
    "x: !!float 1\ny: !!str 2\nz: !!int '3'\n",
    "x: !!int abc\n",
    "x: !custom 1\n",
    "x: !!python/name:os.system\n",
    "--- a\n--- b\n",
    "x: 2001-12-14t21:59:43.10-05:00\ny: 2002-12-14\n",
    "[1, 2, {a: [3, {b: null}]}]\n",
    "x: [1, 2\n",
    "~: 1\nnull: 2\n",
    "1: a\n'1': b\n",
    "true: a\nyes: b\n",
]


def _outcome(load: Any) -> tuple[str, object]:
    try:
        return "value", load()
    except yaml.YAMLError as exc:
        return type(exc).__name__, str(exc)
    except Exception as exc:  # what PyYAML itself lets through (e.g. an unhashable key's TypeError)
        return type(exc).__name__, str(exc)


def _same_as_yaml_load(text: str) -> None:
    loader = yaml_json._FastFixtureLoader
    assert loader is not None
    fast = _outcome(lambda: yaml_json._load_fast(text, loader))
    general = _outcome(lambda: yaml.load(text, Loader=loader))
    assert fast == general


@pytest.mark.parametrize("text", _ODD_YAML)
def test_the_fast_yaml_load_is_yaml_load_on_odd_documents(text: str) -> None:
    _same_as_yaml_load(text)


@settings(max_examples=300)
@given(_DOCUMENTS, st.sampled_from([None, True, False]))
def test_the_fast_yaml_load_is_yaml_load(document: Any, flow: bool | None) -> None:
    _same_as_yaml_load(yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True))
