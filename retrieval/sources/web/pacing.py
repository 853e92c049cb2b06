"""Politeness per host: a delay between the end of one request to a host and the next one (feed
polls, OPML imports)."""

from __future__ import annotations

import contextlib
import time
from typing import Callable, Iterator
from urllib.parse import urlsplit


class HostPacer:
    """Keeps ``delay`` seconds between the end of one request to a host and the next one."""

    def __init__(self, delay: float, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.delay, self.clock, self.sleep = delay, clock, sleep
        self._last: dict[str, float] = {}

    @contextlib.contextmanager
    def turn(self, url: str) -> Iterator[None]:
        host = (urlsplit(url).hostname or "").lower()
        if host in self._last:
            wait = self.delay - (self.clock() - self._last[host])
            if wait > 0:
                self.sleep(wait)
        try:
            yield
        finally:
            self._last[host] = self.clock()
