"""Read-only project methods: `content=version` (more join in issue 5)."""

from __future__ import annotations

from fake_redcap.call import Call
from fake_redcap.errors import ReturnFormat
from fake_redcap.responses import Reply, text_reply


def export_version(call: Call) -> Reply:
    """The REDCap version as plain text, e.g. `15.7.6` (API help `exp_rc_v`). The Content-type follows
    the content `format` (json, csv or xml), the way sendResponse labels successful exports."""
    fmt = {"json": ReturnFormat.JSON, "csv": ReturnFormat.CSV}.get(
        call.params.text("format"), ReturnFormat.XML
    )
    return text_reply(str(call.profile.version), fmt, call.profile)
