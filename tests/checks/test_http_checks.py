"""The HTTP-semantics checks on hand-built answers: unsupported methods and ``Allow``, PUT
idempotency, malformed ids, stack traces in error bodies and ``WWW-Authenticate``; each
holds on a good answer, fails on a bad one at its evidence level (error or warning), and
leaves a 5xx to ``not_a_server_error``."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from support.exchanges import INSTANCE, OBJECT_ID, exchange

from contract.checks import ADVISORY, APPLIES, CHECKS, CheckContext, Operation, Step, run_checks
from contract.checks._http import stack_trace_in
from contract.client import Exchange
from contract.errors import ContractViolation

PATH = f"custom_object/{OBJECT_ID}/"
ALLOW = "DELETE, GET, HEAD, PUT"
REFUSED = {"error": "Method Not Allowed"}
OK = frozenset(range(200, 300))
STORED = {**INSTANCE, "date_updated": "2024-01-01T00:00:00+00:00"}


def answer(
    status: int,
    body: Any = None,
    *,
    method: str = "GET",
    path: str = PATH,
    headers: tuple[tuple[str, str], ...] = (),
    raw: bytes | None = None,
    content_type: str | None = "application/json",
    sent: bytes | None = None,
) -> Exchange:
    """One answer with the response headers and request body the probe would see."""
    made = exchange(status, body, raw=raw, content_type=content_type, method=method, path=path)
    return dataclasses.replace(
        made, response_headers=made.response_headers + headers, request_body=sent
    )


def probe(
    status: int,
    method: str,
    *statuses: int,
    allow: str | None = ALLOW,
    operation: Operation = "probe",
    expected: dict[str, Any] | None = None,
    body: Any = REFUSED,
) -> CheckContext:
    """An unsupported-method probe (or the read after them) as the phase builds it."""
    headers = () if allow is None else (("Allow", allow),)
    return CheckContext(
        answer(status, body, method=method, headers=headers),
        operation,
        frozenset(statuses or {405}),
        instance_id=OBJECT_ID,
        expected=expected,
        step="method",
    )


def found(name: str, ctx: CheckContext) -> ContractViolation | None:
    """The check's violation on ``ctx``, or None."""
    try:
        CHECKS[name](ctx)
    except ContractViolation as raised:
        return raised
    return None


def test_the_checks_declare_the_steps_the_probes_give() -> None:
    steps: dict[str, Step] = {
        "unsupported_method": "method",
        "allow_header_conformance": "method",
        "put_idempotent": "repeated_update",
        "malformed_id_refused": "malformed_id",
    }
    for name, step in steps.items():
        assert APPLIES[name].steps == frozenset({step}), name
    # The two that read every answer judge any step, key and phase, and only warn: their
    # findings fail nothing (the probes keep the other two's warnings apart themselves)
    for name in ("no_stack_trace_in_errors", "www_authenticate_on_401"):
        assert APPLIES[name].steps is None and APPLIES[name].operations is None
        assert name in ADVISORY
    assert not set(steps) & ADVISORY


# -- unsupported methods ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "method", "statuses"),
    [
        (405, "PATCH", (405,)),
        (405, "POST", (405,)),
        (405, "FROBNICATE", (405, 501)),
        (501, "FROBNICATE", (405, 501)),
        (200, "OPTIONS", (*OK, 405)),
        (204, "OPTIONS", (*OK, 405)),
        (405, "OPTIONS", (*OK, 405)),
        # A server error is not_a_server_error's to report
        (500, "PATCH", (405,)),
    ],
)
def test_a_refused_or_allowed_method_passes(
    status: int, method: str, statuses: tuple[int, ...]
) -> None:
    assert found("unsupported_method", probe(status, method, *statuses)) is None


