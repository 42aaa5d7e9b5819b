"""A clone runs its tests and benchmarks with nothing beside it: no file reads a path outside the repository."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import check_standalone


def test_nothing_in_the_repository_refers_outside_it():
    run = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "check_standalone.py")], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("tests/conftest.py", 'SHARED = ROOT.parent / "shared"'),
        ("tests/conftest.py", "ROOT = Path(__file__).resolve().parents[2]"),
        ("tests/conftest.py", "HERE = Path(__file__).parent.parent.parent"),
        ("src/pkg/mod.py", "ROOT = Path(__file__).resolve().parents[3]"),
        ("benchmarks/x.py", 'parser.add_argument("--data", type=Path, default=Path("../data"))'),
        ("benchmarks/x.py", 'os.path.join(HERE, "..", "captions.jsonl.gz")'),
        ("benchmarks/x.py", '"""Reads ../shared/data/fsa-owi-captions.jsonl.gz."""'),
        ("benchmarks/x.py", 'DATA = "/work/shared/data"'),
        ("benchmarks/PROFILE.md", "the captions in [../../data](../../data/README.md)"),
        ("tools/run.sh", "zcat ../../captions.jsonl.gz"),
    ],
)
def test_a_reference_outside_is_found(path, line):
    assert check_standalone.line_findings(line, Path(path))


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("tests/conftest.py", "ROOT = Path(__file__).resolve().parents[1]"),
        ("tests/conftest.py", "HERE = Path(__file__).parent.parent"),
        ("src/pkg/mod.py", "ROOT = Path(__file__).resolve().parents[2]"),
        ("src/pkg/sub/mod.py", "from ..records import Record"),
        ("tests/test_web.py", 'for path in ("/static/../app.py", "/static/%2e%2e/app.py"):'),
        ("tests/test_x.py", 'bad = ["gen-../../etc"]'),
        ("tests/test_x.py", 'xpath = "../span"  # standalone: not a file path (an XPath)'),
        ("benchmarks/results/latest.md", "see [the README](../../README.md)"),
        ("benchmarks/x.py", "the machine is shared: compare ratios within one run"),
        ("src/pkg/mod.py", "from multiprocessing.sharedctypes import RawValue"),
    ],
)
def test_what_stays_inside_is_not_found(path, line):
    assert check_standalone.line_findings(line, Path(path)) == []


def test_a_marker_on_the_line_above_covers_the_next_line(tmp_path):
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_x.py").write_text(
        f'{check_standalone.NOT_A_PATH} (hostile ids)\nIDS = ["../../etc"]\nOTHER = ["../../etc"]\n', encoding="utf-8"
    )
    assert [finding.split(":")[:2] for finding in check_standalone.check(tmp_path)] == [["tests/test_x.py", "3"]]
    assert check_standalone.main([str(tmp_path)]) == 1
