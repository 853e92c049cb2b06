from newsdesk.bot.render import RELATED_ONLY, SEVERAL_STORIES, answer_to_dict, answer_to_text
from newsdesk.bot.telegram_format import format_answer
from newsdesk.retrieval.answering.answer import assemble_answer


def test_a_refusal_shows_the_passages_that_match_the_question_closely(seed_desk):
    question = "Who hosted the Berlin meetings?"
    hits = seed_desk.retrieve(question, k=5)
    refused = assemble_answer(question, [], seed_desk.index, hits)
    assert refused.abstained and 1 <= len(refused.related) <= 2
    for citation in refused.related:
        article = seed_desk.index.articles[citation.article_id]
        assert article.text[citation.start:citation.end] == citation.quote
        assert "Berlin" in citation.quote and "meeting" in citation.quote
    text = answer_to_text(refused)
    assert text.startswith(RELATED_ONLY) and refused.related[0].quote.split()[0] in text
    as_json = answer_to_dict(refused)
    assert as_json["answer"] is None and as_json["abstained"] and as_json["related"][0]["quote"] == refused.related[0].quote
    assert RELATED_ONLY in format_answer(refused)
    # the seed articles are one story
    assert not refused.several_stories and SEVERAL_STORIES not in text and not as_json["several_stories"]


def test_a_refusal_between_two_stories_says_so(tmp_path, fake_encoder):
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.settings import Settings
    from newsdesk.retrieval.sources.article import make_article

    desk = Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)
    desk.add_articles([
        make_article("Bus drivers in Eastport walked out on Monday. Anna Vik is mediating the talks between "
                     "the Eastport Drivers Union and Kestrel Buses.", title="Eastport strike", outlet="Eastport Times"),
        make_article("The Orvane herring quota is still open. Ole Dahl is mediating the talks between Brunland "
                     "and Varsenia in Haverby.", title="Herring talks", outlet="Northern Seas Wire"),
    ])
    question = "who is mediating the talks"
    refused = assemble_answer(question, [], desk.index, desk.retrieve(question, k=5))
    assert refused.abstained and len(refused.related) == 2 and refused.several_stories
    assert SEVERAL_STORIES in answer_to_text(refused) and answer_to_dict(refused)["several_stories"]
    assert SEVERAL_STORIES in format_answer(refused)


def test_a_question_the_passages_do_not_match_is_a_plain_refusal(seed_desk):
    question = "What is the tallest mountain in Africa?"
    refused = assemble_answer(question, [], seed_desk.index, seed_desk.retrieve(question, k=5))
    assert refused.abstained and refused.related == ()
    assert answer_to_dict(refused)["related"] == [] and RELATED_ONLY not in answer_to_text(refused)


def test_a_refusal_shows_first_the_sentence_of_the_answer_too_unsure_to_give(tmp_path, fake_encoder):
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.settings import Settings
    from newsdesk.retrieval.sources.article import make_article
    from newsdesk.types import Hit, Span

    desk = Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)
    desk.add_articles([make_article(
        "The council budget talks on job cuts ran late into the night. Mayor Ines Roth said 80 posts would go.",
        title="Budget")])
    question = "how many jobs will the council budget talks cut"
    hits = [Hit(chunk, 1.0) for chunk in desk.index.chunks]
    text = desk.index.articles[hits[0].chunk.article_id].text
    unsure = Span("80", hits[0].chunk.article_id, hits[0].chunk.id, text.index("80"), text.index("80") + 2, 0.2)
    refused = assemble_answer(question, [unsure], desk.index, hits, min_score=0.5)
    assert refused.abstained and [c.quote.split()[0] for c in refused.related] == ["Mayor", "The"]
    # with nothing read, the passage matching the question best is shown alone
    plain = assemble_answer(question, [], desk.index, hits, min_score=0.5)
    assert plain.abstained and [c.quote.split()[0] for c in plain.related] == ["The"]


def test_a_refusal_shows_the_sentences_of_the_two_readings_the_reader_was_unsure_between(tmp_path, fake_encoder):
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.settings import Settings
    from newsdesk.retrieval.sources.article import make_article
    from newsdesk.types import Hit, Span

    desk = Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)
    desk.add_articles([make_article(
        "The council budget talks on job cuts ran late into the night. Mayor Ines Roth said 80 posts would go. "
        "The union said 95 posts were at risk.", title="Budget")])
    question = "how many jobs will the council budget talks cut"
    hits = [Hit(chunk, 1.0) for chunk in desk.index.chunks]
    text = desk.index.articles[hits[0].chunk.article_id].text

    def unsure(figure, score):
        return Span(figure, hits[0].chunk.article_id, hits[0].chunk.id, text.index(figure), text.index(figure) + len(figure), score)

    refused = assemble_answer(question, [unsure("80", 0.2), unsure("95", 0.15)], desk.index, hits, min_score=0.5)
    # Both readings are shown in their sentences, the surer first; the passage that matches the
    # question's words but answers nothing gives way to them.
    assert refused.abstained and [c.quote.split()[0] for c in refused.related] == ["Mayor", "The"]
    assert "95 posts" in refused.related[1].quote