@pytest.mark.parametrize(
    ("status", "method", "statuses", "words"),
    [
        (200, "PATCH", (405,), "served 200, expected 405"),
        (201, "POST", (405,), "served 201"),
        (404, "PATCH", (405,), "answered 404, expected 405"),
        # PATCH is a method Close could know: a 501 is no answer for it (DOC: 405)
        (501, "PATCH", (405,), "answered 501"),
        (200, "FROBNICATE", (405, 501), "served 200"),
        (404, "OPTIONS", (*OK, 405), "answered 404"),
    ],
)
def test_a_method_served_or_answered_otherwise_is_an_error(
    status: int, method: str, statuses: tuple[int, ...], words: str
) -> None:
    raised = found("unsupported_method", probe(status, method, *statuses))
    assert raised is not None and raised.severity == "error"
    assert words in raised.title and "405 when the HTTP method" in raised.message


def test_a_made_up_method_refused_with_another_4xx_is_only_a_warning() -> None:
    raised = found("unsupported_method", probe(400, "FROBNICATE", 405, 501))
    assert raised is not None and raised.severity == "warning"
    assert "made-up method" in raised.title and "501" in raised.message


def test_the_read_after_the_methods_must_show_the_instance_as_before() -> None:
    def read(status: int, body: Any, expected: dict[str, Any] | None = STORED) -> CheckContext:
        return probe(status, "GET", 200, operation="intact", expected=expected, body=body)

    assert found("unsupported_method", read(200, STORED)) is None
    # Without a read before to compare with, only the status speaks
    assert found("unsupported_method", read(200, {"id": OBJECT_ID}, expected=None)) is None
    changed = found("unsupported_method", read(200, {**STORED, "name": "changed by PATCH"}))
    assert changed is not None and "name: 'Rocket' before, 'changed by PATCH' now" in (
        changed.message
    )
    touched = found("unsupported_method", read(200, {**STORED, "date_updated": "2025"}))
    assert touched is not None and "date_updated" in touched.title
    gone = found("unsupported_method", read(404, {"error": "x"}))
    assert gone is not None and "answered 404" in gone.title


# -- Allow ------------------------------------------------------------------------------


def test_a_405_with_allow_listing_the_instance_s_methods_passes() -> None:
    assert found("allow_header_conformance", probe(405, "PATCH")) is None
    assert found("allow_header_conformance", probe(405, "PATCH", allow="get,put , delete")) is None
    # Answers that are neither a 405 nor a served OPTIONS are not judged
    assert found("allow_header_conformance", probe(404, "PATCH", allow=None)) is None


def test_a_405_without_allow_breaks_http() -> None:
    raised = found("allow_header_conformance", probe(405, "POST", allow=None))
    assert raised is not None and raised.severity == "error"
    assert "without an Allow header" in raised.title and "15.5.6" in raised.message


@pytest.mark.parametrize(
    ("status", "method", "allow", "words"),
    [
        (405, "PATCH", "GET", "PUT is not listed"),
        (405, "PATCH", "GET, PATCH, PUT, DELETE", "PATCH is listed, yet it was refused"),
        (405, "FROBNICATE", "", "GET is not listed"),
        (200, "OPTIONS", None, "without an Allow header"),
        (200, "OPTIONS", "GET, OPTIONS", "PUT is not listed"),
    ],
)
def test_what_allow_lists_and_allow_on_options_are_warnings(
    status: int, method: str, allow: str | None, words: str
) -> None:
    raised = found("allow_header_conformance", probe(status, method, *OK, 405, allow=allow))
    assert raised is not None and raised.severity == "warning"
    assert words in raised.title + raised.message


def test_a_served_options_listing_the_methods_passes() -> None:
    ctx = probe(200, "OPTIONS", *OK, 405, allow="GET, HEAD, OPTIONS, PUT, DELETE", body=None)
    assert found("allow_header_conformance", ctx) is None


# -- PUT idempotency --------------------------------------------------------------------


def repeated(status: int, body: Any, operation: Operation = "update") -> CheckContext:
    method = "PUT" if operation == "update" else "GET"
    return CheckContext(
        answer(status, body, method=method),
        operation,
        OK,
        expected=STORED,
        instance_id=OBJECT_ID,
        note="The PUT was {'name': 'Rocket'}.",
        step="repeated_update",
    )


