"""Caption records: the fields, their validation, and their content hash.

Validation is strict and explains itself: a value of the wrong type, a
control character, an unpaired surrogate or an absurd size is reported (with
the limit) instead of being indexed.  Limits: a caption up to
MAX_CAPTION_CHARS characters (real captions run to a few thousand; a longer
one is almost always a whole document pasted by mistake), other text fields
and each place name up to MAX_TEXT_CHARS, unknown fields up to
MAX_EXTRA_CHARS characters in all and MAX_DEPTH levels of nesting.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ichigo_search.corpus.fields import with_own_names
from ichigo_search.corpus.formats import quoted
from ichigo_search.text.dates import year_range
from ichigo_search.util.memo import Remembered

TEXT_FIELDS = ("title", "date", "photographer", "source", "collection")
KNOWN_FIELDS = ("id", "caption", "places", *TEXT_FIELDS)
MAX_ID_LENGTH = 200
MAX_CAPTION_CHARS = 100_000
MAX_TEXT_CHARS = 10_000
MAX_EXTRA_CHARS = 100_000
MAX_DEPTH = 32
# C0 controls but tab, newline and carriage return; DEL; C1 controls (often
# Windows-1252 text decoded as Latin-1); unpaired surrogates (JSON "\ud800").
_BAD_CHAR_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


# The years of each date (a few hundred distinct among the 98,244 FSA/OWI records).
_YEARS: Remembered[tuple[int, int] | None] = Remembered(4_096)


@dataclass(frozen=True)
class Record:
    """One photograph's caption and what is known about it."""

    id: str
    caption: str
    title: str | None = None
    places: tuple[str, ...] = ()
    date: str | None = None
    photographer: str | None = None
    source: str | None = None
    collection: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def years(self) -> tuple[int, int] | None:
        """The year range the free-text date covers, if it names a year (remembered per date: dates recur)."""
        date = self.date
        return _YEARS.get(date, lambda: year_range(date)) if date else None

    def to_dict(self) -> dict[str, Any]:
        """The record as the corpus would write it (unknown fields kept)."""
        data: dict[str, Any] = {"id": self.id}
        if self.title is not None:
            data["title"] = self.title
        data["caption"] = self.caption
        if self.places:
            data["places"] = list(self.places)
        for name in TEXT_FIELDS[1:]:
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        data.update(self.extra)
        return data

    @cached_property
    def content_hash(self) -> str:
        """A digest of every field: equal hashes mean nothing to re-index."""
        payload = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.blake2b(payload.encode("utf-8"), digest_size=16).hexdigest()


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (bytes, bytearray)):
        return "binary data"
    if isinstance(value, (set, frozenset)):
        return "a set"
    if value is None:
        return "nothing"
    return type(value).__name__


def bad_character(text: str) -> str | None:
    """Why ``text`` cannot be indexed as text (a control character, an unpaired surrogate), or None."""
    match = _BAD_CHAR_RE.search(text)
    if match is None:
        return None
    char = match.group()
    where = f"at character {match.start() + 1}"
    if char == "\x00":
        return f"contains a NUL character ({where})"
    if "\ud800" <= char <= "\udfff":
        return f"contains an unpaired surrogate U+{ord(char):04X} ({where}); the text is not valid Unicode"
    hint = " (text decoded from Windows-1252 as Latin-1?)" if "\x80" <= char <= "\x9f" else ""
    return f"contains the control character U+{ord(char):04X} ({where}){hint}"


def _blank(text: str) -> bool:
    """True when ``text`` holds nothing visible: whitespace and invisible format characters only."""
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in text)


class TooBig(Exception):
    pass


def to_plain(value: Any, budget: list[int], depth: int = 0) -> Any:
    """Make YAML's dates and nested values JSON-friendly, within the size and depth limits.

    Raises ValueError naming what cannot be stored, TooBig past the limits.
    """
    if depth > MAX_DEPTH:
        raise TooBig(f"is nested more than {MAX_DEPTH} levels deep")
    budget[0] -= 1
    if budget[0] < 0:
        raise TooBig(f"is longer than {MAX_EXTRA_CHARS:,} characters")
    if isinstance(value, str):
        budget[0] -= len(value)
        if budget[0] < 0:
            raise TooBig(f"is longer than {MAX_EXTRA_CHARS:,} characters")
        problem = bad_character(value)
        if problem:
            raise ValueError(problem)
        return value
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"holds {value}, which is not a number JSON can store")
        return value
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [to_plain(v, budget, depth + 1) for v in value]
    if isinstance(value, dict):
        return {_plain_key(k): to_plain(v, budget, depth + 1) for k, v in value.items()}
    raise ValueError(f"holds {_kind(value)}, which cannot be stored")


