"""``newsdesk watch``: poll a folder and say which new and changed files have stopped changing.

``settled_files`` only yields what to do; the service (``Newsdesk.watch``) ingests the files and
prunes the articles of deleted ones, so nothing here calls back up into it."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from stat import S_ISREG
from typing import Iterator

from newsdesk.errors import InvalidInput

from .files import folder_files

log = logging.getLogger(__name__)

Signature = tuple[int, int]  # (mtime in ns, size)


def snapshot(folder: Path) -> dict[Path, Signature]:
    """Every supported file under ``folder`` with its modification time and size: the files
    ``ingest`` would read there (``folder_files``: no link out of the folder is followed)."""
    found = {}
    for path in folder_files(folder)[0]:
        if not path.name.startswith("."):
            try:
                stat = path.stat()
            except OSError:  # removed between listing and stat
                continue
            if S_ISREG(stat.st_mode):
                found[path.resolve()] = (stat.st_mtime_ns, stat.st_size)
    return found


def settled_changes(indexed: dict[Path, Signature], before: dict[Path, Signature], now: dict[Path, Signature]) -> tuple[list[Path], bool]:
    """Files to ingest (new or changed, and unchanged since the previous poll, so not still
    being written), and whether any indexed file has disappeared."""
    ready = sorted(p for p, sig in now.items() if indexed.get(p) != sig and before.get(p) == sig)
    return ready, bool(indexed.keys() - now.keys())


def watched_folder(folder: str | Path) -> Path:
    """``folder``, resolved. Raises InvalidInput when it is not an existing folder."""
    path = Path(folder).expanduser().resolve()
    if not path.is_dir():
        raise InvalidInput(f"{folder}: {'not a folder' if path.exists() else 'no such folder'}")
    return path


def settled_files(folder: Path, interval: float = 2.0, cycles: int | None = None) -> Iterator[tuple[list[Path], bool]]:
    """Poll ``folder`` (resolved, see ``watched_folder``) every ``interval`` seconds, forever or
    ``cycles`` times, yielding after each poll the files to ingest and whether articles of
    deleted files may need pruning. The caller acts before the next poll (the wait comes after
    it resumes this); a file yielded counts as indexed from then on."""
    indexed: dict[Path, Signature] = {}
    before: dict[Path, Signature] = {}
    done = 0
    while cycles is None or done < cycles:
        now = snapshot(folder)
        ready, deleted = settled_changes(indexed, before, now)
        yield ready, deleted or done == 0  # at start, files deleted while nobody watched count too
        indexed = {p: sig for p, sig in indexed.items() if p in now} | {p: now[p] for p in ready}
        before = now
        done += 1
        if cycles is None or done < cycles:
            time.sleep(interval)
