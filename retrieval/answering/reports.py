"""Which report leads and which differ. News figures change from one day's report to the next:
the newest dated report of a changed figure leads, and each other outlet's own answer either
corroborates the lead or is shown as differing, with its outlet and date."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

from newsdesk.types import Article, Chunk, Hit, Span

from ..index.build import Index
from ..index.chunk import sentence_around
from .constraints import role_asked
from .corroboration import (AMBIGUOUS_RATIO, NUMBER_WORDS, OutletAnswer, has_figure, has_figure_or_day, list_items, same_answer, same_unit,
                            split_by_agreement)
from .shaping import LIST, SENTENCE, question_kind
from .stories import same_story
from .text import content_terms, mentions, names_asked


@dataclass(frozen=True)
class OutletRules:
    """How each outlet's own answer is weighed against the lead (chosen on the news benchmark's
    validation split; docs/BENCHMARKS.md)."""

    rival_ratio: float = 0.5  # a differing outlet weighed at least this share of the lead is shown
    newer_lead_ratio: float = 0.5  # a newer report's differing answer this close to the lead's takes the lead
    newer_read_ratio: float = 0.5  # ... or, for a report of the same story, this close before weighing by retrieval
    newer_min_overlap: float = 0.5  # ... when its answer's sentence holds this share of the question's words
    ambiguous_ratio: float = AMBIGUOUS_RATIO  # see ``corroboration.split_by_agreement``
    older_read_ratio: float = 0.1  # an older report of the same story whose figure differs is shown this close
    change_read_ratio: float = 0.15  # a newer report saying the answer changed ("raised to", "now") leads this close
    change_min_overlap: float = 0.3  # ... when its answer's sentence holds this share of the question's words
    shown_min_confidence: float = 0.2  # a differing outlet's answer is shown when this sure (older figures aside)
    older_min_confidence: float = 0.05  # ... an older report's figure (``earlier_figures``) when this sure


# How a later report says that what an earlier one gave has changed: "raised to seven years",
# "brought forward to 8 January", "will now open offices only in …", "after a full recount".
_CHANGED = re.compile(
    r"\b(?:now|new|revised|raised?|raises|rose|rises?|risen|increased?|lowered|reduced|brought forward|pushed back|"
    r"postponed|delayed|rescheduled|corrected|updated|latest|final|again|instead|rather than|no longer|up from|"
    r"down from|bringing|replaced?|replacing|succeeded|stripped|overturned|recount)\b", re.IGNORECASE)


DEFAULT_RULES = OutletRules()

# How a report gives the figure it replaced: "up from 12", "risen to 19, from the 12 reported",
# "cut from 4.9 percent to 3.9 percent", "had put the vote at 5-2", "not the 450 first announced",
# "its first estimate of 60 million", "more than the 590,000 estimated".
_HEDGE = r"(?:(?:about|around|some|roughly|nearly|almost|just|only|over|under)\s+)*"
_CHANGE = (r"(?:up|down|ris(?:e|es|en|ing)|rose|f[ae]ll\w*|raised|lowered|cut|reduced|increased|decreased|revised|"
           r"changed|moved|corrected|climbed|jumped|dropped)")
_REPLACED_BEFORE = re.compile(
    rf"(?:\b{_CHANGE}\s+from\s+(?:the\s+|its\s+|an?\s+)?"
    rf"|\b(?:{_CHANGE}|to\s+[£€$]?\d[\d,.]*)\b[^.;]*,\s*from\s+(?:the\s+|its\s+)?(?:\w+\s+){{0,2}}?"
    rf"|\b(?:had|have|has)\s+(?:\w+\s+)?(?:put|given|estimated|reported|said|announced|set)\b[^.;]{{0,40}}\b(?:at|as)\s+"
    rf"|\b(?:first|initial|original|earlier|previous|old)\s+(?:\w+\s+)?(?:estimate|figure|forecast|count|total|tally|"
    rf"report|offer|price|plan|target)s?\s+(?:of\s+|was\s+|at\s+)?"
    rf"|\b(?:more|less|fewer|higher|lower|above|below)\s+than\s+the\s+){_HEDGE}$", re.IGNORECASE)
# "from 240 to 160": the first figure is the one replaced; "not the 450 first announced" likewise.
_FROM = re.compile(rf"\bfrom\s+(?:the\s+|its\s+)?{_HEDGE}$", re.IGNORECASE)
_TO_FIGURE = re.compile(r"^\s*(?:[\w%-]+\s+){0,2}?to\s+(?:about\s+|around\s+)?[£€$]?\d", re.IGNORECASE)
_NOT_THE = re.compile(rf"\bnot\s+(?:the\s+)?{_HEDGE}$", re.IGNORECASE)
_FIRST_GIVEN = re.compile(r"^\s*(?:[\w%-]+\s+){0,2}?(?:first|initially|originally|previously|earlier)\s+\w+ed\b",
                          re.IGNORECASE)
# A question about what was first said asks for the replaced figure.
_EARLIER_ASKED = re.compile(r"\b(?:first|initial\w*|original\w*|earlier|previous\w*|before|used\s+to|at\s+first|"
                            r"expected|planned|old)\b", re.IGNORECASE)


def replaced_figure(question: str, before: str, after: str, answer: str) -> bool:
    """Whether ``answer`` is a figure its sentence gives as the one a later figure replaced
    (``before`` and ``after``: the sentence's text on either side of it), while the question
    asks for the figure as it stands, not as it was first given."""
    if not has_figure(answer) or _EARLIER_ASKED.search(question):
        return False
    return bool(_REPLACED_BEFORE.search(before) or (_FROM.search(before) and _TO_FIGURE.match(after))
                or (_NOT_THE.search(before) and _FIRST_GIVEN.match(after)))


# A holder who has left the role: "Bernadette Quayle has resigned as head of …", "The governor,
# Gunvald Tallqvist, has taken early retirement", "former chief executive Philippa Marchbank".
_LEFT_AFTER = re.compile(
    r"^(?:\s*,[^,.;]{0,60},)?\s*,?\s+(?:(?:has|had|have|was|were)\s+)?(?:been\s+)?(?:resigned|stepped\s+down|quit|"
    r"retired|(?:took|taken)\s+early\s+retirement|sacked|dismissed|suspended|removed|ousted|fired|forced\s+out|"
    r"left\s+(?:the|its|his|her|their)\s+(?:company|firm|bank|post|job|role|office|board|party|government|club|group)|"
    r"left\s+(?:in|last|earlier)\b)|^\s*,?\s+(?:was|were|has\s+been|had\s+been|is\s+being)\s+(?:replaced|succeeded)\b",
    re.IGNORECASE)
# "former chief executive X", "replaced its plant manager, X," (not "replaced X with Y": Y holds it).
_LEFT_BEFORE = re.compile(r"(?:\b(?:former|outgoing|ex-|departing|ousted|suspended|sacked|then-?)\s*"
                          r"|\b(?:replac(?:ed|es|ing)|succeed(?:ed|s|ing)|took\s+over\s+from|taken\s+over\s+from|"
                          r"in\s+place\s+of)\s+)(?:[\w'’-]+,?\s+){0,5}$|\bat\s+the\s+time,\s*$", re.IGNORECASE)
_SUCCESSOR_BEFORE = re.compile(r"\b(?:with|by|as)\s+$", re.IGNORECASE)
# A question about who held the role before, or who left it, asks for the one who left.
_PAST_ASKED = re.compile(r"\b(?:was|were|former|outgoing|departing|ex-|previous\w*|before|earlier|first|used\s+to|until|resign\w*|quit\w*|"
                         r"step(?:ped|s)?\s+down|retir\w*|sacked|suspended|replaced|ousted)\b", re.IGNORECASE)


def left_the_role(question: str, before: str, after: str, names: set[str] = frozenset()) -> bool:
    """Whether the person an answer names has left the role a "who is the X (now)" question asks
    for, as the answer's own sentence says (``before`` and ``after``: its text on either side
    of the answer): whoever resigned, retired, was sacked or was replaced no longer holds it; a
    successor named after "with" or "by" ("replaced X with Y") does."""
    if role_asked(question, names) is None or _PAST_ASKED.search(question):
        return False
    return bool(_LEFT_AFTER.match(after) or (_LEFT_BEFORE.search(before) and not _SUCCESSOR_BEFORE.search(before)))


def sentence_overlap(asked: set[str], span: Span, chunks: dict[int, Chunk]) -> float:
    """Share of the question's content words in the sentence around ``span`` (the span's own
    words left out: they are the answer, not the context that ties it to the question)."""
    if not asked:
        return 1.0
    chunk = chunks.get(span.chunk_id)
    if chunk is None:
        return 0.0
    start, end = span.start - chunk.start, span.end - chunk.start
    s, e = sentence_around(chunk.text, start, end)
    context = chunk.text[s:start] + " " + chunk.text[end:e]
    return len(asked & content_terms(context)) / len(asked)


def same_shape(answer: str, lead: str, figure=has_figure) -> bool:
    """Whether ``answer`` is of ``lead``'s shape: a figure (by ``figure``) for a figure, of the same
    unit as far as both say, and no figure for a name or a cause."""
    return figure(answer) == figure(lead) and same_unit(answer, lead)


def same_story_figures(question: str, top: Span, answers: Sequence[OutletAnswer], hits: Sequence[Hit], index: Index,
                       rules: OutletRules, figures_only: bool = True, min_overlap: float | None = None,
                       days: bool = False) -> list[OutletAnswer]:
    """Those of ``answers`` that report the lead's figure from the same story: a figure where
    ``top`` has one, of the same thing as far as both say (and, unless ``figures_only``, no figure
    where it has none), in a sentence that speaks of the question (``min_overlap`` of its words,
    by default ``rules.newer_min_overlap``), in an article of the story (``of_the_story``) naming every
    name the question asks about. With ``days`` a day or a month is a figure too ("by the end of September")."""
    figure = has_figure_or_day if days else has_figure
    if figures_only and not figure(top.text):
        return []
    asked, chunks = content_terms(question), {hit.chunk.id: hit.chunk for hit in hits}
    names = names_asked(question, [hit.chunk.text for hit in hits])
    return [a for a in of_the_story(top, answers, index) if same_shape(a.span.text, top.text, figure)
            and sentence_overlap(asked, a.span, chunks) >= (rules.newer_min_overlap if min_overlap is None else min_overlap)
            and all(mentions(index.articles[a.span.article_id].text, name) for name in names)]


def older_figure(answer: str, spans: Sequence[Span], rival: str, rival_spans: Sequence[Span],
                 articles: dict[str, Article], story: str, rival_story: str) -> bool:
    """Whether ``rival`` is a figure of the same thing as ``answer`` that only reports older than
    ``answer``'s newest give, in the same story (``story``, ``rival_story``: their article texts):
    news figures change from one report to the next, so an older one is no doubt about a newer one.
    An undated report of the rival may be the newest: then it stays a rival."""
    theirs = [articles[s.article_id].date if s.article_id in articles else None for s in rival_spans]
    mine = max((articles[s.article_id].date or "" for s in spans if s.article_id in articles), default="")
    return bool(theirs) and all(theirs) and max(theirs) < mine and has_figure(answer) and has_figure(rival) \
        and same_unit(answer, rival, strict=True) and same_story(story, rival_story)


def says_changed(span: Span, index: Index) -> bool:
    """Whether the sentence holding ``span`` says that something changed (``_CHANGED``)."""
    text = index.articles[span.article_id].text
    s, e = sentence_around(text, span.start, span.end)
    return bool(_CHANGED.search(text[s:e]))


def newest_lead(question: str, top: Span, lead_date: str, weighed: Sequence[OutletAnswer], read: Sequence[OutletAnswer],
                 hits: Sequence[Hit], index: Index, rules: OutletRules) -> Span | None:
    """Where the answer to lead with instead stands: news figures change from one day's report
    to the next, so a strictly newer dated report whose own answer differs, of the lead's shape (a
    figure or a day for one, of the same unit), wins when the reader is nearly as sure of it
    (``rules.newer_lead_ratio`` of the lead's), weighed by retrieval as answers are chosen (``weighed``) or, for a report of the same story (its article names every
    name the question asks about) whose answer's figure replaces the lead's figure and whose sentence speaks of the question
    (``rules.newer_min_overlap`` of its words), as sure as the reader scored it
    (``rules.newer_read_ratio``, ``read``), or from ``rules.change_read_ratio`` when it says the
    answer changed (``reports_of_change``): retrieval
    ranks a later report that adds to a story below the first one that set it out (among two
    articles, the second at zero), and the reader reads an update less surely than the report
    it revises. An undated lead keeps its place: nothing says it is the older report; nor does a
    sentence answer (what was said, why, how): a later report's other statement does not replace it."""
    if not lead_date or question_kind(question) == SENTENCE:
        return None

    source = index.articles[top.article_id].source_name

    def differing(answers: Sequence[OutletAnswer], ratio: float,
                  ambiguous_ratio: float = rules.ambiguous_ratio) -> list[OutletAnswer]:
        lead_score = max([a.support_for(top.text) for a in answers if a.source == source] or [0.0])
        others = of_the_story(top, [a for a in answers if a.source != source], index)
        return [a for a in split_by_agreement(top.text, others, 0.0, ambiguous_ratio)[1]
                if (a.date or "") > lead_date and a.confidence >= ratio * lead_score]

    # A newer report's answer of another shape or unit is about something else ("11.8 cents" for what pays for a cap).
    by_weight = [a for a in differing(weighed, rules.newer_lead_ratio) if same_shape(a.span.text, top.text, has_figure_or_day)]
    by_reading = same_story_figures(question, top, differing(read, rules.newer_read_ratio), hits, index, rules, days=True)
    # A report saying what changed may name the figure it replaced ("to 8 January from 15 January"):
    # that it reads that one too leaves no doubt which one it gives.
    changed = reports_of_change(question, top, differing(read, rules.change_read_ratio, ambiguous_ratio=1.0), hits, index, rules)
    newer = max([*by_weight, *by_reading, *changed], key=lambda a: (a.date, a.confidence), default=None)
    return newer.span if newer else None


