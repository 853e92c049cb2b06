"""Topic alerts' pure parts: terms, whole-word matching, which chat is told of what, snippets."""

from __future__ import annotations

import pytest
from newsdesk.bot.telegram.topics import Alert, due_alerts, find_term, parse_term, same_term, show_term, snippet

from newsdesk.types import Article


@pytest.mark.parametrize("text, parts", [
    ("flood", (("flood",),)),
    ('  "River  Park"  flood, ', (("River", "Park"), ("flood",))),
    ("“river park”", (("river", "park"),)),  # a phone's curly quotes
    ('"river park', (("river", "park"),)),  # an unclosed quote runs to the end
    ("U.S. tariffs", (("U", "S"), ("tariffs",))),
])
def test_terms_are_words_and_quoted_phrases(text, parts):
    assert parse_term(text) == parts


@pytest.mark.parametrize("text", ["", '""', "!!!", "x" * 101])
def test_a_term_without_words_or_too_long_is_refused(text):
    with pytest.raises(ValueError):
        parse_term(text)


def test_shown_terms_compare_without_case():
    assert show_term(parse_term('flood “River Park”')) == 'flood "River Park"'
    assert same_term('flood "River Park"', 'FLOOD "river park"') and not same_term("flood", "floods")


@pytest.mark.parametrize("term, text, found", [
    ("flood", "The Flood came at night.", "Flood"),
    ("flood", "Flooding closed the road; floods are feared.", None),  # whole words only
    ("flood", "A flash-flood warning.", "flood"),
    ('"river park"', "They met in the River\nPark on Sunday.", "River\nPark"),
    ('"river park"', "The park by the river.", None),
    ('flood "river park"', "The river park was under water.", None),  # every part must appear
    ('flood "river park"', "A flood reached the river park.", "flood"),
])
def test_terms_match_whole_words_any_case_and_phrases_together(term, text, found):
    match = find_term(term, text)
    assert (match.group(0) if match else None) == found


def test_each_chat_is_told_of_each_matching_article_once_with_every_term_it_matched():
    flood = Article("a1", "Flood waters reached the river park.", title="Storm night")
    jazz = Article("a2", "The jazz week opened.", title="Jazz")
    alerts = {1: (Alert("flood", 7), Alert('"river park"', 7)), 2: (Alert("jazz", 8),), 3: (Alert("flood", 9),)}
    due = due_alerts(alerts, {3: ["a1"]}, [flood, jazz])
    assert due == {1: [(flood, ["flood", '"river park"'])], 2: [(jazz, ["jazz"])]}
    assert due_alerts(alerts, {}, [Article("a3", "Nothing here.", title="Flood relief")])[1][0][1] == ["flood"]  # the title


def test_snippets_surround_the_match_and_say_what_was_left_out():
    text = " ".join(f"word{n}" for n in range(200)) + " the flood came " + " ".join(f"tail{n}" for n in range(200))
    shown, before, after = snippet(text, find_term("flood", text), chars=120)
    assert "the flood came" in shown and before and after and len(shown) <= 120
    assert snippet("Short text.", None) == ("Short text.", False, False)
