"""The ``ichigo-search`` command: a thin click layer over the library.

Each command lives in a module of this package and imports what commands share from
:mod:`ichigo_search.cli.common`; this module only assembles the group. Heavy modules
(Whoosh, the index code) load inside commands, so ``--help`` and ``--version`` answer at once.
"""

from __future__ import annotations

import click

from ichigo_search import __version__
from ichigo_search.cli.check import check
from ichigo_search.cli.indexing import index_command
from ichigo_search.cli.places import places
from ichigo_search.cli.search import query, show, stats
from ichigo_search.cli.serve import serve
from ichigo_search.cli.solr_config import solr_config


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ichigo-search")
def main() -> None:
    """Full-text search over historical photograph captions.

    \b
    Example:
      ichigo-search query "Liuzhou airbase"
    """


for command in (query, index_command, show, stats, check, serve, places, solr_config):
    main.add_command(command)
