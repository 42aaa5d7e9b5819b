"""Planning a parsed query: each word expanded to every form it may take, as query trees."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ichigo_search.document import PLACE_IDS, PLACE_TREE, PLACES_FIELD, YEARS_FIELD
from ichigo_search.query.expansion import Expander, Group
from ichigo_search.query.syntax import PHRASE_FIELDS, Clause, ParsedQuery, Unit
from ichigo_search.query.tree import And, AndNot, Every, Or, Phrase, Query, Term, any_of, boosted
from ichigo_search.ranking import DEFAULT, Ranking
from ichigo_search.text.analysis import STOP_WORDS, analyze, fold, sequence, stem
from ichigo_search.text.dates import named_years


@dataclass
class Plan:
    """Query trees for the parts of a parsed query, and what to highlight."""

    soft: list[Query] = field(default_factory=list)
    # The soft clauses without near synonyms: what "matches every word" means.
    soft_core: list[Query] = field(default_factory=list)
    # The soft clauses as a long query ranks them: soft_core, with the parts of hyphenated words apart too.
    soft_long: list[Query] = field(default_factory=list)
    # Per soft clause, the stems of the words typed (for weighting the words of long queries).
    soft_stems: list[tuple[str, ...]] = field(default_factory=list)
    required: list[Query] = field(default_factory=list)
    negative: list[Query] = field(default_factory=list)
    stems: set[str] = field(default_factory=set)
    forms: set[str] = field(default_factory=set)
    phrases: set[tuple[str, ...]] = field(default_factory=set)
    place_ids: set[str] = field(default_factory=set)
    corrections: dict[str, str] = field(default_factory=dict)
    # Neighbouring words typed (stop words skipped): (stem, next stem, how far apart they were typed).
    pairs: list[tuple[str, str, int]] = field(default_factory=list)
    # The soft clauses that name a place or years, as a caption must meet them to answer the query (the place
    # in any spelling or anywhere inside it; dated then, naming the years or undated): hard constraints on
    # captions that match none of the words (semantic ranking).
    constraints: list[Query] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.soft or self.required)


def unit_query(
    unit: Unit, fields: Sequence[str], exact_field: str | None, plan: Plan | None = None, split: float = 0.0
) -> Query | None:
    """A query matching one word or phrase in any of ``fields``; None if it has no terms.

    With ``split``, a word of several parts (``wing-flutter``) also matches its parts apart, each
    weighted ``split``, the parts together weighted ``1 - split``.
    """
    terms = analyze(unit.text, stemming=False)
    if not terms:
        return None
    span = (min(t.start for t in terms), max(t.end for t in terms))
    positions = {t.pos for t in terms}
    whole = [t for t in terms if (t.start, t.end) == span and len(positions) > 1 and not unit.phrase]
    in_order = [t for t in terms if t not in whole]
    sequence_terms = sequence(in_order)
    alternatives: list[list[str]] = [[t.text for t in sequence_terms]] + [[t.text] for t in whole]
    # A word joined from its parts stands at its first part's position, so a phrase through it ("Kweilin-Liuchow
    # railway": kweilinliuchow, railway) misses the text that writes the parts apart, where the next word stands after
    # the last part: the parts in a row match it too.
    if len(sequence_terms) > 1:
        parts = [t.text for t in sequence(in_order, widest=False)]
        if parts != alternatives[0]:
            alternatives.append(parts)
    subqueries: list[Query] = []
    for forms in alternatives:
        stems = [stem(f) for f in forms]
        if plan is not None and len(stems) == 1:
            plan.stems.update(stems)
            plan.forms.update(forms)
        elif plan is not None:  # a phrase is highlighted only where its words stand together
            plan.phrases.add(tuple(stems))
        for name in fields:
            if len(stems) == 1:
                subqueries.append(Term(name, stems[0]))
            else:
                subqueries.append(Phrase(name, tuple(stems)))
        if exact_field and len(forms) == 1:
            subqueries.append(Term(exact_field, forms[0]))
    query = any_of(subqueries)
    if split and not unit.phrase and len(sequence_terms) > 1:
        parts = [unit_query(Unit(t.text), fields, exact_field) for t in sequence_terms]
        query = Or((boosted(query, 1.0 - split), *(boosted(p, split) for p in parts if p is not None)))
    return query


def group_query(
    group: Group,
    fields: Sequence[str],
    exact_field: str | None,
    plan: Plan | None,
    core_only: bool = False,
    split: float = 0.0,
) -> Query | None:
    """Any alternative of an expanded group (:mod:`ichigo_search.query.expansion`); ``split`` as in unit_query.

    A group that names no place does not search the places' names among other fields: *black* is not the *Black
    Hawk County* of a record's places, nor *elder* its *Box Elder County* (a caption that names them still matches).
    """
    if len(fields) > 1 and PLACES_FIELD in fields and not any(a.place for a in group.alternatives):
        fields = [name for name in fields if name != PLACES_FIELD]
    subqueries: list[Query] = []
    for alternative in group.alternatives:
        if core_only and not alternative.core:
            continue
        if alternative.place:
            name = PLACE_TREE if alternative.tree else PLACE_IDS
            subqueries.append(Term(name, alternative.place, boost=alternative.weight))
            if plan is not None and not alternative.tree:
                plan.place_ids.add(alternative.place)
            continue
        # Several-word alternatives are phrases: only where such names are written.
        alt_fields = [name for name in fields if name in PHRASE_FIELDS] if alternative.phrase else fields
        unit = Unit(alternative.text or "", phrase=alternative.phrase)
        if alternative.apart:
            query = apart_query(unit.text, fields, exact_field, plan)
        elif alternative.exact and exact_field:
            query = exact_query(unit, alt_fields, exact_field, plan)
        else:
            query = unit_query(unit, alt_fields, exact_field, plan, split)
        if query is not None:
            # One concept, one weight: a phrase's score sums its words, so divide by their number
            # (otherwise "World War II" outweighs the "WWII" a caption actually says).
            several = alternative.phrase or alternative.apart
            words = len(sequence(analyze(alternative.text or "", stemming=False))) if several else 1
            weight = alternative.weight / max(words, 1)
            subqueries.append(query if weight == 1.0 else boosted(query, weight))
    if plan is not None and group.correction:
        plan.corrections[group.text] = group.correction
    return any_of(subqueries) if subqueries else None


def apart_query(text: str, fields: Sequence[str], exact_field: str | None, plan: Plan | None = None) -> Query | None:
    """Captions holding every word of ``text`` (stop words aside) but not the words together, scored as words.

    None for fewer than two such words. The captions with the words together are left to the phrase.
    """
    words = [Unit(word) for word in text.split() if fold(word.strip(".'")) not in STOP_WORDS]
    parts = [q for q in (unit_query(word, fields, exact_field, plan) for word in words) if q is not None]
    together = unit_query(Unit(text, phrase=True), [name for name in fields if name in PHRASE_FIELDS], None)
    if len(parts) < 2 or together is None:
        return None
    return AndNot(And(tuple(parts)), together)


def exact_query(unit: Unit, fields: Sequence[str], exact_field: str, plan: Plan | None = None) -> Query | None:
    """A word scored as :func:`unit_query` scores it, only where it is written so (not other words of its stem).

    ``=colored`` finds *colored*, not *color*: the word's stem in ``fields`` and its folded form in
    ``exact_field``, both required. The exact field has no positions, so a phrase is matched as usual.
    """
    forms = [t.text for t in sequence(analyze(unit.text, stemming=False))]
    query = unit_query(unit, fields, exact_field, None if len(forms) == 1 else plan)
    if query is None or len(forms) != 1:
        return query
    if plan is not None:
        plan.forms.add(forms[0])
    return And((query, Term(exact_field, forms[0], boost=0.0)))


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
    fields: Sequence[str],
    exact_field: str | None,
    expander: Expander,
    dated: Sequence[int] = (),
    ranking: Ranking = DEFAULT,
) -> Plan:
    """Turn a parsed query into query trees, each word expanded to every form it may take.

    ``dated``: the years the collection has dated captions of, for words that name years (:func:`when`).
    """
    result = Plan()
    undated: dict[int, Query] = {}  # soft_core entries of year words, widened to undated captions
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
            run = expander.words(run)
            result.pairs += pairs(run)
            for group in expander.expand(run):
                if group.is_stopword and not keep_stops:
                    continue
                query = group_query(group, fields, exact_field, result)
                if query is not None:
                    core = group_query(group, fields, exact_field, None, core_only=True)
                    split = ranking.split_weight
                    long = group_query(group, fields, exact_field, None, core_only=True, split=split)
                    dates = when(group.text, dated, ranking.year_weight) if len(group.units) == 1 else None
                    if dates is not None:
                        confirmed, not_contradicted = dates
                        query, long = Or((query, confirmed)), Or((long, confirmed))
                        undated[len(result.soft_core)] = Or((core, not_contradicted))
                        result.constraints.append(undated[len(result.soft_core)])
                        core = Or((core, confirmed))
                    elif group.correction is None and any(alternative.place for alternative in group.alternatives):
                        result.constraints.append(core)  # a place typed (not one a typo might have meant)
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
                query = unit_query(Unit(unit.text, phrase=True), (unit.field,), None, target)
                if unit.field == "places" and query is not None:
                    places = expander.place_ids(unit.text)
                    query = Or((query, *(Term(PLACE_TREE, p) for p in places))) if places else query
            else:
                groups = expander.expand([unit])
                query = group_query(groups[0], fields, exact_field, target) if groups else None
            if query is not None:
                subqueries.append(query)
        if not subqueries:
            continue
        query = any_of(subqueries)
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


def when(word: str, dated: Sequence[int], weight: float) -> tuple[Query, Query] | None:
    """For a word naming years (``1945``, ``1940s``): (captions dated then, those plus undated ones); else None.

    A year typed is evidence about when, not only a word: a caption whose date covers it matches it as
    if its text named it (scored as a term of the years field, weighted ``weight``). For "matching every
    word" (ranked first), a caption without a date — or dated too vaguely to index its years — does not
    contradict the year and counts as matching it (unscored); only a caption dated in other years does
    not. So for ``servicemen 1945`` an undated caption about servicemen ranks above servicemen of 1942.
    (Not when the query is only years: "every word" never holds captions that match no word.) None when
    the collection has no caption dated in those years (the word is then only a word).
    """
    span = named_years(word)
    years = [y for y in dated if span and span[0] <= y <= span[1]]
    if not years:
        return None
    confirmed = years_query(years, boost=weight)
    undated = AndNot(Every(boost=0.0), years_query(dated))
    return confirmed, Or((confirmed, undated))


def years_query(years: Sequence[int], boost: float = 1.0) -> Query:
    """Captions dated in any of ``years`` (terms of the years field)."""
    return Or(tuple(Term(YEARS_FIELD, str(y)) for y in years), boost=boost)


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
