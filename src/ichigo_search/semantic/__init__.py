"""Optional semantic ranking: record vectors beside each generation, fused with the lexical ranking.

``pip install "ichigo-search[semantic]"`` and ``ichigo-search index --semantic`` embed every record
(:mod:`.vectors`) with a sentence-embedding model run by ONNX Runtime (:mod:`.model`); a search then
fuses the lexical ranking with the nearest records by reciprocal rank (:mod:`.fusion`). Without
vectors in the index nothing here is imported and a search is exactly as without this package.
"""

from __future__ import annotations

from pathlib import Path

MANIFEST = "vectors.json"


def has_vectors(generation: Path) -> bool:
    """Whether a generation holds record vectors (a cheap check: nothing is loaded)."""
    return (generation / MANIFEST).is_file()
