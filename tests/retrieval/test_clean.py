from datetime import date

import pytest

from newsdesk.retrieval.sources.clean import clean_text
from newsdesk.retrieval.sources.dates import date_line, parse_date
from newsdesk.retrieval.sources.front_matter import FrontMatter, split_front_matter
from newsdesk.retrieval.sources.lines import is_boilerplate
from newsdesk.retrieval.sources.outlets import outlet_of_url
from newsdesk.retrieval.sources.seeds import seed_paths

BOILERPLATE = ["Skip to main content", "Leave a Reply", "Ready for more?", "Join our newsletter",
               "We respect your privacy", "Yes (34)", "No (1)", "Loading comments", "For More visit",
               "Photo:", "(Photo:", "Updated on:", "Published At:", "Enjoyed this article?", "Follow Us:"]


def _seeds():
    return {p.name: clean_text(p.read_text(encoding="utf-8")) for p in seed_paths()}


def test_seed_boilerplate_never_survives_cleaning():
    for name, cleaned in _seeds().items():
        for phrase in BOILERPLATE:
            assert phrase.lower() not in cleaned.text.lower(), (name, phrase)


def test_photo_captions_are_dropped_with_their_credit_lines():
    cleaned = _seeds()["002_53818c7f6e52f222.txt"].text
    assert "Ukrainian soldiers during Russia-Ukraine War" not in cleaned
    outlook = _seeds()["003_633783071a292743.txt"].text
    assert "Ukraine President Volodymyr Zelenskyy\n" not in outlook


def test_seed_metadata_is_read_from_the_text():
    seeds = _seeds()
    assert seeds["001_df8edca33fa6da32.txt"].outlet == "cgtn.com"
    assert seeds["003_633783071a292743.txt"].outlet == "Outlook"
    assert seeds["003_633783071a292743.txt"].date == "2025-12-14"
    assert seeds["003_633783071a292743.txt"].title == "Zelenskyy Signals NATO Compromise to End Ukraine War"
    assert seeds["004_b1ad7f7395a966d4.txt"].outlet == "NewsNeck"
    assert seeds["002_53818c7f6e52f222.txt"].title.startswith("Zelenskyy: Ukraine Ready to Drop NATO")
    assert seeds["000_2f79619225845647.txt"].title == "Zelenskyy Signals Shift on NATO Membership"


def test_content_that_answers_questions_is_kept():
    seeds = _seeds()
    assert "Curated by: Snehal Srivastava" in seeds["003_633783071a292743.txt"].text
    assert "cgtn.com" in seeds["001_df8edca33fa6da32.txt"].text  # the cited reference is content
    assert "German Chancellor Friedrich Merz" in seeds["002_53818c7f6e52f222.txt"].text


def test_glued_sentences_and_stray_full_stops_are_repaired():
    cleaned = clean_text("He said so.Then he left\n.The next day came.").text
    assert cleaned == "He said so. Then he left.\n\nThe next day came."
    assert "Rutte. U.S. envoy" in _seeds()["002_53818c7f6e52f222.txt"].text


def test_known_metadata_wins_over_what_the_text_says():
    cleaned = clean_text("For More visit NewsNeck\nA long enough headline for this story\nBody text here.", outlet="Reuters", title="T")
    assert (cleaned.outlet, cleaned.title) == ("Reuters", "T")


def test_is_boilerplate_and_dates():
    assert is_boilerplate("  Skip to main content ")
    assert not is_boilerplate("Zelenskyy met with U.S. representatives on Sunday.")
    assert parse_date("December 14, 2025") == "2025-12-14"
    assert parse_date("no date here") is None


def test_markdown_heading_marks_and_rules_are_dropped():
    cleaned = clean_text("## Storm hits the coast tonight ##\n\nThe storm hit on Monday.\n\n---\n\n# More\n\nIt left.")
    assert cleaned.title == "Storm hits the coast tonight"
    assert cleaned.text == "Storm hits the coast tonight\n\nThe storm hit on Monday.\n\nMore\n\nIt left."
    assert clean_text("We're #1 in C#.").text == "We're #1 in C#."


