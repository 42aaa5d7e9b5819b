"""The vocabulary of the period: synonyms, abbreviations, near synonyms, numbers, place aliases, bridges.

Entries come from the built-in ``data/vocabulary.yaml`` and a corpus's own
``thesaurus.yaml`` (same sections).  Each form is reduced to the sequence of
folded, unstemmed tokens the analyzer makes of it, so ``Lt.``, ``LT`` and ``lt``
are one entry and ``World War II`` matches three query words.

Bridges join today's words to the words of the period (``African American`` ~
*Negro*, *colored*): an equivalence, each row from an authority.  They are looked
up by the stems of their words without stop words (``Native Americans`` =
``native american``, ``women in the military`` = ``women military``), a hyphenated
or two-word form also written apart and joined; a form written ``=colored`` is
the word as written only (its stem, *color*, is another word).

An abbreviation whose short form is also an ordinary English word (``Wash``, ``Ill``,
``Mass``, ``Miss``: :func:`ichigo_search.vocab.words.is_ordinary_word`) finds its long forms
only where the query writes it with its period (``Wash.``), and its long forms do not
find it: *washington* must not match "wash day", nor *ill* Illinois.  One made of single
letters (``a/c``, ``e/a``) finds its long forms and is not found by them: as words, "a c" and
"e a" are *a C-47* and the initials of *E. A. Smith*.

A synonym or near-synonym form may be marked ``=`` as a bridge form is: the word as written,
not the other words of its stem (``=downed``, not every *down*; ``=torpedoed``, not *torpedo*),
whether a query finds it through another form or types it (*kills* typed is not *hog killing*).
A near synonym with the stems of the words typed is not added to them (*flooded* for *flood*).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ichigo_search.text.analysis import STOP_WORDS, analyze, sequence, stem
from ichigo_search.text.numerals import ordinal_suffix
from ichigo_search.vocab.words import ENGLISH_WORDS, is_ordinary_word

BUILTIN = Path(__file__).resolve().parents[1] / "data" / "vocabulary.yaml"
SECTIONS = ("synonyms", "abbreviations", "related", "places", "bridges")
# A bridge row: today's terms, the period's terms, terms the modern ones cover, and the authority.
BRIDGE_SIDES = ("modern", "period", "narrower")
BRIDGE_FIELDS = (*BRIDGE_SIDES, "source")
# A bridge form starting with this is the word as written, not its other forms.
EXACT_MARK = "="
SYNONYM_WEIGHT = 1.0
RELATED_WEIGHT = 0.25
MAX_ENTRY_TOKENS = 6

_UNITS = "first second third fourth fifth sixth seventh eighth ninth".split()
_TEENS = "tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth".split()
_TENS = "twent thirt fort fift sixt sevent eight ninet".split()
_CARDINAL_UNITS = "one two three four five six seven eight nine".split()
_CARDINAL_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_CARDINAL_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
# Numbers written both ways as words and digits ("13 miles", "thirteen miles"; "seventy-four enemy planes"), from
# two: "one" is as often a pronoun ("no one", "one of the") as a number.
FIRST_CARDINAL = 2


def ordinal_words(n: int) -> str:
    """``14`` -> ``fourteenth``, ``21`` -> ``twenty-first``, ``100`` -> ``hundredth`` (1 to 100)."""
    if n == 100:
        return "hundredth"
    if n < 10:
        return _UNITS[n - 1]
    if n < 20:
        return _TEENS[n - 10]
    tens, unit = divmod(n, 10)
    stem = _TENS[tens - 2]
    return f"{stem}ieth" if unit == 0 else f"{stem}y-{_UNITS[unit - 1]}"


def cardinal_words(n: int) -> str:
    """``13`` -> ``thirteen``, ``74`` -> ``seventy-four`` (1 to 99)."""
    if n < 10:
        return _CARDINAL_UNITS[n - 1]
    if n < 20:
        return _CARDINAL_TEENS[n - 10]
    tens, unit = divmod(n, 10)
    return _CARDINAL_TENS[tens - 2] + (f"-{_CARDINAL_UNITS[unit - 1]}" if unit else "")


def token_key(text: str) -> tuple[str, ...]:
    """The folded token sequence that stands for a form in look-ups."""
    return tuple(t.text for t in sequence(analyze(text, stemming=False)))


def word_keys(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The stems and the folded forms of a text's words, stop words left out (bridge look-ups)."""
    words = tuple(t.text for t in sequence(analyze(text, stemming=False)) if t.text not in STOP_WORDS)
    return tuple(stem(w) for w in words), words


