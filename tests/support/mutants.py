"""The hand-written mutants of the mutation test (tests/support/mutation.py): one small, plausible bug
each, in the clusters issue 17 names. Each is (file, exact old text, new text, what it breaks); the old
text must occur exactly once (tests/test_mutants.py), so a mutant cannot rot silently when the code moves.

`equivalent` holds the reason when no real REDCap could tell the mutant from the fake; those are left
out of the kill rate, and listed in docs/ and by `make mutants`.
"""

from __future__ import annotations

from tests.support.mutation import Mutant

MESSAGES = "fake_redcap/messages.py"
FILENAMES = "fake_redcap/filenames.py"
FILE = "fake_redcap/methods/file.py"
RECORD = "fake_redcap/methods/record.py"
MODEL = "fake_redcap/model.py"
STRUCTURE = "fake_redcap/methods/structure.py"
ERRORS = "fake_redcap/errors.py"
RESPONSES = "fake_redcap/responses.py"
ESCAPE = "fake_redcap/escape.py"
PROJECT_INFO = "fake_redcap/methods/project_info.py"
DELETE = "fake_redcap/methods/record_delete.py"
IMPORT = "fake_redcap/methods/record_import.py"
ROUTING = "fake_redcap/routing.py"


def _bound(change: str, old: str, new: str) -> tuple[str, str]:
    """The texts of a CHANGES row whose first version moves from `old` to `new`."""
    return (f"Change.{change}: (\n        Version({old}),", f"Change.{change}: (\n        Version({new}),")


def _version(n: int, change: str, old: str, new: str, what: str, equivalent: str = "") -> Mutant:
    before, after = _bound(change, old, new)
    return Mutant(f"V{n:02}", "version bounds", MESSAGES, before, after, what, equivalent)


VERSION_BOUNDS = [
    _version(
        1, "RECORD_MESSAGE_ESCAPED", "14, 0, 0", "15, 0, 0", "record names escaped in messages from 15.0"
    ),
    _version(
        2, "LOCKING_BLOCKS_FILE_CHANGES", "13, 0, 0", "14, 0, 0", "locking blocks file changes from 14.0"
    ),
    _version(3, "FILE_TYPE_CHECK", "15, 0, 0", "14, 0, 0", "names without an extension refused from 14.0"),
    _version(4, "SANITIZE_FILE_NAME", "13, 0, 0", "14, 0, 0", "upload names sanitised from 14.0"),
    _version(5, "RESTRICTED_UPLOAD_TYPES", "13, 10, 5", "14, 0, 0", "restricted upload types from 14.0"),
    _version(6, "XSS_NOSNIFF_HEADERS", "10, 0, 0", "13, 0, 0", "X-XSS-Protection and nosniff from 13.0"),
    _version(
        7, "GLOBAL_SECURITY_HEADERS_15", "15, 0, 0", "14, 0, 0", "the global security headers from 14.0"
    ),
    _version(
        8,
        "UPLOAD_INSTANCE_ISINTEGER",
        "15, 0, 0",
        "14, 0, 0",
        "upload instances read with isinteger from 14.0",
    ),
    _version(9, "DOWNLOAD_CSP", "14, 0, 0", "15, 0, 0", "the download CSP from 15.0"),
    _version(10, "ESCAPE_FILTER_TAGS_15", "15, 0, 0", "14, 0, 0", "V15's filter_tags rules from 14.0"),
    _version(
        11, "CASE_SENSITIVE_FILE_ACTION", "13, 0, 0", "14, 0, 0", "the case-sensitive file action from 14.0"
    ),
    _version(
        12, "RECORD_EXPORT_FILE_NAMES", "13, 0, 0", "14, 0, 0", "record exports name stored files from 14.0"
    ),
    _version(
        13, "UPLOAD_SAVES_THROUGH_GETDATA", "15, 0, 0", "14, 0, 0", "uploads saved through getData from 14.0"
    ),
    _version(
        14,
        "PER_FORM_EXPORT_RIGHTS",
        "12, 2, 0",
        "13, 0, 0",
        "per-instrument export rights from 13.0",
        equivalent=(
            "no code asks for this row: before 12.2.0 a fixture's per-form rights stand for their aggregate "
            "(methods/file.py export_file), so every version answers alike; the row documents the bound "
            "(the per-form rules themselves are mutants R02, R03)"
        ),
    ),
]

