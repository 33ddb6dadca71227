"""`client.RedcapClient`, the client's name in the project's interface (interfaces.md, section 4), for
code run from a clone of this repository.

The client itself is `redcap_file_client`: that distinctive name is the one installed (issue 18: an
installed top-level `client` would shadow a user's own `client.py`). This folder is not installed
(pyproject.toml's packages leave it out; tests/test_distribution.py checks that), and it adds nothing:
every name here is `redcap_file_client`'s own object.
"""

from redcap_file_client import USER_AGENT, ExportedFile, RedcapClient, RedcapError, __version__

__all__ = ["USER_AGENT", "ExportedFile", "RedcapClient", "RedcapError", "__version__"]
