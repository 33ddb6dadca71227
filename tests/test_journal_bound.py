"""The journal is bounded in bytes (issue 12, point 5): long values are cut with a marker naming their
length, an entry keeps a bounded number of values, and the journal's accounted size never passes its
budget, oldest entries dropped first. Measured with the journal's own byte accounting."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from hashlib import blake2b

import pytest
from flask.testing import FlaskClient

from fake_redcap import FakeState, create_app
from fake_redcap.journal import (
    ENTRY_OVERHEAD,
    MAX_ENTRY_BYTES,
    MAX_TEXT_BYTES,
    MORE_KEY,
    Journal,
    kept,
)
from fake_redcap.params import Params

MEGABYTE = 1024 * 1024
BAD_TOKEN = "BAD00000000000000000000000000000"


@pytest.fixture
def state() -> Iterator[FakeState]:
    world = FakeState()
    yield world
    world.close()


@pytest.fixture
def client(state: FakeState) -> FlaskClient:
    return create_app(state).test_client()


def token_of(state: FakeState, username: str) -> str:
    return next(u.token for s in state.served for u in s.project.users if u.username == username)


def post(client: FlaskClient, params: dict[str, str] | list[tuple[str, str]]) -> int:
    body = urllib.parse.urlencode(params).encode()
    return client.post("/api/", data=body, content_type="application/x-www-form-urlencoded").status_code


def marker(text: str) -> str:
    data = text.encode()
    return (
        f"…[cut by the journal: {len(data)} bytes in all, blake2b {blake2b(data, digest_size=8).hexdigest()}]"
    )


def test_a_long_value_is_cut_with_a_marker_naming_its_length(client: FlaskClient, state: FakeState) -> None:
    assert post(client, {"token": BAD_TOKEN, "content": "file", "record": "r" * MEGABYTE}) == 403
    [entry] = state.journal.entries()
    assert entry.params["record"] == "r" * MAX_TEXT_BYTES + marker("r" * MEGABYTE)
    assert entry.record == entry.params["record"]
    assert entry.params["content"] == "file"  # short values are kept whole


def test_many_requests_with_a_megabyte_parameter_stay_small_in_the_journal(
    client: FlaskClient, state: FakeState
) -> None:
    for _ in range(40):
        assert post(client, {"token": BAD_TOKEN, "content": "file", "data": "x" * MEGABYTE}) == 403
    entries = state.journal.entries()
    assert len(entries) == 40
    assert all(e.params["data"] == "x" * MAX_TEXT_BYTES + marker("x" * MEGABYTE) for e in entries)
    # 40 MiB sent; each entry accounts its one cut value, its short texts and the fixed overhead.
    assert ENTRY_OVERHEAD < state.journal.size_bytes / 40 < 8 * 1024


def test_the_journal_drops_its_oldest_entries_past_its_byte_budget(
    client: FlaskClient, state: FakeState
) -> None:
    budget = 20 * 1024
    state.journal = Journal(max_bytes=budget)
    for n in range(1, 61):
        post(client, {"token": BAD_TOKEN, "content": "file", "record": str(n), "data": "y" * 100_000})
        assert state.journal.size_bytes <= budget
    entries = state.journal.entries()
    assert 1 < len(entries) < 60
    assert [e.record for e in entries] == [str(n) for n in range(61 - len(entries), 61)]  # the newest
    state.journal.clear()
    assert state.journal.size_bytes == 0


def test_three_hundred_megabyte_parameters_take_a_few_hundred_kilobytes() -> None:
    """The issue's figure (300 bad-token requests with a 1 MB parameter: 37 -> 440 MB), written straight
    into a journal: each entry keeps the value's first KiB."""
    journal = Journal()
    for n in range(300):
        params = Params.from_pairs(
            [("token", BAD_TOKEN), ("content", "file"), ("data", f"{n:03}" + "z" * MEGABYTE)]
        )
        journal.write(lambda text: text, method="POST", path="/api/", params=params, user=None, status=403)
        assert journal.size_bytes <= journal.max_bytes
    assert len(journal.entries()) == 300
    assert journal.size_bytes < 300 * 8 * 1024  # under 2.4 MB for 300 MB sent
    assert str(journal.entries()[-1].params["data"]).startswith("299zzz")