_REMOVED = "_REMOVED = [ch.encode() for ch in '?/\\\\<>:\"*|~`!«»”“\\x00']"
UPLOAD_NAMES = [
    Mutant("S01", "upload names", FILENAMES, _REMOVED, _REMOVED.replace("~", ""), "'~' kept in upload names"),
    Mutant(
        "S02", "upload names", FILENAMES, '"s": "ßśŝşšſș",', '"s": "śŝşšſș",\n    "ss": "ß",', "'ß' made 'ss'"
    ),
    Mutant(
        "S03",
        "upload names",
        FILENAMES,
        'name.replace(b"%20", b"-")',
        'name.replace(b"%20", b" ")',
        "'%20' made a space",
    ),
    Mutant("S04", "upload names", FILENAMES, '.strip(b".-_")', '.strip(b".-")', "'_' kept at the ends"),
    Mutant("S05", "upload names", FILENAMES, 'rb"[\\r\\n\\t-]+"', 'rb"[\\r\\n-]+"', "tabs not made '-'"),
    Mutant(
        "S06",
        "upload names",
        FILENAMES,
        "trim(sanitize_file_name_bytes(strip_tags(data)))",
        "trim(sanitize_file_name_bytes(data))",
        "tags kept in sanitised names",
    ),
    Mutant(
        "S07", "upload names", FILENAMES, 'data = data.replace(b"\'", b"")', "data = data", 'V7/V10 keep "\'"'
    ),
    Mutant(
        "S08",
        "upload names",
        FILENAMES,
        "data[dot + 1 :].lower()",
        "data[dot + 1 :]",
        "extensions compared case-sensitively",
    ),
    Mutant(
        "S09",
        "upload names",
        FILENAMES,
        'dot = data.rfind(b".")',
        'dot = data.find(b".")',
        "the extension after the first '.'",
    ),
    Mutant("S10", "upload names", FILENAMES, "ex exe hta img", "ex hta img", "'exe' not restricted"),
    Mutant(
        "S11",
        "MIME sniffing",
        FILE,
        "return str(magic.from_descriptor(fd, mime=True))",
        'return "application/octet-stream"',
        "the stored MIME type not sniffed",
    ),
    Mutant(
        "S12",
        "MIME sniffing",
        FILE,
        "return str(magic.from_descriptor(fd, mime=True))",
        "return str(magic.from_descriptor(fd, mime=True)).replace('x-empty', 'octet-stream')",
        "an empty upload's type application/octet-stream",
    ),
    Mutant(
        "S13",
        "MIME sniffing",
        FILE,
        "return str(magic.from_descriptor(fd, mime=True))",
        "return str(magic.Magic(mime=True, mime_encoding=True).from_descriptor(fd))",
        "the type with its charset (finfo's FILEINFO_MIME, not mime_content_type)",
    ),
    Mutant(
        "S14",
        "MIME sniffing",
        FILE,
        "stored = call.state.store(upload.stream, name, sniff_mime)",
        "stored = call.state.store(\n        upload.stream, name,"
        " lambda _: __import__('mimetypes').guess_type(name)[0] or 'application/octet-stream'\n    )",
        "the type guessed from the name's extension",
    ),
]

