"""What a real REDCap sends, written down from the reference, never taken from the fake.

Texts are quoted from `shared/reference/redcap-file-api-behaviour.md` (section given with each), which
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

# §3.1: the Content-Security-Policy sendFile sets on downloads (V14+).
DOWNLOAD_CSP = "script-src 'none'"
# §2: the policy System::init sets on every other answer when none exists yet (V15).
GLOBAL_CSP = (
    "default-src * 'unsafe-inline' 'unsafe-eval' data: blob:; script-src * 'unsafe-inline' 'unsafe-eval' "
    "data: blob:; style-src * 'unsafe-inline' data: blob:;"
)
# §2: headers V15 sets on every answer whatever the server's configuration.
GLOBAL_HEADERS: dict[str, str] = {
    "Expires": "0",
    "Cache-Control": "no-store, no-cache, must-revalidate",
    "Pragma": "no-cache",
    "X-XSS-Protection": "1; mode=block",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}

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
    """PHP json_encode with default flags: no spaces, `/` as `\\/`, non-ASCII as `\\uXXXX`."""
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
