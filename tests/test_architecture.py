"""The package's shape, enforced: layers import downwards only, no import cycles, one engine boundary.

The import graph is read from the source (every ``import`` and ``from … import``, at the top of a
module or inside a function; those under ``if TYPE_CHECKING:`` are only for type checkers and do
not count). The layers are the ones the README's "How it works" draws.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ichigo_search"
# Lowest first: a module may import from its own layer or any layer before it, never from a later one.
LAYERS = [
    ["ichigo_search", "ichigo_search.errors", "ichigo_search.ranking", "ichigo_search.util", "ichigo_search.store"],
    ["ichigo_search.text"],
    ["ichigo_search.vocab"],
    ["ichigo_search.corpus"],
    ["ichigo_search.document"],
    ["ichigo_search.query"],
    ["ichigo_search.engine"],
    ["ichigo_search.semantic"],
    ["ichigo_search.search", "ichigo_search.facets"],
    ["ichigo_search.indexing"],
    ["ichigo_search.index"],
    ["ichigo_search.app", "ichigo_search.evaluation"],
    ["ichigo_search.cli", "ichigo_search.web", "ichigo_search.__main__"],
]
ENGINE_ONLY = ("whoosh",)
APPLICATION_ONLY = ("click", "rich", "starlette", "jinja2", "uvicorn")
APPLICATION = ("ichigo_search.cli", "ichigo_search.web", "ichigo_search.__main__")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _runtime_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement except those in ``if TYPE_CHECKING:`` blocks."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _imports(module: str) -> set[str]:
    """The modules ``module`` imports: ours by full name (a ``from`` name that is a module counts as one)."""
    path = MODULES[module]
    targets: set[str] = set()
    for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        if node.level:
            base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
            base = base[: len(base) - node.level + 1]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        submodules = {f"{source}.{alias.name}" for alias in node.names} & MODULES.keys()
        # ``from package import module`` imports the module (every import initialises the parents first).
        targets.update(submodules if len(submodules) == len(node.names) else {source, *submodules})
    return targets


GRAPH = {module: _imports(module) for module in MODULES}


def _layer(module: str) -> int:
    best = max(
        (
            (i, prefix)
            for i, layer in enumerate(LAYERS)
            for prefix in layer
            if module == prefix or module.startswith(prefix + ".")
        ),
        key=lambda pair: len(pair[1]),
    )
    return best[0]


def test_every_module_has_a_layer():
    for module in MODULES:
        assert _layer(module) >= 0, module


def test_imports_go_down_the_layers_only():
    upward = [
        f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})"
        for module, targets in GRAPH.items()
        for target in targets
        if target in MODULES and target != "ichigo_search" and _layer(target) > _layer(module)
    ]
    assert upward == []


def test_the_import_graph_has_no_cycle():
    """Tarjan's strongly connected components over our modules: each must be a single module."""
    edges = {
        m: sorted(t for t in targets if t in MODULES and t != m and t != "ichigo_search")
        for m, targets in GRAPH.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in edges:
        if node not in index:
            connect(node)
    assert cycles == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not m.endswith("__main__")))  # that one runs
def test_each_module_imports_on_its_own(module):
    """Any import order works (no module needs another to be imported first)."""
    import subprocess

    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_only_the_whoosh_engine_imports_whoosh():
    offenders = [
        module
        for module, targets in GRAPH.items()
        if not module.startswith("ichigo_search.engine.whoosh")
        and any(t == name or t.startswith(name + ".") for t in targets for name in ENGINE_ONLY)
    ]
    assert offenders == []
    assert any(t.startswith("whoosh") for t in GRAPH["ichigo_search.engine.whoosh.writer"])  # the check sees imports


def test_the_library_imports_no_command_line_or_web_toolkit():
    offenders = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if not module.startswith(APPLICATION)
        for target in targets
        if target.split(".")[0] in APPLICATION_ONLY
    ]
    assert offenders == []


def test_the_whoosh_assumptions_were_checked_against_the_pinned_version():
    """The engine's list of Whoosh internals names the version it was checked against: the one pinned and installed."""
    import re
    from importlib.metadata import version

    from ichigo_search.engine.whoosh import CHECKED_AGAINST

    pinned = re.search(r'"whoosh-reloaded==([^"]+)"', (PACKAGE.parents[1] / "pyproject.toml").read_text()).group(1)
    assert CHECKED_AGAINST == pinned == version("whoosh-reloaded")
