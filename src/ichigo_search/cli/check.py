"""``ichigo-search check``: verify every byte of the index against the checksums written with it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ichigo_search.cli.common import EXIT_ERROR, handle_errors, location_options, locations, open_index, server_lines


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@location_options
@handle_errors
def check(as_json: bool, corpus_dir: Path | None, index_dir: Path | None) -> None:
    """Verify the index: its pointer, metadata and every file's checksum (exit 0 sound, 2 damaged).

    \b
    Example:
      ichigo-search check --json
    """
    _, index_path = locations(corpus_dir, index_dir)
    report = open_index(index_path).check()
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    elif report["sound"]:
        click.echo(
            f"{index_path}/{report['generation']}: sound ({report['files']} files, "
            f"{report['bytes'] / 1e6:,.1f} MB checked, {report['records']:,} records)"
        )
        for key, value in server_lines(report["solr"]) if "solr" in report else []:
            click.echo(f"  {key}: {value}")
        for warning in report["warnings"]:
            click.echo(f"ichigo-search: warning: {warning}", err=True)
    else:
        click.echo(
            f"ichigo-search: {index_path}: damaged; `ichigo-search index --rebuild` rebuilds it from the corpus:",
            err=True,
        )
        for problem in report["problems"]:
            click.echo(f"  {problem}", err=True)
    if not report["sound"]:
        sys.exit(EXIT_ERROR)