# Field names found valid: a corpus has a few dozen, each checked once rather than on every record.
_VALID_KEYS: set[str] = set()
_VALID_KEYS_KEPT = 1_000


def _plain_key(key: Any) -> str:
    if type(key) is str and key in _VALID_KEYS:
        return key
    text = key.isoformat() if isinstance(key, (_dt.date, _dt.datetime)) else str(key)
    problem = bad_character(text)
    if problem:
        raise ValueError(f"has a field name that {problem}")
    if type(key) is str and len(_VALID_KEYS) < _VALID_KEYS_KEPT:
        _VALID_KEYS.add(key)
    return text


# An HTML character reference, always with its semicolon: "&#39;", "&#x27;", "&quot;", "&amp;".
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Fields whose text catalogue exports HTML-escape; a source URL is kept as written.
_DECODED_FIELDS = ("title", "date", "photographer", "collection")


def decode_entities(text: str) -> str:
    """Text with the HTML character references of catalogue exports decoded: ``New York&#39;s`` -> ``New York's``."""
    if "&" not in text:
        return text
    return _ENTITY_RE.sub(lambda m: html.unescape(m.group()), text)


def _text_problem(name: str, value: str, limit: int) -> str | None:
    if len(value) > limit:
        return f"{name} is longer than {limit:,} characters ({len(value):,})"
    problem = bad_character(value)
    return f"{name} {problem}" if problem else None


def record_from_mapping(raw: Any) -> tuple[Record | None, list[str]]:
    """Validate one raw mapping (its fields under their own names or other catalogues': :mod:`.fields`); return
    the record or the list of what is wrong."""
    if type(raw) is dict:
        raw = with_own_names(raw)
        record = _checked_at_once(raw)
        if record is not None:
            return record, []
    return _checked_field_by_field(raw)


def _checked_field_by_field(raw: Any) -> tuple[Record | None, list[str]]:
    """:func:`record_from_mapping`, each field checked in turn and every problem explained."""
    if not isinstance(raw, dict):
        return None, [f"a record must be a mapping of fields, got {_kind(raw)}"]
    errors: list[str] = []
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            name = _plain_key(key).strip()
        except ValueError as exc:
            errors.append(str(exc))
            continue
        if name == key and type(key) is str and len(_CLEAN_NAMES) < _VALID_KEYS_KEPT:
            _CLEAN_NAMES.add(key)
        if name in fields:
            errors.append(f"field {quoted(repr(name))} appears twice")
        fields[name] = value
    raw = fields

    record_id = raw.get("id")
    if record_id is None or (isinstance(record_id, str) and not record_id.strip()):
        errors.append("missing id")
    elif not isinstance(record_id, str):
        shown = repr(record_id) if isinstance(record_id, (bool, int, float)) else _kind(record_id)
        errors.append(f"id must be text, got {_kind(record_id)} ({shown})")
    elif len(record_id.strip()) > MAX_ID_LENGTH:
        errors.append(f"id is longer than {MAX_ID_LENGTH} characters")
    elif any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in record_id):
        errors.append("id contains control characters")
    elif bad_character(record_id):
        errors.append(f"id {bad_character(record_id)}")

    caption = raw.get("caption")
    if caption is None:
        errors.append("missing caption")
    elif not isinstance(caption, str):
        errors.append(f"caption must be text, got {_kind(caption)}")
    elif _blank(caption := decode_entities(caption)):
        errors.append("caption is empty")
    else:
        problem = _text_problem("caption", caption, MAX_CAPTION_CHARS)
        if problem:
            errors.append(problem)

    texts: dict[str, str | None] = {}
    for name in TEXT_FIELDS:
        value = raw.get(name)
        if name == "date" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, (_dt.date, _dt.datetime)):
            value = value.isoformat()
        if isinstance(value, str) and name in _DECODED_FIELDS:
            value = decode_entities(value)
        if value is None or (isinstance(value, str) and _blank(value)):
            texts[name] = None
        elif isinstance(value, str):
            problem = _text_problem(name, value, MAX_TEXT_CHARS)
            if problem:
                errors.append(problem)
            texts[name] = value.strip()
        else:
            errors.append(f"{name} must be text, got {_kind(value)}")

    places = _places(raw.get("places"), errors)
    extra: dict[str, Any] = {}
    budget = [MAX_EXTRA_CHARS]
    for key, value in raw.items():
        if key in KNOWN_FIELDS:
            continue
        try:
            extra[key] = to_plain(value, budget)
        except ValueError as exc:
            errors.append(f"field {quoted(repr(key))} {exc}")
        except (TooBig, RecursionError) as exc:
            errors.append(f"field {quoted(repr(key))} {exc or 'is nested too deeply'}")
            break  # the budget is spent: the other fields would only repeat it
    if errors:
        return None, errors
    return (
        Record(
            id=record_id.strip(),
            caption=caption,
            places=places,
            extra=extra,
            **texts,
        ),
        [],
    )


