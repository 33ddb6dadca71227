"""REDCap's texts the model-based test's model answers with, written out here from V15's English.ini,
not taken from the fake."""

from __future__ import annotations

DESIGN_RIGHTS = (  # V15 English.ini api_124
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'Project Design and "
    "Setup' privileges in the project in order to utilize this API method."
)
DESIGN_RIGHTS_REPEATING = (  # V15 English.ini api_228
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'Project Setup/Design' "
    "privileges in the project."
)
USER_IN_ROLE = (  # V15 English.ini api_112
    "cannot have their user privileges modified because the user belongs to a user role. Users in roles "
    "cannot have their privileges modified via the 'Import User' API method."
)
OTHER_DAG_IMPORT = (  # V15 English.ini data_import_tool_307
    "This record cannot be imported because it already exists in the project and belongs to another Data "
    "Access Group."
)
OTHER_DAGS_RECORDS = (  # V15 English.ini data_import_tool_251
    "The following records cannot be modified because they do not belong to your Data Access Group:"
)
DAG_MEMBER = (  # V15 English.ini api_183
    "You do not have permission to export/import/delete Data Access Groups because you have been assigned to "
    "a Data Access Group."
)
DAG_MAPPING_MEMBER = (  # V15 English.ini api_184
    "You do not have permission to import User-DAG Assignment because you have been assigned to a Data "
    "Access Group."
)
DAG_RIGHTS = (  # V15 English.ini api_222
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'Data Access Groups' "
    "privileges in the project."
)
DAG_MISSING = "does not exist in the project."  # V15 English.ini design_643
DAG_NOTE = (  # V15 English.ini design_1113, as PHP reads the two-line value (the newline and indent kept)
    "NOTE: The unique group name is auto-generated from the name of the data access group, so there is no "
    "way to set the unique group name manually.\n              If you are attempting to create a new DAG, "
    "you should leave the unique_group_name and data_access_group_id fields blank in your upload file."
)
ROLE_IMPORT_RIGHTS = (  # V15 English.ini api_171
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'User Rights' privileges "
    "in the project in order to import/update user roles via the API Import User Roles method."
)
USER_IMPORT_RIGHTS = (  # V15 English.ini api_103
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'User Rights' privileges "
    "in the project in order to import/update users via the API Import Users method."
)
# Import and Delete Records texts (V15 LanguageUpdater/English.ini data_import_tool_215/216/282/283,
# api_131, api_135), written out here from the source, not taken from the fake.
RECORD_NAME_CHARACTERS = (
    "The record name ({record}) cannot contain a plus sign (+), ampersand (&), pound sign (#), or apostrophe."
)
EVENT_NEEDS_INSTANCE = (
    'The record name ({record}) with event "{event}" cannot be imported. This is because this event is a '
    "repeating event, but the field 'redcap_repeat_instance' could not be found in the data import fields.  "
    "In order to import data for a repeating event, the field 'redcap_repeat_instance' is required in the "
    "imported data set."
)
FORM_LOCKED_IMPORT = (
    "This field is located on a form that is locked. You must first unlock this form for this record."
)
DELETE_RIGHTS = (
    "Insufficient user privileges: You must have 'API Import/Update' privileges and 'Delete Records' "
    "privileges in the project in order to utilize this API method."
)
DELETE_MISSING = (
    "One or more of the records provided cannot be deleted because they do not exist in the project. The "
    "following records do not exist: {records}"
)
