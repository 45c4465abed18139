"""The schemathesis phase: schemathesis's own checks run against the Custom Object endpoints.

:func:`run_schemathesis` feeds the OpenAPI document of the five custom_object operations
(specialised with one type's schemas when a :class:`~contract.discovery.TypeContract` is
given) to schemathesis's engine, collects what its checks report as
:class:`SchemathesisFinding` values and deletes every instance schemathesis created, also
when the run fails. Schemathesis is imported inside the function, so ``import contract``
stays light.

```python
result = run_schemathesis(base_url, api_key, type_contract=tc, lead_id=lead,
                          references={"user": [user_id], "contact": contacts})
for finding in result.findings:
    print(finding.check, finding.operation, finding.title)
```
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from jsonschema import Draft202012Validator

from contract._schemathesis_document import (
    document_for,
    lenient,
    specialise_for_schemathesis,
)
from contract._schemathesis_tally import (
    Redactor,
    SchemathesisFinding,
    Tally,
    consume,
)
from contract.client import CloseClient
from contract.discovery import TypeContract
from contract.errors import ConfigurationError, ContractError
from contract.ledger import hold_interrupts
from contract.schemas import validator_for

__all__ = [
    "DEFAULT_CHECKS",
    "EXCLUDED_CHECKS",
    "SchemathesisFinding",
    "SchemathesisResult",
    "run_schemathesis",
    "specialise_for_schemathesis",
]

Document = dict[str, Any]

DEFAULT_CHECKS: Final[tuple[str, ...]] = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "ignored_auth",
    "use_after_free",
    "ensure_resource_availability",
)
"""The schemathesis checks the phase runs unless told otherwise."""

# Checks switched off for one operation (operationId → check names), each because it would
# judge a choice Close's documentation leaves open rather than the documented contract.
EXCLUDED_CHECKS: Final[Mapping[str, tuple[str, ...]]] = {
    # The list's filters are documented only as strings. What Close answers for a lead_id or
    # custom_object_type_id that names nothing (an empty page or a 400) is not documented,
    # and a malformed filter is, to the server, just another id that matches no lead.
    "listCustomObjects": ("negative_data_rejection",),
}

_RESET: Final = re.compile(r"reset=(\d+(?:\.\d+)?)")
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
    instances schemathesis created and ``leftovers`` holds those the cleanup could not
    delete (a DELETE answered neither 2xx nor 404).
    """

    findings: tuple[SchemathesisFinding, ...]
    requests: int
    operations: int
    duration: float
    errors: tuple[str, ...]
    created: int = 0
    leftovers: tuple[str, ...] = ()


# --- the document -------------------------------------------------------------------------


def _config_dict(
    base_url: str,
    api_key: str,
    *,
    max_examples: int,
    seed: int,
    stateful: bool,
    checks: Sequence[str],
    workers: int,
) -> dict[str, Any]:
    # Every check not asked for is off, every one asked for is on (some are off by default).
    enabled: dict[str, Any] = {"enabled": False}
    enabled.update({name: {"enabled": True} for name in checks})
    operations = [
        {
            "include-operation-id": operation_id,
            "checks": {name: {"enabled": False} for name in names},
        }
        for operation_id, names in EXCLUDED_CHECKS.items()
        if set(names) & set(checks)
    ]
    return {
        "seed": seed,
        "color": False,
        # Reproductions are redacted here (see Redactor), precisely: schemathesis's own
        # sanitising would hide which credentials a request carried.
        "output": {"sanitization": {"enabled": False}},
        # The cache replays and stores requests across runs on disk; a run must stand alone.
        "cache": {"enabled": False},
        "base-url": base_url,
        "auth": {"basic": {"username": api_key, "password": ""}},
        "workers": workers,
        # A 429 is Close's documented rate limit, not an answer to judge: wait it out
        # (Retry-After) and send the request again.
        "rate-limit": "auto",
        # Collect every failure of an operation, not only the first one.
        "continue-on-failure": True,
        "generation": {
            "max-examples": max_examples,
            "database": "none",
            "deterministic": False,
            # Whether Close ignores or rejects undocumented top-level keys is not documented.
            "allow-extra-parameters": False,
        },
        # Values harvested from responses could name instances the run did not create (the
        # lead's other instances, reference targets) and a PUT or DELETE would then change
        # them; only the explicit links, which follow the run's own creates, are used.
        "phases": {
            "examples": {"extra-data-sources": {"responses": False}},
            "coverage": {"extra-data-sources": {"responses": False}},
            "fuzzing": {"extra-data-sources": {"responses": False}},
            "stateful": {"enabled": stateful, "inference": {"algorithms": []}},
        },
        "analysis": {"constants": {"enabled": False}},
        "checks": enabled,
        "operations": operations,
    }


# --- what the run saw: findings, requests, instances ----------------------------------------


