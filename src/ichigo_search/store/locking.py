"""The write lock of an index folder: one writer at a time (a POSIX record lock), served in turn."""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ichigo_search.errors import IndexBusyError
from ichigo_search.store.generation import NOFOLLOW

LOCK = ".lock"
# Writers waiting for the lock, one ticket file each (write_lock).
QUEUE = ".queue"
# A draft ticket older than this belongs to a writer that died before queueing.
_DRAFT_SECONDS = 60.0


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
        self.fd = os.open(draft, os.O_RDWR | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o644)
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
                    if time.time() - (self.folder / name).lstat().st_mtime > _DRAFT_SECONDS:
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
        fd = os.open(path, os.O_RDWR | NOFOLLOW)
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
        fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT | NOFOLLOW, 0o644)
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
