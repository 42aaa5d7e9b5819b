"""Ordinary English words: the package's one answer to "is this also an ordinary word".

The source is ``data/english-words.txt``, made by ``tools/build_english_words.py``: the lowercase
words of SCOWL size 35 (Debian's ``wamerican-small``) that are frequent in English (Zipf >= 4 in
wordfreq). It is general English, chosen by no collection that the tests or benchmarks search.
Two questions ask it:

- the thesaurus: an abbreviation whose short form is an ordinary word (``Wash``, ``Ill``, ``Mass``,
  ``Miss``) finds its long forms only written with its period, and they do not find it;
- the gazetteer: a place's name that is an ordinary word (``Mobile``, ``Reading``, ``Summit``) is a
  place only with place context, and such a word opening a sentence does not join the name after it
  (``Rural Ohio``).

A second, larger list, ``data/english-forms.txt`` (``tools/build_english_forms.py``: every lowercase word
of SCOWL size 50, with plurals and inflections), answers one question: which words of a text written in
capitals a writer in mixed case would have written in lowercase (:mod:`ichigo_search.vocab.capitals`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

ENGLISH_WORDS = Path(__file__).resolve().parents[1] / "data" / "english-words.txt"
ENGLISH_FORMS = ENGLISH_WORDS.with_name("english-forms.txt")
# Words a process asks about before it loads them all into a set: a query asks about a few (a search of the
# file's text each, microseconds), a process that scans captions about many.
_ASKED_BEFORE_LOADING = 20


class _Words:
    """A word list (its path asked at first use), searched as text for the first few words asked, then loaded into
    a set."""

    def __init__(self, path_of: Callable[[], Path]) -> None:
        self._path_of = path_of
        self._text: str | None = None
        self._set: frozenset[str] | None = None
        self._asked = 0

    def __contains__(self, word: str) -> bool:
        if self._set is not None:
            return word in self._set
        if self._asked < _ASKED_BEFORE_LOADING:
            self._asked += 1
            return _listable(word) and f"\n{word}\n" in self._read()
        return word in self.load()

    def _read(self) -> str:
        if self._text is None:
            self._text = "\n" + self._path_of().read_text(encoding="utf-8")
        return self._text

    def load(self) -> frozenset[str]:
        """Every word, as a set (loaded once)."""
        if self._set is None:
            self._set = frozenset(line for line in self._read().splitlines() if _listable(line))
            self._text = None
        return self._set


def _listable(word: str) -> bool:
    """A line of the list that is a word (not empty, not a comment), or a word that may be one."""
    return bool(word) and not word.startswith("#") and "\n" not in word


_WORDS = _Words(lambda: ENGLISH_WORDS)
_FORMS = _Words(lambda: ENGLISH_FORMS)


def load_word_lists() -> None:
    """Load both lists now: before a process forks workers that scan many texts, so that they share one copy."""
    _WORDS.load()
    _FORMS.load()


def is_ordinary_word(word: str) -> bool:
    """Whether ``word`` (one folded word, lowercase: a gazetteer key, a token) is an ordinary English word."""
    return word in _WORDS


def is_english_form(word: str) -> bool:
    """Whether ``word`` (one folded word, lowercase) is one English writes in lowercase: any word of the larger list,
    plurals and inflections included ("migrant", "stockyards", "bombers"); the ordinary words are among them."""
    return word in _FORMS
