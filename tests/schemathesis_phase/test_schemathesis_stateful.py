"""schemathesis 4 runs its stateful phase on the per-type document: the create response's
links lead to requests on the instances schemathesis itself created."""

from __future__ import annotations

from collections import Counter

from test_schemathesis_phase import target

from contract.schemas import openapi_document
from contract.schemathesis_phase import specialise_for_schemathesis


def test_the_per_type_document_links_create_to_get_update_and_delete() -> None:
    with target() as t:
        document = openapi_document(
            request_schema=t.contract.request_schema,
            update_schema=t.contract.update_schema,
            instance_schema=t.contract.response_schema,
            server_url=t.srv.base_url,
        )
        special = specialise_for_schemathesis(document, t.lead_id, t.references)
    links = special["paths"]["/custom_object/"]["post"]["responses"]["201"]["links"]
    operations = {
        op["operationId"]
        for path in special["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert (
        {link["operationId"] for link in links.values()}
        == {
            "getCustomObject",
            "updateCustomObject",
            "deleteCustomObject",
        }
        <= operations
    )
    assert all(link["parameters"] == {"id": "$response.body#/id"} for link in links.values())


def test_schemathesis_follows_the_links_in_its_stateful_phase() -> None:
    created: list[str] = []
    answers: list[tuple[str, str, int]] = []
    with target() as t:
        # When schemathesis runs on the per-type document, stateful phase on
        result = t.run(
            max_examples=5,
            seed=0,
            on_created=created.append,
            on_response=lambda method, path, status, body: answers.append((method, path, status)),
        )
        # and then without it
        alone = t.run(max_examples=5, seed=0, stateful=False, on_created=lambda _id: None)

    # Then it read, updated and deleted instances it had just created, which only links
    # can lead to (response harvesting and link inference are off)
    paths = {f"custom_object/{object_id}/" for object_id in created}
    linked = Counter(method for method, path, status in answers if path in paths and status < 300)
    assert result.created > 0 and not result.errors, result.errors
    assert {"GET", "PUT", "DELETE"} <= set(linked), linked
    assert alone.requests < result.requests
