"""The cleanup ledger (kept at this path for existing imports; it lives in
:mod:`contract.engine`, Ctrl-C handling in :mod:`contract.interrupts`)."""

from __future__ import annotations

from contract.engine import Ledger
from contract.interrupts import hold_interrupts

__all__ = ["Ledger", "hold_interrupts"]
