"""Portable baselines: a baseline recorded on one organization compares with another that
has the same types under other ids, and a real change of a field is still reported.

The emulator's ids come from its seed, so two emulators with seeds 0 and 1 are two
organizations with the same types, fields and names and no id in common (as production
and a candidate deployment are).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from support.run import Ran, cli, run_engine

from contract.baseline import FORMAT_VERSION, load_baseline
from contract.config import Config
from contract.emulator import EmulatorServer
from contract.errors import CassetteError, Regression
from contract.events import RunStarted

EXAMPLES = 5
NUMBER_FIELDS = ("custom.Seats", "custom.Purchase Price")


def run_on(server: EmulatorServer, **options: Any) -> Ran:
    """One engine run against ``server`` (the run's own seed stays 0: same cases)."""
    config = Config(
        base_url=server.base_url,
        api_key=server.api_key,
        other_api_key=server.other_api_key,
        examples=EXAMPLES,
        **options,
    )
    return run_engine(config)


def type_ids(ran: Ran) -> tuple[str, ...]:
    (started,) = (e for e in ran.events if isinstance(e, RunStarted))
    return started.types


def regressions(ran: Ran) -> list[Regression]:
    return [v for v in ran.finished.violations if isinstance(v, Regression)]


def instance_keys(shape: dict[str, Any]) -> tuple[str, set[str]]:
    """Where an operation's instance is (``$`` or a list's ``$.data[*]``) and its keys."""
    keys = shape.get("keys", {})
    if "data" in keys:
        items = keys["data"].get("items") or {}
        return "$.data[*]", set(items.get("keys", {}))
    return "$", set(keys)


def type_changes_seen(old: Path, new: Path, fields: tuple[str, ...]) -> set[str]:
    """The titles of the type changes of ``fields`` that two baselines can show.

    Which optional fields a case sends a value depends on the cases drawn; only a key that
    both runs saw a value of can show that its values changed.
    """
    before, after = load_baseline(old).operations, load_baseline(new).operations
    titles: set[str] = set()
    for operation in before.keys() & after.keys():
        parent, was = instance_keys(before[operation])
        _, now = instance_keys(after[operation])
        titles |= {
            f'{operation}: type changed at {parent}["{key}"]' for key in fields if key in was & now
        }
    return titles


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[str, ...]]:
    """A baseline recorded on the seed-0 organization, and that organization's type ids."""
    path = tmp_path_factory.mktemp("production") / "baseline.json"
    with EmulatorServer(seed=0) as server:
        ran = run_on(server, baseline_out=path)
    assert ran.finished.violations == ()
    return path, type_ids(ran)


def test_a_baseline_compares_cleanly_with_an_organization_whose_ids_differ(
    production: tuple[Path, tuple[str, ...]], tmp_path: Path
) -> None:
    baseline, production_ids = production
    # When the contract runs on another organization against the production baseline,
    with EmulatorServer(seed=1) as server:
        ran = run_on(server, baseline=baseline, baseline_out=tmp_path / "candidate.json")

    # Then its ids differ and nothing is a regression (nor any other violation).
    assert set(type_ids(ran)).isdisjoint(production_ids)
    assert [case.phase for case in ran.cases if case.phase == "baseline"] == ["baseline"]
    assert ran.finished.violations == ()
    # And no id of either organization is in a baseline's keys.
    for path in (baseline, tmp_path / "candidate.json"):
        recorded = load_baseline(path)
        keys = json.dumps([*recorded.operations, *recorded.types, recorded.statuses])
        assert not any(type_id in keys for type_id in (*production_ids, *type_ids(ran)))
        assert "custom.cf_" not in path.read_text("utf-8")

    # And `close-contract diff` of the two baselines finds no difference.
    diff = cli("diff", str(baseline), str(tmp_path / "candidate.json"))
    assert diff.returncode == 0, diff.stdout + diff.stderr
    assert diff.stdout.strip() == "No differences: the baselines agree."


