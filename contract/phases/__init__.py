"""The single-case phases: set a run up, then each case's whole lifecycle.

Setup finds or makes the run's lead and one instance of each referenced type
(:class:`References`); a valid create is followed through get, list, update and delete; an
invalid create must be refused and leave nothing (one Close may accept is read back and
judged when it is); unknown ids must answer 404; the first
valid lifecycle of each type also reads with every documented query parameter.
"""

from __future__ import annotations

from contract.phases._accepted import accepted_case, mutation_case
from contract.phases._lifecycle import (
    InstanceProbe,
    invalid_case,
    post_create,
    prove_created,
    unknown_id_probes,
    update_for,
    valid_lifecycle,
)
from contract.phases._query import MALFORMED, VALID, QueryProbe, query_probes
from contract.phases._setup import (
    References,
    prepare_decoys,
    prepare_lead,
    prepare_references,
    prepare_stateful_leads,
)

__all__ = [
    "MALFORMED",
    "VALID",
    "InstanceProbe",
    "QueryProbe",
    "References",
    "accepted_case",
    "invalid_case",
    "mutation_case",
    "post_create",
    "prepare_decoys",
    "prepare_lead",
    "prepare_references",
    "prepare_stateful_leads",
    "prove_created",
    "query_probes",
    "unknown_id_probes",
    "update_for",
    "valid_lifecycle",
]
