from newsdesk.retrieval.answering.shaping import LIST, SENTENCE, SPAN, question_kind, shaped_bounds, speaker, widen_to_list


def test_questions_get_the_kind_of_answer_they_ask_for():
    said = ["what did the union demand", "What did Boris Pistorius say?", "And what did Russia say?",
            "what has the minister promised", "why was the bridge closed", "how did the fire start",
            "what is the cabin crew union demanding", "what are the families group asking for"]
    lists = ["which countries sent delegations", "Which US envoys were in Berlin?", "who attended the summit",
             "What exports did Erdogan say were at risk?"]
    spans = ["how many jobs will halvorsen cut", "who hosted the talks",
             "when do the talks resume", "which company won the contract", "how long will the bridge stay shut"]
    assert [question_kind(q) for q in said] == [SENTENCE] * len(said)
    assert [question_kind(q) for q in lists] == [LIST] * len(lists)
    assert [question_kind(q) for q in spans] == [SPAN] * len(spans)


def test_a_thing_inside_what_was_said_is_a_factoid():
    statements = ["what did farrant warn osterholm", "what did dorsz say on the picket line", "what did arke tell staff",
                  "what did rell say the morning after the theft", "what did the pm promise to do about expenses",
                  "what are parents of unvaccinated contacts told to do", "What did Boris Pistorius say?",
                  "what does sorrell say she was told when she first warned managers"]
    factoids = ["What did Russia's Defense Ministry say its forces struck?", "what does kct want to install",
                "What did Zelenskyy accuse Russia of dragging out?", "what did teachers believe he was doing",
                "What was media day called for Super Bowl 50", "what was the council vote on the new plans"]
    assert [question_kind(q) for q in statements] == [SENTENCE] * len(statements)
    assert [question_kind(q) for q in factoids] == [SPAN] * len(factoids)
    # "how" asks a manner when a verb follows it, a degree when an adjective does
    assert question_kind("how else were the waiting times made to look better") == SENTENCE
    assert question_kind("how hot was it during the marathon") == SPAN
    # a plural after "what does" is no list
    assert question_kind("what does the union say caused the collapse") == SPAN
    assert question_kind("which towns does the trust cover") == LIST
    assert question_kind("which are the biggest gas suppliers") == LIST
    assert question_kind("which is the biggest supplier") == SPAN


def _widened(kind, text, answer):
    start = text.index(answer)
    end = start + len(answer)
    sentence = (0, text.index(".") + 1)
    s, e = shaped_bounds(kind, text, start, end, sentence)
    return text[s:e]


def test_a_list_is_given_as_the_article_lists_it():
    text = "Delegations from Aldova, Brevia and the Free State of Corlan arrived on Monday. Later more came."
    assert _widened(LIST, text, "Brevia") == "Aldova, Brevia and the Free State of Corlan"
    hotels = "Guests went to the Hotel Corallo, the Villa Serena and the Lido Palace. More came later."
    assert _widened(LIST, hotels, "Corallo, the Villa Serena and the Lido Palace") == "the Hotel Corallo, the Villa Serena and the Lido Palace"
    # a listed name's "the" is the name's: the list before it is read on
    coalition = "She leads a coalition of her Social Union, the Rural Green League and the Liberal Forum. More later."
    assert _widened(LIST, coalition, "Rural Green League and the Liberal Forum") == (
        "Social Union, the Rural Green League and the Liberal Forum")
    # a comma after an opening phrase is no list
    intro = "Before meetings with U.S. envoys in Berlin, President Volodymyr Zelenskyy spoke. Then he left."
    start = intro.index("President")
    assert widen_to_list(intro, start, start + 29, (0, intro.index(".") + 1)) == (start, start + 29)


def test_a_sentence_answer_is_the_whole_sentence_holding_the_span():
    text = "The union demanded a 9% pay rise over two years. Talks resume on Friday."
    assert _widened(SENTENCE, text, "9% pay rise") == "The union demanded a 9% pay rise over two years."
    assert _widened(SPAN, text, "9% pay rise") == "9% pay rise"
    # a clause the reader found is given with the rest of its sentence
    assert _widened(SENTENCE, text, "a 9% pay rise over two years") == "The union demanded a 9% pay rise over two years."
    # a wire dateline opening the article is not part of the sentence's answer
    wire = "GRAVENPORT, Jan 15 (Coastline Press) - The fire started in the laundry. Crews left at noon."
    assert _widened(SENTENCE, wire, "in the laundry") == "The fire started in the laundry."
    assert _widened(SENTENCE, wire, "Coastline Press") == "GRAVENPORT, Jan 15 (Coastline Press) - The fire started in the laundry."


