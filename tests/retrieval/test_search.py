from newsdesk.retrieval.search import Filters, reciprocal_rank_fusion
from newsdesk.types import Article


def test_rank_fusion_rewards_agreement():
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1, 4]])
    assert [i for i, _ in fused][:2] == [1, 3]
    assert {i for i, _ in fused} == {1, 2, 3, 4}


def test_filters_by_outlet_and_date():
    dated = Article("a", "t", outlet="Outlook", date="2025-12-14")
    undated = Article("b", "t", path="/x/004.txt")
    assert Filters(outlet="outlook").allows(dated) and not Filters(outlet="outlook").allows(undated)
    assert Filters(outlet="004.txt").allows(undated)
    assert Filters(since="2025-12-01").allows(dated) and not Filters(since="2025-12-15").allows(dated)
    assert not Filters(until="2025-12-13").allows(dated) and not Filters(since="2000-01-01").allows(undated)


def test_hybrid_retrieval_honours_filters(seed_desk):
    hits = seed_desk.retrieve("Who hosted the Berlin talks?", k=5, filters=Filters(outlet="Outlook"))
    assert hits and all(seed_desk.index.articles[h.chunk.article_id].outlet == "Outlook" for h in hits)
    assert seed_desk.retrieve("Who hosted the Berlin talks?", k=5, filters=Filters(outlet="Nobody")) == []


def test_each_mode_ranks_the_relevant_chunk_first(seed_desk):
    for mode in ("bm25", "dense", "hybrid"):
        hits = seed_desk.retrieve("Erdogan grain and oil exports Black Sea", k=3, mode=mode)
        assert "Erdogan" in hits[0].chunk.text, mode
