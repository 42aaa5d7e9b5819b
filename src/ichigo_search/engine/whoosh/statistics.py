"""What the evaluator asks of a Whoosh searcher, answered from an index reader alone.

Whoosh's ``Searcher`` (``whoosh.searching``) imports its query language, highlighter and
classifier, 10-15 ms of a one-shot query that uses none of them.  The evaluator
(:mod:`ichigo_search.engine.whoosh.postings`) needs only a searcher's statistics, which are
computed here exactly as ``whoosh.searching.Searcher`` and ``whoosh.scoring.WeightingModel``
compute them; Whoosh's own searcher is made only when something asks for it
(:attr:`ReaderSearcher.whoosh`: the phrase matcher of fields without positions, the oracle tests).
"""

from __future__ import annotations

from math import log
from typing import Any


class ReaderSearcher:
    """An open reader with Whoosh's searcher statistics: document counts, idf, average field lengths."""

    def __init__(self, index, reader, weighting) -> None:
        self._index = index
        self._reader = reader
        self.weighting = weighting
        self.schema = reader.schema
        self._doc_count_all = reader.doc_count_all()
        self._idf: dict[tuple[str, Any], float] = {}
        self._whoosh = None

    def reader(self):
        return self._reader

    def doc_count(self) -> int:
        return self._reader.doc_count()

    def doc_count_all(self) -> int:
        return self._doc_count_all

    def doc_frequency(self, fieldname: str, text: Any) -> int:
        return self._reader.doc_frequency(fieldname, text)

    def term_info(self, fieldname: str, text: Any):
        return self._reader.term_info(fieldname, text)

    def idf(self, fieldname: str, text: Any) -> float:
        """Whoosh's ``WeightingModel.idf``: log(N / (df + 1)) + 1, N counting deleted documents."""
        key = (fieldname, text)
        found = self._idf.get(key)
        if found is None:
            found = self._idf[key] = log(self._doc_count_all / (self.doc_frequency(fieldname, text) + 1)) + 1
        return found

    def avg_field_length(self, fieldname: str, default: float | None = None) -> float | None:
        """Whoosh's ``Searcher.avg_field_length``: the field's total length over every document number."""
        if not self.schema[fieldname].scorable:
            return default
        return self._reader.field_length(fieldname) / (self._doc_count_all or 1)

    def stored_fields(self, docnum: int) -> dict[str, Any]:
        return self._reader.stored_fields(docnum)

    def document_number(self, fieldname: str, text: str) -> int | None:
        """The first live document holding a term (of a unique field, the only one), or None."""
        if (fieldname, text) not in self._reader:
            return None
        return next(iter(self._reader.postings(fieldname, text).all_ids()), None)

    def up_to_date(self) -> bool:
        """Whether no writer committed to the index since the reader was opened."""
        return self._index.latest_generation() == self._reader.generation()

    @property
    def whoosh(self):
        """Whoosh's own searcher over the same reader, made on first use."""
        if self._whoosh is None:
            from whoosh.searching import Searcher

            self._whoosh = Searcher(self._reader, weighting=self.weighting, fromindex=self._index)
        return self._whoosh

    def close(self) -> None:
        if self._whoosh is not None:
            self._whoosh.close()  # closes the reader too
        else:
            self._reader.close()


def whoosh_searcher(searcher):
    """Whoosh's own searcher for a :class:`ReaderSearcher` or a Whoosh searcher."""
    return searcher.whoosh if isinstance(searcher, ReaderSearcher) else searcher
