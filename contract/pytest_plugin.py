"""pytest plugin for close-contract (registered through the ``pytest11`` entry point).

Options (group ``close``), session fixtures for tests of one's own (``close_target``,
``close_client``, ``close_schema``, ``close_references``), the ``close_contract`` marker
and the ``close_run`` fixture that runs the whole contract with the marker's keyword
arguments as core options. Importing this module stays cheap: pytest loads it in every
session of every project that has close-contract installed, so the core is imported lazily.

Under pytest-xdist the options are validated in the controller, before any worker starts;
the controller gives its workers one shared directory (:func:`shared_directory`) so that
the ready-made suite runs the contract once for all of them, and a worker that ends the
session (:func:`abort_session`) ends it in the controller too, with its one-line cause.
The options come from the option table (:mod:`contract.options`), as the CLI's do, and are
also read from ``CLOSE_*`` variables and ``[tool.close-contract]`` in pyproject.toml;
messages name each option as it was given (``--close-api-key``, ``CLOSE_API_KEY``). Every
message this plugin ends a session with, and every test report it sees (tracebacks
with ``-l`` show local variables, captured output), has the keys of the options and of
``CLOSE_API_KEY`` / ``CLOSE_OTHER_API_KEY`` blanked, in each form they can take.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    from contract.client import CloseClient
    from contract.config import Config
    from contract.discovery import TypeContract
    from contract.errors import ContractError
    from contract.ledger import Ledger
    from contract.options import Given
    from contract.reports import RunReport
    from contract.session import Target

__all__ = [
    "abort_session",
    "close_client",
    "close_config",
    "close_ledger",
    "close_references",
    "close_run",
    "close_schema",
    "close_target",
    "error_message",
    "pytest_addoption",
    "pytest_configure",
    "pytest_configure_node",
    "pytest_runtest_makereport",
    "pytest_testnodedown",
    "pytest_unconfigure",
    "shared_directory",
]

_PROFILES: dict[str, dict[str, Any]] = {
    "dev": {"max_examples": 10, "deadline": None},
    "ci": {"derandomize": True, "database": None, "deadline": None, "print_blob": True},
    "nightly": {"max_examples": 200, "deadline": None},
}

# Keys of xdist's workerinput / workeroutput dicts.
_SHARED_DIRECTORY = "close_contract_directory"
_ABORTED = "close_contract_aborted"
_SHARED = pytest.StashKey[Path]()
_REDACTOR = pytest.StashKey["Callable[[str], str]"]()
_GIVEN = pytest.StashKey["Given"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``close`` option group: the option table's options, ``--close-`` and
    the CLI's name (``--close-examples``), each ``None`` when not given."""
    group = parser.getgroup("close", "close-contract: Close Custom Object API contract")
    from contract.options import offered

    for o in offered("pytest"):
        flag = o.pytest_flag
        if flag is None:  # offered("pytest") has only options with a flag
            continue
        # argparse formats help with %: a literal one is doubled.
        help = o.help_text_for("pytest").replace("%", "%%")
        if o.kind == "switch":
            no = "--close-no-" + flag.removeprefix("--close-")
            group.addoption(flag, action="store_const", const=True, dest=o.dest, help=help)
            group.addoption(no, action="store_const", const=False, dest=o.dest, help=f"Not {flag}.")
        elif o.is_flag:
            const = o.spec.flag_value or True
            group.addoption(flag, action="store_const", const=const, dest=o.dest, help=help)
        else:
            action = "append" if o.kind == "multiple" else "store"
            group.addoption(flag, action=action, dest=o.dest, metavar=o.metavar, help=help)


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``close_contract`` marker and the dev / ci / nightly Hypothesis profiles."""
    config.addinivalue_line(
        "markers",
        "close_contract(**options): run the contract (close_run fixture) with these "
        "core options, e.g. examples=3 or emulator_faults=('list_empty',)",
    )
    from hypothesis import settings
    from hypothesis.errors import InvalidArgument

    from contract.errors import ContractError

    # Bad --close-* options are a usage error before any test runs (exit 4). Under xdist
    # the controller has checked the same options before starting the workers, and a
    # worker that raised here would only show as a crashed node.
    if not hasattr(config, "workerinput"):
        from contract.config import Config

        try:
            values, notices = _given(config).settle()
            Config.from_options(values).validate()
        except ContractError as exc:
            message = _redactor(config)(error_message(config, exc))
            raise pytest.UsageError(f"close-contract: {message}") from None
        if _uses_the_contract(config):
            for notice in notices:
                sys.stderr.write(f"close-contract: notice: {notice}\n")

    for name, options in _PROFILES.items():
        try:
            settings.get_profile(name)
        except InvalidArgument:  # a project's own profile of that name wins
            settings.register_profile(name, **options)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the directory the session's xdist workers shared (controller only)."""
    directory = config.stash.get(_SHARED, None)
    if directory is not None:
        import shutil

        shutil.rmtree(directory, ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist, in the controller: give each worker the session's shared directory
    (the same one to a worker that replaces a crashed one)."""
    directory = node.config.stash.get(_SHARED, None)
    if directory is None:
        import tempfile

        directory = Path(tempfile.mkdtemp(prefix="close-contract-"))
        node.config.stash[_SHARED] = directory
    node.workerinput[_SHARED_DIRECTORY] = str(directory)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object | None) -> None:
    """pytest-xdist, in the controller: a worker that ended the session with
    :func:`abort_session` ends the controller's too, with the same line and exit code.

    Left to xdist, a worker's ``pytest.exit`` reads as a crash ("node down:
    keyboard-interrupt", exit 2) or an internal error (any other exit code)."""
    aborted = getattr(node, "workeroutput", {}).get(_ABORTED)
    if aborted is not None:
        pytest.exit(aborted["message"], returncode=aborted["returncode"])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Blank the keys in a test's report: its traceback (``-l`` shows local variables, and
    a key is one) and its captured output."""
    report = yield
    redact = _redactor(item.config)
    if report.longrepr is not None:
        text = str(report.longrepr)
        clean = redact(text)
        if clean != text:
            report.longrepr = clean
    report.sections = [(title, redact(content)) for title, content in report.sections]
    return report


def _redactor(config: pytest.Config) -> Callable[[str], str]:
    """What blanks the session's keys (options and environment) in text leaving it."""
    cached = config.stash.get(_REDACTOR, None)
    if cached is not None:
        return cached
    from contract.secrets import MIN_SECRET_LENGTH, Redactor

    given = [config.getoption(name, None) for name in ("close_api_key", "close_other_api_key")]
    variables = [os.environ.get(name) for name in ("CLOSE_API_KEY", "CLOSE_OTHER_API_KEY")]
    # A shorter key is refused before any use, so no text can hold it.
    keys = [k for k in (*given, *variables) if isinstance(k, str) and len(k) >= MIN_SECRET_LENGTH]
    redactor: Callable[[str], str] = Redactor(dict.fromkeys(keys))
    config.stash[_REDACTOR] = redactor
    return redactor


