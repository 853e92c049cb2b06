"""Unit tests of the Telegram HTML renderings: answers, passages, sources and ingest reports."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from newsdesk.bot.telegram_format import (
    PASSAGE_CHARS,
    SOURCES_PAGE,
    format_answer,
    format_ingest_report,
    format_passages,
    format_sources,
    safe_url,
    split_html,
)
from newsdesk.retrieval.sources.files import Rejected

from newsdesk.types import Alternative, Answer, Article, Chunk, Hit, SourceRow, source_name

from .conftest import answer, check_telegram_html, citation


HOSTILE = "<script>alert('x')</script> & <b>bold</b> &amp;"


# ------------------------------------------------------------------ answers


def test_answer_comes_first_in_bold_then_quote_then_numbered_sources():
    two = (citation(), citation(article_id="a2", outlet="NewsNeck", title="Peace plan", date=None, url=None))
    text = format_answer(answer(citations=two))
    check_telegram_html(text)
    assert text.startswith("<b>Friedrich Merz</b>")
    assert text.index("<blockquote>Merz hosted the talks.</blockquote>") < text.index("<b>Sources</b>")
    assert '1. <b>Outlook</b> — <a href="https://outlook.example/berlin">“Talks in Berlin”</a> (2025-12-14)' in text
    assert "2. <b>NewsNeck</b> — “Peace plan”" in text
    assert "2 sources agree: Outlook, NewsNeck." in text


def test_one_source_does_not_claim_agreement():
    assert "agree" not in format_answer(answer())


def test_a_source_without_outlet_is_named_by_its_title_never_its_file():
    untitled = format_answer(answer(citations=(citation(outlet=None, path="/data/seeds/003_berlin.txt", title=None, url=None),)))
    assert "1. article a1 (outlet unknown) (2025-12-14)" in untitled and "003_berlin" not in untitled
    titled = format_answer(answer(citations=(citation(outlet=None, path="/data/seeds/003_berlin.txt"),)))
    check_telegram_html(titled)
    assert ('1. “Talks in Berlin” (outlet unknown) — <a href="https://outlook.example/berlin">link</a> (2025-12-14)'
            in titled and "003_berlin" not in titled)


def test_sources_are_counted_with_those_of_unknown_outlet():
    cited = (citation(), citation(article_id="a2", outlet=None, path="/x/a2.txt", title="Peace plan"),
             citation(article_id="a3", outlet=None, path="/x/a3.txt", title=None))
    text = format_answer(answer(citations=cited))
    assert "3 sources agree: Outlook, 2 of unknown outlet." in text
    assert ".txt" not in text
    alone = format_answer(answer(citations=cited[1:]))
    assert "2 sources agree: 2 of unknown outlet." in alone
    same_outlet = format_answer(answer(citations=(citation(), citation(article_id="a2"))))
    assert "agree" not in same_outlet  # one outlet twice is one source


def test_abstention_says_so_plainly_and_suggests_sources():
    text = format_answer(Answer(question="Who won the 1930 World Cup?", text=None, score=0.1))
    check_telegram_html(text)
    assert "couldn't find an answer" in text
    assert "/sources" in text
    assert "Who won the 1930 World Cup?" in text
    assert "<b>Sources</b>" not in text


def test_disagreeing_sources_are_reported():
    text = format_answer(answer(alternatives=(Alternative("Olaf Scholz", 0.8, ("Daily <Planet>",)),)))
    check_telegram_html(text)
    assert "Daily &lt;Planet&gt; says “Olaf Scholz”." in text
    # a differing outlet's sentence keeps its own full stop, with none added after the quotation
    said = format_answer(answer(alternatives=(Alternative("Scholz hosted the talks.", 0.8, ("Outlook",)),)))
    assert "Outlook says “Scholz hosted the talks.”\n" in said + "\n"


def test_disagreeing_sources_of_unknown_outlet_are_counted_not_named():
    names = ("NewsNeck", source_name(None, "Peace plan", "a2"), source_name(None, None, "a3"))
    text = format_answer(answer(alternatives=(Alternative("Olaf Scholz", 0.8, names),)))
    assert "⚠️ Sources differ: NewsNeck, 2 of unknown outlet say “Olaf Scholz”." in text
    assert "Peace plan" not in text


def test_follow_up_context_is_shown_escaped():
    text = format_answer(answer(), asked="and then?", follow_up_of="Who <hosted> it?")
    check_telegram_html(text)
    assert "Read as a follow-up to: Who &lt;hosted&gt; it?" in text


def test_every_piece_of_article_and_user_text_is_escaped():
    evil = citation(title=HOSTILE, outlet=HOSTILE, quote=HOSTILE, date="2025-01-01 <i>",
                    url='https://x.example/?q="><script>alert(1)</script>')
    cases = [
        format_answer(answer(question=HOSTILE, text=HOSTILE, quote=HOSTILE, citations=(evil, citation(outlet="B")))),
        format_answer(Answer(question=HOSTILE, text=None, score=0.0), asked=HOSTILE),
        format_answer(answer(), asked=HOSTILE, follow_up_of=HOSTILE),
    ]
    for text in cases:
        check_telegram_html(text)
        assert "<script>" not in text and "&lt;script&gt;" in text
        assert "<b>bold</b>" not in text
        assert "&amp;amp;" in text  # a literal "&amp;" in the source is shown as typed


@pytest.mark.parametrize("url, expected", [
    ("https://example.com/a?b=1&c=2", "https://example.com/a?b=1&c=2"),
    ("http://example.com", "http://example.com"),
    ("javascript:alert(1)", None),
    ('https://example.com/"onmouseover="x', None),
    ("ftp://example.com/file", None),
    ("", None),
    (None, None),
])
def test_only_plain_http_links_are_linked(url, expected):
    assert safe_url(url) == expected


def test_link_attribute_is_escaped():
    text = format_answer(answer(citations=(citation(url="https://example.com/a?b=1&c=2"),)))
    assert 'href="https://example.com/a?b=1&amp;c=2"' in text


# ------------------------------------------------------------------ other messages


def _hit(article_id: str, text: str, chunk_id: int = 0) -> Hit:
    return Hit(Chunk(chunk_id, article_id, text, 0, len(text)), 0.5)


def test_passages_show_each_passage_with_its_source_escaped_and_shortened():
    long_text = "word " * 1000
    articles = {"a1": Article("a1", "x", title="T <1>", outlet="O&O", date="2025-01-02"),
                "a2": Article("a2", "y", path="/x/file.txt")}
    text = format_passages(answer(passages=(_hit("a1", "R&D <grew>"), _hit("a2", long_text, 1))), articles, asked="why <?>")
    for part in split_html(text):
        check_telegram_html(part)
    assert "<b>[1]</b> O&amp;O — “T &lt;1&gt;” (2025-01-02)" in text
    assert "<blockquote>R&amp;D &lt;grew&gt;</blockquote>" in text
    assert "<b>[2]</b> article a2 (outlet unknown)\n" in text and "file.txt" not in text
    assert "why &lt;?&gt;" in text
    assert max(len(block) for block in re.findall(r"<blockquote>(.*?)</blockquote>", text, re.S)) <= PASSAGE_CHARS + 2


def test_sources_list_dates_and_ids_a_page_at_a_time():
    rows = [SourceRow(f"id{i:02d}", f"Story <{i}>", "Outlook", f"2025-01-{28 - i:02d}", None, None, 3)
            for i in range(SOURCES_PAGE + 5)]
    rows.append(SourceRow("z", None, None, None, None, "/a/b.txt", 1))
    first, second = format_sources(rows), format_sources(rows, page=2)
    for text in (first, second):
        check_telegram_html(text)
    assert first.startswith(f"<b>{len(rows)} articles indexed</b> (newest first; page 1 of 2):")
    assert "• 2025-01-28 — <b>Outlook</b>: Story &lt;0&gt; [3 chunks] <code>id00</code>" in first
    assert first.count("• ") == SOURCES_PAGE and second.count("• ") == 6 and "Story &lt;0&gt;" not in second
    assert format_sources(rows, page=9) == second  # past the end: the last page
    assert format_sources(rows[:1]).startswith("<b>1 article indexed</b> (newest first):")
    assert "No articles" in format_sources([])
    assert "No indexed article matches <i>&lt;b&gt;</i>" in format_sources([], query="<b>")


def test_sources_of_unknown_outlet_show_the_title_never_the_file():
    rows = [SourceRow("b" * 16, "Bridge <opens>", None, None, None, "/a/002.txt", 1),
            SourceRow("c" * 16, None, None, "2025-01-02", None, "/a/003.txt", 2)]
    text = format_sources(rows)
    check_telegram_html(text)
    assert "• undated — “Bridge &lt;opens&gt;” (outlet unknown) [1 chunk]" in text
    assert f"• 2025-01-02 — article {'c' * 12} (outlet unknown) [2 chunks]" in text
    assert ".txt" not in text


def test_ingest_report_lists_title_outlet_date_and_chunks():
    added = Article("a1", "x", title="Quarry <museum>", outlet="Northgate News", date="2025-11-02")
    report = SimpleNamespace(added=[added], replaced=[], skipped=[("/h/old.txt", "already indexed")],
                             rejected=[Rejected("/h/bad.json#2", "record has no text")])
    text = format_ingest_report(report, {"a1": 3})
    check_telegram_html(text)
    assert "Added 1 article" in text
    assert "• <b>Quarry &lt;museum&gt;</b> — Northgate News, 2025-11-02, 3 chunks" in text
    assert "old.txt (already indexed)" in text
    assert "Could not use bad.json#2: record has no text" in text
    assert "seed" not in text


def test_ingest_report_names_an_unknown_outlet_so_and_the_seeds_kept():
    added = Article("a1", "x", title="Bridge opens", path="/h/telegram-uploads/1/bridge.txt")
    report = SimpleNamespace(added=[added], replaced=[], skipped=[("/h/feed.json#3", "already indexed")], rejected=[],
                             seeds_kept=5)
    text = format_ingest_report(report, {"a1": 1})
    check_telegram_html(text)
    assert "• <b>Bridge opens</b> — outlet unknown, undated, 1 chunk" in text and "bridge.txt" not in text
    assert "Not added again: feed.json#3 (already indexed)" in text
    assert "5 bundled seed articles" in text and "<code>newsdesk remove --seeds</code>" in text


def test_a_disagreement_leads_with_the_latest_report_and_dates_the_other():
    latest = citation(outlet="Valley Times", title="Festival", date="2025-10-06")
    older = Alternative("21,000", 0.9, ("Riverside Gazette", source_name(None, "Early count", "a9")), ("2025-10-04", None))
    text = format_answer(answer(text="about 12,000", citations=(latest,), alternatives=(older,)))
    check_telegram_html(text)
    assert "🕒 Latest report first: Valley Times, 2025-10-06." in text
    assert "⚠️ Sources differ: Riverside Gazette (2025-10-04), “Early count” (outlet unknown) say “21,000”." in text
