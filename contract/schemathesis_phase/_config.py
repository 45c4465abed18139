"""Schemathesis's configuration for the phase: which checks, how it authenticates, and
what it may and may not do on a live organization."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

from contract.errors import ConfigurationError

__all__ = ["DEFAULT_CHECKS", "EXCLUDED_CHECKS", "AuthScheme", "config_dict", "credentials"]

AuthScheme = Literal["basic", "bearer"]

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


def _literal(text: str) -> str:
    # Schemathesis expands `${NAME}` in configured strings; a key is sent as it is.
    return text.replace("${", "$${")


def _credentials(api_key: str, auth_scheme: AuthScheme) -> dict[str, Any]:
    """The part of schemathesis's configuration that authenticates every request."""
    if auth_scheme == "bearer":
        # Schemathesis has no generic Bearer option; a configured header counts as the
        # run's explicit credentials (ignored_auth removes or replaces it in its probes).
        return {"headers": {"Authorization": f"Bearer {_literal(api_key)}"}}
    if auth_scheme == "basic":
        return {"auth": {"basic": {"username": _literal(api_key), "password": ""}}}
    raise ConfigurationError(f"auth_scheme must be 'basic' or 'bearer', got {auth_scheme!r}")


def credentials(
    api_key: str, auth_scheme: AuthScheme
) -> tuple[tuple[str, str] | None, dict[str, str]]:
    """How the phase's own session sends the key: Basic credentials (the key as the user
    name, an empty password), or the headers that carry it (Bearer)."""
    if auth_scheme == "bearer":
        return None, {"Authorization": f"Bearer {api_key}"}
    if auth_scheme == "basic":
        return (api_key, ""), {}
    raise ConfigurationError(f"auth_scheme must be 'basic' or 'bearer', got {auth_scheme!r}")


def config_dict(
    base_url: str,
    api_key: str,
    *,
    auth_scheme: AuthScheme = "basic",
    max_examples: int,
    seed: int,
    stateful: bool,
    checks: Sequence[str],
    workers: int,
) -> dict[str, Any]:
    """Schemathesis's configuration (``SchemathesisConfig.from_dict``) for one phase."""
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
        **_credentials(api_key, auth_scheme),
        "workers": workers,
        # Collect every failure of an operation, not only the first one.
        "continue-on-failure": True,
        # Redirects are answers to judge, not to follow (as the run's client does): a request
        # goes only where the guard let it go.
        "max-redirects": 0,
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
            # No unexpected methods: those probes go to collections and to made-up ids,
            # and a run sends an unsupported method only to its own verified instance.
            "coverage": {"extra-data-sources": {"responses": False}, "unexpected-methods": []},
            "fuzzing": {"extra-data-sources": {"responses": False}},
            "stateful": {"enabled": stateful, "inference": {"algorithms": []}},
        },
        "analysis": {"constants": {"enabled": False}},
        "checks": enabled,
        "operations": operations,
    }