RECORD_EXPORT = [
    Mutant(
        "R01",
        "record export",
        RECORD,
        "raise ApiError(403, msg.EXPORT_NO_ACCESS)\n    metadata =",
        "raise ApiError(400, msg.EXPORT_NO_ACCESS)\n    metadata =",
        "No Access answers 400",
    ),
    Mutant(
        "R02",
        "record export",
        MODEL,
        "if levels == {ExportRight.REMOVE_IDENTIFIERS}:\n            return ExportRight.REMOVE_IDENTIFIERS",
        "if levels == {ExportRight.REMOVE_IDENTIFIERS}:\n            return ExportRight.DEIDENTIFIED",
        "per-form Remove Identifiers everywhere aggregates to De-Identified",
        equivalent=(
            "the API reads the aggregate only to compare it with No Access (record export, next record name, "
            "log) and, in Export File, treats De-Identified and Remove Identifiers alike (V15 API/file/"
            "export.php:11-13); the record export's removals go by the per-form rights; only the fake's own "
            "page and /__fake__/state show the aggregate"
        ),
    ),
    Mutant(
        "R03",
        "record export",
        STRUCTURE,
        "or (right in (ExportRight.DEIDENTIFIED, ExportRight.REMOVE_IDENTIFIERS) and field.identifier)",
        "or (right == ExportRight.DEIDENTIFIED and field.identifier)",
        "Remove Identifiers keeps Identifier fields",
    ),
    Mutant(
        "R04",
        "record export",
        RECORD,
        'records = [php_trim(v.replace("\'", "")) for v in',
        "records = [php_trim(v) for v in",
        "record names keep their quotes",
    ),
    Mutant(
        "R05",
        "record export",
        MESSAGES,
        "RECORD_FIELDS_INVALID = 'The following values in the parameter \"fields\" are not valid: {values}'",
        "RECORD_FIELDS_INVALID = 'The following values in the parameter \"fields\" are invalid: {values}'",
        "the invalid-fields message reworded",
    ),
    Mutant(
        "R06",
        "record export",
        RECORD,
        "fields_raw = [php_trim(v) for v in fields_raw]",
        "fields_raw = list(fields_raw)",
        "a comma list of fields not trimmed",
    ),
    Mutant(
        "R07",
        "record export",
        RECORD,
        'elif found.type != "descriptive":',
        "else:",
        "descriptive fields exported",
    ),
    Mutant(
        "R08",
        "record export",
        STRUCTURE,
        'or (deid and field.type == "notes")',
        'or (deid and field.type == "note")',
        "De-Identified keeps notes fields",
    ),
]

ENVELOPES = [
    Mutant("E01", "envelope escaping", ERRORS, '.replace("/", "\\\\/")', "", "json errors do not escape '/'"),
    Mutant(
        "E02",
        "envelope escaping",
        ERRORS,
        "ensure_ascii=True",
        "ensure_ascii=False",
        "json errors keep non-ASCII raw",
    ),
    Mutant(
        "E03",
        "envelope escaping",
        ERRORS,
        '_utf8("ERROR: " + message)',
        '_utf8("ERROR:" + message)',
        "csv errors lose the space",
    ),
    Mutant(
        "E04",
        "envelope escaping",
        ERRORS,
        "<hash><error>{message}</error></hash>",
        '<hash><error>{message.replace("&", "&amp;").replace("<", "&lt;")}</error></hash>',
        "xml errors escaped",
    ),
    Mutant(
        "E05",
        "envelope escaping",
        ERRORS,
        'ReturnFormat.XML: "text/xml"',
        'ReturnFormat.XML: "application/xml"',
        "xml errors typed application/xml",
    ),
    Mutant(
        "E06",
        "envelope escaping",
        ERRORS,
        '            return b""\n',
        "            return php_json_encode({'error': message.encode('utf-8', 'replace').decode()})"
        ".encode()\n",
        "invalid UTF-8 in a json error kept",
    ),
]

HEADERS = [
    Mutant(
        "H01",
        "headers",
        RESPONSES,
        '("X-XSS-Protection", "1; mode=block")',
        '("X-XSS-Protection", "1")',
        "X-XSS-Protection: 1",
    ),
    Mutant(
        "H02",
        "headers",
        RESPONSES,
        '("Referrer-Policy", "strict-origin-when-cross-origin")',
        '("Referrer-Policy", "no-referrer")',
        "another Referrer-Policy",
    ),
    Mutant(
        "H03",
        "headers",
        RESPONSES,
        '("cache-control", "no-store, no-cache, must-revalidate")',
        '("Cache-control", "no-store, no-cache, must-revalidate")',
        "V7's cache-control capitalised",
    ),
    Mutant(
        "H04",
        "headers",
        RESPONSES,
        "content_type = f'{mime}; name=\"{name}\"'",
        "content_type = f'{mime}; filename=\"{name}\"'",
        "filename= instead of name=",
    ),
    Mutant(
        "H05",
        "headers",
        RESPONSES,
        'return ";charset=UTF-8"',
        'return "; charset=UTF-8"',
        "PHP's default charset with a space",
    ),
    Mutant(
        "H06",
        "headers",
        RESPONSES,
        'return not ("\\r" in value or "\\n" in value or "\\0" in value)',
        'return not ("\\r" in value or "\\n" in value)',
        "a NUL in a file name sent in the header",
        equivalent=(
            "no upload stores a name holding NUL: PHP's multipart parser ends the filename at NUL, "
            "strip_tags (V10+) and sanitizeFileName (V13+, Files.php:1518) drop it too (observed with "
            "php-cli 8: "
            'filename="a\\0b.txt" arrives as "a"), and so does the fake\'s multipart parser '
            "(fake_redcap/wire.py): only a fixture can hold such a name"
        ),
    ),
    Mutant(
        "H07",
        "headers",
        RESPONSES,
        "DOWNLOAD_CSP = \"script-src 'none'\"",
        "DOWNLOAD_CSP = \"script-src 'self'\"",
        "another download CSP",
    ),
    Mutant(
        "H08",
        "headers",
        RESPONSES,
        '("Access-Control-Allow-Origin", "*"),\n    ("Content-Security-Policy", GLOBAL_CSP),',
        '("Content-Security-Policy", GLOBAL_CSP),',
        "V15 without Access-Control-Allow-Origin",
    ),
]

