"""Baselines of whole runs, in process on the emulator (one type, no stateful phase, few
examples): two faithful runs with different seeds agree at every level, and each fault
only a baseline can see is caught by ``run --baseline`` at its rule's level."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.run import Ran, run_engine

from contract.baseline import RULES, compare_baselines, load_baseline
from contract.config import Config
from contract.emulator import EmulatorServer
from contract.errors import Level, Regression
from contract.events import BaselineCompared

EXAMPLES = 3
TYPE = "Subscription"  # the type with choices fields


def run_on(server: EmulatorServer, state: Path, seed: int, **options: Any) -> Ran:
    """One small run of one type against ``server``, without the stateful phase."""
    types = httpx.get(
        f"{server.base_url.rstrip('/')}/custom_object_type/", auth=(server.api_key, "")
    ).json()["data"]
    type_id = next(t["id"] for t in types if t["name"] == TYPE)
    config = Config(
        base_url=server.base_url,
        api_key=server.api_key,
        other_api_key=server.other_api_key,
        custom_object_type_ids=(type_id,),
        examples=EXAMPLES,
        stateful_runs=0,
        seed=seed,
        state_dir=state,
        **options,
    )
    return run_engine(config)


def regressions(ran: Ran) -> list[Regression]:
    return [v for v in ran.finished.violations if isinstance(v, Regression)]


@pytest.fixture(scope="module")
def faithful(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A baseline recorded from the faithful emulator with seed 0."""
    path = tmp_path_factory.mktemp("faithful") / "baseline.json"
    with EmulatorServer() as server:
        ran = run_on(server, path.parent / "state", 0, baseline_out=path)
    assert ran.finished.violations == ()
    return path


def test_two_faithful_baselines_with_other_seeds_agree_at_every_level(
    faithful: Path, tmp_path: Path
) -> None:
    # When the same faithful server is run with another seed, against the first baseline,
    other = tmp_path / "other.json"
    with EmulatorServer() as server:
        ran = run_on(server, tmp_path / "state", 1, baseline=faithful, baseline_out=other)

    # Then the run finds nothing, and the two baselines differ at no level, either way.
    assert ran.finished.violations == ()
    first, second = load_baseline(faithful), load_baseline(other)
    assert first.to_dict()["operations"] != {}  # they were compared, not both empty
    assert list(compare_baselines(first, second)) == []
    assert list(compare_baselines(second, first)) == []


