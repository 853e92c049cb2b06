"""Cold start of ``newsdesk ask``: a new process per question, warm disk cache, the seed index.

    python benchmarks/cold_start.py [--runs 5]

Both runtimes are timed in turn in the same run: ``--runtime torch`` (sentence-transformers and
the torch reader, how newsdesk started before issue 6) and the default ``--runtime onnx``.
Each is run once untimed first (it builds the seed index and, for onnx, the cached export).
Then one process per runtime reports where its time goes.
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

QUESTION = "Who hosted the Berlin talks?"
RUNTIMES = ("torch", "onnx")

# Run in a fresh interpreter: each phase in the order `newsdesk ask` meets it.
PHASES = """
import json, sys, time
t0 = time.perf_counter()
from newsdesk.bot import cli
from newsdesk.retrieval.service import Newsdesk, Settings
t1 = time.perf_counter()
desk = Newsdesk(Settings(home=Path(sys.argv[1]), runtime=sys.argv[2]))
desk.index
t2 = time.perf_counter()
desk.encoder.embed(["warm"])
t3 = time.perf_counter()
desk.reader.read("warm", desk.index.chunks[:1])
t4 = time.perf_counter()
desk.ask(sys.argv[3])
t5 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "index load": t2 - t1, "encoder load": t3 - t2,
                  "reader load": t4 - t3, "first answer": t5 - t4,
                  "torch imported": "torch" in sys.modules}))
"""


def newsdesk_ask(home: str, runtime: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "newsdesk.bot.cli", "ask", "--home", home, "--runtime", runtime, QUESTION],
                   check=True, capture_output=True, text=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        for runtime in RUNTIMES:
            newsdesk_ask(home, runtime)  # builds the index / the export; not timed
        times = {runtime: [] for runtime in RUNTIMES}
        for _ in range(args.runs):
            for runtime in RUNTIMES:
                times[runtime].append(newsdesk_ask(home, runtime))
        phases = {}
        for runtime in RUNTIMES:
            out = subprocess.run([sys.executable, "-c", PHASES, home, runtime, QUESTION],
                                 check=True, capture_output=True, text=True).stdout
            phases[runtime] = {k: round(v, 2) if isinstance(v, float) else v for k, v in json.loads(out).items()}
    median = {runtime: statistics.median(t) for runtime, t in times.items()}
    print(json.dumps({
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "runs": args.runs,
        "newsdesk ask wall seconds (median)": {r: round(m, 2) for r, m in median.items()},
        "min": {r: round(min(t), 2) for r, t in times.items()},
        "onnx / torch": round(median["onnx"] / median["torch"], 2),
        "phases (one process each)": phases,
    }, indent=2))


if __name__ == "__main__":
    main()
