"""The schemathesis phase against the emulator: silent on a faithful server, loud on faults.

Every run here is a real schemathesis run over HTTP against ``EmulatorServer`` on
127.0.0.1, with the richest emulator type (reference fields to a user, a contact and
another type's instance) so pinned leads and references are exercised.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hostile._proxy import HostileProxy
from openapi_spec_validator import validate

from contract.client import CloseClient, RequestGuard
from contract.discovery import TypeContract, discover
from contract.emulator import EmulatorServer
from contract.errors import ConfigurationError
from contract.schemas import load_openapi, openapi_document
from contract.schemathesis_phase import (
    DEFAULT_CHECKS,
    SchemathesisResult,
    run_schemathesis,
    specialise_for_schemathesis,
)

CANARY_KEY = "api_canary_schemathesis_phase_0123456789"
_FILLERS: dict[str, Any] = {"text": "x", "number": 1, "date": "2024-01-02"}


@dataclass(frozen=True)
class Target:
    srv: EmulatorServer
    contract: TypeContract
    lead_id: str
    references: dict[str, list[str]]

    def run(self, **options: Any) -> SchemathesisResult:
        return run_schemathesis(
            self.srv.base_url,
            self.srv.api_key,
            type_contract=self.contract,
            lead_id=self.lead_id,
            references=self.references,
            **options,
        )

    def rows(self) -> int:
        return self.srv.count_rows("custom_object")


def _filler(field: Any) -> Any:
    if field.get("type") == "choices":
        return field["choices"][0]
    return _FILLERS[field["type"]]


@contextmanager
def target(
    faults: Sequence[str] = (), api_key: str | None = None, *, refuse_blank_text: bool = False
) -> Iterator[Target]:
    """An emulator, the type with reference fields, a lead and one instance to refer to."""
    with EmulatorServer(faults=faults, api_key=api_key, refuse_blank_text=refuse_blank_text) as srv:
        auth = (srv.api_key, "")
        with CloseClient(srv.base_url, srv.api_key) as client:
            org = discover(client)
        contract = max(org.types, key=lambda t: len(t.referenced_types))
        assert contract.referenced_types, "the emulator's seed has a type with references"
        lead = httpx.post(
            f"{srv.base_url}/lead/", json={"name": "x", "contacts": [{"name": "c"}]}, auth=auth
        ).json()
        references = {"user": [org.user_id], "contact": [lead["contacts"][0]["id"]]}
        for other in org.types:
            if other.type_id in contract.referenced_types:
                body = {"custom_object_type_id": other.type_id, "lead_id": lead["id"], "name": "r"}
                body.update(
                    {f"custom.{f['id']}": _filler(f) for f in other.fields if f.get("required")}
                )
                created = httpx.post(f"{srv.base_url}/custom_object/", json=body, auth=auth)
                assert created.is_success, created.text
                references[f"custom_object:{other.type_id}"] = [created.json()["id"]]
        yield Target(srv, contract, lead["id"], references)


def _everything(result: SchemathesisResult) -> str:
    return repr(dataclasses.astuple(result))


def _basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode()


class Witness(RequestGuard):
    """A guard that lets every request out (a standalone phase proves nothing its own) and
    notes the Authorization header of each, as the phase's session sends it."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)
        self.authorizations: list[str | None] = []

    def refusal(self, method: str, url: str, headers: Iterable[tuple[str, str]] = ()) -> str | None:
        named = [value for name, value in headers if name.lower() == "authorization"]
        self.authorizations.append(named[0] if named else None)
        return None