def test_what_someone_said_is_asked_of_a_speaker_whose_words_must_be_near_the_answer():
    from newsdesk.retrieval.answering.constraints import speaker_missing

    assert speaker("what did the culture minister announce") == "the culture minister"
    assert speaker("what are the families group asking for") == "the families group"
    assert speaker("why was the bridge closed") is None
    assert speaker_missing("what did bly warn about", "The false recording of burglaries had to stop, police said.")
    assert not speaker_missing("what did bly warn about", "Inspector Mara Bly spoke to reporters. \"The gas is worse,\" she said.")
    assert not speaker_missing("what did the culture minister announce", "Culture Minister Ada Rist announced a review.")
    assert speaker_missing("what did lsr's chief executive say", "LSR spokeswoman Ana Holm said it was an attack.")
    # a title in another of its forms is the same speaker: "ceo" is "chief executive"
    assert not speaker_missing("what did the athletic ceo say", "Athletic's chief executive, Sofie Brandvik, said so.")
    assert not speaker_missing("what did lsr's chief executive say", "LSR's CEO Ana Holm said it was an attack.")
    assert speaker_missing("what did the athletic ceo say", "Athletic's spokesman, Tor Lind, said so.")
    assert not speaker_missing("what did they say", "Nobody is named here.")  # asks of nobody in particular
    # The writer of a first-person text is never named in it: "I think hiring them is sensible."
    assert not speaker_missing("what does the author think is sensible", "I think hiring them is sensible.")


def test_a_quotation_is_given_to_its_close():
    from newsdesk.retrieval.answering.shaping import through_quote

    def said(text, first):
        start = text.index(first)
        return text[start:through_quote(text, start, start + len(first))]

    lost = 'Turnout was high. "We lost, and we lost fairly. But we will hold them to every promise," he said. Then he left.'
    assert said(lost, '"We lost, and we lost fairly.') == ('"We lost, and we lost fairly. But we will hold them '
                                                            'to every promise," he said.')
    curly = "He spoke. “It is not how anyone wants to win. But I am glad.” Then more."
    assert said(curly, "“It is not how anyone wants to win.") == "“It is not how anyone wants to win. But I am glad.”"
    # a quotation closed within its sentence, or not closed in its paragraph, leaves the sentence as it is
    assert said('She said "no" twice. Then more.', 'She said "no" twice.') == 'She said "no" twice.'
    assert said('"We will fight.\nNext paragraph." More.', '"We will fight.') == '"We will fight.'
    # the whole quotation is the sentence answer of "what did X say"
    text = '"I am sorry. We let you down," Ms Coyle said. Later she left.'
    assert _widened(SENTENCE, text, "sorry") == '"I am sorry. We let you down," Ms Coyle said.'


def _shaped(text, span, kind=SPAN):
    """The answer ``span`` of ``text`` shaped for ``kind``, the whole text its sentence."""
    start = text.index(span)
    s, e = shaped_bounds(kind, text, start, start + len(span), (0, len(text)))
    return text[s:e]


def test_a_short_answer_keeps_its_quotation_marks_paired():
    text = 'He asked for a "dignified" peace and a “fair” deal, he said "today'
    assert _shaped(text, 'dignified" peace') == '"dignified" peace'
    assert _shaped(text, 'fair” deal') == '“fair” deal' and _shaped(text, '“fair') == '“fair”'
    assert _shaped(text, 'he said "') == 'he said '  # a mark the span cannot pair is left out
    assert _shaped(text, 'a "dignified" peace') == 'a "dignified" peace'


def test_a_quotation_is_given_from_its_opening():
    # a sentence inside a quotation of several is given with the sentences before it that it continues
    text = 'The report came out. "The families will not have to fight. I promise them every document," Mr Talas said.'
    assert _widened_in(SENTENCE, text, "every document") == (
        '"The families will not have to fight. I promise them every document," Mr Talas said.')
    curly = "He spoke. “It is not how anyone wants to win. But I am glad,” she said. Then more."
    assert _widened_in(SENTENCE, curly, "glad") == "“It is not how anyone wants to win. But I am glad,” she said."
    # not across a paragraph, nor when the sentence opens its own quotation
    assert _widened_in(SENTENCE, '"We will fight.\nI promise," he said.', "promise") == 'I promise," he said.'
    assert _widened_in(SENTENCE, 'He left. "We will win," he said.', "win") == '"We will win," he said.'


