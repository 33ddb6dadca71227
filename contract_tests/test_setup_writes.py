"""Project set-up imports that succeed: the data dictionary, arms, events, designations, the repeating
set-up and project information, each written by `designer_user` (API Import/Update, Project Design and
Setup, Delete Records) and put back in a `finally` by `restore.restored`, which fails the clause naming
what it could not put back.

Every clause here writes (see docs/contract-suite.md, "Clauses that write", for the traces a real server
keeps: its logging, a data dictionary snapshot per metadata import, the ids of events added and deleted).
"""

from __future__ import annotations

import csv
import json
from typing import Any

import pytest

from .reference_csv import IMPORT_DIR
from .restore import Undo, json_import, listed, loose, restored, send
from .targets import ProjectUnderTest

V15 = "REDCap 15.7.6"
RIGHTS = f"{V15} Classes/RestUtility.php:159-162 (design_rights, user_rights, dag_rights: the user's rights)"
SAME_IN_13 = (
    "REDCap 13.6.1: the same API files and Classes/Event.php, Arm.php (14 added the design right to the "
    "repeating set-up and project information imports)"
)
NOTES_FIELD = "enrollment_notes"


def _metadata_back(project: ProjectUnderTest, before: dict[str, Any]) -> list[Undo]:
    return [Undo("importing the data dictionary as it was", json_import("metadata", before["metadata"]))]


@pytest.mark.source(
    f"{V15} API/metadata/import.php:14-26 and Classes/MetaData.php saveMetadataFlat:694-711: a development "
    "project's dictionary replaced whole, the answer the count of fields",
    RIGHTS,
    SAME_IN_13,
)
@pytest.mark.redcap_version(">=13.6.1")
def test_the_projects_own_dictionary_imports_back_unchanged(classic: ProjectUnderTest) -> None:
    """Writes: the classic project's data dictionary, imported as exported; imported again after."""
    with restored(classic, ["metadata"], _metadata_back) as before:
        rows = before["metadata"]
        assert send(classic, json_import("metadata", rows)) == (200, str(len(rows)))
        after = send(classic, {"content": "metadata", "format": "json", "returnFormat": "json"})
        assert after[0] == 200 and loose(json.loads(after[1])) == loose(rows)


@pytest.mark.source(
    f"{V15} API/metadata/import.php:14-26, Classes/MetaData.php saveMetadataFlat: the imported dictionary "
    "replaces the project's, so a changed label is the field's label from then on",
    RIGHTS,
    SAME_IN_13,
)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_changed_field_label_shows_in_the_dictionary_and_is_put_back(classic: ProjectUnderTest) -> None:
    """Writes: the label of enrollment_notes in the classic dictionary; the dictionary imported again."""
    with restored(classic, ["metadata"], _metadata_back) as before:
        rows = [dict(row) for row in before["metadata"]]
        changed = next(row for row in rows if row["field_name"] == NOTES_FIELD)
        changed["field_label"] = "Notes (label changed by the contract suite)"
        assert send(classic, json_import("metadata", rows)) == (200, str(len(rows)))
        status, body = send(classic, {"content": "metadata", "format": "json", "fields[0]": NOTES_FIELD})
        assert status == 200
        assert [row["field_label"] for row in json.loads(body)] == [
            "Notes (label changed by the contract suite)"
        ]


def _arms_back(project: ProjectUnderTest, before: dict[str, Any]) -> list[Undo]:
    return [Undo("importing the arms as they were", json_import("arm", before["arm"], action="import"))]


@pytest.mark.source(
    f"{V15} API/arm/import.php:25-31 and Classes/Arm.php addArms:50-55: an arm number that exists is renamed "
    "(no override), the answer the count of rows",
    RIGHTS,
    SAME_IN_13,
)
@pytest.mark.redcap_version(">=13.6.1")
def test_the_arms_import_back_unchanged(longitudinal: ProjectUnderTest) -> None:
    """Writes: the longitudinal project's arms, imported as exported (each renamed to its own name)."""
    with restored(longitudinal, ["arm"], _arms_back) as before:
        rows = before["arm"]
        assert send(longitudinal, json_import("arm", rows, action="import")) == (200, str(len(rows)))
        status, body = send(longitudinal, {"content": "arm", "format": "json"})
        assert (status, loose(json.loads(body))) == (200, loose(rows))


