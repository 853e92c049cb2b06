"""Metadata through the command line (issue 33): `ingest --outlet --date --url`, `edit`, front
matter and mastheads as `sources` shows them, and relative dates in every date option."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from newsdesk.bot.cli import main

from tests.conftest import FakeEncoder


@pytest.fixture
def embedded() -> list[str]:
    """The texts the encoder has embedded, in order."""
    return []


@pytest.fixture
def env(tmp_path, monkeypatch, embedded):
    """No real model, the baseline reader, a home under tmp_path; ``embedded`` records the texts embedded."""
    from newsdesk.embeddings import encoder

    class CountingEncoder(FakeEncoder):
        def embed(self, texts, progress=False):
            embedded.extend(texts)
            return super().embed(texts, progress)

    monkeypatch.setattr(encoder, "load_encoder", lambda model_path=None, runtime="onnx": CountingEncoder())
    monkeypatch.setenv("NEWSDESK_READER", "baseline")
    for name in ("NEWSDESK_MODEL", "NEWSDESK_RUNTIME", "NEWSDESK_INDEX_TYPE", "NEWSDESK_LOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NEWSDESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("NEWSDESK_CACHE", str(tmp_path / "cache"))
    return tmp_path


def run(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as stop:  # argparse's usage errors
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def sources(capsys) -> dict[str, dict]:
    code, out, _ = run(capsys, "sources", "--json")
    assert code == 0
    return {row["title"]: row for row in json.loads(out)}


def days_ago(n: int) -> str:
    return (date.today() - timedelta(days=n)).isoformat()


FERRY = "The ferry Sable Tern ran aground on Kettle Reef on Friday, the coastguard said."
BUS = "Bus drivers in Kestrel Bay walked out on Monday after pay talks collapsed."


def test_front_matter_and_a_masthead_are_read_and_never_shown_as_text(env, capsys):
    (env / "in").mkdir()
    (env / "in" / "flood.md").write_text("---\ntitle: Riverton flood death toll rises to 17\noutlet: Riverton Gazette\n"
                                         "date: 2026-03-02\n---\n\nRescuers found three more bodies on Monday.\n")
    (env / "in" / "herald.txt").write_text(f"Lakeshore Herald\nMarch 2, 2026\n\nBus drivers walk out over pay\n\n{BUS}\n")
    assert run(capsys, "ingest", env / "in")[0] == 0
    rows = sources(capsys)
    assert rows["Riverton flood death toll rises to 17"]["outlet"] == "Riverton Gazette"
    assert rows["Bus drivers walk out over pay"]["outlet"] == "Lakeshore Herald"
    assert rows["Bus drivers walk out over pay"]["date"] == "2026-03-02"
    # The outlet filter that "matched no indexed outlet" before finds the masthead's paper.
    code, out, _ = run(capsys, "ask", "Who walked out in Kestrel Bay?", "--outlet", "herald", "--json")
    assert code == 0 and {c["outlet"] for c in json.loads(out)["citations"]} == {"Lakeshore Herald"}
    code, out, _ = run(capsys, "ask", "How many bodies did rescuers find?", "--json")
    assert "title:" not in json.dumps(json.loads(out)) and "---" not in json.dumps(json.loads(out))


def test_ingest_states_outlet_date_and_url_over_the_files(env, capsys):
    (env / "ferry.md").write_text(f"---\noutlet: Harbour Post\ndate: 2025-10-05\n---\nFerry runs aground off Tarrow\n\n{FERRY}")
    code, out, _ = run(capsys, "ingest", env / "ferry.md", "--outlet", "Coastline Wire", "--date", "2025-10-04",
                       "--url", "https://coastline.example/ferry")
    assert code == 0 and "Coastline Wire, 2025-10-04" in out
    row = sources(capsys)["Ferry runs aground off Tarrow"]
    assert (row["outlet"], row["date"], row["url"]) == ("Coastline Wire", "2025-10-04", "https://coastline.example/ferry")

    (env / "two").mkdir()
    (env / "two" / "a.txt").write_text(f"Bus drivers walk out over pay\n\n{BUS}")
    (env / "two" / "b.txt").write_text("Harbour reopens\n\nThe harbour reopened on Tuesday.")
    code, _, err = run(capsys, "ingest", env / "two", "--url", "https://x.example/a")
    assert code == 2 and "--url is the address of one article, and 2 were read" in err
    code, _, err = run(capsys, "ingest", env / "two", "--date", "soon")
    assert code == 2 and "'soon' is not a date like 2025-12-14, today, yesterday, 7d" in err
    assert run(capsys, "ingest", env / "two", "--date", "yesterday")[0] == 0
    assert sources(capsys)["Bus drivers walk out over pay"]["date"] == days_ago(1)


def test_edit_corrects_one_article_without_embedding_it_again(env, embedded, capsys):
    (env / "bus.txt").write_text(f"Bus drivers walk out over pay\n\n{BUS}")
    (env / "ferry.txt").write_text(f"Ferry runs aground off Tarrow\n\n{FERRY}")
    assert run(capsys, "ingest", env / "bus.txt", env / "ferry.txt")[0] == 0
    bus = sources(capsys)["Bus drivers walk out over pay"]
    assert bus["outlet"] is None and bus["date"] is None
    embedded_before = len(embedded)

    code, out, _ = run(capsys, "edit", bus["article_id"][:8], "--outlet", "Kestrel Bay Herald", "--date", "2025-11-03",
                       "--title", "Bus drivers strike")
    assert code == 0 and out.strip() == (f"edited {bus['article_id'][:12]}: title Bus drivers walk out over pay → "
                                         "Bus drivers strike; outlet (none) → Kestrel Bay Herald; date (none) → 2025-11-03")
    assert len(embedded) == embedded_before  # same chunks, same vectors
    row = sources(capsys)["Bus drivers strike"]
    assert (row["article_id"], row["outlet"], row["date"], row["chunks"]) == (bus["article_id"], "Kestrel Bay Herald", "2025-11-03", bus["chunks"])
    code, out, _ = run(capsys, "ask", "Who walked out in Kestrel Bay?", "--outlet", "kestrel", "--json")
    assert code == 0 and json.loads(out)["citations"][0]["date"] == "2025-11-03"

    code, out, _ = run(capsys, "edit", env / "bus.txt", "--date", "", "--json")  # a file names its article; "" clears
    assert code == 0 and json.loads(out)["before"]["date"] == "2025-11-03" and json.loads(out)["after"]["date"] is None
    assert run(capsys, "rollback", "--list")[0] == 0  # each edit is a version of its own, as any change


def test_edit_refuses_what_names_no_article_and_an_empty_edit(env, capsys):
    (env / "bus.txt").write_text(f"Bus drivers walk out over pay\n\n{BUS}")
    assert run(capsys, "ingest", env / "bus.txt")[0] == 0
    code, _, err = run(capsys, "edit", "ffffffff", "--outlet", "X")
    assert code == 1 and "matches no indexed article" in err
    code, _, err = run(capsys, "edit", "ffffffff")
    assert code == 2 and "say what to correct: --outlet, --date, --title or --url" in err


def test_relative_dates_filter_as_days_do(env, capsys):
    (env / "old.txt").write_text(f"Ferry runs aground off Tarrow\n\n{FERRY}")
    (env / "new.txt").write_text("Ferry refloated off Tarrow\n\nThe ferry Sable Tern was refloated from Kettle Reef, the coastguard said.")
    assert run(capsys, "ingest", env / "old.txt", "--date", "30d")[0] == 0
    assert run(capsys, "ingest", env / "new.txt", "--date", "today")[0] == 0
    rows = sources(capsys)
    assert (rows["Ferry runs aground off Tarrow"]["date"], rows["Ferry refloated off Tarrow"]["date"]) == (days_ago(30), days_ago(0))
    for since, titles in (("7d", {"Ferry refloated off Tarrow"}), ("yesterday", {"Ferry refloated off Tarrow"}),
                          ("5w", {"Ferry refloated off Tarrow", "Ferry runs aground off Tarrow"})):
        code, out, _ = run(capsys, "search", "Sable Tern", "--articles", "--since", since, "--json")
        assert code == 0 and {a["title"] for a in json.loads(out)["articles"]} == titles, since
    code, out, _ = run(capsys, "search", "Sable Tern", "--articles", "--until", "2w", "--json")
    assert code == 0 and {a["title"] for a in json.loads(out)["articles"]} == {"Ferry runs aground off Tarrow"}
    code, _, err = run(capsys, "ask", "Which reef was the Sable Tern on?", "--since", "today", "--until", "7d")
    assert code == 2 and "is after --until" in err
