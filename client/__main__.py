"""`python -m client` is the `redcap-file` command line."""

import sys

from client.cli import main

sys.exit(main())
