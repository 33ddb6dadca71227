"""Whether REDCap's LogicParser would parse a calc equation or branching logic, as the data dictionary
check asks it for users who are not super users (V15 `Classes/MetaData.php`:1092-1123, 1640-1672).

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`): `Classes/LogicParser.php` parse:244-390 (comments
removed, blank logic fine, `:value]` read as `]`, the grammar of :20-56 by recursive descent with
backtracking, every token consumed, names of functions not in `$allowedFunctions` collected),
`Classes/LogicLexer.php` tokenize (its operator rewrites outside quotes, then its tokens),
`Classes/LogicTester.php` formatLogicToPHP:289-329 (line breaks, `!=`, `&&`/`||`, backslashes).
Facts only: no REDCap code is copied.

formatLogicToPHP also rewrites exponents, rounding, min/max, log, NaN, decimal commas, datediff
literals, and drops PHP functions that are not allowed; the fake does not redo those rewrites, so logic
that needs one of them (or names a smart variable, a `[field:...]` form, a bare word, or a function the
fake cannot tell from a PHP built-in) raises `Unsupported`: the caller answers "not implemented".
"""

from __future__ import annotations

import re


class Unsupported(Exception):
    """Logic the fake cannot decide on (the message names what)."""


# LogicParser::$allowedFunctions (V15 LogicParser.php:83-140).
ALLOWED_FUNCTIONS = frozenset(
    (
        "logRC",
        "log",
        "is_nan",
        "is_nan_null",
        "chkNull",
        "chkNullCompare",
        "if",
        "contains",
        "not_contain",
        "replace_text",
        "starts_with",
        "ends_with",
        "left",
        "right",
        "length",
        "mid",
        "find",
        "concat",
        "concat_ws",
        "upper",
        "lower",
        "trim",
        "datediff",
        "calcdate",
        "calctext",
        "exponential",
        "roundRC",
        "round",
        "roundup",
        "rounddown",
        "pow",
        "sqrt",
        "abs",
        "min",
        "max",
        "minRC",
        "maxRC",
        "powRC",
        "mean",
        "median",
        "mod",
        "sum",
        "stdev",
        "isnumber",
        "isinteger",
        "year",
        "month",
        "day",
        "yearRC",
        "monthRC",
        "dayRC",
        "isblankormissingcode",
        "isblanknotmissingcode",
        "hasmissingcode",
        "ismissingcode",
    )
)
# Functions formatLogicToPHP rewrites first (the fake does not redo it).
_REWRITTEN = frozenset(("round", "min", "max", "log", "datediff", "isblankormissingcode", "ismissingcode"))
_REWRITTEN |= {"isblanknotmissingcode", "hasmissingcode"}


_FORMAT_TO_PHP = (
    ("\r\n", " "),
    ("\n", " "),
    ("\r", " "),
    ("\t", " "),
    ("!=", "<>"),
    (" && ", " and "),
    (" || ", " or "),
    (" AND ", " and "),
    (" OR ", " or "),
    ("\\", ""),
)
_LEXER = (
    ("\r\n", " "),
    ("\n", " "),
    ("\t", " "),
    ("<", " < "),
    ("=", "=="),
    ("===", "=="),
    ("====", "=="),
    ("> ==", ">="),
    ("< ==", "<="),
    (">  ==", ">="),
    ("<  ==", "<="),
    (">==", ">="),
    ("<==", "<="),
    ("< >", "!="),
    ("<>", "!="),
    ("!==", "!="),
    (" and ", " && "),
    (" AND ", " && "),
    (" or ", " || "),
    (" OR ", " || "),
)
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_VAR = re.compile(
    r"(?:\[([a-z0-9][_a-z0-9]*)\])?\[([a-z][_a-z0-9]*)(?:\((-?\d+|[a-zA-Z0-9._-]+)\))?\](?:\[(\d+)\])?"
)
_SIMPLE = (("&&", "and"), ("||", "or"), ("!=", "ne"), ("==", "eq"), ("<=", "le"), (">=", "ge"))
_SINGLE = {"(": "(", ")": ")", "<": "lt", ">": "gt", "+": "+", "-": "-", "*": "*", "/": "/", ",": ","}
_SINGLE |= {"^": "^", "!": "not", "'": "quote", '"': "quote"}  # a lone quote: no rule takes it
_INFIX = frozenset(("+", "-", "*", "/", "eq", "^", "lt", "gt", "le", "ge", "ne", "not", "and", "or"))