@pytest.mark.parametrize("operation", ["update", "retrieve"])
def test_a_repeated_put_that_changed_only_date_updated_passes(operation: Operation) -> None:
    later = {**STORED, "date_updated": "2024-01-01T00:00:05+00:00"}
    assert found("put_idempotent", repeated(200, later, operation)) is None
    assert found("put_idempotent", repeated(503, {}, operation)) is None


@pytest.mark.parametrize("operation", ["update", "retrieve"])
def test_a_repeated_put_that_changed_the_instance_fails(operation: Operation) -> None:
    raised = found("put_idempotent", repeated(200, {**STORED, "name": "Rocket (2)"}, operation))
    assert raised is not None and raised.severity == "error"
    assert "name: 'Rocket' before, 'Rocket (2)' now" in raised.message
    assert "The PUT was" in raised.message
    dropped = {k: v for k, v in STORED.items() if k != "name"}
    raised = found("put_idempotent", repeated(200, dropped, operation))
    assert raised is not None and "name: 'Rocket' before, absent now" in raised.message


def test_a_repeated_put_that_is_refused_fails() -> None:
    raised = found("put_idempotent", repeated(400, {"error": "x"}))
    assert raised is not None and "answered 400" in raised.title


# -- malformed ids ----------------------------------------------------------------------


def malformed(status: int, body: Any, *statuses: int, path: str = PATH + "x/") -> CheckContext:
    return CheckContext(
        answer(status, body, path=path),
        "probe",
        frozenset(statuses or {400, 404}),
        instance_id=OBJECT_ID,
        note="A malformed variant (id_twice) of the run's instance.",
        step="malformed_id",
    )


def test_a_malformed_id_refused_passes_and_a_server_error_is_left_to_its_check() -> None:
    for status in (400, 404, 500):
        assert found("malformed_id_refused", malformed(status, {"error": "x"})) is None
    # An ignored query string leaves the instance itself
    assert found("malformed_id_refused", malformed(200, INSTANCE, 200, 400, 404)) is None


def test_a_malformed_id_served_fails() -> None:
    raised = found("malformed_id_refused", malformed(200, INSTANCE))
    assert raised is not None and "answered 200, expected 400 or 404" in raised.title
    other = {**INSTANCE, "id": "custobj_" + "z" * 43}
    raised = found("malformed_id_refused", malformed(200, other, 200, 400, 404))
    assert raised is not None and "not the instance" in raised.title
    raised = found("malformed_id_refused", malformed(302, None))
    assert raised is not None and raised.severity == "error"


# -- stack traces -----------------------------------------------------------------------

PYTHON = (
    'Traceback (most recent call last):\n  File "/srv/api/views.py", line 212, in view\n'
    "KeyError: 'name'"
)


@pytest.mark.parametrize(
    ("text", "what"),
    [
        (PYTHON, "a Python traceback"),
        ('  File "/app/x.py", line 3, in f', "a Python stack frame"),
        ("\tat com.acme.api.Views.create(Views.java:42)", "a Java stack frame"),
        (
            "   at Acme.Api.Views.Create(String name) in C:\\src\\Views.cs:line 42",
            "a .NET stack frame",
        ),
        ("    at Object.create (/srv/app/views.js:42:13)", "a JavaScript stack frame"),
        ("/srv/app/views.rb:42:in `create'", "a Ruby stack frame"),
        ("Stack trace:\n#0 /srv/app/views.php(42): create()", "a PHP stack trace"),
        ("panic: boom\n\ngoroutine 1 [running]:\nmain.main()", "a Go panic"),
    ],
)
def test_each_runtime_s_stack_trace_is_recognised(text: str, what: str) -> None:
    shown = stack_trace_in(text.encode())
    assert shown is not None and shown[0] == what
    # ...also inside a JSON error body, where its quotes and newlines are escaped
    inside = stack_trace_in(json.dumps({"error": "x", "detail": text}).encode())
    assert inside is not None and inside[0] == what