def shared_directory(config: pytest.Config) -> Path | None:
    """In a pytest-xdist worker, the directory that every worker of the session shares (to
    run the contract once for all of them); None without xdist."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None or _SHARED_DIRECTORY not in workerinput:
        return None
    return Path(workerinput[_SHARED_DIRECTORY])


def abort_session(config: pytest.Config, message: str, returncode: int) -> NoReturn:
    """End the session now with the line ``close-contract: <message>`` and ``returncode``,
    from the main process or an xdist worker alike (:func:`error_message` writes an error
    as this session gave its options)."""
    line = _redactor(config)(f"close-contract: {message}")
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        # The controller reads it when the worker is down (pytest_testnodedown).
        workeroutput[_ABORTED] = {"message": line, "returncode": returncode}
    pytest.exit(line, returncode=returncode)


def error_message(config: pytest.Config, exc: ContractError) -> str:
    """``exc``'s message, each option it names written as this session gave it
    (``--close-max-time``, ``CLOSE_MAX_TIME``, ``max-time`` in pyproject.toml)."""
    given = config.stash.get(_GIVEN, None)
    return str(exc) if given is None else given.message(exc)


def _given(pytestconfig: pytest.Config) -> Given:
    """The session's options: its flags, the environment and the nearest pyproject.toml."""
    given = pytestconfig.stash.get(_GIVEN, None)
    if given is None:
        from contract.options import Given, offered

        flags = {o.name: pytestconfig.getoption(o.dest) for o in offered("pytest")}
        start = pytestconfig.invocation_params.dir
        given = Given.read("pytest", flags, environ=os.environ, start=start)
        pytestconfig.stash[_GIVEN] = given
    return given


