from newsdesk.bot.render import RELATED_ONLY, answer_to_dict, answer_to_text
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


def test_a_question_the_passages_do_not_match_is_a_plain_refusal(seed_desk):
    question = "What is the tallest mountain in Africa?"
    refused = assemble_answer(question, [], seed_desk.index, seed_desk.retrieve(question, k=5))
    assert refused.abstained and refused.related == ()
    assert answer_to_dict(refused)["related"] == [] and RELATED_ONLY not in answer_to_text(refused)
