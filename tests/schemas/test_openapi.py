"""The OpenAPI 3.1 document: valid, in sync with the schemas, loadable by schemathesis."""

from __future__ import annotations

import schemathesis
from close_samples import FIELDS, TYPE
from openapi_spec_validator import validate
from schemathesis.core.result import Ok

from contract.schemas import load_openapi, openapi_document


def test_committed_document_is_the_builders_output() -> None:
    # Regenerate with: python -c "import json; from contract.schemas._openapi import
    # openapi_document as d; print(json.dumps(d(), indent=2, ensure_ascii=False))"
    assert load_openapi() == openapi_document()


def test_document_is_valid_openapi_3_1() -> None:
    validate(load_openapi())


def test_schemathesis_loads_the_five_operations() -> None:
    schema = schemathesis.openapi.from_dict(load_openapi())
    operations = {
        (result.ok().method.upper(), result.ok().path)
        for result in schema.get_all_operations()
        if isinstance(result, Ok)
    }
    assert operations == {
        ("GET", "/custom_object/"),
        ("POST", "/custom_object/"),
        ("GET", "/custom_object/{id}/"),
        ("PUT", "/custom_object/{id}/"),
        ("DELETE", "/custom_object/{id}/"),
    }


def test_a_specialised_document_is_valid_too() -> None:
    from contract import request_schema_for, response_schema_for, update_schema_for

    document = openapi_document(
        request_schema=request_schema_for(TYPE, FIELDS),
        update_schema=update_schema_for(TYPE, FIELDS),
        instance_schema=response_schema_for(TYPE, FIELDS),
    )
    validate(document)
    create = document["components"]["schemas"]["CustomObjectCreateRequest"]
    assert create["properties"]["custom_object_type_id"] == {"const": TYPE["id"]}
