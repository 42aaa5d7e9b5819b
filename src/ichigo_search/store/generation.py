"""Generations of an index folder: the CURRENT and PREVIOUS pointers, new, cloned, live and stale ones, meta.json."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import stat
import time
import uuid
from pathlib import Path
from typing import Any

from ichigo_search.errors import IndexDamagedError, IndexFormatError
from ichigo_search.store.crash import crash_point

CURRENT = "CURRENT"
# Names the generation an incremental update replaced, kept to answer from while a damaged live one is rebuilt.
PREVIOUS = "PREVIOUS"
META = "meta.json"
# What a generation's corpus files were when it was written (indexing.py); rewritten in place like META.
FILE_STATES = "corpus-files.json"
GENERATION_PREFIX = "gen-"
# Inside a generation that is not live yet; a generation holding it and not
# named by CURRENT is the leftover of a killed writer.
BUILDING = ".building"
_GENERATION_RE = re.compile(r"gen-[0-9A-Za-z-]{1,64}")
_MAX_POINTER_BYTES = 256
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _damaged(path: Path, what: str) -> IndexFormatError:
    return IndexFormatError(f"{path}: {what}; run `ichigo-search index --rebuild`")


def _read_pointer(root: Path, pointer: str = CURRENT) -> str | None:
    """The generation name a pointer (CURRENT, PREVIOUS) holds, validated; None when there is none."""
    path = root / pointer
    try:
        fd = os.open(path, os.O_RDONLY | NOFOLLOW)
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


def previous_generation(root: Path) -> Path | None:
    """The generation kept from before the last incremental update (:data:`PREVIOUS`), or None.

    None too when the pointer is damaged, names the live generation, or its folder is gone.
    """
    try:
        name = _read_pointer(root, PREVIOUS)
        live = _read_pointer(root)
    except IndexFormatError:
        return None
    path = root / name if name is not None else None
    if path is None or name == live or path.is_symlink() or not path.is_dir():
        return None
    return path


def live_generation(root: Path) -> tuple[Path | None, str | None]:
    """Like current_generation, but a damaged pointer is returned as a message, not raised."""
    try:
        return current_generation(root), None
    except IndexFormatError as exc:
        return None, str(exc)


def new_generation(root: Path) -> Path:
    """Create an empty generation folder, marked as being built (not yet live).

    The folder appears with its marker (made under a temporary name, then renamed), so a
    reader cleaning up retired generations never mistakes it for one.
    """
    root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = root / f"{GENERATION_PREFIX}{stamp}-{uuid.uuid4().hex[:8]}"
    draft = root / f".{path.name}.tmp"
    draft.mkdir()
    try:
        (draft / BUILDING).touch()
        os.rename(draft, path)
    except BaseException:
        shutil.rmtree(draft, ignore_errors=True)
        raise
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


def _clear_pointer(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISDIR(path.lstat().st_mode):  # damage: a folder where the pointer belongs
            shutil.rmtree(path)
        else:
            path.unlink()


def make_live(root: Path, generation: Path, retired: Path | None = None, keep_retired: bool = False) -> None:
    """Sync ``generation`` to disk and atomically point CURRENT at it.

    With ``keep_retired``, PREVIOUS names ``retired`` (the generation it replaces) from
    then on; otherwise PREVIOUS is cleared. PREVIOUS is written first: a reader that
    looks at CURRENT then PREVIOUS never sees ``retired`` named by neither.
    """
    sync_tree(generation)
    _fsync_dir(root)  # the generation's own entry, before CURRENT names it
    crash_point("synced")
    if keep_retired and retired is not None:
        if (root / PREVIOUS).is_dir():
            _clear_pointer(root / PREVIOUS)
        write_atomic(root / PREVIOUS, retired.name + "\n")
    else:
        _clear_pointer(root / PREVIOUS)
    pointer = root / CURRENT
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISDIR(pointer.lstat().st_mode):  # damage: a folder where the pointer belongs
            shutil.rmtree(pointer)
    write_atomic(pointer, generation.name + "\n")
    crash_point("swapped")
    with contextlib.suppress(OSError):
        (generation / BUILDING).unlink()


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
    "data": ((dict,), "an object"),
    "corpus_files": ((list,), "a list"),
    "records": ((int,), "a whole number"),
    "corpus_path": ((str,), "text"),
    "engine": ((str,), "text"),
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


def folder_size(path: Path) -> int:
    """Total bytes of the files in a folder (not recursive)."""
    total = 0
    for child in path.iterdir():
        with contextlib.suppress(OSError):
            if child.is_file():
                total += child.stat().st_size
    return total
