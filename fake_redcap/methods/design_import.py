"""Project set-up through the API: Import and Delete Arms, Import and Delete Events, Import
Instrument-Event Mappings, Import Repeating Instruments and Events.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`): `API/arm/import.php`, `API/arm/delete.php`,
`API/event/import.php`, `API/event/delete.php`, `API/formEventMapping/import.php`,
`API/repeatingFormsEvents/import.php`, `Classes/Arm.php` (addArms, delArm), `Classes/Event.php`
(addEvents, saveEventMapping, delete), `Classes/Project.php` (loadEvents :891: arms are read through
their events; getUniqueEventNames :1232; addEventForms :1169). Texts from `LanguageUpdater/English.ini`.
V13.6.1 and V14.5.11 have the same files and rules. Facts only: no REDCap code is copied.

Every change is computed on the call's snapshot and served whole (`FakeState.replace_project`); a
refusal changes nothing. Rows of data in an event that goes away go with it (REDCap's data stays in
`redcap_data` under an event_id no event has any more: no API call reaches it again).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from types import MappingProxyType
from xml.etree import ElementTree

from fake_redcap.call import Call
from fake_redcap.errors import ApiError, ReturnFormat
from fake_redcap.messages import Change
from fake_redcap.methods.export_format import decoded_string, list_param, not_implemented, php_trim, reply
from fake_redcap.methods.record_import import _parse_csv
from fake_redcap.methods.structure import event_id
from fake_redcap.model import Arm, Event, Project, ProjectStatus, Repeating
from fake_redcap.project_log import log_event
from fake_redcap.responses import Reply

# English.ini (V15)
NOT_IN_FORMAT = "The data is not in the specified format."  # data_import_tool_200
PRODUCTION = "This method cannot be used while the project is in Production status."  # api_102
DESIGN_RIGHTS = (  # api_124
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'Project Design and "
    "Setup' privileges in the project in order to utilize this API method."
)
DESIGN_RIGHTS_REPEATING = (  # api_228
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'Project Setup/Design' "
    "privileges in the project."
)
MISSING = "One or more components are missing in your input data. The following attributes are required:"
ARMS_PARAM = (  # api_104
    "The 'arms' parameter is either missing or is not an array. It must be provided as an array even if it "
    "only contains one value."
)
ARMS_UNKNOWN = (  # api_105
    "One or more of the arm numbers provided are either not numeric or do not exist in this project. Note: "
    "No arms were deleted. Arm numbers that do not exist:"
)
ARM_NUMBER_BAD = 'Arm number "{value}" is not numeric or is less than one.'  # design_636, _639
ARM_NUMBER_BIG = 'Arm number "{value}" must be a value of 99 or less.'  # design_636, _1380
ARM_NAME_LONG = 'The arm name "{value}" must be less than or equal to 50 characters in length.'  # _651 _652
ARM_MISSING = 'The arm number "{value}" does not exist in the project.'  # design_644, _643
DAY_OFFSET_BAD = 'The event\'s Days Offset "{value}" is not numeric.'  # design_645, _646
OFFSET_MIN_BAD = 'The event\'s Offset Range Min "{value}" is not numeric or is less than one.'  # _647 _639
OFFSET_MAX_BAD = 'The event\'s Offset Range Max "{value}" is not numeric or is less than one.'  # _648 _639
EVENT_NAME_LONG = 'The event name "{value}" must be less than or equal to 30 characters in length.'
EVENT_MISSING = 'The unique event name "{value}" does not exist in the project.'  # design_642, _643
FORM_MISSING = 'The instrument name (i.e., the unique form name) "{value}" does not exist in the project.'
KEY_MISSING = "required key not present: ''"  # data_import_tool_275 and an undefined $key
EVENT_NOT_AVAILABLE = "event '{event}' is not available in project '{title}'"  # data_import_tool_276
FORM_NOT_AVAILABLE = "instrument '{form}' is not available in project '{title}'"  # data_import_tool_277

Rows = list[dict[str, str]]
_PHP_NUMERIC = re.compile(r"[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*")

# A nested array or object in `data`: not followed (decoded_string answers not implemented).
NESTED = "a set-up import with a nested value in data"


def _numeric(text: str) -> bool:
    return _PHP_NUMERIC.fullmatch(text) is not None


class _NotInFormat(Exception):
    """putArms/putEvents/putMap return `$lang['data_import_tool_200']` as the content: status 200."""


def _rows(call: Call, xml_root: str, *, xml_items: str = "item") -> Rows:
    """`data` as the method's switch on `$format` decodes it (BOM removed, json, xml or csv). A single
    XML item is not a list to the methods that iterate (they then miss their attributes): [{}]."""
    data = call.params.text("data").removeprefix("\ufeff")
    fmt = call.params.text("format")
    if fmt == "json":
        try:
            decoded = json.loads(data)
        except ValueError:
            raise _NotInFormat from None
        if decoded is None or decoded == "" or decoded is False:
            raise _NotInFormat
        if not isinstance(decoded, list) or not all(isinstance(d, dict) for d in decoded):
            raise not_implemented("a set-up import of JSON that is not a list of objects")
        return [{str(k): decoded_string(v, NESTED) for k, v in d.items()} for d in decoded]
    if fmt == "csv":
        text = data.replace("&#13;&#10;", "\r\n").replace("&#10;", "\n").replace("&#13;", "\r")
        return _parse_csv(text, ",")
    if fmt == "odm":
        raise not_implemented("a set-up import with format=odm")
    if "<!DOCTYPE" in data.upper() or "<!ENTITY" in data.upper():
        raise not_implemented("a set-up import of XML with a DOCTYPE")
    try:
        root = ElementTree.fromstring(data.strip())
    except ElementTree.ParseError:
        raise _NotInFormat from None
    if root.tag != xml_root:
        raise _NotInFormat
    items = root.findall(xml_items)
    if len(items) == 1:
        return [{}]
    return [{child.tag: (child.text or "").strip() for child in item} for item in items]


def _check_design(call: Call, *, repeating: bool = False) -> None:
    """The production check (api_102; with enable_edit_prod_events, which the fake's server does not
    set, arm and event imports would be allowed, and api_107 refuse their override) and then the
    Project Design right (api_124; api_228 for the repeating set-up)."""
    if call.project.status != ProjectStatus.DEVELOPMENT and not repeating:
        raise ApiError(400, PRODUCTION)
    if repeating and not call.profile.has(Change.SETUP_IMPORTS_NEED_DESIGN):
        return  # REDCap 13 and before: no design check
    if not (call.user.design or call.user.super_user):
        raise ApiError(400, DESIGN_RIGHTS_REPEATING if repeating else DESIGN_RIGHTS)


def _classic(project: Project) -> bool:
    """A classic project: no events, and not a longitudinal project whose set-up imports took every
    event away (`_serve` marks those: REDCap's repeatforms stays 1, so content=project shows
    is_longitudinal 1). REDCap keeps a classic project's one arm 1 "Arm 1" and event "Event 1" (unique
    name event_1_arm_1) hidden: Project::loadEvents reads only the first when repeatforms is 0 (V15
    Project.php:951-952), and the arm and event exports refuse the project (:1949)."""
    return not project.is_longitudinal and str(project.info.get("is_longitudinal", "")) != "1"


def _with_events_checked(project: Project, what: str) -> None:
    if _classic(project):
        raise not_implemented(
            f"{what} in a classic project (REDCap changes the hidden arm and event the project keeps, and "
            "later imports see them; the fake does not model them)"
        )


def _answer(call: Call, count: int, fmt: ReturnFormat | None = None) -> Reply:
    """`sendResponse(200, $count, $format)`: the count as the body."""
    return reply(str(count), fmt or _content_format(call), call)


def _serve(call: Call, project: Project, table: str, display: str, descrip: str) -> None:
    if not _classic(call.project) and not project.events:
        project = dataclasses.replace(project, info=MappingProxyType({**project.info, "is_longitudinal": 1}))
    entry = log_event(call, table, "MANAGE", str(project.project_id), display, descrip)
    if not call.state.replace_project(project, seen=call.served, log=(entry,)):
        raise ApiError(400, "The project was reset while the change was made; nothing was changed.")


# ---------------------------------------------------------------------------------------------------
# Arms


def import_arms(call: Call) -> Reply:
    """API/arm/import.php and Arm::addArms: `override=1` deletes every arm (and so every event, its
    designations and data) first; an arm number that exists is renamed; the count of rows taken."""
    _check_design(call)
    project = _pinned(call.project)
    override = _php_int(call.params.text("override")) != 0
    if override:
        _with_events_checked(project, "content=arm import with override=1")
    try:
        rows = _rows(call, "arms")
    except _NotInFormat:
        return reply(NOT_IN_FORMAT, _content_format(call), call)
    if not rows or "name" not in rows[0] or "arm_num" not in rows[0]:
        raise ApiError(400, f"{MISSING} arm_num, name")
    arms = {} if override else {a.number: a for a in project.arms}
    errors: list[str] = []
    count = 0
    for row in rows:
        number_text = row.get("arm_num", "")
        if not re.fullmatch(r"-?\d+", number_text) or int(number_text) <= 0:
            errors.append(ARM_NUMBER_BAD.format(value=number_text))
            continue
        number = int(number_text)
        if number > 99:
            errors.append(ARM_NUMBER_BIG.format(value=number_text))
            continue
        name = php_trim(row.get("name", "")) or f"Arm {number}"
        if len(name.encode("utf-8", "surrogateescape")) > 50:
            errors.append(ARM_NAME_LONG.format(value=name))
            continue
        if not errors:
            arms[number] = Arm(number, name)
            count += 1
    if errors:
        raise ApiError(400, "\n".join(errors))
    if _classic(project):
        # Arm::addArms changes the hidden arms of a classic project: nothing any export shows (the arm
        # and event exports refuse a classic project), the count answered all the same.
        _serve(call, project, "redcap_arms", f"project_id = {project.project_id}", "Import arms (API)")
        return _answer(call, count)
    kept_events = () if override else project.events
    updated = _restructured(project, tuple(arms.values()), kept_events)
    _serve(call, updated, "redcap_arms", f"project_id = {project.project_id}", "Import arms (API)")
    return _answer(call, count)


def _php_int(text: str) -> int:
    match = re.match(r"[ \t\n\r\v\f]*([+-]?\d+)", text)
    return int(match.group(1)) if match else 0


def _content_format(call: Call) -> ReturnFormat:
    return {"json": ReturnFormat.JSON, "csv": ReturnFormat.CSV}.get(
        call.params.text("format"), ReturnFormat.XML
    )


def delete_arms(call: Call) -> Reply:
    """API/arm/delete.php: `arms` an array of existing arm numbers, or nothing is deleted (api_105 lists
    the others); each arm's events go with it."""
    _check_design(call)
    project = _pinned(call.project)
    _with_events_checked(project, "content=arm delete")
    wanted, _ = list_param(call.params, "arms")  # API/index.php makes a comma list an array
    if not wanted:
        raise ApiError(400, ARMS_PARAM)
    numbers = {a.number for a in project.arms}
    errors = [w for w in wanted if not (_numeric(w) and int(float(w)) in numbers)]
    if errors:
        raise ApiError(400, f"{ARMS_UNKNOWN} {', '.join(errors)}")
    gone = {int(float(w)) for w in wanted}
    arms = tuple(a for a in project.arms if a.number not in gone)
    events = tuple(e for e in project.events if e.arm not in gone)
    updated = _restructured(project, arms, events)
    shown = ", ".join(wanted)
    _serve(call, updated, "redcap_events_arms", f"arm_number in ({shown})", "Delete arms (API)")
    return _answer(call, len(gone))


