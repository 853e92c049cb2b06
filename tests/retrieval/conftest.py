"""Fixtures the feed tests share: a feed site on 127.0.0.1, a desk with the fake encoder, the
stories and the feed options they poll with."""

import pytest

from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings
from newsdesk.retrieval.sources.feeds.records import FeedOptions

from .feed_server import FeedSite, Story

LOCAL = FeedOptions(allow_private=True, host_delay_s=0, timeout_s=5)  # the site is on 127.0.0.1

FERRY = Story("ferry", "Kiel opens a new ferry terminal",
              "Mayor Ingrid Lund opened the new Kiel ferry terminal on Monday morning.\n\n"
              "The terminal will handle two million passengers a year on the routes to Oslo and Gothenburg.")
BRIDGE = Story("bridge", "Tidewater Bridge reopens after repairs",
               "Engineer Tomas Varga reopened the Tidewater Bridge on Thursday after two years of repairs.\n\n"
               "The bridge carries twenty thousand cars a day between the harbour and the old town.",
               date="Tue, 02 Dec 2025 08:30:00 GMT", site_name=None)
MUSEUM = Story("museum", "Quarry museum opens its doors",
               "Curator Priya Raman opened the Northgate Quarry Museum on Tuesday.\n\n"
               "The museum shows the tools of the granite workers who cut stone in the valley.")

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title> Harbour   Post </title>
<item><title>One</title><link>/items/1.html</link><guid>id-1</guid><pubDate>Mon, 01 Dec 2025 23:30:00 -0200</pubDate></item>
<item><title>Two</title><link>https://other.example/2</link></item>
<item><title>No link</title><description>text only</description></item>
<item><title>One again</title><link>/items/1.html</link><guid>id-1</guid></item>
</channel></rss>"""


@pytest.fixture
def site():
    server = FeedSite().start()
    yield server
    server.stop()


@pytest.fixture
def desk(tmp_path, fake_encoder):
    return Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)