# Field names valid as they are (no surrounding space): a record of these only may be checked at once.
_CLEAN_NAMES: set[str] = set()
# What an id may not contain: control characters (tab and newline too) and unpaired surrogates.
_BAD_ID_CHAR_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _checked_at_once(raw: dict[str, Any]) -> Record | None:
    """The record of a mapping of the common kind (known field names, text fields as text, places a list or text),
    its text searched for a bad character at once instead of field by field (a third of the time).  None for a
    mapping with anything amiss or unusual: :func:`_checked_field_by_field` then validates it and explains."""
    if not raw.keys() <= _CLEAN_NAMES:
        return None
    record_id, caption = raw.get("id"), raw.get("caption")
    if type(record_id) is not str or type(caption) is not str:
        return None
    record_id = record_id.strip() if not _BAD_ID_CHAR_RE.search(record_id) else ""
    if not record_id or len(record_id) > MAX_ID_LENGTH:
        return None
    caption = decode_entities(caption)
    if len(caption) > MAX_CAPTION_CHARS or _looks_blank(caption):
        return None
    checked = [caption]  # every text to search for a bad character
    texts: dict[str, str | None] = {}
    for name in TEXT_FIELDS:
        value = raw.get(name)
        if value is not None:
            if type(value) is not str:
                return None
            if name in _DECODED_FIELDS:
                value = decode_entities(value)
            if _looks_blank(value):
                value = None
            elif len(value) > MAX_TEXT_CHARS:
                return None
            else:
                checked.append(value)
                value = value.strip()
        texts[name] = value
    places: tuple[str, ...] = ()
    value = raw.get("places")
    if value is not None:
        if type(value) is str:
            value = value.split(";")
        elif type(value) is not list:
            return None
        names: list[str] = []
        for item in value:
            if type(item) is not str:
                return None
            item = decode_entities(item)
            if len(item) > MAX_TEXT_CHARS:
                return None
            checked.append(item)
            item = item.strip()
            if item and item not in names:
                names.append(item)
        places = tuple(names)
    extra: dict[str, Any] = {}
    budget = [MAX_EXTRA_CHARS]
    try:
        for key, value in raw.items():
            if key in KNOWN_FIELDS:
                continue
            kind = type(value)
            if kind is str:
                budget[0] -= 1 + len(value)
                checked.append(value)
                extra[key] = value
            elif value is None:
                budget[0] -= 1
                extra[key] = None
            elif kind is list and all(type(item) is str for item in value):  # to_plain's count and copy
                text = "".join(value)
                budget[0] -= 1 + len(value) + len(text)
                checked.append(text)
                extra[key] = value.copy()
            else:
                extra[key] = to_plain(value, budget)
    except (ValueError, TooBig, RecursionError):
        return None
    text = "".join(checked)
    # a bad character is never printable: the search only where something is not (a tab, a newline)
    if budget[0] < 0 or (not text.isprintable() and _BAD_CHAR_RE.search(text)):
        return None
    return Record(id=record_id, caption=caption, places=places, extra=extra, **texts)


def _looks_blank(text: str) -> bool:
    """:func:`_blank`, sooner: a text that starts, past its spaces, with a character below U+00AD (the first
    invisible format character) is not blank."""
    start = text.lstrip()[:1]
    return not start or (start >= "\xad" and _blank(text))


def _places(value: Any, errors: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[Any] = value.split(";")
    elif isinstance(value, list):
        items = value
    else:
        errors.append(f"places must be a list of names, got {_kind(value)}")
        return ()
    names: list[str] = []
    for item in items:
        if not isinstance(item, str):
            errors.append(f"places must hold names (text), found {_kind(item)}")
            return ()
        item = decode_entities(item)
        problem = _text_problem("a place name", item, MAX_TEXT_CHARS)
        if problem:
            errors.append(problem)
            return ()
        if item.strip() and item.strip() not in names:
            names.append(item.strip())
    return tuple(names)