def reports_of_change(question: str, top: Span, answers: Sequence[OutletAnswer], hits: Sequence[Hit], index: Index,
                      rules: OutletRules) -> list[OutletAnswer]:
    """Those of ``answers`` whose sentence says the answer changed (``says_changed``), from a
    report of the same story (``same_story_figures``, ``rules.change_min_overlap`` of the
    question's words), of the lead's shape: a figure for a figure and, for a list question, a
    list for a list ("July 31, two months" answers "when" as a date, not as a list)."""
    is_list = len(list_items(top.text)) > 1
    return [a for a in same_story_figures(question, top, answers, hits, index, rules, figures_only=False,
                                          min_overlap=rules.change_min_overlap, days=True)
            if says_changed(a.span, index) and (question_kind(question) != LIST or (len(list_items(a.span.text)) > 1) == is_list)]


def split_outlets(top: Span, by_outlet: Sequence[OutletAnswer], index: Index, rules: OutletRules,
           ) -> tuple[list[OutletAnswer], list[OutletAnswer]]:
    """The other outlets of the story that give ``top``'s answer and those that give another (see
    ``split_by_agreement``); ``top``'s own outlet is neither: it is cited first."""
    own = index.articles[top.article_id].source_name
    others = of_the_story(top, [a for a in by_outlet if a.source != own], index)
    return split_by_agreement(top.text, others, rules.rival_ratio * top.score, rules.ambiguous_ratio)


