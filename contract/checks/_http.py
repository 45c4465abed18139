"""Checks of HTTP semantics on the run's own instance, and on every error answer.

The probes behind them (:mod:`contract.phases._own_instance`) go only to the run's own
verified instance: methods the API does not support, the same PUT sent twice, GETs of
malformed variants of its id. Two checks read every answer: error bodies must not leak a
stack trace, and a 401 should say how to authenticate.

Evidence: Close documents "405 when the HTTP method was not supported" (DOC
http-response-codes) and GET, PUT and DELETE on ``custom_object/{id}/`` (OAS); HTTP makes
``Allow`` a MUST on a 405 (RFC 9110 section 15.5.6), PUT idempotent (section 9.2.2) and
``WWW-Authenticate`` a MUST on a 401 (section 11.6.1). What the Allow header lists, a
stack trace in an error body and a 401 without ``WWW-Authenticate`` (Close documents no
401 headers) are reported as warnings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from contract.checks._answers import unimplemented
from contract.checks._registry import CheckContext, body_of, check, statuses_text, violation, where

__all__ = ["ADVERTISED", "ADVISORY", "STANDARD_METHODS", "stack_trace_in"]

ADVISORY: Final = frozenset({"no_stack_trace_in_errors", "www_authenticate_on_401"})
"""The checks here that only warn (see :data:`contract.checks.ADVISORY`): a leak is
inferred, and Close documents no 401 headers. ``unsupported_method`` and
``allow_header_conformance`` warn in part; their probes keep those findings apart."""

STANDARD_METHODS: Final = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
)
"""The methods HTTP defines (RFC 9110 section 9, RFC 5789): any other is made up."""

ADVERTISED: Final = ("GET", "PUT", "DELETE")
"""The methods Close's OpenAPI documents on ``custom_object/{id}/``, which ``Allow`` lists."""

# How much of an error body is scanned for a stack trace: a leak shows in its first lines.
_SCANNED: Final = 64 * 1024
# Markers of a stack trace, by what they show. Each names a language runtime's own format,
# so an error message that merely says "error" or "line 3" matches none of them.
_TRACES: Final = (
    ("a Python traceback", re.compile(r"Traceback \(most recent call last\)")),
    ("a Python stack frame", re.compile(r'File "[^"\n]{1,300}", line \d+')),
    (
        "a Java stack frame",
        re.compile(r"\bat (?:[\w$]+\.)+[\w$<>]+\([\w$]+\.(?:java|kt|scala|groovy):\d+\)"),
    ),
    (
        "a .NET stack frame",
        re.compile(r"\bat [\w.`<>]+\([^()\n]{0,300}\) in [^\n]{1,300}:line \d+"),
    ),
    (
        "a JavaScript stack frame",
        re.compile(
            r"\bat [^\n()]{0,200}\((?:file://)?/[^\s()]{1,300}\.(?:js|mjs|cjs|ts):\d+:\d+\)"
        ),
    ),
    ("a Ruby stack frame", re.compile(r"\.rb:\d+:in [`'][^\n']{1,200}'")),
    ("a PHP stack trace", re.compile(r"Stack trace:\s*#0 ")),
    ("a Go panic", re.compile(r"goroutine \d+ \[running\]")),
)
# What JSON escapes in a string, undone so a trace inside a JSON error body reads as text.
_ESCAPES: Final = (
    ("\\n", "\n"),
    ("\\t", "\t"),
    ("\\r", "\r"),
    ('\\"', '"'),
    ("\\/", "/"),
    ("\\\\", "\\"),
)


def _unescaped(text: str) -> str:
    for escaped, plain in _ESCAPES:
        text = text.replace(escaped, plain)
    return text


def stack_trace_in(body: bytes, sent: bytes | None = None) -> tuple[str, str] | None:
    """The first stack-trace marker in the first 64 KB of ``body``: what it shows and the
    text it matched, or None. A marker that the request ``sent`` holds too is an echo of
    it, not a leak."""
    text = body[:_SCANNED].decode("utf-8", errors="replace")
    echo = _unescaped((sent or b"")[:_SCANNED].decode("utf-8", errors="replace"))
    for candidate in (text, _unescaped(text)):
        for what, marker in _TRACES:
            for found in marker.finditer(candidate):
                if found.group() not in echo:
                    return what, found.group()
    return None


def _allow_of(value: str | None) -> set[str] | None:
    if value is None:
        return None
    return {token.strip().upper() for token in value.split(",") if token.strip()}


