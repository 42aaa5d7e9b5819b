"""Crashes and concurrency: kill -9 and Ctrl-C at exact points of a build, searches while the index is
rewritten, two writers at once, a killed lock holder, a full disk, a read-only folder, and fsync order.

The crash points use the ICHIGO_TEST_CRASH hook (store.crash_point: the process signals itself at a
named stage) and, inside Whoosh's own commit, a driver that patches Whoosh's file operations.
"""

from __future__ import annotations

import concurrent.futures
import errno
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ichigo_search import Index, IndexWriteError, store
from ichigo_search.cli import main

N = 120


def v1_records() -> list[dict]:
    return [{"id": f"r-{i}", "caption": f"Convoy {i} on the road to Kunming"} for i in range(N)]


def v2_records() -> list[dict]:
    """v1 with 10 records deleted, 20 edited and 15 added."""
    records = [r for r in v1_records() if int(r["id"][2:]) >= 10]
    for r in records:
        if int(r["id"][2:]) < 30:
            r["caption"] = f"Convoy {r['id'][2:]} on the road to Chungking"
    return records + [{"id": f"n-{i}", "caption": f"Truck {i} near Kunming"} for i in range(15)]


def as_state(records: list[dict]) -> frozenset[tuple[str, str]]:
    return frozenset((r["id"], r["caption"]) for r in records)


V1, V2 = as_state(v1_records()), as_state(v2_records())


def write_corpus(folder: Path, records: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "captions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return folder


def state(index_dir: Path) -> frozenset[tuple[str, str]]:
    """Every (id, caption) the live index holds."""
    with Index(index_dir) as idx:
        return frozenset((f["id"], f["caption"]) for f in idx._searcher_now().whoosh.all_stored_fields())


def leftovers(index_dir: Path) -> list[str]:
    """Generations of killed writers and temporary files."""
    found = [p.name for p in index_dir.iterdir() if p.name.endswith(".tmp")]
    found += [g.name for g in store.generations(index_dir) if (g / store.BUILDING).exists()]
    found += [f"{g.name}/{p.name}" for g in store.generations(index_dir) for p in g.iterdir() if p.suffix == ".tmp"]
    return found


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ICHIGO_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "ichigo_search", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        preexec_fn=_like_a_terminal_job,
    )


def _like_a_terminal_job() -> None:
    """Ctrl-C reaches a command run from a terminal; a job started in the background of a
    non-interactive shell (as CI may run this suite) inherits SIGINT ignored, and then Python
    never turns SIGINT into KeyboardInterrupt. Give the child the terminal's default."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    """Corpus v1, corpus v2 and an index of v1 to copy."""
    root = tmp_path_factory.mktemp("crash")
    v1 = write_corpus(root / "v1", v1_records())
    v2 = write_corpus(root / "v2", v2_records())
    template = root / "template"
    Index(template).rebuild_from(v1)
    return v1, v2, template


def fresh_index(corpora, where: Path) -> Path:
    shutil.copytree(corpora[2], where, symlinks=True)
    return where


# Whoosh's own commit, patched from outside: kill while a segment file is written, before the new
# table of contents is renamed into place, and right after.
DRIVER = r"""
import os, signal, sys
from whoosh.filedb import filestore
point = sys.argv[1]
create, rename = filestore.FileStorage.create_file, filestore.FileStorage.rename_file
calls = []
def create_file(self, name, *a, **k):
    calls.append(name)
    if point == "segment" and len(calls) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return create(self, name, *a, **k)
def rename_file(self, frm, to, *a, **k):
    if point == "toc-before-rename" and ".toc" in frm:
        os.kill(os.getpid(), signal.SIGKILL)
    result = rename(self, frm, to, *a, **k)
    if point == "toc-after-rename" and ".toc" in to:
        os.kill(os.getpid(), signal.SIGKILL)
    return result
