"""REDCap's calc equations: parsed as REDCap parses them, evaluated as the PHP code REDCap makes of them.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`):
- `Classes/LogicTester.php` formatLogicToPHP:289-329: comments dropped, `[field:value]` read as
  `[field]`, `(x)^(y)` made powRC (replaceExponents:858), round/min/max/log made roundRC/minRC/maxRC/
  logRC (`Classes/Calculate.php`:906-960), fields wrapped in chkNull (addChkNull:214-287: checkboxes,
  number and integer texts, calc, slider, yes/no, true/false, file fields and choice fields whose codes
  are all numbers; never dates or plain texts), `= ""` made is_nan_null (Calculate::replaceEqualNull:752,
  replaceNaN:778);
- `Classes/LogicParser.php` parse:244-390: LogicParser's grammar (fake_redcap.logic_syntax checks it;
  an equation it refuses is not calculated), a comparison of two wrapped fields made chkNullCompare
  (:326-328, by regular expression on the generated code, so it binds the two fields next to the
  operator), and the calc's result kept only when `is_numeric` and not NAN, else "" (:345-348);
- `Classes/LogicTester.php` applyLogicForEvaluateCondition:780-798: a PHP error (division by zero, a
  string in arithmetic) makes the result null, stored as "" (`Classes/Calculate.php`:453-460);
- the result is stored as PHP writes it (`$calculatedCalcVal.""`, Calculate.php:462: floats with
  `precision` 14).

The generated code is PHP, so operators take PHP's precedence (`!`, then `* /`, `+ -`, `< <= > >=`,
`== !=`, `&&`, `||`). What the fake does not evaluate (smart variables, `[field][previous-instance]`, text
functions, missing-data-code functions, datediff of times or with "now", an exponent not written
`(x)^(y)`) raises `Unsupported`: the caller leaves the field as it was and says so.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

from fake_redcap import calc_php as php
from fake_redcap import logic_syntax
from fake_redcap.calc_php import Value

Unsupported = logic_syntax.Unsupported


@dataclass(frozen=True)
class Ref:
    event: str | None
    field: str
    code: str | None
    instance: str | None


@dataclass(frozen=True)
class Const:
    value: Value


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Op:
    op: str  # + - * / == != < > <= >= && || ! ^ ?: isnan notnan cmpnull:<op>
    args: tuple[Node, ...]


Node = Ref | Const | Call | Op


@dataclass(frozen=True)
class Lookup:
    """What evaluating needs: a field's stored value, and whether addChkNull wraps it."""

    # the stored value ("" when blank), or what a calc computed earlier in the same run; raises PhpError
    # when REDCap's argument check fails
    value: Callable[[Ref], Value]
    numeric: Callable[[str], bool]  # whether the field is wrapped in chkNull
    now: dt.datetime
    php7: bool = False  # before REDCap 15 (Change.PHP8_TYPE_ERRORS): PHP 7's arithmetic and comparison


