"""Unit tests of the message splitter (``split_html``): Telegram's limit, tags and links carried
across a cut, long links, fuzzed markup."""

from __future__ import annotations

import random
import re

import pytest
from newsdesk.bot.telegram_format import (
    MAX_LINK_CHARS,
    MESSAGE_LIMIT,
    escape,
    format_answer,
    safe_url,
    split_html,
    telegram_length,
)

from newsdesk.types import Alternative

from .conftest import answer, check_telegram_html, citation, visible_text


# ------------------------------------------------------------------ splitting


def test_short_message_is_one_part():
    assert split_html("<b>hi</b> there") == ["<b>hi</b> there"]
    assert split_html("  \n ") == []


def test_long_plain_text_is_split_at_spaces_without_losing_words():
    text = " ".join(f"word{i}" for i in range(3000))
    parts = split_html(text)
    assert len(parts) > 1
    for part in parts:
        check_telegram_html(part)
    assert " ".join(parts).split() == text.split()


def test_split_prefers_paragraph_breaks():
    paragraphs = [("sentence " * 60).strip() + f" end{i}." for i in range(40)]
    parts = split_html("\n\n".join(paragraphs))
    assert len(parts) > 1
    assert all(part.endswith(".") for part in parts)  # every part ends where a paragraph ends


def test_tags_open_at_a_cut_are_closed_and_reopened():
    text = "<b>Answer</b>\n\n<blockquote>" + " ".join(f"R&amp;D <i>{i}</i> &lt;x&gt;" for i in range(900)) + "</blockquote>"
    parts = split_html(text)
    assert len(parts) > 2
    for part in parts:
        check_telegram_html(part)
    assert all(part.startswith("<blockquote>") for part in parts[1:])
    assert " ".join(visible_text(p) for p in parts).split() == visible_text(text).split()


def test_a_link_cut_in_two_stays_a_link_in_both_parts():
    text = '<a href="https://example.com/?a=1&amp;b=2">' + "link text " * 600 + "</a>"
    parts = split_html(text)
    assert len(parts) == 2
    for part in parts:
        check_telegram_html(part)
        assert part.startswith('<a href="https://example.com/?a=1&amp;b=2">') and part.endswith("</a>")


def test_a_very_long_word_is_cut_but_never_inside_an_entity():
    text = "x" * 5000 + "&amp;" * 2000
    parts = split_html(text, limit=1000)
    for part in parts:
        check_telegram_html(part, limit=1000)
    assert "".join(visible_text(p) for p in parts) == "x" * 5000 + "&" * 2000


def test_length_is_counted_as_telegram_counts_it():
    text = "😀 " * 3000  # each emoji is two UTF-16 code units
    parts = split_html(text)
    assert len(parts) == 3
    assert all(telegram_length(part) <= MESSAGE_LIMIT for part in parts)


@pytest.mark.parametrize("seed", range(5))
def test_random_markup_always_splits_into_valid_parts(seed):
    rng = random.Random(seed)
    pieces = []
    for _ in range(600):
        word = escape(rng.choice(["news", "<b>", "AT&T", "Zelenskyy’s", "😀", "x" * rng.randint(1, 80), "a\nb", "\n\n"]))
        wrap = rng.choice(["", "b", "i", "blockquote", "code"])
        pieces.append(f"<{wrap}>{word}</{wrap}>" if wrap else word)
    text = " ".join(pieces)
    limit = rng.choice([300, 1000, MESSAGE_LIMIT])
    parts = split_html(text, limit=limit)
    for part in parts:
        check_telegram_html(part, limit=limit)
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731  (cuts only drop whitespace)
    assert squash("".join(visible_text(p) for p in parts)) == squash(visible_text(text))


def test_a_huge_answer_splits_into_valid_messages():
    citations = tuple(citation(article_id=f"a{i}", outlet=f"Outlet & {i}", title="T" * 150,
                               url=f"https://example.com/{i}?x=1&y=2") for i in range(60))
    text = format_answer(answer(text="Merz " * 50, quote="Long <quote> & more. " * 300, citations=citations))
    parts = split_html(text)
    assert len(parts) >= 3
    for part in parts:
        check_telegram_html(part)
    assert parts[0].startswith("<b>Merz")


# ------------------------------------------------------------------ long links (issue 14)


def test_a_url_too_long_to_link_leaves_the_title_unlinked():
    long_url = "https://example.com/" + "a" * 5000
    assert safe_url(long_url) is None
    assert safe_url("https://example.com/" + "a" * (MAX_LINK_CHARS - 20)) is not None
    text = format_answer(answer(citations=(citation(url=long_url),)))
    check_telegram_html(text)
    assert "1. <b>Outlook</b> — “Talks in Berlin” (2025-12-14)" in text and "href" not in text
    untitled = format_answer(answer(citations=(citation(url=long_url, title=None),)))
    assert "link" not in untitled.split("<b>Sources</b>", 1)[1] and "href" not in untitled


