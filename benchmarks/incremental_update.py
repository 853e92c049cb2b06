"""Adding 100 articles to an index of 5,000: incremental update vs a full rebuild, in one run.

The articles are real paragraphs (SQuAD-format files, e.g. ../shared/data/*.json), each
indexed as an article.

    python benchmarks/incremental_update.py ../shared/data/qa-train-extra.json ../shared/data/squad-dev-v1.1-part-a.json
"""

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from newsdesk.embeddings.encoder import load_encoder
from newsdesk.retrieval.evaluation.evaluate import paragraph_articles
from newsdesk.retrieval.evaluation.squad import load_squad
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("squad", type=Path, nargs="+")
    parser.add_argument("--archive", type=int, default=5000)
    parser.add_argument("--new", type=int, default=100)
    args = parser.parse_args()
    articles = {}
    for path in args.squad:
        articles.update(paragraph_articles(load_squad(path)))
    articles = list(articles.values())
    if len(articles) < args.archive + args.new:
        raise SystemExit(f"only {len(articles)} distinct paragraphs; need {args.archive + args.new}")
    archive, new = articles[: args.archive], articles[args.archive : args.archive + args.new]
    encoder = load_encoder(None)
    encoder.embed(["warm up"])
    with tempfile.TemporaryDirectory() as scratch:
        desk = Newsdesk(Settings(home=Path(scratch) / "inc", reader="baseline"), encoder=encoder)
        started = time.perf_counter()
        desk.add_articles(archive, progress=True)
        archive_seconds = time.perf_counter() - started

        started = time.perf_counter()
        update = desk.add_articles(new)
        incremental = time.perf_counter() - started

        fresh = Newsdesk(Settings(home=Path(scratch) / "fresh", reader="baseline"), encoder=encoder)
        started = time.perf_counter()
        rebuilt = fresh.add_articles(archive + new, progress=True)
        rebuild = time.perf_counter() - started
    print(json.dumps({
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "archive_articles": len(archive), "archive_chunks": rebuilt.chunks_embedded - update.chunks_embedded,
        "archive_build_s": round(archive_seconds, 1),
        "new_articles": len(new), "new_chunks_embedded": update.chunks_embedded,
        "incremental_s": round(incremental, 2), "full_rebuild_s": round(rebuild, 1),
        "rebuild_over_incremental": round(rebuild / incremental, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
