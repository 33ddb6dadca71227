"""The File Repository (`content=fileRepository`): createFolder, list, import, export, delete.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`): `API/fileRepository/*.php` (the right, the checks, the
answers, the log rows), `Classes/FileRepository.php` (createFolder:87-142, upload:369-442,
checkFilenameExists:444-488, userHasFolderAccess:1194-1206), `Classes/Files.php` validateDocId:1427,
`Classes/RestUtility.php` sendFileContents:319-339, texts from `LanguageUpdater/English.ini`. V14 is the
same; V13 sends the file name where the MIME type goes (`messages.Change.REPOSITORY_EXPORT_MIME`).
Facts only: no REDCap code is copied.
"""

from __future__ import annotations

import dataclasses
import re

from fake_redcap.call import Call
from fake_redcap.errors import ApiError, ReturnFormat, content_type_for
from fake_redcap.escape import label_decode, rcview_escape
from fake_redcap.filenames import sanitize_file_name_bytes
from fake_redcap.messages import Change
from fake_redcap.methods.export_format import content_format, json_body, reply
from fake_redcap.methods.file import _is_integer, _size, _stored_name, _type_allowed, sniff_mime
from fake_redcap.methods.project_info import array_to_csv
from fake_redcap.methods.rights import holds
from fake_redcap.php import from_bytes, html_entity_decode, strip_tags, to_bytes
from fake_redcap.project_log import log_event
from fake_redcap.repository import Folder, RepoFile, Repository
from fake_redcap.responses import Reply, file_reply

# The texts (API/fileRepository/*.php, FileRepository.php, English.ini)
NO_RIGHTS = (
    'The API request cannot complete because currently you do not have "File Repository" rights, which '
    "are required for this operation."
)
NO_FOLDER = (
    "The File Repository folder folder_id={folder_id} does not exist or else you do not have permission to "
    "that folder because it is DAG-restricted or Role-restricted."
)
NO_NAME = "new folder 'name' not provided"
BAD_FOLDER_ID = "folder_id is not valid"
DUPLICATE = (  # docs_1078 "<b>name</b>" docs_1079, tags stripped
    'ERROR: The folder name "{name}" could not be created because a folder with that same name already '
    "exists in this directory. You should create a new folder with a different name instead."
)
NO_FILE = "No valid file was uploaded"
UPLOAD_PROBLEM = "There was a problem with the uploaded file"
TOO_LARGE = (  # sendit_03 (<b>n MB</b>). sendit_04 max MB sendit_05, tags stripped
    "{name}File could not be loaded because it is too large ({mb} MB). Files must be smaller than {max} MB "
    "for uploading."
)
NOT_SAVED = "ERROR: The file cannot be uploaded."  # docs_1135
BAD_DOC_ID = "Invalid doc_id or missing doc_id"
TOP_LEVEL = "[Top-level directory]"  # docs_1131
DAG_RESTRICTED = "DAG-Restricted:"  # docs_91
ROLE_RESTRICTED = "Role-Restricted:"  # docs_1085
_NAME_BYTES = 150  # substr(..., 0, 150)
_DIGITS = re.compile(r"(\d+)")


def _check_right(call: Call) -> None:
    if not holds(call, "file_repository"):
        raise ApiError(403, NO_RIGHTS)


def _folder_param(call: Call) -> tuple[str, int | None]:
    """`isinteger($post['folder_id']) ? $post['folder_id'] : null`, as sent and as a number."""
    raw = call.params.text("folder_id")
    if call.params.is_array("folder_id") or not _is_integer(raw):
        return raw, None
    return raw, int(raw.strip(" \t\n\r\0\x0b"))


def _check_access(call: Call, raw: str, folder_id: int | None) -> None:
    """userHasFolderAccess: no folder is the top level; else the folder exists in the project and is
    not restricted to another DAG or role (V15 FileRepository.php:1194-1206)."""
    if folder_id is None:
        return
    folder = call.served.repository.folder(folder_id)
    if folder is None or not _may_see(call, folder):
        raise ApiError(400, NO_FOLDER.format(folder_id=raw))


def _may_see(call: Call, folder: Folder) -> bool:
    """`dag_id is null or dag_id = <the user's DAG>`, only for a user in a DAG, and the same for the
    user's role_id, only for a user in a role (FileRepository.php:1199-1201, list.php:24-25)."""
    if call.user.dag is not None and folder.dag_id is not None and folder.dag_id != call.user.dag:
        return False
    role = next((r for r in call.project.roles if r.unique_name == call.user.role), None)
    return role is None or folder.role_id is None or folder.role_id == role.role_id


def _folder_label(repository: Repository, folder_id: int | None) -> str:
    name = repository.folder_name(folder_id)
    return TOP_LEVEL if name is None else name


def _natural(text: str) -> list[object]:
    """natcasesort's order (PHP strnatcasecmp): case-insensitive, runs of digits compared as numbers."""
    return [int(part) if part.isdigit() else part.lower() for part in _DIGITS.split(text)]


