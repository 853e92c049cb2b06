"""Whether a candidate answer's sentence agrees with what the question asks for. A "deputy
mayor" is not the mayor, and the mayor is not the "deputy mayor": a role named in the question
must stand in the answer's sentence with the same qualifier, when the sentence names it at all.
And "which French president" asks for a president the sentence calls French, and "the mayor
of langvik" one whose article speaks of Langvik."""

from __future__ import annotations

import re
from itertools import takewhile

from .corroboration import has_figure
from .shaping import speaker
from .text import STOPWORDS, content_terms

# Words that make a role another role: the deputy mayor, a vice-chancellor, the former coach.
QUALIFIERS = frozenset("deputy vice assistant acting interim former ex associate junior shadow opposition".split())
# ... except for who holds a role now ("who is the finance director now"): whoever stands in.
_STANDING_IN = frozenset({"acting", "interim"})
_NOW = frozenset({"now", "currently", "today"})
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


# Words that end the noun phrase after "which"/"what": "which French president | joined".
_VERBS = frozenset("did does do is was were are has have had will would can could should may might sent won went met "
                   "took made said led told gave got came saw left lost paid spent cut hit ran".split())


def _words(text: str) -> list[str]:
    """Lower-case words; "U.S." is "us", "vice-chancellor" two words."""
    return _WORD.findall(re.sub(r"(?<=\w)\.(?=\w)", "", text.casefold()).replace(".", " ").replace("-", " "))


def _base(word: str) -> str:
    """A word without its possessive ("ceo's" -> "ceo")."""
    return word.split("'")[0].split("’")[0]


def _forms(word: str) -> frozenset[str]:
    """The words that are ``word`` singular or plural (``_same_word``), without possessives."""
    base = _base(word)
    return frozenset({base, base + "s"} | ({base[:-1]} if base.endswith("s") else set()))


def _same_word(a: str, b: str) -> bool:
    """One word, singular or plural ("minister" / "ministers", "ceo" / "ceo's")."""
    return _base(b) in _forms(a)


def _qualifiers_before(words: list[str], at: int) -> frozenset[str]:
    """The qualifiers right before ``words[at]`` ("deputy", "vice", "former deputy")."""
    found, position = set(), at - 1
    while position >= 0 and words[position] in QUALIFIERS:
        found.add(words[position])
        position -= 1
    return frozenset(found)


def role_conflict(question: str, sentence: str, answer_at: tuple[int, int] | None = None) -> bool:
    """Whether ``sentence`` names a role of the question only with other qualifiers: asked for
    the mayor, it speaks only of a deputy mayor; asked for the deputy leader, only of the leader.
    Given where the answer stands in it (``answer_at``), a role the sentence names more than once
    is judged where it is named nearest the answer: "the mayor of Orrestad, Jonas Frell, and the
    deputy mayor of Vinterby, Elsa Norrby" gives Elsa Norrby as a deputy mayor."""
    asked = _words(question)
    now_asked = any(word in _NOW for word in asked)
    # Words with their offsets ("-" as a space keeps the offsets): the role nearest the answer is its own.
    found = [(m.start(), m.group()) for m in _WORD.finditer(sentence.casefold().replace("-", " "))]
    said = [word for _, word in found]
    bases = [_base(word) for word in said]
    for place, word in enumerate(asked):
        if word in QUALIFIERS or word in STOPWORDS or len(word) < 3:
            continue
        wanted = _qualifiers_before(asked, place)
        forms = _forms(word)
        named = [i for i, base in enumerate(bases) if base in forms]
        if answer_at is not None and len(named) > 1:
            named = _naming_the_answer(named, [offset for offset, _ in found], answer_at) or named
        stated = [_qualifiers_before(said, i) for i in named]
        if now_asked:  # whoever holds the role now: an interim or acting holder does
            stated = [q - (_STANDING_IN - wanted) for q in stated]
        if stated and all(q != wanted for q in stated) and (wanted or all(stated)):
            return True
    return False