def test_a_date_line_among_the_first_lines_is_read():
    cleaned = clean_text("Harbour reopens after the long storm\n\ndate 2025-10-04\nThe harbour reopened.")
    assert cleaned.date == "2025-10-04" and "2025-10-04" not in cleaned.text
    late = clean_text("\n".join(f"Line {i} of the story." for i in range(6)) + "\ndate 2025-10-04 was a Saturday.")
    assert late.date is None and late.text.endswith("date 2025-10-04 was a Saturday.")  # body text, not a header


def test_a_copyright_line_is_no_date():
    cleaned = clean_text("Home\n© 2025 Example News\nCopyright 2024 Example")
    assert (cleaned.text, cleaned.date) == ("Home", None)


# ------------------------------------------------------------------ outlets the text states


def _outlet(text: str) -> str | None:
    return clean_text(text).outlet


BODY = "The harbour reopened on Monday after the storm."


def test_a_dateline_names_its_agency_or_outlet():
    assert _outlet(f"KYIV (Reuters) - {BODY}") == "Reuters"
    assert _outlet(f"Harbour reopens after the storm\nBERLIN, Dec. 14 (AP) — {BODY}") == "Associated Press"
    assert _outlet(f"KYIV, Ukraine (AFP) — {BODY}") == "AFP"
    assert _outlet(f"(CNN) — {BODY}") == "CNN"
    assert _outlet(f"(Updated) — {BODY}") is None  # no outlet's name
    assert _outlet(f"He left (Photo: AP) — {BODY}") is None  # a credit inside a sentence, no dateline


def test_a_dateline_counts_only_at_the_top():
    later = "\n".join(f"Paragraph {n} of the story." for n in range(8))
    assert _outlet(f"{later}\nWASHINGTON (Reuters) - {BODY}") is None  # quoting another report mid-story


def test_a_byline_names_an_agency_only():
    assert _outlet(f"By Jane Doe, Reuters\n{BODY}") == "Reuters"
    assert _outlet(f"By Jane Doe for AFP\n{BODY}") == "AFP"
    assert _outlet(f"By Associated Press\n{BODY}") == "Associated Press"
    assert _outlet(f"By Jane Doe, Staff Writer\n{BODY}") is None  # a job, not an outlet
    assert _outlet(f"By Jane Doe, Washington\n{BODY}") is None  # a place


def test_a_sign_off_names_an_agency():
    assert _outlet(f"{BODY}\n— Reuters") == "Reuters"
    assert _outlet(f"{BODY}\n(AFP)") == "AFP"
    assert _outlet(f"{BODY}\nAssociated Press") == "Associated Press"
    middle = "\n".join(f"Paragraph {n} of the story." for n in range(4))
    assert _outlet(f"{middle}\nAFP\n{middle}") is None  # mid-story: likely a picture's credit


def test_a_copyright_line_names_its_holder_but_not_a_bare_year():
    assert _outlet(f"{BODY}\n© 2025 The Brookmere Ledger. All rights reserved.") == "The Brookmere Ledger"
    assert _outlet(f"{BODY}\nCopyright ©2019–2025 Northgate News Ltd.") == "Northgate News"
    assert _outlet(f"{BODY}\nCopyright 2025 The Associated Press. All rights reserved.") == "Associated Press"
    assert _outlet(f"{BODY}\n© 2025") is None
    assert _outlet(f"{BODY}\nCopyright 2025. All rights reserved.") is None
    assert _outlet(f"{BODY}\n© Getty Images") is None  # a picture's
    assert _outlet(f"{BODY}\ncopyright law is changing, they said") is None  # not a name


def test_a_source_address_or_site_name_line_names_the_site():
    assert _outlet(f"{BODY}\nSource: https://www.example.com/world/harbour") == "example.com"
    assert _outlet(f"{BODY}\nOriginally published at https://brookmere-ledger.co.uk/a") == "brookmere-ledger.co.uk"
    assert _outlet(f"{BODY}\nSource: https://www.reuters.com/world/x") == "Reuters"  # one name per agency
    assert _outlet(f"{BODY}\nSource: AP") == "Associated Press"
    assert _outlet(f"www.northgate-news.com\n{BODY}") == "northgate-news.com"
    assert _outlet(f"{BODY}\nnorthgate-news.com") == "northgate-news.com"
    middle = "\n".join(f"Paragraph {n} of the story." for n in range(4))
    assert _outlet(f"{middle}\nexample.com\n{middle}") is None  # a link mid-story is not the site
    assert _outlet(f"{BODY} More at https://www.example.com/report today.") is None  # a link in a sentence


