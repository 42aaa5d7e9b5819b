"""``ichigo-search serve`` as a real server on 127.0.0.1: workers, slow clients, busy ports, log budget.

Each test is bounded: a handful of connections, deadlines of a few seconds.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import SAMPLE_CORPUS
from ichigo_search import Index
from ichigo_search.web.server import (
    HEADER_TIMEOUT_VARIABLE,
    LOG_LINE_CHARS,
    DefaultLines,
    Limits,
    LogBudget,
    log_config,
)

HOST = "127.0.0.1"
HEADER_TIMEOUT = 1.0
SLOW_CLIENTS = 12
# How long a test waits for the server to cut a connection: far above the deadline, so a busy machine passes.
PATIENCE = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def serve_command(corpus: Path, index: Path, port: int, *extra: str) -> list[str]:
    command = [sys.executable, "-m", "ichigo_search", "serve", "--corpus", str(corpus), "--index", str(index)]
    return [*command, "--host", HOST, "--port", str(port), *extra]


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=timeout) as response:
        return response.status, response.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``serve --workers 2`` over the sample collection, with a one-second header deadline."""
    index = tmp_path_factory.mktemp("served") / "index"
    Index(index).update_from(SAMPLE_CORPUS)
    port = free_port()
    env = {**os.environ, HEADER_TIMEOUT_VARIABLE: str(HEADER_TIMEOUT)}
    process = subprocess.Popen(
        serve_command(SAMPLE_CORPUS, index, port, "--workers", "2", "--no-update"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if get(port, "/healthz", timeout=1)[0] == 200:
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"serve did not start: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
    yield port
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()


def test_workers_answer_searches(server):
    status, body = get(server, "/api/search?q=Liuchow")
    assert status == 200 and "Guangxi" in json.loads(body)["hits"][0]["places"]  # Liuchow's province, resolved
    assert json.loads(get(server, "/healthz")[1]) == {"status": "ok", "records": 10}


def test_slow_clients_are_cut_off_and_others_still_served(server):
    slow = []
    for _ in range(SLOW_CLIENTS):
        sock = socket.create_connection((HOST, server), timeout=5)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        slow.append(sock)
    started = time.monotonic()
    closed = set()
    while len(closed) < SLOW_CLIENTS and time.monotonic() - started < PATIENCE:
        for number, sock in enumerate(slow):  # a header line, a byte at a time, never the blank line
            if number in closed:
                continue
            try:
                sock.sendall(b"X")
                sock.settimeout(0.01)
                if sock.recv(1) == b"":
                    closed.add(number)
            except TimeoutError:
                pass
            except OSError:
                closed.add(number)
        assert get(server, "/api/search?q=Guilin")[0] == 200  # meanwhile others are served
        time.sleep(0.1)
    for sock in slow:
        sock.close()
    assert len(closed) == SLOW_CLIENTS


def _read_response(sock: socket.socket) -> bytes:
    """One whole HTTP response (head and a Content-Length body), however the server splits it into packets."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lengths = [line.split(b":", 1)[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")]
    length = int(lengths[0])
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, data
        body += chunk
    return head + b"\r\n\r\n" + body


def test_an_idle_keep_alive_connection_is_closed(server):
    with socket.create_connection((HOST, server), timeout=PATIENCE) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _read_response(sock).startswith(b"HTTP/1.1 200")
        assert sock.recv(1) == b""  # then closed by the server (a socket timeout would raise)


def test_a_busy_port_is_a_clear_error(tmp_path):
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            serve_command(SAMPLE_CORPUS, tmp_path / "index", port), capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 2
    assert f"port {port} on {HOST} is already in use" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "index").exists()  # nothing was built for a server that cannot start


def test_log_lines_are_cut_and_budgeted():
    budget, lines = LogBudget(per_minute=5), DefaultLines("%(message)s")

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("x", logging.INFO, __file__, 1, "%s", (message,), None)

    long = record("GET /records/" + "x" * 100_000)
    assert budget.filter(long) and len(lines.format(long)) < LOG_LINE_CHARS + 40
    passed = [budget.filter(record(f"line {n}")) for n in range(1000)]
    assert passed.count(True) == 4  # the long line used one of the five
    budget._minute -= 1  # a minute later
    after = record("next")
    assert budget.filter(after) and "996 log lines dropped" in lines.format(after)


def test_access_lines_are_cut_and_still_formatted():
    """uvicorn's access formatter reads the record's arguments: the budget leaves them (clearing them made every
    access line a logging error with a traceback on stderr)."""
    access = log_config(Limits())["formatters"]["access"]
    formatter = access["()"](access["fmt"])
    path = "/api/search?q=" + "x" * 10_000
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", path, "1.1", 200),
        None,
    )
    assert LogBudget(per_minute=5).filter(record)
    line = formatter.format(record)
    assert '"GET /api/search?q=xxx' in line and len(line) < LOG_LINE_CHARS + 40


MALFORMED = [b"GET / HTTP/1.1\r\nHost: x\r\nno colon in this header\r\n\r\n", b"\x00\x01\x02 nonsense\r\n\r\n"]


def _raw_answer(port: int, request: bytes) -> bytes:
    """What the server writes back to ``request`` before it closes the connection."""
    with socket.create_connection((HOST, port), timeout=PATIENCE) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def _has_security_headers(answer: bytes) -> bool:
    from ichigo_search.web.app import SECURITY_HEADERS

    head = answer.partition(b"\r\n\r\n")[0].lower().split(b"\r\n")
    return all(name + b": " + value.lower() in head for name, value in SECURITY_HEADERS)


@pytest.mark.parametrize("request_bytes", MALFORMED, ids=["header", "request-line"])
def test_the_servers_own_400_carries_the_security_headers(server, request_bytes):
    """A request the HTTP parser rejects never reaches the app; its 400 still has every security header."""
    answer = _raw_answer(server, request_bytes)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert _has_security_headers(answer), answer[:600]


@contextlib.contextmanager
def _uvicorn_in_a_thread(protocol: type, limit: int | None = None, app=None) -> Iterator[int]:
    """A uvicorn server with ``protocol`` and ``app`` (by default a trivial one) on a free port, for the block's
    duration."""
    import uvicorn

    async def empty(scope, receive, send):
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    app = app or empty

    port = free_port()
    config = uvicorn.Config(app, host=HOST, port=port, http=protocol, log_level="critical", limit_concurrency=limit)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + PATIENCE
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        yield port
    finally:
        server.should_exit = True
        thread.join(PATIENCE)


def test_the_pure_python_parsers_400_carries_them_too():
    """The same with uvicorn's h11 protocol (``serve`` uses it when httptools is not installed)."""
    from ichigo_search.web.server import GuardedH11

    with _uvicorn_in_a_thread(GuardedH11) as port:
        for request_bytes in MALFORMED:
            answer = _raw_answer(port, request_bytes)
            assert answer.startswith(b"HTTP/1.1 400") and _has_security_headers(answer), answer[:600]


@pytest.mark.parametrize("protocol", ["GuardedH11", "PROTOCOL"])
def test_the_503_beyond_the_connection_limit_carries_them_too(protocol):
    from ichigo_search.web import server

    with _uvicorn_in_a_thread(getattr(server, protocol), limit=2) as port:
        assert _raw_answer(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").startswith(b"HTTP/1.1 204")
        with socket.create_connection((HOST, port), timeout=PATIENCE):  # an idle one, and this request makes two
            time.sleep(0.2)
            answer = _raw_answer(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 503") and _has_security_headers(answer), answer[:600]
        assert b"retry-after: 1" in answer.lower()


@pytest.mark.parametrize("protocol", ["GuardedH11", "PROTOCOL"])
def test_requests_queued_on_the_event_loop_too_long_are_answered_503_at_once(sample_index, monkeypatch, protocol):
    """Pages run on the event loop, so requests that arrive meanwhile queue there, where no counter of waiting
    requests sees them: each is stamped when the server reads it, and one that waited longer than the app's
    ``max_queue`` is answered 503 at once (Retry-After, security headers) instead of joining the queue."""
    from ichigo_search.web import server
    from ichigo_search.web.app import create_app

    app = create_app(sample_index)
    app.app.state.site.max_queue = 0.3
    search_with_facets = sample_index.search_with_facets
    gate = threading.Event()
    pages = []

    def slow(*args, **kwargs):
        pages.append(None)
        if len(pages) == 1:
            gate.wait(PATIENCE)  # the first page holds the event loop until every request has been sent
        time.sleep(0.1)  # a long page, holding the event loop
        return search_with_facets(*args, **kwargs)

    monkeypatch.setattr(sample_index, "search_with_facets", slow)
    clients = 12
    request = b"GET /?q=Liuzhou HTTP/1.1\r\nHost: x\r\n\r\n"
    with _uvicorn_in_a_thread(getattr(server, protocol), app=app) as port:
        blocker = socket.create_connection((HOST, port), timeout=PATIENCE)
        connections = [socket.create_connection((HOST, port), timeout=PATIENCE) for _ in range(clients)]
        blocker.sendall(request)
        deadline = time.monotonic() + PATIENCE
        while not pages and time.monotonic() < deadline:
            time.sleep(0.01)
        # Sent while the loop is held, the requests are all read (and stamped) at once when it is free, however
        # slowly this process's threads run.
        for sock in connections:
            sock.sendall(request)
        time.sleep(0.2)  # (on the loopback, sent is arrived; this is margin)
        gate.set()
        first = _read_response(blocker)
        answers = [_read_response(sock) for sock in connections]
        made = len(pages)
        for sock in [blocker, *connections]:
            sock.close()
        after = _raw_answer(port, b"GET /?q=Liuzhou HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    busy = [answer for answer in answers if answer.startswith(b"HTTP/1.1 503")]
    served = [answer for answer in answers if answer.startswith(b"HTTP/1.1 200")]
    assert first.startswith(b"HTTP/1.1 200")
    assert len(busy) + len(served) == clients and served and len(busy) >= clients // 2, [a[:12] for a in answers]
    assert all(b"retry-after: 1" in answer.lower() and _has_security_headers(answer) for answer in busy)
    assert b"busy" in busy[0].partition(b"\r\n\r\n")[2]
    assert made == 1 + len(served)  # the busy ones were answered without making a page
    assert after.startswith(b"HTTP/1.1 200")  # and once the queue is gone, pages are served again


def test_serve_starts_on_a_damaged_index_and_answers_from_the_last_good_generation(tmp_path, corpus):
    """Damage found as workers start: no worker dies in a loop; the last good generation answers until repaired."""
    from ichigo_search import store
    from ichigo_search.web.app import WARNING_HEADER

    index = tmp_path / "index"
    Index(index).update_from(corpus)
    (corpus / "more.jsonl").write_text(json.dumps({"id": "x-1", "caption": "Ferry at Wuzhou"}) + "\n")
    Index(index).update_from(corpus)  # keeps the generation it replaces
    live, kept = store.current_generation(index), store.previous_generation(index)
    shared = {path.stat().st_ino for path in kept.iterdir()}
    own = [live / name for name in store.read_manifest(live) if (live / name).stat().st_ino not in shared]
    victim = max(own, key=lambda path: path.stat().st_size)
    os.truncate(victim, victim.stat().st_size // 2)
    port = free_port()
    process = subprocess.Popen(
        serve_command(corpus, index, port, "--workers", "2", "--no-update"), stderr=subprocess.PIPE, text=True
    )
    try:
        deadline, answers = time.monotonic() + 60, []
        while len(answers) < 6 and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://{HOST}:{port}/api/search?q=Guilin", timeout=5) as response:
                    answers.append((response.status, response.headers.get(WARNING_HEADER), json.load(response)))
            except OSError:
                assert process.poll() is None
                time.sleep(0.2)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=60)
    assert len(answers) == 6, stderr[-2000:]
    assert all(status == 200 and warning and data["total"] == 2 for status, warning, data in answers), answers
    assert "answering from the last good generation" in stderr and "stopped with code" not in stderr, stderr[-2000:]
