"""``close-contract cleanup`` after a hard kill: what a killed run left is found (through its
journal, or Close's lead search when the journal is lost), proven the run's, and deleted;
a customer's lead that looks alike is never touched."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from contract.cli import main
from contract.emulator import EmulatorServer
from contract.ledger import Journal, read_journal

TOKEN = "0123456789ab"


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(db_path=tmp_path / "e.db") as server:
        yield server


@pytest.fixture
def api(srv: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=srv.base_url + "/", auth=(srv.api_key, ""), timeout=10) as client:
        yield client


def _asset(api: httpx.Client) -> tuple[str, str]:
    """The seeded Asset type's id and the key of its required field."""
    (asset,) = [t for t in api.get("custom_object_type/").json()["data"] if t["name"] == "Asset"]
    (serial,) = [f for f in asset["fields"] if f["name"] == "Serial Number"]
    return asset["id"], f"custom.{serial['id']}"


def make_lead(
    api: httpx.Client, name: str, contact: str, instances: int = 1
) -> tuple[str, list[str], list[str]]:
    """A lead with one contact and ``instances`` Asset instances, made through the API as
    a run makes them: its id, its contacts' ids and its instances' ids."""
    lead = api.post("lead/", json={"name": name, "contacts": [{"name": contact}]}).json()
    type_id, serial = _asset(api)
    made = [
        api.post(
            "custom_object/",
            json={
                "custom_object_type_id": type_id,
                "lead_id": lead["id"],
                "name": f"asset {n}",
                serial: f"SN-{n}",
            },
        ).json()["id"]
        for n in range(instances)
    ]
    return lead["id"], [c["id"] for c in lead["contacts"]], made


def run_name(token: str = TOKEN) -> str:
    return f"close-contract disposable lead (seed 0, run {token})"


def contact_name(token: str = TOKEN) -> str:
    return f"close-contract contact (run {token})"


def write_journal(
    state: Path,
    srv: EmulatorServer,
    api: httpx.Client,
    made: tuple[str, list[str], list[str]],
    *,
    started: datetime | None = None,
    token: str = TOKEN,
) -> Path:
    """The journal a run killed after its creates would have left."""
    me = api.get("me/").json()
    journal = Journal.start(state, token, srv.base_url, started_at=started)
    journal.key(me["id"], me["organizations"][0]["id"])
    lead, contacts, instances = made
    journal.write({"event": "lead_intent", "token": token, "name": run_name(token)})
    journal.write({"event": "lead_created", "id": lead, "contacts": contacts})
    for instance in instances:
        journal.write({"event": "instance_created", "id": instance, "lead_id": lead})
    journal.close()
    return journal.path


def cleanup(srv: EmulatorServer, state: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main,
        ["cleanup", "--base-url", srv.base_url, "--state-dir", str(state), *args],
        env={"CLOSE_API_KEY": srv.api_key},
    )


def rows(srv: EmulatorServer) -> dict[str, int]:
    return {t: srv.count_rows(t) for t in ("lead", "contact", "custom_object")}


def test_a_killed_runs_journal_leads_to_its_leads_and_they_are_deleted(
    srv: EmulatorServer, api: httpx.Client, tmp_path: Path
) -> None:
    # Given what a run killed outright left: a lead with its contact and two instances,
    # and its journal
    before = rows(srv)
    made = make_lead(api, run_name(), contact_name(), instances=2)
    path = write_journal(tmp_path / "state", srv, api, made)

    # When cleanup runs with the token the run printed
    result = cleanup(srv, tmp_path / "state", "--run-token", TOKEN)

    # Then the lead and everything on it are gone, and the journal says so
    assert result.exit_code == 0, result.output
    assert f"deleted: lead {made[0]}" in result.output
    assert rows(srv) == before
    assert read_journal(path).cleaned
    mode = path.stat().st_mode & 0o777
    assert mode == 0o600 and (path.parent.stat().st_mode & 0o777) == 0o700


def test_dry_run_lists_what_it_would_delete_and_deletes_nothing(
    srv: EmulatorServer, api: httpx.Client, tmp_path: Path
) -> None:
    made = make_lead(api, run_name(), contact_name())
    write_journal(tmp_path / "state", srv, api, made)
    before = rows(srv)

    result = cleanup(srv, tmp_path / "state", "--run-token", TOKEN, "--dry-run")

    assert result.exit_code == 0, result.output
    assert f"would delete: lead {made[0]}" in result.output
    assert rows(srv) == before


def test_with_the_journal_lost_the_lead_search_finds_the_runs_lead(
    srv: EmulatorServer, api: httpx.Client, tmp_path: Path
) -> None:
    # Given a killed run's lead and no journal at all (a fresh CI machine)
    before = rows(srv)
    made = make_lead(api, run_name(), contact_name(), instances=2)

    # When cleanup runs with its token
    result = cleanup(srv, tmp_path / "state", "--run-token", TOKEN)

    # Then the lead search found it, and it was proven and deleted
    assert result.exit_code == 0, result.output
    assert f"deleted: lead {made[0]}" in result.output
    assert rows(srv) == before


