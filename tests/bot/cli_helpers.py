"""The command line without the real model: what the CLI tests share."""

from __future__ import annotations

from newsdesk.bot.cli import main

from tests.conftest import FakeEncoder


def offline_cli(tmp_path, monkeypatch):
    """No real model, the baseline reader, every user directory under ``tmp_path``; returns it."""
    from newsdesk.embeddings import encoder

    monkeypatch.setattr(encoder, "load_encoder", lambda model_path=None, runtime="onnx": FakeEncoder())
    monkeypatch.setenv("NEWSDESK_READER", "baseline")
    for name in ("NEWSDESK_HOME", "NEWSDESK_MODEL", "NEWSDESK_RUNTIME", "NEWSDESK_VERIFIER", "NEWSDESK_INDEX_TYPE", "NEWSDESK_LOG",
                 "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("NEWSDESK_CACHE", str(tmp_path / "cache"))
    return tmp_path


def run(capsys, *argv):
    """``newsdesk ARGV``: the exit code, standard output and standard error."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err
