"""HTTP to a SolrCloud: JSON requests, failover between its live nodes, Solr's errors as :class:`EngineError`.

A client starts from the URL it is given and learns the cluster's other live nodes from
``CLUSTERSTATUS``; a request that cannot reach a node (refused, reset, timed out) is tried on
the next one, so a node going down costs no request while a replica of each shard is up. Every
request ichigo-search makes is idempotent (queries; documents added or deleted by id), so
trying one again is safe. Connections are kept alive, one per node and thread.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.parse
from typing import Any

from ichigo_search.errors import EngineError

# Seconds a request may take (an update batch of a few thousand documents included).
TIMEOUT = 120.0
# How long requests keep trying other nodes (and the same ones again) before giving up.
RETRY_SECONDS = 30.0
# How long requests keep trying when no node answers at all (a node restarting, or Solr down).
UNREACHABLE_SECONDS = 3.0
_UNREACHABLE = (ConnectionError, socket.timeout, TimeoutError, http.client.HTTPException, OSError)


class SolrClient:
    """Requests to one SolrCloud, given the base URL of one of its nodes (``http://host:8983/solr``)."""

    def __init__(self, url: str, timeout: float = TIMEOUT, retry_seconds: float = RETRY_SECONDS):
        parsed = urllib.parse.urlsplit(url.rstrip("/"))
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise EngineError(f"not a Solr URL: {url!r} (expected http://HOST:PORT/solr)")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.retry_seconds = retry_seconds
        self._nodes = [self.url]
        self._local = threading.local()
        self._discovered = False

    def forked(self) -> SolrClient:
        """A client for a forked process: the same cluster and nodes, none of this process's connections."""
        twin = SolrClient(self.url, self.timeout, self.retry_seconds)
        twin._nodes, twin._discovered = list(self._nodes), self._discovered
        return twin

    # -- nodes -----------------------------------------------------------------

    def _learn_nodes(self) -> None:
        """Add the cluster's live nodes to the ones to try (once; quietly skipped outside SolrCloud)."""
        self._discovered = True
        try:
            status = self._request_node(self._nodes[0], "GET", "/admin/collections?action=CLUSTERSTATUS", None)
        except (EngineError, *_UNREACHABLE):
            return
        scheme = urllib.parse.urlsplit(self.url).scheme
        for node in status.get("cluster", {}).get("live_nodes", []):
            host, _, context = node.partition("_")
            url = f"{scheme}://{host}/{urllib.parse.unquote(context)}".rstrip("/")
            if url not in self._nodes:
                self._nodes.append(url)

    # -- requests ----------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        query = f"?{urllib.parse.urlencode(params, doseq=True)}" if params else ""
        return self.request("GET", path + query)

    def post(self, path: str, body: Any, content_type: str = "application/json") -> dict[str, Any]:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
        return self.request("POST", path, data, content_type)

    def request(
        self, method: str, path: str, data: bytes | None = None, content_type: str = "application/json"
    ) -> dict[str, Any]:
        """A request to the first node that answers; EngineError when none does within RETRY_SECONDS."""
        if not self._discovered:
            self._learn_nodes()
        started = time.monotonic()
        failure: BaseException | None = None
        while True:
            answered = False  # some node answered, though not yet usefully (a shard electing its leader)
            for node in list(self._nodes):
                try:
                    return self._request_node(node, method, path, data, content_type)
                except _UNREACHABLE as exc:
                    failure = exc  # the node may have gone down: try the next one
                    self._drop_connection(node)
                except SolrRequestError as exc:
                    if not exc.retry:
                        raise
                    failure, answered = exc, True
            # Nodes that answer are waited for; when none answers at all, Solr is down: say so soon.
            waited = time.monotonic() - started
            if waited >= (self.retry_seconds if answered else min(self.retry_seconds, UNREACHABLE_SECONDS)):
                break
            time.sleep(0.25)
        if isinstance(failure, SolrRequestError):
            raise failure
        raise EngineError(f"Solr at {self.url} cannot be reached ({_describe(failure)}); is it running?")

    def _connection(self, node: str) -> http.client.HTTPConnection:
        connections = self._local.__dict__.setdefault("connections", {})
        connection = connections.get(node)
        if connection is None:
            parsed = urllib.parse.urlsplit(node)
            kind = http.client.HTTPSConnection if parsed.scheme == "https" else http.client.HTTPConnection
            connection = connections[node] = kind(parsed.hostname, parsed.port, timeout=self.timeout)
        return connection

    def _drop_connection(self, node: str) -> None:
        connection = self._local.__dict__.get("connections", {}).pop(node, None)
        if connection is not None:
            connection.close()

    def _request_node(
        self, node: str, method: str, path: str, data: bytes | None, content_type: str = "application/json"
    ) -> dict[str, Any]:
        connection = self._connection(node)
        full = urllib.parse.urlsplit(node).path + path
        headers = {"Content-Type": content_type, "Accept": "application/json"} if data is not None else {}
        try:
            connection.request(method, full, body=data, headers=headers)
            response = connection.getresponse()
            body = response.read()
        except _UNREACHABLE:
            self._drop_connection(node)
            raise
        try:
            answer = json.loads(body) if body else {}
        except ValueError:
            answer = {}
        if response.status >= 400 or not isinstance(answer, dict):
            raise SolrRequestError(node, path, response.status, answer, body)
        return answer


class SolrRequestError(EngineError):
    """Solr answered with an error."""

    def __init__(self, node: str, path: str, status: int, answer: Any, body: bytes):
        message = ""
        if isinstance(answer, dict):
            error = answer.get("error") or {}
            message = error.get("msg") or "" if isinstance(error, dict) else str(error)
            if not message and isinstance(answer.get("exception"), dict):
                message = answer["exception"].get("msg", "")
        if not message:
            message = body[:200].decode("utf-8", "replace").strip() or f"HTTP {status}"
        where = path.split("?")[0]
        super().__init__(f"Solr at {node} refused {where} (HTTP {status}): {message.splitlines()[0][:300]}")
        self.status = status
        # A node without the replica it needs, or one starting or stopping, may answer 503/404/500 for a while.
        self.retry = status in (502, 503, 504) or (status == 500 and "no servers hosting" in message.lower())


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "no answer"
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]