def _uses_the_contract(config: pytest.Config) -> bool:
    """Whether the session asks for close-contract: a ``--close-*`` option, the ready-made
    suite, or ``[tool.close-contract]`` in its pyproject.toml. The plugin is loaded in every
    session of every project that has close-contract installed: a ``CLOSE_API_KEY`` kept in
    the shell must not add a notice to the test runs of other projects."""
    given = _given(config)
    flags = any(given.source(name) == "flag" for name in given.settings)
    return flags or given.file is not None or any("contract.suite" in a for a in config.args)


def _config_from(pytestconfig: pytest.Config, **overrides: Any) -> Config:
    """The configuration of the session's options; ``overrides`` (core options by field
    name: a marker's keyword arguments) win over them."""
    from contract.config import Config

    values, _ = _given(pytestconfig).settle()
    values.update(overrides)
    return Config.from_options(values)


@pytest.fixture(scope="session")
def close_config(pytestconfig: pytest.Config) -> Config:
    """The run configuration the ``--close-*`` options describe (validated at start-up)."""
    return _config_from(pytestconfig)


@pytest.fixture(scope="session")
def close_target(close_config: Config) -> Iterator[Target]:
    """The target: the embedded emulator (started here, stopped at the end) or a live API."""
    from contract.session import open_target

    if close_config.target_kind == "replay":
        pytest.skip("close_target talks to a server; --close-cassettes replays without one")
    with open_target(close_config) as target:
        yield target


@pytest.fixture(scope="session")
def close_client(close_target: Target, close_config: Config) -> Iterator[CloseClient]:
    """A :class:`contract.client.CloseClient` for the target, closed at the end."""
    from contract.engine import client_for

    with client_for(close_target, close_config) as client:
        yield client


@pytest.fixture(scope="session")
def close_schema(close_client: CloseClient, close_config: Config) -> dict[str, TypeContract]:
    """Each custom object type's contract (request/update/response schemas), by type id."""
    from contract.engine import organization_for

    return {t.type_id: t for t in organization_for(close_client, close_config).types}


@pytest.fixture(scope="session")
def close_ledger(close_client: CloseClient) -> Iterator[Ledger]:
    """What the session made on the target, deleted at its end. Writes through
    ``close_client`` go only to what it proves its own: pass a create's answer and payload
    to ``close_ledger.claim(answer, payload)`` before updating or deleting what it made."""
    from contract.ledger import Ledger

    ledger = Ledger(close_client)
    try:
        yield ledger
    finally:
        ledger.cleanup()


@pytest.fixture(scope="session")
def close_references(
    close_client: CloseClient, close_config: Config, close_ledger: Ledger
) -> Iterator[dict[str, list[str]]]:
    """Real ids for payloads (lead, user, contact, custom_object:<cotype_id>); cleaned up."""
    from contract.engine import organization_for, references_for

    organization = organization_for(close_client, close_config)
    with references_for(close_client, organization, close_config, close_ledger) as refs:
        yield refs


@pytest.fixture
def close_run(request: pytest.FixtureRequest, pytestconfig: pytest.Config) -> RunReport:
    """Run the whole contract once for this test; the ``close_contract`` marker's keyword
    arguments override the ``--close-*`` options. Returns the run's report."""
    from contract.engine import run
    from contract.reports import RunReport

    marker = request.node.get_closest_marker("close_contract")
    config = _config_from(pytestconfig, **(marker.kwargs if marker else {}))
    keys = (config.resolved_api_key(), config.resolved_other_api_key())
    report = RunReport(secrets=tuple(key for key in keys if key))
    for event in run(config):
        report.add(event)
    return report