_COMPARE = {"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">="}
# PHP's binding powers (left-associative; comparisons are not associative in PHP 8)
_BINARY = {"or": (1, "||"), "and": (2, "&&"), "eq": (3, "=="), "ne": (3, "!=")}
_BINARY |= {"lt": (4, "<"), "gt": (4, ">"), "le": (4, "<="), "ge": (4, ">=")}
_BINARY |= {"+": (5, "+"), "-": (5, "-"), "*": (6, "*"), "/": (6, "/")}
_NOT_POWER = 7
_RENAMED = {"round": "roundRC", "min": "minRC", "max": "maxRC", "log": "logRC", "pow": "pow"}
_FUNCTIONS = frozenset(
    (
        "if",
        "roundRC",
        "roundup",
        "rounddown",
        "sqrt",
        "abs",
        "minRC",
        "maxRC",
        "mean",
        "median",
        "sum",
        "stdev",
        "mod",
        "logRC",
        "exponential",
        "pow",
        "powRC",
        "isnumber",
        "isinteger",
        "datediff",
        "year",
        "month",
        "day",
        "yearRC",
        "monthRC",
        "dayRC",
        "is_nan",
        "is_nan_null",
        "chkNull",
    )
)


def strip_comments(equation: str) -> str:
    """LogicParser::removeCommentsAndSanitize (LogicParser.php:145-160): lines starting `//` or `#`."""
    lines = equation.replace("\r\n", "\n").split("\n")
    kept = [line for line in lines if not line.strip().startswith(("//", "#"))]
    return "\n".join(kept).replace("$", "").replace("`", "")


def parse(equation: str, numeric: Callable[[str], bool]) -> Node | None:
    """The equation's tree, or None when REDCap's parser refuses it (the field is then not calculated,
    Calculate.php:293-296). Blank is Const("") (LogicParser returns "returnEmpty")."""
    text = strip_comments(equation)
    if text.strip(" \t\n\r\0\x0b") == "":
        return Const("")
    if not logic_syntax.parses(text, calc=True):
        return None
    toks = logic_syntax.tokens(text, calc=True)
    return _Parser(_compare_pairs(toks, numeric)).program()


def _compare_pairs(toks: list[tuple[str, str]], numeric: Callable[[str], bool]) -> list[object]:
    """LogicParser.php:326-328 on the token list: `A op B`, `(A) op (B)` or `((A)) op ((B))` of two
    chkNull-wrapped fields becomes one chkNullCompare operand."""
    items: list[object] = list(toks)
    refs: list[object] = []
    i = 0
    while i < len(items):
        ref = _ref_at(items, i, numeric)
        if ref is not None:
            items[i : ref[1]] = [ref[0]]
            refs.append(ref[0])
        i += 1
    for depth in (0, 1, 2):
        i = 0
        while i + 4 * depth + 2 < len(items):
            opens, closes = [("(", "(")] * depth, [(")", ")")] * depth
            window = items[i : i + 4 * depth + 3]
            left, op, right = window[depth], window[2 * depth + 1], window[3 * depth + 2]
            shape = window[:depth] == opens and window[depth + 1 : 2 * depth + 1] == closes
            shape = shape and window[2 * depth + 2 : 3 * depth + 2] == opens
            shape = shape and window[3 * depth + 3 :] == closes
            if shape and isinstance(left, Ref) and isinstance(right, Ref) and op in _COMPARE_TOKENS:
                items[i : i + 4 * depth + 3] = [Op("cmpnull:" + _COMPARE[op[0]], (left, right))]
            i += 1
    return items


_COMPARE_TOKENS = [("eq", "=="), ("ne", "!="), ("lt", "<"), ("gt", ">"), ("le", "<="), ("ge", ">=")]


def _ref_at(items: list[object], i: int, numeric: Callable[[str], bool]) -> tuple[object, int] | None:
    """A field reference's tokens at i: the Ref (marked for chkNull when wrapped) and where it ends."""
    token = items[i]
    if not isinstance(token, tuple):
        return None
    event = None
    j = i
    if token[0] == "event":
        event, j = token[1], i + 1
    if j >= len(items) or not isinstance(items[j], tuple) or items[j][0] != "var":  # type: ignore[index]
        return None
    name = items[j][1]  # type: ignore[index]
    j += 1
    code = inst = None
    if j < len(items) and isinstance(items[j], tuple) and items[j][0] == "code":  # type: ignore[index]
        code, j = items[j][1], j + 1  # type: ignore[index]
    if j < len(items) and isinstance(items[j], tuple) and items[j][0] == "inst":  # type: ignore[index]
        inst, j = items[j][1], j + 1  # type: ignore[index]
    ref = Ref(event, name, code, inst)
    return (ref if numeric(name) else _Plain(ref)), j


@dataclass(frozen=True)
class _Plain:
    """A reference addChkNull does not wrap (a date or a plain text)."""

    ref: Ref


class _Parser:
    """PHP's expression grammar over the tokens LogicParser accepted."""

    def __init__(self, items: list[object]) -> None:
        self.items = items
        self.i = 0

    def peek(self) -> object:
        return self.items[self.i] if self.i < len(self.items) else None

    def kind(self) -> str:
        item = self.peek()
        return item[0] if isinstance(item, tuple) else ""

    def take(self) -> object:
        item = self.peek()
        self.i += 1
        return item

    def program(self) -> Node:
        node = self.expression(0)
        if self.i != len(self.items):
            raise Unsupported("an equation PHP would not read as REDCap's parser does")
        return node

    def expression(self, floor: int) -> Node:
        left = self.unary()
        last = 0
        while self.kind() in _BINARY:
            power, op = _BINARY[self.kind()]
            if power <= floor:
                break
            if power in (3, 4) and last == power:
                raise Unsupported("chained comparisons (a PHP syntax error)")
            self.take()
            left = _binary(op, left, self.expression(power))
            last = power
        return left

    def unary(self) -> Node:
        if self.kind() == "not":
            self.take()
            return Op("!", (self.expression(_NOT_POWER),))
        nxt = self.items[self.i + 1] if self.i + 1 < len(self.items) else None
        if self.kind() in ("+", "-") and isinstance(nxt, tuple) and nxt[0] == "num":
            sign = self.take()
            literal = self.take()
            assert isinstance(sign, tuple) and isinstance(literal, tuple)
            return Const(php.number(sign[1] + literal[1]))
        return self.power(self.primary())

    def power(self, left: Node) -> Node:
        """replaceExponents (LogicTester.php:858-960): `(x)^(y)` is powRC((x),(y))."""
        if self.kind() != "^":
            return left
        if not getattr(self, "_grouped", False) or not self._next_is_group():
            raise Unsupported("an exponent not written (x)^(y)")
        self.take()
        right = self.primary()
        return self.power(Call("powRC", (left, right)))

    def _next_is_group(self) -> bool:
        nxt = self.items[self.i + 1] if self.i + 1 < len(self.items) else None
        return isinstance(nxt, tuple) and nxt[0] == "("

    def primary(self) -> Node:
        self._grouped = False
        item = self.take()
        if isinstance(item, (Op, Ref)):
            return item
        if isinstance(item, _Plain):
            return Op("plain", (item.ref,))
        assert isinstance(item, tuple)
        kind, value = item
        if kind == "(":
            node = self.expression(0)
            self.take()
            self._grouped = True
            return node
        if kind == "num":
            return Const(php.number(value))
        if kind == "str":
            return Const(value[1:-1])
        if kind == "bool":
            return Const(value == "true")
        if kind == "ident":
            return self.call(value)
        raise Unsupported(f"the token {value!r}")

    def call(self, name: str) -> Node:
        self.take()  # "("
        args: list[Node] = []
        while self.kind() != ")":
            args.append(self.expression(0))
            if self.kind() == ",":
                self.take()
        self.take()
        name = _RENAMED.get(name, name)
        if name == "if":
            return Op("?:", tuple(args))
        if name not in _FUNCTIONS:
            raise Unsupported(f"the function {name}()")
        if name == "datediff":
            _check_datediff(args)
        return Call(name, tuple(args))


def _binary(op: str, left: Node, right: Node) -> Node:
    """replaceEqualNull/replaceNaN: `x = ""` is is_nan_null(x), `x <> ""` its negation; "" beside
    another comparison is the string 'NaN'."""
    blank = ("", "NaN")
    if op in ("==", "!=", "<", ">", "<=", ">="):
        for this, other in ((left, right), (right, left)):
            if isinstance(other, Const) and other.value in blank:
                if op in ("==", "!="):
                    return Op("isnan" if op == "==" else "notnan", (this,))
                other = Const("NaN")
                left, right = (this, other) if this is left else (other, this)
    return Op(op, (left, right))


def _check_datediff(args: list[Node]) -> None:
    if len(args) > 3 and isinstance(args[3], Const) and str(args[3].value).lower() in ("mdy", "dmy"):
        for arg in args[:2]:
            if isinstance(arg, Const) and str(arg.value).count("-") == 2:
                raise Unsupported("datediff of an M-D-Y or D-M-Y date literal")


def evaluate(node: Node, lookup: Lookup, context: Callable[[Ref], Ref]) -> str:
    """The value REDCap stores for the calc: a number as PHP writes it, or "" (NAN, not a number, or a
    PHP error). `context` puts the current event and instance into a reference."""
    return php.to_string(evaluate_raw(node, lookup, context))


def evaluate_raw(node: Node, lookup: Lookup, context: Callable[[Ref], Ref]) -> Value:
    """What the generated function returns (a number, or "" when not a number or NAN; "" for a PHP
    error): later calcs of the same record read it as it is (Calculate.php:453-460)."""
    try:
        result = _eval(node, lookup, context)
    except php.PhpError:
        return ""
    except php.Unknown as unknown:
        raise Unsupported(str(unknown)) from None
    if not php.is_numeric(result) or php.is_nan(result):
        return ""
    return result


def _eval(node: Node, lookup: Lookup, context: Callable[[Ref], Ref]) -> Value:
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Ref):
        return php.chk_null(lookup.value(context(node)))
    if isinstance(node, Call):
        return _call(node, lookup, context)
    op, args = node.op, node.args
    if op == "plain":
        assert isinstance(args[0], Ref)
        return lookup.value(context(args[0]))
    if op.startswith("cmpnull:"):
        a, b = (lookup.value(context(r)) for r in args if isinstance(r, Ref))
        return php.chk_null_compare(op[8:], a, b, lookup.php7)
    if op == "?:":
        if len(args) != 3:
            raise Unsupported("if() without three arguments")
        chosen = args[1] if php.truthy(_eval(args[0], lookup, context)) else args[2]
        return _eval(chosen, lookup, context)
    if op == "&&":
        return php.truthy(_eval(args[0], lookup, context)) and php.truthy(_eval(args[1], lookup, context))
    if op == "||":
        return php.truthy(_eval(args[0], lookup, context)) or php.truthy(_eval(args[1], lookup, context))
    values = [_eval(a, lookup, context) for a in args]
    if op == "!":
        return not php.truthy(values[0])
    if op in ("isnan", "notnan"):
        return php.is_nan_null(values[0]) == (op == "isnan")
    if op in ("+", "-", "*", "/"):
        return php.arithmetic(op, values[0], values[1], lookup.php7)
    return php.compare(op, values[0], values[1], lookup.php7)


