"""User, role and DAG imports whose `data` is XML that does not parse. Nothing is written: there is
nothing to write."""

from __future__ import annotations

import pytest

from .targets import ProjectUnderTest

NOT_IN_FORMAT = "The data is not in the specified format."  # data_import_tool_200


@pytest.mark.source(
    "REDCap 15.7.6 Classes/Records.php xmlDecode:4860-4886 returns array() for XML that does not parse;"
    " Classes/RestUtility.php:190's `$content == ''` is false for an array, so each import's own check"
    " answers data_import_tool_200 (API/user/import.php:33-34, userRole/import.php:33-34, dag/import.php:"
    "35-36, userRoleMapping/import.php:32-33, userDagMapping/import.php:32-33)",
)
@pytest.mark.redcap_version(">=13.6.1")
@pytest.mark.parametrize(
    ("content", "action"),
    [
        ("user", ""),
        ("userRole", ""),
        ("dag", "import"),
        ("userRoleMapping", ""),
        ("userDagMapping", "import"),
    ],
)
def test_an_import_whose_xml_does_not_parse_is_not_in_the_specified_format(
    classic: ProjectUnderTest, content: str, action: str
) -> None:
    params = {"content": content, "format": "xml", "data": "<items><item><username>x</item></items>"}
    response = classic.post("designer_user", {**params, **({"action": action} if action else {})})
    assert (response.status_code, response.text) == (200, NOT_IN_FORMAT)
