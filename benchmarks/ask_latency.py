"""`ask` latency on the seed index: warm p50/p95 in one process, and cold start of the command.

    python benchmarks/ask_latency.py [--reader default|baseline] [--runtime onnx|torch] [--repeats 5] [--cold 5]
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newsdesk.retrieval.service import Newsdesk, Settings

QUESTIONS = [
    "Who hosted the Berlin talks?", "Who did Zelenskyy meet in Berlin on Sunday?", "What is Ukraine ready to give up?",
    "Who is the Russian president?", "What did Erdogan warn about?", "Which regions does Ukraine refuse to cede?",
    "How long did the Sunday session last?", "Who curated the Outlook article?", "What did Peskov call Ukraine's non-NATO status?",
    "What is the tallest mountain in Africa?",
]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reader", default="default")
    parser.add_argument("--runtime", default="onnx", choices=["onnx", "torch"])
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5, help="passes over the questions (warm)")
    parser.add_argument("--cold", type=int, default=5, help="new `newsdesk ask` processes to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        desk = Newsdesk(Settings(home=Path(home), reader=args.reader, runtime=args.runtime))
        desk.warm_up()
        warm = []
        for _ in range(args.repeats):
            for question in QUESTIONS:
                started = time.perf_counter()
                desk.ask(question, k=args.k)
                warm.append((time.perf_counter() - started) * 1000)
        command = [str(Path(sys.executable).parent / "newsdesk"), "ask", QUESTIONS[0], "--home", home, "--reader", args.reader,
                   "--runtime", args.runtime]
        cold = []
        for _ in range(args.cold):
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env={**os.environ})
            cold.append(time.perf_counter() - started)
    print(json.dumps({
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "reader": args.reader, "runtime": args.runtime, "k": args.k,
        "warm_ms": {"n": len(warm), "p50": round(percentile(warm, 0.5), 1), "p95": round(percentile(warm, 0.95), 1)},
        "cold_start_s": {"n": len(cold), "median": round(statistics.median(cold), 2), "min": round(min(cold), 2)},
    }, indent=2))


if __name__ == "__main__":
    main()