# How many words may stand between an answer and the role that names it ("the mayor of Orrestad, Jonas Frell").
_ROLE_GAP = 4


def _naming_the_answer(named: list[int], offsets: list[int], answer_at: tuple[int, int]) -> list[int]:
    """Of the words at ``named`` (word indices; ``offsets``: each word's offset), the one that
    names the answer at ``answer_at``: inside it, else the nearest before it ("the deputy mayor of
    Vinterby, Elsa Norrby"), else the nearest after it ("Elsa Norrby, the deputy mayor"), each
    within ``_ROLE_GAP`` words; none when the role stands farther away."""
    start, end = answer_at
    first = next((i for i, offset in enumerate(offsets) if offset >= start), len(offsets))
    last = next((i for i in range(len(offsets) - 1, -1, -1) if offsets[i] < end), -1)
    inside = [i for i in named if first <= i <= last]
    before = [i for i in named if i < first and first - i - 1 <= _ROLE_GAP]
    after = [i for i in named if i > last and i - last - 1 <= _ROLE_GAP]
    return inside[:1] or before[-1:] or after[:1]


# The offices and jobs news names people by; "who is the girl in …" asks for no role.
ROLES = frozenset("""administrator ambassador analyst architect attorney auditor boss captain ceo chair chairman chairperson
    chairwoman chancellor chief coach commander commissioner coroner curator director economist editor envoy executive
    founder general governor head inspector judge lawyer leader manager mayor mediator minister negotiator officer ombudsman
    premier president principal prosecutor rector secretary senator speaker spokesman spokesperson spokeswoman
    superintendent surgeon treasurer vet bishop conductor dean driver pilot referee warden keeper trustee guard""".split())
# Stems of speakers no sentence needs to name: everyone, officials, and the writer of a
# first-person text ("what does the author think": a review says "I").
_GENERIC_SPEAKERS = frozenset({"peopl", "everyon", "anyon", "other", "offici", "author", "writer", "review", "narrat", "poster"})
# Roles the articles also write another way.
ROLE_NAMES = (frozenset({"ceo", "chief executive"}), frozenset({"chair", "chairman", "chairwoman", "chairperson"}),
              frozenset({"spokesman", "spokeswoman", "spokesperson"}), frozenset({"boss", "chief", "head", "leader"}),
              frozenset({"vet", "veterinary officer", "veterinarian"}))
# Whoever "runs" a company, an agency or a school, as news titles them.
_RUNS = frozenset({"runs", "run", "running", "ceo", "chief executive", "head", "chief", "boss", "director", "manager",
                   "chair", "chairman", "chairwoman", "owner", "owns", "president", "leader", "leads", "governor",
                   "principal", "founder", "commissioner", "general", "managing", "lead", "leading", "led"})
_ROLE_VERBS = frozenset({"runs", "run", "running", "owns", "lead", "leads", "leading", "led", "managing"})
# Whoever leads an inquiry, a rescue or a council may hold any title (a judge, an archaeologist):
# only a title of those who run things, qualified otherwise ("opposition leader"), is not the role.
_ANY_TITLE = frozenset({"leads"})
# "the head of the observatory" is whoever runs it, whatever the title ("director of the … Observatory").
_HEADS = frozenset({"head", "boss", "chief"})
# "who chairs the commission", "who is running the trust": the role as a verb.
_WHO_DOES = re.compile(r"^\s*(?:and\s+)?who(?:'s|’s|\s+is)?\s+(chairs|chairing|heads|heading|runs|running|manages|managing|leads|"
                       r"leading)\b",
                       re.IGNORECASE)
_ROLE_OF_VERB = {"chairs": "chair", "chairing": "chair", "heads": "runs", "heading": "runs", "runs": "runs",
                 "running": "runs", "manages": "runs", "managing": "runs", "leads": "leads", "leading": "leads"}
