"""``newsdesk feeds``: follow RSS and Atom feeds from the command line (add, list, remove, poll)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Callable

from newsdesk.bot.cli_common import allow_private
from newsdesk.errors import NewsdeskError

EXIT_OK, EXIT_FAILED = 0, 1
PRIVATE_HINT = "; set NEWSDESK_ALLOW_PRIVATE_URLS=1 to follow feeds on this network's own addresses"


def interval(text: str) -> float:
    """An argparse type: ``900``, ``15m``, ``2h``."""
    from newsdesk.retrieval.service import parse_interval

    try:
        return parse_interval(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def seconds_or_zero(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 or more)")
    return value


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
                        "of an OPML file; its items arrive on the next poll",
                 "newsdesk feeds add https://example.com/rss.xml --interval 30m")
    add.add_argument("url", nargs="?", help="the feed's URL (RSS or Atom)")
    add.add_argument("--opml", type=Path, help="follow every feed of this OPML file (a feed reader's export)")
    add.add_argument("--interval", type=interval, default=900.0,
                     help="how often to poll it: seconds, or 15m, 2h (at least 60 s; default 15m)")
    listing = action("list", "list the followed feeds: title, URL, interval, last poll, articles brought",
                     "newsdesk feeds list --json")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    remove = action("remove", "stop following a feed (its articles stay indexed)",
                    "newsdesk feeds remove https://example.com/rss.xml")
    remove.add_argument("url")
    poll = action("poll", "poll every followed feed once and index the new items (exit 1 when a feed or item failed)",
                  "newsdesk feeds poll --json")
    poll.add_argument("--json", action="store_true", help="print the summary as JSON")
    poll.add_argument("--delay", type=seconds_or_zero, default=1.0, help="seconds between two requests to one host")


def feeds_usage_problem(args) -> str | None:
    if args.feeds_action == "add" and bool(args.url) == bool(args.opml):
        return "give a feed URL or --opml FILE (one of them)"
    return None


def run_feeds(args, settings) -> int:
    """``newsdesk feeds ACTION``; the exit code."""
    from newsdesk.errors import FetchError, UrlRefused
    from newsdesk.retrieval.service import FeedOptions, Newsdesk

    options = FeedOptions(allow_private=allow_private(), host_delay_s=getattr(args, "delay", 1.0))
    desk = Newsdesk(settings)
    try:
        return {"add": _add, "list": _list, "remove": _remove, "poll": _poll}[args.feeds_action](args, desk, options)
    except FetchError as error:  # the operator's own terminal: the detail is theirs to see
        hint = PRIVATE_HINT if isinstance(error, UrlRefused) and "non-public" in error.reason else ""
        raise NewsdeskError(f"cannot follow {args.url}: {error.reason}{hint}") from None


def _add(args, desk, options) -> int:
    from newsdesk.retrieval.service import describe_interval

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


def feed_rows(desk) -> list[dict]:
    """The followed feeds as plain records (``feeds list --json``)."""
    return [{"url": f.url, "title": f.title, "interval_s": f.interval_s, "added": f.added,
             "last_poll": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(f.last_poll)) if f.last_poll else None,
             "last_status": f.last_status, "articles": f.articles, "items_seen": len(f.seen),
             "items_waiting": len(f.pending)} for f in desk.feeds.list()]


def _list(args, desk, options) -> int:
    from newsdesk.retrieval.service import describe_interval

    rows = feed_rows(desk)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print("no feeds followed yet; follow one with `newsdesk feeds add URL`")
    for row in rows:
        polled = f"last poll {row['last_poll'][:16].replace('T', ' ')}: {row['last_status']}" if row["last_poll"] else "not polled yet"
        print(f"{row['title']}  {row['url']}\n  every {describe_interval(row['interval_s'])}; {polled}; "
              f"{row['articles']} article{'s' * (row['articles'] != 1)} indexed"
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
    return EXIT_FAILED if summary.faults else EXIT_OK


def watch_feeds(desk, say: Callable[[str], None]) -> Callable[[], None]:
    """What ``watch`` runs after each folder poll: poll the feeds that are due, and say what
    happened when a feed was polled (nothing when none was due)."""
    from newsdesk.retrieval.service import FeedOptions

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
