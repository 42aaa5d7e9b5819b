"""Places read from captions written in capitals (or in headline case), against the same captions as written.

    python benchmarks/capitals.py                      # 20,000 FSA/OWI captions drawn at random (seed 13)
    python benchmarks/capitals.py --style headline     # Every Word Capitalized
    python benchmarks/capitals.py --ref 14a3af4 --size 98244 --show 20

Card catalogues and Signal Corps captions of the period are often written all in capitals, and some
catalogues capitalize every word. Each caption of ``--data`` is read (``Gazetteer.find``) as written
and in that style, and the places of the two readings are compared: the share of captions that read
the same places, and the precision and recall of the reading in that style against the one as
written. The reading as written is no gold standard (it is wrong where a capitalized word misleads
it: "Vultee's Downey, California plant"), so both figures fall short of 1 for good reasons too;
``--show`` prints captions that differ, to judge.  ``--ref REV`` measures another revision's tree
too (``git archive`` of its ``src/``, as ``locating.py`` does), each side in its own process.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

from bench import OUT, ROOT, export_revision

CAPTIONS = ROOT / "data" / "fsa-owi" / "captions.jsonl.gz"
SEED = 13
STYLES = {
    "capitals": str.upper,
    "headline": lambda text: re.sub(r"(?<![\w'’])[a-z]", lambda letter: letter.group().upper(), text),
}


def agreement(data: Path, size: int, show: int, style: str) -> dict[str, float]:
    """Read ``size`` captions of ``data`` as written and in ``style`` with the package on sys.path."""
    from ichigo_search.vocab.gazetteer import gazetteer

    with gzip.open(data, "rt", encoding="utf-8") as lines:
        captions = [json.loads(line)["caption"] for line in lines]
    random.Random(SEED).shuffle(captions)
    captions = captions[:size]
    places = gazetteer()
    same = found = kept = written = shown = 0
    for caption in captions:
        as_written = {m.place.id for m in places.find(caption)}
        in_capitals = {m.place.id for m in places.find(STYLES[style](caption))}
        same += as_written == in_capitals
        found += len(in_capitals)
        kept += len(as_written & in_capitals)
        written += len(as_written)
        if as_written != in_capitals and shown < show:
            shown += 1
            lost, gained = sorted(as_written - in_capitals), sorted(in_capitals - as_written)
            print(f"{caption[:150]}\n    in {style}, lost {lost} gained {gained}", file=sys.stderr)
    return {
        "captions": len(captions),
        "same": same / len(captions),
        "precision": kept / found if found else 1.0,
        "recall": kept / written if written else 1.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=CAPTIONS, help="a gzipped corpus JSONL")
    parser.add_argument("--size", type=int, default=20_000, help="captions drawn at random (default: 20,000)")
    parser.add_argument("--ref", help="another revision to measure too")
    parser.add_argument("--show", type=int, default=0, help="captions that read differently to print, per side")
    parser.add_argument("--style", choices=sorted(STYLES), default="capitals", help="how the captions are rewritten")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(agreement(args.data, args.size, args.show, args.style)))
        return 0
    sides = {"this tree": ROOT / "src"}
    if args.ref:
        sides[args.ref] = export_revision(args.ref, OUT)[0]
    print(f"side          captions  same places  precision  recall   (in {args.style}, against as written)")
    for name, src in sides.items():
        command = [sys.executable, __file__, "--child", "--data", str(args.data), "--size", str(args.size)]
        command += ["--show", str(args.show), "--style", args.style]
        done = subprocess.run(
            command, env={**os.environ, "PYTHONPATH": str(src)}, stdout=subprocess.PIPE, text=True, check=True
        )
        result = json.loads(done.stdout)
        print(
            f"{name:<12} {result['captions']:>9,}  {result['same']:>11.3f}  {result['precision']:>9.3f}"
            f"  {result['recall']:>6.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
