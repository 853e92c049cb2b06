"""Plain-text and JSON renderings of answers and reports for the command line."""

from __future__ import annotations

import re
import textwrap
from dataclasses import asdict
from typing import Iterable, Sequence

from newsdesk.types import SHORT_ID, Answer, SourceRow

NO_ANSWER = "I couldn't find that in the articles."
RELATED_ONLY = "No answer I can vouch for, but these passages match your question closely:"
SEVERAL_STORIES = "They are from different stories: name the one you mean (a place, a person or an outlet)."
DEFAULT_WIDTH = 88  # when the output is not a terminal

# Terminal control sequences an article's title or text may carry (a web page's `ESC ] 0;…BEL`
# would retitle the terminal): string commands (OSC, DCS, …) up to their terminator, CSI
# sequences, other escapes, then any lone C0/C1 control except newline and tab.
_CONTROL = re.compile(
    r"\x1b[\]PX^_][^\x07\x1b\n]*(?:\x07|\x1b\\)?"
    r"|\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b[ -/]*[0-~]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]",
)


def printable(text: str) -> str:
    """``text`` without terminal control characters and escape sequences (newlines and tabs kept)."""
    return _CONTROL.sub("", text)


def one_line(text: str | None) -> str:
    """A field shown inside a line (a title, an outlet): control characters out, whitespace collapsed."""
    return " ".join(printable(text or "").split())


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 chunk``, ``2 chunks``; ``words`` for irregular plurals."""
    return f"{count:,} {word if count == 1 else words or word + 's'}"


def and_list(items: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def sources_phrase(outlets: Sequence[str], unknown: int) -> str:
    """``NewsNeck, Outlook and 1 of unknown outlet``: the known outlets by name, the rest counted."""
    return and_list([one_line(o) for o in outlets] + ([f"{unknown} of unknown outlet"] if unknown else []))


def _alternative_dict(alternative) -> dict:
    return {"text": alternative.text, "score": alternative.score, "outlets": list(alternative.known_outlets),
            "unknown_outlets": alternative.unknown_outlets, "dates": list(alternative.dates)}


def dated_sources(names: Sequence[str], dates: Sequence[str | None]) -> str:
    """``Valley Times (2025-10-04) and “Title” (outlet unknown)``: each source with its date."""
    return and_list([one_line(name) + (f" ({date})" if date else "") for name, date in zip(names, dates)] or
                    [one_line(name) for name in names])


def say(sources: Sequence[str]) -> str:
    """The verb for what ``sources`` report: one outlet "says", several "say"."""
    return "says" if len(sources) == 1 else "say"


def ends_statement(text: str) -> str:
    """The full stop after a quoted answer, unless the quotation already ends a sentence."""
    return "" if text.rstrip("\"”’'").endswith((".", "!", "?")) else "."


def answer_to_dict(answer: Answer) -> dict:
    """The ``ask --json`` contract (see docs/cli.md)."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "score": answer.score,
        "abstained": answer.abstained,
        "quote": answer.quote,
        "citations": [asdict(c) for c in answer.citations],
        "outlets": list(answer.outlets),
        "unknown_outlets": answer.unknown_outlets,
        "alternatives": [_alternative_dict(a) for a in answer.alternatives],
        "kind": answer.kind,
        "related": [asdict(c) for c in answer.related],
        "several_stories": answer.several_stories,
        "timings_ms": answer.timings_ms,
    }


def _source_label(citation) -> str:
    """``NewsNeck, “Title”, 2025-12-14, url`` or ``“Title” (outlet unknown), …``."""
    if citation.outlet:
        parts = [one_line(citation.outlet)] + ([f"“{one_line(citation.title)}”"] if citation.title else [])
    else:
        parts = [one_line(citation.source_name)]
    parts += [one_line(v) for v in (citation.date, citation.url) if v]
    return ", ".join(parts)


def _wrap(text: str, width: int, indent: str = "", hanging: str = "") -> str:
    return textwrap.fill(text, width=max(width, 40), initial_indent=indent, subsequent_indent=hanging or indent,
                         break_on_hyphens=False, break_long_words=False)


