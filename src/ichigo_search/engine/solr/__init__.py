"""The SolrCloud engine: each generation's documents in a Solr collection, searched over HTTP.

The index folder keeps what it keeps for the Whoosh engine (``CURRENT``, each generation's
metadata and corpus file states); a generation's folder also names its collection
(``solr.json``). A rebuild creates a new collection ``<alias>_<generation>`` and, once it is
published, points the collection alias (``ichigo`` unless told otherwise) at it, so clients
of the alias switch atomically; an update adds and deletes documents in the live collection
and commits once (Solr makes the whole update visible at that commit). Collections that no
generation names any longer are deleted when the next generation is published.

The configset (``configset/``: ``schema.xml`` and ``solrconfig.xml``) is uploaded under a
name that changes with its content, and a collection is created with ``shards`` shards of
``replicas`` replicas each. Every failure talking to Solr is an :class:`EngineError`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import queue
import re
import threading
import urllib.parse
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ichigo_search import store
from ichigo_search.engine import Made, PerSegment
from ichigo_search.engine.solr.client import SolrClient, SolrRequestError
from ichigo_search.engine.solr.routing import Routes, Shard
from ichigo_search.errors import EngineError
from ichigo_search.ranking import Ranking
from ichigo_search.util.generators import Returning

if TYPE_CHECKING:
    from ichigo_search.engine.solr.searcher import SolrSearcher

URL_ENV, ALIAS_ENV, SHARDS_ENV, REPLICAS_ENV, NATIVE_ENV = (
    "ICHIGO_SOLR_URL",
    "ICHIGO_SOLR_ALIAS",
    "ICHIGO_SOLR_SHARDS",
    "ICHIGO_SOLR_REPLICAS",
    "ICHIGO_SOLR_NATIVE_FIELDS",
)
DEFAULT_URL = "http://localhost:8983/solr"
DEFAULT_ALIAS = "ichigo"
# What a generation's folder says about its collection.
POINTER = "solr.json"
# Documents sent to Solr in one request, and batches converted ahead of the one being posted.
BATCH = 2000
_QUEUED = 2
# Run k of a rebuild numbers its documents from k << SEQ_BITS (ties in score rank by that number).
SEQ_BITS = 40
_FEWEST_PER_PROCESS = 500  # records; fewer are not worth a process
_PROGRESS_EVERY = 500
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,80}")


def configset_files() -> dict[str, bytes]:
    """The configset shipped in the package: file name -> content."""
    folder = resources.files(__name__) / "configset"
    return {name: (folder / name).read_bytes() for name in ("schema.xml", "solrconfig.xml")}


def write_configset(target: Path) -> list[Path]:
    """Write the configset's files into ``target`` (created if needed); the paths written."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in configset_files().items():
        (target / name).write_bytes(content)
        written.append(target / name)
    return written


def configset_name() -> str:
    """The name the shipped configset has in a cluster: it changes with the configset's content."""
    files = configset_files()
    return f"ichigo-{hashlib.sha256(b''.join(files[name] for name in sorted(files))).hexdigest()[:12]}"


