"""Incremental, crash-safe, concurrent index updates (fake encoder, real index code)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from newsdesk.retrieval.index.store import load_index
from newsdesk.retrieval.index.versions import current_version, index_root
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings
from newsdesk.retrieval.sources.seeds import seed_paths

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ["Who hosted the Berlin talks?", "What did Erdogan warn about?", "Who curated the Outlook article?"]


def _desk(home, encoder):
    return Newsdesk(Settings(home=home, reader="baseline"), encoder=encoder)


def _fingerprint(desk):
    """What a user can observe: the chunk set and the search results."""
    chunks = {(c.article_id, c.start, c.end) for c in desk.index.chunks}
    results = [[(h.chunk.article_id, h.chunk.start) for h in desk.retrieve(q, k=5)] for q in QUESTIONS]
    return chunks, results


def _fresh(folder, tmp_path, encoder):
    home = tmp_path / f"fresh-{time.time_ns()}"
    desk = _desk(home, encoder)
    desk.ingest([folder])
    return desk


def _copy_seeds(folder, which):
    folder.mkdir(exist_ok=True)
    for path in [seed_paths()[i] for i in which]:
        (folder / path.name).write_text(path.read_text())


def test_every_step_answers_like_a_fresh_build(tmp_path, fake_encoder):
    folder = tmp_path / "articles"
    _copy_seeds(folder, [0, 1, 2])
    desk = _desk(tmp_path / "home", fake_encoder)
    desk.ingest([folder])
    assert _fingerprint(desk) == _fingerprint(_fresh(folder, tmp_path, fake_encoder))

    _copy_seeds(folder, [3, 4])  # add
    assert len(desk.ingest([folder]).added) == 2
    assert _fingerprint(desk) == _fingerprint(_fresh(folder, tmp_path, fake_encoder))

    edited = folder / seed_paths()[1].name  # change
    edited.write_text(edited.read_text().replace("Berlin", "Bonn"))
    report = desk.ingest([folder])
    assert len(report.replaced) == 1 and not report.added
    assert _fingerprint(desk) == _fingerprint(_fresh(folder, tmp_path, fake_encoder))

    removed = folder / seed_paths()[0].name  # remove by path
    desk.remove([str(removed)])
    removed.unlink()
    assert _fingerprint(desk) == _fingerprint(_fresh(folder, tmp_path, fake_encoder))

    (folder / seed_paths()[2].name).unlink()  # prune a deleted file
    assert len(desk.ingest([folder], prune=True).removed) == 1
    assert _fingerprint(desk) == _fingerprint(_fresh(folder, tmp_path, fake_encoder))
    assert len([p for p in index_root(desk.settings.home).iterdir() if p.name.startswith("v-")]) <= 2  # old versions cleaned


def test_exact_duplicates_are_one_article_and_syndicated_copies_stay_separate(tmp_path, fake_encoder):
    folder = tmp_path / "articles"
    folder.mkdir()
    story = seed_paths()[4].read_text()
    (folder / "a.txt").write_text(story)
    (folder / "copy-of-a.txt").write_text(story)
    (folder / "syndicated.txt").write_text(story.replace("For More visit NewsNeck", "For More visit OtherOutlet") + "\nAn extra line.")
    desk = _desk(tmp_path / "home", fake_encoder)
    report = desk.ingest([folder])
    assert len(report.added) == 2 and report.skipped[0][1].startswith("same text as")
    assert {a.outlet for a in desk.index.articles.values()} == {"NewsNeck", "OtherOutlet"}


def test_remove_refuses_unknown_targets(seed_desk):
    with pytest.raises(ValueError, match="no indexed article"):
        seed_desk.remove(["does-not-exist"])
    article = next(iter(seed_desk.index.articles))
    seed_desk.remove([article[:8]])
    assert article not in seed_desk.index.articles


def _worker(home, *paths, env=None, wait=True):
    command = [sys.executable, "-m", "tests.retrieval.ingest_worker", str(home), *map(str, paths)]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if wait:
        process.communicate(timeout=120)
    return process


@pytest.mark.parametrize("point", ["before-embed", "mid-embed", "mid-write", "before-switch"])
def test_a_killed_ingest_leaves_the_previous_version_and_the_next_one_completes(tmp_path, fake_encoder, point):
    folder = tmp_path / "articles"
    _copy_seeds(folder, [0, 1])
    home = tmp_path / "home"
    assert _worker(home, folder).returncode == 0
    before = current_version(home)
    _copy_seeds(folder, [2, 3, 4])

    crashed = _worker(home, folder, env={"NEWSDESK_CRASH_AT": point})
    assert crashed.returncode == -9  # SIGKILL
    assert current_version(home) == before
    desk = _desk(home, fake_encoder)
    assert len(desk.index.articles) == 2
    assert desk.ask(QUESTIONS[0]).question == QUESTIONS[0]  # asking works on the previous version

    assert _worker(home, folder).returncode == 0  # the next run finishes the job
    assert len(desk.index.articles) == 5
    assert _fingerprint(desk) == _fingerprint(_fresh(folder, tmp_path, fake_encoder))  # nothing lost, nothing twice
    leftovers = [p.name for p in index_root(home).iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_questions_never_fail_while_another_process_ingests(tmp_path, fake_encoder):
    home = tmp_path / "home"
    desk = _desk(home, fake_encoder)
    desk.ingest(seed_paths())
    files = []
    for n in range(50):
        path = tmp_path / "incoming" / f"story-{n:02d}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"Harbour report {n}\nShip number {n} docked in Kiel on day {n}. The crew of ship {n} was greeted by Mayor Lund.")
        files.append(path)
    writer = _worker(home, "--one-by-one", *files, wait=False)
    asked, deadline, seen_counts = 0, time.monotonic() + 120, set()
    while writer.poll() is None and time.monotonic() < deadline:
        answer = desk.ask("Who greeted the crew in Kiel?")  # must never raise
        index = desk.index
        assert len(index.chunks) == index.vectors.ntotal == index.manifest["counts"]["chunks"]  # a complete version
        # Whatever it answered is quoted from articles of a version it could load whole.
        assert all(index.articles[c.article_id].text[c.start:c.end] == c.quote for c in answer.citations)
        seen_counts.add(len(index.articles))
        asked += 1
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    assert len(desk.index.articles) == 55 and asked > 0
    assert len(seen_counts) > 1  # the running reader picked up new versions without a restart


def test_a_second_writer_waits_and_says_who_holds_the_lock(tmp_path, fake_encoder):
    home = tmp_path / "home"
    desk = _desk(home, fake_encoder)
    desk.ingest([seed_paths()[0]])
    with desk._writer("test holding the lock"):
        writer = _worker(home, seed_paths()[1], wait=False)
        time.sleep(3)
        assert writer.poll() is None  # still waiting
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0 and "waiting for pid" in err and "test holding the lock" in err
    assert len(load_index(home).articles) == 2


def test_watch_ingests_settled_files_and_drops_deleted_ones(tmp_path, fake_encoder):
    folder = tmp_path / "watched"
    _copy_seeds(folder, [0, 1])
    desk = _desk(tmp_path / "home", fake_encoder)
    reports = []
    desk.watch(folder, interval=0.01, cycles=2, report=reports.append)
    assert len(desk.index.articles) == 2
    (folder / seed_paths()[0].name).unlink()
    _copy_seeds(folder, [2])
    desk.watch(folder, interval=0.01, cycles=2, report=reports.append)
    names = {Path(a.path).name for a in desk.index.articles.values()}
    assert names == {seed_paths()[1].name, seed_paths()[2].name}


def test_watch_does_not_follow_links_out_of_the_folder(tmp_path, fake_encoder):
    folder = tmp_path / "watched"
    _copy_seeds(folder, [0])
    secret = tmp_path / "outside.txt"
    secret.write_text("Internal memo\n\nThe vault code is kept in the harbour office.")
    (folder / "outside.txt").symlink_to(secret)
    (folder / "inside-link.txt").symlink_to(folder / seed_paths()[0].name)
    desk = _desk(tmp_path / "home", fake_encoder)
    desk.watch(folder, interval=0.01, cycles=2, report=lambda report: None)
    assert [Path(a.path).name for a in desk.index.articles.values()] == [seed_paths()[0].name]


def test_a_wire_dateline_without_a_year_takes_the_year_of_its_storys_other_reports(tmp_path, fake_encoder):
    from datetime import date

    today = date.today()
    latest = date(today.year if (today.month, today.day) >= (10, 8) else today.year - 1, 10, 8)
    year_before = latest.replace(year=latest.year - 1)
    story = tmp_path / "hoard"
    story.mkdir()
    # The wire's first report names no weekday: read alone, it is the latest 8 October past.
    (story / "wire.txt").write_text(
        "WENDLE, Oct 8 (Heritage Wire) — Gwen Ashdown found a hoard of silver coins near Wendle, and the "
        "Hatherley Museum took them in.\n")
    (story / "update.md").write_text(
        f"---\ndate: {year_before.replace(day=20).isoformat()}\noutlet: Antiquity Weekly\n---\n"
        "The hoard Gwen Ashdown found at Wendle holds more coins than first counted, the Hatherley Museum said.\n")
    (story / "other.md").write_text(
        f"---\ndate: {latest.replace(day=1).isoformat()}\noutlet: Port Gazette\n---\n"
        "The Selby Harbour ferry Cassia Verde ran aground off Orsvik, the Pelmark coastguard said.\n")
    desk = _desk(tmp_path / "home", fake_encoder)
    desk.ingest([story])
    dates = {Path(a.path).name: a.date for a in desk.articles().values()}
    assert dates["wire.txt"] == year_before.isoformat()  # beside the update twelve days on, not a year after it

    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "wire.txt").write_text((story / "wire.txt").read_text())
    (alone / "other.md").write_text((story / "other.md").read_text())
    desk = _desk(tmp_path / "home-alone", fake_encoder)
    desk.ingest([alone])
    # Another story's date says nothing about this one's year.
    assert {Path(a.path).name: a.date for a in desk.articles().values()}["wire.txt"] == latest.isoformat()


def test_a_date_that_is_no_day_is_no_anchor_for_a_datelines_year():
    from dataclasses import replace
    from datetime import date

    from newsdesk.retrieval.sources.article import make_article
    from newsdesk.retrieval.updates import dated_by_their_story

    today = date(2026, 12, 7)
    wire = replace(make_article("WENDLE, Oct 8 (Heritage Wire) — Gwen Ashdown found a hoard of coins near Wendle, the "
                                "Hatherley Museum said.", path="/news/hoard/wire.txt"), date="2026-10-08")
    update = make_article("The Wendle hoard Gwen Ashdown found holds more coins, the Hatherley Museum said.",
                          path="/news/hoard/update.txt")
    # An index edited by hand may hold a year alone: it places nothing, and nothing fails.
    assert [a.date for a in dated_by_their_story([wire, replace(update, date="2025")], [], today)] == ["2026-10-08", "2025"]
    assert dated_by_their_story([wire, replace(update, date="2025-10-20")], [], today)[0].date == "2025-10-08"
