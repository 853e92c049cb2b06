from newsdesk.retrieval.answering.search import Filters, convex_fusion

from newsdesk.types import Article


def test_fusion_rewards_agreement_and_keeps_every_candidate():
    dense = [(1, 0.9), (2, 0.8), (3, 0.1)]
    sparse = [(3, 12.0), (1, 11.0), (4, 2.0)]
    fused = dict(convex_fusion(dense, sparse, dense_weight=0.4))
    assert set(fused) == {1, 2, 3, 4}
    assert max(fused, key=fused.get) == 1  # near the top of both lists
    assert abs(fused[1] - (0.4 * 1.0 + 0.6 * 0.9)) < 1e-9
    assert fused[4] == 0.0 and convex_fusion([], []) == []


def test_filters_by_outlet_and_date():
    dated = Article("a", "t", outlet="Outlook", date="2025-12-14")
    undated = Article("b", "t", path="/x/004.txt")
    assert Filters(outlet="outlook").allows(dated) and not Filters(outlet="outlook").allows(undated)
    assert not Filters(outlet="004.txt").allows(undated)  # a file name is no outlet
    assert not Filters(outlet="x").allows(undated)  # nor any part of the path
    assert Filters(outlet="OOK").allows(dated)  # any part of the name, any case
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


def test_filtered_chunk_ids_are_exact_and_remembered_per_version(seed_desk):
    index = seed_desk.index
    outlook = Filters(outlet="Outlook")
    expected = sorted(c.id for c in index.chunks if index.articles[c.article_id].outlet == "Outlook")
    first = index.chunk_ids_where(outlook)
    assert first.tolist() == expected and expected
    assert index.chunk_ids_where(Filters(outlet="Outlook")) is first  # equal filters share the work
    assert index.chunk_ids_where(Filters(outlet="Nobody")).tolist() == []
