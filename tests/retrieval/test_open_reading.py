"""Open reading with the shipped models: the top-ranked passage is a distractor, the answer is in the second.

A passage that retrieval ranks first but that does not answer must not win over the one that
does (issue 12): its spans read low, and the weight of retrieval rank leaves room for the second.
Each case checks its own premise first (the distractor is ranked first, the answer second), then
the answer and its citation. This is about which answer wins, so abstaining is switched off
(``min_score`` 0): whether to answer at all is the calibrated score's call, tested with the seed
questions and in test_calibration.py. As shipped (reader v10, threshold 0.35) the stadium answer
scores 0.43 and is given, and the harbour one 0.30 and is not: its sentence does not name the
harbour district.
"""

from __future__ import annotations

import pytest
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings
from newsdesk.retrieval.sources.article import article_id

from newsdesk.types import Article

FILLERS = [
    "Shares of Nordwind Energy fell 9 percent after the company cut its forecast for the year.",
    "Heavy snow closed the mountain pass on Tuesday night, the police said.",
    "The central bank left its key interest rate unchanged at 2.5 percent on Thursday.",
    "A new tram line will connect the airport with the old town from March, the city said.",
    "The football club sacked its coach after a fifth straight defeat on Saturday.",
]

# The distractor ranks first: it shares the question's words but does not say. The answer sits in
# the second passage, which repeats few of the question's words (but does say what it is about:
# a passage that shares none of them, "About 1,200 residents had to leave their homes", is not
# sure to be about the harbour district, and the calibrated answer score rightly abstains on it). (Distractors that hold a name
# or number of the asked-for kind, "President Volodymyr Zelenskyy" for "Which French president
# joined the talks?", still win: docs/benchmark-history.md, issue 12.)
CASES = [  # question, distractor, the passage that answers, the answer
    ("How much did the new stadium cost?",
     "The new stadium in Port Halden opened on Saturday with a concert attended by the mayor.",
     "Building it cost 240 million euros, twice the original budget.",
     "240 million euros"),
    ("How many people were evacuated from the harbour district?",
     "Officials in Port Halden said the harbour district will reopen on Friday after the floods.",
     "About 1,200 residents of the district had to leave their homes, the fire service said.",
     "1,200"),
]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    desk = Newsdesk(Settings(home=tmp_path_factory.mktemp("models")))
    desk.load_models()
    return desk.encoder, desk.reader


@pytest.mark.slow
@pytest.mark.parametrize("question,distractor,answering,expected", CASES, ids=[c[3] for c in CASES])
def test_the_answer_in_the_second_passage_beats_a_distractor_ranked_first(tmp_path, monkeypatch, models, question,
                                                                          distractor, answering, expected):
    encoder, reader = models
    desk = Newsdesk(Settings(home=tmp_path / "home"), encoder=encoder, reader=reader)
    desk.add_articles([Article(id=article_id(text), text=text) for text in [distractor, answering, *FILLERS]])
    hits = desk.retrieve(question)
    assert hits[0].chunk.article_id == article_id(distractor)
    assert hits[1].chunk.article_id == article_id(answering)

    shipped = desk.ask(question)  # as shipped it may abstain, but never answers from the distractor
    assert shipped.text is None or (expected in shipped.text and shipped.citations[0].article_id == article_id(answering))
    monkeypatch.setattr(reader, "min_score", 0.0)

    answer = desk.ask(question)
    assert answer.text is not None and expected in answer.text
    assert answer.citations[0].article_id == article_id(answering)