# The fault, the rule that must catch it, and its level.
FAULTS: dict[str, tuple[str, Level]] = {
    "json_as_text_plain": ("response-media-type-changed", "ERR"),
    "drop_rate_limit_header": ("response-header-removed", "ERR"),
    "fractional_rate_reset": ("response-number-became-non-integer", "ERR"),
    "choices_widened": ("response-enum-value-added", "WARN"),
    "text_values_capped": ("max-accepted-length-decreased", "WARN"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_only_a_baseline_sees_is_caught_at_its_level(
    faithful: Path, tmp_path: Path, fault: str
) -> None:
    rule, level = FAULTS[fault]
    assert RULES[rule].level == level
    candidate = tmp_path / "candidate.json"

    # When a server with the fault is run against the faithful baseline,
    with EmulatorServer(faults=(fault,)) as server:
        ran = run_on(server, tmp_path / "state", 1, baseline=faithful, baseline_out=candidate)

    # Then its rule finds it, at its level,
    findings = compare_baselines(load_baseline(faithful), load_baseline(candidate))
    assert (rule, level) in {(r.rule, r.level) for r in findings}
    found = regressions(ran)
    # ...the run reports it among every finding of its comparison, at that level...
    (compared,) = (e for e in ran.events if isinstance(e, BaselineCompared))
    assert (rule, level) in {(r.rule, r.level) for r in compared.findings}
    assert set(compared.failing) == set(found) and compared.fail_on == "ERR"
    if level == "ERR":
        # and the run fails on it: the default gate fails on ERR.
        assert (rule, "ERR") in {(r.rule, r.level) for r in found}
        assert ran.finished.summary.exit_code == 1
    else:
        # and the run passes: below ERR, the default gate reports it without failing.
        assert found == [] and ran.finished.summary.exit_code == 0
        assert rule in {r.rule for r in compared.below_gate}
        assert (
            not findings.fails
            and compare_baselines(
                load_baseline(faithful), load_baseline(candidate), fail_on=level
            ).fails
        )


def test_the_gate_of_a_run_is_its_fail_on_level_and_its_rule_levels(
    faithful: Path, tmp_path: Path
) -> None:
    # Given a server whose choices widened (a WARN finding, below the default gate),
    with EmulatorServer(faults=("choices_widened",)) as server:
        # when the run fails on WARN, it fails on it;
        warn = run_on(server, tmp_path / "a", 1, baseline=faithful, fail_on="WARN")
        # when the rule is raised to ERR, the default gate fails on it;
        raised = run_on(
            server,
            tmp_path / "b",
            1,
            baseline=faithful,
            rule_levels=("response-enum-value-added=ERR", "field-choice-added=ERR"),
        )
        # and when it is switched off, nothing fails even at INFO.
        off = run_on(
            server,
            tmp_path / "c",
            1,
            baseline=faithful,
            fail_on="INFO",
            rule_levels=("response-enum-value-added=off", "field-choice-added=off"),
        )
    assert {r.rule for r in regressions(warn)} >= {"response-enum-value-added"}
    assert warn.finished.summary.exit_code == 1
    assert {(r.rule, r.level) for r in regressions(raised)} >= {
        ("response-enum-value-added", "ERR")
    }
    assert raised.finished.summary.exit_code == 1
    assert regressions(off) == [] and off.finished.summary.exit_code == 0


def test_diff_exits_by_its_gate(faithful: Path, tmp_path: Path) -> None:
    from support.cli import cli

    candidate = tmp_path / "candidate.json"
    with EmulatorServer(faults=("choices_widened",)) as server:
        run_on(server, tmp_path / "state", 1, baseline_out=candidate)
    old, new = str(faithful), str(candidate)
    # WARN findings are shown but do not fail by default; at --fail-on WARN they do.
    default = cli("diff", old, new)
    assert default.returncode == 0 and "response-enum-value-added" in default.stdout
    assert cli("diff", old, new, "--fail-on", "WARN").returncode == 1
    assert cli("diff", old, new, "--rule-level", "response-enum-value-added=ERR").returncode == 1
    bad = cli("diff", old, new, "--rule-level", "no-such-rule=ERR")
    assert bad.returncode == 2 and "--rule-level" in bad.stderr
    env = cli("diff", old, new, env={"CLOSE_FAIL_ON": "WARN"})
    assert env.returncode == 1


def test_findings_below_the_gate_are_shown_and_reported_but_fail_nothing(
    faithful: Path, tmp_path: Path
) -> None:
    from jsonschema import Draft202012Validator
    from support.cli import cli
    from support.run import type_ids

    from contract.reports import report_schema

    # Given a server whose choices widened (WARN findings, below the default gate)
    report, markdown = tmp_path / "r.json", tmp_path / "r.md"
    with EmulatorServer(faults=("choices_widened",)) as server:
        # When the CLI runs against the faithful baseline with reports
        ran = cli(
            "run",
            *("--base-url", server.base_url, "--api-key", server.api_key),
            *("--custom-object-type-id", type_ids()[TYPE], "--examples", str(EXAMPLES)),
            *("--stateful-runs", "0", "--seed", "1", "--baseline", str(faithful)),
            *("--report-json", str(report), "--report-md", str(markdown)),
        )

    # Then the run passes, and the terminal names each finding by rule and level
    assert ran.returncode == 0, ran.stderr
    assert "0 at ERR or above fail the gate" in ran.stderr
    assert "WARN  response-enum-value-added" in ran.stderr
    # ...the JSON report holds every finding, none failing, and is valid
    data = json.loads(report.read_text("utf-8"))
    Draft202012Validator(report_schema()).validate(data)
    baseline = data["baseline"]
    assert baseline["fail_on"] == "ERR" and baseline["counts"]["WARN"] > 0
    assert {f["rule"] for f in baseline["findings"]} >= {"response-enum-value-added"}
    assert not any(f["fails"] for f in baseline["findings"]) and data["violations"] == []
    # ...and the Markdown report lists them by level and rule
    text = markdown.read_text("utf-8")
    assert "## Baseline:" in text and "| WARN | `response-enum-value-added` |" in text
