"""Query syntax: words, "phrases", -exclusions, OR, field:value and year ranges.

Parsing never raises: malformed syntax (an unbalanced quote, a lone ``-``, an
unknown field, control characters, a huge query) falls back to plain words.
The parsed query is plain data: :mod:`ichigo_search.query.plan` turns it into
query trees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ichigo_search.text.dates import parse_year_filter

MAX_QUERY_CHARS = 1000
# Words (and phrases) searched; the rest of a longer query is dropped. Descriptions run long: at 32,
# 70 of CISI's 112 queries lost words, and nDCG@10 fell (CISI 0.364 at 64, 0.339 at 48, 0.322 at 32).
MAX_CLAUSES = 64
# Fields searched for the several-word forms a query word expands to (World War II, New York).
PHRASE_FIELDS = ("title", "caption", "places")
# Query field names users type, mapped to index fields.
FIELD_NAMES = {
    "title": "title",
    "caption": "caption",
    "place": "places",
    "places": "places",
    "photographer": "photographer",
    "by": "photographer",
}
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_FIELD_RE = re.compile(r"([A-Za-z]+):(?=\S)")
# Characters that end a word in unquoted text (hyphens, apostrophes and dots stay inside).
_WORD_SPLIT_RE = re.compile(r"[^\w\-\u2010\u2011'\u2019.]+")


@dataclass
class Unit:
    """One word or quoted phrase as typed, optionally limited to one field."""

    text: str
    phrase: bool = False
    field: str | None = None


@dataclass
class Clause:
    """Alternatives joined by OR; negated, required (phrases, fields) or soft (words)."""

    units: list[Unit]
    negated: bool = False
    required: bool = False


@dataclass
class ParsedQuery:
    """The structure of a query string."""

    text: str
    clauses: list[Clause] = field(default_factory=list)
    years: tuple[int, int] | None = None


def _raw_tokens(text: str):
    """Yield (text, quoted, negated, field, is_operator) from a query string."""
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = False
        if text[i] == "-" and i + 1 < n and not text[i + 1].isspace():
            negated, i = True, i + 1
        fieldname = None
        match = _FIELD_RE.match(text, i)
        if match and (match.group(1).lower() in FIELD_NAMES or match.group(1).lower() == "year"):
            fieldname, i = match.group(1).lower(), match.end()
        if text[i] == '"':
            close = text.find('"', i + 1)
            if close == -1:  # unbalanced quote: the rest is plain words
                for word in text[i + 1 :].split():
                    yield word, False, False, None
                return
            yield text[i + 1 : close], True, negated, fieldname
            i = close + 1
            continue
        end = i
        while end < n and not text[end].isspace():
            end += 1
        yield text[i:end], False, negated, fieldname
        i = end


def parse(text: str) -> ParsedQuery:
    """Parse a query string; anything that is not valid syntax becomes plain words."""
    cleaned = _CONTROL_RE.sub(" ", text or "")[:MAX_QUERY_CHARS]
    parsed = ParsedQuery(text=text)
    pending_or = False
    negate_next = False
    for raw, quoted, negated, fieldname in _raw_tokens(cleaned):
        if not quoted and fieldname is None:
            if raw == "OR":
                pending_or = bool(parsed.clauses)
                continue
            if raw == "AND":
                continue
            if raw == "NOT":
                negate_next = True
                continue
        negated = negated or negate_next
        negate_next = False
        if fieldname == "year":
            years = parse_year_filter(raw)
            if years:
                parsed.years = years
                continue
            fieldname = None
        target = FIELD_NAMES.get(fieldname) if fieldname else None
        if quoted or target:
            units = [Unit(raw, phrase=quoted, field=target)] if raw.strip() else []
        else:
            units = [Unit(word) for word in _WORD_SPLIT_RE.split(raw) if word.strip("-.'\u2019")]
        for index, unit in enumerate(units):
            required = unit.phrase or unit.field is not None
            if pending_or and index == 0 and not negated and not parsed.clauses[-1].negated:
                parsed.clauses[-1].units.append(unit)
                parsed.clauses[-1].required = parsed.clauses[-1].required and required
            else:
                parsed.clauses.append(Clause([unit], negated=negated, required=required))
            pending_or = False
        if len(parsed.clauses) >= MAX_CLAUSES:
            break
    parsed.clauses = parsed.clauses[:MAX_CLAUSES]
    return parsed