def test_a_faithful_emulator_gives_no_findings_and_keeps_no_leftovers(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with target() as t:
        before = t.rows()
        capfd.readouterr()

        result = t.run(max_examples=10, seed=0)

        # Then schemathesis said nothing, found nothing and went through every operation
        assert capfd.readouterr() == ("", "")
        assert result.findings == (), "\n".join(
            f"{f.check} {f.operation}: {f.title}\n{f.message}\n{f.reproduction}"
            for f in result.findings
        )
        assert result.errors == ()
        assert result.operations == 5
        assert result.requests > 100
        assert result.duration > 0
        # ...its valid creates were accepted (the lead and references are real ones)...
        assert result.created > 0
        # ...and what it created is gone, while the instance it only referred to stays.
        assert result.leftovers == ()
        assert t.rows() == before == 1


# One realistic regression per schemathesis check that can see it.
DETECTED = {
    "auth_not_enforced": "ignored_auth",
    "drop_date_updated": "response_schema_conformance",
    "error_not_json": "content_type_conformance",
    "crash_on_unknown_field": "not_a_server_error",
    "create_returns_200": "status_code_conformance",
    "delete_noop": "use_after_free",
    "lost_writes": "ensure_resource_availability",
}


# use_after_free needs schemathesis's stateful phase to draw a DELETE followed by a GET of
# the same instance; 5 examples per operation miss it (10 find it on most seeds), and what a
# seed draws also depends on the modules loaded in the process (Hypothesis draws constants
# from them), so up to three seeds are tried.
EXAMPLES = {"delete_noop": 10}
SEEDS = {"delete_noop": 3}

# A key the type does not have: the phase draws schemathesis's cases through its public
# strategies, which send only what the document describes (its engine's coverage phase,
# which tried made-up keys, is not part of that API). So the document names one.
UNKNOWN_KEY = "custom.cf_" + "U" * 43


def document_for(fault: str, t: Target) -> dict[str, Any] | None:
    """The document a fault's run uses: the per-type one, but for a fault only a request
    with an unknown custom key reaches, one whose creates always carry such a key."""
    if fault != "crash_on_unknown_field":
        return None
    document = openapi_document(
        request_schema=t.contract.request_schema,
        update_schema=t.contract.update_schema,
        instance_schema=t.contract.response_schema,
    )
    create = document["components"]["schemas"]["CustomObjectCreateRequest"]
    create["properties"][UNKNOWN_KEY] = {"type": "string", "minLength": 1}
    create["required"].append(UNKNOWN_KEY)
    create["propertyNames"]["then"]["enum"].append(UNKNOWN_KEY)
    return document


@pytest.mark.parametrize(("fault", "check"), sorted(DETECTED.items()))
def test_a_fault_is_reported_by_its_check(fault: str, check: str) -> None:
    with target(faults=[fault], api_key=CANARY_KEY) as t:
        before = t.rows()

        # A fault that needs a sequence gets a second seed when the first draws none: what
        # a seed draws also depends on the modules this process has loaded.
        for seed in range(SEEDS.get(fault, 1)):
            result = t.run(
                max_examples=EXAMPLES.get(fault, 5), seed=seed, document=document_for(fault, t)
            )
            if check in {f.check for f in result.findings}:
                break

        assert check in {f.check for f in result.findings}, result.findings
        keys = [(f.check, f.operation, f.title) for f in result.findings]
        assert len(keys) == len(set(keys)), "findings are de-duplicated"
        # The key never shows, neither as itself nor inside a Basic header.
        basic = base64.b64encode(f"{CANARY_KEY}:".encode()).decode()
        assert CANARY_KEY not in _everything(result)
        assert basic not in _everything(result)
        assert all(f.reproduction.startswith("curl ") for f in result.findings)
        # Each finding carries the answer its check judged, as other violations do.
        assert all(f.response and isinstance(f.response["status"], int) for f in result.findings)
        assert all(f.request and f.request["method"] for f in result.findings)
        if fault == "auth_not_enforced":
            # ...and the run's own credentials are a reference to it, ready to paste.
            assert any('-u "$CLOSE_API_KEY:"' in f.reproduction for f in result.findings)
        # A server that keeps "deleted" instances cannot be cleaned up through its API.
        if fault != "delete_noop":
            assert result.leftovers == ()
            assert t.rows() == before


def test_bearer_sends_the_key_as_a_bearer_token() -> None:
    with target() as t:
        before = t.rows()
        witness = Witness(t.srv.base_url)

        result = t.run(auth_scheme="bearer", max_examples=3, seed=0, guard=witness)

        # Then the emulator (it answers Bearer tokens too) accepted the run's requests...
        assert result.findings == (), [(f.check, f.title) for f in result.findings]
        assert result.errors == ()
        assert result.created > 0
        # ...and the phase's own cleanup deleted what it created.
        assert result.leftovers == ()
        assert t.rows() == before
    key = t.srv.api_key
    sent = witness.authorizations
    # Every request went out through the session (the checks' own probes too), and every
    # one that carried the key carried it as a Bearer token, never as Basic.
    assert len(sent) == result.requests
    assert sent.count(f"Bearer {key}") > 20
    assert _basic(key) not in sent
    assert all(a == f"Bearer {key}" for a in sent if a and key in a)


def test_a_bearer_finding_refers_to_the_key_without_showing_it() -> None:
    with target(faults=["auth_not_enforced"], api_key=CANARY_KEY) as t:
        result = t.run(auth_scheme="bearer", max_examples=3, seed=0)

    assert "ignored_auth" in {f.check for f in result.findings}, result.findings
    assert CANARY_KEY not in _everything(result)
    assert any(
        '-H "Authorization: Bearer $CLOSE_API_KEY"' in f.reproduction for f in result.findings
    ), [f.reproduction for f in result.findings]


def test_with_on_created_the_caller_owns_the_instances_and_sees_every_answer() -> None:
    created: list[str] = []
    answers: list[tuple[str, str, int, bytes]] = []
    with target() as t:
        before = t.rows()
        auth = (t.srv.api_key, "")

        result = t.run(
            max_examples=5,
            seed=0,
            on_created=created.append,
            on_response=lambda *answer: answers.append(answer),
        )

        # Then each instance was handed over once, and the phase deleted none of them
        assert len(created) == len(set(created)) == result.created > 0
        assert result.leftovers == ()
        url = f"{t.srv.base_url}/custom_object/{{}}/"
        alive = [i for i in created if httpx.get(url.format(i), auth=auth).status_code == 200]
        assert alive, "schemathesis deletes some instances itself, not all of them"
        assert t.rows() == before + len(alive)
        # ...every create answered was among them...
        answered = {
            json.loads(body)["id"]
            for method, path, status, body in answers
            if (method, path) == ("POST", "custom_object/") and 200 <= status < 300
        }
        assert answered and answered <= set(created)
        # ...and the answers name paths as the client does: relative to the API root.
        assert len(answers) <= result.requests
        assert {method for method, *_ in answers} >= {"GET", "POST", "PUT", "DELETE"}
        paths = {path for _, path, _, _ in answers}
        assert "custom_object/" in paths
        assert any(p.startswith("custom_object/custobj_") for p in paths)
        assert all(p.startswith("custom_object/") for p in paths), paths
        for object_id in alive:
            httpx.delete(url.format(object_id), auth=auth)
        assert t.rows() == before


@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="signals are delivered to the main thread only",
)
def test_ctrl_c_stops_the_phase_once_every_answered_create_is_handed_over() -> None:
    created: list[str] = []

    def on_created(object_id: str) -> None:
        created.append(object_id)
        if len(created) == 1:
            # Ctrl-C, while a worker thread of schemathesis's is between requests
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    with target() as t:
        before = t.rows()
        auth = (t.srv.api_key, "")

        with pytest.raises(KeyboardInterrupt):
            t.run(max_examples=10, seed=0, on_created=on_created)

        # Then the run stopped, and what is left is exactly what it handed over
        for object_id in created:
            httpx.delete(f"{t.srv.base_url}/custom_object/{object_id}/", auth=auth)
        assert t.rows() == before


