"""What a run is asked to do: one immutable value shared by every front door."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from contract.errors import ConfigurationError
from contract.ids import is_id
from contract.secrets import REDACTED, check_key

__all__ = [
    "Config",
    "DEFAULT_CLEANUP_TIMEOUT",
    "DEFAULT_EXAMPLES",
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
    "TargetKind",
]

TargetKind = Literal["emulator", "live", "replay"]


DEFAULT_EXAMPLES = 10
"""Valid payloads per custom object type when ``--examples`` is not given."""

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


# Where each key comes from, as messages name it.
_API_KEY = "--api-key (or CLOSE_API_KEY)"
_OTHER_API_KEY = "--other-api-key (or CLOSE_OTHER_API_KEY)"


@dataclass(frozen=True, slots=True)
class Config:
    """Options of one contract run (the CLI flags of ``close-contract run``).

    With no ``base_url`` and no ``cassettes`` the run starts the embedded emulator; with a
    ``base_url`` it talks to that API root using ``api_key`` (or ``CLOSE_API_KEY``); with
    ``cassettes`` it replays a recording offline. Options the selected target would ignore
    (see :meth:`validate`) are refused rather than silently dropped. Its ``repr`` shows
    ``[REDACTED]`` for a key that is set (``pytest -l`` and ``print(config)`` show it).
    """

    base_url: str | None = None
    # Never in the repr: see __repr__.
    api_key: str | None = field(default=None, repr=False)
    other_api_key: str | None = field(default=None, repr=False)
    auth_scheme: Literal["basic", "bearer"] = "basic"
    custom_object_type_ids: tuple[str, ...] = ()
    lead_id: str | None = None
    examples: int = DEFAULT_EXAMPLES
    invalid_examples: int = 1
    seed: int = 0
    shrink: bool | None = None
    schemathesis: bool = False
    record: Path | None = None
    overwrite: bool = False
    cassettes: Path | None = None
    baseline: Path | None = None
    baseline_out: Path | None = None
    report_json: Path | None = None
    junit_xml: Path | None = None
    report_md: Path | None = None
    timeout: float = 30.0
    max_attempts: int = 5
    max_retry_sleep: float = 60.0
    # The largest share of cases the network may decide (see Summary.inconclusive) before
    # the run stops claiming a verdict and exits 3.
    max_inconclusive: float = 0.1
    # The embedded emulator's own switches, for demonstrations and the toolkit's tests.
    emulator_faults: tuple[str, ...] = ()
    emulator_throttle: int | None = None
    emulator_throttle_reset: float = 0.0
    emulator_db: Path | None = None
    # Which registered checks judge the answers (contract.checks.CHECKS names): only
    # ``checks`` when given, never ``exclude_checks``. Baseline regressions and
    # schemathesis's own findings are chosen by ``baseline`` and ``schemathesis`` instead.
    checks: tuple[str, ...] = ()
    exclude_checks: tuple[str, ...] = ()
    # Stop after the first case with a violation (cleanup still runs).
    exitfirst: bool = False
    # Cases run at once (each case's own requests stay in order); None: chosen for the
    # target (see ``engine.choose_workers``). The pacer keeps them within the rate budget.
    workers: int | None = None
    # Requests per second the run never exceeds, whatever the server's budget allows.
    max_rate: float | None = None
    # The embedded emulator's enforced rate limit (requests per second per key).
    emulator_rate_limit: int | None = None
    # The stateful phase: machine runs (0 turns it off) and steps per run.
    stateful_runs: int = DEFAULT_STATEFUL_RUNS
    stateful_steps: int = DEFAULT_STATEFUL_STEPS
    # Bounds on what a server can make the run do (docs/design.md "Bounds"). Each default
    # is far past what a healthy Close answer needs, so a nightly run never meets one.
    # Bytes of one response body, counted decompressed while it streams in.
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    # Seconds one response may take from the request to its last byte (``timeout`` bounds
    # each read only: a trickle of one byte per read would never meet it).
    response_timeout: float = DEFAULT_RESPONSE_TIMEOUT
    # The longest wait a RateLimit or Retry-After answer may ask for; past it the target
    # counts as unreachable (exit 3).
    max_wait: float = DEFAULT_MAX_WAIT
    # Pages one list walk reads before it stops (with a warning).
    max_pages: int = DEFAULT_MAX_PAGES
    # The run's budget in seconds: reaching it stops drawing cases, cleans up and writes
    # the reports (None: no budget). Cleanup is exempt, bounded by ``cleanup_timeout``.
    max_time: float | None = None
    cleanup_timeout: float = DEFAULT_CLEANUP_TIMEOUT
    # Where runs journal what they create, for ``close-contract cleanup`` after a hard kill.
    state_dir: Path = DEFAULT_STATE_DIR
    # Send the key over plain http:// to a host other than loopback.
    allow_insecure_http: bool = False

    def __repr__(self) -> str:
        # The keys' fields say whether a key was given, never which.
        def shown(f: dataclasses.Field[Any]) -> str:
            value = getattr(self, f.name)
            return repr(value) if f.repr or value is None else repr(REDACTED)

        fields = ", ".join(f"{f.name}={shown(f)}" for f in dataclasses.fields(self))
        return f"{type(self).__name__}({fields})"

    @property
    def target_kind(self) -> TargetKind:
        """Which target the options select (see docs/design.md "Targets")."""
        if self.cassettes is not None:
            return "replay"
        return "live" if self.base_url else "emulator"

    @property
    def shrinking(self) -> bool:
        """Shrink failures? On by default on the emulator only: on a live API every try costs.

        Never while recording: a corpus must hold exactly the cases that were reported, so a
        replay reaches the same verdict without Hypothesis.
        """
        if self.record is not None or self.cassettes is not None:
            return False
        return self.shrink if self.shrink is not None else self.target_kind == "emulator"

    @property
    def enabled_checks(self) -> frozenset[str] | None:
        """The registered checks the run applies; ``None`` when every one of them is."""
        if not self.checks and not self.exclude_checks:
            return None
        # Imported here: the registry loads jsonschema and the client, which options don't need.
        from contract.checks import CHECKS

        return frozenset(self.checks or CHECKS) - frozenset(self.exclude_checks)

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Config:
        """The configuration a front door's options describe, by field name.

        A ``None`` value means the option was not given, so the field keeps its default
        (and validation can tell "not given" from a given default, as ``--examples`` on a
        replay needs); ``bearer=True`` selects Bearer auth; sequences become tuples, and
        ``checks`` or ``exclude_checks`` given as one string are split at its commas.
        Unknown names are a :class:`ConfigurationError`.
        """
        values = {name: value for name, value in options.items() if value is not None}
        if values.pop("bearer", False):
            values["auth_scheme"] = "bearer"
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigurationError(f"unknown option(s): {', '.join(unknown)}")
        for name in ("custom_object_type_ids", "emulator_faults"):
            if name in values:
                values[name] = tuple(values[name])
        for name in ("checks", "exclude_checks"):
            if isinstance(values.get(name), str):
                values[name] = tuple(n.strip() for n in values[name].split(",") if n.strip())
            elif name in values:
                values[name] = tuple(values[name])
        return cls(**values)

    def resolved_api_key(self) -> str | None:
        """The key given, else ``CLOSE_API_KEY`` from the environment."""
        return self.api_key or os.environ.get("CLOSE_API_KEY") or None

    def resolved_other_api_key(self) -> str | None:
        """The second organization's key given, else ``CLOSE_OTHER_API_KEY`` from the
        environment (where ``ps`` does not show it, unlike a command line)."""
        return self.other_api_key or os.environ.get("CLOSE_OTHER_API_KEY") or None

    def validate(self) -> None:
        """Raise :class:`ConfigurationError` for options that cannot work together.

        Also refused: options the selected target would ignore (emulator switches on a live
        or replay target, keys for the embedded emulator or a replay, ``examples`` for a
        replay), ``examples`` past its bound, a ``record`` directory that already holds
        a recording unless ``overwrite`` is set, check names the registry does not hold
        (or a selection that leaves none), and ``exitfirst`` with ``record`` or
        ``baseline_out``.
        """
        if self.examples < 1:
            raise ConfigurationError(
                f"--examples must be at least 1, got {self.examples}: it is the number of "
                "valid payloads sent per custom object type"
            )
        self._check_examples_bound()
        if not 0 <= self.max_inconclusive <= 1:
            raise ConfigurationError(
                f"--max-inconclusive must be a share between 0 and 1, got "
                f"{self.max_inconclusive}: 0.1 lets a tenth of the cases go unanswered"
            )
        if self.target_kind == "live":
            self._check_keys()
            self._check_transport()
        if self.workers is not None and not 1 <= self.workers <= MAX_WORKERS:
            raise ConfigurationError(
                f"--workers must be between 1 and {MAX_WORKERS}, got {self.workers}: it is "
                "the number of cases in flight at once"
            )
        if self.max_rate is not None and not (0 < self.max_rate < float("inf")):
            raise ConfigurationError(
                f"--max-rate must be a positive number of requests per second, got {self.max_rate}"
            )
        if self.stateful_runs < 0 or self.stateful_steps < 1:
            raise ConfigurationError(
                f"--stateful-runs must be at least 0 and --stateful-steps at least 1, got "
                f"{self.stateful_runs} and {self.stateful_steps}: 0 runs turns the phase off"
            )
        if self.target_kind == "replay" and (
            self.stateful_runs,
            self.stateful_steps,
        ) != (DEFAULT_STATEFUL_RUNS, DEFAULT_STATEFUL_STEPS):
            raise ConfigurationError(
                "--stateful-runs and --stateful-steps have no effect on a replay: it runs "
                "exactly the sequences it recorded; drop them"
            )
        self._check_bounds()
        if self.invalid_examples < 1:
            raise ConfigurationError(
                f"invalid_examples must be at least 1, got {self.invalid_examples}"
            )
        if self.record is not None and self.cassettes is not None:
            raise ConfigurationError(
                "--record and --cassettes exclude each other: record a new cassette "
                "directory, or replay an existing one"
            )
        self._check_target_options()
        self._check_record()
        self._check_checks()
        if self.schemathesis and (self.record is not None or self.cassettes is not None):
            raise ConfigurationError(
                "--schemathesis cannot be recorded or replayed: schemathesis generates its own "
                "requests; run it against the emulator or a live target"
            )
        if self.target_kind == "live" and not self.resolved_api_key():
            raise ConfigurationError(
                f"no API key for {self.base_url}: pass --api-key or set CLOSE_API_KEY"
            )
        for name in ("report_json", "junit_xml", "report_md", "baseline"):
            path = getattr(self, name)
            if path is not None and name != "baseline" and path.is_dir():
                raise ConfigurationError(f"--{name.replace('_', '-')} {path} is a directory")
        for type_id in self.custom_object_type_ids:
            if not type_id.startswith("cotype_"):
                raise ConfigurationError(
                    f"--custom-object-type-id {type_id!r} is not a Custom Object Type id "
                    "(they start with 'cotype_')"
                )
        if self.lead_id is not None and not is_id("lead", self.lead_id):
            raise ConfigurationError(
                f"--lead-id {self.lead_id!r} is not a lead id (they start with 'lead_')"
            )

    def _check_keys(self) -> None:
        """Refuse keys that would leak or test nothing: unprintable, too short, or the
        same key twice (isolation from oneself holds trivially)."""
        key, other = self.resolved_api_key(), self.resolved_other_api_key()
        for what, given in ((_API_KEY, key), (_OTHER_API_KEY, other)):
            if given is not None:
                check_key(given, what)
        if key is not None and key == other:
            raise ConfigurationError(
                f"{_OTHER_API_KEY} is the same key as {_API_KEY}: org_isolation needs a key "
                "of a second organization; pass one, or leave it out (org_isolation then "
                "shows as not run)"
            )

    def _check_transport(self) -> None:
        """Refuse to send a key in clear (plain http://) beyond this machine, unless
        ``allow_insecure_http`` says so."""
        if self.base_url is None or self.allow_insecure_http:
            return
        parts = urlsplit(self.base_url.strip())
        if parts.scheme.lower() != "http" or _loopback(parts.hostname):
            return
        raise ConfigurationError(
            f"--base-url {parts.scheme}://{parts.hostname}{parts.path} is plain http:// to a "
            "host other than this machine: the key would cross the network in clear; use "
            "https://, or pass --allow-insecure-http (CLOSE_ALLOW_INSECURE_HTTP=1) if the "
            "network is yours"
        )

    def _check_bounds(self) -> None:
        """Refuse bounds that could never be met or would bound nothing."""
        for option, value, floor in (
            ("--max-response-bytes", self.max_response_bytes, 1024),
            ("--max-pages", self.max_pages, 1),
        ):
            if value < floor:
                raise ConfigurationError(f"{option} must be at least {floor}, got {value}")
        for option, seconds in (
            ("--response-timeout", self.response_timeout),
            ("--max-wait", self.max_wait),
            ("--max-time", self.max_time),
            ("--cleanup-timeout", self.cleanup_timeout),
        ):
            if seconds is not None and not 0 < seconds < float("inf"):
                raise ConfigurationError(
                    f"{option} must be a positive number of seconds, got {seconds}"
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
            raise ConfigurationError(
                f"--examples must be at most {bound} "
                f"{'against a live target' if live else 'on the embedded emulator'}, "
                f"got {self.examples}: {why}; pass a smaller --examples"
            )

    def _check_target_options(self) -> None:
        """Refuse options the selected target would silently ignore (docs/design.md: exit 2)."""
        kind = self.target_kind
        if self.cassettes is not None and self.base_url:
            raise ConfigurationError(
                f"--cassettes and --base-url exclude each other: a replay of {self.cassettes} "
                f"sends nothing to {self.base_url}; drop --base-url to replay, or drop "
                "--cassettes to test the live target"
            )
        if kind != "emulator":
            switches = [
                option
                for option, given in (
                    ("--emulator-fault", bool(self.emulator_faults)),
                    ("--emulator-throttle", self.emulator_throttle is not None),
                    ("--emulator-rate-limit", self.emulator_rate_limit is not None),
                    ("emulator_db", self.emulator_db is not None),
                )
                if given
            ]
            if switches:
                target = "--cassettes (a replay)" if kind == "replay" else "--base-url"
                raise ConfigurationError(
                    f"{switches[0]} applies only to the embedded emulator, not to {target}: "
                    "drop it, or run without --base-url and --cassettes"
                )
        if kind != "live":
            # CLOSE_API_KEY from the environment is not refused: people keep it in their
            # shell, and only an explicit option says the user expects it to be used.
            keys = [
                option
                for option, given in (
                    ("--api-key", self.api_key),
                    ("--other-api-key", self.other_api_key),
                )
                if given
            ]
            # On the embedded emulator --bearer does matter: it answers Bearer tokens too.
            if kind == "replay" and self.auth_scheme == "bearer":
                keys.append("--bearer")
            if keys:
                if kind == "emulator":
                    why = (
                        "is not used by the embedded emulator (it has its own keys): drop "
                        "it, or pass --base-url URL to test a server with your key"
                    )
                else:
                    why = (
                        f"is not used by a replay (--cassettes {self.cassettes} sends nothing "
                        "and its recording holds no credentials): drop it"
                    )
                raise ConfigurationError(f"{keys[0]} {why}")
        if kind == "replay":
            if self.examples != DEFAULT_EXAMPLES:
                raise ConfigurationError(
                    f"--examples {self.examples} has no effect on a replay: --cassettes "
                    f"{self.cassettes} runs exactly the cases it recorded; drop --examples, "
                    "or record again with the number you want"
                )
            if self.shrink:
                raise ConfigurationError(
                    "--shrink has no effect on a replay: it runs exactly the recorded cases; "
                    "drop --shrink"
                )
        if self.record is not None and self.shrink:
            raise ConfigurationError(
                "--shrink cannot be recorded: a recording holds exactly the cases that were "
                "reported, unshrunk, so that its replay reaches the same verdict; drop --shrink"
            )

    def _check_checks(self) -> None:
        """Refuse check names the registry does not hold, a selection that leaves no check,
        and ``exitfirst`` where a partial run would be written down as a whole one."""
        from contract.checks import CHECKS

        for option, names in (("--checks", self.checks), ("--exclude-checks", self.exclude_checks)):
            for name in names:
                if name not in CHECKS:
                    raise ConfigurationError(
                        f"{option}: {name!r} is not a check; the checks are "
                        f"{', '.join(sorted(CHECKS))}"
                    )
        if self.enabled_checks == frozenset():
            raise ConfigurationError(
                "--checks and --exclude-checks leave no check to run: exclude fewer checks"
            )
        if self.exitfirst:
            for option, given in (("--record", self.record), ("--out", self.baseline_out)):
                if given is not None:
                    raise ConfigurationError(
                        f"-x/--exitfirst cannot be combined with {option}: a run that stops "
                        "at its first violation would write down only part of what the "
                        "target does; drop -x"
                    )

    def _check_record(self) -> None:
        """Refuse to record over an existing recording unless ``overwrite`` says so."""
        if self.record is None:
            if self.overwrite:
                raise ConfigurationError(
                    "--overwrite only applies to --record DIR: pass the directory to record into"
                )
            return
        from contract.cassettes import recording_files

        if self.record.exists() and not self.record.is_dir():
            raise ConfigurationError(
                f"--record {self.record} is a file, not a directory: record into a new or "
                "an empty directory"
            )
        held = recording_files(self.record)
        if held and not self.overwrite:
            raise ConfigurationError(
                f"--record {self.record} already holds a recording "
                f"({', '.join(p.name for p in held)}): pass --overwrite to replace it, or "
                "record into a new directory"
            )


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
