from newsdesk.retrieval.answering.answer import assemble_answer, missing_names
from newsdesk.retrieval.answering.ranking import merge_overlapping, rank_answers
from newsdesk.retrieval.answering.text import normalize_answer
from newsdesk.retrieval.evaluation.squad import exact_match, f1_score

from newsdesk.types import Hit, Span


def _span(desk, text, outlet, score):
    article = next(a for a in desk.index.articles.values() if a.outlet == outlet)
    start = article.text.index(text)
    chunk = next(c for c in desk.index.chunks if c.article_id == article.id and c.start <= start < c.end)
    return Span(text, article.id, chunk.id, start, start + len(text), score)


def test_same_answer_from_several_outlets_adds_up(seed_desk):
    spans = [_span(seed_desk, "Friedrich Merz", "NewsNeck", 0.5), _span(seed_desk, "Putin", "Outlook", 0.55)]
    ranked = rank_answers(spans + [_span(seed_desk, "Witkoff", "cgtn.com", 0.5), _span(seed_desk, "Witkoff", "NewsNeck", 0.5)])
    assert ranked[0][0] == "witkoff" and abs(ranked[0][1] - 0.75) < 1e-9


def test_another_outlets_answer_with_an_aside_supports_the_plain_one():
    def span(text, article, score):
        return Span(text, article, {"a": 0, "b": 1}[article], 0, len(text), score)

    plain, aside = span("Steve Witkoff and Jared Kushner", "a", 0.3), span("Steve Witkoff and son-in-law Jared Kushner", "b", 0.25)
    ranked = rank_answers([plain, aside])
    assert ranked[0].key == "steve witkoff and jared kushner" and abs(ranked[0].score - (1 - 0.7 * 0.75)) < 1e-9
    assert ranked[1].score == 0.25  # the fuller reading gains nothing from the plain one
    # Words added at an end change the answer: one more company, or "an inherited" disease.
    listed = rank_answers([span("Marlow Freight and Tessaly Lines", "a", 0.3),
                           span("Kestrel Cranes, Marlow Freight and Tessaly Lines", "b", 0.25)])
    assert [round(r.score, 6) for r in listed] == [0.3, 0.25]
    # Within one article its own readings decide.
    alone = rank_answers([plain, Span(aside.text, "a", 2, 100, 100 + len(aside.text), 0.25)])
    assert [round(r.score, 6) for r in alone] == [0.3, 0.25]


def test_a_list_question_counts_each_item_read_alone_for_the_list():
    item = Span("Arvana Rail", "a", 0, 0, 11, 0.7)
    listed = Span("Arvana Rail, Strahl Mobility and Nordia Transit", "b", 1, 0, 47, 0.1)
    assert rank_answers([item, listed])[0].key == "arvana rail"
    ranked = rank_answers([item, listed], lists=True)
    assert ranked[0].key == "arvana rail strahl mobility and nordia transit" and abs(ranked[0].score - (1 - 0.3 * 0.9)) < 1e-9
    # an answer that is no part of the list lends it nothing
    other = rank_answers([Span("Kelby Trams", "a", 0, 0, 11, 0.7), listed], lists=True)
    assert [r.key for r in other] == ["kelby trams", "arvana rail strahl mobility and nordia transit"]


