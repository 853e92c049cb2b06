"""``newsdesk feeds``: follow RSS and Atom feeds from the command line (add, list, remove, poll)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from newsdesk.bot.cli_common import allow_private, positive_int, positive_seconds, seconds_or_zero
from newsdesk.retrieval.sources.feeds.records import BATCH_PAGES, MAX_PAGE_CHARS, MAX_PENDING, MAX_SEEN

from newsdesk.errors import NewsdeskError

EXIT_OK, EXIT_FAILED = 0, 1
# `feeds poll`: 0 every feed was read (an item that failed is a line, tried again later); 1 an
# error, nothing polled; 3 a feed itself could not be fetched or read (the others were polled).
EXIT_FEED_FAILED = 3
PRIVATE_HINT = "; set NEWSDESK_ALLOW_PRIVATE_URLS=1 to follow feeds on this network's own addresses"


def interval(text: str) -> float:
    """An argparse type: ``900``, ``15m``, ``2h``."""
    from newsdesk.retrieval.sources.feeds.records import parse_interval

    try:
        return parse_interval(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_feeds_parser(command: Callable, common: argparse.ArgumentParser, formatter) -> None:
    """Register ``feeds`` and its actions; ``command`` is build_parser's subcommand factory."""
    feeds = command("feeds", "follow RSS and Atom feeds: new items are fetched, extracted and indexed by "
                             "`feeds poll`, `watch` and `bot`, each feed on its own interval",
                    "newsdesk feeds add https://example.com/rss.xml --interval 30m\n  newsdesk feeds poll\n"
                    "  newsdesk feeds add --opml subscriptions.opml")
    actions = feeds.add_subparsers(dest="feeds_action", metavar="ACTION", required=True)

    def action(name: str, help_: str, example: str) -> argparse.ArgumentParser:
        return actions.add_parser(name, parents=[common], help=help_, description=help_,
                                  epilog=f"Example:\n  {example}", formatter_class=formatter)

    add = action("add", "follow a feed (it is fetched and checked first, and named by its title), or every feed "
                        "of an OPML file (fetched --delay seconds apart per host; a feed already followed is left as "
                        "it is, interval included); its items arrive on the next poll",
                 "newsdesk feeds add https://example.com/rss.xml --interval 30m")
    add.add_argument("url", nargs="?", help="the feed's URL (RSS or Atom)")
    add.add_argument("--opml", type=Path, help="follow every feed of this OPML file (a feed reader's export)")
    add.add_argument("--interval", type=interval, default=900.0,
                     help="how often to poll it: seconds, or 15m, 2h (at least 60 s; default 15m)")
    add.add_argument("--delay", type=seconds_or_zero, default=1.0,
                     help="with --opml: seconds between two requests to one host (default 1)")
    listing = action("list", "list the followed feeds: title, URL, interval, last poll, and how many of its "
                             "remembered items' articles the index holds now (after a rollback: fewer)",
                     "newsdesk feeds list --json")
    listing.add_argument("--json", action="store_true", help="print a JSON list (times in UTC, +00:00)")
    remove = action("remove", "stop following a feed (its articles stay indexed)",
                    "newsdesk feeds remove https://example.com/rss.xml")
    remove.add_argument("url")
    poll = action("poll", "poll every followed feed once and index the new items, newest first, a batch of pages "
                          "at a time; items whose articles the index lost (a rollback) are fetched again. Exit "
                          f"codes: {EXIT_OK} every feed was read (a page that failed is reported and tried again "
                          f"later), {EXIT_FEED_FAILED} a feed could not be fetched or read (the others were "
                          f"polled), {EXIT_FAILED} nothing was polled (an error), 2 a usage error",
                  "newsdesk feeds poll --json")
    poll.add_argument("--json", action="store_true", help="print the summary as JSON")
    poll.add_argument("--delay", type=seconds_or_zero, default=1.0, help="seconds between two requests to one host (default 1)")
    bounds = poll.add_argument_group("bounds (the same defaults hold for `watch` and the bot)")
    bounds.add_argument("--max-seconds", type=positive_seconds, default=600.0,
                        help="time for the whole poll, across all feeds; what is left waits for the next poll (default 600)")
    bounds.add_argument("--max-items", type=positive_int, default=30, help="pages fetched per feed and poll (default 30)")
    bounds.add_argument("--max-page-chars", type=positive_int, default=MAX_PAGE_CHARS,
                        help=f"text kept per page; a longer page is cut and the cut reported (default {MAX_PAGE_CHARS:,})")
    bounds.add_argument("--remember", type=positive_int, default=MAX_SEEN,
                        help=f"items remembered per feed: its newest; older ones are forgotten and never fetched (default {MAX_SEEN:,})")
    bounds.add_argument("--max-pending", type=positive_int, default=MAX_PENDING,
                        help=f"items waiting per feed for a later poll, newest first (default {MAX_PENDING})")
    bounds.add_argument("--batch", type=positive_int, default=BATCH_PAGES,
                        help=f"pages indexed per write: other writers wait at most one batch, and each batch is "
                             f"recorded as it lands (default {BATCH_PAGES})")


def feeds_usage_problem(args) -> str | None:
    if args.feeds_action == "add" and bool(args.url) == bool(args.opml):
        return "give a feed URL or --opml FILE (one of them)"
    return None


