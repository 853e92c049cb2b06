from newsdesk.retrieval.answering.answer import assemble_answer
from newsdesk.retrieval.answering.corroboration import same_answer, same_unit

from newsdesk.types import Hit, Span


def test_answers_are_compared_with_numbers_dates_and_names_normalised():
    assert same_answer("9,800", "9800") and same_answer("600", "600 jobs")
    assert same_answer("Witkoff and Kushner", "Kushner") and same_answer("Steve Witkoff", "U.S. envoy Witkoff")
    assert not same_answer("600", "450") and not same_answer("600 jobs", "450 jobs")
    assert not same_answer("on Thursday", "on Saturday") and not same_answer("Friedrich Merz", "Emmanuel Macron")
    assert not same_answer("12", "Merz")
    # one figure written the ways outlets write it
    assert same_answer("two", "2 men") and same_answer("3.9 per cent", "3.9%") and same_answer("£1.2bn", "1.2 billion pounds")
    assert same_answer("450m", "450 million") and not same_answer("1.2 million", "1.2 billion")
    assert not same_answer("£450m", "£460m")
    assert same_answer("Dec. 14th", "14 December") and not same_answer("Dec 14", "Nov 14")
    # a name given in a list is that list's: an outlet naming one envoy agrees with the pair
    assert same_answer("Steve Witkoff and Jared Kushner", "U.S. envoy Witkoff")
    assert same_answer("Anna Berg, Ole Lund and Jonas Berg", "Mr Lund")
    assert not same_answer("Steve Witkoff and Jared Kushner", "Keir Starmer")
    assert same_answer("Seventeen", "17") and same_answer("forty", "40 tugs")


def test_figures_count_the_same_thing_only_in_the_same_unit():
    assert same_unit("600", "450 jobs") and same_unit("6.5 percent over two years", "7 per cent")
    assert same_unit("£1.2bn", "1.5 billion pounds") and same_unit("8 January", "15 January 2026")
    assert same_unit("17 to 9", "31 votes to 14")  # "to" counts nothing
    assert not same_unit("about 310 square metres", "about 4.6 million crowns")
    assert not same_unit("3,412 votes", "212,980 ballots")
    # strictly: only when both say what they count, and the same, or neither says
    assert same_unit("13", "11", strict=True) and same_unit("9.2 million guilders", "8 million guilders", strict=True)
    assert not same_unit("18 million crests", "2.1 million", strict=True)


HALVORSEN = [
    ("Business Ledger", "2026-03-02", "Halvorsen Robotics will cut 450 jobs at its Eastport plant, the company said."),
    ("Eastport Times", "2026-03-09", "Halvorsen Robotics will cut 600 jobs, not the 450 first announced, the union said."),
]


def _desk(tmp_path, fake_encoder):
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.settings import Settings
    from newsdesk.retrieval.sources.article import make_article

    desk = Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)
    desk.add_articles([make_article(text, title=f"Jobs {n}", outlet=outlet, date=date)
                       for n, (outlet, date, text) in enumerate(HALVORSEN)])
    return desk


def _reading(desk, outlet, text, score):
    article = next(a for a in desk.index.articles.values() if a.outlet == outlet and text in a.text)
    start = article.text.index(text)
    chunk = next(c for c in desk.index.chunks if c.article_id == article.id and c.start <= start < c.end)
    return Span(text, article.id, chunk.id, start, start + len(text), score)


def _desk_of(home, fake_encoder, articles):
    """A desk over ``articles``: (text, outlet, date) each."""
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.settings import Settings
    from newsdesk.retrieval.sources.article import make_article

    desk = Newsdesk(Settings(home=home, reader="baseline"), encoder=fake_encoder)
    desk.add_articles([make_article(text, title=f"Report {n}", outlet=outlet, date=date)
                       for n, (text, outlet, date) in enumerate(articles)])
    return desk


def test_an_outlet_counts_only_for_its_own_answer_and_the_newest_report_leads(tmp_path, fake_encoder):
    desk = _desk(tmp_path, fake_encoder)
    # The older report reads best; the newer one gives 600 and names the old 450 only in passing.
    spans = [_reading(desk, "Business Ledger", "450", 0.9), _reading(desk, "Eastport Times", "600", 0.7),
             _reading(desk, "Eastport Times", "450", 0.1)]
    hits = [Hit(desk.index.chunk(s.chunk_id), 1.0) for s in spans[:2]]
    answer = assemble_answer("How many jobs will Halvorsen Robotics cut?", spans, desk.index, hits)
    assert answer.text == "600" and [c.outlet for c in answer.citations] == ["Eastport Times"]
    [older] = answer.alternatives
    assert (older.text, older.outlets, older.dates) == ("450", ("Business Ledger",), ("2026-03-02",))


def test_a_newer_report_read_far_less_surely_leads_only_when_it_says_the_answer_changed(tmp_path, fake_encoder):
    def answer(later, old_read_in_later=0.0):
        desk = _desk_of(tmp_path / str(len(later)), fake_encoder, [
            ("The Vireo-3 satellite will launch on 19 March from Skarra Point.", "Solvania Times", "2026-03-11"),
            (later, "Orbit Desk", "2026-03-18")])
        spans = [_reading(desk, "Solvania Times", "19 March", 0.8), _reading(desk, "Orbit Desk", "2 April", 0.2)]
        hits = [Hit(desk.index.chunk(s.chunk_id), 1.0 - n / 2) for n, s in enumerate(spans)]
        if old_read_in_later:
            spans.append(_reading(desk, "Orbit Desk", "19 March", old_read_in_later))
        return assemble_answer("When will Vireo-3 launch?", spans, desk.index, hits, min_score=0.1)

    changed = answer("Vireo-3 launch pushed back: the satellite will launch on 2 April from Skarra Point.")
    assert changed.text == "2 April" and [c.outlet for c in changed.citations] == ["Orbit Desk"]
    assert [(a.text, a.outlets, a.dates) for a in changed.alternatives] == [("19 March", ("Solvania Times",), ("2026-03-11",))]
    unchanged = answer("Vireo-3 is the satellite that will launch on 2 April from Skarra Point.")
    assert unchanged.text == "19 March" and [c.outlet for c in unchanged.citations] == ["Solvania Times"]
    # Naming the date it replaced is no doubt about which one the later report gives.
    moved = answer("Vireo-3 launch moved: it was pushed back to 2 April from 19 March.", old_read_in_later=0.1)
    assert moved.text == "2 April" and [c.outlet for c in moved.citations] == ["Orbit Desk"]


def test_a_date_without_a_number_is_a_figure_a_later_report_can_change(tmp_path, fake_encoder):
    desk = _desk_of(tmp_path, fake_encoder, [
        ("Osterholm will close its Norvale plant by the end of September.", "Norvale Courier", "2026-02-09"),
        ("Osterholm has brought the Norvale closure forward. The plant will now stop production on July 31, two "
         "months earlier than first given.", "Industry Ledger", "2026-03-03")])
    # The later report's span runs on past the date ("July 31, two months"): a date all the same, not a list.
    spans = [_reading(desk, "Norvale Courier", "by the end of September", 0.8),
             _reading(desk, "Industry Ledger", "July 31, two months", 0.2)]
    hits = [Hit(desk.index.chunk(s.chunk_id), 1.0 - n / 2) for n, s in enumerate(spans)]
    answer = assemble_answer("When does the Norvale plant close?", spans, desk.index, hits, min_score=0.1)
    assert answer.text.startswith("July 31") and [c.outlet for c in answer.citations] == ["Industry Ledger"]
    assert [(a.text, a.outlets) for a in answer.alternatives] == [("by the end of September", ("Norvale Courier",))]


