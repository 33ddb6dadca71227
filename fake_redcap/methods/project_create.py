"""Create Project (`content=project` with `data`, a Super API Token), with or without a project XML
(`odm`), as REDCap's API creates it.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`): `Classes/RestUtility.php`:81-88 (the super-token path
this request takes, whatever the token), `API/project/import.php` (parsing `data` per `format`, the
answer: the new project's token with `sendResponse(200, $token, $format)`), `Classes/Project.php`
validateApiCreateProjectInput (:415-440), apiCreate (:328-400: purpose, notes, longitudinal, surveys,
autonumbering, the default arm and event or the XML's set-up, the creator's rights and token),
insertUserRightsProjectCreator (:204-230) and `Config/init_functions.php` createMetadata (:3283: the
default instrument). Texts from `LanguageUpdater/English.ini`. V13.6.1 and V14.5.11 read the same
(`API/project/import.php`, `Classes/Project.php` apiCreate). Facts only: no REDCap code is copied.

The new project is served by the same `FakeState` until its next reset (`FakeState.add_project`).
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any
from xml.etree import ElementTree

from fake_redcap.call import Call
from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.fixture import FixtureError
from fake_redcap.fixture.validate import Builder
from fake_redcap.methods.export_format import decoded_string, not_implemented, reply
from fake_redcap.methods.record_import import _parse_csv, _stored
from fake_redcap.model import ExportRight, Project, RecordRow, User
from fake_redcap.project_log import LogEvent, log_event
from fake_redcap.responses import Reply

# English.ini (V15): data_import_tool_200, api_123, design_641 + " project_title, purpose" + period +
# " " + api_121, api_122, data_import_tool_240.
NOT_IN_FORMAT = "The data is not in the specified format."
ONE_PROJECT = (
    "Only one project can be created at a time using the API 'Create Project' method. It appears that you "
    "have provided attributes for more than one project in the API request."
)
MISSING_ATTRIBUTES = (
    "One or more components are missing in your input data. The following attributes are required: "
    "project_title, purpose. Also, 'purpose' must have a value of 0, 1, 2, 3, or 4."
)
PURPOSE_OTHER_NEEDED = (
    "You must provide some text for 'purpose_other' since you specified 'purpose' as '1' (Other)."
)
BAD_ODM = (
    "The XML file could not be processed because it appears not to be valid XML or is missing certain "
    "basic components."
)

_PHP_NUMERIC = re.compile(r"[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*")
DEFAULT_FORM = "form_1"  # createMetadata: 'Form 1', lower-cased, spaces to underscores

# A nested array or object in `data`: not followed (decoded_string answers not implemented).
NESTED = "content=project with a nested value in data"


def create_project(call: Call) -> Reply:
    """API/project/import.php: the attributes, the checks, the project, its token as the answer."""
    fmt = call.params.text("format")
    odm = call.params.text("odm") if call.params.text("odm") != "" else None
    data = _validate(_attributes(fmt, call.params.text("data")), odm)
    project = _build(call, data, odm)
    token = _creator_token(call)
    creator = _creator(call.user, token)
    via_xml = " using REDCap XML file" if odm is not None else ""

    def log(project_id: int) -> list[LogEvent]:
        # Project::insertUserRightsProjectCreator (V15 Project.php:224-227), then API/project/import.php:17.
        user = call.user.username
        return [
            log_event(call, "redcap_user_rights", "insert", user, f"user = '{user}'", "Add user"),
            log_event(
                call,
                "project_info",
                "MANAGE",
                str(project_id),
                f"project_id = {project_id}",
                f"Create project{via_xml} (API)",
            ),
        ]

    call.state.add_project(dataclasses.replace(project, users=(creator,)), log=log)
    answer_format = {"json": ReturnFormat.JSON, "csv": ReturnFormat.CSV}.get(fmt, ReturnFormat.XML)
    return reply(token, answer_format, call)


def _attributes(fmt: str, data: str) -> dict[str, str] | None:
    """createProject's switch on `$format`: the one set of attributes sent, or None when `format` is
    none of json, csv, xml (odm: `$data` stays a string, and the checks find no attributes)."""
    if fmt == "json":
        try:
            decoded = json.loads(data)
        except ValueError:
            decoded = None
        return _json_attributes(decoded)
    if fmt == "csv":
        text = data.replace("&#13;&#10;", "\r\n").replace("&#10;", "\n").replace("&#13;", "\r")
        rows = _parse_csv(text, ",")
        if len(rows) > 1:
            raise ApiError(400, ONE_PROJECT)
        if not rows or not any(rows[0].values()):
            raise ApiError(400, NOT_IN_FORMAT)
        return rows[0]
    if fmt in ("json", "csv", "odm"):
        return None
    return _xml_attributes(data)


def _json_attributes(decoded: object) -> dict[str, str] | None:
    """`$data = isset($data[0]) ? $data[0] : ''` then `$data == ''` (PHP 8): null, "" and false are
    no data; another first item that is not an object carries no attributes (the checks refuse it)."""
    if isinstance(decoded, str) and decoded != "":
        return None  # a string's [0] is its first character
    first = decoded.get("0") if isinstance(decoded, dict) else None
    if isinstance(decoded, list) and decoded:
        first = decoded[0]
    if first is None or first == "" or first is False:
        raise ApiError(400, NOT_IN_FORMAT)
    if not isinstance(first, dict):
        return None
    return {str(k): decoded_string(v, NESTED) for k, v in first.items()}


def _xml_attributes(data: str) -> dict[str, str]:
    """`Records::xmlDecode(html_entity_decode($data))`: the root element must be `<item>`."""
    text = html.unescape(data).strip()
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise not_implemented("content=project with an XML DOCTYPE in data")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        raise ApiError(400, NOT_IN_FORMAT) from None
    if root.tag != "item" or len(root) == 0:
        raise ApiError(400, NOT_IN_FORMAT)
    return {child.tag: (child.text or "").strip() for child in root}


def _is_numeric(text: str) -> bool:
    """PHP 8's is_numeric for a string: leading and trailing whitespace allowed."""
    return _PHP_NUMERIC.fullmatch(text) is not None


