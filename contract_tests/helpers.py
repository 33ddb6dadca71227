"""Small helpers the clauses share: catching the client's refusal, comparing bytes by hash."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from client import RedcapError
from contract_tests import expected
from contract_tests.targets import sha256
from fake_redcap.model import StoredFile

# A record name and a field name no reference project holds.
NO_SUCH_RECORD = "contract-suite-no-such-record"
NO_SUCH_FIELD = "contract_suite_no_such_field"
# REDCapR's bad token (test-file-oneshot.R): 32 characters, letters and digits, known to no server.
UNKNOWN_TOKEN = "BAD00000000000000000000000000000"


def refusal(action: Callable[[], Any]) -> RedcapError:
    """The RedcapError the client raises for this call; the call must not succeed."""
    with pytest.raises(RedcapError) as info:
        action()
    return info.value


def assert_same_file(content: bytes, stored: StoredFile) -> None:
    """Byte-identical, compared by SHA-256 (sizes can agree while the bytes do not)."""
    want = sha256(stored.read_bytes())
    have = sha256(content)
    assert have == want, (
        f"got {len(content)} bytes with sha256 {have[:16]}…; the fixture stores {stored.name!r}: "
        f"{stored.size} bytes with sha256 {want[:16]}…"
    )


def export(record: str, field: str, **extra: str) -> dict[str, str]:
    """The form fields of an Export File request."""
    return {"content": "file", "action": "export", "record": record, "field": field, **extra}


def json_message(response: requests.Response) -> str:
    """The message of a json error envelope (the request asked for returnFormat=json)."""
    data = response.json()
    assert isinstance(data, dict) and set(data) == {"error"}, f"not a REDCap json error: {response.content!r}"
    return str(data["error"])


def is_record_missing(message: str, record: str) -> bool:
    """E5's message in either wording (14.5.11+: double quotes, escaped; up to 13.6.1: single quotes,
    raw). Clauses about *when* E5 fires accept both; the wording has clauses of its own."""
    return message in (expected.record_missing(record), expected.record_missing_raw(record))
