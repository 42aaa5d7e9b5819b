"""What every ``ichigo-search`` command shares: exit codes, error handling, --corpus/--index, opening.

Exit codes follow grep: 0 when a query has hits, 1 when it has none, 2 on an error.
Command modules import this one; :mod:`ichigo_search.cli` assembles them into the group.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ichigo_search.errors import CorpusError, IchigoError

if TYPE_CHECKING:
    from ichigo_search.index import Index

EXIT_HITS, EXIT_NO_HITS, EXIT_ERROR = 0, 1, 2
T = TypeVar("T")


def fail(message: str) -> None:
    """Print an error and exit with EXIT_ERROR."""
    click.echo(f"ichigo-search: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


DEBUG_ENV = "ICHIGO_DEBUG"


def _show_warning(message: Warning | str, *_: Any, **__: Any) -> None:
    """The library's warnings (semantic ranking unavailable, unreadable vectors) as one line on stderr."""
    click.echo(f"ichigo-search: warning: {message}", err=True)


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every failure into one message and exit code 2 (130 on Ctrl-C), never a traceback.

    Unexpected exceptions are bugs: they are named as such, and ICHIGO_DEBUG=1 shows the traceback.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        warnings.showwarning = _show_warning
        try:
            with _stopped_by_signals():
                return command(*args, **kwargs)
        except Stopped as exc:
            name = signal.Signals(exc.signum).name
            click.echo(f"ichigo-search: stopped by {name}; the index is unchanged.", err=True)
            sys.exit(128 + exc.signum)
        except CorpusError as exc:
            fail(f"{exc}\nNothing was changed in the index.")
        except IchigoError as exc:
            fail(str(exc))
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
            fail(f"{where}{exc.strerror or exc}")
        except Exception as exc:
            if os.environ.get(DEBUG_ENV):
                raise
            fail(
                f"unexpected {type(exc).__name__}: {exc}. This is a bug in ichigo-search; "
                f"please report it (run with {DEBUG_ENV}=1 to see where it happened)."
            )

    return wrapper


class Stopped(BaseException):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C, so a half-built generation and its helper
    processes are cleaned up on the way out. A BaseException, so no ``except Exception`` stops it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum: int, frame: object) -> None:
    raise Stopped(signum)


@contextlib.contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """While a command runs, SIGTERM and SIGHUP raise :class:`Stopped` (unless they are ignored, as under nohup)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) == signal.SIG_DFL:
            previous[signum] = signal.signal(signum, _raise_stopped)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


ENGINE_SETTINGS = "ichigo_search.engine"


def engine_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--engine and --solr-url (ICHIGO_ENGINE, ICHIGO_SOLR_URL), kept for :func:`open_index`, not passed on."""

    @functools.wraps(command)
    def wrapper(*args: Any, engine: str, solr_url: str | None, **kwargs: Any) -> Any:
        click.get_current_context().meta[ENGINE_SETTINGS] = {"engine": engine, "url": solr_url}
        return command(*args, **kwargs)

    wrapper = click.option(
        "--solr-url",
        envvar="ICHIGO_SOLR_URL",
        metavar="URL",
        help="With --engine solr: a SolrCloud node's base URL [default: http://localhost:8983/solr].",
    )(wrapper)
    return click.option(
        "--engine",
        envvar="ICHIGO_ENGINE",
        type=click.Choice(["whoosh", "solr"]),
        default="whoosh",
        show_default=True,
        help="Where the index lives: embedded Whoosh files, or a SolrCloud (see --solr-url).",
    )(wrapper)


def engine_setting(**extra: Any) -> Any:
    """The engine the command line chose: a name, or a configured Solr engine (``extra``: shards, replicas)."""
    context = click.get_current_context(silent=True)
    settings = context.meta.get(ENGINE_SETTINGS, {}) if context else {}
    if settings.get("engine", "whoosh") == "whoosh":
        return "whoosh"
    from ichigo_search.engine.solr import SolrEngine

    return SolrEngine(settings.get("url"), **extra)


def location_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--corpus and --index (ICHIGO_CORPUS, ICHIGO_INDEX), and the engine's options (:func:`engine_options`)."""
    command = engine_options(command)
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


def locations(corpus_dir: Path | None, index_dir: Path | None) -> tuple[Path, Path]:
    """The corpus and index folders a command works on: as given, else the defaults."""
    from ichigo_search.app.paths import default_corpus, default_index

    corpus = corpus_dir or default_corpus()
    return corpus, index_dir or default_index(corpus)


def open_index(index_dir: Path, **engine: Any) -> Index:
    """The index for a one-shot command, with the engine the command line chose (``engine``: its settings)."""
    from ichigo_search.index import Index

    return Index(index_dir, memory_map=False, engine=engine_setting(**engine))  # one query per process: open fast


def _warn(message: str) -> None:
    click.echo(f"ichigo-search: {message}", err=True)


def refresh_for_query(idx: Index, corpus: Path) -> None:
    """Bring the index up to date before a query; on trouble, search the last good index."""
    from ichigo_search.app.refresh import refresh_index

    refresh_index(idx, corpus, warn=_warn)


Answer = Callable[[Callable[["Index"], T]], T]


def answering(idx: Index, corpus: Path | None) -> contextlib.AbstractContextManager[Answer]:
    """Reads from ``idx`` that survive damage (the last good generation answers, then it is rebuilt from ``corpus``).

    ``corpus`` None: damage is reported, never repaired. See :func:`ichigo_search.app.refresh.answering`.
    """
    from ichigo_search.app import refresh

    return refresh.answering(idx, corpus, _warn)


def server_lines(kept: dict[str, Any]) -> list[tuple[str, str]]:
    """A Solr collection's report (``check``/``stats`` under ``solr``) as labelled lines: where, then each shard."""
    alias = f"alias {kept['alias']} -> {kept.get('alias_collection') or 'nothing'}"
    lines = [("solr", f"{kept['collection']} at {kept['url']} ({alias})")]
    for shard in kept.get("shards", []):
        records = f"{shard['records']:,} records" if shard.get("records") is not None else "records unknown"
        replicas = ", ".join(
            f"{r['name']} {r['state']}{' (leader)' if r['leader'] else ''} on {r['node']}" for r in shard["replicas"]
        )
        lines.append((shard["name"], f"{records}; {replicas}"))
    return lines
