"""Check that nothing under tests/, benchmarks/, tools/ or src/ refers to a path outside the repository.

    python tools/check_standalone.py [ROOT]

A clone of the repository must run its tests and benchmarks with nothing beside it, so their
data lives in data/. Prints each line that points outside (file:line: reason: text) and exits 1
if there is any. What counts, in the trees' .py, .sh, .toml, .cfg, .ini, .yaml, .yml and .md files:

- ``ROOT.parent`` (the folder the repository sits in);
- ``Path(__file__)`` climbed by ``.parents[N]`` / ``.parent`` above the repository's root, counted
  from the file's own depth (``parents[1]`` in tests/x.py is the root, ``parents[2]`` is not);
- in Python, a string that is ``..`` or starts with ``../`` (relative to the working directory,
  wherever that is; ``from ..x import y`` is an import, not a string, and ``a/../b`` stays in
  ``a``); in other files, a run of ``../`` that climbs above the root from the file's folder
  (a Markdown link ``../README.md`` from benchmarks/ is fine);
- ``shared/`` or ``"shared"`` as a path component (the team's data shelf beside the repository);
- ``/work/`` (where our machines keep their checkouts).

A Python string starting with ``..`` that is not a file path (a hostile name a test feeds in, an
XPath step) is marked by the comment ``# standalone: not a file path`` on its line or alone on the
line above. This file and tests/test_standalone.py spell out the patterns, so they are not checked.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

TREES = ("tests", "benchmarks", "tools", "src")
SUFFIXES = {".py", ".sh", ".toml", ".cfg", ".ini", ".yaml", ".yml", ".md"}
SKIPPED = ("benchmarks/out/",)  # git-ignored benchmark output
EXEMPT = {"tools/check_standalone.py", "tests/test_standalone.py"}
NOT_A_PATH = "# standalone: not a file path"

_ROOT_PARENT = re.compile(r"\bROOT\.parents?\b")
_FILE_CHAIN = re.compile(r"__file__\)?(?:\.resolve\(\)|\.absolute\(\))*((?:\.parent\b|\.parents\[\d+\])+)")
_CHAIN_STEP = re.compile(r"\.parent\b|\.parents\[(\d+)\]")
_PY_UP_STRING = re.compile(r"""(?<!\w)[rRbBuUfF]{0,2}(["'])\.\.(?:/|\1)""")
_TEXT_UP_RUN = re.compile(r"(?<![\w/.%-])(?:\.\./)+")
_SHARED = re.compile(r"""(?<![\w-])shared/|(["'])shared\1""")
_WORK = re.compile(r"/work/")


def levels_up(chain: str) -> int:
    """Folders above the file that ``.parent`` / ``.parents[N]`` steps reach (1 is the file's own folder)."""
    return sum(1 if step.group(1) is None else int(step.group(1)) + 1 for step in _CHAIN_STEP.finditer(chain))


def line_findings(line: str, relative: Path, marked: bool = False) -> list[str]:
    """Why one line of the file at ``relative`` (to the root) refers outside the repository, if it does.

    ``marked``: the line above is the NOT_A_PATH comment.
    """
    reasons = []
    depth = len(relative.parts) - 1  # folders between the root and the file
    if _ROOT_PARENT.search(line):
        reasons.append("ROOT.parent is outside the repository")
    for match in _FILE_CHAIN.finditer(line):
        if levels_up(match.group(1)) > depth + 1:
            reasons.append("climbs from __file__ above the repository's root")
    if relative.suffix == ".py":
        if _PY_UP_STRING.search(line) and not marked and NOT_A_PATH not in line:
            reasons.append("a path starting with ..")
    elif any(len(run.group()) // 3 > depth for run in _TEXT_UP_RUN.finditer(line)):
        reasons.append("../ climbs above the repository's root")
    if _SHARED.search(line):
        reasons.append("shared/ is the data shelf beside the repository")
    if _WORK.search(line):
        reasons.append("/work/ is a path on our machines")
    return reasons


def files(root: Path) -> list[Path]:
    """The checked text files, relative to ``root``, in order."""
    found = []
    for tree in TREES:
        for path in sorted((root / tree).rglob("*")):
            relative = path.relative_to(root)
            name = relative.as_posix()
            if path.suffix not in SUFFIXES or name in EXEMPT or name.startswith(SKIPPED) or not path.is_file():
                continue
            found.append(relative)
    return found


def check(root: Path) -> list[str]:
    """Every line under ``root``'s checked trees that refers outside it, as ``file:line: reason: text``."""
    findings = []
    for relative in files(root):
        previous = ""
        for number, line in enumerate((root / relative).read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            reasons = line_findings(line, relative, marked=previous.startswith(NOT_A_PATH))
            if reasons:
                findings.append(f"{relative.as_posix()}:{number}: {'; '.join(reasons)}: {line.strip()}")
            previous = line.strip()
    return findings


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]).resolve() if args else Path(__file__).resolve().parents[1]
    findings = check(root)
    print("\n".join(findings) if findings else f"standalone: nothing in {', '.join(TREES)} refers outside {root}")
    if findings:
        print(f"{len(findings)} reference(s) outside the repository; what they read belongs in data/")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
