"""The target a configuration selects (kept at this path for existing imports; it lives
in :mod:`contract.engine`)."""

from __future__ import annotations

from contract.engine import Target, open_target

__all__ = ["Target", "open_target"]
