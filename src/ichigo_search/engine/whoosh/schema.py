"""The Whoosh schema of the index document (:mod:`ichigo_search.document`) and its analyzer adapter."""

from __future__ import annotations

from typing import Any

from whoosh import columns, fields
from whoosh.analysis import Analyzer, RegexTokenizer, Token

from ichigo_search.document import PART_SEPARATOR
from ichigo_search.engine.whoosh import stored
from ichigo_search.ranking import DEFAULT, Ranking
from ichigo_search.text.analysis import Term, analyze_parts, term_positions

# Every index names this module in its pickled schema, so whatever opens or creates one has imported it: from
# here on Whoosh reads and writes stored fields as stored.py does.
stored.install()


class CaptionAnalyzer(Analyzer):
    """Whoosh adapter around :func:`ichigo_search.text.analysis.analyze`."""

    def __init__(self, stemming: bool = True):
        self.stemming = stemming

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CaptionAnalyzer) and other.stemming == self.stemming

    def terms(self, value: str) -> list[Term]:
        """The index terms of a field's value (several texts joined by PART_SEPARATOR)."""
        return analyze_parts(value.split(PART_SEPARATOR), stemming=self.stemming)

    def positions(self, value: str) -> dict[str, list[int]]:
        """Each index term of a field's value with its positions (what the index stores)."""
        return term_positions(value.split(PART_SEPARATOR), stemming=self.stemming)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for term in self.terms(value):
            token.text = term.text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[term.start : term.end]
            if positions:
                token.pos = start_pos + term.pos
            if chars:
                token.startchar = start_char + term.start
                token.endchar = start_char + term.end
            yield token


def build_schema(ranking: Ranking = DEFAULT) -> fields.Schema:
    """The index schema (pickled by Whoosh into the index's table of contents), with the field weights."""
    stemmed = CaptionAnalyzer(stemming=True)
    weights = ranking.field_weights
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        hash=fields.COLUMN(columns.VarBytesColumn()),  # read back by updates only: not searched, not stored
        title=fields.TEXT(analyzer=stemmed, field_boost=weights["title"]),
        caption=fields.TEXT(analyzer=stemmed, stored=True, field_boost=weights["caption"]),
        places=fields.TEXT(analyzer=stemmed, field_boost=weights["places"]),
        photographer=fields.TEXT(analyzer=stemmed, field_boost=weights["photographer"]),
        exact=fields.TEXT(analyzer=CaptionAnalyzer(stemming=False), phrase=False, field_boost=ranking.exact_weight),
        place_ids=fields.KEYWORD(scorable=True),
        place_tree=fields.KEYWORD(scorable=True),
        years=fields.KEYWORD(scorable=True),  # scorable: a lengths column spares that check too
        place_names=fields.KEYWORD(analyzer=RegexTokenizer(f"[^{PART_SEPARATOR}]+")),  # whole names, as written
        record=fields.STORED(),
        located=fields.STORED(),
    )
