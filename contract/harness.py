"""Building blocks for tests of one's own (kept at this path for existing imports; they
live in :mod:`contract.engine`)."""

from __future__ import annotations

from contract.engine import References, client_for, organization_for, references_for

__all__ = ["References", "client_for", "organization_for", "references_for"]
