"""The index folder on disk: generations, the CURRENT pointer, the write lock, metadata.

Layout::

    index/
      CURRENT          name of the live generation, replaced atomically
      gen-<stamp>/     a Whoosh index plus meta.json
      .lock            held (flock) by the one process writing

Incremental updates commit inside the live generation (Whoosh's own commit
renames a new table of contents into place).  A rebuild writes a new
generation beside the old one, syncs it to disk, then swaps CURRENT: a reader
sees the old index or the new one, never a half-built one.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import IndexBusyError, IndexFormatError

CURRENT = "CURRENT"
META = "meta.json"
LOCK = ".lock"
GENERATION_PREFIX = "gen-"
# Old generations are kept this long after a swap, for readers still opening them.
GRACE_SECONDS = 60.0


def current_generation(root: Path) -> Path | None:
    """The live generation folder, or None when no index was built yet."""
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexFormatError(f"{root / CURRENT}: cannot read ({exc.strerror})") from exc
    if not name.startswith(GENERATION_PREFIX) or "/" in name or "\\" in name:
        raise IndexFormatError(f"{root / CURRENT}: damaged pointer {name!r}; run `ichigo-search index --rebuild`")
    path = root / name
    if not path.is_dir():
        raise IndexFormatError(f"{path}: missing; run `ichigo-search index --rebuild`")
    return path


def new_generation(root: Path) -> Path:
    """Create an empty generation folder (not yet live)."""
    root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = root / f"{GENERATION_PREFIX}{stamp}-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    return path


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
        if child.is_file():
            with open(child, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(path)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so readers see the old or the new content."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def make_live(root: Path, generation: Path) -> None:
    """Atomically point CURRENT at ``generation``."""
    sync_tree(generation)
    write_atomic(root / CURRENT, generation.name + "\n")


def remove_stale(root: Path, keep: Path | None) -> None:
    """Delete generations other than ``keep`` whose grace period ran out, and temp files."""
    now = time.time()
    for child in root.iterdir():
        if child == keep:
            continue
        stale = now - child.stat().st_mtime > GRACE_SECONDS
        if child.is_dir() and child.name.startswith(GENERATION_PREFIX) and stale:
            shutil.rmtree(child, ignore_errors=True)
        elif child.name.endswith(".tmp") and child.name.startswith(".") and stale:
            with contextlib.suppress(OSError):
                child.unlink()


def read_meta(generation: Path) -> dict[str, Any]:
    """The generation's metadata (format version, build times, corpus fingerprint)."""
    try:
        return json.loads((generation / META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise IndexFormatError(f"{generation / META}: unreadable ({exc}); run `ichigo-search index --rebuild`") from exc


def write_meta(generation: Path, meta: dict[str, Any]) -> None:
    write_atomic(generation / META, json.dumps(meta, indent=2, sort_keys=True))


@contextlib.contextmanager
def write_lock(root: Path, timeout: float) -> Iterator[None]:
    """Hold the index's write lock; wait up to ``timeout`` seconds for another writer.

    The lock is an OS file lock: a killed writer's lock is released by the
    kernel, so a stale lock can never block the index.
    """
    import fcntl

    root.mkdir(parents=True, exist_ok=True)
    handle = open(root / LOCK, "a+")  # noqa: SIM115 - held across the yield
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        f"another ichigo-search process is updating {root} "
                        f"(waited {timeout:g} s); try again when it finishes"
                    ) from None
                time.sleep(0.1)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def folder_size(path: Path) -> int:
    """Total bytes of the files in a folder (not recursive)."""
    return sum(child.stat().st_size for child in path.iterdir() if child.is_file())
