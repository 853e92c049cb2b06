"""Newsroom questions through the command line, with the real bundled model and the shipped
reader: the README's and the bot's examples, what a source says and does not say, figures that
a later report changed, roles that are not the one asked for, follow-ups in chat."""

import io
import json
import sys

import pytest

from newsdesk.bot.cli import main

pytestmark = pytest.mark.slow


def _ask(capsys, home, question, *extra):
    assert main(["ask", question, "--home", str(home), "--json", "--no-log", *extra]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    home = tmp_path_factory.mktemp("seeds")
    assert main(["ask", "Who hosted the Berlin talks?", "--home", str(home), "--no-log"]) == 0
    return home


STORIES = {
    "ledger.md": """---
title: Halvorsen Robotics to cut 450 jobs in Eastport
outlet: Business Ledger
date: 2026-03-02
---
Halvorsen Robotics will cut 450 jobs at its Eastport assembly plant, the company said on Monday,
blaming weaker orders from carmakers. Chief executive Ines Morland said the cuts would be made by
the end of June. The plant employs about 2,100 people.
""",
    "times.txt": """Eastport Times
March 9, 2026

Halvorsen to cut 600 Eastport jobs as orders fall further

Halvorsen Robotics will cut 600 jobs, not the 450 first announced, the company confirmed on
Monday after a second carmaker cancelled its orders. Union official Tomas Brede called the new
figure "a betrayal of the workforce".
""",
    "herald.txt": """Lakeshore Herald, 2026-02-09

Lakeshore council backs harbour plan

Lakeshore's deputy mayor, Petra Valen, said on Monday that the harbour plan would go ahead after
the council approved it by 21 votes to 9. The drivers' union demanded a 9 percent pay rise for
harbour bus staff; the council later agreed a 6 percent rise.
""",
}


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory):
    home, folder = tmp_path_factory.mktemp("newsroom"), tmp_path_factory.mktemp("articles")
    for name, text in STORIES.items():
        (folder / name).write_text(text)
    assert main(["ingest", str(folder), "--home", str(home), "--quiet"]) == 0
    assert main(["remove", "--seeds", "--home", str(home), "--quiet"]) in (0, 1)
    return home


def test_the_readme_and_bot_examples_answer(seeds, capsys):
    met = _ask(capsys, seeds, "Who did Zelenskyy meet on Sunday?")
    assert "Witkoff" in met["answer"] and "Kushner" in met["answer"] and len(met["citations"]) >= 2
    # an outlet naming one of the two ("U.S. envoy Witkoff") says the same, not something else
    assert not any("Witkoff" in alternative["text"] for alternative in met["alternatives"])
    offer = _ask(capsys, seeds, "What did Zelenskyy offer in exchange for security guarantees?")
    assert offer["answer"] and "NATO" in offer["answer"] and offer["kind"] == "sentence"


def test_who_someone_is_is_the_title_the_articles_give_the_name(seeds, capsys):
    peskov = _ask(capsys, seeds, "who is peskov")
    assert peskov["answer"] == "Kremlin spokesman Dmitry Peskov"
    assert peskov["answer"] in peskov["citations"][0]["quote"]


def test_a_refusal_about_a_name_still_shows_the_passages_that_name_it(seeds, capsys):
    kremlin = _ask(capsys, seeds, "What did the Kremlin say?")
    said = [kremlin["answer"] or ""] + [c["quote"] for c in kremlin["related"]]
    assert any("Kremlin" in text and "cornerstone" in text for text in said)


def test_an_answer_under_another_title_is_not_given_for_the_role_asked(seeds, capsys):
    envoys = _ask(capsys, seeds, "Which US envoys were in Berlin?")
    assert "Witkoff" in envoys["answer"] and "Zelenskyy" not in envoys["answer"]


def test_what_someone_said_is_given_as_a_clause_or_sentence(seeds, capsys):
    pistorius = _ask(capsys, seeds, "What did Boris Pistorius say?")
    assert pistorius["kind"] == "sentence" and pistorius["answer"]
    assert len(pistorius["answer"].split()) >= 5  # a clause, not "Ukraine"
    assert pistorius["answer"] in pistorius["citations"][0]["quote"]


def test_nothing_is_attributed_to_an_outlet_that_does_not_say_it(seeds, capsys):
    progress = _ask(capsys, seeds, 'Who said "a lot of progress"?')
    assert "Witkoff" in progress["answer"]
    assert all("Kushner" not in a["text"] for a in progress["alternatives"])
    assert all("a lot of progress" in citation["quote"] for citation in progress["citations"])


def test_a_french_president_answer_names_a_french_president(seeds, capsys):
    french = _ask(capsys, seeds, "Which French president joined the talks?")
    assert french["abstained"] or "Macron" in french["answer"]


