"""How ``serve`` runs uvicorn: worker processes, timeouts, limits and logs that a busy or hostile client cannot sink.

- **Workers.** ``workers`` processes (:func:`run_workers`), each with its own listening
  socket on the same port (``SO_REUSEPORT``: the kernel spreads connections over them;
  one shared socket gave every keep-alive connection to whichever worker woke first).
  Each opens the index itself (:func:`worker_app`), read with positioned reads, so the page cache holds
  one copy, and each sees a new generation at its next request. A worker that dies is
  started again.
- **Timeouts.** A request's headers must be complete within :attr:`Limits.header_timeout`
  seconds of the connection opening or of the previous response (a client that sends
  them a byte at a time is cut off), and an idle keep-alive connection is closed after
  :attr:`Limits.keep_alive`.
- **Limits.** Beyond :attr:`Limits.connections` open connections (or as many requests
  in progress) per worker, requests are answered 503 at once; the app also answers 503
  when too many requests already wait for the index (:mod:`ichigo_search.web.app`).
- **Logs.** Every line is cut to :data:`LOG_LINE_CHARS` characters, and at most
  :attr:`Limits.log_lines_per_minute` lines a minute are written per worker; the next line
  after a quiet spell says how many were dropped.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import time
from asyncio import TimerHandle, Transport
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp
from uvicorn.logging import AccessFormatter, DefaultFormatter
from uvicorn.protocols.http.h11_impl import H11Protocol

from ichigo_search.engine import DEFAULT_ENGINE, Engine
from ichigo_search.web.app import RECEIVED, SECURITY_HEADERS

# The index folder, for worker processes started by uvicorn (they import the app by name).
INDEX_VARIABLE = "ICHIGO_SERVE_INDEX"
# The corpus a worker rebuilds a damaged index from (unset: it reports the damage only).
CORPUS_VARIABLE = "ICHIGO_SERVE_CORPUS"
# The engine a worker opens the index with (its name; the Solr engine reads ICHIGO_SOLR_URL and the like).
ENGINE_VARIABLE = "ICHIGO_SERVE_ENGINE"
LOG_LINE_CHARS = 500
# Header deadline in seconds (tests shorten it; worker processes read it when they import this module).
HEADER_TIMEOUT_VARIABLE = "ICHIGO_HEADER_TIMEOUT"


@dataclass(frozen=True)
class Limits:
    """What one client may cost a worker."""

    header_timeout: float = 10.0
    keep_alive: float = 5.0
    connections: int = 256
    log_lines_per_minute: int = 600


class HeaderDeadline:
    """Close a connection whose next request's headers do not arrive in time (slow-loris clients), and stamp
    each request with the time its headers were read (:data:`~ichigo_search.web.app.RECEIVED`).

    Mixed into uvicorn's HTTP protocols (which also answer an unparsable request, and requests
    beyond the connection limit, with the security headers): the clock starts when the connection opens and
    again when a response is complete, and stops when a request's headers are complete.
    """

    header_timeout: float = float(os.environ.get(HEADER_TIMEOUT_VARIABLE) or Limits.header_timeout)
    transport: Transport
    cycle: Any
    loop: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        # uvicorn answers requests beyond its limit with its own 503, which has none of the app's
        # security headers: the limit is checked here instead (see _limited).
        self._limit, self.limit_concurrency = self.limit_concurrency, None
        if self._limit is not None:
            self.app = self._limited(self.app)

    def _limited(self, app: Any) -> Any:
        """``app``, except that beyond the connection limit (or as many requests in progress) it answers 503."""
        limit = self._limit

        async def limited(scope: Any, receive: Any, send: Any) -> None:
            # this request's task is already counted among the tasks, so more than the limit, not as many
            if scope["type"] == "http" and (len(self.connections) >= limit or len(self.tasks) > limit):
                self.logger.warning("Exceeded concurrency limit.")
                await _busy(send)
            else:
                await app(scope, receive, send)

        return limited

    def connection_made(self, transport: Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)  # type: ignore[misc]
        self._waiting_for: Any = None
        self._deadline: TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._waiting_for = self.cycle
        self._deadline = self.loop.call_later(self.header_timeout, self._expire)

    def _disarm(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            self._deadline.cancel()  # type: ignore[union-attr]
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if self.cycle is self._waiting_for and not self.transport.is_closing():
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        before = self.cycle
        super().data_received(data)  # type: ignore[misc]
        if self.cycle is not before and self.cycle is not None:  # a request's headers are complete: the app
            self.cycle.scope[RECEIVED] = time.monotonic()  # answers 503 if it waits too long to be served
        if self._deadline is not None and self.cycle is not self._waiting_for:
            self._disarm()  # a request's headers are complete

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request line or header it cannot parse, with the app's security headers.

        Such a request never reaches the app, so :class:`~ichigo_search.web.app.SecurityHeaders`
        cannot add them; the same bytes are written for either parser, then the connection closes.
        """
        body = msg.encode("ascii", errors="replace")
        head = [b"HTTP/1.1 400 Bad Request", *(name + b": " + value for name, value in SECURITY_HEADERS)]
        head += [b"content-type: text/plain; charset=utf-8", b"content-length: %d" % len(body), b"connection: close"]
        self.transport.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        self.transport.close()


