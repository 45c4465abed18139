"""The two error families of close-contract.

Everything the toolkit raises belongs to one of two families, so callers (and the CLI's
exit codes) can tell "the tool or its input is wrong" from "the API broke its contract"::

    ContractError                      the tool, its input or the target is wrong (exit 2 / 3)
    ├── ConfigurationError             bad option, unknown type id, unwritable path (exit 2)
    ├── SchemaError                    a schema or field definition cannot be used (exit 2)
    ├── CassetteError                  a cassette/corpus/baseline cannot be used (exit 2)
    └── TargetUnreachable              connection failure, timeouts, persistent 429/5xx (exit 3)
        └── AmbiguousRequest           a request that may have taken effect went unanswered

    AssertionError
    └── ContractViolation              the API broke its contract (exit 1)
        └── Regression                 the API differs from a recorded baseline (exit 1)

Messages show the bad value, what was expected, and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "AmbiguousRequest",
    "CassetteError",
    "ConfigurationError",
    "ContractError",
    "ContractViolation",
    "ContractWarning",
    "Regression",
    "SchemaError",
    "Severity",
    "TargetUnreachable",
]

Severity = Literal["breaking", "additive", "error", "warning"]


class ContractError(Exception):
    """The tool, its input or its target is wrong; not a finding about the API.

    ``exit_code`` is what the CLI exits with: 2 for usage, input or configuration errors,
    3 for an unreachable target or an infrastructure failure.
    """

    exit_code: int = 2


class ConfigurationError(ContractError):
    """An option, an environment variable or a path cannot be used as given."""


class SchemaError(ContractError):
    """A schema or a custom field definition cannot be turned into a contract."""


class CassetteError(ContractError):
    """A cassette directory, corpus or baseline is missing, corrupt or incompatible."""


class TargetUnreachable(ContractError):
    """The target did not answer usefully: connection errors, timeouts, persistent 429/5xx."""

    exit_code = 3


class AmbiguousRequest(TargetUnreachable):
    """A request that is not safe to repeat was sent, and no usable answer came back.

    The connection dropped or timed out after the request went out, or a gateway answered
    502/504: the server may or may not have acted on it. The client does not send it again
    (a second create could make a second instance); the engine reports the case as
    inconclusive and finds what the request may have created through a verified GET.
    ``method`` and ``path`` name the request, ``attempts`` counts the tries it took.
    """

    def __init__(self, message: str, *, method: str, path: str, attempts: int) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.attempts = attempts


@dataclass(eq=False)
class ContractViolation(AssertionError):
    """The API broke its contract.

    ``check`` names the registered check that found it, ``title`` is one line, ``message``
    explains what was expected and what came back, and ``reproduction`` is a curl command
    with the API key redacted. ``case``, ``request`` and ``response`` carry JSON-ready
    summaries for reports. ``steps`` is, for a violation that only shows after several
    operations, the numbered sequence of requests (redacted curl commands, in order) that
    reproduces it; the last one is ``reproduction``.
    """

    check: str
    title: str
    message: str = ""
    severity: Severity = "error"
    reproduction: str = ""
    case: dict[str, Any] | None = field(default=None)
    request: dict[str, Any] | None = field(default=None)
    response: dict[str, Any] | None = field(default=None)
    steps: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        AssertionError.__init__(self, self.__str__())

    def __str__(self) -> str:
        text = f"[{self.check}] {self.title}"
        if self.message:
            text += f"\n{self.message}"
        if self.steps:
            text += "\nReproduce with these requests, in order:"
            text += "".join(f"\n  {n}. {step}" for n, step in enumerate(self.steps, 1))
        elif self.reproduction:
            text += f"\nReproduce with:\n  {self.reproduction}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The violation as the ``violations[]`` entry of the JSON report."""
        return {
            "check": self.check,
            "title": self.title,
            "message": self.message,
            "severity": self.severity,
            "reproduction": self.reproduction,
            "case": self.case,
            "request": self.request,
            "response": self.response,
            "steps": list(self.steps),
        }


@dataclass(eq=False)
class Regression(ContractViolation):
    """The API answered differently from a recorded baseline.

    ``path`` is the JSON path of the difference, ``old`` and ``new`` what the baseline and
    the current run saw, ``kind`` what changed (``status_change`` or one of
    :data:`contract.baseline.DifferenceKind`). Removed keys, type, format and status
    changes are ``breaking``; added keys are ``additive``.
    """

    path: str = ""
    old: Any = None
    new: Any = None
    kind: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data.update(path=self.path, old=self.old, new=self.new, kind=self.kind)
        return data


class ContractWarning(UserWarning):
    """Something was accepted but weakened the contract (e.g. an unknown field type)."""
