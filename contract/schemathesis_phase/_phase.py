"""Schemathesis's cases and checks on the specialised document, sent by the phase itself
through its own session (see the package docstring for the whole phase)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final
from urllib.parse import urlsplit

from hypothesis import reject
from hypothesis import seed as hypothesis_seed

from contract.client import CloseClient, RequestGuard, rate_limit_wait
from contract.config import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_WAIT, DEFAULT_RESPONSE_TIMEOUT
from contract.discovery import TypeContract
from contract.errors import ConfigurationError, ContractError
from contract.ids import is_id, segment
from contract.interrupts import hold_interrupts, interrupts_between_cases
from contract.schemathesis_phase._config import (
    DEFAULT_CHECKS,
    AuthScheme,
    config_dict,
    credentials,
)
from contract.schemathesis_phase._document import (
    document_for,
    positive_document,
    specialise_for_schemathesis,
    valid_creates_possible,
)
from contract.schemathesis_phase._judging import hooks, lenient_validators
from contract.schemathesis_phase._tally import (
    OnCreated,
    OnResponse,
    Redactor,
    SchemathesisFinding,
    Tally,
)
from contract.session import drive, quiet_settings

__all__ = ["SchemathesisResult", "run_schemathesis"]

Document = dict[str, Any]
_CLEANUP_TIMEOUT: Final = 30.0


@dataclass(frozen=True, slots=True)
class SchemathesisResult:
    """What a schemathesis phase found and did.

    ``errors`` are schemathesis's own problems (generation, configuration, network),
    answers past the bounds and refused requests, not contract findings. ``requests``
    counts the requests schemathesis sent (its checks' own and the 429s it waited out
    included), but not the cleanup; ``duration`` is the phase's wall time, cleanup
    included. ``created`` counts the instances schemathesis created and ``leftovers``
    holds those the phase's own cleanup could not delete (a DELETE answered neither 2xx
    nor 404); it is always empty when an ``on_created`` callback took the instances over.
    """

    findings: tuple[SchemathesisFinding, ...]
    requests: int
    operations: int
    duration: float
    errors: tuple[str, ...]
    created: int = 0
    leftovers: tuple[str, ...] = ()


# --- what the phase leaves behind ------------------------------------------------------------


def _cleanup(base_url: str, api_key: str, auth_scheme: AuthScheme, ids: Iterable[str]) -> list[str]:
    """Delete each instance; return those that could not be deleted (404 counts as gone).

    The client waits out 429s and retries 5xx within its bounds, as a live run needs; Ctrl-C
    is held until the cleanup is over, so a second one does not leave half of it behind.
    """
    leftovers = []
    client = CloseClient(base_url, api_key, auth_scheme=auth_scheme, timeout=_CLEANUP_TIMEOUT)
    with hold_interrupts(), client:
        for object_id in ids:
            if not is_id("custom_object", object_id):
                leftovers.append(object_id)  # no request may name it (see contract.ids)
                continue
            try:
                status = client.delete(f"custom_object/{segment(object_id)}/").status
            except ContractError:
                status = 0
            if not (200 <= status < 300 or status == 404):
                leftovers.append(object_id)
    return leftovers


# --- sending and judging each case -------------------------------------------------------------


def _header(headers: Mapping[str, Sequence[str]], name: str) -> str | None:
    # Schemathesis keeps response headers with lower-case names and list values.
    values = headers.get(name.lower())
    return ", ".join(values) if values else None


class _Driver:
    """Sends schemathesis's cases through the phase's own session and has them judged.

    Every case goes out with ``Case.call(session=...)`` and is judged with
    ``Case.validate_response`` (the checks the configuration enables for its operation,
    findings collected by the schema's ``after_validate`` hook); a failing case does not
    stop the phase. Whatever keeps a case from being sent or judged is an error of that case.
    """

    def __init__(
        self,
        http: Any,
        judging: Mapping[str, Any],
        tally: Tally,
        guard: RequestGuard | None,
        absent: Callable[[str], bool] | None,
        max_wait: float,
        sleep: Callable[[float], None],
    ) -> None:
        self.http = http
        self.judging = judging
        self.tally = tally
        self.guard = guard
        self.absent = absent
        self.max_wait = max_wait
        self.sleep = sleep

    def _prepare(self, case: Any) -> None:
        """Refuse a write to an instance the run did not create; let out one to an id
        schemathesis made up, once a GET has seen it absent (as the run's own unknown-id
        probes do; the guard refuses every other one)."""
        object_id = (case.path_parameters or {}).get("id")
        self.tally.guard(case.method, object_id)
        guard, absent = self.guard, self.absent
        if (
            guard is not None
            and absent is not None
            and str(case.method).upper() not in ("GET", "POST")
            and isinstance(object_id, str)
            and is_id("custom_object", object_id)
            and not guard.allows("custom_object", object_id)
            and object_id not in self.tally.created
            and absent(object_id)
        ):
            guard.allow("custom_object", object_id)

    def call(self, case: Any, **kwargs: Any) -> Any:
        """Send ``case``; a 429 is Close's documented rate limit, not an answer to judge: it
        is waited out (as the run's client reads its wait) and the case sent again."""
        self._prepare(case)
        for _ in range(_RATE_LIMITED_TRIES - 1):
            response = case.call(session=self.http, **kwargs)
            if response.status_code != 429:
                return response
            wait = rate_limit_wait(partial(_header, response.headers))
            self.sleep(min(_RATE_LIMIT_WAIT if wait is None else wait, self.max_wait))
        return case.call(session=self.http, **kwargs)

    def judge(self, case: Any, response: Any) -> None:
        """Judge ``response`` by the checks that apply to ``case``; what they find is
        collected by the after_validate hook."""
        from schemathesis.errors import FailureGroup

        self.tally.probe = None  # a probe of an answer judged before is not about this one
        try:
            case.validate_response(response, **self.judging)
        except FailureGroup:
            pass  # each failure is a finding already (the after_validate hook)

    def case(self, case: Any) -> None:
        """One case of a unit phase: sent, judged, any failure to do so an error."""
        try:
            self.judge(case, self.call(case))
        except _CASE_ERRORS as exc:
            self.tally.error(f"{case.operation.label}: {_reason(exc)}")

    def unit(self, positive: Any, negative: Any, examples: int, seed: int) -> None:
        """Up to ``examples`` cases of one operation in each generation mode: valid data
        drawn from ``positive`` (the operation in the positive document), then data that
        breaks the document drawn from ``negative`` (the same operation in the document
        itself, see :func:`positive_document`)."""
        from schemathesis import GenerationMode

        for mode, operation in (
            (GenerationMode.POSITIVE, positive),
            (GenerationMode.NEGATIVE, negative),
        ):
            try:
                drive(
                    operation.as_strategy(generation_mode=mode),
                    self._executed,
                    examples=examples,
                    seed=seed,
                    shrink=False,
                )
            except _GENERATION_ERRORS as exc:
                self.tally.error(f"{operation.label} ({mode.value}): {_reason(exc)}")

    def _executed(self, case: Any) -> _Sent:
        self.case(case)
        return _SENT

    def stateful(self, schema: Any, examples: int, seed: int) -> None:
        """Schemathesis's state machine: sequences that follow the document's links from
        the run's creates to its reads, updates and deletes, judged by the stateful checks
        too. A failing step does not end its sequence, as a run collects every failure."""
        from schemathesis.errors import FailureGroup

        driver = self
        base = schema.as_state_machine()
        # Sequences that an error ended: past the budget the phase stops sending (see
        # _ERRORED_SEQUENCES), as Hypothesis would otherwise draw ever more to replace them.
        ended = 0

        class Machine(base):  # type: ignore[misc, valid-type]
            def get_call_kwargs(self, case: Any) -> dict[str, Any]:
                return {"session": driver.http}

            def call(self, case: Any, **kwargs: Any) -> Any:
                nonlocal ended
                interrupts.check()
                if ended >= budget:
                    raise _Stopped(ended)
                interrupts.inside_case = True
                try:
                    kwargs.pop("session", None)
                    return driver.call(case, **kwargs)
                except _CASE_ERRORS as exc:
                    driver.tally.error(f"{case.operation.label}: {_reason(exc)}")
                    ended += 1
                    # The sequence ends here, untested from this step on. Hypothesis sends
                    # no sequence again for that (it would, to report an exception).
                    reject()
                finally:
                    interrupts.inside_case = False

            def validate_response(
                self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
            ) -> None:
                driver.tally.probe = None
                try:
                    case.validate_response(
                        response,
                        additional_checks=additional_checks,
                        recorder=self.recorder,
                        **driver.judging,
                    )
                except FailureGroup:
                    pass  # each failure is a finding already (the after_validate hook)
                except _CASE_ERRORS as exc:  # a check that could not run to its end
                    driver.tally.error(f"{case.operation.label}: {_reason(exc)}")

        budget = max(examples, _ERRORED_SEQUENCES)
        settings = quiet_settings(examples, stateful_step_count=_STATEFUL_STEPS)
        with interrupts_between_cases() as interrupts:
            try:
                hypothesis_seed(seed)(Machine).run(settings=settings)
            except _Stopped as stopped:
                # Unwrapped from a Hypothesis report of it, when one is raised instead.
                self.tally.error(f"stateful: {stopped}")
            except _CASE_ERRORS as exc:
                stopped_by = _stopped_in(exc)
                self.tally.error(f"stateful: {stopped_by or _reason(exc)}")


class _Stopped(Exception):
    """The stateful phase's budget of sequences ended by an error is spent: a server that
    refuses, breaks or lies at every write would otherwise have Hypothesis draw (and the
    phase send) sequence after sequence to replace them."""

    def __init__(self, ended: int) -> None:
        super().__init__(
            f"stopped after {ended} sequences ended in an error (each is listed above)"
        )


def _stopped_in(exc: BaseException) -> _Stopped | None:
    """The :class:`_Stopped` that ``exc`` is or wraps, if any."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, _Stopped):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class _Sent:
    """A case the phase sent: never shrunk (what failed is a finding, not a test failure)."""

    failed = False


_SENT = _Sent()
# Sends of one case when each answer is a 429, and the wait when one names none.
_RATE_LIMITED_TRIES: Final = 5
_RATE_LIMIT_WAIT: Final = 1.0
# Sequences of the stateful phase that an error may end before the phase stops: the phase's
# examples, and at least this many (a network blip should not end it).
_ERRORED_SEQUENCES: Final = 3
# Steps of one stateful sequence: schemathesis's own default.
_STATEFUL_STEPS: Final = 6


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


# What keeps one case from being sent or judged: a refusal, a network failure, an answer
# past the bounds, schemathesis's own errors (serialisation, a hook, a check that failed to
# run). Each is an error of that case; the phase goes on.
_CASE_ERRORS: Final = (Exception,)
# Schemathesis may fail to generate any case for an operation in a mode (an unsatisfiable
# negative schema, for example): an error of that operation and mode.
_GENERATION_ERRORS: Final = (Exception,)


# --- the phase ------------------------------------------------------------------------------


def run_schemathesis(
    base_url: str,
    api_key: str,
    *,
    auth_scheme: AuthScheme = "basic",
    type_contract: TypeContract | None = None,
    lead_id: str,
    references: Mapping[str, Sequence[str]] | None = None,
    max_examples: int = 10,
    seed: int = 0,
    stateful: bool = True,
    checks: Sequence[str] = DEFAULT_CHECKS,
    document: Mapping[str, Any] | None = None,
    on_created: OnCreated | None = None,
    on_response: OnResponse | None = None,
    guard: RequestGuard | None = None,
    absent: Callable[[str], bool] | None = None,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    response_timeout: float = DEFAULT_RESPONSE_TIMEOUT,
    max_wait: float = DEFAULT_MAX_WAIT,
    sleep: Callable[[float], None] = time.sleep,
) -> SchemathesisResult:
    """Run schemathesis's checks against the Custom Object endpoints of ``base_url``.

    The document is ``document`` when given (it must have :func:`openapi_document`'s
    shape), else :func:`openapi_document` specialised with
    ``type_contract``'s schemas (the generic one without), pinned to ``lead_id`` and
    ``references`` by :func:`specialise_for_schemathesis`; its server is ``base_url`` (the
    API root). ``auth_scheme`` is how ``api_key`` is sent: ``"basic"`` (the key as the
    username, Close's documented scheme) or ``"bearer"`` (``Authorization: Bearer KEY``).
    Schemathesis draws, per operation, up to ``max_examples`` cases of valid data and as
    many that break the document, then (unless ``stateful=False``) ``max_examples``
    sequences that follow the create's links to get, update and delete what it created;
    ``seed`` makes the run repeatable. Its ``checks`` judge every answer.

    Every request goes out through a session of the phase's own (see
    :mod:`contract.schemathesis_phase._session`): with ``guard``, each one (the cases', the
    checks' own, each redirect) passes it at send time, on its final URL, and a refused one
    is reported in ``errors`` and never sent; each answer is read within
    ``max_response_bytes`` (counted decompressed) and ``response_timeout`` seconds, and one
    past them is an error of its case. A 429 is waited out (at most ``max_wait`` seconds,
    with ``sleep``) and the case sent again.

    ``on_created(object_id)`` is called once for each instance schemathesis creates, as soon
    as the create's answer arrives (before the next request). The caller then owns those
    instances and the phase deletes none of them. Without ``on_created`` (standalone use)
    every instance schemathesis created is deleted at the end with a client of the phase's
    own, also when the run raises. ``on_response(method, path, status, body)`` is called
    for each answer as it arrives (a case's, and those of the requests its checks send);
    ``path`` is relative to the API root, as :class:`~contract.client.CloseClient` reports
    it (``custom_object/<id>/``). Both are called from the caller's thread.

    PUT and DELETE are refused (reported in ``errors``) on instances the run did not create.
    ``absent(id)`` says whether a GET finds no instance of an id schemathesis made up: a
    write to such an id is then let out. Ctrl-C stops schemathesis at once (every create
    answered has reached ``on_created``) and raises ``KeyboardInterrupt`` once the phase's
    cleanup is done. Raises :class:`~contract.errors.ConfigurationError` for an unusable
    option; schemathesis's own failures are reported in ``errors``, not raised.
    """
    if max_examples < 1:
        raise ConfigurationError(f"max_examples must be at least 1, got {max_examples}")
    if auth_scheme not in ("basic", "bearer"):
        raise ConfigurationError(f"auth_scheme must be 'basic' or 'bearer', got {auth_scheme!r}")
    import schemathesis
    from schemathesis.checks import CHECKS
    from schemathesis.config import SchemathesisConfig
    from schemathesis.core.result import Ok

    # Importing the OpenAPI checks registers them, which the name check below needs.
    from schemathesis.specs.openapi import checks as _openapi_checks  # noqa: F401

    from contract.schemathesis_phase._session import Bounds, guarded_session, probe_hook

    known = set(CHECKS.get_all_names())
    unknown = sorted(set(checks) - known)
    if unknown:
        raise ConfigurationError(
            f"unknown schemathesis check(s): {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
    special = specialise_for_schemathesis(
        document_for(base_url, type_contract, document), lead_id, references
    )
    if not valid_creates_possible(special):
        # A generic document names no real type, and a create needs an id for each required
        # reference field: without them no generated create can be accepted.
        checks = [name for name in checks if name != "positive_data_acceptance"]
    config = SchemathesisConfig.from_dict(
        config_dict(
            base_url,
            api_key,
            auth_scheme=auth_scheme,
            max_examples=max_examples,
            seed=seed,
            stateful=stateful,
            checks=checks,
            workers=1,
        )
    )
    reference_ids = {i for ids in (references or {}).values() for i in ids}
    tally = Tally(
        Redactor(api_key),
        protected=reference_ids,
        root=urlsplit(base_url).path.rstrip("/"),
        on_created=on_created,
        on_response=on_response,
    )
    started = time.perf_counter()
    # Valid data (and the stateful phase's sequences) from the positive document; data that
    # breaks the document from the document itself (see positive_document).
    schema = schemathesis.openapi.from_dict(positive_document(special), config=config)
    broken = schemathesis.openapi.from_dict(special, config=config)
    for hook in hooks(tally, lenient_validators(special)):
        schema.hook(hook)
        broken.hook(hook)
    basic, headers = credentials(api_key, auth_scheme)
    bounds = Bounds(
        guard,
        max_bytes=max_response_bytes,
        response_timeout=response_timeout,
        on_sent=tally.sent,
        on_answer=tally.answer,
        on_probe=tally.probed,
    )
    http = guarded_session(bounds, auth=basic, headers=headers)
    # What the checks are told: the session and the run's own credentials (the checks that
    # probe authentication take them as given, not generated), and the hook that bounds the
    # answers to requests a check sends on a session of its own.
    judging = {
        "headers": headers or None,
        "transport_kwargs": {
            "session": http,
            "auth": basic,
            "hooks": {"response": [probe_hook(bounds)]},
        },
    }
    driver = _Driver(http, judging, tally, guard, absent, max_wait, sleep)
    negatives = {
        result.ok().label: result.ok()
        for result in broken.get_all_operations()
        if isinstance(result, Ok)
    }
    try:
        with http:
            for result in schema.get_all_operations():
                if not isinstance(result, Ok):
                    tally.error(f"an operation of the document: {_reason(result.err())}")
                    continue
                operation = result.ok()
                tally.operations.add(operation.label)
                negative = negatives.get(operation.label, operation)
                driver.unit(operation, negative, max_examples, seed)
            if stateful:
                driver.stateful(schema, max_examples, seed)
    finally:
        # With on_created, what was created is the caller's to delete (its ledger has it).
        owned = on_created is None
        leftovers = _cleanup(base_url, api_key, auth_scheme, list(tally.created)) if owned else []
    return SchemathesisResult(
        findings=tuple(tally.findings.values()),
        requests=tally.requests,
        operations=len(tally.operations),
        duration=time.perf_counter() - started,
        errors=tuple(tally.errors),
        created=len(tally.created),
        leftovers=tuple(leftovers),
    )
