"""Which shard of a collection a document belongs to, as Solr's ``compositeId`` router decides it.

Solr hashes a document's id (MurmurHash3, x86 32-bit, seed 0, over its UTF-8 bytes) and keeps it
in the shard whose hash range holds the hash. A batch of documents sent to the leader of their
shard is indexed there (and copied to its replicas); sent anywhere else, the receiving node
parses it, then forwards each document to its shard's leader, which parses it again. So the
sender splits its batches by shard and posts each part to that shard's leader core
(:class:`Routes`). An id holding ``!`` (a composite key, hashed differently) is left to Solr.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

_MASK = 0xFFFFFFFF


def murmur3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3 x86 32-bit of ``data`` (unsigned), as Solr's ``Hash.murmurhash3_x86_32``."""
    c1, c2 = 0xCC9E2D51, 0x1B873593
    h = seed & _MASK
    whole = len(data) & ~3
    for start in range(0, whole, 4):
        k = int.from_bytes(data[start : start + 4], "little")
        k = (k * c1) & _MASK
        k = ((k << 15) | (k >> 17)) & _MASK
        k = (k * c2) & _MASK
        h ^= k
        h = ((h << 13) | (h >> 19)) & _MASK
        h = (h * 5 + 0xE6546B64) & _MASK
    tail = data[whole:]
    if tail:
        k = int.from_bytes(tail, "little")
        k = (k * c1) & _MASK
        k = ((k << 15) | (k >> 17)) & _MASK
        k = (k * c2) & _MASK
        h ^= k
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK
    h ^= h >> 16
    return h


def id_hash(document_id: str) -> int:
    """The signed 32-bit hash Solr's compositeId router gives a plain id."""
    h = murmur3_32(document_id.encode("utf-8"))
    return h - (1 << 32) if h & 0x80000000 else h


@dataclass(frozen=True)
class Shard:
    """One shard: its hash range (signed, inclusive) and where its leader core answers."""

    name: str
    low: int
    high: int
    node: str  # the leader's node base URL (``http://host:port/solr``)
    core: str


class Routes:
    """The shards of one collection and their leaders, read from ``CLUSTERSTATUS``."""

    def __init__(self, shards: list[Shard]):
        self.shards = sorted(shards, key=lambda shard: shard.low)

    @classmethod
    def from_status(cls, status: dict[str, Any], collection: str, scheme: str) -> Routes | None:
        """The collection's routes; None when it is not routed by compositeId or a shard has no live leader."""
        state = ((status.get("cluster") or {}).get("collections") or {}).get(collection)
        if not state or (state.get("router") or {}).get("name", "compositeId") != "compositeId":
            return None
        live = set((status.get("cluster") or {}).get("live_nodes") or [])
        shards = []
        for name, shard in (state.get("shards") or {}).items():
            if shard.get("state", "active") != "active":
                continue  # a parent shard being split: its sub-shards hold the range
            leaders = [
                replica
                for replica in (shard.get("replicas") or {}).values()
                if replica.get("leader") == "true" and replica.get("state") == "active"
            ]
            if not leaders or leaders[0].get("node_name") not in live or not shard.get("range"):
                return None
            low, _, high = shard["range"].partition("-")
            host, _, context = leaders[0]["node_name"].partition("_")
            node = f"{scheme}://{host}/{urllib.parse.unquote(context)}".rstrip("/")
            shards.append(Shard(name, _signed(low), _signed(high), node, leaders[0]["core"]))
        return cls(shards) if shards else None

    def shard_of(self, document_id: str) -> Shard | None:
        """The shard that keeps a document of this id (None for a composite id, left to Solr)."""
        if "!" in document_id:
            return None
        h = id_hash(document_id)
        for shard in self.shards:
            if shard.low <= h <= shard.high:
                return shard
        return None


def _signed(text: str) -> int:
    value = int(text, 16)
    return value - (1 << 32) if value & 0x80000000 else value
