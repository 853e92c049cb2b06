"""Feeds: the time from a new feed item to an answerable article, and the cost of a poll with
nothing new (a 304, and a full feed whose items are all known).

A local news site on 127.0.0.1 (tests/retrieval/feed_server.py) serves an RSS feed of
``--items`` stories; newsdesk (the bundled encoder, the default reader, the seeds plus
``--archive`` SQuAD paragraphs as the index) follows it and polls once. Then, ``--new``
times: a story is published, one poll runs (feed, page, extraction, embedding, the index
switch), then the story's question is asked once ("retrieved_first": the new article is the
top passage; "answered": the answer is its person, cited from it); and ``--quiet`` polls with
nothing new are timed, with and without the feed's validators (ETag / Last-Modified).

    python benchmarks/feed_poll.py
    python benchmarks/feed_poll.py --archive 2000 ../shared/data/squad-dev-v1.1-part-a.json --delay 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsdesk.retrieval.service import Newsdesk  # noqa: E402
from newsdesk.retrieval.settings import Settings  # noqa: E402
from newsdesk.retrieval.sources.feeds.follow import add_feed  # noqa: E402
from newsdesk.retrieval.sources.feeds.records import FeedOptions  # noqa: E402

from tests.retrieval.feed_server import FeedSite, Story  # noqa: E402

PLACES = ["Aalborg", "Bergen", "Cardiff", "Dundee", "Esbjerg", "Falmouth", "Gdansk", "Haugesund", "Inverness",
          "Jurmala", "Kalmar", "Lerwick", "Malmo", "Narvik", "Oban", "Porto", "Quimper", "Rostock", "Stavanger",
          "Tromso", "Umea", "Varna", "Wexford", "Ystad", "Zadar", "Arendal", "Brest", "Cork", "Dover", "Emden"]
PEOPLE = ["Ingrid Lund", "Tomas Varga", "Priya Raman", "Elena Novak", "Marek Zielinski", "Sofia Costa",
          "Jonas Berg", "Amira Haddad", "Lucas Moreau", "Hanna Virtanen", "Oskar Nyberg", "Leila Farouk",
          "Pavel Dvorak", "Chiara Rossi", "Dmitri Orlov", "Aoife Byrne", "Karin Holm", "Nikos Pappas",
          "Eva Kral", "Rui Almeida", "Mette Sorensen", "Jan de Vries", "Anja Weber", "Tariq Aziz",
          "Greta Lind", "Milan Horvat", "Ines Duarte", "Viktor Sand", "Nora Eklund", "Felix Brandt"]


FACILITIES = ["ferry terminal", "fish market", "maritime museum", "marina", "lifeboat station", "container quay"]


def story(n: int) -> tuple[Story, str, str]:
    """The n-th story, its question and the answer's surname."""
    place, person, facility = PLACES[n % len(PLACES)], PEOPLE[n % len(PEOPLE)], FACILITIES[n % len(FACILITIES)]
    text = (f"Harbour master {person} opened the new {place} {facility} on Monday morning.\n\n"
            f"The {place} {facility} will serve {n + 2} hundred thousand visitors a year, and its quay was "
            f"rebuilt by a local shipyard over eighteen months.\n\n"
            f"Local businesses said the {place} {facility} would bring trade back to the old harbour.")
    return (Story(f"story-{n}", f"{place} opens a new {facility}", text),
            f"Who opened the {place} {facility}?", person.split()[-1])


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"p50": round(statistics.median(ordered), 1), "max": round(ordered[-1], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("squad", type=Path, nargs="*", help="SQuAD-format files whose paragraphs fill the index (--archive)")
    parser.add_argument("--archive", type=int, default=0, help="paragraphs indexed besides the seeds")
    parser.add_argument("--items", type=int, default=20, help="stories the feed lists when followed")
    parser.add_argument("--new", type=int, default=5, help="new stories, each published, polled and asked")
    parser.add_argument("--quiet", type=int, default=20, help="polls with nothing new, each way")
    parser.add_argument("--delay", type=float, default=0.0, help="the per-host delay (newsdesk's default: 1 s)")
    args = parser.parse_args()
    if args.items + args.new > len(PLACES):
        raise SystemExit(f"at most {len(PLACES)} stories in all")
    site = FeedSite().start()
    options = FeedOptions(allow_private=True, host_delay_s=args.delay)
    with tempfile.TemporaryDirectory() as scratch:
        desk = Newsdesk(Settings(home=Path(scratch) / "home"))
        desk.warm_up()  # the seeds, the model and the reader: as in a running bot or watch
        if args.archive:
            from newsdesk.retrieval.evaluation.evaluate import paragraph_articles
            from newsdesk.retrieval.evaluation.squad import load_squad

            paragraphs = {}
            for path in args.squad:
                paragraphs.update(paragraph_articles(load_squad(path)))
            desk.add_articles(list(paragraphs.values())[: args.archive])
        for n in range(args.items):
            site.add(story(n)[0])
        add_feed(desk.settings.home, site.feed_url, options)
        started = time.perf_counter()
        first = desk.feeds.poll(options)
        first_s = time.perf_counter() - started

        poll_ms, ask_ms, total_ms, answered, update_ms, missed, retrieved_first = [], [], [], 0, [], [], 0
        add_articles = desk.add_articles

        def timed_add(*args, **options):  # the index update's share of a poll
            started = time.perf_counter()
            report = add_articles(*args, **options)
            update_ms.append((time.perf_counter() - started) * 1000)
            return report

        desk.add_articles = timed_add
        for n in range(args.items, args.items + args.new):
            new, question, surname = story(n)
            site.add(new)
            published = time.perf_counter()
            desk.feeds.poll(options)
            polled = time.perf_counter()
            answer = desk.ask(question)
            done = time.perf_counter()
            top = desk.retrieve(question, k=1)[0].chunk.article_id  # outside the timing
            retrieved_first += desk.index.articles[top].url == site.page_url(new.slug)
            if answer.text and surname in answer.text and answer.citations[0].url == site.page_url(new.slug):
                answered += 1
            else:
                missed.append({"question": question, "answer": answer.text})
            poll_ms.append((polled - published) * 1000)
            ask_ms.append((done - polled) * 1000)
            total_ms.append((done - published) * 1000)

        quiet = {}
        for validators in (True, False):
            site.conditional = validators
            desk.feeds.poll(options)  # the first without validators refetches the feed once
            site.hits.clear()
            times = []
            for _ in range(args.quiet):
                started = time.perf_counter()
                summary = desk.feeds.poll(options)
                times.append((time.perf_counter() - started) * 1000)
                assert summary.report is None
            quiet["304" if validators else "200, all items known"] = {
                **percentiles(times), "requests_per_poll": len(site.hits) / args.quiet,
                "pages_fetched": len(site.page_hits())}
        chunks = len(desk.index.chunks)
    site.stop()
    print(json.dumps({
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "index_chunks": chunks, "host_delay_s": args.delay,
        "first_poll": {"items": args.items, "articles_added": first.added, "seconds": round(first_s, 2)},
        "new_item_to_answer_ms": {"poll": percentiles(poll_ms), "of_which_index_update": percentiles(update_ms),
                                  "ask": percentiles(ask_ms), "total": percentiles(total_ms),
                                  "retrieved_first": f"{retrieved_first}/{args.new}",
                                  "answered": f"{answered}/{args.new}", "missed": missed},
        "poll_with_nothing_new_ms": quiet,
    }, indent=2))


if __name__ == "__main__":
    main()
