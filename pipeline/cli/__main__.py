"""`python -m pipeline.cli`: the `tickerlake` command."""

from pipeline.cli.main import entry

entry()
