"""The place reading as it was before it was made faster (main at 6f3b34b), kept as the tests' reference.

:class:`ReferenceGazetteer` scans texts with the plain per-word code of that revision (every pattern
run where it applies, every check in its first order), and :func:`reference_locate` builds each
record's place tree and names afresh.  ``test_locating`` checks that the indexing code reads every
place of real captions exactly as this does.
"""

from __future__ import annotations

import re

from ichigo_search.corpus.record import Record
from ichigo_search.text.analysis import has_cjk
from ichigo_search.vocab.gazetteer import (
    _INSTITUTION_OF_RE,
    _NOT_NAME_OR_COMPASS,
    _NOT_NAME_OR_FEATURE,
    _ORGANISATION_AFTER_RE,
    _WORD_RE,
    MAX_NAME_TOKENS,
    PERSON_TITLES,
    PLACE_AFTER,
    PLACE_BEFORE,
    SAME_PLACE_AFTER,
    Gazetteer,
    _Found,
    compact_key,
)
from ichigo_search.vocab.locating import _KIND_ORDER, Located, _read_place_list, _settled

_ABBREVIATION_RE = re.compile(
    r"(?<=[A-Za-z\])]),\s*((?:[A-Z]\.\s?){2,3}|[A-Z]\.\s?[A-Z][a-z]{1,3}\.|[A-Z][a-z]{1,4}\.|[A-Z]{2}\b)(?=[\s,;:)]|$)"
)
_DOTTED_COUNTRY_RE = re.compile(r"(?<![\w.])(?:[A-Z]\.){2,3}(?!\s*[A-Z(&]|\w)")


class ReferenceGazetteer(Gazetteer):
    """The gazetteer with the caption scan of 6f3b34b."""

    def _scan(self, text: str, require_case: bool) -> list[_Found]:
        keys = self._scan_keys()
        found: list[_Found] = []
        words = list(_WORD_RE.finditer(text))
        texts = [word.group() for word in words]
        word_keys: list[str | None] = [None] * len(words)  # each word's compact key, made once
        count = len(words)
        # Words are looked at for hanzi only in a text that has some.
        han = has_cjk(text)
        # Where a name may start: with case required and no hanzi, only at a capital or a digit.
        capitals = {i for i, word in enumerate(texts) if word[0].isupper() or word[0].isdigit()}
        starts = range(count) if han or not require_case else sorted(capitals)
        free = 0  # words before this one are part of a name found
        for i in starts:
            if i < free:
                continue
            word = texts[i]
            if han and has_cjk(word):
                found.extend(self._find_han(word, words[i].start(), keys))
                free = i + 1
                continue
            if require_case and i not in capitals:
                continue
            sizes: list[int] = []
            key = ""
            for size in range(1, min(MAX_NAME_TOKENS, count - i) + 1):
                at = i + size - 1
                if size > 1:
                    gap = text[words[at - 1].end() : words[at].start()]
                    if gap not in (" ", "-") or (require_case and at not in capitals):
                        break
                part = word_keys[at]
                if part is None:
                    part = word_keys[at] = compact_key(texts[at])
                key += part
                if key in keys:
                    sizes.append(size)
            matched = 0
            for size in reversed(sizes):
                group = words[i : i + size]
                surface = text[group[0].start() : group[-1].end()]
                if not self._accept(text, words, i, size, compact_key(surface), require_case):
                    continue
                options, qualified = self._options(surface, text, group[-1].end())
                if options:
                    found.append((group[0].start(), group[-1].end(), surface, options, qualified))
                    matched = size
                    break
            free = i + (matched or 1)
        if require_case:
            found.extend(self._abbreviated(text, {start for start, *_ in found}))
            found.sort(key=lambda f: f[0])
        return found

    def _abbreviated(self, text: str, taken: set[int]) -> list[_Found]:
        """State abbreviations after a comma ("Melrose, La.", "Washington, D.C."): too short to find as words."""
        found: list[_Found] = []
        for match in _ABBREVIATION_RE.finditer(text):
            start, end = match.span(1)
            if start in taken:
                continue
            provinces = [p for p in self.candidates(match.group(1)) if p.kind == "province"]
            if provinces:
                found.append((start, end, match.group(1), provinces[:1], True))
        for match in _DOTTED_COUNTRY_RE.finditer(text):
            countries = [p for p in self.candidates(match.group()) if p.kind == "country"]
            if countries and match.start() not in taken:
                found.append((match.start(), match.end(), match.group(), countries[:1], True))
        return found

    def _accept(self, text: str, words: list, i: int, size: int, key: str, require_case: bool) -> bool:
        group = words[i : i + size]
        if require_case and not all(w.group()[0].isupper() or w.group()[0].isdigit() for w in group):
            return False
        before = words[i - 1].group().casefold() if i > 0 else ""
        if before in PERSON_TITLES:
            return False
        if not require_case:
            return True
        if self._in_longer_name(text, words, i, size, key):
            return False
        if len(key) > 3 and not self.is_common_word(key):
            return True
        after = words[i + size].group().casefold() if i + size < len(words) else ""
        gap_before = text[words[i - 1].end() : group[0].start()] if i > 0 else ""
        after_comma = i > 0 and gap_before.strip() == "," and words[i - 1].group()[0].isupper()
        return before in PLACE_BEFORE or after in PLACE_AFTER or after_comma

    def _in_longer_name(self, text: str, words: list, i: int, size: int, key: str) -> bool:
        """True when the name is part of a person's, an organisation's or a longer place's name.

        ``George Mitchell``, ``W. W. Lincoln``, ``Indiana Harbor Belt``, ``Pennsylvania shipyards``,
        ``University of Wisconsin``, ``Fort Riley``, ``Transylvania Project``: a place word inside
        a longer proper name is not that place.  Compass words before it (``North Hibbing``) and
        words that keep its kind after it (``Guangxi Province``) do not make another name.
        """
        start, end = words[i].start(), words[i + size - 1].end()
        if _INSTITUTION_OF_RE.search(text[max(0, start - 40) : start]):
            return True
        if _ORGANISATION_AFTER_RE.match(text, end):
            return True
        if i > 0:
            previous = words[i - 1]
            gap = text[previous.end() : start]
            word = previous.group()
            if gap in (". ", ".") and len(word) == 1 and word.isupper():
                return True  # an initial: "J. D. Estes", "W. W. Lincoln"
            if gap == " " and word[0].isupper() and word.casefold() not in _NOT_NAME_OR_COMPASS:
                sentence_start = previous.start() == 0 or text[: previous.start()].rstrip()[-1:] in ".!?:;([\"'"
                if not (sentence_start and self.is_common_word(compact_key(word))):
                    return True
        if i + size < len(words):
            following = words[i + size]
            if text[end : following.start()] == " " and following.group()[0].isupper():
                kinds = {p.kind for p in self.candidates(text[start:end])}
                word = following.group().casefold()
                if word in _NOT_NAME_OR_FEATURE or any(word in SAME_PLACE_AFTER.get(k, ()) for k in kinds):
                    return False
                return not any(p.kind in ("country", "province") for p in self.candidates(word))  # "Kunming China"
        return False


