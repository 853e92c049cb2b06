"""The whole pipeline on the seed questions (needs ../shared/data and the real model)."""

import pytest

from newsdesk.retrieval.evaluate import evaluate_seed_questions
from newsdesk.retrieval.service import Newsdesk, Settings
from tests.conftest import SHARED_DATA, needs_shared

pytestmark = [pytest.mark.slow, needs_shared]


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    desk = Newsdesk(Settings(home=tmp_path_factory.mktemp("seeds")))
    desk.ensure_index()
    return desk


def test_seed_questions_are_answered_or_abstained(desk):
    summary, rows = evaluate_seed_questions(desk, SHARED_DATA / "seed_questions.jsonl")
    assert summary["correctly_abstained"] == summary["unanswerable"] == 2
    assert summary["recall"]["@5"] >= 90
    # The floor of the baseline reader; the trained reader must stay above it.
    assert summary["gold_contained"] >= 40, [(r["question"], r["predicted"]) for r in rows if not r["contained"]]
    hosted = next(r for r in rows if r["question"] == "Who hosted the intensive negotiations?")
    assert "Merz" in (hosted["predicted"] or "")