def is_english_word(form: str) -> bool:
    """Whether a form is one word, an ordinary English word (``Wash``, ``ill``: :mod:`~ichigo_search.vocab.words`)."""
    key = token_key(form)
    return len(key) == 1 and is_ordinary_word(key[0])


def is_initials(form: str) -> bool:
    """Whether a form is letters one by one (``a/c``, ``e/a``, ``A. C.``): as words, the initials of anything."""
    key = token_key(form)
    return len(key) > 1 and all(len(t) == 1 and t.isalpha() for t in key)


def exact_form(form: str) -> tuple[str, bool]:
    """A bridge form without its ``=`` mark, and whether it had one (the word as written only)."""
    text = form.strip()
    return (text[len(EXACT_MARK) :].strip(), True) if text.startswith(EXACT_MARK) else (text, False)


def _apart(text: str) -> str:
    return re.sub(r"[-\u2010\u2011]", " ", text)


def bridge_keys(form: str) -> set[tuple[str, ...]]:
    """The look-up keys of a bridge form: its stems, also with its hyphens as spaces and, of two words, joined.

    ``African American``, ``African-American`` and ``AfricanAmerican`` share keys; a form marked
    ``=`` is keyed by its folded words after the mark, so only that spelling finds it.
    """
    text, exact = exact_form(form)
    variants = {text, _apart(text)}
    words = _apart(text).split()
    if len(words) == 2:
        variants.add("".join(words))
    keys = set()
    for variant in variants:
        stems, folded = word_keys(variant)
        if folded and len(folded) <= MAX_ENTRY_TOKENS:
            keys.add((EXACT_MARK, *folded) if exact else stems)
    return keys


def matched_form(form: str) -> tuple[str, tuple[str, ...]]:
    """How a bridge form is matched: its text (hyphens as spaces, which matches both) and what it matches.

    Two forms with the same key match the same captions (``Negro``, ``Negroes``; ``Spanish-American``,
    ``Spanish American``); a bridge keeps one of them, so a caption is not counted twice.
    """
    text, exact = exact_form(form)
    if exact:
        return form.strip(), (EXACT_MARK, *word_keys(text)[1])
    apart = _apart(text)
    return apart, word_keys(apart)[0]


def _contains(outer: tuple[str, ...], inner: tuple[str, ...]) -> bool:
    return any(outer[i : i + len(inner)] == inner for i in range(len(outer) - len(inner) + 1))


