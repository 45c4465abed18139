"""The live pace line of a run: requests per second, 429s met, the rate budget left."""

from __future__ import annotations

from contract.events import Progress

__all__ = ["pace_line"]


def pace_line(progress: Progress) -> str:
    """``progress`` as one short line, e.g. ``48.2 req/s · 0 × 429 · budget 61/100 (0.4 s)``.

    The budget is the server's, as it last reported it: how many requests the current
    window still allows and when it resets; it is left out until the server reports one.
    """
    parts = [f"{progress.rate:.1f} req/s", f"{progress.throttled} × 429"]
    if progress.workers > 1:
        parts.append(f"{progress.workers} workers")
    if progress.budget_limit is not None and progress.budget_remaining is not None:
        budget = f"budget {progress.budget_remaining}/{progress.budget_limit}"
        if progress.budget_reset is not None:
            budget += f" ({progress.budget_reset:.1f} s)"
        parts.append(budget)
    return " · ".join(parts)