def _validate(data: dict[str, str] | None, odm: str | None) -> dict[str, str]:
    """Project::validateApiCreateProjectInput (V15 :415-440), in its order; the attributes."""
    purpose = (data or {}).get("purpose", "")
    if (
        not data
        or data.get("project_title", "") == ""
        or not _is_numeric(purpose)
        or not 0 <= float(purpose) <= 4
    ):
        raise ApiError(400, MISSING_ATTRIBUTES)
    if _php_numeric_equals(purpose, 1) and data.get("purpose_other", "") == "":
        raise ApiError(400, PURPOSE_OTHER_NEEDED)
    if odm is not None:
        text = odm.strip()
        try:
            root = ElementTree.fromstring(text) if "<!DOCTYPE" not in text.upper() else None
        except ElementTree.ParseError:
            root = None
        ns = "{http://www.cdisc.org/ns/odm/v1.3}"
        if root is None or root.tag != f"{ns}ODM" or root.find(f"{ns}Study/{ns}MetaDataVersion") is None:
            raise ApiError(400, BAD_ODM)  # ODM::validateOdmInitial: an ODM tag, Study, MetaDataVersion
    return data


def _php_numeric_equals(text: str, number: int) -> bool:
    return _is_numeric(text) and float(text) == number


class _ApiBuilder(Builder):
    """The fixture builder, reading the project XML from the request instead of a file."""

    def __init__(self, odm: bytes | None) -> None:
        super().__init__("the project XML sent (odm)", Path("odm.xml"))
        self.odm = odm

    def read_odm(self, files: Any) -> dict[str, Any]:
        assert self.odm is not None
        return self.odm_sections(self.odm, "the project XML", "odm")


def _build(call: Call, data: dict[str, str], odm: str | None) -> Project:
    """The project Project::apiCreate makes: the XML's set-up and data, else one instrument `form_1`
    with `record_id` (createMetadata) and the default arm and event (a classic project unless
    is_longitudinal is 1)."""
    title = html.escape(data["project_title"], quote=True).replace("&#x27;", "&#039;")  # cleanTitle
    document: dict[str, Any] = {
        "project": {"title": title, "status": "development"},
        "redcap_version": call.project.redcap_version,
        "compression": call.project.compression,
    }
    if odm is not None:
        document["redcap"] = {"project_xml": "odm"}
    else:
        record_id = {"name": "record_id", "form": DEFAULT_FORM, "type": "text", "label": "Record ID"}
        document["fields"] = [record_id]
        if data.get("is_longitudinal") == "1":
            document["arms"] = [{"number": 1, "name": "Arm 1"}]
            document["events"] = [{"unique_name": "event_1_arm_1", "name": "Event 1", "arm": 1, "forms": []}]
    builder = _ApiBuilder(odm.encode("utf-8", "surrogateescape") if odm is not None else None)
    try:
        project = builder.build(document, None)
    except FixtureError as problem:
        raise not_implemented(f"content=project with this project XML ({problem.problem})") from None
    return dataclasses.replace(
        project,
        records=_saved(project),
        source=Path("<created by the API>"),
        info=MappingProxyType(_info(data)),
    )


