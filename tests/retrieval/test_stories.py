from newsdesk.retrieval.answering.answer import answer_evidence
from newsdesk.retrieval.answering.ranking import rank_answers
from newsdesk.retrieval.answering.calibration import AnswerCalibration
from newsdesk.retrieval.answering.stories import same_story, story_names
from newsdesk.types import Chunk, Hit, Span

OSTERHOLM_1 = ("Appliance maker Osterholm said on Tuesday that 450 jobs will go at its Norvale plant. "
               "Norvale mayor Conrad Weil asked for a meeting. Union convenor Rosa Tindall said staff were shocked.")
OSTERHOLM_2 = ("Osterholm will cut 600 jobs in Norvale, not the 450 first announced. "
               "Rosa Tindall of the union said the figure had grown. Conrad Weil called it a blow for the town.")
TAVRIN = ("Tavrin Microdevices will cut 420 jobs at its Velsk plant. Chief executive Anton Pell blamed "
          "weak orders from carmakers. The Federation of Electronics Workers called a ballot on Monday.")


def test_the_names_of_an_article_are_its_capitalised_words_inside_sentences():
    names = story_names(OSTERHOLM_1)
    assert {"osterholm", "norvale", "weil", "tindall"} <= names
    assert "appliance" not in names and "tuesday" not in names  # a sentence's first word; a weekday


def test_reports_of_one_story_share_their_names_and_other_stories_do_not():
    assert same_story(OSTERHOLM_1, OSTERHOLM_2)
    assert not same_story(OSTERHOLM_1, TAVRIN)
    assert same_story(OSTERHOLM_1, "no names at all here.")  # no evidence of another story


def _evidence(texts_and_scores):
    chunks = [Chunk(i, f"a{i}", text, 0, len(text)) for i, (text, _, _) in enumerate(texts_and_scores)]
    spans = [Span(answer, f"a{i}", i, text.index(answer), text.index(answer) + len(answer), score)
             for i, (text, answer, score) in enumerate(texts_and_scores)]
    hits = [Hit(chunk, 1.0) for chunk in chunks]
    ranked = rank_answers(spans)
    confidence = {key: score for key, score, _ in ranked}
    return answer_evidence("how many jobs will be cut", ranked, confidence, hits)


def test_a_rival_answer_counts_against_the_lead_as_another_story_only_when_it_is_one():
    # the same two figures, the rival once from a later report of the story, once from another story
    same = _evidence([(OSTERHOLM_1, "450", 0.6), (OSTERHOLM_2, "600", 0.5)])["450"]
    other = _evidence([(OSTERHOLM_1, "450", 0.6), (TAVRIN, "420", 0.5)])["450"]
    assert same.runner_up == other.runner_up == 0.5
    assert same.other_story == 0.0 and other.other_story == 0.5
    # a calibration that weighs the margin over another story's answer trusts the first more
    weights = (0.0,) * 7 + (0.5,)
    calibration = AnswerCalibration(weights, 0.0)
    assert calibration.probability(same) > calibration.probability(other)
