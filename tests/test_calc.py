"""Calc fields: the evaluator (fake_redcap/calc.py, calc_php.py) against values observed with PHP 8.2's
php-cli by hand, and REDCap's auto-calculation after Import Records (fake_redcap/methods/record_calc.py;
V15 Classes/Records.php:7447-7460, Classes/Calculate.php)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState, calc
from fake_redcap import calc_php as php
from fake_redcap.cli import main
from fake_redcap.methods.record_calc import triggered
from tests.support import MakeState, api, post, tok, write_fixture

NOW = dt.datetime(2026, 12, 1, 9, 30)
NUMERIC = {"w", "h", "a", "b", "c", "blank", "cb", "score", "bmi", "twice"}
VALUES = {"w": "70", "h": "175", "a": "", "b": "3", "c": "2", "d1": "2024-01-01", "d2": "2024-03-01"}
VALUES |= {"t": "abc", "n": "5", "big": "123456789012345", "dt1": "2024-01-01 10:00"}


def _value(ref: calc.Ref) -> php.Value:
    if ref.field == "cb":
        if ref.code is None:
            raise php.PhpError("checkbox/value mismatch")
        return "1" if ref.code == "1" else "0"
    return VALUES.get(ref.field, "")


LOOKUP = calc.Lookup(_value, lambda name: name in NUMERIC, NOW)


def _calc(equation: str) -> str | None:
    node = calc.parse(equation, LOOKUP.numeric)
    return None if node is None else calc.evaluate(node, LOOKUP, lambda ref: ref)


@pytest.mark.parametrize(
    ("equation", "stored"),
    [
        ("round(([w]*10000)/(([h])^(2)),1)", "22.9"),  # PHPCap's bmi
        ("([w]*10000)/(([h])^(2))", "22.857142857143"),  # PHP's precision 14
        ("1/3", "0.33333333333333"),
        ("[b]/[c]", "1.5"),
        ("6/[b]", "2"),  # int / int exact: an int
        ("[big]*10", "1234567890123450"),  # text field, not chkNull-wrapped: PHP int arithmetic
        ("[big]*1.0*100000", "1.2345678901234E+19"),
        ("0.00001*1", "1.0E-5"),
        ("[b]*-1", "-3"),
        ("2+3*4", "14"),
        ("(2+3)*4", "20"),
        ("10-2-3", "5"),
        ("[a]+1", ""),  # blank number: NAN
        ("[b]/0", ""),  # DivisionByZeroError
        ("[t]*2", ""),  # TypeError (a plain text is not wrapped)
        ("[n]*2", "10"),
        ("[b]>1", ""),  # a boolean is not numeric
        ("if([b]>1, 10, 20)", "10"),
        ('if([a]="", 5, 6)', "5"),  # ="" is is_nan_null
        ('if([a]<>"", 5, 6)', "6"),
        ("if([b]=3 and [c]=2, 1, 0)", "1"),
        ("if([b]=3 or [a]=1, 1, 0)", "1"),
        ("if([cb(1)]=1, [cb(2)], 9)", "0"),
        ("[cb]", ""),  # a checkbox without a code: REDCap's argument check fails
        ("[b]>[a]+0", "0"),  # chkNullCompare binds the two fields next to '>' (LogicParser.php:300)
        ("round(2.5)", "3"),
        ("round(-2.5)", "-3"),
        ("round(1.005,2)", "1.01"),  # PHP's pre-rounding
        ("roundup(2.341,2)", "2.35"),
        ("rounddown(2.345,2)", "2.34"),
        ("rounddown(7.9)", "7"),
        ("rounddown(sqrt(-1))", ""),
        ("roundup(log(0))", ""),
        ("round([a],1)", ""),
        ("abs(-3.5)", "3.5"),
        ("sqrt(2)", "1.4142135623731"),
        ("sqrt(-1)", ""),
        ("(2)^(0.5)", "1.4142135623731"),
        ("(-8)^(1/3)", "-2"),
        ("min([a],[b],[c])", "2"),
        ("max(1,[b],[c])", "3"),
        ("sum([a],[b],[c])", "5"),
        ("sum([a])", ""),
        ("mean([b],[c])", "2.5"),
        ("median(3,1,2,5)", "2.5"),
        ("median(3,1,2)", "2"),
        ("stdev(1,2,3,4)", "1.2909944487358"),
        ("mod(7,3)", "1"),
        ("mod(-7,3)", "-1"),
        ("log(100,10)", "2"),
        ("log(0)", ""),  # logRC: 0 == null
        ("exponential(1)", "2.718281828459"),
        ("isnumber([b])", ""),  # true is not numeric
        ("if(isnumber([t]),1,0)", "0"),
        ("if(isinteger([n]),1,0)", "1"),
        ('datediff([d1],[d2],"d")', "60"),
        ('datediff([d2],[d1],"d",true)', "-60"),
        ('datediff([d1],[d2],"y","ymd")', "0.16427442041931"),
        ('datediff([d1],[d2],"M")', "1.9710906701708"),
        ('datediff([d1],[d2],"h")', "1440"),
        ('datediff([d1],[a],"d")', ""),
        ("datediff([d1],'today','d')", "1065"),
        ("year([d1])+1", "2025"),
        ("month([d2])*1", "3"),
        ("day([d1])", "01"),  # the string itself
        ("// a comment line\n[b]+1", "4"),
        ("", ""),
        ("5", "5"),
    ],
)
def test_equations_compute_as_php_runs_them(equation: str, stored: str) -> None:
    assert _calc(equation) == stored


@pytest.mark.parametrize("equation", ["-[b]", "[b] +", "if([b], 1)", "round(([b]),1"])
def test_what_redcaps_parser_refuses_is_not_calculated(equation: str) -> None:
    assert _calc(equation) is None


@pytest.mark.parametrize(
    ("equation", "why"),
    [
        ("[b]^2", "exponent"),
        ("[event-name]", "bracketed"),
        ("left([t],1)", "left()"),
        ("[b][previous-instance]", "bracketed"),
        ("isblankormissingcode([b])", "isblankormissingcode"),
        ("datediff([dt1],[d2],'h')", "datediff"),
        ("1 = 2 = 3", "chained"),
    ],
)
def test_what_the_fake_cannot_compute_is_said(equation: str, why: str) -> None:
    with pytest.raises(calc.Unsupported, match=why):
        _calc(equation)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1 + 0.2, "0.3"),
        (1e15, "1.0E+15"),
        (-1.5e-7, "-1.5E-7"),
        (2.0, "2"),
        (float("inf"), "INF"),
        (-0.0, "-0"),
    ],
)
def test_floats_are_written_as_php_writes_them(value: float, text: str) -> None:
    assert php.to_string(value) == text


# ---------------------------------------------------------------------------------------------------------
# The auto-calculation after Import Records

IMPORTER = tok(0x3001)


def _classic() -> dict[str, Any]:
    return {
        "project": {"project_id": 301, "title": "Calc project"},
        "fields": [
            {"name": "record_id", "form": "vitals", "type": "text"},
            {"name": "w", "form": "vitals", "type": "text", "validation": "number"},
            {"name": "h", "form": "vitals", "type": "text", "validation": "number"},
            {"name": "bmi", "form": "vitals", "type": "calc", "choices": "round(([w]*10000)/(([h])^(2)),1)"},
            {"name": "twice", "form": "vitals", "type": "calc", "choices": "[bmi]*2"},
            {"name": "const", "form": "vitals", "type": "calc", "choices": "7"},
            {"name": "other", "form": "vitals", "type": "text"},
            {"name": "odd", "form": "vitals", "type": "calc", "choices": "left([other],2)"},
            {"name": "score", "form": "labs", "type": "text", "validation": "integer"},
            {"name": "score2", "form": "labs", "type": "calc", "choices": "[score]*2+[w]"},
        ],
        "repeating": [{"form": "labs"}],
        "users": [{"username": "importer", "token": IMPORTER, "data_export": "full", "api_import": True}],
        "records": [
            {"record": "1", "values": {"w": "70", "h": "175", "bmi": "99"}},
            {"record": "2", "values": {"w": "80", "h": "180"}},
            {"record": "2", "instance": 2, "values": {"score": "4"}},
            {"record": "3", "values": {"w": "50", "h": "160"}, "locked_forms": ["vitals"]},
        ],
    }


@pytest.fixture
def state(make_state: MakeState) -> FakeState:
    return make_state(_classic())


def _import(client: FlaskClient, rows: list[dict[str, str]]) -> None:
    data = {"token": IMPORTER, "content": "record", "format": "json", "data": json.dumps(rows)}
    response = post(client, data)
    assert response.status_code == 200, response.data


def _rows(client: FlaskClient) -> list[dict[str, str]]:
    response = post(client, {"token": IMPORTER, "content": "record", "format": "json"})
    rows: list[dict[str, str]] = response.get_json()
    return rows


def _row(client: FlaskClient, record: str, instance: str = "") -> dict[str, str]:
    return next(
        r for r in _rows(client) if r["record_id"] == record and str(r["redcap_repeat_instance"]) == instance
    )


def test_a_fixtures_blank_calc_fields_are_computed_given_ones_kept(state: FakeState) -> None:
    client = api(state)
    one, two = _row(client, "1"), _row(client, "2")
    assert (one["bmi"], one["twice"], one["const"]) == ("99", "198", "7")  # 99 given and kept
    assert (two["bmi"], two["twice"], _row(client, "2", "2")["score2"]) == ("24.7", "49.4", "88")
    assert _row(client, "1")["odd"] == ""  # the fake cannot compute left()


def test_an_import_recalculates_what_its_fields_trigger(state: FakeState) -> None:
    client = api(state)
    _import(client, [{"record_id": "1", "w": "80"}])
    one = _row(client, "1")
    assert (one["bmi"], one["twice"], one["const"]) == ("26.1", "52.2", "7")
    logged = [e for e in state.project_log(301) if e.description and "Auto calculation" in e.description]
    assert [(e.event, e.pk, e.data_values, e.description) for e in logged] == [
        ("UPDATE", "1", "bmi = '26.1',\ntwice = '52.2'", "Update record (API) (Auto calculation)")
    ]


def test_an_import_that_triggers_nothing_changes_no_calc(state: FakeState) -> None:
    client = api(state)
    _import(client, [{"record_id": "1", "other": "x"}])
    assert _row(client, "1")["bmi"] == "99"  # [other] is in no equation but odd's, which the fake skips
    assert triggered(state.served[0].project, ["other"]) == ["const", "odd"]


def test_repeating_instances_and_blank_operands(state: FakeState) -> None:
    client = api(state)
    _import(
        client,
        [{"record_id": "2", "redcap_repeat_instrument": "labs", "redcap_repeat_instance": "3", "score": "1"}],
    )
    assert _row(client, "2", "3")["score2"] == "82"  # [w] read from the record's own (non-repeating) row
    _import(client, [{"record_id": "2", "w": ""}])
    assert _row(client, "2")["bmi"] == "24.7"  # a blank in normal mode keeps the stored 80
    data = {"token": IMPORTER, "content": "record", "format": "json", "overwriteBehavior": "overwrite"}
    assert post(client, {**data, "data": json.dumps([{"record_id": "2", "w": ""}])}).status_code == 200
    assert (_row(client, "2")["bmi"], _row(client, "2", "2")["score2"]) == ("", "")


def test_a_locked_forms_calc_is_not_written(state: FakeState) -> None:
    client = api(state)
    _import(
        client,
        [{"record_id": "3", "score": "2", "redcap_repeat_instrument": "labs", "redcap_repeat_instance": "1"}],
    )
    # vitals is locked: its calcs are neither computed at load nor after the import (removeLockedFields)
    assert (_row(client, "3")["bmi"], _row(client, "3")["const"]) == ("", "")
    assert _row(client, "3", "1")["score2"] == "54"


def test_the_journal_and_check_name_what_the_fake_cannot_compute(
    state: FakeState, tmp_path: Any, capsys: Any
) -> None:
    client = api(state)
    _import(client, [{"record_id": "1", "w": "81"}])
    notes = state.journal.entries()[-1].lint
    assert any("calc field 'odd'" in note and "left()" in note for note in notes)
    path = write_fixture(tmp_path / "check", _classic())
    assert main(["check", str(path)]) == 0
    assert "warning" in capsys.readouterr().err


def test_cross_event_references(make_state: MakeState) -> None:
    doc = {
        "project": {"project_id": 302, "title": "Longitudinal calc"},
        "fields": [
            {"name": "record_id", "form": "base", "type": "text"},
            {"name": "w", "form": "visit", "type": "text", "validation": "number"},
            {"name": "gain", "form": "visit", "type": "calc", "choices": "[w]-[one_arm_1][w]"},
        ],
        "arms": [{"number": 1, "name": "Arm 1"}],
        "events": [
            {"unique_name": "one_arm_1", "name": "One", "arm": 1, "forms": ["base", "visit"]},
            {"unique_name": "two_arm_1", "name": "Two", "arm": 1, "forms": ["visit"]},
        ],
        "users": [{"username": "importer", "token": IMPORTER, "data_export": "full", "api_import": True}],
        "records": [{"record": "1", "event": "one_arm_1", "values": {"w": "70"}}],
    }
    client = api(make_state(doc))
    _import(client, [{"record_id": "1", "redcap_event_name": "two_arm_1", "w": "72.5"}])
    gains = {r["redcap_event_name"]: r["gain"] for r in _rows(client)}
    assert gains == {"one_arm_1": "0", "two_arm_1": "2.5"}


def test_a_calc_reads_an_earlier_calcs_number_with_all_its_digits(make_state: MakeState) -> None:
    """chkNull keeps a float that PHP writes with a decimal point (init_functions.php:4617), and the run
    hands the computed float on (Calculate.php:453-460): 10/3*2 is 6.6666666666667, not 3.3333333333333*2."""
    doc = _classic()
    doc["fields"][1:1] = [
        {"name": "third", "form": "vitals", "type": "calc", "choices": "10/3"},
        {"name": "double", "form": "vitals", "type": "calc", "choices": "[third]*2"},
    ]
    client = api(make_state(doc))
    assert (_row(client, "2")["third"], _row(client, "2")["double"]) == ("3.3333333333333", "6.6666666666667")
    _import(client, [{"record_id": "2", "w": "81"}])  # [third] names no field: always recalculated
    assert _row(client, "2")["double"] == "6.6666666666667"


@pytest.mark.parametrize(
    ("equation", "php8", "php7"),
    [
        ("[t]*2", "", "0"),  # PHP 8's TypeError; PHP 7 warns and reads 0
        ("[b]/0", "", "INF"),  # DivisionByZeroError; PHP 7's warning and INF, which is_numeric takes
        ("0/0", "", ""),  # PHP 7: NAN
        ("if([t]=0, 1, 2)", "2", "1"),  # PHP 7 compares 'abc' with 0 as numbers
    ],
)
def test_before_redcap_15_equations_run_as_php_7_runs_them(equation: str, php8: str, php7: str) -> None:
    old = calc.Lookup(_value, LOOKUP.numeric, NOW, php7=True)
    node = calc.parse(equation, LOOKUP.numeric)
    assert node is not None
    assert (calc.evaluate(node, LOOKUP, lambda r: r), calc.evaluate(node, old, lambda r: r)) == (php8, php7)


def test_a_redcap_14_project_computes_as_php_7(make_state: MakeState) -> None:
    doc = _classic()
    doc["redcap_version"] = "14.5.11"
    doc["fields"][1:1] = [{"name": "broken", "form": "vitals", "type": "calc", "choices": "[other]*2"}]
    client = api(make_state(doc))
    _import(client, [{"record_id": "1", "other": "abc"}])
    assert _row(client, "1")["broken"] == "0"


@pytest.mark.parametrize(
    ("kind", "value", "places", "text"),
    [  # observed with php-cli 8.2: ceil keeps -0; round leaves digits past the 15th alone
        ("up", -6.983016521509962e-10, 2, "-0"),
        ("up", -51.9999999999999, -2, "-0"),
        ("round", 3.117163799133047e17, 0, "3.117163799133E+17"),
        ("round", 3.001351627791449e19, -2, "3.0013516277914E+19"),
        ("round", -2.5478450018239673, -2, "-0"),
        ("down", 7.25, 1, "7.2"),
    ],
)
def test_rounding_as_php_rounds(kind: str, value: float, places: int, text: str) -> None:
    assert php.to_string(php.rounding(kind, value, places)) == text


@pytest.mark.parametrize(
    ("op", "left", "right", "result"),
    [  # PHP 8.2, observed with php-cli: NAN compares with nothing, a text with a number as texts
        ("<", "", float("nan"), False),
        (">", float("nan"), "abc", False),
        ("!=", float("nan"), "abc", True),
        ("==", "abc", 0, False),
        ("==", "1.0", " 1", True),
        ("<", "10", "9", False),
        ("<", "a", "B", False),
        ("==", None, False, True),
    ],
)
def test_comparisons_are_php_8s(op: str, left: php.Value, right: php.Value, result: bool) -> None:
    assert php.compare(op, left, right) is result
