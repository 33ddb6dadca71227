"""Mode switches are enums (mypy sees every use) while the spellings users type keep working, and
each fact the fake holds has one home."""

from __future__ import annotations

import typing

import pytest

from fake_redcap import FakeState, create_app
from fake_redcap.apache import FRONT_ERRORS, PAGES
from fake_redcap.faults import KINDS, Fault, FaultError, FaultKind, FaultKindName
from fake_redcap.messages import CHANGES, Change, Profile
from fake_redcap.responses import HEADER_VARIANTS, HeaderVariant


def test_every_version_difference_is_a_change_with_a_first_version() -> None:
    assert set(CHANGES) == set(Change)
    assert all(isinstance(key, Change) for key in CHANGES)


def test_a_profile_answers_a_change_by_its_first_version() -> None:
    assert Profile.for_version("14.0.0").has(Change.DOWNLOAD_CSP)
    assert not Profile.for_version("13.6.1").has(Change.DOWNLOAD_CSP)


def test_header_variants_are_the_enum_values_users_type() -> None:
    assert HEADER_VARIANTS == ("redcap", "single_quote", "unquoted", "rfc5987", "content_disposition")
    assert HeaderVariant.parse("rfc5987") is HeaderVariant.RFC5987


def test_an_unknown_header_variant_names_the_valid_ones() -> None:
    refusal = r"unknown header variant 'RedCap'; choose one of redcap, single_quote"
    with pytest.raises(ValueError, match=refusal):
        create_app(FakeState([]), header_variant="RedCap")


def test_fault_kinds_spelled_as_strings_become_the_enum() -> None:
    assert Fault("drop").kind is FaultKind.DROP
    assert Fault(FaultKind.OFFLINE).to_json()["kind"] == "offline"
    assert set(typing.get_args(FaultKindName)) == set(KINDS) == {kind.value for kind in FaultKind}


def test_an_unknown_fault_kind_names_the_valid_ones() -> None:
    kind: typing.Any = "dorp"  # typed code cannot spell it (mypy refuses the literal); JSON can
    with pytest.raises(FaultError, match=r"unknown fault kind 'dorp'; choose one of delay, trickle, drop"):
        Fault(kind)


def test_every_fault_status_has_an_apache_page() -> None:
    assert set(PAGES) >= FRONT_ERRORS


def test_api_has_one_entry_not_a_flask_route() -> None:
    app = create_app(FakeState())
    assert not [rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api")]
    client = app.test_client()
    assert client.open("/api/", method="PROPFIND").status_code == 501
    assert client.open("/api", method="PROPFIND").status_code == 301