@dataclass
class Thesaurus:
    """Compiled entries: token sequence -> alternative forms with weights; bridge key -> forms bridged.

    ``dotted`` holds what a form finds only when written with a period (an abbreviation that is
    also an English word: ``Wash.`` -> Washington).
    """

    entries: dict[tuple[str, ...], dict[str, float]] = field(default_factory=dict)
    # The forms a row marks ``=``: typed, such a word too is matched as written only (*kills*, not *hog killing*).
    exact: set[tuple[str, ...]] = field(default_factory=set)
    dotted: dict[tuple[str, ...], dict[str, float]] = field(default_factory=dict)
    place_aliases: dict[str, list[str]] = field(default_factory=dict)
    bridges: dict[tuple[str, ...], list[str]] = field(default_factory=dict)

    def add_group(self, forms: list[str], weight: float) -> None:
        """Make every form of a group find every other (a form marked ``=`` as that word only)."""
        forms = [str(f) for f in forms if str(f).strip()]
        keys = {form: token_key(exact_form(form)[0]) for form in forms}
        self.exact.update(keys[form] for form in forms if exact_form(form)[1])
        stems = {form: tuple(stem(t) for t in key) for form, key in keys.items()}
        for form in forms:
            key = keys[form]
            if not key or len(key) > MAX_ENTRY_TOKENS:
                continue
            # A near synonym with the stems typed would count the words typed again, at its lower weight.
            for other in (o for o in forms if o != form and (weight >= SYNONYM_WEIGHT or stems[o] != stems[form])):
                alternatives = self.entries.setdefault(key, {})
                alternatives[other] = max(alternatives.get(other, 0.0), weight)

    def add_abbreviation(self, short: str, longs: list[str]) -> None:
        """A short form finds its long forms and each long form finds the short one.

        A short form that is also an English word finds them only written with its period, one way;
        one of single letters (``a/c``) finds them, one way.
        """
        if is_english_word(short):
            found = self.dotted.setdefault(token_key(short), {})
            found.update({str(long): SYNONYM_WEIGHT for long in longs if str(long).strip()})
            return
        if is_initials(short):
            found = self.entries.setdefault(token_key(short), {})
            found.update({str(long): SYNONYM_WEIGHT for long in longs if str(long).strip()})
            return
        for long in longs:
            self.add_group([short, long], SYNONYM_WEIGHT)

    def add_bridge(self, modern: list[str], period: list[str], narrower: list[str]) -> None:
        """Each modern form finds every other form of the row; each period form finds the modern ones.

        A form marked ``=`` is matched as written when typed, too (*alcoholism*, not *alcohol*)."""
        self.exact.update(token_key(text) for text, exact in map(exact_form, modern + period + narrower) if exact)
        for form, targets in [(f, modern + period + narrower) for f in modern] + [(f, modern) for f in period]:
            for key in bridge_keys(form):
                found = self.bridges.setdefault(key, [])
                seen = {matched_form(f)[1] for f in found}
                for target in targets:
                    text, matches = matched_form(target)
                    if matches not in seen and matches != key:
                        found.append(text)
                        seen.add(matches)

    def bridged(self, stems: tuple[str, ...], folded: tuple[str, ...]) -> list[str]:
        """The forms a run of query words bridges to, by their stems and folded forms (:func:`word_keys`).

        Forms that hold the words typed are left out: every caption they match, the words match.
        """
        if not stems:
            return []
        found: dict[str, tuple[str, ...]] = {}
        for form in self.bridges.get(stems, []) + self.bridges.get((EXACT_MARK, *folded), []):
            matches = matched_form(form)[1]
            words = matches[1:] if matches[0] == EXACT_MARK else matches
            if not _contains(words, folded if matches[0] == EXACT_MARK else stems):
                found[form] = matches
        # Likewise a form that holds another one found ("Indian tribe" after "Indian").
        return [
            form
            for form, matches in found.items()
            if not any(other != matches and _contains(matches, other) for other in found.values())
        ]

    def merge(self, data: dict[str, Any]) -> None:
        """Add the sections of a vocabulary mapping (as in vocabulary.yaml)."""
        for group in data.get("synonyms") or []:
            self.add_group(list(group), SYNONYM_WEIGHT)
        for short, longs in (data.get("abbreviations") or {}).items():
            self.add_abbreviation(str(short), [longs] if isinstance(longs, str) else list(longs))
        for group in data.get("related") or []:
            self.add_group(list(group), RELATED_WEIGHT)
        for alias, targets in (data.get("places") or {}).items():
            self.place_aliases.setdefault(str(alias), []).extend(
                [targets] if isinstance(targets, str) else [str(t) for t in targets]
            )
        for row in data.get("bridges") or []:
            sides = {side: [str(f) for f in row.get(side) or [] if str(f).strip()] for side in BRIDGE_SIDES}
            self.add_bridge(sides["modern"], sides["period"], sides["narrower"])

    def lookup(self, key: tuple[str, ...], dotted: bool = False) -> dict[str, float]:
        """The alternatives of a form; with ``dotted`` (written with a period) also its abbreviation's."""
        found = self.entries.get(key, {})
        return {**found, **self.dotted[key]} if dotted and key in self.dotted else found


def validate(data: Any, source: str) -> list[str]:
    """Problems with a thesaurus mapping (empty when it is usable)."""
    if data is None:
        return []
    if not isinstance(data, dict):
        return [f"{source}: must be a mapping with sections {', '.join(SECTIONS)}"]
    problems = [f"{source}: unknown section {k!r} (expected {', '.join(SECTIONS)})" for k in data if k not in SECTIONS]
    for name in ("synonyms", "related"):
        groups = data.get(name) or []
        if not isinstance(groups, list) or not all(isinstance(g, list) for g in groups):
            problems.append(f"{source}: {name} must be a list of lists of forms")
    for name in ("abbreviations", "places"):
        if not isinstance(data.get(name) or {}, dict):
            problems.append(f"{source}: {name} must be a mapping")
    return problems + _bridge_problems(data.get("bridges"), source)


