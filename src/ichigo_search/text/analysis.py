"""Text analysis shared by indexing, querying and highlighting.

One chain turns text into index terms: Unicode-aware tokenizing, case and
accent folding, possessives, hyphenated words indexed both split and joined,
acronyms (``U.S.`` = ``US``), numbers kept, Snowball English stemming, and
CJK runs indexed as character bigrams plus single characters at the same
positions (so ``柳州`` matches inside ``柳州市`` and phrase queries work).

This module is pure Python plus PyStemmer (a C Snowball implementation that
imports in a millisecond), so the query path stays fast.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

__all__ = [
    "STOP_WORDS",
    "Term",
    "TermNumbers",
    "analyze",
    "analyze_parts",
    "fold",
    "has_cjk",
    "is_cjk",
    "sequence",
    "stem",
    "term_positions",
]

# Short function words dropped from bag-of-words queries (never from the
# index, so phrases like "remains of horses" still match exactly).  "us" is
# deliberately absent: U.S. is common in captions of this period.
STOP_WORDS = frozenset(
    """a an and are as at be but by for from has had have in into is it its of on
    or that the their there these this those to was were will with""".split()
)

_HYPHENS = "-\u2010\u2011"
_APOSTROPHES = "'\u2019`"
_WORD_PART = r"[^\W_]+(?:[" + _APOSTROPHES + r"][^\W_]+)*"  # O'Brien
_TOKEN_RE = re.compile(
    r"(?P<acronym>(?:[^\W\d_]\.){2,})(?![^\W_])"  # U.S., p.m.
    f"|(?P<word>{_WORD_PART}(?:[{_HYPHENS}]{_WORD_PART})*)"
)
_HYPHEN_SPLIT_RE = re.compile("[" + _HYPHENS + "]")
_APOSTROPHE_RE = re.compile("[" + _APOSTROPHES + "]")
_POSSESSIVE_RE = re.compile("[" + _APOSTROPHES + "][sS]$")
# Letters NFKD does not decompose into a base letter plus accents.
_EXTRA_FOLDS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"})
_MAX_JOINED_PARTS = 4


class Term(NamedTuple):
    """One index term: its text, token position and character span (a tuple: made by the million)."""

    text: str
    pos: int
    start: int
    end: int


# Han ideographs, kana and Hangul: scripts written without spaces between words.
_CJK_CLASS = "\u3005\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff"


class LazyPattern:
    """A regular expression compiled when first used (then its methods are the compiled pattern's own).

    A class with the CJK ranges takes 1-2 ms of CPU to compile (``re`` walks every character of them),
    which a cold query of ASCII words never needs: the callers ask ``text.isascii()`` first.
    """

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __getattr__(self, name: str) -> Any:
        compiled = re.compile(self.pattern)
        for method in ("search", "match", "fullmatch", "finditer", "findall", "sub", "split"):
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)


CJK_RE = LazyPattern(f"[{_CJK_CLASS}]")
_SCRIPT_RUN_RE = LazyPattern(f"[{_CJK_CLASS}]+|[^{_CJK_CLASS}]+")


def has_cjk(text: str) -> bool:
    """True when ``text`` holds Han ideographs, kana or Hangul (scripts written without spaces); ASCII text is
    answered without the pattern."""
    return not text.isascii() and CJK_RE.search(text) is not None


def is_cjk(char: str) -> bool:
    """True for a Han ideograph, kana or Hangul character."""
    return has_cjk(char)


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Case- and accent-fold a non-CJK word: ``Ichigō`` -> ``ichigo``, ``ＬＩＵ`` -> ``liu``."""
    text = unicodedata.normalize("NFKC", word).casefold()
    if text.isascii():
        return text
    text = text.translate(_EXTRA_FOLDS)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _load_stemmer():
    import Stemmer  # PyStemmer: the Snowball project's own C stemmers

    return Stemmer.Stemmer("english")


_stemmer = None


# A designation ("b25", joined from "B-25"; "p51d", "ak47s"): letters, two or three digits, then perhaps a model's
# letter and a plural's s. Its stem is the letters and digits: "B-25s" and "P-51D" are B-25s and P-51s.
_DESIGNATION_RE = re.compile(r"^([a-z]{1,2}\d{2,3})[a-z]?s?$")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball English stem of a folded word; words with digits are kept whole, but for a designation's plural
    or model letter (``b25s``, ``p51d``: ``b25``, ``p51``)."""
    global _stemmer
    if len(word) < 3 or any(c.isdigit() for c in word):
        designation = _DESIGNATION_RE.match(word)
        return designation.group(1) if designation else word
    if _stemmer is None:
        _stemmer = _load_stemmer()
    return _stemmer.stemWord(word)


def is_base_form(form: str) -> bool:
    """Whether a folded word is its own stem ("bomb", "liuzhou"; not "bombs"): its postings in the unstemmed
    ``exact`` field are those of its stem in the stemmed fields, less its other forms' (the bulk writer keeps
    them only as that)."""
    return stem(form) == form


def _split_scripts(text: str, start: int):
    """Yield (is_cjk, piece, piece_start) runs of one script class."""
    if not has_cjk(text):
        yield False, text, start
        return
    for run in _SCRIPT_RUN_RE.finditer(text):
        yield CJK_RE.match(run.group()) is not None, run.group(), start + run.start()


_ACRONYM_PLURAL_RE = re.compile(r"^[A-Z]{2,}s$")


@lru_cache(maxsize=200_000)
def _word_form(raw: str) -> str:
    """Fold one word: drop a possessive 's and an acronym's plural s (GIs, POWs), join the rest."""
    if _POSSESSIVE_RE.search(raw) and len(raw) > 2:
        raw = raw[:-2]
    elif _ACRONYM_PLURAL_RE.match(raw):
        raw = raw[:-1]
    return fold(_APOSTROPHE_RE.sub("", raw))


def analyze_parts(parts: Iterable[str], *, stemming: bool = True) -> list[Term]:
    """:func:`analyze` over several texts, positions running on with a gap (no phrase spans two texts)."""
    return [
        Term(stem(t.text) if stemming else t.text, t.pos + offset, t.start, t.end)
        for terms, offset in _parts(parts)
        for t in terms
    ]


def term_positions(parts: Iterable[str], *, stemming: bool = True) -> dict[str, list[int]]:
    """Each term of :func:`analyze_parts` with its positions: what an index stores, made without Term objects."""
    where: dict[str, list[int]] = {}
    offset = 0
    for part in parts:
        texts, positions = _indexed_texts(part)
        if not texts:
            continue
        if positions is None:
            positions = range(len(texts))
        for text, pos in zip(map(stem, texts) if stemming else texts, positions, strict=True):
            found = where.get(text)
            if found is None:
                where[text] = [pos + offset]
            else:
                found.append(pos + offset)
        offset += positions[-1] + 2
    return where


class _Numbered(dict):
    """A dict whose missing keys are given ``make(key)`` on first sight (looked up by ``dict.__getitem__``: in C
    for every key seen before)."""

    def __init__(self, make) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: str) -> int:
        number = self[key] = self.make(key)
        return number


_NO_TERM = -1  # a word that folds to nothing (it takes no position)


class TermNumbers:
    """Index terms as numbers, for a writer that gathers postings by number: each folded form of a word (the
    unstemmed terms) numbered in order of first sight, and each stem (the stemmed terms) too.

    A plain text's words (most captions) are numbered by one dict look-up each of the word as written: its
    folding and stemming are done once per distinct word, not at each occurrence. The last few thousand texts'
    numbers are kept whole: a caption is indexed again in the ``exact`` field, and place lists recur.
    """

    def __init__(self) -> None:
        self.forms: list[str] = []  # number -> unstemmed form
        self.stems: list[str] = []  # number -> stem
        self._stem_numbers: dict[str, int] = {}
        self._stem_of: list[int] = []  # a form's number -> its stem's number
        self._forms = _Numbered(self._form_number)  # folded, unstemmed form -> number
        self._words = _Numbered(self._word_number)  # a plain text's word as written -> form number (or _NO_TERM)
        self._texts: dict[str, tuple[list[int], Sequence[int] | None]] = {}

    def terms(self, *, stemming: bool) -> list[str]:
        """Each number's term: the stems', or the unstemmed forms'."""
        return self.stems if stemming else self.forms

    def _form_number(self, form: str) -> int:
        self.forms.append(form)
        term = stem(form)
        number = self._stem_numbers.get(term)
        if number is None:
            number = self._stem_numbers[term] = len(self.stems)
            self.stems.append(term)
        self._stem_of.append(number)
        return len(self.forms) - 1

    def _word_number(self, word: str) -> int:
        form = _word_form(word)
        return self._forms[form] if form else _NO_TERM

    def _text(self, text: str, stemming: bool) -> tuple[list[int], Sequence[int] | None]:
        """A text's term numbers in order and their positions (None: 0, 1, 2, ...)."""
        found = self._texts.get(text)
        if found is None:
            if len(self._texts) >= _TEXTS_KEPT:
                self._texts.clear()
            found = self._texts[text] = self._numbered(text)
        if stemming:
            return list(map(self._stem_of.__getitem__, found[0])), found[1]
        return found

    def _numbered(self, text: str) -> tuple[list[int], Sequence[int] | None]:
        words = _plain_words(text)
        if words is not None:
            numbers = list(map(self._words.__getitem__, words))
            if _NO_TERM in numbers:
                numbers = [number for number in numbers if number != _NO_TERM]
            return numbers, None
        forms, positions = _indexed_texts(text)
        return list(map(self._forms.__getitem__, forms)), positions

    def positions(self, parts: Iterable[str], *, stemming: bool = True) -> tuple[list[int], list[int]]:
        """:func:`term_positions` of the texts as each occurrence's term number and position, in text order (a
        term's positions ascending as there)."""
        numbers: list[int] = []
        positions: list[int] = []
        offset = 0
        for part in parts:
            found, at = self._text(part, stemming)
            if not found:
                continue
            numbers += found
            if at is None:
                positions += range(offset, offset + len(found))
                offset += len(found) + 1
            else:
                positions += [pos + offset for pos in at] if offset else at
                offset += at[-1] + 2
        return numbers, positions

    def occurrences(self, parts: Iterable[str], *, stemming: bool = False) -> list[int]:
        """The term numbers of every occurrence in the texts (what a field without positions counts)."""
        numbers: list[int] = []
        for part in parts:
            numbers += self._text(part, stemming)[0]
        return numbers


