"""``newsdesk search``, ``show`` and ``log``: finding passages and articles, and what was asked
(with ``log_question``, which ``ask`` and ``chat`` call)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Callable

from newsdesk.bot.cli_common import EXIT_OK, _open_desk, _print_json, _width, env, positive_int, settings_from


def add_find_parsers(command: Callable, common: argparse.ArgumentParser, filtering: argparse.ArgumentParser) -> None:
    """Register ``search``, ``show`` and ``log``; ``command`` is build_parser's subcommand factory."""
    search = command("search", "list the passages that match some words (the retrieval `ask` uses, without the "
                               "reader), with each article's outlet, date, title and short id; the words are marked",
                     'newsdesk search "Zelenskyy NATO"\n  newsdesk search "Berlin talks" --articles --newest\n'
                     '  newsdesk search "security guarantees" --outlet newsneck --since 2025-12-01 --json',
                     (common, filtering))
    search.add_argument("query", help="the words to look for, in quotes")
    search.add_argument("-k", type=positive_int, default=10, help="how many passages (with --articles: articles)")
    search.add_argument("--articles", action="store_true", help="one line per article instead of its passages")
    search.add_argument("--newest", action="store_true", help="order the k best by date, newest first (undated last)")
    search.add_argument("--json", action="store_true", help="print one JSON object (see docs/cli.md)")

    show = command("show", "print an indexed article as the index holds it: its metadata, then its text",
                   "newsdesk show 43904f7067b6\n  newsdesk show 43904f7067b6 --json")
    show.add_argument("article_id", metavar="ID", help="an article id, or the first characters of one (as `sources` and `search` show)")
    show.add_argument("--json", action="store_true", help="print one JSON object")

    log = command("log", "list the latest questions asked (ask, chat, the Telegram bot) with their answers, "
                         "scores and sources; kept in HOME/questions.jsonl unless NEWSDESK_LOG=0 or --no-log",
                  "newsdesk log -n 5\n  newsdesk log --json")
    log.add_argument("-n", type=positive_int, default=20, help="how many of the latest entries")
    log.add_argument("--json", action="store_true", help="print a JSON list, oldest first")


def _bold() -> bool:
    """Marks in bold on a terminal (unless NO_COLOR is set); as «word» in files and pipes."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def run_search(args) -> int:
    from newsdesk.bot.cli_ask import _checked_filters
    from newsdesk.bot.cli_common import _filters
    from newsdesk.bot.render_search import found_articles_to_text, passages_to_text
    from newsdesk.retrieval.answering.question import validate_query

    query = validate_query(args.query)  # before loading a model
    desk = _open_desk(args, reader=False)
    filters = _filters(args)
    notes = _checked_filters(desk, filters)
    found = desk.search(query, k=args.k, filters=filters, newest=args.newest, per_article=args.articles)
    if args.json:
        key = "articles" if args.articles else "passages"
        _print_json({"query": query, key: [f.to_json() for f in found], "notes": notes})
    elif args.articles:
        print(found_articles_to_text(query, found, width=_width(), newest=args.newest, notes=notes))
    else:
        print(passages_to_text(query, found, width=_width(), bold=_bold(), newest=args.newest, notes=notes))
    return EXIT_OK


def run_show(args) -> int:
    from newsdesk.bot.render_search import article_to_dict, article_to_text

    article, chunks = _open_desk(args, reader=False).article(args.article_id)
    if args.json:
        _print_json(article_to_dict(article, chunks))
    else:
        print(article_to_text(article, chunks, width=_width()), end="")
    return EXIT_OK


def logging_on(args) -> bool:
    """Whether this command logs its questions: not with ``--no-log`` nor with NEWSDESK_LOG=0."""
    from newsdesk.retrieval.question_log import log_enabled

    return not getattr(args, "no_log", False) and log_enabled(env("NEWSDESK_LOG"))


def log_question(args, desk, answer, question: str, command: str, filters=None, follow_up_of: str | None = None) -> None:
    """Add an answered question to the home's log, unless the user opted out."""
    if not logging_on(args):
        return
    from newsdesk.retrieval.question_log import question_entry

    used = {name: value for name, value in vars(filters).items() if value} if filters else {}
    desk.question_log.append(question_entry(answer, question, "cli", command=command, follow_up_of=follow_up_of,
                                            filters=used or None))


def run_log(args) -> int:
    from newsdesk.bot.render_search import log_to_text
    from newsdesk.retrieval.service import Newsdesk

    desk = Newsdesk(settings_from(args))  # no model: the log is a file
    records = desk.question_log.recent(args.n)
    if args.json:
        _print_json(records)
    else:
        print(log_to_text(records, str(desk.question_log.path), logging_on(args), width=_width()))
    return EXIT_OK