def _bridge_problems(rows: Any, source: str) -> list[str]:
    """Problems with a bridges section: a list of rows with modern forms, period or narrower ones, and a source."""
    if rows is None:
        return []
    if not isinstance(rows, list):
        return [f"{source}: bridges must be a list of rows (modern:, period:, narrower:, source:)"]
    problems = []
    for number, row in enumerate(rows, 1):
        where = f"{source}: bridges row {number}"
        if not isinstance(row, dict):
            problems.append(f"{where}: must be a mapping with {', '.join(BRIDGE_FIELDS)}")
            continue
        modern = row.get("modern")
        named = ", ".join(str(f) for f in modern[:2]) if isinstance(modern, list) else ""
        where += f" ({named})" if named else ""
        expected = ", ".join(BRIDGE_FIELDS)
        problems += [f"{where}: unknown key {k!r} (expected {expected})" for k in row if k not in BRIDGE_FIELDS]
        for side in BRIDGE_SIDES:
            forms = row.get(side)
            if forms is not None and not (isinstance(forms, list) and all(_is_form(f) for f in forms)):
                problems.append(f"{where}: {side} must be a list of words or phrases")
        if not row.get("modern"):
            problems.append(f"{where}: needs modern: the terms of today")
        if not (row.get("period") or row.get("narrower")):
            problems.append(f"{where}: needs period: (or narrower:) the terms it bridges to")
        if not (isinstance(row.get("source"), str) and row["source"].strip()):
            problems.append(f"{where}: needs source: the authority the row comes from")
    return problems


def _is_form(form: Any) -> bool:
    """A word or phrase with at least one word that is not a stop word."""
    if not isinstance(form, str | int | float) or isinstance(form, bool):
        return False
    return bool(word_keys(exact_form(str(form))[0])[1])


@lru_cache(maxsize=8)
def _builtin() -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(BUILTIN.read_text(encoding="utf-8"), Loader=loader) or {}


def _numbers(thesaurus: Thesaurus) -> None:
    """Ordinals (14th = fourteenth, 1st-100th) and cardinals (13 = thirteen, 2-99), written both ways (and a number
    of two words with a hyphen or a space: twenty-third, twenty third)."""
    for digits, words in [(ordinal_suffix(n), ordinal_words(n)) for n in range(1, 101)] + [
        (str(n), cardinal_words(n)) for n in range(FIRST_CARDINAL, 100)
    ]:
        thesaurus.add_group(list(dict.fromkeys([digits, words, words.replace("-", " ")])), SYNONYM_WEIGHT)


@lru_cache(maxsize=16)
def _compiled(extra_json: str) -> Thesaurus:
    """The compiled thesaurus, from the user's cache folder when an earlier process compiled the same one.

    Compiling analyses every form (and reading the YAML imports PyYAML): about 25 ms of
    each one-shot ``ichigo-search query``, against 1 ms to unpickle.  The cache key
    covers the vocabulary, the corpus thesaurus and the code that turns forms into keys.
    """
    import json
    import pickle

    cached = _cache_file(extra_json)
    try:
        found = pickle.loads(cached.read_bytes())
        if isinstance(found, Thesaurus):
            return found
    except Exception:  # absent, unreadable or from another Python: compile it again
        pass
    thesaurus = Thesaurus()
    _numbers(thesaurus)
    thesaurus.merge(_builtin())
    if extra_json:
        thesaurus.merge(json.loads(extra_json))
    with contextlib.suppress(OSError):
        from ichigo_search.store import write_atomic

        cached.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(cached, pickle.dumps(thesaurus, protocol=pickle.HIGHEST_PROTOCOL))
    return thesaurus


def _cache_file(extra_json: str) -> Path:
    import hashlib

    from platformdirs import user_cache_path

    from ichigo_search import APP_NAME

    digest = hashlib.blake2b(extra_json.encode(), digest_size=12)
    package = Path(__file__).resolve().parents[1]
    for source in (BUILTIN, ENGLISH_WORDS, package / "vocab" / "thesaurus.py", package / "text" / "analysis.py"):
        digest.update(source.read_bytes())
    return user_cache_path(APP_NAME) / f"thesaurus-{digest.hexdigest()}.pickle"


def load(extra: dict[str, Any] | None = None) -> Thesaurus:
    """The built-in vocabulary plus a corpus's own thesaurus mapping (cached)."""
    import json

    return _compiled(json.dumps(extra, sort_keys=True) if extra else "")
