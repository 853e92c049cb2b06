"""How far the int8 export of a reader strays from its fp32 export, matrix product by matrix product.

The reader is exported to ONNX in fp32 (as ``neural_reader`` does) and quantised by the default
runtime's own ``quantize_int8``, and both read windows of *training* text (questions and
paragraphs of ``qa-train-extra.json``, never the validation articles, so choosing fp32 products
here does not tune on them). For each matrix product quantised alone (everything else fp32) it reports the mean
KL divergence of the int8 start and end distributions from the fp32 ones and how often their
top token agrees; then the same for every product in int8 and for the shipped ``FLOAT_NODES``
(plus any ``--keep-float`` set). Their sum over the products is close to the all-int8 figure,
so the ranking says which products are worth keeping in fp32.

    python benchmarks/int8_fidelity.py ../shared/data/qa-train-extra.json [--reader DIR] \\
        [--windows 300] [--keep-float NODE ...]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from newsdesk.embeddings import onnx_runtime  # noqa: E402
from newsdesk.embeddings.encoder import bundled_model_path  # noqa: E402
from newsdesk.retrieval.answering.readers import neural as neural_reader  # noqa: E402
from newsdesk.retrieval.answering.readers.windows import Windows, cut_windows, run_unpadded  # noqa: E402
from newsdesk.retrieval.evaluation.squad import load_squad  # noqa: E402

PRODUCTS = ("MatMul", "Attention")  # what quantize_dynamic turns into int8 in the fused graph


def training_windows(path: Path, count: int, seed: int = 0) -> list[Windows]:
    """One question per paragraph of ``path``, ``count`` of them drawn with ``seed``, cut as the reader reads."""
    tokenizer = neural_reader.bundled_tokenizer()
    first = {}
    for q in load_squad(path):
        first.setdefault(q.context, q.question)
    pairs = sorted(first.items())
    random.Random(seed).shuffle(pairs)
    return [cut_windows(tokenizer, question, [context], 256, 96) for context, question in pairs[:count]]


def log_distributions(session, windows: list[Windows]) -> list[np.ndarray]:
    """Log-softmax of every window's start and end logits over its context tokens and [CLS]."""
    def run(inputs):
        return tuple(x.astype(np.float32) for x in session.run(["start_logits", "end_logits"], inputs))

    out = []
    for w in windows:
        start, end = run_unpadded(run, {"input_ids": w.input_ids, "attention_mask": w.attention_mask,
                                                      "token_type_ids": w.token_type_ids})
        for row in range(len(start)):
            allowed = w.is_context[row].copy()
            allowed[0] = True
            for logits in (start[row], end[row]):
                z = np.where(allowed, logits, -np.inf)
                z = z - z.max()
                out.append(z - np.log(np.exp(z).sum()))
    return out


def divergence(reference: list[np.ndarray], other: list[np.ndarray]) -> dict:
    """Mean KL(reference || other) and the share of distributions whose top token agrees."""
    kl = [float(np.sum(np.exp(p[m]) * (p[m] - q[m]))) for p, q in zip(reference, other) for m in [np.isfinite(p)]]
    agree = [int(np.argmax(p) == np.argmax(q)) for p, q in zip(reference, other)]
    return {"kl": round(float(np.mean(kl)), 5), "top_token_agreement": round(float(np.mean(agree)), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("training_file", type=Path, help="SQuAD-format training text (qa-train-extra.json)")
    parser.add_argument("--reader", type=Path, default=neural_reader.SHIPPED_DIR, help="reader folder")
    parser.add_argument("--windows", type=int, default=300, help="questions (one per paragraph) to read")
    parser.add_argument("--keep-float", nargs="*", default=[], help="also report this set of products kept in fp32")
    args = parser.parse_args()

    import onnx

    bert = json.loads((bundled_model_path() / "config.json").read_text())
    windows = training_windows(args.training_file, args.windows)
    with tempfile.TemporaryDirectory() as work:
        fp32 = Path(work) / "fp32.onnx"
        neural_reader.export_shipped(args.reader, fp32)
        onnx_runtime.fuse_bert_operators(fp32, bert["num_attention_heads"], bert["hidden_size"])
        products = [n.name for n in onnx.load(str(fp32)).graph.node if n.op_type in PRODUCTS]
        reference = log_distributions(onnx_runtime.open_session(fp32), windows)

        def measure(keep_float=(), only=None) -> dict:
            path = Path(work) / "int8.onnx"
            onnx_runtime.quantize_int8(fp32, path, keep_float, only)
            return divergence(reference, log_distributions(onnx_runtime.open_session(path), windows))

        alone = {name: measure(only=[name]) for name in products}
        sets = {"all int8": [], "shipped (FLOAT_NODES)": list(neural_reader.FLOAT_NODES)}
        if args.keep_float:
            sets["--keep-float"] = args.keep_float
        report = {
            "reader": str(args.reader),
            "distributions": len(reference),
            "quantised_alone": dict(sorted(alone.items(), key=lambda item: -item[1]["kl"])),
            "sum_of_alone_kl": round(sum(row["kl"] for row in alone.values()), 5),
            "sets": {label: {"fp32": keep, **measure(keep_float=keep)} for label, keep in sets.items()},
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
