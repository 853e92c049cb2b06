from newsdesk.retrieval.answering.followup import follow_up_question, refers_back


def test_a_follow_up_naming_its_own_subject_keeps_the_question_not_the_answer():
    asked = follow_up_question("And what did Russia say?", "What did the Kremlin spokesman say?", "Dmitry Peskov")
    assert asked == "And what did Russia say? (What did the Kremlin spokesman say?)"
    # one that names nothing new leans on the whole exchange
    assert follow_up_question("When was that?", "Who opened it?", "Elena Novak") == "When was that? (Who opened it? Elena Novak)"


def test_two_words_of_their_own_stand_alone_but_a_bare_question_word_refers_back():
    assert not refers_back("nonsense qwerty")
    assert refers_back("Why?") and refers_back("Where exactly?") and refers_back("And Putin?")
