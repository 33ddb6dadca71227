"""PHP 8's values as a REDCap calculation meets them: numbers, numeric strings, NAN, loose comparison,
the float-to-string conversion that stores a result, and REDCap's calc functions.

REDCap turns a calc equation into PHP code and runs it (V15 `Classes/LogicParser.php` parse:244-390);
the functions it may call are PHP's own or REDCap's (V15 `Config/init_functions.php`: chkNull:4617,
is_nan_null:4625, chkNullCompare:4632, isinteger:5188, logRC:5249, isnumber:5259, exponential:5284,
roundRC:5290, roundup:5297, rounddown:5305, sum:5313, mean:5328, median:5347, mod:5400, year/month/
day:5419-5450, stdev:5459, datediff:5691, minRC:5899, maxRC:5914, powRC:5929). Each is restated here from
its documented behaviour and PHP 8.2's, observed with php-cli by hand; no REDCap code is copied.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from fake_redcap.logic import ordered

Value = int | float | str | bool | None

NAN = float("nan")
_INT_MAX, _INT_MIN = 2**63 - 1, -(2**63)
_NUMERIC = re.compile(r"[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*")
_LEADING = re.compile(r"[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_INTEGER_TEXT = re.compile(r"[ \t\n\r\v\f]*[+-]?\d+[ \t\n\r\v\f]*")


class PhpError(Exception):
    """What PHP throws (DivisionByZeroError, TypeError): LogicTester catches it, the calc is blank
    (V15 `Classes/LogicTester.php` applyLogicForEvaluateCondition:780-798)."""


def is_nan(value: Value) -> bool:
    return isinstance(value, float) and math.isnan(value)


def is_numeric(value: Value) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float)):
        return True
    return _NUMERIC.fullmatch(value) is not None


def _int_or_float(number: int | float) -> int | float:
    if isinstance(number, int) and not _INT_MIN <= number <= _INT_MAX:
        return float(number)
    return number


def _from_text(text: str) -> int | float:
    stripped = text.strip(" \t\n\r\v\f")
    if _INTEGER_TEXT.fullmatch(text):
        return _int_or_float(int(stripped))
    return float(stripped)


def number(value: Value, php7: bool = False) -> int | float:
    """An arithmetic operand: a numeric string its number, a leading-numeric one its leading number (PHP
    warns), any other string a TypeError (PHP 8; PHP 7 warns and reads 0); null is 0, a boolean 0 or 1."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if _NUMERIC.fullmatch(value):
        return _from_text(value)
    leading = _LEADING.match(value)
    if leading is None:
        if php7:
            return 0
        raise PhpError(f"Unsupported operand types: string {value!r}")
    return _from_text(leading[0])


