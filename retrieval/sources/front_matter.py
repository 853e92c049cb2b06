"""YAML front matter of Markdown and text articles: what it states (title, outlet, date, url) and
the rest of the text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as Day
from datetime import datetime

import yaml

from .dates import parse_date

# YAML front matter: "---" on the first line, keys, then "---" (or "...") on a line of its own.
_FRONT_MATTER = re.compile(r"^\ufeff?---[ \t]*\r?\n(?P<yaml>.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)", re.DOTALL)
_FRONT_MATTER_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*)$")
_FRONT_MATTER_FIELDS = {
    "title": ("title", "headline"),
    "outlet": ("outlet", "source", "publisher", "publication", "site", "site_name", "sitename"),
    "date": ("date", "published", "published_at", "publish_date", "pubdate", "date_published", "datepublished"),
    "url": ("url", "link", "canonical", "canonical_url"),
}


@dataclass(frozen=True)
class FrontMatter:
    """What a file's YAML front matter states (None where it states nothing usable)."""

    title: str | None = None
    outlet: str | None = None
    date: str | None = None
    url: str | None = None


def split_front_matter(raw: str) -> tuple[FrontMatter, str]:
    """Split YAML front matter off a Markdown or text file: ``(what it states, the rest)``.

    Keys read (any case): title/headline, outlet/source/publisher/site_name, date/published,
    url/link. A block that is not valid YAML is still taken off, read line by line as "key: value".
    """
    match = _FRONT_MATTER.match(raw)
    if not match:
        return FrontMatter(), raw
    try:
        data = yaml.safe_load(match["yaml"])
    except yaml.YAMLError:
        data = {m["key"]: m["value"].strip().strip("'\"") for line in match["yaml"].splitlines()
                if (m := _FRONT_MATTER_KEY.match(line))}
    if not isinstance(data, dict) or not data:
        return FrontMatter(), raw  # a rule at the top of the text, not front matter
    fields = {str(key).lower(): value for key, value in data.items()}
    values = {name: next((v for key in keys if (v := _front_matter_value(fields.get(key), name))), None)
              for name, keys in _FRONT_MATTER_FIELDS.items()}
    return FrontMatter(**values), raw[match.end():]


def _front_matter_value(value: object, field: str) -> str | None:
    """A front matter value as text: YAML's own dates as ISO days, ``{name: …}`` as its name."""
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, Day):
        return value.isoformat()
    if not isinstance(value, str) or not value.strip():
        return None
    return parse_date(value) if field == "date" else " ".join(value.split())
