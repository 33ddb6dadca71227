"""The unique names REDCap makes for data access groups from their names (never stored: a rename
renames it). Source: V15 `Classes/Project.php` getGroups (:1374-1392: ordered by the trimmed name) and
getUniqueGroupNames (:1409-1460). Facts only: no REDCap code is copied."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Sequence

from fake_redcap.collation import db_key
from fake_redcap.escape import label_decode
from fake_redcap.model import Dag
from fake_redcap.php import from_bytes, to_bytes


def ordered(dags: Sequence[Dag]) -> list[Dag]:
    """getGroups: `order by trim(group_name)` as the utf8mb4_unicode_ci column compares."""
    return sorted(dags, key=lambda d: db_key(d.name.strip(" ")))


def with_unique_names(dags: Sequence[Dag]) -> tuple[Dag, ...]:
    """getUniqueGroupNames: the name decoded and trimmed, only a-z, 0-9, _ and space kept, spaces made
    _, lower-cased, cut to 18, one trailing _ dropped; blank: the first 10 of the name's MD5; a repeat
    gets b, c, ... (then ba, bb, ...; '??' from the 702nd), in getGroups' order."""
    seen: list[str] = []
    named: dict[int, str] = {}
    for dag in ordered(dags):
        base = re.sub(
            r"[^0-9a-zA-Z_ ]", "", from_bytes(label_decode(to_bytes(dag.name))).strip(" \t\n\r\0\x0b")
        )
        base = base.replace(" ", "_")[:18].lower()
        base = base.removesuffix("_")
        if base == "":
            base = hashlib.md5(dag.name.encode("utf-8", "surrogateescape")).hexdigest()[:10]
        count = seen.count(base)
        if count == 0:
            suffix = ""
        elif count < 26:
            suffix = chr(97 + count)
        elif count < 702:
            suffix = chr(96 + count // 26) + chr(97 + count % 26)
        else:
            suffix = "??"
        seen.append(base)
        named[dag.group_id] = base + suffix
    return tuple(dataclasses.replace(d, unique_name=named[d.group_id]) for d in dags)