def test_overlapping_spans_merge_and_give_the_shorter_boundaries_when_close():
    text = "U.S. envoy Steve Witkoff met Zelenskyy in Berlin."

    def span(answer, score, chunk=0):
        start = text.index(answer)
        return Span(answer, "a", chunk, start, start + len(answer), score)

    merged = merge_overlapping([span("U.S. envoy Steve Witkoff", 0.40), span("Steve Witkoff", 0.36), span("Berlin", 0.1)])
    assert sorted((s.text, round(s.score, 6)) for s in merged) == [("Berlin", 0.1), ("Steve Witkoff", 0.76)]
    # Two words more cost a factor exp(-0.2) = 0.82: a span much better than that keeps its boundaries.
    clear = merge_overlapping([span("U.S. envoy Steve Witkoff", 0.50), span("Steve Witkoff", 0.36)])
    assert [(s.text, round(s.score, 6)) for s in clear] == [("U.S. envoy Steve Witkoff", 0.86)]
    assert [s.text for s in merge_overlapping([span("U.S. envoy Steve Witkoff", 0.4), span("Steve Witkoff", 0.36)], 0.0)] == [
        "U.S. envoy Steve Witkoff"]
    apart = merge_overlapping([span("Steve Witkoff", 0.4, chunk=0), span("Steve Witkoff", 0.3, chunk=1)])
    assert len(apart) == 2  # the same words in two chunks are two reports, not two boundaries


def _span_in(desk, text, path_end, score):
    """A reading of ``text`` in the article read from a file whose name ends with ``path_end``."""
    article = next(a for a in desk.index.articles.values() if a.path.endswith(path_end))
    start = article.text.index(text)
    chunk = next(c for c in desk.index.chunks if c.article_id == article.id and c.start <= start < c.end)
    return Span(text, article.id, chunk.id, start, start + len(text), score)


def test_answer_cites_every_outlet_whose_own_answer_it_is(seed_desk):
    question = "Who hosted the Berlin talks?"
    spans = [_span(seed_desk, "Friedrich Merz", "NewsNeck", 0.9), _span_in(seed_desk, "Friedrich Merz", "002_53818c7f6e52f222.txt", 0.7)]
    hits = [Hit(seed_desk.index.chunk(s.chunk_id), 1.0) for s in spans]
    answer = assemble_answer(question, spans, seed_desk.index, hits)
    assert answer.text == "Friedrich Merz" and answer.kind == "span"
    assert "Friedrich Merz hosting the Berlin meetings" in answer.quote
    sources = {c.path.rsplit("/", 1)[1] for c in answer.citations}
    assert sources == {"004_b1ad7f7395a966d4.txt", "002_53818c7f6e52f222.txt"}  # both articles that say so
    for citation in answer.citations:
        article = seed_desk.index.articles[citation.article_id]
        assert article.text[citation.start:citation.end] == citation.quote
        assert article.text[citation.answer_start:citation.answer_end].lower() == "friedrich merz"


def test_low_confidence_and_unknown_names_abstain(seed_desk):
    question = "Who hosted the Berlin talks?"
    hits = seed_desk.retrieve(question, k=5)
    weak = assemble_answer(question, [_span(seed_desk, "Friedrich Merz", "NewsNeck", 0.2)], seed_desk.index, hits)
    assert weak.abstained and weak.citations == ()
    pope = "What did the Pope say about the ceasefire?"
    assert missing_names(pope, seed_desk.retrieve(pope, k=5)) == ["pope"]


def test_disagreeing_sources_are_reported(seed_desk):
    question = "How old is the war?"
    spans = [_span(seed_desk, "nearly four", "NewsNeck", 0.6), _span(seed_desk, "nearly four", "Outlook", 0.3)]
    article = next(a for a in seed_desk.index.articles.values() if "nearly three-year" in a.text)
    start = article.text.index("nearly three")
    chunk = next(c for c in seed_desk.index.chunks if c.article_id == article.id and c.start <= start < c.end)
    spans.append(Span("nearly three", article.id, chunk.id, start, start + 12, 0.6))
    hits = [Hit(seed_desk.index.chunk(s.chunk_id), 1.0) for s in spans]  # equally relevant passages
    answer = assemble_answer(question, spans, seed_desk.index, hits)
    assert answer.text == "nearly four"
    assert [a.text for a in answer.alternatives] == ["nearly three"]


def test_official_squad_normalisation():
    assert normalize_answer("The  Black Sea!") == "black sea"
    assert exact_match("the Black Sea", "Black Sea") == 1.0
    assert round(f1_score("grain and oil exports", "grain and oil"), 3) == 0.857
    assert f1_score("", "x") == 0.0