def test_an_outlet_said_outright_wins_over_other_signs():
    assert _outlet(f"KYIV (Reuters) - {BODY}\nFor More visit NewsNeck") == "NewsNeck"


def test_no_outlet_is_guessed_for_the_seeds_that_name_none():
    seeds = _seeds()
    assert seeds["000_2f79619225845647.txt"].outlet is None  # the text names no outlet
    assert seeds["002_53818c7f6e52f222.txt"].outlet is None  # "(Photo: Shutterstock / …)" is a picture's credit


def test_an_address_names_its_site_and_an_agency_by_one_name():
    assert outlet_of_url("https://www.example.com/world/a?b=1") == "example.com"
    assert outlet_of_url("brookmere-ledger.co.uk") == "brookmere-ledger.co.uk"
    assert outlet_of_url("https://apnews.com/article/x") == "Associated Press"  # as "(AP) —" is


# ------------------------------------------------------------------ mastheads, credit lines, datelines, front matter

TODAY = date(2026, 3, 20)


def _read(text: str):
    return clean_text(text, today=TODAY)


def test_a_masthead_then_a_date_line_is_metadata_not_text_nor_title():
    cleaned = _read(f"Riverton Gazette\nMarch 2, 2026\n\nCouncil picks an interim mayor tonight\n\n{BODY}")
    assert (cleaned.outlet, cleaned.date, cleaned.title) == ("Riverton Gazette", "2026-03-02", "Council picks an interim mayor tonight")
    assert cleaned.text == f"Council picks an interim mayor tonight\n\n{BODY}"
    capitals = _read(f"LAKESHORE HERALD\nMonday 15 September 2025\n\nMayor resigns over harbour payments\n\n{BODY}")
    assert (capitals.outlet, capitals.date, capitals.title) == ("Lakeshore Herald", "2025-09-15", "Mayor resigns over harbour payments")
    assert "HERALD" not in capitals.text and "September" not in capitals.text


def test_a_masthead_before_a_headline_or_with_its_section_and_date():
    cleaned = _read(f"Arts Line Daily\n\nPhilharmonic talks to resume under a mediator\n\n{BODY}")
    assert (cleaned.outlet, cleaned.title) == ("Arts Line Daily", "Philharmonic talks to resume under a mediator")
    sections = _read(f"LINSK EVENING STAR | Arts | Friday 19 September 2025\nStrike ends with a two-year pay deal\n{BODY}")
    assert (sections.outlet, sections.date) == ("Linsk Evening Star", "2025-09-19") and "LINSK" not in sections.text


def test_a_headline_is_not_taken_for_a_masthead():
    assert _read(f"Minister Leaves Post\n{BODY}").outlet is None  # no headline or date line follows
    assert _read(f"Peace Talks in Berlin\nMarch 2, 2026\n{BODY}").outlet is None  # no newspaper's name
    assert _read(f"Peace Talks in Berlin\nMarch 2, 2026\n{BODY}").date == "2026-03-02"


def test_credit_lines_name_the_outlet_and_the_date():
    for line in ("Lakeshore Herald, 2026-02-09", "*Lakeshore Herald, 2026-02-09*", "Lakeshore Herald | 9 February 2026",
                 "**Lakeshore Herald** — Posted 9 February 2026 by Owen Tarrant"):
        cleaned = _read(f"Storm closes the harbour for a week\n{line}\n{BODY}")
        assert (cleaned.outlet, cleaned.date) == ("Lakeshore Herald", "2026-02-09"), line
        assert cleaned.text == f"Storm closes the harbour for a week\n\n{BODY}", line
    assert _read(f"London, March 3, 2026\n{BODY}").outlet is None  # a place, not a newspaper


def test_a_published_line_names_its_outlet_as_well_as_its_date():
    cleaned = _read(f"Storm closes the harbour\nPublished 2026-02-10 — Kestrel Bay Herald\n{BODY}")
    assert (cleaned.outlet, cleaned.date) == ("Kestrel Bay Herald", "2026-02-10") and "Published" not in cleaned.text
    by = _read(f"{BODY}\nPublished by Kestrel Bay Herald on March 2, 2026")
    assert (by.outlet, by.date) == ("Kestrel Bay Herald", "2026-03-02")


