"""The package's public surface and its dependency rule."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import strategies

PACKAGE = Path(strategies.__file__).parent
ALLOWED = {"hypothesis", "jsonschema", "strategies"}


def test_all_is_curated_and_documented() -> None:
    assert strategies.__all__ == [
        "FORMAT_CHECKER",
        "MUTATIONS",
        "READ_ONLY_KEYS",
        "TEXT_LENGTHS",
        "UNICODE_CLASSES",
        "Case",
        "MissingReferenceError",
        "Mutation",
        "UnicodeClass",
        "invalid_payloads",
        "long_text",
        "mutation_targets",
        "valid_payloads",
    ]
    for name in strategies.__all__:
        value = getattr(strategies, name)
        if name not in ("MUTATIONS", "FORMAT_CHECKER", "UNICODE_CLASSES"):
            assert value.__doc__, f"{name} needs a docstring"
    assert issubclass(strategies.MissingReferenceError, ValueError)


def test_mutations_is_read_only() -> None:
    try:
        strategies.MUTATIONS["x"] = strategies.MUTATIONS["name_empty"]  # type: ignore[index]
    except TypeError:
        return
    raise AssertionError("MUTATIONS must not be writable")


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_strategies_import_only_the_stdlib_hypothesis_and_jsonschema() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        foreign = _imported(path) - ALLOWED - set(sys.stdlib_module_names)
        assert not foreign, f"{path.name} imports {sorted(foreign)} (contract and pytest banned)"
