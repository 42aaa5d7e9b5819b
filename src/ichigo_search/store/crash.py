"""Crash points: a test hook that makes a writer kill itself at a named stage."""

from __future__ import annotations

import os
import signal

# ICHIGO_TEST_CRASH="stage[:count[:SIGNAL]]" makes the process signal itself (SIGKILL, or
# INT like Ctrl-C, TERM, HUP) when a write reaches that stage, so tests can crash a
# build at exact points.  Parsed once at import; unset, crash_point returns at once.
CRASH_ENV = "ICHIGO_TEST_CRASH"
_CRASH_SIGNALS = {"KILL": signal.SIGKILL, "INT": signal.SIGINT, "TERM": signal.SIGTERM, "HUP": signal.SIGHUP}


def _crash_plan() -> tuple[str, int, int] | None:
    spec = os.environ.get(CRASH_ENV, "").strip()
    if not spec:
        return None
    parts = spec.split(":")
    sig = _CRASH_SIGNALS.get(parts[-1].upper(), signal.SIGKILL)
    if parts[-1].upper() in _CRASH_SIGNALS:
        parts.pop()
    try:
        return parts[0], int(parts[1]) if len(parts) > 1 else 0, sig
    except ValueError:
        return None


_crash = _crash_plan()


def crash_point(stage: str, count: int = 0) -> None:
    """Test hook: signal this process when ``ICHIGO_TEST_CRASH`` names this stage and count."""
    global _crash
    if _crash is None:
        return
    want_stage, want_count, sig = _crash
    if stage == want_stage and count == want_count:
        _crash = None
        os.kill(os.getpid(), sig)
