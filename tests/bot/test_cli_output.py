"""Output for scripts and cron, through ``cli.main`` (fake encoder): summaries instead of a line
per unchanged file or per record, ``--quiet``, the lock wait apart from the work, and the small
warts (rollback's live mark, a damaged index's way out, ``info --json``, the docs' numbers)."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.bot.cli_helpers import offline_cli, run

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path, monkeypatch):
    return offline_cli(tmp_path, monkeypatch)



def _folder(path: Path, n: int) -> Path:
    path.mkdir(parents=True)
    for i in range(n):
        (path / f"{i:02}.txt").write_text(f"Story {i}\n\nThe ferry number {i} to Gotland sailed on Friday {i}.")
    return path


def test_reingesting_a_folder_prints_one_summary_line(env, capsys):
    folder, home = _folder(env / "in", 12), env / "home"
    assert run(capsys, "ingest", folder, "--home", home)[0] == 0
    code, out, _ = run(capsys, "ingest", folder, "--home", home)
    assert code == 0 and re.fullmatch(r"nothing changed; 12 already indexed, skipped in \d+\.\ds\n", out)
    (folder / "12.txt").write_text("Story 12\n\nA new ferry to Visby.")
    out = run(capsys, "ingest", folder, "--home", home)[1]
    assert out.splitlines()[0].startswith("added     ") and "12" in out.splitlines()[0]
    assert re.fullmatch(r"1 added; 12 already indexed, skipped; 1 chunk embedded in \d+\.\ds", out.splitlines()[1])


def test_many_records_give_a_few_lines_and_a_count(env, capsys):
    records = [{"title": f"Record {i}", "outlet": "Wire", "text": f"Wire story number {i} about the port."} for i in range(15)]
    (env / "wire.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    code, out, _ = run(capsys, "ingest", env / "wire.jsonl", "--home", env / "home")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 12 and sum(line.startswith("added ") for line in lines) == 10
    assert lines[10] == "… and 5 more added" and lines[11].startswith("15 added; 15 chunks embedded in ")


def test_quiet_prints_only_rejections_and_the_summary(env, capsys, monkeypatch):
    folder, home = _folder(env / "in", 3), env / "home"
    (folder / "empty.txt").write_text("")
    code, out, err = run(capsys, "ingest", folder, "--home", home, "--quiet")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 2 and lines[0].startswith("rejected  ") and "empty.txt" in lines[0]
    assert lines[1].startswith("3 added, 1 rejected; 3 chunks embedded in ") and not err

    code, out, _ = run(capsys, "remove", folder / "00.txt", "--home", home, "-q")
    assert code == 0 and re.fullmatch(r"1 removed in \d+\.\ds\n", out)

    from newsdesk.retrieval.service import Newsdesk

    real = Newsdesk.watch
    monkeypatch.setattr(Newsdesk, "watch", lambda *a, **kw: real(*a, **{**kw, "cycles": 2, "interval": 0.01}))
    (folder / "empty.txt").unlink()
    code, out, err = run(capsys, "watch", folder, "--home", home, "--quiet")
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  "
    assert code == 0 and err == ""
    assert re.fullmatch(stamp + r"1 added; 2 already indexed, skipped; 1 chunk embedded in \d+\.\ds\n", out)


def test_a_wait_for_the_lock_is_reported_apart_from_the_work(env, capsys):
    from newsdesk.retrieval.index.lock import write_lock

    (env / "a.txt").write_text("The harbour in Visby was closed for repairs.")
    home = env / "home"
    held, release = threading.Event(), threading.Event()

    def other_writer():
        with write_lock(home, "a test"):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=other_writer)
    thread.start()
    held.wait(10)
    threading.Timer(1.0, release.set).start()  # long enough that the ingest has to wait
    code, out, _ = run(capsys, "ingest", env / "a.txt", "--home", home)
    thread.join(10)
    waited = re.fullmatch(r"added .*\nwaited (\d+\.\d)s for another writer; 1 added; 1 chunk embedded in (\d+\.\d)s\n", out)
    assert code == 0 and waited and float(waited.group(1)) > 0


def test_the_summary_line_keeps_the_wait_apart():
    from newsdesk.bot.render import ingest_report_to_text

    report = SimpleNamespace(added=[SimpleNamespace(title="T", record=None, path=None, id="a" * 16, outlet=None, date=None)],
                             replaced=[], removed=[], skipped=[], rejected=[], chunks_embedded=1, seconds=0.42,
                             waited_s=73.4, seeds_kept=0)
    assert ingest_report_to_text(report, quiet=True) == "waited 73.4s for another writer; 1 added; 1 chunk embedded in 0.4s"


def test_rollback_list_marks_the_live_version(env, capsys):
    home = env / "home"
    (env / "a.txt").write_text("The harbour in Visby was closed for repairs.")
    (env / "b.txt").write_text("The ferry to Gotland was cancelled.")
    run(capsys, "ingest", env / "a.txt", "--home", home)
    run(capsys, "ingest", env / "b.txt", "--home", home)
    lines = run(capsys, "rollback", "--list", "--home", home)[1].splitlines()
    assert len(lines) == 2 and lines[0].startswith("* v-") and lines[0].endswith(" (live)")
    assert lines[1].startswith("  v-") and "(live)" not in lines[1]
    assert run(capsys, "rollback", "--home", home)[0] == 0
    lines = run(capsys, "rollback", "--list", "--home", home)[1].splitlines()
    assert lines[0].startswith("  v-") and lines[1].startswith("* v-") and lines[1].endswith(" (live)")


def test_a_damaged_index_says_rebuild_which_repairs_it_in_place(env, capsys):
    home = env / "home"
    (env / "a.txt").write_text("Mayor Joe Quimby opened the Springfield bridge on Monday.")
    run(capsys, "ingest", env / "a.txt", "--home", home)
    version = next((home / "index").glob("v-*"))
    (version / "chunks.jsonl").write_text("{broken")

    code, _, err = run(capsys, "ask", "Who opened the Springfield bridge?", "--home", home)
    assert code == 1 and "damaged" in err and "run `newsdesk rebuild` to repair it in place" in err
    assert "new home" not in err and len(err.splitlines()) == 1
    info = json.loads(run(capsys, "info", "--json", "--home", home)[1])
    assert "chunks.jsonl" in info["index"]["problem"] and "newsdesk rebuild" in info["index"]["problem"]
    assert "damaged" in run(capsys, "info", "--home", home)[1].splitlines()[2]

    assert run(capsys, "rebuild", "--home", home)[0] == 0
    code, out, _ = run(capsys, "ask", "Who opened the Springfield bridge?", "--home", home)
    assert code == 0 and "Quimby" in out
    info = json.loads(run(capsys, "info", "--json", "--home", home)[1])
    assert "problem" not in info["index"] and info["index"]["articles"] == 1


def test_lost_articles_and_no_earlier_version_still_say_start_again(env, capsys):
    home = env / "home"
    (env / "a.txt").write_text("A story about the harbour.")
    run(capsys, "ingest", env / "a.txt", "--home", home)
    version = next((home / "index").glob("v-*"))
    (version / "articles.jsonl").write_text("{broken")
    code, _, err = run(capsys, "sources", "--home", home)
    assert code == 1 and "ingest the article files again" in err and "rebuild" not in err


def test_the_docs_state_the_bot_s_startup_tries():
    from newsdesk.bot.telegram.run import BOOTSTRAP_RETRIES

    docs = (ROOT / "docs" / "telegram.md").read_text()
    assert f"tried {BOOTSTRAP_RETRIES + 1} times" in docs and "tried 5 times)" not in docs
