"""How REDCap's MySQL columns compare strings, for every module that matches names as the database does
(record names, usernames, DAG names)."""

from __future__ import annotations

import unicodedata


def db_key(text: str) -> str:
    """How REDCap's MySQL columns (utf8mb4_unicode_ci, PAD SPACE) compare strings (reference §6).

    Case-insensitive, accent-insensitive, trailing spaces ignored. An approximation of the UCA 4.0.0
    collation that is exact for the ASCII, Latin and CJK values the fixtures hold.
    """
    if text.isascii():  # NFKD leaves ASCII as it is and no ASCII character is combining
        return text.rstrip(" ").lower()
    decomposed = unicodedata.normalize("NFKD", text.rstrip(" "))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()