_TEXTS_KEPT = 4096
# A text without CJK, hyphens or ".x." (inside every acronym) is words only, each one term at the
# next position: the common case, found by one findall.
_PLAIN_WORD_RE = re.compile(_WORD_PART)
_NOT_PLAIN_RE = LazyPattern(f"[{_HYPHENS}{_CJK_CLASS}]" + r"|\.[^\W\d_]\.")  # indexing only: CJK ranges, ~1 ms


@lru_cache(maxsize=64)
def _plain_words(text: str) -> list[str] | None:
    """A plain text's words as written (each folds to one term, or to none), or None for another text."""
    return _PLAIN_WORD_RE.findall(text) if _NOT_PLAIN_RE.search(text) is None else None


@lru_cache(maxsize=64)
def _indexed_texts(text: str) -> tuple[tuple[str, ...], tuple[int, ...] | None]:
    """The unstemmed texts of :func:`analyze`'s terms and their positions (None: 0, 1, 2, ... in order)."""
    words = _plain_words(text)
    if words is not None:
        return tuple(form for form in map(_word_form, words) if form), None
    if not has_cjk(text):
        return _hyphenated_texts(text)
    terms = _indexed_terms(text)
    return tuple(term.text for term in terms), tuple(term.pos for term in terms)


def _hyphenated_texts(text: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """:func:`_folded_terms`'s texts and positions for a text without CJK (with hyphens or acronyms: a fifth of
    the captions), made without its Term objects and character spans (in about half the time)."""
    texts: list[str] = []
    positions: list[int] = []
    pos = 0
    for acronym, raw in _TOKEN_RE.findall(text):
        if acronym:
            texts.append(fold(acronym.replace(".", "")))
            positions.append(pos)
            pos += 1
            continue
        if _HYPHEN_SPLIT_RE.search(raw) is None:
            form = _word_form(raw)
            if form:
                texts.append(form)
                positions.append(pos)
                pos += 1
            continue
        parts = _HYPHEN_SPLIT_RE.split(raw)
        joined_pos = pos
        joined = []
        for part in parts:
            form = _word_form(part)
            if form:
                texts.append(form)
                positions.append(pos)
                pos += 1
            joined.append(form)
        if 1 < len(parts) <= _MAX_JOINED_PARTS and all(joined):  # as _folded_terms joins them
            texts.append("".join(joined))
            positions.append(joined_pos)
    return tuple(texts), tuple(positions)


def _parts(parts: Iterable[str]) -> Iterator[tuple[tuple[Term, ...], int]]:
    offset = 0
    for part in parts:
        terms = _indexed_terms(part)
        yield terms, offset
        if terms:
            offset += terms[-1].pos + 2


def analyze(text: str, *, stemming: bool = True, indexed: bool = False) -> list[Term]:
    """Turn ``text`` into index terms with positions and character offsets.

    Several terms may share a position: the joined form of a hyphenated word
    sits at its first part, and CJK unigrams sit with the bigram they start.
    ``indexed``: as an index holds the text, with the English glosses of its Chinese and Japanese words
    (:func:`_indexed_terms`); a query's words are analysed without them.
    """
    terms = _indexed_terms(text) if indexed else _folded_terms(text)
    if not stemming:
        return list(terms)
    return [Term(stem(t.text), t.pos, t.start, t.end) for t in terms]


@lru_cache(maxsize=64)
def _indexed_terms(text: str) -> tuple[Term, ...]:
    """:func:`_folded_terms` as an index holds them: a Chinese or Japanese word of the dictionary
    (:mod:`ichigo_search.text.dictionary`) also stands as its English glosses, each gloss's words from the word's
    position on, spanning the word (*柳州机场*: *airport* and *airfield* where *机场* is), as index-time synonyms do
    in Lucene. So an English query finds a caption written in Chinese, and marks the word it matched."""
    terms = _folded_terms(text)
    if not has_cjk(text):
        return terms
    from ichigo_search.text.dictionary import glossed_words

    at = {t.start: t.pos for t in terms if t.end - t.start == 1}  # a CJK character's position: its unigram's
    added: list[Term] = []
    for run in _SCRIPT_RUN_RE.finditer(text):
        if CJK_RE.match(run.group()) is None:
            continue
        for begin, end, glosses in glossed_words(run.group()):
            pos = at.get(run.start() + begin)
            if pos is None:
                continue
            for gloss in glosses:
                forms = [form for form in map(_word_form, gloss.split()) if form]
                added += [Term(form, pos + k, run.start() + begin, run.start() + end) for k, form in enumerate(forms)]
    if not added:
        return terms
    return tuple(sorted(terms + tuple(added), key=lambda term: term.pos))


@lru_cache(maxsize=64)
def _folded_terms(text: str) -> tuple[Term, ...]:
    """Unstemmed terms of a text, cached: indexing reads each caption for several fields."""
    terms: list[Term] = []
    pos = 0
    plain = not has_cjk(text)
    for match in _TOKEN_RE.finditer(text):
        start, end = match.span()
        if match.lastgroup == "acronym":
            letters = fold(match.group().replace(".", ""))
            terms.append(Term(letters, pos, start, end))
            pos += 1
            continue
        raw = match.group()
        hyphenated = _HYPHEN_SPLIT_RE.search(raw) is not None
        if plain and not hyphenated:  # the common case: one word, one term
            form = _word_form(raw)
            if form:
                terms.append(Term(form, pos, start, end))
                pos += 1
            continue
        parts = _HYPHEN_SPLIT_RE.split(raw) if hyphenated else [raw]
        joined_pos = pos
        joined: list[str] = []
        offset = start
        for part in parts:
            for cjk, piece, piece_start in _split_scripts(part, offset):
                if cjk:
                    pos = _add_cjk(terms, piece, piece_start, pos)
                    joined.append("")  # a CJK piece makes the joined form meaningless
                    continue
                form = _word_form(piece)
                if form:
                    terms.append(Term(form, pos, piece_start, piece_start + len(piece)))
                    pos += 1
                joined.append(form)
            offset += len(part) + 1
        if 1 < len(parts) <= _MAX_JOINED_PARTS and len(joined) == len(parts) and all(joined):
            terms.append(Term("".join(joined), joined_pos, start, end))
    return tuple(terms)


def _add_cjk(terms: list[Term], run: str, start: int, pos: int) -> int:
    """Index a CJK run as bigrams, each with its first character at the same position."""
    run = unicodedata.normalize("NFKC", run)
    if len(run) == 1:
        terms.append(Term(run, pos, start, start + 1))
        return pos + 1
    for i in range(len(run) - 1):
        terms.append(Term(run[i : i + 2], pos, start + i, start + i + 2))
        terms.append(Term(run[i], pos, start + i, start + i + 1))
        pos += 1
    terms.append(Term(run[-1], pos, start + len(run) - 1, start + len(run)))
    return pos + 1


def sequence(terms: list[Term], widest: bool = True) -> list[Term]:
    """The terms to match in order: per position the widest term (or, not ``widest``, the narrowest: a joined word's
    parts), dropping covered ones."""
    best: dict[int, Term] = {}
    for term in terms:
        current = best.get(term.pos)
        width = term.end - term.start
        if current is None or (width > current.end - current.start if widest else width < current.end - current.start):
            best[term.pos] = term
    chosen: list[Term] = []
    for pos in sorted(best):
        term = best[pos]
        if chosen and chosen[-1].start <= term.start and term.end <= chosen[-1].end:
            continue
        chosen.append(term)
    return chosen