def test_a_later_reports_other_statement_does_not_replace_a_sentence_answer(tmp_path, fake_encoder):
    desk = _desk_of(tmp_path / "home", fake_encoder, [
        ("The union demanded a full 90-day consultation before any job cuts at Norvale.", "Norvale Courier", "2026-02-09"),
        ("The union said it would ballot its Norvale members on strike action next week.", "Industry Ledger", "2026-03-03")])
    spans = [_reading(desk, "Norvale Courier", "a full 90-day consultation", 0.9),
             _reading(desk, "Industry Ledger", "ballot its Norvale members", 0.8)]
    hits = [Hit(desk.index.chunk(s.chunk_id), 1.0) for s in spans]
    answer = assemble_answer("What did the union demand at Norvale?", spans, desk.index, hits, min_score=0.1)
    assert answer.kind == "sentence" and [c.outlet for c in answer.citations] == ["Norvale Courier"]
    assert answer.text.startswith("The union demanded a full 90-day consultation")


def test_a_byline_a_line_of_links_a_wire_dateline_or_credit_is_no_answer(tmp_path, fake_encoder):
    from newsdesk.retrieval.answering.furniture import in_page_furniture

    text = ("By Karl Westerberg and Annika Bjerke\nRelated: Panda-mania | What red pandas eat\n"
            "By Friday, Karl Westerberg had been rescued.\nBy 1900 Oskarby had grown to a town.\n\n"
            "OSKARBY, Feb 5, 2025 (Halvenor Tech Wire) - A fire at the Oskarby data centre started at 23:40 on "
            "Tuesday, fire officer Hal Tennick said.\n\n(Reporting by Marek Thurlow; editing by Liesel Brannagh)")
    desk = _desk_of(tmp_path / "home", fake_encoder, [(text, "Oskarby Post", "2026-01-16")])
    article = next(iter(desk.index.articles.values()))

    def furniture(words, nth=0):
        start = article.text.index(words, article.text.index(words) + 1) if nth else article.text.index(words)
        return in_page_furniture(article.text, start, start + len(words))

    assert furniture("Karl Westerberg") and furniture("Panda-mania")
    assert not furniture("Karl Westerberg", nth=1)  # a sentence that opens with "By Friday"
    assert not furniture("Oskarby")
    # the day a wire report was filed is not when the fire started; who reported it did not write the report
    assert furniture("Feb 5, 2025") and furniture("OSKARBY") and furniture("Marek Thurlow")
    assert not furniture("23:40 on Tuesday") and not furniture("Hal Tennick")
    start = article.text.index("Feb 5, 2025")
    chunk = next(c for c in desk.index.chunks if c.article_id == article.id and c.start <= start < c.end)
    dateline = Span("Feb 5, 2025", article.id, chunk.id, start, start + len("Feb 5, 2025"), 0.9)
    assert assemble_answer("when did the fire start", [dateline], desk.index, [Hit(chunk, 1.0)], min_score=0.1).abstained


def test_an_outlet_answering_from_another_story_is_neither_counted_nor_shown_as_differing(tmp_path, fake_encoder):
    from newsdesk.retrieval.sources.article import make_article

    desk = _desk(tmp_path, fake_encoder)
    desk.add_articles([make_article("Tavrin Microdevices will cut 420 jobs at its Velsk plant, the company said.",
                                    title="Velsk", outlet="Velsk Gazette", date="2026-03-20")])
    # The newest report read is another story's; it must neither lead nor be shown as a source that differs.
    spans = [_reading(desk, "Business Ledger", "450", 0.9), _reading(desk, "Eastport Times", "600", 0.7),
             _reading(desk, "Velsk Gazette", "420", 0.8)]
    hits = [Hit(desk.index.chunk(s.chunk_id), 1.0) for s in spans]
    answer = assemble_answer("How many jobs will Halvorsen cut?", spans, desk.index, hits)
    assert answer.text == "600" and [c.outlet for c in answer.citations] == ["Eastport Times"]
    assert [(a.text, a.outlets) for a in answer.alternatives] == [("450", ("Business Ledger",))]
    # asked without naming the story, either story may be meant: which one is asked
    assert assemble_answer("How many jobs will be cut?", spans, desk.index, hits).several_stories


def test_an_outlet_that_reads_both_ways_is_neither_counted_nor_shown_as_differing(tmp_path, fake_encoder):
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.settings import Settings
    from newsdesk.retrieval.sources.article import make_article

    desk = Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)
    desk.add_articles([make_article("Elena Novak opened the harvest festival on Saturday.", title="A", outlet="Times"),
                       make_article("Mayor Elena Novak opened the harvest festival with her deputy Jonas Berg.",
                                    title="B", outlet="Gazette")])
    question = "Who opened the harvest festival?"

    def answer(novak_in_gazette):
        spans = [_reading(desk, "Times", "Elena Novak", 0.9), _reading(desk, "Gazette", "Jonas Berg", 0.5),
                 _reading(desk, "Gazette", "Elena Novak", novak_in_gazette)]
        hits = [Hit(desk.index.chunk(s.chunk_id), 1.0) for s in spans[:2]]
        return assemble_answer(question, spans, desk.index, hits)

    unclear = answer(novak_in_gazette=0.3)  # the Gazette's passage gives the lead answer a fair score too
    assert unclear.text == "Elena Novak" and unclear.alternatives == ()
    assert [c.outlet for c in unclear.citations] == ["Times"]
    differing = answer(novak_in_gazette=0.01)
    assert [(a.text, a.outlets) for a in differing.alternatives] == [("Jonas Berg", ("Gazette",))]


def test_a_sentence_answer_is_corroborated_only_by_outlets_that_say_what_it_says(tmp_path, fake_encoder):
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.retrieval.settings import Settings
    from newsdesk.retrieval.sources.article import make_article

    desk = Newsdesk(Settings(home=tmp_path / "home", reader="baseline"), encoder=fake_encoder)
    desk.add_articles([
        make_article("Zelenskyy said Ukraine had always wanted to join NATO.", title="A", outlet="Times"),
        make_article("Ukraine offered to drop its NATO bid for security guarantees.", title="B", outlet="Gazette"),
        make_article("Ukraine had always wanted to join NATO, its president said.", title="C", outlet="Courier"),
    ])
    # The reader chose one word of the Times's sentence; the Gazette names that word too, but says
    # something else, and must not be counted for it. The Courier says what the sentence says.
    spans = [_reading(desk, "Times", "NATO", 0.9), _reading(desk, "Gazette", "drop its NATO bid", 0.6),
             _reading(desk, "Courier", "join NATO", 0.5)]
    hits = [Hit(desk.index.chunk(s.chunk_id), 1.0) for s in spans]
    answer = assemble_answer("What did Ukraine want?", spans, desk.index, hits)
    assert answer.kind == "sentence" and answer.text == "Zelenskyy said Ukraine had always wanted to join NATO."
    assert [c.outlet for c in answer.citations] == ["Times", "Courier"]
    assert [(a.text, a.outlets) for a in answer.alternatives] == [("drop its NATO bid", ("Gazette",))]


