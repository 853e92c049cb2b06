"""The feed store, HOME/feeds.json: read, written atomically, changed under its lock (each
writer re-reads it, so no writer undoes another's change)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Callable

from newsdesk.errors import FeedError

from .records import Feed, forget_articles

FEEDS_FILE = "feeds.json"


def feeds_path(home: Path) -> Path:
    return Path(home) / FEEDS_FILE


def load_feeds(home: Path) -> dict[str, Feed]:
    """The followed feeds by URL (none when the file does not exist).

    Raises:
        FeedError: the file is not what newsdesk writes (it is written atomically, so only a
            hand edit gets here).
    """
    path = feeds_path(home)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {f.url: f for f in (Feed.from_json(r) for r in data["feeds"])}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise FeedError(f"{path} cannot be read ({error}); fix it or move it away to start again") from None


def save_feeds(home: Path, feeds: dict[str, Feed]) -> None:
    """Write the feed store atomically: a temporary file, fsync, rename, fsync the folder."""
    path = feeds_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"version": 1, "feeds": [f.to_json() for f in feeds.values()]}, ensure_ascii=False, indent=1)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".feeds-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def store_lock(home: Path, name: str):
    from filelock import FileLock

    Path(home).mkdir(parents=True, exist_ok=True)
    return FileLock(str(Path(home) / name))


def update_feeds(home: Path, change: Callable[[dict[str, Feed]], object]):
    """Read, ``change`` (in place) and write the store under its lock; returns what ``change`` does.
    Each writer re-reads the file, so a poll never undoes a feed added or removed meanwhile."""
    with store_lock(home, ".feeds.lock"):
        feeds = load_feeds(home)
        result = change(feeds)
        save_feeds(home, feeds)
        return result


def forget_removed(home: Path, article_ids: set[str]) -> None:
    """Tie no feed to ``article_ids`` any more (removed on purpose), so no poll brings them back."""
    if not article_ids or not feeds_path(home).exists():
        return

    def forget(feeds: dict[str, Feed]) -> None:
        for url, feed in feeds.items():
            feeds[url] = forget_articles(feed, article_ids)

    update_feeds(home, forget)
