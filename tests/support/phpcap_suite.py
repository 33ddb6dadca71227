"""Running PHPCap's own integration suite (PHPUnit, tests/data/phpcap/) against a FakeServer: the
projects its Developer Guide asks a tester to set up on their REDCap, set up here through the API,
then Debian's phpunit on the suite, read back from PHPUnit's JUnit report (tests/test_phpcap_integration.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from unittest import mock

import certifi
import requests

from fake_redcap import FakeState, admin
from fake_redcap import state as state_module
from fake_redcap.methods.record_calc import recalculate
from fake_redcap.state import Served

COPY = Path(__file__).resolve().parent.parent / "data" / "phpcap" / "phpcap"
SUPER_TOKEN = "CA551C0000000000000000000000000000000000000000000000000000000008"  # super_user's
# The test user of PHPCap's DAG project (Developer Guide, "Setup for Non-Optional Integration Tests",
# step 8): basic rights, in DAG group1, DAG Switcher assignments group1 and group2, an API token.
DAG_TEST_USER = "test_user"
# Report IDs for the optional report tests (the fake's projects have no reports: each gets the fake's
# not-implemented answer, rather than the tests reading a missing key of config.ini).
REPORT_IDS = {"longitudinal.data.report.id": "1", "basic.demography.report.id": "2"}

# PHPCap's tests sleep 60 or 90 seconds so that a real REDCap's log has the change before the next
# step (RecordsTest and LoggingTest: DELETE_WAIT_TIME, INSERT_WAIT_TIME). The fake logs a change when
# it makes it, with a timestamp to the second (REDCap's log_event `ts`), so two seconds are as good:
# the harness's bootstrap defines `sleep` in PHPCap's namespace, the way the suite's own
# SystemFunctions.php replaces curl_exec and friends there, without editing the suite.
BOOTSTRAP = """<?php
require __DIR__ . '/autoloader.php';
require __DIR__ . '/tests/integration/SystemFunctions.php';
require __DIR__ . '/tests/util/CsvUtil.php';
require __DIR__ . '/fake_redcap_sleep.php';
"""
SLEEP = """<?php
namespace IU\\PHPCap;

