"""The vocabulary of the period: synonyms, abbreviations, near synonyms, ordinals, place aliases.

Entries come from the built-in ``data/vocabulary.yaml`` and a corpus's own
``thesaurus.yaml`` (same sections).  Each form is reduced to the sequence of
folded, unstemmed tokens the analyzer makes of it, so ``Lt.``, ``LT`` and ``lt``
are one entry and ``World War II`` matches three query words.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ichigo_search.text.analysis import analyze, sequence

BUILTIN = Path(__file__).resolve().parents[1] / "data" / "vocabulary.yaml"
SECTIONS = ("synonyms", "abbreviations", "related", "places")
SYNONYM_WEIGHT = 1.0
RELATED_WEIGHT = 0.25
MAX_ENTRY_TOKENS = 6

_UNITS = "first second third fourth fifth sixth seventh eighth ninth".split()
_TEENS = "tenth eleventh twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth".split()
_TENS = "twent thirt fort fift sixt sevent eight ninet".split()
_CARDINAL_UNITS = "one two three four five six seven eight nine".split()


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


def ordinal_suffix(n: int) -> str:
    """``1`` -> ``1st``, ``12`` -> ``12th``, ``22`` -> ``22nd``."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def token_key(text: str) -> tuple[str, ...]:
    """The folded token sequence that stands for a form in look-ups."""
    return tuple(t.text for t in sequence(analyze(text, stemming=False)))


@dataclass
class Thesaurus:
    """Compiled entries: token sequence -> alternative forms with weights."""

    entries: dict[tuple[str, ...], dict[str, float]] = field(default_factory=dict)
    place_aliases: dict[str, list[str]] = field(default_factory=dict)

    def add_group(self, forms: list[str], weight: float) -> None:
        """Make every form of a group find every other."""
        forms = [str(f) for f in forms if str(f).strip()]
        for form in forms:
            key = token_key(form)
            if not key or len(key) > MAX_ENTRY_TOKENS:
                continue
            alternatives = self.entries.setdefault(key, {})
            for other in forms:
                if other != form:
                    alternatives[other] = max(alternatives.get(other, 0.0), weight)

    def add_abbreviation(self, short: str, longs: list[str]) -> None:
        """A short form finds its long forms and each long form finds the short one."""
        for long in longs:
            self.add_group([short, long], SYNONYM_WEIGHT)

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

    def lookup(self, key: tuple[str, ...]) -> dict[str, float]:
        return self.entries.get(key, {})


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
    return problems


@lru_cache(maxsize=8)
def _builtin() -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(BUILTIN.read_text(encoding="utf-8"), Loader=loader) or {}


def _ordinals(thesaurus: Thesaurus) -> None:
    for n in range(1, 101):
        thesaurus.add_group([ordinal_suffix(n), ordinal_words(n)], SYNONYM_WEIGHT)


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
    _ordinals(thesaurus)
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
    for source in (BUILTIN, package / "vocab" / "thesaurus.py", package / "text" / "analysis.py"):
        digest.update(source.read_bytes())
    return user_cache_path(APP_NAME) / f"thesaurus-{digest.hexdigest()}.pickle"


def load(extra: dict[str, Any] | None = None) -> Thesaurus:
    """The built-in vocabulary plus a corpus's own thesaurus mapping (cached)."""
    import json

    return _compiled(json.dumps(extra, sort_keys=True) if extra else "")
