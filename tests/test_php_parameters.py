"""Parameters as REDCap's database sees them: `db_escape` (replaceMSchars, then a one-element array read as
its element) and which parameters PHP 8 refuses as arrays (source audit #21, #22)."""

from __future__ import annotations

import pytest

from fake_redcap.params import Params, fold_ms_chars


@pytest.mark.parametrize(
    ("sent", "folded"),
    [
        ("O\u2019Brien", "O'Brien"),
        ("\u2018a\u2019 \u201ab\u201b", "'a' 'b'"),
        ("\u201cq\u201d \u201er\u201f", '"q" "r"'),
        ("\u00abx\u00bb \u2039y\u203a", "<<x>> <y>"),
        ("1\u20132\u20143", "1-2-3"),
        ("wait\u2026", "wait..."),
        ("plain 'ascii' - text", "plain 'ascii' - text"),
        ("\u00e9\u2212\u2015", "\u00e9\u2212\u2015"),  # accents, the minus sign, the horizontal bar: kept
    ],
)
def test_fold_ms_chars_replaces_redcaps_table_and_nothing_else(sent: str, folded: str) -> None:
    assert fold_ms_chars(sent) == folded


def test_db_reads_a_one_element_array_as_its_element_and_folds_it() -> None:
    params = Params.from_pairs([("record[]", "O\u2019Brien"), ("field", "a\u2013b")])
    assert params.db("record") == "O'Brien"
    assert params.db("field") == "a-b"
    assert params.text("record") == "Array"  # in a string context it is still PHP's "Array"


def test_db_reads_a_longer_array_as_empty_and_before_redcap_14_every_array() -> None:
    params = Params.from_pairs([("record[0]", "1"), ("record[1]", "2"), ("one[]", "1")])
    assert params.db("record") == ""
    assert params.db("one", unwrap_one=False) == ""
    assert params.db("missing") == ""


def test_is_array_tells_an_array_from_a_string() -> None:
    params = Params.from_pairs([("field[]", "x"), ("record", "1")])
    assert params.is_array("field")
    assert not params.is_array("record")
    assert not params.is_array("missing")
