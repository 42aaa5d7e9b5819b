"""Places read from every record by this tree and by another revision: CPU time and differences.

    python benchmarks/locating.py --ref main                   # the 98,244 FSA/OWI records, both sides
    python benchmarks/locating.py --ref 601bc94 --size 20000 --rounds 3
    python benchmarks/locating.py --ref HEAD --show 1000        # every record read differently, to judge

Each side runs in its own process (``--ref REV`` is exported with ``git archive`` into
``benchmarks/out/src-COMMIT``), reads the records of ``--data`` (default: the FSA/OWI captions in
``data/``), locates each one (:func:`ichigo_search.vocab.locating.locate`) and reports the CPU
seconds of that loop.  The sides alternate for ``--rounds``; the readings of the last round are
compared record by record (places with where each was read, the place tree, names, hidden names,
caption and title spans), and every difference is counted: it must be 0 for a change that only
makes locating faster.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import OUT, ROOT, compile_bytecode, export_revision

CAPTIONS = ROOT / "data" / "fsa-owi" / "captions.jsonl.gz"


def readings(data: Path, size: int) -> tuple[float, list[tuple]]:
    """Locate the first ``size`` records of ``data`` with the package on sys.path: (CPU seconds, readings)."""
    from ichigo_search.corpus.record import record_from_mapping
    from ichigo_search.vocab.gazetteer import gazetteer
    from ichigo_search.vocab.locating import locate

    records = []
    with gzip.open(data, "rt", encoding="utf-8") as handle:
        for line in handle:
            record, _ = record_from_mapping(json.loads(line))
            if record is not None:
                records.append(record)
            if len(records) >= size:
                break
    places = gazetteer()
    places.keys()  # loaded once by every writing process; not part of the loop
    gc.disable()  # as while the index is written (engine/whoosh/writer.py)
    started = time.process_time()
    found = [locate(record, places) for record in records]
    cpu = time.process_time() - started
    gc.enable()
    return cpu, [
        (
            record.id,
            [(p.id, *located.sources[p.id]) for p in located.direct],
            [p.id for p in located.tree],
            located.names,
            located.hidden,
            located.caption_spans,
            located.title_spans,
        )
        for record, located in zip(records, found, strict=True)
    ]


def run_side(src: Path, data: Path, size: int, answer: Path) -> float:
    """One side's CPU seconds; its readings are pickled to ``answer``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, __file__, "--child", str(answer), "--data", str(data), "--size", str(size)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def differences(ours: list[tuple], theirs: list[tuple], show: int = 5) -> int:
    """Records whose readings differ (a few printed)."""
    fields = ("places", "tree", "names", "hidden", "caption spans", "title spans")
    count = 0
    for mine, other in zip(ours, theirs, strict=True):
        if mine != other:
            count += 1
            if count <= show:
                which = [f for f, a, b in zip(fields, mine[1:], other[1:], strict=True) if a != b]
                print(f"  {mine[0]} differs in {', '.join(which)}: {mine[1:]} against {other[1:]}")
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", help="the revision to compare with (git archive of its src/)")
    parser.add_argument("--data", type=Path, default=CAPTIONS, help="a gzipped corpus JSONL")
    parser.add_argument("--size", type=int, default=10**9, help="records to locate (default: all)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each side, alternating")
    parser.add_argument("--show", type=int, default=5, help="records that differ to print (default: 5)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        cpu, found = readings(args.data, args.size)
        args.child.write_bytes(pickle.dumps(found))
        print(cpu)
        return 0
    sides = {"this tree": ROOT / "src"}
    if args.ref:
        sides[f"{args.ref}"] = export_revision(args.ref, OUT)[0]
    compile_bytecode(list(sides.values()))
    with tempfile.TemporaryDirectory() as work:
        answers = {name: Path(work) / f"side{n}.pickle" for n, name in enumerate(sides)}
        times: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(args.rounds):
            for name in reversed(sides):  # the reference first in each round
                times[name].append(run_side(sides[name], args.data, args.size, answers[name]))
        loaded = {name: pickle.loads(path.read_bytes()) for name, path in answers.items()}
    load = os.getloadavg()[0]
    records = len(loaded["this tree"])
    print(f"{records:,} records located, load average {load:.1f}; CPU seconds of the locate loop per round:")
    for name, values in times.items():
        per = min(values) / records * 1e6
        print(f"  {name:>12}: {' '.join(f'{v:.2f}' for v in values)}  (best {per:.0f} us a record)")
    if args.ref:
        ratio = min(times[args.ref]) / min(times["this tree"])
        print(f"  {args.ref} / this tree, best of each: {ratio:.2f}x")
        different = differences(loaded["this tree"], loaded[args.ref], args.show)
        print(f"records whose readings differ: {different}")
        return 1 if different else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
