"""ichigo-search and the tools users would otherwise pick, behind one small interface.

Every engine builds an index from the same corpus folder (ichigo-search's
record format) and answers the same :class:`Query` with the top hits and a
highlighted fragment each.  The peers are configured the way their
documentation shows, with the stemming analyser closest to ichigo-search's:

- ``fts5``: SQLite FTS5 through Python's ``sqlite3``, ``porter unicode61``
  tokenizer, ``bm25`` ranking (``ORDER BY rank``), fragments from ``snippet()``;
- ``tantivy``: the ``tantivy`` PyPI package, ``en_stem`` tokenizer, BM25,
  fragments from ``SnippetGenerator``;
- ``whoosh``: plain Whoosh, ``StemmingAnalyzer``, one writer, BM25F,
  fragments from ``hit.highlights``.

All index the searchable fields ichigo-search searches (title, caption,
places, photographer) and store the caption for fragments.  Peers get a query's
words and quoted phrases OR-ed together (bag of words; or AND-ed, the default
operator of FTS5 and Whoosh); ichigo-search gets the text as typed.

Run as a script it is the peers' "command-line query": open an index, print
ten hits with fragments (``python benchmarks/engines.py fts5 INDEX words…``).
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

ENGINES = ("ichigo", "fts5", "tantivy", "whoosh")
LABELS = {
    "ichigo": "ichigo-search",
    "ichigo+semantic": "ichigo-search + semantic",
    "ichigo-solr": "ichigo-search on SolrCloud",
    "fts5": "SQLite FTS5",
    "tantivy": "tantivy",
    "whoosh": "plain Whoosh",
}
FIELDS = ("title", "caption", "places", "photographer")
ROOT = Path(__file__).resolve().parents[1]
_PHRASE_RE = re.compile(r'"([^"]*)"')
_WORD_RE = re.compile(r"\w+")
# When the match is in another field, tantivy and Whoosh give no caption fragment: show its start.
FALLBACK_CHARS = 150


@dataclass(frozen=True)
class Query:
    """A query as typed (for ichigo-search) and as lower-cased words and phrases (for the peers).

    Peers join the units with OR, or with AND when ``conjunction`` is set.
    Words are lower-cased because tantivy's parser drops a repeated clause
    only when it is spelled the same (``cost … cost`` counts once, ``Cost
    … cost`` twice); all three peers fold case when they analyse anyway.
    """

    text: str
    units: tuple[tuple[str, ...], ...]
    conjunction: bool = False

    @classmethod
    def parse(cls, text: str, *, phrases: bool = True, conjunction: bool = False) -> Query:
        """Split typed text into words and, with ``phrases``, "quoted phrases"."""
        units: list[tuple[str, ...]] = []
        rest = text.lower()
        if phrases:
            units += [tuple(_WORD_RE.findall(p)) for p in _PHRASE_RE.findall(rest)]
            rest = _PHRASE_RE.sub(" ", rest)
        units += [(w,) for w in _WORD_RE.findall(rest)]
        return cls(text, tuple(u for u in units if u), conjunction)

    @property
    def operator(self) -> str:
        """How the peers join the units (the same spelling in all three query languages)."""
        return " AND " if self.conjunction else " OR "

    def quoted(self) -> str:
        """Every unit in double quotes, joined by the operator: valid FTS5, tantivy and Whoosh syntax.

        Units are \\w+ words, so quoting needs no escapes and no word can be an operator.
        """
        return self.operator.join('"' + " ".join(unit) + '"' for unit in self.units)


Hit = tuple[str, str]  # (record id, highlighted fragment)


class Engine(Protocol):
    """What the benchmarks need from a search engine."""

    def build(self, corpus: Path, index: Path) -> None: ...

    def open(self, index: Path) -> None: ...

    def search(self, query: Query, limit: int = 10) -> list[Hit]: ...

    def close(self) -> None: ...


def iter_docs(corpus: Path) -> Iterator[dict[str, str]]:
    """The searchable fields of every record in a corpus folder (*.jsonl; *.yaml for the sample)."""
    for path in sorted(corpus.rglob("*")):
        if path.name.startswith(".") or path.name == "collection.yaml":
            continue
        if path.suffix == ".jsonl":
            with path.open(encoding="utf-8") as f:
                rows = [json.loads(line) for line in f if line.strip()]
        elif path.suffix in (".yaml", ".yml"):
            import yaml

            rows = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        else:
            continue
        for row in rows:
            yield {
                "id": str(row["id"]),
                "title": row.get("title") or "",
                "caption": row["caption"],
                "places": "\n".join(row.get("places") or []),
                "photographer": row.get("photographer") or "",
            }


class Ichigo:
    """ichigo-search through its Python API (``Index.rebuild_from`` / ``Index.search``)."""

    def build(self, corpus: Path, index: Path) -> None:
        from ichigo_search import Index

        with Index(index) as idx:
            idx.rebuild_from(corpus)

    def open(self, index: Path) -> None:
        from ichigo_search import Index

        self.index = Index(index)

    def search(self, query: Query, limit: int = 10) -> list[Hit]:
        return [(h.id, " … ".join(h.highlights)) for h in self.index.search(query.text, limit=limit)]

    def close(self) -> None:
        self.index.close()


class IchigoSemantic(Ichigo):
    """ichigo-search with semantic ranking: an index built with ``semantic=True``, searched with ``ranking``.

    Needs ``pip install -e ".[semantic]"``; embedding 98,244 captions takes about 5 min on 2 cores.
    """

    def __init__(self, ranking=None) -> None:
        self.ranking = ranking

    def build(self, corpus: Path, index: Path) -> None:
        from ichigo_search import Index

        with Index(index) as idx:
            idx.rebuild_from(corpus, semantic=True)

    def open(self, index: Path) -> None:
        from ichigo_search import Index
        from ichigo_search.ranking import DEFAULT

        self.index = Index(index, ranking=self.ranking or DEFAULT)


class IchigoSolr(Ichigo):
    """ichigo-search's Solr engine (``--engine solr``) on the SolrCloud at ``ICHIGO_SOLR_URL``.

    Collections of ``ICHIGO_SOLR_SHARDS`` shards (2 unless set) of ``ICHIGO_SOLR_REPLICAS``
    replicas (1 unless set); each index folder gets an alias of its own (a rebuild deletes the
    collections its alias had). :func:`solr_cluster` starts a cluster when no URL is set.
    """

    def engine(self, index: Path):
        from ichigo_search.engine.solr import SolrEngine

        shards = int(os.environ.get("ICHIGO_SOLR_SHARDS", "2"))
        return SolrEngine(alias="bench-" + re.sub(r"[^A-Za-z0-9_.-]", "-", index.name), shards=shards)

    def build(self, corpus: Path, index: Path) -> None:
        from ichigo_search import Index

        with Index(index, engine=self.engine(index)) as idx:
            idx.rebuild_from(corpus)

    def open(self, index: Path) -> None:
        from ichigo_search import Index

        self.index = Index(index, engine=self.engine(index))

    def forget(self, index: Path) -> None:
        """Delete the alias of the index folder ``index`` and its collections (before it is built anew from scratch:
        the engine refuses an alias a folder it did not make points at)."""
        engine = self.engine(index)
        if engine.alias in (engine.client.get("/admin/collections", {"action": "LISTALIASES"}).get("aliases") or {}):
            engine.client.get("/admin/collections", {"action": "DELETEALIAS", "name": engine.alias})
        for name in engine.client.get("/admin/collections", {"action": "LIST"}).get("collections", []):
            if name.startswith(f"{engine.alias}_gen-"):
                engine.client.get("/admin/collections", {"action": "DELETE", "name": name})

    def collection(self, index: Path) -> str:
        """The collection the index folder's live generation names."""
        from ichigo_search import store

        generation, _ = store.live_generation(index)
        return self.engine(index).collection(generation)

    def index_bytes(self, index: Path) -> int:
        """Bytes of the live collection's Lucene indexes, every replica (CoreAdmin STATUS on each live node)."""
        from ichigo_search.engine.solr.client import SolrClient

        client = self.engine(index).client
        collection = self.collection(index)
        status = client.get("/admin/collections", {"action": "CLUSTERSTATUS", "collection": collection})
        total = 0
        for node in status["cluster"]["live_nodes"]:
            host, _, context = node.partition("_")
            cores = SolrClient(f"http://{host}/{context}").get("/admin/cores", {"action": "STATUS"})["status"]
            total += sum(
                core.get("index", {}).get("sizeInBytes", 0)
                for name, core in cores.items()
                if name.startswith(f"{collection}_shard")
            )
        return total