def test_a_bylines_date_is_read_and_the_byline_kept():
    cleaned = _read(f"Philharmonic talks to resume\nBy Ana Velk | March 2, 2026\n{BODY}")
    assert (cleaned.date, cleaned.outlet) == ("2026-03-02", None) and "By Ana Velk | March 2, 2026" in cleaned.text
    assert _read(f"By Jane Doe, Reuters, March 2, 2026\n{BODY}").date == "2026-03-02"
    assert _read(f"By Jane Doe, Staff Writer\n{BODY}").date is None
    # a name after the byline's date is its publisher; a section after it is not
    published = _read(f"Philharmonic talks to resume\nBy Ana Velk | March 2, 2026 | Kelvarn Tribune\n{BODY}")
    assert (published.date, published.outlet) == ("2026-03-02", "Kelvarn Tribune")
    assert _read(f"Philharmonic talks to resume\nBy Ana Velk | March 2, 2026 | Transport\n{BODY}").outlet is None


@pytest.mark.parametrize("line", [
    "**Thursday 20 November 2025** | Hannes Lübbe, Investigations", "*Interview · 20 November 2025 · By Amira Kostova*",
    "**Local news · Thursday 20 November 2025**", "**By Jannik Stroh | 20 November 2025**", "**Published 20 November 2025**",
    "City & Region | Thursday 20 November 2025", "**By Ottilie Varga, Political Correspondent** — 20 November 2025",
])
def test_a_date_among_a_furniture_lines_short_parts_is_read(line):
    assert _read(f"Inquiry blames the gate order\n{line}\n{BODY}").date == "2025-11-20"


def test_a_sentence_beside_a_date_is_no_furniture_line():
    assert _read(f"Inquiry blames the gate order\nThe inquiry reported that the gate was opened too early. | 20 November 2025\n{BODY}").date is None
    assert _read(f"Inquiry blames the gate order\n20 November 2025 | 21 November 2025\n{BODY}").date is None  # which one?


def test_a_masthead_over_its_section_or_with_its_slogan():
    assert _read(f"THE ESTORIAN CHRONICLE\nNational news\nInquiry ordered into the crush\n{BODY}").outlet == "The Estorian Chronicle"
    assert _read(f"Commuter Radio News\nTransport | Lestmark\nRail workers accept the deal\n{BODY}").outlet == "Commuter Radio News"
    slogan = _read(f"**ERLEN GAZETTE** · Your town, every day · Wednesday 9 April 2025\nDeath toll rises to four\n{BODY}")
    assert (slogan.outlet, slogan.date) == ("Erlen Gazette", "2025-04-09")
    assert _read(f"BERLIN — Talks resumed on the border today and went on late\n{BODY}").outlet is None  # a dateline's place


def test_a_wire_dateline_gives_its_day_and_the_year_from_the_weekday_it_names():
    cleaned = _read("PORT MIRAN, March 3 (Coastline Wire) — A court sentenced the former finance chief on Tuesday.")
    assert (cleaned.outlet, cleaned.date) == ("Coastline Wire", "2026-03-03")  # a Tuesday in 2026
    # 4 October was a Saturday in 2025, a Sunday in 2026: "said on Saturday" places it in 2025.
    ferry = _read("PORT MIRAN, Oct 4 (Coastline Wire) — A ferry ran aground late on Friday, the coastguard said on Saturday.")
    assert ferry.date == "2025-10-04"
    # A day ahead ("from Friday") counts only when no day is said "on".
    assert _read("KESTREL BAY, Nov 6 (Coastline Wire) — The offer came on Thursday; the strike ends from Friday.").date == "2025-11-06"
    assert _read("BERLIN, Dec. 14, 2024 (AP) — Talks opened.").date == "2024-12-14"
    assert _read("BERLIN, Dec. 14 (AP) — Talks opened.").date == "2025-12-14"  # no weekday: the latest one past
    # No 14 December from 2020 to 2025 was a Friday: a year that cannot be placed leaves it undated.
    assert _read("BERLIN, Dec. 14 (AP) — Talks opened on Friday.").date is None


def test_date_lines_need_a_day_and_a_year():
    assert date_line("March 2, 2026") == "2026-03-02" and date_line("7 April 2026 | 17:40") == "2026-04-07"
    assert date_line("2026") is None and date_line("Monday") is None and date_line("March 2") is None
    assert date_line("The vote on March 2, 2026 was close") is None


