"""The flat rows a project XML's ClinicalData is written from: `Records::getData` as
`Project::getProjectXML` calls it (V15 `Classes/Project.php`:2371-2373).

What differs from the record export (V15 `Classes/Records.php`, restated): `records`, `fields` and
`events` are passed as given (no validation: unknown fields and events are dropped, :1811-1905);
fields keep the order given (`orderFieldsAsSpecified`, :1819-1821); the caller's DAG limits the records
(API/project_xml/export.php:15); `redcap_data_access_group` comes when asked and the project has DAGs
(:1911-1917), whatever the caller's DAG; `filterLogic` filters rows as in the record export; a file
field keeps its edoc (its bytes are written) only with `exportFiles` (:2714-2740: otherwise the value
is never set, so the field is left out).
"""

from __future__ import annotations

from collections.abc import Callable

from fake_redcap.call import Call
from fake_redcap.methods.export_format import list_param, not_implemented
from fake_redcap.methods.odm_clinical import DAG_FIELD, OdmRow
from fake_redcap.methods.record import flat_rows
from fake_redcap.methods.record_filters import row_filter
from fake_redcap.methods.structure import (
    export_columns,
    has_repeating_forms_events,
    metadata_fields,
    repeats_whole,
)
from fake_redcap.model import StoredFile
from fake_redcap.state import db_key


def odm_rows(call: Call, dags: bool, files: bool) -> list[OdmRow]:
    project = call.project
    pk = project.record_id_field
    metadata = {f.name: f for f in metadata_fields(project)}
    given = list_param(call.params, "fields")[0]
    fields = [n for n in dict.fromkeys(given) if n in metadata and metadata[n].type != "descriptive"]
    if given and pk not in fields:
        raise not_implemented("content=project_xml with fields that leave out the record ID field")
    events = [e for e in list_param(call.params, "events")[0] if e != ""]
    if events and not project.is_longitudinal:
        raise not_implemented("content=project_xml&events in a classic project")
    records = [r for r in list_param(call.params, "records")[0] if r != ""]
    keep = row_filter(call)
    rows, columns = flat_rows(call, records, fields or list(metadata), events)
    if fields:  # orderFieldsAsSpecified: the columns in the order the fields were given
        by_field = export_columns(project)
        place = {name: i for i, name in enumerate(fields)}
        columns = sorted(columns, key=lambda c: place[by_field[c].name])
    if keep is not None:
        rows = [row for row in rows if keep(row.record, row.event, row.instance)]
    stored = {(db_key(r.record), r.event, r.instance): r.files for r in project.records} if files else {}
    dag_of = dag_column_any(call) if dags else None
    repeat_columns = has_repeating_forms_events(project)
    by_column = export_columns(project)
    result = []
    for row in rows:
        items: list[tuple[str, str | StoredFile]] = []
        for name in columns:
            if name == pk:  # the DAG right after the record ID (Records.php:2413-2419)
                items.append((pk, row.record))
                if dag_of is not None:
                    items.append((DAG_FIELD, dag_of(row.record)))
            elif name not in row.values:
                continue
            elif by_column[name].type == "file":
                found = stored.get((db_key(row.record), row.event, row.instance), {}).get(name)
                items.append((name, found if found is not None else ""))
            else:
                items.append((name, row.values[name]))
        shown = row.instrument != "" or repeats_whole(project, row.event)
        result.append(
            OdmRow(
                record=row.record,
                event=row.event,
                repeat_instrument=row.instrument if repeat_columns else None,
                repeat_instance=(str(row.instance) if shown else "") if repeat_columns else None,
                items=items,
            )
        )
    return result


def dag_column_any(call: Call) -> Callable[[str], str]:
    """The DAG's unique name per record, for any caller (getData does not ask who exports)."""
    project = call.project
    names = {d.group_id: d.unique_name for d in project.dags}

    def value(record: str) -> str:
        group = project.record_dags.get(db_key(record))
        return names.get(group, "") if group is not None else ""

    return value
