"""REDCap version numbers and the ranges a version-specific clause applies to.

A clause marked `@pytest.mark.redcap_version(">=14.5.11")` runs only against targets whose version (read
with `content=version`) is in that range. The bounds are the versions whose source was read (reference
§0: 7.1.2, 10.0.13, 13.6.1, 14.5.11, 15.7.6), so a target between two of them runs neither the old nor
the new clause for a behaviour whose change is only known to fall in that interval.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")
_CONDITION = re.compile(r"\s*(>=|<=|==|>|<)\s*(\d+\.\d+\.\d+)\s*")
_OPERATORS: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    ">": operator.gt,
    "<": operator.lt,
}


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        m = _VERSION.fullmatch(text.strip())
        if m is None:
            raise ValueError(f"{text!r} is not a REDCap version such as 15.7.6")
        return cls(int(m[1]), int(m[2]), int(m[3]))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


@dataclass(frozen=True)
class VersionRange:
    """Comma-separated conditions that must all hold, e.g. `>=10.0.13,<=13.6.1`."""

    text: str
    conditions: tuple[tuple[str, Version], ...]

    @classmethod
    def parse(cls, text: str) -> VersionRange:
        conditions: list[tuple[str, Version]] = []
        for part in text.split(","):
            m = _CONDITION.fullmatch(part)
            if m is None:
                raise ValueError(
                    f"{text!r} is not a version range; write conditions such as '>=14.5.11' or "
                    "'>=10.0.13,<=13.6.1'"
                )
            conditions.append((m[1], Version.parse(m[2])))
        return cls(text.replace(" ", ""), tuple(conditions))

    def __contains__(self, version: object) -> bool:
        if not isinstance(version, Version):
            return False
        have = (version.major, version.minor, version.patch)
        return all(
            _OPERATORS[op](have, (bound.major, bound.minor, bound.patch)) for op, bound in self.conditions
        )

    def __str__(self) -> str:
        return self.text
