"""A writer process for the crash and concurrency tests (fake encoder, real index code).

    python -m tests.retrieval.ingest_worker HOME PATH... [--one-by-one]
"""

import sys
from pathlib import Path

from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings

from newsdesk import config
from tests.conftest import FakeEncoder

if __name__ == "__main__":
    config.install(config.RuntimeConfig.from_environment())  # NEWSDESK_CRASH_AT: the crash tests' fault point
    home, *paths = sys.argv[1:]
    one_by_one = "--one-by-one" in paths
    paths = [p for p in paths if p != "--one-by-one"]
    desk = Newsdesk(Settings(home=Path(home), reader="baseline"), encoder=FakeEncoder())
    for batch in ([[p] for p in paths] if one_by_one else [paths]):
        report = desk.ingest(batch)
        print(f"added {len(report.added)} embedded {report.chunks_embedded}", flush=True)
