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
Messages name this plugin's options (``--close-api-key``), not the CLI's (``--api-key``).
Every message this plugin ends a session with, and every test report it sees (tracebacks
with ``-l`` show local variables, captured output), has the keys of the options and of
``CLOSE_API_KEY`` / ``CLOSE_OTHER_API_KEY`` blanked, in each form they can take.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    from contract.client import CloseClient
    from contract.config import Config
    from contract.discovery import TypeContract
    from contract.ledger import Ledger
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
    "pytest_addoption",
    "pytest_configure",
    "pytest_configure_node",
    "pytest_runtest_makereport",
    "pytest_testnodedown",
    "pytest_unconfigure",
    "shared_directory",
    "with_pytest_options",
]

_PROFILES: dict[str, dict[str, Any]] = {
    "dev": {"max_examples": 10, "deadline": None},
    "ci": {"derandomize": True, "database": None, "deadline": None, "print_blob": True},
    "nightly": {"max_examples": 200, "deadline": None},
}

# The core's messages name the CLI's options; pytest users type these instead.
_PYTEST_OPTIONS = {
    "--api-key": "--close-api-key",
    "--base-url": "--close-base-url",
    "--baseline": "--close-baseline",
    "--bearer": "--close-bearer",
    "--cassettes": "--close-cassettes",
    "--custom-object-type-id": "--close-type-id",
    "--emulator-fault": "--close-fault",
    "--examples": "--close-examples",
    "--lead-id": "--close-lead-id",
    "--max-rate": "--close-max-rate",
    "--workers": "--close-workers",
    "--max-inconclusive": "--close-max-inconclusive",
    "--other-api-key": "--close-other-api-key",
    "--overwrite": "--close-overwrite",
    "--record": "--close-record",
    "--schemathesis": "--close-schemathesis",
    "--seed": "--close-seed",
    "--stateful-runs": "--close-stateful-runs",
    "--stateful-steps": "--close-stateful-steps",
}
# A whole option name: "--api-key" but neither "--other-api-key" nor "--close-api-key".
_OPTION_NAME = re.compile(r"(?<![\w-])--[a-z][a-z-]*(?![\w-])")

# Keys of xdist's workerinput / workeroutput dicts.
_SHARED_DIRECTORY = "close_contract_directory"
_ABORTED = "close_contract_aborted"
_SHARED = pytest.StashKey[Path]()
_REDACTOR = pytest.StashKey["Callable[[str], str]"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``close`` option group (CLI flags of ``close-contract run``)."""
    group = parser.getgroup("close", "close-contract: Close Custom Object API contract")
    add = group.addoption
    add("--close-base-url", help="API root of a live target (default: the embedded emulator).")
    add("--close-api-key", help="API key of the live target (default: $CLOSE_API_KEY).")
    add(
        "--close-other-api-key",
        help="A second organization's key, for org_isolation (default: $CLOSE_OTHER_API_KEY).",
    )
    add("--close-bearer", action="store_true", help="Send the key as a Bearer token.")
    add("--close-cassettes", type=Path, help="Replay this recording directory offline.")
    add("--close-record", type=Path, help="Record cassettes, corpus and baseline into DIR.")
    add(
        "--close-overwrite",
        action="store_true",
        help="Let --close-record replace a recording already in DIR.",
    )
    add("--close-baseline", type=Path, help="Compare the run with this baseline.")
    # No default here: a replay refuses --close-examples, so "not given" must stay visible.
    add(
        "--close-examples",
        type=int,
        help="Valid payloads per type (default 10; at most 1000 with --close-base-url, 10000 "
        "on the emulator).",
    )
    add("--close-seed", type=int, default=0, help="Seed of the generators (default 0).")
    add(
        "--close-max-inconclusive",
        type=float,
        default=0.1,
        help="Share of cases the network may leave undecided (default 0.1).",
    )
    add("--close-type-id", action="append", default=[], help="Test only these types.")
    add("--close-lead-id", help="Use this lead instead of a disposable one.")
    add("--close-schemathesis", action="store_true", help="Also run schemathesis's checks.")
    add(
        "--close-stateful-runs",
        type=int,
        help="Sequences of the stateful (model-based) phase (default 4; 0 turns it off).",
    )
    add("--close-stateful-steps", type=int, help="Operations per stateful sequence (default 15).")
    add("--close-fault", action="append", default=[], help="Embedded emulator: inject a fault.")
    add(
        "--close-workers",
        type=int,
        help="Contract cases in flight at once (default: 1 on the emulator and a replay; for "
        "a live target, what its rate limit and latency call for). Not pytest-xdist's -n: "
        "the contract runs once per session whatever -n is.",
    )
    add(
        "--close-max-rate",
        type=float,
        help="Never send more than R requests per second (the server's RateLimit budget is "
        "always kept).",
    )
    from contract.options import OPTIONS

    for o in OPTIONS:
        if o.is_flag:
            add(o.pytest_flag, action="store_true", default=None, help=o.help_text)
        else:
            add(o.pytest_flag, type=o.type, metavar=o.metavar, help=o.help_text)


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
        try:
            _config_from(config).validate()
        except ContractError as exc:
            message = _redactor(config)(with_pytest_options(str(exc)))
            raise pytest.UsageError(f"close-contract: {message}") from None

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
    """End the session now with the line ``close-contract: <message>`` (the options named
    as this plugin's) and ``returncode``, from the main process or an xdist worker alike."""
    line = _redactor(config)(f"close-contract: {with_pytest_options(message)}")
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        # The controller reads it when the worker is down (pytest_testnodedown).
        workeroutput[_ABORTED] = {"message": line, "returncode": returncode}
    pytest.exit(line, returncode=returncode)


def with_pytest_options(message: str) -> str:
    """``message`` with the CLI's option names replaced by this plugin's (``--api-key`` →
    ``--close-api-key``); names without a pytest counterpart stay as they are."""
    return _OPTION_NAME.sub(lambda m: _PYTEST_OPTIONS.get(m[0], m[0]), message)


def _config_from(pytestconfig: pytest.Config, **overrides: Any) -> Config:
    from contract.config import Config

    option = pytestconfig.getoption
    values: dict[str, Any] = {
        "base_url": option("close_base_url"),
        # CLOSE_API_KEY is the core's fallback (Config.resolved_api_key); passing it here
        # would make the embedded emulator refuse a key the user only has in the shell.
        "api_key": option("close_api_key"),
        "other_api_key": option("close_other_api_key"),
        "cassettes": option("close_cassettes"),
        "record": option("close_record"),
        "overwrite": option("close_overwrite"),
        "baseline": option("close_baseline"),
        "seed": option("close_seed"),
        "max_inconclusive": option("close_max_inconclusive"),
        "custom_object_type_ids": tuple(option("close_type_id")),
        "lead_id": option("close_lead_id"),
        "emulator_faults": tuple(option("close_fault")),
        "schemathesis": option("close_schemathesis"),
        "bearer": option("close_bearer"),
        "examples": option("close_examples"),
        "workers": option("close_workers"),
        "max_rate": option("close_max_rate"),
        "stateful_runs": option("close_stateful_runs"),
        "stateful_steps": option("close_stateful_steps"),
    }
    from contract.options import OPTIONS

    for o in OPTIONS:
        given = option(o.pytest_flag[2:].replace("-", "_"))
        if given is None and o.env in os.environ:
            given = o.parse(os.environ[o.env])
        values[o.name] = given
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
    report = RunReport()
    for event in run(config):
        report.add(event)
    return report
