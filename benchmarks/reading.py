"""What reading records and storing their fields cost the build: CPU a record of each step, and the stored column's.

    python benchmarks/reading.py --corpus benchmarks/out/cold/corpus [--records 30000] [--path-rounds 3]
        [--stored 49000]

Reading (the first ``--records`` records of the corpus's JSON-lines files, the collector off as in the writer): parsing
a line (decoding, its digest, JSON), validating the record (``record_from_mapping``), its content hash, ``to_dict``,
``years``, and the whole of ``reading._scanning`` (all of them, as the build reads), in microseconds a record, best of
three.  With ``--path-rounds N``: every record through ``_scanning`` and what ``to_document`` asks of it but locating,
CPU-s of each of N rounds.  With ``--stored N``: N documents (about one writing process's half of the 98k) added to a
:class:`~ichigo_search.engine.whoosh.writer.BulkSegmentWriter` and written, printing the CPU of the stored-fields
column (``StoredWriter.add`` and ``finish``, timed with ``time.thread_time``) and of the whole.  Run it with
``PYTHONPATH`` at another revision's ``src`` to compare, alternating.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import tempfile
import time
from pathlib import Path


def reading(root: Path, count: int) -> None:
    from ichigo_search.corpus.formats import jsonl_entries, read_bytes
    from ichigo_search.corpus.reading import _FileScan, _Part, _scanning
    from ichigo_search.corpus.record import record_from_mapping

    names = sorted(path.name for path in root.glob("*.jsonl"))

    def entries():
        for name in names:
            scan = _FileScan(name)
            yield from jsonl_entries(read_bytes(root / name, scan), scan, {})

    def scanned():
        for name in names:
            yield from _scanning(root, _FileScan(name), _Part(name, {}))

    raws = [value for _, value, _, _ in itertools.islice(entries(), count)]
    records = [record_from_mapping(raw)[0] for raw in raws]
    steps = {
        "parse": lambda: [value for _, value, _, _ in itertools.islice(entries(), count)],
        "validate": lambda: [record_from_mapping(raw) for raw in raws],
        "hash": lambda: [type(r).content_hash.func(r) for r in records],
        "to_dict": lambda: [r.to_dict() for r in records],
        "years": lambda: [r.years for r in records],
        "_scanning": lambda: list(itertools.islice(scanned(), count)),
    }
    shown = []
    for label, step in steps.items():
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            step()
            best = min(best, time.process_time() - started)
        shown.append(f"{label} {best / len(raws) * 1e6:.2f}")
    print(f"{len(raws):,} records, us a record: " + ", ".join(shown))


def record_path(root: Path, rounds: int) -> None:
    """Every record of the corpus's JSON-lines files read as a rebuild's writing processes read them
    (``_scanning``: parsing, validating, hashing) and given what ``to_document`` asks of it but locating
    (``to_dict``, ``years``, the hash as bytes): CPU-s of each round."""
    from ichigo_search.corpus.reading import _FileScan, _Part, _scanning

    names = sorted(path.name for path in root.glob("*.jsonl"))
    spent = []
    for _ in range(rounds):
        count = 0
        started = time.process_time()
        for name in names:
            for record in _scanning(root, _FileScan(name), _Part(name, {})):
                record.to_dict()
                record.years  # noqa: B018
                record.content_hash.encode("ascii")
                count += 1
        spent.append(time.process_time() - started)
    print(f"record path, {count:,} records: " + " / ".join(f"{cpu:.2f}" for cpu in spent) + " CPU-s")


def stored_column(root: Path, count: int) -> None:
    from whoosh import index as whoosh_index

    from ichigo_search.corpus.reading import read_corpus
    from ichigo_search.document import to_document
    from ichigo_search.engine.whoosh import stored, writer
    from ichigo_search.engine.whoosh.schema import build_schema
    from ichigo_search.indexing import _gazetteer_for

    corpus = read_corpus(root)
    places = _gazetteer_for(corpus)
    documents = [to_document(corpus.records[i], places) for i in range(min(count, len(corpus.records)))]
    spent = [0.0]
    clock = time.thread_time
    for name in ("add", "finish"):
        original = getattr(stored.StoredWriter, name)

        def timed(*args, _original=original):
            started = clock()
            result = _original(*args)
            spent[0] += clock() - started
            return result

        setattr(stored.StoredWriter, name, timed)
    with tempfile.TemporaryDirectory() as folder:
        ix = whoosh_index.create_in(folder, build_schema())
        segment = writer.BulkSegmentWriter(ix, _lk=False)
        started = time.process_time()
        for document in documents:
            segment.add_document(**document)
        segment._finalize_segment()
        total = time.process_time() - started
    print(f"{len(documents):,} documents: stored column {spent[0]:.2f} CPU-s of adding + writing {total:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a corpus folder (the 98k: benchmarks/out/cold)")
    parser.add_argument("--records", type=int, default=30_000, help="records read (0: no reading figures)")
    parser.add_argument("--stored", type=int, default=0, help="documents written, for the stored column's CPU")
    parser.add_argument("--path-rounds", type=int, default=0, help="rounds of the whole record path (every record)")
    args = parser.parse_args()
    gc.disable()
    if args.records:
        reading(args.corpus, args.records)
    if args.path_rounds:
        record_path(args.corpus, args.path_rounds)
    if args.stored:
        stored_column(args.corpus, args.stored)


if __name__ == "__main__":
    main()
