"""Writers that die leave nothing behind, and writers take turns: a rebuild killed (SIGKILL, SIGTERM,
SIGHUP) while its forked helper is still writing leaves no process and no lock behind, and a writer
waiting for the lock is not starved by one that takes it again and again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ichigo_search import Index, store

# A rebuild in two processes (the corpus is read and written in halves, the second by a forked
# helper) however small the corpus and however many cores the machine has.
TWO_PROCESS_REBUILD = r"""
import sys
from ichigo_search.corpus import reading
from ichigo_search.util import forking
reading.PARALLEL_READ_BYTES = 0
forking.can_fork = lambda: True
from ichigo_search.cli import main
sys.argv = ["ichigo-search", *sys.argv[1:]]
main()
"""


def write_corpus(folder: Path, count: int, word: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for part in range(2):
        lines = (
            json.dumps({"id": f"r-{part}-{i}", "caption": f"{word} convoy {i} on the road to Kunming, part {part}"})
            for i in range(count)
        )
        (folder / f"part-{part}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICHIGO_")}
    env.update(extra)
    return env


def session_processes(session: int) -> list[int]:
    """The processes still alive in a session (a killed command and any helper it forked)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) == session:  # state, ..., session id
            found.append(int(entry))
    return found


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    root = tmp_path_factory.mktemp("writers")
    old = write_corpus(root / "old", 1500, "Truck")
    new = write_corpus(root / "new", 1500, "Jeep")
    return old, new


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signame", ["KILL", "TERM", "HUP"])
def test_a_killed_rebuild_leaves_no_helper_and_no_lock(tmp_path, corpora, signame):
    old, new = corpora
    index_dir = tmp_path / "index"
    Index(index_dir).rebuild_from(old)
    args = ["index", "--rebuild", "--quiet", "--corpus", str(new), "--index", str(index_dir)]
    writer = subprocess.Popen(
        [sys.executable, "-c", TWO_PROCESS_REBUILD, *args],
        env=clean_env(**{store.CRASH_ENV: f"record:200:{signame}"}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    _, stderr = writer.communicate(timeout=120)
    assert writer.returncode != 0 and "Traceback" not in stderr, stderr
    deadline = time.monotonic() + 15
    while session_processes(writer.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = session_processes(writer.pid)
    for pid in left:  # do not leave them to the rest of the suite
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"helper processes outlived the killed writer ({signame})"
    with Index(index_dir) as idx:  # the old index still answers
        assert idx.search("Truck", limit=1).total == 3000
    report = Index(index_dir).update_from(new, lock_timeout=5)  # the lock is free
    assert report.rebuilt or report.updated == 3000
    with Index(index_dir) as idx:
        assert idx.search("Jeep", limit=1).total == 3000 and idx.search("Truck", limit=1).total == 0


def test_the_lock_is_not_inherited_by_a_forked_helper(tmp_path):
    """A helper forked while the lock is held does not hold it once its parent is gone."""
    index_dir = tmp_path / "index"
    script = r"""
import os, sys, time
from pathlib import Path
from ichigo_search import store
with store.write_lock(Path(sys.argv[1]), timeout=5):
    if os.fork() == 0:
        time.sleep(60)
        os._exit(0)
    print("locked", flush=True)
    time.sleep(60)
"""
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(index_dir)], stdout=subprocess.PIPE, env=clean_env(), start_new_session=True
    )
    try:
        assert holder.stdout.readline().strip() == b"locked"
        holder.kill()
        holder.wait(timeout=30)
        with store.write_lock(index_dir, timeout=5):
            pass
    finally:
        for pid in session_processes(holder.pid):
            os.kill(pid, signal.SIGKILL)


def test_a_waiting_writer_is_not_starved_by_one_that_loops(tmp_path):
    """One process takes the lock again and again; another, waiting, gets it after a turn or two of it."""
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    turns = tmp_path / "turns"
    turns.touch()
    looper = r"""
import sys, time
from pathlib import Path
from ichigo_search import store
stop, turns = Path(sys.argv[2]), Path(sys.argv[3])
print("looping", flush=True)
while not stop.exists():
    with store.write_lock(Path(sys.argv[1]), timeout=60):
        with turns.open("a") as log:
            log.write("turn\n")
        time.sleep(0.2)
"""
    stop = tmp_path / "stop"
    process = subprocess.Popen(
        [sys.executable, "-c", looper, str(index_dir), str(stop), str(turns)], stdout=subprocess.PIPE, env=clean_env()
    )
    try:
        assert process.stdout.readline().strip() == b"looping"
        waited, seen = [], 0
        for _ in range(3):
            deadline = time.monotonic() + 60
            while len(turns.read_text().splitlines()) <= seen and time.monotonic() < deadline:
                time.sleep(0.01)  # until the looping process holds the lock again
            before = len(turns.read_text().splitlines())
            with store.write_lock(index_dir, timeout=20):
                seen = len(turns.read_text().splitlines())
                waited.append(seen - before)
    finally:
        stop.touch()
        process.wait(timeout=60)
    # Without a queue the looping process retakes the lock at once, turn after turn, and the other waits it out.
    assert all(turns_waited <= 2 for turns_waited in waited), waited


def test_threads_of_one_process_take_turns(tmp_path):
    """POSIX record locks belong to a process: two threads must still not write at once."""
    index_dir = tmp_path / "index"
    inside, overlaps = [], []

    def write() -> None:
        for _ in range(5):
            with store.write_lock(index_dir, timeout=30):
                inside.append(1)
                if len(inside) > 1:
                    overlaps.append(1)
                time.sleep(0.01)
                inside.pop()

    threads = [threading.Thread(target=write) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