def of_the_story(top: Span, answers: Sequence[OutletAnswer], index: Index) -> list[OutletAnswer]:
    """Those of ``answers`` read in a report of ``top``'s story (``stories.same_story``): an
    outlet whose answer comes from another story neither corroborates the lead nor differs from it."""
    lead = index.articles[top.article_id].text
    return [a for a in answers if same_story(lead, index.articles[a.span.article_id].text)]


_FIGURE = re.compile(r"\d[\d,.]*\d|\d|\b(?:" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)


def named_as_replaced(question: str, top: Span, figure: str, index: Index) -> bool:
    """Whether the lead's own sentence gives ``figure`` as the figure it replaced ("up from the
    1.2 billion crowns previously given", "41 hours, not 30 as first reported")."""
    found = _FIGURE.search(figure)
    if found is None:
        return False
    text = index.articles[top.article_id].text
    s, e = sentence_around(text, top.start, top.end)
    for m in re.finditer(rf"(?<![\w.,]){re.escape(found.group())}(?![\w]|[.,]\d)", text[s:e], re.IGNORECASE):
        at = s + m.start()
        if not top.start <= at < top.end and replaced_figure(question, text[s:at], text[at:e][len(found.group()):], figure):
            return True
    return False


def _as_the_replaced(question: str, top: Span, answer: OutletAnswer, index: Index) -> OutletAnswer | None:
    """An older outlet's answer as the figure the lead says it replaced, where the reader found
    that figure among the outlet's spans (its best span may be another figure of the report);
    None where it found none."""
    named = next((s for s in answer.spans if named_as_replaced(question, top, s.text, index)), None)
    return None if named is None else replace(answer, span=named, confidence=named.score)


