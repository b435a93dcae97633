"""The agreed layers (ARCHITECTURE: Services; issue 8, "What it must show"), read from the
source with `ast` so that no module is imported: every `import` counts, at module level or
inside a function.

- no import cycle among the project's modules;
- the shared package (`tradecert/`) imports no service, nor the gateway or operations;
- nothing imports the operations package except the operations package itself;
- the documents service imports nothing of `services.registration` (the renderer stands alone);
- gateway route modules never import each other (they share `gateway/pages.py` and friends).
"""
import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tradecert", "operations", "services", "gateway")


@cache
def modules() -> dict[str, Path]:
    """Every project module by dotted name (a package by its own name, not `.__init__`)."""
    found = {}
    for top in PACKAGES:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imported_names(name: str, path: Path) -> set[str]:
    """Dotted names of what `name` imports, relative imports resolved. For `from a import b`
    both `a` and `a.b` are given; `resolve` keeps the ones that are project modules."""
    is_package = path.name == "__init__.py"
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[:len(package) - node.level + 1]
                base = ".".join([*package, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def resolve(imported: str) -> str | None:
    """The project module an imported name lands in (`a.b.c` may be a function of `a.b`)."""
    parts = imported.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules():
            return candidate
        parts.pop()
    return None


@cache
def graph() -> dict[str, set[str]]:
    edges = {}
    for name, path in modules().items():
        targets = {resolve(imported) for imported in imported_names(name, path)}
        # `from a import b` also names package `a`; that edge only matters when it was
        # imported for itself, so a module's own parent packages are not counted.
        edges[name] = {t for t in targets if t and t != name and not name.startswith(t + ".")}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
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
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def offending(rule) -> list[str]:
    return sorted(f"{source} imports {target}" for source, targets in graph().items()
                  for target in targets if rule(source, target))


def in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


# --- the walk itself ----------------------------------------------------------------------

def test_the_walk_sees_module_level_and_function_level_imports():
    assert "tradecert.outbox" in graph()["tradecert.migrations"]
    assert "services.identity.domain" in graph()["operations.accounts"]
    # A function-level import (the CLI's render-sample imports the documents code inside).
    assert "services.documents.kinds" in graph()["operations.cli"]


def test_a_cycle_is_found_when_there_is_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


# --- the rules ----------------------------------------------------------------------------

def test_no_import_cycles_among_project_modules():
    assert cycles(graph()) == []


def test_the_shared_package_imports_no_service_gateway_or_operations():
    assert offending(lambda source, target: in_package(source, "tradecert") and any(
        in_package(target, other) for other in ("services", "gateway", "operations"))) == []


def test_only_operations_imports_operations():
    assert offending(lambda source, target: in_package(target, "operations")
                     and not in_package(source, "operations")) == []


def test_the_documents_service_imports_nothing_of_registration():
    assert offending(lambda source, target: in_package(source, "services.documents")
                     and in_package(target, "services.registration")) == []


def test_gateway_route_modules_do_not_import_each_other():
    def route(module):
        return module.startswith("gateway.routes.")

    assert offending(lambda source, target: route(source) and route(target)) == []


def test_no_test_module_imports_another_test_module():
    """Shared test helpers live in a conftest.py or a helpers module (issue 8: Tests)."""
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for imported in imported_names(name, path):
            if any(part.startswith("test_") for part in imported.split(".")[:3]) and \
                    imported.startswith("tests."):
                found.append(f"{name} imports {imported}")
    assert found == []