@pytest.mark.parametrize(
    "text",
    [
        '{"errors": [], "field-errors": {"name": "This field is required."}}',
        '{"error": "Error on line 3: the value at index 2 is not a number"}',
        '{"error": "at least one of lead_id or custom_object_type_id (see file.py)"}',
    ],
)
def test_an_ordinary_error_message_is_no_stack_trace(text: str) -> None:
    assert stack_trace_in(text.encode()) is None


def test_a_trace_the_request_sent_is_an_echo_not_a_leak() -> None:
    sent = json.dumps({"name": PYTHON}).encode()
    echoed = json.dumps({"field-errors": {"name": f"{PYTHON!s} is too long"}}).encode()
    assert stack_trace_in(echoed, sent) is None


def test_only_the_first_64_kb_are_scanned() -> None:
    assert stack_trace_in(b" " * (64 * 1024) + PYTHON.encode()) is None
    assert stack_trace_in(b" " * (60 * 1024) + PYTHON.encode()) is not None


@pytest.mark.parametrize(
    ("status", "leaks"),
    [(400, True), (404, True), (500, True), (503, True), (200, False), (201, False)],
)
def test_error_answers_are_scanned_and_a_leak_is_a_warning(status: int, leaks: bool) -> None:
    ctx = CheckContext(
        answer(status, {"error": "x", "traceback": PYTHON}, method="POST"), "create", OK
    )
    raised = found("no_stack_trace_in_errors", ctx)
    assert (raised is not None) is leaks
    if raised is not None:
        assert raised.severity == "warning" and "a Python traceback" in raised.title
        assert "Traceback (most recent call last)" in raised.message
    text = CheckContext(
        answer(status, raw=PYTHON.encode(), content_type="text/plain"), "create", OK
    )
    assert (found("no_stack_trace_in_errors", text) is not None) is leaks


# -- WWW-Authenticate -------------------------------------------------------------------


def test_a_401_without_www_authenticate_is_a_warning() -> None:
    def unauthorized(*headers: tuple[str, str], status: int = 401) -> CheckContext:
        return CheckContext(
            answer(status, {"error": "Unauthorized"}, headers=headers),
            "probe",
            frozenset({401}),
            key="none",
        )

    assert found("www_authenticate_on_401", unauthorized(("WWW-Authenticate", "Basic"))) is None
    assert found("www_authenticate_on_401", unauthorized(status=404)) is None
    raised = found("www_authenticate_on_401", unauthorized())
    assert raised is not None and raised.severity == "warning"
    assert "without a WWW-Authenticate header" in raised.title and "11.6.1" in raised.message
    blank = found("www_authenticate_on_401", unauthorized(("WWW-Authenticate", " ")))
    assert blank is not None


# -- what the probes' answers owe the older checks --------------------------------------


def test_a_501_to_a_method_close_does_not_document_is_no_server_error() -> None:
    def server_error(status: int, method: str) -> list[ContractViolation]:
        ctx = CheckContext(answer(status, {"error": "x"}, method=method), "probe", OK)
        return run_checks(["not_a_server_error"], ctx)

    assert server_error(501, "FROBNICATE") == []
    assert server_error(501, "PATCH") == []  # unsupported_method reports it, as not 405
    assert server_error(501, "GET") and server_error(501, "POST")
    assert server_error(500, "FROBNICATE")


def test_a_served_options_may_come_without_a_body_but_not_with_a_non_json_one() -> None:
    def options(raw: bytes) -> list[ContractViolation]:
        made = answer(200, raw=raw, method="OPTIONS", content_type="text/html; charset=utf-8")
        return run_checks(["content_type_conformance"], CheckContext(made, "probe", OK))

    assert options(b"") == []
    assert options(b"<html>Allow: GET</html>")
