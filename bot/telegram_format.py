"""Telegram HTML renderings of answers, passages, sources and ingest reports (pure functions).

Everything that comes from an article or a user goes through ``escape`` (or ``_attr`` inside
an attribute), so the only markup in a message is the markup written here. ``split_html``
cuts a long message into parts that each fit Telegram's 4,096-character limit and are each
valid HTML on their own.
"""

from __future__ import annotations

import html
import re
from typing import Mapping, Sequence

from newsdesk.bot.render import RELATED_ONLY, SEVERAL_STORIES, ends_statement, say

from newsdesk.types import SHORT_ID, Answer, Article, Citation, SourceRow, source_name

MESSAGE_LIMIT = 4096  # Telegram's limit for one message's text
PASSAGE_CHARS = 1200  # a passage longer than this is cut (the passages view is a preview)
SOURCES_PAGE = 10  # /sources lists this many articles a page, newest first
MAX_LINK_CHARS = 1000  # a longer URL is not linked: a tag cannot be cut, and must fit in a message

NO_ANSWER = "I couldn't find an answer to that in the indexed articles."
SEE_SOURCES = "Send /sources to see what is indexed, or try asking another way."


def escape(text: object) -> str:
    """Text made safe for Telegram's HTML parse mode (<, > and & become entities)."""
    return html.escape(str(text), quote=False)


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def safe_url(url: str | None) -> str | None:
    """``url`` when it is a plain http(s) link, short enough to link, that Telegram will accept
    in an <a href>; else None (the title is shown without a link)."""
    if not url:
        return None
    url = url.strip()
    if len(url) > MAX_LINK_CHARS or not re.fullmatch(r"https?://[^\s<>\"]+", url, re.IGNORECASE):
        return None
    return url


def sources_phrase(outlets: Sequence[str], unknown: int) -> str:
    """``Outlook, NewsNeck, 1 of unknown outlet``: the known outlets by name, the rest counted
    (as the command line counts them), escaped."""
    return ", ".join([escape(o) for o in outlets] + ([f"{unknown} of unknown outlet"] if unknown else []))


def dated_sources(alternative) -> str:
    """``Valley Times (2025-10-04), “Title” (outlet unknown)``: each source of a rival answer
    with its date, escaped (alternatives made without dates list their outlets alone)."""
    if not alternative.dates:
        return sources_phrase(alternative.known_outlets, alternative.unknown_outlets)
    return ", ".join(escape(name) + (f" ({escape(date)})" if date else "") for name, date in zip(alternative.outlets, alternative.dates))


def format_citation(number: int, citation: Citation) -> str:
    """``1. Outlet — “Title” (2025-12-14)``, the title linked when the URL is known; with no
    known outlet ``1. “Title” (outlet unknown)`` (``source_name``: never a file name)."""
    url = safe_url(citation.url)
    if citation.outlet:
        line = f"{number}. <b>{escape(citation.outlet)}</b>"
        label = f"“{escape(citation.title)}”" if citation.title else "link" if url else None
    else:  # the name says the title already
        line, label = f"{number}. {escape(citation.source_name)}", "link" if url else None
    if label:
        line += " — " + (f'<a href="{_attr(url)}">{label}</a>' if url else label)
    if citation.date:
        line += f" ({escape(citation.date)})"
    return line


def format_answer(answer: Answer, *, asked: str | None = None, follow_up_of: str | None = None) -> str:
    """The reply to a question: the answer in bold, the supporting quote, then numbered sources.

    Args:
        asked: the question as the user typed it (``answer.question`` may carry follow-up context).
        follow_up_of: the earlier question a follow-up was read with, shown so users see why.
    """
    asked = asked if asked is not None else answer.question
    if answer.abstained and answer.related:
        lines = [RELATED_ONLY, f"<i>Question: {escape(asked)}</i>"]
        for n, citation in enumerate(answer.related, 1):
            lines += ["", f"<blockquote>{escape(citation.quote)}</blockquote>", format_citation(n, citation)]
        if answer.several_stories:
            lines += ["", f"<i>{escape(SEVERAL_STORIES)}</i>"]
    elif answer.abstained:
        lines = [NO_ANSWER, f"<i>Question: {escape(asked)}</i>", "", SEE_SOURCES]
    else:
        lines = [f"<b>{escape(answer.text)}</b>"]
        if answer.quote:
            lines += ["", f"<blockquote>{escape(answer.quote)}</blockquote>"]
        if answer.source_count > 1:
            lines += ["", f"{answer.source_count} sources agree: {sources_phrase(answer.outlets, answer.unknown_outlets)}."]
        if answer.alternatives and answer.citations and answer.citations[0].date:
            lines.append(f"🕒 Latest report first: {escape(answer.citations[0].source_name)}, {escape(answer.citations[0].date)}.")
        for alternative in answer.alternatives:
            who = dated_sources(alternative)
            lines.append(f"⚠️ Sources differ: {who} {say(alternative.outlets)} “{escape(alternative.text)}”{ends_statement(alternative.text)}")
        lines += ["", "<b>Sources</b>"]
        lines += [format_citation(n, c) for n, c in enumerate(answer.citations, 1)]
    if follow_up_of:
        lines += ["", f"<i>Read as a follow-up to: {escape(follow_up_of)}</i>"]
    return "\n".join(lines)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit] + " …"


