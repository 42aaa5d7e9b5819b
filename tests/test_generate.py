"""The benchmark corpus generator writes valid, deterministic corpus records."""

from __future__ import annotations

import sys

from conftest import ROOT, fsa_records
from ichigo_search.corpus.record import record_from_mapping

sys.path.insert(0, str(ROOT / "benchmarks"))
import generate


def test_generated_records_are_valid_and_deterministic(tmp_path):
    real = fsa_records(2000)
    records = list(generate.generate(2600, seed=3, real=real))
    assert records == list(generate.generate(2600, seed=3, real=real))
    assert len({r["id"] for r in records}) == 2600
    synthetic = records[2000:]
    assert all(r["id"].startswith("gen-3-") for r in synthetic)
    for raw in records:
        record, errors = record_from_mapping(raw)
        assert record is not None, errors
    # Recombined, not copied, and written from the real vocabulary.
    real_captions = {r["caption"] for r in real}
    assert sum(r["caption"] in real_captions for r in synthetic) < len(synthetic) // 10
    vocabulary = {w for r in real for w in r["caption"].split()}
    words = [w for r in synthetic for w in r["caption"].replace(".", " ").replace(",", " ").split()]
    assert sum(w in vocabulary or w + "." in vocabulary or w + "," in vocabulary for w in words) > 0.95 * len(words)
    written = generate.write_corpus(records, tmp_path / "corpus", per_file=1000)
    assert written == 2600 and len(list((tmp_path / "corpus").glob("part-*.jsonl"))) == 3
