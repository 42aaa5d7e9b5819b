"""What each field costs the bulk writer: one writing process's records indexed with and without the place fields.

    python benchmarks/build_fields.py --corpus benchmarks/out/cold/corpus --records 49000 --rounds 3 [--as-is]

The first ``--records`` records of ``--corpus`` (49,000: about one writing process's half of the 98k build) are
read and made into documents first (``to_document``, locating included), then added to one
:class:`~ichigo_search.engine.whoosh.writer.BulkSegmentWriter` and written as a segment, the collector off as in
the writer.  Each round does this twice: with the documents as they are (``places``) and with the place fields
taken out (``no places``: no ``places``, ``place_ids``, ``place_tree``, ``place_names``, ``located``, and the
``exact`` field without its places part; ``--as-is`` leaves that out, to time a writer change: run it with
``PYTHONPATH`` at another revision's ``src`` to compare).  Printed, CPU seconds: making the documents, adding
them, writing the segment; with ``--fields``, also each field's share of adding (a timer around the writer's
``_index``, which adds about 0.03 s a field) and of writing the segment, and the stored fields' column.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

PLACE_FIELDS = ("places", "place_ids", "place_tree", "place_names", "located")


def without_places(document: dict) -> dict:
    """The document as if no place had been found: no place fields, ``exact`` of the title and caption only."""
    from ichigo_search.document import PART_SEPARATOR

    kept = {name: value for name, value in document.items() if name not in PLACE_FIELDS}
    kept["exact"] = PART_SEPARATOR.join(text for text in (document.get("title"), document["caption"]) if text)
    kept["located"] = {}
    return kept


def run(documents: list[dict], folder: Path, fields: bool) -> dict[str, float]:
    """Add ``documents`` to a new segment and write it: CPU seconds of each step (and each field's, with
    ``fields``)."""
    from whoosh import index as whoosh_index

    from ichigo_search.engine.whoosh import stored, writer
    from ichigo_search.engine.whoosh.schema import build_schema

    spent: dict[str, float] = defaultdict(float)
    patches = []
    if fields:
        clock = time.perf_counter

        def timed(owner, name: str, label) -> None:
            original = getattr(owner, name)

            def wrapper(*args):
                started = clock()
                result = original(*args)
                spent[label(args)] += clock() - started
                return result

            setattr(owner, name, wrapper)
            patches.append((owner, name, original))

        timed(writer.BulkSegmentWriter, "_index", lambda args: f"add {args[1]}")
        timed(stored.StoredWriter, "add", lambda args: "add (stored fields)")
        timed(writer, "_write_term", lambda args: f"write {args[1].field_name}")
        timed(writer, "_add_inlined", lambda args: f"write {args[2].field_name}")
    try:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        ix = whoosh_index.create_in(str(folder), build_schema())
        segment = writer.BulkSegmentWriter(ix, _lk=False)
        started = time.process_time()
        for document in documents:
            segment.add_document(**document)
        spent["adding"] = time.process_time() - started
        started = time.process_time()
        for name, postings in segment._postings.items():  # for the labels above
            postings.field_name = name
        segment._finalize_segment()
        spent["writing"] = time.process_time() - started
    finally:
        for owner, name, original in patches:
            setattr(owner, name, original)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a corpus folder (the 98k: benchmarks/out/cold)")
    parser.add_argument("--records", type=int, default=49_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--fields", action="store_true", help="also time each field (adds a little to each)")
    parser.add_argument("--as-is", action="store_true", help="only the documents as they are (no 'no places' run)")
    args = parser.parse_args()

    from ichigo_search.corpus.reading import read_corpus
    from ichigo_search.document import to_document
    from ichigo_search.indexing import _gazetteer_for

    corpus = read_corpus(args.corpus)
    records = [corpus.records[i] for i in range(min(args.records, len(corpus.records)))]
    places = _gazetteer_for(corpus)
    gc.disable()
    started = time.process_time()
    documents = [to_document(record, places) for record in records]
    print(f"{len(documents):,} records made into documents: {time.process_time() - started:.2f} CPU-s")
    plain = [without_places(document) for document in documents]
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(1, args.rounds + 1):
            for label, batch in (("places", documents), ("no places", plain))[: 1 if args.as_is else 2]:
                spent = run(batch, Path(scratch) / "segment", args.fields)
                adding, writing = spent.pop("adding"), spent.pop("writing")
                print(f"round {round_} {label}: adding {adding:.2f} + writing {writing:.2f} = {adding + writing:.2f}")
                for name, seconds in sorted(spent.items()):
                    print(f"    {name:28s} {seconds:.3f}")


if __name__ == "__main__":
    main()
