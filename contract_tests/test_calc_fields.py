"""Calc fields: REDCap recalculates them when Import Records saves data, and stores the result as PHP
writes the number.

The reference projects hold no calc field, so the clause adds two to the classic dictionary (as
`designer_user`, put back by `restore.restored`) and sets `enrollment_notes` of record 3 (blank in the
reference fixture, blanked again by `helpers.blanked`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .helpers import blanked
from .restore import Undo, json_import, restored, send
from .targets import ProjectUnderTest

WRITE_RECORD = "3"
THIRD, DOUBLE = "contract_calc_third", "contract_calc_double"


def _calc_row(template: dict[str, Any], name: str, equation: str) -> dict[str, Any]:
    row = dict.fromkeys(template, "")
    row.update(field_name=name, form_name="enrollment", field_type="calc", field_label=name)
    row["select_choices_or_calculations"] = equation
    return row


def _metadata_back(project: ProjectUnderTest, before: dict[str, Any]) -> list[Undo]:
    return [Undo("importing the data dictionary as it was", json_import("metadata", before["metadata"]))]


def _calcs(project: ProjectUnderTest) -> tuple[str, str]:
    params = {"content": "record", "format": "json", "records[0]": WRITE_RECORD}
    params.update({"fields[0]": "record_id", "fields[1]": THIRD, "fields[2]": DOUBLE})
    rows = project.post("full_user", params).json()
    row = next(r for r in rows if r["redcap_repeat_instrument"] == "")
    return str(row[THIRD]), str(row[DOUBLE])


@pytest.mark.source(
    "REDCap 15.7.6 Classes/Records.php saveData:7447-7460: after an import, Calculate::saveCalcFields for "
    "the calc fields the data's fields trigger, in every imported record",
    "REDCap 15.7.6 Classes/Calculate.php getCalcFieldsByTriggerField:697-707, 734-746: an equation naming "
    "no field is always triggered, and so is one naming a triggered calc field",
    "REDCap 15.7.6 Classes/Calculate.php calculateMultipleFields:453-462, LogicParser.php:345-348: the "
    "number stored as PHP 8 writes a float (precision 14); a later calc reads the earlier one's number",
    "REDCap 13.6.1 and 14.5.11 Classes/Records.php:6927-6929, :7169-7171: the same call",
)
@pytest.mark.redcap_version(">=13.6.1")
def test_an_import_recalculates_calc_fields(classic: ProjectUnderTest) -> None:
    """Writes: two calc fields added to the classic dictionary's enrollment form (the dictionary imported
    back as it was after) and enrollment_notes of record 3 (blanked again). A real REDCap keeps record
    3's two calc values in redcap_data, unseen once the fields are gone, and shows them again if fields
    of those names come back."""
    with restored(classic, ["metadata"], _metadata_back) as before:
        rows = list(before["metadata"])
        at = max(i for i, r in enumerate(rows) if r["form_name"] == "enrollment") + 1
        rows[at:at] = [_calc_row(rows[0], THIRD, "10/3"), _calc_row(rows[0], DOUBLE, f"[{THIRD}]*2")]
        assert send(classic, json_import("metadata", rows)) == (200, str(len(rows)))
        with blanked(classic, WRITE_RECORD, "enrollment_notes"):
            data = json.dumps([{"record_id": WRITE_RECORD, "enrollment_notes": "calc"}])
            params = {"content": "record", "format": "json", "returnFormat": "json", "data": data}
            response = classic.post("importer_user", params)
            assert (response.status_code, response.text) == (200, '{"count": 1}')
            assert _calcs(classic) == ("3.3333333333333", "6.6666666666667")