def arithmetic(op: str, left: Value, right: Value, php7: bool = False) -> int | float:
    """PHP's + - * /: ints stay ints while they fit; `/` by zero is a DivisionByZeroError in PHP 8, a
    warning and INF, -INF or NAN in PHP 7."""
    a, b = number(left, php7), number(right, php7)
    if op == "/":
        if b == 0:
            if php7:
                return NAN if a == 0 or math.isnan(a) else math.copysign(math.inf, a)
            raise PhpError("Division by zero")
        if isinstance(a, int) and isinstance(b, int) and a % b == 0:
            return _int_or_float(a // b)
        return a / b
    result = a + b if op == "+" else a - b if op == "-" else a * b
    return _int_or_float(result) if isinstance(result, int) else result


def truthy(value: Value) -> bool:
    if isinstance(value, str):
        return value not in ("", "0")
    if isinstance(value, float):
        return value != 0.0 or math.isnan(value)  # NAN is true in PHP
    return bool(value)


def to_string(value: Value) -> str:
    """PHP's string conversion: a float with `precision` 14 ("%.14G", with PHP's "1.0E+25" exponent)."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    if math.isnan(value):
        return "NAN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    text = f"{value:.14G}"
    if "E" not in text:
        return text
    mantissa, exponent = text.split("E")
    if "." not in mantissa:
        mantissa += ".0"
    sign = exponent[0]
    return f"{mantissa}E{sign}{int(exponent[1:])}"


def compare(op: str, left: Value, right: Value, php7: bool = False) -> bool:
    """PHP 8's loose comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`); PHP 7 compares a number with a
    non-numeric string as numbers (the string read as its leading number, or 0)."""
    if isinstance(left, bool) or isinstance(right, bool):
        a: Value = truthy(left)
        b: Value = truthy(right)
    elif left is None or right is None:
        a, b = ("" if left is None else left), ("" if right is None else right)
        if not isinstance(a, str) or not isinstance(b, str):
            a, b = truthy(a), truthy(b)
    else:
        a, b = left, right
    if isinstance(a, bool) and isinstance(b, bool):
        order = int(a) - int(b)
        return ordered(op, order)
    if is_nan(a) or is_nan(b):
        return op == "!="  # NAN is uncomparable, with a number or a string
    number_and_text = isinstance(a, (int, float)) != isinstance(b, (int, float))
    if (is_numeric(a) and is_numeric(b)) or (php7 and number_and_text):
        x, y = number(a, True), number(b, True)
        if math.isnan(x) or math.isnan(y):
            return op == "!="
        return ordered(op, (x > y) - (x < y))
    sa, sb = to_string(a).encode(), to_string(b).encode()
    return ordered(op, (sa > sb) - (sa < sb))


_COMMA_NUMBER = re.compile(r"[-+]?[0-9]*,?[0-9]+([eE][-+]?[0-9]+)?")


def chk_null(value: Value) -> int | float:
    """chkNull (init_functions.php:4617): blank or not a number is NAN, else the value times 1. A number
    (a calc computed earlier in the same run) stays a number, unless PHP writes it as a whole number or a
    comma decimal, which str_replace turns into that string."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = to_string(value)
        if not _COMMA_NUMBER.fullmatch(text):
            return value
        value = text
    if not isinstance(value, str):
        return NAN
    if _COMMA_NUMBER.fullmatch(value):
        value = value.replace(",", ".")
    if value != "0" and (value == "" or not is_numeric(value)):
        return NAN
    return number(value)


def is_nan_null(value: Value) -> bool:
    return is_nan(value) or value in ("", None, "NaN", "NAN")


def chk_null_compare(op: str, left: Value, right: Value, php7: bool = False) -> bool:
    """chkNullCompare (init_functions.php:4632): two numeric fields compared; a blank one is '' for the
    comparison, and a number is never greater than a blank (as the JavaScript version behaves)."""
    a, b = _chk(left), _chk(right)
    if (is_nan(a) and not is_nan(b) and op[0] == "<") or (not is_nan(a) and is_nan(b) and op[0] == ">"):
        return False
    return compare(op, "" if is_nan(a) else a, "" if is_nan(b) else b, php7)


def _chk(value: Value) -> Value:
    return chk_null(value)


def php_round(value: float | int, places: int) -> float:
    """PHP 8.2's round(): half away from zero, after PHP's pre-rounding to 15 significant digits (so
    round(1.005, 2) is 1.01)."""
    if math.isnan(value) or math.isinf(value):
        return float(value)
    if (places >= 0 and float(value).is_integer()) or abs(value) >= 10.0 ** (15 - places):
        return float(value)  # nothing to round within 15 digits (which would change a large one)
    try:
        exact = Decimal(f"{float(value):.15G}")
        return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
    except InvalidOperation:
        return float(value)


def isinteger(value: Value) -> bool:
    if value is None or value == "":
        return False
    text = to_string(value).strip(" \t\n\r\0\x0b")
    if not re.fullmatch(r"[-+]?\d+", text) or not is_numeric(text):
        return False
    return not (text != "0" and text.startswith("0"))


def isnumber(value: Value) -> bool:
    text = to_string(value).strip(" \t\n\r\0\x0b")
    if not is_numeric(text):
        return False
    if text[:1] in "+-":
        text = text[1:]
    if len(text) > 1 and text[0] == "0" and "." not in text:
        return False
    return not text.startswith("00")


def numeric_args(args: list[Value]) -> list[str]:
    """sum/mean/median/stdev/minRC/maxRC: each argument as a trimmed string, the non-numbers dropped."""
    texts = [to_string(a).strip(" \t\n\r\0\x0b") for a in args]
    return [t for t in texts if is_numeric(t)]


def total(texts: list[str]) -> int | float:
    result: int | float = 0
    for text in texts:
        result = arithmetic("+", result, text)
    return result


def median(args: list[Value]) -> Value:
    if len(args) == 1:
        return args[0] if is_numeric(args[0]) else NAN
    texts = sorted(numeric_args(args), key=lambda t: number(t))
    if not texts:
        return NAN
    half = len(texts) // 2
    if len(texts) % 2 == 0:
        return arithmetic("/", arithmetic("+", texts[half], texts[half - 1]), 2)
    return texts[half]


def stdev(args: list[Value]) -> float:
    texts = numeric_args(args)
    if len(texts) <= 1:
        return NAN
    mean = number(total(texts)) / len(texts)
    squares = sum((number(t) - mean) ** 2 for t in texts)
    return math.sqrt(squares / (len(texts) - 1))


def extreme(args: list[Value], pick: str) -> Value:
    texts = numeric_args(args)
    if not texts:
        return NAN
    chosen = (min if pick == "min" else max)(texts, key=lambda t: number(t))
    return chosen


def mod(args: list[Value]) -> Value:
    if len(args) != 2 or not isinteger(args[0]) or not isinteger(args[1]):
        return NAN
    dividend, divisor = int(number(args[0])), int(number(args[1]))
    if divisor == 0:
        return NAN
    return int(math.fmod(dividend, divisor))


def rounding(kind: str, value: Value, places: Value = 0) -> Value:
    """roundRC, roundup, rounddown: NAN unless a number and an integer precision."""
    if value is None or value == "" or not isinteger(places) or not is_numeric(value):
        return NAN
    digits = int(number(places))
    amount = number(value)
    if math.isnan(amount) or math.isinf(amount):
        return float(amount)  # PHP's round, ceil and floor keep NAN and INF
    if kind == "round":
        return php_round(amount, digits)
    factor = math.pow(10, -digits)
    scaled = amount / factor
    whole = float(math.ceil(scaled) if kind == "up" else math.floor(scaled))
    return math.copysign(whole, scaled) * factor  # PHP's ceil(-0.5) is -0, written "-0"


def power(base: Value, exponent: Value) -> Value:
    """powRC: NAN unless both are numbers; an odd root of a negative base keeps its sign, an even one is
    NAN; then PHP's pow (int for whole powers of ints, NAN for a negative base's fractional power)."""
    if not is_numeric(base) or not is_numeric(exponent):
        return NAN
    b, e = number(base), number(exponent)
    if b < 0 and abs(e) < 1:
        if e == 0:
            raise PhpError("Division by zero")  # 1 / $exponent
        if math.fmod(int(1 / e), 2) == 0:
            return NAN
        return -math.pow(abs(b), e)
    if isinstance(b, int) and isinstance(e, int) and e >= 0:
        return _int_or_float(b**e)
    try:
        return math.pow(b, e)
    except ValueError:
        return math.inf if b == 0 else NAN
    except OverflowError:
        return math.inf


def log_rc(value: Value, base: Value = math.e) -> Value:
    if value is None or compare("==", value, None):
        return NAN
    amount = float(number(value))
    if not is_numeric(base):
        base = math.e
    b = float(number(base))
    if amount < 0 or b <= 0 or b == 1:
        return NAN
    if amount == 0:
        return -math.inf
    return math.log(amount) / math.log(b)


def date_part(value: Value, index: int) -> Value:
    """year(), month(), day(): that part of a Y-M-D date, as the string it is."""
    if value is None:
        return NAN
    text = to_string(value)
    if text.lower() in ("today", "now"):
        text = dt.date.today().isoformat()
    if "-" not in text:
        return NAN
    parts = text.split("-")
    if index >= len(parts):
        return NAN
    part = parts[index].split(" ")[0] if index == 2 else parts[index]
    top = (9999, 12, 31)[index]
    try:
        amount = int(number(part))
    except PhpError:
        return NAN
    return part if isinteger(amount) and 1 <= amount <= top else NAN


_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "M": 2630016, "y": 31556952}