def test_a_role_named_with_another_qualifier_is_no_answer():
    from newsdesk.retrieval.answering.constraints import role_conflict

    assert role_conflict("who's the mayor of langvik", "Deputy mayor Rosa Ekdahl said the bridge would stay shut.")
    assert not role_conflict("who's the mayor of langvik", "Mayor Ole Berg and deputy mayor Rosa Ekdahl met.")
    assert role_conflict("who is the deputy leader of the group", "Group leader Alan Brisco said no.")
    assert not role_conflict("who is the deputy leader", "Deputy leader Alan Brisco said no.")
    assert role_conflict("who is the chancellor", "Vice-chancellor Anna Berg spoke.")
    assert not role_conflict("who hosted the talks", "German Chancellor Friedrich Merz hosted the talks.")
    # who holds a role now: whoever stands in does, a deputy does not
    interim = "Maria Eklund has been named interim finance director."
    assert role_conflict("who is the finance director", interim)
    assert not role_conflict("who is the finance director now", interim)
    assert role_conflict("who is the mayor now", "Deputy mayor Rosa Ekdahl said the bridge would stay shut.")
    assert not role_conflict("who's acting vice-rector now", "The acting vice-rector, Dr Sunniva Brandt, spoke.")


def test_a_role_named_twice_is_judged_where_it_names_the_answer():
    from newsdesk.retrieval.answering.constraints import role_conflict

    def at(sentence, answer):
        return sentence.index(answer), sentence.index(answer) + len(answer)

    guests = "Guests included the mayor of Orrestad, Jonas Frell, and the deputy mayor of Vinterby, Elsa Norrby."
    assert role_conflict("who is the mayor of vinterby", guests, at(guests, "Elsa Norrby"))
    assert not role_conflict("who is the mayor of vinterby", guests, at(guests, "Jonas Frell"))
    after = "Elsa Norrby, the deputy mayor, met the mayor on Monday."
    assert role_conflict("who is the mayor", after, at(after, "Elsa Norrby"))
    # where no mention stands beside the answer, every mention counts: one of them names the mayor
    far = "The mayor and the deputy mayor met at the harbour office, and later in the afternoon Ana Berg spoke."
    assert not role_conflict("who is the mayor", far, at(far, "Ana Berg"))


def test_an_answer_must_stand_in_a_sentence_with_what_qualifies_the_question():
    from newsdesk.retrieval.answering.constraints import attribute_missing, attributes

    assert attributes("Which French president joined the talks?") == ["french"]
    assert attributes("what pay rise did the union demand") == ["pay"]
    assert attributes("which countries sent delegations") == [] and attributes("who hosted the talks") == []
    question = "Which French president joined the talks?"
    names = {"french"}  # what the passages only ever write capitalised (names_asked)
    assert attribute_missing(question, "Before meetings with U.S. envoys in Berlin, President Volodymyr Zelenskyy stated it.", names)
    assert not attribute_missing(question, "French President Emmanuel Macron joined on Monday.", names)
    assert not attribute_missing(question, "President Volodymyr Zelenskyy stated it.")  # "french" is no name here
    assert not attribute_missing("which US envoys were in Berlin", "U.S. envoys Steve Witkoff and Jared Kushner flew in.", {"us"})


def test_what_qualifies_the_question_may_stand_just_before_the_answers_sentence(tmp_path, fake_encoder):
    desk = _desk_of(tmp_path / "home", fake_encoder, [
        ("Hackers stole the records of 40,000 Nimbrel customers last week. Among the customers affected were "
         "Torvik Logistics and the Saldhem district council.", "Ledgerline", None),
        ("Rival Talgo said none of the customers affected by the outage would pay. Among the customers "
         "affected were Brisa Dental and Okra Foods.", "Courier", None)])
    spans = [_reading(desk, "Courier", "Brisa Dental and Okra Foods", 0.9),
             _reading(desk, "Ledgerline", "Torvik Logistics and the Saldhem district council", 0.6)]
    hits = [Hit(desk.index.chunk(s.chunk_id), 1.0) for s in spans]
    answer = assemble_answer("which nimbrel customers were hit", spans, desk.index, hits, min_score=0.1)
    assert answer.text == "Torvik Logistics and the Saldhem district council"


def test_who_is_the_role_asks_for_someone_the_sentence_calls_that():
    from newsdesk.retrieval.answering.constraints import role_asked, role_missing

    assert role_asked("who is osterholm's ceo", {"osterholm"}) == "ceo"
    assert role_asked("who's the mayor of langvik") == "mayor"
    assert role_asked("who is peskov", {"peskov"}) is None  # a name, not a role
    assert role_asked("who is mediating") is None and role_asked("who hosted the talks") is None
    # "what's the name of the X" asks who the X is
    assert role_asked("what's the name of the guard who was on duty") == "guard"
    assert role_asked("what was the name of the stadium") is None
    assert role_missing("who is osterholm's ceo", "said Petra Dahlgren, an analyst at the brokerage Kessel & Rowe.", {"osterholm"})
    assert not role_missing("who is tavrin's ceo", "Chief executive Anton Pell said the plant would close.", {"tavrin"})
    assert role_missing("who's the director of the plant", "Chief executive Anton Pell said so.")
    assert role_missing("who is the orchestra's chief conductor", "Chief executive Bernard Lisle said so.")
    assert role_missing("who is the bishop of brackmoor", "The cathedral appointed Dr Ruth Penhale as its architect.")
    assert not role_missing("who are the administrators", "The administrator, Brightwater Restructuring, said so.")
    assert not role_missing("who is peskov", "Kremlin spokesman Dmitry Peskov said so.", {"peskov"})
    assert role_missing("who is kestrel bank's chief economist", "The bank's chief operating officer, Dagny Ols, said so.", {"kestrel"})
    # the head of X is whoever runs it, whatever the title; a vet is a veterinary officer
    assert not role_missing("who is the head of the volcano observatory", "Dr Ingrid Saelen, director of the Aldera Volcano Observatory, said so.")
    assert role_missing("who is the head of the volcano observatory", "Dr Ingrid Saelen, a geologist at the Aldera Volcano Observatory, said so.")
    assert not role_missing("who's the chief vet in ostervald", "Dr Sigrun Aalto, Ostervald's chief veterinary officer, said so.", {"ostervald"})


def test_who_runs_or_chairs_asks_for_the_role_of_the_verb():
    from newsdesk.retrieval.answering.constraints import role_asked, role_missing, role_owner_missing

    assert role_asked("who chairs norvance's board", {"norvance"}) == "chair"
    assert role_asked("who is running the trust now") == role_asked("who heads the port authority") == "runs"
    assert role_asked("who leads ashby council", {"ashby"}) == role_asked("who is leading the inquiry") == "leads"
    # a judge or an archaeologist may lead an inquiry: saying so is enough
    assert not role_missing("who is leading the inquiry", "A retired judge, Miriam Castell, will lead the inquiry.")
    # whoever runs a company is its chief executive, director or owner, not its spokesperson
    assert role_missing("who runs vestvei services", "A Vestvei spokesperson, Hanne Morck, said drivers were off sick.", {"vestvei"})
    assert not role_missing("who runs lumaris", "Lumaris chief executive Marcus Vell said the deal was fair.", {"lumaris"})
    # chairing a committee is not chairing the board asked about
    committee = "Annika Roos, who chairs the parliamentary health committee, said she would call Norvance in."
    assert role_owner_missing("who chairs norvance's board", committee, committee, {"norvance"})


