"""What REDCap's `API/index.php` decides before it includes a method, in its order (source audit #8-#19):
the token (a project token, or a super user's 64-character Super API Token), the Mobile App's rights,
the content, the action it derives, the API rights on that derived action, and the project's state.

Sources are V15 (15.7.6) `API/index.php` ("idx") and `Classes/RestUtility.php` ("RU") unless a
version is named; the differences between versions are rows of `messages.CHANGES`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

from fake_redcap import messages as msg
from fake_redcap.errors import ApiError
from fake_redcap.messages import Change, Profile
from fake_redcap.model import ExportRight, ProjectState, User
from fake_redcap.params import Params
from fake_redcap.state import FakeState, Served
from fake_redcap.user_rights import effective

_TOKEN_FORMAT = re.compile(r"[A-Za-z0-9]+\n?")  # RU:94; PHP's `$` also matches before a final newline
_PHP_NUMERIC = re.compile(r"[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*")

# idx:383: contents whose `$action` is the `action` parameter as sent (authkey's is always export).
ACTION_FROM_PARAMETER = frozenset(
    {"fileRepository", "file", "event", "arm", "authkey", "dag", "user", "userRole"}
)
# idx:326-329: an empty action means export for these.
_EMPTY_ACTION_IS_EXPORT = frozenset(
    {
        "version",
        "event",
        "arm",
        "authkey",
        "repeatingFormsEvents",
        "dag",
        "user",
        "userRole",
        "userRoleMapping",
    }
)
# idx:459: the contents the deleted/completed check leaves alone (and any request carrying authkey).
_NO_PROJECT_STATE_CHECK = frozenset({"project", "version", "tableau", "mycap"})


@dataclass(frozen=True)
class Caller:
    """Who the request is, as RU::processRequest leaves `$post`: the project and user of the token
    (None for a request REDCap takes without one), whether the token was a Super API Token (idx:406
    then skips the rights), and the rights as the request may widen them (the Mobile App)."""

    served: Served | None
    user: User | None
    super_token: bool = False


@dataclass(frozen=True)
class Route:
    """idx's decision: the content it includes (`filesize`/`fileinfo` rewritten to `file`, idx:453) and
    the derived `$action` (for a file content: as sent, lower-cased before REDCap 13)."""

    content: str
    action: str
    fileinfo: bool


def authenticate(state: FakeState, params: Params, profile: Profile) -> Caller:
    """RU::processRequest: the super-token path (RU:81-88), the token's format (RU:94), the token known
    and its user not suspended (RU:102-112), rights not expired (RU:130-134), the Mobile App's rights
    (RU:165-175)."""
    token_required = "token" in params or "authkey" not in params  # idx:207-209
    if not token_required:
        return Caller(None, None)
    if params.is_array("token") and profile.has(Change.PHP8_TYPE_ERRORS):
        # preg_match()/strlen() on an array: a PHP 8 TypeError (source audit #21).
        raise ApiError(400, msg.UNKNOWN_ERROR_PARAMETERS)
    token = params.text("token")
    if _super_token_path(params, token, profile):
        return _super_caller(state, token)
    if not _TOKEN_FORMAT.fullmatch(token):
        raise ApiError(403, msg.NO_API_PERMISSION)
    found = state.authenticate(token)
    if found is None or found[1].suspended:
        raise ApiError(403, msg.NO_API_PERMISSION)
    # A user in a role holds the role's rights (UserRights::getPrivileges, fake_redcap/user_rights.py).
    # A user added through the API has no token ("") and is never found: no request sends "" this far.
    served, user = found[0], effective(found[1], found[0].project.roles)
    if not user.super_user and user.expiration is not None and user.expiration <= dt.date.today():
        raise ApiError(403, msg.EXPIRED.format(expiration=user.expiration.isoformat()))
    return Caller(served, _mobile_app_rights(user, params, served.profile))


def _super_token_path(params: Params, token: str, profile: Profile) -> bool:
    """RU:81-88: `content=version` with a 64-character token (V10+), or `content=project` with `data`
    (project creation, any token length)."""
    content = params.text("content")
    if content == "version" and len(token) == 64 and profile.has(Change.VERSION_SUPER_TOKEN):
        return True
    return content == "project" and params.text("data") != ""


def _super_caller(state: FakeState, token: str) -> Caller:
    """RU::processRequestSuper (RU:5-52): 64 characters, then an unsuspended account holding that token
    (redcap_user_information.api_token), else 403 `api_120`. No format check and no expiry there."""
    if len(token) != 64:
        raise ApiError(403, msg.SUPER_TOKEN_NEEDED)
    found = state.authenticate_super(token)
    if found is None or found[1].suspended:
        raise ApiError(403, msg.SUPER_TOKEN_NEEDED)
    return Caller(found[0], found[1], super_token=True)


def php_equals_one(value: str) -> bool:
    """PHP 8's `$value == '1'` for a string: numerically when both are numeric strings (" 1", "1.0",
    "1e0", "01" are equal to '1'), else byte for byte."""
    if _PHP_NUMERIC.fullmatch(value):
        return float(value) == 1.0
    return value == "1"


def _mobile_app_rights(user: User, params: Params, profile: Profile) -> User:
    """RU:165-175: a super user or a user with the Mobile App right who posts `mobile_app=1` (or the old
    `mobileApp=1`) gets API Export, API Import/Update and Full Data Set export rights on every form;
    from REDCap 14 also User Rights and Project Design (and DAGs). Delete Records is not given."""
    if "mobile_app" not in params and "mobileApp" not in params:
        return user
    asked = any(
        not params.is_array(name) and name in params and php_equals_one(params.text(name))
        for name in ("mobile_app", "mobileApp")
    )
    if not asked or not (user.super_user or user.mobile_app):
        return user
    wider = dataclasses.replace(user, api_export=True, api_import=True, data_export=ExportRight.FULL)
    if profile.has(Change.MOBILE_APP_GRANTS_DESIGN):
        wider = dataclasses.replace(wider, design=True, user_rights=True)
    return wider


def route(params: Params, caller: Caller, profile: Profile) -> Route:
    """idx:258-456: content (idx:263-309), the file actions (idx:312-325), the derived action
    (idx:326-403), the rights on it (idx:406-450), then filesize/fileinfo become file (idx:453)."""
    content = "authkey" if "authkey" in params else params.text("content")  # idx:258
    if not msg.content_accepted(content, profile):
        raise ApiError(400, msg.CONTENT_INVALID)
    if content in msg.FILE_CONTENTS:
        if params.is_array("action") and profile.has(Change.PHP8_TYPE_ERRORS):
            raise ApiError(400, msg.UNKNOWN_ERROR_PARAMETERS)  # strtolower(array), idx:314
        if params.text("action").lower() not in msg.FILE_ACTIONS_LOWER:
            raise ApiError(400, msg.ACTION_INVALID)
    action = derive_action(params, content, profile)
    if caller.user is not None and not caller.super_token:
        check_rights(caller.user, content, action)
    fileinfo = content in ("filesize", "fileinfo")
    return Route("file" if fileinfo else content, action, fileinfo)


def derive_action(params: Params, content: str, profile: Profile) -> str:
    """idx:326-403. REDCap 13+ also checks an action taken from the parameter against its list,
    case-sensitively (before, the fake lower-cases a file action: `case_sensitive_file_action`)."""
    action = params.text("action")
    if content in _EMPTY_ACTION_IS_EXPORT and action == "":
        action = "export"
    if content in ("user", "userRole", "userRoleMapping") and action != "delete" and "data" in params:
        action = "import"
    if content in ACTION_FROM_PARAMETER:
        if content == "authkey":
            return "export"
        if content == "file" and not profile.has(Change.CASE_SENSITIVE_FILE_ACTION):
            return action.lower()
        if action not in msg.API_ACTIONS:
            raise ApiError(400, msg.ACTION_INVALID)
        return action
    renames = action == "rename" and profile.has(Change.RECORD_RENAME_ACTION)  # before 13: an export
    randomizes = action == "randomize" and profile.has(Change.RECORD_RANDOMIZE_ACTION)  # before 15: too
    if content == "record" and (action == "delete" or renames or randomizes):
        return action
    if content in ("tableau", "mycap"):
        return "display"
    return "export" if content == "version" or "data" not in params else "import"


def check_rights(user: User, content: str, action: str) -> None:
    """idx:406-450, on the derived action. Super users hold every right (RU:143-163). `import_app` and
    `display` meet no check. A DAG member may not export, import or delete DAGs (idx:408-415, api_183),
    but may switch."""
    if user.super_user:
        return
    if content == "dag" and user.dag is not None and action != "switch":
        raise ApiError(403, msg.DAG_MEMBER)
    manages_files_or_users = content in ("fileRepository", "user") and (
        action == "delete" or (action == "list" and content != "fileRepository") or action == "createFolder"
    )
    if action == "export":
        if not user.api_export:
            raise ApiError(403, msg.NO_API_EXPORT)
    elif action == "import" or manages_files_or_users:  # idx:423-434
        if not user.api_import:
            raise ApiError(403, msg.NO_API_IMPORT)
    elif action == "delete" and content not in ("dag", "fileRepository"):
        if not user.record_delete:
            raise ApiError(403, msg.NO_RECORD_DELETE)
    elif action == "rename":
        if not user.record_rename:
            raise ApiError(403, msg.NO_RECORD_RENAME)
    elif action == "randomize":  # nor Randomize
        raise ApiError(403, msg.NO_RANDOMIZE)


def check_project_state(params: Params, caller: Caller, content: str, profile: Profile) -> None:
    """idx:459-475, after the rights: a deleted or completed project (not for project, version,
    tableau, mycap or a request with authkey; REDCap 10+), then an offline one (any request with a
    project, REDCap 13+)."""
    if caller.served is None or caller.super_token:
        return
    state = caller.served.project.state
    if (
        content not in _NO_PROJECT_STATE_CHECK
        and "authkey" not in params
        and profile.has(Change.PROJECT_STATE_CHECKS)
    ):
        if state == ProjectState.DELETED:
            raise ApiError(400, msg.PROJECT_DELETED)
        if state == ProjectState.COMPLETED:
            raise ApiError(400, msg.PROJECT_COMPLETED)
    if state == ProjectState.OFFLINE and profile.has(Change.PROJECT_OFFLINE_CHECK):
        raise ApiError(400, msg.PROJECT_OFFLINE)
