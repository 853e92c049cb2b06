"""Plain-text renderings of ``newsdesk search``, ``show`` and ``log`` (pure functions)."""

from __future__ import annotations

import textwrap
from typing import Iterable, Sequence

from newsdesk.bot.render import DEFAULT_WIDTH, _fit, one_line, plural, printable, sources_phrase

from newsdesk.types import SHORT_ID

# Placeholders for a mark's ends while the text is cleaned and wrapped (private-use characters,
# one column each); replaced by bold or by «» once the lines are final.
_ON, _OFF = "\ue000", "\ue001"
BOLD, PLAIN = "\x1b[1m", "\x1b[0m"
EXCERPT_CHARS = 320  # of a passage, around its first marked word


def marked(text: str, marks: Iterable[tuple[int, int]]) -> str:
    """``text`` with each mark between placeholders, control characters and stray placeholders
    taken out of the text itself first (an article cannot forge a mark or a terminal code)."""
    def clean(part: str) -> str:
        return printable(part).replace(_ON, "").replace(_OFF, "")

    out, at = [], 0
    for start, end in sorted(marks):
        if start < at:  # overlapping marks: the first one stands
            continue
        out += [clean(text[at:start]), _ON, clean(text[start:end]), _OFF]
        at = end
    return "".join(out + [clean(text[at:])])


def shown(text: str, bold: bool) -> str:
    """The placeholders of ``marked`` as bold (a terminal) or as «word» (a file, a pipe)."""
    on, off = (BOLD, PLAIN) if bold else ("«", "»")
    return text.replace(_ON, on).replace(_OFF, off)


def _wrap(text: str, width: int, indent: str) -> str:
    return textwrap.fill(text, width=max(width, 40), initial_indent=indent, subsequent_indent=indent,
                         break_on_hyphens=False, break_long_words=False)


def article_label(article) -> str:
    """``NewsNeck, 2025-12-14: “Title”`` (``outlet unknown``, ``undated`` where not stated)."""
    title = f"“{one_line(article.title)}”" if article.title else "(untitled)"
    return f"{one_line(article.outlet) or 'outlet unknown'}, {article.date or 'undated'}: {title}"


def passage_excerpt(found, chars: int = EXCERPT_CHARS) -> str:
    """A passage's text around its first marked word, the marks as placeholders, "…" where cut."""
    from newsdesk.retrieval.answering.passages import excerpt

    text, marks, before, after = excerpt(found.chunk.text, found.marks, chars)
    return ("…" if before else "") + " ".join(marked(text, marks).split()) + ("…" if after else "")


def passages_to_text(query: str, found: Sequence, width: int = DEFAULT_WIDTH, bold: bool = False,
                     newest: bool = False, notes: Iterable[str] = ()) -> str:
    """``newsdesk search``: each passage's article (outlet, date, title, short id), then the
    passage with the query's words marked."""
    order = "newest first" if newest else "best first"
    lines = [f"{plural(len(found), 'passage')} for “{one_line(query)}”, {order} (`newsdesk show ID` prints an article):"
             if found else f"No passage matches “{one_line(query)}”."]
    for number, passage in enumerate(found, 1):
        lines.append(f"[{number}] {article_label(passage.article)}  {passage.article.id[:SHORT_ID]}")
        lines.append(_wrap(passage_excerpt(passage), width, "    "))
    lines += [f"Note: {note}" for note in notes]
    return shown("\n".join(lines), bold)


def found_articles_to_text(query: str, found: Sequence, width: int = DEFAULT_WIDTH, newest: bool = False,
                           notes: Iterable[str] = ()) -> str:
    """``newsdesk search --articles``: one line per article, its short id first."""
    order = "newest first" if newest else "best first"
    lines = [f"{plural(len(found), 'article')} for “{one_line(query)}”, {order}:" if found
             else f"No article matches “{one_line(query)}”."]
    for item in found:
        a = item.article
        head = f"  {a.id[:SHORT_ID]}  {one_line(a.outlet) or 'outlet unknown'}, {a.date or 'undated'}: "
        tail = f" ({plural(item.passages, 'passage')})"
        title = f"“{one_line(a.title)}”" if a.title else "(untitled)"
        lines.append(head + _fit(title, max(width - len(head) - len(tail), 20)) + tail)
    lines += [f"Note: {note}" for note in notes]
    return "\n".join(lines)


def article_to_dict(article, chunks: int) -> dict:
    """``newsdesk show --json``: the article's metadata, its chunks, and its text as indexed."""
    return {"article_id": article.id, "title": article.title, "outlet": article.outlet, "date": article.date,
            "url": article.url, "path": article.path, "record": article.record, "chunks": chunks, "text": article.text}


def article_to_text(article, chunks: int, width: int = DEFAULT_WIDTH) -> str:
    """``newsdesk show``: the metadata, one field a line, then the text, each paragraph wrapped."""
    fields = [("id", article.id), ("title", article.title), ("outlet", article.outlet or "unknown"),
              ("date", article.date or "undated"), ("url", article.url), ("file", article.record or article.path),
              ("chunks", str(chunks))]
    lines = [f"{name:<7} {one_line(value)}" for name, value in fields if value]
    paragraphs = [" ".join(printable(p).split()) for p in article.text.split("\n")]
    body = [_wrap(p, width, "") if p else "" for p in paragraphs]
    return "\n".join(lines + [""] + body).rstrip() + "\n"


def _where(record: dict) -> str:
    """``cli (ask)`` or ``telegram, chat -100…, user 1002``: where a logged question came from."""
    if record.get("source") == "telegram":
        return f"telegram, chat {record.get('chat_id')}, user {record.get('user_id')}"
    return f"{one_line(str(record.get('source', '?')))}" + (f" ({one_line(record['command'])})" if record.get("command") else "")


def _logged_answer(record: dict) -> str:
    value = record.get("score")
    score = f"score {value:.2f}" if isinstance(value, (int, float)) else "score unknown"  # a hand-edited line
    if record.get("abstained"):
        return f"A: no answer ({score})"
    outlets = sources_phrase(record.get("outlets") or [], record.get("unknown_outlets") or 0)
    return f"A: {one_line(record.get('answer'))} ({score}" + (f"; {outlets})" if outlets else ")")


def log_to_text(records: Sequence[dict], path: str, enabled: bool = True, width: int = DEFAULT_WIDTH) -> str:
    """``newsdesk log``: each question with its time (UTC), origin, answer, score and sources."""
    if not records:
        off = "; logging is off (NEWSDESK_LOG=0 or --no-log)" if not enabled else ""
        return f"No questions are logged in {path} yet{off}."
    lines = []
    for record in records:
        when = str(record.get("time", ""))[:19].replace("T", " ")
        lines.append(f"{when} UTC  {_where(record)}")
        if record.get("follow_up_of"):
            lines.append(_wrap(f"(a follow-up to “{one_line(record['follow_up_of'])}”)", width, "  "))
        filters = record.get("filters") or {}
        if filters:
            lines.append("  " + " ".join(f"--{name} {one_line(str(value))}" for name, value in filters.items()))
        lines.append(textwrap.fill(f"Q: {one_line(record.get('question'))}", width=max(width, 40), initial_indent="  ",
                                   subsequent_indent="     ", break_long_words=False, break_on_hyphens=False))
        lines.append(textwrap.fill(_logged_answer(record), width=max(width, 40), initial_indent="  ",
                                   subsequent_indent="     ", break_long_words=False, break_on_hyphens=False))
    return "\n".join(lines)