_NAME_OF = re.compile(r"^\s*(?:and\s+)?what(?:'s|’s|\s+is|\s+was)\s+the\s+name\s+of\s+(.+)$", re.IGNORECASE)
_WHO_IS = re.compile(r"^\s*who(?:'s|’s|\s+is|\s+was|\s+are|\s+were|\s+will\s+be)\s+(.+?)[\s?.!]*$", re.IGNORECASE)
_PHRASE_ENDS = frozenset("of at in for on to from with who that which now after before".split())


def role_asked(question: str, names: set[str] = frozenset()) -> str | None:
    """The role a "who is the X" question asks for: "ceo" in "who is osterholm's ceo", "mayor"
    in "who's the mayor of langvik"; None for "who is peskov" (``names``: the question's names),
    "who is mediating" or "who is the girl in the video" (no role of ``ROLES``). "who chairs X",
    "who is running X", "who leads X" ask for the role of the verb ("chair"; "runs": whoever heads
    X; "leads": whoever leads it, under any title)."""
    if doing := _WHO_DOES.match(question):
        return _ROLE_OF_VERB[doing[1].lower()]
    if named := _NAME_OF.match(question):  # "what's the name of the guard": who is the guard
        question = f"who is {named[1]}"
    found = _WHO_IS.match(question)
    if not found:
        return None
    phrase = []
    for word in _words(found.group(1)):
        if word in _PHRASE_ENDS or word in _VERBS:
            break
        phrase.append(word)
    while phrase and (phrase[0] in ("the", "a", "an") or phrase[0].endswith(("'s", "’s")) or phrase[0] in names):
        phrase.pop(0)
    if not phrase or len(phrase) > 4:
        return None
    head = phrase[-1].rstrip("s") if phrase[-1].rstrip("s") in ROLES else phrase[-1]
    return head if head in ROLES and head not in names else None


def _role_forms(role: str) -> frozenset[str]:
    if role in ("runs", "leads") or role in _HEADS:
        return _RUNS
    return next((group for group in ROLE_NAMES if role in group), frozenset({role}))


def _names_role(said: list[str], role: str) -> bool:
    """Whether the words ``said`` name ``role`` in one of its forms ("chief executive" for a CEO)."""
    text = f" {' '.join(said)} "
    return any(f" {form} " in text if " " in form else any(_same_word(form, word) for word in said)
               for form in _role_forms(role))


def role_missing(question: str, sentence: str, names: set[str] = frozenset()) -> bool:
    """Whether ``sentence`` never names the role a "who is the X" question asks for (an
    analyst's sentence for "who is osterholm's ceo"), in any of its usual forms (``ROLE_NAMES``)."""
    role = role_asked(question, names)
    return role is not None and not _names_role(_words(sentence), role)


# Words of a role question that name no owner of the role: "who is the current mayor now"; nor
# the kind of a body that news calls by its name ("the central bank" is "the National Bank of Sorvia").
_NOT_OWNERS = frozenset("current new now currently today still actually exactly central national federal".split())


def role_owner_missing(question: str, context: str, article: str, names: set[str] = frozenset()) -> bool:
    """Whether an answer leaves out whose role a "who is the X" question asks: a name of the
    question its ``article`` never mentions ("orsvik" of "who is the mayor of orsvik"), or another
    word of it missing from ``context``, the answer's sentence and the text just before it
    ("roads" of "who is the roads minister": a transport minister is not)."""
    role = role_asked(question, names)
    if role is None:
        return False
    role_words = set(_words(" ".join(_role_forms(role)))) | {role}
    asked = [w.split("'")[0].split("’")[0] for w in _words(question)
             if w not in STOPWORDS and w not in QUALIFIERS and w not in _NOT_OWNERS and w not in ("who", "whos", "who's")
             and not any(_same_word(w, r) for r in role_words)]
    said, written = _words(context), _words(article)
    return any(not any(_same_word(w, word) for word in (written if w in names else said)) for w in asked)