def earlier_figures(question: str, top: Span, lead_date: str, read: Sequence[OutletAnswer], hits: Sequence[Hit],
                    index: Index, rules: OutletRules) -> list[OutletAnswer]:
    """Older reports of the same story (``same_story_figures``) whose own figure differs from the
    lead's, read at least ``rules.older_read_ratio`` as surely as the lead: the figure a later
    report changed is shown beside the newest even when the older passage ranks far below. An
    older report's figure that the lead's sentence names as replaced is the one taken from it
    (``named_as_replaced``); else its best reading that passes, of the lead's unit when not its best."""
    if not lead_date:
        return []
    source = index.articles[top.article_id].source_name
    lead_score = max([a.support_for(top.text) for a in read if a.source == source] or [0.0])
    older = [a for a in read if a.source != source and a.date and a.date < lead_date]
    named = {a.source: n for a in older if (n := _as_the_replaced(question, top, a, index)) is not None}

    def differing(answers: Sequence[OutletAnswer]) -> list[OutletAnswer]:
        return [a for a in split_by_agreement(top.text, answers, 0.0, rules.ambiguous_ratio)[1]
                if a.confidence >= rules.older_read_ratio * lead_score]

    def figure_of(answer: OutletAnswer) -> OutletAnswer | None:
        # The outlet's best reading may be another figure of the report ("22 volunteers"): its
        # next readings, best first, may be the figure asked about, if they count what the lead counts.
        if same_answer(top.text, answer.span.text):
            return None
        readings = [answer] + [replace(answer, span=s, confidence=s.score) for s in answer.spans
                               if s != answer.span and same_unit(s.text, top.text, strict=True)]
        return next((found[0] for r in readings if (found := same_story_figures(question, top, differing([r]), hits, index, rules))),
                    None)

    kept = {a.source: found for a in older if a.source not in named and (found := figure_of(a)) is not None}
    # The lead's sentence ties a figure it names as replaced to the question, however few of the
    # question's words the older report's own sentence repeats.
    kept |= {a.source: a for a in same_story_figures(question, top, differing(list(named.values())), hits, index, rules,
                                                      min_overlap=0.0)}
    return [kept[a.source] for a in older if a.source in kept]  # in the order read