def test_an_answer_under_another_title_is_not_the_role_asked_for():
    from newsdesk.retrieval.answering.constraints import title_conflict

    # the opposition's leader is not the leader, as the deputy mayor is not the mayor
    assert title_conflict("who leads ashby council", "Opposition leader ", {"ashby"}, "Fiona Gale")
    assert not title_conflict("who leads ashby council", "Council leader ", {"ashby"}, "Maud Fallon")
    assert not title_conflict("who is leading the inquiry", "appointed retired judge ", set(), "Konrad Beyl")

    envoys = "Which US envoys were in Berlin?"
    assert title_conflict(envoys, "Before meetings with U.S. envoys in Berlin, President ")
    assert not title_conflict(envoys, "talks in Berlin with U.S. special envoy ")
    assert title_conflict(envoys, "Before meetings with U.S. envoys in Berlin, ", answer="President Volodymyr Zelenskyy")
    assert title_conflict("who's the mayor of langvik", "Deputy Mayor ", {"langvik"})
    assert not title_conflict("who is the deputy mayor of lakeshore", "Lakeshore's deputy mayor, ", {"lakeshore"})
    assert not title_conflict("who is tavrin's ceo", "Chief executive ", {"tavrin"})
    assert not title_conflict("who hosted the talks", "German Chancellor ")  # no role asked
    assert not title_conflict("which countries sent delegations", "President ")
    # a title's qualifiers may stand further back than the title's last words
    assert not title_conflict("who's acting vice-rector for research", "The acting vice-rector for research, ")
    assert title_conflict("who's the vice-rector for research", "The acting vice-rector for research, ")


def test_a_role_answered_for_another_owner_is_no_answer():
    from newsdesk.retrieval.answering.constraints import role_owner_missing

    brenna = "Brenna lies below the volcano. The mayor of Brenna, Hanne Tolv, was among the last to leave."
    sentence = "The mayor of Brenna, Hanne Tolv, was among the last to leave."
    assert role_owner_missing("who is the mayor of orsvik", sentence, brenna, {"orsvik"})
    assert not role_owner_missing("who's brenna's mayor", sentence, brenna, {"brenna"})
    assert role_owner_missing("who is the roads minister", "Transport minister Helga Varnum said so.", "")
    # a director general is a role too: the roads authority's is not the space agency's
    roads = "The director general of the roads authority, Sigrid Aalto, said so."
    assert role_owner_missing("who is the ssa director-general", roads, roads)
    assert not role_owner_missing("who is the roads authority's director-general", roads, roads)
    # a name the article gives elsewhere is enough: the sentence may say "the company"
    tavrin = "Tavrin will cut 610 jobs. Chief executive Anton Pell said so."
    assert not role_owner_missing("who is tavrin's ceo", "Chief executive Anton Pell said so.", tavrin, {"tavrin"})
    # "central" in "the central bank governor" says which kind of bank, not whose: news names the bank itself
    sorvia = "Governor Irena Vasko said the bank had not finished raising rates."
    assert not role_owner_missing("who's the central bank governor", sorvia, sorvia)
    assert role_owner_missing("who's the central bank governor", "Governor Anna Holt opened the new bridge.", "")
    # ... but not when the sentence gives the role to another owner by name
    from newsdesk.retrieval.answering.constraints import owner_conflict

    assert owner_conflict("who is the mayor of orsvik", "Brenna's mayor, Hanne Tolv, said most wanted to rebuild.", {"orsvik"})
    # an owner of several words is asked by any of them; a country by its adjective
    assert not owner_conflict("who heads the integrity office", "said Dr Camille Rousset, head of the Athletics Integrity Office.",
                              {"integrity"})
    assert owner_conflict("who heads the integrity office", "said Dr Camille Rousset, head of the Athletics Federation.",
                          {"integrity"})
    assert not owner_conflict("who's the estranian transport minister", "Estrany's transport minister, Pavel Kordan, said so.",
                              {"estranian"})
    # the place a sentence opens with owns the role it names next
    assert owner_conflict("who is the mayor of hochvale", "In Sannow, mayor Pavel Dusek said so.", {"hochvale"})
    assert not owner_conflict("who is the mayor of sannow", "In Sannow, mayor Pavel Dusek said so.", {"sannow"})
    # a sentence naming the role twice gives it to the owner asked about too
    assert not owner_conflict("who runs halloway", "The board named Rosalind Achterberg, chief executive of Kilbride "
                              "Infirmary, as interim chief executive of Halloway.", {"halloway"})


def test_a_name_standing_before_the_role_owns_it():
    from newsdesk.retrieval.answering.constraints import owner_conflict, proper_names

    texts = ["Ekberg left Dorvik for Castellane FC. Castellane head coach Renata Vos called him a striker.",
             "Finance director Rutger Blom will run the company, the board of Norvance said. The minister of transport spoke."]
    proper = proper_names(texts)
    assert {"castellane", "dorvik", "norvance"} <= proper and "finance" not in proper  # "Finance" only opens a sentence
    coach = "Castellane head coach Renata Vos called him a striker."
    assert owner_conflict("who is dorvik's head coach", coach, {"dorvik"}, proper)
    assert not owner_conflict("who is castellane's head coach", coach, {"castellane"}, proper)
    # a portfolio or a word of the question before the role is no other owner
    assert not owner_conflict("who's running norvance now", "Finance director Rutger Blom will run the company.", {"norvance"}, proper)
    assert not owner_conflict("who is brunland's transport minister", "Transport Minister Ana Holm said so.", {"brunland"},
                              proper | {"transport"})
    assert owner_conflict("who is kallmark's fisheries minister", "Varsenia's fisheries minister, Gunnar Aasby, said so.", {"kallmark"})
    assert owner_conflict("who is osterholm's ceo", "Kell's chief executive Ada Lund said so.", {"osterholm"})
    assert not owner_conflict("who is the mayor of orsvik", "Orsvik's mayor, Ada Lund, said so.", {"orsvik"})
    assert not owner_conflict("who is the mayor of orsvik", "Its mayor, Ada Lund, said so.", {"orsvik"})  # names nobody
    assert not owner_conflict("who is the mayor", "The mayor of Brenna, Hanne Tolv, said so.")  # no owner asked


def test_a_name_inside_a_sentence_owns_the_role_after_it():
    from newsdesk.retrieval.answering.constraints import owner_conflict

    demand = "The government has agreed to Castelvero mayor Fabio Merli's demand."
    assert owner_conflict("who is the mayor of monte asso", demand, {"monte", "asso"}, {"castelvero"})
    assert not owner_conflict("who is the mayor of castelvero", demand, {"castelvero"}, {"castelvero"})


