"""Index build throughput (chunks/s): every paragraph of a SQuAD file, embedded and indexed.

    python benchmarks/index_throughput.py ../shared/data/squad-dev-v1.1-part-a.json [--limit 300] [--runtime torch]
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
    parser.add_argument("squad", type=Path)
    parser.add_argument("--limit", type=int, help="only the first N paragraphs")
    parser.add_argument("--runtime", default="onnx", choices=["onnx", "torch"])
    args = parser.parse_args()
    articles = list(paragraph_articles(load_squad(args.squad)).values())[: args.limit]
    encoder = load_encoder(None, args.runtime)
    encoder.embed(["warm up"])  # model load is not indexing time
    with tempfile.TemporaryDirectory() as home:
        desk = Newsdesk(Settings(home=Path(home), reader="baseline"), encoder=encoder)
        started = time.perf_counter()
        report = desk.add_articles(articles)
        seconds = time.perf_counter() - started
    print(json.dumps({
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "runtime": args.runtime, "articles": len(articles), "chunks": report.chunks_embedded, "seconds": round(seconds, 1),
        "chunks_per_second": round(report.chunks_embedded / seconds, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
