"""Every REDCap message text and every version difference, in one place.

Sources are keyed as in `docs/evidence/file-api-behaviour.md` §0:
V7 = 7.1.2, V10 = 10.0.13, V13 = 13.6.1, V14 = 14.5.11, V15 = 15.7.6 (`API/index.php`,
`Classes/RestUtility.php`, `API/file/*.php`, `LanguageUpdater/English.ini`).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import total_ordering

from fake_redcap import escape
from fake_redcap.escape import V14_RULES, V15_RULES

# ---------------------------------------------------------------------------------------------------
# Global / request level

# V15 System::checkSystemStatus (§1.1 #0a)
SYSTEM_OFFLINE = (
    "REDCap is currently offline. Please return at another time. We apologize for any inconvenience."
)
# $lang['api_01']; 400 since V10, 503 in V5/V7 (V15 API/index.php)
API_DISABLED = "The REDCap API is not enabled."

# $lang['system_config_605'] . " " . ini_get('max_input_vars') . $lang['period'] (V15 Classes/System.php
# :367-376 checkPostParamCount, run by initGlobalPage at :913, reached by API/index.php:79 via init_global).
MAX_INPUT_VARS_EXCEEDED = (
    "The REDCap server has reached a maximum for the number of POST parameters submitted. Due to this "
    "error, if any data was just submitted, it was not saved. Please inform your local REDCap administrator "
    "that they should increase the 'max_input_vars' setting to a value of 10000 or higher in the web "
    "server's PHP.INI configuration file. The current value for 'max_input_vars' is {limit}."
)
METHOD_NOT_IMPLEMENTED = "The requested method is not implemented."  # 501 default text
NO_API_PERMISSION = "You do not have permissions to use the API"  # 403 default text
EXPIRED = (
    "You do not have API rights because your privileges have expired for this project as of {expiration}."
)
CONTENT_INVALID = 'The value of the parameter "content" is not valid'
ACTION_INVALID = 'The value of the parameter "action" is not valid'
NO_API_EXPORT = "You do not have API Export privileges"  # V7+
NO_API_IMPORT = "You do not have API Import/Update privileges"  # V7+
NO_RECORD_DELETE = "You do not have Delete Record privileges"  # V7+: file delete checks record_delete
NO_RECORD_RENAME = "You do not have Rename Record privileges"  # V15 API/index.php:440-444
DAG_MEMBER = (  # api_183, V15 API/index.php:408-415
    "You do not have permission to export/import/delete Data Access Groups because you have been assigned to "
    "a Data Access Group."
)
NO_RANDOMIZE = "You do not have Randomize privileges"  # V15 API/index.php:445-449
# Super API Tokens (RestUtility::processRequestSuper, V7+ for project creation, V10+ for version):
# `$lang['api_120']`, V15 LanguageUpdater/English.ini:1097.
SUPER_TOKEN_NEEDED = (
    "You do not have permissions to use the API 'Create Project' method. You must have been granted a "
    "64-character Super API Token from a REDCap administrator in order to utilize this method."
)
# V15 API/index.php:459-475, after the API rights: `$lang['api_11']`, `api_150`, `info_65`.
PROJECT_DELETED = "The REDCap project no longer exists because it was deleted."
PROJECT_COMPLETED = "The REDCap project is no longer accessible because it was marked as Completed."
PROJECT_OFFLINE = "This project is currently OFFLINE and is not accessible to normal users."
# A PHP 8 TypeError (a parameter sent as an array where PHP needs a string): V15
# System::fatalErrorShutdownHandler -> REDCapErrorHandler -> API::outputApiErrorMsg with this text.
UNKNOWN_ERROR_PARAMETERS = "An unknown error occurred. Please check your API parameters."
# System::checkUploadFileContentLength, printed (status 200, text/html) before any API code when the
# body is over post_max_size. V10-V15 name the size; V7 does not. Tabs and newlines as in the source.
POST_TOO_LARGE = (
    "<br><br>ERROR: The page you just submitted has exceeded the REDCap server's maximum submission size"
    "{size}. \n\t\t\t\t\tThe request cannnot be processed. If you just uploaded a file, this error may have "
    "resulted from the file \n\t\t\t\t\tbeing too large in its file size. A file that large simply cannnot be"
    " processed by the server, unfortunately."
)
POST_TOO_LARGE_REFERER = "<br><br><a href='{referer}'>Return to previous page</a>"
DEFAULT_400 = (
    "There were errors with your request. If you are sending data, then it might be due to the data being "
    "misformatted. "
)

# ---------------------------------------------------------------------------------------------------
# Export File (V15 API/file/export.php, E1-E8)

EXPORT_NO_ACCESS = (
    'The API request cannot complete because currently you have "No Access" data export rights. '
    "Higher level data export rights are required for this operation."
)
EXPORT_IDENTIFIER = (
    "The API request cannot complete because this File Upload field is an Identifier field while at the "
    'same time you currently have either "De-Identified" data export rights or "Remove all tagged '
    'Identifier fields" data export rights, which prevent you from exporting fields tagged as Identifiers. '
    "Higher level data export rights are required for this operation."
)
INVALID_EVENT = "invalid event"
NO_FILE_TO_DOWNLOAD = "There is no file to download for this record"
# The stored file is gone from the edocs folder: `$local_file` (the path looked at) and doc_name, raw
# (V7, V10, V13, V14 and V15 API/file/export.php:138, local storage).
FILE_MISSING = 'The file "{path}" ("{name}") does not exist'
FIELD_NOT_FILE = "The field '{field}' does not exist or is not a 'file' field"

# ---------------------------------------------------------------------------------------------------
# Import File (V15 API/file/import.php, reference §4.1) and Delete File (API/file/delete.php, §4.2)

NO_VALID_FILE = "No valid file was uploaded"
UPLOAD_PROBLEM = "There was a problem with the uploaded file"
IMPORT_ANALYSIS = "The file cannot be uploaded because the project is in Analysis/Cleanup status."
DELETE_ANALYSIS = "The file cannot be deleted because the project is in Analysis/Cleanup status."
RECORD_LOCKED = 'The uploaded file could not be saved because record "{record}" is locked.'
FORM_LOCKED = (
    'The uploaded file could not be saved because the field\'s instrument is locked for record "{record}".'
)
TOO_LARGE = "The uploaded file exceeded the maximum file size limit of {mb} MB for File Upload fields."
TOO_LARGE_OLD = "The uploaded file exceeded the maximum file size limit of {mb} MB"  # V5/V7/V10
FILE_TYPE_NOT_PERMITTED = (
    "ERROR: The file cannot be uploaded because its file type is not permitted."  # docs_1136
)
IMPORT_RECORD_MISSING = (
    "The record '{record}' does not exist. It must exist to upload a file"  # raw, all versions
)
SIGNATURE_IMPORT = (
    "The field '{field}' is a signature field, which cannot be imported using the API but can only be "
    "created using the web interface. However, it can be downloaded or deleted using the API."
)
SAVE_FAILED = "A problem occurred while trying to save the uploaded file"
RECORD_MISSING_RAW = "The record '{record}' does not exist"  # before V14's escaping (Export File E5)
DELETE_RECORD_MISSING = RECORD_MISSING_RAW  # single quotes and raw, even in V15
NO_FILE_TO_DELETE = "There is no file to delete for this record"

# ---------------------------------------------------------------------------------------------------
# Read-only project exports (V15 Classes/Project.php getArmRecords / getEventRecords /
# getInstrEventMapRecords, API/repeatingFormsEvents/export.php, API/exportFieldNames/export.php,
# API/record/export.php)

ARMS_CLASSIC = "You cannot export arms for classic projects"
EVENTS_CLASSIC = "You cannot export events for classic projects"
MAPPING_CLASSIC = "You cannot export form/event mappings for classic projects"
NO_REPEATING = (
    "You cannot export repeating instruments and events because the project does not contain any "
    "repeating instruments and events"
)
DESIGN_RIGHTS_NEEDED = (  # api_227
    "Insufficient user privileges: You must have 'API Export' privileges and 'Project Setup/Design' "
    "privileges in the project."
)
INVALID_FIELD = "Invalid field"  # exportFieldNames with an unknown `field`
UNKNOWN_ERROR = "An unknown error occurred"  # exportFieldNames when nothing is exportable
RECORD_EVENTS_INVALID = 'The following values in the parameter "events" are not valid: {values}'
RECORD_FIELDS_INVALID = 'The following values in the parameter "fields" are not valid: {values}'
RECORD_FORMS_INVALID = 'The following values in the parameter "forms" are not valid: {values}'
RECORD_FIELDS_DESCRIPTIVE = (
    'The variables provided in the parameter "fields" are not valid fields that contain data. This might '
    "happen if you only provided variables for Descriptive fields."
)
RECORD_FIELDS_ALL_DEID = (
    "The API request cannot complete because all the fields you have specified in your request are fields "
    "that will be removed due to your limited Data Export privileges, so there is nothing to return. Higher "
    "level data export rights are required to retrieve data for the fields specified."
)
# Record export's "No Access" 403 is word for word Export File's EXPORT_NO_ACCESS.
RECORD_DOCUMENT = "[document]"  # a file field's value in record exports before REDCap 13

# Marks answers the fake gives for things it does not implement (never a silent success).
NOT_IMPLEMENTED_BY_FAKE = (
    "The fake REDCap server does not implement {what} yet. A real REDCap server accepts this request; "
    "this answer comes from the fake, not from REDCap."
)
NOT_IMPLEMENTED_HEADER = "X-Fake-REDCap-Not-Implemented"

# The `content` values REDCap's API/index.php accepts (check #9; source audit #10): V15 API/index.php:263-305.
# Every one the fake does not implement answers "not implemented by the fake", never "content is not valid".
VALID_CONTENT = frozenset(
    {
        "record",
        "metadata",
        "file",
        "fileRepository",
        "filesize",
        "fileinfo",
        "repeatingFormsEvents",
        "instrument",
        "event",
        "arm",
        "user",
        "project_settings",
        "report",
        "authkey",
        "version",
        "pdf",
        "surveyLink",
        "surveyAccessCode",
        "surveyQueueLink",
        "surveyReturnCode",
        "participantList",
        "exportFieldNames",
        "appRightsCheck",
        "formEventMapping",
        "fieldValidation",
        "attachment",
        "project",
        "generateNextRecordName",
        "project_xml",
        "dag",
        "userDagMapping",
        "log",
        "tableau",
        "mycap",
        "userRole",
        "userRoleMapping",
    }
)
FILE_CONTENTS = frozenset({"file", "filesize", "fileinfo"})
# §1.1 #10: strtolower(action) must be one of these for content file/filesize/fileinfo.
FILE_ACTIONS_LOWER = frozenset({"export", "import", "import_app", "delete"})
# The actions V15 API/index.php:389 lets through, case-sensitively, for the contents that read `action`
# (event, arm, dag, user, userRole, fileRepository); §1.1 #11 (V13+) checks content=file's raw action
# against the same list.
API_ACTIONS = frozenset({"export", "delete", "import", "import_app", "switch", "list", "createFolder"})

# ---------------------------------------------------------------------------------------------------
# Version profiles


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", text.strip())
        if not m:
            raise ValueError(f"{text!r} is not a REDCap version like 15.7.6")
        return cls(int(m[1]), int(m[2]), int(m[3]))

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return (self.major, self.minor, self.patch) < (other.major, other.minor, other.patch)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


OLDEST_SUPPORTED = Version(7, 0, 0)
DEFAULT_VERSION = "15.7.6"


class Change(enum.StrEnum):
    """A behaviour that changed between REDCap versions: `Profile.has(Change.DOWNLOAD_CSP)`. A key of
    CHANGES, where its first version and its source are."""

    API_DISABLED_IS_400 = "api_disabled_is_400"
    POST_PARAM_COUNT_CHECK = "post_param_count_check"
    CSV_ERRORS_ARE_TEXT_CSV = "csv_errors_are_text_csv"
    CASE_SENSITIVE_FILE_ACTION = "case_sensitive_file_action"
    PER_FORM_EXPORT_RIGHTS = "per_form_export_rights"
    RECORD_MESSAGE_ESCAPED = "record_message_escaped"
    LOCKING_BLOCKS_FILE_CHANGES = "locking_blocks_file_changes"
    UPLOAD_SIZE_MESSAGE_NAMES_FIELD_TYPE = "upload_size_message_names_field_type"
    FILE_TYPE_CHECK = "file_type_check"
    SANITIZE_FILE_NAME = "sanitize_file_name"
    UPLOAD_NAME_TAGS_STRIPPED = "upload_name_tags_stripped"
    RESTRICTED_UPLOAD_TYPES = "restricted_upload_types"
    UPLOAD_SAVES_THROUGH_GETDATA = "upload_saves_through_getdata"
    ESCAPE_FILTER_TAGS_15 = "escape_filter_tags_15"
    XSS_NOSNIFF_HEADERS = "xss_nosniff_headers"
    GLOBAL_SECURITY_HEADERS_15 = "global_security_headers_15"
    RANDOM_TEXT_HEADER = "random_text_header"
    UPLOAD_INSTANCE_ISINTEGER = "upload_instance_isinteger"
    DOWNLOAD_CSP = "download_csp"
    REPOSITORY_EXPORT_MIME = "repository_export_mime"
    RECORD_EXPORT_FILE_NAMES = "record_export_file_names"
    BLANK_FOR_GRAY_FORM_STATUS = "blank_for_gray_form_status"
    CONTENT_REPEATING_FORMS_EVENTS = "content_repeating_forms_events"
    CONTENTS_OF_REDCAP_13 = "contents_of_redcap_13"
    CONTENT_SURVEY_ACCESS_CODE = "content_survey_access_code"
    GET_MYCAP_TABLEAU = "get_mycap_tableau"
    VERSION_SUPER_TOKEN = "version_super_token"
    PROJECT_STATE_CHECKS = "project_state_checks"
    PROJECT_OFFLINE_CHECK = "project_offline_check"
    MOBILE_APP_GRANTS_DESIGN = "mobile_app_grants_design"
    REPEATING_EXPORT_NEEDS_DESIGN = "repeating_export_needs_design"
    SETUP_IMPORTS_NEED_DESIGN = "setup_imports_need_design"
    ONE_ELEMENT_ARRAY_UNWRAPPED = "one_element_array_unwrapped"
    PHP8_TYPE_ERRORS = "php8_type_errors"
    POST_MAX_MESSAGE_NAMES_SIZE = "post_max_message_names_size"
    PROJECT_INFO_PI_EMAIL = "project_info_pi_email"
    USER_RIGHTS_COLUMNS_14 = "user_rights_columns_14"
    DATA_VIEWING_RIGHTS_BITMASK = "data_viewing_rights_bitmask"
    ACCESS_METHOD_PRIVILEGES = "access_method_privileges"
    RECORD_RENAME_ACTION = "record_rename_action"
    RECORD_RANDOMIZE_ACTION = "record_randomize_action"


# Each behaviour that changed, with the first version the fake gives it. Where the sources only bound
# the change to an interval, the fake takes the first release of the upper major and says so.
CHANGES: dict[Change, tuple[Version, str]] = {
    Change.POST_PARAM_COUNT_CHECK: (
        Version(10, 0, 0),
        "more than max_input_vars POST values (count($_POST, COUNT_RECURSIVE)) answer 400 system_config_605 "
        "(V10.0.13 Classes/System.php:153-160 and later); V7.1.2 has no such check. Appeared in "
        "(7.1.2, 10.0.13].",
    ),
    Change.API_DISABLED_IS_400: (
        Version(10, 0, 0),
        "API disabled answers 400 (V10+); 503 in V5/V7. Changed in (7.1.2, 10.0.13].",
    ),
    Change.CSV_ERRORS_ARE_TEXT_CSV: (
        Version(10, 0, 0),
        "csv error Content-type text/csv (V10+); text/html in V7. Changed in (7.1.2, 10.0.13].",
    ),
    Change.CASE_SENSITIVE_FILE_ACTION: (
        Version(13, 0, 0),
        "second, case-sensitive action check for content=file (V13+). Changed in (10.0.13, 13.6.1].",
    ),
    Change.PER_FORM_EXPORT_RIGHTS: (
        Version(12, 2, 0),
        "per-instrument export rights aggregated into export_rights (Resources/sql/upgrade_12.02.00.php).",
    ),
    Change.RECORD_MESSAGE_ESCAPED: (
        Version(14, 0, 0),
        "export: The record \"<rec>\" (RCView::escape) instead of '<rec>' raw; field name escaped too. "
        "Changed in (13.6.1, 14.5.11].",
    ),
    Change.LOCKING_BLOCKS_FILE_CHANGES: (
        Version(13, 0, 0),
        "record and instrument locking refuse file import/delete (V13+). Appeared in (10.0.13, 13.6.1].",
    ),
    Change.UPLOAD_SIZE_MESSAGE_NAMES_FIELD_TYPE: (
        Version(13, 0, 0),
        "size-limit text ends 'for File Upload fields.' (V13+; not in V10.0.13).",
    ),
    Change.FILE_TYPE_CHECK: (
        Version(15, 0, 0),
        "uploads of files without an extension refused with docs_1136 (V15 Files::fileTypeAllowed; the "
        "V14.5.11 one still allows an empty extension).",
    ),
    Change.SANITIZE_FILE_NAME: (
        Version(13, 0, 0),
        "stored upload names pass through Files::sanitizeFileName and trim() (V13.6.1 Files.php:363 and "
        "its sanitizeFileName are V15's); V10 only strips tags and ' and trims. "
        "Changed in (10.0.13, 13.6.1].",
    ),
    Change.UPLOAD_NAME_TAGS_STRIPPED: (
        Version(10, 0, 0),
        "stored upload names lose tags and are trimmed (V10.0.13 Files.php:341); V7.1.2 Files.php:299 only "
        "removes '. Changed in (7.1.2, 10.0.13].",
    ),
    Change.RESTRICTED_UPLOAD_TYPES: (
        Version(13, 10, 5),
        "uploads whose extension is on the default Restricted Upload File Types list (exe, js, php, bat, "
        "dll, jar, ...) are refused (upgrade_13.10.05.php fills the setting 13.1.0 created empty).",
    ),
    Change.UPLOAD_SAVES_THROUGH_GETDATA: (
        Version(15, 0, 0),
        "Import File saves through REDCap::getData/saveData (V15 import.php:142-161): nothing is stored, "
        "yet 200 is answered, for an event where the record has no data or a new instance of a repeating "
        "event; V14.5.11 inserted the rows. Changed in (14.5.11, 15.7.6].",
    ),
    Change.ESCAPE_FILTER_TAGS_15: (
        Version(15, 0, 0),
        "RCView::escape's filter_tags allows rt, rp, ruby, wbr, blockquote, address, progress and meter "
        "tags, keeps a final '<' and caps its recursion (V15 System.php:313, init_functions.php); V14.5.11 "
        "does not. Changed in (14.5.11, 15.7.6].",
    ),
    Change.XSS_NOSNIFF_HEADERS: (
        Version(10, 0, 0),
        "every answer carries X-XSS-Protection and X-Content-Type-Options, and Cache-control so spelt "
        "(V10.0.13 System.php:196-202); V7.1.2 System.php:131-133 sends a lower-case cache-control only. "
        "Changed in (7.1.2, 10.0.13].",
    ),
    Change.GLOBAL_SECURITY_HEADERS_15: (
        Version(15, 0, 0),
        "every answer carries Referrer-Policy, Permissions-Policy (System.php:432-433) and the global "
        "Content-Security-Policy (setCspHeader); V14.5.11 and V13.6.1 send none of them. "
        "Changed in (14.5.11, 15.7.6].",
    ),
    Change.RANDOM_TEXT_HEADER: (
        Version(10, 0, 0),
        "REDCap-Random-Text (1-64 random characters) whenever zlib output compression is on "
        "(System.php addHeaderRandomText; not in V7.1.2). Changed in (7.1.2, 10.0.13].",
    ),
    Change.UPLOAD_INSTANCE_ISINTEGER: (
        Version(15, 0, 0),
        "import reads repeat_instance with isinteger (V15); is_numeric before.",
    ),
    Change.REPOSITORY_EXPORT_MIME: (
        Version(14, 0, 0),
        "the File Repository's export sends `Content-type: <mime>; name=...` (V14.5.11 API/fileRepository/"
        "export.php:30); V13.6.1 passes the file name as the content type (`<name>; name=...`). Changed in "
        "(13.6.1, 14.5.11].",
    ),
    Change.DOWNLOAD_CSP: (
        Version(14, 0, 0),
        "Content-Security-Policy: script-src 'none' on file downloads (V14+). Changed in (13.6.1, 14.5.11].",
    ),
    Change.CONTENT_REPEATING_FORMS_EVENTS: (
        Version(10, 0, 0),
        "content=repeatingFormsEvents accepted (V10.0.13 API/index.php:152; not in V7.1.2). Changed in "
        "(7.1.2, 10.0.13].",
    ),
    Change.CONTENTS_OF_REDCAP_13: (
        Version(13, 0, 0),
        "fileRepository, dag, userDagMapping, log, tableau, mycap, userRole, userRoleMapping accepted "
        "(V13.6.1 API/index.php:208-239; not in V10.0.13). Changed in (10.0.13, 13.6.1].",
    ),
    Change.CONTENT_SURVEY_ACCESS_CODE: (
        Version(15, 0, 0),
        "content=surveyAccessCode accepted (V15.7.6 API/index.php:286; not in V14.5.11). Changed in "
        "(14.5.11, 15.7.6].",
    ),
    Change.GET_MYCAP_TABLEAU: (
        Version(13, 0, 0),
        "GET with content=mycap/tableau in the query string is not refused with 501, and ?content=mycap "
        "makes any request a MyCap call without a token (V13.6.1 API/index.php:103-106, 150-157). Changed "
        "in (10.0.13, 13.6.1].",
    ),
    Change.VERSION_SUPER_TOKEN: (
        Version(10, 0, 0),
        "content=version with a 64-character token goes to RestUtility::processRequestSuper (V10.0.13 "
        "RestUtility.php:81-88; V7.1.2 sends only project creation there). Changed in (7.1.2, 10.0.13].",
    ),
    Change.PROJECT_STATE_CHECKS: (
        Version(10, 0, 0),
        "deleted (api_11) and completed (api_150) projects answer 400 after the rights check (V10.0.13 "
        "API/index.php:290-298; absent in V7.1.2). Changed in (7.1.2, 10.0.13].",
    ),
    Change.RECORD_RENAME_ACTION: (
        Version(13, 0, 0),
        "content=record&action=rename is Rename Record (V13.6.1 API/index.php:329-331 and API/record/"
        "rename.php); V10.0.13 API/index.php:253-257 knows only delete, so rename is an export (an import "
        "with data), and V10.0.13 and V7.1.2 have no API/record/rename.php. Changed in (10.0.13, 13.6.1].",
    ),
    Change.RECORD_RANDOMIZE_ACTION: (
        Version(15, 0, 0),
        "content=record&action=randomize is Randomize Record (V15.7.6 API/index.php:394, 445 and API/record/"
        "randomize.php); V14.5.11 API/index.php:392 knows only delete and rename, so randomize is an export "
        "(an import with data). Changed in (14.5.11, 15.7.6].",
    ),
    Change.PROJECT_OFFLINE_CHECK: (
        Version(13, 0, 0),
        "an offline project answers 400 info_65 (V13.6.1 API/index.php:396-402; absent in V10.0.13). "
        "Changed in (10.0.13, 13.6.1].",
    ),
    Change.MOBILE_APP_GRANTS_DESIGN: (
        Version(14, 0, 0),
        "mobile_app=1 also grants User Rights, DAG and Project Design rights (V14.5.11 "
        "RestUtility.php:169; V13.6.1 grants API and export rights only). Changed in (13.6.1, 14.5.11].",
    ),
    Change.SETUP_IMPORTS_NEED_DESIGN: (
        Version(14, 0, 0),
        "repeatingFormsEvents and project_settings imports need Project Design rights, else 400 api_228 "
        "(V14.5.11 API/project_settings/import.php:5, API/repeatingFormsEvents/import.php:230; absent in "
        "V13.6.1). Changed in (13.6.1, 14.5.11].",
    ),
    Change.REPEATING_EXPORT_NEEDS_DESIGN: (
        Version(14, 0, 0),
        "repeatingFormsEvents export needs Project Design rights, else 400 api_227 (V14.5.11 "
        "API/repeatingFormsEvents/export.php:5; absent in V13.6.1). Changed in (13.6.1, 14.5.11].",
    ),
    Change.ONE_ELEMENT_ARRAY_UNWRAPPED: (
        Version(14, 0, 0),
        "db_real_escape_string reads a one-element array as its element (V14.5.11 "
        "Config/init_functions.php:484-493; V13.6.1:450 passes the array on). Changed in (13.6.1, 14.5.11].",
    ),
    Change.PHP8_TYPE_ERRORS: (
        Version(15, 0, 0),
        "REDCap 15 needs PHP 8.0.2+ (System::minimum_php_version_required; 7.3.0 in V13/V14): a parameter "
        "sent as an array where PHP needs a string is a TypeError, answered 400 'An unknown error "
        "occurred...' by System::fatalErrorShutdownHandler, or an empty 200 for returnFormat[]. Before, "
        "the fake reads such an array as PHP 7 does, as 'Array'. Calc equations (fake_redcap/calc.py) "
        "likewise: before 15, PHP 7 reads a non-numeric string in arithmetic as 0, divides by zero to "
        "INF or NAN, and compares a number with a non-numeric string as numbers.",
    ),
    Change.POST_MAX_MESSAGE_NAMES_SIZE: (
        Version(10, 0, 0),
        "the post_max_size page names the size '(N MB)' and escapes the Referer (V10.0.13 System.php:480; "
        "V7.1.2:357 does neither). Changed in (7.1.2, 10.0.13].",
    ),
    Change.PROJECT_INFO_PI_EMAIL: (
        Version(16, 0, 0),
        "NOT FROM SOURCE: no 16.x source was read. content=project has project_pi_email after "
        "project_pi_lastname, as the REDCap 16.x API documentation describes and a real server recorded "
        "(a public capture of redcap.helse-vest.no's Export Project Info); absent in every source read "
        "up to 15.7.6 (Project::getAttributesApiExportProjectInfo).",
    ),
    Change.RECORD_EXPORT_FILE_NAMES: (
        Version(13, 0, 0),
        "record exports show a file field's stored file name (V13.6.1 and V15.7.6 Records::getData replace "
        "[document] through $edocIds); V10.0.13 shows [document]. Changed in (10.0.13, 13.6.1].",
    ),
    Change.BLANK_FOR_GRAY_FORM_STATUS: (
        Version(13, 0, 0),
        "the record export reads exportBlankForGrayFormStatus (V13.6.1 API/record/export.php:337, V15.7.6 "
        ":340-341, Records::getData's returnBlankForGrayFormStatus); V10.0.13 has no such parameter. "
        "Changed in (10.0.13, 13.6.1].",
    ),
    Change.ACCESS_METHOD_PRIVILEGES: (
        Version(14, 0, 0),
        "the user, role and DAG methods check the caller's privileges: User Rights for the user, role and "
        "role-assignment exports (api_229) and the user delete (api_103), Data Access Groups for every DAG "
        "and user-DAG method but switch (api_221, api_222) (V14.5.11 and V15.7.6 API/user/export.php:5, "
        "delete.php:5, API/userRole/export.php:5, API/userRoleMapping/export.php:5, API/dag/*.php:5, "
        "API/userDagMapping/*.php:5); V13.6.1 checks only the user, role and role-assignment imports and "
        "the role delete. Changed in (13.6.1, 14.5.11].",
    ),
    Change.DATA_VIEWING_RIGHTS_BITMASK: (
        Version(15, 0, 0),
        "a role made through the API stores its form rights through encodeDataViewingRights: 128 (no access) "
        "for a form left out, and a number given throws (V15.7.6 UserRights::addRole :3022-3033); V14.5.11 "
        "addRole stores 0, or the number given. Changed in (14.5.11, 15.7.6].",
    ),
    Change.USER_RIGHTS_COLUMNS_14: (
        Version(14, 0, 0),
        "content=user exports alerts, email_logging and api_modules, and mycap_participants only when MyCap "
        "is enabled (V14.5.11 and V15.7.6 UserRights::getUserDetails); V13.6.1 exports none of the three "
        "and mycap_participants always, last. Changed in (13.6.1, 14.5.11].",
    ),
}


@dataclass(frozen=True)
class Profile:
    """The behaviour of one REDCap version, as far as the file API shows it."""

    version: Version

    @classmethod
    def for_version(cls, text: str) -> Profile:
        v = Version.parse(text)
        if v < OLDEST_SUPPORTED:
            raise ValueError(f"REDCap {v} is older than the oldest profile the fake has ({OLDEST_SUPPORTED})")
        return cls(v)

    def __post_init__(self) -> None:
        # Every Change this version has, decided once: `has` is asked several times per request.
        held = frozenset(change for change, (since, _) in CHANGES.items() if self.version >= since)
        object.__setattr__(self, "_held", held)

    def has(self, change: Change) -> bool:
        return change in self._held  # type: ignore[attr-defined]  # set in __post_init__

    @property
    def csv_error_content_type(self) -> str:
        return "text/csv" if self.has(Change.CSV_ERRORS_ARE_TEXT_CSV) else "text/html"

    def record_missing(self, record: str) -> str:
        """Export File's E5 text."""
        if self.has(Change.RECORD_MESSAGE_ESCAPED):
            return f'The record "{rcview_escape(record, self)}" does not exist'
        return RECORD_MISSING_RAW.format(record=record)

    def record_in_message(self, record: str) -> str:
        """The record as the locking messages show it: escaped in V14+, raw in V13."""
        return rcview_escape(record, self) if self.has(Change.RECORD_MESSAGE_ESCAPED) else record

    def field_not_file(self, field: str) -> str:
        return FIELD_NOT_FILE.format(
            field=rcview_escape(field, self) if self.has(Change.RECORD_MESSAGE_ESCAPED) else field
        )


# The contents later releases added to the list, with the CHANGES row that brings them (V7.1.2
# API/index.php:107-135 has the others).
CONTENT_SINCE = {
    "repeatingFormsEvents": Change.CONTENT_REPEATING_FORMS_EVENTS,
    **dict.fromkeys(
        ("fileRepository", "dag", "userDagMapping", "log", "tableau", "mycap", "userRole", "userRoleMapping"),
        Change.CONTENTS_OF_REDCAP_13,
    ),
    "surveyAccessCode": Change.CONTENT_SURVEY_ACCESS_CODE,
}


def content_accepted(content: str, profile: Profile) -> bool:
    """Whether this version's API/index.php lets `content` through its switch."""
    since = CONTENT_SINCE.get(content)
    return content in VALID_CONTENT and (since is None or profile.has(since))


# ---------------------------------------------------------------------------------------------------
# PHP string helpers REDCap's messages pass through


def rcview_escape(text: str, profile: Profile | None = None) -> str:
    """REDCap's `RCView::escape` (fake_redcap.escape), with the version's filter_tags rules."""
    rules = V14_RULES if profile is not None and not profile.has(Change.ESCAPE_FILTER_TAGS_15) else V15_RULES
    return escape.rcview_escape(text, rules)