def test_its_role_belongs_to_the_name_the_sentence_before_opens_with():
    from newsdesk.retrieval.answering.constraints import owner_conflict

    previous = "Varsenia, which has the largest fleet, has signalled it will resist."
    minister = "Its fisheries minister, Gunnar Aasby, said a cut would bankrupt half the boats."
    proper = {"varsenia", "kallmark"}
    assert owner_conflict("who is kallmark's fisheries minister", minister, {"kallmark"}, proper, previous)
    assert not owner_conflict("who is varsenia's fisheries minister", minister, {"varsenia"}, proper, previous)
    # a sentence before that opens with no name, or a word that is no name, gives "its" no owner
    assert not owner_conflict("who is kallmark's fisheries minister", minister, {"kallmark"}, proper,
                              "The talks ran late.")
    assert not owner_conflict("who is kallmark's fisheries minister", minister, {"kallmark"}, {"kallmark"}, previous)


def test_a_figure_given_as_a_change_does_not_answer_how_many_there_are(tmp_path, fake_encoder):
    from newsdesk.retrieval.answering.constraints import change_not_asked

    census = "The statistics office has raised its count for the Skellmark region by 31,600 people, to 1,128,400."
    desk = _desk_of(tmp_path / "census", fake_encoder, [(census, "Civic Ledger", "2025-06-11")])
    spans = [_reading(desk, "Civic Ledger", "31,600 people", 0.8), _reading(desk, "Civic Ledger", "1,128,400", 0.5)]
    hits = [Hit(desk.index.chunk(spans[0].chunk_id), 1.0)]
    assert assemble_answer("how many people live in skellmark", spans, desk.index, hits, min_score=0.1).text == "1,128,400"
    assert assemble_answer("by how much did the skellmark count rise", spans, desk.index, hits,
                           min_score=0.1).text == "31,600 people"
    # a margin is no tally; a figure after "by" with no change before it is no change
    assert change_not_asked("how many votes did sorensen get", "Sorensen has won the race by ", "3,412 votes")
    assert not change_not_asked("how many votes did sorensen win by", "Sorensen has won the race by ", "3,412 votes")
    assert not change_not_asked("how much have egg prices gone up", "Egg prices rose by ", "12 percent")
    assert not change_not_asked("how many men attacked the guard", "The guard was attacked by ", "three men")


def test_a_figure_a_report_says_was_replaced_does_not_answer_what_it_is_now(tmp_path, fake_encoder):
    from newsdesk.retrieval.answering.reports import replaced_figure

    minutes = ("The committee split four votes to three, the minutes show. "
               "Earlier reports, citing people familiar with the discussions, had put the vote at 5-2.")
    desk = _desk_of(tmp_path / "minutes", fake_encoder, [(minutes, "Capital Markets Weekly", "2025-10-02")])
    spans = [_reading(desk, "Capital Markets Weekly", "5-2", 0.8), _reading(desk, "Capital Markets Weekly", "four votes to three", 0.5)]
    hits = [Hit(desk.index.chunk(spans[0].chunk_id), 1.0)]
    assert assemble_answer("what was the committee vote", spans, desk.index, hits, min_score=0.1).text == "four votes to three"
    assert assemble_answer("what was the vote first reported", spans, desk.index, hits, min_score=0.1).text == "5-2"

    def replaced(sentence, answer, question="how many"):
        at = sentence.index(answer)
        return replaced_figure(question, sentence[:at], sentence[at + len(answer):], answer)

    hurt = "Police said the number hurt had risen to 19, from the 12 reported on Saturday."
    assert replaced(hurt, "12") and not replaced(hurt, "19")
    tax = "It cut its planned rise from 4.9 percent to 3.9 percent."
    assert replaced(tax, "4.9 percent") and not replaced(tax, "3.9 percent")
    jobs = "It will cut 600 jobs, not the 450 first announced."
    assert replaced(jobs, "450") and not replaced(jobs, "600")
    assert replaced("The damage is 95 million, up from its first estimate of 60 million.", "60 million")
    assert replaced("About 640,000 will benefit, more than the 590,000 estimated.", "590,000")
    # a figure beside "from" or "more than" that replaces nothing stands
    assert not replaced("Delegates from the 20 countries met.", "20")
    assert not replaced("More than 9,000 vehicles crossed.", "9,000")
    assert not replaced("It has 12 members.", "members")  # no figure


def test_a_phrase_for_other_people_is_not_the_role_asked_for():
    from newsdesk.retrieval.answering.constraints import other_people

    envoys = "Which US envoys were in Berlin?"
    assert other_people(envoys, "European allies", {"us"})
    assert not other_people(envoys, "Steve Witkoff and son-in-law Jared Kushner", {"us"})
    assert not other_people(envoys, "U.S. special envoys", {"us"})
    assert other_people("who is the mediator", "Vessmark's government")
    assert not other_people("who is the mediator", "the mediator Wendel Birkett")
    assert not other_people("who is osterholm's ceo", "its chief executive", {"osterholm"})
    # a question asking for no role asks for no people: "which firm", "which countries"
    assert not other_people("which countries sent troops", "its neighbours")


def test_a_question_that_fits_two_stories_equally_asks_which_one_is_meant(tmp_path, fake_encoder):
    solvara = ("The talks between Solvara and Kalmia resumed in Vennmark on Monday. The mediator, Amara Lindqvist, "
               "said both delegations had agreed to meet again.")
    keldhaven = ("Dockers at Keldhaven port met the Keldhaven Container Terminal on Friday. The mediator, Wendel "
                 "Birkett, said the lockout could end within a week.")
    later = "Talks between Solvara and Kalmia in Vennmark ended on Tuesday, the mediator Amara Lindqvist said."

    def ask(question, articles, scores):
        desk = _desk_of(tmp_path / str(len(list(tmp_path.iterdir()))), fake_encoder, articles)
        spans = [_reading(desk, outlet, name, score) for (_, outlet, _), name, score in zip(articles, names, scores)]
        hits = [Hit(desk.index.chunk(s.chunk_id), 1.0) for s in spans]
        return assemble_answer(question, spans, desk.index, hits, min_score=0.1)

    names = ["Amara Lindqvist", "Wendel Birkett"]
    two_stories = [(solvara, "Solvara Times", "2025-06-10"), (keldhaven, "Port Weekly", "2025-06-12")]
    doubt = ask("who is the mediator", two_stories, [0.8, 0.7])
    assert doubt.abstained and doubt.several_stories
    assert ["Amara Lindqvist" in c.quote for c in doubt.related] == [True, False]
    assert "Wendel Birkett" in doubt.related[1].quote
    # far behind, the other story is no doubt; a question naming its story has none either
    assert ask("who is the mediator", two_stories, [0.8, 0.3]).text == "Amara Lindqvist"
    assert ask("who is the mediator in keldhaven", two_stories, [0.7, 0.8]).text == "Wendel Birkett"
    # a name both stories mention does not tell them apart ("Vennmark" in each)
    vennmark = [(solvara, "Solvara Times", "2025-06-10"),
                (keldhaven.replace("on Friday.", "on Friday, after a meeting in Vennmark."), "Port Weekly", "2025-06-12")]
    assert ask("who is the mediator in vennmark", vennmark, [0.8, 0.7]).several_stories
    # two reports of one story giving two names is no doubt about the story
    names = ["Amara Lindqvist", "Amara Lindqvist"]
    one_story = [(solvara, "Solvara Times", "2025-06-10"), (later, "Kalmia Post", "2025-06-11")]
    assert ask("who is the mediator", one_story, [0.8, 0.7]).text == "Amara Lindqvist"


