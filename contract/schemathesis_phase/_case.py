"""The schemathesis phase inside a run: schemathesis's own checks on one type, sent with
the session's credentials, its instances in the session's ledger, its answers shown to the
session's observers (a baseline recorder sees them as it sees every other answer)."""

from __future__ import annotations

from contract.client import Exchange
from contract.discovery import TypeContract
from contract.errors import ContractError, ContractViolation
from contract.events import CaseFinished
from contract.ids import segment
from contract.phases import References
from contract.session import Session

__all__ = ["schemathesis_case"]


def schemathesis_case(
    session: Session, tc: TypeContract, lead: str, refs: References
) -> CaseFinished:
    """Run schemathesis's own checks on this type: a second, independent generator.

    Requests go out with the session client's key and scheme (``--bearer`` included); each
    passes the session client's guard as it is sent, and each answer is read within the
    client's bounds (body bytes, time per answer, the waits a 429 asks for). Each instance
    schemathesis creates is claimed in the session's ledger as soon as its create is
    answered and proven the run's own by a GET before schemathesis's next request, so only
    then may it be written to, and the run's cleanup deletes it with everything else. Every
    2xx answer schemathesis got reaches the session's observers as an :class:`Exchange` of
    kind ``schemathesis:<METHOD>``. The event's ``requests`` is the number of requests
    schemathesis sent; each violation carries the request and the answer its check judged
    (status, headers that matter, body cut past a cap), redacted.
    """
    from contract.schemathesis_phase._phase import run_schemathesis

    client = session.client
    config = session.config

    ledger = session.ledger

    def on_created(object_id: str) -> None:
        # A claim, proven by a GET at once: schemathesis's next request may write to it.
        claimed = ledger.created(object_id, lead_id=lead, type_id=tc.type_id)
        if claimed is not None and claimed in ledger.claims:
            ledger.prove(claimed)

    def absent(object_id: str) -> bool:
        try:
            return client.get(f"custom_object/{segment(object_id)}/").status == 404
        except ContractError:
            return False

    def on_response(method: str, path: str, status: int, body: bytes) -> None:
        if not 200 <= status < 300:
            # Its failures come from cases generated anew each run: a baseline pinned to
            # them would flag randomness, not the API. Its successes show stable shapes.
            return
        exchange = Exchange(
            method=method,
            url=f"{client.base_url}/{path}",
            path=path,
            params=(),
            request_headers=(),
            request_body=None,
            status=status,
            response_headers=(),
            response_body=body,
            elapsed=0.0,
            attempts=1,
            redactor=client.redactor,
        )
        for observer in session.observers:
            observer(exchange, f"schemathesis:{method}")

    result = run_schemathesis(
        client.base_url,
        client.api_key or "",
        auth_scheme=client.auth_scheme,
        type_contract=tc,
        lead_id=lead,
        references=refs,
        max_examples=config.examples,
        seed=config.seed,
        on_created=on_created,
        on_response=on_response,
        guard=ledger.guard,
        absent=absent,
        # The run's bounds on what a server can make it do hold for schemathesis's answers too.
        max_response_bytes=client.max_response_bytes,
        response_timeout=client.response_timeout,
        max_wait=client.max_wait,
    )
    violations = tuple(
        ContractViolation(
            check=f"schemathesis:{f.check}",
            title=f"{f.operation}: {f.title}",
            message=f.message,
            reproduction=f.reproduction,
            # The answer the check judged, as the run's other violations carry theirs.
            request=f.request,
            response=f.response,
        )
        for f in result.findings
    )
    # The session's client did not send these, so its count does not hold them.
    return CaseFinished(
        phase="schemathesis",
        label=f"{tc.name}: schemathesis",
        type_id=tc.type_id,
        case=None,
        requests=result.requests,
        statuses=(),
        elapsed=result.duration,
        violations=violations,
    )