class SolrEngine:
    """Writes generations as Solr collections and searches them (:class:`ichigo_search.engine.Engine`)."""

    name = "solr"
    read_errors = ()
    semantic = False  # its searcher names documents by record id, not by number
    embedded = False

    def __init__(
        self,
        url: str | None = None,
        *,
        alias: str | None = None,
        shards: int | None = None,
        replicas: int | None = None,
        native_fields: bool | None = None,
    ):
        """``native_fields``: a new collection also gets the ``*_txt`` copies Solr analyses itself, for
        Solr-native clients (env ICHIGO_SOLR_NATIVE_FIELDS=1; off by default: ichigo-search does not
        search them, and Solr analyses and stores each caption's text again for them)."""
        self.url = url or os.environ.get(URL_ENV) or DEFAULT_URL
        self.alias = alias or os.environ.get(ALIAS_ENV) or DEFAULT_ALIAS
        if not _NAME_RE.fullmatch(self.alias):
            raise EngineError(f"not a Solr collection alias: {self.alias!r} (letters, digits, '_', '.', '-')")
        self.shards = _positive(shards, SHARDS_ENV, 1)
        self.replicas = _positive(replicas, REPLICAS_ENV, 1)
        if native_fields is None:
            native_fields = os.environ.get(NATIVE_ENV, "").strip().lower() in ("1", "true", "yes", "on")
        self.native_fields = native_fields
        self.client = SolrClient(self.url)

    # -- collections -------------------------------------------------------------

    def collection(self, generation: Path) -> str:
        """The collection a generation's folder names."""
        name = self._pointer(generation).get("collection")
        if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
            raise EngineError(f"{generation / POINTER}: not a collection name: {name!r}")
        return name

    def _pointer(self, generation: Path) -> dict[str, Any]:
        try:
            pointer = json.loads((generation / POINTER).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise EngineError(f"{generation}: no Solr collection recorded ({exc})") from exc
        if not isinstance(pointer, dict):
            raise EngineError(f"{generation / POINTER}: not a Solr collection record")
        return pointer

    def _native(self, generation: Path) -> bool:
        """Whether the generation's collection holds the ``*_txt`` copies (collections made before the choice
        existed do): an update keeps to what the build did."""
        return bool(self._pointer(generation).get("native_fields", True))

    def _configset(self) -> str:
        """The name of the shipped configset in the cluster, uploaded first if it is not there."""
        files = configset_files()
        name = configset_name()
        listed = self.client.get("/admin/configs", {"action": "LIST"}).get("configSets", [])
        if name not in listed:
            archive = io.BytesIO()
            with zipfile.ZipFile(archive, "w") as zipped:
                for file_name, content in files.items():
                    zipped.writestr(file_name, content)
            self.client.post(
                f"/admin/configs?action=UPLOAD&name={name}", archive.getvalue(), content_type="application/octet-stream"
            )
        return name

    def _create_collection(self, name: str) -> None:
        params = {
            "action": "CREATE",
            "name": name,
            "numShards": self.shards,
            "replicationFactor": self.replicas,
            "collection.configName": self._configset(),
            "waitForFinalState": "true",
        }
        try:
            self.client.get("/admin/collections", params)
        except SolrRequestError as exc:
            # a node going down mid-way loses the answer, and the client asks again: the first request made it
            if "already exists" not in str(exc) or name not in self._collections():
                raise

    def _collections(self) -> list[str]:
        return list(self.client.get("/admin/collections", {"action": "LIST"}).get("collections", []))

    def _named(self, root: Path) -> set[str]:
        """The collections the generations of the index folder ``root`` name."""
        named = set()
        for folder in store.generations(root):
            try:
                named.add(self.collection(folder))
            except EngineError:
                continue
        return named

    def _check_alias(self, root: Path) -> None:
        """Refuse an alias that points at a collection this index folder did not make: publishing would take
        the alias from the folder that did, and delete its collection."""
        aliases = self.client.get("/admin/collections", {"action": "LISTALIASES"}).get("aliases") or {}
        target = aliases.get(self.alias)
        if target and target not in self._named(root):
            raise EngineError(
                f"the Solr alias {self.alias!r} points at {target}, which the index folder {root} did not make "
                f"(another index folder uses that alias); set ICHIGO_SOLR_ALIAS to another name for this one, or "
                f"delete that collection in Solr if no index folder uses it any more"
            )

    def published(self, root: Path, generation: Path) -> None:
        """Point the alias at the live generation's collection; delete collections no generation names."""
        live = self.collection(generation)
        self.client.get("/admin/collections", {"action": "CREATEALIAS", "name": self.alias, "collections": live})
        named = self._named(root)
        prefix = f"{self.alias}_{store.GENERATION_PREFIX}"
        for name in self._collections():
            if name.startswith(prefix) and name not in named:
                try:
                    self.client.get("/admin/collections", {"action": "DELETE", "name": name})
                except SolrRequestError:
                    continue  # deleted meanwhile, or busy: the next publish tries again

    # -- Engine ------------------------------------------------------------------

    def create(self, generation: Path, ranking: Ranking) -> NewSolrIndex:
        self._check_alias(generation.parent)
        name = f"{self.alias}_{generation.name}"
        pointer = {"collection": name, "url": self.client.url, "native_fields": self.native_fields}
        store.write_atomic(generation / POINTER, json.dumps(pointer))
        self._create_collection(name)
        return NewSolrIndex(self.client, name, self.native_fields)

    def document_count(self, generation: Path) -> int:
        collection = self.collection(generation)
        answer = self.client.post(f"/{collection}/query", {"query": "*:*", "limit": 0})
        return int(answer["response"]["numFound"])

    def indexed_hashes(self, generation: Path) -> dict[str, str]:
        """Map id -> content hash of every document, read a page at a time (cursorMark)."""
        collection = self.collection(generation)
        hashes: dict[str, str] = {}
        cursor = "*"
        while True:
            body = {
                "query": "*:*",
                "limit": 10_000,
                "fields": "id,hash",
                "sort": "id asc",
                "params": {"cursorMark": cursor},
            }
            answer = self.client.post(f"/{collection}/query", body)
            for doc in answer["response"]["docs"]:
                hashes[doc["id"]] = doc.get("hash", "")
            following = answer.get("nextCursorMark", cursor)
            if following == cursor:
                return hashes
            cursor = following

    def apply(self, generation: Path, removed: Sequence[str], changed: Iterable[dict[str, Any]]) -> None:
        """Delete ``removed`` record ids and add or replace the ``changed`` documents in the live collection."""
        self._check_alias(generation.parent)
        collection = self.collection(generation)
        last = self.client.post(
            f"/{collection}/query", {"query": "*:*", "limit": 1, "fields": "seq", "sort": "seq desc"}
        )
        docs = last["response"]["docs"]
        first = int(docs[0].get("seq", -1)) + 1 if docs else 0
        for start in range(0, len(removed), BATCH):
            self.client.post(f"/{collection}/update", {"delete": list(removed[start : start + BATCH])})
        sender = _Sender(self.client, collection, self._native(generation))
        try:
            for seq, document in enumerate(changed, first):
                sender.add(document, seq)
            sender.finish()
        finally:
            sender.stop()
        self.client.post(f"/{collection}/update?commit=true&waitSearcher=true", [])

    def inspect(self, generation: Path) -> dict[str, Any]:
        """The generation's collection as the cluster has it, for ``check`` and ``stats``.

        ``url``, ``alias`` and the collection it points at, ``collection``, ``records``, and per
        shard its ``name``, hash ``range``, ``state``, ``records`` and ``replicas`` (``name``,
        ``core``, ``node``, ``state``: Solr's, or ``down`` when its node is not live; ``leader``).
        ``problems``: what leaves records unsearchable or the alias elsewhere (the collection gone, a
        shard with no replica up); ``warnings``: a replica down while another one serves its shard.
        """
        name = self.collection(generation)
        suffix = f"_{generation.name}"  # the collection is named after the alias it was made for
        alias = name[: -len(suffix)] if name.endswith(suffix) else self.alias
        report: dict[str, Any] = {"url": self.client.url, "alias": alias, "alias_collection": None}
        report.update(collection=name, records=None, shards=[], problems=[], warnings=[])
        aliases = self.client.get("/admin/collections", {"action": "LISTALIASES"}).get("aliases") or {}
        report["alias_collection"] = aliases.get(alias)
        status = self.client.get("/admin/collections", {"action": "CLUSTERSTATUS", "collection": name})
        cluster = status.get("cluster") or {}
        state = (cluster.get("collections") or {}).get(name)
        if state is None:
            report["problems"].append(f"collection {name} is not in the Solr cluster at {self.client.url}")
            return report
        if report["alias_collection"] != name:
            report["problems"].append(
                f"the alias {alias!r} points at {report['alias_collection'] or 'nothing'}, not at {name} "
                "(this index folder's live collection)"
            )
        live = set(cluster.get("live_nodes") or [])
        for shard_name, shard in sorted((state.get("shards") or {}).items()):
            replicas = []
            for replica_name, replica in sorted((shard.get("replicas") or {}).items()):
                up = replica.get("node_name") in live
                replicas.append(
                    {
                        "name": replica_name,
                        "core": replica.get("core"),
                        "node": replica.get("node_name"),
                        "state": replica.get("state") if up else "down",
                        "leader": replica.get("leader") == "true",
                    }
                )
            active = [replica for replica in replicas if replica["state"] == "active"]
            entry = {"name": shard_name, "range": shard.get("range"), "state": shard.get("state")}
            entry.update(records=None, replicas=replicas)
            report["shards"].append(entry)
            if not active:
                report["problems"].append(f"{name}/{shard_name}: no replica is up (its records cannot be searched)")
                continue
            for replica in replicas:
                if replica["state"] != "active":
                    report["warnings"].append(
                        f"{name}/{shard_name}: replica {replica['name']} on {replica['node']} is {replica['state']}; "
                        f"{len(active)} of {len(replicas)} replicas serve the shard"
                    )
            counted = {"query": "*:*", "limit": 0, "params": {"shards": shard_name}}
            entry["records"] = int(self.client.post(f"/{name}/query", counted)["response"]["numFound"])
        if not report["problems"]:
            report["records"] = sum(entry["records"] for entry in report["shards"])
        return report

    def open(self, generation: Path, memory_map: bool, ranking: Ranking) -> SolrSearcher:
        from ichigo_search.engine.solr.searcher import SolrSearcher

        return SolrSearcher(self.client, self.collection(generation), ranking)


class NewSolrIndex:
    """A new, empty collection being filled: each run of records converted and sent by its own process.

    The first run is sent from this process, each other one from a forked process (the
    corpus's memory shared), so the Python side of ingestion (locating places, analysis)
    uses both cores as the Whoosh engine's build does; each sender posts its batches from a
    thread while the next batch is converted. Run ``k``'s documents are numbered from
    ``k << SEQ_BITS``, so ties in score still rank in file order.
    """

    def __init__(self, client: SolrClient, collection: str, native: bool = False) -> None:
        self.client = client
        self.collection = collection
        self.native = native
        self._runs: Sequence[Callable[[], Iterator[Any]]] = ()
        self._to_document: Callable[[Any], dict[str, Any]] | None = None

    def write_documents(
        self,
        records: Sequence[Any],
        to_document: Callable[[Any], dict[str, Any]],
        *,
        processes: int,
        progress: Callable[[int, int], None] | None,
        checkpoint: Callable[[str, int], None],
        per_segment: PerSegment | None = None,
    ) -> Made:
        """The records side by side in ``processes`` runs; no segments (``per_segment`` unused: None)."""
        from ichigo_search.util.forking import can_fork

        total = len(records)
        processes = max(1, min(processes if can_fork() else 1, total // _FEWEST_PER_PROCESS or 1))
        bounds = [total * i // processes for i in range(processes + 1)]

        def run(start: int, end: int) -> Callable[[], Iterator[Any]]:
            return lambda: (records[index] for index in range(start, end))

        runs = [run(bounds[i], bounds[i + 1]) for i in range(processes)]
        self._write_runs(runs, to_document, progress, checkpoint, total)
        checkpoint("commit", 0)
        return None

    def write_sources(
        self,
        sources: Sequence[Callable[[], Iterator[Any]]],
        to_document: Callable[[Any], dict[str, Any]],
        *,
        progress: Callable[[int, int], None] | None,
        checkpoint: Callable[[str, int], None],
        review: Callable[[list, list[list]], None],
        per_segment: PerSegment | None = None,
    ) -> Made:
        """Each source's records side by side; an id an earlier source gave keeps that source's record (no
        segments: ``per_segment`` unused, None returned)."""
        results = self._write_runs(sources, to_document, progress, checkpoint, 0)
        review(results, [[number] for number in range(len(sources))])
        checkpoint("commit", 0)
        return None

    def _write_runs(self, runs, to_document, progress, checkpoint, total: int) -> list[Any]:
        """Send every run's records (the first from here, the others from forked processes); each run's result."""
        from multiprocessing.sharedctypes import RawValue

        from ichigo_search.util.forking import Forked

        self._runs, self._to_document = runs, to_document
        workers: list[tuple[Forked, Any]] = []
        try:
            for number, run in enumerate(runs[1:], 1):
                done = RawValue("q", 0)  # records sent, for progress
                worker = Forked(
                    _send_run, self.client, self.collection, self.native, run, to_document, number,
                    _counter(done),
                    role="Solr indexing process",
                )  # fmt: skip
                workers.append((worker, done))

            def report(count: int) -> None:
                checkpoint("record", count)
                if progress and count % _PROGRESS_EVERY == 0:
                    progress(count + sum(done.value for _, done in workers), total)

            outcomes = [_send_run(self.client, self.collection, self.native, runs[0], to_document, 0, report)]
            outcomes += [worker.result() for worker, _ in workers]
        except BaseException:
            for worker, _ in workers:
                worker.kill()
            raise
        if progress:
            written = sum(count for _, count in outcomes)
            progress(written, total or written)
        return [result for result, _ in outcomes]

    def delete_documents(self, segments: list, docnums: list[int]) -> None:
        """Records of run ``segments[0]`` whose id an earlier run gave: that earlier record is sent again.

        The later run's document replaced it in the collection (a rare case: a corpus with an id
        in both halves of its files, built with ``--skip-invalid``); the earlier runs are read again.
        """
        if not docnums or not segments:
            return
        number = segments[0]
        ids: set[str] = set()
        for position, record in enumerate(self._runs[number]()):
            if position in docnums:
                ids.add(record.id)
        sender = _Sender(self.client, self.collection, self.native)
        for earlier in range(number):
            for position, record in enumerate(self._runs[earlier]()):
                if record.id in ids:
                    ids.discard(record.id)
                    sender.add(self._to_document(record), (earlier << SEQ_BITS) + position)
        sender.finish()

    def close(self) -> None:
        self.client.post(f"/{self.collection}/update?commit=true&waitSearcher=true", [])


def _send_run(
    client: SolrClient,
    collection: str,
    native: bool,
    run: Callable[[], Iterator[Any]],
    to_document: Callable[[Any], dict[str, Any]],
    number: int,
    report: Callable[[int], None],
) -> tuple[Any, int]:
    """Convert and send one run's records (each id once, its first record); the run's result and its count."""
    if number:
        client = client.forked()  # this process's own connections
    sender = _Sender(client, collection, native)
    records = Returning(run())
    sent: set[str] = set()
    count = 0
    try:
        for record in records:
            if record.id in sent:
                continue
            sent.add(record.id)
            sender.add(to_document(record), (number << SEQ_BITS) + count)
            count += 1
            report(count)
        sender.finish()
    finally:
        sender.stop()
    return records.value, count


def _counter(done) -> Callable[[int], None]:
    """A forked sender's report: its count of records sent, shared with the parent every so often."""

    def report(count: int) -> None:
        if count % _PROGRESS_EVERY == 0:
            done.value = count

    return report


class _Sender:
    """Index documents converted and sent to a collection in batches, posted by a thread of their own.

    Each batch holds the documents of one shard and goes to that shard's leader core
    (:mod:`routing`), so no node parses a document it then forwards; when the leader cannot take
    it (gone down, moved), the batch goes to the collection, which Solr routes, and so do the
    batches after it. While one batch is on its way (Solr parsing and indexing it), the next is
    converted; at most ``_QUEUED`` batches wait. A failed post is raised by the next :meth:`add`
    or by :meth:`finish`. ``native``: with the ``*_txt`` copies for Solr-native clients.
    """

    def __init__(self, client: SolrClient, collection: str, native: bool = False):
        self.client = client
        self.path = f"/{collection}/update"
        self.native = native
        self.routes = _routes(client, collection)
        self.batches: dict[Shard | None, list[dict[str, Any]]] = {}
        self._queue: queue.Queue[tuple[Shard | None, bytes] | None] = queue.Queue(maxsize=_QUEUED)
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    def add(self, doc: dict[str, Any], seq: int) -> None:
        from ichigo_search.engine.solr.documents import solr_document

        document = solr_document(doc, seq, native=self.native)
        routes = self.routes
        shard = routes.shard_of(document["id"]) if routes is not None else None
        batch = self.batches.setdefault(shard, [])
        batch.append(document)
        if len(batch) >= BATCH:
            self._hand(shard)

    def flush(self) -> None:
        """Hand every batch to the posting thread."""
        for shard in list(self.batches):
            self._hand(shard)

    def _hand(self, shard: Shard | None) -> None:
        if self._failure is not None:
            raise self._failure
        batch = self.batches.pop(shard, None)
        if batch:
            body = json.dumps(batch, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            if self._thread is None:
                self._thread = threading.Thread(target=self._post, name="solr-sender", daemon=True)
                self._thread.start()
            self._queue.put((shard, body))

    def _post(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._failure is None:
                try:
                    self._send(*item)
                except BaseException as exc:  # raised in the converting thread
                    self._failure = exc

    def _send(self, shard: Shard | None, body: bytes) -> None:
        if shard is not None and self.routes is not None:
            try:
                self.client.post_to(shard.node, f"/{shard.core}/update", body)
                return
            except EngineError:
                self.routes = None  # the leader moved or is down: Solr routes this batch and the next ones
        self.client.post(self.path, body)

    def finish(self) -> None:
        """Every document posted (not yet committed); the first failure raised."""
        self.flush()
        self.stop()
        if self._failure is not None:
            raise self._failure

    def stop(self) -> None:
        """End the posting thread once what is queued is posted (or skipped after a failure)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None


def _routes(client: SolrClient, collection: str) -> Routes | None:
    """The collection's shards and leaders now; None (batches to the collection) when Solr cannot say."""
    try:
        status = client.get("/admin/collections", {"action": "CLUSTERSTATUS", "collection": collection})
    except EngineError:
        return None
    return Routes.from_status(status, collection, urllib.parse.urlsplit(client.url).scheme)


def _positive(given: int | None, variable: str, default: int) -> int:
    value: Any = given if given is not None else os.environ.get(variable, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        raise EngineError(f"{variable}: expected a positive whole number, got {value!r}")
    return number


def make_engine() -> SolrEngine:
    """The Solr engine configured from the environment (ICHIGO_SOLR_URL, ICHIGO_SOLR_ALIAS, …)."""
    return SolrEngine()
