"""The run's answer times: sampled per operation, compared with the latency baseline beside
``--baseline``, written beside the baseline a run records.

Kept apart from the contract and the shape baseline (see :mod:`contract.baseline`): a
slower operation is reported by a :class:`~contract.events.LatencyCompared` event, and is
a violation (``latency_regression``, in a ``latency`` phase of its own) only with
``--fail-on-latency``. A replay's answer times are the recording's, not the target's: a
replay neither samples, compares nor writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from contract.baseline import (
    MIN_SAMPLES,
    LatencyBaseline,
    LatencySampler,
    compare_latency,
    latency_file,
    write_latency,
)
from contract.client import Exchange
from contract.config import Config
from contract.errors import ContractViolation
from contract.events import Event, LatencyCompared, PhaseFinished, PhaseStarted
from contract.session import Outcome
from contract.totals import Totals

__all__ = ["LATENCY_CHECK", "compared_latency", "latency_phase", "timer", "write_latencies"]

LATENCY_CHECK = "latency_regression"
"""The check name of a slower operation's violation (with ``--fail-on-latency``)."""

_REPLAY = "a replay's answer times are the recording's, not the target's"


def timer(sampler: LatencySampler) -> Callable[[Exchange, str], None]:
    """A session observer that times each answer the run's own key got for ``sampler``.

    Left out: requests without the run's credentials (auth probes, a malformed header of
    the case's own), another organization's (``isolation:`` kinds) and answers to a repeat
    of an unanswered attempt, whose time says nothing of the operation.
    """

    def observe(exchange: Exchange, kind: str) -> None:
        if exchange.auth is None or kind.startswith("isolation:") or exchange.may_have_repeated:
            return
        sampler.observe(exchange.method, exchange.path, exchange.elapsed)

    return observe


def compared_latency(
    config: Config, latency: LatencyBaseline | None, sampler: LatencySampler, *, replay: bool
) -> LatencyCompared:
    """The comparison of the run's answer times with ``latency`` (the file beside
    ``config.baseline``; ``None`` when there is none), by the run's factor and floor."""
    where = str(latency_file(config.baseline)) if config.baseline is not None else ""
    compared = LatencyCompared(
        where, config.latency_factor, config.latency_floor_ms, fails=config.fail_on_latency
    )
    if replay:
        return _with_note(compared, _REPLAY)
    if latency is None:
        return _with_note(
            compared,
            f"no latency baseline beside {config.baseline} (record one with close-contract "
            "baseline --out FILE or run --record DIR)",
        )
    changes = compare_latency(
        latency,
        sampler.percentiles(),
        factor=config.latency_factor,
        floor_ms=config.latency_floor_ms,
    )
    return LatencyCompared(
        compared.baseline, compared.factor, compared.floor_ms, compared.fails, changes
    )


def _with_note(compared: LatencyCompared, note: str) -> LatencyCompared:
    return LatencyCompared(
        compared.baseline, compared.factor, compared.floor_ms, compared.fails, note=note
    )


def latency_phase(compared: LatencyCompared, tally: Totals) -> Iterator[Event]:
    """The comparison's event, then (with ``--fail-on-latency``, when anything was
    compared) a ``latency`` phase whose one case holds a violation per slower operation."""
    yield compared
    if not compared.fails or compared.note is not None:
        return
    yield PhaseStarted("latency", 1)
    outcome = Outcome("latency", f"compared with {compared.baseline}", None, None)
    outcome.violations.extend(_violation(compared, c.line) for c in compared.slower)
    yield tally.add(outcome.event())
    yield PhaseFinished("latency")


def _violation(compared: LatencyCompared, line: str) -> ContractViolation:
    return ContractViolation(
        check=LATENCY_CHECK,
        title=f"slower than the latency baseline: {line}",
        message=(
            f"The operation's 95th percentile answer time grew past x{compared.factor:g} the "
            f"baseline's and by more than {compared.floor_ms:g} ms ({compared.baseline}, at "
            f"least {MIN_SAMPLES} answers on each side). Close documents no response time: "
            "this is a regression against the recorded run, failing because "
            "--fail-on-latency was given."
        ),
    )


def write_latencies(
    config: Config, sampler: LatencySampler, target: str, workers: int
) -> tuple[Path, ...]:
    """Write the run's answer times beside each baseline it writes (``--record``,
    ``baseline --out``). Never called for a replay."""
    latency = sampler.build(target, workers=workers)
    return tuple(
        write_latency(path, latency)
        for path in (config.record, config.baseline_out)
        if path is not None
    )
