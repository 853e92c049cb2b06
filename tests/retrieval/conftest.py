"""Fixtures the feed tests share: a feed site on 127.0.0.1 and a desk with the fake encoder."""

import pytest

from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings

from .feed_server import FeedSite


@pytest.fixture
def site():
    server = FeedSite().start()
    yield server
    server.stop()


@pytest.fixture
def desk(tmp_path, fake_encoder):
    return Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)