def test_a_customer_lead_that_looks_alike_is_never_deleted(
    srv: EmulatorServer, api: httpx.Client, tmp_path: Path
) -> None:
    # Given a customer's lead named exactly like a run's lead, but whose contact is theirs,
    # another customer lead that only mentions the toolkit, and a real leftover of the run
    customer, _, _ = make_lead(api, run_name(), "Alice Example")
    mention, _, _ = make_lead(api, "close-contract evaluation notes", contact_name())
    ours, _, _ = make_lead(api, run_name(), contact_name())

    # When cleanup runs with the journal lost
    result = cleanup(srv, tmp_path / "state", "--run-token", TOKEN)

    # Then only the run's own lead went; the look-alike is listed as left behind, with why
    assert result.exit_code == 1, result.output
    assert f"deleted: lead {ours}" in result.output
    assert f"left behind: lead {customer}" in result.output
    assert "contact 'Alice Example' does not carry the token" in result.output
    assert api.get(f"lead/{customer}/").status_code == 200
    assert api.get(f"lead/{mention}/").status_code == 200
    assert api.get(f"lead/{ours}/").status_code == 404


def test_a_journal_lead_that_holds_what_the_journal_does_not_list_goes_to_the_search(
    srv: EmulatorServer, api: httpx.Client, tmp_path: Path
) -> None:
    # Given a journal lead whose contact the journal does not list (the server put a
    # customer's contact on it, or the id is not the run's lead at all)
    lead, _, instances = make_lead(api, run_name(), "Bob Customer")
    write_journal(tmp_path / "state", srv, api, (lead, ["cont_" + "0" * 43], instances))

    result = cleanup(srv, tmp_path / "state", "--run-token", TOKEN)

    # Then neither the journal's proof nor the name search's passes: it stays
    assert result.exit_code == 1, result.output
    assert f"left behind: lead {lead}" in result.output
    assert api.get(f"lead/{lead}/").status_code == 200


def test_older_than_takes_old_journals_and_leaves_recent_runs_alone(
    srv: EmulatorServer, api: httpx.Client, tmp_path: Path
) -> None:
    # Given a run killed three hours ago and one still going (started a minute ago)
    old = make_lead(api, run_name(), contact_name())
    recent_token = "ba9876543210"
    recent = make_lead(api, run_name(recent_token), contact_name(recent_token))
    state = tmp_path / "state"
    write_journal(state, srv, api, old, started=datetime.now(UTC) - timedelta(hours=3))
    write_journal(state, srv, api, recent, token=recent_token)

    result = cleanup(srv, state, "--older-than", "2h")

    # Then the old run's lead is gone and the running one's is untouched
    assert result.exit_code == 0, result.output
    assert api.get(f"lead/{old[0]}/").status_code == 404
    assert api.get(f"lead/{recent[0]}/").status_code == 200


@pytest.mark.parametrize(
    "args",
    [[], ["--run-token", TOKEN, "--older-than", "2h"], ["--older-than", "soon"]],
    ids=["neither", "both", "bad-age"],
)
def test_bad_input_is_exit_2_with_one_line(
    srv: EmulatorServer, tmp_path: Path, args: list[str]
) -> None:
    result = cleanup(srv, tmp_path / "state", *args)
    assert result.exit_code == 2, result.output
    assert "close-contract: error:" in result.output and "Traceback" not in result.output


def test_a_target_that_is_down_is_exit_3(tmp_path: Path) -> None:
    with EmulatorServer() as gone:
        url = gone.base_url
    result = CliRunner().invoke(
        main,
        [
            *("cleanup", "--base-url", url, "--run-token", TOKEN),
            *("--state-dir", str(tmp_path), "--max-attempts", "2"),
        ],
        env={"CLOSE_API_KEY": "a-key-long-enough-to-redact-0123456789"},
    )
    assert result.exit_code == 3, result.output


def test_the_journal_keeps_no_key_and_survives_a_line_cut_short(tmp_path: Path) -> None:
    # Given a journal whose API root was given with a key in it, cut mid-line by a kill
    journal = Journal.start(tmp_path, TOKEN, "https://sk_secret_key:@api.example.com/api/v1?k=1")
    journal.write({"event": "lead_created", "id": "lead_abc", "contacts": ["cont_abc"]})
    journal.close()
    with journal.path.open("a", encoding="utf-8") as cut:
        cut.write('{"id": "custobj_ab')

    # Then the key is nowhere in it, and reading it skips the cut line
    assert "sk_secret_key" not in journal.path.read_text("utf-8")
    run = read_journal(journal.path)
    assert run.base_url == "https://api.example.com/api/v1"
    assert run.leads == {"lead_abc": ["cont_abc"]} and run.instances == []


def test_the_api_root_key_and_state_directory_come_from_the_environment(
    srv: EmulatorServer, api: httpx.Client, tmp_path: Path
) -> None:
    # Given a killed run's journal, and the variables a CI workflow sets for all its jobs
    before = rows(srv)
    made = make_lead(api, run_name(), contact_name())
    write_journal(tmp_path / "state", srv, api, made)
    env = {
        "CLOSE_BASE_URL": srv.base_url,
        "CLOSE_API_KEY": srv.api_key,
        "CLOSE_STATE_DIR": str(tmp_path / "state"),
        "CLOSE_EXAMPLES": "3",  # an option of `run`: no business of cleanup's
    }

    # When cleanup runs with its token only
    result = CliRunner().invoke(main, ["cleanup", "--run-token", TOKEN], env=env)

    # Then it found the journal and deleted the run's lead, and said nothing of the rest
    assert result.exit_code == 0, result.output
    assert f"deleted: lead {made[0]}" in result.output and "notice" not in result.output
    assert rows(srv) == before


def test_without_an_api_root_cleanup_says_where_to_give_one() -> None:
    result = CliRunner().invoke(main, ["cleanup", "--run-token", TOKEN])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "close-contract: error: close-contract cleanup needs --base-url URL (or CLOSE_BASE_URL)"
    )