_NOTHING: Final = frozenset[str]()
# What a second identical PUT may change: the time of the update (RFC 9110 section 9.2.2
# speaks of the request's effect on the resource, which a new modification time is not).
_TIMESTAMP: Final = frozenset({"date_updated"})


def _shown(instance: Mapping[str, Any], key: str) -> str:
    return repr(instance[key]) if key in instance else "absent"


def _differences(want: Mapping[str, Any], got: Any, ignored: frozenset[str]) -> list[str]:
    """Every key where ``got`` differs from ``want`` (both instances), ``ignored`` left out."""
    if not isinstance(got, Mapping):
        return ["the body is not a JSON object"]
    # Timestamps last: a value that changed says more than the time it changed at.
    keys = sorted((set(want) | set(got)) - ignored, key=lambda k: (k.startswith("date_"), k))
    return [
        f"{key}: {_shown(want, key)} before, {_shown(got, key)} now"
        for key in keys
        if (key in want) != (key in got) or want.get(key) != got.get(key)
    ]


@check(operations={"probe", "intact"}, steps={"method"}, keys={"own"})
def unsupported_method(ctx: CheckContext) -> None:
    """A method the API does not support on an instance is refused (405) and changes
    nothing: DOC "405 when the HTTP method was not supported"; an OPTIONS may be served
    (RFC 9110 section 9.3.7) and a made-up method may get 501 (section 15.6.2).

    The read after the probes (``intact``) must show the instance as the read before did.
    """
    exchange = ctx.exchange
    status = exchange.status
    if ctx.operation == "intact":
        if status != 200:
            raise violation(
                ctx,
                "unsupported_method",
                f"{ctx.instance_id} answered {status} after methods the API does not support",
                f"{ctx.note} The instance must still be there, unchanged (expected 200).",
            )
        # Without a read to compare with (the update before was refused), only the status.
        problems = (
            [] if ctx.expected is None else _differences(ctx.expected, body_of(ctx), _NOTHING)
        )
        if problems:
            raise violation(
                ctx,
                "unsupported_method",
                f"{ctx.instance_id} changed after methods the API does not support ({problems[0]})",
                f"{ctx.note} A refused request must leave the instance as it was:\n  "
                + "\n  ".join(problems),
            )
        return
    if status in ctx.expected_statuses:
        return
    if status >= 500 and not unimplemented(ctx):
        return  # not_a_server_error's to report: one finding per broken property
    method = exchange.method
    expected = statuses_text(ctx.expected_statuses)
    made_up = method not in STANDARD_METHODS
    if made_up and 400 <= status < 500:
        # HTTP has a 501 for an unknown method and Close a 405; another refusal is odd,
        # not a broken contract.
        raise violation(
            ctx,
            "unsupported_method",
            f"{where(ctx)} (a made-up method) answered {status}, expected {expected}",
            "Close documents 405 for a method it does not support, and HTTP 501 for one "
            "the server does not recognise (RFC 9110 section 15.6.2).",
            severity="warning",
        )
    served = "served" if 200 <= status < 300 else "answered"
    raise violation(
        ctx,
        "unsupported_method",
        f"{where(ctx)} {served} {status}, expected {expected}",
        f"Close documents only GET, PUT and DELETE on an instance, and 405 when the HTTP "
        f"method was not supported.{' ' + ctx.note if ctx.note else ''}",
    )


@check(operations={"probe"}, steps={"method"}, keys={"own"})
def allow_header_conformance(ctx: CheckContext) -> None:
    """A 405 carries ``Allow`` (HTTP MUST, RFC 9110 section 15.5.6); what it lists, and
    an ``Allow`` on a successful OPTIONS (a SHOULD), are judged as warnings: the methods
    Close documents on an instance (GET, PUT, DELETE), and not the one it refused."""
    exchange = ctx.exchange
    status = exchange.status
    served_options = exchange.method == "OPTIONS" and 200 <= status < 300
    if status != 405 and not served_options:
        return
    listed = _allow_of(exchange.header("allow"))
    if listed is None:
        if status == 405:
            raise violation(
                ctx,
                "allow_header_conformance",
                f"{where(ctx)} answered 405 without an Allow header",
                "HTTP requires an Allow header listing the methods the resource supports "
                "on every 405 (RFC 9110 section 15.5.6).",
            )
        raise violation(
            ctx,
            "allow_header_conformance",
            f"{where(ctx)} answered {status} without an Allow header",
            "A successful OPTIONS should list the methods the resource supports in Allow "
            "(RFC 9110 section 9.3.7).",
            severity="warning",
        )
    problems = [f"{m} is not listed" for m in ADVERTISED if m not in listed]
    if status == 405 and exchange.method in listed:
        problems.append(f"{exchange.method} is listed, yet it was refused")
    if problems:
        raise violation(
            ctx,
            "allow_header_conformance",
            f"{where(ctx)} answered Allow: {exchange.header('allow')} ({problems[0]})",
            "Allow lists the methods the resource supports (RFC 9110 section 10.2.1); Close "
            "documents GET, PUT and DELETE on an instance:\n  " + "\n  ".join(problems),
            severity="warning",
        )


