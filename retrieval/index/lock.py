"""The index's write lock: one writer at a time, across processes."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path

from newsdesk.errors import NewsdeskError

from .versions import index_root

log = logging.getLogger(__name__)


@contextlib.contextmanager
def write_lock(home: Path, what: str):
    """Hold the index's write lock (one writer at a time, across processes); yields the
    seconds spent waiting for it. If another process holds it, say who and wait for it."""
    from filelock import FileLock, Timeout

    root = index_root(home)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise NewsdeskError(f"cannot create the index directory {root}: {error.strerror or error}") from None
    lock, info = FileLock(str(root / ".write.lock")), root / ".write.lock.info"
    asked, waited = time.perf_counter(), 0.0
    try:
        lock.acquire(timeout=0.5)
    except Timeout:  # a first try's half second is no wait worth reporting; this is
        holder = info.read_text().strip() if info.exists() else "another process"
        log.warning("waiting for %s to finish updating the index…", holder)
        lock.acquire()
        waited = time.perf_counter() - asked
    try:
        info.write_text(f"pid {os.getpid()} ({what}, since {time.strftime('%H:%M:%S')})")
        yield waited
    finally:
        lock.release()
