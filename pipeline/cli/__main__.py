"""`python -m pipeline.cli`: the `tickerlake` command."""

import sys

from pipeline.cli.main import main

sys.exit(main())
