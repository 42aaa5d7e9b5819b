"""Chinese and Japanese words with their English glosses and other forms, for queries typed in those scripts.

A query run such as *柳州机场* (Liuzhou airfield) has no spaces; :func:`cut` cuts it into words, longest first,
and the query expander matches each word as written, in its other forms (*機場*) and as its English glosses
(*机场*: airport, airfield). The words are CC-CEDICT's and JMdict's (``data/cjk-english.sqlite``, made by
``tools/build_cjk_dictionary.py``, CC BY-SA: ``data/cjk-english.COPYRIGHT``). The table is opened only when a
query has CJK in it.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from ichigo_search.text.numerals import NUMERAL_RE, number_gloss
from ichigo_search.util.memo import Remembered

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "cjk-english.sqlite"
MAX_WORD = 8  # characters: the longest form the table holds
# Words looked up in SQLite (~10 us each) before all of them are held in a set (0.3-0.6 s and ~47 MB, once): a
# query or a few captions never load them, indexing thousands of captions in Chinese does.
LOOK_UPS_BEFORE_LOADING = 50_000
ENTRIES_KEPT = 20_000
_HIRAGANA_RE = re.compile("[\u3041-\u309f]")
_KANA_OR_NOT_RE = re.compile("[\u3041-\u309f]+|[^\u3041-\u309f]+")
# Chinese function words of one character (a closed class, as English stop words are): structural and modal
# particles, aspect markers, prepositions and coverbs, conjunctions, pronouns and demonstratives, copulas, degree and
# frequency adverbs, negations, measure words; in simplified and traditional forms. Between a query's words they are
# its grammar (*被*炸*的*房屋: bombed houses), not words to look for; any other character the table knows is a word
# (*摘*, to pick; *炸*, to bomb; *村*, a village).
FUNCTION_CHARACTERS = frozenset(
    "的地得之了着著过過吗嗎呢吧啊呀么麼嘛哦啦在被把将將和与與及或跟同对對从從向往给給为為于於以由自到"
    "是有也都又就才还還很太最更极極这這那哪此其该該各每个個些而并並但却卻所且若如因故即则則乃"
    "不没沒无無非未别別已曾正再仍让讓使叫它他她我你您们們咱吾"
)


class Dictionary:
    """The table's words (any of a word's traditional, simplified and Japanese forms) and their glosses."""

    def __init__(self, path: Path = DATA_FILE) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._words: frozenset[str] | None = None
        self._asked = 0
        self._entries: Remembered[tuple[list[str], list[str]]] = Remembered(ENTRIES_KEPT)

    @property
    def db(self) -> sqlite3.Connection:
        """The table, opened once per process (a connection is not carried across a fork)."""
        if self._db is None or self._pid != os.getpid():
            self._db = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            self._pid = os.getpid()
        return self._db

    def __contains__(self, word: str) -> bool:
        if self._words is not None:
            return word in self._words
        self._asked += 1
        if self._asked > LOOK_UPS_BEFORE_LOADING:  # indexing a collection in Chinese: a set, not SQLite
            self._words = frozenset(word for (word,) in self.db.execute("SELECT word FROM words"))
            return word in self._words
        return self.db.execute("SELECT 1 FROM words WHERE word = ?", (word,)).fetchone() is not None

    def glosses(self, word: str) -> list[str]:
        """The English glosses of a word, main senses first; empty for a word the table lacks."""
        return self.entry(word)[0]

    def entry(self, word: str) -> tuple[list[str], list[str]]:
        """A word's glosses and its other forms (simplified, traditional, Japanese: 机场, 機場), both empty for a word
        the table lacks; remembered (a query asks for a word's entry as it cuts, weighs and translates it)."""
        return self._entries.get(word, lambda: self._entry(word))

    def _entry(self, word: str) -> tuple[list[str], list[str]]:
        row = self.db.execute(
            "SELECT text, variants FROM words JOIN glosses ON glosses.id = words.glosses WHERE word = ?", (word,)
        ).fetchone()
        if row is None:
            return [], []
        return [g for g in row[0].split("\t") if g], [v for v in row[1].split("\t") if v]


@lru_cache(maxsize=1)
def dictionary() -> Dictionary:
    return Dictionary()


def glossed_words(run: str) -> list[tuple[int, int, list[str]]]:
    """The dictionary's words in a run of CJK (as :func:`cut` finds them) that have glosses: where each starts and
    ends in the run, and its glosses. What an index adds to a caption written in Chinese or Japanese.

    A number written in characters is read as figures (第十四航空队: *14th*; 二十三架: *23*), and the words around
    it apart: the dictionary would cut 二十三架 into 二十 and 三架. Not inside a longer word of the dictionary
    (第二次世界大战, World War II)."""
    table = dictionary()
    numbers = [(match, gloss) for match in NUMERAL_RE.finditer(run) if (gloss := number_gloss(match.group()))]
    if not numbers:  # the common run: one cut
        return _glossed(table, run, 0)
    words, at = [], 0
    for piece, word in _best(run, table.__contains__):
        if word:
            words.append((at, at + len(piece)))
        at += len(piece)
    found = []
    start = 0
    for match, gloss in numbers:
        if any(a <= match.start() and match.end() <= b and b - a > len(match.group()) for a, b in words):
            continue
        found += _glossed(table, run[start : match.start()], start)
        found.append((match.start(), match.end(), [gloss]))
        start = match.end()
    return found + _glossed(table, run[start:], start)


def _glossed(table: Dictionary, run: str, offset: int) -> list[tuple[int, int, list[str]]]:
    found = []
    at = offset
    for piece, word in _best(run, table.__contains__) if run else ():
        if word:
            glosses = table.glosses(piece)
            if glosses:
                found.append((at, at + len(piece), glosses))
        at += len(piece)
    return found


def cut(run: str, is_word: Callable[[str], bool]) -> list[str]:
    """A run of CJK characters cut into words: the longest words ``is_word`` knows (2 to MAX_WORD characters), taken
    from the run's start and from its end, whichever cut has fewer pieces, then fewer single characters, then the
    one from the end (bidirectional maximum matching: *受伤的士兵* is *受伤*, *的*, *士兵*, not *的士*, a taxi).

    Between those words, a character ``is_word`` knows is a word of its own (*摘*棉花, to pick cotton), unless it is
    a function word (:data:`FUNCTION_CHARACTERS`: *的*, *被*, *在*); hiragana is Japanese grammar (*まで*, *された*);
    both are left out. Characters it does not know stay together (*伤兵*, where neither is known), but one alone
    is left out. A run no word is found in comes back whole.
    """
    best = _best(run, is_word)
    if not any(word for _, word in best):
        return [run]
    kept: list[str] = []
    for piece, word in best:
        if word:
            kept.append(piece)
            continue
        for part in _KANA_OR_NOT_RE.findall(piece):  # the hiragana apart from the rest (された村: された, 村)
            if not _HIRAGANA_RE.match(part):
                kept += _characters(part, is_word)
    return kept


def _characters(part: str, is_word: Callable[[str], bool]) -> list[str]:
    """Characters between words (see :func:`cut`): each known one that is no function word; unknown ones together."""
    kept: list[str] = []
    unknown = ""
    for char in part:
        known = char in FUNCTION_CHARACTERS or is_word(char)
        if not known:
            unknown += char
            continue
        if len(unknown) > 1:
            kept.append(unknown)
        unknown = ""
        if char not in FUNCTION_CHARACTERS:
            kept.append(char)
    return kept + ([unknown] if len(unknown) > 1 else [])


def _best(run: str, is_word: Callable[[str], bool]) -> list[tuple[str, bool]]:
    """The run's pieces (a word, or characters between words) by bidirectional maximum matching (see :func:`cut`)."""
    forward = _matched(run, is_word)
    backward = [(piece[::-1], word) for piece, word in reversed(_matched(run[::-1], lambda w: is_word(w[::-1])))]
    return min(backward, forward, key=lambda pieces: (len(pieces), sum(len(p) == 1 for p, _ in pieces)))


def _matched(run: str, is_word: Callable[[str], bool]) -> list[tuple[str, bool]]:
    """Forward maximum matching: the run's pieces, each a word or the characters between two words."""
    pieces: list[tuple[str, bool]] = []
    rest = ""
    i = 0
    while i < len(run):
        for size in range(min(MAX_WORD, len(run) - i), 1, -1):
            if is_word(run[i : i + size]):
                if rest:
                    pieces.append((rest, False))
                pieces.append((run[i : i + size], True))
                rest = ""
                i += size
                break
        else:
            rest += run[i]
            i += 1
    if rest:
        pieces.append((rest, False))
    return pieces
