"""Where the clauses' behaviours come from: REDCap source files (by version), the official API docs, and
tests that ran against real servers. Each clause's `@pytest.mark.source(...)` combines these with the
check it states; the report prints them.

Versions and repositories are those of shared/reference/redcap-file-api-behaviour.md §0 (the suite's
reference notes, read from public copies of REDCap's PHP source).
"""

V15 = "REDCap 15.7.6"
V15_INDEX = f"{V15} API/index.php"
V15_REST = f"{V15} Classes/RestUtility.php"
V15_EXPORT = f"{V15} API/file/export.php"
V15_DELETE = f"{V15} API/file/delete.php"
V15_USER_RIGHTS = f"{V15} Classes/UserRights.php"
V15_SYSTEM = f"{V15} Classes/System.php"
V15_INSTALL_SQL = f"{V15} Resources/sql/install.sql (utf8mb4_unicode_ci)"
V14_EXPORT = "REDCap 14.5.11 API/file/export.php"
V13_EXPORT = "REDCap 13.6.1 API/file/export.php"
V13_INDEX = "REDCap 13.6.1 API/index.php"
V10_REST = "REDCap 10.0.13 Classes/RestUtility.php"
V7_REST = "REDCap 7.1.2 Classes/RestUtility.php"
V12_UPGRADE = "REDCap 12.2.0 Resources/sql/upgrade_12.02.00.php (per-instrument export rights)"
PHP_SAPI = "php-src main/SAPI.c sapi_apply_default_charset"
DOCS = f"{V15} API documentation (LanguageUpdater/English.ini)"

REDCAPR_FILE = "real-server capture: REDCapR tests/testthat/test-file-oneshot.R"
REDCAPR_ERRORS = "real-server capture: REDCapR tests/testthat/test-read-errors.R"
REDCAPR_SURVEY = "real-server capture: REDCapR tests/testthat/test-survey-link-export-oneshot.R"
PYCAP_FILES = "real-server capture: PyCap redcap/methods/files.py export_file docstring"