@check(operations={"update", "retrieve"}, steps={"repeated_update"}, needs=("expected",))
def put_idempotent(ctx: CheckContext) -> None:
    """The same PUT sent twice has the effect of sending it once (HTTP, RFC 9110 section
    9.2.2): the second answer equals the first, and a read after it equals the read
    after the first, but for ``date_updated``."""
    status = ctx.exchange.status
    if status >= 500:
        return  # not_a_server_error's to report
    again = "the same PUT, sent again," if ctx.operation == "update" else "a read after it"
    if not 200 <= status < 300:
        raise violation(
            ctx,
            "put_idempotent",
            f"{where(ctx)}: {again} answered {status}",
            f"The first time it succeeded; PUT is idempotent, so the second must too. "
            f"{ctx.note}".strip(),
        )
    problems = _differences(ctx.expected or {}, body_of(ctx), _TIMESTAMP)
    if problems:
        what = "answer" if ctx.operation == "update" else "read"
        raise violation(
            ctx,
            "put_idempotent",
            f"{where(ctx)}: the second identical PUT changed the {what} ({problems[0]})",
            "Sending the same PUT twice must leave the instance as sending it once did "
            f"(date_updated aside).{' ' + ctx.note if ctx.note else ''}\n  "
            + "\n  ".join(problems),
        )


@check(operations={"probe"}, steps={"malformed_id"}, needs=("instance_id",))
def malformed_id_refused(ctx: CheckContext) -> None:
    """A GET of a malformed variant of an instance's id (RESTler's invalid dynamic objects)
    is refused with 400 or 404 (DOC: 404 when the URL was not found); a variant that only
    adds a query string may be served, as the instance itself."""
    status = ctx.exchange.status
    if status >= 500:
        return  # not_a_server_error's to report
    if status not in ctx.expected_statuses:
        raise violation(
            ctx,
            "malformed_id_refused",
            f"{where(ctx)} answered {status}, expected {statuses_text(ctx.expected_statuses)}",
            f"The path names no instance: {ctx.note}".rstrip(": "),
        )
    body = body_of(ctx)
    if 200 <= status < 300 and (not isinstance(body, Mapping) or body.get("id") != ctx.instance_id):
        shown = body.get("id") if isinstance(body, Mapping) else "no instance"
        raise violation(
            ctx,
            "malformed_id_refused",
            f"{where(ctx)} served {shown!r}, not the instance {ctx.instance_id}",
            f"A query string the API ignores leaves the same resource. {ctx.note}".strip(),
        )


@check
def no_stack_trace_in_errors(ctx: CheckContext) -> None:
    """A 4xx or 5xx body shows no stack trace (a warning: it leaks how the server is built,
    Web Fuzzing Commons 309; Close documents no error body)."""
    exchange = ctx.exchange
    if exchange.status < 400:
        return
    found = stack_trace_in(exchange.response_body, exchange.request_body)
    if found is not None:
        what, text = found
        raise violation(
            ctx,
            "no_stack_trace_in_errors",
            f"{where(ctx)} answered {exchange.status} with {what} in its body",
            f"The error body shows the server's internals ({text[:120]!r}). An error should "
            "say what was wrong with the request, not where the server's code failed.",
            severity="warning",
        )


@check
def www_authenticate_on_401(ctx: CheckContext) -> None:
    """A 401 carries ``WWW-Authenticate`` (an HTTP MUST, RFC 9110 section 11.6.1; a
    warning, since Close documents no 401 headers)."""
    exchange = ctx.exchange
    if exchange.status == 401 and not (exchange.header("www-authenticate") or "").strip():
        raise violation(
            ctx,
            "www_authenticate_on_401",
            f"{where(ctx)} answered 401 without a WWW-Authenticate header",
            "HTTP requires a 401 to name the authentication scheme it takes in "
            "WWW-Authenticate (RFC 9110 section 11.6.1); Close's documented schemes are "
            "Basic and Bearer.",
            severity="warning",
        )
