"""An index from an older version, or one damaged on disk: searches say clearly what to do, and the
next `index` (or a query with the corpus at hand) rebuilds it, with a note."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ichigo_search import Index, store
from ichigo_search.cli import main
from ichigo_search.document import FORMAT_VERSION


def run(corpus, index_dir, *args: str):
    return CliRunner().invoke(main, [*args, "--corpus", str(corpus), "--index", str(index_dir)], catch_exceptions=False)


@pytest.fixture
def built(tmp_path, corpus):
    index_dir = tmp_path / "index"
    assert run(corpus, index_dir, "index").exit_code == 0
    return corpus, index_dir


def set_format(index_dir, value) -> None:
    generation = store.current_generation(index_dir)
    meta = store.read_meta(generation)
    meta["format"] = value
    store.write_meta(generation, meta)


@pytest.mark.parametrize("version", [0, FORMAT_VERSION + 1, None, "1.0"])
def test_an_index_of_another_version(built, version):
    corpus, index_dir = built
    set_format(index_dir, version)
    stale = run(corpus, index_dir, "query", "Guilin", "--no-update")
    assert stale.exit_code == 2 and "Traceback" not in stale.output
    assert "version of ichigo-search" in stale.output and "ichigo-search index --rebuild" in stale.output
    fresh = run(corpus, index_dir, "query", "Guilin", "--json")  # the corpus is at hand: rebuilt
    assert fresh.exit_code == 0, fresh.output
    assert "rebuilt it from the corpus" in fresh.output
    assert store.read_meta(store.current_generation(index_dir))["format"] == FORMAT_VERSION
    assert run(corpus, index_dir, "query", "Guilin", "--no-update").exit_code == 0


def _truncate_segments(generation) -> None:
    for path in generation.iterdir():
        if path.suffix == ".seg":
            path.write_bytes(path.read_bytes()[:100])


def _garbage_toc(generation) -> None:
    for path in generation.iterdir():
        if path.suffix == ".toc":
            path.write_bytes(b"\x00garbage" * 10)


def _no_toc(generation) -> None:
    for path in generation.iterdir():
        if path.suffix == ".toc":
            path.unlink()


def _bad_meta(generation) -> None:
    (generation / store.META).write_text("{not json", encoding="utf-8")


def _no_generation(generation) -> None:
    import shutil

    shutil.rmtree(generation)


@pytest.mark.parametrize("damage", [_truncate_segments, _garbage_toc, _no_toc, _bad_meta, _no_generation])
def test_a_damaged_index_is_reported_then_rebuilt(built, damage):
    corpus, index_dir = built
    damage(store.current_generation(index_dir))
    broken = run(corpus, index_dir, "query", "Guilin", "--no-update", "--json")
    assert broken.exit_code == 2 and "Traceback" not in broken.output, broken.output
    assert "ichigo-search index --rebuild" in broken.output
    repaired = run(corpus, index_dir, "index")
    assert repaired.exit_code == 0, repaired.output
    assert "rebuilt it from the corpus" in repaired.output
    data = json.loads(run(corpus, index_dir, "query", "Guilin", "--json", "--no-update").output)
    assert data["total"] == 2
    with Index(index_dir) as idx:
        assert len(idx) == 10
