"""Checksums of a generation's files: the manifest written when it is published, and verification."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import zlib
from pathlib import Path

from ichigo_search.errors import IndexDamagedError
from ichigo_search.store.generation import BUILDING, FILE_STATES, META, write_atomic

# The checksum of every file the engine wrote (write_manifest, verify).
MANIFEST = "checksums.json"
_NOT_LISTED = {META, FILE_STATES, MANIFEST, BUILDING}

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
