"""What a real REDCap sends, written down from the reference, never taken from the fake.

Texts are quoted from `docs/evidence/file-api-behaviour.md` (section given with each), which
reads them from REDCap's PHP source (V15 = 15.7.6 `API/index.php`, `Classes/RestUtility.php`,
`API/file/export.php`, `LanguageUpdater/English.ini`). Keep this module free of imports from
`fake_redcap`: the suite must be able to disagree with the fake.
"""

from __future__ import annotations

import json

# §1.1 #4 and §2: sendResponse's default texts.
METHOD_NOT_IMPLEMENTED = "The requested method is not implemented."
NO_API_PERMISSION = "You do not have permissions to use the API"
# §1.1 #7 (RestUtility::processRequest builds it around the raw DB date).
EXPIRED = "You do not have API rights because your privileges have expired for this project as of {date}."
# §1.1 #9-#11.
CONTENT_INVALID = 'The value of the parameter "content" is not valid'
ACTION_INVALID = 'The value of the parameter "action" is not valid'
# §1.1 #12 (V7+), §4.1, §4.2.
NO_API_EXPORT = "You do not have API Export privileges"
NO_API_IMPORT = "You do not have API Import/Update privileges"
NO_RECORD_DELETE = "You do not have Delete Record privileges"
# §1.3 E1, E2 (V7+).
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
# §1.3 E3, E7/E8.
INVALID_EVENT = "invalid event"
NO_FILE_TO_DOWNLOAD = "There is no file to download for this record"
# §4.2 step 4: delete's own record text (single quotes, raw, even in V15).
DELETE_RECORD_MISSING = "The record '{record}' does not exist"

# §4.1 Import File (V15 API/file/import.php), step by step.
NO_VALID_FILE = "No valid file was uploaded"  # 1
UPLOAD_PROBLEM = "There was a problem with the uploaded file"  # 2
IMPORT_ANALYSIS = "The file cannot be uploaded because the project is in Analysis/Cleanup status."  # 3
# 6 (V13+; also delete step 3, copied word for word): the record RCView-escaped in V14+, raw in V13.
RECORD_LOCKED = 'The uploaded file could not be saved because record "{record}" is locked.'
FORM_LOCKED = (
    'The uploaded file could not be saved because the field\'s instrument is locked for record "{record}".'
)
# 8: `$lang['docs_1136']`, which starts with "ERROR: " itself.
FILE_TYPE_NOT_PERMITTED = "ERROR: The file cannot be uploaded because its file type is not permitted."
# 8-12: Files::uploadFile saved nothing and the name as posted is permitted (import.php `else` branch).
SAVE_FAILED = "A problem occurred while trying to save the uploaded file"
# 9: raw, single quotes, all versions; the record must exist in some event.
IMPORT_RECORD_MISSING = "The record '{record}' does not exist. It must exist to upload a file"
# 11 (V7+): the field as sent.
SIGNATURE_IMPORT = (
    "The field '{field}' is a signature field, which cannot be imported using the API but can only be "
    "created using the web interface. However, it can be downloaded or deleted using the API."
)

# Source audit #19: RestUtility::processRequestSuper (V10+ for content=version, V7+ for project
# creation), `$lang['api_120']` (V15 LanguageUpdater/English.ini:1097).
SUPER_TOKEN_NEEDED = (
    "You do not have permissions to use the API 'Create Project' method. You must have been granted a "
    "64-character Super API Token from a REDCap administrator in order to utilize this method."
)
# Source audit #21: what REDCap 15 (PHP 8.0.2+) answers when a parameter sent as an array reaches a PHP
# function that takes a string: System::fatalErrorShutdownHandler -> API::outputApiErrorMsg (V15
# Classes/System.php, Classes/API.php).
UNKNOWN_ERROR_PARAMETERS = "An unknown error occurred. Please check your API parameters."
# Apache 2.4's own 404 page text (modules/http/http_protocol.c), which REDCapR's tests expect for a
# wrong URL.
APACHE_NOT_FOUND = b"<p>The requested URL was not found on this server.</p>"

# §4.2 Delete File (V15 API/file/delete.php).
DELETE_ANALYSIS = "The file cannot be deleted because the project is in Analysis/Cleanup status."  # 1
NO_FILE_TO_DELETE = "There is no file to delete for this record"  # 6