def answer_to_text(answer: Answer, width: int = DEFAULT_WIDTH, notes: Iterable[str] = ()) -> str:
    """A short human answer: the span, the quote, then numbered sources; ``notes`` last."""
    if answer.abstained and answer.related:
        lines = [RELATED_ONLY]
        for n, citation in enumerate(answer.related, 1):
            lines.append(_wrap(f"[{n}] “{one_line(citation.quote)}”", width, "  ", "      "))
            lines.append(_wrap(f"— {_source_label(citation)}", width, "      ", "      "))
        if answer.several_stories:
            lines.append(_wrap(SEVERAL_STORIES, width))
    elif answer.abstained:
        lines = [NO_ANSWER, "(Try `newsdesk sources` to see what is indexed.)"]
    else:
        lines = [one_line(answer.text)]
        if answer.quote:
            lines.append(_wrap(f"“{one_line(answer.quote)}”", width, "  ", "   "))
        if answer.source_count > 1:
            lines.append(_wrap(f"Reported by {answer.source_count} sources: "
                               f"{sources_phrase(answer.outlets, answer.unknown_outlets)}", width, "", "  "))
        if answer.alternatives and answer.citations and answer.citations[0].date:
            lines.append(f"Latest report first: {one_line(answer.citations[0].source_name)}, {answer.citations[0].date}.")
        for alternative in answer.alternatives:
            who = dated_sources(alternative.outlets, alternative.dates)
            lines.append(_wrap(f"Note: sources differ — {who} {say(alternative.outlets)} “{one_line(alternative.text)}”"
                               f"{ends_statement(alternative.text)}", width,
                               "", "  "))
        lines.append("Sources:")
        lines += [_wrap(f"[{n}] {_source_label(c)}", width, "  ", "      ") for n, c in enumerate(answer.citations, 1)]
    lines += [_wrap(f"Note: {note}", width, "", "  ") for note in notes]
    return printable("\n".join(lines))


def _fit(text: str, room: int) -> str:
    return text if len(text) <= room else text[: max(room - 1, 0)] + "…"


def sources_to_text(rows: Sequence[SourceRow], width: int = DEFAULT_WIDTH) -> str:
    """Two lines an article: its short id (what ``newsdesk remove`` takes) and title; then its
    outlet, date, chunks and file."""
    if not rows:
        return "No articles are indexed yet. Add some with: newsdesk ingest PATH"
    indent = " " * (4 + SHORT_ID)
    lines = [f"{plural(len(rows), 'article')} indexed, newest first (`newsdesk remove ID` removes one):"]
    for row in rows:
        title = one_line(row.title) or "(untitled)"
        lines.append(f"  {row.article_id[:SHORT_ID]}  " + _fit(title, width - len(indent)))
        details = [one_line(row.outlet) or "outlet unknown", row.date or "undated", plural(row.chunks, "chunk")]
        lines.append(indent + ", ".join(details + ([one_line(row.path)] if row.path else [])))
    return printable("\n".join(lines))


def seeds_note(count: int) -> str:
    """Said when a user's first own articles join the seeds that the first `ask` indexed."""
    return (f"this home also holds the {plural(count, 'bundled seed article')} indexed on first use; "
            "drop them with `newsdesk remove --seeds`")


SHOWN_PER_KIND = 10  # report lines per kind of change (added, replaced, …); the rest are counted
ALREADY_INDEXED = "already indexed"  # a skip that is no news: the file is indexed as it is


def _unchanged(report) -> int:
    return sum(why == ALREADY_INDEXED for _, why in report.skipped)


def _summary(report) -> str:
    """``waited 73.4s for another writer; 2 added, 1 rejected; 12 already indexed, skipped;
    14 chunks embedded in 3.2s``: only what happened, the wait apart from the work."""
    unchanged = _unchanged(report)
    counts = [(len(report.added), "added"), (len(report.replaced), "replaced"), (len(report.removed), "removed"),
              (len(report.skipped) - unchanged, "skipped"), (len(report.rejected), "rejected")]
    said = ", ".join(f"{n:,} {what}" for n, what in counts if n) or "nothing changed"
    said += f"; {unchanged:,} {ALREADY_INDEXED}, skipped" if unchanged else ""
    embedded = f"; {plural(report.chunks_embedded, 'chunk')} embedded" if report.chunks_embedded else ""
    waited = getattr(report, "waited_s", 0.0)
    wait = f"waited {waited:.1f}s for another writer; " if waited else ""
    return f"{wait}{said}{embedded} in {report.seconds:.1f}s"


def _at_most(lines: list[str], what: str, shown: int = SHOWN_PER_KIND) -> list[str]:
    """``lines`` up to ``shown``, then one line that counts the rest (400 records: no 400 lines)."""
    if len(lines) <= shown:
        return lines
    return lines[:shown] + [f"… and {len(lines) - shown:,} more {what}"]


