"""The whole pipeline on the seed questions (needs ../shared/data and the real model)."""

import pytest
from newsdesk.retrieval.answering.readers.baseline import BaselineReader
from newsdesk.retrieval.evaluation.evaluate import evaluate_seed_questions
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings

from tests.conftest import SHARED_DATA, needs_shared

pytestmark = [pytest.mark.slow, needs_shared]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    home = tmp_path_factory.mktemp("seeds")
    trained = Newsdesk(Settings(home=home))
    trained.ensure_index()
    baseline = Newsdesk(Settings(home=home), encoder=trained.encoder, reader=BaselineReader())
    return {name: evaluate_seed_questions(desk, SHARED_DATA / "seed_questions.jsonl") for name, desk in
            (("trained", trained), ("baseline", baseline))}


def test_unanswerable_questions_abstain_and_retrieval_finds_the_sources(results):
    for summary, _ in results.values():
        assert summary["correctly_abstained"] == summary["unanswerable"] == 2
        assert summary["recall"]["@5"] >= 90


def _wrong_answers(rows) -> int:
    """Answerable questions answered with something that does not contain an accepted answer."""
    return sum(1 for r in rows if r["answerable"] and r["predicted"] and not r["contained"])


def _utility(rows) -> float:
    """+1 per answerable question answered with an accepted answer, -0.5 per wrong answer."""
    right = sum(1 for r in rows if r["answerable"] and r["predicted"] and r["contained"])
    return right - 0.5 * _wrong_answers(rows)


def test_the_trained_reader_beats_the_baseline_on_every_count(results):
    trained, rows = results["trained"]
    baseline, baseline_rows = results["baseline"]
    assert trained["exact_match"] > baseline["exact_match"]
    assert trained["gold_contained"] > baseline["gold_contained"], [(r["question"], r["predicted"]) for r in rows if not r["contained"]]
    # No more wrong answers, and a better trade of answers for abstentions by the rule the
    # threshold is chosen with (+1 a right answer, -0.5 a wrong one): a calibrated score abstains
    # where a confident reader answered wrongly ("Berlin" for where Zelenskyy spoke to reporters).
    assert _wrong_answers(rows) <= _wrong_answers(baseline_rows)
    assert _utility(rows) > _utility(baseline_rows)
    # 60.0 as shipped (docs/benchmark-history.md, "The seed questions"); a floor well above the baseline's 40.
    assert trained["gold_contained"] >= 50


def test_fixed_seed_answers(results):
    _, rows = results["trained"]
    by_question = {r["question"]: r for r in rows}
    assert "Merz" in by_question["Who hosted the intensive negotiations?"]["predicted"]
    assert by_question["Who is the Russian president?"]["predicted"] == "Vladimir Putin"
    assert "grain and oil" in by_question["What exports did Erdogan say were at risk?"]["predicted"]
    assert set(by_question["Who is the German Chancellor hosting the meetings?"]["outlets"]) >= {"NewsNeck"}
