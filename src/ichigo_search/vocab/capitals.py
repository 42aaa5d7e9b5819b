"""Texts written in capitals or in headline case, recased for reading place names.

The gazetteer reads names by their capitals: a capitalized word may begin a name, a capitalized word
before it makes it part of a person's or a longer name ("George Mitchell"), an ordinary word is a
place only when capitalized (Mobile), and an organisation's word after it is capitalized
("Pennsylvania Railroad").  Captions written all in capitals (the card catalogues and Signal Corps
captions of the period: "B-29 BOMBERS OVER TOKYO, JAPAN") carry none of that evidence, and read as
one long name; so do captions that capitalize every word ("B-29 Bombers Over Tokyo, Japan").
:func:`recased` rewrites such a text as a writer in mixed case would have: words English writes in
lowercase in lowercase, every other word capitalized, and the words of a longer place's name ("SALT
LAKE CITY") or of a landmark's ("SHASTA DAM") capitalized together; the gazetteer then reads the
recased text, whose words are where the original's are.
"""

from __future__ import annotations

from collections.abc import Callable

from ichigo_search.text.analysis import LazyPattern
from ichigo_search.vocab.words import is_english_form

# A text is written in capitals when it has a run of three capitals and no run of three lowercase letters
# ("14TH AIR FORCE", "P-40s AT KWEILIN" are; "Tokyo" is not): two searches in C, the first of which ends
# within a mixed-case text's first word.
# (The patterns are compiled when first used: a query's text never needs them.)
_LOWER_RUN_RE = LazyPattern(r"[a-zß-öø-ÿ]{3}")
_UPPER_RUN_RE = LazyPattern(r"[A-ZÀ-ÖØ-Þ]{3}")
# The generic word of a landmark's, a street's or an institution's name, capitalized after a name as a writer in
# mixed case would, with the words between ("Shasta Dam", "Poteau Creek", "Jefferson Memorial", "Pennsylvania
# Avenue", "Cairns General Hospital"): the name is then the landmark's, not the place's.
NAME_ENDING_WORDS = frozenset(
    """dam dams creek lake lakes memorial monument park bridge canal reservoir cemetery church cathedral temple
    palace castle mountain mountains peak pass falls springs beach forest woods avenue ave street boulevard blvd
    road rd place square highway hospital school college university institute academy hotel company corporation
    building club bank theater theatre authority administration association exposition co corp inc""".split()
)
# Words between a name and such a word that are capitalized with it ("CAIRNS GENERAL HOSPITAL", "GOODYEAR TIRE AND
# RUBBER CO.").
_WORDS_BEFORE_ENDING = 3
# Words of a longer name a writer in mixed case leaves in lowercase ("University of Texas").
_LOWERCASE_IN_NAMES = frozenset("of the and on at in".split())
# Words that begin a name capitalized but are lowercase inside one ("De Land", "La Plata"; "Fond du Lac").
NAME_PARTICLES = frozenset("du de la le les des del della di da von van der den dos das y".split())
# The shortest ordinary word that is part of a longer name ("TO GO" is no Togo).
_SHORTEST_WORD_IN_NAME = 3
# A place's name that is an ordinary word is kept capitalized from this many letters ("MOBILE", not "IN" or "OR").
_SHORTEST_NAME_WORD = 4


# Function words a text in headline case capitalizes after another word ("Trucks On The Ledo Road").
_HEADLINE_FUNCTION_WORDS = frozenset("Of The And In On At To For With From By Near Over".split())
# A text is in headline case when at most this share of its words, of at least this many, start in lowercase.
_HEADLINE_LOWERCASE_SHARE = 0.1
_HEADLINE_WORDS = 4


def in_capitals(text: str) -> bool:
    """Whether ``text`` is written in capitals."""
    return _LOWER_RUN_RE.search(text) is None and _UPPER_RUN_RE.search(text) is not None


def in_headline_case(pieces: list[str]) -> bool:
    """Whether the text cut into ``pieces`` (gaps and words, alternately) capitalizes every word, the function
    words too ("B-29 Bombers Over Tokyo, Japan"). A text in mixed case is told apart within its first words."""
    words = pieces[1::2]
    allowed = len(words) * _HEADLINE_LOWERCASE_SHARE
    if len(words) < _HEADLINE_WORDS:
        return False
    lowercase = 0
    for word in words:
        if word[0].islower():
            lowercase += 1
            if lowercase > allowed:
                return False
    return any(words[k] in _HEADLINE_FUNCTION_WORDS and pieces[2 * k] in (" ", ", ") for k in range(1, len(words)))


