import json
import os
from pathlib import Path

import pytest
from newsdesk.retrieval.sources import files as ingest
from newsdesk.retrieval.sources.article import article_id
from newsdesk.retrieval.sources.files import MAX_FILE_BYTES, Stated, load_articles


def test_text_markdown_html_and_json_are_read(tmp_path):
    (tmp_path / "a.txt").write_text("Skip to main content\nBridge opens in Springfield today\nThe mayor opened the bridge.")
    (tmp_path / "b.md").write_text("# Storm hits the coast tonight\n\nThe storm hit the coast on Monday.")
    (tmp_path / "c.html").write_text(
        "<html><head><title>Rail strike ends - Example Times</title><meta property='og:site_name' content='Example Times'>"
        "<meta name='date' content='2025-12-14'></head><body><script>alert('x')</script><article><h1>Rail strike ends</h1>"
        "<p>The rail strike ended on Friday after union leaders accepted a new offer from the operator.</p>"
        "<p>Trains will run normally again from Saturday morning, the company said.</p></article></body></html>"
    )
    (tmp_path / "d.jsonl").write_text(
        json.dumps({"text": "Prices rose by 3 percent in May.", "title": "Inflation up", "outlet": "Daily", "date": "2025-06-01", "url": "https://example.org/x"}) + "\n"
    )
    articles, rejected = load_articles([tmp_path])
    assert rejected == []
    by_suffix = {a.path.rsplit(".", 1)[1]: a for a in articles}
    assert "Skip to main content" not in by_suffix["txt"].text
    assert by_suffix["html"].outlet == "Example Times" and by_suffix["html"].date == "2025-12-14"
    assert "alert" not in by_suffix["html"].text and "rail strike ended" in by_suffix["html"].text
    assert (by_suffix["jsonl"].outlet, by_suffix["jsonl"].date, by_suffix["jsonl"].url) == ("Daily", "2025-06-01", "https://example.org/x")