def test_a_changed_answer_is_still_reported_after_the_id_change(
    production: tuple[Path, tuple[str, ...]], tmp_path: Path
) -> None:
    baseline, _ = production
    candidate = tmp_path / "candidate.json"
    # When the other organization answers number custom values as strings,
    with EmulatorServer(seed=1, faults=("number_as_string",)) as server:
        ran = run_on(server, baseline=baseline, baseline_out=candidate)

    # Then each answer that carries a number field in both is reported, by field name,
    expected = type_changes_seen(baseline, candidate, NUMBER_FIELDS)
    assert any("[Subscription]" in title for title in expected)
    assert any("[Asset]" in title for title in expected)
    found = regressions(ran)
    changed = {r.title for r in found if r.rule == "response-property-type-changed"}
    assert changed == expected
    # And so is how the numbers sent come back (as strings), where a case sent one;
    assert {r.rule for r in found} <= {
        "response-property-type-changed",
        "response-sent-value-stringified",
    }
    # All as ERR, with no id in their words.
    assert all(r.level == "ERR" and "cf_" not in r.message for r in found)


def changed_definitions(db: Path) -> None:
    """Make "Seats" text, let "Plan" hold several values and remove "Notes"."""
    connection = sqlite3.connect(db)
    with connection:
        connection.execute(
            "UPDATE custom_field SET doc = json_set(doc, '$.type', 'text')"
            " WHERE json_extract(doc, '$.name') = 'Seats'"
        )
        connection.execute(
            "UPDATE custom_field SET doc = json_set(doc, '$.accepts_multiple_values', json('true'))"
            " WHERE json_extract(doc, '$.name') = 'Plan'"
        )
        connection.execute("DELETE FROM custom_field WHERE json_extract(doc, '$.name') = 'Notes'")
    connection.close()


def test_a_changed_field_definition_is_still_reported_after_the_id_change(
    production: tuple[Path, tuple[str, ...]], tmp_path: Path
) -> None:
    baseline, _ = production
    db, candidate = tmp_path / "candidate.sqlite", tmp_path / "candidate.json"
    with EmulatorServer(seed=1, db_path=db):
        pass  # seeds the other organization into the file
    changed_definitions(db)

    # When the other organization's fields changed type, multiplicity and presence,
    with EmulatorServer(seed=1, db_path=db) as server:
        ran = run_on(server, baseline=baseline, baseline_out=candidate)

    # Then each change of a definition is one breaking regression, by field name,
    found = regressions(ran)
    declared = {(r.title, r.severity, r.old, r.new) for r in found if r.title.startswith("type ")}
    assert declared == {
        (
            'type Subscription: field type changed at $["custom.Seats"]',
            "breaking",
            "number",
            "text",
        ),
        (
            'type Subscription: field type changed at $["custom.Plan"]',
            "breaking",
            "choices",
            "choices (multiple)",
        ),
        ('type Subscription: field removed at $["custom.Notes"]', "breaking", "text", None),
    }
    # And the answers are reported where they changed, and nowhere else.
    answers = {r.title for r in found if not r.title.startswith("type ")}
    assert answers
    assert answers == type_changes_seen(baseline, candidate, ("custom.Seats", "custom.Plan"))


def test_a_baseline_of_the_older_format_is_refused_before_any_request(
    production: tuple[Path, tuple[str, ...]], tmp_path: Path
) -> None:
    baseline, _ = production
    old = tmp_path / "old.json"
    document = json.loads(baseline.read_text("utf-8"))
    old.write_text(json.dumps({**document, "version": FORMAT_VERSION - 1}), "utf-8")

    with EmulatorServer(seed=1) as server:
        with pytest.raises(CassetteError, match="recorded by an older version") as caught:
            run_on(server, baseline=old)
        assert server.count_rows("lead") == 0
    assert "record it again with close-contract baseline --out FILE" in str(caught.value)

    diff = cli("diff", str(old), str(baseline))
    assert diff.returncode == 2
    [line] = diff.stderr.strip().splitlines()
    assert str(old) in line and "recorded by an older version" in line