@contextlib.contextmanager
def solr_cluster(needed: bool, nodes: int = 2) -> Iterator[Any]:
    """While a benchmark runs: the SolrCloud at ``ICHIGO_SOLR_URL``, or when that is unset and ``needed``, a
    cluster of ``nodes`` nodes started from the repository's solr/ project (heap: ``ICHIGO_SOLR_HEAP``, 2g
    here), its first node's URL put in ``ICHIGO_SOLR_URL`` for the processes the benchmark starts.
    Yields the started cluster (``solr/cluster.py``'s ``SolrCluster``), or None."""
    if not needed or os.environ.get("ICHIGO_SOLR_URL"):
        yield None
        return
    import importlib.util

    spec = importlib.util.spec_from_file_location("ichigo_solr_cluster", ROOT / "solr" / "cluster.py")
    launcher = importlib.util.module_from_spec(spec)
    os.environ.setdefault("ICHIGO_SOLR_HEAP", "2g")
    spec.loader.exec_module(launcher)
    started = launcher.SolrCluster.start(nodes)
    os.environ["ICHIGO_SOLR_URL"] = started.url
    try:
        yield started
    finally:
        del os.environ["ICHIGO_SOLR_URL"]
        started.stop()


class Fts5:
    """SQLite FTS5, porter unicode61, bm25."""

    FILE = "fts5.db"
    SQL = (
        "SELECT id, snippet(captions, 2, '<b>', '</b>', '…', 32) FROM captions"
        " WHERE captions MATCH ? ORDER BY rank LIMIT ?"
    )

    def build(self, corpus: Path, index: Path) -> None:
        import sqlite3

        index.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(index / self.FILE)
        con.execute(
            "CREATE VIRTUAL TABLE captions USING fts5("
            "id UNINDEXED, title, caption, places, photographer, tokenize='porter unicode61')"
        )
        con.executemany(
            "INSERT INTO captions VALUES (?, ?, ?, ?, ?)",
            ((d["id"], d["title"], d["caption"], d["places"], d["photographer"]) for d in iter_docs(corpus)),
        )
        con.execute("INSERT INTO captions(captions) VALUES ('optimize')")
        con.commit()
        con.close()

    def open(self, index: Path) -> None:
        import sqlite3

        self.con = sqlite3.connect(index / self.FILE)

    def search(self, query: Query, limit: int = 10) -> list[Hit]:
        if not query.units:
            return []
        return self.con.execute(self.SQL, (query.quoted(), limit)).fetchall()

    def close(self) -> None:
        self.con.close()


