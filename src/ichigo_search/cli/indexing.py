"""``ichigo-search index``: bring the index in step with the corpus, with a progress bar."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ichigo_search.cli.common import handle_errors, location_options, locations, open_index


@click.command("index")
@click.option("--rebuild", is_flag=True, help="Build a fresh index and swap it in atomically.")
@click.option("--skip-invalid", is_flag=True, help="Index the valid records and report the rest.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.option("--shards", type=click.IntRange(1), help="With --engine solr: shards of a new collection [default: 1].")
@click.option("--replicas", type=click.IntRange(1), help="With --engine solr: replicas of each shard [default: 1].")
@click.option(
    "--semantic/--no-semantic",
    default=None,
    help="Embed every record for semantic ranking (later updates keep doing so), or stop. "
    'Needs pip install "ichigo-search[semantic]".',
)
@click.option(
    "--semantic-model",
    metavar="NAME",
    help="The embedding model: a sentence-transformers name, a model folder or an .onnx file "
    "(default all-MiniLM-L6-v2; implies --semantic).",
)
@location_options
@handle_errors
def index_command(
    rebuild: bool,
    skip_invalid: bool,
    quiet: bool,
    as_json: bool,
    shards: int | None,
    replicas: int | None,
    semantic: bool | None,
    semantic_model: str | None,
    corpus_dir: Path | None,
    index_dir: Path | None,
) -> None:
    """Make the index match the corpus (only changed records are re-indexed).

    \b
    Examples:
      ichigo-search index
      ichigo-search index --rebuild --corpus archive/ --index archive-index/
      ichigo-search index --engine solr --solr-url http://localhost:8983/solr --shards 2 --replicas 2
      ichigo-search index --semantic
    """
    corpus, index_path = locations(corpus_dir, index_dir)
    if semantic is False and semantic_model:
        raise click.UsageError("--semantic-model and --no-semantic contradict each other")
    embedding = semantic_model or semantic
    idx = open_index(index_path, shards=shards, replicas=replicas)
    action = idx.rebuild_from if rebuild else idx.update_from
    with _progress(enabled=not quiet and not as_json and sys.stderr.isatty()) as progress:
        report = action(corpus, skip_invalid=skip_invalid, progress=progress, semantic=embedding)
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
