"""What a two-process rebuild's parent does alone once the forked writer's segments are back: its serial tail.

    PYTHONPATH=<tree>/src python benchmarks/rebuild_tail.py --corpus CORPUS --index INDEX

Rebuilds INDEX from CORPUS through the library (``Index.rebuild_from``; CORPUS must be 5 MB or more, so that two
processes parse and write it) and prints the parent's CPU and wall time from the moment the forked writing
process's result arrives to the end of the rebuild, then each step's (the review of what both read, the table of
contents, the facet columns, the checksums, the file states, the metadata, the swap), the facet columns' making in
each writing process where the tree has it (``facets.segment_columns``), and the CPU of the whole build (this
process and its children). Alternate two trees by ``PYTHONPATH`` to compare them.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PARENT = os.getpid()
steps: dict[str, list[float]] = {}  # step -> [CPU-s, wall s] in the parent
arrived: dict[str, float] = {}


def timed(owner: Any, name: str, label: str) -> None:
    """Replace ``owner.name`` with a wrapper adding its CPU and wall time to ``steps`` (a child prints its own)."""
    function: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            if os.getpid() == PARENT:
                total = steps.setdefault(label, [0.0, 0.0])
                total[0] += cpu
                total[1] += wall
            else:
                print(f"  writing process {os.getpid()}: {label} {cpu:.3f} CPU-s", file=sys.stderr)

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    args = parser.parse_args()

    from ichigo_search import Index, facets, indexing, store
    from ichigo_search.corpus import reading
    from ichigo_search.engine.whoosh import writer
    from ichigo_search.util import forking

    result = forking.Forked.result

    def result_noted(self: Any) -> Any:
        found = result(self)
        arrived["cpu"], arrived["wall"] = time.process_time(), time.perf_counter()
        return found

    forking.Forked.result = result_noted
    timed(reading.Reading, "finish", "review: the corpus read (Reading.finish)")
    timed(writer, "delete_documents", "review: repeated ids deleted")
    timed(writer, "_write_toc", "table of contents")
    timed(gc, "get_freeze_count", "gc.get_freeze_count (writer._gc_paused)")
    timed(facets, "write_columns", "facet columns (write_columns)")
    timed(store, "write_manifest", "checksums (write_manifest)")
    timed(indexing, "_write_file_states", "file states")
    timed(store, "write_meta", "meta")
    timed(store, "make_live", "make_live")
    if hasattr(facets, "MADE_BY_WRITERS"):  # the columns made by the writing processes
        timed(facets, "segment_columns", "facet columns made of a segment (segment_columns)")
        facets.MADE_BY_WRITERS = type(facets.MADE_BY_WRITERS)(facets.MADE_BY_WRITERS.fields, facets.segment_columns)

    with Index(args.index) as index:
        index.rebuild_from(args.corpus)
    cpu, wall = time.process_time(), time.perf_counter()
    if not arrived:
        sys.exit("the rebuild forked no writing process: the corpus is under 5 MB")
    print(f"tail after the forked writer's result: {cpu - arrived['cpu']:.3f} CPU-s, {wall - arrived['wall']:.3f} s")
    for label, (step_cpu, step_wall) in steps.items():
        print(f"  {label}: {step_cpu:.3f} CPU-s, {step_wall:.3f} s (this process, the whole build)")
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    print(f"whole build: {total:.2f} CPU-s (this process and its children)")


if __name__ == "__main__":
    main()