class Tantivy:
    """tantivy (PyPI ``tantivy``), en_stem, BM25, SnippetGenerator."""

    def build(self, corpus: Path, index: Path) -> None:
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        for name in FIELDS:
            builder.add_text_field(name, stored=name == "caption", tokenizer_name="en_stem")
        index.mkdir(parents=True, exist_ok=True)
        ix = tantivy.Index(builder.build(), path=str(index))
        writer = ix.writer()
        for doc in iter_docs(corpus):
            writer.add_document(tantivy.Document(**{k: v for k, v in doc.items() if v}))
        writer.commit()
        writer.wait_merging_threads()

    def open(self, index: Path) -> None:
        import tantivy

        self.tantivy = tantivy
        self.ix = tantivy.Index.open(str(index))
        self.schema = self.ix.schema
        self.searcher = self.ix.searcher()

    def search(self, query: Query, limit: int = 10) -> list[Hit]:
        if not query.units:
            return []
        parsed = self.ix.parse_query(query.quoted(), list(FIELDS))
        found = self.searcher.search(parsed, limit)
        snippets = self.tantivy.SnippetGenerator.create(self.searcher, parsed, self.schema, "caption")
        hits = []
        for _score, address in found.hits:
            doc = self.searcher.doc(address)
            fragment = snippets.snippet_from_doc(doc).to_html() or html.escape(doc["caption"][0][:FALLBACK_CHARS])
            hits.append((doc["id"][0], fragment))
        return hits

    def close(self) -> None:
        self.searcher = None


# Plain Whoosh's posting buffer: 32 MB, the budget ichigo-search gave each of its Whoosh writers
# until its rebuilds moved to the bulk writer (bulk.py); Whoosh's default of 128 MB was no faster.
WHOOSH_LIMIT_MB = 32


class PlainWhoosh:
    """Whoosh as its tutorial shows it: StemmingAnalyzer, one writer, BM25F, hit.highlights."""

    def build(self, corpus: Path, index: Path) -> None:
        from whoosh import fields
        from whoosh import index as whoosh_index
        from whoosh.analysis import StemmingAnalyzer

        schema = fields.Schema(
            id=fields.ID(stored=True, unique=True),
            **{name: fields.TEXT(analyzer=StemmingAnalyzer(), stored=name == "caption") for name in FIELDS},
        )
        index.mkdir(parents=True, exist_ok=True)
        ix = whoosh_index.create_in(str(index), schema)
        writer = ix.writer(limitmb=WHOOSH_LIMIT_MB)
        for doc in iter_docs(corpus):
            writer.add_document(**{k: v for k, v in doc.items() if v})
        writer.commit()
        ix.close()

    def open(self, index: Path) -> None:
        from whoosh import index as whoosh_index
        from whoosh.qparser import MultifieldParser

        self.ix = whoosh_index.open_dir(str(index))
        self.searcher = self.ix.searcher()
        self.parser = MultifieldParser(list(FIELDS), self.ix.schema)

    def search(self, query: Query, limit: int = 10) -> list[Hit]:
        if not query.units:
            return []
        results = self.searcher.search(self.parser.parse(query.quoted()), limit=limit)
        return [
            (hit["id"], hit.highlights("caption") or html.escape(hit["caption"][:FALLBACK_CHARS])) for hit in results
        ]

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()


def engine(name: str) -> Engine:
    """A fresh engine adapter by name (one of ENGINES)."""
    adapters = {"ichigo": Ichigo, "ichigo+semantic": IchigoSemantic, "ichigo-solr": IchigoSolr, "fts5": Fts5}
    adapters["tantivy"] = Tantivy
    return {**adapters, "whoosh": PlainWhoosh}[name]()


def main(argv: list[str]) -> int:
    """Open an index in a fresh process and print ten hits with fragments (the peers' cold query)."""
    name, index, *words = argv
    adapter = engine(name)
    adapter.open(Path(index))
    hits = adapter.search(Query.parse(" ".join(words)))
    for rank, (ident, fragment) in enumerate(hits, 1):
        print(f"{rank:2}. {ident}\n    {fragment}")
    adapter.close()
    return 0 if hits else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
