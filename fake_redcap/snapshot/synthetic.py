"""Synthetic values of a field's type and validation, for the values a snapshot must not keep.

Replaced (by default): every value of a field tagged Identifier, every free-text value (a text field
without validation, a notes field), and every e-mail address, phone, SSN or MRN (by their validation).
Choice fields that are not identifiers keep their codes (they are not free text); an identifier-tagged
choice field gets a random valid code, a checkbox column a random 0/1.
Dates stay valid dates in the field's bounds, numbers numbers in its bounds, emails emails. A value the
fake could not make up (an sql field, a validation this version does not know) is left blank.

Values come from a fresh random generator per snapshot, never from the real values (a hash of a name
could be reversed by trying names).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import string
from collections.abc import Mapping
from typing import Any

WORDS = [
    "alder",
    "birch",
    "cedar",
    "delta",
    "ember",
    "fjord",
    "grove",
    "heron",
    "inlet",
    "juniper",
    "kestrel",
    "lagoon",
    "meadow",
    "nectar",
    "orchid",
    "pebble",
    "quartz",
    "river",
    "spruce",
    "tundra",
    "umber",
    "valley",
    "willow",
    "yarrow",
    "zephyr",
    "amber",
    "basil",
    "clover",
    "dune",
    "fern",
]
_INT = re.compile(r"-?\d+")
_EPOCH = dt.date(1950, 1, 1)


def is_free_text(meta: Mapping[str, Any]) -> bool:
    kind = meta.get("field_type")
    validation = meta.get("text_validation_type_or_show_slider_number") or ""
    return kind == "notes" or (kind == "text" and validation == "")


def is_identifier(meta: Mapping[str, Any]) -> bool:
    return str(meta.get("identifier") or "").strip().lower() == "y"


# Validations whose values point at a person whether or not the field is tagged Identifier: replaced
# by default too (a safer default than the tag alone; dates and postal codes stay for analysis).
PERSONAL_VALIDATIONS = frozenset(
    {"email", "phone", "phone_australia", "phone_uk", "phone_france", "ssn", "mrn_10d", "mrn_generic", "vmrn"}
)


def is_personal(meta: Mapping[str, Any]) -> bool:
    validation = meta.get("text_validation_type_or_show_slider_number") or ""
    return meta.get("field_type") == "text" and validation in PERSONAL_VALIDATIONS


def must_replace(meta: Mapping[str, Any]) -> bool:
    """Whether a field's values are replaced by default (file fields: their files, not their column)."""
    if meta.get("field_type") in ("file", "descriptive"):
        return False
    return is_identifier(meta) or is_free_text(meta) or is_personal(meta)


