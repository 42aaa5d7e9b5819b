"""Query expansion: every way a caption may say what a query word means.

A run of query words is cut into groups, longest first: a phrase the thesaurus
knows (``World War II``), a place the gazetteer knows (``Ping Yang``), two words
the index knows joined (``foot bridge`` -> ``footbridge``), or one word.  Each
group matches its own words, its synonyms and abbreviations, the words of the
period or of today it bridges to (``African American`` -> *Negro*), the place it
names in any spelling, its open or closed compound, and, for a word the index has
never seen, its nearest spellings (typos).  A run of Chinese or Japanese, written
without spaces, is first cut into words (:meth:`Expander.words`), and a word of a
dictionary also matches its English glosses (*机场*: airport, airfield).  Alternatives carry weights, so the
words typed rank a little above their variants.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Protocol

from ichigo_search.document import CAPTION_FIELD, PLACE_IDS
from ichigo_search.query.syntax import Unit
from ichigo_search.ranking import DEFAULT
from ichigo_search.text.analysis import STOP_WORDS, Term, analyze, fold, has_cjk, is_cjk, sequence
from ichigo_search.text.dictionary import Dictionary, cut, dictionary
from ichigo_search.text.spelling import allowed_edits
from ichigo_search.vocab.gazetteer import BARE_CITY_POPULATION, Gazetteer, Place, compact_key
from ichigo_search.vocab.thesaurus import SYNONYM_WEIGHT, Thesaurus, exact_form, token_key, word_keys

PLACE_WEIGHT = 0.9
COMPOUND_WEIGHT = 0.9
KNOWN_COMPOUND_WEIGHT = 0.4
# Given to each of the two words a closed compound joins: weak, because a description of two words
# ("high speed") is rarely the compound; measured on Cranfield/CISI (0.5: 0.516/0.315, 0.3: 0.525/0.322).
JOIN_WEIGHT = 0.3
TYPO_WEIGHT = 0.6
# A word the index holds in at most RARE_WORD captions is also matched to spellings at least POPULAR_RATIO
# times as common: a caption's own typo (*Marlyand*) is no reason to miss the *Maryland* a reader meant.
# Chosen a priori: the known-item set's tune half (benchmarks/known_items.py) scores RARE_WORD 1-10 and
# POPULAR_RATIO 20-100 alike (typo class MRR@10 0.619); at 3 and 50, dev, dev + FSA/OWI, Cranfield and CISI
# score 1.000 / 0.925 / 0.547 / 0.384 (0.546 before on Cranfield).
RARE_WORD = 3
POPULAR_RATIO = 50
# A place name of several words also matches captions holding its words apart, scored as the words typed alone
# times APART_WEIGHT, divided among them as a phrase is: at 1.0 the words of "Bradford County" apart outranked
# the county's own captions; for synonyms and bridges too, the topical set fell 0.913 -> 0.841.
APART_WEIGHT = 0.5
MAX_GROUP_WORDS = 6
MAX_PLACE_CANDIDATES = 6
# A Chinese or Japanese word's English glosses, each scored as the word typed would be: a translation is the word.
TRANSLATION_WEIGHT = 1.0
# The last word of a main gloss of several (*land mine*: mine; *pontoon bridge*: bridge), the kind of thing the gloss
# is: a near synonym, as the captions may name it by its kind alone ("mines removed from the air strip").
GLOSS_HEAD_WEIGHT = 0.5
MAX_TYPO_CANDIDATES = 3
# A query word of one character (*火*, *摘*) is translated by its commonest senses only: a character has many (*火*:
# fire, urgent, ammunition, hot...). The topical set's chinese class scores 1, 2, 3 and 4 alike but 1 (0.558 / 0.569
# / 0.568 / 0.568): three keep *炸*'s "explode" beside "deep fry" and "burst".
CHARACTER_GLOSSES = 3


class Vocabulary(Protocol):
    """What the index knows: folded words and their document frequencies."""

    def frequency(self, form: str) -> int: ...

    def doc_frequency(self, field: str, text: str) -> int: ...

    def doc_count_all(self) -> int: ...

    def near(self, form: str, max_distance: int) -> list[tuple[str, int]]: ...


@dataclass
class Alternative:
    """One way to match a group: words (a phrase when ``phrase``) or a place id."""

    weight: float
    text: str | None = None
    phrase: bool = False
    place: str | None = None
    tree: bool = False
    # Near synonyms are not the word itself: they do not make a caption "match every word".
    core: bool = True
    # The word as written only (a bridge form marked "="): not the other words of its stem.
    exact: bool = False
    # The words of ``text`` anywhere in a caption, where they do not stand together (a group's words apart).
    apart: bool = False


@dataclass
class Group:
    """Query words that stand together, and every alternative way to match them."""

    units: list[Unit]
    alternatives: list[Alternative] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    correction: str | None = None

    @property
    def text(self) -> str:
        return " ".join(u.text for u in self.units)

    @property
    def is_stopword(self) -> bool:
        return len(self.units) == 1 and fold(self.units[0].text.strip(".'")) in STOP_WORDS


@dataclass
class Expander:
    """Builds groups from query words with the thesaurus, the gazetteer and the index vocabulary."""

    thesaurus: Thesaurus
    gazetteer: Gazetteer | None
    vocabulary: Vocabulary | None = None
    # Ranking.bridge_weight: how a bridged term scores against the words typed (0: no bridges).
    bridge_weight: float = DEFAULT.bridge_weight
    # The Chinese and Japanese words and their English glosses (None: the package's, opened when first asked).
    cjk_words: Dictionary | None = None

    def words(self, units: list[Unit]) -> list[Unit]:
        """The query's words, each run of Chinese or Japanese cut into the words it is written with (*柳州机场*:
        *柳州*, *机场*): the dictionary's, the gazetteer's places and the vocabulary's forms, longest first."""
        if not any(has_cjk(u.text) for u in units):
            return units
        cut_units: list[Unit] = []
        for unit in units:
            if has_cjk(unit.text) and all(is_cjk(c) for c in unit.text) and not self._is_word(unit.text):
                pieces = cut(unit.text, self._is_word)
                # A particle the dictionary knows (から, "from"; まで) is left out as a lone character is.
                cut_units += [Unit(p) for p in [p for p in pieces if not self._function_word(p)] or pieces]
            else:
                cut_units.append(unit)
        return cut_units

    def _function_word(self, text: str) -> bool:
        """A word whose main gloss is English function words only (から: from, since...)."""
        glosses = self._dictionary().glosses(text)
        return bool(glosses) and _function_words(glosses[0])

    def _is_word(self, text: str) -> bool:
        """Whether a run of CJK is a word: the vocabulary's, a place's name, or the dictionary's (opened last: a
        query of a place or a campaign name never opens it)."""
        return (
            bool(self.thesaurus.lookup(token_key(text)))
            or (self.gazetteer is not None and bool(self.gazetteer.candidates(text)))
            or text in self._dictionary()
        )

    def _dictionary(self) -> Dictionary:
        if self.cjk_words is None:
            self.cjk_words = dictionary()
        return self.cjk_words

    def expand(self, units: list[Unit]) -> list[Group]:
        """Cut a run of plain query words into groups, longest match first."""
        keys = [token_key(u.text) for u in units]
        words = [word_keys(u.text) for u in units]
        groups: list[Group] = []
        i = 0
        while i < len(units):
            group = None
            for j in range(min(len(units), i + MAX_GROUP_WORDS), i + 1, -1):
                stems, folded = (sum(side, ()) for side in zip(*words[i:j], strict=True))
                # A run that starts or ends with a stop word is not a bridged term ("the homeless").
                bridged = self._bridged(stems, folded) if words[i][0] and words[j - 1][0] else []
                group = self._multiword(units[i:j], sum(keys[i:j], ()), bridged)
                if group is not None:
                    break
            if group is None:
                group = self._single(units[i], keys[i], self._bridged(*words[i]))
            groups.append(group)
            i += len(group.units)
        self._add_joins(groups)
        return groups

    def _add_joins(self, groups: list[Group]) -> None:
        """``foot bridge`` also finds *footbridge*: each of the two words accepts the joined form.

        The words stay separate groups, so captions that use them apart still match both.
        """
        for left, right in pairwise(groups):
            if len(left.units) == 1 and len(right.units) == 1:
                joined = self._joined(left.units + right.units)
                if joined:
                    left.alternatives.append(Alternative(JOIN_WEIGHT, text=joined))
                    right.alternatives.append(Alternative(JOIN_WEIGHT, text=joined))

    # -- groups -----------------------------------------------------------

    def _multiword(self, units: list[Unit], key: tuple[str, ...], bridged: list[str]) -> Group | None:
        text = " ".join(u.text for u in units)
        synonyms = self.thesaurus.lookup(key, dotted=units[-1].text.endswith("."))
        places = self._places(text, units)
        if not (synonyms or places or bridged):
            return None
        group = Group(units, [Alternative(1.0, text=text, phrase=True)])
        self._add_synonyms(group, synonyms)
        self._add_bridges(group, bridged)
        self._add_places(group, places)
        if places and not (synonyms or bridged):
            # A place's words typed, wherever a caption has them: "Bradford County" is also *near Bradford,
            # Vermont. Orange County*, as if the words had not been read as one name.
            group.alternatives.append(Alternative(APART_WEIGHT, text=text, apart=True))
        return group

    def _single(self, unit: Unit, key: tuple[str, ...], bridged: list[str]) -> Group:
        group = Group([unit], [Alternative(1.0, text=unit.text, exact=key in self.thesaurus.exact)])
        synonyms = self.thesaurus.lookup(key, dotted=unit.text.endswith("."))
        self._add_synonyms(group, synonyms)
        self._add_bridges(group, bridged)
        places = self._places(unit.text, [unit])
        cjk = has_cjk(unit.text)
        if cjk and places and not any(map(self._well_known, places)) and self._dictionary().glosses(unit.text):
            places = []  # a word of the dictionary more than a small town's name (洪水 a flood, not Hongshui)
        self._add_places(group, places)
        translated = cjk and not (synonyms or bridged or places) and self._add_translations(group, unit)
        known = self._known(fold(unit.text))  # first: an engine may count the word's halves in the same request
        split = self._split(unit)
        if split:
            # A word the index knows is most likely meant as written.
            weight = KNOWN_COMPOUND_WEIGHT if known else COMPOUND_WEIGHT
            group.alternatives.append(Alternative(weight, text=split, phrase=True))
        if not (synonyms or bridged or translated or self._finds_place(places, known)):
            # Also with a split: "outsdie" is "outs die" as much as "outside".
            self._add_typos(group, unit)
        return group

    def _add_translations(self, group: Group, unit: Unit) -> bool:
        """A Chinese or Japanese word's other forms (a caption in the other script) and English glosses (captions of
        the period are mostly in English); whether it has glosses."""
        glosses, variants = self._dictionary().entry(unit.text)
        group.alternatives += [Alternative(1.0, text=variant) for variant in variants]
        # Each gloss with its own synonyms (*airfield*: air base, airstrip), each form once at its best weight.
        glosses = [gloss for gloss in glosses if not _function_words(gloss)]
        if len(unit.text) == 1:  # a character alone has many senses: its commonest only (火: fire, not urgent, hot)
            glosses = glosses[:CHARACTER_GLOSSES]
        forms: dict[str, float] = {}
        for gloss in glosses:
            forms.setdefault(gloss, TRANSLATION_WEIGHT)
            for form, weight in self.thesaurus.lookup(token_key(gloss)).items():
                forms[form] = max(forms.get(form, 0.0), TRANSLATION_WEIGHT * weight)
        # A gloss that names a place (墨西哥: Mexico) finds it in any spelling, as the name typed in English would.
        named = set()
        for gloss in glosses:
            places = self._places(gloss, [Unit(gloss)]) if gloss[:1].isupper() else []
            if places:
                self._add_places(group, [p for p in places if p not in group.places])
                named.add(gloss)
        # The kind a main gloss of several words names (land mine: mine; American Indians: Indians), unless it is a
        # place's name (West Virginia is no Virginia) or the gloss a character's (炸, "deep fry": no fry).
        if glosses and " " in glosses[0] and glosses[0] not in named and len(unit.text) > 1:
            head = glosses[0].split()[-1]
            if fold(head) not in STOP_WORDS:
                forms.setdefault(head, GLOSS_HEAD_WEIGHT)
        self._add_synonyms(group, forms)
        # And the words of the period or of today a gloss bridges to (公共住房, public housing: housing project).
        for gloss in glosses:
            self._add_bridges(group, [f for f in self._bridged(*word_keys(gloss)) if f not in forms], gloss)
        return bool(glosses)

    def _finds_place(self, places: list[Place], known: int) -> bool:
        """Whether a word read as places is meant as them: a name some caption says in any spelling, or a place
        too well known to be a slip (a country, a province, a region, a city of BARE_CITY_POPULATION people).

        *Chun* (a town in China) typed for *Chunk*, a word the index lacks (``known`` 0) naming a place no caption
        names, is corrected like any unknown word; *Chungking* in a collection without it is not (it was "Did you
        mean: Changqing?").
        """
        if not places or self.vocabulary is None or known:
            return bool(places)
        return any(self._well_known(p) or self._named(p) for p in places)

    @staticmethod
    def _well_known(place: Place) -> bool:
        """A place too well known to be another word's slip or reading: a country, a province, a region, a city of
        BARE_CITY_POPULATION people."""
        return place.kind != "city" or place.population >= BARE_CITY_POPULATION

    def _add_synonyms(self, group: Group, synonyms: dict[str, float]) -> None:
        for form, weight in synonyms.items():
            text, exact = exact_form(form)
            core = weight >= SYNONYM_WEIGHT
            group.alternatives.append(Alternative(weight, text=text, phrase=True, core=core, exact=exact))

    # -- bridges ------------------------------------------------------------

    def _bridged(self, stems: tuple[str, ...], folded: tuple[str, ...]) -> list[str]:
        return self.thesaurus.bridged(stems, folded) if self.bridge_weight > 0 else []

    def _add_bridges(self, group: Group, forms: list[str], typed_text: str | None = None) -> None:
        """The terms a group bridges to: as good as the words typed ("every word"), scored a little below them.

        Each scores ``bridge_weight`` times what the words typed (``typed_text``: the group's, or a translation's)
        would, and no more than that when it is rarer than they are: a rare modern phrase found for a common period
        word ranks below the word.
        """
        typed = self._rarity(typed_text or group.text)
        # A form the group already holds is not added again: an Or sums its parts, so it would count twice (the
        # typed words' synonyms, another gloss's bridges, another bridged form's synonyms).
        held = {a.text for a in group.alternatives if a.text and not a.apart}
        for form in forms:
            text, exact = exact_form(form)
            rarity = self._rarity(text)
            weight = self.bridge_weight * (min(1.0, typed / rarity) if typed and rarity else 1.0)
            # and its own names (a campaign's in Chinese and Japanese: Ichigo, 一号作戦), at its weight
            synonyms = {} if exact else self.thesaurus.lookup(token_key(text))
            names = [form] + [o for o, w in synonyms.items() if w >= SYNONYM_WEIGHT and o not in forms]
            for name_text, name_exact in map(exact_form, names):
                if name_text not in held:
                    held.add(name_text)
                    group.alternatives.append(Alternative(weight, text=name_text, phrase=True, exact=name_exact))

    def _rarity(self, text: str) -> float | None:
        """The mean idf of a text's words in the index (as BM25 weighs them); None without an index."""
        if self.vocabulary is None:
            return None
        documents = self.vocabulary.doc_count_all()
        words = [t.text for t in sequence(analyze(text, stemming=False)) if t.text not in STOP_WORDS]
        if not documents or not words:
            return None
        return sum(math.log(documents / (self._known(w) + 1)) + 1 for w in words) / len(words)

    def _add_places(self, group: Group, places: list[Place]) -> None:
        # Captions naming the place in any spelling; places inside it only through --place,
        # so "Guangxi" ranks what says Guangxi, not every caption of Liuzhou.
        for place in places:
            group.places.append(place)
            group.alternatives.append(Alternative(PLACE_WEIGHT, place=place.id))

    # -- places -------------------------------------------------------------

    def place_ids(self, name: str) -> list[str]:
        """Ids of the places a name (any spelling, any case) means, for filters, with their namesakes (as
        :meth:`_places`: *Xianggang*, the city, also filters by the territory of Hong Kong)."""
        if self.gazetteer is None:
            return []
        if has_cjk(name):
            places = [m.place for m in self.gazetteer.find(name, require_case=False)]
        else:
            candidates = self.gazetteer.resolve(name)
            places = [p for p in candidates if p.tier == candidates[0].tier][:MAX_PLACE_CANDIDATES]
        namesakes = (self.gazetteer.namesake(place) for place in places)
        return list(dict.fromkeys([p.id for p in places] + [n.id for n in namesakes if n is not None]))

    def _places(self, text: str, units: list[Unit]) -> list[Place]:
        """Places a query phrase names: every equally preferred reading of an ambiguous name, and the namesake of
        each (Chongqing the city and the province: captions read the one or the other)."""
        places = self._readings(text, units)
        namesakes = (self.gazetteer.namesake(place) for place in places)
        return places + [n for n in namesakes if n is not None and n not in places]

    def _readings(self, text: str, units: list[Unit]) -> list[Place]:
        if self.gazetteer is None:
            return []
        if has_cjk(text):
            mentions = self.gazetteer.find(text, require_case=False)
            covered = sum(m.end - m.start for m in mentions)
            han = sum(1 for c in text if is_cjk(c))
            return [m.place for m in mentions] if mentions and covered >= han - 1 else []
        key = compact_key(text)
        if len(key) < 3:
            return []
        capitalized = all(u.text[:1].isupper() for u in units)
        if (len(key) <= 3 or self.gazetteer.needs_context(key)) and not capitalized:
            return []
        candidates = self.gazetteer.candidates(text)
        if not candidates:
            return []
        best_tier = candidates[0].tier
        return [p for p in candidates if p.tier == best_tier][:MAX_PLACE_CANDIDATES]

    # -- compounds and typos --------------------------------------------------

    def _known(self, form: str) -> int:
        return self.vocabulary.frequency(form) if self.vocabulary is not None and form else 0

    def _inflects_known(self, stems: list[Term]) -> bool:
        """True when a word's one stem (``stems``: its analysis) is in more than ``RARE_WORD`` captions: a real
        word, however rare its form."""
        return (
            self.vocabulary is not None
            and len(stems) == 1
            and self.vocabulary.doc_frequency(CAPTION_FIELD, stems[0].text) > RARE_WORD
        )

    def _named(self, place: Place) -> int:
        """Captions naming a place in any spelling; without an index, its population (to prefer the larger)."""
        if self.vocabulary is None:
            return place.population
        return self.vocabulary.doc_frequency(PLACE_IDS, place.id)

    def _joined(self, units: list[Unit]) -> str | None:
        """``foot bridge`` -> ``footbridge`` when the index has the closed form."""
        parts = [fold(u.text) for u in units]
        if not all(p.isalpha() for p in parts):
            return None
        joined = "".join(parts)
        return joined if self._known(joined) else None

    def _split(self, unit: Unit) -> str | None:
        """``airstrip`` -> ``air strip`` when the index has both halves and not the word itself."""
        word = fold(unit.text)
        if self.vocabulary is None:
            return None
        best: tuple[int, str] | None = None
        for left, right in halves(word):
            score = min(self._known(left), self._known(right))
            if score and (best is None or score > best[0]):
                best = (score, f"{left} {right}")
        return best[1] if best else None

    def _add_typos(self, group: Group, unit: Unit) -> None:
        """Nearest spellings in the index and the gazetteer, for a word the index lacks or holds only rarely.

        A rare word (in at most ``RARE_WORD`` captions) is matched as typed and, below it, to the spellings
        ``POPULAR_RATIO`` times as common as it is.
        """
        word = fold(unit.text)
        edits = allowed_edits(word)
        known = self._known(word)
        stems = analyze(unit.text)
        if not edits or known > RARE_WORD or any(t.pos > 0 for t in stems):
            return
        # Nearest first, then the spelling that finds the most captions: an index word by the captions holding
        # it, a place of the gazetteer the index lacks as a word by the captions naming it in another spelling
        # (not by its population: a town of millions is no likelier meant than a word of the captions).
        scored: list[tuple[int, int, str, str]] = []  # distance, -captions found, form, display
        if self.vocabulary is not None:
            for form, distance in self.vocabulary.near(word, edits):
                scored.append((distance, -self._known(form), form, form))
        if self.gazetteer is not None:
            indexed = {form: i for i, (_, _, form, _) in enumerate(scored)}  # their places are added with them
            for key, distance in self.gazetteer.near_keys(compact_key(word), edits):
                places = self.gazetteer.candidates(key)
                if places and key in indexed:  # one alternative a form, shown as the place's name
                    scored[indexed[key]] = (*scored[indexed[key]][:3], places[0].name)
                elif places:
                    scored.append((distance, -self._named(places[0]), key, places[0].name))
        if known:
            scored = [s for s in scored if self._known(s[2]) >= POPULAR_RATIO * known]
        scored.sort()
        for distance, _, form, display in scored[:MAX_TYPO_CANDIDATES]:
            group.alternatives.append(Alternative(TYPO_WEIGHT / distance, text=form))
            places = self._places(display, [Unit(display)])
            for place in places[:1]:
                group.places.append(place)
                group.alternatives.append(Alternative(TYPO_WEIGHT / distance, place=place.id))
        # In the case typed: "Valian" -> "Valiant", "montanna" -> "montana"; a rare form of a word the captions
        # hold ("swamps" beside "swamp") is still matched with its neighbours but not called a misspelling.
        if scored and not self._inflects_known(stems):
            display = scored[0][3]
            group.correction = display[:1].upper() + display[1:] if unit.text[:1].isupper() else display.lower()


def _function_words(text: str) -> bool:
    """Whether a text is English stop words only (*from*, *out of*)."""
    return all(fold(word) in STOP_WORDS for word in text.split())


def halves(word: str) -> list[tuple[str, str]]:
    """The ways a folded word may split into two known words (``airstrip``: ``air strip``…), none if too short."""
    if len(word) < 6 or not word.isalpha():
        return []
    return [(word[:cut], word[cut:]) for cut in range(3, len(word) - 2)]
