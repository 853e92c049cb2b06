"""`ask` latency on the seed index: warm p50/p95 in one process, and cold start of the command.

    python benchmarks/ask_latency.py [--reader default|baseline|DIR ...] [--verifier default|none ...] [--runtime onnx|torch] [--repeats 5]
        [--cold 5] [--passes 1 --pause 30]

This machine's speed drifts from minute to minute; ``--passes N --pause S`` times the warm
questions N times, S seconds apart, and gives each pass's p50 and the p50/p95 of all of them.
Several ``--reader`` (or ``--verifier``) values are timed side by side: each question is asked of
every setting in turn, and the cold starts alternate too, so drift falls on all of them alike.
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

from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings

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
    parser.add_argument("--reader", nargs="+", default=["default"], help="one or more readers, timed side by side")
    parser.add_argument("--verifier", nargs="+", default=["default"], help="one or more verifier settings ('default', "
                                                                           "'none', a directory), timed side by side")
    parser.add_argument("--runtime", default="onnx", choices=["onnx", "torch"])
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5, help="passes over the questions (warm)")
    parser.add_argument("--cold", type=int, default=5, help="new `newsdesk ask` processes to time")
    parser.add_argument("--passes", type=int, default=1, help="timed passes of --repeats each")
    parser.add_argument("--pause", type=float, default=30.0, help="seconds between passes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        timed_settings = [(reader, verifier) for reader in args.reader for verifier in args.verifier]
        homes = {setting: Path(root) / f"home-{i}" for i, setting in enumerate(timed_settings)}
        desks = {(reader, verifier): Newsdesk(Settings(home=home, reader=reader, verifier=verifier, runtime=args.runtime))
                 for (reader, verifier), home in homes.items()}
        for desk in desks.values():
            desk.warm_up()
        passes: dict[tuple[str, str], list[list[float]]] = {setting: [] for setting in desks}
        for number in range(args.passes):
            if number:
                time.sleep(args.pause)
            for timed in passes.values():
                timed.append([])
            for _ in range(args.repeats):
                for question in QUESTIONS:
                    for setting, desk in desks.items():
                        started = time.perf_counter()
                        desk.ask(question, k=args.k)
                        passes[setting][-1].append((time.perf_counter() - started) * 1000)
        cold: dict[tuple[str, str], list[float]] = {setting: [] for setting in desks}
        for _ in range(args.cold):
            for (reader, verifier), home in homes.items():
                command = [str(Path(sys.executable).parent / "newsdesk"), "ask", QUESTIONS[0], "--home", str(home),
                           "--reader", reader, "--verifier", verifier, "--runtime", args.runtime]
                started = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True, env={**os.environ})
                cold[(reader, verifier)].append(time.perf_counter() - started)
    results = []
    for (reader, verifier), timed_passes in passes.items():
        warm = [ms for timed in timed_passes for ms in timed]
        results.append({
            "reader": reader, "verifier": verifier, "runtime": args.runtime, "k": args.k,
            "warm_ms": {"n": len(warm), "p50": round(percentile(warm, 0.5), 1), "p95": round(percentile(warm, 0.95), 1)},
            **({"p50_of_each_pass_ms": [round(percentile(timed, 0.5), 1) for timed in timed_passes]} if args.passes > 1 else {}),
            **({"cold_start_s": {"n": len(cold[(reader, verifier)]), "median": round(statistics.median(cold[(reader, verifier)]), 2),
                                 "min": round(min(cold[(reader, verifier)]), 2)}} if cold[(reader, verifier)] else {}),
        })
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(json.dumps({"machine": machine, **results[0]} if len(results) == 1 else {"machine": machine, "settings": results},
                     indent=2))


if __name__ == "__main__":
    main()
