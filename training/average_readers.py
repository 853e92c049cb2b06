"""Average the weights of exported readers (a "model soup", Wortsman et al. 2022).

Readers fine-tuned from one start can share a basin, and then their mean may read better than
either at no cost at run time. For v6, v10, v11 and v12 it did not (docs/benchmark-history.md,
"Choosing an answer's boundaries"). The first reader's config is copied; recalibrate afterwards
(``training/calibrate_answers.py --write``), since the averaged scores differ.

    python -m newsdesk.training.average_readers runs/a/export runs/b/export --out runs/soup [--weights 0.5,0.5]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import torch
from newsdesk.retrieval.answering.readers.config import FILE_NAME, ReaderConfig, ReaderConfigError
from safetensors.torch import load_file, save_file


def average(states: list[dict[str, torch.Tensor]], weights: list[float]) -> dict[str, torch.Tensor]:
    """The weighted mean of state dicts with the same keys, in float32, cast back to each dtype."""
    keys = set(states[0])
    if any(set(s) != keys for s in states):
        raise SystemExit("the readers do not have the same parameters")
    total = sum(weights)
    return {
        name: (sum(w * s[name].float() for s, w in zip(states, weights)) / total).to(states[0][name].dtype)
        for name in sorted(keys)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("readers", nargs="+", type=Path, help="exported reader directories")
    parser.add_argument("--out", type=Path, required=True, help="directory for the averaged reader")
    parser.add_argument("--weights", help="comma list, one per reader (default: equal)")
    args = parser.parse_args()
    weights = [float(w) for w in args.weights.split(",")] if args.weights else [1.0] * len(args.readers)
    if len(weights) != len(args.readers):
        raise SystemExit("give one weight per reader")
    missing = [str(d) for d in args.readers if not (d / "reader.safetensors").is_file() or not (d / "reader_config.json").is_file()]
    if missing:
        raise SystemExit(f"not an exported reader (reader.safetensors + reader_config.json): {', '.join(missing)}")
    try:
        configs = [ReaderConfig.load(d) for d in args.readers]
    except ReaderConfigError as error:
        raise SystemExit(str(error)) from None
    if len({(c.num_layers, c.first_trained_layer) for c in configs}) != 1:
        raise SystemExit("the readers train different layers; they cannot be averaged")
    states = [load_file(str(d / "reader.safetensors")) for d in args.readers]
    args.out.mkdir(parents=True, exist_ok=True)
    save_file(average(states, weights), str(args.out / "reader.safetensors"))
    shutil.copy(args.readers[0] / FILE_NAME, args.out / FILE_NAME)  # as it is: its bytes, its version
    print(f"averaged {len(states)} readers into {args.out}")


if __name__ == "__main__":
    main()