def _owners_of(role: str, sentence: str, proper: set[str] = frozenset()) -> set[str]:
    """The names ``sentence`` gives as the owner of ``role``: "Brenna" of "Brenna's mayor" or
    "the mayor of Brenna", "Athletics Integrity Office" of "head of the Athletics Integrity Office"
    (capitalised words: "its mayor" names nobody), and of ``proper`` (words
    the articles only ever capitalise) one standing before the role: "Castelvero" of "Castelvero
    mayor Fabio Merli" ("Transport minister" names a portfolio, not an owner)."""
    owners, before = set(), set()
    for form in _role_forms(role):
        said = r"\s+".join(re.escape(part) for part in form.split())
        owners.update(re.findall(rf"\b([A-Z][\w-]*)['’]s\s+(?:[\w-]+\s+){{0,2}}?{said}s?\b", sentence, re.IGNORECASE))
        owners.update(re.findall(rf"\b{said}s?\s+of\s+(?:the\s+)?([A-Z][\w-]*(?-i:(?:\s+[A-Z][\w-]*)*))", sentence,
                                 re.IGNORECASE))
        # "In Sannow, mayor Pavel Dusek said": the place a sentence opens with owns the role it names next.
        owners.update(re.findall(rf"^\s*in\s+([A-Z][\w-]*),\s+(?:the\s+)?{said}s?\b", sentence, re.IGNORECASE))
        if form not in _ROLE_VERBS:
            # The name must be capitalised as written: "to Castelvero mayor" is Castelvero's, not "to"'s.
            before.update(re.findall(rf"\b((?-i:[A-Z])[\w-]*)\s+(?:[\w-]+\s+)?{said}s?\b", sentence, re.IGNORECASE))
    owners |= {owner for owner in before if owner.casefold() in proper}
    return {owner.casefold() for owner in owners if owner[:1].isupper()}


def _pronoun_owner(role: str, sentence: str, previous: str, proper: set[str]) -> set[str]:
    """The owner "its" or "their" gives ``role`` in ``sentence``: the name that opens the
    ``previous`` sentence ("Varsenia, which has the largest fleet, will resist. Its fisheries
    minister, …"), if it is one of ``proper``. News writes a pronoun for the subject just named."""
    forms = "|".join(r"\s+".join(re.escape(part) for part in form.split()) for form in _role_forms(role)
                     if form not in _ROLE_VERBS)
    if not forms or not re.search(rf"\b(?:its|their)\s+(?:[\w-]+\s+){{0,2}}?(?:{forms})s?\b", sentence, re.IGNORECASE):
        return set()
    subject = re.match(r"\s*[\"“'‘]?([A-Z][\w-]*)", previous)
    return {subject[1].casefold()} if subject and subject[1].casefold() in proper else set()


def _same_owner(a: str, b: str) -> bool:
    """One owner, however named: one word (``_same_word``) or a name and its adjective, which
    share their first six letters ("Estrany" and "estranian")."""
    return _same_word(a, b) or (len(a) >= 6 and len(b) >= 6 and a[:6] == b[:6])


def proper_names(texts: list[str]) -> set[str]:
    """The words (lower-cased) that ``texts`` write capitalised inside sentences and never in lower
    case: names ("Castellane"), not a portfolio that only opens sentences ("Finance director")."""
    cases: dict[str, set[bool]] = {}
    for text in texts:
        for found in re.finditer(r"(?<![\w'’-])[A-Za-z][\w'’-]*", text):
            word, at = found.group(), found.start() - 1
            while at >= 0 and text[at].isspace():
                at -= 1
            if word[:1].isupper() and (at < 0 or text[at] in ".!?\"“”:"):
                continue  # a capital that opens a sentence says nothing
            cases.setdefault(word.lower(), set()).add(word[:1].isupper())
    return {word for word, seen in cases.items() if seen == {True}}


