"""Where the clauses' behaviours come from: REDCap source files (by version), the official API docs, and
tests that ran against real servers. Each clause's `@pytest.mark.source(...)` combines these with the
check it states; the report prints them.

Versions and repositories are those of docs/evidence/file-api-behaviour.md §0 (the suite's
reference notes, read from public copies of REDCap's PHP source).
"""

V15 = "REDCap 15.7.6"
V15_INDEX = f"{V15} API/index.php"
V15_REST = f"{V15} Classes/RestUtility.php"
V15_EXPORT = f"{V15} API/file/export.php"
V15_DELETE = f"{V15} API/file/delete.php"
V15_IMPORT = f"{V15} API/file/import.php"
V15_FILES = f"{V15} Classes/Files.php"
V14_FILES = "REDCap 14.5.11 Classes/Files.php"
V13_IMPORT = "REDCap 13.6.1 API/file/import.php"
V13_FILES = "REDCap 13.6.1 Classes/Files.php"
V14_IMPORT = "REDCap 14.5.11 API/file/import.php"
RESTRICTED_TYPES = (
    "REDCap 15.7.6 Resources/sql/install_data.sql:128 and upgrade_13.10.05.php (the default Restricted "
    "Upload File Types: ade, adp, apk, ..., bat, ..., dll, ..., exe, ..., jar, js, ..., php, ...)"
)
AUDIT = "source audit 2026-11"
V10_IMPORT = "REDCap 10.0.13 API/file/import.php"
V10_FILES = "REDCap 10.0.13 Classes/Files.php"
V15_PROJECT = f"{V15} Classes/Project.php"
V15_PROJECT_EXPORT = f"{V15} API/project/export.php"
V10_PROJECT_EXPORT = "REDCap 10.0.13 API/project/export.php"
V15_METADATA = f"{V15} API/metadata/export.php, Classes/MetaData.php getDataDictionary"
V15_INSTRUMENTS = f"{V15} API/instrument/export.php"
V15_ARMS = f"{V15} API/arm/export.php, Classes/Project.php getArmRecords"
V15_EVENTS = f"{V15} API/event/export.php, Classes/Project.php getEventRecords"
V15_MAPPING = f"{V15} API/formEventMapping/export.php, Classes/Project.php getInstrEventMapRecords"
V15_REPEATING = f"{V15} API/repeatingFormsEvents/export.php"
V15_RECORDS = f"{V15} API/record/export.php, Classes/Records.php getData"
V15_VERSION = f"{V15} API/version/export.php"
V15_USER_RIGHTS = f"{V15} Classes/UserRights.php"
V15_SYSTEM = f"{V15} Classes/System.php"
# The web root: index.php includes home.php, whose initGlobalPage authenticates and, with no session,
# prints the login page (Authentication.php:148 authenticate, Config/init_functions.php:608 loginFunction).
V15_HOME = (
    f"{V15} index.php, home.php, Classes/Authentication.php authenticate, "
    "Config/init_functions.php loginFunction"
)
# The version folder: its index.php runs init_global.php (init_project.php with pid), which authenticates
# first; its API/index.php is the script the web root's api/index.php includes.
V15_VERSION_FOLDER = (
    f"{V15} redcap_v15.7.6/index.php:7-11, Classes/System.php initGlobalPage, "
    "Classes/Authentication.php authenticate"
)
V15_VERSION_API = f"{V15} api/index.php:9 (includes redcap_v<version>/API/index.php)"
V14_SYSTEM = "REDCap 14.5.11 Classes/System.php"
V13_SYSTEM = "REDCap 13.6.1 Classes/System.php"
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
PYCAP_PROJECT = "real-server capture: PyCap redcap/methods/project_info.py export_project_info docstring"
PYCAP_METADATA = "real-server capture: PyCap redcap/methods/metadata.py export_metadata docstring"
PYCAP_EVENTS = "real-server capture: PyCap redcap/methods/events.py export_events docstring"
PYCAP_MAPPING = (
    "real-server capture: PyCap redcap/methods/instruments.py export_instrument_event_mappings docstring"
)
PYCAP_REPEATING = (
    "real-server capture: PyCap redcap/methods/repeating.py export_repeating_instruments_events docstring"
)
PYCAP_RECORDS = "real-server capture: PyCap redcap/methods/records.py export_records docstring"
REDCAPR_EVENTS = "real-server capture: REDCapR R/redcap-event-read.R (the classic-project answer)"
REDCAPAPI_ERRORS = "real-server capture: redcapAPI redcapError (the classic-project answers it tolerates)"
V15_EXPORT_FIELD_NAMES = (
    f"{V15} API/exportFieldNames/export.php, Classes/REDCap.php getExportFieldNames,"
    " Classes/Project.php getExtendedCheckboxFieldname"
)
PYCAP_FIELD_NAMES = (
    "PyCap redcap/methods/field_names.py export_field_names doctest (real server, redcapdemo.vumc.org):"
    " checkbox_field___1 and ___2 with choice_value '1' and '2'"
)
V15_USER_EXPORT = f"{V15} API/user/export.php"
V15_USER_IMPORT = f"{V15} API/user/import.php"
V15_USER_DELETE = f"{V15} API/user/delete.php"
