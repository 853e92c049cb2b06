"""What the ``newsdesk`` commands share: the home, the service settings from the options, output
helpers, and every default the CLI takes from the environment (``env``: the one place it reads it)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def env(name: str, default: str | None = None) -> str | None:
    """The environment variable ``name`` (else ``default``): how the CLI's options get their defaults."""
    return os.environ.get(name, default)


def allow_private() -> bool:
    """NEWSDESK_ALLOW_PRIVATE_URLS, as the bot reads it."""
    return (env("NEWSDESK_ALLOW_PRIVATE_URLS") or "").strip().lower() in ("1", "true", "yes")


def default_home() -> Path:
    """``NEWSDESK_HOME``, else the user's data directory."""
    if os.environ.get("NEWSDESK_HOME"):
        return Path(os.environ["NEWSDESK_HOME"]).expanduser()
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data / "newsdesk"


def history_file() -> Path:
    """Where ``chat`` keeps its question history: ``$XDG_STATE_HOME/newsdesk/chat_history``."""
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "newsdesk" / "chat_history"


def settings_from(args):
    from newsdesk.retrieval.index.vectors import check_index_type
    from newsdesk.retrieval.settings import Settings

    from newsdesk.errors import UsageError

    index_type = getattr(args, "index_type", None) or os.environ.get("NEWSDESK_INDEX_TYPE") or None
    try:
        index_type = index_type and check_index_type(index_type)
    except ValueError as error:  # only the environment can get here: --index-type has choices
        raise UsageError(f"NEWSDESK_INDEX_TYPE: {error}") from None
    return Settings(home=args.home or default_home(), model_path=args.model, reader=getattr(args, "reader", "default"),
                    verifier=getattr(args, "verifier", "default"), runtime=args.runtime, index_type=index_type, engine=getattr(args, "engine", "local"),
                    ray_address=getattr(args, "ray_address", None) or os.environ.get("RAY_ADDRESS") or None,
                    ray_workers=getattr(args, "ray_workers", None))


def _filters(args):
    from newsdesk.retrieval.answering.search import Filters

    return Filters(outlet=args.outlet, since=args.since, until=args.until)


def _print_json(value) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _progress() -> bool:
    return sys.stderr.isatty()


def _width() -> int:
    """The terminal's width for wrapped text; the default width when the output is not a terminal."""
    from newsdesk.bot.render import DEFAULT_WIDTH

    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns if sys.stdout.isatty() else DEFAULT_WIDTH


def _note(text: str) -> None:
    from newsdesk.bot.render import printable

    print(printable(f"newsdesk: note: {text}"), file=sys.stderr)


def _open_desk(args, reader: bool = True):
    """The desk of ``args``, its index made from the seed articles if the home has none yet;
    ``reader=False`` for the commands that do not read answers (no reader is loaded)."""
    from newsdesk.retrieval.service import Newsdesk

    desk = Newsdesk(settings_from(args))
    desk.load_models(reader=reader)  # a wrong --model or --reader is then the only thing said
    if not desk.has_index():
        print(f"newsdesk: no index in {desk.settings.home} yet; indexing the bundled seed articles "
              "(add your own with `newsdesk ingest PATH`)…", file=sys.stderr)
        desk.ensure_index(progress=_progress())
    return desk


# ------------------------------------------------------------------ argument types


def _number(text: str, parse, fits, what: str):
    """``text`` parsed by ``parse`` when ``fits`` accepts it; else an argparse error naming ``what``."""
    try:
        value = parse(text)
    except ValueError:
        value = None
    if value is None or not fits(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    return _number(text, int, lambda value: value >= 1, "a positive whole number")


def seconds_or_zero(text: str) -> float:
    """An argparse type: a number of seconds, 0 or more."""
    return _number(text, float, lambda value: value >= 0, "a number of seconds (0 or more)")


def positive_seconds(text: str) -> float:
    """An argparse type: a number of seconds above 0."""
    return _number(text, float, lambda value: value > 0, "a positive number of seconds")
