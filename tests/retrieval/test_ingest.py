import json

import pytest

from newsdesk.retrieval.ingest import MAX_FILE_BYTES, article_id, load_articles


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