def owner_conflict(question: str, sentence: str, names: set[str] = frozenset(), proper: set[str] = frozenset(),
                   previous: str = "") -> bool:
    """Whether ``sentence`` gives the role a "who is the X of Y" question asks for to another
    owner: "Brenna's mayor, Hanne Tolv" for "who is the mayor of orsvik" (``proper``: see
    ``_owners_of``), or "Its mayor, Hanne Tolv" after a ``previous`` sentence about Brenna."""
    role = role_asked(question, names)
    if role is None or not names:
        return False
    asked = _words(question)
    owners = [o.split() for o in _owners_of(role, sentence, proper) | _pronoun_owner(role, sentence, previous, proper)]
    if any(_same_owner(word, w) for owner in owners for word in owner for w in asked):
        return False  # the sentence gives the role to the owner asked about (too)
    return any(owner[0] not in QUALIFIERS and _role_of(owner[0]) is None for owner in owners)


def _which_phrase(question: str) -> list[str]:
    """The noun phrase a "which"/"what" question asks for: "french president" in "which French
    president joined"."""
    words = _words(question)
    start = next((i for i, w in enumerate(words) if w in ("which", "what")), None)
    if start is None:
        return []
    phrase = []
    for word in words[start + 1:]:
        if word in STOPWORDS or word in _VERBS or word.endswith("ed"):
            break
        phrase.append(word)
    return phrase


def attributes(question: str) -> list[str]:
    """The words that qualify what a "which"/"what" question asks for: "French" in "which French
    president joined", "pay" in "what pay rise did they demand"; none in "which countries sent"."""
    return _which_phrase(question)[:-1]


def _role_of(word: str) -> str | None:
    return word if word in ROLES else word[:-1] if word.endswith("s") and word[:-1] in ROLES else None


def title_conflict(question: str, before: str, names: set[str] = frozenset(), answer: str = "") -> bool:
    """Whether the title right before an answer, or opening it, is not the role asked for:
    "President" before "Volodymyr Zelenskyy" for "which US envoys were in Berlin", "Deputy
    Mayor" for "who's the mayor". ``before``: the text just before the answer, in its sentence."""
    phrase = _which_phrase(question)
    role = role_asked(question, names) or (_role_of(phrase[-1]) if phrase and phrase[-1] not in names else None)
    # The title stands in the last three words before the answer; its qualifiers may go further back
    # ("the acting vice-rector for research, Dr Sunniva Brandt").
    preceding = _words(before)
    said = preceding + list(takewhile(lambda w: _role_of(w) or w in QUALIFIERS, _words(answer)))
    titles = [i for i in range(max(0, len(preceding) - 3), len(said)) if _role_of(said[i])]
    if role is None or not titles:
        return False
    nearest = titles[-1]  # the title the answer stands under ("chief executive" is two words)
    if not _names_role(said[max(0, nearest - 1):nearest + 1], role):
        return role not in _ANY_TITLE
    asked = _words(question)
    wanted = next((_qualifiers_before(asked, i) for i, w in enumerate(asked) if _role_of(w) == role), frozenset())
    return _qualifiers_before(said, nearest) != wanted


def other_people(question: str, answer: str, names: set[str] = frozenset()) -> bool:
    """Whether ``answer`` is a phrase for other people than the role asked for: "European allies"
    for "which US envoys", "Vessmark's government" for "who is the mediator" (a phrase ending in a
    common noun that is not the role; a name, or the role itself, may answer)."""
    phrase = _which_phrase(question)
    role = role_asked(question, names) or (_role_of(phrase[-1]) if phrase and phrase[-1] not in names else None)
    last = answer.split()[-1].strip(".,;:!?'\"’”)") if answer.split() else ""
    return role in ROLES and last.isalpha() and last.islower() and not _names_role(_words(answer), role)


def attribute_missing(question: str, context: str, names: set[str] = frozenset()) -> bool:
    """Whether ``context`` (an answer's sentence and the text just before it) lacks a name that
    qualifies what the question asks for ("French" in "which French president", "Nimbrel" in
    "which nimbrel customers" where the sentence before names the company; ``names``: the
    question's names, see ``text.names_asked``)."""
    said = _words(context)
    return any(not any(_same_word(word, w) for w in said) for word in attributes(question) if word in names)