def datediff(args: list[Value], now: dt.datetime) -> Value:
    """datediff(d1, d2, unit [, dateformat] [, returnSigned]) on stored (Y-M-D) values: NAN when a date is
    blank or not a date, the unit unknown; days between two dates are rounded (init_functions.php:5691).
    Times, and a date against a datetime or 'now', are not computed by the fake (Unknown)."""
    d1, d2 = (_today(to_string(a).strip(" \t\n\r\0\x0b"), now) for a in [*args, "", ""][:2])
    unit = args[2] if len(args) > 2 else None
    signed = args[3] if len(args) > 3 else False
    if unit is None or compare("==", unit, None):
        return NAN
    if to_string(signed).strip().lower() in ("ymd", "dmy", "mdy"):
        signed = args[4] if len(args) > 4 else False
    if ":" in d1 + d2:
        raise Unknown("datediff of times or datetimes, or with 'now'")
    if "-" not in d1 or "-" not in d2:
        return NAN
    seconds = _stamp(d2) - _stamp(d1)
    if not (signed is True or signed in ("true", "1") or (type(signed) is int and signed == 1)):
        seconds = abs(seconds)
    if not isinstance(unit, str) or unit not in _UNIT_SECONDS:
        return NAN
    result = arithmetic("/", seconds, _UNIT_SECONDS[unit])
    return php_round(result, 0) if unit == "d" else result


def _today(text: str, now: dt.datetime) -> str:
    if text.lower() == "today":
        return now.date().isoformat()
    return now.strftime("%Y-%m-%d %H:%M:%S") if text.lower() == "now" else text


class Unknown(Exception):
    """A case the fake does not compute (the message names it)."""


def _stamp(text: str) -> int:
    """mktime(0, 0, 0, month, day, year) in UTC, as datediff computes it."""
    parts = text.split("-")
    try:
        year, month, mday = (int(number(p)) for p in [*parts, "0", "0"][:3])
        base = _add_months(year, month, mday)
    except (PhpError, ValueError, OverflowError):
        raise Unknown(f"datediff of the value {text!r}") from None
    return int((base - dt.datetime(1970, 1, 1)).total_seconds())


def _add_months(year: int, month: int, mday: int) -> dt.datetime:
    """mktime's overflow: month 13 is January of the next year, day 0 the last of the month before."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.datetime(year, month, 1) + dt.timedelta(days=mday - 1)
