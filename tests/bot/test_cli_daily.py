"""The command line in daily use, through ``cli.main`` with the fake encoder and the baseline
reader (quick): outlets, ids, seeds, filters, exit codes, option order, one-line errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from newsdesk.bot import cli
from newsdesk.bot.cli import main

from tests.bot.conftest import BRIDGE
from tests.bot.cli_helpers import run


REAL_LOAD_ENCODER = __import__("newsdesk.embeddings.encoder", fromlist=["load_encoder"]).load_encoder


def _write_bridge_stories(folder: Path) -> None:
    """The same fact from a known outlet (a JSON record) and from a file that names none."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "shopper.json").write_text(json.dumps({"title": "Bridge opens", "outlet": "The Springfield Shopper",
                                                     "date": "2025-12-01", "text": BRIDGE + " Traffic was light."}))
    (folder / "002_53818c7f6e52f222.txt").write_text("Bridge opening draws crowd\n\n" + BRIDGE + " Crowds cheered.")


# ------------------------------------------------------------------ 1. outlets, never file names


def test_a_file_name_is_never_shown_as_an_outlet(env, capsys):
    home = env / "home"
    _write_bridge_stories(env / "in")
    assert run(capsys, "ingest", env / "in", "--home", home)[0] == 0
    code, out, _ = run(capsys, "ask", "Who opened the Springfield bridge?", "--home", home)
    assert code == 0 and "Quimby" in out.splitlines()[0]
    assert "Reported by 2 sources: The Springfield Shopper and 1 of unknown outlet" in out
    assert "“Bridge opening draws crowd” (outlet unknown)" in out and ".txt" not in out

    result = json.loads(run(capsys, "ask", "Who opened the Springfield bridge?", "--home", home, "--json")[1])
    assert result["outlets"] == ["The Springfield Shopper"] and result["unknown_outlets"] == 1
    assert sorted(str(c["outlet"]) for c in result["citations"]) == ["None", "The Springfield Shopper"]


def test_source_names_and_outlet_counts():
    from newsdesk.types import Answer, Article, Citation, UnknownOutlet, known_outlets

    named, unnamed = Article("a" * 16, "x", outlet="NewsNeck"), Article("b" * 16, "x", title="T", path="/x/002.txt")
    assert named.source_name == "NewsNeck" and unnamed.source_name == "“T” (outlet unknown)"
    assert Article("c" * 16, "x").source_name == "article cccccccccccc (outlet unknown)"
    assert isinstance(unnamed.source_name, UnknownOutlet) and known_outlets([unnamed.source_name, "X"]) == ("X",)

    def cite(article_id, outlet):
        return Citation(article_id, "T", outlet, None, None, f"/x/{article_id}.txt", "q", 0, 1, 0, 1)

    answer = Answer("q?", "a", 0.9, citations=(cite("1", "A"), cite("2", None), cite("3", "A"), cite("4", None)))
    assert answer.outlets == ("A",) and answer.unknown_outlets == 2 and answer.source_count == 3


# ------------------------------------------------------------------ 2. ids, remove, plurals


def test_sources_show_short_ids_and_files_and_remove_takes_them(env, capsys):
    home, folder = env / "home", env / "in"
    (folder / "old").mkdir(parents=True)
    (folder / "old" / "a.txt").write_text("The ferry to Gotland was cancelled on Friday because of the storm.")
    (folder / "old" / "b.txt").write_text("The new library in Malmo opened its doors on Saturday.")
    (folder / "c.txt").write_text("The harbour in Visby was closed for repairs.")
    code, out, _ = run(capsys, "ingest", folder, "--home", home)
    assert code == 0 and "3 added; 3 chunks embedded" in out and "0 " not in out

    code, out, _ = run(capsys, "sources", "--home", home)
    listed = re.findall(r"^  ([0-9a-f]{12})  .*\n +(.*)$", out, re.MULTILINE)  # id, then outlet, date, chunks, file
    assert code == 0 and len(listed) == 3 and "1 chunk," in out and "1 chunks" not in out
    visby = next(short for short, details in listed if details.endswith(str(folder / "c.txt")))

    code, out, err = run(capsys, "remove", folder / "old", "--home", home)  # a folder: what was read from under it
    assert code == 0 and out.count("removed   ") == 2 and out.splitlines()[-1].startswith("2 removed in")
    assert "embedded" not in out
    code, out, _ = run(capsys, "remove", visby, "--home", home)  # the short id that `sources` shows
    assert code == 0 and out.splitlines()[-1].startswith("1 removed in")
    code, _, err = run(capsys, "remove", folder / "old", "--home", home)
    assert code == 1 and "matches no indexed article" in err and len(err.splitlines()) == 1


