"""The speed benchmark's own measurements."""

from __future__ import annotations

import os
import sys
import textwrap

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks a process")
def test_a_builds_cpu_seconds_count_the_processes_it_forks(tmp_path, monkeypatch):
    """A build's CPU time is that of every process it runs (ichigo-search writes with two), not its first one's."""
    script = tmp_path / "child.py"
    script.write_text(
        textwrap.dedent(
            """
            import json, os, sys, time

            def burn(seconds):
                end = time.process_time() + seconds
                while time.process_time() < end:
                    pass

            pid = os.fork()
            burn(0.3)
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)
            open(sys.argv[-1], "w").write(json.dumps({"peak_rss": 0}))
            """
        )
    )
    monkeypatch.setattr(bench, "BENCH", script)
    measured = bench.measure(["_build"], dict(os.environ))
    assert measured.cpu >= 0.55  # both processes' 0.3 s, less the clock's granularity