# ---------------------------------------------------------------------------------------------------
# Events


def import_events(call: Call) -> Reply:
    """API/event/import.php and Event::addEvents: `override=1` deletes every event first; a row whose
    unique_event_name exists renames that event (its arm stays), another row creates an event at the
    end of its arm. Unique names of new and renamed events as Project::getUniqueEventNames makes them."""
    _check_design(call)
    project = _pinned(call.project)
    _with_events_checked(project, "content=event import")
    try:
        rows = _rows(call, "events")
    except _NotInFormat:
        return reply(NOT_IN_FORMAT, _content_format(call), call)
    override = _php_int(call.params.text("override")) != 0
    if not rows or "event_name" not in rows[0] or "arm_num" not in rows[0]:
        suffix = "" if override else ",unique_event_name"
        raise ApiError(400, f"{MISSING} event_name,arm_num{suffix}")
    events = [] if override else list(project.events)
    renamed: dict[str, str] = {}  # old unique name -> new event name
    errors: list[str] = []
    arm_numbers = {a.number for a in project.arms}
    for position, row in enumerate(rows, start=1):
        problem = _event_row_error(row, position, arm_numbers)
        if problem:
            errors.append(problem)
            continue
        name = row.get("event_name", "")
        # Event::create and Event::update write custom_event_label (an update without it blanks it).
        label = row.get("custom_event_label", "")
        found = next((e for e in events if e.unique_name == row.get("unique_event_name")), None)
        if found is not None and not override:
            renamed[found.unique_name] = name
            events = [dataclasses.replace(e, custom_label=label) if e is found else e for e in events]
            continue
        events.append(
            Event(
                unique_name="",
                name=name,
                arm=int(float(row["arm_num"])),
                forms=(),
                event_id=None,  # given below, once every row passed
                custom_label=label,
            )
        )
    if errors:
        raise ApiError(400, "\n".join(errors))
    events = [
        e if e.event_id is not None else dataclasses.replace(e, event_id=_next_event_id(call)) for e in events
    ]
    updated = _renamed_events(project, events, renamed)
    _serve(call, updated, "redcap_events", f"project_id = {project.project_id}", "Import events (API)")
    return _answer(call, len(rows))


