"""Caption records: the fields, their validation, and their content hash."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from .dates import year_range

TEXT_FIELDS = ("title", "date", "photographer", "source", "collection")
KNOWN_FIELDS = ("id", "caption", "places", *TEXT_FIELDS)
MAX_ID_LENGTH = 200


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
        """The year range the free-text date covers, if it names a year."""
        return year_range(self.date)

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

    @property
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
    return type(value).__name__


def _plain(value: Any) -> Any:
    """Make YAML's dates and nested values JSON-friendly."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def record_from_mapping(raw: Any) -> tuple[Record | None, list[str]]:
    """Validate one raw mapping; return the record or the list of what is wrong."""
    if not isinstance(raw, dict):
        return None, [f"a record must be a mapping of fields, got {_kind(raw)}"]
    errors: list[str] = []
    raw = {str(k).strip(): v for k, v in raw.items()}

    record_id = raw.get("id")
    if record_id is None or (isinstance(record_id, str) and not record_id.strip()):
        errors.append("missing id")
    elif not isinstance(record_id, str):
        errors.append(f"id must be text, got {_kind(record_id)} ({record_id!r})")
    elif len(record_id.strip()) > MAX_ID_LENGTH:
        errors.append(f"id is longer than {MAX_ID_LENGTH} characters")
    elif any(ord(c) < 32 for c in record_id):
        errors.append("id contains control characters")

    caption = raw.get("caption")
    if caption is None:
        errors.append("missing caption")
    elif not isinstance(caption, str):
        errors.append(f"caption must be text, got {_kind(caption)}")
    elif not caption.strip():
        errors.append("caption is empty")
    elif "\x00" in caption:
        errors.append("caption contains a NUL character")

    texts: dict[str, str | None] = {}
    for name in TEXT_FIELDS:
        value = raw.get(name)
        if name == "date" and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, (_dt.date, _dt.datetime)):
            value = value.isoformat()
        if value is None or (isinstance(value, str) and not value.strip()):
            texts[name] = None
        elif isinstance(value, str):
            texts[name] = value.strip()
        else:
            errors.append(f"{name} must be text, got {_kind(value)}")

    places = _places(raw.get("places"), errors)
    if errors:
        return None, errors
    extra = {k: _plain(v) for k, v in raw.items() if k not in KNOWN_FIELDS}
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
        if item.strip() and item.strip() not in names:
            names.append(item.strip())
    return tuple(names)
