"""What every ``ichigo-search`` command shares: exit codes, error handling, --corpus/--index, opening.

Exit codes follow grep: 0 when a query has hits, 1 when it has none, 2 on an error.
Command modules import this one; :mod:`ichigo_search.cli` assembles them into the group.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ichigo_search.errors import CorpusError, IchigoError

if TYPE_CHECKING:
    from ichigo_search.index import Index

EXIT_HITS, EXIT_NO_HITS, EXIT_ERROR = 0, 1, 2


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
            return command(*args, **kwargs)
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


def locations(corpus_dir: Path | None, index_dir: Path | None) -> tuple[Path, Path]:
    """The corpus and index folders a command works on: as given, else the defaults."""
    from ichigo_search.app.paths import default_corpus, default_index

    corpus = corpus_dir or default_corpus()
    return corpus, index_dir or default_index(corpus)


def open_index(index_dir: Path) -> Index:
    """The index for a one-shot command."""
    from ichigo_search.index import Index

    return Index(index_dir, memory_map=False)  # one query per process: open fast


def refresh_for_query(idx: Index, corpus: Path) -> None:
    """Bring the index up to date before a query; on trouble, search the last good index."""
    from ichigo_search.app.refresh import refresh_index

    refresh_index(idx, corpus, warn=lambda message: click.echo(f"ichigo-search: {message}", err=True))