def _pinned(project: Project) -> Project:
    """The project with every event's id fixed (Event.event_id): REDCap's event_id never changes when
    other events come or go (V15 Classes/Event.php create, update, delete touch only their own row)."""
    if all(e.event_id is not None for e in project.events):
        return project
    events = tuple(dataclasses.replace(e, event_id=event_id(project, e)) for e in project.events)
    return dataclasses.replace(project, events=events)


def _next_event_id(call: Call) -> int:
    """redcap_events_metadata.event_id is AUTO_INCREMENT across the server: above every id a served
    project holds and every id handed out before, a deleted event's included (never reused)."""
    ids = [event_id(s.project, e) for s in call.state.served for e in s.project.events]
    return call.state.next_id("redcap_events_metadata", above=max(ids, default=0))


def _event_row_error(row: dict[str, str], position: int, arm_numbers: set[int]) -> str | None:
    """Event::addEvents' checks of one row, in its order (defaults: day_offset the row's position,
    offsets 0)."""
    arm = row.get("arm_num", "")
    if not _numeric(arm) or float(arm) < 0:
        return ARM_NUMBER_BAD.format(value=arm)
    if int(float(arm)) not in arm_numbers:
        return ARM_MISSING.format(value=arm)
    day_offset = row.get("day_offset", str(position))
    if not _numeric(day_offset):
        return DAY_OFFSET_BAD.format(value=day_offset)
    for key, text in (("offset_min", OFFSET_MIN_BAD), ("offset_max", OFFSET_MAX_BAD)):
        value = row.get(key, "0")
        if not _numeric(value) or float(value) < 0:
            return text.format(value=value)
    name = row.get("event_name", "")
    if len(name) > 30:
        return EVENT_NAME_LONG.format(value=name)
    return None