def test_retrieval_rank_chooses_between_equally_sure_readings(seed_desk):
    question = "Who hosted the Berlin talks?"
    merz, putin = _span(seed_desk, "Friedrich Merz", "NewsNeck", 0.5), _span(seed_desk, "Vladimir Putin", "Outlook", 0.55)
    hits = [Hit(seed_desk.index.chunk(merz.chunk_id), 0.9), Hit(seed_desk.index.chunk(putin.chunk_id), 0.3)]
    answer = assemble_answer(question, [merz, putin], seed_desk.index, hits)
    assert answer.text == "Friedrich Merz" and answer.score == 0.5  # the score is the reader's own confidence
    assert assemble_answer(question, [putin], seed_desk.index, hits[:1]).abstained  # its passage was not retrieved


def _hit(chunk_id, score):
    from newsdesk.types import Chunk

    return Hit(Chunk(chunk_id, f"article-{chunk_id}", "text", 0, 4), score)


def _spans_on(hit, text, score):
    return Span(text, hit.chunk.article_id, hit.chunk.id, 0, len(text), score)


def test_unread_chunks_are_skipped_only_when_they_cannot_change_the_answer():
    from newsdesk.retrieval.answering.answer import rest_cannot_matter

    first, second = _hit(1, 1.0), _hit(2, 0.9)
    confident = [_spans_on(first, "Merz", 0.9), _spans_on(second, "Scholz", 0.2)]
    far_behind = [_hit(3, 0.35), _hit(4, 0.3), _hit(5, 0.25)]  # weights 0.12, 0.09, 0.06
    assert rest_cannot_matter("Who?", confident, [first, second], far_behind, min_score=0.3)
    # passages about as relevant as the read ones (five outlets, one story) could hold a rival
    close = [_hit(3, 0.95), _hit(4, 0.9), _hit(5, 0.9)]
    assert not rest_cannot_matter("Who?", confident, [first, second], close, min_score=0.3)
    # a runner-up near the rival threshold could get there with the unread evidence
    contested = [_spans_on(first, "Merz", 0.9), _spans_on(second, "Scholz", 0.8)]  # 0.65 of 0.72 needed
    assert not rest_cannot_matter("Who?", contested, [first, second], far_behind, min_score=0.3)
    # not yet confident enough to answer: the rest might add the missing evidence
    assert not rest_cannot_matter("Who?", [_spans_on(first, "Merz", 0.25)], [first, second], far_behind, min_score=0.3)
    assert not rest_cannot_matter("Who?", [], [first, second], far_behind, min_score=0.3)
    assert rest_cannot_matter("Who?", confident, [first, second], [], min_score=0.3)


def _recording_reader(read_chunks: list):
    """The baseline reader, appending every chunk it is given to ``read_chunks``."""
    from newsdesk.retrieval.answering.readers.baseline import BaselineReader

    class RecordingReader(BaselineReader):
        def read(self, question, chunks):
            read_chunks.extend(chunks)
            return super().read(question, chunks)

    return RecordingReader()


def test_a_syndicated_copy_is_read_once_and_still_cited(tmp_path, fake_encoder):
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.settings import Settings

    from newsdesk.types import Article

    body = ("Mayor Elena Novak opened the Riverside Harvest Festival on Saturday morning.\n"
            "Organisers counted a record crowd of 40,000 visitors.")
    wire = [Article(id=f"wire-{outlet}", text=body, outlet=outlet) for outlet in ("Gazette", "Times", "Courier")]
    other = Article(id="other", text="The Lakeside Jazz Week was opened by conductor Maria Santos.", outlet="Herald")
    read_chunks = []

    desk = Newsdesk(Settings(home=tmp_path / "home"), encoder=fake_encoder, reader=_recording_reader(read_chunks))
    desk.add_articles(wire + [other])
    answer = desk.ask("Who opened the Riverside Harvest Festival?")
    assert answer.text and "Novak" in answer.text
    # three identical wire chunks, one read; all three outlets stand behind the answer
    assert sum(c.text == body for c in read_chunks) == 1
    assert {c.outlet for c in answer.citations} == {"Gazette", "Times", "Courier"}
    for citation in answer.citations:
        article = desk.index.articles[citation.article_id]
        assert "Novak" in article.text[citation.answer_start:citation.answer_end]