class Synthesizer:
    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng if rng is not None else random.SystemRandom()
        self.count = 0

    def value(self, meta: Mapping[str, Any], column: str, original: str) -> str:
        """A synthetic value for `column` of the field `meta` (blank stays blank)."""
        if original == "":
            return ""
        self.count += 1
        kind = meta.get("field_type")
        if kind == "checkbox" or column != meta.get("field_name"):
            return self.rng.choice(("0", "1"))
        if kind in ("dropdown", "radio"):
            codes = choice_codes(str(meta.get("select_choices_or_calculations") or ""))
            return self.rng.choice(codes) if codes else ""
        if kind in ("yesno", "truefalse"):
            return self.rng.choice(("0", "1"))
        if kind == "slider":
            return str(self.integer(meta, 0, 100))
        if kind == "calc":
            return str(self.rng.randint(0, 100))
        if kind in ("text", "notes"):
            validation = str(meta.get("text_validation_type_or_show_slider_number") or "")
            return self.text(meta, validation, original) if validation else self.words(original)
        return ""  # sql and any other type: no value the fake could make up

    def words(self, original: str) -> str:
        """Words of about the original's length (at most 60 characters)."""
        target = min(max(len(original), 4), 60)
        text = self.rng.choice(WORDS)
        while len(text) < target - 3:
            text += " " + self.rng.choice(WORDS)
        return text

    def integer(self, meta: Mapping[str, Any], low: int, high: int) -> int:
        low = _bound(meta.get("text_validation_min"), _INT, int, low)
        high = _bound(meta.get("text_validation_max"), _INT, int, high)
        return self.rng.randint(low, max(low, high))

    def date(self, meta: Mapping[str, Any]) -> dt.date:
        low = _date_bound(meta.get("text_validation_min"), _EPOCH)
        high = _date_bound(meta.get("text_validation_max"), dt.date(2020, 12, 31))
        span = max((high - low).days, 0)
        return low + dt.timedelta(days=self.rng.randint(0, span))

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def text(self, meta: Mapping[str, Any], validation: str, original: str) -> str:
        r = self.rng
        if validation.startswith(("date_", "datetime_")):
            day = self.date(meta).isoformat()
            if validation.startswith("datetime_seconds"):
                return f"{day} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"
            if validation.startswith("datetime"):
                return f"{day} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}"
            return day
        if validation == "integer":
            return str(self.integer(meta, 0, 1000))
        if validation.startswith("number"):
            return self.number(meta, validation)
        make = _FORMATS.get(validation)
        return str(make(self)) if make is not None else ""

    def number(self, meta: Mapping[str, Any], validation: str) -> str:
        places = {"1dp": 1, "2dp": 2, "3dp": 3, "4dp": 4}
        decimals = next((n for key, n in places.items() if key in validation), 1)
        low = _bound(meta.get("text_validation_min"), re.compile(r"-?\d+(\.\d+)?"), float, 0.0)
        high = _bound(meta.get("text_validation_max"), re.compile(r"-?\d+(\.\d+)?"), float, 1000.0)
        value = self.rng.uniform(low, max(low, high))
        text = f"{value:.{decimals}f}"
        if float(text) > max(low, high) or float(text) < low:  # rounding stepped over a bound
            text = f"{low:.{decimals}f}"
        return text.replace(".", ",") if "comma_decimal" in validation else text


def _bound(text: object, pattern: re.Pattern[str], cast: Any, default: Any) -> Any:
    value = str(text or "").strip()
    return cast(value) if pattern.fullmatch(value) else default


def _date_bound(text: object, default: dt.date) -> dt.date:
    value = str(text or "").strip()[:10]
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return default


_FORMATS: dict[str, Any] = {
    "email": lambda s: f"person{s.digits(6)}@example.org",
    "alpha_only": lambda s: "".join(s.rng.choice(string.ascii_lowercase) for _ in range(8)),
    "mrn_10d": lambda s: s.digits(10),
    "mrn_generic": lambda s: "mrn" + s.digits(7),
    "vmrn": lambda s: s.digits(8),
    "ssn": lambda s: f"9{s.digits(2)}-{s.digits(2)}-{s.digits(4)}",
    "zipcode": lambda s: s.digits(5),
    "postalcode_germany": lambda s: s.digits(5),
    "postalcode_french": lambda s: s.digits(5),
    "postalcode_australia": lambda s: s.digits(4),
    "postalcode_canada": lambda s: "K1A 0B1",
    "postalcode_uk": lambda s: "SW1A 1AA",
    "phone": lambda s: f"(615) 555-01{s.digits(2)}",  # 555-0100 to 555-0199: fictional numbers
    "phone_australia": lambda s: f"02 5550 {s.digits(4)}",
    "phone_uk": lambda s: f"020 7946 0{s.digits(3)}",  # Ofcom's drama numbers
    "phone_france": lambda s: f"01 99 00 {s.digits(2)} {s.digits(2)}",
    "time": lambda s: f"{s.rng.randint(0, 23):02d}:{s.rng.randint(0, 59):02d}",
    "time_hh_mm_ss": lambda s: (
        f"{s.rng.randint(0, 23):02d}:{s.rng.randint(0, 59):02d}:{s.rng.randint(0, 59):02d}"
    ),
    "time_mm_ss": lambda s: f"{s.rng.randint(0, 59):02d}:{s.rng.randint(0, 59):02d}",
}


def choice_codes(choices: str) -> list[str]:
    """The codes of "1, Yes | 2, No" (REDCap splits on | then on the first comma)."""
    return [part.split(",", 1)[0].strip() for part in choices.split("|") if part.strip()]
