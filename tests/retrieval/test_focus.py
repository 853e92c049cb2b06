"""Which passage is about the question: candidates weighed by the question's words around them."""

import math

from newsdesk.retrieval.answering.answer import assemble_answer
from newsdesk.retrieval.answering.ranking import FOCUS_STRENGTH, context_overlap, rank_answers, weigh_by_focus
from newsdesk.retrieval.answering.text import content_terms
from newsdesk.types import Chunk, Hit, Span

ROOF = ("The sports hall in Brenna reopened on Monday. Inspectors said the roof came down because snow "
        "had piled up on it for a week. Nobody was hurt.")
VALVE = ("The Kestrel-2 launch failed in May. The valve in the second stage came down to a crack in its seal, "
         "engineers said.")


def _chunk(chunk_id, text):
    return Chunk(chunk_id, f"article-{chunk_id}", text, 0, len(text))


def _span_of(chunk, text, score):
    start = chunk.text.index(text)
    return Span(text, chunk.article_id, chunk.id, start, start + len(text), score)


def test_the_overlap_counts_the_question_words_in_the_answers_sentence_and_the_one_before():
    chunk = _chunk(1, ROOF)
    asked = content_terms("why did the roof in the brenna sports hall come down")
    # "roof", "come" (came: another stem), "down" in its sentence; "brenna", "sports", "hall" the sentence before
    reason = _span_of(chunk, "because snow had piled up on it for a week", 0.5)
    assert context_overlap(asked, reason, chunk) == len(asked & content_terms(ROOF[:ROOF.index(" Nobody")])) / len(asked)
    assert context_overlap(asked, _span_of(chunk, "Nobody was hurt", 0.5), chunk) < context_overlap(asked, reason, chunk)
    assert context_overlap(set(), reason, chunk) == 1.0  # a question of no content words weighs nothing


def test_a_reading_in_the_passage_about_the_question_outranks_an_equally_sure_one_elsewhere():
    roof, valve = _chunk(1, ROOF), _chunk(2, VALVE)
    question = "why did the roof come down"
    spans = [_span_of(valve, "a crack in its seal", 0.6), _span_of(roof, "because snow had piled up on it for a week", 0.5)]
    hits = [Hit(valve, 1.0), Hit(roof, 1.0)]
    assert rank_answers(spans)[0].key == "crack in its seal"  # the reader alone prefers the other story
    ranked = rank_answers(spans, reweigh=lambda merged: weigh_by_focus(merged, question, hits))
    assert ranked[0].key == "because snow had piled up on it for week"
    # every question word around the span: the reader's score as it is; none: exp(-strength) of it
    weighed = weigh_by_focus([_span_of(roof, "Nobody was hurt", 0.5)], "who was hurt", [Hit(roof, 1.0)])
    assert math.isclose(weighed[0].score, 0.5)
    weighed = weigh_by_focus([_span_of(roof, "Nobody was hurt", 0.5)], "what did engineers find", [Hit(roof, 1.0)])
    assert math.isclose(weighed[0].score, 0.5 * math.exp(-FOCUS_STRENGTH))


FIRE = ("Fire chief Ruggero Menzel said the fire had gone up the main stairwell like a chimney. It spread so quickly "
        "because fire doors on the stairwell had been wedged open, he said. \"A fire door that is propped open is not a "
        "fire door. It is a hole in the wall,\" he said.")


def test_what_a_speaker_said_about_something_is_weighed_by_the_something_not_by_the_speakers_name():
    chunk = _chunk(1, FIRE)
    chimney = _span_of(chunk, "Fire chief Ruggero Menzel said the fire had gone up the main stairwell like a chimney.", 0.5)
    doors = _span_of(chunk, "\"A fire door that is propped open is not a fire door.", 0.5)
    hits = [Hit(chunk, 1.0)]
    # "menzel" stands only in the first quote's sentence; the second is his too ("he said")
    chimney_weighed, doors_weighed = weigh_by_focus([chimney, doors], "what did menzel say about the fire doors", hits)
    assert doors_weighed.score > chimney_weighed.score
    assert math.isclose(doors_weighed.score, 0.5)  # "fire" and "door" both around it
    # a question that is not about a speaker's words weighs every word it has
    both = weigh_by_focus([chimney, doors], "why did the fire spread through the doors of menzel's hotel", hits)
    assert both[0].score < 0.5 and both[1].score < 0.5


def test_reweighing_keeps_the_boundaries_the_reader_chose():
    chunk = _chunk(1, ROOF)
    # one answer read with two boundaries: the reader's scores choose which is shown, not the reweighing
    spans = [_span_of(chunk, "snow", 0.6), _span_of(chunk, "because snow had piled up on it for a week", 0.5)]

    def against_short(merged):
        return [Span(s.text, s.article_id, s.chunk_id, s.start, s.end, s.score * (0.1 if len(s.text) < 5 else 1)) for s in merged]

    assert [r.key for r in rank_answers(against_short(spans))] == ["because snow had piled up on it for week"]
    assert [r.key for r in rank_answers(spans, reweigh=against_short)] == [r.key for r in rank_answers(spans)] == ["snow"]


def test_the_answer_comes_from_the_story_the_question_is_about(tmp_path, fake_encoder):
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.settings import Settings
    from newsdesk.retrieval.sources.article import make_article

    desk = Newsdesk(Settings(home=tmp_path, reader="baseline"), encoder=fake_encoder)
    desk.add_articles([make_article(ROOF, title="Hall roof", outlet="Brenna Post", date="2026-02-01"),
                       make_article(VALVE, title="Launch failure", outlet="Orbit Desk", date="2026-02-02")])

    def reading(outlet, text, score):
        article = next(a for a in desk.index.articles.values() if a.outlet == outlet)
        chunk = next(c for c in desk.index.chunks if c.article_id == article.id)
        start = article.text.index(text)
        return Span(text, article.id, chunk.id, start, start + len(text), score)

    spans = [reading("Orbit Desk", "a crack in its seal", 0.7), reading("Brenna Post", "snow had piled up on it for a week", 0.6)]
    hits = [Hit(desk.index.chunk(s.chunk_id), 1.0) for s in spans]
    answer = assemble_answer("why did the hall roof come down", spans, desk.index, hits, min_score=0.1)
    assert answer.citations[0].outlet == "Brenna Post" and "snow had piled up" in answer.text
