"""``newsdesk search``, ``show`` and ``log``: finding passages and articles, and what was asked."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Callable

from newsdesk.bot.cli_common import EXIT_OK, _open_desk, _print_json, _width


def _positive(text: str) -> int:
    from newsdesk.bot.cli import positive_int

    return positive_int(text)


def add_find_parsers(command: Callable, common: argparse.ArgumentParser, filtering: argparse.ArgumentParser) -> None:
    """Register ``search`` and ``show``; ``command`` is build_parser's subcommand factory."""
    search = command("search", "list the passages that match some words (the retrieval `ask` uses, without the "
                               "reader), with each article's outlet, date, title and short id; the words are marked",
                     'newsdesk search "Zelenskyy NATO"\n  newsdesk search "Berlin talks" --articles --newest\n'
                     '  newsdesk search "security guarantees" --outlet newsneck --since 2025-12-01 --json',
                     (common, filtering))
    search.add_argument("query", help="the words to look for, in quotes")
    search.add_argument("-k", type=_positive, default=10, help="how many passages (with --articles: articles)")
    search.add_argument("--articles", action="store_true", help="one line per article instead of its passages")
    search.add_argument("--newest", action="store_true", help="order the k best by date, newest first (undated last)")
    search.add_argument("--json", action="store_true", help="print one JSON object (see docs/cli.md)")

    show = command("show", "print an indexed article as the index holds it: its metadata, then its text",
                   "newsdesk show 43904f7067b6\n  newsdesk show 43904f7067b6 --json")
    show.add_argument("article_id", metavar="ID", help="an article id, or the first characters of one (as `sources` and `search` show)")
    show.add_argument("--json", action="store_true", help="print one JSON object")


def _bold() -> bool:
    """Marks in bold on a terminal (unless NO_COLOR is set); as «word» in files and pipes."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def run_search(args) -> int:
    from newsdesk.bot.cli_ask import _checked_filters
    from newsdesk.bot.cli_common import _filters
    from newsdesk.bot.render_search import found_articles_to_text, passages_to_text
    from newsdesk.retrieval.passages import validate_query

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