ESCAPING = [
    Mutant(
        "X01",
        "envelope escaping",
        ESCAPE,
        "keeps_final_lt=True",
        "keeps_final_lt=False",
        "V15 drops a final '<'",
        equivalent=(
            "the fake reaches filter_tags only through RCView::escape's strip_tags2, whose last step, "
            "strip_tags (V15 init_functions.php:1588), removes a trailing '<' whether filter_tags kept it or "
            "not (60,000 random strings of '<', '$', tags, comments and entities escaped alike with and "
            "without the rule)"
        ),
    ),
    Mutant(
        "X02",
        "envelope escaping",
        ESCAPE,
        '"rt rp ruby wbr blockquote',
        '"rt rp ruby blockquote',
        "wbr not an allowed tag in V15",
    ),
    Mutant(
        "X03",
        "envelope escaping",
        ESCAPE,
        'rb"(<)(\\d|\\+|-|\\.|\\*|\\$|=)"',
        'rb"(<)(\\d|\\+|-|\\.|\\*|=)"',
        "'<$' not spaced",
    ),
    Mutant(
        "X04",
        "envelope escaping",
        ESCAPE,
        "escaped = htmlspecialchars(data)",
        "escaped = data",
        "RCView::escape without htmlspecialchars",
    ),
    Mutant(
        "X05",
        "envelope escaping",
        ESCAPE,
        'data = data.replace(b"&amp;nbsp;", b" ").replace(b"&nbsp;", b" ")',
        'data = data.replace(b"&amp;nbsp;", b"").replace(b"&nbsp;", b"")',
        "&nbsp; removed instead of made a space",
    ),
]

INSTANCES = [
    Mutant(
        "I01",
        "instance numbers",
        FILE,
        '_PHP_NUMERIC = re.compile(r"[ \\t\\n\\r\\v\\f]*[+-]?',
        '_PHP_NUMERIC = re.compile(r"[+-]?',
        "is_numeric refuses leading white space",
    ),
    Mutant("I02", "instance numbers", FILE, "if instance <= 0:", "if instance < 0:", "instance 0 kept"),
    Mutant(
        "I03",
        "instance numbers",
        FILE,
        ' and not (text != "0" and text.startswith("0"))',
        "",
        "isinteger accepts leading zeros",
    ),
    Mutant(
        "I04",
        "instance numbers",
        FILE,
        '_PHP_INTEGER = re.compile(r"[-+]?\\d+")',
        '_PHP_INTEGER = re.compile(r"[-+]?[\\d.]+")',
        "isinteger accepts '2.0'",
    ),
    Mutant(
        "I05",
        "instance numbers",
        FILE,
        "return instance if repeats else 1.0",
        "return instance",
        "instances of forms that do not repeat kept",
    ),
    Mutant(
        "I06",
        "instance numbers",
        FILE,
        "(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?[ \\t",
        "(\\d+(\\.\\d*)?|\\.\\d+)[ \\t",
        "is_numeric refuses exponents",
    ),
]

