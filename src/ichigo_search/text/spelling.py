"""Near spellings for typo tolerance: optimal string alignment distance (a swap of two letters is one edit).

Distances come from rapidfuzz (C++), imported on the first typo so that queries without one
never pay for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

# The first letters whose words a long-lived index loads before its first query needs them (``Spellings.prepare``).
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def allowed_edits(word: str) -> int:
    """Edits tolerated for a word of this length: none below 4 letters, 1 for 4-7, 2 from 8.

    Four letters get one: a letter dropped from a five-letter word (*woan*, *mtal*, *fene*) leaves four,
    and dropping is one typo in four (benchmarks/known_items.py's typo class).
    """
    n = len(word)
    if n < 4 or not word.isalpha():
        return 0
    return 1 if n < 8 else 2


class Spellings:
    """A word list searched for near spellings, bucketed by first letter and length.

    Misspellings rarely change the first letter, so only words sharing it are candidates. Each
    letter's words (those starting with it) come from ``load(letter)`` on first use, which keeps a
    one-shot query cheap; the word's length window then narrows the scan further.
    """

    def __init__(self, load: Callable[[str], Iterable[str]]):
        self._load = load
        # letter -> length -> its words: a set as loaded, a sorted list once a search has looked at that length
        self._buckets: dict[str, dict[int, set[str] | list[str]]] = {}

    def near(self, word: str, max_distance: int) -> list[tuple[str, int]]:
        """``(spelling, distance)`` for each other word within ``max_distance`` edits with the same first letter."""
        if not word:
            return []
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        by_length = self._bucket(word[0])
        size = len(word)
        choices = [w for n in range(size - max_distance, size + max_distance + 1) for w in _sorted(by_length, n)]
        found = process.extract(word, choices, scorer=OSA.distance, score_cutoff=max_distance, limit=None)
        return [(w, distance) for w, distance, _ in found if w != word]

    def prepare(self, letters: Iterable[str] = LETTERS) -> None:
        """Load the words of these first letters now, not on the first query with a typo that needs them."""
        for letter in letters:
            by_length = self._bucket(letter)
            for n in list(by_length):
                _sorted(by_length, n)

    def _bucket(self, letter: str) -> dict[int, set[str] | list[str]]:
        """A letter's words by length, sorted only when a search looks at a length (a one-shot query looks at
        five of them: sorting every word of the letter took a typo's two look-ups ~3 ms)."""
        bucket = self._buckets.get(letter)
        if bucket is None:
            bucket = {}
            for w in self._load(letter):
                same = bucket.get(len(w))
                if same is None:
                    bucket[len(w)] = {w}
                else:
                    same.add(w)  # type: ignore[union-attr]
            self._buckets[letter] = bucket
        return bucket


def _sorted(by_length: dict[int, set[str] | list[str]], n: int) -> list[str]:
    """The words of length ``n``, sorted (and kept so)."""
    words = by_length.get(n)
    if words is None:
        return []
    if isinstance(words, set):
        words = by_length[n] = sorted(words)
    return words
