"""UserRights::uploadUsers as the API's Import Users runs it: every user checked first (all errors
joined by newlines, nothing written), then each added (addPrivileges: every right 0 unless given) or
updated (updatePrivileges: only what is given changes; but `expiration` and `data_access_group` are
always written, so leaving them out clears them).

Sources: V15 `Classes/UserRights.php` uploadUsers (:3332-3480), addPrivileges (:588-636),
updatePrivileges (:640-681), getApiUserPrivilegesAttr (:686-720), isValidDataViewingRightsValue
(:4210-4220); English.ini for the texts. Facts only: no REDCap code is copied.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from types import MappingProxyType

from fake_redcap.errors import ApiError
from fake_redcap.escape import rcview_escape
from fake_redcap.messages import Profile
from fake_redcap.methods.export_format import not_implemented
from fake_redcap.methods.user_data import Item, isinteger
from fake_redcap.model import ExportRight, Project, User
from fake_redcap.php import is_numeric, to_bytes
from fake_redcap.state import db_key
from fake_redcap.user_rights import (
    CHECKED_RIGHTS,
    THREE_LEVEL_RIGHTS,
    importable_rights,
    no_rights,
    with_rights,
)

USERNAME_MISSING = "The username is missing for user #{n} in the list of users provided."  # api_118, _119
BAD_USERNAME = (  # api_151, rights_443
    'username "{name}" is not in a valid username format. User names can only contain letters, numbers, '
    "underscores, hyphens, periods, spaces, apostrophes, and @ symbols."
)
# api_111
BAD_DAG = 'data_access_group "{dag}" is not a valid unique Data Access Group name for this project.'
BAD_RIGHT = (  # rights_385, _386, api_116, rights_387, _388 (two spaces before "with", as REDCap joins them)
    'The field named "{field}" for user "{user}"  with value "{value}" is not a valid rights value. '
    "It must be 0 or 1."
)
UNKNOWN_FORM = (  # api_113, _114, _115
    'The form named "{form}" is incorrect for the user "{user}" The form does not exist in this project.'
)
BAD_FORM_RIGHT = (  # api_113, _116, _117
    'The form named "{form}" with value "{value}" is not a valid form-level rights value. It must be 0, 1, '
    "2 or 3."
)
IN_ROLE = (  # "The user \"...\" " + api_112 (the name raw)
    'The user "{user}" cannot have their user privileges modified because the user belongs to a user role. '
    "Users in roles cannot have their privileges modified via the 'Import User' API method."
)
# uploadUsers' username rule (PCRE without /u: \s is space, \t, \n, \v, \f, \r).
_USERNAME = re.compile(r"[a-zA-Z0-9'_ \t\n\x0b\x0c\r.\-@]+")
_BITMASK_RIGHTS = frozenset({128, 129, 130, 138, 146, 154})


Change = tuple["User | None", User]  # a user before (None: added) and after


def upload_users(
    project: Project, profile: Profile, items: list[Item]
) -> tuple[tuple[User, ...], list[Change]]:
    """The project's users after the import, and each change in order (their count is REDCap's answer).
    Raises ApiError (400, every error joined by newlines) and changes nothing if any user fails."""
    errors: list[str] = []
    dags = {d.unique_name: d.group_id for d in project.dags}
    for n, item in enumerate(items, start=1):
        errors.extend(_check(project, item, n, dags))
    if errors:
        raise ApiError(400, "\n".join(errors))
    users = list(project.users)
    changes: list[Change] = []
    for item in items:
        username = _text(item, "username").strip(" \t\n\r\0\x0b")
        index = next((i for i, u in enumerate(users) if db_key(u.username) == db_key(username)), None)
        if index is None:
            users.append(_apply(project, profile, no_rights(project, username), item, dags, new=True))
            changes.append((None, users[-1]))
        elif users[index].role is not None:
            errors.append(IN_ROLE.format(user=username))
        else:
            before = users[index]
            users[index] = _apply(project, profile, before, item, dags, new=False)
            changes.append((before, users[index]))
    if errors:
        raise ApiError(400, "\n".join(errors))
    return tuple(users), changes


def _text(item: Item, key: str) -> str:
    value = item.get(key, "")
    return value if isinstance(value, str) else "Array"


def _esc(text: str) -> str:
    return rcview_escape(text)


def _check(project: Project, item: Item, n: int, dags: Mapping[str, int]) -> list[str]:
    """uploadUsers' checks for one user (:3346-3440), in its order."""
    username = _text(item, "username").strip(" \t\n\r\0\x0b")
    if username == "":
        return [USERNAME_MISSING.format(n=n)]
    errors: list[str] = []
    if not _USERNAME.fullmatch(username):
        errors.append(BAD_USERNAME.format(name=_esc(username)))
    dag = _text(item, "data_access_group")
    if dag != "" and dag not in dags:
        errors.append(BAD_DAG.format(dag=_esc(dag)))
    for name in CHECKED_RIGHTS:
        value = _text(item, name) if name in item else ""
        if value in ("", "0"):  # PHP's empty()
            continue
        allowed = (0, 1, 2) if name in THREE_LEVEL_RIGHTS else (0, 1)
        if not is_numeric(to_bytes(value)) or float(value) not in allowed:
            errors.append(BAD_RIGHT.format(field=_esc(name), user=_esc(username), value=_esc(value)))
    errors.extend(_check_forms(project, item, "forms", username, valid_entry_right))
    errors.extend(_check_forms(project, item, "forms_export", username, valid_export_right))
    return errors


