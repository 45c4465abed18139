"""What a run is asked to do: one immutable value shared by every front door.

Its fields are also the option table. A field declared with :func:`option` is an option of
every front door: its name, type and default are the field's, and its declaration
(:class:`OptionSpec`) holds its help, the targets that accept it and, where they are not
derived from the name, its flags. :mod:`contract.options` builds the CLI's flags, the pytest
plugin's options, the ``CLOSE_*`` variables and the ``[tool.close-contract]`` keys from it.

Errors about options are :class:`OptionError`: their text names each option by its table
name in braces, and each front door writes it in its own spelling (``--max-time``,
``--close-max-time``, ``CLOSE_MAX_TIME``, ``max-time`` in pyproject.toml).
"""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
import os
import string
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from contract.baseline import (
    DEFAULT_LATENCY_FACTOR,
    DEFAULT_LATENCY_FLOOR_MS,
    Override,
    parse_overrides,
)
from contract.errors import ConfigurationError
from contract.ids import is_id
from contract.secrets import REDACTED, check_key

__all__ = [
    "ALL_TARGETS",
    "DEFAULT_CLEANUP_TIMEOUT",
    "DEFAULT_CLOCK_SKEW",
    "DEFAULT_EXAMPLES",
    "DEFAULT_LIVE_SHRINK_BUDGET",
    "DEFAULT_MAX_PAGES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_WAIT",
    "DEFAULT_RESPONSE_TIMEOUT",
    "DEFAULT_STATEFUL_RUNS",
    "DEFAULT_STATEFUL_STEPS",
    "DEFAULT_STATE_DIR",
    "MAX_EXAMPLES",
    "MAX_LIVE_EXAMPLES",
    "MAX_WORKERS",
    "OPTION",
    "TARGET_NAMES",
    "Command",
    "Config",
    "OptionError",
    "OptionSpec",
    "Spell",
    "TargetKind",
    "chosen_target",
    "env_name",
    "not_used",
    "option",
    "spell_as_names",
    "spelled",
    "target_phrase",
]

TargetKind = Literal["emulator", "live", "replay"]
Command = Literal["run", "baseline", "cleanup", "diff", "reproduce"]

ALL_TARGETS: frozenset[TargetKind] = frozenset(("emulator", "live", "replay"))
TARGET_NAMES: dict[TargetKind, str] = {
    "emulator": "the embedded emulator",
    "live": "a live target",
    "replay": "a replay",
}

_EMULATOR: frozenset[TargetKind] = frozenset(("emulator",))
_LIVE: frozenset[TargetKind] = frozenset(("live",))
_REPLAY: frozenset[TargetKind] = frozenset(("replay",))
# A replay runs exactly the cases and sequences it recorded, with their seed.
_GENERATING: frozenset[TargetKind] = frozenset(("emulator", "live"))
_RUN: frozenset[Command] = frozenset(("run",))
_RUN_AND_BASELINE: frozenset[Command] = frozenset(("run", "baseline"))
_EVERY_COMMAND: frozenset[Command] = frozenset(("run", "baseline", "cleanup", "reproduce"))
# What chooses and shapes the target: `reproduce` runs a finding again against one.
_TARGETING: frozenset[Command] = frozenset(("run", "baseline", "reproduce"))

DEFAULT_LIVE_SHRINK_BUDGET = 300
"""Requests a run on a live target may spend shrinking when ``--shrink-budget`` is not given:
a few failures shrunk to their field and value, without a run's worth of extra requests."""

DEFAULT_EXAMPLES = 10
"""Valid payloads per custom object type when ``--examples`` is not given."""

DEFAULT_CLOCK_SKEW = 600.0
"""Seconds a timestamp may be off both clocks when ``--clock-skew`` is not given."""

DEFAULT_STATEFUL_RUNS = 4
"""Sequences the stateful phase runs when ``--stateful-runs`` is not given."""

DEFAULT_STATEFUL_STEPS = 15
"""Steps (rules) per stateful sequence when ``--stateful-steps`` is not given."""

# Each valid example costs about ten requests on a live organization (two payloads: a
# create, reads, a list, an update, a delete), and Close limits each key to a few dozen
# requests per second, shared with the organization's own integrations: 1000 per type is
# already hours of traffic, and a larger number is more likely a typo than a plan.
MAX_LIVE_EXAMPLES = 1000
"""The most ``--examples`` a run against a live target (``--base-url``) accepts."""

# The embedded emulator costs no one anything, but a run keeps every case's result (about
# 24 KiB each, two cases per example and type): 10,000 is already half a gigabyte.
MAX_EXAMPLES = 10_000
"""The most ``--examples`` a run on the embedded emulator accepts."""

# Past a few dozen cases in flight a run only queues on the rate budget, and each worker
# holds a thread and a pooled connection.
MAX_WORKERS = 64
"""The most ``--workers`` a run accepts."""

# A Close answer is a few kilobytes; a full list page of instances with many custom fields
# stays under a megabyte.
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
"""Bytes of one response body (decompressed) a run reads before it gives up on the answer."""

DEFAULT_RESPONSE_TIMEOUT = 120.0
"""Seconds one response may take, from sending the request to its last byte."""

DEFAULT_MAX_WAIT = 300.0
"""The longest RateLimit/Retry-After wait a run accepts before it calls the target unreachable."""

DEFAULT_MAX_PAGES = 50
"""Pages one list walk reads (5,000 items at Close's default page size)."""

DEFAULT_CLEANUP_TIMEOUT = 600.0
"""Seconds cleanup may take (it is exempt from ``--max-time``)."""

DEFAULT_STATE_DIR = Path(".close-contract")
"""Where runs keep their journal (``--state-dir``)."""

