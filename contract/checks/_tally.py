"""One tally of what every registered check did in a run, folded from its cases."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from contract.checks._registry import APPLIES, CHECKS

__all__ = ["CheckTally", "tally_checks"]


@dataclass(frozen=True, slots=True)
class CheckTally:
    """What one registered check did in a run: how many answers it ``judged``, and of
    those how many ``passed`` and ``failed``; ``inconclusive`` counts the answers it passed
    in cases the network decided (neither passed nor failed). ``not_run`` says why a check
    judged nothing (not selected, or no answer of the run was one it applies to)."""

    judged: int = 0
    passed: int = 0
    failed: int = 0
    inconclusive: int = 0
    not_run: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The check's entry in the JSON report's ``checks`` object."""
        return {
            "judged": self.judged,
            "passed": self.passed,
            "failed": self.failed,
            "inconclusive": self.inconclusive,
            "not_run": self.not_run,
        }


def tally_checks(
    cases: Iterable[tuple[Mapping[str, tuple[int, int]], bool]],
    enabled: Collection[str] | None,
    *,
    phases_run: Collection[str] = (),
    met: Collection[str] = (),
) -> dict[str, CheckTally]:
    """For every registered check, what it judged in ``cases``, or why it judged nothing.

    ``cases`` gives, for each case, what its checks passed and failed (as
    :attr:`~contract.events.CaseFinished.judged` holds it) and whether the case was
    inconclusive; ``enabled`` is the run's selection (None: every check). An answer a
    check passed in an inconclusive case counts as inconclusive; one it failed counts as
    failed, as its violation is reported all the same.

    A check that judged nothing says why: not selected; or what it needs (a check's
    ``requires``) when the run lacked it; or, when the run had it (``met`` names the
    requirements it met, ``phases_run`` the phases that ran cases), that the cases that
    lead to such answers stopped before one (at a violation, or an inconclusive answer).
    """
    counts: dict[str, list[int]] = {}
    for judged, inconclusive in cases:
        for name, (passed, failed) in judged.items():
            count = counts.setdefault(name, [0, 0, 0])
            count[2 if inconclusive else 0] += passed
            count[1] += failed
    tallies: dict[str, CheckTally] = {}
    for name in sorted(set(CHECKS) | set(counts)):
        passed, failed, undecided = counts.get(name, (0, 0, 0))
        judged_total = passed + failed + undecided
        why = None
        if enabled is not None and name not in enabled:
            why = "not selected"
        elif not judged_total:
            applies = APPLIES.get(name)
            had = applies is not None and (
                (bool(applies.requires) and applies.requires in met)
                or (applies.phases is not None and bool(applies.phases & set(phases_run)))
            )
            if had:
                why = (
                    "no answer of this run reached it: the cases that lead to one stopped "
                    "earlier (at a violation, or an inconclusive answer)"
                )
            else:
                what = applies.describe() if applies is not None else "any answer"
                why = f"no answer it applies to ({what})"
        tallies[name] = CheckTally(judged_total, passed, failed, undecided, why)
    return tallies
