"""HTTP to a SolrCloud: JSON requests, failover between its live nodes, Solr's errors as :class:`EngineError`.

A client starts from the URL it is given and learns the cluster's other live nodes from
``CLUSTERSTATUS``; a request that cannot reach a node (refused, reset, timed out) is tried on
the next one, so a node going down costs no request while a replica of each shard is up. Every
request ichigo-search makes is idempotent (queries; documents added or deleted by id), so
trying one again is safe. Connections are kept alive, one per node and thread.

When a node dies, for a few seconds Solr itself fails requests that need it (an update batch
its leader was forwarding: HTTP 500; a shard electing its new leader: 503). Requests for
documents (not the collections API) that fail with a server error are therefore tried again,
with a growing pause, for up to ``retry_seconds``: indexing resumes once the replicas have taken
over, and no batch is skipped. A node that stops answering mid-request is given up on after
``QUERY_TIMEOUT`` seconds for a search (``UPDATE_TIMEOUT`` for an update) and the next one asked.
A search answered in part (Solr's ``partialResults``: a shard past ``timeAllowed``) is asked
again, then reported as an error: a partial answer is never shown as a whole one.

A SolrCloud with the BasicAuth plugin on is logged in to with the user and password of the URL
(``https://user:pass@host/solr``) or of ``ICHIGO_SOLR_USER`` and ``ICHIGO_SOLR_PASSWORD`` (the URL's
win); they are sent with every request and never shown: the client's ``url`` and every message name
the node without them. A login refused (401) or a request the user may not make (403) is a
:class:`SolrAuthError`, not tried again.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
import threading
import time
import urllib.parse
from typing import Any

from ichigo_search.errors import EngineError

# Seconds to open a connection to a node (on a LAN, a live node accepts in milliseconds).
CONNECT_TIMEOUT = 5.0
# Seconds a search may wait for its answer before another node is asked (Solr stops searching at
# ``QUERY_TIME_ALLOWED_MS``, the searcher's ``timeAllowed``, well before).
QUERY_TIMEOUT = 20.0
QUERY_TIME_ALLOWED_MS = 15_000
# Seconds any other request may take (an update batch of a few thousand documents, creating a collection).
UPDATE_TIMEOUT = 120.0
# How long requests keep trying other nodes (and the same ones again) before giving up.
RETRY_SECONDS = 30.0
# How long requests keep trying when no node answers at all (a node restarting, or Solr down).
UNREACHABLE_SECONDS = 3.0
# While nodes are unreachable, the cluster's nodes are asked again at most this often.
RELEARN_SECONDS = 10.0
# The longest pause between two rounds of tries.
MAX_PAUSE = 2.0
_SEARCH_PATHS = ("/query", "/select", "/terms")
USER_ENV, PASSWORD_ENV = "ICHIGO_SOLR_USER", "ICHIGO_SOLR_PASSWORD"
_UNREACHABLE = (ConnectionError, socket.timeout, TimeoutError, http.client.HTTPException, OSError)


class SolrClient:
    """Requests to one SolrCloud, given the base URL of one of its nodes (``http://host:8983/solr``)."""

    def __init__(self, url: str, timeout: float = UPDATE_TIMEOUT, retry_seconds: float = RETRY_SECONDS):
        self.url, self.user, self._authorization = _split_login(url)
        self.timeout = timeout
        self.retry_seconds = retry_seconds
        self._nodes = [self.url]
        self._local = threading.local()
        self._learned_at: float | None = None

    def forked(self) -> SolrClient:
        """A client for a forked process: the same cluster and nodes, none of this process's connections."""
        twin = SolrClient(self.url, self.timeout, self.retry_seconds)
        twin.user, twin._authorization = self.user, self._authorization
        twin._nodes, twin._learned_at = list(self._nodes), self._learned_at
        return twin

    # -- nodes -----------------------------------------------------------------

    def _learn_nodes(self) -> None:
        """Add the cluster's nodes to the ones to try: the live ones, and those holding replicas though down now
        (they may be the only ones up later). Asked of the known nodes in turn; skipped outside SolrCloud."""
        self._learned_at = time.monotonic()
        for known in list(self._nodes):
            try:
                status = self._request_node(known, "GET", "/admin/collections?action=CLUSTERSTATUS", None)
                break
            except (EngineError, *_UNREACHABLE):
                self._drop_connection(known)
        else:
            return
        cluster = status.get("cluster") or {}
        names = list(cluster.get("live_nodes") or [])
        for collection in (cluster.get("collections") or {}).values():
            for shard in (collection.get("shards") or {}).values():
                names += [replica.get("node_name", "") for replica in (shard.get("replicas") or {}).values()]
        scheme = urllib.parse.urlsplit(self.url).scheme
        for node in names:
            host, _, context = node.partition("_")
            url = f"{scheme}://{host}/{urllib.parse.unquote(context)}".rstrip("/")
            if host and url not in self._nodes:
                self._nodes.append(url)

    # -- requests ----------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        query = f"?{urllib.parse.urlencode(params, doseq=True)}" if params else ""
        return self.request("GET", path + query)

    def post(self, path: str, body: Any, content_type: str = "application/json") -> dict[str, Any]:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
        return self.request("POST", path, data, content_type)

    def post_to(self, node: str, path: str, body: bytes) -> dict[str, Any]:
        """A JSON body posted to one node only, once (no failover): its answer, or EngineError."""
        if self._learned_at is None:
            self._learn_nodes()
        try:
            return self._request_node(node, "POST", path, body)
        except _UNREACHABLE as exc:
            raise EngineError(f"Solr at {node} cannot be reached ({_describe(exc)})") from exc

    def request(
        self, method: str, path: str, data: bytes | None = None, content_type: str = "application/json"
    ) -> dict[str, Any]:
        """A request to the first node that answers; EngineError when none does within RETRY_SECONDS."""
        if self._learned_at is None:
            self._learn_nodes()
        started = time.monotonic()
        failure: BaseException | None = None
        documents = not path.startswith("/admin/")  # not the collections API: safe to send again on any 5xx
        search = path.split("?")[0].endswith(_SEARCH_PATHS)
        read_timeout = min(self.timeout, QUERY_TIMEOUT) if search else self.timeout
        pause = 0.25
        while True:
            answered = False  # some node answered, though not yet usefully (a shard electing its leader)
            unreachable = False
            for node in list(self._nodes):
                try:
                    return self._request_node(node, method, path, data, content_type, read_timeout)
                except _UNREACHABLE as exc:
                    failure, unreachable = exc, True  # the node may have gone down: try the next one
                    self._drop_connection(node)
                except SolrRequestError as exc:
                    if isinstance(exc, SolrAuthError) or not (exc.retry or (documents and exc.status >= 500)):
                        raise
                    failure, answered = exc, True
            # Nodes that answer are waited for; when none answers at all, Solr is down: say so soon.
            waited = time.monotonic() - started
            if waited >= (self.retry_seconds if answered else min(self.retry_seconds, UNREACHABLE_SECONDS)):
                break
            time.sleep(pause)
            pause = min(pause * 2, MAX_PAUSE)
            if unreachable and time.monotonic() - (self._learned_at or 0.0) > RELEARN_SECONDS:
                self._learn_nodes()  # nodes added since, or replicas moved
        if isinstance(failure, SolrRequestError):
            raise failure
        raise EngineError(f"Solr at {self.url} cannot be reached ({_describe(failure)}); is it running?")

    def _connection(self, node: str, read_timeout: float) -> http.client.HTTPConnection:
        """The thread's open connection to a node (opened now if needed), waiting ``read_timeout`` for answers."""
        connections = self._local.__dict__.setdefault("connections", {})
        connection = connections.get(node)
        if connection is None:
            parsed = urllib.parse.urlsplit(node)
            kind = http.client.HTTPSConnection if parsed.scheme == "https" else http.client.HTTPConnection
            connection = connections[node] = kind(parsed.hostname, parsed.port, timeout=CONNECT_TIMEOUT)
        if connection.sock is None:
            connection.connect()
        connection.sock.settimeout(read_timeout)
        return connection

    def _drop_connection(self, node: str) -> None:
        connection = self._local.__dict__.get("connections", {}).pop(node, None)
        if connection is not None:
            connection.close()

    def _request_node(
        self,
        node: str,
        method: str,
        path: str,
        data: bytes | None,
        content_type: str = "application/json",
        read_timeout: float | None = None,
    ) -> dict[str, Any]:
        full = urllib.parse.urlsplit(node).path + path
        headers = {"Content-Type": content_type, "Accept": "application/json"} if data is not None else {}
        if self._authorization:
            headers["Authorization"] = self._authorization
        try:
            connection = self._connection(node, read_timeout or self.timeout)
            connection.request(method, full, body=data, headers=headers)
            response = connection.getresponse()
            body = response.read()
        except _UNREACHABLE:
            self._drop_connection(node)
            raise
        try:
            answer = json.loads(body) if body else None
        except ValueError:
            answer = None
        if response.status in (401, 403):
            raise SolrAuthError(node, path, response.status, self.user)
        if response.status >= 400 or not isinstance(answer, dict):  # Solr answers JSON (a node stopping may not)
            raise SolrRequestError(node, path, response.status if response.status >= 400 else 502, answer, body)
        if answer.get("responseHeader", {}).get("partialResults"):
            raise SolrRequestError(node, path, 503, {"error": {"msg": _PARTIAL}}, body)
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


class SolrAuthError(SolrRequestError):
    """Solr refused the login (401) or what the user asked (403)."""

    def __init__(self, node: str, path: str, status: int, user: str | None):
        where = path.split("?")[0]
        if status == 401 and user is None:
            why = (
                "it requires a login: give the user and password in the URL (https://USER:PASSWORD@host/solr) or in "
                f"{USER_ENV} and {PASSWORD_ENV}"
            )
        elif status == 401:
            why = f"the login of user {user!r} was refused (wrong user or password)"
        else:
            why = f"user {user!r} is not allowed to do this (Solr's authorization rules)" if user else "not allowed"
        EngineError.__init__(self, f"Solr at {node} refused {where} (HTTP {status}): {why}")
        self.status, self.retry = status, False


def _split_login(url: str) -> tuple[str, str | None, str | None]:
    """The URL without its user and password, the user, and the Basic Authorization header (the URL's login,
    else the environment's): the password is in no message."""
    parsed = urllib.parse.urlsplit(url.strip().rstrip("/"))
    try:
        port = parsed.port
    except ValueError:
        port = -1
    if parsed.scheme not in ("http", "https") or not parsed.hostname or port == -1:
        shown = re.sub(r"//[^/@]*@", "//", url)
        raise EngineError(f"not a Solr URL: {shown!r} (expected http://HOST:PORT/solr)")
    host = f"[{parsed.hostname}]" if ":" in parsed.hostname else parsed.hostname
    bare = urllib.parse.urlunsplit(parsed._replace(netloc=f"{host}:{port}" if port else host))
    user = urllib.parse.unquote(parsed.username) if parsed.username else os.environ.get(USER_ENV) or None
    password = urllib.parse.unquote(parsed.password) if parsed.password else os.environ.get(PASSWORD_ENV)
    if user is None:
        return bare, None, None
    token = base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")
    return bare, user, f"Basic {token}"


_PARTIAL = "only part of the collection was searched in time (partialResults); try again"


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "no answer"
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]
