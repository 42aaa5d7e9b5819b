"""Query syntax: words, "phrases", -exclusions, OR, field:value and year ranges.

Parsing never raises: malformed syntax (an unbalanced quote, a lone ``-``, an
unknown field, control characters, a huge query) falls back to plain words.
The parsed query is then turned into Whoosh query objects with the same
analysis chain the index uses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .analysis import STOP_WORDS, Term, analyze, fold, stem
from .dates import parse_year_filter

MAX_QUERY_CHARS = 1000
# Words (and phrases) searched; the rest of a longer query is dropped. Descriptions run long: at 32,
# 70 of CISI's 112 queries lost words, and nDCG@10 fell (CISI 0.364 at 64, 0.339 at 48, 0.322 at 32).
MAX_CLAUSES = 64
# Fields searched for the several-word forms a query word expands to (World War II, New York).
PHRASE_FIELDS = ("title", "caption", "places")
# Query field names users type, mapped to index fields.
FIELD_NAMES = {
    "title": "title",
    "caption": "caption",
    "place": "places",
    "places": "places",
    "photographer": "photographer",
    "by": "photographer",
}
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_FIELD_RE = re.compile(r"([A-Za-z]+):(?=\S)")
# Characters that end a word in unquoted text (hyphens, apostrophes and dots stay inside).
_WORD_SPLIT_RE = re.compile(r"[^\w\-\u2010\u2011'\u2019.]+")


@dataclass
class Unit:
    """One word or quoted phrase as typed, optionally limited to one field."""

    text: str
    phrase: bool = False
    field: str | None = None


@dataclass
class Clause:
    """Alternatives joined by OR; negated, required (phrases, fields) or soft (words)."""

    units: list[Unit]
    negated: bool = False
    required: bool = False


@dataclass
class ParsedQuery:
    """The structure of a query string."""

    text: str
    clauses: list[Clause] = field(default_factory=list)
    years: tuple[int, int] | None = None


def _raw_tokens(text: str):
    """Yield (text, quoted, negated, field, is_operator) from a query string."""
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = False
        if text[i] == "-" and i + 1 < n and not text[i + 1].isspace():
            negated, i = True, i + 1
        fieldname = None
        match = _FIELD_RE.match(text, i)
        if match and (match.group(1).lower() in FIELD_NAMES or match.group(1).lower() == "year"):
            fieldname, i = match.group(1).lower(), match.end()
        if text[i] == '"':
            close = text.find('"', i + 1)
            if close == -1:  # unbalanced quote: the rest is plain words
                for word in text[i + 1 :].split():
                    yield word, False, False, None
                return
            yield text[i + 1 : close], True, negated, fieldname
            i = close + 1
            continue
        end = i
        while end < n and not text[end].isspace():
            end += 1
        yield text[i:end], False, negated, fieldname
        i = end


def parse(text: str) -> ParsedQuery:
    """Parse a query string; anything that is not valid syntax becomes plain words."""
    cleaned = _CONTROL_RE.sub(" ", text or "")[:MAX_QUERY_CHARS]
    parsed = ParsedQuery(text=text)
    pending_or = False
    negate_next = False
    for raw, quoted, negated, fieldname in _raw_tokens(cleaned):
        if not quoted and fieldname is None:
            if raw == "OR":
                pending_or = bool(parsed.clauses)
                continue
            if raw == "AND":
                continue
            if raw == "NOT":
                negate_next = True
                continue
        negated = negated or negate_next
        negate_next = False
        if fieldname == "year":
            years = parse_year_filter(raw)
            if years:
                parsed.years = years
                continue
            fieldname = None
        target = FIELD_NAMES.get(fieldname) if fieldname else None
        if quoted or target:
            units = [Unit(raw, phrase=quoted, field=target)] if raw.strip() else []
        else:
            units = [Unit(word) for word in _WORD_SPLIT_RE.split(raw) if word.strip("-.'\u2019")]
        for index, unit in enumerate(units):
            required = unit.phrase or unit.field is not None
            if pending_or and index == 0 and not negated and not parsed.clauses[-1].negated:
                parsed.clauses[-1].units.append(unit)
                parsed.clauses[-1].required = parsed.clauses[-1].required and required
            else:
                parsed.clauses.append(Clause([unit], negated=negated, required=required))
            pending_or = False
        if len(parsed.clauses) >= MAX_CLAUSES:
            break
    parsed.clauses = parsed.clauses[:MAX_CLAUSES]
    return parsed


def sequence(terms: list[Term]) -> list[Term]:
    """The terms to match in order: per position the widest term, dropping covered ones."""
    best: dict[int, Term] = {}
    for term in terms:
        current = best.get(term.pos)
        if current is None or term.end - term.start > current.end - current.start:
            best[term.pos] = term
    chosen: list[Term] = []
    for pos in sorted(best):
        term = best[pos]
        if chosen and chosen[-1].start <= term.start and term.end <= chosen[-1].end:
            continue
        chosen.append(term)
    return chosen


@dataclass
class Plan:
    """Whoosh queries for the parts of a parsed query, and what to highlight."""

    soft: list = field(default_factory=list)
    # The soft clauses without near synonyms: what "matches every word" means.
    soft_core: list = field(default_factory=list)
    # The soft clauses as a long query ranks them: soft_core, with the parts of hyphenated words apart too.
    soft_long: list = field(default_factory=list)
    # Per soft clause, the stems of the words typed (for weighting the words of long queries).
    soft_stems: list[tuple[str, ...]] = field(default_factory=list)
    required: list = field(default_factory=list)
    negative: list = field(default_factory=list)
    stems: set[str] = field(default_factory=set)
    forms: set[str] = field(default_factory=set)
    phrases: set[tuple[str, ...]] = field(default_factory=set)
    place_ids: set[str] = field(default_factory=set)
    corrections: dict[str, str] = field(default_factory=dict)
    # Neighbouring words typed (stop words skipped): (stem, next stem, how far apart they were typed).
    pairs: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.soft or self.required)


def unit_query(
    unit: Unit, fields: dict[str, float], exact_field: str | None, plan: Plan | None = None, split: float = 0.0
):
    """A Whoosh query matching one word or phrase in any of ``fields``; None if it has no terms.

    With ``split``, a word of several parts (``wing-flutter``) also matches its parts apart, each
    weighted ``split``, the parts together weighted ``1 - split``.
    """
    from whoosh import query as wq

    terms = analyze(unit.text, stemming=False)
    if not terms:
        return None
    span = (min(t.start for t in terms), max(t.end for t in terms))
    positions = {t.pos for t in terms}
    whole = [t for t in terms if (t.start, t.end) == span and len(positions) > 1 and not unit.phrase]
    sequence_terms = sequence([t for t in terms if t not in whole])
    alternatives: list[list[str]] = [[t.text for t in sequence_terms]] + [[t.text] for t in whole]
    subqueries = []
    for forms in alternatives:
        stems = [stem(f) for f in forms]
        if plan is not None and len(stems) == 1:
            plan.stems.update(stems)
            plan.forms.update(forms)
        elif plan is not None:  # a phrase is highlighted only where its words stand together
            plan.phrases.add(tuple(stems))
        for name in fields:
            if len(stems) == 1:
                subqueries.append(wq.Term(name, stems[0]))
            else:
                subqueries.append(wq.Phrase(name, stems))
        if exact_field and len(forms) == 1:
            subqueries.append(wq.Term(exact_field, forms[0]))
    query = subqueries[0] if len(subqueries) == 1 else wq.Or(subqueries)
    if split and not unit.phrase and len(sequence_terms) > 1:
        parts = [unit_query(Unit(t.text), fields, exact_field) for t in sequence_terms]
        query = wq.Or([query.with_boost(1.0 - split), *(p.with_boost(split) for p in parts if p is not None)])
    return query


def group_query(
    group,
    fields: dict[str, float],
    exact_field: str | None,
    plan: Plan | None,
    core_only: bool = False,
    split: float = 0.0,
):
    """Any alternative of an expanded group (see :mod:`ichigo_search.expansion`); ``split`` as in unit_query."""
    from whoosh import query as wq

    from .schema import PLACE_IDS, PLACE_TREE

    subqueries = []
    for alternative in group.alternatives:
        if core_only and not alternative.core:
            continue
        if alternative.place:
            name = PLACE_TREE if alternative.tree else PLACE_IDS
            subqueries.append(wq.Term(name, alternative.place, boost=alternative.weight))
            if plan is not None and not alternative.tree:
                plan.place_ids.add(alternative.place)
            continue
        # Several-word alternatives are phrases: only where such names are written.
        alt_fields = {k: v for k, v in fields.items() if k in PHRASE_FIELDS} if alternative.phrase else fields
        unit = Unit(alternative.text or "", phrase=alternative.phrase)
        query = unit_query(unit, alt_fields, exact_field, plan, split)
        if query is not None:
            # One concept, one weight: a phrase's score sums its words, so divide by their number
            # (otherwise "World War II" outweighs the "WWII" a caption actually says).
            words = len(sequence(analyze(alternative.text or "", stemming=False))) if alternative.phrase else 1
            weight = alternative.weight / max(words, 1)
            subqueries.append(query if weight == 1.0 else query.with_boost(weight))
    if plan is not None and group.correction:
        plan.corrections[group.text] = group.correction
    if not subqueries:
        return None
    return subqueries[0] if len(subqueries) == 1 else wq.Or(subqueries)


def _simple(clause: Clause) -> bool:
    unit = clause.units[0]
    return len(clause.units) == 1 and not clause.required and not unit.phrase and unit.field is None


def _is_stop(clause: Clause) -> bool:
    return all(
        not unit.phrase and unit.field is None and unit.text.casefold().strip(".'") in STOP_WORDS
        for unit in clause.units
    )


def plan(
    parsed: ParsedQuery,
    fields: dict[str, float],
    exact_field: str | None,
    expander=None,
    dated: Sequence[int] = (),
) -> Plan:
    """Turn a parsed query into Whoosh queries, each word expanded to every form it may take.

    ``dated``: the years the collection has dated captions of, for words that name years (:func:`when`).
    """
    from whoosh import query as wq

    from .schema import PLACE_TREE, SPLIT_WEIGHT

    if expander is None:
        from .search import make_expander

        expander = make_expander()

    result = Plan()
    undated: dict[int, object] = {}  # soft_core entries of year words, widened to undated captions
    positive = [c for c in parsed.clauses if not c.negated]
    keep_stops = all(_is_stop(c) for c in positive)
    clauses = parsed.clauses
    i = 0
    while i < len(clauses):
        clause = clauses[i]
        if _simple(clause) and not clause.negated:
            run = []
            while i < len(clauses) and _simple(clauses[i]) and not clauses[i].negated:
                run.append(clauses[i].units[0])
                i += 1
            result.pairs += pairs(run)
            for group in expander.expand(run):
                if group.is_stopword and not keep_stops:
                    continue
                query = group_query(group, fields, exact_field, result)
                if query is not None:
                    core = group_query(group, fields, exact_field, None, core_only=True)
                    long = group_query(group, fields, exact_field, None, core_only=True, split=SPLIT_WEIGHT)
                    dates = when(group.text, dated) if len(group.units) == 1 else None
                    if dates is not None:
                        confirmed, not_contradicted = dates
                        query, long = wq.Or([query, confirmed]), wq.Or([long, confirmed])
                        undated[len(result.soft_core)] = wq.Or([core, not_contradicted])
                        core = wq.Or([core, confirmed])
                    result.soft.append(query)
                    result.soft_core.append(core)
                    result.soft_long.append(long)
                    result.soft_stems.append(_stems(group.text))
            continue
        i += 1
        target = None if clause.negated else result
        subqueries = []
        for unit in clause.units:
            if unit.phrase and unit.field is None:
                query = unit_query(unit, fields, exact_field, target)
            elif unit.field is not None:
                query = unit_query(Unit(unit.text, phrase=True), {unit.field: 1.0}, None, target)
                if unit.field == "places" and query is not None:
                    places = expander.place_ids(unit.text)
                    query = wq.Or([query, *(wq.Term(PLACE_TREE, p) for p in places)]) if places else query
            else:
                groups = expander.expand([unit])
                query = group_query(groups[0], fields, exact_field, target) if groups else None
            if query is not None:
                subqueries.append(query)
        if not subqueries:
            continue
        query = subqueries[0] if len(subqueries) == 1 else wq.Or(subqueries)
        if clause.negated:
            result.negative.append(query)
        elif clause.required:
            result.required.append(query)
        else:
            result.soft.append(query)
            result.soft_core.append(query)
            result.soft_long.append(query)
            result.soft_stems.append(_stems(" ".join(unit.text for unit in clause.units)))
    if len(undated) < len(result.soft_core):  # "every word" must stay within "some words"
        for index, core in undated.items():
            result.soft_core[index] = core
    return result


def when(word: str, dated: Sequence[int]):
    """For a word naming years (``1945``, ``1940s``): (captions dated then, those plus undated ones); else None.

    A year typed is evidence about when, not only a word: a caption whose date covers it matches it as
    if its text named it (scored as a term of the years field, weighted YEAR_WEIGHT). For "matching every
    word" (ranked first), a caption without a date — or dated too vaguely to index its years — does not
    contradict the year and counts as matching it (unscored); only a caption dated in other years does
    not. So for ``servicemen 1945`` an undated caption about servicemen ranks above servicemen of 1942.
    (Not when the query is only years: "every word" never holds captions that match no word.) None when
    the collection has no caption dated in those years (the word is then only a word).
    """
    from whoosh import query as wq

    from .dates import named_years
    from .schema import YEAR_WEIGHT

    span = named_years(word)
    years = [y for y in dated if span and span[0] <= y <= span[1]]
    if not years:
        return None
    confirmed = years_query(years, boost=YEAR_WEIGHT)
    undated = wq.AndNot(wq.Every(boost=0.0), years_query(dated))
    return confirmed, wq.Or([confirmed, undated])


def years_query(years: Sequence[int], boost: float = 1.0):
    """Captions dated in any of ``years`` (terms of the years field)."""
    from whoosh import query as wq

    from .schema import YEARS_FIELD

    return wq.Or([wq.Term(YEARS_FIELD, str(y)) for y in years], boost=boost)


def pairs(units: list[Unit]) -> list[tuple[str, str, int]]:
    """Each word of a run of typed words with the next one, as stems and their distance in the query.

    Stop words are skipped but counted in the distance (``remains of horses``: remain, hors, 2). A word
    is taken whole (``Ichi-Go`` as ``ichigo``); one without a single whole term (a run of hanzi split
    into several) breaks the chain.
    """
    found: list[tuple[str, str, int]] = []
    previous, distance = None, 0
    for unit in units:
        distance += 1
        if fold(unit.text.strip(".'")) in STOP_WORDS:
            continue
        terms = analyze(unit.text, stemming=True)
        whole = [t for t in terms if t.pos == 0 and t.start == 0 and t.end == max(u.end for u in terms)]
        word = whole[0].text if whole else None
        if previous is not None and word is not None:
            found.append((previous, word, distance))
        previous, distance = word, 0
    return found


def _stems(text: str) -> tuple[str, ...]:
    """The stems of a text's words, one a position (the parts of a hyphenated word, not its joined form)."""
    first: dict[int, str] = {}
    for term in analyze(text, stemming=True):
        first.setdefault(term.pos, term.text)
    return tuple(first.values())