def _call(node: Call, lookup: Lookup, context: Callable[[Ref], Ref]) -> Value:
    args = [_eval(a, lookup, context) for a in node.args]
    name = node.name
    if name in ("roundRC", "roundup", "rounddown"):
        kind = {"roundRC": "round", "roundup": "up", "rounddown": "down"}[name]
        return php.rounding(kind, *args[:2])
    if name in ("sum", "mean"):
        texts = php.numeric_args(args)
        if not texts:
            return php.NAN
        amount = php.total(texts)
        return amount if name == "sum" else php.arithmetic("/", amount, len(texts))
    simple: dict[str, Callable[[list[Value]], Value]] = {
        "minRC": lambda a: php.extreme(a, "min"),
        "maxRC": lambda a: php.extreme(a, "max"),
        "median": php.median,
        "stdev": php.stdev,
        "mod": php.mod,
        "isnumber": lambda a: php.isnumber(a[0]),
        "isinteger": lambda a: php.isinteger(a[0]),
        "is_nan_null": lambda a: php.is_nan_null(a[0]),
        "powRC": lambda a: php.power(a[0], a[1]),
        "logRC": lambda a: php.log_rc(*a[:2]),
        "datediff": lambda a: php.datediff(a, lookup.now),
    }
    if name in simple:
        return simple[name](args)
    if name in ("year", "month", "day", "yearRC", "monthRC", "dayRC"):
        return php.date_part(
            args[0], ("year", "month", "day").index(name[:-2] if name.endswith("RC") else name)
        )
    return _math(name, args)


def _math(name: str, args: list[Value]) -> Value:
    """PHP's own: abs, sqrt, pow, is_nan (numbers only: a non-numeric string is a TypeError), exp."""
    if name == "exponential":
        return math.exp(php.number(args[0])) if php.is_numeric(args[0]) else php.NAN
    if name == "chkNull":
        return php.chk_null(php.to_string(args[0]))
    values = [php.number(a) if not isinstance(a, str) or php.is_numeric(a) else _type_error(a) for a in args]
    if name == "abs":
        return abs(values[0])
    if name == "sqrt":
        amount = float(values[0])
        return math.sqrt(amount) if amount >= 0 else php.NAN
    if name == "pow":
        if values[0] < 0 and not float(values[1]).is_integer():
            return php.NAN
        return php.power(values[0], values[1])
    if name == "is_nan":
        return math.isnan(float(values[0]))
    raise Unsupported(f"the function {name}()")


def _type_error(value: str) -> int:
    raise php.PhpError(f"TypeError: {value!r}")
