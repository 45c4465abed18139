"""The two error families of close-contract.

Everything the toolkit raises belongs to one of two families, so callers (and the CLI's
exit codes) can tell "the tool or its input is wrong" from "the API broke its contract"::

    ContractError                      the tool, its input or the target is wrong (exit 2 / 3)
    ├── ConfigurationError             bad option, unknown type id, unwritable path (exit 2)
    ├── SchemaError                    a schema or field definition cannot be used (exit 2)
    ├── CassetteError                  a cassette/corpus/baseline cannot be used (exit 2)
    └── TargetUnreachable              connection failure, timeouts, persistent 429/5xx (exit 3)
        └── AmbiguousRequest           a request that may have taken effect went unanswered
            └── UnreadableAnswer       an answer past the tool's limits or with broken framing
        └── NotProvablyOurs        the run cannot prove its lead its own: it writes nothing (exit 3)
    └── UnsafeRequest              a request the safety guard refused to send (exit 3)

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
    "LEVELS",
    "Level",
    "NotProvablyOurs",
    "Regression",
    "SchemaError",
    "Severity",
    "TargetUnreachable",
    "UnreadableAnswer",
    "UnreadableKind",
    "UnsafeRequest",
    "level_at_least",
]

Severity = Literal["breaking", "additive", "error", "warning"]

Level = Literal["ERR", "WARN", "INFO"]
"""How much a baseline difference matters, as oasdiff grades response changes: ``ERR`` a
client written against the baseline breaks, ``WARN`` it may, ``INFO`` it does not."""

LEVELS: tuple[Level, ...] = ("INFO", "WARN", "ERR")
"""The levels from the least to the most serious."""


def level_at_least(level: Level, threshold: Level) -> bool:
    """Whether ``level`` is ``threshold`` or more serious."""
    return LEVELS.index(level) >= LEVELS.index(threshold)


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
    :data:`contract.baseline.DifferenceKind`). ``rule`` names the rule that classified it
    (``response-property-removed``, see ``contract.baseline.RULES``) and ``level`` its
    :data:`Level`, after any per-rule override. ``severity`` is ``breaking`` for ``ERR``
    and ``WARN``, ``additive`` for ``INFO``.
    """

    path: str = ""
    old: Any = None
    new: Any = None
    kind: str = ""
    rule: str = ""
    level: Level = "ERR"

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data.update(
            path=self.path,
            old=self.old,
            new=self.new,
            kind=self.kind,
            rule=self.rule,
            level=self.level,
        )
        return data


class ContractWarning(UserWarning):
    """Something was accepted but weakened the contract (e.g. an unknown field type)."""


UnreadableKind = Literal["size", "deadline", "encoding", "framing", "nesting"]
"""What made an answer unreadable: see :class:`UnreadableAnswer`."""


class UnreadableAnswer(AmbiguousRequest):
    """The server answered, but its body could not be read within the tool's own limits.

    ``kind`` says why: ``size``, the body passed ``--max-response-bytes`` (counted
    decompressed); ``deadline``, it was still arriving after ``--response-timeout``;
    ``encoding``, its ``Content-Encoding`` did not decode; ``framing``, its chunked or
    length framing broke; ``nesting``, its JSON nests deeper than the tool reads. The
    limit or the failure is the transport's or the tool's, not Close's, so the case is
    inconclusive, never a violation. The request is not sent again: it was answered, and a
    create may have taken effect. ``status`` is the answer's HTTP status.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        attempts: int,
        status: int,
        kind: UnreadableKind,
    ) -> None:
        super().__init__(message, method=method, path=path, attempts=attempts)
        self.status = status
        self.kind: UnreadableKind = kind


class NotProvablyOurs(TargetUnreachable):
    """The run cannot prove that what it just created is its own, so it writes nothing.

    A GET of the lead a create answer named did not show the run's token, the key's user
    and organization, or it showed contacts or instances the run did not make: the server
    may have answered another lead's id. Nothing more is sent to it and cleanup leaves it
    alone (it is listed as left behind). Exit 3, like a target that does not answer usefully.
    """


class UnsafeRequest(ContractError):
    """The send-time guard refused a request: a method or path a run may not use, a write
    to an id not proven the run's own, or a method-override header on a write.

    The last line of defence (see the README's "Safety"): the run's own code never gets
    there in normal operation, so reaching it says the server steered the run. Exit 3.
    """

    exit_code = 3
