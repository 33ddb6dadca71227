"""A small, strict client for REDCap's file API methods (Export/Import/Delete File, version)."""

from redcap_file_client.errors import RedcapError
from redcap_file_client.redcap import USER_AGENT, ExportedFile, RedcapClient, __version__

__all__ = ["USER_AGENT", "ExportedFile", "RedcapClient", "RedcapError", "__version__"]
