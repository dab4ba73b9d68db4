"""The import rules and size limits of the ``sim`` package (issue 9), read from the source.

Every ``.py`` file under ``sim/`` is parsed, and each import (at the top, inside a
function or a class; relative imports resolved; ``importlib.import_module`` of a
literal name too) becomes an edge between modules. Imports under
``if TYPE_CHECKING:`` are left out: they never run. The rules:

* ``sim`` never imports the dashboards or Solara (the UI imports the model, never
  the reverse);
* the model core (all of ``sim`` except the lab ``sim/lab``, the command line and
  the docs generator) never imports the lab or the command line;
* a rule module in ``sim/submodels/`` imports, of ``sim``, only the shared vocabulary,
  the parameters, the random streams and the pure bystander rule: no other rule and
  not the model, so each rule can be read and tested alone;
* no import cycle among ``sim`` modules;
* no class over 300 lines, no function over 80.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIM = ROOT / "sim"
MAX_CLASS_LINES = 300
MAX_FUNCTION_LINES = 80

UI_PACKAGES = ("dashboards", "solara")
#: Modules outside the model core: the experiment layer, the command line, the docs.
NOT_CORE = ("sim.lab", "sim.cli", "sim.__main__", "sim.docgen")
#: What the model core must not import: the lab and the command line.
CORE_MUST_NOT_IMPORT = ("sim.lab", "sim.cli", "sim.__main__")
SUBMODELS = "sim.submodels"
#: All a rule module may import of sim; the pure bystander rule is the one shared rule.
RULE_MAY_IMPORT = ("sim.vocabulary", "sim.params", "sim.budget", "sim.streams",
                   "sim.submodels.bystander")

@dataclass(frozen=True)
class Import:
    """One import statement's target, as a module name, and where it stands."""

    source: str  # importing module
    target: str  # imported module (the longest known module prefix for sim targets)
    line: int

    def __str__(self) -> str:
        return f"{module_path(self.source)}:{self.line} imports {self.target}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


FILES = sorted(SIM.rglob("*.py"))
MODULES = {module_name(p): p for p in FILES}


def module_path(name: str) -> str:
    return str(MODULES[name].relative_to(ROOT))


def is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def known(target: str) -> str:
    """A ``sim`` target as the longest module it names (``sim.x.f`` -> ``sim.x``)."""
    parts = target.split(".")
    while parts and ".".join(parts) not in MODULES:
        parts.pop()
    return ".".join(parts) or target


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _by_string(node: ast.AST) -> bool:
    """``import_module("sim.x")`` or ``importlib.import_module(".x", ...)``: a literal name."""
    if not isinstance(node, ast.Call) or not node.args:
        return False
    f = node.func
    name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
    first = node.args[0]
    return name == "import_module" and isinstance(first, ast.Constant) and isinstance(
        first.value, str)