def case_tells_nothing(text: str, pieces: list[str]) -> bool:
    """Whether a text's case tells nothing of which of its words are names: written in capitals or in headline
    case (``pieces``: the text cut into gaps and words); such a text is read :func:`recased`."""
    return in_capitals(text) or in_headline_case(pieces)


def recased(
    pieces: list[str],
    is_key: Callable[[str], bool],
    key_of: Callable[[str], str],
    longest_name: int,
    is_abbreviation: Callable[[str], bool],
) -> list[str]:
    """The words and gaps ``pieces`` (gaps at even indexes, words at odd ones) of a text whose case tells nothing,
    recased.

    A word English writes in lowercase is lowercase, unless it is part of a name of several words that
    ``is_key`` knows (``key_of``: a name's look-up key; up to ``longest_name`` words), a place's name itself
    (four letters or more), a word after dotted initials ("U.S. Army"), an abbreviation that
    ``is_abbreviation`` knows after a comma ("CHICAGO, ILL."), or a word of :data:`NAME_ENDING_WORDS` after a
    name, with the words between ("Shasta Dam", "Pennsylvania Avenue", "Cairns General Hospital").  Articles
    and prepositions are lowercase ("of", "the"; "du" inside a name).  Every other word is capitalized;
    initials (``U.S.``, ``D.C``) and a two-letter state after a comma (``, PA``) stay in capitals, and
    numbers are lowercase (``14th``)."""
    words = pieces[1::2]
    count = len(words)
    in_long_name = [False] * count
    i = 0
    while i < count:
        key, size = key_of(words[i]), 0
        at = i + 1
        while at < min(count, i + longest_name) and pieces[2 * at] in (" ", "-"):
            key += key_of(words[at])
            at += 1
            if is_key(key) and all(_may_be_in_name(word) for word in words[i:at]):
                size = at - i
        for k in range(i, i + size):
            in_long_name[k] = True
        i += size or 1
    out = list(pieces)
    for k, word in enumerate(words):
        before = pieces[2 * k]
        after = pieces[2 * k + 2] if 2 * k + 2 < len(pieces) else ""
        folded = word.lower()
        if not word[0].isalpha():
            new = folded  # "14th"
        elif (len(word) == 1 and after.startswith(".")) or (
            len(word) == 2
            and before.rstrip().endswith(",")
            and (k == count - 1 or after.lstrip()[:1] in (",", ";", ")"))
        ):
            new = word  # initials, and a state's postal code: "HARRISBURG, PA"; not "ITS BEDROOM, IN THE HOUSE"
        elif (
            folded in _LOWERCASE_IN_NAMES
            or (len(word) == 1 and not (before == "." and k and len(words[k - 1]) == 1))  # "a"; not "D.C"
            or (folded in NAME_PARTICLES and k and before == " " and out[2 * k - 1][0].isupper())
        ):
            new = folded
        elif (
            in_long_name[k]
            or not is_english_form(folded)
            or (len(word) >= _SHORTEST_NAME_WORD and is_key(key_of(word)))
            or (before.rstrip().endswith(",") and after.startswith(".") and is_abbreviation(key_of(word)))
            or (k and before == ". " and len(words[k - 1]) == 1 and pieces[2 * k - 2] == ".")  # "U.S. Army"
        ):
            new = word[0] + folded[1:]
        else:
            new = folded
        out[2 * k + 1] = new if len(new) == len(word) else word
        if folded in NAME_ENDING_WORDS:
            _capitalize_name_ending(out, k)
    return out


def _may_be_in_name(word: str) -> bool:
    """Whether a word of a text in capitals may be part of a longer name: not an ordinary word of one or two
    letters."""
    folded = word.lower()
    return (
        folded in _LOWERCASE_IN_NAMES
        or folded in NAME_PARTICLES
        or len(word) >= _SHORTEST_WORD_IN_NAME
        or not is_english_form(folded)
    )


def _capitalize_name_ending(out: list[str], k: int) -> None:
    """Capitalize word ``k`` of ``out`` (recased so far), and the lowercase words before it, when a capitalized word
    comes at most _WORDS_BEFORE_ENDING words before it, each after a space ("Cairns General Hospital")."""
    for j in range(k - 1, max(-1, k - 2 - _WORDS_BEFORE_ENDING), -1):
        if out[2 * j + 2] != " ":
            return
        word = out[2 * j + 1]
        if word[0].isupper():
            for m in range(j + 1, k + 1):  # "Wilson Cedar Forest"
                out[2 * m + 1] = out[2 * m + 1][0].upper() + out[2 * m + 1][1:]
            return
        if not word[0].isalpha():
            return
