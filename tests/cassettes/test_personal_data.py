"""Personal data stays out of recordings: ``me/``'s names, emails, phones and organization
names, and those of leads and contacts the run did not make, become deterministic
stand-ins; ids, the run's token and everything the run sent are kept, so a replay of a
scrubbed recording reaches the recorded verdict. ``keep_personal_data`` keeps it all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from support.run import live_config, type_ids, verdict

import contract
from contract.cassettes import CASSETTE_FILE, PersonalData, recording, stand_in
from contract.emulator import EmulatorServer

TOKEN = "0a1b2c3d4e5f"
OWN_LEAD = f"close-contract disposable lead (seed 7, run {TOKEN})"
OWN_CONTACT = f"close-contract contact (run {TOKEN})"
ME: dict[str, Any] = {
    "id": "user_" + "u" * 43,
    "email": "ada.lovelace@analytical.example",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "display_name": "Ada Lovelace",
    "image": "https://secure.gravatar.example/avatar/0123abcd",
    "phone": "+442071234567",
    "date_created": "2020-01-02T03:04:05.000000+00:00",
    "email_verified_at": "2020-01-02T03:04:05.000000+00:00",
    "organizations": [{"id": "orga_" + "o" * 43, "name": "Analytical Engines Ltd"}],
}
ME_PERSONAL = [
    "ada.lovelace@analytical.example",
    "Ada",
    "Lovelace",
    "Ada Lovelace",
    "0123abcd",
    "+442071234567",
    "Analytical Engines Ltd",
]
CUSTOMER: dict[str, Any] = {
    "id": "lead_" + "c" * 43,
    "name": "Grace Hopper Consulting",
    "display_name": "Grace Hopper Consulting",
    "created_by": ME["id"],
    "created_by_name": "Ada Lovelace",
    "status_label": "Potential",
    "custom": {"Budget": "Grace's budget"},
    "contacts": [
        {
            "id": "cont_" + "g" * 43,
            "name": "Grace Hopper",
            "display_name": "Grace Hopper",
            "title": "Rear Admiral",
            "emails": [{"email": "grace@hopper.example", "type": "office"}],
            "phones": [
                {"phone": "+12025550123", "phone_formatted": "+1 202-555-0123", "type": "mobile"}
            ],
        }
    ],
}
CUSTOMER_PERSONAL = [
    "Grace Hopper Consulting",
    "Grace Hopper",
    "grace@hopper.example",
    "+12025550123",
    "+1 202-555-0123",
    "Ada Lovelace",
]


def strings(value: Any) -> list[str]:
    """Every string value in JSON ``value``."""
    if isinstance(value, dict):
        return [s for child in value.values() for s in strings(child)]
    if isinstance(value, list):
        return [s for child in value for s in strings(child)]
    return [value] if isinstance(value, str) else []


# --- the scrubbing, on hand-made answers ----------------------------------------------------


def test_me_loses_every_personal_value_and_keeps_ids_and_dates() -> None:
    # When the answer to me/ is scrubbed
    scrubbed = json.loads(PersonalData().body("me/", json.dumps(ME)))

    # Then no personal value is left, each replaced by the stand-in of its kind
    assert not [value for value in strings(scrubbed) for p in ME_PERSONAL if p in value]
    assert scrubbed["email"] == stand_in("email", ME["email"])
    assert scrubbed["first_name"] == stand_in("person", "Ada")
    assert scrubbed["phone"] == stand_in("phone", ME["phone"])
    assert scrubbed["organizations"][0]["name"] == stand_in(
        "organization", "Analytical Engines Ltd"
    )
    # And its ids, dates and keys are as they were
    assert scrubbed.keys() == ME.keys()
    for key in ("id", "date_created", "email_verified_at"):
        assert scrubbed[key] == ME[key]
    assert scrubbed["organizations"][0]["id"] == ME["organizations"][0]["id"]


def test_stand_ins_are_deterministic_and_never_scrubbed_again() -> None:
    once = PersonalData().body("me/", json.dumps(ME))
    assert PersonalData().body("https://api.close.example/api/v1/me/", json.dumps(ME)) == once
    assert PersonalData().body("me/", once) == once
    assert stand_in("person", "Ada") == stand_in("person", "Ada") != stand_in("person", "Bob")
    assert stand_in("email", "a@b.example").endswith("@example.invalid")
    phone = stand_in("phone", "+12025550123")
    assert phone.startswith("+1000") and phone[1:].isdigit() and len(phone) == 12


def test_a_lead_the_run_did_not_make_loses_names_emails_and_phones() -> None:
    # Given a customer's lead, as GET lead/{id}/ answers it
    personal = PersonalData(token=TOKEN)

    # When it is scrubbed
    scrubbed = json.loads(personal.body(f"lead/{CUSTOMER['id']}/", json.dumps(CUSTOMER)))

    # Then none of its people's names, emails or phones is left, nor its creator's name
    assert not [value for value in strings(scrubbed) for p in CUSTOMER_PERSONAL if p in value]
    (contact,) = scrubbed["contacts"]
    assert contact["emails"] == [
        {"email": stand_in("email", "grace@hopper.example"), "type": "office"}
    ]
    # And its ids, statuses, custom values and the other keys are as they were
    assert scrubbed["id"] == CUSTOMER["id"] and contact["id"] == CUSTOMER["contacts"][0]["id"]
    assert scrubbed["created_by"] == ME["id"] and scrubbed["status_label"] == "Potential"
    assert scrubbed["custom"] == CUSTOMER["custom"] and contact["title"] == "Rear Admiral"
    # And what was replaced is listed, for the texts that may quote it
    assert personal.replaced["Grace Hopper"] == stand_in("person", "Grace Hopper")


def test_the_runs_own_lead_and_contact_keep_what_the_run_gave_them() -> None:
    own = {
        "id": "lead_" + "r" * 43,
        "name": OWN_LEAD,
        "display_name": OWN_LEAD,
        "contacts": [{"id": "cont_" + "r" * 43, "name": OWN_CONTACT, "emails": [], "phones": []}],
    }
    # Given a scrubber told what the run sent (a recording's), or the run's token (a report's)
    sent = PersonalData()
    sent.sent(json.dumps({"name": OWN_LEAD, "contacts": [{"name": OWN_CONTACT}]}).encode())
    for personal in (sent, PersonalData(token=TOKEN)):
        # When the run's own lead is scrubbed, alone or in a list of leads
        listed = {"data": [own, CUSTOMER], "has_more": False}
        scrubbed = json.loads(personal.body("lead/?query=x", json.dumps(listed)))
        # Then its names, and its contact's, are as the run gave them: what proofs compare
        assert scrubbed["data"][0] == own
        assert scrubbed["data"][1]["name"] == stand_in("person", CUSTOMER["name"])
    # And a name sent elsewhere (an instance's) makes no lead the run's
    elsewhere = PersonalData()
    elsewhere.sent(json.dumps({"name": OWN_LEAD}), "custom_object/")
    assert json.loads(elsewhere.body("lead/x/", json.dumps(own)))["name"] != OWN_LEAD


def test_other_answers_lose_only_the_user_names_beside_ids() -> None:
    instance = {
        "id": "custobj_" + "i" * 43,
        "name": "Ada",
        "created_by": ME["id"],
        "created_by_name": "Ada Lovelace",
        "custom.cf_" + "f" * 43: "Ada Lovelace",
    }
    scrubbed = json.loads(PersonalData().body("custom_object/x/", json.dumps(instance)))
    assert scrubbed == {**instance, "created_by_name": stand_in("person", "Ada Lovelace")}
    # An answer without personal data comes back as the very bytes it was
    plain = b'{"id": "cotype_1",  "name": "Asset", "n": 1.50}'
    assert PersonalData().answer("custom_object_type/", plain) is plain
    assert PersonalData().answer("me/", b"\xff not utf-8") == b"\xff not utf-8"


def test_a_body_that_does_not_parse_is_scrubbed_pair_by_pair() -> None:
    # Given a lead list cut past a bound, and an answer that would not be written back as
    # it parses (a number past a float's range)
    whole = json.dumps({"data": [CUSTOMER]}, indent=1)
    cut = whole[: whole.index('"phones"')]
    odd = '{"first_name": "Ada", "n": 1e400, "note": "kept \\u00e9"}'
    # When they are scrubbed
    scrubbed = PersonalData().body("lead/", cut)
    kept = PersonalData().body("me/", odd)
    # Then each personal pair is replaced, and the rest of the text is as it was
    assert "Grace Hopper" not in scrubbed and "grace@hopper.example" not in scrubbed
    assert f'"name": "{stand_in("person", "Grace Hopper")}"' in scrubbed
    assert scrubbed.startswith('{\n "data": [\n  {\n   "id": "lead_')
    assert kept == odd.replace('"Ada"', json.dumps(stand_in("person", "Ada")))


def test_a_quoted_value_is_replaced_in_texts() -> None:
    personal = PersonalData()
    personal.body("lead/x/", json.dumps(CUSTOMER))
    text = personal.text("shows the name 'Grace Hopper' (Grace Hoppers stay)")
    assert text == f"shows the name '{stand_in('person', 'Grace Hopper')}' (Grace Hoppers stay)"


# --- the recorder and a whole run on the embedded emulator --------------------------------


def plant(server: EmulatorServer) -> tuple[str, list[str]]:
    """A customer's lead planted through the emulator's API before any run: its id, and
    every personal value an answer of the organization holds (its own and ``me/``'s, for
    both keys)."""
    personal: list[str] = []
    for key in (server.api_key, server.other_api_key):
        with httpx.Client(base_url=server.base_url + "/", auth=(key, "")) as api:
            me = api.get("me/").json()
            personal += [me["email"], me["first_name"], me["last_name"], me["display_name"]]
            personal += [o["name"] for o in me["organizations"]]
    body = {k: v for k, v in CUSTOMER.items() if k in ("name", "contacts")}
    body["contacts"] = [
        {k: v for k, v in c.items() if k in ("name", "title", "emails", "phones")}
        for c in CUSTOMER["contacts"]
    ]
    with httpx.Client(base_url=server.base_url + "/", auth=(server.api_key, "")) as api:
        created = api.post("lead/", json=body)
        assert created.status_code == 200, created.text
    personal += ["Grace Hopper", "grace@hopper.example", "+12025550123"]
    return str(created.json()["id"]), personal


def recorded_text(directory: Path) -> str:
    """Every file of a recording, as one text (a cassette's YAML parsed first: it folds
    long strings across lines)."""
    texts = []
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        text = path.read_text("utf-8")
        if path.suffix == ".yaml":
            text = json.dumps(yaml.safe_load(text), ensure_ascii=False)
        texts.append(text)
    return "\n".join(texts)


@pytest.mark.parametrize("keep", [False, True], ids=["scrubbed", "kept"])
def test_the_recorder_scrubs_answers_unless_asked_to_keep_them(tmp_path: Path, keep: bool) -> None:
    with EmulatorServer() as server:
        lead_id, personal = plant(server)
        # When me/ and the planted lead are read through a recorder
        with recording(tmp_path, [server.api_key], keep_personal_data=keep) as recorder:
            with httpx.Client(
                base_url=server.base_url + "/",
                auth=(server.api_key, ""),
                transport=recorder.transport(),
            ) as api:
                me = api.get("me/").json()
                assert api.get(f"lead/{lead_id}/").json()["name"] == CUSTOMER["name"]
    # Then the client read the real answers, and the cassette holds them only when kept
    assert me["first_name"] == "Dana"
    assert (tmp_path / CASSETTE_FILE).is_file()
    cassette = recorded_text(tmp_path)
    found = [value for value in [*personal[:5], *CUSTOMER_PERSONAL[:3]] if value in cassette]
    assert found == ([*personal[:5], *CUSTOMER_PERSONAL[:3]] if keep else [])
    # And the ids are kept either way
    assert me["id"] in cassette and lead_id in cassette
    stored = yaml.safe_load((tmp_path / CASSETTE_FILE).read_text("utf-8"))["interactions"]
    assert all(json.loads(i["response"]["body"]["string"]) for i in stored)


def test_a_recording_holds_no_personal_data_yet_replays_with_the_same_verdict(
    tmp_path: Path,
) -> None:
    small: dict[str, Any] = {
        "examples": 1,
        "stateful_runs": 0,
        "custom_object_type_ids": (type_ids()["Asset"],),
    }
    with EmulatorServer() as server:
        # Given a customer's lead, planted before the run, that the run is given
        lead_id, personal = plant(server)
        # When a run on it is recorded
        config = live_config(server, record=tmp_path / "rec", lead_id=lead_id, **small)
        recorded, first = verdict(config)

    # Then no file of the recording holds a personal value of me/ or of that lead
    text = recorded_text(tmp_path / "rec")
    assert [value for value in personal if value in text] == []
    # And it holds the ids the ownership proofs compare, and the run's token
    corpus = json.loads((tmp_path / "rec" / "corpus.json").read_text("utf-8"))
    assert lead_id in text and corpus["run_token"] in text
    # And a replay of it reaches the recorded verdict, case by case
    replay = contract.Config(
        cassettes=tmp_path / "rec",
        lead_id=lead_id,
        custom_object_type_ids=small["custom_object_type_ids"],
    )
    replayed, second = verdict(replay)
    assert replayed == recorded
    assert second.summary.exit_code == first.summary.exit_code == 0
    assert second.summary.requests == first.summary.requests
