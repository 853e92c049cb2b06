"""The ``newsdesk`` commands that change or show the index: ingest, edit, remove, watch, sources, info,
rebuild, rollback, eval; and the bot and feeds commands, which hand over to their modules."""

from __future__ import annotations

import json
import sys

from newsdesk.bot.cli_common import (
    EXIT_FAILED,
    EXIT_OK,
    _note,
    _open_desk,
    _print_json,
    _progress,
    _width,
    allow_private,
    settings_from,
)


def run_ingest(args) -> int:
    from newsdesk.bot.render import ingest_report_to_text, seeds_note
    from newsdesk.retrieval.service import Newsdesk

    report = _ingest(Newsdesk(settings_from(args)), args)
    if args.json:
        _print_json({
            "added": [a.id for a in report.added], "replaced": [a.id for a in report.replaced],
            "removed": [a.id for a in report.removed],
            "skipped": [{"path": p, "reason": r} for p, r in report.skipped],
            "rejected": [{"path": r.path, "reason": r.reason} for r in report.rejected],
            "chunks_embedded": report.chunks_embedded, "seconds": round(report.seconds, 2),
            "index_type": report.index_type, "seeds_kept": report.seeds_kept,
            "waited_s": round(report.waited_s, 2),
        })
        if report.seeds_kept:
            _note(seeds_note(report.seeds_kept))
    else:
        print(ingest_report_to_text(report, quiet=args.quiet))
    return EXIT_FAILED if report.rejected else EXIT_OK


def _ingest(desk, args):
    """Ingest ``args.paths``; with ``--outlet``, ``--date`` or ``--url``, the files are read here
    with that metadata over theirs, then indexed as ``ingest`` indexes them."""
    from pathlib import Path

    from newsdesk.retrieval.settings import UrlOptions
    from newsdesk.retrieval.sources.files import Stated, load_articles

    from newsdesk.errors import UsageError

    if not (args.outlet or args.date or args.url):
        # A location a kind of sources/web/kinds.py claims (none yet) is fetched with the bot's address policy.
        return desk.ingest(args.paths, progress=_progress(), prune=args.prune,
                           url_options=UrlOptions(allow_private=allow_private()))
    articles, rejected = load_articles(args.paths, Stated(outlet=args.outlet, date=args.date, url=args.url))
    if args.url and len(articles) > 1:
        raise UsageError(f"--url is the address of one article, and {len(articles)} were read; give one file")
    folders = [Path(p).expanduser().resolve() for p in args.paths if Path(p).is_dir()] if args.prune else []
    return desk.add_articles(articles, rejected, progress=_progress(), prune_under=folders)


def _edit_json(article) -> dict:
    return {"article_id": article.id, "title": article.title, "outlet": article.outlet, "date": article.date,
            "url": article.url, "path": article.path}


def edit_to_text(before, after) -> str:
    """One line: what ``newsdesk edit`` changed, each field as "was → is"."""
    from newsdesk.types import SHORT_ID

    changes = [f"{name} {getattr(before, name) or '(none)'} → {getattr(after, name) or '(none)'}"
               for name in ("title", "outlet", "date", "url") if getattr(before, name) != getattr(after, name)]
    return f"edited {after.id[:SHORT_ID]}: " + "; ".join(changes) if changes else f"{after.id[:SHORT_ID]}: nothing to change"


def run_edit(args) -> int:
    from newsdesk.bot.render import printable
    from newsdesk.retrieval.service import Newsdesk

    before, after = Newsdesk(settings_from(args)).edit(args.target, title=args.title, outlet=args.outlet, date=args.date, url=args.url)
    if args.json:
        _print_json({"before": _edit_json(before), "after": _edit_json(after)})
    else:
        print(printable(edit_to_text(before, after)))
    return EXIT_OK


