"""Control endpoints under `/__fake__/`, a prefix no REDCap URL can have.

They do from HTTP what the state object does from Python: reset, load fixtures, read the state and
the journal, set faults. Tokens never appear in what they send: users show a masked token.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint, Response, jsonify, request

from fake_redcap.faults import Fault, FaultError
from fake_redcap.fixture import FixtureError, mask_token
from fake_redcap.model import Project, RecordRow
from fake_redcap.state import FakeState

PREFIX = "/__fake__"


def control_blueprint(state: FakeState) -> Blueprint:
    bp = Blueprint("fake_control", __name__, url_prefix=PREFIX)

    @bp.get("/health")
    def health() -> Response:
        return jsonify(status="ok", projects=len(state.served))

    @bp.post("/reset")
    def reset() -> Response:
        state.reset()
        return jsonify(status="reset", projects=len(state.served))

    @bp.post("/load")
    def load() -> tuple[Response, int] | Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("fixtures"), list):
            return _bad('send JSON like {"fixtures": ["path/to/project.yaml"], "replace": false}')
        paths = body["fixtures"]
        if not all(isinstance(p, str) for p in paths):
            return _bad("fixtures must be a list of file paths (strings)")
        try:
            state.load(paths, replace=bool(body.get("replace", False)))
        except FixtureError as error:
            return _bad(str(error))
        return jsonify(status="loaded", projects=[p.project_id for p in state.projects])

    @bp.get("/state")
    def show_state() -> Response:
        return jsonify(projects=[project_json(p) for p in state.projects])

    @bp.get("/requests")
    def requests() -> Response:
        return jsonify(requests=[e.to_json() for e in state.journal.entries()])

    @bp.delete("/requests")
    def clear_requests() -> Response:
        state.journal.clear()
        return jsonify(status="cleared")

    @bp.get("/faults")
    def faults() -> Response:
        return jsonify(faults=[f.to_json() for f in state.faults.active()])

    @bp.post("/faults")
    def add_fault() -> tuple[Response, int] | Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _bad('send JSON like {"kind": "http_error", "status": 502, "match": {"content": "file"}}')
        if "seed" in body:
            return _bad("set the seed with POST /__fake__/faults/seed")
        fields = {f.name for f in dataclasses.fields(Fault)} - {"id", "fired"}
        unknown = set(body) - fields
        if unknown:
            return _bad(f"unknown fault keys {sorted(unknown)}; use {sorted(fields)}")
        try:
            fault = state.faults.add(Fault(**body))
        except (FaultError, TypeError) as error:
            return _bad(str(error))
        return jsonify(fault.to_json())

    @bp.post("/faults/seed")
    def seed_faults() -> tuple[Response, int] | Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("seed"), int):
            return _bad('send JSON like {"seed": 42}')
        state.faults.seed(body["seed"])
        return jsonify(status="seeded")

    @bp.delete("/faults")
    def clear_faults() -> Response:
        state.faults.clear()
        return jsonify(status="cleared")

    return bp


def _bad(message: str) -> tuple[Response, int]:
    return jsonify(error=message), 400


def project_json(project: Project) -> dict[str, Any]:
    return {
        "project_id": project.project_id,
        "title": project.title,
        "status": project.status.name.lower(),
        "redcap_version": project.redcap_version,
        "longitudinal": project.is_longitudinal,
        "fixture": str(project.source),
        "fields": [dataclasses.asdict(f) for f in project.fields],
        "arms": [dataclasses.asdict(a) for a in project.arms],
        "events": [dataclasses.asdict(e) for e in project.events],
        "repeating": [dataclasses.asdict(r) for r in project.repeating],
        "users": [
            {
                "username": u.username,
                "token": mask_token(u.token),
                "export_rights": u.export_rights().name.lower(),
                "api_export": u.api_export,
                "api_import": u.api_import,
                "record_delete": u.record_delete,
                "expiration": u.expiration.isoformat() if u.expiration else None,
                "suspended": u.suspended,
                "super_user": u.super_user,
            }
            for u in project.users
        ],
        "records": [row_json(r) for r in project.records],
    }


def row_json(row: RecordRow) -> dict[str, Any]:
    return {
        "record": row.record,
        "event": row.event,
        "instance": row.instance,
        "values": dict(row.values),
        "files": {f: {"name": s.name, "mime": s.mime, "size": s.size} for f, s in row.files.items()},
        "locked": row.record_locked,
        "locked_forms": sorted(row.locked_forms),
    }
