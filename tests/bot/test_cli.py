"""The command line end to end, with the real bundled model (shared, loaded once)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from newsdesk.bot.cli import build_parser, main

pytestmark = pytest.mark.slow
QUESTION = "Who hosted the Berlin talks?"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    assert main(["ask", QUESTION, "--home", str(home)]) == 0  # first use indexes the seeds
    return home


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_answers_with_quote_and_citations(home, capsys):
    code, out, err = _run(capsys, "ask", QUESTION, "--home", str(home), "--json")
    result = json.loads(out)
    assert code == 0 and not result["abstained"]
    assert "Merz" in result["answer"]
    assert "Merz" in result["quote"]
    assert set(result) >= {"question", "answer", "score", "abstained", "quote", "citations", "timings_ms"}
    paths = {c["path"].rsplit("/", 1)[1] for c in result["citations"]}
    assert {"002_53818c7f6e52f222.txt", "004_b1ad7f7395a966d4.txt"} <= paths
    for citation in result["citations"]:
        assert set(citation) >= {"article_id", "title", "outlet", "date", "url", "path", "quote", "start", "end"}
        assert "Merz" in citation["quote"]


def test_ask_in_plain_text(home, capsys):
    code, out, _ = _run(capsys, "ask", QUESTION, "--home", str(home))
    assert code == 0 and "Merz" in out.splitlines()[0] and "NewsNeck" in out


def test_questions_the_articles_do_not_answer_abstain(home, capsys):
    for question in ("What is the tallest mountain in Africa?", "What did the Pope say about the ceasefire?"):
        code, out, _ = _run(capsys, "ask", question, "--home", str(home), "--json")
        result = json.loads(out)
        assert code == 0 and result["abstained"] and result["answer"] is None and result["citations"] == []


def test_outlet_filter(home, capsys):
    code, out, _ = _run(capsys, "ask", "Who curated the article?", "--home", str(home), "--outlet", "Outlook", "--json")
    result = json.loads(out)
    assert code == 0 and all(c["outlet"] == "Outlook" for c in result["citations"])


def test_sources_json(home, capsys):
    code, out, _ = _run(capsys, "sources", "--home", str(home), "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 5
    assert {r["outlet"] for r in rows} >= {"cgtn.com", "Outlook", "NewsNeck"}
    assert all(set(r) == {"article_id", "title", "outlet", "date", "url", "path", "chunks"} and r["chunks"] > 0 for r in rows)


@pytest.mark.parametrize("question, message", [("   ", "empty"), ("x" * 20000, "too long")])
def test_bad_questions_get_one_line(home, capsys, question, message):
    code, out, err = _run(capsys, "ask", question, "--home", str(home))
    assert code == 2 and out == "" and message in err and len(err.strip().splitlines()) == 1


def test_ingest_reports_each_bad_file_and_lands_the_rest(tmp_path, capsys):
    home = tmp_path / "home"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.txt").write_text("The Springfield bridge was opened by Mayor Quimby on Monday.")
    (tmp_path / "in" / "empty.txt").write_text("")
    (tmp_path / "in" / "binary.txt").write_bytes(b"\x00\xff" * 100)
    (tmp_path / "in" / "latin1.txt").write_bytes("Caf\xe9".encode("latin-1"))
    (tmp_path / "in" / "page.html").write_text("<html><body><script>steal()</script><p>The harbour in Kiel reopened after the storm on Tuesday, officials said.</p></body></html>")
    code, out, err = _run(capsys, "ingest", str(tmp_path / "in"), str(tmp_path / "missing.txt"), "--home", str(home))
    assert code == 1  # something was rejected, but the good files landed
    assert "2 added" in out and "4 rejected" in out and "Traceback" not in out + err
    code, out, _ = _run(capsys, "ask", "Who opened the Springfield bridge?", "--home", str(home), "--json")
    assert code == 0 and "Quimby" in json.loads(out)["answer"]
    code, out, _ = _run(capsys, "sources", "--home", str(home), "--json")
    assert all("steal" not in r["title"] if r["title"] else True for r in json.loads(out))


def test_a_damaged_index_gets_one_line_and_is_left_alone(tmp_path, capsys):
    home = tmp_path / "home"
    (tmp_path / "a.txt").write_text("A story about the harbour.")
    assert main(["ingest", str(tmp_path / "a.txt"), "--home", str(home)]) == 0
    capsys.readouterr()
    version = next((home / "index").glob("v-*"))
    (version / "chunks.jsonl").write_text("{broken")
    before = sorted(p.name for p in (home / "index").rglob("*"))
    code, out, err = _run(capsys, "ask", "What about the harbour?", "--home", str(home))
    # One version only, its articles intact: `rebuild` repairs it in place (not "start again").
    assert code == 1 and "damaged" in err and "newsdesk rebuild" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in (home / "index").rglob("*")) == before


def test_eval_writes_squad_predictions(tmp_path, capsys):
    data = {"data": [{"title": "Harbour", "paragraphs": [
        {"context": "The harbour of Kiel was opened in 1865 by King William. It handles ferries to Norway.",
         "qas": [{"id": "q1", "question": "Who opened the harbour of Kiel?", "answers": [{"text": "King William", "answer_start": 39}]},
                 {"id": "q2", "question": "When was the harbour of Kiel opened?", "answers": [{"text": "1865", "answer_start": 31}]}]},
        {"context": "Ferries to Norway leave every evening from the eastern pier.",
         "qas": [{"id": "q3", "question": "Where do ferries to Norway leave from?", "answers": [{"text": "the eastern pier", "answer_start": 43}]}]}]}]}
    path = tmp_path / "mini.json"
    path.write_text(json.dumps(data))
    for extra in ([], ["--gold-context"]):
        predictions = tmp_path / "preds.json"
        code, out, _ = _run(capsys, "eval", str(path), "--predictions", str(predictions), "--json", "--home", str(tmp_path / "h"), *extra)
        summary = json.loads(out)
        assert code == 0 and summary["questions"] == 3
        assert set(json.loads(predictions.read_text())) == {"q1", "q2", "q3"}
        assert 0 <= summary["exact_match"] <= summary["f1"] <= 100
        if not extra:
            assert set(summary["recall"]) == {"hybrid", "dense", "bm25"} and summary["recall"]["hybrid"]["@20"] == 100.0


def test_eval_of_a_file_that_is_not_squad(tmp_path, capsys):
    (tmp_path / "x.json").write_text("[1, 2]")
    code, _, err = _run(capsys, "eval", str(tmp_path / "x.json"))
    assert code == 1 and "not SQuAD" in err


def test_every_command_has_help_with_an_example():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert set(commands) >= {"ask", "chat", "ingest", "sources", "eval", "rebuild", "bot"}
    for name, sub in commands.items():
        assert "Example:" in sub.format_help() and "--home" in sub.format_help(), name


def test_chat_reads_questions_until_eof(home, monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{QUESTION}\n\nWho is the Russian president?\nquit\n"))
    code, out, _ = _run(capsys, "chat", "--home", str(home), "--json")
    answers = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert code == 0 and len(answers) == 2 and "Putin" in answers[1]["answer"]


def test_the_installed_command_runs_without_a_traceback(home):
    newsdesk = str(Path(sys.executable).parent / "newsdesk")
    result = subprocess.run([newsdesk, "ask", "", "--home", str(home)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.startswith("newsdesk:") and "Traceback" not in result.stderr


def test_remove_and_prune_through_the_cli(tmp_path, capsys):
    home, folder = tmp_path / "home", tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("The ferry to Gotland was cancelled on Friday because of the storm.")
    (folder / "b.txt").write_text("The new library in Malmo opened its doors on Saturday.")
    (folder / "c.txt").write_text("The harbour in Visby was closed for repairs.")
    assert _run(capsys, "ingest", str(folder), "--home", str(home))[0] == 0
    _, out, _ = _run(capsys, "sources", "--home", str(home), "--json")
    by_name = {Path(row["path"]).name: row["article_id"] for row in json.loads(out)}

    code, out, _ = _run(capsys, "remove", by_name["a.txt"][:10], "--home", str(home))  # by id prefix
    assert code == 0 and "1 removed" in out
    code, out, _ = _run(capsys, "remove", str(folder / "c.txt"), "--home", str(home))  # by path
    assert code == 0 and "1 removed" in out
    (folder / "b.txt").unlink()
    code, out, _ = _run(capsys, "ingest", str(folder), "--prune", "--home", str(home))
    assert code == 0 and "2 added" in out and "1 removed" in out  # a and c are still on disk: back they come
    _, out, _ = _run(capsys, "sources", "--home", str(home), "--json")
    assert {Path(row["path"]).name for row in json.loads(out)} == {"a.txt", "c.txt"}
    code, _, err = _run(capsys, "remove", "no-such-article", "--home", str(home))
    assert code == 1 and "no indexed article" in err
