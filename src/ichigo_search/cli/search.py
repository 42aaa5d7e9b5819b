"""``ichigo-search query``, ``show`` and ``stats``: reading the index from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ichigo_search.cli.common import (
    EXIT_HITS,
    EXIT_NO_HITS,
    answering,
    handle_errors,
    location_options,
    locations,
    open_index,
    refresh_for_query,
    server_lines,
)


@click.command()
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
    from ichigo_search.text.dates import parse_year_filter

    if year is not None and parse_year_filter(year) is None:
        raise click.BadParameter(f"{year!r} is not a year or range (try 1944 or 1944..1945)", param_hint="--year")
    corpus, index_path = locations(corpus_dir, index_dir)
    idx = open_index(index_path)
    if not no_update:
        refresh_for_query(idx, corpus)
    text = " ".join(words)

    def read(index):
        if with_facets:
            return index.search_with_facets(text, limit=limit, offset=offset, place=place, year=year)
        return index.search(text, limit=limit, offset=offset, place=place, year=year), None

    with answering(idx, None if no_update else corpus) as answer:  # a damaged index is rebuilt after the answer
        results, facets = answer(read)
        if as_json:
            data = results.to_dict()
            if facets is not None:
                data["facets"] = {"places": facets.to_dict()["places"], "decades": facets.to_dict()["decades"]}
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            _print_results(results)
            if facets is not None:
                _print_facets(facets)
        sys.stdout.flush()
    sys.exit(EXIT_HITS if results.total else EXIT_NO_HITS)


def _print_facets(facets) -> None:
    for title, values in (("places", facets.places), ("decades", facets.decades)):
        if values:
            counts = ", ".join(f"{v.value} ({v.count})" for v in values)
            click.echo(click.style(f"\n{title}: ", bold=True) + counts)


def _print_results(results) -> None:
    from ichigo_search.text.highlight import split_title, to_terminal

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
        title, fragments = split_title(hit.title, list(hit.highlights))
        if hit.title:  # with its matches marked, where the query matched it
            shown = hit.title if title is None else to_terminal(title, start_mark, end_mark + "\x1b[1m")
            click.echo(f"    {click.style(shown, bold=True)}")
        for fragment in fragments:
            click.echo("    " + to_terminal(fragment, start_mark, end_mark))
        details = [" · ".join(hit.places)] if hit.places else []
        details += [value for value in (hit.date, hit.photographer) if value]
        if details:
            click.echo(click.style("    " + " | ".join(details), dim=True))


@click.command()
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
    corpus, index_path = locations(corpus_dir, index_dir)
    idx = open_index(index_path)
    refresh_for_query(idx, corpus)
    with answering(idx, corpus) as answer:  # a damaged index is rebuilt after the answer
        record, located = answer(lambda index: (index.get(record_id), index.located(record_id) or []))
        if record is not None:
            _print_record(record.to_dict(), located, as_json)
            sys.stdout.flush()
    if record is None:
        click.echo(f"ichigo-search: no record with id {record_id!r}", err=True)
        sys.exit(EXIT_NO_HITS)


def _print_record(data: dict, located: list[dict], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({**data, "located": located}, ensure_ascii=False, indent=2))
        return
    width = max(len(key) for key in [*data, "located"])
    for key, value in data.items():
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        click.echo(f"{click.style(key.ljust(width), bold=True)}  {value}")
    for number, place in enumerate(located):
        label = "located" if number == 0 else ""
        click.echo(f"{click.style(label.ljust(width), bold=True)}  {located_line(place)}")


def located_line(place: dict) -> str:
    """One assigned place in a line: what and where it is, its gazetteer id, and what it was read from."""
    parts = (place["name"], place.get("province"), place.get("country"))
    where = " · ".join(dict.fromkeys(part for part in parts if part))
    code = f" [{place['country_code']}]" if place.get("country_code") else ""
    return f"{where} ({place['kind']}){code}  {place['id']}  from the {place['source']}: {place['text']!r}"


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@location_options
@handle_errors
def stats(as_json: bool, corpus_dir: Path | None, index_dir: Path | None) -> None:
    """Records, index size, last build and corpus files.

    \b
    Example:
      ichigo-search stats --json
    """
    _, index_path = locations(corpus_dir, index_dir)
    figures = open_index(index_path).stats()
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
        ("data", ", ".join(f"{name} {digest[:16]}" for name, digest in (figures.get("data") or {}).items())),
        *(server_lines(figures["solr"]) if "solr" in figures else []),
    ]
    for key, value in lines:
        if value:
            click.echo(f"{click.style(key.ljust(10), bold=True)} {value}")
