"""Running schemathesis's engine on the specialised document, and what it saw (see the
package docstring for the whole phase)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator

from contract.client import CloseClient, RequestGuard, rate_limit_wait
from contract.discovery import TypeContract
from contract.errors import ConfigurationError, ContractError
from contract.ids import is_id, segment
from contract.interrupts import hold_interrupts
from contract.schemas import validator_for
from contract.schemathesis_phase._config import (
    DEFAULT_CHECKS,
    AuthScheme,
    config_dict,
)
from contract.schemathesis_phase._document import (
    document_for,
    lenient,
    specialise_for_schemathesis,
)
from contract.schemathesis_phase._tally import (
    OnCreated,
    OnResponse,
    Redactor,
    SchemathesisFinding,
    Tally,
    consume,
)

__all__ = ["SchemathesisResult", "run_schemathesis"]

Document = dict[str, Any]
_OBJECT_PATH: Final = "/custom_object/{id}/"
_LIST_PATH: Final = "/custom_object/"
_CLEANUP_TIMEOUT: Final = 30.0


@dataclass(frozen=True, slots=True)
class SchemathesisResult:
    """What a schemathesis phase found and did.

    ``errors`` are schemathesis's own problems (generation, configuration, network) and
    refused writes, not contract findings. ``requests`` counts the requests schemathesis
    sent (its probes, its checks' follow-up requests and 429s it waited out included), but
    not the cleanup;
    ``duration`` is the phase's wall time, cleanup included. ``created`` counts the
    instances schemathesis created and ``leftovers`` holds those the phase's own cleanup
    could not delete (a DELETE answered neither 2xx nor 404); it is always empty when an
    ``on_created`` callback took the instances over.
    """

    findings: tuple[SchemathesisFinding, ...]
    requests: int
    operations: int
    duration: float
    errors: tuple[str, ...]
    created: int = 0
    leftovers: tuple[str, ...] = ()


# --- what the run saw: findings, requests, instances ----------------------------------------


def _hooks(
    tally: Tally,
    schema: Any,
    lenient: Mapping[str, Draft202012Validator],
    guard: RequestGuard | None,
    absent: Callable[[str], bool] | None,
) -> tuple[Callable[..., None], Callable[..., None], Callable[..., bool]]:
    from schemathesis.core.parameters import ParameterLocation

    def before_call(context: Any, case: Any, kwargs: Any) -> None:
        # before_call exists only as a global hook: leave other schemas' calls alone.
        if case.operation.schema is not schema:
            return
        object_id = (case.path_parameters or {}).get("id")
        tally.guard(case.method, object_id)
        method = str(case.method).upper()
        # A write to an id schemathesis made up goes out once a GET has seen it absent,
        # as the run's own unknown-id probes do; the guard refuses every other one.
        if (
            guard is not None
            and absent is not None
            and method not in ("GET", "POST")
            and isinstance(object_id, str)
            and is_id("custom_object", object_id)
            and not guard.allows("custom_object", object_id)
            and object_id not in tally.created
            and absent(object_id)
        ):
            guard.allow("custom_object", object_id)

    def after_call(context: Any, case: Any, response: Any) -> None:
        # Taken as each response arrives, so an interrupted run still cleans up what it made.
        tally.observe(case.method, response.request.url, response.status_code, response.content)
        if response.status_code == 429:
            # A 429 waited out is retried and only the final answer is recorded.
            tally.count_waited()
            # Close's 429 says when to come back in `RateLimit: ... reset=S` (Retry-After is
            # optional); schemathesis waits only on Retry-After, so it is set to the wait the
            # client would take (the same headers, read in the same order).
            wait = rate_limit_wait(lambda name: _header(response.headers, name))
            if wait is not None:
                response.headers["retry-after"] = [f"{wait:g}"]

    def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
        # A body only the strict document rejects breaks no documented rule: accepting it
        # is a choice Close's docs leave open, not a contract failure.
        if "negative_data_rejection" not in getattr(failure, "checks", ()):
            return True
        validator = lenient.get(case.operation.label)
        meta = case.meta
        if validator is None or meta is None:
            return True
        negative = {location for location, part in meta.components.items() if part.mode.is_negative}
        if negative != {ParameterLocation.BODY}:
            return True
        return not validator.is_valid(case.body)

    return before_call, after_call, filter_failure


def _header(headers: Mapping[str, Sequence[str]], name: str) -> str | None:
    # Schemathesis keeps response headers with lower-case names and list values.
    values = headers.get(name.lower())
    return ", ".join(values) if values else None


class _Refused(Exception):
    """Marks the guard's refusal inside schemathesis's HTTP stack (see :func:`_guarded`)."""


@contextmanager
def _guarded(guard: RequestGuard | None) -> Iterator[None]:
    """Pass every request schemathesis sends through ``guard``, at send time.

    Schemathesis sends with ``requests`` sessions of its own class; each request, its probes'
    and redirects' included, goes through that class's ``send`` with its final URL. While
    the phase runs, ``send`` checks the request first. A refusal is raised as a
    ``requests`` connection error, which schemathesis reports as an error of that case (or
    of that probe) instead of stopping: nothing was sent.
    """
    if guard is None:
        yield
        return
    import requests
    from schemathesis.transport.requests import SameHostRedirectsSession

    # The class's own send, if it has one; else requests' (looked up at each call, so
    # whatever wraps requests.Session.send meanwhile still sees every request).
    own = SameHostRedirectsSession.__dict__.get("send")

    class Refused(_Refused, requests.exceptions.ConnectionError):
        pass

    def send(self: Any, request: Any, **kwargs: Any) -> Any:
        why = guard.refusal(
            str(request.method or ""), str(request.url or ""), request.headers.items()
        )
        if why is not None:
            guard.note_refused()
            raise Refused(f"the run's guard refused {request.method} {request.url}: {why}")
        if own is not None:
            return own(self, request, **kwargs)
        return super(SameHostRedirectsSession, self).send(request, **kwargs)

    SameHostRedirectsSession.send = send  # type: ignore[method-assign]
    try:
        yield
    finally:
        if own is not None:
            SameHostRedirectsSession.send = own  # type: ignore[method-assign]
        else:
            del SameHostRedirectsSession.send


def _lenient_validators(special: Document) -> dict[str, Draft202012Validator]:
    schemas = special["components"]["schemas"]
    return {
        f"POST {_LIST_PATH}": validator_for(
            lenient(schemas["CustomObjectCreateRequest"], create=True)
        ),
        f"PUT {_OBJECT_PATH}": validator_for(
            lenient(schemas["CustomObjectUpdateRequest"], create=False)
        ),
    }


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
    workers: int = 1,
    document: Mapping[str, Any] | None = None,
    on_created: OnCreated | None = None,
    on_response: OnResponse | None = None,
    guard: RequestGuard | None = None,
    absent: Callable[[str], bool] | None = None,
) -> SchemathesisResult:
    """Run schemathesis's checks against the Custom Object endpoints of ``base_url``.

    The document is ``document`` when given (it must have :func:`openapi_document`'s
    shape), else :func:`openapi_document` specialised with
    ``type_contract``'s schemas (the generic one without), pinned to ``lead_id`` and
    ``references`` by :func:`specialise_for_schemathesis`; its server is ``base_url`` (the
    API root). ``auth_scheme`` is how ``api_key`` is sent: ``"basic"`` (the key as the
    username, Close's documented scheme) or ``"bearer"`` (``Authorization: Bearer KEY``).
    ``max_examples`` bounds each operation's generated cases and each stateful run;
    ``seed`` makes the run repeatable; ``stateful=False`` skips the create →
    get/update/delete chains.

    ``on_created(object_id)`` is called once for each instance schemathesis creates, as soon
    as the create's answer arrives (from schemathesis's ``after_call`` hook, before the
    next request; an instance only a check's follow-up request created is reported when its
    scenario ends). The caller then owns those instances and the phase deletes none of
    them. Without ``on_created`` (standalone use) every instance schemathesis created is
    deleted at the end with a client of the phase's own, also when the run raises.
    ``on_response(method, path, status, body)`` is called for each answer schemathesis
    got, once its scenario ended (the final answer of each request; the probing phase's
    requests are not included); ``path`` is relative to the API root, as
    :class:`~contract.client.CloseClient` reports it (``custom_object/<id>/``).
    ``on_created`` may be called from schemathesis's worker threads, ``on_response`` is
    called from the caller's.

    PUT and DELETE are refused (reported in ``errors``) on instances the run did not create.
    With ``guard``, every request schemathesis sends (its probes and its checks' own
    requests included) passes it at send time, on its final URL; a refused one is reported
    in ``errors`` and never sent. ``absent(id)`` says whether a GET finds no instance of an
    id schemathesis made up: a write to such an id is then let out. Ctrl-C stops
    schemathesis, waits for its workers to wind down (so every create answered reaches
    ``on_created``), then raises ``KeyboardInterrupt``. Raises
    :class:`~contract.errors.ConfigurationError` for an unusable option; schemathesis's own
    failures are reported in ``errors``, not raised.
    """
    if max_examples < 1:
        raise ConfigurationError(f"max_examples must be at least 1, got {max_examples}")
    if workers < 1:
        raise ConfigurationError(f"workers must be at least 1, got {workers}")
    if auth_scheme not in ("basic", "bearer"):
        raise ConfigurationError(f"auth_scheme must be 'basic' or 'bearer', got {auth_scheme!r}")
    import schemathesis
    from schemathesis.checks import CHECKS
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import from_schema
    from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

    # Importing the OpenAPI checks registers them, which the name check below needs.
    from schemathesis.specs.openapi import checks as _openapi_checks  # noqa: F401

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
    create = special["components"]["schemas"]["CustomObjectCreateRequest"]
    if "const" not in create["properties"].get("custom_object_type_id", {}):
        # A generic document names no real type, so no generated create can be accepted.
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
            workers=workers,
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
    schema = schemathesis.openapi.from_dict(special, config=config)
    before_call, after_call, filter_failure = _hooks(
        tally, schema, _lenient_validators(special), guard, absent
    )
    schema.hooks.register_hook_with_name(after_call, "after_call")
    schema.hooks.register_hook_with_name(filter_failure, "filter_failure")
    GLOBAL_HOOK_DISPATCHER.register_hook_with_name(before_call, "before_call")
    stream = None
    try:
        with _guarded(guard):
            stream = from_schema(schema).execute()
            consume(tally, stream)
    finally:
        if stream is not None:
            # Stop the engine and let it wind down its workers before cleaning up, so no
            # request of its own is still creating instances while they are deleted.
            stream.stop()
            stream.generator.close()
        GLOBAL_HOOK_DISPATCHER.unregister(before_call)
        # With on_created, what was created is the caller's to delete (its ledger has it).
        owned = on_created is None
        leftovers = _cleanup(base_url, api_key, auth_scheme, list(tally.created)) if owned else []
    if tally.interrupted:
        # Schemathesis takes Ctrl-C as the end of its run; it is the end of the caller's too.
        raise KeyboardInterrupt
    return SchemathesisResult(
        findings=tuple(tally.findings.values()),
        requests=tally.requests,
        operations=len(tally.operations),
        duration=time.perf_counter() - started,
        errors=tuple(tally.errors),
        created=len(tally.created),
        leftovers=tuple(leftovers),
    )