def test_front_matter_is_split_off_and_read():
    front, rest = split_front_matter("---\ntitle: \"Flood toll rises to 17\"\noutlet: Riverton Gazette\n"
                                     "date: 2026-03-02\nurl: https://rg.example/a\n---\n\n# Flood toll rises\n\nBody.")
    assert front == FrontMatter("Flood toll rises to 17", "Riverton Gazette", "2026-03-02", "https://rg.example/a")
    assert rest == "\n# Flood toll rises\n\nBody."
    assert split_front_matter("---\npublisher:\n  name: Harbour Post\n---\nBody")[0].outlet == "Harbour Post"
    broken = split_front_matter("---\ntitle: a: b: [\noutlet: Harbour Post\n---\nBody")
    assert broken == (FrontMatter(title="a: b: [", outlet="Harbour Post"), "Body")  # not YAML: still never text
    assert split_front_matter("---\n\nA rule, then text.\n\n---\nMore") == (FrontMatter(), "---\n\nA rule, then text.\n\n---\nMore")


def test_a_date_line_with_its_time_or_as_last_updated():
    for line in ("Tue 3 Mar 2026 09.14 GMT", "First published on Tue 3 Mar 2026 09.14 GMT", "Mar. 3, 2026 at 9:14 a.m. ET",
                 "2026-03-03T09:14:00Z", "Last updated: 3 Mar 2026", "Updated 3 March 2026 9:14pm EST"):
        assert _read(f"Council closes two libraries\n{line}\n{BODY}").date == "2026-03-03", line
    assert date_line("03.03.2026") == "2026-03-03"  # a day and a month, not a time
    assert _read(f"Council closes two libraries\n9:14 GMT\n{BODY}").date is None  # a time alone is no date


def test_a_wire_dateline_may_give_the_day_before_the_month():
    cleaned = _read("OSLO, 3 March (NTB) - The council voted on Tuesday to close two libraries.")
    assert (cleaned.outlet, cleaned.date) == ("NTB", "2026-03-03")


def test_a_papers_name_in_a_byline_a_sign_off_or_an_originally_published_line():
    head = "Council closes two libraries\n{}\n\n" + BODY
    assert _read(head.format("By Jane Doe, The Kestrel Bay Herald")).outlet == "The Kestrel Bay Herald"
    assert _read(head.format("By Jane Doe, Kestrel Bay Herald staff writer")).outlet == "Kestrel Bay Herald"
    both = _read(head.format("By Jane Doe | Kestrel Bay Herald | March 3, 2026"))
    assert (both.outlet, both.date) == ("Kestrel Bay Herald", "2026-03-03")
    # a job or a desk after the writer's name is no outlet
    assert _read(head.format("By Jane Doe, Staff Reporter")).outlet is None
    assert _read(head.format("By Jane Doe, Chief Political Correspondent")).outlet is None
    foot = "Council closes two libraries\n\n" + BODY + "\n\n{}"
    assert _read(foot.format("This article originally appeared in The Kestrel Bay Herald.")).outlet == "The Kestrel Bay Herald"
    assert _read(foot.format("Originally published by The Kestrel Bay Herald.")).outlet == "The Kestrel Bay Herald"
    assert _read(foot.format("— The Kestrel Bay Herald")).outlet == "The Kestrel Bay Herald"
    assert _read(foot.format("— Jane Doe")).outlet is None


@pytest.mark.parametrize("line", ["Last updated 09:12, Thursday 5 March 2026", "Updated: 14:32 GMT, 5 March 2026",
                                  "First published on Thu 5 Mar 2026 09.14 GMT", "Posted 5 March 2026 by Owen Tarrant"])
def test_a_published_or_updated_line_is_metadata_not_the_title(line):
    cleaned = _read(f"{line}\n\nCrane drivers join the Velmar strike\n\n{BODY}")
    assert (cleaned.date, cleaned.title) == ("2026-03-05", "Crane drivers join the Velmar strike")
    assert "2026" not in cleaned.text