def test_an_answer_citing_a_5000_character_url_fits_in_messages():
    # The finding: one such citation made a part of over 4,096 characters, refused by Telegram.
    long_url = "https://example.com/story?" + "q=1&" * 1250
    citations = tuple(citation(article_id=f"a{i}", url=long_url if i % 2 else f"https://e.example/{i}") for i in range(30))
    parts = split_html(format_answer(answer(citations=citations)))
    for part in parts:
        check_telegram_html(part)
    assert sum(visible_text(p).count("“Talks in Berlin”") for p in parts) == 30


def test_split_never_returns_a_part_over_the_limit_even_for_tags_too_long_to_carry():
    href = "https://example.com/" + "b" * 6000
    text = f'<b>Answer</b>\n\n<a href="{href}">the title</a> and <i>more</i> words after it'
    parts = split_html(text)
    for part in parts:
        check_telegram_html(part)
    assert " ".join(visible_text(p) for p in parts).split() == visible_text(text).split()


FUZZ_CASES = 200


def _fuzz_text(rng: random.Random, length: int) -> str:
    alphabet = ["a", "Z", " ", "\n", "<", ">", "&", "&amp;", "😀", "’", "\u200b", "é", ".", "/", '"', "'", "x" * 60]
    return "".join(rng.choice(alphabet) for _ in range(length))


def _fuzz_url(rng: random.Random) -> str | None:
    kind = rng.random()
    if kind < 0.2:
        return None
    if kind < 0.35:
        return "javascript:alert(1)"
    size = rng.choice([10, 200, 999, 1001, 3000, 4090, 5000, 9000])
    return "https://example.com/" + "".join(rng.choice("abc/?=&%-_.~") for _ in range(size))


def test_fuzzed_answers_always_split_into_valid_parts_within_the_limit():
    rng = random.Random(14)
    checked = 0
    for _ in range(FUZZ_CASES):
        citations = tuple(
            citation(article_id=f"a{i}", title=_fuzz_text(rng, rng.randint(0, 300)) or None,
                     outlet=_fuzz_text(rng, rng.randint(0, 40)) or None, url=_fuzz_url(rng),
                     date=rng.choice([None, "2025-12-14"]), path=rng.choice([None, "/h/f.txt"]))
            for i in range(rng.randint(1, 12)))
        alternatives = tuple(Alternative(text=_fuzz_text(rng, rng.randint(1, 100)), score=0.5,
                                         outlets=(_fuzz_text(rng, 10) or "x",)) for _ in range(rng.randint(0, 2)))
        text = format_answer(answer(text=_fuzz_text(rng, rng.randint(1, 400)) or "x",
                                    quote=_fuzz_text(rng, rng.randint(0, 3000)), citations=citations,
                                    alternatives=alternatives),
                             follow_up_of=rng.choice([None, _fuzz_text(rng, 200)]))
        limit = rng.choice([500, 1000, MESSAGE_LIMIT])
        parts = split_html(text, limit=limit)
        assert parts
        for part in parts:
            check_telegram_html(part, limit=limit)
            checked += 1
    assert checked > FUZZ_CASES  # the count of parts checked is printed in the report
    print(f"\nfuzzed answers: {FUZZ_CASES}, message parts checked: {checked}")


def test_fuzzed_markup_with_long_attributes_always_fits():
    rng = random.Random(4096)
    checked = 0
    for _ in range(FUZZ_CASES):
        pieces = []
        for _ in range(rng.randint(1, 40)):
            word = escape(_fuzz_text(rng, rng.randint(1, 120)))
            if rng.random() < 0.2:
                href = "https://example.com/" + "y" * rng.choice([5, 500, 3000, 4100, 8000])
                pieces.append(f'<a href="{href}">{word}</a>')
            else:
                wrap = rng.choice(["", "b", "i", "blockquote", "code"])
                pieces.append(f"<{wrap}>{word}</{wrap}>" if wrap else word)
        text = rng.choice([" ", "\n", "\n\n"]).join(pieces)
        if not visible_text(text).strip():
            continue
        limit = rng.choice([1000, MESSAGE_LIMIT])
        parts = split_html(text, limit=limit)
        for part in parts:
            check_telegram_html(part, limit=limit)
            checked += 1
        squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
        assert squash("".join(visible_text(p) for p in parts)) == squash(visible_text(text))
    print(f"\nfuzzed markup: {FUZZ_CASES} texts, message parts checked: {checked}")
