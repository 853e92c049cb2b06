"""The pure parts of ``newsdesk search``: marking the query's words, excerpts, grouping, order."""

from __future__ import annotations

from newsdesk.retrieval.answering.passages import Found, by_article, excerpt, marked_ranges, newest_first

from newsdesk.types import Article, Chunk


def test_marks_are_the_query_words_that_carry_meaning_by_stem():
    text = "The Berlin talks: 'Merz' hosted Russia’s talk, the TALKS."
    marked = [text[s:e] for s, e in marked_ranges(text, "Who hosted the talks in Berlin with Merz and Russia?")]
    assert marked == ["Berlin", "talks", "Merz", "hosted", "Russia", "talk", "TALKS"]
    assert marked_ranges(text, "the and of") == ()


def test_an_excerpt_keeps_its_marks_and_says_where_it_was_cut():
    text = "word " * 100 + "Berlin talks " + "word " * 100
    marks = marked_ranges(text, "Berlin")
    cut, kept, before, after = excerpt(text, marks, chars=120)
    assert before and after and len(cut) <= 120
    assert [cut[s:e] for s, e in kept] == ["Berlin"]
    assert excerpt("short text", (), chars=120) == ("short text", (), False, False)


def _found(article_id: str, date: str | None, score: float) -> Found:
    return Found(Chunk(0, article_id, "t", 0, 1), Article(article_id, "t", date=date), score, ())


def test_grouping_by_article_and_newest_first():
    found = [_found("a", "2025-01-02", 0.9), _found("b", None, 0.8), _found("a", "2025-01-02", 0.7),
             _found("c", "2025-03-01", 0.5)]
    grouped = by_article(found)
    assert [(g.article.id, g.score, g.passages) for g in grouped] == [("a", 0.9, 2), ("b", 0.8, 1), ("c", 0.5, 1)]
    assert [g.article.id for g in newest_first(grouped)] == ["c", "a", "b"]