# The read-only project exports. Their sources are named with each clause (test_project_exports.py).
# Project::getArmRecords / getEventRecords / getInstrEventMapRecords (V15 Classes/Project.php); the
# events text is also what real servers answered REDCapR and redcapAPI.
ARMS_CLASSIC = "You cannot export arms for classic projects"
EVENTS_CLASSIC = "You cannot export events for classic projects"
MAPPING_CLASSIC = "You cannot export form/event mappings for classic projects"
# The data dictionary's columns, in order (V15 MetaData::getDataDictionary; PyCap's export_metadata
# docstring shows the same first and last columns from a real server).
DATA_DICTIONARY_COLUMNS = (
    "field_name",
    "form_name",
    "section_header",
    "field_type",
    "field_label",
    "select_choices_or_calculations",
    "field_note",
    "text_validation_type_or_show_slider_number",
    "text_validation_min",
    "text_validation_max",
    "identifier",
    "branching_logic",
    "required_field",
    "custom_alignment",
    "question_number",
    "matrix_group_name",
    "matrix_ranking",
    "field_annotation",
)
# Project information keys every REDCap 10.0.13 to 15.7.6 sends (Project::getAttributesApiExportProjectInfo
# plus what API/project/export.php adds); later releases may add more.
PROJECT_INFO_KEYS = (
    "project_id",
    "project_title",
    "creation_time",
    "production_time",
    "in_production",
    "project_language",
    "purpose",
    "purpose_other",
    "project_notes",
    "custom_record_label",
    "secondary_unique_field",
    "is_longitudinal",
    "has_repeating_instruments_or_events",
    "surveys_enabled",
    "scheduling_enabled",
    "record_autonumbering_enabled",
    "randomization_enabled",
    "project_irb_number",
    "missing_data_codes",
    "external_modules",
)

# Every key of Export Project Information, in the order REDCap sends them: V15 Classes/Project.php:2231-2257
# getAttributesApiExportProjectInfo (V10.0.13 Project.php:2025-2050 the same order, without
# bypass_branching_erase_field_prompt); API/project/export.php:70-89 fills them in that order and only
# reassigns is_longitudinal, has_repeating_instruments_or_events and external_modules, which keeps their
# place in a PHP array. REDCap 16 adds project_pi_email after project_pi_lastname (its API documentation).
PROJECT_INFO_KEY_ORDER = (
    "project_id",
    "project_title",
    "creation_time",
    "production_time",
    "in_production",
    "project_language",
    "purpose",
    "purpose_other",
    "project_notes",
    "custom_record_label",
    "secondary_unique_field",
    "is_longitudinal",
    "has_repeating_instruments_or_events",
    "surveys_enabled",
    "scheduling_enabled",
    "record_autonumbering_enabled",
    "randomization_enabled",
    "ddp_enabled",
    "project_irb_number",
    "project_grant_number",
    "project_pi_firstname",
    "project_pi_lastname",
    "project_pi_email",
    "display_today_now_button",
    "missing_data_codes",
    "external_modules",
    "bypass_branching_erase_field_prompt",
)

# §3.1: the Content-Security-Policy sendFile sets on downloads (V14+).
DOWNLOAD_CSP = "script-src 'none'"
# §2: the policy System::init sets on every other answer when none exists yet (V15).
GLOBAL_CSP = (
    "default-src * 'unsafe-inline' 'unsafe-eval' data: blob:; script-src * 'unsafe-inline' 'unsafe-eval' "
    "data: blob:; style-src * 'unsafe-inline' data: blob:;"
)
# V15 Classes/System.php:433 setCacheControlAndOtherHeaders.
PERMISSIONS_POLICY = (
    "accelerometer=*, autoplay=*, camera=*, encrypted-media=*, fullscreen=*, geolocation=*, gyroscope=*, "
    "magnetometer=*, microphone=*, midi=*, payment=*, picture-in-picture=*, publickey-credentials-get=*, "
    "sync-xhr=*, usb=*, xr-spatial-tracking=*"
)
# §2: headers V15 sets on every answer whatever the server's configuration.
GLOBAL_HEADERS: dict[str, str] = {
    "Expires": "0",
    "Cache-Control": "no-store, no-cache, must-revalidate",
    "Pragma": "no-cache",
    "X-XSS-Protection": "1; mode=block",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
}
# Of those, the ones REDCap 10-14 do not send (V14.5.11 System.php:407-415, V13.6.1 :376-383 and V10.0.13
# :196-202 setCacheControl), with the global Content-Security-Policy (no setCspHeader before 15).
HEADERS_NEW_IN_15 = ("Referrer-Policy", "Permissions-Policy", "Content-Security-Policy")
# V15 System.php addHeaderRandomText: with zlib output compression on, 1-64 of generateRandomHash's
# characters (letters without l and O, digits 2-9).
RANDOM_TEXT_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHIJKLMNPQRSTUVWXYZ23456789"

