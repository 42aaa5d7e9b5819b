"""ichigo-search: full-text search for historical photograph captions.

>>> import ichigo_search
>>> idx = ichigo_search.Index("index")                 # doctest: +SKIP
>>> idx.update_from("corpus")                          # doctest: +SKIP
>>> idx.search("Liuzhou airbase", limit=10)[0].id      # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ichigo_search.errors import (
    CorpusError,
    IchigoError,
    IndexBusyError,
    IndexDamagedError,
    IndexFormatError,
    IndexWriteError,
    Problem,
)

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time these load on first use (__getattr__)
    from ichigo_search.corpus.reading import read_corpus
    from ichigo_search.corpus.record import Record
    from ichigo_search.facets import Facets, FacetValue
    from ichigo_search.index import Index
    from ichigo_search.indexing import UpdateReport
    from ichigo_search.ranking import Ranking
    from ichigo_search.search import Hit, SearchResults

__version__ = "0.1.0"
# The name of the application's own folders (user data, cache).
APP_NAME = "ichigo-search"
__all__ = [
    "CorpusError",
    "FacetValue",
    "Facets",
    "Hit",
    "IchigoError",
    "Index",
    "IndexBusyError",
    "IndexDamagedError",
    "IndexFormatError",
    "IndexWriteError",
    "Problem",
    "Ranking",
    "Record",
    "SearchResults",
    "UpdateReport",
    "__version__",
    "read_corpus",
]

# Public name -> the module defining it, imported when the name is first used (the CLI starts fast).
_LAZY = {
    "Index": "ichigo_search.index",
    "UpdateReport": "ichigo_search.indexing",
    "SearchResults": "ichigo_search.search",
    "Hit": "ichigo_search.search",
    "Facets": "ichigo_search.facets",
    "FacetValue": "ichigo_search.facets",
    "Ranking": "ichigo_search.ranking",
    "Record": "ichigo_search.corpus.record",
    "read_corpus": "ichigo_search.corpus.reading",
}


def __getattr__(name: str) -> object:
    """Load the heavier modules only when their names are used."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ichigo_search' has no attribute {name!r}")
