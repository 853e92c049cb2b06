"""How much metadata newsdesk reads itself from the news benchmark's files: each story's files are
read with ``sources/files.read_file`` and dated together as one ingest dates them
(``updates.dated_by_their_story``: a wire dateline's year from the story's other reports), and
each file's outlet and date compared with story.json's.

    python benchmarks/news_metadata.py [benchmarks/news/stories] [--json]

Prints the misses, one a line, then the counts; exits 0 either way (a measurement, not a test).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date as Day
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsdesk.retrieval.sources.files import read_file  # noqa: E402
from newsdesk.retrieval.updates import dated_by_their_story  # noqa: E402

STORIES = ROOT / "benchmarks" / "news" / "stories"


def same_outlet(found: str | None, truth: str) -> bool:
    """Outlets match whatever their case and spacing: "COASTLINE  Wire" is Coastline Wire."""
    return bool(found) and " ".join(found.split()).casefold() == " ".join(truth.split()).casefold()


def check_story(folder: Path) -> list[dict]:
    """One row per file of a story: what story.json says, what newsdesk read, and whether they match."""
    truth = json.loads((folder / "story.json").read_text(encoding="utf-8"))["files"]
    read = {}
    for name in sorted(truth):
        try:
            read[name] = read_file(folder / name)
        except ValueError as error:
            read[name] = [], [str(error)]
    firsts = [articles[0] for articles, _ in read.values() if articles]
    dated = {a.path: a for a in dated_by_their_story(firsts, [], Day.today())}
    rows = []
    for name, expected in sorted(truth.items()):
        articles, rejected = read[name]
        article = dated[articles[0].path] if articles else None
        outlet, date = (article.outlet, article.date) if article else (None, None)
        rows.append({"file": f"{folder.name}/{name}", "outlet": outlet, "date": date,
                     "true_outlet": expected["outlet"], "true_date": expected["date"],
                     "outlet_ok": same_outlet(outlet, expected["outlet"]), "date_ok": date == expected["date"],
                     "rejected": [str(r) for r in rejected]})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stories", nargs="?", type=Path, default=STORIES)
    parser.add_argument("--json", action="store_true", help="print every row as JSON")
    args = parser.parse_args(argv)
    folders = sorted(p.parent for p in args.stories.glob("*/story.json"))
    rows = [row for folder in folders for row in check_story(folder)]
    if args.json:
        print(json.dumps(rows, indent=1, ensure_ascii=False))
        return 0
    for row in rows:
        if not row["outlet_ok"]:
            print(f"outlet miss  {row['file']}: read {row['outlet']!r}, is {row['true_outlet']!r}")
        if not row["date_ok"]:
            print(f"date miss    {row['file']}: read {row['date']!r}, is {row['true_date']!r}")
    total = len(rows)
    print(f"{len(folders)} stories, {total} files: outlets {sum(r['outlet_ok'] for r in rows)}/{total}, "
          f"dates {sum(r['date_ok'] for r in rows)}/{total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