def run_feeds(args, settings) -> int:
    """``newsdesk feeds ACTION``; the exit code."""
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.sources.feeds.records import FeedOptions

    from newsdesk.errors import FetchError, UrlRefused

    desk = Newsdesk(settings)
    options = feed_options(args, FeedOptions)
    try:
        return {"add": _add, "list": _list, "remove": _remove, "poll": _poll}[args.feeds_action](args, desk, options)
    except FetchError as error:  # the operator's own terminal: the detail is theirs to see
        hint = PRIVATE_HINT if isinstance(error, UrlRefused) and "non-public" in error.reason else ""
        raise NewsdeskError(f"cannot follow {args.url}: {error.reason}{hint}") from None


def feed_options(args, options_type):
    """The ``FeedOptions`` of a ``feeds`` command: its delay and, for ``poll``, its bounds."""
    bounds = {}
    if args.feeds_action == "poll":
        bounds = {"max_poll_s": args.max_seconds, "max_items": args.max_items, "max_page_chars": args.max_page_chars,
                  "max_remembered": args.remember, "max_pending": args.max_pending, "batch_pages": args.batch}
    return options_type(allow_private=allow_private(), host_delay_s=getattr(args, "delay", 1.0), **bounds)


def _add(args, desk, options) -> int:
    from newsdesk.retrieval.sources.feeds.records import describe_interval

    if args.opml:
        try:
            text = args.opml.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise NewsdeskError(f"cannot read {args.opml}: {getattr(error, 'strerror', None) or error}") from None
        lines = desk.feeds.add_opml(text, options, args.interval)
        print("\n".join(lines) if lines else f"{args.opml}: no feeds in this OPML file")
        return EXIT_FAILED if any("not followed" in line for line in lines) else EXIT_OK
    feed, new, parsed = desk.feeds.add(args.url, options, args.interval)
    state = "following" if new else "already following"
    print(f"{state} “{feed.title}” ({feed.url}), every {describe_interval(feed.interval_s)}; "
          f"{len(parsed.items)} item{'s' * (len(parsed.items) != 1)} listed now, fetched on the next poll "
          "(`newsdesk feeds poll`, `newsdesk watch` or the bot)")
    if parsed.problem:
        print(f"newsdesk: note: {parsed.problem}", file=sys.stderr)
    return EXIT_OK


def utc_time(epoch: float | None) -> str | None:
    """``2026-03-01T09:30:00+00:00``: the one time format of ``feeds list --json`` (as ``added``)."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="seconds")


def feed_rows(desk) -> list[dict]:
    """The followed feeds as plain records (``feeds list --json``); ``articles`` is what the
    index holds of them (null when the index cannot be read)."""
    return [{"url": f.url, "title": f.title, "interval_s": f.interval_s, "added": f.added,
             "last_poll": utc_time(f.last_poll), "last_status": f.last_status, "articles": f.articles,
             "items_seen": len(f.seen), "items_waiting": len(f.pending)} for f in desk.feeds.list()]


def _list(args, desk, options) -> int:
    from newsdesk.retrieval.sources.feeds.records import describe_interval

    rows = feed_rows(desk)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print("no feeds followed yet; follow one with `newsdesk feeds add URL`")
    for feed, row in zip(desk.feeds.list(), rows):
        # People read local time; the JSON keeps UTC.
        polled = (f"last poll {time.strftime('%Y-%m-%d %H:%M', time.localtime(feed.last_poll))}: {row['last_status']}"
                  if feed.last_poll else "not polled yet")
        count = ("articles indexed: unknown (the index cannot be read)" if row["articles"] is None else
                 f"{row['articles']} article{'s' * (row['articles'] != 1)} indexed")
        print(f"{row['title']}  {row['url']}\n  every {describe_interval(row['interval_s'])}; {polled}; {count}"
              + (f"; {row['items_waiting']} item(s) waiting" if row["items_waiting"] else ""))
    return EXIT_OK


def _remove(args, desk, options) -> int:
    feed = desk.feeds.remove(args.url)
    print(f"stopped following “{feed.title}” ({feed.url}); its {feed.articles} article(s) stay indexed "
          "(`newsdesk remove ID` removes one)")
    return EXIT_OK


def _poll(args, desk, options) -> int:
    if not desk.feeds.list():
        print("no feeds followed yet; follow one with `newsdesk feeds add URL`")
        return EXIT_OK
    summary = desk.feeds.poll(options)
    if args.json:
        print(json.dumps(summary.to_json(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(summary.lines()))
    # A page that failed is the site's passing trouble, reported and tried again: not the poll's error.
    return EXIT_FEED_FAILED if summary.failed_feeds else EXIT_OK


def watch_feeds(desk, say: Callable[[str], None]) -> Callable[[], None]:
    """What ``watch`` runs after each folder poll: poll the feeds that are due, and say what
    happened when a feed was polled (nothing when none was due)."""
    from newsdesk.retrieval.sources.feeds.records import FeedOptions

    options = FeedOptions(allow_private=allow_private())

    def cycle() -> None:
        try:
            summary = desk.feeds.poll(options, due_only=True, wait=False)
        except NewsdeskError as error:  # e.g. a hand-damaged feeds.json: say it, keep watching the folder
            say(f"feeds: {error}")
            return
        if summary is not None and summary.feeds:
            say("\n".join(summary.lines()))

    return cycle