def test_an_entry_keeps_its_parameters_up_to_its_room_and_counts_the_rest(
    client: FlaskClient, state: FakeState
) -> None:
    # 950 values of 1 000 bytes (under PHP's max_input_vars): more than the entry's 1 MiB room.
    params = [("token", BAD_TOKEN), ("content", "file"), *((f"p{i}", "v" * 1000) for i in range(950))]
    params.append(("many[]", "a"))
    assert post(client, params) == 403
    [entry] = state.journal.entries()
    kept_count = len(entry.params) - 1
    assert 2 < kept_count < 950
    assert list(entry.params)[:kept_count] == [name for name, _ in params[:kept_count]]  # a prefix, in order
    assert entry.params[MORE_KEY] == f"{953 - kept_count} more parameter values not kept by the journal"
    assert state.journal.size_bytes <= ENTRY_OVERHEAD + MAX_ENTRY_BYTES + 1024


def test_lint_notes_are_cut_and_bounded(client: FlaskClient, state: FakeState) -> None:
    token = token_of(state, "full_user")
    export = [("token", token), ("content", "file"), ("action", "export"), ("record", "1")]
    post(client, [*export, ("field", "consent_form"), ("a" * 5000, "1")])
    whole = "unknown parameter " + repr("a" * 5000) + ": the file methods ignore it"
    assert state.journal.entries()[-1].lint == [whole.encode()[:MAX_TEXT_BYTES].decode() + marker(whole)]

    extras = [(f"extra{i:04}" + "b" * 900, "1") for i in range(1500)]  # their notes pass 1 MiB
    post(client, [*export, ("field", "consent_form"), *extras])
    entry = state.journal.entries()[-1]
    assert entry.lint[-1].endswith(" more not kept by the journal")
    assert 0 < int(entry.lint[-1].split()[0]) <= 1500
    assert state.journal.size_bytes <= 2 * (ENTRY_OVERHEAD + MAX_ENTRY_BYTES + 1024)


def test_assert_request_made_finds_a_request_by_its_long_value(client: FlaskClient, state: FakeState) -> None:
    token = token_of(state, "full_user")
    big = "1" * MEGABYTE
    post(client, {"token": token, "content": "file", "action": "export", "record": big, "field": "x"})
    [entry] = state.journal.assert_request_made(record=big, user="full_user")
    assert state.journal.find(record=big[:-1] + "2") == []  # the same length and prefix are not enough
    assert entry.params["token"] == "full_user"
    assert entry.message == kept(entry_message(big))
    assert entry.message.endswith(marker(entry_message(big)))
    with pytest.raises(AssertionError, match="cut by the journal"):
        state.journal.assert_request_made(record=big, status=200)


def entry_message(record: str) -> str:
    return f'The record "{record}" does not exist'


def test_a_token_is_masked_before_a_long_value_is_cut(client: FlaskClient, state: FakeState) -> None:
    token = token_of(state, "full_user")
    value = "a" * (MAX_TEXT_BYTES - 10) + token + "b" * MEGABYTE  # the token straddles the cut
    post(client, {"token": BAD_TOKEN, "content": "file", "record": value})
    shown = repr(state.journal.entries()[-1].to_json())
    assert token.lower() not in shown.lower()
    assert token[-28:].lower() not in shown.lower()


def test_a_value_is_cut_between_two_characters() -> None:
    text = "é" * MAX_TEXT_BYTES  # two bytes each: the cut falls between characters
    assert kept(text) == "é" * (MAX_TEXT_BYTES // 2) + marker(text)
    odd = "ab" + "€" * MAX_TEXT_BYTES  # three bytes each: 2 + 340 * 3 = 1022, the next one would cross
    assert kept(odd) == "ab" + "€" * 340 + marker(odd)
    assert kept("short") == "short"
