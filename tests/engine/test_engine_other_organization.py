"""A default run names the other organization's ids and judges every timestamp: on the
embedded emulator, whose second organization holds a lead, and again offline from its
recording (the recording keeps that lead, so the replay sends and judges the same)."""

from __future__ import annotations

import json
from pathlib import Path

from support.run import run_engine, type_ids

from contract.config import Config

# Each judged at least once by the first valid lifecycle of the richest type.
JUDGED = (
    "foreign_references_refused",
    "foreign_user_refused",
    "existence_not_leaked",
    "timestamps_not_in_future",
    "stamped_when_created",
    "date_updated_advances",
    "immutable_on_update",
)


def test_the_embedded_run_and_its_replay_judge_the_other_organization_and_the_clock(
    tmp_path: Path,
) -> None:
    # Given a small run on the embedded emulator, recorded (a replay runs the phases the
    # recording ran: the stateful one included)
    types = (type_ids()["Subscription"],)
    config = Config(
        record=tmp_path / "rec", examples=1, stateful_steps=5, custom_object_type_ids=types
    )
    recorded = run_engine(config).finished.summary

    # Then the faithful emulator breaks nothing, warns of nothing, and each check judged
    assert (recorded.violations, recorded.warnings, recorded.exit_code) == (0, 0, 0)
    for name in JUDGED:
        assert recorded.checks[name].judged > 0, (name, recorded.checks[name])
    # ...the lead, the type, a contact and an instance named on create, three of them on PUT
    assert recorded.checks["foreign_references_refused"].judged == 7
    corpus = json.loads((tmp_path / "rec" / "corpus.json").read_text("utf-8"))
    assert str(corpus["other_lead_id"]).startswith("lead_")

    # When the recording is replayed offline
    replay = Config(cassettes=tmp_path / "rec", custom_object_type_ids=types)
    replayed = run_engine(replay).finished.summary

    # Then the same answers are judged the same way, the clock by the recorded Date headers
    assert (replayed.violations, replayed.warnings) == (0, 0)
    for name in JUDGED:
        assert replayed.checks[name] == recorded.checks[name], name
