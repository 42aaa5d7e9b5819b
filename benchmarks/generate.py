"""Realistic caption corpora of any size, recombined from the real FSA/OWI captions.

    python benchmarks/generate.py --count 1000000 --out benchmarks/out/data/1000000 [--seed 7] [--data FILE]

The real captions are the repository's 98,244 (``data/fsa-owi/captions.jsonl.gz``)
or, with ``--data``, a gzipped corpus JSONL of your own.  The output is
ichigo-search corpus JSONL (``part-00000.jsonl``, … of ``--per-file`` records
each, or one file when ``--out`` ends in ``.jsonl``).  The first records, up to
``count`` or as many as there are, are the real captions in a seeded order
(unless ``--synthetic-only``); the rest are new captions built the way the real ones
are written: an opening clause from one caption, descriptive clauses and
sentences from others, a real place list written as the catalogue writes it
(``Seattle, Washington. …`` or ``…, Iron County, Michigan``), and a real
photographer, date and subject classification.  Words, phrases, places and
names are therefore all real, with the real frequency distribution; only their
combinations are new.  The same seed and input always give the same records.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FSA_CAPTIONS = ROOT / "data" / "fsa-owi" / "captions.jsonl.gz"
PER_FILE = 10_000
_SENTENCE_END_RE = re.compile(r"(\w+)[.]\s+(?=[A-Z\"(])")
# Words a period follows without ending the sentence ("Mrs. Smith", "St. Louis").
_ABBREVIATIONS = frozenset("Mr Mrs Ms Dr St Ste Mt Ft Co Jr Sr Lt Capt Col Gen Sgt Cpl Pvt Rev No Bros Inc U S".split())
_CODE_RE = re.compile(r"^[A-Z]{2}\.[A-Z0-9.]+$")
COUNTRY = "United States"


def read_real(path: Path = FSA_CAPTIONS) -> list[dict[str, Any]]:
    """The real captions (gzipped corpus JSONL) in file order."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass
class Pools:
    """The real material captions are recombined from (each list keeps real frequencies)."""

    openers: list[str] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    places: list[list[str]] = field(default_factory=list)
    # (photographer, date, subjects) as they occur together on one real record
    credits: list[tuple[str | None, str | None, list[str]]] = field(default_factory=list)


def place_names(places: Iterable[str]) -> list[str]:
    """A record's place list without the country and catalogue codes (``US.DC.001``)."""
    return [p for p in places if p != COUNTRY and not _CODE_RE.match(p)]


def split_sentences(text: str) -> list[str]:
    """Sentences of a caption, without their final period; abbreviations do not end one."""
    sentences, start = [], 0
    for match in _SENTENCE_END_RE.finditer(text):
        word = match.group(1)
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isupper()):
            continue
        sentences.append(text[start : match.start() + len(word)])
        start = match.end()
    sentences.append(text[start:].rstrip().rstrip("."))
    return [s.strip() for s in sentences if s.strip()]


def build_pools(records: list[dict[str, Any]]) -> Pools:
    """Split real captions into opening clauses, further clauses, sentences and place lists.

    Clauses and sentences that are only a place name are left out, so a
    recombined caption names no place but the one its record lists.
    """
    pools = Pools()
    every_place = {name for rec in records for name in rec.get("places") or []}
    for rec in records:
        names = place_names(rec.get("places") or [])
        if names:
            pools.places.append(names)
        pools.credits.append((rec.get("photographer"), rec.get("date"), list(rec.get("subjects") or [])))
        first = True
        for sentence in split_sentences(rec["caption"]):
            parts = [c.strip() for c in sentence.split(", ") if c.strip() and c.strip() not in every_place]
            if not parts:
                continue  # a sentence of place names only ("Seattle, Washington")
            if first:
                pools.openers.append(parts[0])
                pools.clauses.extend(parts[1:])
                first = False
            else:
                pools.sentences.append(", ".join(parts))
    return pools


def _place_phrase(rng: random.Random, names: list[str]) -> str:
    """A place as captions write it: city and state, sometimes with the county."""
    if len(names) >= 3 and rng.random() < 0.35:
        return ", ".join(names)
    if len(names) >= 2:
        return f"{names[0]}, {names[-1]}"
    return names[0]


def synthetic_record(rng: random.Random, pools: Pools, ident: str) -> dict[str, Any]:
    """One new caption record recombined from the pools."""
    body = rng.choice(pools.openers)
    for _ in range(rng.choices((0, 1, 2), weights=(50, 35, 15))[0]):
        body += ", " + rng.choice(pools.clauses)
    names = rng.choice(pools.places) if rng.random() < 0.85 else []
    style = rng.random()
    if names and style < 0.3:
        caption = f"{_place_phrase(rng, names)}. {body}"
    elif names and style < 0.85:
        caption = f"{body}, {_place_phrase(rng, names)}"
    else:
        caption = body
    if rng.random() < 0.35:
        caption += ". " + rng.choice(pools.sentences)
    photographer, date, subjects = rng.choice(pools.credits)
    return {
        "id": ident,
        "caption": caption,
        "places": [*names, COUNTRY] if names else [],
        "date": date,
        "photographer": photographer,
        "collection": "FSA/OWI (recombined)",
        "subjects": subjects,
    }


def generate(count: int, seed: int = 7, *, synthetic_only: bool = False, real: list[dict[str, Any]] | None = None):
    """Yield ``count`` corpus records: the real ones (shuffled by ``seed``) first, then recombined ones."""
    real = read_real() if real is None else real
    rng = random.Random(seed)
    made = 0
    if not synthetic_only:
        order = list(range(len(real)))
        rng.shuffle(order)
        for i in order[:count]:
            yield real[i]
        made = min(count, len(real))
    if made < count:
        pools = build_pools(real)
        for i in range(made, count):
            yield synthetic_record(rng, pools, f"gen-{seed}-{i:07d}")


def write_corpus(records: Iterable[dict[str, Any]], out: Path, per_file: int = PER_FILE) -> int:
    """Write records as corpus JSONL: one file if ``out`` ends in .jsonl, else numbered parts."""
    if out.suffix == ".jsonl":
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as f:
            return sum(1 for rec in records if f.write(json.dumps(rec, ensure_ascii=False) + "\n"))
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    for number, chunk in enumerate(_chunks(records, per_file)):
        with (out / f"part-{number:05d}.jsonl").open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(rec, ensure_ascii=False) + "\n" for rec in chunk)
        total += len(chunk)
    return total


def _chunks(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, required=True, help="records to write (up to 1,000,000 and beyond)")
    parser.add_argument("--out", type=Path, required=True, help="corpus folder, or a .jsonl file")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-file", type=int, default=PER_FILE, help="records per part file")
    parser.add_argument("--synthetic-only", action="store_true", help="no real captions, only recombined ones")
    parser.add_argument("--data", "--source", type=Path, default=FSA_CAPTIONS, help="real captions (.jsonl.gz)")
    args = parser.parse_args(argv)
    records = generate(args.count, args.seed, synthetic_only=args.synthetic_only, real=read_real(args.data))
    written = write_corpus(records, args.out, args.per_file)
    print(f"wrote {written:,} records to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