def _replace_outside_quotes(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    """str_replace with arrays (each pair over the whole text in turn), quoted strings left alone (the
    lexer's LogicQuoteProtector)."""
    quoted: list[str] = []

    def hide(match: re.Match[str]) -> str:
        quoted.append(match[0])
        return f"\x00{len(quoted) - 1}\x00"

    text = _QUOTED.sub(hide, text)
    for old, new in pairs:
        text = text.replace(old, new)
    return re.sub("\x00(\\d+)\x00", lambda m: quoted[int(m[1])], text)


def _prepare(text: str, calc: bool = False) -> str:
    # fake_redcap.calc evaluates exponents and NaN itself; V15's replaceCommasForDecimals returns its
    # input unchanged (Calculate.php:765-767)
    if not calc and ("^" in text or re.search(r"\d,\d", text) or re.search(r"(?i)\bnan\b", text)):
        raise Unsupported("an exponent, a decimal comma or NaN (formatLogicToPHP rewrites them)")
    for old, new in _FORMAT_TO_PHP:
        text = text.replace(old, new)
    return _replace_outside_quotes(text.replace(":value]", "]"), _LEXER)


def tokens(text: str, calc: bool = False) -> list[tuple[str, str]]:
    """LogicLexer::tokenize after the rewrites: (kind, value) pairs."""
    text = _prepare(text, calc)
    result: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        rest = text[i:]
        if rest[0] == " ":
            i += 1
            continue
        token, size = _token(rest)
        result.extend(token)
        i += size
    return result


def _token(rest: str) -> tuple[list[tuple[str, str]], int]:
    for symbol, kind in _SIMPLE[:2]:
        if rest.startswith(symbol):
            return [(kind, symbol)], 2
    if rest[0] == "[":
        match = _VAR.match(rest)
        if match is None:
            raise Unsupported(f"the bracketed name {rest.split(']', 1)[0]}]")
        parts = [("event", match[1]), ("var", match[2]), ("code", match[3]), ("inst", match[4])]
        return [(k, v) for k, v in parts if v], len(match[0])
    quoted = _QUOTED.match(rest)
    if quoted:
        return [("str", quoted[0])], len(quoted[0])
    word = re.match(r"(?i)(true|false)([^_a-z0-9]|$)", rest)
    if word:
        return [("bool", word[1].lower())], len(word[1])
    ident = re.match(r"[_a-zA-Z][_a-zA-Z0-9]*", rest)
    if ident:
        return [("ident", ident[0])], len(ident[0])
    number = re.match(r"(\d*\.)?\d+", rest)
    if number:
        return [("num", number[0])], len(number[0])
    for symbol, kind in _SIMPLE[2:]:
        if rest.startswith(symbol):
            return [(kind, symbol)], 2
    if rest[0] in _SINGLE:
        return [(_SINGLE[rest[0]], rest[0])], 1
    raise Unsupported(f"the character {rest[0]!r}")


class _Parser:
    """LogicParser's consume_* functions: each returns the index after what it consumed, or None."""

    def __init__(self, toks: list[tuple[str, str]], calc: bool = False) -> None:
        self.toks = toks
        self.calc = calc  # formatLogicToPHP's function renames done (fake_redcap.calc evaluates them)
        self.illegal: list[str] = []

    def kind(self, i: int) -> str:
        return self.toks[i][0] if i < len(self.toks) else ""

    def operation(self, i: int) -> int | None:
        start = i + 1 if self.kind(i) == "not" else i
        after = self.enclosed(start)
        if after is None:
            after = self.operand(start)
        return None if after is None else self.chain(after)

    def chain(self, i: int) -> int:
        while self.kind(i) in _INFIX:
            after = self.operation(i + 1)
            if after is None:
                break
            i = after
        return i

    def enclosed(self, i: int) -> int | None:
        if self.kind(i) != "(":
            return None
        after = self.operation(i + 1)
        return after + 1 if after is not None and self.kind(after) == ")" else None

    def operand(self, i: int) -> int | None:
        for consume in (self.variable, self.function, self.number):
            after = consume(i)
            if after is not None:
                return after
        return i + 1 if self.kind(i) in ("bool", "str") else None

    def variable(self, i: int) -> int | None:
        j = i + 1 if self.kind(i) == "event" else i
        if self.kind(j) != "var":
            return None
        j += 1
        if self.kind(j) == "code":
            j += 1
        return j + 1 if self.kind(j) == "inst" else j

    def number(self, i: int) -> int | None:
        if self.kind(i) in ("+", "-"):
            return i + 2 if self.kind(i + 1) == "num" else None
        return i + 1 if self.kind(i) == "num" else None

    def function(self, i: int) -> int | None:
        if self.kind(i) != "ident" or self.kind(i + 1) != "(":
            return None
        name = self.toks[i][1]
        if name not in ALLOWED_FUNCTIONS or (name in _REWRITTEN and not self.calc):
            raise Unsupported(f"the function {name}()")
        j, count = i + 2, 0
        after = self.operation(j)
        if after is not None:
            j, count = after, 1
            while self.kind(j) == ",":
                after = self.operation(j + 1)
                if after is None:
                    break
                j, count = after, count + 1
        if self.kind(j) != ")":
            return None
        if name == "if" and count != 3:
            raise _IfArguments
        return j + 1


class _IfArguments(Exception):
    """`if` with other than three arguments: a LogicException, so a syntax error."""


def parses(text: str, calc: bool = False) -> bool:
    """Whether LogicParser::parse succeeds (the text already through removeCommentsAndSanitize). A
    function outside `$allowedFunctions` raises Unsupported (REDCap drops the names PHP defines before it
    parses, and the fake cannot tell which those are), so REDCap's illegal-function errors (35, 37) are
    never found here."""
    if text.strip(" \t\n\r\0\x0b") == "":
        return True
    toks = tokens(text, calc)
    for index, (kind, value) in enumerate(toks):
        if kind == "ident" and (index + 1 >= len(toks) or toks[index + 1][0] != "("):
            raise Unsupported(f"the word {value!r}")
    parser = _Parser(toks, calc)
    try:
        end = parser.operation(0)
    except _IfArguments:
        return False
    return end == len(toks)
