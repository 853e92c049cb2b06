"""Fault campaign for docs/RELIABILITY.md: kill writers at random moments, damage stores, lose
CURRENT, and check after each trial that nothing was lost (the index is the one before or the
one after, and the next run completes it) and nothing was deleted that was not accounted for.

Runs the real index code with the tests' fake encoder (the faults are in the store, not the model):

    python benchmarks/fault_campaign.py --kills 60 --damage 30 --seed 1
"""

from __future__ import annotations

import argparse
import logging
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsdesk.retrieval.index.versions import CURRENT_FILE, current_version, index_root, version_paths  # noqa: E402
from newsdesk.retrieval.service import Newsdesk  # noqa: E402
from newsdesk.retrieval.settings import Settings  # noqa: E402

from newsdesk.errors import NewsdeskError  # noqa: E402
from tests.conftest import FakeEncoder  # noqa: E402


def _desk(home: Path) -> Newsdesk:
    return Newsdesk(Settings(home=home, reader="baseline"), encoder=FakeEncoder())


def _articles(folder: Path, n: int, tag: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        body = f"Report {tag}-{i}: the harbour council of Port Halden met on Monday. " * 30
        (folder / f"{tag}-{i}.txt").write_text(f"Story {tag} {i}\n\n{body}")


def _worker(home: Path, folder: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.retrieval.ingest_worker", str(home), str(folder)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_trial(work: Path, rng: random.Random, full_seconds: float) -> str:
    """SIGKILL an ingest at a random moment; the index must be before or after, then complete."""
    home, folder = work / "home", work / "articles"
    _articles(folder, 4, "base")
    _desk(home).ingest([folder])
    _articles(folder, 40, "new")
    process = _worker(home, folder)
    time.sleep(rng.uniform(0, full_seconds))
    process.send_signal(signal.SIGKILL)
    process.wait()
    count = len(_desk(home).index.articles)
    if count not in (4, 44):
        return f"lost: {count} articles"
    outcome = "before" if count == 4 else "after"
    if len(_desk(home).ingest([folder]).added) != 44 - count or len(_desk(home).index.articles) != 44:
        return "next run did not complete"
    if any(p.name.endswith(".tmp") for p in index_root(home).iterdir()):
        return "partial version left"
    return outcome


def damage_trial(work: Path, rng: random.Random) -> str:
    """Damage the live version (a file cut short, a flipped byte, CURRENT lost or emptied): a read
    command must refuse or fall back, never delete; rollback must restore the older version."""
    home, folder = work / "home", work / "articles"
    _articles(folder, 3, "old")
    _desk(home).ingest([folder])
    _articles(folder, 3, "new")
    _desk(home).ingest([folder])
    live = current_version(home)
    kind = rng.choice(["truncate", "flip", "lose-current", "empty-current", "delete-file"])
    name = rng.choice(["articles.jsonl", "chunks.jsonl", "vectors.faiss"])
    target = live / name
    data = bytearray(target.read_bytes())
    if kind == "truncate":
        target.write_bytes(bytes(data[: rng.randrange(len(data))]))
    elif kind == "flip":
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        target.write_bytes(bytes(data))
    elif kind == "delete-file":
        target.unlink()
    elif kind == "lose-current":
        (index_root(home) / CURRENT_FILE).unlink()
    else:
        (index_root(home) / CURRENT_FILE).write_text("")
    before = set(version_paths(home))
    desk = _desk(home)
    try:
        count = len(desk.index.articles)
    except NewsdeskError:
        count = None
    if not before <= set(version_paths(home)):
        return f"{kind}: a version was deleted"
    if kind.endswith("current"):
        return f"{kind}: fell back" if count == 6 else f"{kind}: wrong fallback ({count})"
    if count == 6:
        return f"{kind} {name}: undetected"
    desk.rollback()
    return f"{kind}: refused, rolled back" if len(_desk(home).index.articles) == 3 else f"{kind}: rollback failed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=60)
    parser.add_argument("--damage", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        probe = Path(scratch) / "probe"
        _articles(probe / "articles", 4, "base")
        _desk(probe / "home").ingest([probe / "articles"])
        _articles(probe / "articles", 40, "new")
        started = time.perf_counter()
        _worker(probe / "home", probe / "articles").wait()
        full = time.perf_counter() - started
        print(f"an ingest of 40 articles takes {full:.2f}s in a new process; kills fall in [0, {full:.2f}]s")
        kills, damages = Counter(), Counter()
        for trial in range(args.kills):
            work = Path(scratch) / f"kill-{trial}"
            kills[kill_trial(work, rng, full)] += 1
            shutil.rmtree(work)
        for trial in range(args.damage):
            work = Path(scratch) / f"damage-{trial}"
            damages[damage_trial(work, rng)] += 1
            shutil.rmtree(work)
    print(f"{args.kills} SIGKILLs during ingest: " + ", ".join(f"{k} {n}" for k, n in sorted(kills.items())))
    print(f"{args.damage} damaged homes: " + "; ".join(f"{k}: {n}" for k, n in sorted(damages.items())))


if __name__ == "__main__":
    logging.disable(logging.WARNING)  # the fallback warnings are expected here, once per trial
    main()
