#!/usr/bin/env python
"""Train the answer verifier (retrieval/answering/readers/verifier.py) on the news benchmark's train split.

Every story of the benchmark is indexed (the others are distractors, as in
``benchmarks/news_benchmark.py``); each train question is asked as ``newsdesk ask`` reads it, and
its candidates (``answer.judged_candidates``: the admissible answers, ranked) become the verifier's
texts (``answer.verifier_texts``), each labelled right when it holds an accepted answer. The
verifier starts from the shipped reader's encoder and learns to rank a question's candidates
(the first ``--candidates``) with a softmax over them; questions whose candidates are all right or
all wrong teach nothing there and are left out. Stories from ``--held-out-from`` on are not
trained on, so that they stay a second held-out set beside the validation split.

    python -m newsdesk.training.train_verifier benchmarks/news/stories --out retrieval/verifier_model \\
        [--reader retrieval/reader_model] [--held-out-from s115] [--epochs 3] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

from newsdesk.retrieval.answering.answer import admissible, judged_candidates, verifier_texts
from newsdesk.retrieval.answering.readers.verifier import CONFIG_FILE, WEIGHTS_FILE, VerifierConfig, build_model
from newsdesk.retrieval.evaluation.news_scoring import contains, load_stories
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings


def story_number(story_id: str) -> int:
    """The number of a story id ("s07" -> 7): ids are compared as numbers, "s99" before "s115"."""
    digits = "".join(c for c in story_id if c.isdigit())
    return int(digits) if digits else 0


def gather_candidates(desk: Newsdesk, questions: list[dict], depth: int) -> list[dict]:
    """Each question with its first ``depth`` candidates' texts and whether each is right."""
    calibration = getattr(desk.reader, "calibration", None)
    rows = []
    for q in tqdm(questions, desc="asking", unit="question", leave=False):
        hits, spans, _ = desk.gather(q["question"])
        allowed = admissible(q["question"], spans, desk.index, hits)
        kind, ranked, _ = judged_candidates(q["question"], allowed, desk.index, hits, calibration=calibration)
        ranked = ranked[:depth]
        texts = verifier_texts(ranked, kind, desk.index)
        right = [bool(q["answers"]) and (contains(text.split(" [SEP] ")[0], q["answers"]) or contains(r.key, q["answers"]))
                 for text, r in zip(texts, ranked)]
        rows.append({"id": q["id"], "question": q["question"], "texts": texts, "right": right})
    return rows


def teaching(rows: list[dict]) -> list[dict]:
    """The questions with a right and a wrong candidate: only those say which to put first."""
    return [r for r in rows if any(r["right"]) and not all(r["right"])]


def train(rows: list[dict], reader: Path, epochs: float, seed: int, max_len: int, accumulate: int = 4):
    import torch
    from newsdesk.embeddings.encoder import bundled_model_path
    from newsdesk.retrieval.answering.readers.neural import load_shipped_model
    from transformers import AutoTokenizer

    torch.manual_seed(seed)
    shuffle = random.Random(seed)
    tokenizer = AutoTokenizer.from_pretrained(str(bundled_model_path()))
    encoder = load_shipped_model(reader).bert
    model = build_model(encoder.config.num_hidden_layers, encoder)
    # The word embeddings stay the bundled encoder's (as the reader's do): the verifier ships its
    # layers and head only.
    model.bert.embeddings.requires_grad_(False)
    optimizer = torch.optim.AdamW([{"params": [p for p in model.bert.parameters() if p.requires_grad], "lr": 3e-5},
                                   {"params": model.score.parameters(), "lr": 1e-3}], weight_decay=0.01)
    steps = int(len(rows) * epochs)
    warmup = max(1, int(0.1 * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps - s) / steps))
    order: list[int] = []
    while len(order) < steps:
        epoch = list(range(len(rows)))
        shuffle.shuffle(epoch)
        order += epoch
    model.train()
    for step, at in enumerate(tqdm(order[:steps], desc="training", unit="question")):
        row = rows[at]
        batch = tokenizer([row["question"]] * len(row["texts"]), row["texts"], truncation="only_second",
                          max_length=max_len, padding=True, return_tensors="pt")
        scores = model(**batch)
        target = torch.tensor([float(r) for r in row["right"]])
        loss = -(target / target.sum() * torch.log_softmax(scores, 0)).sum() / accumulate
        loss.backward()
        if (step + 1) % accumulate == 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad()
        schedule.step()
    return model.eval()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stories", type=Path, help="the news benchmark's stories folder")
    parser.add_argument("--out", type=Path, required=True, help="folder for verifier.safetensors and its config")
    parser.add_argument("--reader", type=Path, default=Path(__file__).resolve().parents[1] / "retrieval" / "reader_model")
    parser.add_argument("--held-out-from", default="s115", help="stories from this id on are not trained on")
    parser.add_argument("--candidates", type=int, default=6, help="candidates per question ranked against each other")
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-len", type=int, default=160)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    import torch
    from safetensors.torch import save_file

    torch.set_num_threads(args.threads)
    stories, problems = load_stories(args.stories)
    if problems or not stories:
        parser.error(f"{args.stories}: " + ("; ".join(problems[:3]) if problems else "no stories"))
    questions = [q for s in stories if s.split == "train"
                 and story_number(s.id) < story_number(args.held_out_from) for q in s.questions]
    started = time.time()
    with tempfile.TemporaryDirectory() as home:
        desk = Newsdesk(Settings(home=Path(home), reader=str(args.reader)))
        desk.ingest([s.folder / name for s in stories for name in s.files])
        rows = teaching(gather_candidates(desk, questions, args.candidates))
    print(f"{len(rows)} of {len(questions)} questions teach (a right and a wrong candidate)", file=sys.stderr)
    model = train(rows, args.reader, args.epochs, args.seed, args.max_len)
    args.out.mkdir(parents=True, exist_ok=True)
    save_file({name: tensor.detach().to(torch.float16).contiguous() for name, tensor in model.state_dict().items()
               if not name.startswith("bert.embeddings.")}, str(args.out / WEIGHTS_FILE))
    (args.out / WEIGHTS_FILE).chmod(0o644)
    VerifierConfig(num_layers=model.bert.config.num_hidden_layers, max_len=args.max_len).save(
        args.out / CONFIG_FILE, trained_on={"stories": f"train split before {args.held_out_from}", "questions": len(rows),
                                            "epochs": args.epochs, "seed": args.seed, "candidates": args.candidates},
        minutes=round((time.time() - started) / 60, 1))
    print(f"wrote {args.out / WEIGHTS_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
