"""Plain-text and JSON renderings of answers and reports for the command line."""

from __future__ import annotations

import textwrap
from dataclasses import asdict

from newsdesk.types import Answer

NO_ANSWER = "I couldn't find that in the articles."


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
        "alternatives": [asdict(a) for a in answer.alternatives],
        "timings_ms": answer.timings_ms,
    }


def _source_label(citation) -> str:
    parts = [citation.outlet or (citation.path or citation.article_id).rsplit("/", 1)[-1]]
    if citation.title:
        parts.append(f"“{citation.title}”")
    if citation.date:
        parts.append(citation.date)
    if citation.url:
        parts.append(citation.url)
    return ", ".join(parts)


def answer_to_text(answer: Answer, width: int = 88) -> str:
    """A short human answer: the span, the quote, then numbered sources."""
    if answer.abstained:
        return f"{NO_ANSWER}\n(Try `newsdesk sources` to see what is indexed.)"
    lines = [answer.text]
    if answer.quote:
        lines.append(textwrap.fill(f"“{answer.quote}”", width=width, initial_indent="  ", subsequent_indent="   "))
    if len(answer.outlets) > 1:
        lines.append(f"Reported by {len(answer.outlets)} sources: {', '.join(answer.outlets)}")
    for alternative in answer.alternatives:
        lines.append(f"Note: sources differ — {', '.join(alternative.outlets)} say “{alternative.text}”.")
    lines.append("Sources:")
    lines += [f"  [{n}] {_source_label(c)}" for n, c in enumerate(answer.citations, 1)]
    return "\n".join(lines)


def sources_to_text(rows: list[dict]) -> str:
    if not rows:
        return "No articles are indexed yet. Add some with: newsdesk ingest PATH"
    lines = [f"{len(rows)} articles indexed:"]
    for row in rows:
        source = row["outlet"] or (row["path"] or row["article_id"]).rsplit("/", 1)[-1]
        lines.append(f"  {row['date'] or '          '}  {source:<26.26}  {row['title'] or '(untitled)'}  [{row['chunks']} chunks]")
    return "\n".join(lines)


def ingest_report_to_text(report) -> str:
    lines = []
    for article in report.added:
        lines.append(f"added     {article.title or article.path}  ({article.source_name}{', ' + article.date if article.date else ''})")
    for article in report.replaced:
        lines.append(f"replaced  {article.title or article.path}  (the file changed)")
    for article in report.removed:
        lines.append(f"removed   {article.title or article.path}")
    for what, why in report.skipped:
        lines.append(f"skipped   {what}: {why}")
    for rejected in report.rejected:
        lines.append(f"rejected  {rejected.path}: {rejected.reason}")
    lines.append(
        f"{len(report.added)} added, {len(report.replaced)} replaced, {len(report.removed)} removed, "
        f"{len(report.skipped)} skipped, {len(report.rejected)} rejected; "
        f"{report.chunks_embedded} chunks embedded in {report.seconds:.1f}s"
    )
    return "\n".join(lines)
