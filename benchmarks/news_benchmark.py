"""The news benchmark (benchmarks/news/README.md): newsroom questions over invented multi-outlet stories.

Every article file of every story (all splits: the other stories are the distractors a newsroom
has) is ingested into a scratch home through newsdesk's own ingest, with the encoder and reader
the CLI would build; each question of the chosen split(s) is asked as ``newsdesk ask`` asks it
(default k, no filters) and timed. Reported overall and per kind: EM, contains, quote holds,
answerable refused, unanswerable refused, confident wrong answers, for questions whose figure a
later report changed whether the newest leads and the older one is shown, latency p50/p90, how
many differing outlets shown answer nothing asked, and how many files' outlet and date newsdesk
read as story.json states them. Scoring rules:
retrieval/evaluation/news_scoring.py.

    python benchmarks/news_benchmark.py --split validation [--split train] [--reader DIR] \\
        [--home DIR] [--json OUT] [--limit N]
    python benchmarks/news_benchmark.py --compare A.json B.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from newsdesk.retrieval.evaluation.news_scoring import KINDS, SPLITS, Story, changed_questions, date_matches, load_stories, metadata_summary, outlet_matches, score_answer, summarize, summarize_by_kind  # noqa: E402

STORIES = ROOT / "benchmarks" / "news" / "stories"
K = 5  # `newsdesk ask`'s default


# ------------------------------------------------------------------ running

INDEX_SCOPES = {"all": "every story of every split (the others are distractors, as in a newsroom's archive)",
                "asked": "the asked split's stories only", "each": "each asked story alone, in a home of its own"}


def index_groups(stories: list[Story], splits: list[str], scope: str) -> list[tuple[str | None, list[Story]]]:
    """The stories indexed together, each group with the name of its home under the benchmark's
    (None: the home itself): all of them, those of the asked splits, or each asked story alone."""
    asked = [s for s in stories if s.split in splits and s.questions]
    if scope == "all":
        return [(None, stories)]
    if scope == "asked":
        return [("asked-" + "-".join(splits), [s for s in stories if s.split in splits])]
    return [(f"story-{s.id}", [s]) for s in asked]


def _progress() -> bool:
    return sys.stderr.isatty()  # as the CLI decides


def open_desk(home: Path, reader: str, runtime: str, model: str | None, verifier: str = "default"):
    """The desk ``newsdesk ask --home HOME --reader READER`` would build (bot/cli_common.py);
    ``verifier``: "none" to ask without the answer verifier."""
    from newsdesk.bot.cli_common import settings_from
    from newsdesk.retrieval.service import Newsdesk

    desk = Newsdesk(settings_from(argparse.Namespace(home=home, model=model, reader=reader, runtime=runtime,
                                                              verifier=verifier)))
    desk.load_models()
    return desk


def ingest_stories(desk, stories: list[Story]) -> dict:
    """Ingest every story's files (a no-op for files the home already holds, as `newsdesk ingest`)."""
    paths = [story.folder / name for story in stories for name in story.files]
    report = desk.ingest(paths, progress=_progress())
    for rejected in report.rejected:
        print(f"news_benchmark: rejected {rejected.path}: {rejected.reason}", file=sys.stderr)
    # A reused home may hold story files since renamed or dropped from story.json: no distractors
    # the benchmark does not have.
    wanted, roots = {str(p.resolve()) for p in paths}, {story.folder.parent.resolve() for story in stories}
    stale = sorted({a.path for a in desk.articles().values() if a.path and a.path not in wanted
                    and any(Path(a.path).is_relative_to(root) for root in roots)})
    removed = len(desk.remove(stale).removed) if stale else 0
    return {"files": len(paths), "added": len(report.added), "replaced": len(report.replaced), "stale_removed": removed,
            "rejected": [{"path": r.path, "reason": r.reason} for r in report.rejected],
            "chunks_embedded": report.chunks_embedded, "seconds": round(report.seconds, 2),
            "articles_indexed": len(desk.articles())}


def _added_up(total: dict, more: dict) -> dict:
    """Two ingest reports as one: counts and seconds added, rejections listed together."""
    return {key: total.get(key, type(value)()) + value for key, value in more.items()}