filestore.FileStorage.create_file, filestore.FileStorage.rename_file = create_file, rename_file
from ichigo_search.cli import main
sys.argv = ["ichigo-search", *sys.argv[2:]]
main()
"""

REBUILD_POINTS = [f"record:{n}" for n in (1, 15, 40, 70, 100, 124, 125)]
REBUILD_POINTS += ["commit", "committed", "meta", "synced", "swapped"]
UPDATE_POINTS = ["change:1", "change:18", "change:35", "commit", "committed", "meta", "synced", "swapped"]
WHOOSH_POINTS = ["segment", "toc-before-rename", "toc-after-rename"]


def test_kill_9_at_every_stage_then_the_next_run_finishes(tmp_path, corpora):
    _, v2, _ = corpora
    runs = []
    for mode, points in (("rebuild", REBUILD_POINTS), ("update", UPDATE_POINTS), ("whoosh", WHOOSH_POINTS)):
        for point in points:
            runs.append((mode, point, fresh_index(corpora, tmp_path / f"{mode}-{point.replace(':', '-')}")))
    assert len(runs) >= 20

    def crash(run):
        mode, point, index_dir = run
        args = ["index", "--quiet", "--corpus", str(v2), "--index", str(index_dir)]
        if mode == "rebuild":
            args.insert(1, "--rebuild")
        if mode == "whoosh":
            full_env = {k: v for k, v in os.environ.items() if not k.startswith("ICHIGO_")}
            command = [sys.executable, "-c", DRIVER, point, *args]
            return subprocess.run(command, capture_output=True, text=True, timeout=120, env=full_env)
        return cli(*args, env={store.CRASH_ENV: point})

    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(crash, runs))

    for (mode, point, index_dir), result in zip(runs, results, strict=True):
        label = f"{mode} killed at {point}"
        assert result.returncode == -signal.SIGKILL, (label, result.returncode, result.stderr)
        before = state(index_dir)
        # The old index keeps answering, complete (only a kill after the swap shows the new one).
        assert before == (V2 if point == "swapped" else V1), label
        with Index(index_dir) as idx:
            assert idx.search("Kunming", limit=1000).total == sum("Kunming" in c for _, c in before), label
        # The next run finishes the job and cleans up after the killed one.
        report = Index(index_dir).update_from(v2)
        assert state(index_dir) == V2, label
        if before == V1:
            assert (report.added, report.updated, report.deleted, report.unchanged) == (15, 20, 10, 90), label
        else:
            assert report.unchanged == len(V2) and not report.changed, label
        assert leftovers(index_dir) == [], label
        others = [g for g in store.generations(index_dir) if g != store.current_generation(index_dir)]
        kept = store.previous_generation(index_dir)  # an update's replaced generation; none after a rebuild
        assert others == ([kept] if kept else []) and all((g / store.META).exists() for g in others), label
        if before == V1:  # this run was an incremental update
            assert len(others) == 1, label
        with Index(index_dir) as idx:
            assert len(idx) == len(V2)


def test_after_a_rebuild_with_no_readers_only_the_live_generation_remains(tmp_path, corpora):
    index_dir = fresh_index(corpora, tmp_path / "index")
    Index(index_dir).update_from(corpora[1])  # an update keeps the generation it replaced (PREVIOUS)
    live, kept = store.current_generation(index_dir), store.previous_generation(index_dir)
    assert kept is not None and store.generations(index_dir) == sorted([live, kept])
    Index(index_dir).update_from(corpora[0])  # the next one keeps only the one it replaced
    assert store.previous_generation(index_dir) == live
    assert store.generations(index_dir) == sorted([live, store.current_generation(index_dir)])
    result = cli("index", "--rebuild", "--quiet", "--corpus", str(corpora[0]), "--index", str(index_dir))
    assert result.returncode == 0, result.stderr
    assert store.generations(index_dir) == [store.current_generation(index_dir)]
    assert store.previous_generation(index_dir) is None and state(index_dir) == V1


def test_a_reader_keeps_a_replaced_generation_until_it_lets_go(tmp_path, corpora):
    index_dir = fresh_index(corpora, tmp_path / "index")
    reader = Index(index_dir)
    assert reader.search("Kunming").total > 0
    old = store.current_generation(index_dir)
    Index(index_dir).rebuild_from(corpora[1])  # another writer; the reader still holds the old generation
    assert old.exists() and (old / store.META).exists()
    assert reader.search("Kunming").total > 0  # the reader moves to the new generation, letting go of the old
    assert not old.exists()
    assert store.generations(index_dir) == [store.current_generation(index_dir)]
    held = store.current_generation(index_dir)
    result = cli("index", "--rebuild", "--quiet", "--corpus", str(corpora[0]), "--index", str(index_dir))
    assert result.returncode == 0 and held.exists()  # held by this process while another rebuilds
    reader.close()
    assert not held.exists() and store.generations(index_dir) == [store.current_generation(index_dir)]


@pytest.mark.parametrize("mode, point", [("--rebuild", "record:60"), ("", "change:20"), ("--rebuild", "commit:0")])
def test_ctrl_c_stops_cleanly_and_shows_nothing_half_written(tmp_path, corpora, mode, point):
    index_dir = fresh_index(corpora, tmp_path / "index")
    generation = store.current_generation(index_dir)
    args = ["index", *([mode] if mode else []), "--corpus", str(corpora[1]), "--index", str(index_dir)]
    result = cli(*args, env={store.CRASH_ENV: f"{point}:INT"})
    assert result.returncode == 130, result.stderr
    assert "interrupted" in result.stderr and "Traceback" not in result.stderr
    assert store.current_generation(index_dir) == generation
    assert store.generations(index_dir) == [generation]  # its own half-built generation is gone
    assert state(index_dir) == V1


def _reader(index_dir: str, stop_file: str, queue) -> None:
    """Search until told to stop; every answer must be one complete state of the index."""
    v1 = {i: c for i, c in V1}
    v2 = {i: c for i, c in V2}
    queries = errors = 0
    seen = set()
    problems = []
    deadline = time.monotonic() + 90
    idx = Index(index_dir)
    while not os.path.exists(stop_file) and time.monotonic() < deadline:
        try:
            results = idx.search("Convoy OR Truck", limit=1000)
            found = {hit.id: hit.caption for hit in results}
            if found == v1 and results.total == len(v1):
                seen.add("v1")
            elif found == v2 and results.total == len(v2):
                seen.add("v2")
            else:
                errors += 1
                problems.append(f"incomplete answer: {results.total} hits")
        except Exception as exc:
            errors += 1
            problems.append(repr(exc))
        queries += 1
    queue.put((queries, errors, sorted(seen), problems[:5]))


def test_searches_during_index_and_rebuild_see_old_or_new_never_half(tmp_path, corpora):
    v1, v2, _ = corpora
    index_dir = fresh_index(corpora, tmp_path / "index")
    stop = tmp_path / "stop"
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    readers = [context.Process(target=_reader, args=(str(index_dir), str(stop), queue))]
    for reader in readers:
        reader.start()
    try:
        for args in (("index", v2), ("index --rebuild", v1), ("index --rebuild", v2), ("index", v1)):
            result = cli(*args[0].split(), "--quiet", "--corpus", str(args[1]), "--index", str(index_dir))
            assert result.returncode == 0, result.stderr
    finally:
        stop.touch()
    outcomes = [queue.get(timeout=120) for _ in readers]
    for reader in readers:
        reader.join(timeout=30)
    queries = sum(o[0] for o in outcomes)
    errors = sum(o[1] for o in outcomes)
    print(f"concurrent reader queries: {queries}, errors: {errors}")
    assert errors == 0, [o[3] for o in outcomes]
    assert queries >= 20
    assert {"v1", "v2"} <= set().union(*(o[2] for o in outcomes))


LOCK_HOLDER = r"""
import sys, time
from pathlib import Path
from ichigo_search import store
with store.write_lock(Path(sys.argv[1]), timeout=5):
    print("locked", flush=True)
    time.sleep(120)
