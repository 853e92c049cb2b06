"""Who someone is: the title the articles give a name."""

from newsdesk.retrieval.answering.people import person_asked, titled

from newsdesk.types import Chunk, Hit


def _hits(*texts):
    return [Hit(Chunk(i, f"a{i}", text, 0, len(text)), 1.0) for i, text in enumerate(texts)]


def test_who_is_a_name_asks_for_a_person_and_who_is_a_role_does_not():
    hits = _hits("Kremlin spokesman Dmitry Peskov said so. Mayor Ole Berg agreed.")
    assert person_asked("who is peskov", hits) == "peskov"
    assert person_asked("Who is Dmitry Peskov?", hits) == "Dmitry Peskov"
    assert person_asked("who is the mayor", hits) is None  # "mayor" is never capitalised alone here
    assert person_asked("who hosted the talks", hits) is None


def test_the_title_before_a_name_or_the_apposition_after_it():
    def shown(text, name):
        bounds = titled(text, name)
        return text[bounds[0]:bounds[1]] if bounds else None

    assert shown("“It requires discussion,” said Kremlin spokesman Dmitry Peskov on Monday.", "peskov") == \
        "Kremlin spokesman Dmitry Peskov"
    assert shown("“Too many plants,” said Petra Dahlgren, an analyst at the brokerage Kessel & Rowe.", "dahlgren") == \
        "Petra Dahlgren, an analyst at the brokerage Kessel & Rowe"
    assert shown("Peskov said nothing. Later Peskov left.", "peskov") is None  # never given a title