def run_remove(args) -> int:
    from newsdesk.bot.render import ingest_report_to_text
    from newsdesk.retrieval.service import Newsdesk

    print(ingest_report_to_text(Newsdesk(settings_from(args)).remove(args.targets, seeds=args.seeds), quiet=args.quiet))
    return EXIT_OK


def run_watch(args) -> int:
    from newsdesk.bot.render import ingest_report_to_text, stamped
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.sources.watch import watched_folder

    folder = watched_folder(args.folder)  # a wrong folder fails before "watching"
    desk = Newsdesk(settings_from(args))
    desk.load_models(reader=False)
    if not args.quiet:
        print(stamped(f"watching {folder} every {args.interval:g}s (Ctrl-C to stop)"), file=sys.stderr, flush=True)
    from newsdesk.bot.feeds_cli import watch_feeds  # the followed feeds, each on its own interval

    feeds = watch_feeds(desk, lambda text: print(stamped(text), flush=True))
    desk.watch(folder, interval=args.interval, report=lambda report: print(stamped(ingest_report_to_text(report, quiet=args.quiet)), flush=True),
          on_cycle=feeds)
    return EXIT_OK


def run_sources(args) -> int:
    from newsdesk.bot.render import sources_to_text

    rows = _open_desk(args).sources()
    if args.json:
        _print_json([row.to_json() for row in rows])
    else:
        print(sources_to_text(rows, width=_width()))
    return EXIT_OK


def run_info(args) -> int:
    from newsdesk.bot.render import info_to_text
    from newsdesk.retrieval.service import Newsdesk

    info = Newsdesk(settings_from(args)).info()
    if args.json:
        _print_json(info)
    else:
        print(info_to_text(info, width=_width()))
    return EXIT_OK


def run_rebuild(args) -> int:
    from newsdesk.bot.render import plural
    from newsdesk.retrieval.service import Newsdesk

    report = Newsdesk(settings_from(args)).rebuild(progress=_progress())
    print(f"rebuilt {plural(len(report.added), 'article')}, {plural(report.chunks_embedded, 'chunk')} "
          f"in {report.seconds:.1f}s ({report.index_type} index)")
    return EXIT_OK


def run_rollback(args) -> int:
    from newsdesk.retrieval.service import Newsdesk

    desk = Newsdesk(settings_from(args))
    if args.list:
        versions = desk.versions()
        if not versions:
            print(f"no index versions in {desk.settings.home}")
        live = desk.live_version()
        for version in versions:
            print(("* " if version.name == live else "  ") + version.describe() + (" (live)" if version.name == live else ""))
        return EXIT_OK
    before, after = desk.rollback(args.version)
    print(f"live version: {after.describe()}" + (f"; was {before.describe()}" if before else ""))
    return EXIT_OK


def run_eval(args) -> int:
    from newsdesk.retrieval.evaluation.squad import load_squad
    from newsdesk.retrieval.service import Newsdesk

    from newsdesk.errors import InvalidInput

    corpus = load_squad(args.file)
    questions = [q for q in corpus if not args.titles or q.title in args.titles][: args.limit]
    if not questions:
        raise InvalidInput(f"{args.file} holds no questions" + (f" of the titles {', '.join(args.titles)}" if args.titles else ""))
    settings = settings_from(args)
    desk = Newsdesk(settings)
    desk.load_models()
    summary, predictions = desk.evaluate(questions, corpus, gold_context=args.gold_context, k=args.k, progress=_progress())
    summary["reader"] = settings.reader
    if args.predictions:
        try:
            args.predictions.write_text(json.dumps(predictions, ensure_ascii=False, indent=1), encoding="utf-8")
        except OSError as error:
            raise InvalidInput(f"cannot write the predictions to {args.predictions}: {error.strerror or error}") from None
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
    from newsdesk.bot.telegram.run import run_bot as start

    return start(args, settings_from(args))


def run_feeds(args) -> int:
    from newsdesk.bot.feeds_cli import run_feeds as run

    return run(args, settings_from(args))