def _outlet_and_date(article) -> str:
    return ", ".join([one_line(article.outlet) or "outlet unknown"] + ([article.date] if article.date else []))


def _article_label(article) -> str:
    """An article in a report: its title, else the record or file it came from, else its id."""
    return one_line(article.title or article.record or article.path or article.id[:SHORT_ID])


def ingest_report_to_text(report, quiet: bool = False) -> str:
    """A line per article or file (at most ``SHOWN_PER_KIND`` of each kind; files indexed as
    they are only counted), every rejected file, then a summary line and the seeds note, when
    due. ``quiet``: the rejected files and the summary only."""
    lines = []
    if not quiet:
        lines += _at_most([f"added     {_article_label(a)}  ({_outlet_and_date(a)})" for a in report.added], "added")
        lines += _at_most([f"replaced  {_article_label(a)}  (the file changed)" for a in report.replaced], "replaced")
        lines += _at_most([f"removed   {_article_label(a)}" for a in report.removed], "removed")
        lines += _at_most([f"skipped   {one_line(what)}: {one_line(why)}" for what, why in report.skipped
                           if why != ALREADY_INDEXED], "skipped")
    for rejected in report.rejected:
        lines.append(f"rejected  {one_line(rejected.path)}: {one_line(rejected.reason)}")
    lines.append(_summary(report))
    if getattr(report, "seeds_kept", 0) and not quiet:
        lines.append(f"Note: {seeds_note(report.seeds_kept)}")
    return printable("\n".join(lines))


def info_to_text(info: dict, width: int = DEFAULT_WIDTH) -> str:
    """``newsdesk info``: where things are, what the index holds, how the models run."""
    index = info["index"]
    lines = [f"home         {info['home']}", f"model cache  {info['cache']}"]
    if index and index.get("problem"):
        lines.append(f"index        {index['problem']}")
    elif index:
        lines.append(f"index        {index['version']}: {index['type']} "
                     f"({plural(index['articles'], 'article')}, {plural(index['chunks'], 'chunk')}; "
                     f"built {index['created']} with {index['model']})")
    else:
        lines.append("index        none yet (the first ask, chat or sources indexes the seed articles)")
    for version in info["versions"]:
        live = " (live)" if version["live"] else ""
        if version["problem"]:
            state = f"damaged: {version['problem']}"
        else:
            state = f"{plural(version['articles'], 'article')}, {plural(version['chunks'], 'chunk')}, {version['created']}"
        lines.append(f"  kept       {version['name']}{live}: {state}")
    for role in ("encoder", "reader", "verifier"):
        if role not in info:
            continue
        model = info[role]
        lines.append(f"{role:<12} {model['name']}: {model['runtime']}, {model['precision']}"
                     + (f" ({model['note']})" if model.get("note") else ""))
    libraries = ", ".join(f"{name} {version}" for name, version in info["libraries"].items())
    lines.append(_wrap(f"libraries    {libraries}", width, "", " " * 13))
    return printable("\n".join(lines))


def _bounds(filters) -> str:
    return " and ".join(f"--{name} {value}" for name, value in (("since", filters.since), ("until", filters.until)) if value)


def no_match_message(filters, check) -> str:
    """Which filter left no article at all, and what there is instead (``check``: a FilterCheck)."""
    if filters.outlet and not check.by_outlet:
        known = ", ".join(one_line(o) for o in check.outlets) or "none (no indexed article names its outlet)"
        return f"--outlet {one_line(filters.outlet)!r} matches no indexed outlet; the outlets are: {known}"
    span = (f"the dated articles run from {check.first_date} to {check.last_date}" if check.first_date
            else "no indexed article is dated")
    if not check.by_date:
        return f"{_bounds(filters)} leave no indexed article ({span})"
    return f"no article of an outlet matching {one_line(filters.outlet)!r} is dated within {_bounds(filters)} ({span})"


def filter_notes(filters, check) -> list[str]:
    """What the user should know about an answer's filters: undated articles the dates left out."""
    if not check.undated_left_out:
        return []
    n = check.undated_left_out
    return [f"{plural(n, 'undated article')} {'was' if n == 1 else 'were'} left out by {_bounds(filters)}"]


def stamped(text: str, when: float | None = None) -> str:
    """Every line of ``text`` after the local time (``watch`` runs for days)."""
    import time

    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(when))
    return "\n".join(f"{stamp}  {line}" for line in text.splitlines())