"""


def test_second_writer_waits_then_says_busy_and_a_killed_holder_frees_the_lock(tmp_path, corpora):
    index_dir = fresh_index(corpora, tmp_path / "index")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICHIGO_")}
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(index_dir)], stdout=subprocess.PIPE, env=env)
    try:
        assert holder.stdout.readline().strip() == b"locked"
        args = ("index", "--corpus", str(corpora[1]), "--index", str(index_dir))
        busy = cli(*args, env={"ICHIGO_LOCK_TIMEOUT": "0.5"})
        assert busy.returncode == 2 and "Traceback" not in busy.stderr
        assert f"another ichigo-search process (pid {holder.pid}) is updating" in busy.stderr
        assert "waited 0.5 s" in busy.stderr
        assert state(index_dir) == V1
    finally:
        holder.kill()  # SIGKILL: the kernel drops its flock
        holder.wait(timeout=30)
    assert (index_dir / store.LOCK).exists()  # the lock file stays, and does not block
    done = cli(*args, env={"ICHIGO_LOCK_TIMEOUT": "10"})
    assert done.returncode == 0, done.stderr
    assert state(index_dir) == V2


def test_two_index_runs_at_once_both_finish(tmp_path, corpora):
    index_dir = fresh_index(corpora, tmp_path / "index")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICHIGO_")}
    command = [sys.executable, "-m", "ichigo_search", "index", "--rebuild", "--corpus", str(corpora[1])]
    processes = [
        subprocess.Popen(
            [*command, "--index", str(index_dir)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
        )
        for _ in range(2)
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0 and "Traceback" not in stderr, stderr
    assert state(index_dir) == V2 and leftovers(index_dir) == []


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize(
    "rebuild, where",
    [
        (False, "segment"),
        (True, "segment"),
        (False, "meta"),
        (True, "meta"),
        (False, "current"),
        (True, "current"),
        (False, "link"),
    ],
)
def test_full_disk_leaves_the_index_as_it_was(tmp_path, corpora, monkeypatch, rebuild, where):
    from whoosh.filedb import filestore

    index_dir = fresh_index(corpora, tmp_path / "index")
    generation = store.current_generation(index_dir)
    if where == "segment":
        monkeypatch.setattr(filestore.FileStorage, "create_file", _enospc)
    elif where == "meta":
        monkeypatch.setattr(store, "write_meta", _enospc)
    elif where == "current":
        real_replace = os.replace
        monkeypatch.setattr(
            os, "replace", lambda a, b: _enospc() if str(b).endswith(store.CURRENT) else real_replace(a, b)
        )
    else:
        monkeypatch.setattr(os, "link", _enospc)
        monkeypatch.setattr(shutil, "copy2", _enospc)
    idx = Index(index_dir)
    with pytest.raises(IndexWriteError, match="the disk is full") as info:
        (idx.rebuild_from if rebuild else idx.update_from)(corpora[1])
    assert "the index was not changed" in str(info.value)
    assert store.current_generation(index_dir) == generation
    assert store.generations(index_dir) == [generation] and leftovers(index_dir) == []
    assert state(index_dir) == V1
    args = ["index", *(["--rebuild"] if rebuild else []), "--corpus", str(corpora[1]), "--index", str(index_dir)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 2 and "the disk is full" in result.output
    monkeypatch.undo()  # space is free again
    Index(index_dir).update_from(corpora[1])
    assert state(index_dir) == V2


def test_read_only_index_folder(tmp_path, corpora, monkeypatch):
    index_dir = fresh_index(corpora, tmp_path / "index")
    v1 = corpora[0]
    real_open = os.open

    def read_only(path, flags, *args, **kwargs):
        if str(path).startswith(str(index_dir)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    runner = CliRunner()
    args = ["--corpus", str(corpora[1]), "--index", str(index_dir)]
    result = runner.invoke(main, ["index", *args], catch_exceptions=False)
    assert result.exit_code == 2
    assert "read-only file system; the index was not changed" in result.output
    # Searching still works, with a warning that the index could not be brought up to date.
    result = runner.invoke(main, ["query", "Kunming", *args], catch_exceptions=False)
    assert result.exit_code == 0 and "cannot update the index" in result.output
    result = runner.invoke(main, ["query", "Kunming", "--no-update", "--corpus", str(v1), "--index", str(index_dir)])
    assert result.exit_code == 0
    assert state(index_dir) == V1


@pytest.mark.parametrize("rebuild", [False, True], ids=["update", "rebuild"])
def test_new_files_are_fsynced_before_the_swap(tmp_path, corpora, monkeypatch, rebuild):
    index_dir = fresh_index(corpora, tmp_path / "index").resolve()
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", str(Path(dst).resolve())))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    idx = Index(index_dir)
    (idx.rebuild_from if rebuild else idx.update_from)(corpora[1])
    monkeypatch.undo()
    swap = events.index(("replace", str(index_dir / store.CURRENT)))
    synced_before = {path for kind, path in events[:swap] if kind == "fsync"}
    generation = store.current_generation(index_dir).resolve()
    files = {str(p) for p in generation.iterdir() if p.is_file()}
    assert files and files <= synced_before, files - synced_before
    assert str(generation) in synced_before  # the folder's entries
    assert ("fsync", str(index_dir)) in events[swap:]  # the folder entry of CURRENT


def test_the_library_reports_an_interrupted_writer_by_its_marker(tmp_path, corpora):
    """A generation left by a killed writer is recognised by its marker and removed at once."""
    index_dir = fresh_index(corpora, tmp_path / "index")
    orphan = store.new_generation(index_dir)
    (orphan / "junk").write_bytes(b"x" * 100)
    Index(index_dir).update_from(corpora[0])  # nothing to change; still cleans
    assert not orphan.exists() and leftovers(index_dir) == []
