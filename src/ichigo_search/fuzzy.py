"""Edit distance for typo tolerance (optimal string alignment: a swap of two letters is one edit)."""

from __future__ import annotations


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein (OSA) distance between ``a`` and ``b``, or ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def allowed_edits(word: str) -> int:
    """Edits tolerated for a word of this length: none for short words, then 1, then 2."""
    n = len(word)
    if n < 5 or not word.isalpha():
        return 0
    return 1 if n < 8 else 2