def test_put_and_delete_are_refused_on_instances_the_run_did_not_create() -> None:
    with target() as t:
        (reference,) = t.references[f"custom_object:{next(iter(t.contract.referenced_types))}"]
        document = openapi_document(
            request_schema=t.contract.request_schema,
            update_schema=t.contract.update_schema,
            instance_schema=t.contract.response_schema,
        )
        # Given a document that steers every path id to an instance the run only refers to
        document["paths"]["/custom_object/{id}/"]["parameters"][0]["schema"] = {"enum": [reference]}

        result = t.run(
            document=document,
            max_examples=3,
            stateful=False,
            checks=("not_a_server_error",),
        )

        # Then the writes were refused, not sent, and the instance is still there
        assert any("refused to send" in e and reference in e for e in result.errors), result
        auth = (t.srv.api_key, "")
        assert httpx.get(f"{t.srv.base_url}/custom_object/{reference}/", auth=auth).is_success


@contextmanager
def behind(mode: str) -> Iterator[tuple[Target, HostileProxy]]:
    """A target with a hostile proxy in ``mode`` in front of it."""
    with target() as t, HostileProxy(mode, t.srv.base_url.removesuffix("/api/v1")) as proxy:
        yield t, proxy


def run_behind(t: Target, proxy: HostileProxy, **options: Any) -> SchemathesisResult:
    return run_schemathesis(
        proxy.base_url,
        t.srv.api_key,
        type_contract=t.contract,
        lead_id=t.lead_id,
        references=t.references,
        **{"max_examples": 1, "seed": 0, **options},
    )