def read_metadata(desk, stories: list[Story]) -> list[dict]:
    """Per story file: the outlet and date story.json states, and what newsdesk read."""
    by_path: dict[str, list] = {}
    for article in desk.articles().values():
        if article.path:
            by_path.setdefault(article.path, []).append(article)
    files = []
    for story in stories:
        for name, truth in story.files.items():
            found = sorted(by_path.get(str((story.folder / name).resolve()), []), key=lambda a: a.record or "")
            outlet, date = (found[0].outlet, found[0].date) if found else (None, None)
            files.append({"story": story.id, "file": name, "indexed": bool(found),
                          "outlet": truth["outlet"], "read_outlet": outlet, "outlet_ok": outlet_matches(truth["outlet"], outlet),
                          "date": truth["date"], "read_date": date, "date_ok": date_matches(truth["date"], date)})
    return files


def as_typed(question: dict, question_mark: bool) -> dict:
    """The benchmark's question as asked: with ``question_mark``, ending in one "?"."""
    return dict(question, question=question["question"].rstrip().rstrip("?") + "?") if question_mark else question


def ask_all(desk, questions: list[tuple[Story, dict]], k: int = K) -> list[dict]:
    """Ask each question as `newsdesk ask` does; one scored record per question."""
    from tqdm import tqdm

    records = []
    for story, q in tqdm(questions, desc="asking", unit="q", disable=not _progress()):
        started = time.perf_counter()
        answer = desk.ask(q["question"], k=k)
        ms = (time.perf_counter() - started) * 1000
        alternatives = [{"text": a.text, "score": round(a.score, 4), "outlets": list(a.outlets), "dates": list(a.dates)}
                        for a in answer.alternatives]
        shown = [c.quote for c in answer.related]
        scored = score_answer(q, answer.text, answer.quote, [a["text"] for a in alternatives], shown)
        records.append({
            "id": q["id"], "story": story.id, "split": story.split, "kind": q["kind"], "question": q["question"],
            "answers": q.get("answers", []), "superseded": q.get("superseded", []),
            "answer": answer.text, "answer_kind": getattr(answer, "kind", None), "score": round(answer.score, 4),
            "abstained": answer.abstained,
            "quote": answer.quote, "outlets": list(answer.outlets), "alternatives": alternatives, "shown": shown,
            "ms": round(ms, 1), **scored,
        })
    return records


# ------------------------------------------------------------------ showing


def _pct(value) -> str:
    return "-" if value is None else f"{value:.0f}%"


def _ratio(count: int, of: int) -> str:
    return "-" if not of else f"{count}/{of}"


def _ms(value) -> str:
    return "-" if value is None else f"{value:.0f}"


COLUMNS = ("kind", "n", "EM", "contains", "quote", "refused", "shown", "wrong", "newest", "other", "p50", "p90")


def _row(kind: str, s: dict) -> list[str]:
    refused = (_ratio(s["answerable_refused"], s["answerable"]) if s["answerable"]
               else _ratio(s["unanswerable_refused"], s["unanswerable"]))
    if s["answerable"] and s["unanswerable"]:  # the overall row: both
        refused += f" +{s['unanswerable_refused']}/{s['unanswerable']}u"
    return [kind, str(s["questions"]), _pct(s["em_pct"]), _pct(s["contains_pct"]), _pct(s["quote_holds_pct"]), refused,
            str(s.get("refused_shown_holds", 0)), str(s["confident_wrong"]), _ratio(s["newest_leads"], s["superseded"]), _ratio(s["other_shown"], s["superseded"]),
            _ms(s["latency_ms"]["p50"]), _ms(s["latency_ms"]["p90"])]


def _grid(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
                     for row in rows)


LEGEND = ("EM, contains, quote: % of answerable questions; refused: answerable questions refused "
          "(unanswerable: refused, which is right; +N/Mu the unanswerable ones); shown: of those refused, how many "
          "were shown a passage that holds an accepted answer; wrong: confident wrong answers "
          "(answered, neither EM nor contains; unanswerable: answered); newest/other: of the questions whose figure "
          "a later report changed, the lead answer has the newest / an alternative shows the older; p50/p90 ms per ask.")


