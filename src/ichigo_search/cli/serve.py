"""``ichigo-search serve``: the search page and JSON API on a local port (uvicorn)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import click

from ichigo_search.cli.common import handle_errors, location_options, locations, refresh_for_query


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback unless told).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--no-update", is_flag=True, help="Serve the index as it is; skip the corpus check at startup.")
@location_options
@handle_errors
def serve(host: str, port: int, no_update: bool, corpus_dir: Path | None, index_dir: Path | None) -> None:
    """Serve the search page and JSON API (Ctrl-C stops).

    The index is brought up to date at startup; later `ichigo-search index`
    runs in another shell show up without a restart.

    \b
    Pages and endpoints:
      /                     search page (?q=…&place=…&year=…&page=…)
      /records/ID           one record
      /api/search           JSON: ?q=…&limit=…&offset=…&place=…&year=…
      /api/records/ID       JSON: one record
      /healthz              JSON: status and record count

    \b
    Example:
      ichigo-search serve --port 8000
    """
    import uvicorn

    from ichigo_search.index import Index
    from ichigo_search.web.app import create_app

    corpus, index_path = locations(corpus_dir, index_dir)
    idx = Index(index_path)
    if not no_update:
        refresh_for_query(idx, corpus)
    idx.facets("", browse=True)  # opens the index and reads the facet values once, before the first visitor
    if not _is_loopback(host):
        click.echo(f"ichigo-search: note: listening on {host}, reachable from other machines.", err=True)
    click.echo(f"ichigo-search: serving {index_path} ({len(idx):,} captions) at http://{host}:{port}/", err=True)
    uvicorn.run(create_app(idx), host=host, port=port, log_level="info", server_header=False, access_log=True)