# §2: the status line's reason phrase (RestUtility::getStatusCodeMessage).
REASON_PHRASES = {200: "OK", 400: "Bad Request", 403: "Forbidden", 501: "Not Implemented"}


def record_missing(record: str) -> str:
    """§1.3 E5 for 14.5.11 and later: double quotes, the record passed through RCView::escape."""
    return f'The record "{rcview_escape(record)}" does not exist'


def record_missing_raw(record: str) -> str:
    """§1.3 E5 up to 13.6.1: single quotes, the record as sent."""
    return f"The record '{record}' does not exist"


def field_not_file(field: str) -> str:
    """§1.3 E6 for 14.5.11 and later: the field name passed through RCView::escape."""
    return f"The field '{rcview_escape(field)}' does not exist or is not a 'file' field"


def field_not_file_raw(field: str) -> str:
    """§1.3 E6 up to 13.6.1: the field name as sent."""
    return f"The field '{field}' does not exist or is not a 'file' field"


def import_record_missing(record: str) -> str:
    return IMPORT_RECORD_MISSING.format(record=record)


def delete_record_missing(record: str) -> str:
    return DELETE_RECORD_MISSING.format(record=record)


def record_locked(record: str) -> str:
    """§4.1 step 6 for a record name that RCView::escape leaves alone (the same in V13 and V14+)."""
    assert rcview_escape(record) == record, "use a record name without & \" ' < >"
    return RECORD_LOCKED.format(record=record)


def form_locked(record: str) -> str:
    assert rcview_escape(record) == record, "use a record name without & \" ' < >"
    return FORM_LOCKED.format(record=record)


def signature_import(field: str) -> str:
    return SIGNATURE_IMPORT.format(field=field)


def expired(date: str) -> str:
    return EXPIRED.format(date=date)


def rcview_escape(text: str) -> str:
    """RCView::escape on a plain value without tags or entities: `htmlspecialchars(ENT_QUOTES)`.

    Clauses only pass values whose escaping needs no HTML decoding or tag stripping, so the expected
    text stays obvious: `"` -> `&quot;`, `'` -> `&#039;`, `&` -> `&amp;`, `<` -> `&lt;`, `>` -> `&gt;`.
    """
    return (
        text.replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("'", "&#039;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


# ---------------------------------------------------------------------------------------------------
# §2: the three error envelopes, byte for byte (no trailing newline in any of them).

XML_PROLOGUE = b'<?xml version="1.0" encoding="UTF-8" ?>'


def xml_error(message: str) -> bytes:
    """The message goes in without XML escaping."""
    return XML_PROLOGUE + b"<hash><error>" + message.encode("utf-8") + b"</error></hash>"


def json_error(message: str) -> bytes:
    """PHP json_encode with default flags: no spaces, `/` as `\\/`, non-ASCII as `\\uhhhh`."""
    return php_json_encode({"error": message}).encode("ascii")


def csv_error(message: str) -> bytes:
    return b"ERROR: " + message.encode("utf-8")


def php_json_encode(value: object) -> str:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/")


ERROR_CONTENT_TYPES = {
    "xml": "text/xml; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",  # REDCap 10+; text/html before
}


def download_content_type(mime: str, name: str) -> bytes:
    """§3.1: `<mime>; name="<doc_name>"`, and PHP appends `;charset=UTF-8` (no space) to `text/*`."""
    value = f'{mime}; name="{name}"'
    if mime.startswith("text/"):
        value += ";charset=UTF-8"
    return value.encode("utf-8")
