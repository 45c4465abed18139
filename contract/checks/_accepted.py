"""Checks of cases Close may accept or refuse: what an accepted one must show.

Close documents no maximum length or numeric range, no rule for unusual characters or a
duplicated key, and no answer to read-only keys in a request, so such a case may get a
2xx or a 400 (``status_conformance``), never a 5xx (``not_a_server_error``). A 2xx, and
every read of what it made, must then show what the case's mutation says (its
``accepted``, see :class:`strategies.Mutation`); the keys it judges apart from the exact
echo (:func:`judged_apart`) are judged here, the others by ``echo_conformance`` and the
reads' own checks. Evidence levels as in close-api.md: DOC (Close's docs text), OAS (its
OpenAPI and examples), HTTP (RFC 9110, RFC 8259), INF (inference, reported as a warning).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from typing import Any, Final

from contract.checks._equality import multi_valued, same_value
from contract.checks._registry import CheckContext, body_of, check, violation, where
from contract.errors import Severity
from strategies import MUTATIONS, READ_ONLY_KEYS

__all__ = ["accepted_rule", "judged_apart", "kept_text"]

# Answers that show an instance an accepted case made: its create, the reads of it, and a
# PUT of it (judged as a refusal, with the case's statuses), all of the run's own key.
_SHOWN: Final = frozenset({"create", "refusal", "read_after_create", "read_after_update"})
# Registers a check for those answers (the instance id: only an accepted case has one).
_judges = check(phases={"invalid"}, steps=_SHOWN, keys={"own"}, needs=("instance_id",))
# DOC api-key-authentication: "API keys are scoped to a particular user/organization
# combination", so what the key makes is that user's, in that organization. The other
# read-only keys are the server's by inference only.
_DOCUMENTED_OWNERS: Final = frozenset({"organization_id", "created_by", "updated_by"})


def accepted_rule(case: Mapping[str, Any] | None) -> str | None:
    """The ``accepted`` of the case's mutation (None: not a case Close may accept)."""
    name = case.get("mutation") if case else None
    mutation = MUTATIONS.get(name) if isinstance(name, str) else None
    return mutation.accepted if mutation is not None else None


def judged_apart(case: Mapping[str, Any] | None, field_types: Mapping[str, str]) -> tuple[str, ...]:
    """The keys of an accepted case's payload its own rule judges, not the exact echo.

    The oversized or duplicated key (the case's target), the name and text values of
    unusual text, and the read-only keys; none for the others. ``field_types`` says
    which custom keys are text fields.
    """
    rule = accepted_rule(case)
    payload = case.get("payload") if case else None
    if rule is None or not isinstance(payload, Mapping):
        return ()
    target = case.get("target") if case else None
    if rule in ("exact", "either"):
        return (target,) if isinstance(target, str) else ()
    if rule in ("normalised", "invisible"):
        texts = [k for k in payload if field_types.get(k) == "text"]
        return ("name", *texts) if "name" in payload else tuple(texts)
    if rule == "read_only":
        return tuple(key for key in READ_ONLY_KEYS if key in payload)
    return ()


def _answer(ctx: CheckContext, rule: str) -> tuple[Mapping[str, Any], Mapping[str, Any]] | None:
    """The payload the case sent and the instance the answer shows, when the answer is a
    2xx with an instance to a case of ``rule``."""
    if accepted_rule(ctx.case) != rule or not 200 <= ctx.exchange.status < 300:
        return None
    body, payload = body_of(ctx), (ctx.case or {}).get("payload")
    if not isinstance(body, Mapping) or not isinstance(payload, Mapping):
        return None  # content_type_conformance speaks for a 2xx that is no JSON object
    return payload, body


def _fail(
    ctx: CheckContext, name: str, what: str, problems: list[str], why: str, severity: Severity
) -> None:
    if problems:
        raise violation(
            ctx,
            name,
            f"{where(ctx)} {what} ({problems[0]})",
            f"{why}\n  " + "\n  ".join(problems),
            severity,
        )


@_judges
def read_only_ignored(ctx: CheckContext) -> None:
    """Read-only keys sent in a create, or in a PUT of the run's instance, are ignored or
    refused: no answer shows a value the case sent for ``id``, ``organization_id``,
    ``created_by``, ``updated_by``, ``date_created`` or ``date_updated``.

    DOC for the organization and the authors (a key is scoped to its user and
    organization), an error; INF for the id and the timestamps (the server's own by their
    meaning; DOC lists only the name and custom fields as what an update changes), a
    warning.
    """
    shown = _answer(ctx, "read_only")
    if shown is None:
        return
    payload, body = shown
    stored = [key for key in READ_ONLY_KEYS if key in payload and body.get(key) == payload[key]]
    problems = [f"{key}: holds the sent {payload[key]!r}" for key in stored]
    documented = any(key in _DOCUMENTED_OWNERS for key in stored)
    _fail(
        ctx,
        "read_only_ignored",
        "stored read-only keys it was sent",
        problems,
        "An instance's id, organization, authors and timestamps are the server's own: a "
        "request that sends them must be refused (400) or have them ignored.",
        "error" if documented else "warning",
    )


def _cut(sent: Any, got: Any) -> str:
    if isinstance(sent, str) and isinstance(got, str) and sent.startswith(got):
        return f"cut from {len(sent):,} to {len(got):,} characters"
    if isinstance(sent, list) and isinstance(got, list):
        return f"{len(sent):,} items sent, {len(got):,} answered"
    shown = repr(got)
    return f"sent {_short(sent)}, got {shown if len(shown) <= 80 else shown[:79] + '…'}"