def test_what_was_asked_for_is_not_what_was_got():
    from newsdesk.retrieval.answering.constraints import demand_not_outcome

    getting = "what pay rise are rail workers getting"
    assert demand_not_outcome(getting, "The union is demanding a ")
    assert demand_not_outcome("what did the teachers get in the end", "LSR has offered ")
    assert not demand_not_outcome(getting, "Under the deal the union accepted, drivers get ")
    assert not demand_not_outcome(getting, "After demanding 9 percent, the union agreed to ")
    assert not demand_not_outcome("what pay rise is the union demanding", "The union is demanding a ")


def test_a_holder_who_has_left_the_role_is_not_its_holder_now():
    from newsdesk.retrieval.answering.reports import left_the_role

    asked = "who is running the immunisation agency now"
    assert left_the_role(asked, "", " has resigned as head of the agency on Monday")
    assert left_the_role("who's the governor at ulmstead", "The prison's governor, ", ", has taken early retirement, the ministry said")
    assert left_the_role("who is the chief executive", "the former chief executive ", " said")
    assert not left_the_role(asked, "The head of the agency, ", ", said flu was circulating")
    # replaced, left the company, "at the time": the one replaced has gone, the successor holds it
    manager = "who's the plant manager at ostrel"
    assert left_the_role(manager, "Ostrel has replaced its plant manager, ", ", with Mira Castell.")
    assert not left_the_role(manager, "Ostrel has replaced its plant manager, Henrik Aasland, with ", ".")
    assert not left_the_role(manager, "Ostrel replaced Henrik Aasland with ", ".")
    assert left_the_role(manager, "Its plant manager at the time, ", ", left the company in August.")
    assert left_the_role(manager, "The plant manager, ", ", was replaced by Mira Castell in May.")
    assert not left_the_role(manager, "The plant manager, ", ", left the meeting early.")
    # a question about the past, or about who left, asks for the one who left
    assert not left_the_role("who was the head of the agency", "", " has resigned")
    assert not left_the_role("who is the outgoing governor", "", " has resigned")
    assert not left_the_role("who resigned as head of the agency", "", " has resigned")
    # no role asked: "who said it" may name whoever left
    assert not left_the_role("who said the agency was warned", "", " has resigned")


def test_a_sentence_about_another_thing_of_the_kind_asked_does_not_answer():
    from newsdesk.retrieval.answering.qualifiers import other_thing

    assert other_thing("how many inmates does kellby prison hold", "Greyholm Prison holds about 640 inmates.", {"kellby"})
    assert other_thing("who won the women's wheelchair race", "The men's wheelchair race was won by Emil Sandvoll.", set())
    assert not other_thing("who won the women's wheelchair race", "The women's wheelchair race was won by Anna Berg.", set())
    # the thing asked about, however written: its adjective, or a pronoun's possessive
    assert not other_thing("who's the estranian transport minister", "Estrany's transport minister, Pavel Kordan, said so.",
                           {"estranian"})
    assert not other_thing("which quillon offices are affected", "The cuts will hit the company's offices in Brightwater.",
                           {"quillon"})
    # a name of several words is one name; an abbreviation or a gerund tells nothing apart
    assert not other_thing("who played the wife on the real mccoys", "The family is Grandpa Amos McCoy and his grandson.",
                           {"real", "mccoys"})
    assert not other_thing("what rules does us amateur hockey have", "United States amateur hockey has new rules.", {"us"})
    assert not other_thing("who would gain from hiring mercenaries", "Rajas often hired European mercenaries.", {"hiring"})


def test_a_name_opening_a_sentence_and_one_word_from_its_noun_still_names_another_thing():
    from newsdesk.retrieval.answering.qualifiers import other_thing

    boats = "Varsenian herring boats will be allowed to catch 151,000 tonnes next year."
    # The articles only ever write "Varsenian" capitalised: opening the sentence, it is still a name, and
    # "herring" only says which boats.
    assert other_thing("how much will kallmark's boats be allowed to catch", boats, {"kallmark"}, proper={"varsenian"})
    assert not other_thing("how much will varsenia's boats be allowed to catch", boats, {"varsenia"}, proper={"varsenian"})
    # A capital that only opens the sentence ("Fishing boats …") names nothing.
    assert not other_thing("how much will kallmark's boats be allowed to catch",
                           "Fishing boats will be allowed to catch 151,000 tonnes next year.", {"kallmark"}, proper={"varsenian"})


def test_a_near_miss_about_another_fleet_is_refused(tmp_path, fake_encoder):
    desk = _desk_of(tmp_path, fake_encoder, [
        ("Kallmark and Varsenia agreed the Orvane herring deal on Sunday. Varsenian herring boats will be allowed to catch "
         "151,000 tonnes next year, the ministry said. The deal cuts the Varsenian quota for a second year.",
         "Northern Seas Wire", "2025-12-08")])
    span = _reading(desk, "Northern Seas Wire", "151,000 tonnes", 0.8)
    hits = [Hit(desk.index.chunk(span.chunk_id), 1.0)]
    # The articles never say what Kallmark's boats may catch.
    assert assemble_answer("how much will kallmark's boats be allowed to catch", [span], desk.index, hits, min_score=0.1).abstained
    assert assemble_answer("how much will varsenia's boats be allowed to catch", [span], desk.index, hits,
                           min_score=0.1).text == "151,000 tonnes"


def test_a_sentence_saying_what_was_asked_was_not_given_is_no_answer(tmp_path, fake_encoder):
    from newsdesk.retrieval.answering.qualifiers import withheld

    assert withheld("why didnt the alarm go off", "She did not say why the alarm had not sounded in the rooms.")
    assert withheld("how much is calder grid setting aside", "It had set aside money for claims but would not give a figure.")
    assert withheld("what's the name of the overseas collector", "The overseas collector has not been named.")
    assert withheld("when does the trial start", "The court declined to say when the trial would start.")
    # What was held back is another thing than what is asked.
    assert not withheld("where is kairn labs registered", "She registered Kairn Labs in Kellhaven, but declined to say what it would do.")
    assert not withheld("how many jobs is quillon cutting", "After Quillon cut 350 jobs, staff still do not know who will go.")
    assert not withheld("why did the talks fail", "The talks failed because neither side would give ground.")

    desk = _desk_of(tmp_path, fake_encoder, [
        ("Brightwater Stores will review all of its 86 stores and close those losing money, but it did not say how many.",
         "Retail Wire", "2025-10-07")])
    spans = [_reading(desk, "Retail Wire", "86", 0.9)]
    hits = [Hit(desk.index.chunk(spans[0].chunk_id), 1.0)]
    assert assemble_answer("How many stores is Brightwater closing?", spans, desk.index, hits, min_score=0.1).abstained


def test_a_differing_answer_the_reader_barely_believes_is_not_shown_but_an_older_figure_is(tmp_path, fake_encoder):
    desk = _desk_of(tmp_path / "home", fake_encoder, [
        ("The ferry Morning Heron was carrying 84 people when it ran aground at Belmora.", "Riverlands Monitor", "2025-08-05"),
        ("It ran aground about 300 metres from the pier at Belmora.", "Belmora Daily Star", "2025-08-04"),
        ("The ferry Morning Heron, carrying 69 people, ran aground off Belmora.", "Belmora News Agency", "2025-08-03")])

    def answer(metres, older=0.16):
        spans = [_reading(desk, "Riverlands Monitor", "84", 0.3), _reading(desk, "Belmora Daily Star", "about 300 metres", metres),
                 _reading(desk, "Belmora News Agency", "69", older)]
        hits = [Hit(desk.index.chunk(s.chunk_id), 1.0) for s in spans]
        return assemble_answer("How many people were on the Morning Heron?", spans, desk.index, hits, min_score=0.1)

    sure = answer(metres=0.25)
    assert sure.text == "84" and {a.text for a in sure.alternatives} == {"about 300 metres", "69"}
    # Read at 0.16 the distance is no outlet's answer; the older report's figure, read as surely, still shows.
    unsure = answer(metres=0.16)
    assert unsure.text == "84" and [(a.text, a.outlets) for a in unsure.alternatives] == [("69", ("Belmora News Agency",))]
    # ... but not one the reader all but rules out
    assert answer(metres=0.16, older=0.035).alternatives == ()