def _import_nodes(tree: ast.AST):
    """Every import, at any depth, except under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom) or _by_string(node):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _resolve(source: str, node: ast.ImportFrom) -> str:
    """The absolute module of a ``from ... import`` (relative levels resolved)."""
    if not node.level:
        return node.module or ""
    package = source if is_package(source) else source.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def imports_of(source: str) -> list[Import]:
    tree = ast.parse(MODULES[source].read_text(encoding="utf-8"), str(MODULES[source]))
    out = []
    for node in _import_nodes(tree):
        if isinstance(node, ast.Call):  # import_module by a literal name
            name = node.args[0].value
            level = len(name) - len(name.lstrip("."))
            relative = ast.ImportFrom(module=name[level:] or None, names=[], level=level)
            targets = [_resolve(source, relative)]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = _resolve(source, node)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                       for alias in node.names]
        for target in targets:
            out.append(Import(source, known(target) if within(target, "sim") else target,
                              node.lineno))
    return out


IMPORTS = {name: imports_of(name) for name in MODULES}


def violations(sources, forbidden) -> list[str]:
    return [str(i) for s in sources for i in IMPORTS[s] if forbidden(i.target)]


# --- the import rules -------------------------------------------------------------------


def test_the_parse_sees_the_package():
    assert "sim.model" in MODULES and "sim.lab.compare" in MODULES, \
        f"expected to find sim's modules under {SIM}, found {sorted(MODULES)[:5]}..."
    assert any(i.target == "sim.params" for i in IMPORTS["sim.scenario"]), \
        "expected the parse to see sim.scenario import sim.params"
    assert "sim.submodels.wijkteam" in RULE_MODULES, \
        f"expected the rule modules of {SUBMODELS}, found {RULE_MODULES}"


def test_sim_never_imports_the_ui():
    bad = violations(MODULES, lambda t: any(within(t, ui) for ui in UI_PACKAGES))
    assert not bad, f"expected sim never to import {', '.join(UI_PACKAGES)}: {bad}"


CORE = [m for m in MODULES if not any(within(m, n) for n in NOT_CORE)]


@pytest.mark.parametrize("module", CORE)
def test_the_model_core_never_imports_the_lab_or_the_cli(module):
    bad = violations([module], lambda t: any(within(t, n) for n in CORE_MUST_NOT_IMPORT))
    assert not bad, (f"expected the model core ({module}) not to import "
                     f"{', '.join(CORE_MUST_NOT_IMPORT)}: {bad}")


RULE_MODULES = [m for m in MODULES if within(m, SUBMODELS) and not is_package(m)]


@pytest.mark.parametrize("module", RULE_MODULES)
def test_a_rule_module_imports_no_other_rule_module_nor_the_model(module):
    def forbidden(target: str) -> bool:
        return within(target, "sim") and target not in (*RULE_MAY_IMPORT, module)

    bad = violations([module], forbidden)
    assert not bad, (f"expected {module} to import of sim only {', '.join(RULE_MAY_IMPORT)} "
                     f"(no other rule module, not the model): {bad}")


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a closed path of modules, or None (iterative depth-first)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    for start in sorted(graph):
        if state.get(start):
            continue
        path = [start]
        state[start] = 1
        children = [iter(sorted(graph[start]))]
        while children:
            nxt = next(children[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                children.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                children.append(iter(sorted(graph[nxt])))
    return None


def all_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per tangle: after each cycle found, its modules are merged away, so every
    group of modules that import each other is reported once."""
    graph = {m: set(targets) for m, targets in graph.items()}
    found = []
    while (cycle := find_cycle(graph)) is not None:
        found.append(cycle)
        members = set(cycle)
        for m in members:
            graph[m] = set()  # break every edge out of the cycle's modules
    return found


def import_graph() -> dict[str, set[str]]:
    return {m: {i.target for i in IMPORTS[m] if i.target in MODULES and i.target != m}
            for m in MODULES}


def test_the_cycle_finder_on_small_graphs():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None, \
        "expected no cycle in a diamond"
    assert all_cycles({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}) == \
        [["a", "b", "a"], ["c", "d", "c"]], "expected each of two cycles reported"


def test_no_import_cycle_among_sim_modules():
    cycles = all_cycles(import_graph())
    shown = []
    for cycle in cycles:
        shown.append(" -> ".join(cycle))
        shown += [f"    {next(i for i in IMPORTS[a] if i.target == b)}"
                  for a, b in zip(cycle, cycle[1:], strict=False)]
    assert not cycles, ("expected no import cycle (imports inside functions count), found:\n"
                        + "\n".join(shown))


# --- sizes ------------------------------------------------------------------------------


def oversized(path: Path) -> list[str]:
    """Classes over 300 lines and functions over 80 in one file, with their sizes."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            limit, what = MAX_CLASS_LINES, "class"
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            limit, what = MAX_FUNCTION_LINES, "function"
        else:
            continue
        lines = node.end_lineno - node.lineno + 1
        if lines > limit:
            out.append(f"{path.relative_to(ROOT)}:{node.lineno} {what} {node.name}: "
                       f"{lines} lines (at most {limit})")
    return out


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_class_over_300_lines_nor_function_over_80(path):
    found = oversized(path)
    assert not found, "expected small classes and functions:\n" + "\n".join(found)