def _saved(project: Project) -> tuple[RecordRow, ...]:
    """The XML's data as ODM::parseOdm saves it, through Records::saveData (V15 ODM.php:2708): values of
    calc fields (and @CALCTEXT/@CALCDATE fields) are not written (record_import's rule). Nor are they
    computed, although saveData's auto-calculation would seem to (Records.php:7447-7460): PyCap's
    integration suite counts 30 EAV rows, no calc values, in a project created so on redcapdemo.vumc.org
    (tests/data/pycap/integration/test_simple_project.py:46-50), and a real server outranks a reading."""
    skipped = {f.name for f in project.fields if f.type != "file" and not _stored(f)}
    if not skipped:
        return project.records
    return tuple(
        dataclasses.replace(
            r, values=MappingProxyType({k: v for k, v in r.values.items() if k not in skipped})
        )
        for r in project.records
    )


def _without(values: Mapping[str, str], skipped: set[str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if k not in skipped}


def _info(data: dict[str, str]) -> dict[str, str | int]:
    """What apiCreate stores in redcap_projects from the attributes (V15 Project.php:331-346)."""
    purpose = int(float(data["purpose"]))
    info: dict[str, str | int] = {
        "purpose": purpose,
        "purpose_other": data.get("purpose_other", "") if purpose == 1 else "",
        "project_notes": data.get("project_notes", "").strip(" \t\n\r\0\x0b"),
        "surveys_enabled": 1 if data.get("surveys_enabled") == "1" else 0,
        "record_autonumbering_enabled": 0 if data.get("record_autonumbering_enabled") == "0" else 1,
    }
    return info


def _creator_token(call: Call) -> str:
    """RedCapDB::setAPIToken: 32 upper-case hexadecimal characters, unlike any served token."""
    taken = {u.token.upper() for s in call.state.served for u in s.project.users}
    while True:
        token = secrets.token_hex(16).upper()
        if token not in taken:
            return token


def _creator(user: User, token: str) -> User:
    """insertUserRightsProjectCreator and saveAPIRights(1, 1, 1, 1): every form with full data entry
    and export rights, Project Design, User Rights (the column's default), API Export and Import, the
    Mobile App; not Delete or Rename Record (the columns' defaults, 0)."""
    return dataclasses.replace(
        user,
        token=token,
        data_export=ExportRight.FULL,
        api_export=True,
        api_import=True,
        record_delete=False,
        record_rename=False,
        expiration=None,
        mobile_app=True,
        design=True,
        user_rights=True,
        # The other columns as the insert leaves them: its own 1s (data_quality_design, _execute, alerts),
        # saveAPIRights' api_modules, and redcap_user_rights' defaults (V15 install.sql:3711-3757);
        # data_entry "[form,1]..." (getDataEntry: None here, View & Edit on every form). No role, DAG or
        # DAG Switcher assignment (the user's in other projects are not this project's).
        rights=MappingProxyType(CREATOR_RIGHTS),
        data_entry=None,
        role=None,
        dag=None,
        dag_switch=(),
    )


CREATOR_RIGHTS = {
    **dict.fromkeys(
        (
            "data_import_tool",
            "data_comparison_tool",
            "logging",
            "file_repository",
            "data_access_groups",
            "stats_and_charts",
            "reports",
            "calendar",
            "record_create",
            "manage_survey_participants",
            "data_quality_create",
            "data_quality_execute",
            "alerts",
            "api_modules",
        ),
        1,
    ),
    **dict.fromkeys(
        (
            "email_logging",
            "mobile_app_download_data",
            "lock_records",
            "lock_records_all_forms",
            "lock_records_customization",
        ),
        0,
    ),
}
