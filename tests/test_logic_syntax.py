"""fake_redcap.logic_syntax: LogicParser's grammar (V15 Classes/LogicParser.php:20-56, consume_*), the
lexer's rewrites (LogicLexer.php tokenize) and what the fake leaves undecided."""

from __future__ import annotations

import pytest

from fake_redcap import logic_syntax


@pytest.mark.parametrize(
    "logic",
    [
        "",
        '[age] = "1"',
        "[age] = 1 and [sex] <> 2",
        "[age]>=18 AND [age]<=65",
        "([weight] / ([height] * [height])) * 10000",
        "sum([a], [b]) / 2",
        'if([a] = 1, "yes", "no")',
        "[baseline_arm_1][age] > 5",
        "[colors(2)] = '1' or [colors(red)] = '1'",
        "-5 + [a]",
        "[a] * -1",
        "true",
        '[a] = "x=y" && [b] != "<>"',
    ],
)
def test_what_the_grammar_takes(logic: str) -> None:
    assert logic_syntax.parses(logic)


@pytest.mark.parametrize(
    "logic",
    [
        "[a] 1",  # two operands without an operator
        "[a] = ",  # an operator without its operand
        "-[a]",  # a sign belongs to a number only
        "if([a] = 1, 2)",  # if() takes three arguments
        "([a] = 1))",  # a token left over
        "sum([a],)",
        "[a] = '1",  # a lone quote is a token no rule takes
    ],
)
def test_what_the_grammar_refuses(logic: str) -> None:
    assert not logic_syntax.parses(logic)


@pytest.mark.parametrize(
    ("logic", "named"),
    [
        ("[user-name] = 'x'", "[user-name]"),
        ("datediff([a], [b], 'y') > 1", "datediff()"),
        ("strlen([a]) > 1", "strlen()"),
        ("[a] ^ 2", "exponent"),
        ("[a] = 1 and foo", "'foo'"),
        ("[a:label] = 'x'", "[a:label]"),
    ],
)
def test_what_the_fake_leaves_undecided(logic: str, named: str) -> None:
    with pytest.raises(
        logic_syntax.Unsupported,
        match=named.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("^", r"\^"),
    ):
        logic_syntax.parses(logic)
