"""A Solr collection open for searching: the query layer's statistics, tiered ranking, stored records.

Documents are named by record id (the collection's unique key), not by number. Ranking is the
Whoosh engine's in Solr's terms: captions matching every word first, their ``proximity_window``
best rescored with the proximity bonus (added where it matches, as the Whoosh engine does), then
captions matching only some words. One request ranks a query in the common case: the first tier's
best carry their bonus as a pseudo-field (``query($bonus)``, scored in Solr's single pass so with the
collection-wide statistics the former separate request used) and a query facet counts the second
tier, whose documents are asked for only when the first tier has fewer than wanted, sorted by how many word
groups each matches (a sum of ``exists(query($gN))``), then by how many with their near synonyms, then by
score. Statistics (document frequencies, dated years, words for typo look-ups) are asked of Solr once per
searcher and kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ichigo_search.document import DECADES, EXACT_FIELD, PLACE_NAMES, PLACE_TREE, YEARS_FIELD
from ichigo_search.engine.solr.client import QUERY_TIME_ALLOWED_MS, SolrClient
from ichigo_search.engine.solr.compile import _EVERY, field_weights, to_solr
from ichigo_search.engine.solr.documents import stored_fields
from ichigo_search.errors import EngineError
from ichigo_search.query.expansion import halves
from ichigo_search.query.matching import Matching
from ichigo_search.ranking import DEFAULT, Ranking
from ichigo_search.text.spelling import Spellings

# Stored records kept from the last ranking (the hits a page shows are read right after it).
_FIELDS = "id,score,seq,stored"
# What semantic ranking needs of an engine (documents by number) that the Solr engine does not give yet.
_NO_SEMANTIC = "semantic ranking (--semantic) is not available on the Solr engine yet; index without it"
# Ties in score rank in the order documents were written, as the Whoosh engine ranks them.
_SORT = "score desc, seq asc"
# The pseudo-field holding a document's proximity bonus, and the facet query of every document.
_BONUS = "bonus"
_EVERY_Q = "*:*"


class SolrSearcher:
    """One collection of a SolrCloud, read through a :class:`SolrClient`."""

    def __init__(self, client: SolrClient, collection: str, ranking: Ranking = DEFAULT):
        self.client = client
        self.collection = collection
        self.ranking = ranking
        self._weights = field_weights(ranking)
        self._frequencies: dict[tuple[str, str], int] = {}
        self._count: int | None = None
        self._years: list[int] | None = None
        self._spellings = Spellings(self._words_from)
        self._stored: dict[str, dict[str, Any]] = {}

    def refreshed(self) -> SolrSearcher:
        return self  # a changed index is a new generation, opened anew

    def close(self) -> None:
        self._stored.clear()

    # -- requests -------------------------------------------------------------

    def _query(
        self,
        query: dict[str, Any],
        limit: int = 0,
        filters: list | None = None,
        params: dict | None = None,
        **extra: Any,
    ) -> dict:
        params = {**(params or {}), "timeAllowed": QUERY_TIME_ALLOWED_MS}  # a partial answer: the client asks again
        if "queries" in extra:  # functions of them in ``fields`` are scored with the collection's statistics
            params["distrib.singlePass"] = "true"
        body: dict[str, Any] = {"query": query, "limit": limit, "params": params, **extra}
        if filters:
            body["filter"] = filters
        return self.client.post(f"/{self.collection}/query", body)

    # -- statistics and vocabulary ----------------------------------------------

    def doc_count(self) -> int:
        if self._count is None:
            self.years()  # counted by the same request
        return self._count

    def doc_count_all(self) -> int:
        return self.doc_count()

    def doc_frequency(self, field: str, text: str) -> int:
        key = (field, text)
        if key not in self._frequencies:
            # The halves the expander looks up next for a compound word, asked for in the same request.
            also = [part for pair in halves(text) for part in pair] if field == EXACT_FIELD else []
            self._count_terms(field, [text, *also])
        return self._frequencies[key]

    def _count_terms(self, field: str, texts: list[str]) -> None:
        """The documents holding each term of a field, asked for in one request (query facets) and kept."""
        wanted = [text for text in dict.fromkeys(texts) if (field, text) not in self._frequencies]
        if not wanted:
            return
        terms = {f"t{i}": text for i, text in enumerate(wanted)}
        facet = {name: {"type": "query", "q": f"{{!term f={field} v=${name}}}"} for name in terms}
        counted = self._query(_EVERY, params=terms, facet=facet).get("facets", {})
        for name, text in terms.items():
            self._frequencies[(field, text)] = int(counted.get(name, {}).get("count", 0))

    def years(self) -> list[int]:
        if self._years is None:
            facet = {"years": {"type": "terms", "field": YEARS_FIELD, "limit": -1}}
            answer = self._query(_EVERY, facet=facet)
            self._count = int(answer["response"]["numFound"])
            buckets = answer.get("facets", {}).get("years", {}).get("buckets", [])
            self._years = sorted(int(bucket["val"]) for bucket in buckets)
        return self._years

    def frequency(self, form: str) -> int:
        return self.doc_frequency(EXACT_FIELD, form)

    def near(self, form: str, max_distance: int) -> list[tuple[str, int]]:
        found = self._spellings.near(form, max_distance)
        self._count_terms(EXACT_FIELD, [near for near, _ in found])  # the expander weighs each by its frequency
        return found

    def _words_from(self, letter: str) -> list[str]:
        """Every exact-field word starting with ``letter``, from all shards."""
        params = {
            "terms.fl": EXACT_FIELD,
            "terms.prefix": letter,
            "terms.limit": -1,
            "terms.sort": "index",
            "distrib": "true",
            "shards.qt": "/terms",
        }
        answer = self.client.get(f"/{self.collection}/terms", params)
        terms = answer.get("terms", {}).get(EXACT_FIELD, [])
        if isinstance(terms, dict):
            return list(terms)
        return [terms[i] for i in range(0, len(terms), 2)]  # [word, count, word, count, ...]

    # -- ranking ---------------------------------------------------------------

    def rank(self, found: Matching, wanted: int) -> tuple[int, list[tuple[str, float]]]:
        """How many documents match, and the ``wanted`` best (record id, score): every word first.

        One request in the common case: the first tier's best, each with its proximity bonus (a pseudo-field,
        ``query($bonus)``), and how many documents the second tier holds (a query facet). The second tier's
        documents are asked for only when the first tier has fewer than ``wanted``.
        """
        self._stored.clear()
        filters = [to_solr(found.filter, self._weights)] if found.filter is not None else []
        tier_query = found.every_word if found.every_word is not None else found.some_words
        window = self.ranking.proximity_window if found.bonus is not None else 0
        queries: dict[str, Any] = {}
        fields = _FIELDS
        if found.bonus is not None:
            queries["bonus"] = to_solr(found.bonus, self._weights)
            fields += f",{_BONUS}:query($bonus,0)"
        rest_filters: list = []
        facet: dict[str, Any] = {}
        if found.every_word is not None:
            rest_filters = [
                *filters,
                {"bool": {"must": [_EVERY], "must_not": [to_solr(found.every_word, self._weights)]}},
            ]
            rest = [to_solr(found.some_words, self._weights), *rest_filters]
            queries.update({f"rest{i}": part for i, part in enumerate(rest)})
            domain = {"query": [{"param": f"rest{i}"} for i in range(len(rest))]}
            facet = {"rest": {"type": "query", "q": _EVERY_Q, "domain": domain}}
        extra: dict[str, Any] = {"fields": fields, "sort": _SORT}
        if queries:
            extra["queries"] = queries
        if facet:
            extra["facet"] = facet
        answer = self._query(to_solr(tier_query, self._weights), max(wanted, window), filters, **extra)
        first = self._kept(answer["response"]["docs"])
        total = int(answer["response"]["numFound"])
        if found.bonus is not None and first:
            first = self._rescored(first, window)
        ranked = first[:wanted]
        if found.every_word is not None:
            more = int(answer.get("facets", {}).get("rest", {}).get("count", 0))
            if len(ranked) < wanted and more:
                coverage, sort = _by_coverage(found, self._weights)
                rest_answer = self._query(
                    to_solr(found.some_words, self._weights),
                    wanted - len(ranked),
                    rest_filters,
                    fields=_FIELDS,
                    sort=sort,
                    **({"queries": coverage} if coverage else {}),
                )
                ranked += self._kept(rest_answer["response"]["docs"])
            total += more
        return total, ranked

    def _kept(self, docs: list[dict[str, Any]]) -> list[tuple[str, float]]:
        """Documents of an answer kept for :meth:`stored`; their (record id, score)."""
        for doc in docs:
            self._stored[doc["id"]] = doc
        return [(doc["id"], float(doc["score"])) for doc in docs]

    def _rescored(self, ranked: list[tuple[str, float]], window: int) -> list[tuple[str, float]]:
        """The bonus's score added to the ``window`` best, then all in score order (ties in written order)."""
        rescored = [
            (record_id, score + (float(self._stored[record_id].get(_BONUS, 0.0)) if i < window else 0.0))
            for i, (record_id, score) in enumerate(ranked)
        ]
        return sorted(rescored, key=lambda hit: (-hit[1], self._stored[hit[0]].get("seq", 0)))

    # -- facets ----------------------------------------------------------------

    def _matches(self, found: Matching | None) -> tuple[dict[str, Any], list]:
        """The query and filters of every document a search matches (all of them for None)."""
        if found is None:
            return _EVERY, []
        filters = [to_solr(found.filter, self._weights)] if found.filter is not None else []
        return to_solr(found.some_words, self._weights), filters

    def facet_values(self, found: Matching | None) -> tuple[int, dict[str, dict[str, int]]]:
        """How many documents match, and each place id, place name and decade among them with its documents."""
        query, filters = self._matches(found)
        facet = {name: {"type": "terms", "field": name, "limit": -1} for name in (PLACE_TREE, PLACE_NAMES, DECADES)}
        answer = self._query(query, 0, filters, facet=facet)
        facets = answer.get("facets", {})
        values = {
            name: {str(bucket["val"]): int(bucket["count"]) for bucket in facets.get(name, {}).get("buckets", [])}
            for name in facet
        }
        return int(answer["response"]["numFound"]), values

    def count_any(self, found: Matching | None, groups: dict[str, list[tuple[str, str]]]) -> dict[str, int]:
        """For each group of (field, value) pairs, the matching documents holding any of them (one request)."""
        query, filters = self._matches(found)
        keys = list(groups)
        facet = {
            f"g{i}": {"type": "query", "q": " OR ".join(f'{field}:"{_quoted(value)}"' for field, value in groups[key])}
            for i, key in enumerate(keys)
        }
        answer = self._query(query, 0, filters, facet=facet).get("facets", {})
        return {key: int(answer.get(f"g{i}", {}).get("count", 0)) for i, key in enumerate(keys)}

    def matching(self, found: Matching | None):
        raise EngineError(_NO_SEMANTIC)

    def record_ids(self) -> list[str | None]:
        raise EngineError(_NO_SEMANTIC)

    # -- documents -------------------------------------------------------------

    def stored(self, docref: str) -> dict[str, Any]:
        doc = self._stored.get(docref)
        if doc is None:
            doc = self._get(docref)
            if doc is None:
                raise KeyError(docref)
        return stored_fields(doc)

    def _get(self, record_id: str) -> dict[str, Any] | None:
        answer = self._query({"term": {"f": "id", "query": record_id}}, 1, fields="id,stored")["response"]
        docs = answer["docs"]
        if docs:
            self._stored[record_id] = docs[0]
        return docs[0] if docs else None

    def document_number(self, record_id: str) -> str | None:
        return record_id if self._get(record_id) is not None else None

    def segments(self) -> Iterator[Any]:
        raise EngineError("the Solr engine counts facets itself (facet_values); it has no segments to read")


def _quoted(value: str) -> str:
    """A value inside a quoted term of Solr's standard query parser."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _by_coverage(found: Matching, weights: dict[str, float]) -> tuple[dict[str, Any], str]:
    """The word groups as named queries and the sort of the captions matching only some: by how many of
    ``found.groups`` each matches, then how many of ``found.near_groups`` (the Whoosh engine's order), then score."""
    if not found.groups:
        return {}, _SORT
    levels = len(found.near_groups) + 1
    coverage: dict[str, Any] = {}
    counts = []
    for prefix, groups in (("g", found.groups), ("n", found.near_groups)):
        names = [f"{prefix}{i}" for i in range(len(groups))]
        coverage.update((name, to_solr(group, weights)) for name, group in zip(names, groups, strict=True))
        counts.append("sum(" + ",".join([*(f"if(exists(query(${name})),1,0)" for name in names), "0"]) + ")")
    return coverage, f"sum(product({counts[0]},{levels}),{counts[1]}) desc, {_SORT}"