def _reference_offsets() -> dict[str, dict[str, str]]:
    """Each event's day offset and range as the reference set-up gives them (longitudinal_events.csv):
    REDCap's event export leaves them out without the scheduling module, and an event import that leaves
    them out sets the row's position as the day offset (Event.php addEvents:88-93)."""
    with (IMPORT_DIR / "longitudinal_events.csv").open(encoding="utf-8", newline="") as handle:
        return {
            row["unique_event_name"]: {key: row[key] for key in ("day_offset", "offset_min", "offset_max")}
            for row in csv.DictReader(handle)
        }


def _event_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The exported events as an import sends them back: with the reference day offsets."""
    offsets = _reference_offsets()
    return [{**row, **offsets.get(str(row["unique_event_name"]), {})} for row in rows]


_added_events = ("contract_writes_arm_1",)  # the event test_an_imported_event_* adds


def _events_back(project: ProjectUnderTest, before: dict[str, Any]) -> list[Undo]:
    """Deletes every event the clause added (by unique name), then imports the events as they were."""
    return [
        Undo(f"deleting the event {name}", listed("event", "events", [name]))
        for name in _added_events
        if name not in {row["unique_event_name"] for row in before["event"]}
    ] + [
        Undo(
            "importing the events as they were",
            json_import("event", _event_rows(before["event"]), action="import"),
        )
    ]


@pytest.mark.source(
    f"{V15} API/event/import.php:23-29 and Classes/Event.php addEvents:124-131, update:210: a row whose "
    "unique_event_name exists updates that event (name, offsets, custom label; its id stays); the count",
    RIGHTS,
    SAME_IN_13,
)
@pytest.mark.redcap_version(">=13.6.1")
def test_the_events_import_back_unchanged(longitudinal: ProjectUnderTest) -> None:
    """Writes: the longitudinal project's events, imported as exported with the reference day offsets."""
    with restored(longitudinal, ["event"], _events_back) as before:
        rows = _event_rows(before["event"])
        assert send(longitudinal, json_import("event", rows, action="import")) == (200, str(len(rows)))
        status, body = send(longitudinal, {"content": "event", "format": "json"})
        assert (status, loose(json.loads(body))) == (200, loose(before["event"]))


@pytest.mark.source(
    f"{V15} Classes/Event.php addEvents:135 (create) and Project.php getUniqueEventNames:1245-1263 (the "
    "name lower-cased, spaces as _, then _arm_N); API/event/delete.php:33-40 (Event::delete: the count)",
    f"{V15} Resources/sql/install.sql:1006: redcap_events_metadata.event_id is AUTO_INCREMENT (MySQL "
    "gives no value twice)",
    f"{V15} API/index.php:435-438: an event delete needs Delete Records",
    RIGHTS,
    SAME_IN_13,
)
@pytest.mark.redcap_version(">=13.6.1")
def test_an_imported_event_is_added_and_deleted_again(longitudinal: ProjectUnderTest) -> None:
    """Writes: adds the event "Contract writes" to arm 1 of the longitudinal project, deletes it, then adds
    and deletes "Contract writes 2" (a server's event_id sequence moves on by two)."""
    with restored(longitudinal, ["event"], _events_back) as before:
        row = {"event_name": "Contract writes", "arm_num": "1", "day_offset": "99"}
        assert send(longitudinal, json_import("event", [row], action="import")) == (200, "1")
        status, body = send(longitudinal, {"content": "event", "format": "json"})
        events = loose(json.loads(body))
        names = [str(e["unique_event_name"]) for e in events]
        assert names == [
            "baseline_arm_1",
            "visit_1_arm_1",
            "visit_2_arm_1",
            "contract_writes_arm_1",
            "baseline_arm_2",
        ]
        new = events[3]
        assert (new["event_name"], new["arm_num"], new["custom_event_label"]) == ("Contract writes", 1, "")
        assert new["event_id"] not in {e["event_id"] for e in before["event"]}
        kept = [e for e in events if e is not new]
        assert kept == loose(before["event"]), "the events that were there keep their names and event_id"
        assert send(longitudinal, listed("event", "events", ["contract_writes_arm_1"])) == (200, "1")
        status, body = send(longitudinal, {"content": "event", "format": "json"})
        assert (status, loose(json.loads(body))) == (200, loose(before["event"]))
        # event_id is AUTO_INCREMENT: the deleted event's id is not given to the next one.
        again = {"event_name": "Contract writes 2", "arm_num": "1", "day_offset": "99"}
        assert send(longitudinal, json_import("event", [again], action="import")) == (200, "1")
        status, body = send(longitudinal, {"content": "event", "format": "json"})
        (added,) = [e for e in json.loads(body) if e["unique_event_name"] == "contract_writes_2_arm_1"]
        assert int(added["event_id"]) > int(new["event_id"]), "a deleted event's id was given again"
        assert send(longitudinal, listed("event", "events", ["contract_writes_2_arm_1"])) == (200, "1")