def summary_table(summary: dict) -> str:
    rows = [list(COLUMNS)] + [_row(kind, s) for kind, s in summary["kinds"].items()] + [_row("overall", summary["overall"])]
    if len(summary.get("splits", {})) > 1:
        rows += [_row(f"  {split}", s) for split, s in summary["splits"].items()]
    return _grid(rows)


def alternatives_text(overall: dict) -> str:
    """How many differing outlets were shown, and how many of them answer nothing asked."""
    return (f"differing outlets shown: {overall.get('alternatives_shown', 0)}, of which {overall.get('alternatives_stray', 0)} "
            "hold neither an accepted nor a replaced answer")


def metadata_text(meta: dict, files: list[dict]) -> str:
    lines = [f"metadata read: outlet {_ratio(meta['outlet_right'], meta['files'])} files ({_pct(meta['outlet_pct'])}), "
             f"date {_ratio(meta['date_right'], meta['files'])} ({_pct(meta['date_pct'])})"]
    for f in files:
        misses = [] if f["indexed"] else ["not indexed"]
        misses += [] if f["outlet_ok"] or not f["indexed"] else [f"outlet read {f['read_outlet']!r}, is {f['outlet']!r}"]
        misses += [] if f["date_ok"] or not f["indexed"] else [f"date read {f['read_date']}, is {f['date']}"]
        if misses:
            lines.append(f"  {f['story']} {f['file']}: " + "; ".join(misses))
    return "\n".join(lines)


def compare_text(a: dict, b: dict, names: tuple[str, str]) -> str:
    """The per-kind table of two runs side by side, then the questions that changed."""
    sa, sb = summarize_by_kind(a["records"]), summarize_by_kind(b["records"])
    kinds = [k for k in KINDS if k in sa["kinds"] or k in sb["kinds"]]
    kinds += sorted((set(sa["kinds"]) | set(sb["kinds"])) - set(kinds))
    header = ["kind", "n"] + [f"{m} {x}" for m in ("EM", "contains", "refused", "wrong") for x in ("A", "B")]
    rows = [header]
    for kind, (x, y) in [(k, (sa["kinds"].get(k), sb["kinds"].get(k))) for k in kinds] + [("overall", (sa["overall"], sb["overall"]))]:
        cells = [kind, f"{(x or y)['questions']}" if not (x and y) or x["questions"] == y["questions"]
                 else f"{x['questions']}/{y['questions']}"]
        for metric in ("em_pct", "contains_pct", "refused", "confident_wrong"):
            for s in (x, y):
                if s is None:
                    cells.append("-")
                elif metric == "refused":
                    cells.append(str(s["answerable_refused"] if s["answerable"] else s["unanswerable_refused"]))
                elif metric == "confident_wrong":
                    cells.append(str(s[metric]))
                else:
                    cells.append(_pct(s[metric]))
        rows.append(cells)
    lines = [f"A: {names[0]} (reader {a.get('reader')})", f"B: {names[1]} (reader {b.get('reader')})", "", _grid(rows),
             "EM, contains: % of answerable questions; refused: answerable questions refused (the unanswerable row: "
             "refused, which is right); wrong: confident wrong answers.", ""]
    outcome, text = changed_questions(a["records"], b["records"])

    def show(change):
        before = "(absent)" if change.before is None else f"{change.before['outcome']}: {change.before['answer']!r}"
        after = "(absent)" if change.after is None else f"{change.after['outcome']}: {change.after['answer']!r}"
        return f"  {change.id} [{change.kind}] {change.question}\n      A {before}\n      B {after}"

    lines.append(f"{len(outcome)} question{'s' * (len(outcome) != 1)} changed outcome:" if outcome else "no question changed outcome")
    lines += [show(c) for c in outcome]
    if text:
        lines.append(f"{len(text)} with the same outcome but another answer (normalised):")
        lines += [show(c) for c in text]
    return "\n".join(lines)


# ------------------------------------------------------------------ the command