def _widened_in(kind, text, answer):
    """The answer shaped for ``kind`` within its sentence as ``split_sentences`` finds it."""
    from newsdesk.retrieval.index.chunk import sentence_around

    start = text.index(answer)
    s, e = shaped_bounds(kind, text, start, start + len(answer), sentence_around(text, start, start + len(answer)))
    return text[s:e]


def test_a_short_answer_closes_the_quotation_it_opens_and_drops_its_full_stop():
    text = 'It fell short of its target of 20,000 but "enough to turn the tide", she said.'
    assert _shaped(text, '20,000 but "enough to turn') == '20,000 but "enough to turn the tide"'
    assert _shaped("The toll rose to two.", "two.") == "two"
    assert _shaped("Shares fell at Halvorsen Inc.", "Halvorsen Inc.") == "Halvorsen Inc."  # an abbreviation's point stays
    assert _shaped("The envoys came from the U.S.", "the U.S.") == "the U.S."
    # a quotation closed only after its sentence ends is not the span's to close
    assert _shaped('He said "we will. Then it ended" later.', 'He said "we will') == 'He said "we will'


def test_a_scaled_figure_keeps_what_it_counts():
    assert _shaped("The recall will cost Averon 85 million dalers.", "85 million") == "85 million dalers"
    assert _shaped("It will raise 135 million a year.", "135 million") == "135 million"  # "a" counts nothing
    assert _shaped("It sold 85 million, analysts said.", "85 million") == "85 million"
    assert _shaped("About 600 jobs will go.", "600") == "600"  # only a scale leaves its unit to follow


def test_a_plural_possessive_keeps_what_it_owns():
    pay = "Staff will get four weeks' wages for every year of service."
    assert _shaped(pay, "four weeks") == "four weeks' wages"
    assert _shaped(pay, "four weeks'") == "four weeks' wages"
    assert _shaped("The players' union and the clubs' lawyers met.", "the clubs") == "the clubs' lawyers"
    assert _shaped("It ends in two weeks' time.", "two weeks' time") == "two weeks' time"
    assert _shaped("We thank the workers' and the owners' unions.", "the workers") == "the workers"  # no one owns "and"
    assert _shaped("Lars' boat sank.", "Lars") == "Lars"  # not a plural


def test_a_date_or_time_keeps_the_day_it_leaves_out():
    assert _shaped("They were kidnapped on June 9 near the border.", "June") == "June 9"
    assert _shaped("The motorway reopened at 5.40 a.m. on Friday.", "5.40 a.m.") == "5.40 a.m. on Friday"
    assert _shaped("It lifted off at 6.12pm on Monday, 2 March.", "6.12pm") == "6.12pm on Monday, 2 March"
    assert _shaped("The search was called off on Tuesday, 21 January, after a week.", "Tuesday") == "Tuesday, 21 January"
    assert _shaped("On Monday, 300 people left.", "Monday") == "Monday"
    # a month with a year, or before a figure that is no day, is whole
    assert _shaped("It fell in May 2024.", "May") == "May"
    assert _shaped("Sales rose in March 12 percent.", "March") == "March"
    assert _shaped("The shop opens at 9.30 every day.", "9.30") == "9.30"


def test_a_headline_is_a_short_line_no_full_stop_ends():
    from newsdesk.retrieval.answering.shaping import in_headline

    text = ("Only one guard on duty when the painting was stolen, museum admits\n\n"
            "The museum had cut its second night shift. \"We had no choice,\" she said.\n"
            "Police said: \"We will find them.\"\nRelated")
    at = text.index
    assert in_headline(text, at("one guard"), at("one guard") + 9)
    assert not in_headline(text, at("second night"), at("second night") + 12)
    assert not in_headline(text, at("We will"), at("We will") + 7)  # a quotation's full stop ends it
    long_line = " ".join(["word"] * 30)
    assert not in_headline(long_line + "\nMore.", 0, 4)
    assert not in_headline("A review with no full stop", 0, 8)  # a paragraph alone
    assert not in_headline(text, at("Related"), len(text))  # the last line heads nothing
