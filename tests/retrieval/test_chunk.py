import json

import pytest
from newsdesk.retrieval.index import chunk
from newsdesk.retrieval.index.chunk import (
    CHARS_PER_TOKEN_AT_MOST,
    MAX_SPLIT_CHARS,
    ChunkerSettings,
    bounded_pieces,
    chunk_text,
    sentence_around,
    split_sentences,
)
from newsdesk.retrieval.sources.clean import clean_text
from newsdesk.retrieval.sources.files import load_articles
from newsdesk.retrieval.sources.seeds import seed_paths

from newsdesk.types import Chunk
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


def test_the_rule_splitter_knows_abbreviations_quotes_and_footnotes():
    cases = {
        "Dr. Jones met J. R. Smith in the U.S. Army camp. He left.": ["Dr. Jones met J. R. Smith in the U.S. Army camp.", "He left."],
        '"Why?" he asked. "Because." She left.': ['"Why?" he asked.', '"Because."', "She left."],
        "See No. 5 and c. 1547 here. He said no. Then he went.": ["See No. 5 and c. 1547 here.", "He said no.", "Then he went."],
        "It was loved.[citation needed] Tesla was not. It ran at 5 p.m. The end": [
            "It was loved.[citation needed]", "Tesla was not.", "It ran at 5 p.m.", "The end"],
        "Wait... What? Éclairs are sold out. It grew 1.5 times in 2020. 2021 was flat.": [
            "Wait...", "What?", "Éclairs are sold out.", "It grew 1.5 times in 2020.", "2021 was flat."],
    }
    for text, expected in cases.items():
        assert [text[s:e] for s, e in split_sentences(text)] == expected


def test_pysbd_is_still_available_and_unknown_splitters_are_refused():
    text = "U.S. envoy Witkoff met Mr. Smith on Sunday. He left."
    assert [text[s:e] for s, e in split_sentences(text, "pysbd")] == ["U.S. envoy Witkoff met Mr. Smith on Sunday.", "He left."]
    with pytest.raises(ValueError, match="unknown sentence splitter"):
        split_sentences(text, "nltk")


@pytest.mark.parametrize("unit", ["The council met again on Monday. ", "word ", "x"])
def test_bounded_pieces_cover_the_range_exactly(unit):
    text = unit * (10_000 // len(unit))
    pieces = bounded_pieces(text, 0, len(text), limit=1000)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(e - s <= 1000 and e == next_s for (s, e), (next_s, _) in zip(pieces, pieces[1:]))
    if unit.endswith(". "):  # cut after a sentence, not inside one
        assert all(text[s:e].endswith(". ") for s, e in pieces[:-1])


def test_a_one_megabyte_paragraph_is_split_in_bounded_pieces_with_exact_offsets(tmp_path, monkeypatch):
    sentence = "Mr. Smith met the council in the U.S. on Monday and the bridge opened "  # no full stop: one endless sentence
    paragraph = (sentence * (2**20 // len(sentence) + 1))[: 2**20]
    (tmp_path / "huge.json").write_text(json.dumps([{"text": paragraph, "title": "A long record"}]))
    [article], rejected = load_articles([tmp_path / "huge.json"])
    assert rejected == [] and len(article.text) > 2**20 - 100

    seen = []
    real = chunk._SPLITTERS["rules"]

    def recording(text, start, end):
        seen.append(end - start)
        return real(text, start, end)

    monkeypatch.setitem(chunk._SPLITTERS, "rules", recording)
    spans = chunk_text(article.text, count)
    assert seen and max(seen) <= MAX_SPLIT_CHARS  # pysbd was quadratic in what it was given
    chunks = [Chunk(i, article.id, article.text[s:e], s, e) for i, (s, e) in enumerate(spans)]
    assert all(c.text == article.text[c.start:c.end] and c.text.strip() == c.text for c in chunks)
    assert all(n <= 200 for n in count([c.text for c in chunks]))
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    assert all(i in covered for i, ch in enumerate(article.text) if not ch.isspace())


def test_a_megabyte_without_spaces_still_gives_bounded_chunks():
    text = "x" * 2**20  # a tokenizer makes one [UNK] of it; it must not become one chunk
    spans = chunk_text(text, lambda texts: [1 for _ in texts])
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert max(e - s for s, e in spans) <= 200 * CHARS_PER_TOKEN_AT_MOST


def test_settings_name_the_splitter_and_an_old_manifest_means_pysbd():
    assert ChunkerSettings().as_dict() == {"max_tokens": 200, "overlap_sentences": 1, "splitter": "rules"}
    old = ChunkerSettings.from_dict({"max_tokens": 200, "overlap_sentences": 1})  # written before "splitter"
    assert old.splitter == "pysbd" and old != ChunkerSettings()  # so the index asks for `newsdesk rebuild`
    assert ChunkerSettings.from_dict(ChunkerSettings().as_dict()) == ChunkerSettings()


def test_the_sentence_before_begins_where_the_previous_sentence_does():
    from newsdesk.retrieval.index.chunk import sentence_before

    text = "Varsenia will resist.\nIts minister spoke. He left."
    minister, left = text.index("Its"), text.index("He")
    assert sentence_before(text, left) == minister
    assert sentence_before(text, minister) == 0  # across a line break
    assert sentence_before(text, 0) == 0  # nothing before the first
    paragraphs = "Varsenia will resist. It has the largest fleet.\n\nIts minister spoke."
    # across a paragraph break: the blank line between is no sentence
    assert sentence_before(paragraphs, paragraphs.index("Its")) == paragraphs.index("It has")
