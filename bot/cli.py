"""The ``newsdesk`` command line: ask, chat, search, show, ingest, edit, remove, watch, feeds, sources, info, eval, rebuild, rollback, bot."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import Sequence

from newsdesk.bot.cli_ask import run_ask, run_chat
from newsdesk.bot.cli_common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, env, positive_int, positive_seconds
from newsdesk.bot.cli_find import run_log, run_search, run_show
from newsdesk.bot.cli_index import (
    run_bot,
    run_edit,
    run_eval,
    run_feeds,
    run_info,
    run_ingest,
    run_rebuild,
    run_remove,
    run_rollback,
    run_sources,
    run_watch,
)

log = logging.getLogger("newsdesk")



def iso_date(text: str) -> str:
    """A date option's day: YYYY-MM-DD, or counted back from today ("yesterday", "7d", "2w")."""
    from newsdesk.retrieval.sources.dates import day_of

    try:
        return day_of(text, date.today())
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def iso_date_or_empty(text: str) -> str:
    """As ``iso_date``; an empty value ("") clears a date (``newsdesk edit --date ""``)."""
    return text if text == "" else iso_date(text)


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Shows a default only where it says something: not None or False, not already in the help."""

    def _get_help_string(self, action):
        if action.default in (None, False, argparse.SUPPRESS) or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def _index_type_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--index-type", choices=["auto", "flat", "ivf", "ivf-sq8"], default=env("NEWSDESK_INDEX_TYPE"),
        help="vector index: 'flat' searches exactly; 'ivf' searches the nearest k-means lists (approximate: "
             "recall@10 0.98 and 30x faster than flat at 1M chunks, docs/BENCHMARKS.md); 'ivf-sq8' is ivf with "
             "8-bit vectors (a quarter of the memory, recall@10 0.97); 'auto' picks flat below 200,000 chunks and "
             "ivf from there. A choice holds for later updates until another is given (default: the index's "
             "current choice, auto for a new index; env NEWSDESK_INDEX_TYPE)")


def _engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=["local", "ray"], default="local",
                        help="where files are read, chunked and embedded: here, or as Ray tasks and actors on a cluster "
                             "(pip install 'newsdesk[ray]'; docs/scaling.md); the index is written here either way")
    parser.add_argument("--ray-address", metavar="HOST:PORT",
                        help="the Ray cluster's head, for --engine ray (default: $RAY_ADDRESS; neither: a local "
                             "cluster that Ray starts and stops)")
    parser.add_argument("--ray-workers", type=positive_int, metavar="N",
                        help="embedding workers for --engine ray, one CPU each (default: one per CPU of the cluster)")


def _common_options(parser: argparse.ArgumentParser, with_defaults: bool) -> None:
    """--home, --model, --runtime and -v. The main parser holds the defaults; each command's copy
    has none (SUPPRESS), so that a value given after the command overrides one given before it,
    and one given before it is not reset by the command's parser."""
    def default(value):
        return value if with_defaults else argparse.SUPPRESS

    parser.add_argument("--home", type=Path, default=default(None),
                        help="index directory (default: $NEWSDESK_HOME or ~/.local/share/newsdesk)")
    parser.add_argument("--model", default=default(env("NEWSDESK_MODEL")),
                        help="local sentence-transformers model directory (default: the bundled all-MiniLM-L6-v2; env NEWSDESK_MODEL)")
    parser.add_argument("--runtime", choices=["onnx", "torch"], default=default(env("NEWSDESK_RUNTIME", "onnx")),
                        help="'onnx': the encoder and the reader exported once to ONNX with int8 weights (cached in "
                             "$NEWSDESK_CACHE or ~/.cache/newsdesk): quick to start, several times faster; 'torch': "
                             "plain sentence-transformers and torch, for comparison (default: onnx; env NEWSDESK_RUNTIME)")
    parser.add_argument("-v", "--verbose", action="count", default=default(0),
                        help="log what happens, library warnings included (-vv for debug detail)")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _common_options(common, with_defaults=False)

    reading = argparse.ArgumentParser(add_help=False)
    reading.add_argument("-k", type=positive_int, default=5, help="how many passages the reader reads")
    reading.add_argument("--reader", default=env("NEWSDESK_READER", "default"),
                         help="'default' (newsdesk's trained reader), 'baseline', or a local Hugging Face QA model directory (env NEWSDESK_READER)")
    reading.add_argument("--verifier", default=env("NEWSDESK_VERIFIER", "default"),
                         help="'default' (the answer verifier that reorders the trained reader's best candidates), 'none', "
                              "or a verifier directory (env NEWSDESK_VERIFIER)")

    filtering = argparse.ArgumentParser(add_help=False)
    filtering.add_argument("--outlet", help="only articles from an outlet whose name contains this, in any case "
                                            "(e.g. outlook); one that matches none is an error that lists the outlets")
    filtering.add_argument("--since", type=iso_date, help="only articles dated on or after this day (YYYY-MM-DD, or today, "
                                                          "yesterday, 7d, 2w, 3m, 1y); undated articles are left out, with a note")
    filtering.add_argument("--until", type=iso_date, help="only articles dated on or before this day (as --since)")

    parser = argparse.ArgumentParser(
        prog="newsdesk",
        description="Ask news articles a question; get the answer copied from them, with the quote and the outlets.\n"
                    "--home, --model, --runtime and -v may come before or after the command.",
        epilog='Example:\n  newsdesk ask "Who hosted the Berlin talks?"\n  newsdesk --home ~/work-news sources\n\n'
               "Run `newsdesk COMMAND --help` for each command. Exit codes: 0 success (an abstention too), "
               "1 an error, 2 a usage error.",
        formatter_class=_Formatter,
    )
    from newsdesk import __version__

    parser.add_argument("--version", action="version", version=f"newsdesk {__version__}")
    _common_options(parser, with_defaults=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help_: str, example: str, parents=(common,)):
        return commands.add_parser(name, parents=list(parents), help=help_, description=help_,
                                   epilog=f"Example:\n  {example}", formatter_class=_Formatter)

    ask = command("ask", "answer one question from the indexed articles",
                  'newsdesk ask "Who hosted the Berlin talks?" --json\n  echo "Who hosted the Berlin talks?" | newsdesk ask -',
                  (common, reading, filtering))
    ask.add_argument("question", help="the question, in quotes; - reads it from standard input")
    ask.add_argument("--json", action="store_true", help="print one JSON object (see docs/cli.md)")
    ask.add_argument("--no-log", action="store_true", help="do not add this question to the log of questions and answers (HOME/questions.jsonl; `newsdesk log`); NEWSDESK_LOG=0 turns the log off for every command")

    chat = command("chat", "ask questions one after another, with line editing and history (Ctrl-D or 'quit' to leave); "
                           "a question that refers back (\"When was that?\") is read with the one before it",
                   "newsdesk chat --outlet NewsNeck", (common, reading, filtering))
    chat.add_argument("--json", action="store_true", help="print one JSON object per answer")
    chat.add_argument("--no-log", action="store_true", help="do not log these questions (see ask --no-log)")

    ingest = command("ingest", "add articles (.txt .md .html .json .jsonl files or folders) to the index",
                     "newsdesk ingest ~/articles/ today.jsonl\n  newsdesk ingest ~/archive/ --index-type ivf-sq8\n"
                     "  newsdesk ingest wire-0302.txt --outlet 'Coastline Wire' --date yesterday\n"
                     "  newsdesk ingest /shared/archive/ --engine ray --ray-address 10.0.0.5:6379")
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")
    ingest.add_argument("-q", "--quiet", action="store_true", help="print only the rejected files and one summary line (for scripts and cron; errors still go to stderr)")
    _index_type_option(ingest)
    _engine_options(ingest)

    ingest.add_argument("--prune", action="store_true", help="also remove indexed articles whose file under a given folder is gone")
    ingest.add_argument("--outlet", help="the outlet of every article given, over what the files say")
    ingest.add_argument("--date", type=iso_date, help="the date of every article given (as --since takes), over what the files say")
    ingest.add_argument("--url", help="the address of the one article given")

    edit = command("edit", "correct one article's outlet, date, title or address, without re-embedding it "
                           "(an empty value clears one; an id, id prefix or file as remove takes)",
                   "newsdesk edit 43904f7067b6 --outlet 'Outlook India' --date 2025-12-14")
    edit.add_argument("target", metavar="ID|PATH")
    edit.add_argument("--outlet")
    edit.add_argument("--date", type=iso_date_or_empty, help="YYYY-MM-DD, or as --since takes")
    edit.add_argument("--title")
    edit.add_argument("--url")
    edit.add_argument("--json", action="store_true", help="print the article before and after as JSON")

    remove = command("remove", "remove articles from the index: by id or id prefix (the first column of `newsdesk sources`), "
                               "file path, or folder (every article read from under it)",
                     "newsdesk remove 43904f7067b6\n  newsdesk remove ~/articles/old/\n  newsdesk remove --seeds")
    remove.add_argument("targets", nargs="*", metavar="ID|PATH")
    remove.add_argument("-q", "--quiet", action="store_true", help="print only the summary line")
    remove.add_argument("--seeds", action="store_true", help="remove the bundled seed articles (indexed on a first ask)")
    remove.set_defaults(json=False)

    watch = command("watch", "keep a folder indexed: ingest new and changed files, drop deleted ones (Ctrl-C to stop)", "newsdesk watch ~/articles --interval 5")
    watch.add_argument("folder", type=Path)
    watch.add_argument("-q", "--quiet", action="store_true",
                       help="for each change, only the rejected files and the summary line; no start line")
    watch.add_argument("--interval", type=positive_seconds, default=2.0,
                       help="seconds between polls; a file is taken once it is unchanged for one interval")

    from newsdesk.bot.feeds_cli import add_feeds_parser

    add_feeds_parser(command, common, _Formatter)

    from newsdesk.bot.cli_find import add_find_parsers

    add_find_parsers(command, common, filtering)

    sources = command("sources", "list the indexed articles: short id, date, outlet, title, chunks, file", "newsdesk sources --json")
    sources.add_argument("--json", action="store_true", help="print a JSON list")

    info = command("info", "show the home, the model cache, the index (type, size, kept versions), the models with "
                           "the runtime and precision each runs in, and the library versions", "newsdesk info --json")
    info.add_argument("--json", action="store_true", help="print a JSON object")
    info.add_argument("--reader", default=env("NEWSDESK_READER", "default"), help="as for ask")
    info.add_argument("--verifier", default=env("NEWSDESK_VERIFIER", "default"), help="as for ask")

    rebuild = command("rebuild", "re-chunk and re-embed every indexed article (after changing the model or settings)",
                      "newsdesk rebuild --model /models/my-encoder\n  newsdesk rebuild --index-type flat\n"
                      "  newsdesk rebuild --engine ray")
    rebuild.set_defaults(json=False)
    _index_type_option(rebuild)
    _engine_options(rebuild)

    back = command("rollback", "make an earlier intact index version live again (after damage or an unwanted update); nothing is deleted",
                   "newsdesk rollback --list\n  newsdesk rollback\n  newsdesk rollback v-20261201-205600-123456789")
    back.add_argument("version", nargs="?", help="the version to make live (default: the newest intact one before the live one)")
    back.add_argument("--list", action="store_true", help="list the kept versions, newest first, and whether each is intact")

    evaluate = command("eval", "measure EM/F1, retrieval recall and latency on SQuAD v1.1-format data",
                       "newsdesk eval dev.json --predictions preds.json", (common, reading))
    evaluate.add_argument("file", type=Path, help="SQuAD v1.1-format JSON")
    evaluate.add_argument("--gold-context", action="store_true", help="read each question's own paragraph instead of retrieving")
    evaluate.add_argument("--predictions", type=Path, help="write {question_id: answer} here (the official evaluation script's format)")
    evaluate.add_argument("--limit", type=positive_int, help="only the first N questions (all paragraphs are still indexed)")
    evaluate.add_argument("--titles", type=lambda text: [t.strip() for t in text.split(",") if t.strip()],
                          help="only the questions of these comma-separated article titles, e.g. a validation split (all paragraphs are still indexed)")
    evaluate.add_argument("--json", action="store_true", help="print the summary as JSON")

    bot = command("bot", "run the Telegram bot (token in $TELEGRAM_BOT_TOKEN); see docs/telegram.md", "TELEGRAM_BOT_TOKEN=123:abc newsdesk bot")
    bot.add_argument("--public", action="store_true", help="answer anyone (needed when no allowlist is configured)")
    bot.add_argument("--no-log", action="store_true", help="do not log the questions asked (see ask --no-log; env NEWSDESK_LOG=0)")
    bot.add_argument("--api-url", default=env("NEWSDESK_TELEGRAM_API_URL"), help="Bot API base URL (env NEWSDESK_TELEGRAM_API_URL)")
    bot.add_argument("--webhook-url", default=env("NEWSDESK_WEBHOOK_URL"), help="use a webhook at this public URL instead of polling")
    bot.add_argument("--webhook-listen", default=env("NEWSDESK_WEBHOOK_LISTEN", "127.0.0.1"),
                     help="local address for the webhook server; the default serves a reverse proxy on this machine, 0.0.0.0 "
                          "listens on every interface (env NEWSDESK_WEBHOOK_LISTEN)")
    bot.add_argument("--webhook-port", type=positive_int, default=8443, help="local port for the webhook server")
    bot.add_argument("--reader", default=env("NEWSDESK_READER", "default"), help="as for ask")
    return parser