OPTION = "close_contract.option"
"""The key of a field's metadata that holds its :class:`OptionSpec`."""

T = TypeVar("T")

Spell = Callable[[str, str], str]
"""How a front door writes an option: ``spell(name, form)``, where ``form`` is ``""`` (as
the user gave it: a flag, a variable or a key of the file), ``"flag"`` (the door's flag)
or ``"env"`` (the variable)."""


def env_name(name: str) -> str:
    """The environment variable of the option ``name``: ``CLOSE_`` and the name in capitals."""
    return "CLOSE_" + name.upper()


def spell_as_names(name: str, form: str) -> str:
    """Options as the Python API writes them: the field name (the variable for ``env``)."""
    return env_name(name) if form == "env" else name


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """How one :class:`Config` field is offered as an option (see :func:`option`).

    ``help`` may name other options as ``{name}`` (each door writes its own spelling);
    ``targets`` are the targets that use the option, ``commands`` the ``close-contract``
    commands that offer it (``required`` those that cannot do without it). ``cli`` and
    ``pytest_flag`` replace the flags derived from the name (``--max-time``,
    ``--close-max-time``); ``in_pytest`` is false for what the plugin has no use for.
    ``flag_value`` makes a choice a flag that takes no value (``--bearer`` for
    ``auth_scheme="bearer"``). ``selects`` says which target the option chooses: ``live``
    for an API root, ``replay`` for a recording, ``any`` for the one that names it.
    Reports record the option as ``report_key`` (the name by default) with the value of
    the field or of ``recorded_as``, unless ``recorded`` is false; a ``secret`` is never
    recorded, shown or read from a file. ``default_text`` is what help shows as the default
    when the value alone does not say it.
    """

    help: str
    metavar: str | None = None
    targets: frozenset[TargetKind] = ALL_TARGETS
    commands: frozenset[Command] = _RUN_AND_BASELINE
    required: frozenset[Command] = frozenset()
    cli: str | None = None
    short: str | None = None
    pytest_flag: str | None = None
    in_pytest: bool = True
    flag_value: str | None = None
    selects: TargetKind | Literal["any"] | None = None
    recorded: bool = True
    report_key: str | None = None
    recorded_as: str | None = None
    secret: bool = False
    default_text: str | None = None


def option(
    default: T,
    help: str,
    *,
    metavar: str | None = None,
    targets: Collection[TargetKind] = ALL_TARGETS,
    commands: Collection[Command] = _RUN_AND_BASELINE,
    required: Collection[Command] = (),
    cli: str | None = None,
    short: str | None = None,
    pytest_flag: str | None = None,
    in_pytest: bool = True,
    flag_value: str | None = None,
    selects: TargetKind | Literal["any"] | None = None,
    recorded: bool = True,
    report_key: str | None = None,
    recorded_as: str | None = None,
    secret: bool = False,
    default_text: str | None = None,
) -> T:
    """A :class:`Config` field that is an option of every front door (see :class:`OptionSpec`;
    ``targets``, ``commands`` and ``required`` take any collection of names).

    The field's name, type and default are the option's; nothing else needs to know it.
    """
    spec = OptionSpec(
        help,
        metavar=metavar,
        targets=frozenset(targets),
        commands=frozenset(commands),
        required=frozenset(required),
        cli=cli,
        short=short,
        pytest_flag=pytest_flag,
        in_pytest=in_pytest,
        flag_value=flag_value,
        selects=selects,
        recorded=recorded,
        report_key=report_key,
        recorded_as=recorded_as,
        secret=secret,
        default_text=default_text,
    )
    # A key never shows in the repr (see Config.__repr__).
    made: T = field(default=default, repr=not secret, metadata={OPTION: spec})
    return made


class _Spelling(string.Formatter):
    """Fills ``{name}`` and ``{name.flag}`` with an option's spelling, ``{value}`` with a
    value of the message's own (as ``str.format``, so a value is never read as a name)."""

    def __init__(self, spell: Spell, values: Mapping[str, object]) -> None:
        self._spell = spell
        self._values = values

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        name, _, form = field_name.partition(".")
        if name in self._values:
            return super().get_field(field_name, args, self._values)
        return self._spell(name, form), field_name


class OptionError(ConfigurationError):
    """A :class:`ConfigurationError` about options that names each one by its table name,
    ``{max_time}``, so that each front door shows it in its own spelling (see :data:`Spell`).

    ``{name.flag}`` is the door's flag whatever the source (for advice: "pass --base-url");
    ``{name.env}`` the variable. Other values of the message are keyword arguments, filled
    in as ``str.format`` does. ``str()`` spells options as the Python API does.
    """

    def __init__(self, template: str, **values: object) -> None:
        self.template = template
        self.values = values
        super().__init__(self.render())

    @property
    def options(self) -> tuple[str, ...]:
        """The options the message names, in order."""
        found = (
            name.partition(".")[0]
            for _, name, _, _ in string.Formatter().parse(self.template)
            if name is not None
        )
        return tuple(dict.fromkeys(n for n in found if n not in self.values))

    def render(self, spell: Spell = spell_as_names) -> str:
        """The message with each option spelled by ``spell``."""
        return spelled(self.template, spell, **self.values)


def spelled(template: str, spell: Spell, **values: object) -> str:
    """``template`` with ``{name}`` spelled by ``spell`` and ``{value}`` filled in (see
    :class:`OptionError`)."""
    return _Spelling(spell, values).format(template)


