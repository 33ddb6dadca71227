"""`fake-redcap snapshot` as a user runs it, every step a separate process: `fake-redcap serve` of the
reference projects at an older REDCap version, `fake-redcap snapshot` with the token in an environment
variable, `fake-redcap serve` of the snapshot, then the exports compared and the contract suite's
preflight run against the served snapshot."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from contract_tests.preflight import run_preflight
from contract_tests.targets import REFERENCE_FIXTURES, ProjectUnderTest, Target, TokenSource
from fake_redcap import load_fixture
from tests.support.contract_runs import served_fake

VARIABLE = "MY_REDCAP_TOKEN"


def post(url: str, token: str, **params: str) -> requests.Response:
    return requests.post(url, data={"token": token, "returnFormat": "json", **params}, timeout=30)


def snapshot(url: str, token: str, out: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "fake_redcap", "snapshot", "--url", url, "--token-env", VARIABLE]
    environ = {**os.environ, VARIABLE: token}
    return subprocess.run(
        [*command, "--out", str(out), *options],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("version", ["14.5.11"])
def test_serve_snapshot_serve_preflight(version: str, tmp_path: Path) -> None:
    fixtures = [load_fixture(p) for p in REFERENCE_FIXTURES]
    designers = [next(u for u in f.users if u.username in ("full_user", "importer_user")) for f in fixtures]
    outs = [tmp_path / p.stem for p in REFERENCE_FIXTURES]
    with served_fake(REFERENCE_FIXTURES, "--redcap-version", version) as url:
        for user, out in zip(designers, outs, strict=True):
            done = snapshot(url, user.token, out, "--keep-record-ids")
            assert done.returncode == 0, done.stderr
            assert user.token not in done.stdout + done.stderr
            assert "\r" not in done.stderr  # no progress bar in a pipe
        with served_fake([o / "project.yaml" for o in outs]) as copy_url:
            session = requests.Session()
            projects = []
            for path, fixture, user, out in zip(REFERENCE_FIXTURES, fixtures, designers, outs, strict=True):
                owner = load_fixture(out / "project.yaml").users[0]
                assert load_fixture(out / "project.yaml").redcap_version == version
                contents = ["metadata", "instrument", "exportFieldNames", "project"]
                if fixture.is_longitudinal:
                    contents += ["arm", "event", "formEventMapping"]
                if fixture.repeating:
                    contents.append("repeatingFormsEvents")
                for content in contents:
                    want = post(url, user.token, content=content, format="json")
                    assert post(copy_url, owner.token, content=content, format="json").json() == want.json()
                want_text = post(url, user.token, content="record", format="csv").text
                # identifiers and free text are synthetic; the record IDs and the shape are kept
                have_text = post(copy_url, owner.token, content="record", format="csv").text
                have_rows = list(csv.reader(io.StringIO(have_text)))
                want_rows = list(csv.reader(io.StringIO(want_text)))
                assert [(r[0], len(r)) for r in have_rows] == [(r[0], len(r)) for r in want_rows]
                full = next(u.username for u in fixture.users if u.username == "full_user" or u.api_import)
                tokens = {full: TokenSource(env=None, value=owner.token)}
                projects.append(ProjectUnderTest(fixture, path, copy_url, tokens, session))
            try:
                result = run_preflight(Target("snapshot", copy_url, "fake", tuple(projects), session))
            finally:
                session.close()
    assert not result.differences, result.summary()
    assert all(c.status == "ok" for c in result.checks), result.summary()