def run(args) -> int:
    stories, warnings = load_stories(args.stories)
    for warning in warnings:
        print(f"news_benchmark: {warning}", file=sys.stderr)
    if not stories:
        print(f"news_benchmark: no stories under {args.stories}", file=sys.stderr)
        return 1
    splits = args.split or ["validation"]
    questions = [(s, as_typed(q, args.question_mark)) for s in stories if s.split in splits for q in s.questions][: args.limit]
    if not questions:
        print(f"news_benchmark: no questions of the {' and '.join(splits)} split in {len(stories)} stories "
              f"({', '.join(sorted({s.split for s in stories if s.questions})) or 'none with questions'} have some)",
              file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="news-benchmark-") as scratch:
        home = args.home or Path(scratch)
        desk = open_desk(home, args.reader, args.runtime, args.model, args.verifier)
        ingest, files, records = {}, [], []
        for name, indexed in index_groups(stories, splits, args.index):
            # one home per group, the models loaded once
            group_desk = desk if name is None else type(desk)(replace(desk.settings, home=home / name),
                                                              encoder=desk.encoder, reader=desk.reader)
            group_desk.verifier = desk.verifier
            ingest = _added_up(ingest, ingest_stories(group_desk, indexed))
            files += read_metadata(group_desk, indexed)
            group_desk.warm_up()  # the first question's latency is then a question's, not the model loading
            records += ask_all(group_desk, [(s, q) for s, q in questions if s in indexed], k=args.k)
    summary = summarize_by_kind(records)
    summary["splits"] = {split: summarize([r for r in records if r["split"] == split]) for split in splits
                         if any(r["split"] == split for r in records)}
    meta = metadata_summary(files)
    print(f"news benchmark: {len(records)} questions of {' + '.join(splits)} "
          f"({len({s.id for s, _ in questions})} stories); {ingest['articles_indexed']} articles indexed, "
          f"{INDEX_SCOPES[args.index]}; reader {args.reader}, verifier {args.verifier}, k {args.k}"
          + ("; every question ending in '?'" if args.question_mark else ""))
    print(summary_table(summary))
    print(LEGEND)
    print(alternatives_text(summary["overall"]))
    print(metadata_text(meta, files))
    if args.json:
        args.json.write_text(json.dumps({
            "reader": args.reader, "verifier": args.verifier, "runtime": args.runtime, "k": args.k, "splits": splits, "limit": args.limit,
            "index": args.index, "question_mark": args.question_mark,
            "stories": [s.id for s in stories], "ingest": ingest, "summary": summary,
            "metadata": {**meta, "files": files}, "warnings": warnings, "records": records,
        }, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"records written to {args.json}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", action="append", choices=SPLITS, help="the split(s) to ask (default: validation); repeat for both")
    # The CLI's defaults, environment included (bot/cli.py)
    parser.add_argument("--reader", default=os.environ.get("NEWSDESK_READER", "default"),
                        help="'default', 'baseline' or a reader directory, as for `newsdesk ask` (env NEWSDESK_READER)")
    parser.add_argument("--verifier", default="default",
                        help="'default' (the shipped answer verifier, with the shipped reader), 'none', or a verifier directory")
    parser.add_argument("--runtime", choices=["onnx", "torch"], default=os.environ.get("NEWSDESK_RUNTIME", "onnx"))
    parser.add_argument("--model", default=os.environ.get("NEWSDESK_MODEL"), help="an encoder directory (default: the bundled one)")
    parser.add_argument("--home", type=Path, help="the home to ingest into and ask (default: a temporary one); "
                                                  "files it already holds are not embedded again")
    parser.add_argument("-k", type=int, default=K, help=f"passages read per question (default {K}, as `newsdesk ask`)")
    parser.add_argument("--index", choices=list(INDEX_SCOPES), default="all",
                        help="what is indexed: " + "; ".join(f"{k}: {v}" for k, v in INDEX_SCOPES.items()) + " (default all)")
    parser.add_argument("--limit", type=int, help="ask the first N questions only")
    parser.add_argument("--question-mark", action="store_true",
                        help="ask every question ending in '?' (as written, most end without one): "
                             "an answer should not depend on it")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the summary and every question's record here")
    parser.add_argument("--stories", type=Path, default=STORIES, help=argparse.SUPPRESS)
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("A.json", "B.json"),
                        help="compare two --json outputs: per kind side by side, and the questions that changed")
    args = parser.parse_args(argv)
    if args.compare:
        try:
            a, b = (json.loads(p.read_text(encoding="utf-8")) for p in args.compare)
        except (OSError, ValueError) as e:
            parser.error(f"--compare needs two --json outputs: {e}")
        print(compare_text(a, b, (str(args.compare[0]), str(args.compare[1]))))
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
