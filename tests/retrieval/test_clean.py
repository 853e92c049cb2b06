from newsdesk.retrieval.clean import clean_text, is_boilerplate, outlet_of_url, parse_date
from newsdesk.retrieval.service import seed_paths

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
