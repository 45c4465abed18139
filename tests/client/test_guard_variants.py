"""The send-time guard and the probes of the run's own instance: methods the API does not
support go only to a proven instance's URL, and malformed variants of its id only as GETs."""

from __future__ import annotations

import pytest

from contract.client import RequestGuard
from contract.phases._own_instance import MALFORMED_IDS, UNSUPPORTED_METHODS

ROOT = "https://api.close.example/api/v1"
OWN = "custobj_" + "C" * 43
STRANGER = "custobj_" + "S" * 43


def refusal(guard: RequestGuard, method: str, path: str, *headers: tuple[str, str]) -> str | None:
    return guard.refusal(method, f"{ROOT}/{path}", headers)


def variants(object_id: str) -> list[str]:
    """The paths of the malformed-id probes for ``object_id``, as the phase builds them
    (but the instance's own URL, which one of them sends with a query string)."""
    return [
        "custom_object/" + template.replace("{id}", object_id)
        for _, template, _ in MALFORMED_IDS
        if template != "{id}/"
    ]


def proven() -> RequestGuard:
    guard = RequestGuard(ROOT)
    guard.allow("custom_object", OWN)
    return guard


def test_the_unsupported_methods_go_to_the_own_instance_only() -> None:
    guard = proven()
    for method, _ in UNSUPPORTED_METHODS:
        assert refusal(guard, method, f"custom_object/{OWN}/") is None, method
        # ...never to an instance not proven the run's own, nor to a collection
        assert "not proven" in (refusal(guard, method, f"custom_object/{STRANGER}/") or "")
        assert refusal(guard, method, "custom_object/") is not None or method == "POST"
        assert refusal(guard, method, "lead/") is not None or method == "POST"


@pytest.mark.parametrize("path", variants(OWN))
def test_a_malformed_variant_of_the_own_id_goes_out_as_a_get_only(path: str) -> None:
    guard = proven()
    assert refusal(guard, "GET", path) is None
    for method in ("PUT", "DELETE", "PATCH", "POST", "OPTIONS", "FROBNICATE", "HEAD"):
        assert refusal(guard, method, path) is not None, (method, path)
    # ...and not as a GET carrying a method-override header (the server may act on it)
    for named in ("DELETE", "GET"):
        assert refusal(guard, "GET", path, ("X-HTTP-Method-Override", named)) is not None


@pytest.mark.parametrize("path", variants(STRANGER))
def test_a_malformed_variant_of_an_id_not_proven_is_refused(path: str) -> None:
    assert refusal(proven(), "GET", path) is not None


def test_a_proven_instance_revoked_has_no_variants_any_more() -> None:
    guard = proven()
    guard.revoke("custom_object", OWN)
    assert refusal(guard, "GET", f"custom_object/{OWN}%21/") is not None


@pytest.mark.parametrize(
    "suffix",
    [
        "%2F..%2Flead%2F",  # an encoded slash and dots: another route once decoded
        "%2E%2E",
        "..",
        "%5C",
        "%25",
        "%00",
        "%0A",
        "%20",
        "%C3%A9",  # not ASCII
        "!" * 17,  # longer than a variant needs
    ],
)
def test_a_suffix_that_could_leave_the_instance_s_url_is_refused(suffix: str) -> None:
    guard = proven()
    assert refusal(guard, "GET", f"custom_object/{OWN}{suffix}/") is not None
    assert refusal(guard, "GET", f"custom_object/{OWN}/{suffix}/") is not None


def test_a_variant_stays_under_custom_object_and_one_segment_deep() -> None:
    guard = proven()
    assert refusal(guard, "GET", f"custom_object/{OWN}/{OWN}/") is None
    assert refusal(guard, "GET", f"custom_object/{OWN}/{OWN}/{OWN}/") is not None
    assert refusal(guard, "GET", f"custom_object/{OWN}//") is not None
    assert refusal(guard, "GET", f"lead/{OWN}%21/") is not None
    assert refusal(guard, "GET", f"custom_object_type/{OWN}%21/") is not None
