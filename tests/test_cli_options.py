"""`fake-redcap serve` options that change what the served projects answer."""

from __future__ import annotations

import queue

import requests

from tests.support.contract_runs import serve_process

IMPORTER = "1412FA4EFA4EFA4EFA4EFA4EFA4EFA4E"  # importer_user of demo project 14


def _url(lines: queue.Queue[str | None]) -> str:
    first = lines.get(timeout=30)  # a hang guard
    assert first is not None and first.startswith("http://127.0.0.1:"), first
    return first.strip()


def test_max_upload_mb_sets_import_files_size_limit() -> None:
    with serve_process(["--port", "0", "--max-upload-mb", "1"]) as (_, lines):
        url = _url(lines)
        data = {
            "token": IMPORTER,
            "content": "file",
            "action": "import",
            "record": "2",
            "field": "lab_report",
        }
        too_big = requests.post(
            url, data={**data, "returnFormat": "json"}, files={"file": ("big.txt", b"x" * (1024 * 1024 + 1))}
        )
        fits = requests.post(url, data=data, files={"file": ("fits.txt", b"x" * (1024 * 1024))})
    assert (too_big.status_code, too_big.content) == (
        400,
        b'{"error":"The uploaded file exceeded the maximum file size limit of 1 MB for File Upload fields."}',
    )
    assert (fits.status_code, fits.content) == (200, b"")