@functools.cache
def _option_fields() -> tuple[tuple[str, OptionSpec, Any], ...]:
    """Each option field of :class:`Config`: its name, declaration and default."""
    return tuple(
        (f.name, f.metadata[OPTION], f.default)
        for f in dataclasses.fields(Config)
        if OPTION in f.metadata
    )


def chosen_target(values: Mapping[str, Any]) -> tuple[TargetKind, str | None]:
    """The target ``values`` (option name -> value) choose, and the option that chose it:
    the one that names a target, else a recording's directory (a replay), else an API root
    (a live target); ``("emulator", None)`` when none is given."""
    options = _option_fields()
    for name, spec, _ in options:
        if spec.selects == "any" and values.get(name):
            kind: TargetKind = values[name]
            return kind, name
    for kind in ("replay", "live"):
        for name, spec, _ in options:
            if spec.selects == kind and values.get(name) not in (None, ""):
                return kind, name
    return "emulator", None


def target_phrase(kind: TargetKind, chooser: str | None) -> str:
    """``a replay ({cassettes})``: the target, and the option that chose it when one did."""
    name = TARGET_NAMES[kind]
    if chooser is None:
        return name
    explicit = {n: s for n, s, _ in _option_fields()}[chooser].selects == "any"
    return f"{name} ({{{chooser}}} {kind})" if explicit else f"{name} ({{{chooser}}})"


def _how_to_choose(kind: TargetKind) -> str:
    """``a live target ({base_url.flag} URL)``: a target and the flag that chooses it."""
    options = _option_fields()
    for name, spec, _ in options:
        if spec.selects == kind:
            return f"{TARGET_NAMES[kind]} ({{{name}.flag}} {spec.metavar})"
    (explicit,) = (name for name, spec, _ in options if spec.selects == "any")
    return f"{TARGET_NAMES[kind]} ({{{explicit}.flag}} {kind})"


def not_used(name: str, kind: TargetKind, chooser: str | None) -> OptionError:
    """The error for option ``name`` given to a target that would ignore it."""
    spec = {n: s for n, s, _ in _option_fields()}[name]
    kinds: tuple[TargetKind, ...] = ("emulator", "live", "replay")
    accepted = " or ".join(_how_to_choose(k) for k in kinds if k in spec.targets)
    return OptionError(
        f"{{{name}}} is not used by {target_phrase(kind, chooser)}: drop it, or use it with "
        f"{accepted}"
    )