def _short(value: Any) -> str:
    if isinstance(value, str) and len(value) > 60:
        return f"{len(value):,} characters"
    if isinstance(value, list) and len(value) > 5:
        return f"{len(value):,} items"
    return repr(value)


@_judges
def oversized_value_kept(ctx: CheckContext) -> None:
    """An oversized value that was accepted (a 40,000-character name, a number past 2**53,
    a list of thousands of items) comes back exactly, as every accepted value does.

    OAS (an instance answers the values it was created with), an error; a multi-value list
    answered with each distinct value once is a set's reading of it (INF), a warning.
    """
    shown = _answer(ctx, "exact")
    target = (ctx.case or {}).get("target")
    if shown is None or not isinstance(target, str) or target not in shown[0]:
        return
    payload, body = shown
    sent = payload[target]
    severity: Severity = "error"
    if target not in body:
        problem = f"{target}: sent {_short(sent)}, missing from the answer"
    else:
        got = body[target]
        multiple = multi_valued(ctx.field_types, target)
        if same_value(sent, got, ctx.field_types.get(target), multiple=multiple):
            return
        deduplicated = (
            isinstance(sent, list)
            and isinstance(got, list)
            and len(got) == len({json.dumps(v, sort_keys=True) for v in sent})
            and all(any(same_value(v, g) for g in got) for v in sent)
        )
        problem = f"{target}: {_cut(sent, got)}"
        if deduplicated:
            severity = "warning"
    _fail(
        ctx,
        "oversized_value_kept",
        "accepted an oversized value and changed it",
        [problem],
        "Close documents no limit, so an oversized value may be refused (400); accepted, it "
        "must come back as sent, never silently cut or rounded.",
        severity,
    )


def _trimmable(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def kept_text(sent: str, got: str) -> bool:
    """Whether ``got`` is ``sent`` as sent, in NFC, or either of them with whitespace,
    control or format characters trimmed from its ends (what a server may do to text)."""
    for form in dict.fromkeys((sent, unicodedata.normalize("NFC", sent))):
        lead = next((i for i, c in enumerate(form) if not _trimmable(c)), len(form))
        tail = next((i for i, c in enumerate(reversed(form)) if not _trimmable(c)), len(form))
        for start in range(lead + 1):
            end = start + len(got)
            if end <= len(form) and len(form) - end <= tail and form[start:end] == got:
                return True
    return False


@_judges
def unicode_round_trip(ctx: CheckContext) -> None:
    """Unusual text that was accepted (emoji only, combining marks, another normal form,
    whitespace, control, zero-width, bidi or filler characters) comes back as sent,
    trimmed of whitespace, control or format characters at its ends, or in NFC.

    OAS for visible text (an instance answers its values; valid text with emoji and
    combining marks is held to the exact echo already), an error; for invisible and
    control characters Close documents neither keeping nor cleaning them (INF), so a
    server that removes them from the middle of a text is reported as a warning.
    """
    rule = accepted_rule(ctx.case)
    if rule not in ("normalised", "invisible"):
        return
    shown = _answer(ctx, rule)
    if shown is None:
        return
    payload, body = shown
    problems = []
    for key in judged_apart(ctx.case, ctx.field_types):
        sent = payload[key]
        if not isinstance(sent, str):
            continue
        got = body.get(key)
        if key not in body:
            # A text value trimmed to nothing is no value (absent); the name is required.
            if key == "name" or not kept_text(sent, ""):
                problems.append(f"{key}: sent {sent!r}, missing from the answer")
        elif not isinstance(got, str) or not kept_text(sent, got):
            problems.append(f"{key}: sent {sent!r}, got {got!r}")
    _fail(
        ctx,
        "unicode_round_trip",
        "accepted unusual text and changed it beyond trimming or NFC",
        problems,
        "Text Close accepts comes back as sent; a server may trim whitespace, control and "
        "format characters at the ends, or compose it to NFC, and nothing else.",
        "error" if rule == "normalised" else "warning",
    )


def _sent_twice(case: Mapping[str, Any] | None, key: str) -> list[Any]:
    """Every value the raw body of ``case`` gives ``key`` at its top level."""
    raw = (case or {}).get("body")
    if not isinstance(raw, str) or (case or {}).get("body_encoding") not in (None, "utf-8"):
        return []
    try:
        pairs = json.loads(raw, object_pairs_hook=lambda items: items)
    except ValueError:
        return []
    return [value for name, value in pairs if name == key] if isinstance(pairs, list) else []


@_judges
def duplicate_key_resolved(ctx: CheckContext) -> None:
    """A body that names a key twice is refused (400) or answered with one of the two
    values: RFC 8259 section 4 leaves duplicated names to the parser (the first, the
    last, or an error), never a mix of both. HTTP, an error."""
    shown = _answer(ctx, "either")
    target = (ctx.case or {}).get("target")
    if shown is None or not isinstance(target, str):
        return
    values = _sent_twice(ctx.case, target)
    if len(values) < 2:
        return
    got = shown[1].get(target)
    if any(same_value(value, got, ctx.field_types.get(target)) for value in values):
        return
    _fail(
        ctx,
        "duplicate_key_resolved",
        "answered a duplicated key with neither of its values",
        [f"{target}: sent {values[0]!r} and then {values[1]!r}, got {got!r}"],
        "A JSON parser keeps one of a duplicated key's values (RFC 8259 section 4) or "
        "refuses the body.",
        "error",
    )
