"""`content=file&action=import_app`: the REDCap Mobile App's upload into the project's mobile app file
archive (V15 `API/file/import_app.php`). API/index.php checks no right for it (source audit #15).

The fake runs REDCap's first checks, in its order, and answers "not implemented" where REDCap would store
the file: it keeps no mobile app archive.
"""

from __future__ import annotations

from fake_redcap import messages as msg
from fake_redcap.call import Call
from fake_redcap.errors import ApiError
from fake_redcap.model import ProjectStatus
from fake_redcap.responses import Reply

WHAT = "content=file&action=import_app"


def import_app(call: Call) -> Reply:
    # import_app.php:11 and :14: an upload, and one without an error (a part not named `file` has no
    # error code, which PHP's `null != 0` lets through, as in Import File).
    if not call.uploads:
        raise ApiError(400, msg.NO_VALID_FILE)
    upload = call.uploads.get("file")
    if upload is not None and upload.error != 0:
        raise ApiError(400, msg.UPLOAD_PROBLEM)
    # :17-24: Analysis/Cleanup blocks it, with Import File's text.
    if call.project.status == ProjectStatus.ANALYSIS:
        raise ApiError(403, msg.IMPORT_ANALYSIS)
    raise ApiError(
        400, msg.NOT_IMPLEMENTED_BY_FAKE.format(what=WHAT), headers={msg.NOT_IMPLEMENTED_HEADER: WHAT}
    )
