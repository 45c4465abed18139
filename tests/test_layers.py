"""The dependency rule of DESIGN.md, checked by parsing every import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
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
    if p.name not in ("cli.py", "pytest_plugin.py")
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
    [("cli.py", "contract.pytest_plugin"), ("pytest_plugin.py", "contract.cli")],
)
def test_front_doors_do_not_call_each_other(door: str, other: str) -> None:
    assert not {n for n in imports_of(ROOT / "contract" / door) if starts(n, other)}


def test_the_rule_would_catch_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import pytest\nfrom contract.cli import main\n")
    assert {"pytest", "contract.cli"} <= imports_of(sample)