def test_a_dotted_date_gives_the_day_first():
    assert date_line("12.03.2026") == "2026-03-12" and parse_date("Posted on 5.3.2026") == "2026-03-05"
    assert _read(f"Velmar union votes on new offer\nBy Ada Kern, Northern Ledger\n12.03.2026\n\n{BODY}").date == "2026-03-12"
    assert date_line("2026/03/10") == "2026-03-10" and date_line("03/10/2026") == "2026-03-10"  # slashes: month first


def test_a_markdown_title_is_the_title_however_short():
    cleaned = _read(f"# Velmar deal agreed\n\n*Coast Weekly — 2026/03/10*\n\n{BODY}")
    assert (cleaned.title, cleaned.outlet, cleaned.date) == ("Velmar deal agreed", "Coast Weekly", "2026-03-10")
    assert _read(f"Velmar deal agreed\n\n{BODY}").title is None  # three plain words may be anything
    table = "# Name Years League Cup " + " ".join(f"Player{i} 19{i:02d} -- present {i}" for i in range(10))
    assert _read(table).title is None  # a table's "#" column is no title


def test_a_dateline_without_an_outlet_gives_its_day():
    assert _read(f"VELMAR, March 14, 2026 — {BODY}").date == "2026-03-14"
    assert _read(f"Northern Ledger, Mar. 14, 2026 -- {BODY}").date == "2026-03-14"
    assert _read(f"VELMAR, 14 March — Dock workers voted on Saturday. {BODY}").date == "2026-03-14"  # a Saturday
    assert _read(f"The union said, March 14 — {BODY}").date is None  # a sentence, not a dateline


def test_a_byline_for_a_paper_or_on_a_day():
    head = "Council closes two libraries\n{}\n\n" + BODY
    both = _read(head.format("By Ada Kern for Coast Daily, 3 March 2026"))
    assert (both.outlet, both.date) == ("Coast Daily", "2026-03-03")
    assert _read(head.format("Written by Ada Kern on 3 March 2026")).date == "2026-03-03"
    assert _read(head.format("By Ada Kern for three weeks")).outlet is None  # no paper's name


def test_a_breadcrumb_is_furniture_not_the_title():
    cleaned = _read(f"Coast Daily\nNews > Business > Ports\nVelmar dock workers vote to strike\n3 March 2026\n\n{BODY}")
    assert (cleaned.title, cleaned.outlet) == ("Velmar dock workers vote to strike", "Coast Daily")
    assert "Business" not in cleaned.text
    assert is_boilerplate("Home / World / Europe") and not is_boilerplate("3/3/2026")


@pytest.mark.parametrize("line", ["Date: March 3, 2026", "Publication date: 3 March 2026", "Filed 3 March 2026, 10:15"])
def test_a_labelled_date_line_is_metadata(line):
    cleaned = _read(f"Council closes two libraries\n{line}\n\n{BODY}")
    assert (cleaned.date, cleaned.title) == ("2026-03-03", "Council closes two libraries") and "2026" not in cleaned.text
    assert _read(f"Council closes two libraries\nDate: 3 March 2026 | Ada Kern\n\n{BODY}").outlet is None  # a writer is no outlet


@pytest.mark.parametrize("foot", ["This story was first published by Coast Daily on 3 March 2026.",
                                  "(Coast Daily, 3 March 2026)", "Source: Coast Daily, 3 March 2026"])
def test_a_credit_line_at_the_foot_names_the_outlet_and_the_date(foot):
    cleaned = _read(f"Council closes two libraries\n\n{BODY}\n\n{foot}")
    assert (cleaned.outlet, cleaned.date) == ("Coast Daily", "2026-03-03") and "2026" not in cleaned.text
    assert _read(f"Council closes two libraries\n\n{BODY}\n\nThe vote is on March 3, 2026.").date is None  # news, not a credit


@pytest.mark.parametrize("line", ["Coast Daily (3 March 2026)", "2026-03-03 | Coast Daily | Ada Kern",
                                  "Ada Kern | Coast Daily | 3 March 2026"])
def test_a_papers_name_beside_a_date_in_brackets_or_among_short_parts(line):
    cleaned = _read(f"Council closes two libraries\n{line}\n\n{BODY}")
    assert (cleaned.outlet, cleaned.date) == ("Coast Daily", "2026-03-03")
    assert _read(f"Council closes two libraries\n2026-03-03 | Ada Kern\n\n{BODY}").outlet is None  # a writer is no paper
