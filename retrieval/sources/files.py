"""Reading article files (.txt, .md, .html, .json, .jsonl) into cleaned ``Article`` objects."""

from __future__ import annotations

import json
import logging
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator

from newsdesk.types import Article

from .article import html_article, make_article
from .outlets import outlet_of_url

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"}
MAX_FILE_BYTES = 20 * 1024 * 1024
_TEXT_FIELDS = ("text", "content", "body", "article")
_OUTLET_FIELDS = ("outlet", "source", "site", "publisher", "site_name", "siteName", "source_name")
# What exporters, news APIs and schema.org call a record's title, address and day.
_TITLE_FIELDS = ("title", "headline")
_URL_FIELDS = ("url", "link")
_DATE_FIELDS = ("date", "published_at", "publishedAt", "published", "publish_date", "datePublished", "pubDate",
                "date_published", "published_date", "publication_date", "pub_date")


@dataclass(frozen=True)
class Stated:
    """Metadata a person states for the articles of an ingest (``--outlet``, ``--date``,
    ``--url``): it wins over what the files say. None leaves a field as read."""

    outlet: str | None = None
    date: str | None = None  # ISO day
    url: str | None = None

    def apply(self, article: Article) -> Article:
        """``article`` with the stated fields; a stated address names the outlet when nothing else does."""
        outlet = self.outlet or article.outlet or (outlet_of_url(self.url) if self.url else None)
        return replace(article, outlet=outlet, date=self.date or article.date, url=self.url or article.url)


@dataclass(frozen=True)
class Rejected:
    """Something that could not be read as an article, and why (shown to the user)."""

    path: str
    reason: str


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


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else type(value).__name__


def _string_field(record: dict, name: str) -> str | None:
    """A metadata field of a record: None when absent, null or blank.

    Raises:
        ValueError: the field holds something else than a string (a list as url, a number as date).
    """
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        example = ' such as "2025-06-01"' if name in _DATE_FIELDS else ""
        raise ValueError(f'"{name}" must be a string{example}, not {_json_kind(value)}')
    return value.strip() or None


def _first_field(record: dict, names: tuple[str, ...]) -> str | None:
    """The first of the fields ``names`` given (``_string_field``, which checks each)."""
    return next((found for found in (_string_field(record, name) for name in names) if found), None)


def _record_text(record: dict) -> str:
    """The first non-blank string of the text fields.

    Raises:
        ValueError: there is none (naming a text field that holds something else, if one does).
    """
    present = [f for f in _TEXT_FIELDS if record.get(f) is not None]
    text = next((record[f] for f in present if isinstance(record[f], str) and record[f].strip()), None)
    if text is not None:
        return text
    wrong = next((f for f in present if not isinstance(record[f], str)), None)
    if wrong:
        raise ValueError(f'"{wrong}" must be a string, not {_json_kind(record[wrong])}')
    raise ValueError(f"record has no text (expected one of: {', '.join(_TEXT_FIELDS)})")


def _record_outlet(record: dict) -> str | None:
    """The first outlet field given; ``{"name": ...}`` (NewsAPI's "source") counts as its name."""
    for name in _OUTLET_FIELDS:
        value = record.get(name)
        if isinstance(value, dict) and isinstance(value.get("name"), str):
            value = value["name"]
        found = _string_field({name: value}, name)
        if found:
            return found
    return None


def _record_article(record: object, path: str) -> Article:
    """One JSON record as an article; every field is checked before anything is built.

    Raises:
        ValueError: the record is not an object, has no text, or a field has the wrong type.
    """
    if not isinstance(record, dict):
        raise ValueError(f"record is not a JSON object but {_json_kind(record)}")
    text = _record_text(record)
    title, date, url = (_first_field(record, names) for names in (_TITLE_FIELDS, _DATE_FIELDS, _URL_FIELDS))
    outlet = _record_outlet(record)
    if "<" in text and looks_like_html(text):
        return html_article(text, path, url=url)
    return make_article(text, title=title, outlet=outlet, date=date, url=url, path=path)


def looks_like_html(text: str) -> bool:
    """Whether a record's text is really an HTML page."""
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype html", "<html", "<body", "<article", "<div", "<p>"))


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"


def _why(error: OSError) -> str:
    return (error.strerror or type(error).__name__).lower()


