"""Run one finding of a report again, against any target, and say whether it still shows."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from contract.config import Config
from contract.engine import run
from contract.errors import ConfigurationError, ContractViolation
from contract.events import Event, RunFinished
from contract.reports import fingerprint
from contract.reproduce._finding import Finding, ReportFile
from contract.reproduce._pinned import Pinned

__all__ = ["Reproduction", "reproduce", "reproduction_config"]

# Phases whose findings timing decides (concurrency, answer times): no one case or
# sequence shows them again on demand.
_TIMED = frozenset({"concurrency", "latency"})


@dataclass(frozen=True, slots=True)
class Reproduction:
    """What running a finding again showed: ``same`` the violations of its root cause
    (empty: not reproduced), ``others`` those of other root causes, ``left_behind`` what
    cleanup could not delete."""

    finding: Finding
    same: tuple[ContractViolation, ...]
    others: tuple[ContractViolation, ...]
    requests: int
    left_behind: int

    @property
    def reproduced(self) -> bool:
        return bool(self.same)

    @property
    def exit_code(self) -> int:
        """1 when the finding showed again, else 0 (as a run: 1 means broken)."""
        return 1 if self.reproduced else 0


def reproduction_config(config: Config, report: ReportFile, finding: Finding) -> Config:
    """``config`` (the target the user chose, or none) narrowed to what the finding needs.

    Without a target of the user's, the finding's own: the live API root the report names
    (the key from ``CLOSE_API_KEY``), or the embedded emulator with the report's faults.
    """
    if finding.phase == "baseline":
        raise ConfigurationError(
            f"finding #{finding.number} is a difference from a baseline: run the contract "
            "again with the same --baseline to see whether it still shows"
        )
    if finding.phase in _TIMED:
        raise ConfigurationError(
            f"finding #{finding.number} is of the {finding.phase} phase, whose answers "
            "timing decides: run the contract again to see whether it still shows"
        )
    if finding.phase == "stateful" and finding.sequence is None:
        raise ConfigurationError(
            f"finding #{finding.number} is of a stateful sequence whose steps the report "
            "does not hold (an earlier close-contract wrote it): run the contract again"
        )
    options = report.options
    chosen = config.target is not None or config.base_url is not None
    changes: dict[str, object] = {}
    if not chosen:
        if report.target_kind == "live" and report.base_url:
            changes["base_url"] = report.base_url
        elif report.target_kind == "replay":
            raise ConfigurationError(
                f"finding #{finding.number} came from a replay, which sends nothing new: "
                "give a target to run it against (--base-url URL, or --target emulator)"
            )
        elif report.target_kind == "emulator" and not config.emulator_faults:
            changes["emulator_faults"] = tuple(options.get("faults") or ())
    sequence = finding.sequence
    types = options.get("custom_object_type_ids") or ()
    if finding.type_id and sequence is None:
        types = (finding.type_id,)
    return dataclasses.replace(
        config,
        **changes,  # type: ignore[arg-type]
        seed=report.seed,
        examples=1,
        invalid_examples=1,
        shrink=False,
        workers=1,
        stateful_runs=1 if sequence is not None else 0,
        schemathesis=finding.phase == "schemathesis",
        custom_object_type_ids=tuple(types),
        checks=tuple(options.get("checks") or ()),
        exclude_checks=tuple(options.get("exclude_checks") or ()),
    )


def reproduce(
    config: Config, finding: Finding, on_event: Callable[[Event], None] = lambda _: None
) -> Reproduction:
    """Run ``finding`` again under ``config`` (see :func:`reproduction_config`).

    The run is a run: a fresh token, its own lead and references (the earlier run's were
    deleted), ownership proven before any write, a journal on a live target, and
    cleanup whatever ends it. Then only the finding's case (or sequence) is sent, with the
    earlier ids translated to the new ones. Errors are a run's: exit 2 or 3.
    """
    finished: RunFinished | None = None
    for event in _events(config, finding):
        on_event(event)
        if isinstance(event, RunFinished):
            finished = event
    if finished is None:  # pragma: no cover - run() always ends with RunFinished
        raise RuntimeError("the run ended without its summary")
    same = tuple(v for v in finished.violations if fingerprint(v) == finding.fingerprint)
    others = tuple(v for v in finished.violations if fingerprint(v) != finding.fingerprint)
    summary = finished.summary
    return Reproduction(finding, same, others, summary.requests, summary.left_behind)


def _events(config: Config, finding: Finding) -> Iterator[Event]:
    return run(config, focus=Pinned(finding, config.seed))
