"""Typed errors: every failure a user can cause has a class and a clear message."""

from __future__ import annotations

from dataclasses import dataclass


class IchigoError(Exception):
    """Base class of every error ichigo-search raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the corpus, located as precisely as the format allows."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class CorpusError(IchigoError):
    """The corpus has problems; ``problems`` lists every one found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems[:50])
        more = f"\n  … and {count - 50} more" if count > 50 else ""
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"the corpus has {count} {noun}:\n{lines}{more}")


class CorpusChangedError(IchigoError):
    """A corpus file changed between being checked and being indexed; running again reads it anew."""


class IndexBusyError(IchigoError):
    """Another process is updating the index and did not finish in time."""


class IndexFormatError(IchigoError):
    """The index on disk is missing, damaged or was built by an incompatible version."""


class IndexWriteError(IchigoError):
    """The index folder cannot be written (read-only, full disk, no permission); nothing was changed."""


class IndexDamagedError(IndexFormatError):
    """A file of the index is missing, cut short or changed since it was written (``reason`` says which)."""

    def __init__(self, generation: object, reason: str):
        self.generation = generation
        self.reason = reason
        super().__init__(f"{generation}: the index is damaged: {reason}; run `ichigo-search index --rebuild`")


class EngineError(IchigoError):
    """A search server (Solr) cannot be reached or refused a request; the message says which and why."""
