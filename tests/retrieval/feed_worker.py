"""A feed poller process for the crash tests (fake encoder, real feed and index code).

    python -m tests.retrieval.feed_worker HOME
"""

import sys
from pathlib import Path

from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings
from newsdesk.retrieval.sources.feeds.records import FeedOptions

from newsdesk import config
from tests.conftest import FakeEncoder

if __name__ == "__main__":
    config.install(config.RuntimeConfig.from_environment())  # NEWSDESK_CRASH_AT: the crash tests' fault point
    desk = Newsdesk(Settings(home=Path(sys.argv[1]), reader="baseline"), encoder=FakeEncoder())
    summary = desk.feeds.poll(FeedOptions(allow_private=True, host_delay_s=0, timeout_s=10))
    print("\n".join(summary.lines()), flush=True)
