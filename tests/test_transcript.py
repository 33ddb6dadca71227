"""Transcripts (contract_tests/transcript.py) and their replay (contract_tests/replay.py).

The repository keeps a transcript of the suite against the fake (tests/transcripts/fake-15.7.6, written
by `make transcript`); replaying it here makes it a regression check of every answer the suite saw.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests.replay import main, replay
from contract_tests.targets import Target, in_process_fake
from contract_tests.transcript import FORMAT, VOLATILE
from fake_redcap import load_fixture
from tests.support.contract_runs import REFERENCE_FIXTURES, run_suite

KEPT = Path(__file__).resolve().parent / "transcripts" / "fake-15.7.6"


@pytest.fixture
def fake() -> Iterator[Target]:
    target = in_process_fake()
    yield target
    target.close()


def _tokens() -> set[str]:
    tokens = {u.token for f in REFERENCE_FIXTURES for u in load_fixture(f).users}
    tokens |= {u.super_token for f in REFERENCE_FIXTURES for u in load_fixture(f).users if u.super_token}
    return tokens


def test_the_kept_transcript_of_the_fake_replays_without_a_difference(fake: Target) -> None:
    sent, differences = replay(KEPT, fake)
    assert sent >= 300
    assert [d.line() for d in differences] == [], (
        "the fake answers differently from tests/transcripts/fake-15.7.6; if the change is intended, "
        "write the transcript again with `make transcript`"
    )


def test_replay_reports_each_field_that_differs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The fake as 13.6.1 sends no Content-Security-Policy of its own on downloads: one header differs.
    assert main([str(KEPT), "--redcap-target", "fake@13.6.1"]) == 1
    out = capsys.readouterr().out
    assert "header content-security-policy: recorded [\"script-src 'none'\"]" in out
    assert out.splitlines()[-1].endswith("difference(s)")


def test_a_transcript_of_a_run_masks_tokens_and_volatile_headers(tmp_path: Path) -> None:
    folder = tmp_path / "transcript"
    run = run_suite(tmp_path, "contract_tests/test_download.py", "--transcript", str(folder))
    assert run.returncode == 0, run.output[-3000:]
    files = sorted(folder.rglob("*.json"))
    clauses = {c["clause"] for c in run.report["clauses"]} if run.report else set()
    assert len(files) == len(clauses) + 1  # one file per clause, and the preflight's
    text = "\n".join(path.read_text(encoding="utf-8") for path in files)
    assert not [token for token in _tokens() if token in text]
    assert "{{token:reference_classic:full_user}}" in text
    for path in files:
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["format"] == FORMAT
        for exchange in document["exchanges"]:
            for line in exchange["response"]["headers"]:
                if line.lower().startswith(("date:", "redcap-random-text:")):
                    assert line.endswith(f": {VOLATILE}")
            assert set(exchange["response"]["body"]) in ({"text"}, {"sha256", "length"})


def test_a_transcript_replays_against_the_server_it_was_written_from(tmp_path: Path, fake: Target) -> None:
    folder = tmp_path / "transcript"
    run = run_suite(tmp_path, "contract_tests/test_request_pipeline.py", "--transcript", str(folder))
    assert run.returncode == 0, run.output[-3000:]
    sent, differences = replay(folder, fake)
    assert sent > 20
    assert differences == []


def test_replay_of_a_folder_without_a_transcript_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path)]) == 2
    assert "holds no transcript" in capsys.readouterr().err