def test_the_newest_report_leads_and_the_older_figure_is_shown_not_counted(newsroom, capsys):
    cut = _ask(capsys, newsroom, "How many jobs will Halvorsen Robotics cut?")
    assert cut["answer"] and "600" in cut["answer"]
    assert [c["outlet"] for c in cut["citations"]][:1] == ["Eastport Times"]
    assert "Business Ledger" not in [c["outlet"] for c in cut["citations"]]
    [older] = cut["alternatives"]
    assert "450" in older["text"] and older["outlets"] == ["Business Ledger"] and older["dates"] == ["2026-03-02"]
    assert main(["ask", "How many jobs will Halvorsen Robotics cut?", "--home", str(newsroom), "--no-log"]) == 0
    text = capsys.readouterr().out
    assert "Latest report first: Eastport Times, 2026-03-09." in text and "Business Ledger (2026-03-02)" in text


def test_a_deputy_is_not_the_one_asked_for(newsroom, capsys):
    assert _ask(capsys, newsroom, "Who is the mayor of Lakeshore?")["abstained"]
    deputy = _ask(capsys, newsroom, "who is the deputy mayor of lakeshore")
    assert deputy["answer"] and "Petra Valen" in deputy["answer"]
    demand = _ask(capsys, newsroom, "What pay rise did the union demand?")
    assert demand["answer"] and "9 percent" in demand["answer"] and "6 percent" not in demand["answer"]


def test_chat_follow_ups_keep_the_subject_and_a_new_topic_stands_alone(seeds, monkeypatch, capsys):
    lines = ["Who is the Kremlin spokesman?", "And what did Russia say?", "nonsense qwerty", "and who is he?", "quit"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["chat", "--home", str(seeds), "--json", "--no-log"]) == 0
    answers = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    spokesman, russia, nonsense, again = answers
    assert "Peskov" in (spokesman["answer"] or "")
    assert russia["follow_up_of"] == lines[0] and russia["answer"] != spokesman["answer"]
    assert nonsense["follow_up_of"] is None and nonsense["abstained"]
    # a question that found nothing is skipped: the next follow-up is read with the last real exchange
    assert again["follow_up_of"] == lines[1]


def test_chat_reads_a_short_reply_to_which_story_with_the_question(seeds, monkeypatch, capsys):
    from newsdesk.retrieval.service import Newsdesk
    from newsdesk.types import Answer, Citation

    asked = []
    passages = tuple(Citation(f"a{n}", f"Talks {n}", outlet, None, None, None, quote, 0, len(quote), 0, len(quote))
                     for n, (outlet, quote) in enumerate([("Eastport Times", "Anna Vik is mediating the bus talks."),
                                                          ("Seas Wire", "Ole Dahl is mediating the herring talks.")]))

    def ask(self, question, **kwargs):
        asked.append(question)
        # the first question fits two stories: the refusal asks which is meant
        first = len(asked) == 1
        return Answer(question, None, 0.1, related=passages if first else (), several_stories=first)

    monkeypatch.setattr(Newsdesk, "ask", ask)
    lines = ["who is mediating the talks", "in eastport", "nonsense qwerty zz", "quit"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["chat", "--home", str(seeds), "--json", "--no-log"]) == 0
    replies = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert replies[0]["several_stories"] and replies[1]["follow_up_of"] == lines[0]
    assert asked[1] == "in eastport (who is mediating the talks)"
    assert replies[2]["follow_up_of"] is None  # only the reply right after the refusal names a story


UPDATED_REPORTS = {
    "portside.md": """# Dock strike at Velmar

By Ada Kern for Portside News
Last updated 09:12, Tuesday 3 March 2026

About 1,200 dock workers at Velmar will strike for three days from Friday, the dockers' union said on
Tuesday. The port handles a third of the country's container traffic.
""",
    "coast.txt": """Crane drivers join Velmar dock strike

VELMAR, March 5, 2026 — About 1,450 dock workers, not the 1,200 first announced, will strike at Velmar
from Friday after crane drivers joined the walkout, the union said on Thursday.

(Coast Daily, 5 March 2026)
""",
}


def test_reports_dated_and_signed_as_pages_do_let_the_newest_lead(tmp_path, capsys):
    home, folder = tmp_path / "home", tmp_path / "articles"
    folder.mkdir()
    for name, text in UPDATED_REPORTS.items():
        (folder / name).write_text(text)
    assert main(["ingest", str(folder), "--home", str(home), "--quiet"]) == 0
    assert main(["remove", "--seeds", "--home", str(home), "--quiet"]) in (0, 1)
    capsys.readouterr()
    strike = _ask(capsys, home, "how many dock workers will strike at velmar")
    assert "1,450" in strike["answer"]
    assert [(c["outlet"], c["date"]) for c in strike["citations"]][:1] == [("Coast Daily", "2026-03-05")]
    [older] = strike["alternatives"]
    assert "1,200" in older["text"] and older["outlets"] == ["Portside News"] and older["dates"] == ["2026-03-03"]
