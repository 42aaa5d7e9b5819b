"""The index folder on disk: generations, the CURRENT pointer, the write lock, metadata.

Layout::

    index/
      CURRENT          name of the live generation, replaced atomically
      gen-<stamp>/     a Whoosh index plus meta.json
      .lock            locked (a POSIX record lock) by the one process writing
      .queue/          one ticket per writer waiting for the lock, oldest first

Every write makes a new generation and never touches the live one: a rebuild
writes it from scratch, an incremental update starts from hard links to the
live generation's files (Whoosh never rewrites a file it has written, so the
links are safe) and commits there.  The new generation is fsynced, then
CURRENT is swapped: a reader sees the old index or the new one, never a
half-written one, and a writer killed at any moment leaves the live index as
it was.  A generation being built holds a ``.building`` marker; the next
writer deletes such orphans at once, and retired generations after
GRACE_SECONDS, for readers still opening them.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import signal
import stat
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ichigo_search.errors import IndexBusyError, IndexDamagedError, IndexFormatError

CURRENT = "CURRENT"
META = "meta.json"
# What a generation's corpus files were when it was written (indexing.py); rewritten in place like META.
FILE_STATES = "corpus-files.json"
# The checksum of every file the engine wrote (write_manifest, verify).
MANIFEST = "checksums.json"
LOCK = ".lock"
# Writers waiting for the lock, one ticket file each (write_lock).
QUEUE = ".queue"
GENERATION_PREFIX = "gen-"
# Inside a generation that is not live yet; a generation holding it and not
# named by CURRENT is the leftover of a killed writer.
BUILDING = ".building"
# Old generations are kept this long after being replaced, for readers still opening them.
GRACE_SECONDS = 60.0
_NOT_LISTED = {META, FILE_STATES, MANIFEST, BUILDING}
_GENERATION_RE = re.compile(r"gen-[0-9A-Za-z-]{1,64}")
_MAX_POINTER_BYTES = 256
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

# -- test hook ----------------------------------------------------------------
# ICHIGO_TEST_CRASH="stage[:count[:SIGNAL]]" makes the process signal itself (SIGKILL, or
# INT like Ctrl-C, TERM, HUP) when a write reaches that stage, so tests can crash a
# build at exact points.  Parsed once at import; unset, crash_point returns at once.
CRASH_ENV = "ICHIGO_TEST_CRASH"
_CRASH_SIGNALS = {"KILL": signal.SIGKILL, "INT": signal.SIGINT, "TERM": signal.SIGTERM, "HUP": signal.SIGHUP}


def _crash_plan() -> tuple[str, int, int] | None:
    spec = os.environ.get(CRASH_ENV, "").strip()
    if not spec:
        return None
    parts = spec.split(":")
    sig = _CRASH_SIGNALS.get(parts[-1].upper(), signal.SIGKILL)
    if parts[-1].upper() in _CRASH_SIGNALS:
        parts.pop()
    try:
        return parts[0], int(parts[1]) if len(parts) > 1 else 0, sig
    except ValueError:
        return None


_crash = _crash_plan()


def crash_point(stage: str, count: int = 0) -> None:
    """Test hook: signal this process when ``ICHIGO_TEST_CRASH`` names this stage and count."""
    global _crash
    if _crash is None:
        return
    want_stage, want_count, sig = _crash
    if stage == want_stage and count == want_count:
        _crash = None
        os.kill(os.getpid(), sig)


# -- generations ----------------------------------------------------------------


def _damaged(path: Path, what: str) -> IndexFormatError:
    return IndexFormatError(f"{path}: {what}; run `ichigo-search index --rebuild`")


def _read_pointer(root: Path) -> str | None:
    """The generation name CURRENT holds, validated; None when there is no CURRENT."""
    path = root / CURRENT
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _damaged(path, "is a symbolic link, not the index's own pointer") from None
        if exc.errno == errno.ENOTDIR:
            raise IndexFormatError(f"{root}: is not a folder") from None
        raise IndexFormatError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        data = os.read(fd, _MAX_POINTER_BYTES + 1)
    except OSError as exc:
        raise _damaged(path, f"cannot read ({exc.strerror})") from exc
    finally:
        os.close(fd)
    name = data.decode("ascii", errors="replace").strip()
    if len(data) > _MAX_POINTER_BYTES or not _GENERATION_RE.fullmatch(name):
        shown = name if len(name) <= 60 else name[:60] + "…"
        raise _damaged(path, f"damaged pointer {shown!r}")
    return name


def current_generation(root: Path) -> Path | None:
    """The live generation folder, or None when no index was built yet.

    CURRENT must name a real ``gen-…`` folder directly inside ``root``: anything
    else (``../../etc``, a symbolic link, garbage) raises IndexFormatError.
    """
    name = _read_pointer(root)
    if name is None:
        return None
    path = root / name
    if path.is_symlink():
        raise _damaged(path, "is a symbolic link, not a generation folder")
    if not path.is_dir():
        raise _damaged(path, "missing")
    return path


def live_generation(root: Path) -> tuple[Path | None, str | None]:
    """Like current_generation, but a damaged pointer is returned as a message, not raised."""
    try:
        return current_generation(root), None
    except IndexFormatError as exc:
        return None, str(exc)


def new_generation(root: Path) -> Path:
    """Create an empty generation folder, marked as being built (not yet live)."""
    root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = root / f"{GENERATION_PREFIX}{stamp}-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    (path / BUILDING).touch()
    return path


def clone_generation(root: Path, source: Path) -> Path:
    """A new generation holding hard links to (or, where links fail, copies of) ``source``'s files."""
    target = new_generation(root)
    try:
        for child in source.iterdir():
            if child.name == BUILDING or child.name.endswith(("_WRITELOCK", ".tmp")) or child.is_symlink():
                continue
            if not child.is_file():
                continue
            try:
                os.link(child, target / child.name)
            except OSError:
                shutil.copy2(child, target / child.name)
    except BaseException:
        discard(target)
        raise
    return target


