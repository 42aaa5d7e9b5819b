"""ichigo-search: full-text search for historical photograph captions.

>>> import ichigo_search
>>> idx = ichigo_search.Index("index")                 # doctest: +SKIP
>>> idx.update_from("corpus")                          # doctest: +SKIP
>>> idx.search("Liuzhou airbase", limit=10)[0].id      # doctest: +SKIP
"""

from __future__ import annotations

from .errors import CorpusError, IchigoError, IndexBusyError, IndexFormatError, IndexWriteError, Problem

__version__ = "0.1.0"
__all__ = [
    "CorpusError",
    "Hit",
    "IchigoError",
    "Index",
    "IndexBusyError",
    "IndexFormatError",
    "IndexWriteError",
    "Problem",
    "Record",
    "SearchResults",
    "UpdateReport",
    "__version__",
    "read_corpus",
]


def __getattr__(name: str):
    """Load the heavier modules only when their names are used."""
    if name in ("Index", "UpdateReport"):
        from . import api

        return getattr(api, name)
    if name in ("SearchResults", "Hit"):
        from . import search

        return getattr(search, name)
    if name == "Record":
        from .records import Record

        return Record
    if name == "read_corpus":
        from .corpus import read_corpus

        return read_corpus
    raise AttributeError(f"module 'ichigo_search' has no attribute {name!r}")
