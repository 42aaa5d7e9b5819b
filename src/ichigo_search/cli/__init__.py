"""The ``ichigo-search`` command: a thin click layer over the library.

Each command lives in a module of this package and imports what commands share from
:mod:`ichigo_search.cli.common`; this module only assembles the group. A command's module is
imported when that command runs (:class:`LazyGroup`), and heavy modules (Whoosh, the index code)
load inside commands, so ``--help``, ``--version`` and a query import only what they use.
"""

from __future__ import annotations

import os

# numpy's OpenBLAS starts one thread per core when numpy is first imported, and they spin: on this
# project's 2-core machine a cold query spent ~45 ms more CPU than with one thread. Ours and the web
# workers' use of numpy is elementwise (no BLAS call), so the command (and every process it starts,
# e.g. `serve`'s workers) asks for one BLAS thread unless the user chose a number. This must run
# before numpy is imported; a library user's process keeps its own settings.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
for _name in BLAS_THREADS:
    os.environ.setdefault(_name, "1")

import gc  # noqa: E402  (after the thread limit, as everything below)
import importlib  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from typing import Any  # noqa: E402

import click  # noqa: E402

from ichigo_search import __version__  # noqa: E402

# Command name -> "module:function" of this package, imported when the command runs or its help is shown.
COMMANDS = {
    "query": "search:query",
    "index": "indexing:index_command",
    "show": "search:show",
    "stats": "search:stats",
    "check": "check:check",
    "serve": "serve:serve",
    "places": "places:places",
    "solr-config": "solr_config:solr_config",
}


class LazyGroup(click.Group):
    """A group whose commands are imported by name on first use (click's documented lazy-loading pattern)."""

    def __init__(self, *args: object, lazy_commands: dict[str, str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy_commands:
            return super().get_command(ctx, cmd_name)
        module, name = self.lazy_commands[cmd_name].split(":")
        command = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.lazy_commands[cmd_name]} is not a click command")
        return command

    def main(self, args: Sequence[str] | None = None, *more: Any, **options: Any) -> Any:
        """Run the command line; as the program (arguments from ``sys.argv``), end without a last collection.

        When the process exits, the interpreter's final cycle collections walk every object its imports made
        (numpy, Whoosh, click, ours): ~25 ms of a 0.2 s cold query, for memory handed back whole a moment
        later. So once the command is done, what is alive is frozen out of the collector's sight
        (``gc.freeze``); every command has closed its files and indexes by then. A caller passing ``args``
        (a test's ``CliRunner``) keeps its collector as it was.
        """
        if args is not None:
            return super().main(args, *more, **options)
        try:
            return super().main(None, *more, **options)
        finally:
            gc.freeze()


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ichigo-search")
def main() -> None:
    """Full-text search over historical photograph captions.

    \b
    Example:
      ichigo-search query "Liuzhou airbase"
    """