def test_the_same_text_gets_the_same_id(tmp_path):
    (tmp_path / "one.txt").write_text("Same story.\n")
    (tmp_path / "two.txt").write_text("Same story.")
    articles, _ = load_articles([tmp_path])
    assert len({a.id for a in articles}) == 1 and articles[0].id == article_id("Same story.")


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\t\n", "empty file"),
        ("binary.txt", b"\x00\x01\x02PNG\x00" * 10, "binary"),
        ("latin1.txt", "Caf\u00e9 cr\u00e8me".encode("latin-1"), "not UTF-8"),
        ("broken.json", b"{not json", "invalid JSON"),
        ("only-boilerplate.txt", b"Skip to main content\nLeave a Reply\n", "no article text"),
        ("table.csv", b"a,b\n1,2\n", "unsupported file type"),
    ],
)
def test_bad_files_are_reported_one_line_each(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    (tmp_path / "good.txt").write_text("A good article about the harbour.")
    articles, rejected = load_articles([tmp_path / name, tmp_path / "good.txt"])
    assert [a.path.rsplit("/", 1)[1] for a in articles] == ["good.txt"]
    assert len(rejected) == 1 and reason in rejected[0].reason and "\n" not in rejected[0].reason


def test_missing_and_oversized_files(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    articles, rejected = load_articles([tmp_path / "nope.txt", big])
    assert articles == []
    assert ["no such file" in rejected[0].reason, "too large" in rejected[1].reason] == [True, True]


def test_a_bad_json_line_rejects_only_that_line(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text('{"text": "First story."}\n{oops\n{"title": "no text"}\n{"text": "Third story."}\n')
    articles, rejected = load_articles([path])
    assert [a.text for a in articles] == ["First story.", "Third story."]
    assert [r.path.rsplit(":", 1)[1] for r in rejected] == ["2", "3"]


def test_badly_typed_json_fields_reject_that_record_only(tmp_path):
    records = [
        {"text": "The ferry left on time.", "date": "2025-06-01"},
        {"text": "Bad url story.", "url": ["https://a.example"]},
        {"text": "Bad date story.", "date": 20250101},
        {"text": "Bad title story.", "title": 5},
        {"text": ["not", "a", "string"]},
        {"text": "Bad outlet story.", "outlet": {"id": 3}},
        "just a string",
        {"text": "The bridge opened on Monday.", "source": {"id": None, "name": "Daily Planet"}, "url": None},
    ]
    (tmp_path / "feed.json").write_text(json.dumps(records))
    articles, rejected = load_articles([tmp_path / "feed.json"])
    assert [a.text for a in articles] == ["The ferry left on time.", "The bridge opened on Monday."]
    assert articles[1].outlet == "Daily Planet" and articles[1].url is None
    by_label = {r.path.rsplit("/", 1)[1]: r.reason for r in rejected}
    assert list(by_label) == ["feed.json#2", "feed.json#3", "feed.json#4", "feed.json#5", "feed.json#6", "feed.json#7"]
    assert by_label["feed.json#2"] == '"url" must be a string, not a list'
    assert by_label["feed.json#3"] == '"date" must be a string such as "2025-06-01", not the number 20250101'
    assert by_label["feed.json#4"] == '"title" must be a string, not the number 5'
    assert by_label["feed.json#5"] == '"text" must be a string, not a list'
    assert by_label["feed.json#6"] == '"outlet" must be a string, not an object'
    assert "not a JSON object" in by_label["feed.json#7"]


def test_json_records_as_news_apis_and_exporters_name_their_fields(tmp_path):
    records = {"articles": [
        {"headline": "Council closes two libraries", "content": "The council voted to close two libraries.",
         "publishedAt": "2026-03-03T09:14:00Z", "source": {"name": "Ashby Courier"}, "link": "https://ashby.example/a"},
        {"title": "Rail strike ends", "text": "The rail strike ended on Friday.", "pubDate": "Fri, 06 Mar 2026 17:40:00 GMT"},
        {"text": "The bridge opened on Monday.", "datePublished": 20260309},
    ]}
    (tmp_path / "feed.json").write_text(json.dumps(records))
    articles, rejected = load_articles([tmp_path / "feed.json"])
    assert [(a.title, a.outlet, a.date, a.url) for a in articles] == [
        ("Council closes two libraries", "Ashby Courier", "2026-03-03", "https://ashby.example/a"),
        ("Rail strike ends", None, "2026-03-06", None)]
    assert [r.reason for r in rejected] == ['"datePublished" must be a string such as "2025-06-01", not the number 20260309']


def test_json_records_with_the_other_common_names_of_a_date_and_a_site(tmp_path):
    records = [{"title": "Strike called off", "body": "The strike was called off.", "date_published": "March 7, 2026",
                "site_name": "Coast Weekly"},
               {"text": "The deal was agreed.", "publication_date": "2026-03-10", "source_name": "Northern Ledger"}]
    (tmp_path / "export.json").write_text(json.dumps(records))
    articles, _ = load_articles([tmp_path / "export.json"])
    assert [(a.outlet, a.date) for a in articles] == [("Coast Weekly", "2026-03-07"), ("Northern Ledger", "2026-03-10")]


def test_a_badly_typed_jsonl_line_keeps_the_good_lines(tmp_path):
    path = tmp_path / "feed.jsonl"
    lines = [{"text": "First story."}, {"text": "Second story.", "date": 20250101}, {"text": "Third\u2028story."}]
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n")
    articles, rejected = load_articles([path])
    assert [a.text for a in articles] == ["First story.", "Third story."]  # U+2028 in a string is not a line break
    assert [(r.path.rsplit("/", 1)[1], r.reason.split(" such")[0]) for r in rejected] == [("feed.jsonl:2", '"date" must be a string')]


def test_json_nested_too_deeply_is_one_line_not_a_crash(tmp_path):
    (tmp_path / "deep.json").write_text("[" * 100_000)
    (tmp_path / "deep.jsonl").write_text('{"text": "Kept story."}\n' + "[" * 100_000 + "\n")
    articles, rejected = load_articles([tmp_path / "deep.json", tmp_path / "deep.jsonl"])
    assert [a.text for a in articles] == ["Kept story."]
    assert [(r.path.rsplit("/", 1)[1], r.reason) for r in rejected] == [
        ("deep.json", "invalid JSON (nested too deeply)"), ("deep.jsonl:2", "invalid JSON (nested too deeply)")]


def test_folder_links_are_followed_only_inside_the_folder(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("A secret story that lives outside the folder.")
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "story.txt").write_text("The harbour reopened on Monday.")
    (folder / "leak.txt").symlink_to(outside)
    (folder / "leak-dir").symlink_to(tmp_path)  # a linked folder out of the folder
    (folder / "loop").symlink_to(folder)  # a linked folder inside it: walked as itself, no loop
    (folder / "alias.txt").symlink_to(folder / "sub" / "story.txt")
    articles, rejected = load_articles([folder])
    assert sorted(a.path.rsplit("/", 1)[1] for a in articles) == ["alias.txt", "story.txt"]
    assert sorted(r.path.rsplit("/", 1)[1] for r in rejected) == ["leak-dir", "leak.txt"]
    assert all("outside the folder; not followed" in r.reason for r in rejected)
    # A link named on the command line is the user's choice: it is read.
    articles, rejected = load_articles([folder / "leak.txt"])
    assert rejected == [] and articles[0].text.startswith("A secret story")


@pytest.mark.timeout(30)
def test_a_fifo_is_skipped_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "x.txt")  # opening it for reading would wait for a writer forever
    (tmp_path / "good.txt").write_text("A good article about the harbour.")
    for given in ([tmp_path], [tmp_path / "x.txt", tmp_path / "good.txt"]):
        articles, rejected = load_articles(given)
        assert [a.path.rsplit("/", 1)[1] for a in articles] == ["good.txt"]
        assert [(r.path.rsplit("/", 1)[1], r.reason) for r in rejected] == [("x.txt", "not a regular file (a FIFO); skipped")]


def test_an_unreadable_folder_is_one_line_and_the_rest_is_read(tmp_path, monkeypatch):
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "hidden.txt").write_text("Never seen.")
    (tmp_path / "open.txt").write_text("The library opened on Saturday.")
    real_scandir = os.scandir

    def scandir(path):  # tests run as root, who can list any folder: simulate the refusal
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(ingest.os, "scandir", scandir)
    articles, rejected = load_articles([tmp_path])
    assert [a.path.rsplit("/", 1)[1] for a in articles] == ["open.txt"]
    assert [(r.path.rsplit("/", 1)[1], r.reason) for r in rejected] == [("locked", "cannot list this folder (permission denied); skipped")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can list every folder")
def test_an_unreadable_folder_for_real(tmp_path):
    (tmp_path / "locked").mkdir()
    (tmp_path / "open.txt").write_text("The library opened on Saturday.")
    (tmp_path / "locked").chmod(0)
    try:
        articles, rejected = load_articles([tmp_path])
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert len(articles) == 1 and "permission denied" in rejected[0].reason


def test_markdown_title_and_a_date_on_the_second_line(tmp_path):
    (tmp_path / "story.md").write_text("# Storm hits the coast tonight\ndate 2025-10-04\n\nThe storm hit the coast on Monday.\n\n***\n")
    [article], _ = load_articles([tmp_path / "story.md"])
    assert (article.title, article.date) == ("Storm hits the coast tonight", "2025-10-04")
    assert "#" not in article.text and "2025-10-04" not in article.text and "***" not in article.text


def test_a_page_of_menus_and_a_footer_is_rejected(tmp_path):
    (tmp_path / "nav.html").write_text(
        "<html><body><div><a href='/'>Home</a></div><div>© 2025 Example News</div></body></html>")
    articles, rejected = load_articles([tmp_path / "nav.html"])
    assert articles == [] and "no article text found in the HTML page (only 1 word left" in rejected[0].reason


def test_a_copyright_year_is_not_a_date_but_a_stated_new_year_is(tmp_path):
    body = ("<p>The harbour of Kiel reopened after the winter storm, the port authority said on its "
            "website, and the first ferries arrived in the afternoon.</p>")
    (tmp_path / "a.html").write_text(f"<html><body><article>{body}</article><footer>© 2025 Example News</footer></body></html>")
    (tmp_path / "b.html").write_text(f"<html><head><meta name='date' content='2025-01-01'></head><body><article>{body}</article></body></html>")
    articles, rejected = load_articles([tmp_path / "a.html", tmp_path / "b.html"])
    assert rejected == [] and [a.date for a in articles] == [None, "2025-01-01"]


def test_front_matter_is_metadata_and_never_text_or_title(tmp_path):
    (tmp_path / "flood.md").write_text(
        "---\ntitle: Riverton flood death toll rises to 17\noutlet: Riverton Gazette\ndate: 2026-03-02\n"
        "url: https://rg.example/flood\n---\n\nRescuers found three more bodies on Monday, officials said.\n")
    [article], _ = load_articles([tmp_path / "flood.md"])
    assert (article.title, article.outlet, article.date, article.url) == (
        "Riverton flood death toll rises to 17", "Riverton Gazette", "2026-03-02", "https://rg.example/flood")
    assert article.text == "Rescuers found three more bodies on Monday, officials said."
    (tmp_path / "plain.txt").write_text("---\nsource: Harbour Post\n---\nThe ferry ran aground on Friday.")
    [plain], _ = load_articles([tmp_path / "plain.txt"])
    assert (plain.outlet, plain.text) == ("Harbour Post", "The ferry ran aground on Friday.")


def test_a_json_records_fields_win_over_its_texts_front_matter(tmp_path):
    record = {"text": "---\noutlet: Harbour Post\ndate: 2025-01-05\n---\nThe ferry ran aground.", "outlet": "Coastline Wire"}
    (tmp_path / "a.json").write_text(json.dumps(record))
    [article], _ = load_articles([tmp_path / "a.json"])
    assert (article.outlet, article.date, article.text) == ("Coastline Wire", "2025-01-05", "The ferry ran aground.")


def test_html_site_name_published_time_and_json_ld_are_read(tmp_path):
    body = ("<article><h1>Mill closes after fire</h1><p>The old mill in Dunmore closed on Monday after a fire "
            "damaged its main hall, the owners said in a statement to staff.</p></article>")
    (tmp_path / "og.html").write_text(
        "<html><head><meta property='og:site_name' content='Dunmore Echo'>"
        f"<meta property='article:published_time' content='2024-05-03T08:00:00+01:00'></head><body>{body}</body></html>")
    (tmp_path / "ld.html").write_text(
        '<html><head><script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
        '"headline": "Mill closes after fire", "datePublished": "2024-05-04", '
        '"publisher": {"@type": "Organization", "name": "Dunmore Echo"}}</script></head>'
        f"<body>{body}</body></html>")
    articles, rejected = load_articles([tmp_path])
    assert rejected == [] and [(Path(a.path).name, a.outlet, a.date) for a in articles] == [
        ("ld.html", "Dunmore Echo", "2024-05-04"), ("og.html", "Dunmore Echo", "2024-05-03")]


def test_an_html_pages_title_or_byline_element_names_its_outlet(tmp_path):
    paragraph = ("<p>The old mill in Dunmore closed on Monday after a fire damaged its main hall, the owners said "
                 "in a statement to staff.</p>\n")

    def page(title, byline=""):
        return (f"<html><head><title>{title}</title></head><body><article>\n<h1>Mill closes after fire</h1>\n"
                f"{byline}\n{paragraph * 5}</article></body></html>")
    (tmp_path / "titled.html").write_text(page("Mill closes after fire | Dunmore Echo"))
    (tmp_path / "bylined.html").write_text(page("Mill closes", "<p class='byline'>By Jane Doe | Dunmore Echo | May 3, 2024</p>"))
    (tmp_path / "staff.html").write_text(page("Mill closes after fire", "<p class='byline'>By Jane Doe, Staff Writer</p>"))
    articles, rejected = load_articles([tmp_path])
    assert rejected == [] and sorted((Path(a.path).name, a.outlet) for a in articles) == [
        ("bylined.html", "Dunmore Echo"), ("staff.html", None), ("titled.html", "Dunmore Echo")]


def test_a_masthead_in_a_text_file_is_its_outlet_and_not_its_title(tmp_path):
    (tmp_path / "herald.txt").write_text("LAKESHORE HERALD\nMonday 15 September 2025\n\n"
                                         "Mayor Brandvik resigns over harbour payments\n\nThe mayor resigned on Sunday.")
    [article], _ = load_articles([tmp_path / "herald.txt"])
    assert (article.outlet, article.date, article.title) == ("Lakeshore Herald", "2025-09-15", "Mayor Brandvik resigns over harbour payments")
    assert article.text == "Mayor Brandvik resigns over harbour payments\n\nThe mayor resigned on Sunday."


def test_stated_metadata_wins_over_what_the_files_say(tmp_path):
    (tmp_path / "a.md").write_text("---\noutlet: Harbour Post\ndate: 2025-10-05\n---\nThe ferry ran aground on Friday.")
    (tmp_path / "b.txt").write_text("The harbour reopened on Monday.")
    articles, _ = load_articles([tmp_path], stated=Stated(outlet="Kestrel Bay Herald", date="2026-02-10"))
    assert [(a.outlet, a.date, a.url) for a in articles] == [("Kestrel Bay Herald", "2026-02-10", None)] * 2
    [linked], _ = load_articles([tmp_path / "b.txt"], stated=Stated(url="https://www.harbourpost.example/ferry"))
    assert (linked.url, linked.outlet) == ("https://www.harbourpost.example/ferry", "harbourpost.example")
    [kept], _ = load_articles([tmp_path / "a.md"], stated=Stated(url="https://x.example/a"))
    assert (kept.outlet, kept.date) == ("Harbour Post", "2025-10-05")  # an address alone does not outrank the file's outlet


def test_a_page_that_names_its_outlet_only_in_a_masthead_or_footer(tmp_path):
    body = ("<article><h1>Rail crash toll rises</h1><p>A third person has died after the crash at the Marsh Road "
            "level crossing, the county hospital said on Sunday.</p></article>")
    (tmp_path / "a.html").write_text(f"<html><body><h2 class='masthead'>The Fenmoor Echo</h2>{body}</body></html>")
    (tmp_path / "b.html").write_text(f"<html><body>{body}<footer><p>&copy; 2025 Marsh Valley News Ltd. All rights "
                                     "reserved.</p></footer></body></html>")
    (tmp_path / "c.html").write_text(f"<html><body>{body}<footer><p>&copy; 2025</p></footer></body></html>")
    articles, rejected = load_articles([tmp_path])
    assert rejected == [] and [a.outlet for a in articles] == ["The Fenmoor Echo", "Marsh Valley News", None]


def test_a_site_name_from_a_handle_is_written_as_the_page_writes_it(tmp_path):
    body = ("<article><h1>Rail crash toll rises</h1><p>A third person has died after the crash at the Marsh Road "
            "level crossing, the county hospital said on Sunday.</p></article>")
    handle = "<head><meta name='twitter:site' content='@fenmoorecho'></head>"
    (tmp_path / "a.html").write_text(f"<html>{handle}<body>{body}<footer><p>&copy; 2025 Fenmoor Echo</p></footer></body></html>")
    (tmp_path / "b.html").write_text(f"<html>{handle}<body>{body}</body></html>")
    articles, _ = load_articles([tmp_path])
    assert [a.outlet for a in articles] == ["Fenmoor Echo", "Fenmoorecho"]  # b.html spells it out nowhere
