"""The model-based test's fixture (tests/test_model_based.py): two small projects of REDCap 15.7.6, as
dicts the model reads and YAML the fake reads, and the upload names and payloads the rules draw."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.support import (
    token,
)

TODAY = dt.date.today()
PAST = "2024-01-31"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BINARY = b"\x00\x01\x02\x03\xff\xfe\xfd binary"

# ---------------------------------------------------------------------------------------------------------
# The fixture: two small projects (REDCap 15.7.6), written to tmp_path as YAML. The model reads these
# dicts; the fake reads the YAML.


def _user(name: str, n: int, data_export: object, **flags: object) -> dict[str, Any]:
    return {"username": name, "token": token(0x5EED01, n), "data_export": data_export, **flags}


# One data dictionary for both projects, so the two differ only in events and repeating set-up.
FIELDS: list[dict[str, Any]] = [
    {"name": "record_id", "form": "enrollment", "type": "text"},
    {"name": "consent", "form": "enrollment", "type": "file", "identifier": True},
    {"name": "signature", "form": "enrollment", "type": "file", "validation": "signature"},
    {"name": "age", "form": "enrollment", "type": "text"},
    {"name": "age_months", "form": "enrollment", "type": "calc", "choices": "[age]*12"},
    {"name": "lab_file", "form": "labs", "type": "file"},
    {"name": "lab_value", "form": "labs", "type": "text"},
]

CLASSIC: dict[str, Any] = {
    "project": {"project_id": 601, "title": "Model classic"},
    "redcap_version": "15.7.6",
    "fields": FIELDS,
    "repeating": [{"form": "labs"}],
    "users": [
        _user("admin", 1, "full", api_import=True, record_delete=True),
        _user("importer", 2, "full", api_import=True, dag="site_a"),
        _user("deleter", 3, "no_access", api_export=False, record_delete=True),
        _user("deid", 4, "deidentified"),
        _user("remover", 5, "remove_identifiers", api_import=True, record_delete=True),
        _user("no_access", 6, "no_access", api_import=True),
        _user("no_api", 7, "full", api_export=False),
        _user("expired", 8, "full", api_import=True, record_delete=True, expiration=PAST),
        _user("suspended", 9, "full", api_import=True, record_delete=True, suspended=True),
        _user("super", 10, "no_access", api_export=False, expiration=PAST, super_user=True),
        _user("mixed", 11, {"enrollment": "deidentified", "labs": "remove_identifiers"}),
        _user("all_deid", 12, {"enrollment": "deidentified", "labs": "deidentified"}),
        _user(
            "rights_admin",
            13,
            "no_access",
            api_export=False,
            api_import=True,
            user_rights=True,
            rights={"data_access_groups": 1},
        ),
        # In a role from the start: the role's rights (De-Identified, API Export only), not her own.
        _user("member", 14, "full", api_import=True, record_delete=True, role="U-READER01"),
    ],
    "dags": [{"name": "Site A"}, {"name": "Site B"}],
    "roles": [
        {
            "unique_role_name": "U-LOADER01",
            "label": "Loader",
            "data_export": "full",
            "api_export": True,
            "api_import": True,
            "record_delete": True,
        },
        {
            "unique_role_name": "U-READER01",
            "label": "Reader",
            "data_export": "deidentified",
            "api_export": True,
        },
    ],
    "records": [
        {
            "record": "1",
            "values": {"age": "40"},
            "files": {
                "consent": {"text": "consent of 1\n", "name": "consent 1.txt", "mime": "text/plain"},
                "signature": {"base64": "iVBORw0KGgo=", "name": "sig.png", "mime": "image/png"},
                "lab_file": {"text": "lab 1/1\n", "name": "lab.csv", "mime": "text/csv"},
            },
        },
        {
            "record": "1",
            "instance": 2,
            "files": {"lab_file": {"base64": "JVBERi0xLjQK", "name": "lab2.pdf", "mime": "application/pdf"}},
        },
        {"record": "A7", "values": {"age": "7"}, "dag": "site_a"},
        {
            "record": "L1",
            "locked": True,
            "files": {"consent": {"text": "locked\n", "name": "locked.txt", "mime": "text/plain"}},
        },
        {
            "record": "5",
            "values": {"age": "5", "lab_value": "1.0"},
            "locked_forms": ["labs"],
            "files": {"lab_file": {"text": "locked lab\n", "name": "ll.txt", "mime": "text/plain"}},
        },
    ],
}

LONGITUDINAL: dict[str, Any] = {
    "project": {"project_id": 602, "title": "Model longitudinal"},
    "redcap_version": "15.7.6",
    "fields": FIELDS,
    # Every form in every event, so no answer depends on designation (about which the reference is silent).
    "events": [
        {"unique_name": "baseline_arm_1", "forms": ["enrollment", "labs"]},
        {"unique_name": "visit_arm_1", "forms": ["enrollment", "labs"]},
        {"unique_name": "followup_arm_1", "forms": ["enrollment", "labs"]},
    ],
    "repeating": [{"event": "visit_arm_1"}, {"event": "followup_arm_1", "form": "labs"}],
    "users": [
        _user("l_admin", 21, "full", api_import=True, record_delete=True),
        _user("l_reader", 22, "full"),
        _user("l_deid", 23, "deidentified", api_import=True, record_delete=True, dag="north"),
        _user(
            "l_rights_admin",
            24,
            "no_access",
            api_export=False,
            api_import=True,
            user_rights=True,
            rights={"data_access_groups": 1},
        ),
        _user("l_member", 25, "no_access", api_export=False, role="U-LLOADER1"),
        # Project Design and Setup: deletes and imports events, designations and the repeating set-up
        _user(
            "l_designer", 26, "no_access", api_export=False, api_import=True, record_delete=True, design=True
        ),
    ],
    "dags": [{"name": "North"}],
    "roles": [
        {
            "unique_role_name": "U-LLOADER1",
            "label": "Loader",
            "data_export": "full",
            "api_export": True,
            "api_import": True,
            "record_delete": True,
        },
    ],
    "records": [
        {
            "record": "1",
            "event": "baseline_arm_1",
            "values": {"age": "30"},
            "files": {
                "consent": {"text": "long consent\n", "name": "c.txt", "mime": "text/plain"},
                "lab_file": {"text": "baseline lab\n", "name": "bl.txt", "mime": "text/plain"},
            },
        },
        {
            "record": "1",
            "event": "visit_arm_1",
            "files": {"lab_file": {"text": "visit 1\n", "name": "v1.txt", "mime": "text/plain"}},
        },
        {
            "record": "1",
            "event": "visit_arm_1",
            "instance": 2,
            "files": {"consent": {"text": "visit 2 consent\n", "name": "v2.txt", "mime": "text/plain"}},
        },
        {
            "record": "2",
            "event": "followup_arm_1",
            "dag": "north",
            "files": {"lab_file": {"text": "f1\n", "name": "f1.txt", "mime": "text/plain"}},
        },
        {
            "record": "2",
            "event": "followup_arm_1",
            "instance": 2,
            "files": {"lab_file": {"text": "f2\n", "name": "f2.txt", "mime": "text/plain"}},
        },
        {"record": "L2", "event": "baseline_arm_1", "values": {"age": "9"}, "locked_forms": ["enrollment"]},
    ],
}

# Upload names and what REDCap 15's Files::sanitizeFileName stores (§3.1); None: no extension left, so
# nothing is saved (§4.1 step 8). REDCap then answers docs_1136 only if the name as posted has no permitted
# extension either (import.php:88-93): `.hidden` has the extension "hidden", so it gets the save-failed text.
UPLOAD_NAMES: dict[str, str | None] = {
    "report.txt": "report.txt",
    "my notes.txt": "my notes.txt",
    "a+b.txt": "a-b.txt",
    "q?.txt": "q.txt",
    "x%20y.csv": "x-y.csv",
    "-_scan.pdf.": "scan.pdf",
    "noext": None,
    ".hidden": None,
}
POSTED_NAME_REFUSED = {"noext"}
# Payloads and the MIME type libmagic gives them (REDCap 10+ sniffs; the part's type is ignored).
PAYLOADS: list[tuple[bytes, str]] = [
    (b"", "application/x-empty"),
    (PDF, "application/pdf"),
    (BINARY, "application/octet-stream"),
]
