"""The ASGI app: the search page, the record pages and the JSON API over one open :class:`Index`.

The index is opened once; it reopens its Whoosh searcher by itself when an
``ichigo-search index`` in another process changes it.  Whoosh readers share
file handles, so requests use the index one at a time.  With an embedded engine
(bounded CPU work on local files: a page at 98k captions takes ~3-4 ms) every request runs
on the event loop itself when the index is free, because handing it to a thread and back
cost ~0.75 ms of CPU, a fifth of an API request (README, "Load"); a server engine's
(Solr's) requests wait on the network in a thread, so that a slow node never stalls the
event loop.

Backpressure: work on the event loop queues there, where no counter sees it, so the
server stamps each request with the time it read it (:data:`RECEIVED`), and a request
that has waited longer than :data:`MAX_QUEUE_SECONDS` by the time it is served is
answered 503 at once, as is one beyond :data:`MAX_WAITING` requests waiting for the
index in threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ichigo_search import __version__
from ichigo_search.errors import IchigoError, IndexDamagedError, IndexFormatError
from ichigo_search.index import Index
from ichigo_search.web import views
from ichigo_search.web.params import MAX_QUERY_CHARS, BadParameter, SearchParams, api_params, page_params

HERE = Path(__file__).resolve().parent
FACET_PLACES = 10
# Requests allowed to wait for the index in threads at once; more are answered 503 at once (backpressure).
MAX_WAITING = 64
# A request that has waited longer than this (seconds, since the server read it) is answered 503 at once.
MAX_QUEUE_SECONDS = 1.0
# The scope key under which the server (web.server) puts the time.monotonic() at which it read a request.
RECEIVED = "ichigo.received"
# The health check's query: any words will do, it only has to read the index.
HEALTH_PROBE = "photograph of the city"
# How much of a requested id an error message repeats.
ECHO_CHARS = 80
# Says that a response was answered from the last good generation while the live one is damaged.
WARNING_HEADER = "x-ichigo-warning"
LAST_GOOD_WARNING = "the index is damaged; answered from the index as it was before its last update"
log = logging.getLogger("ichigo_search.web")
T = TypeVar("T")

# No inline scripts or styles anywhere: even a missed escape could not run code.
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
        b"frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
# Example queries for the empty state when the collection names none (collection.yaml `examples:`).
DEFAULT_NAME = "Photograph captions"
DEFAULT_EXAMPLES = ["Liuzhou airbase", '"cavalry column"', "Guilin OR Calcutta", "refugees year:1944", "一号作戦"]


class SecurityHeaders:
    """Add :data:`SECURITY_HEADERS` to every response."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Overloaded(Exception):
    """Too many requests are already waiting for the index."""


def _echo(text: str) -> str:
    """``text`` as an error message may repeat it: at most :data:`ECHO_CHARS` characters."""
    return text if len(text) <= ECHO_CHARS else text[:ECHO_CHARS] + "…"


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


