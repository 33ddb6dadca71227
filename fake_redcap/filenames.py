"""Upload names: the name REDCap stores for an upload, and whether its file type is permitted.

Sources (behaviour restated, no REDCap code):
* V15 `Classes/Files.php`:387-403 `uploadFile`: the stored name is
  `trim(sanitizeFileName(strip_tags(html_entity_decode(stripslashes(name), ENT_QUOTES))))`; the same line
  is in V13.6.1 Files.php:363 with a byte-identical `sanitizeFileName` (:1360), so sanitised names date
  from (10.0.13, 13.6.1] (source audit 2026-11 #51).
* V10.0.13 Files.php:341: `trim(strip_tags(str_replace("'", "", html_entity_decode(stripslashes(name)))))`.
* V7.1.2 Files.php:299: `str_replace("'", "", html_entity_decode(stripslashes(name)))`, nothing more.
* V15 Files.php:1516-1862 `sanitizeFileName`: drop `? / \\ < > : " * | ~ ` ! « » ” “` and NUL, replace
  accented letters from a fixed table (not a Unicode decomposition: `Æ` is `AE`, `ß` is `s`, `ﬁ` stays),
  `%20` and `+` to `-`, runs of CR, LF, TAB and `-` to one `-`, trim `.-_` (audit #52).
* V15 Files.php:359-376 `getRestrictedUploadFileTypes`/`fileTypeAllowed`: the extension after the last
  `.`, lower-cased, must not be in the Control Center's "Restricted Upload File Types" list
  (`redcap_config.restricted_upload_file_types`), and since V15 must not be empty. The setting exists
  from 13.1.0 (upgrade_13.01.00.php, empty); 13.10.5 fills the default list below when it is empty
  (upgrade_13.10.05.php; V15 install_data.sql:128) (audit #50).
"""

from __future__ import annotations

import re

from fake_redcap.php import from_bytes, html_entity_decode, strip_tags, stripslashes, to_bytes, trim

# REDCap's default "Restricted Upload File Types" (13.10.5 and later, until an administrator changes it).
RESTRICTED_UPLOAD_TYPES = frozenset(
    (  # noqa: SIM905 - the setting's text, as install_data.sql has it
        "ade adp apk appx appxbundle bat cab chm cmd com cpl diagcab diagcfg diagpack dll dmg ex exe hta img "
        "ins iso isp jar jnlp js jse lib lnk mde msc msi msix msixbundle msp mst nsh php pif ps1 scr sct shb "
        "sys vb vbe vbs vhd vxd wsc wsf wsh xll"
    ).split()
)

_REMOVED = [ch.encode() for ch in '?/\\<>:"*|~`!«»”“\x00']
# sanitizeFileName's fixed table, grouped by replacement.
_TABLE_GROUPS = {
    "": "£",
    "A": "ÀÁÂÃÄÅĀĂĄǍẠẢẤẦẨẪẬẮẰẲẴẶ",
    "a": "ªàáâãäåāăąǎɑạảấầẩẫậắằẳẵặ",
    "AE": "Æ",
    "ae": "æ",
    "C": "ÇĆĈĊČ",
    "c": "çćĉċč",
    "D": "ÐĎĐ",
    "d": "ðďđ",
    "E": "ÈÉÊËĒĔĖĘĚẸẺẼẾỀỂỄỆ€",
    "e": "èéêëēĕėęěẹẻẽếềểễệ",
    "G": "ĜĞĠĢ",
    "g": "ĝğġģ",
    "H": "ĤĦ",
    "h": "ĥħ",
    "I": "ÌÍÎÏĨĪĬĮİǏỈỊ",
    "i": "ìíîïĩīĭįıǐỉị",
    "IJ": "Ĳ",
    "ij": "ĳ",
    "J": "Ĵ",
    "j": "ĵ",
    "K": "Ķ",
    "k": "ķĸ",
    "L": "ĹĻĽĿŁ",
    "l": "ĺļľŀł",
    "N": "ÑŃŅŇŊ",
    "n": "ñńņňŉŋ",
    "O": "ÒÓÔÕÖØŌŎŐƠǑỌỎỐỒỔỖỘỚỜỞỠỢ",
    "o": "ºòóôõöøōŏőơǒọỏốồổỗộớờởỡợ",
    "OE": "Œ",
    "oe": "œ",
    "R": "ŔŖŘ",
    "r": "ŕŗř",
    "S": "ŚŜŞŠȘ",
    "s": "ßśŝşšſș",
    "T": "ŢŤŦȚ",
    "t": "ţťŧț",
    "TH": "Þ",
    "th": "þ",
    "U": "ÙÚÛÜŨŪŬŮŰŲƯǓǕǗǙǛỤỦỨỪỬỮỰ",
    "u": "ùúûüũūŭůűųưǔǖǘǚǜụủứừửữự",
    "W": "Ŵ",
    "w": "ŵ",
    "Y": "ÝŶŸỲỴỶỸ",
    "y": "ýÿŷỳỵỷỹ",
    "Z": "ŹŻŽ",
    "z": "źżž",
}
TRANSLITERATION = {ch: target for target, chars in _TABLE_GROUPS.items() for ch in chars}
_TABLE_BYTES = [(ch.encode(), target.encode()) for ch, target in TRANSLITERATION.items()]
_DASH_RUNS = re.compile(rb"[\r\n\t-]+")


def sanitize_file_name_bytes(name: bytes) -> bytes:
    """`Files::sanitizeFileName` on PHP bytes (its str_replace works on bytes, not characters)."""
    for removed in _REMOVED:
        name = name.replace(removed, b"")
    for source, target in _TABLE_BYTES:
        name = name.replace(source, target)
    name = name.replace(b"%20", b"-").replace(b"+", b"-")
    return _DASH_RUNS.sub(b"-", name).strip(b".-_")


def sanitize_file_name(name: str) -> str:
    return from_bytes(sanitize_file_name_bytes(to_bytes(name)))


def stored_name(name: str, *, sanitised: bool, tags_stripped: bool) -> str:
    """The doc_name REDCap stores for an upload named `name` ($_FILES['file']['name']):
    V13+ (`sanitised`) the sanitiser's name; V10 (`tags_stripped`) tags and `'` removed, trimmed;
    V7 only `'` removed after html-decoding."""
    data = html_entity_decode(stripslashes(to_bytes(name)))
    if sanitised:
        return from_bytes(trim(sanitize_file_name_bytes(strip_tags(data))))
    data = data.replace(b"'", b"")
    return from_bytes(trim(strip_tags(data)) if tags_stripped else data)


def refusal_name(name: str) -> str:
    """import.php's `$docName`, on which REDCap decides whether to answer docs_1136: html-decoded, `'`
    removed, never sanitised (V13+ import.php:79/91; audit #50)."""
    return from_bytes(html_entity_decode(stripslashes(to_bytes(name))).replace(b"'", b""))


def file_extension(name: str) -> str:
    """`strtolower(getFileExt($name))`: what follows the last `.` (ASCII lower-case), or ""."""
    data = to_bytes(name)
    dot = data.rfind(b".")
    return from_bytes(data[dot + 1 :].lower()) if dot >= 0 else ""


def file_type_allowed(name: str, *, restricted: frozenset[str], refuse_no_extension: bool) -> bool:
    """`Files::fileTypeAllowed`: the extension is not restricted and (V15) not empty."""
    ext = file_extension(name)
    if refuse_no_extension and ext == "":
        return False
    return ext not in restricted