def delete_events(call: Call) -> Reply:
    """API/event/delete.php: each of `events` found is deleted (an unknown name deletes nothing and
    is no error); the count deleted."""
    _check_design(call)
    project = _pinned(call.project)
    _with_events_checked(project, "content=event delete")
    wanted, _ = list_param(call.params, "events")
    names = {e.unique_name for e in project.events}
    gone = {w for w in wanted if w in names}
    events = tuple(e for e in project.events if e.unique_name not in gone)
    updated = _restructured(project, project.arms, events)
    _serve(call, updated, "redcap_events", f"project_id = {project.project_id}", "Delete events (API)")
    return _answer(call, len(gone))


def unique_event_base(name: str, arm: int) -> str:
    """Project::getUniqueEventNames (V15 Project.php:1232-1262) before the a/b/c suffix."""
    descrip = php_trim(name)
    text = re.sub(r"[^0-9a-z_ ]", "", descrip, flags=re.IGNORECASE)
    text = text.replace(" ", "_")[:18].lower().strip("_")
    if text == "":
        text = hashlib.md5(descrip.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return f"{text}_arm_{arm}"


def _suffix(count: int) -> str:
    if count == 0:
        return ""
    if count < 26:
        return chr(97 + count)
    if count < 702:
        return chr(96 + count // 26) + chr(97 + count % 26)
    return "??"


def _renamed_events(project: Project, events: list[Event], renamed: dict[str, str]) -> Project:
    """New events (no unique name yet) and renamed ones get REDCap's unique names, counted against every
    event before them in REDCap's order; the data and repeating rules of a renamed event follow it."""
    ordered = sorted(events, key=lambda e: e.arm)
    seen: list[str] = []
    result: list[Event] = []
    moved: dict[str, str] = {}
    for event in ordered:
        name = renamed.get(event.unique_name, event.name) if event.unique_name else event.name
        base = unique_event_base(name, event.arm)
        if event.unique_name == "" or event.unique_name in renamed:
            unique = base + _suffix(seen.count(base))
            if event.unique_name:
                moved[event.unique_name] = unique
            event = dataclasses.replace(event, unique_name=unique, name=name)
        seen.append(base)
        result.append(event)
    rows = tuple(
        dataclasses.replace(r, event=moved[r.event]) if r.event in moved else r for r in project.records
    )
    repeating = tuple(
        dataclasses.replace(r, event=moved[r.event]) if r.event in moved else r for r in project.repeating
    )
    project = dataclasses.replace(project, records=rows, repeating=repeating)
    return _restructured(project, project.arms, tuple(result))


def _restructured(project: Project, arms: tuple[Arm, ...], events: tuple[Event, ...]) -> Project:
    """The project with these arms and events: rows and repeating rules of events that are gone go."""
    names = {e.unique_name for e in events}
    records = tuple(r for r in project.records if r.event is None or r.event in names)
    repeating = tuple(r for r in project.repeating if r.event is None or r.event in names)
    return dataclasses.replace(
        project,
        arms=tuple(sorted(arms, key=lambda a: a.number)),
        events=events,
        records=records,
        repeating=repeating,
    )


# ---------------------------------------------------------------------------------------------------
# Instrument-event mappings


def import_form_event_mapping(call: Call) -> Reply:
    """API/formEventMapping/import.php and Event::saveEventMapping: every row checked (arm, unique
    event name, form), then every designation replaced by the rows given; the count of rows taken."""
    _check_design(call)
    project = call.project
    try:
        rows = _rows(call, "items")
    except _NotInFormat:
        return reply(NOT_IN_FORMAT, _content_format(call), call)
    first = rows[0] if rows else {}
    if not rows or not {"form", "unique_event_name", "arm_num"} <= set(first):
        raise ApiError(400, f"{MISSING} arm_num,unique_event_name,form")
    # Arm::getArm reads redcap_events_arms itself (V15 Classes/Event.php saveEventMapping:33, Arm.php:67-80):
    # any stored arm passes, one without events too (Project::loadEvents would not see it).
    arms = {a.number for a in project.arms}
    events = {e.unique_name for e in project.events}
    if _classic(project):  # the hidden arm 1 and its event "Event 1"
        arms, events = {1}, {"event_1_arm_1"}
    errors: list[str] = []
    for row in rows:
        arm, event, form = row.get("arm_num", ""), row.get("unique_event_name", ""), row.get("form", "")
        if not _numeric(arm) or float(arm) < 0:
            errors.append(ARM_NUMBER_BAD.format(value=arm))
        elif int(float(arm)) not in arms:
            errors.append(ARM_MISSING.format(value=arm))
        if event not in events:
            errors.append(EVENT_MISSING.format(value=event))
        if form not in project.forms:
            errors.append(FORM_MISSING.format(value=form))
    if errors:
        raise ApiError(400, "\n".join(errors))
    display = f"project_id = {project.project_id}"
    if _classic(project):
        # Event::saveEventMapping writes the hidden event's designations, which a classic project
        # ignores (Project::loadEventsForms gives its one event every form): the count, nothing shown.
        _serve(call, project, "redcap_event_forms", display, "Import instrument-event mappings (API)")
        return _answer(call, len(rows))
    designated = {(row["unique_event_name"], row["form"]) for row in rows}
    updated = dataclasses.replace(
        project,
        events=tuple(
            dataclasses.replace(e, forms=tuple(f for f in project.forms if (e.unique_name, f) in designated))
            for e in project.events
        ),
    )
    _serve(call, updated, "redcap_event_forms", display, "Import instrument-event mappings (API)")
    return _answer(call, len(rows))


# ---------------------------------------------------------------------------------------------------
# Repeating instruments and events


def import_repeating_forms_events(call: Call) -> Reply:
    """API/repeatingFormsEvents/import.php: the set-up replaced by the rows given (event_name and
    form_name; an empty form_name repeats the whole event); every row checked, errors joined by "; ".
    Data that REDCap cannot parse leaves no rows: the set-up is emptied and the answer is 0 (a JSON
    decode failure returns a string that the loop skips)."""
    _check_design(call, repeating=True)
    project = call.project
    try:
        rows = _rows(call, "repeatingFormsEvents")
        if len(rows) == 1 and rows[0] == {}:
            rows = _single_repeating_item(call)
    except _NotInFormat:
        rows = []
    title = project.title
    errors: list[str] = []
    rules: list[Repeating] = []
    for row in rows:
        if (project.is_longitudinal and "event_name" not in row) or "form_name" not in row:
            errors.append(KEY_MISSING)
            continue
        event = row.get("event_name", "") if project.is_longitudinal else None
        form = row["form_name"]
        if event is not None and project.event(event) is None:
            errors.append(EVENT_NOT_AVAILABLE.format(event=event, title=title))
        if form != "" and form not in project.forms:
            errors.append(FORM_NOT_AVAILABLE.format(form=form, title=title))
        if not errors:
            # custom_repeat_form_label: the row's custom_form_label (none: NULL, exported as "")
            rules.append(Repeating(event=event, form=form or None, label=row.get("custom_form_label", "")))
    if errors:
        raise ApiError(400, "; ".join(errors))
    unique = tuple(dict.fromkeys(rules))  # a second insert of the same key fails and is not counted
    # A classic project's row without a form (its one event repeated) is stored and counted, but
    # Project::setRepeatingFormsEvents (V15 Project.php:2056-2066) reads a form-less row only in a
    # longitudinal project: it repeats nothing and no export shows it.
    held = tuple(r for r in unique if project.is_longitudinal or r.form is not None)
    updated = dataclasses.replace(project, repeating=held)
    descrip = "Set up repeating instruments" + ("/events" if project.is_longitudinal else "")
    _serve(call, updated, "redcap_events_repeat", "", descrip)
    return _answer(call, len(unique), call.return_format)


def _single_repeating_item(call: Call) -> Rows:
    """The repeating import wraps a single XML item in a list (unlike the other set-up imports)."""
    root = ElementTree.fromstring(call.params.text("data").removeprefix("\ufeff").strip())
    item = root.find("item")
    return [{child.tag: (child.text or "").strip() for child in item}] if item is not None else []
