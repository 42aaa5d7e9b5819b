"""Readers of generations: a reader holds the generation it searches; a retired one goes once no reader holds it.

A reader takes a shared ``flock`` on the generation's folder (:func:`hold`) for as long
as it searches it; the kernel drops the lock when the reader closes it or dies,
however it dies. A generation is retired once neither CURRENT nor PREVIOUS names it
and it is not being built; :func:`collect` deletes every retired generation on which
it can take the lock exclusively, that is, which no reader holds. Writers collect
after every write, and a reader collects when it lets go of a generation, so the last
reader of a retired generation deletes it.

Races, and why they are safe: a reader that read CURRENT just before a swap may find its
generation being deleted (the shared lock is refused) or deleted (the folder has no link
left); it reads CURRENT again. A generation being built appears with its ``.building``
marker, which it loses only once CURRENT names it, and a retired generation is never named
again, so a folder without the marker that the pointers do not name, read after its lock
is taken, is retired for good.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import stat
import weakref
from pathlib import Path

from ichigo_search.errors import IndexFormatError
from ichigo_search.store.generation import (
    BUILDING,
    CURRENT,
    GENERATION_PREFIX,
    NOFOLLOW,
    PREVIOUS,
    _read_pointer,
)

_OPEN_FOLDER = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class Hold:
    """A reader's shared lock on one generation folder; :meth:`release` lets go of it."""

    def __init__(self, generation: Path, fd: int):
        self.generation = generation
        self._close = weakref.finalize(self, os.close, fd)  # also when it is dropped without release()

    def release(self) -> None:
        """Let go of the generation (once; later calls do nothing)."""
        self._close()


def hold(generation: Path) -> Hold | None:
    """A shared lock on ``generation`` for as long as it is searched; None when it is being deleted or is gone.

    On a file system without ``flock`` the hold is given without a lock (and :func:`collect`
    deletes nothing there).
    """
    try:
        fd = os.open(generation, _OPEN_FOLDER)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):  # a collector holds it: being deleted
            os.close(fd)
            return None
        return Hold(generation, fd)  # no locks here
    if os.fstat(fd).st_nlink == 0:  # deleted between our look at CURRENT and the lock
        os.close(fd)
        return None
    return Hold(generation, fd)


def _named(root: Path) -> set[str] | None:
    """The generations CURRENT and PREVIOUS name, read in that order; None when CURRENT is missing or damaged."""
    try:
        live = _read_pointer(root, CURRENT)
    except IndexFormatError:
        return None
    if live is None:
        return None
    try:
        kept = _read_pointer(root, PREVIOUS)
    except IndexFormatError:
        kept = None
    return {live, kept} - {None}  # type: ignore[return-value]


def collect(root: Path) -> list[str]:
    """Delete every retired generation of the index in ``root`` that no reader holds; their names.

    Safe without the write lock (see the module's notes). With CURRENT missing or damaged
    nothing is deleted: which generation is live is not known.
    """
    named = _named(root)
    if named is None:
        return []
    try:
        children = sorted(root.iterdir())
    except OSError:
        return []
    deleted = []
    for child in children:
        if not child.name.startswith(GENERATION_PREFIX) or child.name in named:
            continue
        with contextlib.suppress(OSError):
            if not stat.S_ISDIR(child.lstat().st_mode) or (child / BUILDING).exists():
                continue
            if _delete_unheld(root, child):
                deleted.append(child.name)
    return deleted


def _delete_unheld(root: Path, generation: Path) -> bool:
    """Delete ``generation`` if its lock can be taken exclusively and the pointers still do not name it."""
    fd = os.open(generation, _OPEN_FOLDER)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # a reader holds it (or the file system has no locks): keep it
            return False
        named = _named(root)
        if named is None or generation.name in named or os.fstat(fd).st_nlink == 0:
            return False
        shutil.rmtree(generation, ignore_errors=True)
        return not generation.exists()
    finally:
        os.close(fd)


def remove_stale(root: Path, keep: Path | None) -> None:
    """Delete leftovers: generations of killed writers and half-made files, and retired generations no reader holds.

    Call with the write lock held (no other writer is building).  Symbolic links are never
    followed or deleted.
    """
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
            if (child / BUILDING).exists():  # an orphan: its writer died
                shutil.rmtree(child, ignore_errors=True)
        elif child.name.startswith(".") and child.name.endswith(".tmp"):
            if stat.S_ISDIR(info.st_mode):  # a generation folder a writer died making
                shutil.rmtree(child, ignore_errors=True)
            elif stat.S_ISREG(info.st_mode):
                with contextlib.suppress(OSError):
                    child.unlink()
    collect(root)