@dataclass(frozen=True, slots=True)
class Config:
    """Options of one contract run: every option of every front door (see the module).

    With no ``base_url`` and no ``cassettes`` the run starts the embedded emulator; with a
    ``base_url`` it talks to that API root using ``api_key`` (or ``CLOSE_API_KEY``); with
    ``cassettes`` it replays a recording offline; ``target`` names one of them outright.
    Options the selected target would ignore (see :meth:`validate`) are refused rather than
    silently dropped. Its ``repr`` shows ``[REDACTED]`` for a key that is set (``pytest -l``
    and ``print(config)`` show it).
    """

    # --- The target and its credentials -------------------------------------------------
    target: TargetKind | None = option(
        None,
        "The target to test: emulator (the embedded one), live (the API root of "
        "{base_url}) or replay (the recording of {cassettes}).",
        metavar="[emulator|live|replay]",
        selects="any",
        # The report's target.kind says which target ran.
        recorded=False,
        default_text="live with {base_url}, replay with {cassettes}, else emulator",
        commands=_TARGETING,
    )
    base_url: str | None = option(
        None,
        "API root of a live target, e.g. https://api.close.com/api/v1.",
        metavar="URL",
        targets=_LIVE,
        commands=_EVERY_COMMAND,
        required=frozenset(("cleanup",)),
        selects="live",
        # The report's target.base_url holds it, without credentials.
        recorded=False,
    )
    api_key: str | None = option(
        None,
        "API key of the live target (better in {api_key.env}: ps shows a command line).",
        metavar="KEY",
        targets=_LIVE,
        commands=_EVERY_COMMAND,
        secret=True,
    )
    other_api_key: str | None = option(
        None,
        "A second organization's key, for org_isolation (better in {other_api_key.env}).",
        metavar="KEY",
        targets=_LIVE,
        secret=True,
        commands=_TARGETING,
    )
    # --- What is tested ------------------------------------------------------------------
    examples: int = option(
        DEFAULT_EXAMPLES,
        "Valid payloads per type.",
        targets=_GENERATING,
        default_text=f"{DEFAULT_EXAMPLES}; at most {MAX_LIVE_EXAMPLES} with {{base_url.flag}}, "
        f"{MAX_EXAMPLES} on the emulator",
    )
    invalid_examples: int = option(
        1, "Payloads per invalid mutation and field it targets.", targets=_GENERATING
    )
    seed: int = option(0, "Seed of the generators.", targets=_GENERATING)
    shrink: bool | None = option(
        None,
        "Shrink failures to their smallest case.",
        targets=_GENERATING,
        # Reports say whether the run shrank, whatever the default made of it.
        recorded_as="shrinking",
        default_text="on, within {shrink_budget} on a live target; off while recording",
    )
    shrink_budget: int | None = option(
        None,
        "Requests the whole run may spend shrinking failures; past them the smallest "
        "failing case found so far is reported.",
        metavar="N",
        targets=_GENERATING,
        default_text=f"{DEFAULT_LIVE_SHRINK_BUDGET} on a live target, no bound on the emulator",
    )
    schemathesis: bool = option(
        False, "Also run schemathesis's own checks on each type.", targets=_GENERATING
    )
    stateful_runs: int = option(
        DEFAULT_STATEFUL_RUNS,
        "Sequences of the stateful (model-based) phase; 0 turns it off.",
        targets=_GENERATING,
    )
    stateful_steps: int = option(
        DEFAULT_STATEFUL_STEPS, "Operations per stateful sequence.", targets=_GENERATING
    )
    # A few requests at once on the run's own lead and instance (contract.concurrency);
    # None: on wherever the run sends requests (a replay only answers what was recorded).
    concurrency: bool | None = option(
        None,
        "Send a few creates and partial updates at once and judge what they show (findings "
        "are warnings unless {fail_on_concurrency.flag}).",
        targets=_GENERATING,
        default_text="on",
    )
    fail_on_concurrency: bool = option(
        False,
        "Let the concurrency phase's findings (warnings by default) fail the run.",
        targets=_GENERATING,
    )
    custom_object_type_ids: tuple[str, ...] = option(
        (),
        "Test only these custom object types (repeat, or comma-separated).",
        cli="--custom-object-type-id",
        pytest_flag="--close-type-id",
        metavar="ID",
        default_text="every type",
    )
    # The embedded emulator starts with no lead; a replay needs the lead it recorded.
    lead_id: str | None = option(
        None,
        "Attach instances to this lead instead of a disposable one.",
        metavar="ID",
        targets=frozenset(("live", "replay")),
        default_text="a disposable lead",
        commands=_TARGETING,
    )
    # Read with the second key (GETs only), never written to; a recording keeps it, so a
    # replay needs it no more than the embedded emulator does (it has one of its own).
    other_lead_id: str | None = option(
        None,
        "A lead of the second key's organization, set aside for this: creates and PUTs "
        "naming it, its contacts and its instances must be refused "
        "(foreign_references_refused).",
        metavar="ID",
        targets=_LIVE,
        default_text="none: only the second organization's types and user are named",
        commands=_TARGETING,
    )
    # On the embedded emulator Bearer auth matters too: it answers Bearer tokens as Close does.
    auth_scheme: Literal["basic", "bearer"] = option(
        "basic",
        "Send the key as a Bearer token.",
        cli="--bearer",
        flag_value="bearer",
        targets=_GENERATING,
        commands=_EVERY_COMMAND,
    )
    # Which registered checks judge the answers (contract.checks.CHECKS names): only
    # ``checks`` when given, never ``exclude_checks``. Baseline regressions and
    # schemathesis's own findings are chosen by ``baseline`` and ``schemathesis`` instead.
    checks: tuple[str, ...] = option(
        (),
        "Run only these registered checks (repeat, or comma-separated).",
        metavar="NAMES",
        default_text="every check",
    )
    exclude_checks: tuple[str, ...] = option(
        (), "Run every registered check but these (repeat, or comma-separated).", metavar="NAMES"
    )
    # --- How the run goes ----------------------------------------------------------------
    exitfirst: bool = option(
        False,
        "Stop after the first case with a violation (cleanup still runs).",
        short="-x",
        commands=_RUN,
    )
    # The largest share of cases the network may decide (see Summary.inconclusive) before
    # the run stops claiming a verdict and exits 3.
    max_inconclusive: float = option(
        0.1,
        "Share of cases the network may leave undecided before the run exits 3.",
        metavar="SHARE",
    )
    # A proxy may set the Date header and a runner's clock may drift: a timestamp is judged
    # against both, and only a difference past this skew counts.
    clock_skew: float = option(
        DEFAULT_CLOCK_SKEW,
        "Seconds a timestamp may be ahead of (or, for a new instance, behind) both the "
        "answer's Date header and our clock before it is reported.",
        metavar="SECONDS",
        commands=_TARGETING,
    )
    # Cases run at once (each case's own requests stay in order); None: chosen for the
    # target (see ``engine.choose_workers``). The pacer keeps them within the rate budget.
    workers: int | None = option(
        None,
        "Cases in flight at once (not pytest-xdist's -n: a session runs the contract once).",
        default_text="1 on the emulator and a replay; for a live target, what its rate limit "
        "and latency call for",
    )
    # A replay sends nothing over a network: nothing to pace.
    max_rate: float | None = option(
        None,
        "Never send more than R requests per second (on top of the server's own RateLimit "
        "budget, which is always kept).",
        metavar="R",
        targets=_GENERATING,
        default_text="no cap",
        commands=_TARGETING,
    )
    # --- Recordings, baselines and reports -----------------------------------------------
    record: Path | None = option(
        None,
        "Record cassettes, corpus and baseline into DIR.",
        metavar="DIR",
        targets=_GENERATING,
        commands=_RUN,
    )
    overwrite: bool = option(
        False,
        "Let {record} replace a recording already in DIR.",
        targets=_GENERATING,
        commands=_RUN,
    )
    cassettes: Path | None = option(
        None,
        "Replay the recording in DIR offline (no network, no key).",
        metavar="DIR",
        targets=_REPLAY,
        commands=_RUN,
        selects="replay",
    )
    baseline: Path | None = option(
        None,
        "Compare the run with this baseline (a file, or a recording's DIR).",
        metavar="PATH",
        commands=_RUN,
    )
    # The gate over baseline findings (docs/baseline-rules.md): documented-layer
    # violations always fail; a baseline rule fails only at this level or above.
    fail_on: Literal["ERR", "WARN", "INFO"] = option(
        "ERR",
        "Baseline findings at this level or above fail the run and diff (ERR, WARN or INFO); "
        "every level is reported.",
        metavar="LEVEL",
        commands=frozenset(("run", "diff")),
    )
    rule_levels: tuple[str, ...] = option(
        (),
        "Give a baseline rule another level: RULE=ERR|WARN|INFO|off (repeat, or comma-separated).",
        metavar="RULE=LEVEL",
        cli="--rule-level",
        commands=frozenset(("run", "diff")),
    )
    # Answer times (contract.baseline's latency file beside the baseline): apart from the
    # contract and the shape baseline, since no two runs time alike. A replay's times are
    # the recording's, so none of these applies to one.
    latency_factor: float = option(
        DEFAULT_LATENCY_FACTOR,
        "An operation is slower when its p95 answer time grew past this many times the "
        "baseline's, and by {latency_floor_ms} too.",
        metavar="FACTOR",
        targets=_GENERATING,
        commands=_RUN,
    )
    latency_floor_ms: float = option(
        DEFAULT_LATENCY_FLOOR_MS,
        "An operation is slower only when its p95 grew by more than MS milliseconds, too.",
        metavar="MS",
        targets=_GENERATING,
        commands=_RUN,
    )
    fail_on_latency: bool = option(
        False,
        "An operation slower than the baseline's (see {latency_factor}) fails the run; "
        "without it, slower operations are reported only.",
        targets=_GENERATING,
        commands=_RUN,
    )
    max_response_time: float | None = option(
        None,
        "An answer slower than MS milliseconds is a violation (the max_response_time check).",
        metavar="MS",
        targets=_GENERATING,
        commands=_RUN,
        default_text="none: the check does not run",
    )
    baseline_out: Path | None = option(
        None,
        "Write the baseline here (a file, or DIR/baseline.json).",
        cli="--out",
        metavar="PATH",
        commands=frozenset(("baseline",)),
        required=frozenset(("baseline",)),
        in_pytest=False,
    )
    report_json: Path | None = option(
        None,
        "Write a JSON report (- for standard output).",
        metavar="FILE",
        commands=_RUN,
        in_pytest=False,
    )
    junit_xml: Path | None = option(
        None, "Write a JUnit XML report.", metavar="FILE", commands=_RUN, in_pytest=False
    )
    report_md: Path | None = option(
        None, "Write a Markdown report.", metavar="FILE", commands=_RUN, in_pytest=False
    )
    report_html: Path | None = option(
        None,
        "Write a self-contained HTML report (inline charts; no script, nothing fetched).",
        metavar="FILE",
        commands=_RUN,
        in_pytest=False,
    )
    history: Path | None = option(
        None,
        "A directory of earlier JSON reports: {report_html} then says what is new or fixed "
        "since the last run and charts violations per check across runs.",
        metavar="DIR",
        commands=_RUN,
        in_pytest=False,
    )
    # Recordings are committed and reports kept by CI: people's names, emails and phone
    # numbers in answers become stand-ins there unless this is set (contract.cassettes).
    keep_personal_data: bool = option(
        False,
        "Keep the names, emails and phone numbers of answers (me/'s, and those of leads "
        "and contacts the run did not make) in recordings and reports.",
        commands=_RUN,
    )
    # --- The embedded emulator's own switches, for demonstrations and the tests ---------
    emulator_faults: tuple[str, ...] = option(
        (),
        "Embedded emulator: inject this fault (repeat for several).",
        cli="--emulator-fault",
        pytest_flag="--close-fault",
        metavar="NAME",
        targets=_EMULATOR,
        # Its name in reports since the first report format.
        report_key="faults",
        default_text="none",
        commands=_TARGETING,
    )
    emulator_throttle: int | None = option(
        None,
        "Embedded emulator: answer 429 to every N-th request.",
        targets=_EMULATOR,
        commands=_TARGETING,
    )
    emulator_rate_limit: int | None = option(
        None,
        "Embedded emulator: enforce N requests per second per key (429 past it).",
        targets=_EMULATOR,
        default_text="none",
        commands=_TARGETING,
    )
    # --- Bounds on what a server can make the run do (docs/design.md "Bounds") ----------
    # Each default is far past what a healthy Close answer needs, so a nightly run never
    # meets one. Bytes of one response body, counted decompressed while it streams in.
    max_response_bytes: int = option(
        DEFAULT_MAX_RESPONSE_BYTES,
        "Bytes of one response body (decompressed) before the answer is given up.",
        commands=_EVERY_COMMAND,
    )
    # ``timeout`` bounds each read only: a trickle of one byte per read would never meet it.
    response_timeout: float = option(
        DEFAULT_RESPONSE_TIMEOUT,
        "Seconds one response may take, request to last byte.",
        metavar="SECONDS",
        commands=_EVERY_COMMAND,
    )
    max_wait: float = option(
        DEFAULT_MAX_WAIT,
        "Longest RateLimit/Retry-After wait accepted; past it the target counts as "
        "unreachable (exit 3).",
        metavar="SECONDS",
        commands=_EVERY_COMMAND,
    )
    max_pages: int = option(
        DEFAULT_MAX_PAGES, "Pages one list walk reads.", commands=_EVERY_COMMAND
    )
    # Refused connections and 503s are retried for every method, 502/504 for reads only,
    # each after a back-off of 0.5 s doubling per try (the last tries of the default five
    # wait 2 s and 4 s); a 429 waits for the server's reset.
    max_attempts: int = option(
        5,
        "Tries of one request that meets a refused connection, a 429, 502, 503 or 504, "
        "the first one included.",
        metavar="N",
        commands=_EVERY_COMMAND,
    )
    # None: no budget. Cleanup is exempt, bounded by ``cleanup_timeout``.
    max_time: float | None = option(
        None,
        "The run's budget in seconds: past it no case is drawn, cleanup runs and the reports "
        "are written.",
        metavar="SECONDS",
        commands=_TARGETING,
    )
    cleanup_timeout: float = option(
        DEFAULT_CLEANUP_TIMEOUT,
        "Seconds cleanup may take; it is exempt from {max_time}.",
        metavar="SECONDS",
        commands=_EVERY_COMMAND,
    )
    # Only a live run journals, but one CLOSE_STATE_DIR serves every job of a CI workflow
    # (and `cleanup`), so no target calls it ignored.
    state_dir: Path = option(
        DEFAULT_STATE_DIR,
        "Where runs journal what they create, for `close-contract cleanup`.",
        metavar="DIR",
        commands=_EVERY_COMMAND,
    )
    allow_insecure_http: bool = option(
        False,
        "Send the key over plain http:// to a host other than loopback.",
        targets=_LIVE,
        commands=_EVERY_COMMAND,
    )
    # --- The Python API's own settings (no front door offers them) ----------------------
    timeout: float = 30.0
    max_retry_sleep: float = 60.0
    emulator_throttle_reset: float = 0.0
    emulator_db: Path | None = None

    def __post_init__(self) -> None:
        # A path given as a string (Config(state_dir="ci-state"), as from a notebook) is a
        # Path like one from a front door; a tuple option given as a list is a tuple.
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str) and "Path" in str(f.type):
                object.__setattr__(self, f.name, Path(value))
            elif isinstance(value, list) and isinstance(f.default, tuple):
                object.__setattr__(self, f.name, tuple(value))

    def __repr__(self) -> str:
        # The keys' fields say whether a key was given, never which.
        def shown(f: dataclasses.Field[Any]) -> str:
            value = getattr(self, f.name)
            return repr(value) if f.repr or value is None else repr(REDACTED)

        fields = ", ".join(f"{f.name}={shown(f)}" for f in dataclasses.fields(self))
        return f"{type(self).__name__}({fields})"

    def _options(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name, _, _ in _option_fields()}

    @property
    def target_kind(self) -> TargetKind:
        """Which target the options select (see docs/design.md "Targets")."""
        return chosen_target(self._options())[0]

    @property
    def shrinking(self) -> bool:
        """Shrink failures? On by default, on a live API within a request budget (see
        :attr:`shrink_requests`), since every try costs there.

        Never while recording: a corpus must hold exactly the cases that were reported, so a
        replay reaches the same verdict without Hypothesis.
        """
        if self.record is not None or self.cassettes is not None:
            return False
        return self.shrink if self.shrink is not None else True

    @property
    def shrink_requests(self) -> int | None:
        """The requests shrinking may spend (None: no bound): ``--shrink-budget``, else
        :data:`DEFAULT_LIVE_SHRINK_BUDGET` on a live target and no bound on the emulator."""
        if self.shrink_budget is not None:
            return self.shrink_budget
        return DEFAULT_LIVE_SHRINK_BUDGET if self.target_kind == "live" else None

    @property
    def enabled_checks(self) -> frozenset[str] | None:
        """The registered checks the run applies; ``None`` when every one of them is."""
        if not self.checks and not self.exclude_checks:
            return None
        # Imported here: the registry loads jsonschema and the client, which options don't need.
        from contract.checks import CHECKS

        return frozenset(self.checks or CHECKS) - frozenset(self.exclude_checks)

    def recorded(self) -> tuple[tuple[str, Any], ...]:
        """The options a report records, by their report names, in the table's order: every
        option but the keys (and those the report shows elsewhere), paths as text."""
        pairs = []
        for name, spec, _ in _option_fields():
            if spec.recorded and not spec.secret:
                value = getattr(self, spec.recorded_as or name)
                shown = str(value) if isinstance(value, Path) else value
                pairs.append((spec.report_key or name, shown))
        return tuple(pairs)

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Config:
        """The configuration a front door's options describe, by field name.

        A ``None`` value means the option was not given, so the field keeps its default
        (and validation can tell "not given" from a given default, as ``--examples`` on a
        replay needs). The options that take several values become tuples, and each string
        among them is split at its commas (``checks="a,b"``). Unknown names are a
        :class:`ConfigurationError`.
        """
        values = {name: value for name, value in options.items() if value is not None}
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(fields))
        if unknown:
            raise ConfigurationError(f"unknown option(s): {', '.join(unknown)}")
        for name, value in values.items():
            if isinstance(fields[name].default, tuple):
                items = [value] if isinstance(value, str) else list(value)
                values[name] = tuple(
                    part.strip() for item in items for part in str(item).split(",") if part.strip()
                )
        return cls(**values)

    def resolved_api_key(self) -> str | None:
        """The key given, else ``CLOSE_API_KEY`` from the environment."""
        return self.api_key or os.environ.get(env_name("api_key")) or None

    def resolved_other_api_key(self) -> str | None:
        """The second organization's key given, else ``CLOSE_OTHER_API_KEY`` from the
        environment (where ``ps`` does not show it, unlike a command line)."""
        return self.other_api_key or os.environ.get(env_name("other_api_key")) or None

    def validate(self) -> None:
        """Raise :class:`OptionError` for options that cannot work together.

        Also refused: options the selected target would ignore (each option's ``targets``:
        emulator switches on a live or replay target, keys for the embedded emulator or a
        replay, ``examples`` for a replay...), ``examples`` past its bound, a ``record``
        directory that already holds a recording unless ``overwrite`` is set, check names
        the registry does not hold (or a selection that leaves none), ``exitfirst``
        with ``record`` or ``baseline_out``, and ``history`` without ``report_html``.
        """
        self._check_target()
        if self.examples < 1:
            raise OptionError(
                f"{{examples}} must be at least 1, got {self.examples}: it is the number of "
                "valid payloads sent per custom object type"
            )
        self._check_examples_bound()
        if not 0 <= self.max_inconclusive <= 1:
            raise OptionError(
                f"{{max_inconclusive}} must be a share between 0 and 1, got "
                f"{self.max_inconclusive}: 0.1 lets a tenth of the cases go unanswered"
            )
        if self.target_kind == "live":
            self._check_keys()
            self._check_transport()
        self._check_counts()
        self._check_bounds()
        self._check_record()
        self._check_checks()
        if self.fail_on_concurrency and self.concurrency is False:
            raise OptionError(
                "{fail_on_concurrency} has nothing to fail on with {concurrency} off: drop one"
            )
        self.rule_overrides()
        if self.target_kind == "live" and not self.resolved_api_key():
            raise OptionError(
                "no API key for {url}: pass {api_key.flag} or set {api_key.env}",
                url=self.base_url,
            )
        if self.history is not None and self.report_html is None:
            raise OptionError(
                "{history} is read only for the HTML report: add {report_html.flag} FILE, "
                "or drop {history}"
            )
        for name in ("report_json", "junit_xml", "report_md"):
            path = getattr(self, name)
            if path is not None and path.is_dir():
                raise OptionError(f"{{{name}}} {{path}} is a directory", path=path)
        for type_id in self.custom_object_type_ids:
            if not type_id.startswith("cotype_"):
                raise OptionError(
                    "{custom_object_type_ids} {value!r} is not a Custom Object Type id (they "
                    "start with 'cotype_')",
                    value=type_id,
                )
        if self.lead_id is not None and not is_id("lead", self.lead_id):
            raise OptionError(
                "{lead_id} {value!r} is not a lead id (they start with 'lead_')",
                value=self.lead_id,
            )
        self._check_other_lead()
        if not 0 <= self.clock_skew < float("inf"):
            raise OptionError(
                f"{{clock_skew}} must be a number of seconds, 0 or more, got {self.clock_skew}"
            )

    def rule_overrides(self) -> dict[str, Override]:
        """``rule_levels`` as a mapping of baseline rule to level (or ``off``); an entry
        that names no rule or no level is an :class:`OptionError`."""
        pairs: dict[str, str] = {}
        for entry in self.rule_levels:
            rule, sep, level = entry.partition("=")
            if not sep:
                raise OptionError(
                    "{rule_levels} {entry!r} is not RULE=LEVEL (e.g. response-property-added=WARN)",
                    entry=entry,
                )
            pairs[rule.strip()] = level
        try:
            return parse_overrides(pairs)
        except ConfigurationError as exc:
            raise OptionError("{rule_levels}: {problem}", problem=exc) from None

    def _check_target(self) -> None:
        """Refuse a target that cannot be, and options it would silently ignore (exit 2)."""
        options = self._options()
        kind, chooser = chosen_target(options)
        if self.target is None and self.base_url and self.cassettes is not None:
            raise OptionError(
                "{cassettes} and {base_url} exclude each other: a replay of {path} sends "
                "nothing to {url}; drop one of them, or choose with {target.flag}",
                path=self.cassettes,
                url=self.base_url,
            )
        if self.target == "live" and not self.base_url:
            raise OptionError("{target} live needs {base_url.flag} URL: the API root to test")
        if self.target == "replay" and self.cassettes is None:
            raise OptionError("{target} replay needs {cassettes.flag} DIR: the recording")
        for name, spec, default in _option_fields():
            if kind not in spec.targets and options[name] != default:
                raise not_used(name, kind, chooser)
        if kind != "emulator" and self.emulator_db is not None:
            raise ConfigurationError(
                f"emulator_db applies only to the embedded emulator, not to "
                f"{TARGET_NAMES[kind]}: drop it"
            )

    def _check_keys(self) -> None:
        """Refuse keys that would leak or test nothing: unprintable, too short, or the
        same key twice (isolation from oneself holds trivially)."""
        key, other = self.resolved_api_key(), self.resolved_other_api_key()
        for name, given in (("api_key", key), ("other_api_key", other)):
            if given is not None:
                _check_key(given, name)
        if key is not None and key == other:
            raise OptionError(
                "{other_api_key} is the same key as {api_key}: org_isolation needs a key of "
                "a second organization; pass one, or leave it out (org_isolation then shows "
                "as not run)"
            )

    def _check_other_lead(self) -> None:
        """Refuse an ``other_lead_id`` that is no lead id, or that comes without a second
        key to read it with."""
        lead = self.other_lead_id
        if lead is None:
            return
        if not is_id("lead", lead):
            raise OptionError(
                "{other_lead_id} {value!r} is not a lead id (they start with 'lead_')",
                value=lead,
            )
        if self.target_kind == "live" and not self.resolved_other_api_key():
            raise OptionError(
                "{other_lead_id} names a lead of the second organization, which only its key "
                "reads: pass {other_api_key.flag} or set {other_api_key.env}, or drop "
                "{other_lead_id}"
            )

    def _check_transport(self) -> None:
        """Refuse to send a key in clear (plain http://) beyond this machine, unless
        ``allow_insecure_http`` says so."""
        if self.base_url is None or self.allow_insecure_http:
            return
        parts = urlsplit(self.base_url.strip())
        if parts.scheme.lower() != "http" or _loopback(parts.hostname):
            return
        raise OptionError(
            "{base_url} {url} is plain http:// to a host other than this machine: the key "
            "would cross the network in clear; use https://, or pass "
            "{allow_insecure_http.flag} ({allow_insecure_http.env}=1) if the network is yours",
            url=f"{parts.scheme}://{parts.hostname}{parts.path}",
        )

    def _check_counts(self) -> None:
        """Refuse counts and rates that could not run anything."""
        if self.workers is not None and not 1 <= self.workers <= MAX_WORKERS:
            raise OptionError(
                f"{{workers}} must be between 1 and {MAX_WORKERS}, got {self.workers}: it is "
                "the number of cases in flight at once"
            )
        if self.max_rate is not None and not (0 < self.max_rate < float("inf")):
            raise OptionError(
                f"{{max_rate}} must be a positive number of requests per second, got "
                f"{self.max_rate}"
            )
        for name, floor, why in (
            ("stateful_runs", 0, ": 0 turns the stateful phase off"),
            ("stateful_steps", 1, ""),
            ("invalid_examples", 1, ""),
            ("emulator_throttle", 1, ""),
            ("emulator_rate_limit", 1, ""),
        ):
            value = getattr(self, name)
            if value is not None and value < floor:
                raise OptionError(f"{{{name}}} must be at least {floor}, got {value}{why}")

    def _check_bounds(self) -> None:
        """Refuse bounds that could never be met or would bound nothing."""
        for name, floor in (("max_response_bytes", 1024), ("max_pages", 1), ("max_attempts", 1)):
            value = getattr(self, name)
            if value < floor:
                raise OptionError(f"{{{name}}} must be at least {floor}, got {value}")
        for name in ("response_timeout", "max_wait", "max_time", "cleanup_timeout"):
            seconds = getattr(self, name)
            if seconds is not None and not 0 < seconds < float("inf"):
                raise OptionError(f"{{{name}}} must be a positive number of seconds, got {seconds}")
        self._check_latency()

    def _check_latency(self) -> None:
        """Refuse a latency rule that would flag every run, or none."""
        if not 1 <= self.latency_factor < float("inf"):
            raise OptionError(
                f"{{latency_factor}} must be a number of at least 1, got {self.latency_factor}: "
                "2 flags an operation whose p95 answer time more than doubled"
            )
        if not 0 <= self.latency_floor_ms < float("inf"):
            raise OptionError(
                f"{{latency_floor_ms}} must be a number of milliseconds of at least 0, got "
                f"{self.latency_floor_ms}"
            )
        limit = self.max_response_time
        if limit is not None and not 0 < limit < float("inf"):
            raise OptionError(
                f"{{max_response_time}} must be a positive number of milliseconds, got {limit}"
            )

    def _check_examples_bound(self) -> None:
        live = self.target_kind == "live"
        bound = MAX_LIVE_EXAMPLES if live else MAX_EXAMPLES
        if self.examples > bound:
            why = (
                "each example costs about ten requests on the organization, so that many "
                "would take hours under Close's rate limit"
                if live
                else "a run keeps every case's result in memory"
            )
            raise OptionError(
                f"{{examples}} must be at most {bound} "
                f"{'against a live target' if live else 'on the embedded emulator'}, "
                f"got {self.examples}: {why}; pass a smaller {{examples.flag}}"
            )

    def _check_checks(self) -> None:
        """Refuse check names the registry does not hold, a selection that leaves no check,
        and ``exitfirst`` where a partial run would be written down as a whole one."""
        from contract.checks import CHECKS

        for option_name in ("checks", "exclude_checks"):
            for name in getattr(self, option_name):
                if name not in CHECKS:
                    raise OptionError(
                        f"{{{option_name}}}: {{name!r}} is not a check; the checks are {{known}}",
                        name=name,
                        known=", ".join(sorted(CHECKS)),
                    )
        if self.enabled_checks == frozenset():
            raise OptionError(
                "{checks} and {exclude_checks} leave no check to run: exclude fewer checks"
            )
        if self.exitfirst:
            for name in ("record", "baseline_out"):
                if getattr(self, name) is not None:
                    raise OptionError(
                        f"{{exitfirst}} cannot be combined with {{{name}}}: a run that stops "
                        "at its first violation would write down only part of what the "
                        "target does; drop {exitfirst.flag}"
                    )

    def _check_record(self) -> None:
        """Refuse what a recording could not hold, and to record over an existing recording
        unless ``overwrite`` says so."""
        if self.record is None:
            if self.overwrite:
                raise OptionError(
                    "{overwrite} only applies to {record}: pass the directory to record into"
                )
            return
        if self.shrink:
            raise OptionError(
                "{shrink} cannot be recorded: a recording holds exactly the cases that were "
                "reported, unshrunk, so that its replay reaches the same verdict; drop {shrink}"
            )
        if self.schemathesis:
            raise OptionError(
                "{schemathesis} cannot be recorded: schemathesis generates its own requests, "
                "which a replay could not answer; drop {schemathesis} or {record}"
            )
        from contract.cassettes import recording_files

        if self.record.exists() and not self.record.is_dir():
            raise OptionError(
                "{record} {path} is a file, not a directory: record into a new or an empty "
                "directory",
                path=self.record,
            )
        held = recording_files(self.record)
        if held and not self.overwrite:
            raise OptionError(
                "{record} {path} already holds a recording ({files}): pass "
                "{overwrite.flag} to replace it, or record into a new directory",
                path=self.record,
                files=", ".join(p.name for p in held),
            )


def _check_key(key: str, name: str) -> None:
    """:func:`contract.secrets.check_key`, its message naming the option ``name``."""
    marker = "\x00"
    try:
        check_key(key, f"{marker}{name}{marker}")
    except ConfigurationError as exc:
        text = str(exc).replace("{", "{{").replace("}", "}}")
        raise OptionError(text.replace(f"{marker}{name}{marker}", f"{{{name}}}")) from None


def _loopback(host: str | None) -> bool:
    """Whether ``host`` names this machine: ``localhost``, 127.0.0.0/8 or ``::1``."""
    if host is None:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