def discard(generation: Path) -> None:
    """Delete a generation that never went live, its marker last (an interrupted delete stays an orphan)."""
    with contextlib.suppress(OSError):
        for child in generation.iterdir():
            if child.name == BUILDING:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    child.unlink()
    with contextlib.suppress(OSError):
        (generation / BUILDING).unlink()
    with contextlib.suppress(OSError):
        generation.rmdir()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def sync_tree(path: Path) -> None:
    """fsync every file of a generation and the folder itself before it goes live."""
    for child in path.iterdir():
        if child.is_file() and not child.is_symlink():
            with open(child, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(path)


def write_atomic(path: Path, content: str | bytes) -> None:
    """Replace ``path`` with ``content`` (text as UTF-8) so readers see the old or the new content."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def make_live(root: Path, generation: Path, retired: Path | None = None) -> None:
    """Sync ``generation`` to disk and atomically point CURRENT at it.

    ``retired`` (the generation it replaces) is touched first, so its grace
    period for readers counts from now.
    """
    sync_tree(generation)
    _fsync_dir(root)  # the generation's own entry, before CURRENT names it
    crash_point("synced")
    if retired is not None:
        with contextlib.suppress(OSError):
            os.utime(retired)
    pointer = root / CURRENT
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISDIR(pointer.lstat().st_mode):  # damage: a folder where the pointer belongs
            shutil.rmtree(pointer)
    write_atomic(pointer, generation.name + "\n")
    crash_point("swapped")
    with contextlib.suppress(OSError):
        (generation / BUILDING).unlink()


def remove_stale(root: Path, keep: Path | None) -> None:
    """Delete leftovers: generations of killed writers at once, replaced ones after their grace period.

    Call with the write lock held.  Symbolic links are never followed or deleted.
    """
    now = time.time()
    try:
        children = list(root.iterdir())
    except OSError:
        return
    for child in children:
        try:
            info = child.lstat()
        except OSError:
            continue
        if keep is not None and child.name == keep.name:
            with contextlib.suppress(OSError):
                (child / BUILDING).unlink()
            continue
        if stat.S_ISDIR(info.st_mode) and child.name.startswith(GENERATION_PREFIX):
            orphan = (child / BUILDING).exists()
            if orphan or now - info.st_mtime > GRACE_SECONDS:
                shutil.rmtree(child, ignore_errors=True)
        elif stat.S_ISREG(info.st_mode) and child.name.startswith(".") and child.name.endswith(".tmp"):
            with contextlib.suppress(OSError):
                child.unlink()


def generations(root: Path) -> list[Path]:
    """Every ``gen-…`` folder in the index folder (live, replaced or orphaned)."""
    try:
        return sorted(p for p in root.iterdir() if p.name.startswith(GENERATION_PREFIX) and p.is_dir())
    except OSError:
        return []


def read_meta(generation: Path) -> dict[str, Any]:
    """The generation's metadata (format version, build times, corpus fingerprint)."""
    try:
        data = json.loads((generation / META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise _damaged(generation / META, f"unreadable ({exc})") from exc
    if not isinstance(data, dict):
        raise _damaged(generation / META, "unreadable (not a JSON object)")
    for key, (types, shape) in _META_TYPES.items():
        value = data.get(key)
        wrong = value is not None and (not isinstance(value, types) or (key == "records" and isinstance(value, bool)))
        if wrong:
            raise IndexDamagedError(generation, f"{META}: {key!r} must be {shape}, not {_json_type(value)}")
    if not all(isinstance(name, str) for name in data.get("corpus_files") or []):
        raise IndexDamagedError(generation, f"{META}: 'corpus_files' must be a list of file names")
    return data


# The type of each value meta.json holds (every one may be missing or null); "format" is compared, not typed.
_META_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "thesaurus": ((dict,), "an object"),
    "collection": ((dict,), "an object"),
    "place_aliases": ((dict,), "an object"),
    "corpus_files": ((list,), "a list"),
    "records": ((int,), "a whole number"),
    "corpus_path": ((str,), "text"),
    "corpus_fingerprint": ((str,), "text"),
    "built_at": ((str,), "text"),
    "updated_at": ((str,), "text"),
}


def _json_type(value: Any) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def write_meta(generation: Path, meta: dict[str, Any]) -> None:
    """Write the generation's metadata atomically and durably."""
    write_atomic(generation / META, json.dumps(meta, indent=2, sort_keys=True))


# -- checksums ------------------------------------------------------------------
# Every file the engine wrote into a generation is listed in MANIFEST with its size, CRC-32 and
# modification time, written when the generation is published (as Lucene's codec footers carry a
# checksum). The files indexing rewrites in a live generation (META, FILE_STATES) are not listed:
# they are JSON, checked as they are read.


def _listed(generation: Path) -> list[Path]:
    """The files of a generation that its manifest lists: what the engine wrote."""
    return sorted(
        child
        for child in generation.iterdir()
        if child.name not in _NOT_LISTED
        and not child.name.endswith((".tmp", "_WRITELOCK"))
        and child.is_file()
        and not child.is_symlink()
    )


def file_checksum(path: Path) -> int:
    """The CRC-32 of a file's bytes, read a megabyte at a time."""
    crc = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def write_manifest(generation: Path, previous: Path | None = None) -> None:
    """List every engine file of ``generation`` with its size and checksum, before it goes live.

    A file hard-linked from ``previous`` (the generation an update started from) with the
    size and time recorded there keeps its recorded checksum; every other file is read.
    """
    before = (read_manifest(previous) or {}) if previous is not None else {}
    files = {}
    for path in _listed(generation):
        info = path.stat()
        old = before.get(path.name)
        crc = None
        if old is not None and (old["size"], old["mtime_ns"]) == (info.st_size, info.st_mtime_ns):
            with contextlib.suppress(OSError):
                if os.path.samestat(info, (previous / path.name).stat()):
                    crc = old["crc32"]
        if crc is None:
            crc = file_checksum(path)
        files[path.name] = {"size": info.st_size, "crc32": crc, "mtime_ns": info.st_mtime_ns}
    write_atomic(generation / MANIFEST, json.dumps({"algorithm": "crc32", "files": files}, indent=1, sort_keys=True))


def read_manifest(generation: Path) -> dict[str, dict[str, int]] | None:
    """The manifest's files (name -> size, crc32, mtime_ns); None when there is none; damage raises."""
    try:
        data = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise IndexDamagedError(generation, f"{MANIFEST} unreadable ({exc})") from exc
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict) or data.get("algorithm") != "crc32":
        raise IndexDamagedError(generation, f"{MANIFEST} is not a list of checksums")
    for name, entry in files.items():
        typed = isinstance(entry, dict) and all(type(entry.get(key)) is int for key in ("size", "crc32", "mtime_ns"))
        if not typed or "/" in name:
            raise IndexDamagedError(generation, f"{MANIFEST}: damaged entry {name[:60]!r}")
    return files


# How deeply verify() looks: sizes only (cheap enough for every search), sizes and the checksums of
# small files and of files modified since they were written (every ``index``), every byte (``check``).
SIZES, CHANGED, FULL = "sizes", "changed", "full"
SMALL_FILE = 1 << 20


def verify(generation: Path, depth: str = FULL, files: dict[str, dict[str, int]] | None = None) -> list[str]:
    """What is wrong with the generation's files against its manifest (empty when sound).

    ``files`` is the manifest already read (read here otherwise). A generation without
    a manifest was written by an older version: that is reported too.
    """
    if files is None:
        try:
            files = read_manifest(generation)
        except IndexDamagedError as exc:
            return [exc.reason]
        if files is None:
            return [f"no checksums ({MANIFEST} missing: written by an older version, or lost)"]
    problems = []
    for name, entry in files.items():
        path = generation / name
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            problems.append(f"{name}: missing")
            continue
        except OSError as exc:
            problems.append(f"{name}: cannot be read ({exc.strerror})")
            continue
        if not stat.S_ISREG(info.st_mode):
            problems.append(f"{name}: not a regular file")
        elif info.st_size != entry["size"]:
            problems.append(
                f"{name}: {info.st_size:,} bytes, {entry['size']:,} when written (cut short or overwritten)"
            )
        elif depth == FULL or (
            depth == CHANGED and (info.st_mtime_ns != entry["mtime_ns"] or info.st_size <= SMALL_FILE)
        ):
            try:
                crc = file_checksum(path)
            except OSError as exc:
                problems.append(f"{name}: cannot be read ({exc.strerror})")
                continue
            if crc != entry["crc32"]:
                problems.append(f"{name}: checksum mismatch (its bytes changed since it was written)")
    return problems


def verified(generation: Path, depth: str = FULL, files: dict[str, dict[str, int]] | None = None) -> None:
    """Raise IndexDamagedError naming what :func:`verify` found, if anything."""
    problems = verify(generation, depth, files)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise IndexDamagedError(generation, problems[0] + more)


def _lock_holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        pid = int(os.pread(fd, 32, 0).split()[0])
        return f" (pid {pid})"
    return ""


# Writers of one folder within this process (POSIX record locks are per process, not per thread).
_THREAD_LOCKS: dict[str, Any] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def _thread_lock(root: Path) -> Any:
    key = os.path.realpath(root)
    with _THREAD_LOCKS_GUARD:
        return _THREAD_LOCKS.setdefault(key, threading.Lock())


def _try_lock(fd: int) -> bool:
    """Take the POSIX record lock on ``fd`` without waiting; False when another process holds it."""
    import fcntl

    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise


class _Ticket:
    """A writer's place in the queue: a file in ``.queue/`` named by the time it arrived, locked while it lives.

    A writer takes the write lock only when no living ticket is older than its own, so a writer
    that loops (release, take again) queues behind one that was already waiting. A ticket whose
    writer died is unlocked (the kernel dropped the lock with the process) and is deleted by the
    next writer that looks at it.
    """

    def __init__(self, root: Path) -> None:
        self.folder = root / QUEUE
        self.folder.mkdir(exist_ok=True)
        draft = self.folder / f".{uuid.uuid4().hex}"
        self.fd = os.open(draft, os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
        try:
            _try_lock(self.fd)  # a new file: nobody else holds it
            self.name = f"{time.time_ns():020d}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            os.rename(draft, self.folder / self.name)  # appears locked
        except BaseException:
            os.close(self.fd)
            with contextlib.suppress(OSError):
                draft.unlink()
            raise

    def first(self) -> bool:
        """Whether no living writer queued before this one (dead writers' tickets are deleted)."""
        try:
            names = sorted(os.listdir(self.folder))
        except OSError:
            return True
        for name in names:
            if name.startswith("."):  # a draft: deleted once its writer has long died before queueing
                with contextlib.suppress(OSError):
                    if time.time() - (self.folder / name).lstat().st_mtime > GRACE_SECONDS:
                        _ticket_alive(self.folder / name)
            elif name < self.name and _ticket_alive(self.folder / name):
                return False
        return True

    def leave(self) -> None:
        with contextlib.suppress(OSError):
            (self.folder / self.name).unlink()
        os.close(self.fd)


def _ticket_alive(path: Path) -> bool:
    """Whether the writer that queued ``path`` still lives; a dead writer's ticket is deleted."""
    try:
        fd = os.open(path, os.O_RDWR | _NOFOLLOW)
    except OSError:
        return False
    try:
        if not _try_lock(fd):
            return True
        with contextlib.suppress(OSError):
            path.unlink()
        return False
    finally:
        os.close(fd)  # also drops the lock just taken


def _busy(root: Path, holder: str, timeout: float) -> IndexBusyError:
    return IndexBusyError(
        f"another ichigo-search process{holder} is updating {root} (waited {timeout:g} s); try again when it finishes"
    )


@contextlib.contextmanager
def write_lock(root: Path, timeout: float) -> Iterator[None]:
    """Hold the index's write lock; wait up to ``timeout`` seconds for other writers, first come first served.

    The lock is a POSIX record lock on ``.lock``: the kernel drops it when its process
    ends, however it ends, and a forked child never inherits it, so a writer killed while
    its helper processes still run leaves nothing locked. Waiting writers queue by
    arrival (:class:`_Ticket`).
    """
    root.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + max(0.0, timeout)
    in_process = _thread_lock(root)
    if not in_process.acquire(timeout=max(0.0, timeout)):
        raise _busy(root, f" (a thread of this one, pid {os.getpid()})", timeout)
    try:
        fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o644)
        try:
            ticket = _Ticket(root)
            try:
                while not (ticket.first() and _try_lock(fd)):
                    if time.monotonic() >= deadline:
                        raise _busy(root, _lock_holder(fd), timeout) from None
                    time.sleep(0.05)
            finally:
                ticket.leave()
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            yield
        finally:
            os.close(fd)  # drops the record lock
    finally:
        in_process.release()


def folder_size(path: Path) -> int:
    """Total bytes of the files in a folder (not recursive)."""
    total = 0
    for child in path.iterdir():
        with contextlib.suppress(OSError):
            if child.is_file():
                total += child.stat().st_size
    return total
