"""The engine composes the phases into a run: ``run(config)`` yields a stream of events.

It opens the target, sets the run up, plans the single-case phases over workers paced by
the server's rate limit, runs the stateful and schemathesis phases beside them, and cleans
up last, also after errors and Ctrl-C. For tests of one's own (the pytest fixtures use
them), it also composes a client, the organization's contracts and reference ids for a
configuration.
"""

from __future__ import annotations

from contract.engine._fixtures import client_for, organization_for, references_for
from contract.engine._focus import Focus, Ground
from contract.engine._run import run

__all__ = ["Focus", "Ground", "client_for", "organization_for", "references_for", "run"]