def _shown(name: str) -> str:
    return from_bytes(strip_tags(label_decode(to_bytes(name))))


def _answer(call: Call, rows: list[dict[str, str | int]], fmt: ReturnFormat) -> Reply:
    if fmt is ReturnFormat.JSON:
        return reply(json_body(rows), fmt, call)
    if fmt is ReturnFormat.CSV:
        return reply(array_to_csv(list(rows)), fmt, call)
    return reply(_xml(rows), fmt, call)


def _xml(rows: list[dict[str, str | int]]) -> str:
    """createFolder.php / list.php xml(): an integer id bare, another non-blank value html-decoded in
    CDATA (createFolder: ids only), a blank one empty."""
    lines = []
    for row in rows:
        parts = []
        for name, value in row.items():
            text = str(value)
            if name in ("folder_id", "doc_id") and _is_integer(text):
                parts.append(f"<{name}>{text}</{name}>")
            elif text != "":
                parts.append(f"<{name}><![CDATA[{from_bytes(html_entity_decode(to_bytes(text)))}]]></{name}>")
            else:
                parts.append(f"<{name}></{name}>")
        lines.append("<item>" + "".join(parts) + "</item>\n")
    return '<?xml version="1.0" encoding="UTF-8" ?>\n<items>\n' + "".join(lines) + "</items>\n"


def create_folder(call: Call) -> Reply:
    """createFolder.php, then FileRepository::createFolder, in their order; `[{"folder_id": n}]`."""
    _check_right(call)
    fmt = content_format(call)
    raw, folder_id = _folder_param(call)
    _check_access(call, raw, folder_id)
    params = call.params
    name = params.text("name")
    if name == "":
        raise ApiError(400, NO_NAME)
    if "folder_id" in params and (params.is_array("folder_id") or raw != "") and folder_id is None:
        raise ApiError(400, BAD_FOLDER_ID)
    name = from_bytes(sanitize_file_name_bytes(to_bytes(name))[:_NAME_BYTES])
    repository = call.served.repository
    if repository.name_taken(name, folder_id):
        raise ApiError(400, from_bytes(strip_tags(to_bytes(DUPLICATE.format(name=rcview_escape(name))))))
    dags = {str(d.group_id): d for d in call.project.dags}  # isset($dags[$_POST['dag_id']])
    dag = dags.get(params.text("dag_id")) if not params.is_array("dag_id") else None
    roles = {str(r.role_id): r for r in call.project.roles}  # UserRights::getRoles(), by role_id (:115)
    role = roles.get(params.text("role_id")) if not params.is_array("role_id") else None
    if params.text("admin_only") == "1" and call.user.super_user:  # admin_only: no DAG, no role
        dag = role = None
    new_id = call.state.next_id("redcap_docs_folders")
    folder = Folder(
        folder_id=new_id, name=name, parent_id=folder_id, dag_id=dag.group_id if dag else None,
        role_id=role.role_id if role else None,
    )  # fmt: skip
    shown = name + (f", {DAG_RESTRICTED} {dag.name}" if dag is not None else "")
    shown += f", {ROLE_RESTRICTED} {role.label}" if role is not None else ""  # FileRepository.php:132-133
    entry = log_event(
        call, "redcap_docs_folders", "MANAGE", str(new_id), shown, "Create folder in File Repository (API)"
    )
    call.state.replace_repository(
        call.project.project_id, repository.with_folder(folder), seen=call.served, log=(entry,)
    )
    return _answer(call, [{"folder_id": new_id}], fmt)


def list_repository(call: Call) -> Reply:
    """list.php: the folder's subfolders, then its files, each sorted by natcasesort on the name."""
    _check_right(call)
    fmt = content_format(call)
    raw, folder_id = _folder_param(call)
    _check_access(call, raw, folder_id)
    repository = call.served.repository
    csv = fmt is ReturnFormat.CSV
    folders = sorted(
        (
            (f.folder_id, _shown(f.name))
            for f in repository.folders
            if f.parent_id == folder_id and _may_see(call, f)
        ),
        key=lambda item: _natural(item[1]),
    )
    files = sorted(
        ((f.doc_id, _shown(f.name)) for f in repository.files if f.folder_id == folder_id and not f.deleted),
        key=lambda item: _natural(item[1]),
    )
    rows: list[dict[str, str | int]] = [
        {"folder_id": i, "doc_id": "", "name": n} if csv else {"folder_id": i, "name": n} for i, n in folders
    ]
    rows += [{"folder_id": "", "doc_id": i, "name": n} if csv else {"doc_id": i, "name": n} for i, n in files]
    answer = _answer(call, rows, fmt)
    shown = raw if folder_id is not None else None
    entry = log_event(
        call, "redcap_edocs_metadata", "MANAGE", shown, f"folder {_folder_label(repository, folder_id)}",
        "Export list of files/folders from File Repository (API)",
    )  # fmt: skip
    call.state.add_log(call.project.project_id, entry, seen=call.served)
    return answer


