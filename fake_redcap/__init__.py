"""A fake REDCap server for the API's file methods, faithful down to the byte."""

from fake_redcap.api import create_app
from fake_redcap.fixture import FixtureError, demo_fixture_paths, load_fixture
from fake_redcap.server import FakeServer
from fake_redcap.state import FakeState

__all__ = ["FakeServer", "FakeState", "FixtureError", "create_app", "demo_fixture_paths", "load_fixture"]
