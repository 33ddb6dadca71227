"""A user's rights as REDCap's user import and export (`content=user`) show and change them, and a
user's rights as a user role governs them.

Sources (`xOops4/redcap` `html/redcap_v15.7.6/`): `Classes/UserRights.php` getUserDetails (:3204-3330,
the export's columns and order), getPrivileges (:731-780, a role's rights over the user's own),
getApiUserPrivilegesAttr (:686-720, what an import may set), addPrivileges (:588-636, a new user's
rights: 0 unless given) and updatePrivileges (:640-681, only what is given changes); V14.5.11 the same,
V13.6.1 without `alerts`, `email_logging` and `api_modules` in the export and with `mycap_participants`
always last (`messages.Change.USER_RIGHTS_COLUMNS_14`). Facts only: no REDCap code is copied.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType

from fake_redcap.messages import Change, Profile
from fake_redcap.model import ExportRight, Project, Role, User

# getUserDetails' "rights that might be governed by roles", by their export names, in export order.
# MyCap, data resolution, double data entry and randomization columns appear only when the project
# enables them (the fake's projects do not).
RIGHTS_COLUMNS_14 = (
    "design",
    "alerts",
    "user_rights",
    "data_access_groups",
    "reports",
    "stats_and_charts",
    "manage_survey_participants",
    "calendar",
    "data_import_tool",
    "data_comparison_tool",
    "logging",
    "email_logging",
    "file_repository",
    "data_quality_create",
    "data_quality_execute",
    "api_export",
    "api_import",
    "api_modules",
    "mobile_app",
    "mobile_app_download_data",
    "record_create",
    "record_rename",
    "record_delete",
    "lock_records_all_forms",
    "lock_records",
    "lock_records_customization",
)
# V13.6.1 UserRights.php getUserDetails: no alerts, email_logging, api_modules; mycap_participants last.
RIGHTS_COLUMNS_13 = (
    *(c for c in RIGHTS_COLUMNS_14 if c not in ("alerts", "email_logging", "api_modules")),
    "mycap_participants",
)
# uploadUsers' $rights_fields (V13-V15 alike): the rights whose values are checked (0/1, or 0-2 for
# lock_records and user_rights). alerts and email_logging are importable but not checked.
CHECKED_RIGHTS = (
    "design",
    "user_rights",
    "data_access_groups",
    "reports",
    "stats_and_charts",
    "manage_survey_participants",
    "calendar",
    "data_import_tool",
    "data_comparison_tool",
    "logging",
    "file_repository",
    "data_quality_create",
    "data_quality_execute",
    "api_export",
    "api_import",
    "api_modules",
    "mobile_app",
    "mobile_app_download_data",
    "record_create",
    "record_rename",
    "record_delete",
    "lock_records_all_forms",
    "lock_records",
    "lock_records_customization",
    "mycap_participants",
)
THREE_LEVEL_RIGHTS = frozenset({"lock_records", "user_rights"})
# Rights the fake's checks read, kept as the User's own fields.
_BOOLEAN_FIELDS = ("design", "api_export", "api_import", "mobile_app", "record_rename", "record_delete")


def rights_columns(profile: Profile) -> tuple[str, ...]:
    return RIGHTS_COLUMNS_14 if profile.has(Change.USER_RIGHTS_COLUMNS_14) else RIGHTS_COLUMNS_13


def importable_rights(profile: Profile) -> tuple[str, ...]:
    """getApiUserPrivilegesAttr's rights: the export's, and `alerts` also in 13 (where MyCap's right
    is not importable)."""
    if profile.has(Change.USER_RIGHTS_COLUMNS_14):
        return RIGHTS_COLUMNS_14
    return (*RIGHTS_COLUMNS_13[:-1], "alerts")


def right(user: User, name: str) -> int:
    """One right's value as the export shows it: the stored number (`user_rights` 2 is Read Only; an
    import may store any number REDCap's checks let through), else the field the fake's checks read."""
    if name in _BOOLEAN_FIELDS or name == "user_rights":
        held = bool(getattr(user, name))
        stored = user.rights.get(name)
        return stored if stored is not None and bool(stored) == held else int(held)
    return user.rights.get(name, 0)


def form_rights(user: User, project: Project) -> tuple[tuple[str, int | str], ...]:
    """Per-form data entry rights in stored order; a fixture user without them may View & Edit (1)
    every form."""
    if user.data_entry is not None:
        return user.data_entry
    return tuple((form, 1) for form in project.forms)


def export_form_rights(user: User, project: Project) -> tuple[tuple[str, int], ...]:
    """Per-form export rights (data_export_instruments): one level for all forms, or the mapping."""
    if isinstance(user.data_export, ExportRight):
        return tuple((form, int(user.data_export)) for form in project.forms)
    return tuple((form, int(level)) for form, level in user.data_export.items())


def with_rights(user: User, values: Mapping[str, int]) -> User:
    """`user` with these rights (export names) set: every value kept in `rights` as stored, and the
    ones the fake's checks read on their fields too."""
    checked = (*_BOOLEAN_FIELDS, "user_rights")
    changes: dict[str, object] = {name: values[name] != 0 for name in checked if name in values}
    return dataclasses.replace(
        user,
        rights=MappingProxyType({**user.rights, **values}),
        **changes,  # type: ignore[arg-type]
    )


def effective(user: User, roles: tuple[Role, ...]) -> User:
    """The user as REDCap's getPrivileges reads them (V15 UserRights.php:752-775): a user in a role
    gets every right the role holds (the roles table's columns replace the user's); the username,
    token, expiration, DAG and account stay the user's."""
    if user.role is None:
        return user
    role = next((r for r in roles if r.unique_name == user.role), None)
    if role is None:
        return user
    held = role.rights
    return dataclasses.replace(
        user,
        data_export=held.data_export,
        api_export=held.api_export,
        api_import=held.api_import,
        record_delete=held.record_delete,
        record_rename=held.record_rename,
        mobile_app=held.mobile_app,
        design=held.design,
        user_rights=held.user_rights,
        data_entry=held.data_entry,
        rights=held.rights,
    )


def no_rights(project: Project, username: str) -> User:
    """A user addPrivileges creates from nothing but a name: every right 0, no form rights, no
    expiration, no DAG and no token (V15 UserRights.php:588-620)."""
    return User(
        username=username,
        token="",
        data_export=MappingProxyType(dict.fromkeys(project.forms, ExportRight.NO_ACCESS)),
        api_export=False,
        data_entry=tuple((form, 0) for form in project.forms),
        user_rights=False,
    )
