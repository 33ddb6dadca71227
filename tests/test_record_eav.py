"""Export Records with type=eav (V15 API/record/export.php getRecords and its json, xml, csv writers)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from fake_redcap.methods.export_format import XML_DECLARATION
from tests.support import MakeState, api, post, tok

T = tok(0x8001)


def _project(longitudinal: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "project": {"project_id": 301, "title": "EAV"},
        "fields": [
            {"name": "record_id", "form": "intake", "type": "text"},
            {"name": "name", "form": "intake", "type": "text"},
            {"name": "sym", "form": "intake", "type": "checkbox", "choices": "1, A | 2, B | 3, C"},
            {"name": "score", "form": "visit", "type": "text"},
        ],
        "users": [{"username": "u", "token": T, "data_export": "full"}],
        "records": [
            {
                "record": "10",
                "values": {"name": "Ten", "sym___1": "1", "sym___3": "1", "intake_complete": "2"},
            },
            {"record": "2", "values": {"name": "Two"}},
        ],
    }
    if longitudinal:
        doc["arms"] = [{"number": 1, "name": "Arm 1"}]
        doc["events"] = [
            {"unique_name": "base_arm_1", "name": "Base", "arm": 1, "forms": ["intake"]},
            {"unique_name": "visits_arm_1", "name": "Visits", "arm": 1, "forms": ["visit"]},
        ]
        doc["repeating"] = [{"event": "visits_arm_1", "form": "visit"}]
        for row in doc["records"]:
            row["event"] = "base_arm_1"
        doc["records"] += [
            {"record": "2", "event": "visits_arm_1", "instance": 1, "values": {"score": "5"}},
            {"record": "2", "event": "visits_arm_1", "instance": 2, "values": {"score": "6"}},
        ]
    return doc


def _export(client: FlaskClient, fmt: str = "json", **more: str) -> Any:
    return post(client, {"token": T, "content": "record", "type": "eav", "format": fmt, **more})


def test_classic_rows_one_per_stored_value(make_state: MakeState) -> None:
    rows = _export(api(make_state(_project()))).get_json()
    assert rows == [
        {"record": "2", "field_name": "record_id", "value": "2"},
        {"record": "2", "field_name": "name", "value": "Two"},
        {"record": "2", "field_name": "intake_complete", "value": "0"},
        {"record": "10", "field_name": "record_id", "value": "10"},
        {"record": "10", "field_name": "name", "value": "Ten"},
        {"record": "10", "field_name": "sym", "value": "1"},
        {"record": "10", "field_name": "sym", "value": "3"},
        {"record": "10", "field_name": "intake_complete", "value": "2"},
    ]


def test_csv_and_xml_writers(make_state: MakeState) -> None:
    client = api(make_state(_project()))
    csv = _export(client, "csv", records="2").get_data(as_text=True)
    assert csv == "record,field_name,value\n2,record_id,2\n2,name,Two\n2,intake_complete,0\n"
    xml = _export(client, "xml", records="2", fields="name").get_data(as_text=True)
    assert xml == (
        f"{XML_DECLARATION}\n<records>\n"
        "<item><record>2</record><field_name>name</field_name><value><![CDATA[Two]]></value></item>\n"
        "</records>\n"
    )


def test_type_in_other_cases_is_eav(make_state: MakeState) -> None:
    client = api(make_state(_project()))
    # API/index.php keeps "FLAT"/"Eav" (any case of eav or flat); export.php is flat only for "flat".
    assert _export(client, type="FLAT").get_json() == _export(client).get_json()
    assert "field_name" not in _export(client, type="flat").get_json()[0]


def test_longitudinal_with_repeating_instances(make_state: MakeState) -> None:
    rows = _export(api(make_state(_project(longitudinal=True))), records="2").get_json()
    assert rows == [
        {
            "record": "2",
            "redcap_event_name": "base_arm_1",
            "redcap_repeat_instrument": "",
            "redcap_repeat_instance": "",
            "field_name": "record_id",
            "value": "2",
        },
        {
            "record": "2",
            "redcap_event_name": "base_arm_1",
            "redcap_repeat_instrument": "",
            "redcap_repeat_instance": "",
            "field_name": "name",
            "value": "Two",
        },
        {
            "record": "2",
            "redcap_event_name": "base_arm_1",
            "redcap_repeat_instrument": "",
            "redcap_repeat_instance": "",
            "field_name": "intake_complete",
            "value": "0",
        },
        {
            "record": "2",
            "redcap_event_name": "visits_arm_1",
            "redcap_repeat_instrument": "",
            "redcap_repeat_instance": "",
            "field_name": "record_id",
            "value": "2",
        },
        *(
            {
                "record": "2",
                "redcap_event_name": "visits_arm_1",
                "redcap_repeat_instrument": "visit",
                "redcap_repeat_instance": instance,
                "field_name": name,
                "value": value,
            }
            for instance, score in ((1, "5"), (2, "6"))
            for name, value in (("score", score), ("visit_complete", "0"))
        ),
    ]


def test_events_filter(make_state: MakeState) -> None:
    rows = _export(api(make_state(_project(longitudinal=True))), events="base_arm_1").get_json()
    assert {r["redcap_event_name"] for r in rows} == {"base_arm_1"}


@pytest.mark.parametrize(("more", "what"), [({"rawOrLabel": "label"}, "rawOrLabel=label")])
def test_options_not_implemented(make_state: MakeState, more: dict[str, str], what: str) -> None:
    answer = _export(api(make_state(_project())), **more)
    assert answer.status_code == 400
    assert what in answer.headers["X-Fake-REDCap-Not-Implemented"]


def test_a_stored_file_is_not_implemented(make_state: MakeState) -> None:
    doc = _project()
    doc["fields"].insert(3, {"name": "scan", "form": "intake", "type": "file"})
    doc["records"][0]["files"] = {"scan": {"text": "x", "name": "x.txt"}}
    answer = _export(api(make_state(doc)))
    assert answer.status_code == 400
    assert "doc_id" in answer.headers["X-Fake-REDCap-Not-Implemented"]
