"""Import Project Information (`content=project_settings` with `data`).

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`): `API/project_settings/import.php` (the Project Design
right, api_228; no status check; createData per `format`; storeItems: every attribute of the project
export that is sent is kept, then `Project::setProjectValues` writes those of
`getAttributesApiImportProjectInfo` (Project.php:2265-2292); the answer is `count($data)`, every key
sent). createData reads `$lang` without `global`: undecodable data answers 400 with no message, so
`sendResponse` gives its default 400 text. V13.6.1 and V14.5.11 have the same file. Facts only: no
REDCap code is copied.
"""

from __future__ import annotations

import dataclasses
import json
import re
from types import MappingProxyType
from xml.etree import ElementTree

from fake_redcap import messages as msg
from fake_redcap.call import Call
from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.fixture.structure import INTEGER_ATTRIBUTES, TEXT_ATTRIBUTES
from fake_redcap.messages import Change
from fake_redcap.methods.design_import import DESIGN_RIGHTS_REPEATING
from fake_redcap.methods.export_format import decoded_string, not_implemented, reply
from fake_redcap.methods.record_import import _parse_csv
from fake_redcap.project_log import log_event
from fake_redcap.responses import Reply

# getAttributesApiImportProjectInfo's attributes (as the export names them), the fixture's
# `project.attributes`; the others are kept by storeItems but never written.
_TEXT = frozenset(TEXT_ATTRIBUTES)
_INTEGER = frozenset(INTEGER_ATTRIBUTES)

# A nested array or object in `data`: not followed (decoded_string answers not implemented).
NESTED = "content=project_settings with a nested value"


def import_project_settings(call: Call) -> Reply:
    """API/project_settings/import.php: the attributes REDCap writes, the count of keys sent."""
    needs_design = call.profile.has(Change.SETUP_IMPORTS_NEED_DESIGN)
    if needs_design and not (call.user.design or call.user.super_user):
        raise ApiError(400, DESIGN_RIGHTS_REPEATING)  # api_228
    data = _data(call)
    project = call.project
    info = dict(project.info)
    title = project.title
    for key, value in data.items():
        if key == "project_title":
            title = value
        elif key in _TEXT:
            info[key] = value
        elif key in _INTEGER:
            info[key] = _mysql_int(value)
        elif key == "is_longitudinal" and _mysql_int(value) != int(project.is_longitudinal):
            raise not_implemented("content=project_settings changing is_longitudinal")
    updated = dataclasses.replace(project, title=title, info=MappingProxyType(info))
    entry = log_event(
        call,
        "redcap_projects",
        "MANAGE",
        str(project.project_id),
        f"project_id = {project.project_id}",
        "Import project information (API)",
    )
    if not call.state.replace_project(updated, seen=call.served, log=(entry,)):
        raise ApiError(400, "The project was reset while the change was made; nothing was changed.")
    formats = {"json": ReturnFormat.JSON, "csv": ReturnFormat.CSV}
    return reply(str(len(data)), formats.get(call.params.text("format"), ReturnFormat.XML), call)


def _data(call: Call) -> dict[str, str]:
    """createData: json (an object; a list's items have no attribute names), xml `<items>`, csv's first
    row. What cannot be decoded is the 400 with REDCap's default text."""
    text = call.params.text("data")
    fmt = call.params.text("format")
    if fmt == "json":
        try:
            decoded = json.loads(text)
        except ValueError:
            decoded = None
        if decoded is None or decoded == "" or decoded is False:
            raise ApiError(400, msg.DEFAULT_400)
        if isinstance(decoded, list):
            return {str(i): "" for i in range(len(decoded))}  # counted, never an attribute
        if not isinstance(decoded, dict):
            raise not_implemented("content=project_settings with JSON that is not an object")
        return {str(k): decoded_string(v, NESTED) for k, v in decoded.items()}
    if fmt == "csv":
        rows = _parse_csv(
            text.replace("&#13;&#10;", "\r\n").replace("&#10;", "\n").replace("&#13;", "\r"), ","
        )
        if not rows:
            raise ApiError(400, msg.DEFAULT_400)
        return rows[0]
    if fmt == "odm" or "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise not_implemented("content=project_settings with this format")
    try:
        root = ElementTree.fromstring(text.strip())
    except ElementTree.ParseError:
        raise ApiError(400, msg.DEFAULT_400) from None
    if root.tag != "items" or len(root) == 0:
        raise ApiError(400, msg.DEFAULT_400)
    return {child.tag: (child.text or "").strip() for child in root}


def _mysql_int(text: str) -> int:
    """A string written to an int column in MySQL's non-strict mode (REDCap's sql_mode): its leading
    number, rounded; nothing numeric is 0."""
    match = re.match(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text)
    return round(float(match.group(0))) if match else 0