def test_an_older_report_is_shown_with_its_figure_of_what_was_asked_not_its_best_weighed_answer(tmp_path, fake_encoder):
    desk = _desk_of(tmp_path, fake_encoder, [
        ("58 pilot whales have now stranded on Feyne beach, rescuers said.", "Westerly Broadcasting", "2025-07-25"),
        ("Forty-six pilot whales stranded on Feyne beach on Sunday, rescuers said.", "Feyne Peninsula Press", "2025-07-21"),
        ("Rescuers said 22 volunteers worked through the night.", "Feyne Peninsula Press", "2025-07-21")])
    lead, volunteers = _reading(desk, "Westerly Broadcasting", "58", 0.6), _reading(desk, "Feyne Peninsula Press", "22", 0.4)
    older = _reading(desk, "Feyne Peninsula Press", "Forty-six", 0.5)
    # Retrieval ranks the older report's passage about the whales low: weighed by it, the outlet's best answer is 22.
    hits = [Hit(desk.index.chunk(lead.chunk_id), 1.0), Hit(desk.index.chunk(volunteers.chunk_id), 1.0),
            Hit(desk.index.chunk(older.chunk_id), 0.5)]
    answer = assemble_answer("how many whales stranded", [lead, volunteers, older], desk.index, hits, min_score=0.1)
    assert answer.text == "58"
    assert [(a.text, a.outlets) for a in answer.alternatives] == [("Forty-six", ("Feyne Peninsula Press",))]


def test_an_older_reports_figure_of_what_was_asked_is_found_among_its_readings(tmp_path, fake_encoder):
    def alternatives(home, older_text, readings):
        desk = _desk_of(tmp_path / home, fake_encoder, [
            ("Ashby council will now cut 80 jobs, the council said.", "Ashby Courier", "2026-02-10"),
            (older_text, "Eastfield News", "2026-02-02")])
        lead = _reading(desk, "Ashby Courier", "80", 0.8)
        older = [_reading(desk, "Eastfield News", text, score) for text, score in readings]
        hits = [Hit(desk.index.chunk(lead.chunk_id), 1.0), Hit(desk.index.chunk(older[0].chunk_id), 1.0)]
        answer = assemble_answer("how many council jobs are going", [lead, *older], desk.index, hits, min_score=0.1)
        assert answer.text == "80"
        return [a.text for a in answer.alternatives]

    # The older report reads best as its libraries, a figure of another thing; its figure of the jobs is the one shown.
    assert alternatives("a", "Ashby council will cut 95 jobs. Its 26 libraries stay open.", [("26", 0.5), ("95", 0.4)]) == ["95"]
    # A reading that counts something else than the lead's figure is not taken for it.
    assert alternatives("b", "Ashby council will cut jobs over three months. Its 26 libraries stay open.",
                        [("26", 0.5), ("three months", 0.4)]) == ["26"]


def test_a_figure_given_with_the_one_it_replaced_is_the_figure_stated(tmp_path, fake_encoder):
    from newsdesk.retrieval.answering.corroboration import as_stated

    def stated(text, before="The club said "):
        return as_stated(Span(text, "a", 0, len(before), len(before) + len(text), 0.5), before + text)

    assert stated("19 million marks from 24 million").text == "19 million marks"
    cut = stated("95 million thalers, up from its first estimate of 60 million")
    assert (cut.text, cut.start, cut.end) == ("95 million thalers", 14, 32)
    risen = stated("2,400 to 3,900 florins", "The fee will rise from ")
    assert (risen.text, risen.start, risen.end) == ("3,900 florins", 32, 45)
    assert stated("raised from 2.5 million to 2.9 million vellans").text == "2.9 million vellans"
    # not a figure, no figure replaced, a tally or a range
    assert stated("a drilling crew from Tessel Drilling").text == "a drilling crew from Tessel Drilling"
    assert stated("600 jobs from its Norvale plant").text == "600 jobs from its Norvale plant"
    assert stated("87 to 80", "The bill passed by ").text == "87 to 80"
    assert stated("10 to 12 July 2026", "The festival runs from ").text == "10 to 12 July 2026"

    desk = _desk_of(tmp_path, fake_encoder, [
        ("The Corvex naming deal is worth 24 million marks, the club said.", "Harwick Evening Star", "2025-06-04"),
        ("The Corvex deal's value was reduced to 19 million marks from 24 million, the club said.", "Sportline Wire", "2025-07-08")])
    older, newer = _reading(desk, "Harwick Evening Star", "24 million marks", 0.8), \
        _reading(desk, "Sportline Wire", "19 million marks from 24 million", 0.6)
    hits = [Hit(desk.index.chunk(s.chunk_id), 1.0) for s in (older, newer)]
    answer = assemble_answer("how much is the corvex deal worth", [older, newer], desk.index, hits, min_score=0.1)
    # The later report does not corroborate the figure it says was replaced: its own figure leads.
    assert answer.text == "19 million marks"
    assert [(a.text, a.outlets) for a in answer.alternatives] == [("24 million marks", ("Harwick Evening Star",))]


def test_an_older_reports_figure_is_no_rival_to_a_newer_ones(tmp_path, fake_encoder):
    from newsdesk.retrieval.answering.answer import answer_evidence
    from newsdesk.retrieval.answering.ranking import RankedAnswer

    desk = _desk_of(tmp_path, fake_encoder, [
        ("The Tessaly Hotel fire forced about 230 guests and staff out, the Lenzano fire service said.", "Lenzano Herald", "2025-03-02"),
        ("The Tessaly Hotel held 264 guests and staff when the fire began, the Lenzano fire service said, "
         "and raised 41 million lire for its repair.", "Tessaly Post", "2025-03-05"),
        ("Harbour Radio heard that about 230 guests and staff were in the Tessaly Hotel, the Lenzano fire service said.",
         "Harbour Radio", None)])
    newer, older = _reading(desk, "Tessaly Post", "264", 0.5), _reading(desk, "Lenzano Herald", "about 230", 0.4)
    money = _reading(desk, "Tessaly Post", "41 million lire", 0.4)
    hits = [Hit(desk.index.chunk(s.chunk_id), 1.0) for s in (newer, older)]

    def evidence(*readings):
        ranked = [RankedAnswer(group[0].text, group[0].score, list(group)) for group in
                  (r if isinstance(r, tuple) else (r,) for r in readings)]
        found = answer_evidence("how many people were in the hotel", ranked, {r.key: r.score for r in ranked}, hits,
                                articles=desk.index.articles)
        return {key: e.runner_up for key, e in found.items()}

    # News figures change from one report to the next: the older figure does not make the newer one doubtful ...
    assert evidence(newer, older) == {"264": 0.0, "about 230": 0.5}
    # ... but a figure of something else does, and so does the newer figure for the older one;
    # a report without a date may be the newest.
    assert evidence(newer, money)["264"] == 0.4
    assert evidence(newer, (older, _reading(desk, "Harbour Radio", "about 230", 0.3)))["264"] == 0.4


