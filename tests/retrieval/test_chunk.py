import pytest

from newsdesk.retrieval.chunk import ChunkerSettings, chunk_text, sentence_around, split_sentences
from newsdesk.retrieval.clean import clean_text
from newsdesk.retrieval.service import seed_paths
from tests.conftest import FakeEncoder

count = FakeEncoder().count_tokens


def test_sentences_have_exact_offsets():
    text = "U.S. envoy Witkoff met Mr. Smith on Sunday. He left.\n\n“I do not,” he said."
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["U.S. envoy Witkoff met Mr. Smith on Sunday.", "He left.", "“I do not,” he said."]


@pytest.mark.parametrize("max_tokens", [20, 60, 200])
def test_chunks_rebuild_the_text_and_fit_the_window(max_tokens):
    settings = ChunkerSettings(max_tokens=max_tokens, overlap_sentences=1)
    for path in seed_paths():
        text = clean_text(path.read_text()).text
        chunks = chunk_text(text, count, settings)
        assert all(n <= max_tokens for n in count([text[s:e] for s, e in chunks]))
        # Offsets are exact, chunks are in order, and together they cover every word.
        covered = set()
        for (s, e), (next_s, _) in zip(chunks, chunks[1:] + [(len(text), 0)]):
            assert s < e <= len(text) and s < next_s
            covered.update(range(s, e))
        assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_overlap_repeats_the_last_sentence():
    text = " ".join(f"Sentence number {i} is here." for i in range(12))
    chunks = chunk_text(text, count, ChunkerSettings(max_tokens=20, overlap_sentences=1))
    assert len(chunks) > 2
    for (_, e1), (s2, _) in zip(chunks, chunks[1:]):
        assert s2 < e1  # the next chunk starts inside the previous one


def test_a_sentence_longer_than_the_window_is_split_not_truncated():
    text = "word " * 500 + "end."
    chunks = chunk_text(text, count, ChunkerSettings(max_tokens=50))
    assert len(chunks) > 5
    assert all(n <= 50 for n in count([text[s:e] for s, e in chunks]))
    assert text[chunks[-1][0]:chunks[-1][1]].endswith("end.")


def test_sentence_around_finds_the_quote():
    text = "First one here. The host was Friedrich Merz in Berlin. Last."
    start = text.index("Friedrich")
    s, e = sentence_around(text, start, start + len("Friedrich Merz"))
    assert text[s:e] == "The host was Friedrich Merz in Berlin."


def test_empty_text_has_no_chunks():
    assert chunk_text("", count) == []
