"""The interface's name `client.RedcapClient` works from a clone, and is the installed client itself."""

import client
import redcap_file_client


def test_the_interface_names_are_the_installed_clients_objects() -> None:
    for name in redcap_file_client.__all__:
        assert getattr(client, name) is getattr(redcap_file_client, name)
    assert sorted(client.__all__) == sorted(redcap_file_client.__all__)
