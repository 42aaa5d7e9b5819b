"""Where the corpus and the index live when the user does not say."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ichigo_search import APP_NAME

LOCAL_CORPUS = Path("corpus")
LOCAL_INDEX = Path("index")


def sample_corpus() -> Path:
    """The sample collection shipped inside the package."""
    return Path(__file__).resolve().parents[1] / "sample"


def default_corpus() -> Path:
    """``./corpus`` when it exists, otherwise the shipped sample collection."""
    return LOCAL_CORPUS if LOCAL_CORPUS.is_dir() else sample_corpus()


def default_index(corpus: Path) -> Path:
    """``./index`` for ``./corpus``; for any other corpus a folder in the user's data directory."""
    if corpus.resolve() == LOCAL_CORPUS.resolve():
        return LOCAL_INDEX
    from platformdirs import user_data_path

    key = hashlib.blake2b(str(corpus.resolve()).encode(), digest_size=6).hexdigest()
    name = "sample-index" if corpus.resolve() == sample_corpus() else f"index-{key}"
    return user_data_path(APP_NAME) / name
