"""`rawOrLabel=label`, `exportCheckboxLabel` and `rawOrLabelHeaders=label` of the record export.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/` `Classes/Records.php` getData): multiple choice values
become their choice labels (:2327-2345, yes/no and true/false as Yes/No and True/False, a form status as
Incomplete/Unverified/Complete; `"` becomes `'`), a checked checkbox "Checked" and an unchecked one
"Unchecked" (English.ini global_143/144), or with `exportCheckboxLabel` the choice label and blank
(:2381-2400, :2629-2640); `redcap_event_name` the event's name with its arm when the project has
several (:1780-1784, Project.php:969), `redcap_repeat_instrument` the form's menu label (:3523). With
`rawOrLabelHeaders=label` (csv only, :1755) the header shows field labels, "Event Name", "Repeat
Instrument", "Repeat Instance", and for a checkbox "Label (choice=Choice label)" (:3418-3462).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Protocol

from fake_redcap.call import Call
from fake_redcap.methods.structure import is_status_field
from fake_redcap.model import Field, Project, checkbox_column, parse_choices

_YESNO = {"1": "Yes", "0": "No"}
_TRUEFALSE = {"1": "True", "0": "False"}
_TAGS = re.compile(r"<[^>]*>")


class _LabelledRow(Protocol):
    event: str | None
    instrument: str
    values: dict[str, str]


def _flag(value: str) -> bool:
    return value == "1" or value.lower() == "true"


def _clean(text: str) -> str:
    """getData's $orig/$repl (:1761): `"` as `'`, line breaks as two spaces, a lone CR dropped."""
    return text.replace('"', "'").replace("\r\n", "  ").replace("\n", "  ").replace("\r", "")


def wants_labels(call: Call) -> bool:
    return call.params.text("rawOrLabel") == "label"


def label_values(call: Call, columns: Mapping[str, Field], rows: Iterable[_LabelledRow]) -> None:
    """Replace codes by labels in every row (rawOrLabel=label)."""
    checkbox_labels = _flag(call.params.text("exportCheckboxLabel"))
    for row in rows:
        for name, value in row.values.items():
            found = columns.get(name)
            if found is not None and value != "":
                row.values[name] = _label(found, name, value, checkbox_labels)


def _label(found: Field, column: str, value: str, checkbox_labels: bool) -> str:
    if found.type == "checkbox":
        if not checkbox_labels:
            return "Checked" if value == "1" else "Unchecked"
        if value != "1":
            return ""
        code = next((c for c in found.choice_codes() if checkbox_column(found.name, c) == column), None)
        labels = parse_choices(found.choices)
        return _clean(labels.get(code, "")) if code is not None else ""
    if found.type == "yesno":
        return _YESNO.get(value, "")
    if found.type == "truefalse":
        return _TRUEFALSE.get(value, "")
    if found.type in ("dropdown", "radio") or is_status_field(found):
        return _clean(parse_choices(found.choices).get(value, ""))
    return value


def event_label(project: Project, unique_name: str | None) -> str:
    event = project.event(unique_name or "")
    if event is None:
        return ""
    name = event.name
    if len(project.arms) > 1:
        arm = next((a for a in project.arms if a.number == event.arm), None)
        name = f"{name} (Arm {event.arm}: {arm.name if arm else ''})"
    return _clean(_TAGS.sub("", name))


def header_labels(call: Call, columns: Mapping[str, Field], header: list[str]) -> list[str]:
    """The csv header with labels (rawOrLabelHeaders=label)."""
    reserved = {
        "redcap_event_name": "Event Name",
        "redcap_repeat_instrument": "Repeat Instrument",
        "redcap_repeat_instance": "Repeat Instance",
        "redcap_data_access_group": "Data Access Group",  # V15 Records.php:3470-3471
    }
    result: list[str] = []
    for name in header:
        found = columns.get(name)
        if name in reserved:
            result.append(reserved[name])
        elif found is None:
            result.append(name)
        elif found.type == "checkbox":
            labels = {
                checkbox_column(found.name, c): label for c, label in parse_choices(found.choices).items()
            }
            choice = labels.get(name, "").replace("'", "").replace('"', "")
            result.append(f"{_clean(_TAGS.sub('', found.label))} (choice={choice})")
        else:
            result.append(_clean(_TAGS.sub("", found.label)))
    return result
