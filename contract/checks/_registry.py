"""The check registry and what every check is given: a context, and a way to report.

A check receives a :class:`CheckContext` (one exchange plus what the run knows about it)
and raises a :class:`~contract.errors.ContractViolation` when the property does not hold.
:func:`run_checks` runs several and collects every violation: one response may break more
than one property. Checks assert documented facts only; everything else is baseline matter.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from contract.client import Exchange
from contract.errors import ContractViolation, Severity
from contract.statuses import status_set

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

    from contract.checks._clock import Clock

__all__ = [
    "APPLIES",
    "CHECKS",
    "Applies",
    "CheckContext",
    "Evidence",
    "Judgement",
    "Key",
    "Operation",
    "Step",
    "body_of",
    "check",
    "echoed",
    "judge",
    "note_of",
    "run_checks",
    "statuses_text",
    "violation",
    "where",
]


Operation = Literal[
    "create", "retrieve", "list", "update", "delete", "probe", "intact", "walk", "history"
]
"""What the checked request did: one of the five operations, a ``probe`` (auth, isolation,
unknown ids), ``intact`` (a read after another organization tried to change it),
``walk`` (a list walked page by page: the judged answer is its last page) or ``history``
(requests sent at once, judged as a whole: the judged answer is the history's last)."""

Key = Literal["own", "none", "other"]
"""Which credentials the request carried: the run's key, none, or another organization's."""

# What the request was sent to show, where the operation alone does not say it. The engine
# used to tell these apart by naming checks at each call site; a declaration now names
# the steps it judges instead. Kept to the distinctions call sites made: a read after a
# create, after an update and after a delete are all GETs answered 200 or 404, and only
# the step says which property the answer speaks for.
Step = Literal[
    "create",  # a valid create: the case's status, the echo
    "refusal",  # a request the contract says must be refused, with the case's statuses
    "isolation",  # another organization's request, or the read that follows it
    "read_after_create",
    "listed_after_create",  # the page of a list where the new instance must be
    "update",  # a valid update
    "read_after_update",
    "delete",  # a delete of a live instance
    "read_after_delete",
    "read",  # a read the stateful model predicts
    "read_after_refusal",  # a read after an update the API refused
    "list",  # a list the stateful model predicts
    "stale",  # a request for an instance the stateful model knows deleted
    "concurrent_updates",  # a history of partial updates sent at once, then a read
    "concurrent_creates",  # a history of creates sent at once, then a list of their lead
    "concurrent_reads",  # a history of creates sent at once, each read back once answered
    "query",  # a read with a documented query parameter, valid or malformed (see query)
    "foreign_reference",  # a write naming another organization's lead, contact, instance or type
    "foreign_user",  # a write naming another organization's user
    "existence",  # another organization's read of an id that exists nowhere
    "method",  # a method the API does not support, on the run's instance, or the read after
    "repeated_update",  # the same valid PUT sent again, or the read after it
    "malformed_id",  # a GET of a malformed variant of the run's instance's id
]

Evidence = Literal[
    "sent",
    "expected",
    "removed",
    "validator",
    "instance_id",
    "prediction",
    "user_id",
    "max_response_time",
    "query",
    "clock",
]
"""What a check may need besides the answer: the :class:`CheckContext` field of that name
set (not None; for ``removed``, not empty)."""


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check may look at.

    ``operation`` says what the request did (see :data:`Operation`);
    ``sent`` the request payload whose values must be echoed; ``expected`` the key/values a
    read must show; ``removed`` keys an update set to null; ``field_types`` maps
    ``custom.cf_…`` keys to their field types (for value comparison).
    """

    exchange: Exchange
    operation: Operation
    expected_statuses: frozenset[int]
    case: Mapping[str, Any] | None = None
    validator: Draft202012Validator | None = None
    sent: Mapping[str, Any] | None = None
    expected: Mapping[str, Any] | None = None
    removed: tuple[str, ...] = ()
    field_types: Mapping[str, str] = field(default_factory=dict)
    instance_id: str | None = None
    note: str = ""
    # What the stateful phase's reference model predicts for this answer (see
    # contract.checks._model): None outside that phase.
    prediction: Mapping[str, Any] | None = None
    # Which credentials went with the request, and what it was sent to show (None: only
    # what every answer owes); declarations match on both (see Applies).
    key: Key = "own"
    step: Step | None = None
    # The key's user, as me/ names it: who what the run creates or changes is made by.
    user_id: str | None = None
    # The slowest answer the user accepts, in milliseconds (--max-response-time); None:
    # no threshold was given, and no check judges answer times.
    max_response_time: float | None = None
    # For a read sent with a query parameter (step "query"): ``parameter`` (its name),
    # ``value``, ``valid`` (whether Close's documents allow it; a malformed one may get
    # ``expected_statuses``) and, for a list, ``at_least`` (how many of the run's own
    # instances it matches).
    query: Mapping[str, Any] | None = None
    # Our clock and the skew allowed against it (--clock-skew), for checks of timestamps.
    clock: Clock | None = None


T = TypeVar("T")
CheckFn = Callable[[CheckContext], None]
CHECKS: dict[str, CheckFn] = {}


@dataclass(frozen=True, slots=True)
class Applies:
    """Which answers a check judges; ``None`` matches any value of that part.

    ``operations`` are :data:`Operation` values, ``phases`` the phases of the run
    (``setup``, ``valid``, ``invalid``, ``probes``, ``stateful``), ``steps`` :data:`Step`
    values (``None`` among them: an answer of no particular step), ``keys`` :data:`Key`
    values, and ``needs`` the :data:`Evidence` that must be
    present. A context matches when every part does.
    """

    operations: frozenset[str] | None = None
    phases: frozenset[str] | None = None
    steps: frozenset[str | None] | None = None
    keys: frozenset[str] | None = None
    needs: tuple[Evidence, ...] = ()
    # What a run must have for such answers to exist at all, in words (a second key, the
    # stateful phase): the reason a tally gives when the check judged nothing.
    requires: str = ""

    def matches(self, ctx: CheckContext, phase: str) -> bool:
        """Whether a check so declared judges ``ctx`` in ``phase``."""
        return (
            (self.operations is None or ctx.operation in self.operations)
            and (self.phases is None or phase in self.phases)
            and (self.steps is None or ctx.step in self.steps)
            and (self.keys is None or ctx.key in self.keys)
            and all(_present(ctx, need) for need in self.needs)
        )

    def describe(self) -> str:
        """The declaration in words, for a tally that says why a check never ran."""
        if self.requires:
            return f"it needs {self.requires}"
        parts = [
            f"{what} {', '.join(sorted(values))}"
            for what, values in (
                ("operation", self.operations),
                ("phase", self.phases),
                ("step", None if self.steps is None else {str(s) for s in self.steps}),
                ("key", self.keys),
            )
            if values is not None
        ]
        if self.needs:
            parts.append("evidence " + ", ".join(self.needs))
        return "; ".join(parts) or "any answer"


APPLIES: dict[str, Applies] = {}
"""The declaration of every registered check, by name (see :func:`check`)."""


def _present(ctx: CheckContext, need: Evidence) -> bool:
    # An empty body sent is still evidence (its removed keys are judged); no removed key is not.
    value = getattr(ctx, need)
    return value is not None and value != ()


def _frozen(values: Collection[T] | None) -> frozenset[T] | None:
    return None if values is None else frozenset(values)


@overload
def check(function: CheckFn, /) -> CheckFn: ...


@overload
def check(
    *,
    operations: Collection[str] | None = None,
    phases: Collection[str] | None = None,
    steps: Collection[str | None] | None = None,
    keys: Collection[str] | None = None,
    needs: Iterable[Evidence] = (),
    requires: str = "",
) -> Callable[[CheckFn], CheckFn]: ...


def check(
    function: CheckFn | None = None,
    /,
    *,
    operations: Collection[str] | None = None,
    phases: Collection[str] | None = None,
    steps: Collection[str | None] | None = None,
    keys: Collection[str] | None = None,
    needs: Iterable[Evidence] = (),
    requires: str = "",
) -> CheckFn | Callable[[CheckFn], CheckFn]:
    """Register a check under its own name, with the answers it applies to.

    Bare (``@check``) it judges every answer of the run; with keywords
    (``@check(operations={"delete"})``) only those its :class:`Applies` matches. A run
    hands each answer to every registered check that is enabled and applies.
    """
    applies = Applies(
        _frozen(operations),
        _frozen(phases),
        _frozen(steps),
        _frozen(keys),
        tuple(needs),
        requires,
    )

    def register(fn: CheckFn) -> CheckFn:
        CHECKS[fn.__name__] = fn
        APPLIES[fn.__name__] = applies
        return fn

    return register if function is None else register(function)


def violation(
    ctx: CheckContext, name: str, title: str, message: str, severity: Severity = "error"
) -> ContractViolation:
    """A violation of check ``name`` for this context, with the reproduction filled in."""
    data = ctx.exchange.to_dict()
    answer = {"status", "elapsed", "attempts"}
    request = {k: v for k, v in data.items() if not k.startswith("response") and k not in answer}
    response = {k: v for k, v in data.items() if k.startswith("response") or k in answer}
    return ContractViolation(
        check=name,
        title=title,
        message=message,
        severity=severity,
        reproduction=ctx.exchange.curl(),
        case=dict(ctx.case) if ctx.case is not None else None,
        request=request,
        response=response,
    )


def run_checks(names: Iterable[str], ctx: CheckContext) -> list[ContractViolation]:
    """Run the named checks on ``ctx``; return every violation (never stop at the first).

    The checks judge the real bytes; what they report leaves redacted, since messages
    quote bodies, headers and URLs. A check that fails on an answer whose shape it cannot
    read (an id that is a list, a field of the wrong JSON type) reports that, as a
    violation of its own, rather than end the run: a server under test may answer
    anything.
    """
    found: list[ContractViolation] = []
    for name in names:
        try:
            CHECKS[name](ctx)
        except ContractViolation as exc:
            found.append(_redacted(exc, ctx.exchange))
        except Exception as exc:  # noqa: BLE001 - any answer must end as a finding
            found.append(_redacted(_unjudged(ctx, name, exc), ctx.exchange))
    return found


@dataclass(slots=True)
class Judgement:
    """What the checks that apply said of one answer: their violations, and for each check
    that ran whether it passed."""

    violations: list[ContractViolation] = field(default_factory=list)
    verdicts: dict[str, bool] = field(default_factory=dict)


def judge(ctx: CheckContext, phase: str, enabled: Collection[str] | None) -> Judgement:
    """Run every registered check that is ``enabled`` (None: all) and applies to ``ctx``
    in ``phase``, in the order they were registered."""
    verdict = Judgement()
    for name, applies in list(APPLIES.items()):
        if name not in CHECKS or (enabled is not None and name not in enabled):
            continue
        if not applies.matches(ctx, phase):
            continue
        found = run_checks((name,), ctx)
        verdict.violations.extend(found)
        verdict.verdicts[name] = not found
    return verdict


def _unjudged(ctx: CheckContext, name: str, exc: Exception) -> ContractViolation:
    """What a check that could not read an answer reports instead of a traceback."""
    what = f"{type(exc).__name__}: {str(exc)[:200]}".rstrip(": ")
    return violation(
        ctx,
        name,
        f"{where(ctx)} answered {ctx.exchange.status} with a body {name} cannot read ({what})",
        "The answer does not have the documented shape this check reads (a value of another "
        "JSON type where an id, an object or a list belongs). If the answer does look "
        "documented, this is a bug in close-contract: please report it with this message.",
    )


def _redacted(found: ContractViolation, exchange: Exchange) -> ContractViolation:
    tree = exchange.redactor.tree
    return dataclasses.replace(
        found,
        title=exchange.redact(found.title),
        message=exchange.redact(found.message),
        reproduction=exchange.redact(found.reproduction),
        case=tree(found.case),
        request=tree(found.request),
        response=tree(found.response),
    )


def where(ctx: CheckContext) -> str:
    return f"{ctx.exchange.method} {ctx.exchange.path}"


def note_of(ctx: CheckContext) -> str:
    if ctx.case and ctx.case.get("mutation"):
        return f" The case {ctx.case['mutation']} ({ctx.case.get('reason', '')})."
    return f" {ctx.note}" if ctx.note else ""


def body_of(ctx: CheckContext) -> Any:
    try:
        return ctx.exchange.json()
    except ValueError:
        return None


def statuses_text(statuses: frozenset[int]) -> str:
    """The statuses a message names: ``any 2xx``, or each one, as in ``400 or 404``."""
    if statuses == frozenset(range(200, 300)):
        return "any 2xx"
    return status_set(statuses)


def echoed(sent: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of a create or update body that the answer must hold again (Close echoes
    an instance's name, lead, type and custom values)."""
    keys = ("name", "lead_id", "custom_object_type_id")
    return {k: v for k, v in sent.items() if k in keys or k.startswith("custom.")}
