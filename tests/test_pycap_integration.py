"""PyCap's own integration suite (63 tests written against redcapdemo.vumc.org) run against the fake.

The suite is a copy of PyCap's integration suite (its folder `integration` of `tests`), unchanged
(tests/data/pycap/integration/; PyCap is MIT-licensed, its licence and the commit in
tests/data/pycap/README.md), with the project XMLs it creates its projects from (tests/data/pycap/*.xml).
It runs once, in a process of its own, laid out as in PyCap's repository (its conftest opens its XMLs
from the working directory), against a FakeServer over the contract suite's classic reference project,
whose `super_user` holds a Super API Token. The URL reaches the copy through
tests/support/pycap_url_plugin.py, the token through the environment variable the copy reads.

`EXPECTED_FAILURES` lists every test that fails today, with what it needs. The assertion is strict: a
test that starts passing must leave the list (whoever lands the method removes its entries), and a test
that starts failing is a regression.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from fake_redcap import FakeServer, FakeState
from tests.support.client_suites import check_outcomes, run_suite

ROOT = Path(__file__).resolve().parent.parent
COPY = ROOT / "tests" / "data" / "pycap"
REFERENCE = ROOT / "contract_tests" / "reference" / "reference_classic.yaml"
SUITE = "tests/integration"  # where PyCap keeps it, in the run's own folder
SUPER_TOKEN = "CA551C0000000000000000000000000000000000000000000000000000000008"  # super_user's

# The conftest's module fixtures make every project test depend on these (grant_superuser_rights,
# add_files_to_repository), before the test's own calls.
USERS = "conftest: export_users/import_users (content=user, engineer access)"
REPOSITORY = "conftest: create_folder_in_repository/import_file_into_repository (fileRepository)"
SIMPLE = f"{USERS}; {REPOSITORY}"

EXPECTED_FAILURES: dict[str, str] = {
    # test_simple_project.py: the simple project's fixture needs users and the file repository.
    **{
        f"{SUITE}/test_simple_project.py::{name}": SIMPLE
        for name in (
            "test_is_not_longitudinal",
            "test_export_records",
            "test_export_records_always_has_record_id",
            "test_export_records_df",
            "test_export_records_df_eav",
            "test_import_and_delete_records",
            "test_import_and_delete_records_non_json[csv-3-3]",
            'test_import_and_delete_records_non_json[xml-<?xml version="1.0" encoding="UTF-8" ?>'
            "<count>3</count>-3]",
            "test_import_df_no_index",
            "test_export_version",
            "test_export_users",
            "test_export_user_roles",
            "test_import_delete_user_roles",
            "test_export_import_user_role_assignments",
            "test_export_dags",
            "test_import_delete_dags",
            "test_export_user_dag_assignment",
            "test_import_user_dag_assignment",
            "test_export_field_names",
            "test_export_one_field_name",
            "test_export_field_names_df",
            "test_export_instruments",
            "test_export_pdf",
            "test_export_and_import_metadata",
            "test_export_and_import_metadata_csv",
            "test_export_and_import_metadata_df",
            "test_export_project_info",
            "test_export_logging",
            "test_export_arms",
            "test_export_events",
            "test_export_instrument_event_mapping",
            "test_create_folder_in_repository",
            "test_export_file_repository",
            "test_export_file_from_repository",
            "test_import_file_repository",
            "test_delete_file_from_repository",
        )
    },
    # test_long_project.py: the long project's fixture needs users.
    **{
        f"{SUITE}/test_long_project.py::{name}": USERS
        for name in (
            "test_is_longitudinal",
            "test_export_survey_link",
            "test_export_survey_queue_link",
            "test_export_survey_access_code",
            "test_export_survey_return_code",
            "test_survey_participant_export",
            "test_project_info_export",
            "test_users_export",
            "test_users_import_and_delete",
            "test_records_export_labeled_headers",
            "test_repeating_export",
            "test_repeating_export_strictly_enfores_format",
            "test_import_export_repeating_forms",
            "test_limit_export_records_forms_and_fields",
            "test_delete_records_from_one_instrument_only",
            "test_arms_export",
            "test_arms_import",
            "test_arms_import_rename",
            "test_arms_delete",
            "test_arms_import_override",
            "test_events_export",
            "test_events_import",
            "test_events_delete",
            "test_export_instruments",
            "test_export_pdf",
            "test_fem_export",
            "test_fem_import",
        )
    },
}


# The copy is PyCap's files byte for byte (commit b1cf4ae38354638e5e649610968ac4f1539f1287).
SHA256 = {
    "__init__.py": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "conftest.py": "1dcc78588dd0292f2b533287090480f3cd73b6d00abb22bbe849e34d4cc77ee2",
    "test_long_project.py": "b627100d95c057cc09e3489b645f732a53bcbc5366ca2bba4bd29b92b759300b",
    "test_simple_project.py": "08086261260a890a0a373738d7bb82783ff2edae998c6f08ca0f2dd99b6ada96",
}


def test_the_copy_is_unmodified() -> None:
    copied = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (COPY / "integration").glob("*.py")}
    assert copied == SHA256


def _lay_out(where: Path) -> None:
    """PyCap's repository layout: the copy in its `integration` folder of `tests`, the XMLs in `data`."""
    shutil.copytree(COPY / "integration", where / "tests" / "integration")
    (where / "tests" / "__init__.py").write_text("")
    (where / "tests" / "data").mkdir()
    for xml in COPY.glob("*.xml"):
        shutil.copy(xml, where / "tests" / "data" / xml.name)


def test_pycap_integration_suite(tmp_path: Path) -> None:
    _lay_out(tmp_path)
    state = FakeState([REFERENCE])
    with FakeServer(state) as server:
        env = {
            "REDCAPDEMO_SUPERUSER_TOKEN": SUPER_TOKEN,
            "FAKE_REDCAP_URL": server.url,
            # The plugin imports as a top-level module: the copy's own `tests` package shadows ours.
            "PYTHONPATH": f"{ROOT / 'tests' / 'support'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        }
        outcomes, tail = run_suite(tmp_path, SUITE, env, "-p", "pycap_url_plugin")
    check_outcomes(outcomes, EXPECTED_FAILURES, 63, tail)
