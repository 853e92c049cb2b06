"""The command line at a terminal and on this machine, through ``cli.main`` with the fake encoder
and the baseline reader (quick): watch, progress, chat, stdin, width, version, info, make demo,
control characters, bf16."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from newsdesk.bot.cli import main

from tests.bot.conftest import BRIDGE
from tests.bot.cli_helpers import run
from tests.conftest import FakeEncoder


ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ 8. watch


def test_watch_stamps_its_lines_and_refuses_a_missing_folder(env, capsys, monkeypatch):
    code, out, err = run(capsys, "watch", env / "no" / "such" / "dir", "--home", env / "home")
    assert code == 1 and out == "" and "no such folder" in err and "watching" not in err and len(err.splitlines()) == 1

    from newsdesk.retrieval.service import Newsdesk

    real = Newsdesk.watch
    monkeypatch.setattr(Newsdesk, "watch", lambda *a, **kw: real(*a, **{**kw, "cycles": 2, "interval": 0.01}))
    (env / "in").mkdir()
    (env / "in" / "a.txt").write_text("The harbour in Visby was closed for repairs.")
    code, out, err = run(capsys, "watch", env / "in", "--home", env / "home")
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  "
    assert code == 0 and re.match(stamp + "watching ", err)
    assert out and all(re.match(stamp, line) for line in out.splitlines()) and "1 added" in out


# ------------------------------------------------------------------ 9. progress


def test_the_update_progress_moves_with_each_article_and_batch(capsys):
    from newsdesk.retrieval.index import build as indexing

    from newsdesk.types import Article

    articles = [Article(f"{n:016x}", f"Story {n}. " + "The harbour reopened after the storm. " * 40) for n in range(6)]
    bar = indexing.UpdateProgress(articles, enabled=True)
    seen = []
    for article in articles:
        bar.chunked(article)
        seen.append(bar._bar.n)
    texts = ["a chunk of text"] * (3 * indexing.EMBED_BATCH + 5)
    calls = []

    class Counting(FakeEncoder):
        def embed(self, batch, progress=False):
            calls.append(len(batch))
            seen.append(bar._bar.n)
            return super().embed(batch)

    indexing.embed_in_batches(Counting(), texts, bar)
    seen.append(bar._bar.n)
    bar.close()
    assert seen == sorted(seen) and len(set(seen)) == len(seen) - 1  # up at every step (one call sees the last)
    assert abs(seen[len(articles) - 1] - 1000 * indexing.CHUNKING_SHARE) < 1e-6 and abs(seen[-1] - 1000) < 1e-6
    assert max(calls) <= indexing.EMBED_BATCH and len(calls) == 4


# ------------------------------------------------------------------ 10. chat


def test_chat_reads_follow_ups_with_the_question_before(events_home, capsys, monkeypatch):
    import io

    lines = ["Who opened the Riverside Harvest Festival?", "When was that?", "Who opened the Lakeside Jazz Week?",
             "When was that?", "quit"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    code, out, _ = run(capsys, "chat", "--home", events_home, "--json")
    answers = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [a["answer"] for a in answers][1::2] == ["Saturday", "Friday"]
    assert answers[1]["question"] == "When was that?" and answers[1]["follow_up_of"] == lines[0]
    assert answers[0]["follow_up_of"] is None

    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines[:2]) + "\n"))
    code, out, _ = run(capsys, "chat", "--home", events_home)
    assert code == 0 and "Note: read as a follow-up to “Who opened the Riverside Harvest Festival?”" in out


def test_follow_up_detection_and_context():
    from newsdesk.retrieval.answering.followup import follow_up_question, refers_back

    assert all(map(refers_back, ["When was that?", "Where did he go next?", "And Putin?", "What about Macron?", "Why?"]))
    assert not any(map(refers_back, ["Who hosted the Berlin talks?", "Who is the Russian president?"]))
    assert follow_up_question("When was that?", "Who opened it?", "Elena Novak") == "When was that? (Who opened it? Elena Novak)"
    assert follow_up_question("x" * 990, "Who?", "Her") == "x" * 990  # no room: it stands alone
    long = follow_up_question("When?", "word " * 400, None, max_context=50)
    assert len(long) <= len("When? ()") + 50 and long.startswith("When? (word")


CHAT_SCRIPT = """
import sys
sys.path.insert(0, {root!r})
from tests.conftest import FakeEncoder
from newsdesk.embeddings import encoder
encoder.load_encoder = lambda model_path=None, runtime="onnx": FakeEncoder()
from newsdesk.bot.cli import main
sys.exit(main(["chat", "--home", {home!r}, "--reader", "baseline"]))
"""


def _read_until(fd: int, wanted: bytes, timeout: float = 60) -> bytes:
    import select
    import time

    data, deadline = b"", time.monotonic() + timeout
    while wanted not in data and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            data += chunk
    return data


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is POSIX")
def test_chat_has_line_editing_history_and_leaves_on_ctrl_d_with_a_newline(seed_home, env):
    import pty

    pytest.importorskip("readline")
    leader, follower = pty.openpty()
    environ = {**os.environ, "XDG_STATE_HOME": str(env / "state"), "TERM": "xterm", "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHAT_SCRIPT.format(root=str(ROOT), home=str(seed_home))],
                             stdin=follower, stdout=follower, stderr=follower, env=environ, close_fds=True)
    os.close(follower)
    try:
        assert b"? " in _read_until(leader, b"? ")
        os.write(leader, b"Who hosted the Berlin talks?\r")
        assert b"Merz" in _read_until(leader, b"\n? ")
        os.write(leader, b"\x1b[A\r")  # the up arrow brings the question back
        again = _read_until(leader, b"\n? ")
        assert b"Merz" in again and b"^[[A" not in again
        os.write(leader, b"\x04")  # Ctrl-D
        tail = _read_until(leader, b"never")
        assert child.wait(timeout=60) == 0 and tail.startswith(b"\r\n")
    finally:
        if child.poll() is None:
            child.kill()
        os.close(leader)
    # Kept for the next chat (readline does not repeat a line that equals the one before).
    assert (env / "state" / "newsdesk" / "chat_history").read_text().splitlines() == ["Who hosted the Berlin talks?"]


# ------------------------------------------------------------------ 11. stdin, width, version, info, make, escapes


def test_ask_reads_the_question_from_stdin(seed_home, capsys, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("Who hosted the\nBerlin talks?\n"))
    code, out, _ = run(capsys, "ask", "-", "--home", seed_home, "--json")
    assert code == 0 and json.loads(out)["question"] == "Who hosted the Berlin talks?" and "Merz" in json.loads(out)["answer"]


def test_text_wraps_to_the_terminal_and_to_88_columns_elsewhere(seed_home, capsys, monkeypatch):
    import shutil

    _, out, _ = run(capsys, "ask", "Who hosted the Berlin talks?", "--home", seed_home)
    assert max(map(len, out.splitlines())) <= 88
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(shutil, "get_terminal_size", lambda fallback=(88, 24): os.terminal_size((50, 24)))
    _, out, _ = run(capsys, "ask", "Who hosted the Berlin talks?", "--home", seed_home)
    assert max(map(len, out.splitlines())) <= 50 and "Merz" in out


def test_version(capsys):
    from newsdesk import __version__

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"newsdesk {__version__}"


def test_info_says_where_everything_is_and_how_each_model_runs(seed_home, env, capsys, monkeypatch):
    from newsdesk.retrieval.answering.readers import neural as neural_reader

    code, out, _ = run(capsys, "info", "--home", seed_home, "--json")
    info = json.loads(out)
    assert code == 0 and info["home"] == str(seed_home) and info["cache"] == str(env / "cache")
    assert info["index"]["articles"] == 5 and info["index"]["type"] == "flat" and info["index"]["chunks"] > 5
    assert len(info["versions"]) == 1 and info["versions"][0]["live"]
    assert info["encoder"]["precision"] in ("int8", "fp32") and info["reader"]["name"] == "baseline"
    assert info["verifier"]["name"] == "none"  # the shipped verifier goes with the shipped reader only
    assert {"python", "torch", "onnxruntime", "faiss-cpu", "numpy"} <= set(info["libraries"])

    monkeypatch.setattr(neural_reader, "_cpu_has_bf16", lambda: False)
    code, out, _ = run(capsys, "info", "--home", seed_home, "--runtime", "torch", "--reader", "default")
    assert code == 0 and "encoder      sentence-transformers/all-MiniLM-L6-v2: torch, fp32" in out
    assert "reader       default: torch, fp32" in out and "5 articles" in out and "(live)" in out
    assert "verifier     default: torch, fp32" in out
    code, out, _ = run(capsys, "info", "--home", seed_home, "--reader", "default", "--verifier", "none")
    assert code == 0 and "verifier     none: the reader's order, no model" in out
    code, out, _ = run(capsys, "info", "--home", env / "empty")
    assert code == 0 and "none yet" in out and not (env / "empty").exists()


@pytest.mark.skipif(not Path("/usr/bin/make").exists() and not any(
    (Path(p) / "make").exists() for p in os.environ.get("PATH", "").split(os.pathsep)), reason="no make")
def test_make_demo_passes_a_question_with_quotes(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    fake = venv / "bin" / "newsdesk"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    fake.chmod(0o755)
    (venv / ".installed-stamp").touch()  # newer than pyproject.toml: nothing is installed
    question = '''Who said "a lot of progress"? It's `x` & more; (really)'''
    result = subprocess.run(["make", "-s", "-C", str(ROOT), "demo", f"VENV={venv}", f"QUESTION={question}"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["ask", question]


def test_terminal_escapes_in_titles_never_reach_the_terminal(env, capsys):
    from newsdesk.bot.render import printable

    assert printable("a\x1b]0;owned\x07b\x1b[31mc\x1b[0m\x9bd\re\x00f\tg\nh") == "abcde" + "f\tg\nh"
    home = env / "home"
    (env / "evil.json").write_text(json.dumps({"title": "Bridge\x1b]0;owned\x07 opens\x1b[2J", "outlet": "Shop\x9bper",
                                               "text": BRIDGE}))
    assert run(capsys, "ingest", env / "evil.json", "--home", home)[0] == 0
    for argv in (["sources"], ["ask", "Who opened the Springfield bridge?"]):
        code, out, _ = run(capsys, *argv, "--home", home)
        assert code == 0 and not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", out), argv


# ------------------------------------------------------------------ 12. bf16 only where the CPU has it


@pytest.mark.parametrize("flags, native", [
    ("fpu sse2 avx2 avx512f avx512_vnni", False),  # oneDNN emulates bf16 here: 3.2x slower than fp32
    ("fpu avx512f avx512_vnni avx512_bf16", True),
    ("fpu avx512f amx_tile amx_bf16 amx_int8", True),
    ("", False),
])
def test_bf16_only_with_native_cpu_support(flags, native, tmp_path):
    from newsdesk.retrieval.answering.readers.neural import cpu_flags, has_native_bf16

    assert has_native_bf16(flags) is native
    (tmp_path / "cpuinfo").write_text(f"processor\t: 0\nflags\t\t: {flags}\nbugs\t\t: spectre\n\nprocessor\t: 1\nflags\t: other\n")
    assert cpu_flags(tmp_path / "cpuinfo").split() == flags.split()
    assert cpu_flags(tmp_path / "missing") == ""
