from newsdesk.retrieval.answering.followup import follow_up_question, names_the_story, refers_back


def test_a_follow_up_naming_its_own_subject_keeps_the_question_not_the_answer():
    asked = follow_up_question("And what did Russia say?", "What did the Kremlin spokesman say?", "Dmitry Peskov")
    assert asked == "And what did Russia say? (What did the Kremlin spokesman say?)"
    # one that names nothing new leans on the whole exchange
    assert follow_up_question("When was that?", "Who opened it?", "Elena Novak") == "When was that? (Who opened it? Elena Novak)"


def test_two_words_of_their_own_stand_alone_but_a_bare_question_word_refers_back():
    assert not refers_back("nonsense qwerty")
    assert refers_back("Why?") and refers_back("Where exactly?") and refers_back("And Putin?")


def test_a_short_reply_to_which_story_names_one():
    assert names_the_story("the eastport one") and names_the_story("in Haverby")
    assert not names_the_story("who chaired the herring talks") and not names_the_story("")
    assert not names_the_story("what was agreed at the talks in the end")
