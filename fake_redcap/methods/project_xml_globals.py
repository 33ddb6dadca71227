"""A project XML's GlobalVariables after its three names, as REDCap 15.7.6 writes them under the API
(every optional part included, `defined("API")`).

Sources (V15 `html/redcap_v15.7.6/`, restated): `Classes/ODM.php` getOdmMetadata (:1256-1284, the
order of the parts), getProjectAttrMappings (:250-322) and getProjectAttrGlobalVars (:326-385: one
element per project attribute, then the repeating set-up), getOdmFromArray (:1199-1239: a
`<redcap:XGroup>` of `<redcap:X attribute="..."/>` per row, nothing for no rows),
getOdmDataAccessGroups (:402-412), getOdmUserRoles (:486-498: the legacy group, then `UserRoles2`),
getOdmMyCapSettings (:2970-3100: a project without MyCap still gets an empty settings row and an empty
theme row), getOdmMultilanguageSettings (:3103-3109); `Resources/sql/install.sql` (redcap_projects
defaults, redcap_user_roles columns in order); `Classes/Project.php`:1380 (DAGs by trimmed name);
`Classes/UserRights.php`:943-968 (roles by name), :873-898 (data_export_tool null once transformed).
The parts the fake does not hold (data quality rules, surveys, e-Consent, invitations, survey queue,
reports, dashboards, DDP mapping, alerts, randomization, descriptive popups, Data Mart, form display
logic) write nothing for a project without them.
"""

from __future__ import annotations

from fake_redcap.call import Call
from fake_redcap.methods.structure import ordered_events
from fake_redcap.model import Project, Role
from fake_redcap.user_rights import export_form_rights, form_rights, right

# ODM tag -> (project.info key, default as a new project's database row holds it). None: not settable
# through the fake (always the default).
_ATTRIBUTES: tuple[tuple[str, str | None, str], ...] = (
    ("RecordAutonumberingEnabled", "record_autonumbering_enabled", "0"),
    ("CustomRecordLabel", "custom_record_label", ""),
    ("SecondaryUniqueField", "secondary_unique_field", ""),
    ("SecondaryUniqueFieldDisplayValue", None, "1"),
    ("SecondaryUniqueFieldDisplayLabel", None, "1"),
    ("SchedulingEnabled", "scheduling_enabled", "0"),
    ("SurveysEnabled", "surveys_enabled", "0"),
    ("SurveyInvitationEmailField", None, ""),
    ("RandomizationEnabled", "randomization_enabled", "0"),
    ("DisplayTodayNowButton", "display_today_now_button", "1"),
    ("PreventBranchingEraseValues", "bypass_branching_erase_field_prompt", "0"),
    ("RequireChangeReason", None, "0"),
    ("DataHistoryPopup", None, "1"),
    ("OrderRecordsByField", None, ""),
    ("taskCompleteStatus", None, "0"),
    ("DataResolutionWorkflowEnabled", None, "1"),
    ("FieldCommentLogOptionEditDelete", None, "1"),
    ("DataResolutionWorkflowHideClosedQueries", None, "1"),
    ("MyCapEnabled", None, "0"),
    ("Purpose", "purpose", "0"),
    ("PurposeOther", "purpose_other", ""),
    ("ProjectNotes", "project_notes", ""),
    ("SurveyQueueCustomText", None, ""),
    ("SurveyQueueHide", None, "0"),
    ("SurveyAuthEnabled", None, "0"),
    ("SurveyAuthField1", None, ""),
    ("SurveyAuthEvent1", None, ""),
    ("SurveyAuthField2", None, ""),
    ("SurveyAuthEvent2", None, ""),
    ("SurveyAuthField3", None, ""),
    ("SurveyAuthEvent3", None, ""),
    ("SurveyAuthMinFields", None, ""),
    ("SurveyAuthApplyAllSurveys", None, "1"),
    ("SurveyAuthCustomMessage", None, ""),
    ("SurveyAuthFailLimit", None, ""),
    ("SurveyAuthFailWindow", None, ""),
    ("DataMartProjectEnabled", None, "0"),
    ("DatamartAllowRepeatRevision", None, "0"),
    ("DatamartAllowCreateRevision", None, "0"),
    ("DatamartCronEnabled", None, "0"),
    ("HideFilledForms", None, "1"),
    ("HideDisabledForms", None, "0"),
    ("MissingDataCodes", "missing_data_codes", ""),
    ("ProtectedEmailMode", None, "0"),
    ("ProtectedEmailModeCustomText", None, ""),
    ("ProtectedEmailModeTrigger", None, "ALL"),
    ("ProtectedEmailModeLogo", None, ""),
)

# redcap_user_roles' columns after role_id and project_id (install.sql), and where the fake keeps each:
# a right's export name, or a constant (modules the fake's projects do not enable).
_ROLE_COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("lock_record", "lock_records"),
    ("lock_record_multiform", "lock_records_all_forms"),
    ("lock_record_customize", "lock_records_customization"),
    ("data_export_tool", None),
    ("data_export_instruments", None),
    ("data_import_tool", "data_import_tool"),
    ("data_comparison_tool", "data_comparison_tool"),
    ("data_logging", "logging"),
    ("email_logging", "email_logging"),
    ("file_repository", "file_repository"),
    ("double_data", None),
    ("user_rights", "user_rights"),
    ("data_access_groups", "data_access_groups"),
    ("graphical", "stats_and_charts"),
    ("reports", "reports"),
    ("design", "design"),
    ("alerts", "alerts"),
    ("calendar", "calendar"),
    ("data_entry", None),
    ("api_export", "api_export"),
    ("api_import", "api_import"),
    ("api_modules", "api_modules"),
    ("mobile_app", "mobile_app"),
    ("mobile_app_download_data", "mobile_app_download_data"),
    ("record_create", "record_create"),
    ("record_rename", "record_rename"),
    ("record_delete", "record_delete"),
    ("dts", None),
    ("participants", "manage_survey_participants"),
    ("data_quality_design", "data_quality_create"),
    ("data_quality_execute", "data_quality_execute"),
    ("data_quality_resolution", None),
    ("random_setup", None),
    ("random_dashboard", None),
    ("random_perform", None),
    ("realtime_webservice_mapping", None),
    ("realtime_webservice_adjudicate", None),
    ("external_module_config", None),
    ("mycap_participants", "mycap_participants"),
)
_EMPTY_COLUMNS = ("data_export_tool", "external_module_config")


