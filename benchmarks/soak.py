"""Soak test: kills, truncations, bit flips, edits and slow clients against the command line and a server,
for a bounded time.

    python benchmarks/soak.py [--seconds 120] [--records 20000] [--data FILE] [--slow 300]

Copies the first --records FSA/OWI captions (or those of --data, a gzipped corpus JSONL)
into four files of a temporary corpus, builds the index, starts ``serve --workers 2`` on
127.0.0.1 over it (with the corpus, so it repairs damage; header deadline 2 s), then until
the time is up repeats one harm chosen at random, followed by queries:

- kill:     ``index --rebuild`` started and killed (SIGKILL, SIGTERM or SIGHUP) after a random delay;
- truncate: a segment of the live index cut to a random length;
- flip:     random bytes written into a segment (its size kept);
- edit:     a caption changed, a record added or one deleted, in a corpus file;
- slow:     --slow connections that send half a request's headers and then a byte at a time
            (slowloris), while a client searches the server every 0.2 s; the server must cut
            every slow one off and answer the others;

each followed by ``query`` (with its automatic update, which repairs what the harm broke) for a few
words, then one search of the server. At the end ``index`` runs once more and ``check`` verifies
every byte. Prints the harms done, the queries run, failed queries (exit 2), server searches that
failed (no answer, or an error other than 503 while it rebuilds), slow clients cut off, tracebacks
and "a bug" messages seen on stderr (the server's included), leftover processes, and records lost
(the corpus's records the final index lacks). Everything runs on this machine, on loopback.
"""

from __future__ import annotations

import argparse
import atexit
import gzip
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from generate import FSA_CAPTIONS

WORDS = ["farm", "tractor", "church", "Vermont", "school", "Negro", "cotton"]
HOST = "127.0.0.1"
HEADER_TIMEOUT = 2.0


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def search_server(port: int, word: str) -> int | None:
    """The status of one search of the server (None: no answer)."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/api/search?q={word}&limit=3", timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def slow_clients(port: int, count: int, rng: random.Random) -> tuple[int, list[int | None]]:
    """``count`` slowloris connections and, meanwhile, searches every 0.2 s: (slow ones cut off, search statuses)."""
    slow = []
    for _ in range(count):
        sock = socket.create_connection((HOST, port), timeout=5)
        sock.sendall(b"GET /api/search?q=farm HTTP/1.1\r\nHost: x\r\n")
        sock.setblocking(False)
        slow.append(sock)
    closed: set[int] = set()
    statuses = []
    deadline = time.monotonic() + HEADER_TIMEOUT * 10
    while len(closed) < count and time.monotonic() < deadline:
        for number, sock in enumerate(slow):
            if number in closed:
                continue
            try:
                sock.send(b"X")  # a header line that never ends
                if sock.recv(1) == b"":
                    closed.add(number)
            except BlockingIOError:
                pass
            except OSError:  # reset by the server
                closed.add(number)
        statuses.append(search_server(port, rng.choice(WORDS)))
        time.sleep(0.2)
    for sock in slow:
        sock.close()
    return len(closed), statuses


def start_server(corpus: Path, index: Path, port: int, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICHIGO_")}
    env["ICHIGO_HEADER_TIMEOUT"] = str(HEADER_TIMEOUT)
    command = [sys.executable, "-m", "ichigo_search", "serve", "--corpus", str(corpus), "--index", str(index)]
    command += ["--host", HOST, "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log.open("wb"), env=env)
    deadline = time.monotonic() + 120
    while search_server(port, "farm") != 200:
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"serve did not start: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.3)
    return server


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
    parser.add_argument("--slow", type=int, default=300, help="slow connections at once in the slow-client harm")
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
    port, server_log = free_port(), work / "serve.log"
    server = start_server(corpus, index, port, server_log)
    atexit.register(lambda: server.poll() is None and server.kill())  # however this script ends

    harms: dict[str, int] = {}
    queries = failed = tracebacks = bugs = leftover = 0
    served = served_failed = served_busy = slow_total = slow_cut = 0
    notes: list[str] = []
    next_id = 0
    deadline = time.monotonic() + args.seconds

    def seen(result: subprocess.CompletedProcess) -> None:
        nonlocal tracebacks, bugs
        tracebacks += "Traceback" in result.stderr
        bugs += "This is a bug" in result.stderr

    while time.monotonic() < deadline:
        harm = rng.choice(["kill", "truncate", "flip", "edit", "slow"])
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
        elif harm == "slow":
            cut, statuses = slow_clients(port, args.slow, rng)
            slow_total, slow_cut = slow_total + args.slow, slow_cut + cut
            served += len(statuses)
            served_busy += statuses.count(503)
            served_failed += sum(status not in (200, 503) for status in statuses)
            if cut < args.slow:
                notes.append(f"slow: {args.slow - cut} of {args.slow} slow connections still open at the deadline")
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
        status = search_server(port, rng.choice(WORDS))  # the server after the harm and the repair
        served += 1
        served_busy += status == 503
        if status not in (200, 503):
            served_failed += 1
            notes.append(f"{harm}: server search answered {status}")
    server_alive = server.poll() is None
    server.terminate()
    try:
        server.wait(60)
    except subprocess.TimeoutExpired:
        server.kill()
    server_text = server_log.read_text(encoding="utf-8", errors="replace")
    server_tracebacks = server_text.count("Traceback")
    server_errors = server_text.count("error serving")  # a 500: an unexpected error in a request
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
    print(
        f"server: {served} searches, {served_failed} failed, {served_busy} answered 503 while rebuilding; "
        f"slow clients cut off: {slow_cut} of {slow_total}; alive at the end: {server_alive}; "
        f"tracebacks in its log: {server_tracebacks}, errors serving: {server_errors}"
    )
    print(f"leftover processes after kills: {leftover}")
    print(f"final index: exit {final.returncode}; check: sound {report.get('sound')}, records {report.get('records')}")
    print(f"records lost: {lost}; 50 sampled ids shown: {present}")
    for note in notes[:10]:
        print(f"  {note}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
