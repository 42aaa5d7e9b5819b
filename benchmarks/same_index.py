"""Are two Whoosh index folders the same index?  For a writer change that must not change the index.

    python benchmarks/same_index.py INDEX_A INDEX_B [--deep]

Each argument is an index folder (its live generation is read) or a generation folder.  The two must have the
same segments in the same order (as two rebuilds of one corpus do).  Compared, segment by segment: every file
inside the compound ``.seg`` file (the term table, the postings, the ``.arr`` file, the stored fields, every
column), byte for byte, the segment's own random name taken out of the file names; and the generation's
``facet-columns.bin`` (but its data files' modification times: those of the code's checkout).  With ``--deep``
(or when some bytes differ), also what a reader sees: every term's document frequency, weight, lengths and
postings (document, weight, value), every stored field and every column value, hashed per field, so a
difference is named by field.  Exits 1 when they differ.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import struct
import sys
from pathlib import Path
from typing import Any


def generation_of(folder: Path) -> Path:
    """The generation folder a path names: the folder itself, or the one its CURRENT pointer names."""
    pointer = folder / "CURRENT"
    if pointer.is_file():
        return folder / pointer.read_text().strip()
    return folder


def segment_files(generation: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The segments' names and each one's files (as the table of contents orders the segments): name without
    the segment's random part -> sha256 of its bytes."""
    from whoosh import index as whoosh_index

    import ichigo_search.engine.whoosh.schema  # noqa: F401  (the schema's module, for the pickled schema)

    ix = whoosh_index.open_dir(str(generation))
    names, found = [], []
    for segment in ix._segments():
        names.append(segment.segment_id())
        data = (generation / f"{segment.segment_id()}.seg").read_bytes()
        offset = struct.unpack(">q", data[:8])[0]
        directory = pickle.loads(data[offset:])
        prefix = segment.segment_id().split("_", 1)[1]
        found.append(
            {
                name.replace(prefix, "SEGMENT"): hashlib.sha256(
                    data[info["offset"] : info["offset"] + info["length"]]
                ).hexdigest()
                for name, info in directory.items()
            }
        )
    return names, found


def facet_columns(generation: Path, segments: list[str]) -> tuple[Any, bytes]:
    """The generation's facet columns (facets.py: a 4-byte length, a JSON header, the columns): the header with
    the segments numbered and the data files' modification times left out (they say where the code ran from),
    and the columns' bytes."""
    file = generation / "facet-columns.bin"
    if not file.exists():  # (a folder written by a writer alone)
        return None, b""
    raw = file.read_bytes()
    (length,) = struct.unpack_from("<I", raw)
    header = json.loads(raw[4 : 4 + length])
    numbers = {name: f"segment {number}" for number, name in enumerate(segments)}
    header["segments"] = {numbers.get(name, name): where for name, where in header.get("segments", {}).items()}
    for stamp in header.get("stamp", {}).get("files", {}).values():
        stamp[1] = None  # (size, mtime, digest)
    return header, raw[4 + length :]


def reader_digests(generation: Path) -> dict[str, str]:
    """What a reader of the generation sees, hashed per field: terms and their postings, stored fields, columns."""
    from whoosh import index as whoosh_index

    import ichigo_search.engine.whoosh.schema  # noqa: F401

    ix = whoosh_index.open_dir(str(generation))
    digests: dict[str, hashlib._Hash] = {}

    def feed(key: str, value: object) -> None:
        digests.setdefault(key, hashlib.sha256()).update(repr(value).encode())

    with ix.reader() as reader:
        for field, btext in reader.all_terms():
            info = reader.term_info(field, btext)
            feed(
                f"terms {field}",
                (btext, info.doc_frequency(), info.weight(), info.min_length(), info.max_length(), info.max_weight()),
            )
            matcher = reader.postings(field, btext)
            postings = []
            while matcher.is_active():
                postings.append((matcher.id(), matcher.weight(), matcher.value() or None))
                matcher.next()
            feed(f"postings {field}", (btext, postings))
        for docnum, stored in reader.iter_docs():
            for name in sorted(stored):
                feed(f"stored {name}", (docnum, stored[name]))
        for name, field in ix.schema.items():
            if field.column_type and reader.has_column(name):
                feed(f"column {name}", list(reader.column_reader(name)))
            if field.scorable:
                every = [reader.doc_field_length(docnum, name) for docnum in range(reader.doc_count_all())]
                feed(f"lengths {name}", (reader.field_length(name), every))
    return {key: digest.hexdigest() for key, digest in sorted(digests.items())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--deep", action="store_true", help="also compare what a reader sees, field by field")
    args = parser.parse_args()
    first, second = generation_of(args.first), generation_of(args.second)
    (names_a, a), (names_b, b) = segment_files(first), segment_files(second)
    same = len(a) == len(b)
    print(f"segments: {len(a)} and {len(b)}")
    for number, (files_a, files_b) in enumerate(zip(a, b, strict=False)):
        for name in sorted(set(files_a) | set(files_b)):
            if files_a.get(name) != files_b.get(name):
                same = False
                print(f"segment {number}: {name} differs")
        print(f"segment {number}: {len(files_a)} files compared")
    facets = [facet_columns(folder, names) for folder, names in ((first, names_a), (second, names_b))]
    if facets[0] != facets[1]:
        same = False
        print("facet-columns.bin differs")
    if args.deep or not same:
        deep_a, deep_b = reader_digests(first), reader_digests(second)
        for key in sorted(set(deep_a) | set(deep_b)):
            verdict = "same" if deep_a.get(key) == deep_b.get(key) else "DIFFERENT"
            same = same and verdict == "same"
            print(f"{key:28s} {verdict}")
    print("the same index" if same else "DIFFERENT indexes")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