PROJECT_EXPORT = [
    Mutant(
        "P01",
        "project export order",
        PROJECT_INFO,
        '"purpose": 0,\n        "purpose_other": "",',
        '"purpose_other": "",\n        "purpose": 0,',
        "purpose after purpose_other",
    ),
    Mutant(
        "P02",
        "project export order",
        PROJECT_INFO,
        '"ddp_enabled": 0,\n        "project_irb_number": "",',
        '"project_irb_number": "",\n        "ddp_enabled": 0,',
        "ddp_enabled after project_irb_number",
    ),
    Mutant(
        "P03",
        "project export order",
        PROJECT_INFO,
        '"field_note",\n    "text_validation_type_or_show_slider_number",',
        '"text_validation_type_or_show_slider_number",\n    "field_note",',
        "data dictionary: field_note after the validation column",
    ),
    Mutant(
        "P04",
        "project export order",
        PROJECT_INFO,
        '"event_name": event.name,\n            "arm_num": event.arm,',
        '"arm_num": event.arm,\n            "event_name": event.name,',
        "events: arm_num before event_name",
    ),
    Mutant(
        "P05",
        "project export order",
        PROJECT_INFO,
        '{"arm_num": event.arm, "unique_event_name": event.unique_name, "form": form}',
        '{"unique_event_name": event.unique_name, "arm_num": event.arm, "form": form}',
        "form-event mapping: unique_event_name before arm_num",
    ),
    Mutant(
        "P06",
        "project export order",
        PROJECT_INFO,
        '{"original_field_name": f.name, "choice_value": code, "export_field_name": column}',
        '{"original_field_name": f.name, "export_field_name": column, "choice_value": code}',
        "exportFieldNames: export_field_name before choice_value",
    ),
    Mutant(
        "P07",
        "project export order",
        PROJECT_INFO,
        '"event_name": event.unique_name,\n                            "form_name": rule.form or "",',
        '"form_name": rule.form or "",\n                            "event_name": event.unique_name,',
        "repeating set-up (longitudinal): form_name before event_name",
    ),
    Mutant(
        "P08",
        "project export order",
        PROJECT_INFO,
        '{"arm_num": arm.number, "name": arm.name}',
        '{"name": arm.name, "arm_num": arm.number}',
        "arms: name before arm_num",
    ),
]

WRITES = [
    Mutant(
        "W01",
        "record import/delete/rename",
        DELETE,
        "(user.record_delete and user.api_import)",
        "(user.record_delete or user.api_import)",
        "Delete Records without API Import",
    ),
    Mutant(
        "W02",
        "record import/delete/rename",
        DELETE,
        "max(numbers, default=0) + 1",
        "len(numbers) + 1",
        "the next record name counts records",
    ),
    Mutant(
        "W03",
        "record import/delete/rename",
        DELETE,
        "return from_bytes(trim(rawurldecode(urldecode(to_bytes(name)))))",
        "return from_bytes(rawurldecode(urldecode(to_bytes(name))))",
        "a new record name not trimmed",
    ),
    Mutant(
        "W04",
        "record import/delete/rename",
        DELETE,
        'RENAME_MISSING = "Current Record does not exists."',
        'RENAME_MISSING = "Current record does not exist."',
        "the rename's missing-record text corrected",
    ),
    Mutant(
        "W05",
        "record import/delete/rename",
        IMPORT,
        "raise ApiError(403, ANALYSIS_STATUS)",
        "raise ApiError(400, ANALYSIS_STATUS)",
        "import in Analysis/Cleanup answers 400",
    ),
    Mutant(
        "W06",
        "record import/delete/rename",
        IMPORT,
        'if any(ch in record for ch in "+\'&#"):',
        'if any(ch in record for ch in "+\'&"):',
        "'#' allowed in record names",
    ),
    Mutant(
        "W07",
        "record import/delete/rename",
        IMPORT,
        'UNKNOWN_FIELDS = "The following fields were not found in the project as real data fields: {fields}"',
        'UNKNOWN_FIELDS = "The following fields were not found in the project: {fields}"',
        "the unknown-fields text shortened",
    ),
    Mutant(
        "W08",
        "record import/delete/rename",
        ROUTING,
        "if not user.api_import:\n            raise ApiError(403, msg.NO_API_IMPORT)",
        "if not user.api_import:\n            raise ApiError(400, msg.NO_API_IMPORT)",
        "no API Import right answers 400",
    ),
    Mutant(
        "W09",
        "record import/delete/rename",
        IMPORT,
        'overwrite = params.text("overwriteBehavior").lower() == "overwrite"',
        'overwrite = params.text("overwriteBehavior") == "overwrite"',
        "overwriteBehavior compared case-sensitively",
    ),
]

MUTANTS: list[Mutant] = [
    *VERSION_BOUNDS,
    *UPLOAD_NAMES,
    *RECORD_EXPORT,
    *ENVELOPES,
    *HEADERS,
    *ESCAPING,
    *INSTANCES,
    *PROJECT_EXPORT,
    *WRITES,
]
