"""`python -m redcap_file_client` is the `redcap-file` command line."""

import sys

from redcap_file_client.cli import main

sys.exit(main())