def _check_regular(info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise ValueError("is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"not a regular file ({_file_kind(info.st_mode)}); skipped")
    if info.st_size > MAX_FILE_BYTES:
        raise ValueError(f"file too large ({info.st_size / 2**20:.0f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB)")


def _read_bytes(path: Path) -> bytes:
    """The bytes of a regular file. A FIFO or a device is refused before it is read (it could
    block forever or never end); O_NONBLOCK keeps even the open of a FIFO from waiting."""
    try:
        _check_regular(os.stat(path))
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            _check_regular(os.fstat(handle.fileno()))  # what was opened, if the path changed meanwhile
            data = handle.read(MAX_FILE_BYTES + 1)
    except PermissionError:
        raise ValueError("permission denied") from None
    except FileNotFoundError:
        raise ValueError("no such file") from None
    except IsADirectoryError:
        raise ValueError("is a directory") from None
    except OSError as error:
        raise ValueError(f"cannot read: {_why(error)}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"file too large (over the limit of {MAX_FILE_BYTES // 2**20} MB)")
    return data


def _parse_json(text: str) -> object:
    """Raises ValueError for invalid JSON, and for JSON nested too deeply to parse."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = f" at line {error.lineno}" if "\n" in text else ""
        raise ValueError(f"invalid JSON ({error.msg}{where})") from None
    except RecursionError:
        raise ValueError("invalid JSON (nested too deeply)") from None


def _read_records(records: Iterable[tuple[str, object]], path: str, parse=lambda raw: raw) -> tuple[list[Article], list[Rejected]]:
    """``(label, raw record)`` pairs into articles, each named by its label (``Article.record``);
    a bad record is rejected under its label alone."""
    articles, rejected = [], []
    for label, raw in records:
        try:
            articles.append(replace(_record_article(parse(raw), path), record=label))
        except ValueError as error:
            rejected.append(Rejected(label, str(error)))
    return articles, rejected


def _jsonl_articles(text: str, name: str) -> tuple[list[Article], list[Rejected]]:
    """One record a line, labelled by line: ``feed.jsonl:2``."""
    # split("\n"), not splitlines(): U+2028 and friends may stand raw inside a JSON string.
    lines = ((f"{name}:{n}", line) for n, line in enumerate(text.split("\n"), 1) if line.strip())
    return _read_records(lines, name, parse=_parse_json)


def _json_articles(text: str, name: str) -> tuple[list[Article], list[Rejected]]:
    """An object, a list or ``{"articles": [...]}``, labelled by record from 1: ``feed.json#3``."""
    data = _parse_json(text)
    records = data.get("articles", [data]) if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise ValueError("expected an object, a list of objects, or {\"articles\": [...]}")
    return _read_records(((f"{name}#{n}", r) for n, r in enumerate(records, 1)), name)


def read_file(path: Path) -> tuple[list[Article], list[Rejected]]:
    """Read one file into articles; a bad record of a JSON or JSON Lines file rejects that record only.

    Raises:
        ValueError: when the whole file cannot be used (missing, binary, empty, too large, ...).
    """
    name = str(path)
    text = _decode(_read_bytes(path))
    if not text.strip():
        raise ValueError("empty file")
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        return [html_article(text, name)], []
    if suffix == ".jsonl":
        return _jsonl_articles(text, name)
    if suffix == ".json":
        return _json_articles(text, name)
    return [make_article(text, path=name)], []


def _outside(path: str, root: Path) -> bool:
    target = Path(os.path.realpath(path))
    return not (target == root or target.is_relative_to(root))


def folder_files(root: Path) -> tuple[list[Path], list[Rejected]]:
    """The supported files under ``root`` (resolved), sorted, and what was passed over.

    A link is followed only to a file inside ``root`` (a linked folder inside it is walked as
    itself anyway); a link out of it, and a folder that cannot be listed, are one line each.
    """
    files, rejected, pending = [], [], [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as error:
            rejected.append(Rejected(str(folder), f"cannot list this folder ({_why(error)}); skipped"))
            continue
        for entry in entries:
            supported = Path(entry.name).suffix.lower() in SUPPORTED_SUFFIXES
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))
                    continue
                link = entry.is_symlink()
                outside, linked_folder = link and _outside(entry.path, root), link and entry.is_dir()
            except OSError as error:
                rejected.append(Rejected(entry.path, f"cannot read: {_why(error)}"))
                continue
            if outside and (supported or linked_folder):
                target = os.path.realpath(entry.path)
                rejected.append(Rejected(entry.path, f"a link to {target}, outside the folder; not followed"))
            elif supported and not outside and not linked_folder:
                files.append(Path(entry.path))  # read_file refuses what is not a regular file
    return sorted(files), rejected


def expand_paths(paths: Iterable[str | Path]) -> Iterator[Path | Rejected]:
    """Files to read: each file given (a link given by name is followed), and every supported
    file under each folder given (see ``folder_files``)."""
    for given in paths:
        path = Path(given).expanduser()
        try:
            info = path.stat()
        except FileNotFoundError:
            yield Rejected(str(given), "no such file or folder")
            continue
        except OSError as error:
            yield Rejected(str(given), f"cannot read: {_why(error)}")
            continue
        path = path.resolve()  # absolute paths: re-ingesting from elsewhere finds the same file
        if stat.S_ISDIR(info.st_mode):
            found, rejected = folder_files(path)
            yield from rejected
            if not found:
                yield Rejected(str(path), f"no {'/'.join(sorted(SUPPORTED_SUFFIXES))} files in this folder")
            yield from found
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            yield path
        else:
            yield Rejected(str(path), f"unsupported file type {path.suffix or '(none)'!r}")


def load_articles(paths: Iterable[str | Path], stated: Stated | None = None) -> tuple[list[Article], list[Rejected]]:
    """Read every article under ``paths``, with the ``stated`` metadata over what they say;
    problems are collected, never raised."""
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
        articles.extend([stated.apply(a) for a in found] if stated else found)
        rejected.extend(bad)
    return articles, rejected
