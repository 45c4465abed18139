"""The public surface: curated ``__all__`` lists that match what each package offers."""

from __future__ import annotations

import importlib
import subprocess
import sys
from types import ModuleType

import pytest

# The names users and other tools rely on (DESIGN.md). Removing one is a breaking change.
PROMISED = {
    "contract": {
        "load_schema",
        "request_schema_for",
        "response_schema_for",
        "ContractError",
        "ContractViolation",
    },
}

PACKAGES = ["contract", "contract.errors", "contract.schemas"]


def public_names(module: ModuleType) -> set[str]:
    return {n for n in vars(module) if not n.startswith("_")}


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_unique_and_resolvable(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(
        exported, key=lambda n: (n.startswith("__"), n)
    ) or exported == sorted(exported)
    assert len(set(exported)) == len(exported)
    for attribute in exported:
        assert getattr(module, attribute) is not None, attribute


@pytest.mark.parametrize(("name", "promised"), sorted(PROMISED.items()))
def test_promised_names_are_exported(name: str, promised: set[str]) -> None:
    assert promised <= set(importlib.import_module(name).__all__)


def test_contract_exports_match_its_lazy_table() -> None:
    import contract

    assert set(contract.__all__) - {"__version__"} == set(contract._EXPORTS)


def test_importing_the_plugin_does_not_load_the_core() -> None:
    code = (
        "import sys, contract.pytest_plugin; "
        "print(any(m in sys.modules for m in ('jsonschema', 'httpx', 'hypothesis')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cli_help_works() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "contract.cli", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "Usage" in out.stdout
