"""dateRangeBegin / dateRangeEnd: the records created or changed in a span, by the change time the model
keeps for each record (V15 API/record/export.php:306-336, reformatDate, getModifiedAndNewRecordsInSpan)."""

from __future__ import annotations

import json

import pytest

from fake_redcap import state as state_module
from fake_redcap.methods import record_filters
from fake_redcap.methods.record_filters import _log_stamp
from tests.support import CLASSIC_EXTRA_FILES, MakeState, api, classic_fixture, post
from tests.support import CLASSIC_TOKENS as T


def test_reformat_date() -> None:
    assert _log_stamp("2024-1-5", False) == "20240105000000"
    assert _log_stamp("2024-01-05", True) == "20240105235959"
    assert _log_stamp("2024/01/05 7:08", False) == "20240105070800"
    assert _log_stamp("2024-01-05T07:08:09", True) == "20240105070809"
    assert _log_stamp("yesterday", False) == ""


def test_only_records_changed_in_the_span(make_state: MakeState, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ["20240101120000"]
    monkeypatch.setattr(state_module, "log_time", lambda: clock[0])
    monkeypatch.setattr(record_filters, "log_time", lambda: clock[0])
    client = api(make_state(classic_fixture(), CLASSIC_EXTRA_FILES))  # loaded at 2024-01-01 12:00:00

    def exported(**span: str) -> list[str]:
        params = {"token": T["importer"], "content": "record", "format": "json", "fields[0]": "record_id"}
        return [r["record_id"] for r in post(client, {**params, **span}).get_json()]

    everyone = ["1", "2", "abc"]
    assert exported(dateRangeBegin="2024-01-01") == everyone
    assert exported(dateRangeBegin="2024-01-01 12:00:01") == []
    assert exported(dateRangeEnd="2023-12-31") == []
    clock[0] = "20250301080000"
    data = json.dumps([{"record_id": "2", "age": "31"}, {"record_id": "7"}])
    assert (
        post(
            client, {"token": T["importer"], "content": "record", "format": "json", "data": data}
        ).status_code
        == 200
    )
    assert exported(dateRangeBegin="2025-03-01") == ["2", "7"]
    assert exported(dateRangeBegin="2025-03-01", records="7") == ["7"]
    assert exported(dateRangeEnd="2024-12-31") == ["1", "abc"]
    assert exported(dateRangeBegin="not a date", dateRangeEnd="2024-06-01") == ["1", "abc"]  # begin: 2004
