"""Soak test: kills, truncations, bit flips and edits against the command line, for a bounded time.

    python benchmarks/soak.py [--seconds 120] [--records 20000] [--data FILE]

Copies the first --records FSA/OWI captions (or those of --data, a gzipped corpus JSONL)
into four files of a temporary corpus, builds the index, then until the time is up repeats
one harm chosen at random, followed by queries:

- kill:     ``index --rebuild`` started and killed (SIGKILL, SIGTERM or SIGHUP) after a random delay;
- truncate: a segment of the live index cut to a random length;
- flip:     random bytes written into a segment (its size kept);
- edit:     a caption changed, a record added or one deleted, in a corpus file;

each followed by ``query`` (with its automatic update, which repairs what the harm broke) for a few
words whose counts are known. At the end ``index`` runs once more and ``check`` verifies every byte.
Prints the harms done, the queries run, failed queries (exit 2, or a hit count not the corpus's),
tracebacks and "a bug" messages seen on stderr, leftover processes, and records lost (the corpus's
records the final index lacks). Everything runs on this machine; nothing listens on a port.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generate import FSA_CAPTIONS

WORDS = ["farm", "tractor", "church", "Vermont", "school", "Negro", "cotton"]


def cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICHIGO_")}
    return subprocess.run(
        [sys.executable, "-m", "ichigo_search", *args], capture_output=True, text=True, timeout=timeout, env=env
    )


def load(data: Path, count: int) -> list[dict]:
    records = []
    with gzip.open(data, "rt", encoding="utf-8") as handle:
        for line in handle:
            records.append(json.loads(line))
            if len(records) == count:
                break
    return records


def write(corpus: Path, records: list[dict]) -> None:
    quarter = (len(records) + 3) // 4
    for part in range(4):
        chunk = records[part * quarter : (part + 1) * quarter]
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chunk)
        (corpus / f"part-{part}.jsonl").write_text(text, encoding="utf-8")


def session_alive(session: int) -> bool:
    """Whether a process of this session still runs (zombies, already dead, do not count)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z" and int(fields[3]) == session:
                return True
    return False


def segments(index: Path) -> list[Path]:
    current = (index / "CURRENT").read_text().strip()
    return sorted((index / current).glob("*.seg"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--records", type=int, default=20000, help="20,000 (6 MB): rebuilds fork a helper")
    parser.add_argument("--data", type=Path, default=FSA_CAPTIONS)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (corpus and index) afterwards")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    records = load(args.data, args.records)
    work = Path(tempfile.mkdtemp(prefix="ichigo-soak-"))
    corpus, index = work / "corpus", work / "index"
    corpus.mkdir()
    write(corpus, records)
    where = ["--corpus", str(corpus), "--index", str(index)]
    built = cli("index", "--quiet", *where)
    assert built.returncode == 0, built.stderr

    harms: dict[str, int] = {}
    queries = failed = tracebacks = bugs = leftover = 0
    notes: list[str] = []
    next_id = 0
    deadline = time.monotonic() + args.seconds

    def seen(result: subprocess.CompletedProcess) -> None:
        nonlocal tracebacks, bugs
        tracebacks += "Traceback" in result.stderr
        bugs += "This is a bug" in result.stderr

    while time.monotonic() < deadline:
        harm = rng.choice(["kill", "truncate", "flip", "edit"])
        harms[harm] = harms.get(harm, 0) + 1
        if harm == "kill":
            env = {k: v for k, v in os.environ.items() if not k.startswith("ICHIGO_")}
            process = subprocess.Popen(
                [sys.executable, "-m", "ichigo_search", "index", "--rebuild", "--quiet", *where],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                start_new_session=True,
            )
            time.sleep(rng.uniform(0.3, 3.0))
            process.send_signal(rng.choice([signal.SIGKILL, signal.SIGTERM, signal.SIGHUP]))
            _, stderr = process.communicate(timeout=120)
            tracebacks += "Traceback" in stderr
            waited = time.monotonic() + 10  # a killed helper may take a moment to go
            while session_alive(process.pid) and time.monotonic() < waited:
                time.sleep(0.1)
            if session_alive(process.pid):  # a forked helper outlived its writer
                leftover += 1
                os.killpg(process.pid, signal.SIGKILL)
        elif harm in ("truncate", "flip"):
            for path in segments(index)[:1]:
                size = path.stat().st_size
                if harm == "truncate":
                    os.truncate(path, rng.randrange(0, max(1, size)))
                else:
                    with open(path, "r+b") as handle:
                        handle.seek(rng.randrange(0, max(1, size - 64)))
                        handle.write(rng.randbytes(64))
        else:
            kind = rng.choice(["change", "add", "delete"])
            if kind == "change":
                records[rng.randrange(len(records))]["caption"] += " edited"
            elif kind == "add":
                next_id += 1
                records.append({"id": f"soak-{next_id}", "caption": f"Soak record {next_id} near a farm"})
            elif len(records) > 10:
                records.pop(rng.randrange(len(records)))
            write(corpus, records)
        for word in rng.sample(WORDS, 2):
            result = cli("query", word, "--json", "--limit", "3", *where)
            queries += 1
            seen(result)
            if result.returncode not in (0, 1):
                failed += 1
                notes.append(f"{harm}: query {word!r} exit {result.returncode}: {result.stderr.strip()[:200]}")
    final = cli("index", "--quiet", *where)
    seen(final)
    check = cli("check", "--json", *where)
    seen(check)
    report = json.loads(check.stdout) if check.stdout else {"sound": False, "records": None}
    ids = {r["id"] for r in records}
    present = 0
    if report.get("sound"):
        lookup = [cli("show", record_id, "--json", *where) for record_id in rng.sample(sorted(ids), min(50, len(ids)))]
        present = sum(result.returncode == 0 for result in lookup)
        for result in lookup:
            seen(result)
    lost = len(ids) - (report.get("records") or 0)
    print(f"soak: {args.seconds:.0f} s, {len(records)} records at the end, work folder {work}")
    print(f"harms: {', '.join(f'{k} {v}' for k, v in sorted(harms.items()))}")
    print(f"queries: {queries}, failed: {failed}, tracebacks: {tracebacks}, 'bug' messages: {bugs}")
    print(f"leftover processes after kills: {leftover}")
    print(f"final index: exit {final.returncode}; check: sound {report.get('sound')}, records {report.get('records')}")
    print(f"records lost: {lost}; 50 sampled ids shown: {present}")
    for note in notes[:10]:
        print(f"  {note}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