def global_variables(call: Call) -> str:
    from fake_redcap.methods.project_xml import escape_keep, mlm_settings, nl2crnl

    project = call.project
    parts = []
    for tag, key, default in _ATTRIBUTES:
        value = str(project.info.get(key, default)) if key is not None else default
        if tag == "MissingDataCodes":  # stored one code per line
            value = "\n".join(p.strip() for p in value.split("|")) if value.strip() else ""
        parts.append(f"\t<redcap:{tag}>{escape_keep(value)}</redcap:{tag}>\n")
    parts.append(_repeating(project))
    if project.dags:
        names = sorted((d.name for d in project.dags), key=lambda n: n.strip().lower())
        rows = "".join(
            f'\t\t<redcap:DataAccessGroups group_name="{escape_keep(nl2crnl(n))}"/>\n' for n in names
        )
        parts.append(f"\t<redcap:DataAccessGroupsGroup>\n{rows}\t</redcap:DataAccessGroupsGroup>\n")
    if project.roles:
        roles = sorted(project.roles, key=lambda r: r.label.lower())
        for tag in ("UserRoles", "UserRoles2"):
            rows = "".join(_role(project, role, tag) for role in roles)
            parts.append(f"\t<redcap:{tag}Group>\n{rows}\t</redcap:{tag}Group>\n")
    parts.append(
        "\t<redcap:MycapProjectsGroup>\n\t\t<redcap:MycapProjects/>\n\t</redcap:MycapProjectsGroup>\n"
    )
    parts.append("\t<redcap:MycapThemesGroup>\n\t\t<redcap:MycapThemes/>\n\t</redcap:MycapThemesGroup>\n")
    settings = mlm_settings(project, call.profile.version)
    parts.append(
        "\t<redcap:MultilanguageSettingsGroup>\n"
        f'\t\t<redcap:MultilanguageSettings settings="{settings}"/>\n'
        "\t</redcap:MultilanguageSettingsGroup>\n"
    )
    return "".join(parts)


def _repeating(project: Project) -> str:
    """redcap:RepeatingInstrumentsAndEvents: event by event (classic: `event_1_arm_1`), a repeating
    event as RepeatingEvent, repeating forms in form order."""
    if not project.repeating:
        return ""
    from fake_redcap.methods.project_xml import escape_keep

    parts = ["\t<redcap:RepeatingInstrumentsAndEvents>\n"]
    events: list[str | None] = [e.unique_name for e in ordered_events(project)] if project.events else [None]
    for event in events:
        rules = [r for r in project.repeating if r.event == event]
        if not rules:
            continue
        name = event or "event_1_arm_1"
        if any(r.form is None for r in rules):
            parts.append(f'\t\t<redcap:RepeatingEvent redcap:UniqueEventName="{name}"/>\n')
            continue
        labels = {r.form: r.label for r in rules}
        parts.append("\t\t<redcap:RepeatingInstruments>\n")
        # RCView::escape($custom_label, false) (ODM.php:373)
        parts += [
            f'\t\t\t<redcap:RepeatingInstrument redcap:UniqueEventName="{name}" '
            f'redcap:RepeatInstrument="{form}" '
            f'redcap:CustomLabel="{escape_keep(labels[form])}"/>\n'
            for form in project.forms
            if form in labels
        ]
        parts.append("\t\t</redcap:RepeatingInstruments>\n")
    parts.append("\t</redcap:RepeatingInstrumentsAndEvents>\n")
    return "".join(parts)


def _legacy(level: int | str) -> str:
    """UserRights::convertToLegacyDataViewingRights (V15 UserRights.php:4191-4208)."""
    text = str(level)
    if not text.lstrip("-").isdigit():
        return "0"
    value = int(text)
    if value < 128:
        return str(value)
    if value == 128:
        return "0"
    if value == 129:
        return "2"
    return "3" if value & 8 else "1"


def _role(project: Project, role: Role, tag: str) -> str:
    """One role row: role_name, unique_role_name, then every column (`[form,level]` lists for the
    per-form rights, as stored: legacy levels or REDCap 15's bitmasks)."""
    from fake_redcap.methods.project_xml import escape_keep, nl2crnl

    rights = role.rights
    values: list[tuple[str, str]] = [("role_name", role.label), ("unique_role_name", role.unique_name)]
    for column, name in _ROLE_COLUMNS:
        if column == "data_entry":  # the legacy group converts REDCap 15's bitmasks (ODM.php:500-509)
            pairs = form_rights(rights, project)
            value = "".join(
                f"[{form},{_legacy(level) if tag == 'UserRoles' else level}]" for form, level in pairs
            )
        elif column == "data_export_instruments":
            value = "".join(f"[{form},{level}]" for form, level in export_form_rights(rights, project))
        elif name is None:
            value = "" if column in _EMPTY_COLUMNS else "0"
        else:
            value = str(right(rights, name))
        values.append((column, value))
    attributes = "".join(f' {k}="{escape_keep(nl2crnl(v))}"' for k, v in values)
    return f"\t\t<redcap:{tag}{attributes}/>\n"