def _scripted_desk(tmp_path, fake_encoder, texts, found, read_ids):
    """A desk over one article per text whose reader gives the ``found`` spans (by chunk) and
    notes which chunks it read."""
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.settings import Settings
    from newsdesk.retrieval.sources.article import make_article

    class ScriptedReader:
        min_score = 0.3

        def read(self, question, chunks):
            read_ids.extend(c.id for c in chunks)
            return [Span(text, c.article_id, c.id, c.start + c.text.index(text), c.start + c.text.index(text) + len(text),
                         score) for c in chunks for text, score in found.get(c.id, [])]

    desk = Newsdesk(Settings(home=tmp_path / "home"), encoder=fake_encoder, reader=ScriptedReader())
    desk.add_articles([make_article(text, title=f"Report {n}") for n, text in enumerate(texts)])
    return desk


def test_chunks_are_read_one_at_a_time_until_the_rest_cannot_matter(tmp_path, fake_encoder):
    texts = [f"Chancellor Merz hosted talks with Scholz, report number {i}." for i in range(1, 6)]
    found, read_ids = {}, []
    desk = _scripted_desk(tmp_path, fake_encoder, texts, found, read_ids)
    chunks = sorted(desk.index.chunks, key=lambda c: desk.index.articles[c.article_id].text)
    hits = [Hit(chunk, score) for chunk, score in zip(chunks, [1.0, 0.9, 0.9, 0.35, 0.3])]
    found.update({hits[0].chunk.id: [("Merz", 0.9)], hits[1].chunk.id: [("Scholz", 0.2)]})
    ids = [h.chunk.id for h in hits]
    spans = desk.read("Who hosted the talks?", hits)
    # the second and third passages are about as relevant as the first and could hold a rival:
    # read; after them the last two (weights 0.12 and 0.09) cannot change the answer: not read
    assert read_ids == ids[:3]
    assert [s.text for s in spans] == ["Merz", "Scholz"]
    found[ids[2]] = [("Scholz", 0.9)]  # a close rival on the third: read everything
    read_ids.clear()
    desk.read("Who hosted the talks?", hits)
    assert read_ids == ids
    read_ids.clear()  # a confident first passage far ahead of the rest: nothing else is read
    far_ahead = [hits[0]] + [Hit(h.chunk, 0.3) for h in hits[1:]]
    assert [s.text for s in desk.read("Who hosted the talks?", far_ahead)] == ["Merz"]
    assert read_ids == ids[:1]


def test_a_span_the_question_rules_out_does_not_stop_the_reading(tmp_path, fake_encoder):
    texts = ["Before meeting U.S. envoys in Berlin, President Volodymyr Zelenskyy spoke.",
             "The envoy Steve Witkoff flew to Berlin on Sunday."]
    found, read_ids = {}, []
    desk = _scripted_desk(tmp_path, fake_encoder, texts, found, read_ids)
    first, second = sorted(desk.index.chunks, key=lambda c: desk.index.articles[c.article_id].text)
    found.update({first.id: [("Volodymyr Zelenskyy", 0.9)], second.id: [("Steve Witkoff", 0.6)]})
    hits = [Hit(first, 1.0), Hit(second, 0.3)]
    # a president is no envoy: far ahead as Zelenskyy is, the second passage must be read
    assert [s.text for s in desk.read("Which US envoys were in Berlin?", hits)] == ["Volodymyr Zelenskyy", "Steve Witkoff"]
    read_ids.clear()
    assert [s.text for s in desk.read("Who spoke before the talks?", hits)] == ["Volodymyr Zelenskyy"]


