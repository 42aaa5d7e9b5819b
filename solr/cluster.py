"""Start a SolrCloud of N nodes on loopback (embedded ZooKeeper) from this Maven project, for tests and benchmarks.

``SolrCluster.start(nodes, security=...)`` builds the project when its jars are missing or older
than its sources (``mvn -q -B package``), runs ``ichigo.Cluster`` in one JVM and waits for it
(``security``: the text of a security.json, the authentication and authorization plugins the
cluster starts with); ``kill(i)`` and ``start(i)`` stop and restart one node; ``stop()`` shuts the
cluster down and deletes its files (the JVM's temporary folder is one of its own, made here).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE / "target"
HEAP = os.environ.get("ICHIGO_SOLR_HEAP", "768m")


class SolrUnavailable(Exception):
    """Java or Maven is missing, or the project would not build."""


def _newest_source() -> float:
    sources = [HERE / "pom.xml", *(HERE / "src").rglob("*.java")]
    return max(path.stat().st_mtime for path in sources)


def build() -> None:
    """Build the project (jars in target/lib) unless it is up to date."""
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            raise SolrUnavailable(f"{tool} is not installed (the Solr tests need Java 17+ and Maven)")
    jar = TARGET / "ichigo-solr-cluster-0.1.0.jar"
    if jar.exists() and (TARGET / "lib").is_dir() and jar.stat().st_mtime >= _newest_source():
        return
    done = subprocess.run(["mvn", "-q", "-B", "package"], cwd=HERE, capture_output=True, text=True)
    if done.returncode != 0:
        raise SolrUnavailable(f"mvn package failed in {HERE}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


class SolrCluster:
    """A running cluster: ``urls`` holds each node's base URL (``http://127.0.0.1:PORT/solr``)."""

    def __init__(self, process: subprocess.Popen, urls: list[str], scratch: Path):
        self.process = process
        self.urls = urls
        self.scratch = scratch  # the JVM's java.io.tmpdir: the nodes' homes, cores and ZooKeeper's data
        self.down: set[int] = set()
        self._lock = threading.Lock()

    @classmethod
    def start(cls, nodes: int = 2, timeout: float = 120.0, security: str | None = None) -> SolrCluster:
        build()
        name = "cluster" if security is None else "cluster-secured"
        log = open(TARGET / f"{name}.log", "w")  # noqa: SIM115 - the JVM writes it while it runs
        extra = []
        if security is not None:
            (TARGET / "security.json").write_text(security, encoding="utf-8")
            extra.append(str(TARGET / "security.json"))
        classpath = f"{TARGET / 'classes'}{os.pathsep}{TARGET / 'lib' / '*'}"
        scratch = Path(tempfile.mkdtemp(prefix="ichigo-solr-"))
        process = subprocess.Popen(
            [
                "java",
                f"-Xmx{HEAP}",
                f"-Djava.io.tmpdir={scratch}",
                "-Djava.net.preferIPv4Stack=true",
                f"-Dlog4j2.configurationFile={HERE / 'log4j2.xml'}",
                "-cp",
                classpath,
                "ichigo.Cluster",
                str(nodes),
                *extra,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        urls: list[str] = []
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            for line in process.stdout:
                if line.startswith("node "):
                    urls.append(line.split()[2])
                elif line.strip() == "ready":
                    return cls(process, urls, scratch)
        finally:
            timer.cancel()
        process.kill()
        code = process.wait()
        shutil.rmtree(scratch, ignore_errors=True)
        raise SolrUnavailable(f"the Solr cluster did not start (exit code {code})")

    @property
    def url(self) -> str:
        """The first node that is up."""
        return next(url for i, url in enumerate(self.urls) if i not in self.down)

    def _command(self, verb: str, node: int) -> None:
        with self._lock:
            self.process.stdin.write(f"{verb} {node}\n")
            self.process.stdin.flush()
            answer = ""
            while not answer.startswith((f"{verb}ed ", "error")):  # skip anything else the JVM printed
                line = self.process.stdout.readline()
                if not line:
                    break
                answer = line.strip()
        if answer != f"{verb}ed {node}":
            raise RuntimeError(f"the cluster answered {answer!r} to {verb} {node}")

    def kill(self, node: int) -> None:
        """Stop one node (its data stays, for start)."""
        self._command("kill", node)
        self.down.add(node)

    def start_node(self, node: int) -> None:
        """Start a stopped node again on its port."""
        self._command("start", node)
        self.down.discard(node)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.scratch, ignore_errors=True)
