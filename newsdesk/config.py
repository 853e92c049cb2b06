"""Process-level settings, the one library module that touches the environment.

The edges (``newsdesk`` main, which also runs the bot, and the test workers) read a
``RuntimeConfig`` with ``RuntimeConfig.from_environment()`` and ``install`` it; library code asks
``current()`` (or ``cache_dir()``, ``crash_point()``) and never reads ``os.environ`` itself. Without
an installed config the defaults work: the model cache from ``NEWSDESK_CACHE`` /
``$XDG_CACHE_HOME`` as read at call time (tests and benchmarks that build ``Newsdesk`` directly),
no crash point.

Two switches the libraries below newsdesk read from the environment are set here as well, by the
code that needs them: ``offline_environment()`` (Hugging Face, before any model is loaded) and
``ray_environment()`` (before a local Ray cluster starts).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping


def default_cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """``NEWSDESK_CACHE``, else ``$XDG_CACHE_HOME/newsdesk``, else ``~/.cache/newsdesk``."""
    if environ.get("NEWSDESK_CACHE"):
        return Path(environ["NEWSDESK_CACHE"]).expanduser()
    base = environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "newsdesk"


@dataclass(frozen=True)
class RuntimeConfig:
    """What the whole process shares: where compiled models are cached (None: the default, read
    when needed) and the crash-safety tests' fault point (``NEWSDESK_CRASH_AT``; None: none)."""

    cache_dir: Path | None = None
    crash_at: str | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> "RuntimeConfig":
        return cls(cache_dir=default_cache_dir(environ), crash_at=environ.get("NEWSDESK_CRASH_AT") or None)


_installed = RuntimeConfig()


def install(config: RuntimeConfig) -> None:
    """Make ``config`` the process's (the edges call this once, at start)."""
    global _installed
    _installed = config


@contextlib.contextmanager
def installed(config: RuntimeConfig) -> Iterator[RuntimeConfig]:
    """``config`` for the length of a ``with`` block (``newsdesk`` main: one command), then the
    one before it again (tests call main many times in one process)."""
    before = _installed
    install(config)
    try:
        yield config
    finally:
        install(before)


def current() -> RuntimeConfig:
    return _installed


def cache_dir() -> Path:
    """The model cache: the installed config's, else the default."""
    return _installed.cache_dir or default_cache_dir()


def crash_point(name: str) -> None:
    """Fault-injection hook for the crash-safety tests: a config with ``crash_at == name`` kills
    the process here with SIGKILL, as a power cut would. Does nothing otherwise."""
    if _installed.crash_at == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def offline_environment() -> None:
    """Nothing may reach a model hub at run time, whatever the user's environment says: the
    Hugging Face switches, set before any model, tokenizer or reader is loaded."""
    for switch in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[switch] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def ray_environment(local_cluster: bool) -> None:
    """Ray's switches, set before it starts or connects: no usage statistics; for a local
    cluster (``local_cluster``), loopback only and a token for the cluster's life."""
    # Nothing leaves the machine unasked: Ray would otherwise report usage statistics.
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if local_cluster:
        # Whoever reaches a Ray cluster can run code on it: one of our own stays on loopback,
        # where Ray would otherwise listen on the machine's network address (read at import).
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
        if not any(os.environ.get(k) for k in ("RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")) and not (
                Path.home() / ".ray" / "auth_token").exists():
            # A token for this cluster's life, which Ray would otherwise write into ~/.ray
            # (and `ray start` would then take up on this machine).
            os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)


def _log_ray_lines(data: dict, ignore_prefix: bool = False) -> None:
    """Ray's cluster messages as lines of newsdesk's log (shown with -v)."""
    for line in data.get("lines", ()):
        logging.getLogger("newsdesk.retrieval.index.ray_engine").info("ray (%s): %s", data.get("pid"), line)


def quiet_ray_messages() -> None:
    """Ray prints the cluster's messages (a worker lost, a task retried) on the driver's standard
    output whatever ``log_to_driver`` says; newsdesk retries lost work itself, so they go to its
    log instead of into a command's output (``--json`` included). Ray is pinned in
    constraints.txt: this private function is where its error listener prints."""
    from ray._private import worker as ray_worker

    ray_worker.print_to_stdstream = _log_ray_lines