def test_a_question_naming_what_no_passage_mentions_is_not_read(tmp_path, fake_encoder):
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.settings import Settings

    from newsdesk.types import Article

    read_chunks = []

    desk = Newsdesk(Settings(home=tmp_path / "home"), encoder=fake_encoder, reader=_recording_reader(read_chunks))
    desk.add_articles([Article(id="fest", text="Mayor Elena Novak opened the Riverside Harvest Festival on Saturday.",
                               outlet="Gazette")])
    assert desk.ask("Who opened the Lakeside Jazz Week?").text is None  # "Lakeside", "Jazz", "Week": nowhere
    assert read_chunks == []
    assert "Novak" in desk.ask("Who opened the Riverside Harvest Festival?").text
    assert len(read_chunks) == 1


FESTIVAL = [
    ("Riverside Gazette", "2025-10-04", "The harvest festival drew 21,000 visitors to the river park on Saturday."),
    ("Valley Times", "2025-10-06", "Organisers now say the harvest festival drew about 12,000 visitors over the weekend."),
]


def _festival_desk(tmp_path, fake_encoder, dated=True):
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.settings import Settings
    from newsdesk.retrieval.sources.article import make_article

    desk = Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)
    desk.add_articles([make_article(text, title=f"Festival report {n}", outlet=outlet, date=date if dated else None)
                       for n, (outlet, date, text) in enumerate(FESTIVAL)])
    return desk


def _figures(desk, older_score, newer_score):
    spans = [_span(desk, "21,000", "Riverside Gazette", older_score), _span(desk, "about 12,000", "Valley Times", newer_score)]
    return spans, [Hit(desk.index.chunk(s.chunk_id), 1.0) for s in spans]


def test_when_sources_disagree_the_latest_report_leads_and_the_older_is_shown(tmp_path, fake_encoder):
    from newsdesk.bot.render import answer_to_dict, answer_to_text

    desk = _festival_desk(tmp_path, fake_encoder)
    spans, hits = _figures(desk, older_score=0.9, newer_score=0.8)  # the older figure reads a little better
    answer = assemble_answer("How many visitors did the festival draw?", spans, desk.index, hits)
    assert answer.text == "about 12,000" and answer.citations[0].date == "2025-10-06"
    [older] = answer.alternatives
    assert (older.text, older.outlets, older.dates) == ("21,000", ("Riverside Gazette",), ("2025-10-04",))
    text = answer_to_text(answer)
    assert "Latest report first: Valley Times, 2025-10-06." in text
    assert "sources differ — Riverside Gazette (2025-10-04) says “21,000”" in text
    as_json = answer_to_dict(answer)
    assert as_json["answer"] == "about 12,000"
    assert as_json["alternatives"] == [{"text": "21,000", "score": 0.9, "outlets": ["Riverside Gazette"],
                                        "unknown_outlets": 0, "dates": ["2025-10-04"]}]


def test_without_dates_or_close_rivals_the_best_reading_leads(tmp_path, fake_encoder):
    undated = _festival_desk(tmp_path / "a", fake_encoder, dated=False)
    spans, hits = _figures(undated, older_score=0.9, newer_score=0.8)
    assert assemble_answer("How many visitors?", spans, undated.index, hits).text == "21,000"
    dated = _festival_desk(tmp_path / "b", fake_encoder)
    spans, hits = _figures(dated, older_score=0.9, newer_score=0.1)  # the newer reading is too weak to lead
    answer = assemble_answer("How many visitors?", spans, dated.index, hits)
    assert answer.text == "21,000" and answer.alternatives == ()