def usage_problem(args) -> str | None:
    """What argparse cannot check about a parsed command line, in words; None when it is fine."""
    since, until = getattr(args, "since", None), getattr(args, "until", None)
    if since and until and since > until:
        return f"--since {since} is after --until {until}: no day is in between"
    if (getattr(args, "ray_address", None) or getattr(args, "ray_workers", None)) and args.engine != "ray":
        return "--ray-address and --ray-workers go with --engine ray"
    if args.command == "edit" and all(getattr(args, name) is None for name in ("outlet", "date", "title", "url")):
        return "say what to correct: --outlet, --date, --title or --url"
    if args.command == "ingest" and args.engine == "ray" and (args.outlet or args.date or args.url):
        return "--outlet, --date and --url are for files read here; leave out --engine ray"
    if args.command == "remove" and not args.targets and not args.seeds:
        return "say what to remove: an article id, a file, a folder, or --seeds"
    if args.command == "feeds":
        from newsdesk.bot.feeds_cli import feeds_usage_problem

        return feeds_usage_problem(args)
    return None


RUNNERS = {"ask": run_ask, "chat": run_chat, "ingest": run_ingest, "edit": run_edit, "remove": run_remove, "watch": run_watch,
           "sources": run_sources, "info": run_info, "rebuild": run_rebuild, "rollback": run_rollback,
           "eval": run_eval, "bot": run_bot, "feeds": run_feeds, "search": run_search, "show": run_show,
           "log": run_log}


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    layout = "newsdesk: %(message)s" if verbosity == 0 else "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=level, format=layout)
    for handler in logging.getLogger().handlers:  # some libraries force their own loggers to DEBUG
        handler.setLevel(level)
    if verbosity < 2:  # third-party chatter only when debugging
        for noisy in ("sentence_transformers", "transformers", "httpx", "faiss", "bm25s", "trafilatura", "htmldate"):
            logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    # Libraries' Python warnings (deprecations, tracer notes during a first ONNX export) are
    # for developers: through logging, shown with -v only.
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").setLevel(logging.WARNING if verbosity else logging.ERROR)


def _say(error: BaseException) -> None:
    from newsdesk.bot.render import one_line

    print(f"newsdesk: {one_line(str(error))}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    from newsdesk.errors import NewsdeskError, UsageError

    parser = build_parser()
    args = parser.parse_args(argv)
    problem = usage_problem(args)
    if problem:
        parser._subparsers._group_actions[0].choices[args.command].error(problem)  # exits with 2
    _configure_logging(args.verbose)
    if getattr(args, "quiet", False) and not args.verbose:  # a wait for the lock is in the summary line
        logging.getLogger("newsdesk.retrieval.index.lock").setLevel(logging.ERROR)
    from newsdesk import config

    try:
        with config.installed(config.RuntimeConfig.from_environment()):  # NEWSDESK_CACHE, NEWSDESK_CRASH_AT
            return RUNNERS[args.command](args)
    except UsageError as error:
        log.debug("details", exc_info=True)
        _say(error)
        return EXIT_USAGE
    except NewsdeskError as error:
        log.debug("details", exc_info=True)
        _say(error)
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
