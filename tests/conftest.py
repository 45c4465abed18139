"""Shared test configuration: deterministic Hypothesis profiles, a clean environment, and
the two kinds of test.

Hypothesis: ``ci`` (the default under CI=true) derandomizes generation so every run draws
the same examples; ``dev`` keeps examples few for fast local loops.

Every test is exactly one of two kinds, by marker (``--strict-markers`` is on):

* ``e2e``: the test runs the whole product or a process of its own: a contract run (in
  this process or not), a run of the stateful or the schemathesis phase against a server,
  a front door end to end (the CLI's ``main``, a pytest session of its own through
  ``pytester``), a subprocess, a notebook kernel. A module marks itself
  with ``pytestmark = pytest.mark.e2e`` where it cannot be told from its code (it loads
  what it runs by path, as the benchmark smoke tests do); otherwise the rule below finds
  it.
* ``unit``: every other test: one component at a time, in this process (a check, the
  client on a mock transport or an emulator, a strategy, reports of hand-made events).

The rule, applied at collection (:func:`pytest_collection_modifyitems`): a test not marked
either way is ``e2e`` when its code reaches one of :data:`DOORS`. Its code is the test
function, every fixture it uses (the fixtures of its module and of the ``conftest.py``
files above it), and the helpers of the test tree they name (functions, and the methods of
classes they call), followed name by name through their modules' globals; a method of a
``pytester`` whose name is in :data:`PYTESTER_RUNS` counts too. ``pytest -m unit`` is the
fast loop, ``pytest -m e2e`` the rest.
"""

from __future__ import annotations

import functools
import inspect
import os
import subprocess
import sys
import tempfile
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Imported before any in-process pytest session of the plugin's tests: pytester takes the
# modules such a session imports out of sys.modules again when it ends, and httpx, which
# imports httpcore on first use, would then hold the first import's exception classes and
# let the second import's escape unmapped (a lost connection would surface as a crash).
import httpcore  # noqa: F401
import pytest
from hypothesis import HealthCheck, settings
from support.safety import Planted, copy_of, plant

import contract
import contract.engine
import contract.schemathesis_phase
import contract.stateful
from contract.cli import main as cli_main

# Runs against a live target journal what they create; the tests' journals go to a
# directory of their own, never into the checkout (CLI subprocesses inherit it too).
STATE_DIR = tempfile.mkdtemp(prefix="close-contract-state-")

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=30, deadline=None, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _no_close_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts without the developer's CLOSE_* variables (a CLOSE_BASE_URL in the
    shell would turn a test's run into one against a live organization), journaling into
    the tests' own state directory."""
    for name in list(os.environ):
        if name.startswith("CLOSE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CLOSE_STATE_DIR", STATE_DIR)
    yield


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    """Customer data in both organizations, planted once per module and worker."""
    return plant(tmp_path_factory.mktemp("planted"))


@pytest.fixture
def customer_db(planted: Planted, tmp_path: Path) -> Path:
    """A private copy of the planted database for one test."""
    return copy_of(planted, tmp_path)


# --- unit and e2e -----------------------------------------------------------------------------

TESTS = Path(__file__).resolve().parent


def _kernels() -> set[object]:
    """What starts a notebook kernel (nothing without the notebooks extra)."""
    try:
        from nbclient import NotebookClient
    except ImportError:
        return set()
    return {NotebookClient}


#: What makes a test end to end when its code reaches it: a contract run, a run of the
#: stateful or the schemathesis phase against a server, the CLI's entry point, a process, a
#: notebook kernel.
DOORS: frozenset[object] = frozenset(
    {
        contract.run,
        contract.engine.run,
        contract.schemathesis_phase.run_schemathesis,
        contract.stateful.stateful_phase,
        cli_main,
        subprocess.run,
        subprocess.Popen,
        subprocess.call,
        subprocess.check_call,
        subprocess.check_output,
        *_kernels(),
    }
)

DOOR_MODULES = frozenset(
    {contract, contract.engine, contract.schemathesis_phase, contract.stateful, subprocess}
)

#: Methods of ``pytester`` that run a pytest session of its own.
PYTESTER_RUNS = frozenset(
    {"runpytest", "runpytest_inprocess", "runpytest_subprocess", "inline_run", "spawn_pytest"}
)


