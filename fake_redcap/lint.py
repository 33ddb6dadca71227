"""Things a real REDCap silently accepts that are probably bugs in the caller.

Each note is for the journal: the answer is exactly what REDCap gives, the note tells the caller why
their request may not do what they think.
"""

from __future__ import annotations

from fake_redcap import messages as msg
from fake_redcap.methods.file import repeat_instance
from fake_redcap.methods.record_calc import unsupported_notes
from fake_redcap.params import ArrayParam, Params
from fake_redcap.state import Served

# What the file methods read (API/file/*.php, API/index.php), each as a scalar: anything else is ignored
# by REDCap, and an array given for one of these is not one value (docs/differences.md, "Array
# parameters"; source audit #21).
FILE_PARAMS = (
    "token",
    "content",
    "action",
    "record",
    "field",
    "event",
    "repeat_instance",
    "returnFormat",
    "format",
)


def lint(params: Params, served: Served | None) -> list[str]:
    notes: list[str] = []
    content = params.text("content")
    for name in FILE_PARAMS:
        if isinstance(params.get(name), ArrayParam):
            notes.append(
                f"{name} was sent as an array ({name}[...]) where REDCap expects one value: REDCap 14+ "
                "reads a one-element array as its element in lookups, REDCap 15 (PHP 8) fails on it "
                "elsewhere, older versions read it as 'Array'"
            )
    if content == "record" and served is not None and params.text("data") != "":
        notes.extend(unsupported_notes(served.project))  # Import Records recalculates (record_calc)
    if content not in msg.FILE_CONTENTS:
        return notes
    for name in sorted(set(params).difference(FILE_PARAMS)):
        if name == "repeat_instrument":
            notes.append("repeat_instrument is not read by the file methods; only repeat_instance counts")
        else:
            notes.append(f"unknown parameter {name!r}: the file methods ignore it")
    if served is None:
        return notes
    project = served.project
    if not project.is_longitudinal and params.present("event"):
        notes.append("event was sent to a classic project; REDCap ignores it")
    raw = params.text("repeat_instance")
    if raw:
        event = params.text("event") if project.is_longitudinal else None
        field = project.field(params.text("field"))
        if repeat_instance(project, event, field, raw) == 1.0 and raw.strip() not in ("1", "1.0"):
            notes.append(
                f"repeat_instance={raw!r} was ignored: the field's form does not repeat in this event "
                "(or the value is not a positive number), so REDCap used instance 1"
            )
    return notes