function sleep($seconds)
{
    return \\sleep(min($seconds, 2));
}
"""


def phpunit_outcomes(where: Path, url: str, state: FakeState) -> tuple[dict[str, str], str]:
    """Set up PHPCap's test projects on the fake behind `url`, run the integration suite in `where`
    (a copy of PHPCap's repository layout); (Class::test -> passed/failure/error/skipped, output)."""
    shutil.copytree(COPY, where, dirs_exist_ok=True)
    (where / "bootstrap.php").write_text(BOOTSTRAP)
    (where / "fake_redcap_sleep.php").write_text(SLEEP)
    # A tester's projects were set up before the run, so their records' change times are not within the
    # last minutes the date-range tests look at (RecordsTest::testExportRecordsWithDateRange asks for the
    # records changed since two minutes ago): the fake's clock reads a day earlier while they are made.
    earlier = (dt.datetime.now() - dt.timedelta(days=1)).strftime("%Y%m%d%H%M%S")
    with mock.patch.object(state_module, "log_time", lambda: earlier):
        config = _set_up_projects(url, state, where / "tests" / "projects")
    (where / "tests" / "config.ini").write_text("".join(f"{k}={v}\n" for k, v in config.items()))
    report = where / "junit.xml"
    run = subprocess.run(
        ["phpunit", "--bootstrap", "bootstrap.php", "--log-junit", str(report), "--testsuite", "integration"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        # PHP's curl honours a proxy from the environment: the fake is on loopback
        env={**os.environ, "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"},
    )
    output = run.stdout[-12000:] + run.stderr[-3000:]
    assert report.exists(), output
    return _outcomes(report), output


def _set_up_projects(url: str, state: FakeState, projects: Path) -> dict[str, str]:
    """The Developer Guide's set-up, through the API with the super token: an empty project, the
    projects imported from PHPCap's project XMLs, the DAG project's test user; config.ini's keys."""

    def create(title: str, xml: str | None = None) -> str:
        data = {"token": SUPER_TOKEN, "content": "project", "format": "json"}
        data["data"] = json.dumps([{"project_title": title, "purpose": "0"}])
        if xml is not None:
            data["odm"] = (projects / xml).read_text(encoding="utf-8")
        answer = requests.post(url, data=data, timeout=60)
        assert answer.status_code == 200, answer.text
        if xml is not None:
            _calculate_as_the_web_upload(state, answer.text)
        return answer.text

    config = {
        "api.url": url,
        "empty.project.api.token": create("PHPCap Empty"),
        "basic.demography.api.token": create("PHPCap Basic Demography", "PHPCapBasicDemography.REDCap.xml"),
        "longitudinal.data.api.token": create(
            "PHPCap Longitudinal Data", "PHPCapLongitudinalData.REDCap.xml"
        ),
        "repeating.forms.api.token": create("PHPCap Repeating Forms", "PHPCapRepeatingForms.REDCap.xml"),
        "repeatable.survey.api.token": create(
            "PHPCap Repeatable Survey", "PHPCapRepeatableSurvey.REDCap.xml"
        ),
        "survey.participant.email": "participant@example.org",
        "survey.participant.identifier": "participant",
        "dags.api.token": create("PHPCap DAG", "PHPCapDag.REDCap.xml"),
        **REPORT_IDS,
        "super.token": SUPER_TOKEN,
        # ConnectionsTest's optional CA file test needs only a readable bundle (the fake is plain http).
        "ca.certificate.file": certifi.where(),
        # The fake logs in this process's local time, as REDCap logs in its server's.
        "timezone": dt.datetime.now().astimezone().strftime("%z"),
    }
    config["dags.test.user.api.token"] = _dag_test_user(url, state, config["dags.api.token"])
    return config


def _calculate_as_the_web_upload(state: FakeState, token: str) -> None:
    """The Developer Guide has the tester create these projects in REDCap's web UI from the XMLs
    (ProjectGeneral/create_project.php:1190-1212), whose data saveData saves and then auto-calculates
    (V15 Records.php:7447-7460): PHPCap's tests read the calc field bmi. The API's Create Project leaves
    calc fields blank (fake_redcap/methods/project_create.py, _saved), so they are computed here."""
    served = _served_by(state, token)
    project = served.project
    names = [f.name for f in project.fields]
    done = recalculate(project, project.records, [r.record for r in project.records], names)
    assert state.replace_records(project.project_id, done.rows, seen=served)


def _dag_test_user(url: str, state: FakeState, token: str) -> str:
    def post(content: str, rows: list[dict[str, str]], **extra: str) -> None:
        data = {"token": token, "content": content, "format": "json", "data": json.dumps(rows), **extra}
        answer = requests.post(url, data=data, timeout=60)
        assert answer.status_code == 200, answer.text

    post("user", [{"username": DAG_TEST_USER, "api_export": "1", "api_import": "1"}])
    post(
        "userDagMapping", [{"username": DAG_TEST_USER, "redcap_data_access_group": "group1"}], action="import"
    )
    served = _served_by(state, token)
    _assign_dag_switcher(state, served, ("group1", "group2"))
    return admin.issue_token(state, served.project.project_id, DAG_TEST_USER)


def _served_by(state: FakeState, token: str) -> Served:
    return next(s for s in state.served if any(u.token == token for u in s.project.users))


def _assign_dag_switcher(state: FakeState, served: Served, dags: tuple[str, ...]) -> None:
    """The DAG Switcher page's assignments (a REDCap user's page, no API method sets them)."""
    with state.lock:
        project = served.project
        ids = {dag.unique_name: dag.group_id for dag in project.dags}
        users = tuple(
            dataclasses.replace(u, dag_switch=tuple(ids[d] for d in dags))
            if u.username == DAG_TEST_USER
            else u
            for u in project.users
        )
        assert state.replace_project(dataclasses.replace(project, users=users), seen=served)


def _outcomes(report: Path) -> dict[str, str]:
    """Class::test -> passed / failure / error / skipped, from PHPUnit's JUnit XML (a risky test, one
    that asserted nothing, counts as passed, as PHPUnit's own summary counts it)."""
    outcomes: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = f"{case.get('class', '').rsplit(chr(92), 1)[-1]}::{case.get('name')}"
        kinds = {child.tag for child in case}
        outcome = "passed"
        for kind in ("error", "failure", "skipped"):
            if kind in kinds:
                outcome = kind
        outcomes[name] = outcome
    return outcomes