async def _busy(send: Any) -> None:
    """The 503 of a worker at its connection limit, with the app's security headers; the connection closes."""
    body = b"The server is busy; please try again in a moment."
    headers = [*SECURITY_HEADERS, (b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", b"1")]
    headers += [(b"content-length", b"%d" % len(body)), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class GuardedH11(HeaderDeadline, H11Protocol):
    """uvicorn's pure-Python HTTP/1.1 protocol with the header deadline."""


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class GuardedHttpTools(HeaderDeadline, HttpToolsProtocol):
        """uvicorn's httptools (C parser) protocol with the header deadline."""

    PROTOCOL: type = GuardedHttpTools
except ImportError:  # httptools missing: the pure-Python parser
    PROTOCOL = GuardedH11


class LogBudget(logging.Filter):
    """Drop lines beyond a budget per minute; the next line written says how many were dropped.

    The record is left as it is (uvicorn's access formatter reads its arguments); the
    formatters of :func:`log_config` cut each line and add the count (:func:`cut_line`).
    """

    def __init__(self, per_minute: int):
        super().__init__()
        self.per_minute = per_minute
        self._minute = 0
        self._written = 0
        self._dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        minute = int(time.monotonic() // 60)
        if minute != self._minute:
            self._minute, self._written = minute, 0
        if self._written >= self.per_minute:
            self._dropped += 1
            return False
        self._written += 1
        record.dropped_before = self._dropped
        self._dropped = 0
        return True


def cut_line(line: str, dropped: int = 0) -> str:
    """A log line cut to :data:`LOG_LINE_CHARS`, saying how many lines were dropped before it, if any."""
    if len(line) > LOG_LINE_CHARS:
        line = line[:LOG_LINE_CHARS] + f"… ({len(line):,} characters)"
    return f"{line} ({dropped:,} log lines dropped before this one)" if dropped else line


class _CutLines(logging.Formatter):
    """A formatter whose lines (not the tracebacks after them) are cut by :func:`cut_line`."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return cut_line(super().formatMessage(record), getattr(record, "dropped_before", 0))


class DefaultLines(_CutLines, DefaultFormatter):
    """uvicorn's formatter of its own and the app's lines, cut."""


class AccessLines(_CutLines, AccessFormatter):
    """uvicorn's formatter of access lines, cut (a request line may be 100 KB)."""


def log_config(limits: Limits) -> dict[str, Any]:
    """uvicorn's logging configuration with :class:`LogBudget` on every handler and its formatters cutting lines."""
    from uvicorn.config import LOGGING_CONFIG

    config = {key: (dict(value) if isinstance(value, dict) else value) for key, value in LOGGING_CONFIG.items()}
    config["filters"] = {"budget": {"()": LogBudget, "per_minute": limits.log_lines_per_minute}}
    cut = {"default": DefaultLines, "access": AccessLines}
    config["formatters"] = {
        name: {**formatter, "()": cut[name]} for name, formatter in LOGGING_CONFIG["formatters"].items()
    }
    config["handlers"] = {
        name: {**handler, "filters": ["budget"]} for name, handler in LOGGING_CONFIG["handlers"].items()
    }
    config["loggers"] = {**LOGGING_CONFIG["loggers"], "ichigo_search.web": {"handlers": ["default"], "level": "INFO"}}
    return config


def uvicorn_options(host: str, port: int, limits: Limits = Limits()) -> dict[str, Any]:
    """Keyword arguments of ``uvicorn.run`` (and ``uvicorn.Config``) for ``serve``."""
    return {
        "host": host,
        "port": port,
        "http": PROTOCOL,
        "timeout_keep_alive": limits.keep_alive,
        "limit_concurrency": limits.connections,
        "log_config": log_config(limits),
        "log_level": "info",
        "server_header": False,
        "access_log": True,
    }


def worker_app() -> ASGIApp:
    """The app of one worker process: it opens the index named by :data:`INDEX_VARIABLE` itself."""
    from ichigo_search.errors import IchigoError
    from ichigo_search.index import Index
    from ichigo_search.web.app import create_app

    engine = os.environ.get(ENGINE_VARIABLE) or DEFAULT_ENGINE
    index = Index(os.environ[INDEX_VARIABLE], engine=engine)
    try:
        index.facets("", browse=True)  # open the index and read the facet columns before the first visitor
    except IchigoError as exc:  # damaged: requests answer from the last good generation (or 503) and repair it
        logging.getLogger("ichigo_search.web").warning("the index cannot be read at startup: %s", exc)
    corpus = os.environ.get(CORPUS_VARIABLE)
    return create_app(index, repair=repairer(Path(corpus), index.path, engine) if corpus else None)


def repairer(corpus: Path, index: Path, engine: str | Engine = DEFAULT_ENGINE) -> Callable[[], None]:
    """What rebuilds a damaged index of ``corpus`` in ``index`` (under the write lock, as ``index --rebuild`` does)."""
    from ichigo_search.app.refresh import FIRST_BUILD_LOCK_WAIT
    from ichigo_search.index import Index

    def repair() -> None:
        with Index(index, engine=engine) as writer:
            writer.rebuild_from(corpus, lock_timeout=FIRST_BUILD_LOCK_WAIT)

    return repair


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` that other workers' sockets may share (``SO_REUSEPORT``)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int, index: str, corpus: str | None, environment: dict[str, str]) -> None:
    """One worker process: its own socket on the shared port, its own open index, uvicorn's server."""
    import uvicorn

    os.environ.update(environment)
    os.environ[INDEX_VARIABLE] = index
    if corpus is not None:
        os.environ[CORPUS_VARIABLE] = corpus
    sock = listening_socket(host, port)
    config = uvicorn.Config("ichigo_search.web.server:worker_app", factory=True, **uvicorn_options(host, port))
    uvicorn.Server(config).run(sockets=[sock])


def run_workers(
    host: str,
    port: int,
    workers: int,
    index: str,
    corpus: str | None = None,
    restart_pause: float = 1.0,
    environment: dict[str, str] | None = None,
) -> None:
    """Run ``workers`` worker processes until SIGINT or SIGTERM, starting again any that dies.

    ``port`` must be free (0 is not allowed: the workers must agree on one port). With ``corpus``,
    a worker that finds the index damaged rebuilds it from there. ``environment`` is set in each
    worker before it opens the index (:data:`ENGINE_VARIABLE` and the engine's own settings).
    """
    context = multiprocessing.get_context("spawn")
    log = logging.getLogger("ichigo_search.web")
    stopping = False

    def start() -> multiprocessing.process.BaseProcess:
        process = context.Process(target=_worker, args=(host, port, index, corpus, environment or {}), daemon=False)
        process.start()
        return process

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes = [start() for _ in range(workers)]
    try:
        while not stopping:
            time.sleep(0.2)
            for number, process in enumerate(processes):
                if not process.is_alive() and not stopping:
                    log.warning(
                        "worker %d (pid %s) stopped with code %s; starting another",
                        number,
                        process.pid,
                        process.exitcode,
                    )
                    time.sleep(restart_pause)
                    processes[number] = start()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # uvicorn shuts down gracefully on SIGTERM
        for process in processes:
            process.join(30)
            if process.is_alive():
                process.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
