"""The ``newsdesk`` command line: ask, chat, ingest, sources, eval, rebuild, bot."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import Sequence

log = logging.getLogger("newsdesk")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def default_home() -> Path:
    """``NEWSDESK_HOME``, else the user's data directory."""
    if os.environ.get("NEWSDESK_HOME"):
        return Path(os.environ["NEWSDESK_HOME"]).expanduser()
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data / "newsdesk"


def iso_date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-12-14") from None


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Shows a default only where it says something: not None or False, not already in the help."""

    def _get_help_string(self, action):
        if action.default in (None, False, argparse.SUPPRESS) or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def _index_type_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--index-type", choices=["auto", "flat", "ivf", "ivf-sq8"], default=os.environ.get("NEWSDESK_INDEX_TYPE"),
        help="vector index: 'flat' searches exactly; 'ivf' searches the nearest k-means lists (approximate: "
             "recall@10 0.98 and 30x faster than flat at 1M chunks, docs/BENCHMARKS.md); 'ivf-sq8' is ivf with "
             "8-bit vectors (a quarter of the memory, recall@10 0.97); 'auto' picks flat below 200,000 chunks and "
             "ivf from there. A choice holds for later updates until another is given (default: the index's "
             "current choice, auto for a new index; env NEWSDESK_INDEX_TYPE)")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", type=Path, default=None, help="index directory (default: $NEWSDESK_HOME or ~/.local/share/newsdesk)")
    common.add_argument("--model", default=os.environ.get("NEWSDESK_MODEL"), help="local sentence-transformers model directory (default: the bundled all-MiniLM-L6-v2; env NEWSDESK_MODEL)")
    common.add_argument("--runtime", choices=["onnx", "torch"], default=os.environ.get("NEWSDESK_RUNTIME", "onnx"),
                        help="'onnx': the encoder and the reader exported once to ONNX with int8 weights (cached in "
                             "$NEWSDESK_CACHE or ~/.cache/newsdesk): quick to start, several times faster; 'torch': "
                             "plain sentence-transformers and torch, for comparison (env NEWSDESK_RUNTIME)")
    common.add_argument("-v", "--verbose", action="count", default=0, help="log what happens (-vv for debug detail)")

    asking = argparse.ArgumentParser(add_help=False)
    asking.add_argument("-k", type=positive_int, default=5, help="how many passages the reader reads")
    asking.add_argument("--outlet", help="only articles from this outlet (e.g. Outlook)")
    asking.add_argument("--since", type=iso_date, help="only articles dated on or after this day (YYYY-MM-DD)")
    asking.add_argument("--until", type=iso_date, help="only articles dated on or before this day (YYYY-MM-DD)")
    asking.add_argument("--reader", default=os.environ.get("NEWSDESK_READER", "default"),
                        help="'default' (newsdesk's trained reader), 'baseline', or a local Hugging Face QA model directory (env NEWSDESK_READER)")

    parser = argparse.ArgumentParser(
        prog="newsdesk",
        description="Ask news articles a question; get the answer copied from them, with the quote and the outlets.",
        epilog='Example:\n  newsdesk ask "Who hosted the Berlin talks?"\n\nRun `newsdesk COMMAND --help` for each command.',
        formatter_class=_Formatter,
    )
    from newsdesk import __version__

    parser.add_argument("--version", action="version", version=f"newsdesk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help_: str, example: str, parents=(common,)):
        return commands.add_parser(name, parents=list(parents), help=help_, description=help_,
                                   epilog=f"Example:\n  {example}", formatter_class=_Formatter)

    ask = command("ask", "answer one question from the indexed articles", 'newsdesk ask "Who hosted the Berlin talks?" --json', (common, asking))
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("--json", action="store_true", help="print one JSON object (see docs/cli.md)")

    chat = command("chat", "ask questions one after another (Ctrl-D or 'quit' to leave)", "newsdesk chat --outlet NewsNeck", (common, asking))
    chat.add_argument("--json", action="store_true", help="print one JSON object per answer")

    ingest = command("ingest", "add articles (.txt .md .html .json .jsonl files or folders) to the index",
                     "newsdesk ingest ~/articles/ today.jsonl\n  newsdesk ingest ~/archive/ --index-type ivf-sq8")
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")
    _index_type_option(ingest)

    ingest.add_argument("--prune", action="store_true", help="also remove indexed articles whose file under a given folder is gone")

    remove = command("remove", "remove articles from the index, by id (see `newsdesk sources`) or file path", "newsdesk remove 43904f7067b67afc")
    remove.add_argument("targets", nargs="+", metavar="ARTICLE_ID|PATH")
    remove.set_defaults(json=False)

    watch = command("watch", "keep a folder indexed: ingest new and changed files, drop deleted ones (Ctrl-C to stop)", "newsdesk watch ~/articles --interval 5")
    watch.add_argument("folder", type=Path)
    watch.add_argument("--interval", type=float, default=2.0, help="seconds between polls; a file is taken once it is unchanged for one interval")

    sources = command("sources", "list the indexed articles", "newsdesk sources --json")
    sources.add_argument("--json", action="store_true", help="print a JSON list")

    rebuild = command("rebuild", "re-chunk and re-embed every indexed article (after changing the model or settings)",
                      "newsdesk rebuild --model /models/my-encoder\n  newsdesk rebuild --index-type flat")
    rebuild.set_defaults(json=False)
    _index_type_option(rebuild)

    back = command("rollback", "make an earlier intact index version live again (after damage or an unwanted update); nothing is deleted",
                   "newsdesk rollback --list\n  newsdesk rollback\n  newsdesk rollback v-20261201-205600-123456789")
    back.add_argument("version", nargs="?", help="the version to make live (default: the newest intact one before the live one)")
    back.add_argument("--list", action="store_true", help="list the kept versions, newest first, and whether each is intact")

    evaluate = command("eval", "measure EM/F1, retrieval recall and latency on SQuAD v1.1-format data",
                       "newsdesk eval dev.json --predictions preds.json", (common, asking))
    evaluate.add_argument("file", type=Path, help="SQuAD v1.1-format JSON")
    evaluate.add_argument("--gold-context", action="store_true", help="read each question's own paragraph instead of retrieving")
    evaluate.add_argument("--predictions", type=Path, help="write {question_id: answer} here (the official evaluation script's format)")
    evaluate.add_argument("--limit", type=positive_int, help="only the first N questions (all paragraphs are still indexed)")
    evaluate.add_argument("--titles", type=lambda text: [t.strip() for t in text.split(",") if t.strip()],
                          help="only the questions of these comma-separated article titles, e.g. a validation split (all paragraphs are still indexed)")
    evaluate.add_argument("--json", action="store_true", help="print the summary as JSON")

    bot = command("bot", "run the Telegram bot (token in $TELEGRAM_BOT_TOKEN); see docs/telegram.md", "TELEGRAM_BOT_TOKEN=123:abc newsdesk bot")
    bot.add_argument("--public", action="store_true", help="answer anyone (needed when no allowlist is configured)")
    bot.add_argument("--api-url", default=os.environ.get("NEWSDESK_TELEGRAM_API_URL"), help="Bot API base URL (env NEWSDESK_TELEGRAM_API_URL)")
    bot.add_argument("--webhook-url", default=os.environ.get("NEWSDESK_WEBHOOK_URL"), help="use a webhook at this public URL instead of polling")
    bot.add_argument("--webhook-listen", default=os.environ.get("NEWSDESK_WEBHOOK_LISTEN", "127.0.0.1"),
                     help="local address for the webhook server; the default serves a reverse proxy on this machine, 0.0.0.0 "
                          "listens on every interface (env NEWSDESK_WEBHOOK_LISTEN)")
    bot.add_argument("--webhook-port", type=positive_int, default=8443, help="local port for the webhook server")
    bot.add_argument("--reader", default=os.environ.get("NEWSDESK_READER", "default"), help="as for ask")
    return parser


def _settings(args):
    from newsdesk.retrieval.index import check_index_type
    from newsdesk.retrieval.service import Settings

    index_type = getattr(args, "index_type", None) or os.environ.get("NEWSDESK_INDEX_TYPE") or None
    return Settings(home=args.home or default_home(), model_path=args.model, reader=getattr(args, "reader", "default"),
                    runtime=args.runtime, index_type=index_type and check_index_type(index_type))


def _filters(args):
    from newsdesk.retrieval.search import Filters

    return Filters(outlet=args.outlet, since=args.since, until=args.until)


def _print_json(value) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _progress() -> bool:
    return sys.stderr.isatty()


def _open_desk(args):
    from newsdesk.retrieval.service import Newsdesk

    desk = Newsdesk(_settings(args))
    if not desk.has_index():
        print(f"newsdesk: no index in {desk.settings.home} yet; indexing the bundled seed articles…", file=sys.stderr)
        desk.ensure_index(progress=_progress())
    return desk


def run_ask(args) -> int:
    from newsdesk.bot.render import answer_to_dict, answer_to_text
    from newsdesk.retrieval.service import validate_question

    validate_question(args.question)  # fail fast, before loading any model
    answer = _open_desk(args).ask(args.question, k=args.k, filters=_filters(args))
    if args.json:
        _print_json(answer_to_dict(answer))
    else:
        print(answer_to_text(answer))
    return EXIT_OK


def run_chat(args) -> int:
    from newsdesk.bot.render import answer_to_dict, answer_to_text

    desk = _open_desk(args)
    interactive = sys.stdin.isatty()
    if interactive:
        print("Ask a question about the articles (Ctrl-D or 'quit' to leave).")
    while True:
        try:
            line = input("? " if interactive else "")
        except EOFError:
            break
        if line.strip().lower() in {"quit", "exit", ":q"}:
            break
        if not line.strip():
            continue
        try:
            answer = desk.ask(line, k=args.k, filters=_filters(args))
        except ValueError as error:
            print(f"newsdesk: {error}", file=sys.stderr)
            continue
        print(json.dumps(answer_to_dict(answer), ensure_ascii=False) if args.json else answer_to_text(answer) + "\n")
    return EXIT_OK


def run_ingest(args) -> int:
    from newsdesk.bot.render import ingest_report_to_text
    from newsdesk.retrieval.service import Newsdesk

    report = Newsdesk(_settings(args)).ingest(args.paths, progress=_progress(), prune=args.prune)
    if args.json:
        _print_json({
            "added": [a.id for a in report.added], "replaced": [a.id for a in report.replaced],
            "removed": [a.id for a in report.removed],
            "skipped": [{"path": p, "reason": r} for p, r in report.skipped],
            "rejected": [{"path": r.path, "reason": r.reason} for r in report.rejected],
            "chunks_embedded": report.chunks_embedded, "seconds": round(report.seconds, 2),
            "index_type": report.index_type,
        })
    else:
        print(ingest_report_to_text(report))
    return EXIT_FAILED if report.rejected else EXIT_OK


def run_remove(args) -> int:
    from newsdesk.bot.render import ingest_report_to_text
    from newsdesk.retrieval.service import Newsdesk

    print(ingest_report_to_text(Newsdesk(_settings(args)).remove(args.targets)))
    return EXIT_OK


def run_watch(args) -> int:
    from newsdesk.bot.render import ingest_report_to_text
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.watch import watch

    if args.interval <= 0:
        raise ValueError("--interval must be positive")
    print(f"watching {args.folder} every {args.interval:g}s (Ctrl-C to stop)", file=sys.stderr)
    watch(Newsdesk(_settings(args)), args.folder, interval=args.interval,
          report=lambda report: print(ingest_report_to_text(report), flush=True))
    return EXIT_OK


def run_sources(args) -> int:
    from newsdesk.bot.render import sources_to_text

    rows = _open_desk(args).sources()
    if args.json:
        _print_json(rows)
    else:
        print(sources_to_text(rows))
    return EXIT_OK


def run_rebuild(args) -> int:
    from newsdesk.retrieval.service import Newsdesk

    report = Newsdesk(_settings(args)).rebuild(progress=_progress())
    print(f"rebuilt {len(report.added)} articles, {report.chunks_embedded} chunks in {report.seconds:.1f}s ({report.index_type} index)")
    return EXIT_OK


def run_rollback(args) -> int:
    from newsdesk.retrieval.service import Newsdesk

    desk = Newsdesk(_settings(args))
    if args.list:
        versions = desk.versions()
        if not versions:
            print(f"no index versions in {desk.settings.home}")
        for version in versions:
            print(version.describe())
        return EXIT_OK
    before, after = desk.rollback(args.version)
    print(f"live version: {after.describe()}" + (f"; was {before.describe()}" if before else ""))
    return EXIT_OK


def run_eval(args) -> int:
    from newsdesk.retrieval.evaluate import evaluate_gold_context, evaluate_open
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.squad import load_squad

    if not args.file.is_file():
        raise ValueError(f"{args.file}: no such file")
    corpus = load_squad(args.file)
    questions = [q for q in corpus if not args.titles or q.title in args.titles][: args.limit]
    if not questions:
        raise ValueError(f"{args.file} holds no questions" + (f" of the titles {', '.join(args.titles)}" if args.titles else ""))
    settings = _settings(args)
    desk = Newsdesk(settings)
    if args.gold_context:
        summary, predictions = evaluate_gold_context(questions, desk.encoder, desk.reader, settings.chunker, _progress())
    else:
        summary, predictions = evaluate_open(questions, corpus, settings, desk.encoder, desk.reader, k=args.k, progress=_progress())
    summary["reader"] = settings.reader
    if args.predictions:
        args.predictions.write_text(json.dumps(predictions, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.json:
        _print_json(summary)
    else:
        print(f"{summary['questions']} questions ({summary['mode']}, reader: {settings.reader})")
        print(f"  exact match {summary['exact_match']:.2f}   F1 {summary['f1']:.2f}   abstentions {summary['abstentions']}")
        for mode, recall in summary.get("recall", {}).items():
            print(f"  recall {mode:<6} " + "  ".join(f"{at} {value:.2f}" for at, value in recall.items()))
        print(f"  latency per question: p50 {summary['latency_ms']['p50']} ms, p95 {summary['latency_ms']['p95']} ms")
        if args.predictions:
            print(f"  predictions written to {args.predictions}")
    return EXIT_OK


def run_bot(args) -> int:
    from newsdesk.bot.telegram_app import run_bot as start

    return start(args, _settings(args))


RUNNERS = {"ask": run_ask, "chat": run_chat, "ingest": run_ingest, "remove": run_remove, "watch": run_watch, "sources": run_sources,
           "rebuild": run_rebuild, "rollback": run_rollback, "eval": run_eval, "bot": run_bot}


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    layout = "newsdesk: %(message)s" if verbosity == 0 else "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=level, format=layout)
    for handler in logging.getLogger().handlers:  # some libraries force their own loggers to DEBUG
        handler.setLevel(level)
    if verbosity < 2:  # third-party chatter only when debugging
        for noisy in ("sentence_transformers", "transformers", "httpx", "faiss", "bm25s", "trafilatura", "htmldate"):
            logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def main(argv: Sequence[str] | None = None) -> int:
    from newsdesk.errors import NewsdeskError

    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    try:
        return RUNNERS[args.command](args)
    except (NewsdeskError, ValueError) as error:
        log.debug("details", exc_info=True)
        print(f"newsdesk: {error}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:  # the reader of our output went away (| head): not an error
        sys.stdout = open(os.devnull, "w")
        return EXIT_OK
    except KeyboardInterrupt:
        print("newsdesk: stopped", file=sys.stderr)
        return 130
    except Exception as error:  # a bug: one line for the user, the traceback with -v
        if args.verbose:
            log.exception("unexpected error")
        print(f"newsdesk: unexpected error ({type(error).__name__}: {error}); run again with -v for details", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
