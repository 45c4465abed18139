"""The public surface: curated ``__all__`` lists that match what each package offers."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
from types import ModuleType

import pytest

# The names users and other tools rely on (docs/design.md). Removing one is a breaking change.
PROMISED = {
    "contract": {
        "run",
        "Config",
        "load_schema",
        "request_schema_for",
        "response_schema_for",
        "ContractError",
        "ContractViolation",
        "Regression",
    },
    "strategies": {"Case", "valid_payloads", "invalid_payloads", "mutation_targets", "MUTATIONS"},
    "contract.emulator": {"EmulatorServer", "FAULTS", "serve_command"},
    "contract.checks": {"CHECKS", "CheckContext", "run_checks"},
}

# Every package and public module with a curated surface.
PACKAGES = [
    "contract",
    "contract.baseline",
    "contract.cassettes",
    "contract.checks",
    "contract.client",
    "contract.concurrency",
    "contract.config",
    "contract.discovery",
    "contract.emulator",
    "contract.engine",
    "contract.errors",
    "contract.events",
    "contract.excerpts",
    "contract.explore",
    "contract.ids",
    "contract.ledger",
    "contract.options",
    "contract.phases",
    "contract.reports",
    "contract.schemas",
    "contract.schemathesis_phase",
    "contract.totals",
    "contract.session",
    "contract.stateful",
    "strategies",
]

# The checks docs/design.md names; the registry may hold more, never fewer.
DESIGNED_CHECKS = {
    "not_a_server_error",
    "status_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "echo_conformance",
    "read_after_create",
    "listed_after_create",
    "update_conformance",
    "gone_after_delete",
    "auth_enforced",
    "org_isolation",
}


def public_names(module: ModuleType) -> set[str]:
    return {n for n in vars(module) if not n.startswith("_")}


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_unique_and_resolvable(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    # Plain sorting, or isort's (CONSTANTS, then Classes, then functions) as ruff's RUF022.
    isort_style = sorted(exported, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
    assert exported in (sorted(exported), isort_style)
    assert len(set(exported)) == len(exported)
    for attribute in exported:
        assert getattr(module, attribute) is not None, attribute


@pytest.mark.parametrize(("name", "promised"), sorted(PROMISED.items()))
def test_promised_names_are_exported(name: str, promised: set[str]) -> None:
    assert promised <= set(importlib.import_module(name).__all__)


def test_every_designed_check_is_registered() -> None:
    from contract.checks import CHECKS

    assert DESIGNED_CHECKS <= set(CHECKS)


def test_public_functions_are_documented() -> None:
    undocumented = [
        f"{name}.{attribute}"
        for name in PACKAGES
        for attribute in importlib.import_module(name).__all__
        if (value := getattr(importlib.import_module(name), attribute))
        and (inspect.isfunction(value) or inspect.isclass(value))
        and not (value.__doc__ or "").strip()
    ]
    assert not undocumented


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


def test_each_table_option_shows_the_default_config_holds() -> None:
    # A default is written down once, in Config; every front door's help reads it there.
    import dataclasses

    from contract.config import Config
    from contract.options import OPTIONS

    defaults = {f.name: f.default for f in dataclasses.fields(Config)}
    for option in OPTIONS:
        assert option.name in defaults, option.name
        if not option.is_flag:
            assert option.help_text.startswith(option.help)
            assert "[default: " in option.help_text and "[default" not in option.help
    shown = {o.name: o.help_text for o in OPTIONS}
    assert shown["max_response_bytes"].endswith("[default: 16 MiB]")
    assert shown["max_time"].endswith("[default: none]")