@pytest.mark.parametrize("mode", ["endless_chunked", "gzip_bomb", "trickle"])
def test_every_answer_is_read_within_the_bounds(mode: str) -> None:
    # Given a server whose list answers never end, are 200 MiB of zeros in a few hundred
    # kilobytes of gzip, or trickle in a byte at a time
    with behind(mode) as (t, proxy):
        # When the phase runs through it with a bound of 1 MiB, and of one second per
        # answer where time is the point (else a minute: slow machines are not hostile)
        timeout = 1.0 if mode == "trickle" else 60.0
        result = run_behind(
            t, proxy, stateful=False, max_response_bytes=1024 * 1024, response_timeout=timeout
        )

        # Then each such answer is an error of its case, named for the bound it passed...
        why = ("deadline", "timed out") if mode == "trickle" else ("passed the cap",)
        listed = [e for e in result.errors if "GET /custom_object/" in e]
        assert listed and all(any(w in e for w in why) for e in listed), result
        # ...the phase let go of it first (the proxy's own safety cap never ended one)...
        assert proxy.exhausted == []
        # ...and it went on: every other operation was judged, nothing found, nothing left
        assert result.operations == 5 and result.findings == ()
        assert result.leftovers == ()


def test_every_request_passes_the_guard_as_it_is_sent() -> None:
    # Given a guard that proves nothing the run's own (standalone, no ledger) and a proxy
    # that logs every request it receives
    with behind("passthrough") as (t, proxy):
        guard = RequestGuard(proxy.base_url)
        created: list[str] = []

        # When the phase runs, its stateful sequences following the links to the PUTs and
        # DELETEs of what it created (the caller owns what it creates: no cleanup of its own)
        result = run_behind(t, proxy, guard=guard, max_examples=3, on_created=created.append)

        # Then no write reached the server: the guard refused each one as it was sent,
        # and each refusal is an error of its case, never a finding
        assert proxy.writes() == []
        assert guard.refused > 0
        assert any("the run's guard refused" in e for e in result.errors), result.errors
        assert created and result.findings == ()
        # ...and once three sequences had ended so, the stateful phase stopped sending
        # rather than draw sequence after sequence to replace them
        assert result.errors[-1].startswith("stateful: stopped after 3 sequences"), result.errors
        for object_id in created:
            httpx.delete(f"{t.srv.base_url}/custom_object/{object_id}/", auth=(t.srv.api_key, ""))


def test_specialised_document_is_valid_openapi_and_leaves_the_committed_one_alone() -> None:
    with target() as t:
        generic = load_openapi()
        per_type = openapi_document(
            request_schema=t.contract.request_schema,
            update_schema=t.contract.update_schema,
            instance_schema=t.contract.response_schema,
        )
        pristine = copy.deepcopy(per_type)

        special = specialise_for_schemathesis(per_type, t.lead_id, t.references)
        special_generic = specialise_for_schemathesis(generic, t.lead_id, t.references)

        validate(special)
        validate(special_generic)
        assert per_type == pristine
        assert load_openapi() == openapi_document() == generic
        create = special["components"]["schemas"]["CustomObjectCreateRequest"]
        assert create["properties"]["lead_id"] == {"const": t.lead_id}
        assert create["additionalProperties"] is False
        pinned = {
            key: value["enum"]
            for key, value in create["properties"].items()
            if "enum" in value and value.get("x-close-field", {}).get("reference")
        }
        assert sorted(pinned.values()) == sorted(t.references.values())
        listing = special["paths"]["/custom_object/"]["get"]["parameters"]
        assert {"const": t.lead_id} in [p["schema"] for p in listing if p["name"] == "lead_id"]
        links = special["paths"]["/custom_object/"]["post"]["responses"]["201"]["links"]
        assert {link["operationId"] for link in links.values()} == {
            "getCustomObject",
            "updateCustomObject",
            "deleteCustomObject",
        }


def test_unusable_options_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="not_a_check"):
        run_schemathesis(
            "http://127.0.0.1:9/api/v1", "k", lead_id="lead_x", checks=("not_a_check",)
        )
    with pytest.raises(ConfigurationError, match="max_examples"):
        run_schemathesis("http://127.0.0.1:9/api/v1", "k", lead_id="lead_x", max_examples=0)
    with pytest.raises(ConfigurationError, match="auth_scheme"):
        run_schemathesis(
            "http://127.0.0.1:9/api/v1",
            "k",
            lead_id="lead_x",
            auth_scheme="digest",  # type: ignore[arg-type]
        )
    assert "ignored_auth" in DEFAULT_CHECKS


def test_importing_the_phase_does_not_load_schemathesis() -> None:
    code = "import sys, contract.schemathesis_phase; print('schemathesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_skip_beyond_any_integer_is_an_empty_page_not_a_crash() -> None:
    # Schemathesis found this one: a _skip past SQLite's 64-bit range crashed the emulator.
    with target() as t:
        page = httpx.get(
            f"{t.srv.base_url}/custom_object/",
            params={"lead_id": t.lead_id, "_skip": str(2**64)},
            auth=(t.srv.api_key, ""),
        )
    assert page.status_code == 200
    assert page.json() == {"data": [], "has_more": False}