def test_an_undated_best_answer_is_not_displaced_by_a_dated_rival(tmp_path, fake_encoder):
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.settings import Settings
    from newsdesk.retrieval.sources.article import make_article

    desk = Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)
    (_, _, older_text), (outlet, date, newer_text) = FESTIVAL
    desk.add_articles([make_article(older_text, title="Undated", outlet="Riverside Gazette"),
                       make_article(newer_text, title="Dated", outlet=outlet, date=date)])
    spans, hits = _figures(desk, older_score=0.9, newer_score=0.8)
    answer = assemble_answer("How many visitors?", spans, desk.index, hits)
    assert answer.text == "21,000" and [a.text for a in answer.alternatives] == ["about 12,000"]


def test_an_outlet_that_differs_is_shown_with_its_answer_shaped_as_the_lead(tmp_path, fake_encoder):
    from newsdesk.bot.render import answer_to_text

    desk = _festival_desk(tmp_path, fake_encoder)
    older = _span(desk, "21,000 visitors to the river park on Saturday.", "Riverside Gazette", 0.9)
    newer = _span(desk, "about 12,000", "Valley Times", 0.8)
    answer = assemble_answer("How many visitors did the festival draw?", [older, newer], desk.index,
                             [Hit(desk.index.chunk(s.chunk_id), 1.0) for s in (older, newer)])
    assert answer.text == "about 12,000"
    [shown] = answer.alternatives
    assert shown.text == "21,000 visitors to the river park on Saturday"  # not the sentence's full stop
    assert "says “21,000 visitors to the river park on Saturday”." in " ".join(answer_to_text(answer).split())


def test_a_headline_is_no_answer_to_why(tmp_path, fake_encoder):
    headline = "Only one guard was on duty when the Ostrander was stolen, museum admits"
    reason = "The second night shift had been cut in January because the museum's budget was reduced."
    found, read_ids = {}, []
    desk = _scripted_desk(tmp_path, fake_encoder, [f"{headline}\n\n{reason} Police are still looking for the painting."],
                          found, read_ids)
    chunk = desk.index.chunks[0]
    found[chunk.id] = [(headline, 0.9), ("the museum's budget was reduced", 0.5)]
    answer = desk.ask("why was there only one guard that night")
    assert answer.kind == "sentence" and answer.text == reason
    # a question for a fact may still be answered from the headline
    found[chunk.id] = [("Ostrander", 0.9)]
    assert desk.ask("what was stolen from the museum").text == "Ostrander"


def test_whoever_a_report_says_has_left_the_role_does_not_hold_it(tmp_path, fake_encoder):
    older = "The head of the Morvan vaccine agency, Bernadette Quayle, said flu was already circulating."
    newer = ("Bernadette Quayle has resigned as head of the Morvan vaccine agency. "
             "The ministry named Neville Prattan acting head of the agency on Monday.")
    found, read_ids = {}, []
    desk = _scripted_desk(tmp_path, fake_encoder, [older, newer], found, read_ids)
    by_text = {desk.index.articles[c.article_id].text: c for c in desk.index.chunks}
    found[by_text[older].id] = [("Bernadette Quayle", 0.8)]
    found[by_text[newer].id] = [("Bernadette Quayle", 0.9), ("Neville Prattan", 0.5)]
    assert desk.ask("who is running the vaccine agency now").text == "Neville Prattan"
    # asked who held it, or who left, the one who left is the answer
    assert desk.ask("who was the head of the vaccine agency").text == "Bernadette Quayle"


def test_a_figure_for_another_prison_does_not_answer_for_the_one_asked(tmp_path, fake_encoder):
    text = ("Sixty inmates were moved to Kellby, Skarholt and Bramholt after the riot at the prison. "
            "Greyholm Prison holds about 640 inmates and is the largest jail in the country.")
    found, read_ids = {}, []
    desk = _scripted_desk(tmp_path, fake_encoder, [text], found, read_ids)
    found[desk.index.chunks[0].id] = [("about 640", 0.8)]
    assert desk.ask("how many inmates does kellby prison hold").abstained
    assert desk.ask("how many inmates does greyholm prison hold").text == "about 640"
