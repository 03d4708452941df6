"""tickerlake pipeline: fetch, parse, identify, stage and load live-ticker entries.

Pure Python: nothing here imports Airflow, so every stage runs from the CLI, from tests
and from Airflow tasks alike.
"""

from pipeline.models import Entry, ParsedPage
from pipeline.parse import parse_page

__all__ = ["Entry", "ParsedPage", "parse_page"]
__version__ = "0.1.0"