def _hooks(
    tally: Tally, schema: Any, lenient: Mapping[str, Draft202012Validator]
) -> tuple[Callable[..., None], Callable[..., None], Callable[..., bool]]:
    from schemathesis.core.parameters import ParameterLocation

    def before_call(context: Any, case: Any, kwargs: Any) -> None:
        # before_call exists only as a global hook: leave other schemas' calls alone.
        if case.operation.schema is schema:
            tally.guard(case.method, (case.path_parameters or {}).get("id"))

    def after_call(context: Any, case: Any, response: Any) -> None:
        # Taken as each response arrives, so an interrupted run still cleans up what it made.
        tally.observe(case.method, response.request.url, response.status_code, response.content)
        if response.status_code == 429:
            # A 429 waited out is retried and only the final answer is recorded.
            tally.requests += 1
        if response.status_code == 429 and "retry-after" not in response.headers:
            # Close's 429 says when to come back in `RateLimit: ... reset=S` (Retry-After is
            # optional); schemathesis waits only on Retry-After, so it is added from it.
            found = _RESET.search(", ".join(response.headers.get("ratelimit", [])))
            if found:
                response.headers["retry-after"] = [found.group(1)]

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


def _cleanup(base_url: str, api_key: str, ids: Iterable[str]) -> list[str]:
    """Delete each instance; return those that could not be deleted (404 counts as gone).

    The client waits out 429s and retries 5xx within its bounds, as a live run needs; Ctrl-C
    is held until the cleanup is over, so a second one does not leave half of it behind.
    """
    leftovers = []
    with hold_interrupts(), CloseClient(base_url, api_key, timeout=_CLEANUP_TIMEOUT) as client:
        for object_id in ids:
            try:
                status = client.delete(f"custom_object/{object_id}/").status
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
    type_contract: TypeContract | None = None,
    lead_id: str,
    references: Mapping[str, Sequence[str]] | None = None,
    max_examples: int = 10,
    seed: int = 0,
    stateful: bool = True,
    checks: Sequence[str] = DEFAULT_CHECKS,
    workers: int = 1,
    document: Mapping[str, Any] | None = None,
) -> SchemathesisResult:
    """Run schemathesis's checks against the Custom Object endpoints of ``base_url``.

    The document is ``document`` when given (it must have :func:`openapi_document`'s
    shape), else :func:`openapi_document` specialised with
    ``type_contract``'s schemas (the generic one without), pinned to ``lead_id`` and
    ``references`` by :func:`specialise_for_schemathesis`; its server is ``base_url`` (the
    API root). Authentication is Basic with ``api_key`` as the username. ``max_examples``
    bounds each operation's generated cases and each stateful run; ``seed`` makes the
    run repeatable; ``stateful=False`` skips the create → get/update/delete chains.

    Every instance schemathesis creates is deleted at the end, also when the run raises;
    PUT and DELETE are refused (reported in ``errors``) on instances the run did not
    create. Raises :class:`~contract.errors.ConfigurationError` for an unusable option;
    schemathesis's own failures are reported in ``errors``, not raised.
    """
    if max_examples < 1:
        raise ConfigurationError(f"max_examples must be at least 1, got {max_examples}")
    if workers < 1:
        raise ConfigurationError(f"workers must be at least 1, got {workers}")
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
        _config_dict(
            base_url,
            api_key,
            max_examples=max_examples,
            seed=seed,
            stateful=stateful,
            checks=checks,
            workers=workers,
        )
    )
    reference_ids = {i for ids in (references or {}).values() for i in ids}
    tally = Tally(Redactor(api_key), protected=reference_ids)
    started = time.perf_counter()
    schema = schemathesis.openapi.from_dict(special, config=config)
    before_call, after_call, filter_failure = _hooks(tally, schema, _lenient_validators(special))
    schema.hooks.register_hook_with_name(after_call, "after_call")
    schema.hooks.register_hook_with_name(filter_failure, "filter_failure")
    GLOBAL_HOOK_DISPATCHER.register_hook_with_name(before_call, "before_call")
    stream = None
    try:
        stream = from_schema(schema).execute()
        consume(tally, stream)
    finally:
        if stream is not None:
            # Stop the engine and let it wind down its workers before cleaning up, so no
            # request of its own is still creating instances while they are deleted.
            stream.stop()
            stream.generator.close()
        GLOBAL_HOOK_DISPATCHER.unregister(before_call)
        leftovers = _cleanup(base_url, api_key, list(tally.created))
    return SchemathesisResult(
        findings=tuple(tally.findings.values()),
        requests=tally.requests,
        operations=len(tally.operations),
        duration=time.perf_counter() - started,
        errors=tuple(tally.errors),
        created=len(tally.created),
        leftovers=tuple(leftovers),
    )
