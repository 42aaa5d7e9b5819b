"""``ichigo-search places NAME``: what the gazetteer knows about a place name."""

from __future__ import annotations

import json
import sys

import click

from ichigo_search.cli.common import EXIT_NO_HITS, handle_errors

SHOW_OTHERS = 8


def _line(place: dict) -> str:
    where = ", ".join(p for p in (place["province"], place["country"]) if p and p != place["name"])
    head = f"{place['name']} ({place['kind']}{', ' + where if where else ''})"
    extras = []
    if place["latitude"] is not None:
        extras.append(f"{place['latitude']:.4f}, {place['longitude']:.4f}")
    if place["population"]:
        extras.append(f"population {place['population']:,}")
    return head + (f"  {'  '.join(extras)}" if extras else "")


@click.command()
@click.argument("name", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the places as JSON.")
@handle_errors
def places(name: tuple[str, ...], as_json: bool) -> None:
    """Show what the gazetteer knows about a place name, in any spelling.

    \b
    Examples:
      ichigo-search places Liuchow
      ichigo-search places 廣西
      ichigo-search places Calcutta --json
    """
    text = " ".join(name)
    from ichigo_search.vocab.gazetteer import describe

    found = describe(text)
    if as_json:
        click.echo(json.dumps({"name": text, "places": found}, ensure_ascii=False, indent=2))
    elif not found:
        click.echo(f"The gazetteer knows no place called {text!r}.")
    else:
        best, others = found[0], found[1:]
        click.echo(click.style(f"{text} → ", dim=True) + click.style(_line(best), bold=True))
        click.echo(f"  written: {', '.join(best['names'])}")
        if others:
            click.echo(
                f"\n{text!r} also names {len(others)} other place{'s' if len(others) != 1 else ''}; "
                "ichigo-search reads it as the one above, in the collection's region "
                "(China, Burma, India first, then their neighbours), unless a caption says otherwise "
                "(“Calcutta, Ohio”):"
            )
            for other in others[:SHOW_OTHERS]:
                click.echo(f"  {_line(other)}")
            if len(others) > SHOW_OTHERS:
                click.echo(f"  … and {len(others) - SHOW_OTHERS} more")
    sys.exit(0 if found else EXIT_NO_HITS)
