"""Reading article files (.txt, .md, .html, .json, .jsonl) into cleaned ``Article`` objects."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import urlparse

from newsdesk.retrieval.clean import clean_text, parse_date
from newsdesk.types import Article

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"}
MAX_FILE_BYTES = 20 * 1024 * 1024
_TEXT_FIELDS = ("text", "content", "body", "article")
_OUTLET_FIELDS = ("outlet", "source", "site", "publisher")


@dataclass(frozen=True)
class Rejected:
    """Something that could not be read as an article, and why (shown to the user)."""

    path: str
    reason: str


def article_id(text: str) -> str:
    """The content address of a cleaned text: the same article twice gets the same id."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def make_article(raw_text: str, *, title=None, outlet=None, date=None, url=None, path=None) -> Article:
    """Clean ``raw_text`` and build an ``Article``.

    Raises:
        ValueError: when nothing but boilerplate is left.
    """
    if outlet is None and url:
        host = urlparse(url).hostname or ""
        outlet = host.removeprefix("www.") or None
    cleaned = clean_text(raw_text, title=title, outlet=outlet, date=parse_date(date) if date else None)
    if not cleaned.text.strip():
        raise ValueError("no article text left after removing boilerplate")
    return Article(
        id=article_id(cleaned.text),
        text=cleaned.text,
        title=cleaned.title,
        outlet=cleaned.outlet,
        date=cleaned.date,
        url=url,
        path=path,
    )


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("binary file, not text")
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text (bad byte at offset {error.start}); convert it to UTF-8") from None


def _html_article(html: str, path: str | None, url: str | None = None) -> Article:
    import trafilatura

    document = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False, favor_recall=True)
    if document is None or not (document.text or "").strip():
        raise ValueError("no article text found in the HTML page")
    return make_article(
        document.text,
        title=document.title,
        outlet=document.sitename or document.hostname,
        date=document.date,
        url=url or document.url,
        path=path,
    )


def _record_article(record: object, path: str) -> Article:
    if not isinstance(record, dict):
        raise ValueError("record is not a JSON object")
    text = next((record[f] for f in _TEXT_FIELDS if isinstance(record.get(f), str)), None)
    if not text or not text.strip():
        raise ValueError(f"record has no text (expected one of: {', '.join(_TEXT_FIELDS)})")
    outlet = next((record[f] for f in _OUTLET_FIELDS if isinstance(record.get(f), str)), None)
    kwargs = dict(title=record.get("title"), outlet=outlet, date=record.get("date"), url=record.get("url"), path=path)
    if "<" in text and looks_like_html(text):
        return _html_article(text, path, url=record.get("url"))
    return make_article(text, **kwargs)


def looks_like_html(text: str) -> bool:
    """Whether a record's text is really an HTML page."""
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype html", "<html", "<body", "<article", "<div", "<p>"))


def read_file(path: Path) -> tuple[list[Article], list[Rejected]]:
    """Read one file into articles; a bad record in a JSON Lines file rejects that line only.

    Raises:
        ValueError: when the whole file cannot be used (missing, binary, empty, too large, ...).
    """
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValueError(f"file too large ({size / 2**20:.0f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB)")
        data = path.read_bytes()
    except PermissionError:
        raise ValueError("permission denied") from None
    except FileNotFoundError:
        raise ValueError("no such file") from None
    except IsADirectoryError:
        raise ValueError("is a directory") from None
    except OSError as error:
        raise ValueError(f"cannot read: {error.strerror or error}") from None
    text = _decode(data)
    if not text.strip():
        raise ValueError("empty file")

    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        return [_html_article(text, name)], []
    if suffix == ".jsonl":
        articles, rejected = [], []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                articles.append(_record_article(json.loads(line), name))
            except json.JSONDecodeError as error:
                rejected.append(Rejected(f"{name}:{number}", f"invalid JSON ({error.msg})"))
            except ValueError as error:
                rejected.append(Rejected(f"{name}:{number}", str(error)))
        return articles, rejected
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"invalid JSON ({error.msg} at line {error.lineno})") from None
        records = data.get("articles", [data]) if isinstance(data, dict) else data
        if not isinstance(records, list):
            raise ValueError("expected an object, a list of objects, or {\"articles\": [...]}")
        articles, rejected = [], []
        for number, record in enumerate(records, 1):
            try:
                articles.append(_record_article(record, name))
            except ValueError as error:
                rejected.append(Rejected(f"{name}#{number}", str(error)))
        return articles, rejected
    return [make_article(text, path=name)], []


def expand_paths(paths: Iterable[str | Path]) -> Iterator[Path | Rejected]:
    """Files to read: each file given, and every supported file under each folder given."""
    for given in paths:
        path = Path(given).expanduser()
        if path.exists():  # absolute paths: re-ingesting from elsewhere finds the same file
            path = path.resolve()
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
            if not found:
                yield Rejected(str(path), f"no {'/'.join(sorted(SUPPORTED_SUFFIXES))} files in this folder")
            yield from found
        elif path.exists():
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                yield path
            else:
                yield Rejected(str(path), f"unsupported file type {path.suffix or '(none)'!r}")
        else:
            yield Rejected(str(given), "no such file or folder")


def load_articles(paths: Iterable[str | Path]) -> tuple[list[Article], list[Rejected]]:
    """Read every article under ``paths``; problems are collected, never raised."""
    articles: list[Article] = []
    rejected: list[Rejected] = []
    for item in expand_paths(paths):
        if isinstance(item, Rejected):
            rejected.append(item)
            continue
        try:
            found, bad = read_file(item)
        except ValueError as error:
            rejected.append(Rejected(str(item), str(error)))
            continue
        articles.extend(found)
        rejected.extend(bad)
    return articles, rejected
