"""The shape of the code, as the README draws it: no import cycles between modules, no module
over about 400 lines without its reason in its opening comment, every module in the tree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("coopwh", "loaders")
LONG = 420  # lines past which a module says why in its opening docstring


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imported_at_load(path: Path, known: set[str]) -> set[str]:
    """The project modules a module imports when it is loaded (at its top level, not inside a
    function: those are taken when called, and may point back)."""
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name in known}


def test_no_module_imports_itself_back_through_others() -> None:
    found = modules()
    graph = {name: imported_at_load(path, set(found)) for name, path in found.items()}
    cycles = []

    def visit(name: str, trail: list[str]) -> None:
        for target in graph[name]:
            if target in trail:
                cycles.append(trail[trail.index(target) :] + [target])
            elif target not in done:
                visit(target, [*trail, target])
        done.add(name)

    done: set[str] = set()
    for name in graph:
        if name not in done:
            visit(name, [name])
    assert not cycles, cycles


def test_a_long_module_says_why_in_its_opening_comment() -> None:
    unexplained = []
    for name, path in modules().items():
        lines = path.read_text(encoding="utf-8").count("\n")
        opening = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if lines > LONG and not re.search(r"\b(lines|one module|long)\b", opening):
            unexplained.append(f"{name}: {lines} lines")
    assert not unexplained, unexplained


def test_the_readme_tree_names_every_module() -> None:
    tree = (ROOT / "README.md").read_text(encoding="utf-8").split("## The tree", 1)[1]
    tree = tree.split("## ", 1)[0]
    missing = [
        name
        for name, path in modules().items()
        if path.name != "__init__.py" and path.name not in tree
    ]
    assert not missing, missing