def test_a_vote_is_answered_with_the_side_or_the_whole_tally_the_question_asks_for(tmp_path, fake_encoder):
    articles = [("The National Assembly elected Oriane Hanssow prime minister by 95 votes to 84 on Tuesday. "
                 "In Harbour ward, Redwin finished with 19,015 votes to 18,828 for Tobias Merrow.",
                 "Casmerra Post", "2026-03-03")]
    desk = _desk_of(tmp_path / "home", fake_encoder, articles)

    def ask(question, read):
        spans = [_reading(desk, "Casmerra Post", read, 0.8)]
        return assemble_answer(question, spans, desk.index, [Hit(desk.index.chunk(spans[0].chunk_id), 1.0)], min_score=0.1)

    # the reader took the other side of the tally
    assert ask("how many votes did hanssow get", "84").text == "95"
    assert ask("how many mps voted against hanssow", "95").text == "84"
    assert ask("what was the vote on hanssow", "84").text == "95 votes to 84"
    # the second side is that of whoever is named after it
    assert ask("how many votes did merrow get", "19,015").text == "18,828"
    # a question about no vote keeps the figure read
    assert ask("how many people were hurt", "84").text == "84"


def test_the_figure_a_later_report_names_as_replaced_is_the_one_shown_from_the_older_report(tmp_path, fake_encoder):
    from newsdesk.retrieval.answering.reports import named_as_replaced

    desk = _desk_of(tmp_path, fake_encoder, [
        ("Kessel Savings Bank raised its compensation to 75 marks per customer, up from 50 marks, after the outage.",
         "Finance Wire", "2025-12-08"),
        ("Kessel Savings Bank said 12,000 accounts were hit. Customers will be offered 50 marks each.",
         "Capital Morning Herald", "2025-12-05")])
    question = "how much compensation is kessel paying each customer"
    lead = _reading(desk, "Finance Wire", "75 marks", 0.8)
    assert named_as_replaced(question, lead, "50 marks", desk.index)
    assert not named_as_replaced(question, lead, "75 marks", desk.index)  # the lead's own figure
    assert not named_as_replaced("how much compensation was first offered", lead, "50 marks", desk.index)  # asks for the old one
    accounts, offered = _reading(desk, "Capital Morning Herald", "12,000", 0.35), _reading(desk, "Capital Morning Herald", "50 marks", 0.3)
    hits = [Hit(desk.index.chunk(s.chunk_id), 1.0) for s in (lead, offered)]
    answer = assemble_answer(question, [lead, accounts, offered], desk.index, hits, min_score=0.1)
    # The older report's best reading (12,000 accounts, too unsure to differ) is another figure; the one the lead says it
    # replaced is shown from it, although its sentence shares few of the question's words.
    assert answer.text == "75 marks"
    assert [(a.text, a.outlets, a.dates) for a in answer.alternatives] == [("50 marks", ("Capital Morning Herald",), ("2025-12-05",))]


def test_an_older_figure_from_another_story_is_never_shown_as_the_figure_a_report_changed(tmp_path, fake_encoder):
    desk = _desk_of(tmp_path, fake_encoder, [
        ("Appliance maker Dunmore said on Tuesday that 600 jobs will be cut at its Kelby plant in Westmarch.",
         "Harlow Gazette", "2026-03-10"),
        ("Appliance maker Dunmore first said 450 jobs would be cut at the Kelby plant in Westmarch.", "Kelby Times", "2026-02-20"),
        ("The Ostrava Mining Company said 380 jobs will be cut at its Brennan pit near Tullow.", "Valley Post", "2026-02-01")])
    lead = _reading(desk, "Harlow Gazette", "600", 0.8)
    same, other = _reading(desk, "Kelby Times", "450", 0.5), _reading(desk, "Valley Post", "380", 0.5)
    hits = [Hit(desk.index.chunk(s.chunk_id), weight) for s, weight in ((lead, 1.0), (same, 0.6), (other, 0.6))]
    answer = assemble_answer("how many jobs will be cut", [lead, same, other], desk.index, hits, min_score=0.1)
    assert answer.text == "600"
    # The older report of the Kelby story is shown with its figure; the mine's cuts, another story's, are no one's disagreement.
    assert [(a.text, a.outlets) for a in answer.alternatives] == [("450", ("Kelby Times",))]


def test_a_newer_reports_answer_of_another_shape_or_unit_does_not_take_the_lead(tmp_path, fake_encoder):
    desk = _desk_of(tmp_path, fake_encoder, [
        ("The Velden price cap will be paid for by a temporary levy on the excess profits of Kessar generators, "
         "minister Ana Holt said. The Kessar cliffs lost more than 60 metres in the storm.", "Velden Post", "2026-01-05"),
        ("Minister Ana Holt said the Velden price cap holds bills at 11.8 cents per kilowatt-hour for Kessar homes. "
         "Repairs to the Kessar cliffs will cost 140,000 marks.", "Kessar Wire", "2026-01-20")])

    def lead(question, older, newer):
        spans = [_reading(desk, "Velden Post", older, 0.6), _reading(desk, "Kessar Wire", newer, 0.5)]
        hits = [Hit(desk.index.chunk(s.chunk_id), 1.0) for s in spans]
        return assemble_answer(question, spans, desk.index, hits, min_score=0.1).text

    # What pays for the cap is no figure, and the cliff's loss is counted in metres, not marks: the newer
    # report's best answers are about something else, and the older report's answer stays the lead.
    assert lead("what's paying for the velden price cap", "a temporary levy on the excess profits of Kessar generators",
                "11.8 cents per kilowatt-hour") == "a temporary levy on the excess profits of Kessar generators"
    assert lead("how much cliff did kessar lose", "more than 60 metres", "140,000 marks") == "more than 60 metres"


def test_an_answer_that_runs_past_its_sentence_ends_with_it(tmp_path, fake_encoder):
    desk = _desk_of(tmp_path, fake_encoder, [
        ("Three regions of Ilvaria lost population: Varndal, Oskmere and Haldrik. Skellmark, in the south, grew fastest. "
         "Its census office moved to the U.S. The move cost 4 million crowns.", "Ilvaria Times", "2025-03-04")])

    def ask(question, read):
        spans = [_reading(desk, "Ilvaria Times", read, 0.8)]
        return assemble_answer(question, spans, desk.index, [Hit(desk.index.chunk(spans[0].chunk_id), 1.0)], min_score=0.1)

    # The reader's span ran on into the next sentence: the list ends where its sentence does, and so does the quote.
    lost = ask("which regions of ilvaria lost population", "Varndal, Oskmere and Haldrik. Skellmark")
    assert lost.text == "Varndal, Oskmere and Haldrik"
    assert lost.quote == "Three regions of Ilvaria lost population: Varndal, Oskmere and Haldrik."
    # An answer that ends its sentence keeps its last character.
    assert ask("where did the census office of ilvaria move", "the U.S.").text == "the U.S."
