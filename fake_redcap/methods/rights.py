"""The project-level user rights a method reads from `UserRights::getPrivileges` (`$user_rights[...]`)
beyond the API rights `routing.check_rights` applies: `data_logging` (Export Logging, V15
API/log/export.php:9-15) and `file_repository` (V15 API/fileRepository/*.php:10-13).

Until the fake's users carry every right (issue 16's users work), each user holds both: a fixture
cannot take them away yet.
"""

from __future__ import annotations

from fake_redcap.call import Call

RIGHTS = frozenset({"data_logging", "file_repository"})


def holds(call: Call, right: str) -> bool:
    """Whether the call's user holds this right (`$user_rights[right] != '0'`)."""
    if right not in RIGHTS:
        raise ValueError(f"unknown right {right!r}: one of {sorted(RIGHTS)}")
    return True