def _mapping_back(project: ProjectUnderTest, before: dict[str, Any]) -> list[Undo]:
    rows = before["formEventMapping"]
    return [Undo("importing the designations as they were", json_import("formEventMapping", rows))]


@pytest.mark.source(
    f"{V15} API/formEventMapping/import.php and Classes/Event.php saveEventMapping:43-46: every designation "
    "cleared and the rows given added, the answer the count of rows",
    RIGHTS,
    SAME_IN_13,
)
@pytest.mark.redcap_version(">=13.6.1")
def test_the_designations_import_back_unchanged(longitudinal: ProjectUnderTest) -> None:
    """Writes: the longitudinal project's instrument designations, imported as exported."""
    with restored(longitudinal, ["formEventMapping"], _mapping_back) as before:
        rows = before["formEventMapping"]
        assert send(longitudinal, json_import("formEventMapping", rows)) == (200, str(len(rows)))
        status, body = send(longitudinal, {"content": "formEventMapping", "format": "json"})
        assert (status, loose(json.loads(body))) == (200, loose(rows))


def _repeating_back(project: ProjectUnderTest, before: dict[str, Any]) -> list[Undo]:
    rows = before["repeatingFormsEvents"]
    return [Undo("importing the repeating set-up as it was", json_import("repeatingFormsEvents", rows))]


@pytest.mark.source(
    f"{V15} API/repeatingFormsEvents/import.php:137-205: the set-up deleted and each row inserted, the "
    "answer the count of rows inserted",
    RIGHTS,
    SAME_IN_13,
)
@pytest.mark.redcap_version(">=13.6.1")
def test_the_repeating_setup_imports_back_unchanged(classic: ProjectUnderTest) -> None:
    """Writes: the classic project's repeating set-up (lab_results repeats), imported as exported."""
    with restored(classic, ["repeatingFormsEvents"], _repeating_back) as before:
        rows = before["repeatingFormsEvents"]
        assert send(classic, json_import("repeatingFormsEvents", rows)) == (200, str(len(rows)))
        status, body = send(classic, {"content": "repeatingFormsEvents", "format": "json"})
        assert (status, loose(json.loads(body))) == (200, loose(rows))


@pytest.mark.source(
    f"{V15} API/repeatingFormsEvents/import.php:80-87 (custom_form_label stored as "
    "custom_repeat_form_label) and export.php getItems with Classes/Project.php setRepeatingFormsEvents "
    "(a classic project's label exported as stored)",
    RIGHTS,
)
@pytest.mark.redcap_version(">=13.6.1")
def test_a_custom_repeating_form_label_is_kept_and_put_back(classic: ProjectUnderTest) -> None:
    """Writes: the classic project's repeating set-up with a custom form label; the set-up put back."""
    with restored(classic, ["repeatingFormsEvents"], _repeating_back) as before:
        label = "Lab [lab_date] (contract suite)"
        rows = [{**row, "custom_form_label": label} for row in before["repeatingFormsEvents"]]
        assert send(classic, json_import("repeatingFormsEvents", rows)) == (200, str(len(rows)))
        status, body = send(classic, {"content": "repeatingFormsEvents", "format": "json"})
        assert (status, json.loads(body)) == (200, rows)


CHANGED_SETTINGS = {
    "project_notes": "Written by the contract suite; put back at once.",
    "project_irb_number": "CONTRACT-IRB-1",
}


def _settings_back(project: ProjectUnderTest, before: dict[str, Any]) -> list[Undo]:
    values = {key: before["project"][key] for key in CHANGED_SETTINGS}
    return [Undo("importing the notes and IRB number as they were", json_import("project_settings", values))]


@pytest.mark.source(
    f"{V15} API/project_settings/import.php:13-18 (the answer counts the keys sent) and :47-57 storeItems, "
    "Classes/Project.php setProjectValues:495-510, getAttributesApiExportProjectInfo (project_note as "
    "project_notes)",
    RIGHTS,
    SAME_IN_13,
)
@pytest.mark.redcap_version(">=13.6.1")
def test_project_information_import_changes_the_notes_and_irb_number(classic: ProjectUnderTest) -> None:
    """Writes: project_notes and project_irb_number of the classic project; their old values put back."""
    with restored(classic, ["project"], _settings_back) as before:
        assert send(classic, json_import("project_settings", CHANGED_SETTINGS)) == (200, "2")
        status, body = send(classic, {"content": "project", "format": "json"})
        assert status == 200
        assert loose(json.loads(body)) == loose({**before["project"], **CHANGED_SETTINGS})
