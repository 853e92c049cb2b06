"""The index store keeps what it cannot account for: a lost CURRENT, damaged stores, a full disk."""

import json
import logging
import shutil
import subprocess
from pathlib import Path

import pytest
from newsdesk.retrieval.index.build import build_index
from newsdesk.retrieval.index.store import load_index, save_index
from newsdesk.retrieval.index.versions import CURRENT_FILE, current_version, index_root, list_versions, version_paths
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import Settings
from newsdesk.retrieval.sources.article import make_article
from newsdesk.retrieval.sources.seeds import seed_paths

from newsdesk.errors import DiskFull, IndexDamaged


def _desk(home, encoder):
    return Newsdesk(Settings(home=home, reader="baseline"), encoder=encoder)


def _stories(n, tag="story"):
    return [make_article(f"The {tag} number {i} happened in Port Halden on Monday. Officials said it went well.") for i in range(n)]


@pytest.fixture
def two_versions(tmp_path, fake_encoder):
    """A home with an older version of 3 articles and a live one of 6."""
    desk = _desk(tmp_path / "home", fake_encoder)
    desk.add_articles(_stories(3))
    desk.add_articles(_stories(6))
    assert len(version_paths(desk.settings.home)) == 2
    return desk


@pytest.mark.parametrize("damage", ["missing", "empty", "gone"])
def test_a_lost_current_pointer_uses_the_newest_complete_version_and_deletes_nothing(two_versions, fake_encoder, damage, caplog):
    home = two_versions.settings.home
    pointer = index_root(home) / CURRENT_FILE
    newest = version_paths(home)[0]
    if damage == "missing":
        pointer.unlink()
    elif damage == "empty":
        pointer.write_text("")
    else:
        pointer.write_text("v-19990101-000000-000000000")
    desk = _desk(home, fake_encoder)
    with caplog.at_level(logging.WARNING):
        assert desk.ensure_index() is None  # not "no index": the seeds are not indexed over it
        assert len(desk.index.articles) == 6 and current_version(home) == newest
    assert "using the newest complete version" in caplog.text
    # A write keeps both versions' articles: the fallback counts as the previous version.
    report = desk.add_articles([make_article("A brand new story about the harbour in Port Halden.")])
    assert len(report.added) == 1 and len(desk.index.articles) == 7
    assert newest in version_paths(home)


def test_a_lost_pointer_with_no_complete_version_refuses_and_deletes_nothing(two_versions, fake_encoder):
    home = two_versions.settings.home
    (index_root(home) / CURRENT_FILE).unlink()
    for version in version_paths(home):
        (version / "manifest.json").write_text("{ not json")
    desk = _desk(home, fake_encoder)
    with pytest.raises(IndexDamaged, match="none of the 2 versions .* nothing was deleted"):
        desk.ensure_index()
    with pytest.raises(IndexDamaged):
        desk.ingest(seed_paths()[:1])
    assert len(version_paths(home)) == 2


def _truncate_live_articles(home, keep_lines=3):
    path = current_version(home) / "articles.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:keep_lines]))


def test_a_damaged_store_is_refused_rebuild_drops_nothing_and_rollback_restores(two_versions, fake_encoder):
    home = two_versions.settings.home
    live, older = version_paths(home)
    _truncate_live_articles(home)
    desk = _desk(home, fake_encoder)
    with pytest.raises(IndexDamaged, match=r"articles.jsonl has .* bytes.*newsdesk rollback.*3 articles"):
        desk.sources()
    with pytest.raises(IndexDamaged, match="newsdesk rollback"):
        desk.rebuild()
    assert version_paths(home) == [live, older]  # nothing written, nothing removed
    versions = desk.versions()
    assert [v.intact for v in versions] == [False, True]
    before, after = desk.rollback()
    assert before.path == live and after.path == older
    assert len(desk.sources()) == 3 and version_paths(home) == [live, older]


def test_a_checksum_catches_a_same_size_change(two_versions, fake_encoder):
    home = two_versions.settings.home
    path = current_version(home) / "chunks.jsonl"
    data = bytearray(path.read_bytes())
    data[data.index(b'"start": 0') + 10] ^= 1  # "start": 0 -> "start": 1, same length
    path.write_bytes(bytes(data))
    with pytest.raises(IndexDamaged, match="chunks.jsonl does not match its checksum"):
        load_index(home)


def test_a_save_over_a_damaged_version_keeps_the_last_intact_one(two_versions, fake_encoder):
    home = two_versions.settings.home
    live, older = version_paths(home)
    _truncate_live_articles(home)
    index, _ = build_index(_stories(2, "fresh"), fake_encoder)
    new = save_index(index, home)
    assert version_paths(home) == [new, live, older]
    index, _ = build_index(_stories(1, "fresher"), fake_encoder)
    newest = save_index(index, home)
    # The damaged one goes once a newer intact one exists; the intact one before it stays.
    assert version_paths(home) == [newest, new]
    assert all(v.intact for v in list_versions(home))


def test_rollback_refuses_unknown_or_damaged_versions(two_versions):
    live, older = version_paths(two_versions.settings.home)
    with pytest.raises(ValueError, match="no version 'v-nope'"):
        two_versions.rollback("v-nope")
    (older / "vectors.faiss").write_bytes(b"x")
    with pytest.raises(ValueError, match="cannot be made live"):
        two_versions.rollback(older.name)
    with pytest.raises(ValueError, match="no intact earlier version"):
        two_versions.rollback()
    assert current_version(two_versions.settings.home) == live


def test_manifest_records_every_file_with_its_checksum(two_versions):
    version = current_version(two_versions.settings.home)
    files = json.loads((version / "manifest.json").read_text())["files"]
    on_disk = {str(p.relative_to(version)) for p in version.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(files) == on_disk and all(len(r["sha256"]) == 64 for r in files.values())


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs (root only): a real full disk, not a simulated one."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if shutil.which("mount") is None or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                                                       capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_says_how_much_room_is_needed_and_leaves_no_partial_version(small_disk, fake_encoder):
    desk = _desk(small_disk / "home", fake_encoder)
    desk.add_articles(_stories(3))
    filler = small_disk / "filler"
    with open(filler, "wb") as handle:  # fill what is left, as another program would
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    big = [make_article(f"Report {i}: " + "the council debated the harbour budget at length. " * 40) for i in range(40)]
    with pytest.raises(DiskFull, match=r"needs about [\d.]+ MB, [\d.]+ MB are free"):
        desk.add_articles(big)
    assert not [p for p in index_root(desk.settings.home).iterdir() if p.name.endswith(".tmp")]
    filler.unlink()
    assert len(_desk(desk.settings.home, fake_encoder).index.articles) == 3
    assert len(desk.add_articles(big).added) == 40  # with room again, the same write succeeds


def test_the_cli_rolls_back_and_lists_versions(two_versions, tmp_path):
    from newsdesk.bot.cli import main

    home = str(two_versions.settings.home)
    _truncate_live_articles(Path(home))
    assert main(["rollback", "--list", "--home", home]) == 0
    assert main(["rollback", "--home", home]) == 0
    assert len(load_index(Path(home)).articles) == 3


def test_version_names_sort_by_creation_across_a_second_boundary():
    from newsdesk.retrieval.index.store import version_name

    readings = [1_700_000_000_999_999_999, 1_700_000_001_000_000_001, 1_700_000_001_500_000_000]
    names = [version_name(ns) for ns in readings]
    assert names == sorted(names) and names[0].endswith("-999999999") and names[1].endswith("-000000001")