def speaker_missing(question: str, context: str) -> bool:
    """Whether ``context`` (an answer's sentence and the text just before it, where "…, she
    said" gets its speaker) leaves out a word of who "what did X say" asks about: "lsr" or
    "chief executive" of "lsr's chief executive". A question about "they" or "he" asks nothing here."""
    who = speaker(question)
    if who is None:
        return False
    wanted = content_terms(who) - _GENERIC_SPEAKERS
    return bool(wanted) and not wanted <= content_terms(context) | _titles_said(who, context)


def _titles_said(who: str, context: str) -> set[str]:
    """The stems of the titles in ``who`` that ``context`` names in another of their forms
    ("ceo" when it says "chief executive": one speaker)."""
    asked, said = f" {' '.join(_words(who))} ", _words(context)
    found = set()
    for group in ROLE_NAMES:
        named = [form for form in group if f" {form} " in asked]
        if named and _names_role(said, named[0]):
            found |= content_terms(" ".join(named))
    return found


# A figure after "by" that follows a verb of change gives the change, not the amount: "raised
# its count for the region by 31,600 people, to 1,128,400", "won the race by 3,412 votes".
_CHANGE_VERB = (r"(?:ris(?:e|es|en|ing)|rose|rais\w*|f[ae]ll\w*|cut\w*|increas\w*|decreas\w*|reduc\w*|gr[eo]w\w*|drop\w*|"
                r"won|win|wins|winning|lost|los(?:e|es|ing)|beat\w*|led|lead|leads|leading|climb\w*|jump\w*|slipp\w*|"
                r"declin\w*|shr[ai]nk\w*|widen\w*|narrow\w*|lift\w*|lower\w*|boost\w*|trimm\w*|swell\w*|soar\w*|"
                r"plung\w*|slump\w*|gain\w*|revis\w*)")
_CHANGED_BY = re.compile(
    rf"\b{_CHANGE_VERB}(?:\W+\w+){{0,8}}?\W+by\s+(?:(?:about|around|nearly|almost|roughly|some|over|just|only|more|less|than)\s+)*$",
    re.IGNORECASE)
# A question about a change or a margin asks for it: "by how much", "how big is the cut", "gone up".
_CHANGE_ASKED = re.compile(rf"\b(?:{_CHANGE_VERB}|by|margin|more|fewer|less|chang\w*|differen\w*|up|down|higher)\b",
                           re.IGNORECASE)


# What was asked for is not what was given: "what pay rise are rail workers getting" is not
# answered by "The union is demanding a 9 percent pay rise".
_OUTCOME_ASKED = re.compile(r"\b(?:get|gets|getting|got|receiv\w*|won|end(?:ed)?\s+up|in\s+the\s+end|agreed|settled)\b",
                            re.IGNORECASE)
_ASKED_FOR = re.compile(r"\b(?:demand\w*|ask(?:s|ed|ing)?\s+for|seek\w*|sought|call(?:s|ed|ing)?\s+for|want\w*|"
                        r"propos\w*|offer\w*)\b(?!.*\b(?:agreed|accepted|settled|deal)\b)", re.IGNORECASE)


def demand_not_outcome(question: str, before: str) -> bool:
    """Whether the question asks what someone got ("getting", "in the end") and the text before
    the answer in its sentence (``before``) gives it as what was asked for or offered."""
    return bool(_OUTCOME_ASKED.search(question)) and bool(_ASKED_FOR.search(before))


def change_not_asked(question: str, before: str, answer: str) -> bool:
    """Whether ``answer`` is a figure that the text before it in its sentence (``before``)
    gives as a change ("by 31,600"), while the question asks for an amount, not a change."""
    return has_figure(answer) and bool(_CHANGED_BY.search(before)) and not _CHANGE_ASKED.search(question)
