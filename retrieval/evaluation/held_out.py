"""Held-out questions of every training source: whole articles where a source has many, else
whole paragraphs, chosen by their SHA-1 (so a question never shares its paragraph with a training
question); SQuAD part A's four validation articles."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from .squad import SquadQuestion

PART_A_VALIDATION = ("Warsaw", "Oxygen", "Apollo_program", "Victoria_and_Albert_Museum")
SOURCES = ("squad_part_a", "sqshift_new_wiki", "sqshift_reddit", "sqshift_amazon", "qed")


def source_of(question: SquadQuestion) -> str:
    """The training source a question belongs to (its title's prefix in the extra file)."""
    prefix = question.title.split(":", 1)[0] if ":" in question.title else "squad_part_a"
    return "qed" if prefix.startswith("qed") else prefix


MIN_ARTICLES = 100  # a source with fewer titles (reddit has one, new_wiki 48 long ones) is held out by paragraph


def held_out(questions: list[SquadQuestion], per_source: int) -> dict[str, list[SquadQuestion]]:
    """Whole units of every source, taken in the order of their SHA-1 until ``per_source``
    questions: articles where a source has many, else paragraphs (a question never shares its
    paragraph with a training question). Part A: its four validation articles, in turn."""
    by_source: dict[str, list[SquadQuestion]] = defaultdict(list)
    for q in questions:
        by_source[source_of(q)].append(q)
    chosen = {}
    for source, members in sorted(by_source.items()):
        if source == "squad_part_a":
            validation = [q for q in members if q.title in PART_A_VALIDATION]
            chosen[source] = validation[::max(1, len(validation) // per_source)][:per_source]
            continue
        by_article = len({q.title for q in members}) >= MIN_ARTICLES
        units: dict[str, list[SquadQuestion]] = defaultdict(list)
        for q in members:
            units[q.title if by_article else q.context].append(q)
        picked: list[SquadQuestion] = []
        for key in sorted(units, key=lambda k: hashlib.sha1(k.encode()).hexdigest()):
            if len(picked) >= per_source:
                break
            picked += units[key]
        chosen[source] = picked
    return chosen