def import_file(call: Call) -> Reply:
    """import.php, then FileRepository::upload: the upload checks, the folder, the size, the type, a
    name made unique in its folder ("name (1).ext"); an empty 200."""
    _check_right(call)
    upload = call.uploads.get("file")
    if upload is None:
        raise ApiError(400, NO_FILE)
    if upload.error != 0:
        raise ApiError(400, UPLOAD_PROBLEM)
    raw, folder_id = _folder_param(call)
    _check_access(call, raw, folder_id)
    size = _size(upload.stream)
    if size / 1024 / 1024 > call.max_upload_mb:
        mb = max(round(size / 1024 / 1024, 2), 0.01)
        shown = f"{mb:.2f}".rstrip("0").rstrip(".")
        message = TOO_LARGE.format(name=upload.filename, mb=shown, max=call.max_upload_mb)
        raise ApiError(400, from_bytes(strip_tags(to_bytes(message))))
    name = _stored_name(upload.filename, call.profile)
    if not _type_allowed(name, call.profile):  # Files::uploadFile saves nothing: doc_id 0
        raise ApiError(400, NOT_SAVED)
    upload.stream.seek(0)
    stored = call.state.store(upload.stream, name, sniff_mime)
    repository = call.served.repository
    unique = _unique_name(repository, stored.name, folder_id)
    doc_id, docs_id = call.state.next_doc_id(), call.state.next_id("redcap_docs")
    file = RepoFile(
        doc_id=doc_id, docs_id=docs_id, name=unique, folder_id=folder_id,
        stored=dataclasses.replace(stored, name=unique),
    )  # fmt: skip
    where = _folder_label(repository, folder_id)
    entry = log_event(
        call, "redcap_docs", "MANAGE", str(docs_id), f"{unique}, folder {where}",
        "Upload file to File Repository (API)",
    )  # fmt: skip
    call.state.replace_repository(
        call.project.project_id, repository.with_file(file), seen=call.served, log=(entry,), added=stored
    )
    return Reply(status=200, content_type=content_type_for(call.return_format, call.profile))


def _unique_name(repository: Repository, name: str, folder_id: int | None) -> str:
    """checkFilenameExists (FileRepository.php:444-488): the name, else "base (n).ext" with the first n
    free, base the name without its last ".ext", trimmed."""
    if not repository.file_name_taken(name, folder_id):
        return name
    dot = name.rfind(".")
    base, ext = (name[:dot], name[dot:]) if dot >= 0 else (name, "")
    base = base.strip(" \t\n\r\0\x0b")
    for n in range(1, 100_000):
        candidate = f"{base} ({n}){ext}"
        if not repository.file_name_taken(candidate, folder_id):
            return candidate
    raise ApiError(400, NOT_SAVED)


def _doc(call: Call) -> RepoFile:
    """Files::validateDocId: an integer doc_id of this project (a deleted file still counts)."""
    raw = call.params.text("doc_id")
    if call.params.is_array("doc_id") or not _is_integer(raw):
        raise ApiError(400, BAD_DOC_ID)
    found = call.served.repository.file(int(raw.strip(" \t\n\r\0\x0b")))
    if found is None:
        raise ApiError(400, BAD_DOC_ID)
    return found


def _folder_of_docs_id(repository: Repository, doc_id: int) -> str:
    """export.php / delete.php pass the doc_id to getFolderIdByDocId, which reads it as a docs_id: the
    folder named is that of the file whose docs_id equals this doc_id (FileRepository.php:1182)."""
    holder = next((f for f in repository.files if f.docs_id == doc_id), None)
    return _folder_label(repository, holder.folder_id if holder is not None else None)


def export_file(call: Call) -> Reply:
    """export.php: the file with sendFileContents' headers (V13: the name where the MIME type goes)."""
    _check_right(call)
    file = _doc(call)
    repository = call.served.repository
    entry = log_event(
        call, "redcap_edocs_metadata", "MANAGE", str(file.doc_id),
        f"{file.name}, folder {_folder_of_docs_id(repository, file.doc_id)}",
        "Download file from File Repository (API)",
    )  # fmt: skip
    call.state.add_log(call.project.project_id, entry, seen=call.served)
    stored = file.stored
    if not call.profile.has(Change.REPOSITORY_EXPORT_MIME):
        stored = dataclasses.replace(stored, mime=file.name)
    return file_reply(stored, call.profile, call.header_variant)


def delete_file(call: Call) -> Reply:
    """delete.php: delete_date set (the doc_id still exports), the log row, an empty 200."""
    _check_right(call)
    file = _doc(call)
    repository = call.served.repository
    entry = log_event(
        call, "redcap_edocs_metadata", "MANAGE", str(file.doc_id),
        f"{file.name}, folder {_folder_of_docs_id(repository, file.doc_id)}",
        "Delete file from File Repository (API)",
    )  # fmt: skip
    call.state.replace_repository(
        call.project.project_id, repository.with_deleted(file.doc_id), seen=call.served, log=(entry,)
    )
    return Reply(status=200, content_type=content_type_for(call.return_format, call.profile))
