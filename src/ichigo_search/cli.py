"""The ``ichigo-search`` command: a thin click layer over the library.

Exit codes follow grep: 0 when a query has hits, 1 when it has none, 2 on an
error.  Heavy modules (Whoosh, the index code) load only inside commands, so
``--help`` and ``--version`` answer at once.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import CorpusError, IchigoError

EXIT_HITS, EXIT_NO_HITS, EXIT_ERROR = 0, 1, 2


def _fail(message: str) -> None:
    click.echo(f"ichigo-search: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


DEBUG_ENV = "ICHIGO_DEBUG"


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every failure into one message and exit code 2 (130 on Ctrl-C), never a traceback.

    Unexpected exceptions are bugs: they are named as such, and ICHIGO_DEBUG=1 shows the traceback.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except CorpusError as exc:
            _fail(f"{exc}\nNothing was changed in the index.")
        except IchigoError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            click.echo("ichigo-search: interrupted; the index is unchanged.", err=True)
            sys.exit(130)
        except BrokenPipeError:
            # Whoever read our output stopped (`| head`): stop quietly, without Python's flush warning.
            with contextlib.suppress(Exception):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_ERROR)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except OSError as exc:
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            _fail(f"{where}{exc.strerror or exc}")
        except Exception as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            _fail(
                f"unexpected {type(exc).__name__}: {exc}. This is a bug in ichigo-search; "
                f"please report it (run with {DEBUG_ENV}=1 to see where it happened)."
            )

    return wrapper


def location_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--corpus and --index, also read from ICHIGO_CORPUS and ICHIGO_INDEX."""
    command = click.option(
        "--index",
        "index_dir",
        envvar="ICHIGO_INDEX",
        type=click.Path(file_okay=False, path_type=Path),
        help="Index folder [default: ./index with ./corpus, else the user data folder].",
    )(command)
    return click.option(
        "--corpus",
        "corpus_dir",
        envvar="ICHIGO_CORPUS",
        type=click.Path(file_okay=False, path_type=Path),
        help="Caption collection folder [default: ./corpus if present, else the shipped sample].",
    )(command)


def _locations(corpus_dir: Path | None, index_dir: Path | None) -> tuple[Path, Path]:
    from .paths import default_corpus, default_index

    corpus = corpus_dir or default_corpus()
    return corpus, index_dir or default_index(corpus)


def _open(index_dir: Path):
    from .api import Index

    return Index(index_dir, memory_map=False)  # one query per process: open fast


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ichigo-search")
def main() -> None:
    """Full-text search over historical photograph captions.

    \b
    Example:
      ichigo-search query "Liuzhou airbase"
    """


# -- query -------------------------------------------------------------------


