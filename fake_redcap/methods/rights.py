"""The project-level user rights a method reads from `UserRights::getPrivileges` (`$user_rights[...]`)
beyond the API rights `routing.check_rights` applies: `data_logging` (Export Logging, V15
API/log/export.php:9-15) and `file_repository` (V15 API/fileRepository/*.php:10-13).

A fixture gives them by their export names (`rights: {logging: 1, file_repository: 1}`); a user in a
role holds the role's (the call's user is already the effective one). Super users hold every right.
"""

from __future__ import annotations

from fake_redcap.call import Call
from fake_redcap.user_rights import right

# getPrivileges' column -> the name the user export (and the fixture) gives it
RIGHTS = {"data_logging": "logging", "file_repository": "file_repository"}


def holds(call: Call, name: str) -> bool:
    """Whether the call's user holds this right (`$user_rights[name] != '0'`)."""
    if name not in RIGHTS:
        raise ValueError(f"unknown right {name!r}: one of {sorted(RIGHTS)}")
    return call.user.super_user or right(call.user, RIGHTS[name]) != 0
