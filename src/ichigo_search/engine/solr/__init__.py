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
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ichigo_search import store
from ichigo_search.engine.solr.client import SolrClient, SolrRequestError
from ichigo_search.errors import EngineError
from ichigo_search.ranking import Ranking

if TYPE_CHECKING:
    from ichigo_search.engine.solr.searcher import SolrSearcher

URL_ENV, ALIAS_ENV, SHARDS_ENV, REPLICAS_ENV = (
    "ICHIGO_SOLR_URL",
    "ICHIGO_SOLR_ALIAS",
    "ICHIGO_SOLR_SHARDS",
    "ICHIGO_SOLR_REPLICAS",
)
DEFAULT_URL = "http://localhost:8983/solr"
DEFAULT_ALIAS = "ichigo"
# What a generation's folder says about its collection.
POINTER = "solr.json"
# Documents sent to Solr in one request.
BATCH = 2000
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

    def __init__(
        self,
        url: str | None = None,
        *,
        alias: str | None = None,
        shards: int | None = None,
        replicas: int | None = None,
    ):
        self.url = url or os.environ.get(URL_ENV) or DEFAULT_URL
        self.alias = alias or os.environ.get(ALIAS_ENV) or DEFAULT_ALIAS
        if not _NAME_RE.fullmatch(self.alias):
            raise EngineError(f"not a Solr collection alias: {self.alias!r} (letters, digits, '_', '.', '-')")
        self.shards = _positive(shards, SHARDS_ENV, 1)
        self.replicas = _positive(replicas, REPLICAS_ENV, 1)
        self.client = SolrClient(self.url)

    # -- collections -------------------------------------------------------------

    def collection(self, generation: Path) -> str:
        """The collection a generation's folder names."""
        try:
            name = json.loads((generation / POINTER).read_text(encoding="utf-8"))["collection"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise EngineError(f"{generation}: no Solr collection recorded ({exc})") from exc
        if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
            raise EngineError(f"{generation / POINTER}: not a collection name: {name!r}")
        return name

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
        store.write_atomic(generation / POINTER, json.dumps({"collection": name, "url": self.url}))
        self._create_collection(name)
        return NewSolrIndex(self.client, name)

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
        sender = _Sender(self.client, collection, first_seq=int(docs[0].get("seq", -1)) + 1 if docs else 0)
        for start in range(0, len(removed), BATCH):
            self.client.post(f"/{collection}/update", {"delete": list(removed[start : start + BATCH])})
        for document in changed:
            sender.add(document)
        sender.commit()

    def open(self, generation: Path, memory_map: bool, ranking: Ranking) -> SolrSearcher:
        from ichigo_search.engine.solr.searcher import SolrSearcher

        return SolrSearcher(self.client, self.collection(generation), ranking)


class NewSolrIndex:
    """A new, empty collection being filled."""

    def __init__(self, client: SolrClient, collection: str) -> None:
        self._sender = _Sender(client, collection)
        self._written: set[str] = set()

    def write_documents(
        self,
        records: Sequence[Any],
        to_document: Callable[[Any], dict[str, Any]],
        *,
        processes: int,
        progress: Callable[[int, int], None] | None,
        checkpoint: Callable[[str, int], None],
    ) -> None:
        self._write(iter(records), to_document, progress, checkpoint, len(records))

    def write_sources(
        self,
        sources: Sequence[Callable[[], Iterator[Any]]],
        to_document: Callable[[Any], dict[str, Any]],
        *,
        progress: Callable[[int, int], None] | None,
        checkpoint: Callable[[str, int], None],
        review: Callable[[list, list[list]], None],
    ) -> None:
        """Each source's records in turn; a record whose id an earlier one had is not sent (the first stays)."""
        results = []
        for source in sources:
            records = source()
            results.append(_drain(records, lambda record: self._write_one(record, to_document, checkpoint, progress)))
        review(results, [[] for _ in sources])
        checkpoint("commit", 0)

    def _write(self, records, to_document, progress, checkpoint, total: int) -> None:
        for record in records:
            self._write_one(record, to_document, checkpoint, progress, total)
        checkpoint("commit", 0)

    def _write_one(self, record, to_document, checkpoint, progress, total: int = 0) -> None:
        if record.id in self._written:
            return
        self._written.add(record.id)
        self._sender.add(to_document(record))
        done = len(self._written)
        checkpoint("record", done)
        if progress and done % _PROGRESS_EVERY == 0:
            progress(done, total)

    def delete_documents(self, segments: list, docnums: list[int]) -> None:
        """Nothing to do: a repeated id was never sent (see write_sources)."""

    def close(self) -> None:
        self._sender.commit()


class _Sender:
    """Index documents converted and sent to a collection in batches."""

    def __init__(self, client: SolrClient, collection: str, first_seq: int = 0):
        self.client = client
        self.path = f"/{collection}/update"
        self.batch: list[dict[str, Any]] = []
        self.seq = first_seq  # documents are numbered in the order they are written

    def add(self, doc: dict[str, Any]) -> None:
        from ichigo_search.engine.solr.documents import solr_document

        self.batch.append(solr_document(doc, self.seq))
        self.seq += 1
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            self.client.post(self.path, self.batch)
            self.batch = []

    def commit(self) -> None:
        self.flush()
        self.client.post(f"{self.path}?commit=true&waitSearcher=true", [])


def _positive(given: int | None, variable: str, default: int) -> int:
    value: Any = given if given is not None else os.environ.get(variable, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        raise EngineError(f"{variable}: expected a positive whole number, got {value!r}")
    return number


def _drain(records: Iterator[Any], each: Callable[[Any], None]) -> Any:
    """Call ``each`` on every record of a generator; returns the generator's own return value."""
    while True:
        try:
            record = next(records)
        except StopIteration as end:
            return end.value
        each(record)


def make_engine() -> SolrEngine:
    """The Solr engine configured from the environment (ICHIGO_SOLR_URL, ICHIGO_SOLR_ALIAS, …)."""
    return SolrEngine()