def test_plurals():
    from newsdesk.bot.render import and_list, plural

    assert [plural(n, "chunk") for n in (0, 1, 2, 1000)] == ["0 chunks", "1 chunk", "2 chunks", "1,000 chunks"]
    assert and_list(["A"]) == "A" and and_list(["A", "B", "C"]) == "A, B and C" and and_list([]) == ""


# ------------------------------------------------------------------ 3. the seeds


def test_own_articles_joining_the_seeds_are_told_how_to_drop_them(env, capsys):
    home = env / "home"
    code, _, err = run(capsys, "ask", "Who hosted the Berlin talks?", "--home", home)
    assert code == 0 and "indexing the bundled seed articles" in err
    _write_bridge_stories(env / "in")
    code, out, _ = run(capsys, "ingest", env / "in", "--home", home)
    note = [line for line in out.splitlines() if "seed" in line]
    assert code == 0 and len(note) == 1 and "5 bundled seed articles" in note[0] and "newsdesk remove --seeds" in note[0]

    (env / "more.txt").write_text("The Visby harbour reopened on Sunday.")
    assert "seed" not in run(capsys, "ingest", env / "more.txt", "--home", home)[1]  # once only
    code, out, _ = run(capsys, "remove", "--seeds", "--home", home)
    assert code == 0 and "5 removed in" in out
    rows = json.loads(run(capsys, "sources", "--home", home, "--json")[1])
    assert len(rows) == 3 and not any("/seeds/" in row["path"] for row in rows)
    code, _, err = run(capsys, "remove", "--seeds", "--home", home)
    assert code == 1 and "no bundled seed article" in err
    with pytest.raises(SystemExit) as stop:  # nothing named: a usage error
        main(["remove", "--home", str(home)])
    assert stop.value.code == 2 and "say what to remove" in capsys.readouterr().err


# ------------------------------------------------------------------ 4. filters


def test_outlet_filters_match_part_of_a_name_in_any_case(events_home, capsys):
    code, out, _ = run(capsys, "ask", "Who opened the Riverside Harvest Festival?", "--home", events_home,
                       "--outlet", "gazette", "--json")
    result = json.loads(out)
    assert code == 0 and not result["abstained"] and result["outlets"] == ["Riverside Gazette"]


def test_a_filter_that_matches_nothing_says_so_and_lists_the_outlets(events_home, capsys):
    code, out, err = run(capsys, "ask", "Who opened the festival?", "--home", events_home, "--outlet", "Nope Times")
    assert code == 1 and out == "" and len(err.splitlines()) == 1
    assert "--outlet 'Nope Times' matches no indexed outlet; the outlets are: Lakeside Herald, Riverside Gazette, Valley Times" in err
    code, _, err = run(capsys, "ask", "Who?", "--home", events_home, "--since", "2030-01-01")
    assert code == 1 and "--since 2030-01-01 leave no indexed article (the dated articles run from 2025-09-12 to 2025-10-05)" in err
    code, _, err = run(capsys, "ask", "Who?", "--home", events_home, "--outlet", "lakeside", "--since", "2025-10-01")
    assert code == 1 and "no article of an outlet matching 'lakeside' is dated within --since 2025-10-01" in err


def test_date_filters_say_what_they_leave_out_and_must_be_in_order(events_home, capsys):
    code, out, _ = run(capsys, "ask", "Who opened the Riverside Harvest Festival?", "--home", events_home, "--since", "2025-10-01")
    assert code == 0 and "Note: 1 undated article was left out by --since 2025-10-01" in out
    code, out, _ = run(capsys, "ask", "Who opened the Riverside Harvest Festival?", "--home", events_home, "--since", "2025-10-01", "--json")
    assert json.loads(out)["notes"] == ["1 undated article was left out by --since 2025-10-01"]
    with pytest.raises(SystemExit) as stop:
        main(["ask", "Who?", "--home", str(events_home), "--since", "2025-12-20", "--until", "2025-12-01"])
    out, err = capsys.readouterr()
    assert stop.value.code == 2 and out == "" and "--since 2025-12-20 is after --until 2025-12-01" in err


def test_eval_rejects_the_filters_it_would_ignore(env, capsys):
    for option in (["--outlet", "X"], ["--since", "2025-01-01"], ["--until", "2025-01-01"]):
        with pytest.raises(SystemExit) as stop:
            main(["eval", str(env / "x.json"), *option])
        assert stop.value.code == 2 and "unrecognized arguments" in capsys.readouterr().err


# ------------------------------------------------------------------ 5. exit codes


@pytest.mark.parametrize("question, message", [("", "empty"), ("   ", "empty"), ("x" * 20000, "too long")])
def test_a_bad_question_is_a_usage_error(env, capsys, question, message):
    code, out, err = run(capsys, "ask", question, "--home", env / "home")
    assert code == 2 and out == "" and message in err and len(err.splitlines()) == 1
    assert not (env / "home").exists()  # refused before anything was loaded or indexed


