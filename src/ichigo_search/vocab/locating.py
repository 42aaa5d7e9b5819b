"""Finding where a record is: its own places and the places its caption and title name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ichigo_search.vocab.gazetteer import Gazetteer, Place

if TYPE_CHECKING:  # a record's text and place list are all this reads
    from ichigo_search.corpus.record import Record

Span = tuple[int, int, str]


@dataclass
class Located:
    """The places of one record, for indexing, filtering, facets and highlighting."""

    direct: list[Place] = field(default_factory=list)
    tree: list[Place] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    caption_spans: list[Span] = field(default_factory=list)
    title_spans: list[Span] = field(default_factory=list)

    def _add(self, place: Place) -> None:
        if all(p.id != place.id for p in self.direct):
            self.direct.append(place)


def locate(record: Record, gazetteer: Gazetteer) -> Located:
    """Resolve the record's places field, then find place names in its caption and title."""
    located = Located()
    texts = ((record.caption, located.caption_spans), (record.title or "", located.title_spans))
    mentioned = [(spans, gazetteer.find(text)) for text, spans in texts]
    context = [m.place for _, mentions in mentioned for m in mentions]
    for name in record.places:
        for mention in gazetteer.find(name, require_case=False, context=context):
            located._add(mention.place)
    for spans, mentions in mentioned:
        for mention in mentions:
            located._add(mention.place)
            spans.append((mention.start, mention.end, mention.place.id))
    tree_ids: set[str] = set()
    for place in located.direct:
        for member in [place, *gazetteer.ancestors(place)]:
            if member.id not in tree_ids:
                tree_ids.add(member.id)
                located.tree.append(member)
    written = {name.casefold() for name in record.places}
    located.names = list(record.places) + [p.name for p in located.tree if p.name.casefold() not in written]
    return located