def _reaches_a_door(
    code: types.CodeType, namespace: dict[str, Any], seen: set[int], names: set[str]
) -> bool:
    """Whether ``code`` (run with globals ``namespace``) names a door, or calls a helper of
    the test tree that does. ``names`` gathers the names the code met so far uses: a class's
    methods count where one of them calls it (``harness.run(...)``)."""
    if id(code) in seen:
        return False
    seen.add(id(code))
    names.update(code.co_names)
    if PYTESTER_RUNS & names:
        return True
    for name in code.co_names:
        value = namespace.get(name)
        if value is None:
            continue
        # `contract.run(...)`, `subprocess.run(...)`, `support.run.cli(...)`: the attribute
        # is a later name.
        candidates = (
            [getattr(value, attr, None) for attr in code.co_names]
            if isinstance(value, types.ModuleType) and _holds_doors(value)
            else [value]
        )
        for candidate in candidates:
            if _is_door(candidate):
                return True
            for helper in _test_tree_functions(candidate, names):
                if _reaches_a_door(helper.__code__, helper.__globals__, seen, names):
                    return True
    # Functions, lambdas and comprehensions defined inside this one.
    return any(
        isinstance(const, types.CodeType) and _reaches_a_door(const, namespace, seen, names)
        for const in code.co_consts
    )


def _holds_doors(module: types.ModuleType) -> bool:
    """Whether ``module`` is one whose attributes may be doors or helpers that reach them."""
    return module in DOOR_MODULES or _in_tests(getattr(module, "__file__", None) or "")


@functools.cache
def _in_tests(filename: str) -> bool:
    return bool(filename) and Path(filename).resolve().is_relative_to(TESTS)


def _is_door(value: object) -> bool:
    if value is None:
        return False
    try:
        return value in DOORS
    except TypeError:  # unhashable
        return False


def _test_tree_function(value: object) -> types.FunctionType | None:
    """``value`` as a plain function written in the test tree (fixtures unwrapped)."""
    try:
        function = inspect.unwrap(value) if callable(value) else value
    except ValueError:  # a cycle of __wrapped__
        return None
    if not isinstance(function, types.FunctionType):
        return None
    return function if _in_tests(function.__code__.co_filename) else None


def _test_tree_functions(value: object, names: set[str]) -> list[types.FunctionType]:
    """``value`` as functions of the test tree: itself, or those methods of a test-tree
    class that are called (their name is among ``names``) or run by making and using one."""
    if isinstance(value, type):
        if not _in_tests(getattr(sys.modules.get(value.__module__), "__file__", None) or ""):
            return []
        called = names | _IMPLICIT_METHODS
        methods = (_test_tree_function(m) for n, m in vars(value).items() if n in called)
        return [method for method in methods if method is not None]
    function = _test_tree_function(value)
    return [] if function is None else [function]


_IMPLICIT_METHODS = frozenset({"__init__", "__post_init__", "__enter__", "__exit__", "__call__"})


def _fixture_functions(item: pytest.Function) -> Iterator[types.FunctionType]:
    """The functions of the fixtures ``item`` uses, from its module and its conftest files."""
    modules: list[object] = [item.module]
    for plugin in item.config.pluginmanager.get_plugins():
        where = getattr(plugin, "__file__", None)
        if (
            where
            and Path(where).name == "conftest.py"
            and item.path.is_relative_to(Path(where).parent)
        ):
            modules.append(plugin)
    for name in item.fixturenames:
        for module in modules:
            function = _test_tree_function(getattr(module, name, None))
            if function is not None:
                yield function
                break


def is_e2e(item: pytest.Function) -> bool:
    """Whether the rule of this module's docstring makes ``item`` an end-to-end test."""
    seen: set[int] = set()
    names: set[str] = set()
    functions: list[Callable[..., Any]] = [item.function, *_fixture_functions(item)]
    return any(
        _reaches_a_door(f.__code__, f.__globals__, seen, names)
        for f in map(_test_tree_function, functions)
        if f is not None
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test ``unit`` or ``e2e`` (before ``-m`` selects among them)."""
    for item in items:
        marked = {name for name in ("unit", "e2e") if item.get_closest_marker(name)}
        if marked == {"unit", "e2e"}:
            raise pytest.UsageError(f"{item.nodeid} is marked both unit and e2e")
        if not marked:
            e2e = isinstance(item, pytest.Function) and is_e2e(item)
            item.add_marker(pytest.mark.e2e if e2e else pytest.mark.unit)