def valid_entry_right(value: str) -> bool:
    """isValidDataViewingRightsValue (V15 UserRights.php:4210): an integer 0-3, or a bitmask REDCap
    uses (128, 129, 130, 138, 146, 154)."""
    if not is_numeric(to_bytes(value)):
        return False
    number = float(value)
    return number.is_integer() and (0 <= number <= 3 or int(number) in _BITMASK_RIGHTS)


def valid_export_right(value: str) -> bool:
    return is_numeric(to_bytes(value)) and 0 <= float(value) <= 3


def _check_forms(project: Project, item: Item, key: str, username: str, valid: object) -> list[str]:
    given = item.get(key)
    if not isinstance(given, dict) or not given:
        return []
    errors: list[str] = []
    for form, value in given.items():
        if form not in project.forms:
            errors.append(UNKNOWN_FORM.format(form=_esc(form), user=_esc(username)))
        elif not valid(value):  # type: ignore[operator]
            errors.append(BAD_FORM_RIGHT.format(form=_esc(form), value=_esc(value)))
    return errors


def stored_int(value: str) -> int:
    """What MySQL (not strict) stores in an int column for a string: its leading number, rounded."""
    found = re.match(r"\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", value)
    return round(float(found.group(0))) if found else 0


def form_levels(project: Project, given: dict[str, str]) -> tuple[tuple[str, int | str], ...]:
    """The forms as given, then every form left out at 0 (uploadUsers :3404-3412)."""
    pairs: list[tuple[str, int | str]] = [
        (form, int(value) if isinteger(value) else value) for form, value in given.items()
    ]
    pairs += [(form, 0) for form in project.forms if form not in given]
    return tuple(pairs)