class SearchApp:
    """Routes and handlers around one index."""

    def __init__(
        self,
        index: Index,
        max_waiting: int = MAX_WAITING,
        repair: Callable[[], None] | None = None,
        max_queue: float = MAX_QUEUE_SECONDS,
    ):
        self.index = index
        self.max_waiting = max_waiting
        self.max_queue = max_queue
        self.repair = repair
        self._repairing = threading.Lock()
        self._lock = threading.Lock()
        self._waiting = 0
        self._last_good: Index | None = None  # answers while the live index is damaged (and rebuilt)
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        self.templates.filters["thousands"] = lambda n: f"{n:,}"
        self.templates.globals.update(version=__version__, max_query=MAX_QUERY_CHARS)

    async def _use_index(self, request: Request, work: Callable[..., T], *args: Any) -> tuple[T, str | None]:
        """``work(index, *args)`` for ``request``, one at a time, and a warning (or None) for the response.

        On the event loop itself when the engine is embedded and no other request holds the index (the
        hop to a thread costs more than it saves), otherwise in a worker thread. :class:`Overloaded`
        when the request has waited longer than ``max_queue`` seconds since the server read it, or too
        many wait in threads. While the live index is damaged (and, with a ``repair``, rebuilt in the
        background), the last good generation answers if there is one, with :data:`LAST_GOOD_WARNING`;
        without one the damage is raised (a 503).
        """
        received = request.scope.get(RECEIVED)
        if self._waiting >= self.max_waiting or (received is not None and time.monotonic() - received > self.max_queue):
            raise Overloaded()
        if self.index.embedded and self._lock.acquire(blocking=False):
            try:
                return self._work(work, *args)
            finally:
                self._lock.release()

        def locked() -> tuple[T, str | None]:
            with self._lock:
                return self._work(work, *args)

        self._waiting += 1
        try:
            return await run_in_threadpool(locked)
        finally:
            self._waiting -= 1

    def _work(self, work: Callable[..., T], *args: Any) -> tuple[T, str | None]:
        """The body of :meth:`_use_index`, with the index's lock held."""
        if self._last_good is not None and not self._repairing.locked():  # rebuilt (or no repair): try again
            self._last_good.close()
            self._last_good = None
        if self._last_good is None:
            try:
                return work(self.index, *args), None
            except IndexFormatError as exc:
                self._last_good = self.index.last_good()
                if self._last_good is None:
                    raise
                log.error("index damaged: %s; answering from the last good generation", exc)
                self._start_repair()
        try:
            return work(self._last_good, *args), LAST_GOOD_WARNING
        except IndexFormatError:
            self._last_good.close()
            self._last_good = None
            raise

    def collection(self) -> dict[str, Any]:
        """The collection's name, description and examples (collection.yaml), with defaults."""
        try:
            meta = self.index.meta().get("collection")
        except (OSError, ValueError, IchigoError):
            meta = None
        return _collection(meta)

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("q", "")
        if context.get("collection") is None:
            context["collection"] = self.collection()
        return HTMLResponse(self.templates.get_template(name).render(**context), status_code=status)

    # -- pages -----------------------------------------------------------------

    async def search_page(self, request: Request) -> Response:
        try:
            params = page_params(request.query_params)
        except BadParameter as exc:
            return self.render("error.html", 400, title="Bad request", message=str(exc))
        return _warned(*await self._use_index(request, self._search_page, params))

    def _search_page(self, index: Index, params: SearchParams) -> Response:
        if params.blank:
            collection = _collection(index.meta().get("collection"))
            places, decades = views.browse_links(index.facets("", browse=True, size=FACET_PLACES))
            return self.render(
                "home.html",
                collection=collection,
                records=len(index),
                examples=[(text, views.search_url(text)) for text in collection["examples"]],
                places=places,
                decades=decades,
            )
        started = time.perf_counter()
        results, facets = index.search_with_facets(
            params.q, limit=params.limit, offset=params.offset, place=params.place, year=params.year, size=FACET_PLACES
        )
        seconds = time.perf_counter() - started
        unfiltered = None
        if not results.total and params.filtered and params.q.strip():
            unfiltered = index.search(params.q, limit=0).total
        page = views.build_page(params, results, facets, seconds, unfiltered)
        collection = self.collection()
        examples = [(text, views.search_url(text)) for text in collection["examples"]]
        return self.render("search.html", q=params.q, collection=collection, page=page, examples=examples)

    async def record_page(self, request: Request) -> Response:
        record_id = request.path_params["record_id"]
        record, warning = await self._use_index(request, Index.get, record_id)
        if record is None:
            raise HTTPException(404, f"There is no record with the id {_echo(record_id)!r}.")
        data = record.to_dict()
        return _warned(
            self.render(
                "record.html",
                record=record,
                places=[views.Link(name, views.search_url(place=name)) for name in record.places],
                json_url="/api" + views.record_url(record.id),
                fields=views.record_fields({k: v for k, v in data.items() if k != "places"}),
            ),
            warning,
        )

    # -- API -------------------------------------------------------------------

    async def api_search(self, request: Request) -> Response:
        try:
            params = api_params(request.query_params)
        except BadParameter as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

        def run(index: Index) -> dict[str, Any]:
            results = index.search(
                params.q, limit=params.limit, offset=params.offset, place=params.place, year=params.year
            )
            return {**results.to_dict(), "offset": params.offset}

        data, warning = await self._use_index(request, run)
        return _warned(JSONResponse(data), warning)

    async def api_record(self, request: Request) -> Response:
        record_id = request.path_params["record_id"]
        record, warning = await self._use_index(request, Index.get, record_id)
        if record is None:
            return _warned(JSONResponse({"error": f"no record with id {_echo(record_id)!r}"}, status_code=404), warning)
        return _warned(JSONResponse(record.to_dict()), warning)

    async def healthz(self, request: Request) -> Response:
        """``ok`` and the record count; ``degraded`` while the last good generation answers for a damaged
        one; 503 with the reason when the index cannot be opened or read."""

        def check(index: Index) -> int:
            records = len(index)
            index.search(HEALTH_PROBE, limit=1)  # reads the term tables, postings and a stored record
            return records

        try:
            records, warning = await self._use_index(request, check)
        except IchigoError as exc:
            log.error("health check: %s", exc)
            return JSONResponse({"status": "error", "error": str(exc)}, status_code=503)
        if warning:
            return _warned(JSONResponse({"status": "degraded", "records": records, "warning": warning}), warning)
        return JSONResponse({"status": "ok", "records": records})

    # -- errors ----------------------------------------------------------------

    async def http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        status, detail = exc.status_code, exc.detail
        if _wants_json(request):
            return JSONResponse({"error": detail}, status_code=status, headers=exc.headers)
        title = "Not found" if status == 404 else detail
        message = detail if status != 404 or detail != "Not Found" else "There is no page at this address."
        return self.render("error.html", status, title=title, message=message)

    async def index_error(self, request: Request, exc: Exception) -> Response:
        log.error("index unavailable: %s", exc)
        message = "The index cannot be read right now; please try again in a moment."
        headers = {}
        if isinstance(exc, IndexDamagedError) and self._start_repair():
            message = "The index is being rebuilt after damage; please try again in a moment."
            headers["retry-after"] = "5"
        if _wants_json(request):
            return JSONResponse({"error": message}, status_code=503, headers=headers)
        response = self.render("error.html", 503, title="Search unavailable", message=message)
        response.headers.update(headers)
        return response

    def _start_repair(self) -> bool:
        """Rebuild a damaged index in the background (one repair at a time); False when this app cannot."""
        if self.repair is None:
            return False
        if not self._repairing.acquire(blocking=False):
            return True  # already under way

        def run() -> None:
            try:
                log.warning("the index is damaged; rebuilding it from the corpus")
                self.repair()
                log.warning("the index was rebuilt; searching it again")
            except Exception as exc:  # reported, not raised: the next damaged read tries again
                log.error("could not rebuild the damaged index: %s", exc)
            finally:
                self._repairing.release()

        threading.Thread(target=run, name="ichigo-repair", daemon=True).start()
        return True

    async def overloaded(self, request: Request, exc: Exception) -> Response:
        message = "The server is busy; please try again in a moment."
        headers = {"retry-after": "1"}
        if _wants_json(request):
            return JSONResponse({"error": message}, status_code=503, headers=headers)
        response = self.render("error.html", 503, title="Server busy", message=message)
        response.headers.update(headers)
        return response

    async def server_error(self, request: Request, exc: Exception) -> Response:
        log.exception("error serving %s", request.url.path, exc_info=exc)
        message = "Something went wrong on our side. The error was logged."
        if _wants_json(request):
            return JSONResponse({"error": message}, status_code=500)
        return self.render("error.html", 500, title="Server error", message=message)


