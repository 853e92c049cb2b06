"""The bundled seed articles: the index of a new home, until the user adds their own."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from newsdesk.types import Article


def seed_folder() -> Path:
    """The folder of the bundled seed articles."""
    return Path(str(resources.files("newsdesk.seeds"))).resolve()


def seed_paths() -> list[Path]:
    """The bundled seed articles."""
    return sorted(p for p in seed_folder().iterdir() if p.name.endswith(".txt"))


def is_seed(article: Article, folder: Path | None = None) -> bool:
    """Whether ``article`` was read from the bundled seed articles."""
    return bool(article.path) and Path(article.path).is_relative_to(folder or seed_folder())
