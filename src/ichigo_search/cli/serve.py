"""``ichigo-search serve``: the search page and JSON API on a local port (uvicorn)."""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
from pathlib import Path

import click

from ichigo_search.cli.common import (
    engine_setting,
    fail,
    handle_errors,
    location_options,
    locations,
    refresh_for_query,
)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _free_port(host: str, port: int) -> int:
    """``port`` (a free one for 0), or exit 2 with a clear message when it cannot be listened on."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        fail(f"cannot listen on {host}: {exc.strerror}")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(f"port {port} on {host} is already in use (another server?); choose another with --port")
            fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
        return probe.getsockname()[1]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback unless told).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Server processes sharing the index [default: the number of cores].",
)
@click.option(
    "--no-update",
    is_flag=True,
    help="Serve the index as it is: no corpus check at startup, and a damaged index is reported, not rebuilt.",
)
@location_options
@handle_errors
def serve(
    host: str, port: int, workers: int | None, no_update: bool, corpus_dir: Path | None, index_dir: Path | None
) -> None:
    """Serve the search page and JSON API (Ctrl-C stops).

    The index is brought up to date at startup; later `ichigo-search index`
    runs in another shell show up without a restart. Each of the --workers
    processes opens the index itself; they share its files' pages in the page cache.

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

    from ichigo_search.errors import IndexFormatError
    from ichigo_search.index import Index
    from ichigo_search.web.app import create_app
    from ichigo_search.web.server import ENGINE_VARIABLE, repairer, run_workers, uvicorn_options

    workers = workers or os.cpu_count() or 1
    port = _free_port(host, port)  # before the index is touched
    corpus, index_path = locations(corpus_dir, index_dir)
    engine = engine_setting()
    idx = Index(index_path, engine=engine)
    if not no_update:
        refresh_for_query(idx, corpus)
    try:
        idx.facets("", browse=True)  # opens the index and reads the facet values once, before the first visitor
        records = len(idx)
    except IndexFormatError as exc:  # damaged, with a last good generation to answer from while it is repaired
        kept = idx.last_good()
        if kept is None:
            raise
        with kept:
            records = len(kept)
        reason = str(exc).split("; run")[0]
        repaired = "answering from the last good generation" + ("" if no_update else " while it is rebuilt")
        click.echo(f"ichigo-search: warning: {reason}; {repaired}", err=True)
    if not _is_loopback(host):
        click.echo(f"ichigo-search: note: listening on {host}, reachable from other machines.", err=True)
    click.echo(
        f"ichigo-search: serving {index_path} ({records:,} captions) at http://{host}:{port}/ "
        f"with {workers} worker{'s' if workers > 1 else ''}",
        err=True,
    )
    corpus_folder = None if no_update else str(Path(corpus).resolve())  # damage found later is rebuilt from it
    if workers == 1:
        repair = repairer(Path(corpus_folder), idx.path, engine) if corpus_folder else None
        uvicorn.run(create_app(idx, repair=repair), **uvicorn_options(host, port))
        return
    idx.close()  # each worker opens the index itself, with the engine named here (and its Solr URL)
    environment = {ENGINE_VARIABLE: idx.engine}
    if idx.engine == "solr":
        from ichigo_search.engine.solr import URL_ENV

        environment[URL_ENV] = engine.url
    run_workers(host, port, workers, str(Path(index_path).resolve()), corpus_folder, environment=environment)