def reference_locate(record: Record, gazetteer: Gazetteer) -> Located:
    """:func:`ichigo_search.vocab.locating.locate` of 6f3b34b: every record's tree and names made afresh."""
    located = Located()
    texts = (("caption", record.caption, located.caption_spans), ("title", record.title or "", located.title_spans))
    # A collection has few place lists (3,740 among the 98,244 FSA/OWI records): each is read once.
    names = record.places
    found, hidden, ambiguous = gazetteer.place_lists.get(names, lambda: _read_place_list(names, gazetteer))
    own = list(found)
    located.hidden.extend(hidden)
    for place, words in own:
        located._add(place, "record", words)
    context = [place for place, _ in own]
    for source, text, spans in texts:
        for mention in gazetteer.find(text, context=context):
            located._add(mention.place, source, mention.text)
            spans.append((mention.start, mention.end, mention.place.id))
    for options, words in ambiguous:  # settled by the places around it, or left as written
        place = _settled(options, located.direct, gazetteer)
        if place is not None:
            located._add(place, "record", words)
            own.append((place, words))
    tree_ids: set[str] = set()
    for place in located.direct:
        for member in [place, *gazetteer.ancestors(place)]:
            if member.id not in tree_ids:
                tree_ids.add(member.id)
                located.tree.append(member)
    # One name a place, place -> county -> province -> country; the record's own spelling where it gave one.
    written = {place.id: words for place, words in own}
    placed = set(written.values()) | set(located.hidden)
    unplaced = [n for n in dict.fromkeys(record.places) if n.strip() and n not in placed]
    ordered = sorted(located.tree, key=lambda p: _KIND_ORDER.get(p.kind, 0))
    located.names = list(dict.fromkeys(unplaced + [written.get(p.id, p.name) for p in ordered]))
    return located
