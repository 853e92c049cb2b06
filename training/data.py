"""The reader's training data: SQuAD-format files split by article, sources sampled, question and
context cut into windows of word pieces with their start/end targets, and batched."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

import torch
from tqdm import tqdm

from .open_setting import distractors, load_passages, pack_groups


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
    """Flatten SQuAD articles to dicts; keep the paragraph index per article for negatives.
    A question marked ``"is_impossible": true`` (SQuAD 2.0's field) is kept without an answer:
    its paragraph does not answer it, and every window of it teaches [CLS]."""
    out = []
    for ai, article in enumerate(articles):
        for pi, para in enumerate(article["paragraphs"]):
            for qa in para["qas"]:
                impossible = bool(qa.get("is_impossible"))
                if not qa.get("answers") and not impossible:
                    continue
                golds = [] if impossible else qa["answers"]
                a = golds[0] if golds else {"text": "", "answer_start": -1}
                out.append({
                    "id": str(qa["id"]), "question": qa["question"], "context": para["context"],
                    "answer": a["text"], "answer_start": int(a["answer_start"]),
                    "golds": [x["text"] for x in golds], "title": article["title"],
                    "source": source, "article": (source, ai), "para": pi, "varied": bool(qa.get("varied")),
                    "impossible": impossible,
                })
    return out


def teacher_followed(example) -> bool:
    """Whether a teacher's reading is a target for ``example``: not where the question was asked
    the other way (a teacher keyed to the mark would teach it back) nor where the paragraph does
    not answer it (the teacher would teach an answer)."""
    return not (example.get("varied") or example.get("impossible"))


def vary_question_marks(examples, share: float, rng: random.Random) -> int:
    """A seeded ``share`` of ``examples`` asked the other way: "?" dropped where the question ends
    with one, added where it does not (marked ``varied``). Left alone, the reader learns the
    datasets' habits (Wikipedia's questions end in "?", the newsroom's mostly do not) as a cue to
    how to answer, and a user's "?" changes the answer."""
    varied = 0
    for example in examples:
        if rng.random() >= share:
            continue
        question = example["question"].rstrip()
        example["question"] = question[:-1].rstrip() if question.endswith("?") else question + "?"
        example["varied"] = True
        varied += 1
    return varied


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
    context tokens' character spans (for a teacher with another tokenizer, training/cross_distil.py).
    """
    from newsdesk.retrieval.answering.text import normalize_answer
    from newsdesk.retrieval.sources.article import article_id

    feats = []
    # Negatives: the question with another paragraph of the same article (a plausible wrong chunk).
    items = [(qi, e["context"], not e.get("impossible"), False) for qi, e in enumerate(examples)]
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
