"""A pytest plugin for PyCap's integration suite as copied (tests/data/pycap/integration/): it points the
suite at the fake without changing a line of the copy.

The copy's conftest reads the super token from `REDCAPDEMO_SUPERUSER_TOKEN` (as it does against
redcapdemo.vumc.org) and takes its URL from its module function `redcapdemo_url()`; this plugin replaces
that function, once the conftest is registered, with one returning `FAKE_REDCAP_URL`.
"""

from __future__ import annotations

import os
from types import ModuleType

URL_VARIABLE = "FAKE_REDCAP_URL"


def pytest_plugin_registered(plugin: object) -> None:
    if isinstance(plugin, ModuleType) and plugin.__name__.endswith("integration.conftest"):
        url = os.environ[URL_VARIABLE]
        plugin.redcapdemo_url = lambda: url  # type: ignore[attr-defined]
