"""Transcripts (contract_tests/transcript.py) and their replay (contract_tests/replay.py).

The repository keeps a transcript of the suite against the fake (tests/transcripts/fake-15.7.6, written
by `make transcript`); replaying it here makes it a regression check of every answer the suite saw.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests.replay import main, replay, transcript_files
from contract_tests.targets import Target, in_process_fake
from contract_tests.transcript import (
    FORMAT,
    ORDER_FILE,
    VOLATILE,
    Made,
    Masker,
    clause_file,
    normalise_body,
    request_record,
)
from fake_redcap import load_fixture
from tests.support.contract_runs import (
    REFERENCE_FIXTURES,
    REPO,
    fake_redcap_command,
    run_suite,
    served_fake,
    write_target,
)

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


def _collected_clauses() -> list[str]:
    """The clauses the suite runs against the fake at 15.7.6 (n/a ones are deselected at collection)."""
    command = [sys.executable, "-m", "pytest", "contract_tests", "--collect-only", "-q"]
    command += ["-p", "no:cacheprovider", "-p", "no:xdist"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ids = [line for line in done.stdout.splitlines() if line.startswith("contract_tests/") and "::" in line]
    assert len(ids) > 300, done.stdout[-3000:]
    return [i.removeprefix("contract_tests/") for i in ids]


def test_the_kept_transcript_has_a_file_for_every_clause_and_no_other() -> None:
    # So it cannot go stale silently: a clause added (or renamed) without `make transcript` fails here.
    kept = {p.relative_to(KEPT).as_posix() for p in KEPT.rglob("*.json")} - {"_preflight.json"}
    wanted = {clause_file(c) for c in _collected_clauses()}
    assert sorted(wanted - kept) == [], "clauses without a transcript file: run `make transcript`"
    assert sorted(kept - wanted) == [], "transcript files of no clause: run `make transcript`"
    order = (KEPT / ORDER_FILE).read_text(encoding="utf-8").splitlines()
    assert sorted(order) == sorted(kept | {"_preflight.json"}) and order[0] == "_preflight.json"
    assert [p.relative_to(KEPT).as_posix() for p in transcript_files(KEPT)] == order


def test_the_kept_transcript_holds_no_token() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(KEPT.rglob("*")) if p.is_file())
    assert not [token for token in _tokens() if token in text]
    assert not [token for token in _tokens() if token.lower() in text.lower()]


def test_only_the_clock_in_a_log_export_is_volatile() -> None:
    row = b'"username":"u","action":"a","details":"2026-12-01 02:03","record":"3"}'
    log = b'[{"timestamp":"2026-12-01 02:03",' + row + b',{"timestamp":"2026-11-30 23:59",' + row + b"]"
    assert normalise_body(log) == (
        b'[{"timestamp":"<volatile>",' + row + b',{"timestamp":"<volatile>",' + row + b"]"
    )
    xml = b"<log><timestamp><![CDATA[2026-12-01 02:03]]></timestamp><details><![CDATA[2026-12-01 02:03]]>"
    assert normalise_body(xml) == (
        b"<log><timestamp><![CDATA[<volatile>]]></timestamp><details><![CDATA[2026-12-01 02:03]]>"
    )
    csv = b'timestamp,username,action,details,record\n2026-12-01 02:03,u,a,"x\n2026-12-01 02:03 y",3\n'
    assert normalise_body(csv) == (
        b'timestamp,username,action,details,record\n<volatile>,u,a,"x\n2026-12-01 02:03 y",3\n'
    )
    # The same shapes elsewhere are data and stay: a record export's first column, a project's creation time.
    record_csv = b"record_id,when\n2026-12-01 02:03,x\n"
    info = b'{"project_id":1,"creation_time":"2025-01-01 00:00:00","timestamp":"2026-12-01 02:03"}'
    assert normalise_body(record_csv) == record_csv
    assert normalise_body(info) == info


def test_only_the_clock_in_a_project_xml_is_volatile() -> None:
    xml = (
        b'<ODM AsOfDateTime="2026-12-01T02:03:04" CreationDateTime="2026-12-01T02:03:04" '
        b'SourceSystem="REDCap">'
        b'<MetaDataVersion OID="Metadata.ContractSuite_2026-12-01_0203" Name="x">'
        b'<ClinicalData MetaDataVersionOID="Metadata.ContractSuite_2026-12-01_0203">'
        b'<ItemData ItemOID="visit_date" Value="2026-12-01T02:03:04"/>'
    )
    assert normalise_body(xml) == (
        b'<ODM AsOfDateTime="<volatile>" CreationDateTime="<volatile>" '
        b'SourceSystem="REDCap">'
        b'<MetaDataVersion OID="Metadata.ContractSuite_<volatile>" Name="x">'
        b'<ClinicalData MetaDataVersionOID="Metadata.ContractSuite_<volatile>">'
        b'<ItemData ItemOID="visit_date" Value="2026-12-01T02:03:04"/>'
    )


def test_a_value_the_server_made_is_bound_in_the_answers_and_the_requests_that_send_it_back() -> None:
    made = Made()
    assert made.answer(b'[{"unique_role_name":"U-298ET8KXMF"},{"unique_role_name":"U-111AAAAAAA"}]') == (
        b'[{"unique_role_name":"{{made:role:1}}"},{"unique_role_name":"{{made:role:2}}"}]'
    )
    assert made.answer(b'[{"folder_id":7,"name":"a"},{"doc_id":28,"name":"b"}]') == (
        b'[{"folder_id":{{made:folder_id:1}},"name":"a"},{"doc_id":{{made:doc_id:1}},"name":"b"}]'
    )
    sent = "content=userRole&action=delete&roles%5B0%5D=U-111AAAAAAA&data=%22U-298ET8KXMF%22&doc_id=28"
    record = request_record("requests", "POST", "http://127.0.0.1/api/", {}, sent.encode(), Masker(), made)
    assert record["body"]["text"] == (
        "content=userRole&action=delete&roles%5B0%5D={{made:role:2}}&data=%22{{made:role:1}}%22"
        "&doc_id={{made:doc_id:1}}"
    )
    # A value no answer made stays as sent: a made-up name, another id, a number in another parameter.
    other = b"roles%5B0%5D=U-222BBBBBBB&doc_id=281&folder_id=28&x=U-298ET8KXMFZ"
    assert made.request(other) == other
    # Replay: the target's own answers bind the placeholders to its values.
    there = Made()
    there.answer(b'[{"unique_role_name":"U-555CCCCCCC"},{"unique_role_name":"U-666DDDDDDD"}]')
    assert there.unbind(b"roles%5B0%5D={{made:role:2}}&x={{made:role:3}}") == (
        b"roles%5B0%5D=U-666DDDDDDD&x={{made:role:3}}"
    )


def test_the_kept_transcript_binds_the_role_its_clause_made() -> None:
    # The fake makes a new random name on every run; the replay above deletes it by that name.
    path = KEPT / clause_file(
        "test_user_writes.py::test_a_new_role_takes_a_user_gives_it_back_and_is_deleted"
    )
    text = path.read_text(encoding="utf-8")
    assert "{{made:role:1}}" in text
    assert "roles%5B0%5D={{made:role:1}}" in text


def test_a_token_in_any_letter_case_is_masked_and_put_back_in_that_case() -> None:
    masker = Masker()
    token = "CA551C00000000000000000000000001"
    masker.add("reference_classic", "full_user", token)
    mixed = "Ca551c00000000000000000000000001"
    sent = f"a={token}&b={token.lower()}&c={mixed}".encode()
    masked = masker.mask(sent)
    assert masked == (
        b"a={{token:reference_classic:full_user}}&b={{token:reference_classic:full_user:lower}}"
        b"&c={{token:reference_classic:full_user:case=U" + b"l" * 31 + b"}}"
    )
    assert token.lower().encode() not in masked.lower()
    assert masker.unmask(masked) == sent


def test_fake_redcap_replay_runs_from_any_folder(tmp_path: Path) -> None:
    # The command as a user types it, outside the clone: the suite is imported by its installed name
    # (in an editable install that name maps to the clone's contract_tests/, not importable from here).
    folder = tmp_path / "transcript"
    folder.mkdir()
    (folder / "_preflight.json").write_text((KEPT / "_preflight.json").read_text(encoding="utf-8"))
    done = subprocess.run(
        [*fake_redcap_command(), "replay", str(folder)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "against fake (in-process): 0 difference(s)" in done.stdout


def test_a_new_run_of_the_suite_writes_the_kept_transcript_again(tmp_path: Path) -> None:
    # Byte for byte, file by file (the clock masked, made-up names bound): a clause whose requests or
    # answers changed without `make transcript` fails here, not only one added or removed.
    folder = tmp_path / "transcript"
    run = run_suite(tmp_path, "contract_tests", "-p", "no:xdist", "--transcript", str(folder))
    assert run.returncode == 0, run.output[-3000:]
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(KEPT).as_posix() for p in KEPT.rglob("*") if p.is_file())
    stale = [n for n in names if (folder / n).read_bytes() != (KEPT / n).read_bytes()]
    assert stale == [], "tests/transcripts/fake-15.7.6 is out of date: write it again with `make transcript`"


def test_replay_sums_up_the_differences_by_field(capsys: pytest.CaptureFixture[str]) -> None:
    # Against 13.6.1 the same few fields differ in many exchanges: the summary says each once.
    assert main([str(KEPT), "--redcap-target", "fake@13.6.1", "--summary"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "recorded" not in out[0] and out[0] == "Differences by field:"
    fields = [line.strip().split(":")[0] for line in out[1:-1]]
    assert len(fields) == len(set(fields)) and "header content-security-policy" in fields
    assert all(" exchange(s) in " in line and "; first " in line for line in out[1:-1])
    assert out[-1].endswith("difference(s)")


def test_replay_against_a_server_it_cannot_reach_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "target.yaml"
    target.write_text(
        "url: http://127.0.0.1:9/api/\nfixture: reference_classic.yaml\ntokens: {full_user: RC_X}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("RC_X", "A" * 32)
    assert main([str(KEPT), "--redcap-target", str(target)]) == 2
    assert "fake-redcap replay: cannot reach http://127.0.0.1:9/api/" in capsys.readouterr().err


def test_replay_against_a_served_fake_named_by_a_target_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `fake-redcap serve` as its own process, named by a TARGET.yaml as a real server is: the kept
    # transcript replays against it as against the in-process fake.
    with served_fake(REFERENCE_FIXTURES) as url:
        target, environ = write_target(tmp_path, url)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        code = main([str(KEPT), "--redcap-target", str(target), "--summary"])
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    assert out.splitlines()[-1].endswith(": 0 difference(s)")
