"""The structure docs/architecture.md draws, held by reading every import in learnhub/.

Features sit in layers; a package may import only from packages in lower layers, so there is no
cycle and no import going the wrong way. The reporter's path (reporting and follow-up) must not
import, even indirectly, anything that knows who a member of staff is.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "learnhub"

# Lowest first. A package may import from any package in a lower layer, never from its own
# layer's other packages nor from a higher one. "(top)" is learnhub/*.py: the app factory, the
# command line, the scheduler, the metadata list for Alembic.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("audit",),
    ("auth",),
    ("taxonomy",),
    ("reports",),
    ("suggestions",),
    ("disclosure",),
    ("themes",),
    ("actions",),
    ("review",),
    ("imports",),
    ("followup",),
    ("dashboard", "bulletins"),
    ("retention",),
    ("api", "admin", "main", "demo"),
    ("(top)",),
)
# The reporter's pages and what they call: anything they import, at any depth, is on their path.
REPORTER_PATH = ("reports", "followup")
# The reporter's endpoints in a package that also serves staff: on the path too.
REPORTER_MODULES = ("learnhub.api.reporting",)
# What knows a member of staff: accounts, and the trail of what each account did.
STAFF_IDENTITY = ("auth", "audit")
# The settings module, bundled into a wheel as learnhub._config (config.py in a checkout).
SETTINGS_MODULES = {"learnhub._config"}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the imported module, dotted
    where: str  # path:line, for the failure message
    runtime: bool  # False inside `if TYPE_CHECKING:`


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) >= 2 and (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return "(top)"


def type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if path.name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imported_module(base: str, name: str) -> str:
    """`from a.b import c` imports module a.b.c when c is a module or the settings, else a.b."""
    dotted = f"{base}.{name}"
    path = PACKAGE.parent / dotted.replace(".", "/")
    if dotted in SETTINGS_MODULES or path.is_dir() or path.with_suffix(".py").exists():
        return dotted
    return base


def imports_in(path: Path) -> Iterator[Import]:
    module = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = type_checking_lines(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = absolute(module, path, node)
            targets = [imported_module(base, alias.name) for alias in node.names]
        else:
            continue
        for target in dict.fromkeys(targets):
            if target.split(".")[0] != "learnhub" or target in SETTINGS_MODULES:
                continue
            yield Import(
                module,
                target,
                f"{path.relative_to(ROOT)}:{node.lineno}",
                node.lineno not in typing_only,
            )


def all_imports() -> list[Import]:
    return [found for path in sorted(PACKAGE.rglob("*.py")) for found in imports_in(path)]


def layer_of(package: str) -> int:
    for index, layer in enumerate(LAYERS):
        if package in layer:
            return index
    raise AssertionError(f"learnhub/{package} is in no layer of tests/test_structure.py")


def wrong_way(imports: list[Import]) -> list[str]:
    found = []
    for item in imports:
        source, target = package_of(item.source), package_of(item.target)
        if source != target and layer_of(target) >= layer_of(source):
            found.append(f"{item.where}: {source} imports {item.target} ({target})")
    return found


def test_every_package_has_a_layer() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    listed = {name for layer in LAYERS for name in layer} - {"(top)"}
    assert packages == listed


def test_imports_go_one_way_only() -> None:
    assert wrong_way(all_imports()) == []


def test_the_check_sees_an_import_going_the_wrong_way() -> None:
    upward = Import("learnhub.reports.services", "learnhub.themes.models", "x.py:1", True)
    sideways = Import("learnhub.dashboard.services", "learnhub.bulletins.models", "y.py:1", True)
    downward = Import("learnhub.themes.models", "learnhub.reports.models", "z.py:1", True)
    assert wrong_way([upward, sideways, downward]) == [
        "x.py:1: reports imports learnhub.themes.models (themes)",
        "y.py:1: dashboard imports learnhub.bulletins.models (bulletins)",
    ]


def runtime_closure(start: set[str], imports: list[Import]) -> dict[str, str]:
    """Every module reachable from start at run time, with the import that first reached it."""
    graph: dict[str, list[Import]] = {}
    for item in imports:
        if item.runtime:
            graph.setdefault(item.source, []).append(item)
    reached: dict[str, str] = dict.fromkeys(start, "start")
    queue = list(start)
    while queue:
        for item in graph.get(queue.pop(), []):
            # Importing a.b.c runs a and a.b first.
            parts = item.target.split(".")
            for depth in range(2, len(parts) + 1):
                module = ".".join(parts[:depth])
                if module not in reached:
                    reached[module] = item.where
                    queue.append(module)
    return reached


def test_the_reporters_path_imports_nothing_that_knows_staff() -> None:
    imports = all_imports()
    start = {item.source for item in imports if package_of(item.source) in REPORTER_PATH} | {
        f"learnhub.{name}" for name in REPORTER_PATH
    }
    reached = runtime_closure(start, imports)
    staff = {
        module: where for module, where in reached.items() if package_of(module) in STAFF_IDENTITY
    }
    assert staff == {}


@pytest.mark.parametrize("package", STAFF_IDENTITY)
def test_the_path_check_sees_staff_identity(package: str) -> None:
    imports = [
        Import("learnhub.reports.views", "learnhub.actions.services", "a.py:1", True),
        Import("learnhub.actions.services", f"learnhub.{package}.models", "b.py:2", True),
    ]
    assert runtime_closure({"learnhub.reports.views"}, imports)[f"learnhub.{package}"] == "b.py:2"


def cycles(imports: list[Import]) -> list[list[str]]:
    """Groups of modules that import each other at run time, directly or round a loop."""
    graph: dict[str, set[str]] = {}
    for item in imports:
        if item.runtime:
            graph.setdefault(item.source, set()).add(item.target)
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = low[module] = len(order)
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if target not in order:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], order[target])
        if low[module] == order[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return found


def test_no_module_imports_itself_round_a_loop() -> None:
    assert cycles(all_imports()) == []


def test_the_cycle_check_sees_a_loop() -> None:
    loop = [
        Import("learnhub.a", "learnhub.b", "a.py:1", True),
        Import("learnhub.b", "learnhub.c", "b.py:1", True),
        Import("learnhub.c", "learnhub.a", "c.py:1", True),
        Import("learnhub.c", "learnhub.d", "c.py:2", True),
        Import("learnhub.d", "learnhub.c", "d.py:1", False),  # for type checking only
    ]
    assert cycles(loop) == [["learnhub.a", "learnhub.b", "learnhub.c"]]
