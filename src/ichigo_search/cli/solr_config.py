"""``ichigo-search solr-config``: write the Solr configset ichigo-search uses, for a Solr administrator."""

from __future__ import annotations

from pathlib import Path

import click

from ichigo_search.cli.common import handle_errors


@click.command("solr-config")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write schema.xml and solrconfig.xml into (created if needed).",
)
@handle_errors
def solr_config(out_dir: Path) -> None:
    """Write the Solr configset (schema.xml, solrconfig.xml) that `index --engine solr` uploads.

    Prints the files written, and on stderr the name `index` looks for the configset under
    (ichigo-<digest of its content>): where the cluster refuses uploads, an administrator
    uploads it under that name and `index` uses it.

    \b
    Example:
      ichigo-search solr-config --out ichigo-conf/
      solr zk upconfig -n ichigo-<digest> -d ichigo-conf/ -z localhost:9983
    """
    from ichigo_search.engine.solr import configset_name, write_configset

    for path in write_configset(out_dir):
        click.echo(str(path))
    click.echo(f"ichigo-search: configset name: {configset_name()}", err=True)