def format_passages(answer: Answer, articles: Mapping[str, Article], asked: str | None = None) -> str:
    """The retrieved passages the answer was read from, numbered, each with its source."""
    lines = [f"<b>Passages read for:</b> {escape(asked if asked is not None else answer.question)}"]
    if not answer.passages:
        lines.append("(no passages were retrieved)")
    for number, hit in enumerate(answer.passages, 1):
        article = articles.get(hit.chunk.article_id)
        label = escape(article.source_name if article else source_name(None, None, hit.chunk.article_id))
        if article and article.outlet and article.title:  # an unknown outlet's name is its title already
            label += f" — “{escape(article.title)}”"
        if article and article.date:
            label += f" ({escape(article.date)})"
        lines += ["", f"<b>[{number}]</b> {label}", f"<blockquote>{escape(_shorten(hit.chunk.text, PASSAGE_CHARS))}</blockquote>"]
    return "\n".join(lines)


def page_count(rows: int, size: int = SOURCES_PAGE) -> int:
    """How many pages of ``size`` rows ``rows`` rows fill (at least one)."""
    return max(1, -(-rows // size))


def format_sources(rows: Sequence[SourceRow], page: int = 1, query: str | None = None) -> str:
    """One page of the ``/sources`` reply: the articles (those ``query`` matched), newest first,
    each with its date, source, chunks and short id (what ``/remove`` takes)."""
    if not rows:
        if query:
            return f"No indexed article matches <i>{escape(query)}</i>. Send /sources to list them all."
        return "No articles are indexed yet. An admin can add some by sending me a file or a link."
    pages = page_count(len(rows))
    page = min(max(1, page), pages)
    plural = "s" if len(rows) != 1 else ""
    head = (f"<b>{len(rows)} article{plural} match</b> <i>{escape(query)}</i>" if query
            else f"<b>{len(rows)} article{plural} indexed</b>")
    lines = [head + " (newest first" + (f"; page {page} of {pages}" if pages > 1 else "") + "):", ""]
    for row in rows[(page - 1) * SOURCES_PAGE: page * SOURCES_PAGE]:
        date, chunks = escape(row.date or "undated"), row.chunks
        if row.outlet:
            source = f"<b>{escape(row.outlet)}</b>: {escape(row.title or '(untitled)')}"
        else:  # “Title” (outlet unknown): never the file name, which is no outlet
            source = escape(source_name(None, row.title, row.article_id or "?"))
        lines.append(f"• {date} — {source} [{chunks} chunk{'s' if chunks != 1 else ''}] "
                     f"<code>{escape((row.article_id or '?')[:SHORT_ID])}</code>")
    return "\n".join(lines)


def _article_line(article: Article, chunks: int | None) -> str:
    details = [escape(article.outlet or "outlet unknown"), escape(article.date or "undated")]
    if chunks is not None:
        details.append(f"{chunks} chunk{'s' if chunks != 1 else ''}")
    return f"• <b>{escape(article.title or '(untitled)')}</b> — {', '.join(details)}"


def format_ingest_report(report, chunk_counts: Mapping[str, int] | None = None) -> str:
    """What an upload added or replaced (title, outlet, date, chunks), skipped or could not use."""
    counts = chunk_counts or {}
    lines: list[str] = []
    for verb, articles, why in (("✅ Added", report.added, "to the index"),
                                ("🔁 Replaced", report.replaced, "(the earlier version of the same file is gone)")):
        if articles:
            lines.append(f"{verb} {len(articles)} article{'s' if len(articles) != 1 else ''} {why}:")
            lines += [_article_line(a, counts.get(a.id)) for a in articles]
    for what, why in report.skipped:
        lines.append(f"ℹ️ Not added again: {escape(what.rsplit('/', 1)[-1])} ({escape(why)})")
    for rejected in report.rejected:
        lines.append(f"❌ Could not use {escape(rejected.path.rsplit('/', 1)[-1])}: {escape(rejected.reason)}")
    if not lines:
        lines.append("Nothing was added.")
    if report.added or report.replaced:
        lines += ["", "You can ask about it right away."]
    if getattr(report, "seeds_kept", 0):
        lines += ["", seeds_note(report.seeds_kept)]
    return "\n".join(lines)


def seeds_note(count: int) -> str:
    """Said when an admin's first own articles join the seed articles indexed on first use: they
    answer questions too, and only the command line removes them."""
    seeds = f"{count} bundled seed article{'s' if count != 1 else ''}"
    return (f"ℹ️ The index also holds the {seeds} it started with; they answer questions too. "
            "To drop them, run <code>newsdesk remove --seeds</code> on the server.")


# ------------------------------------------------------------------ splitting

_TOKEN = re.compile(r"<[^<>]*>|&#?\w{1,30};|\n{2,}|\n|[^\S\n]+|[^<&\s]{1,50}|\S")
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^>]*>")
_BREAK_PRIORITY = {"paragraph": 3, "line": 2, "space": 1}


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji can count twice)."""
    return len(text.encode("utf-16-le")) // 2


def _closers(stack: Sequence[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _openers(stack: Sequence[tuple[str, str]]) -> str:
    return "".join(opening for _, opening in stack)


def _first_part(text: str, limit: int) -> tuple[str, str]:
    """Cut ``text`` (too long for one message) into a first part that fits and the rest.

    Cuts only between tokens (never inside a tag or an entity), preferring a paragraph
    break, then a line break, then a space; tags open at the cut are closed at the end
    of the first part and opened again at the start of the rest.
    """
    stack: list[tuple[str, str]] = []
    size = 0
    best: dict[str, tuple[int, list[tuple[str, str]]]] = {}
    fallback: tuple[int, list[tuple[str, str]]] | None = None
    for match in _TOKEN.finditer(text):
        token, position = match.group(), match.start()
        tag = _TAG.fullmatch(token)
        after = list(stack)
        if tag and tag.group(1):
            if after and after[-1][0] == tag.group(2).lower():
                after.pop()
        elif tag:
            after.append((tag.group(2).lower(), token))
        if size + telegram_length(token) + telegram_length(_closers(after)) > limit and fallback:
            break
        if token.isspace():
            kind = "paragraph" if token.count("\n") >= 2 else "line" if "\n" in token else "space"
            best[kind] = (position, list(stack))
        size += telegram_length(token)
        stack = after
        if not tag and not token.isspace():
            fallback = (match.end(), list(stack))  # the latest point with some text before it
    else:
        return text, ""
    # A good break leaves a reasonably full message; else cut at the last possible token.
    for kind in sorted(best, key=_BREAK_PRIORITY.get, reverse=True):
        position, open_tags = best[kind]
        if position >= limit // 3:
            break
    else:
        position, open_tags = fallback
    head = text[:position].rstrip() + _closers(open_tags)
    rest = _openers(open_tags) + text[position:].lstrip()
    return head, rest


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """``text`` as messages of at most ``limit`` characters, each valid HTML on its own.

    A part that still cannot fit (tags too long to carry, which the formatters here never
    write) is sent without its markup rather than not at all.
    """
    if limit < 200:
        raise ValueError("limit must leave room for a few tags (at least 200)")
    parts: list[str] = []
    rest = text.strip()
    while rest and telegram_length(rest) > limit:
        head, rest = _first_part(rest, limit)
        parts += _fitting(head, limit)
        rest = rest.strip()
    parts += _fitting(rest, limit)
    return parts


def _fitting(part: str, limit: int) -> list[str]:
    """``part`` if it fits and shows text; an over-long one as plain text, split again."""
    if not _visible(part):
        return []
    if telegram_length(part) <= limit:
        return [part]
    # Tags dropped and the text escaped afresh: no token is then longer than a word, so it fits.
    return split_html(escape(html.unescape(_TAG.sub("", part))), limit)


def _visible(part: str) -> bool:
    """Whether a part shows any text (Telegram rejects a message that is only tags)."""
    return bool(_TAG.sub("", part).strip())
