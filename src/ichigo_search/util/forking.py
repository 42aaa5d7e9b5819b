"""A function run in a forked process, its result (or its error) sent back through a pipe.

Forking shares the parent's memory (a read corpus, a loaded gazetteer) without pickling
it; only the result travels.  Used where a job splits into two halves for two cores:
reading a large corpus (``corpus.reading``) and writing a rebuilt index (``engine.whoosh.writer``).
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any

from ichigo_search.errors import IchigoError


def can_fork() -> bool:
    """Whether this system forks processes, and has a second core to run one on."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1


class Forked:
    """``function(*args)`` running in a forked process; :meth:`result` waits for what it returns."""

    def __init__(self, function: Callable[..., Any], *args: Any, role: str = "process") -> None:
        import multiprocessing

        self._role = role
        context = multiprocessing.get_context("fork")
        self._receiver, sender = context.Pipe(duplex=False)
        parent = os.getpid()
        self._process = context.Process(target=_run, args=(function, args, sender, self._receiver, parent), daemon=True)
        self._process.start()
        sender.close()

    def result(self) -> Any:
        """What the function returned, once the process has ended; its error raised here if it failed.

        An :class:`IchigoError` (a problem the user can act on) is raised as the function
        raised it; anything else as a RuntimeError naming the process.
        """
        try:
            kind, payload = self._receiver.recv()
        except EOFError:
            kind, payload = "error", "the process ended without a result"
        finally:
            self._receiver.close()
        self._process.join()
        if kind == "result":
            return payload
        if isinstance(payload, IchigoError):
            raise payload
        detail = f"{type(payload).__name__}: {payload}" if isinstance(payload, BaseException) else payload
        raise RuntimeError(f"{self._role} {self._process.pid} failed: {detail}")

    def kill(self) -> None:
        """Stop the process (when the parent gives up on the job)."""
        self._process.kill()
        self._process.join()
        self._receiver.close()


def _run(function: Callable[..., Any], args: tuple, sender, receiver, parent: int) -> None:
    receiver.close()  # the parent's end: were the parent gone, sending fails instead of waiting for a reader
    die_with_parent(parent)
    try:
        sender.send(("result", function(*args)))
    except BaseException as exc:  # the parent raises it; nothing here may escape the fork
        try:
            sender.send(("error", exc))
        except Exception:  # an exception that does not pickle: its text
            sender.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        sender.close()


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """In a forked process: be killed when the parent dies (Linux), and end now if it already has.

    A parent killed by SIGKILL cannot stop its helpers itself; without this one would write on
    for nothing, then wait forever on its pipe. Elsewhere the closed pipe ends it when it reports.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)


# gc_frozen blocks open in this process (a forked process inherits its parent's, as it does the frozen objects).
_frozen_blocks = 0


@contextlib.contextmanager
def gc_frozen(active: bool) -> Iterator[None]:
    """Keep the garbage collector off every object so far while writer processes are forked.

    The collector writes to the objects it scans, which would copy every page of the
    parsed corpus into each child (copy-on-write); frozen, the pages stay shared.
    """
    global _frozen_blocks
    if not active:
        yield
        return
    gc.collect()
    gc.freeze()
    _frozen_blocks += 1
    try:
        yield
    finally:
        _frozen_blocks -= 1
        gc.unfreeze()


def in_gc_frozen() -> bool:
    """True inside :func:`gc_frozen` (what ``gc.get_freeze_count() > 0`` tells, without walking every frozen
    object: 37 ms for 3 million)."""
    return _frozen_blocks > 0
