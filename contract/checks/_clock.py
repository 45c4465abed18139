"""What timestamps are compared with: our clock and the skew a run allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["Clock"]


@dataclass(frozen=True, slots=True)
class Clock:
    """What a check of timestamps compares with: ``skew``, the seconds a clock may be off
    (``--clock-skew``), and ``started``, when the run began by our clock.

    ``started`` is None in a replay: our clock then says nothing about when the recorded
    answers were made, and only their ``Date`` headers are compared with.
    """

    skew: float
    started: datetime | None = None

    def now(self) -> datetime | None:
        """Our clock now, or None when it cannot speak for the answers (a replay)."""
        return None if self.started is None else datetime.now(UTC)
