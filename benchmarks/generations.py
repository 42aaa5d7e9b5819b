"""What the kept PREVIOUS generation costs on disk, and that a rebuild leaves one generation.

    python benchmarks/generations.py [--size 98244] [--edits 3]

Builds an index of ``bench.py``'s corpus of SIZE captions, then runs ``index`` after each of: one
caption edited (EDITS times), a file of 100 captions added, and finally ``index --rebuild``.
After each it prints the generations in the folder, the live generation's bytes, the bytes only
the kept PREVIOUS generation holds (files that are not hard links to the live generation's), and
the folder's bytes counting each file once. No reader holds anything, so every other generation
is deleted at once.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench import OUT, PYTHON, corpus_for
from generate import FSA_CAPTIONS

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024


def files(folder: Path) -> dict[int, int]:
    """inode -> size of the regular files directly in ``folder``."""
    found = {}
    for path in folder.iterdir():
        info = path.lstat()
        if path.is_file() and not path.is_symlink():
            found[info.st_ino] = info.st_size
    return found


def report(index: Path, step: str, seconds: float) -> None:
    live_name = (index / "CURRENT").read_text().strip()
    previous = index / "PREVIOUS"
    kept_name = previous.read_text().strip() if previous.exists() else None
    generations = sorted(p.name for p in index.iterdir() if p.name.startswith("gen-"))
    live = files(index / live_name)
    kept = files(index / kept_name) if kept_name and (index / kept_name).is_dir() else {}
    only_kept = sum(size for inode, size in kept.items() if inode not in live)
    every = {}
    for name in generations:
        every.update(files(index / name))
    print(
        f"{step:<22} {seconds:6.2f} s  generations {len(generations)}  live {sum(live.values()) / MB:7.1f} MB  "
        f"only in PREVIOUS {only_kept / 1024:8.1f} KB  folder {sum(every.values()) / MB:7.1f} MB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=98_244)
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--data", type=Path, default=FSA_CAPTIONS)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    source = corpus_for(args.size, OUT, args.seed, args.data)
    work = Path(tempfile.mkdtemp(prefix="ichigo-generations-"))
    try:
        corpus, index = work / "corpus", work / "index"
        shutil.copytree(source, corpus, ignore=shutil.ignore_patterns(".done"))
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

        def index_run(step: str, *extra: str) -> None:
            command = [PYTHON, "-m", "ichigo_search", "index", "--quiet", *extra]
            started = time.perf_counter()
            subprocess.run([*command, "--corpus", str(corpus), "--index", str(index)], env=env, check=True)
            report(index, step, time.perf_counter() - started)

        index_run("build")
        parts = sorted(corpus.glob("*.jsonl"))
        for number in range(args.edits):
            lines = parts[number].read_text(encoding="utf-8").splitlines()
            record = json.loads(lines[7])
            record["caption"] += " edited"
            lines[7] = json.dumps(record, ensure_ascii=False)
            time.sleep(1.1)  # a new modification time
            parts[number].write_text("\n".join(lines) + "\n", encoding="utf-8")
            index_run(f"one caption edited {number + 1}")
        added = [{"id": f"added-{i}", "caption": f"Added caption {i} of a farm near Vermont"} for i in range(100)]
        (corpus / "added.jsonl").write_text("".join(json.dumps(r) + "\n" for r in added), encoding="utf-8")
        index_run("100 captions added")
        index_run("index --rebuild", "--rebuild")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