def _apply(
    project: Project, profile: Profile, user: User, item: Item, dags: Mapping[str, int], *, new: bool
) -> User:
    """addPrivileges / updatePrivileges for one checked user."""
    values: dict[str, int] = {}
    for name in importable_rights(profile):
        if name in item:
            values[name] = stored_int(_text(item, name))
    user = with_rights(user, values)
    changes: dict[str, object] = {
        "expiration": _expiration(_text(item, "expiration")),
        "dag": dags.get(_text(item, "data_access_group")),
    }
    forms = item.get("forms")
    if isinstance(forms, dict) and forms:
        changes["data_entry"] = form_levels(project, forms)
    elif "forms" in item:
        changes["data_entry"] = ()  # a blank (CSV) `forms` is written as NULL: no form rights
    exports = item.get("forms_export")
    if isinstance(exports, dict) and exports:
        levels = form_levels(project, exports)
        changes["data_export"] = MappingProxyType(
            {form: ExportRight(min(3, max(0, stored_int(str(v))))) for form, v in levels}
        )
    elif "forms_export" in item:
        changes["data_export"] = MappingProxyType({})
    return dataclasses.replace(user, **changes)  # type: ignore[arg-type]


def _expiration(text: str) -> dt.date | None:
    """uploadUsers (V15 UserRights.php:3454): `$ur['expiration'] != ''` then date("Y-m-d",
    strtotime(expiration)); "" is none. strtotime's date forms read here, as observed with php-cli 8.2:
    Y-m-d and Y/m/d (1-2 digit month and day), YYYYMMDD, m/d/Y and m/d/yy (00-69: 20yy), d-m-Y and
    d.m.Y, each alone or with a time (H:MM[:SS] after spaces or T), surrounding white space
    ignored; month 0-12 and day 0-31 overflow as PHP's do (2024-02-31 is 2024-03-02, 2024-01-00
    2023-12-31); white space alone is now (today, the server's local date, as the log's times are).
    Anything else answers not implemented: strtotime's other forms are relative to the server's clock
    and timezone (d.m.yy is a time of today when it fits one: 00.01.24 is 00:01:24) or many, and text
    it cannot read gives date("Y-m-d", false), the epoch's day in the server's timezone (1970-01-01,
    or 1969-12-31 west of UTC), which the fake cannot know."""
    if text == "":
        return None
    stripped = text.strip(" \t\n\r\v\f")
    if stripped == "":
        return dt.date.today()
    found = _STRTOTIME_DATE.fullmatch(stripped)
    if found is not None and _time_ok(found):
        day = _ymd(found)
        if day is not None:
            return day
    raise not_implemented(f"content=user import with an expiration strtotime reads ({text!r})")


_TIME = r"(?:(?:\s+|T)(?P<h>\d{1,2}):(?P<i>\d{2})(?::(?P<s>\d{2}))?)?"
_STRTOTIME_DATE = re.compile(
    r"(?:(?P<iy>\d{4})(?P<isep>[-/])(?P<im>\d{1,2})(?P=isep)(?P<id>\d{1,2})"
    r"|(?P<ny>\d{4})(?P<nm>\d{2})(?P<nd>\d{2})"
    r"|(?P<am>\d{1,2})/(?P<ad>\d{1,2})/(?P<ay>\d{4}|\d{2})"
    r"|(?P<ed>\d{1,2})(?P<esep>[-.])(?P<em>\d{1,2})(?P=esep)(?P<ey>\d{4}))" + _TIME
)


def _time_ok(found: re.Match[str]) -> bool:
    hour, minute, second = found["h"], found["i"], found["s"]
    if hour is None:
        return True
    return int(hour) <= 23 and int(minute) <= 59 and (second is None or int(second) <= 59)


def _ymd(found: re.Match[str]) -> dt.date | None:
    for y, m, d in (
        ("iy", "im", "id"),
        ("ny", "nm", "nd"),
        ("ay", "am", "ad"),
        ("ey", "em", "ed"),
    ):
        if found[y] is not None:
            year, month, day = int(found[y]), int(found[m]), int(found[d])
            if len(found[y]) == 2:
                year += 2000 if year < 70 else 1900
            if y == "ny" and not (1 <= month <= 12 and 1 <= day <= 31):
                return None
            if not (0 <= month <= 12 and 0 <= day <= 31):
                return None
            first_year, first_month = divmod(year * 12 + month - 1, 12)
            return dt.date(first_year, first_month + 1, 1) + dt.timedelta(days=day - 1)
    return None
