"""The dependency rule of docs/design.md, checked by parsing every import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports_of(path: Path, known: set[str] | None = None) -> set[str]:
    """The modules ``path`` imports; ``from pkg import sub`` counts as ``pkg.sub`` when
    ``pkg.sub`` is one of ``known`` modules."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = {f"{node.module}.{alias.name}" for alias in node.names}
            found.update(subs & (known or set()) or {node.module})
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def starts(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("path", modules("strategies"), ids=str)
def test_strategies_import_neither_contract_nor_pytest(path: Path) -> None:
    bad = {n for n in imports_of(path) if starts(n, "contract", "pytest", "_pytest")}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


CORE = [
    p
    for p in modules("contract")
    if p.name != "pytest_plugin.py"
    and "cli" not in p.parts
    and "emulator" not in p.parts
    and "suite" not in p.parts
]


@pytest.mark.parametrize("path", CORE, ids=str)
def test_core_imports_neither_pytest_nor_front_doors(path: Path) -> None:
    bad = {
        n
        for n in imports_of(path)
        if starts(
            n, "pytest", "_pytest", "contract.cli", "contract.pytest_plugin", "contract.suite"
        )
    }
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", modules("contract/emulator"), ids=str)
def test_emulator_imports_nothing_else_from_contract(path: Path) -> None:
    bad = {
        n
        for n in imports_of(path)
        if starts(n, "contract", "strategies") and not starts(n, "contract.emulator")
    }
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize(
    ("door", "other"),
    [("cli", "contract.pytest_plugin"), ("pytest_plugin.py", "contract.cli")],
)
def test_front_doors_do_not_call_each_other(door: str, other: str) -> None:
    # The CLI is a package; the plugin is one module.
    paths = modules(f"contract/{door}") if door == "cli" else [ROOT / "contract" / door]
    assert paths
    for path in paths:
        assert not {n for n in imports_of(path) if starts(n, other)}, path


def test_the_rule_would_catch_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import pytest\nfrom contract.cli import main\n")
    assert {"pytest", "contract.cli"} <= imports_of(sample)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


ALL = {module_name(p): p for pkg in ("contract", "strategies", "benchmarks") for p in modules(pkg)}


@pytest.mark.parametrize("name", sorted(ALL), ids=str)
def test_no_module_imports_another_packages_private_modules(name: str) -> None:
    own = package_of(name, ALL[name])
    bad = set()
    for imported in imports_of(ALL[name]):
        head, _, last = imported.rpartition(".")
        # contract.pkg._private may be imported from inside contract.pkg only.
        if last.startswith("_") and not last.startswith("__") and not starts(own, head):
            bad.add(imported)
    assert not bad, f"{name} imports {sorted(bad)}: use the package's __init__ names"


def import_targets(path: Path) -> set[str]:
    """Like imports_of, but ``from pkg import module`` names the module it imports."""
    return imports_of(path, known=set(ALL))


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in ALL.items():
        targets = set()
        for imported in import_targets(path):
            # The root package is a lazy facade: it imports nothing when it is loaded.
            while imported and imported not in ALL:
                imported = imported.rpartition(".")[0]
            if imported and imported != "contract" and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle a depth-first walk of ``graph`` meets, as a path back to its start."""
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def test_there_are_no_import_cycles() -> None:
    cycles = find_cycles(_graph())
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_cycle_rule_would_catch_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


# The layers, from the bottom up. A unit (a package, or a top-level module) imports only
# units on a lower layer: nothing on its own layer and nothing above it, the lazy facade
# `contract` included. docs/design.md draws the same order.
LAYERS: list[set[str]] = [
    {
        "contract._version",
        "contract.errors",
        "contract.ids",
        "contract.statuses",
        "contract.excerpts",
        "contract.interrupts",
        "contract.emulator",
        "strategies",
    },
    {"contract.secrets", "contract.schemas"},
    {"contract.client", "contract.baseline"},
    {"contract.checks", "contract.cassettes"},
    {"contract.config"},
    {"contract.options", "contract.events", "contract.discovery"},
    {"contract.totals", "contract.ledger", "contract.fieldnames"},
    {"contract.reports"},
    {"contract.session"},
    {"contract.phases"},
    {"contract.stateful", "contract.schemathesis_phase", "contract.concurrency"},
    {"contract.engine"},
    {"contract.reproduce"},
    {"contract"},
    {"contract.cli", "contract.pytest_plugin", "contract.explore"},
    {"contract.suite"},
    {"benchmarks"},
]
LAYER_OF = {unit: n for n, units in enumerate(LAYERS) for unit in units}


def unit_of(name: str) -> str:
    parts = name.split(".")
    return ".".join(parts[:2]) if parts[0] == "contract" and len(parts) > 1 else parts[0]


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import of ``graph`` (module -> imported modules) that does not go down a layer."""
    bad = []
    for name, imported in sorted(graph.items()):
        for other in sorted(imported):
            here, there = unit_of(name), unit_of(other)
            if here != there and LAYER_OF[there] >= LAYER_OF[here]:
                bad.append(f"{name} -> {other}")
    return bad


def _unit_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in ALL.items():
        graph[name] = {
            imported
            for imported in import_targets(path)
            if imported.split(".")[0] in ("contract", "strategies", "benchmarks")
        }
    return graph


def test_every_unit_has_a_layer() -> None:
    assert {unit_of(name) for name in ALL} <= set(LAYER_OF)


def test_imports_only_go_down_the_layers() -> None:
    bad = upward_imports(_unit_graph())
    assert not bad, "imports that do not go down a layer:\n" + "\n".join(bad)


def test_the_layer_rule_would_catch_an_upward_import() -> None:
    graph = {
        "contract.client._client": {"contract"},
        "contract.ledger._ledger": {"contract.session"},
        "contract.session._session": {"contract.ledger", "contract.session._sources"},
    }
    assert upward_imports(graph) == [
        "contract.client._client -> contract",
        "contract.ledger._ledger -> contract.session",
    ]
