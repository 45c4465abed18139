"""What the second key's reads show of its organization, for the run to name in writes that
must be refused: read with GETs only, and a lead the first key can read is refused."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from contract.client import CloseClient
from contract.config import Config, OptionError
from contract.discovery import Organization, contract_for
from contract.errors import ConfigurationError
from contract.ids import is_id
from contract.phases._references_other import nowhere_id, references
from contract.session import OtherOrganization, check_second_key

KEY = "api_canary_first_key_0123456789"
OTHER = "api_canary_other_key_9876543210"
FIRST_ORG, SECOND_ORG = "orga_first0123456789", "orga_second0123456789"
FIRST_USER, SECOND_USER = "user_first0123456789", "user_second0123456789"
LEAD, CONTACT, INSTANCE = "lead_theirs0123456789", "cont_theirs0123", "custobj_theirs0123"
FREE, REQUIRED = "cotype_free0123456789", "cotype_required012345"
TYPE = contract_for({"id": "cotype_0123456789abcdef", "name": "T", "fields": []}, [])
ORG = Organization(FIRST_USER, FIRST_ORG, (TYPE,))

Sent = list[tuple[str, str, str | None]]


def _key_of(request: httpx.Request) -> str | None:
    header = request.headers.get("authorization", "")
    return base64.b64decode(header[6:]).decode().rstrip(":") if header else None


def second_organization(
    sent: Sent, *, lead_first: int = 404, lead_second: int = 200, lead_org: str = SECOND_ORG
) -> CloseClient:
    """A target whose second organization holds two types, a lead, its contact and its
    instance; every request is noted in ``sent`` as (method, path, key)."""

    def answer(request: httpx.Request) -> httpx.Response:
        key, path = _key_of(request), request.url.path.removeprefix("/api/v1/")
        sent.append((request.method, path, key))
        body: Any
        if path == "me/":
            body = {"id": SECOND_USER, "organizations": [{"id": SECOND_ORG}]}
        elif path == "custom_object_type/":
            body = {
                "data": [
                    {"id": REQUIRED, "organization_id": SECOND_ORG, "fields": [{"required": True}]},
                    {"id": FREE, "organization_id": SECOND_ORG, "fields": [{"required": False}]},
                ]
            }
        elif path == f"lead/{LEAD}/":
            status = lead_first if key == KEY else lead_second
            lead = {"id": LEAD, "organization_id": lead_org, "contacts": [{"id": CONTACT}]}
            return httpx.Response(status, json=lead if status == 200 else {"error": "x"})
        else:
            assert path == "custom_object/" and request.url.params["lead_id"] == LEAD
            body = {"data": [{"id": INSTANCE}], "has_more": False}
        return httpx.Response(200, json=body)

    transport = httpx.MockTransport(answer)
    return CloseClient("http://127.0.0.1:9/api/v1", KEY, transport=transport, pacer=None)


def test_the_second_keys_reads_show_its_user_and_the_types_a_create_may_name() -> None:
    sent: Sent = []
    other = check_second_key(second_organization(sent), ORG, OTHER)
    assert other == OtherOrganization(user_id=SECOND_USER, type_ids=(FREE,))
    assert other.readable
    assert [method for method, _, _ in sent] == ["GET", "GET"]


def test_with_a_lead_of_the_other_organization_its_contacts_and_instances_are_read() -> None:
    # When the run is given a lead of the second organization
    sent: Sent = []
    other = check_second_key(second_organization(sent), ORG, OTHER, LEAD)

    # Then its contact and instance are known, from GETs only
    assert other is not None and other.readable
    assert (other.lead_id, other.contact_ids, other.instance_ids) == (LEAD, (CONTACT,), (INSTANCE,))
    assert {method for method, _, _ in sent} == {"GET"}
    # ...the first key asked for nothing but the lead itself, which it must not find
    assert [(path, key) for _, path, key in sent if key == KEY] == [(f"lead/{LEAD}/", KEY)]


def test_a_lead_the_first_key_reads_too_is_refused() -> None:
    sent: Sent = []
    with pytest.raises(ConfigurationError, match="readable with the first key too") as refused:
        check_second_key(second_organization(sent, lead_first=200), ORG, OTHER, LEAD)
    assert refused.value.exit_code == 2 and OTHER not in str(refused.value)
    assert (f"lead/{LEAD}/", OTHER) not in [(path, key) for _, path, key in sent]


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"lead_second": 404}, "cannot read the other organization's lead"),
        ({"lead_org": FIRST_ORG}, "belongs to the first key's organization"),
    ],
)
def test_a_lead_the_second_key_does_not_show_as_its_own_is_refused(
    options: dict[str, Any], match: str
) -> None:
    with pytest.raises(ConfigurationError, match=match):
        check_second_key(second_organization([], **options), ORG, OTHER, LEAD)


def test_the_references_a_type_can_name_each_once() -> None:
    # Given a type with a multi-value contact field, an instance field and a user field
    fields: list[dict[str, Any]] = [
        {"id": "cf_contact", "name": "C", "type": "contact", "accepts_multiple_values": True},
        {"id": "cf_object", "name": "O", "type": "custom_object"},
        {"id": "cf_user", "name": "U", "type": "user"},
    ]
    tc = contract_for({"id": "cotype_0123456789abcdef", "name": "T", "fields": fields}, fields)
    other = OtherOrganization(SECOND_USER, (FREE,), LEAD, (CONTACT,), (INSTANCE,))

    found = {r.kind: r for r in references(tc, other, FIRST_USER)}

    # Then each id goes where the type takes it, a list where the field takes several
    assert found["lead"].key == "lead_id" and found["lead"].put
    assert found["type"].value == FREE and not found["type"].put
    assert (found["contact"].key, found["contact"].value) == ("custom.cf_contact", [CONTACT])
    assert found["custom_object"].value == INSTANCE
    # ...and the other user only on create, as a warning
    assert found["user"].step == "foreign_user" and not found["user"].put
    # A user the two keys share is no reference across organizations
    assert "user" not in {r.kind for r in references(tc, other, SECOND_USER)}
    # Without --other-lead-id only the type is named
    assert [r.kind for r in references(tc, OtherOrganization(SECOND_USER, (FREE,)), None)] == [
        "type",
        "user",
    ]


def test_the_id_that_exists_nowhere_is_well_formed_and_the_same_for_a_seed() -> None:
    made = nowhere_id(7)
    assert made == nowhere_id(7) != nowhere_id(8)
    assert is_id("custom_object", made) and len(made) == len("custobj_") + 43


LIVE: dict[str, Any] = {"base_url": "https://api.close.example/api/v1", "api_key": KEY}


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({**LIVE, "other_api_key": OTHER, "other_lead_id": "cont_x"}, "is not a lead id"),
        ({**LIVE, "other_lead_id": LEAD}, "only its key reads: pass --other-api-key"),
        ({"other_lead_id": LEAD}, "is not used by the embedded emulator"),
        ({"clock_skew": -1.0}, "clock_skew must be a number of seconds, 0 or more"),
    ],
)
def test_the_options_are_refused_where_they_cannot_work(
    options: dict[str, Any], match: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLOSE_OTHER_API_KEY", raising=False)
    with pytest.raises(OptionError) as refused:
        Config.from_options(options).validate()
    assert match in refused.value.render(
        lambda name, form: f"--{name.replace('_', '-')}" if form == "flag" else name
    ), refused.value.render()


def test_a_lead_of_the_other_organization_with_its_key_is_a_valid_option() -> None:
    config = Config.from_options(
        {**LIVE, "other_api_key": OTHER, "other_lead_id": LEAD, "clock_skew": 0.0}
    )
    config.validate()
    assert dict(config.recorded())["other_lead_id"] == LEAD