def test_a_bug_is_not_passed_off_as_a_user_error(env, capsys, monkeypatch):
    def broken(args):
        raise ValueError("internal invariant")

    monkeypatch.setitem(cli.RUNNERS, "sources", broken)
    code, _, err = run(capsys, "sources", "--home", env / "home")
    assert code == 1 and "unexpected error (ValueError: internal invariant); run again with -v" in err


def test_user_errors_are_one_line_with_the_documented_code(env, capsys, seed_home):
    from newsdesk.errors import InvalidInput, NewsdeskError, UsageError

    assert issubclass(UsageError, InvalidInput) and issubclass(InvalidInput, (NewsdeskError, ValueError))
    code, _, err = run(capsys, "rollback", "v-nope", "--home", seed_home)
    assert code == 1 and "there is no version 'v-nope'" in err and len(err.splitlines()) == 1
    with pytest.raises(SystemExit) as stop:
        main(["watch", str(seed_home), "--interval", "0"])
    assert stop.value.code == 2 and "not a positive number of seconds" in capsys.readouterr().err
    code, _, err = run(capsys, "ask", "Who?", "--home", seed_home, "--reader", str(env / "nowhere"))
    assert code == 2 and "--reader" in err and "is not a model directory" in err and len(err.splitlines()) == 1


# ------------------------------------------------------------------ 6. options before the command


def test_common_options_work_before_the_command_and_after_it_wins(env, capsys, monkeypatch):
    first, second = env / "first", env / "second"
    code, _, err = run(capsys, "--home", first, "ask", "Who hosted the Berlin talks?")
    assert code == 0 and str(first) in err and (first / "index").is_dir()
    code, _, _ = run(capsys, "--home", first, "-v", "sources", "--home", second)
    assert code == 0 and (second / "index").is_dir()
    args = cli.build_parser().parse_args(["--runtime", "torch", "ask", "q"])
    assert (args.runtime, args.home, args.verbose, args.model) == ("torch", None, 0, None)
    args = cli.build_parser().parse_args(["--runtime", "torch", "ask", "q", "--runtime", "onnx", "-v"])
    assert (args.runtime, args.verbose) == ("onnx", 1)
    monkeypatch.setenv("NEWSDESK_RUNTIME", "torch")
    assert cli.build_parser().parse_args(["sources"]).runtime == "torch"


# ------------------------------------------------------------------ 7. one line, no library noise


def test_a_missing_model_is_the_only_line(env, capsys, monkeypatch):
    from newsdesk.embeddings import encoder

    monkeypatch.setattr(encoder, "load_encoder", REAL_LOAD_ENCODER)  # the real choice (no model is loaded)
    code, out, err = run(capsys, "ask", "Who?", "--home", env / "home", "--model", env / "nonexistent")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("newsdesk: --model ") and "does not exist" in err and "torch" not in err


@pytest.mark.parametrize("content, message", [
    ("[1, 2]", "is not SQuAD v1.1 format: no 'data' list at the top"),
    ('{"data": [{"title": "x"}]}', "is not SQuAD v1.1 format: data[0] has no 'paragraphs' list"),
    ('{"data": [{"paragraphs": [{"context": "c", "qas": [{"id": 1}]}]}]}', "data[0].paragraphs[0].qas[0] needs an 'id' and a 'question'"),
    ("{not json", "is not JSON (Expecting property name"),
])
def test_a_malformed_eval_file_is_one_clear_line(env, capsys, content, message):
    (env / "x.json").write_text(content)
    code, _, err = run(capsys, "eval", env / "x.json", "--home", env / "home")
    assert code == 1 and message in err and len(err.splitlines()) == 1 and "Error" not in err
    code, _, err = run(capsys, "eval", env / "missing.json")
    assert code == 1 and "missing.json: no such file" in err


def test_library_warnings_are_hidden_unless_verbose(env, capfd):
    (env / "in").mkdir()
    for n in range(3):
        (env / "in" / f"{n}.txt").write_text(f"Story {n}: the harbour of town {n} reopened on Monday after repairs.")
    assert main(["ingest", str(env / "in"), "--home", str(env / "home"), "--index-type", "ivf"]) == 0
    assert "clustering" not in capfd.readouterr().err  # faiss's k-means warning, printed by C++

    script = ("import sys, warnings\nfrom newsdesk.bot import cli\n"
              "def noisy(args):\n    warnings.warn('a library deprecation', FutureWarning)\n    return 0\n"
              "cli.RUNNERS['sources'] = noisy\nsys.exit(cli.main(sys.argv[1:]))\n")
    for extra, shown in (([], False), (["-v"], True)):
        result = subprocess.run([sys.executable, "-c", script, "sources", *extra], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0 and ("a library deprecation" in result.stderr) is shown, result.stderr
