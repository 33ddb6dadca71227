"""REDCap logic (`filterLogic`) for the part pipelines filter by: comparisons (`=`, `==`, `<>`, `!=`, `<`,
`>`, `<=`, `>=`), `and`, `or`, `not`, parentheses, `[field]`, `[event][field]`, `[field(code)]` for a
checkbox choice, quoted strings (`""` for empty) and numbers. Anything else (functions, arithmetic, smart
variables, `[field:label]`, instance suffixes) raises `Unsupported`, which the caller answers "not
implemented": never a filter silently ignored.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`): `Classes/LogicLexer.php` and `LogicParser.php` (the
grammar: unary `not`, infix operators, parentheses, operands), `Classes/Records.php`
applyFilteringLogic:4363 (fields without an event name the row's own event; the logic is evaluated per
record and event), `LogicTester::formatLogicToPHP` (`=` becomes PHP's `==`, `<>` its `!=`). The logic
runs as PHP 8 code, so values compare as PHP 8 compares a string from the database with a literal:
numerically when both sides are numbers or numeric strings, otherwise as strings (so a blank value is
`< 5` and not `> 5`). Facts only: no REDCap code is copied.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# lookup(event or None, field, checkbox code or None) -> the stored value ("" when blank)
Lookup = Callable[[str | None, str, str | None], str]


class Unsupported(Exception):
    """Logic the fake does not evaluate (the message names the part)."""


@dataclass(frozen=True)
class Ref:
    event: str | None
    field: str
    code: str | None


@dataclass(frozen=True)
class Literal:
    value: str | float


@dataclass(frozen=True)
class Compare:
    op: str
    left: Ref | Literal
    right: Ref | Literal


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    inner: Node


Node = Compare | BoolOp | Not

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<ref>\[[^\[\]]*\])
      | (?P<str>"[^"]*"|'[^']*')
      | (?P<num>-?\d+(?:\.\d+)?)
      | (?P<op><>|!=|<=|>=|==|=|<|>)
      | (?P<paren>[()])
      | (?P<word>[A-Za-z_]+)
      | (?P<other>\S)
    )""",
    re.VERBOSE,
)
_CHECKBOX = re.compile(r"([a-z0-9_]+)\(([^()]*)\)")
_NAME = re.compile(r"[a-z0-9_]+")


def parse(text: str) -> Node:
    tokens = _tokens(text)
    parser = _Parser(tokens)
    node = parser.expression()
    if parser.position != len(tokens):
        raise Unsupported(f"filterLogic near {' '.join(v for _, v in tokens[parser.position :])[:60]!r}")
    return node


def _tokens(text: str) -> list[tuple[str, str]]:
    result: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind is None:
            continue
        value = match.group(kind)
        if kind == "other":
            raise Unsupported(f"filterLogic with {value!r}")
        if kind == "word":
            word = value.lower()
            if word not in ("and", "or", "not"):
                raise Unsupported(f"filterLogic with {value!r} (functions and smart variables)")
            result.append(("word", word))
        else:
            result.append((kind, value))
    if not result:
        raise Unsupported("an empty filterLogic")
    return result


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise Unsupported("filterLogic that ends too soon")
        self.position += 1
        return token

    def expression(self) -> Node:
        node = self.conjunction()
        while self.peek() == ("word", "or"):
            self.take()
            node = BoolOp("or", node, self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.negation()
        while self.peek() == ("word", "and"):
            self.take()
            node = BoolOp("and", node, self.negation())
        return node

    def negation(self) -> Node:
        if self.peek() == ("word", "not"):
            self.take()
            return Not(self.negation())
        if self.peek() == ("paren", "("):
            self.take()
            node = self.expression()
            if self.take() != ("paren", ")"):
                raise Unsupported("filterLogic with unbalanced parentheses")
            return node
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        kind, op = self.take()
        if kind != "op":
            raise Unsupported(f"filterLogic with {op!r} where a comparison was expected")
        return Compare({"=": "==", "<>": "!="}.get(op, op), left, self.operand())

    def operand(self) -> Ref | Literal:
        kind, value = self.take()
        if kind == "str":
            return Literal(value[1:-1])
        if kind == "num":
            return Literal(float(value))
        if kind == "ref":
            nxt = self.peek()
            if nxt is not None and nxt[0] == "ref":
                self.take()
                return _ref(value[1:-1], nxt[1][1:-1])
            return _ref(None, value[1:-1])
        raise Unsupported(f"filterLogic with {value!r} where a field or value was expected")


def _ref(event: str | None, inner: str) -> Ref:
    if event is not None and not _NAME.fullmatch(event):
        raise Unsupported(f"filterLogic with [{event}]")
    checkbox = _CHECKBOX.fullmatch(inner)
    if checkbox:
        return Ref(event, checkbox[1], checkbox[2])
    if not _NAME.fullmatch(inner):
        raise Unsupported(f"filterLogic with [{inner}] (smart variables, labels, instances)")
    return Ref(event, inner, None)


def evaluate(node: Node, lookup: Lookup, event: str | None) -> bool:
    """The logic's truth for one record in `event` (the event fields without one name)."""
    if isinstance(node, Not):
        return not evaluate(node.inner, lookup, event)
    if isinstance(node, BoolOp):
        if node.op == "and":
            return evaluate(node.left, lookup, event) and evaluate(node.right, lookup, event)
        return evaluate(node.left, lookup, event) or evaluate(node.right, lookup, event)
    left, right = _value(node.left, lookup, event), _value(node.right, lookup, event)
    return php_compare(node.op, left, right)


def _value(operand: Ref | Literal, lookup: Lookup, event: str | None) -> str | float:
    if isinstance(operand, Literal):
        return operand.value
    return lookup(operand.event if operand.event is not None else event, operand.field, operand.code)


_NUMERIC = re.compile(r"[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*")


def _number(value: str | float) -> float | None:
    if isinstance(value, float):
        return value
    return float(value) if _NUMERIC.fullmatch(value) else None


def _as_string(value: str | float) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value


def php_compare(op: str, left: str | float, right: str | float) -> bool:
    """PHP 8's loose comparison of two operands (numbers, or strings from the database and the logic)."""
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        order = (a > b) - (a < b)
    else:
        x, y = _as_string(left).encode(), _as_string(right).encode()
        order = (x > y) - (x < y)
    return ordered(op, order)


def ordered(op: str, order: int) -> bool:
    """Whether `op` (==, !=, <, >, <=, >=) holds between two operands whose order is `order` (-1, 0, 1);
    calc_php's comparisons take it too."""
    return {
        "==": order == 0,
        "!=": order != 0,
        "<": order < 0,
        ">": order > 0,
        "<=": order <= 0,
        ">=": order >= 0,
    }[op]


def names_a_field(node: Node) -> bool:
    """Whether the logic reads any field (REDCap's applyFilteringLogic ignores logic that reads none)."""
    if isinstance(node, Not):
        return names_a_field(node.inner)
    if isinstance(node, BoolOp):
        return names_a_field(node.left) or names_a_field(node.right)
    return isinstance(node.left, Ref) or isinstance(node.right, Ref)