@main.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(0, 1000), help="Hits to show.")
@click.option("--offset", default=0, type=click.IntRange(0), help="Skip this many hits (for paging).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option("--place", metavar="NAME", help="Only captions at this place.")
@click.option("--year", metavar="RANGE", help="Only captions dated in these years: 1944, 1944..1945, 1940s.")
@click.option("--no-update", is_flag=True, help="Search the index as it is; skip the corpus check.")
@click.option("--facets", "with_facets", is_flag=True, help="Also count the matches per place and decade.")
@location_options
@handle_errors
def query(
    words: tuple[str, ...],
    limit: int,
    offset: int,
    as_json: bool,
    place: str | None,
    year: str | None,
    no_update: bool,
    with_facets: bool,
    corpus_dir: Path | None,
    index_dir: Path | None,
) -> None:
    """Search the captions; ranked hits with the matches highlighted.

    \b
    Syntax: words, "exact phrases", -exclude, OR, and fields
    title:, place:, photographer:, year:1944..1945.

    \b
    Examples:
      ichigo-search query "Liuzhou airbase"
      ichigo-search query '"cavalry column" -horses' --json
      ichigo-search query refugees --place Guilin --year 1944
      ichigo-search query Ichigo --facets
    """
    from .dates import parse_year_filter

    if year is not None and parse_year_filter(year) is None:
        raise click.BadParameter(f"{year!r} is not a year or range (try 1944 or 1944..1945)", param_hint="--year")
    corpus, index_path = _locations(corpus_dir, index_dir)
    idx = _open(index_path)
    if not no_update:
        _refresh_for_query(idx, corpus)
    text = " ".join(words)
    results = idx.search(text, limit=limit, offset=offset, place=place, year=year)
    facets = idx.facets(text, place=place, year=year) if with_facets else None
    if as_json:
        data = results.to_dict()
        if facets is not None:
            data["facets"] = {"places": facets.to_dict()["places"], "decades": facets.to_dict()["decades"]}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_results(results)
        if facets is not None:
            _print_facets(facets)
    sys.exit(EXIT_HITS if results.total else EXIT_NO_HITS)


def _refresh_for_query(idx, corpus: Path) -> None:
    """Bring the index up to date before a query; on trouble, search the last good index."""
    from .refresh import refresh_index

    refresh_index(idx, corpus, warn=lambda message: click.echo(f"ichigo-search: {message}", err=True))


def _print_facets(facets) -> None:
    for title, values in (("places", facets.places), ("decades", facets.decades)):
        if values:
            counts = ", ".join(f"{v.value} ({v.count})" for v in values)
            click.echo(click.style(f"\n{title}: ", bold=True) + counts)


def _print_results(results) -> None:
    from .highlight import to_terminal

    start_mark, end_mark = "\x1b[1;33m", "\x1b[0m"
    if results.suggestion:
        click.echo(click.style("Did you mean: ", dim=True) + click.style(results.suggestion, bold=True) + "?")
    if not results.total:
        click.echo(f"No captions match {results.query!r}.")
        return
    first = results.offset + 1
    last = results.offset + len(results)
    shown = f"{first}-{last} of {results.total}" if len(results) else f"none of {results.total} shown"
    click.echo(click.style(f"{shown} captions for {results.query!r}", dim=True))
    for hit in results:
        click.echo()
        head = click.style(f"{hit.rank:>2}. {hit.id}", bold=True) + click.style(f"  score {hit.score:.2f}", dim=True)
        click.echo(head)
        if hit.title:
            click.echo(f"    {click.style(hit.title, bold=True)}")
        for fragment in hit.highlights:
            click.echo("    " + to_terminal(fragment, start_mark, end_mark))
        details = [" · ".join(hit.places)] if hit.places else []
        details += [value for value in (hit.date, hit.photographer) if value]
        if details:
            click.echo(click.style("    " + " | ".join(details), dim=True))


# -- index -------------------------------------------------------------------


@main.command("index")
@click.option("--rebuild", is_flag=True, help="Build a fresh index and swap it in atomically.")
@click.option("--skip-invalid", is_flag=True, help="Index the valid records and report the rest.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@location_options
@handle_errors
def index_command(
    rebuild: bool,
    skip_invalid: bool,
    quiet: bool,
    as_json: bool,
    corpus_dir: Path | None,
    index_dir: Path | None,
) -> None:
    """Make the index match the corpus (only changed records are re-indexed).

    \b
    Examples:
      ichigo-search index
      ichigo-search index --rebuild --corpus archive/ --index archive-index/
    """
    corpus, index_path = _locations(corpus_dir, index_dir)
    idx = _open(index_path)
    action = idx.rebuild_from if rebuild else idx.update_from
    with _progress(enabled=not quiet and not as_json and sys.stderr.isatty()) as progress:
        report = action(corpus, skip_invalid=skip_invalid, progress=progress)
    for problem in report.problems:
        click.echo(f"ichigo-search: skipped: {problem}", err=True)
    for note in report.notes:
        click.echo(f"ichigo-search: note: {note}", err=True)
    if as_json:
        click.echo(json.dumps({"corpus": str(corpus), "index": str(index_path), **report.to_dict()}))
    elif not quiet:
        left_out = f", {report.rejected} left out" if report.rejected else ""
        if report.unreadable:
            left_out += f", {report.unreadable} unreadable file{'s' if report.unreadable != 1 else ''}"
        verb = "rebuilt" if report.rebuilt else "updated"
        click.echo(
            f"{verb} {index_path} from {corpus}: {report.added} added, {report.updated} updated, "
            f"{report.deleted} deleted, {report.unchanged} unchanged{left_out} ({report.seconds:.2f} s)"
        )


class _progress:
    """A rich progress bar on stderr (records/s and time left), or nothing."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._bar = None
        self._task = None

    def __enter__(self):
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("indexing"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task("index", total=None, rate="")
        return self.update

    def update(self, done: int, total: int) -> None:
        task = self._bar.tasks[0]
        speed = task.speed
        self._bar.update(
            self._task, completed=done, total=total or None, rate=f"{speed:,.0f} records/s" if speed else ""
        )

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


# -- show, stats ---------------------------------------------------------------


@main.command()
@click.argument("record_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@location_options
@handle_errors
def show(record_id: str, as_json: bool, corpus_dir: Path | None, index_dir: Path | None) -> None:
    """Show one record in full.

    \b
    Example:
      ichigo-search show liuzhou-airstrip-mines
    """
    corpus, index_path = _locations(corpus_dir, index_dir)
    idx = _open(index_path)
    _refresh_for_query(idx, corpus)
    record = idx.get(record_id)
    if record is None:
        click.echo(f"ichigo-search: no record with id {record_id!r}", err=True)
        sys.exit(EXIT_NO_HITS)
    data = record.to_dict()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    width = max(len(key) for key in data)
    for key, value in data.items():
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        click.echo(f"{click.style(key.ljust(width), bold=True)}  {value}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@location_options
@handle_errors
def stats(as_json: bool, corpus_dir: Path | None, index_dir: Path | None) -> None:
    """Records, index size, last build and corpus files.

    \b
    Example:
      ichigo-search stats --json
    """
    _, index_path = _locations(corpus_dir, index_dir)
    figures = _open(index_path).stats()
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    if not figures.get("built", True):
        click.echo(f"no index in {index_path} yet; run `ichigo-search index`")
        return
    collection = figures.get("collection") or {}
    lines = [
        ("collection", collection.get("name", "")),
        ("records", f"{figures['records']:,}"),
        ("index", f"{figures['index']} ({figures['index_bytes'] / 1024:,.0f} KiB)"),
        ("built", figures.get("built_at") or ""),
        ("updated", figures.get("updated_at") or ""),
        ("corpus", figures.get("corpus") or ""),
        ("files", ", ".join(figures.get("corpus_files", []))),
    ]
    for key, value in lines:
        if value:
            click.echo(f"{click.style(key.ljust(10), bold=True)} {value}")


# -- serve (the web page; its module loads Starlette and uvicorn only when run) --

from .web.command import serve  # noqa: E402

main.add_command(serve)


# -- places (what the gazetteer knows) --

from .place_command import places  # noqa: E402

main.add_command(places)