def _warned(response: Response, warning: str | None) -> Response:
    """``response``, with :data:`WARNING_HEADER` when it was answered from the last good generation."""
    if warning:
        response.headers[WARNING_HEADER] = warning
    return response


def _collection(meta: Any) -> dict[str, Any]:
    """Name, description and example queries of a collection, whatever collection.yaml holds."""
    meta = meta if isinstance(meta, dict) else {}
    name, description, examples = meta.get("name"), meta.get("description"), meta.get("examples")
    if not (isinstance(examples, list) and examples and all(isinstance(e, str) for e in examples)):
        examples = DEFAULT_EXAMPLES
    return {
        "name": name if isinstance(name, str) and name.strip() else DEFAULT_NAME,
        "description": description if isinstance(description, str) else "",
        "examples": examples[:8],
    }


def create_app(index: Index | str | Path, repair: Callable[[], None] | None = None) -> ASGIApp:
    """The web app over ``index`` (an open :class:`Index` or its folder).

    ``repair``, if given, rebuilds a damaged index (from its corpus); it runs in the background
    the first time a request finds damage. Meanwhile the last good generation answers, if one is
    on disk and sound (with an ``x-ichigo-warning`` header); otherwise requests get 503 until it is done.
    """
    site = SearchApp(index if isinstance(index, Index) else Index(index), repair=repair)
    app = Starlette(
        routes=[
            Route("/", site.search_page, name="search"),
            Route("/records/{record_id:path}", site.record_page, name="record"),
            Route("/api/search", site.api_search, name="api_search"),
            Route("/api/records/{record_id:path}", site.api_record, name="api_record"),
            Route("/healthz", site.healthz, name="healthz"),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        exception_handlers={
            HTTPException: site.http_error,
            IchigoError: site.index_error,
            Overloaded: site.overloaded,
            Exception: site.server_error,
        },
    )
    app.state.site = site
    return SecurityHeaders(app)
