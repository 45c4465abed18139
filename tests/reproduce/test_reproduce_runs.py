"""A finding of a report runs again, on the emulator or a live target, and says whether it
still shows; the run it makes leaves the customer's data as it was."""

from __future__ import annotations

import json
from pathlib import Path

from support.cli import cli
from support.run import live_config, run_engine, type_ids
from support.safety import Planted, changed, snapshot, unaccounted

from contract.emulator import EmulatorServer
from contract.reports import RunReport
from contract.reproduce import pick, read_report, reproduce, reproduction_config

FAULTS = ("accept_invalid_choice", "put_replaces")


def test_each_root_cause_runs_again_from_the_report_and_its_script(tmp_path: Path) -> None:
    # Given a report of a run on the emulator with two faults: an invalid create accepted
    # (single case) and a PUT that replaces (the stateful tour shows it)
    report = tmp_path / "nightly.json"
    faults = [arg for fault in FAULTS for arg in ("--emulator-fault", fault)]
    subscription = type_ids()["Subscription"]
    ran = cli(
        "run", *faults, "--examples", "1", "--stateful-runs", "1",
        "--custom-object-type-id", subscription, "--report-json", str(report), "-q",
    )  # fmt: skip
    assert ran.returncode == 1, ran.stderr
    data = json.loads(report.read_text("utf-8"))
    by_check = {v["check"]: v for v in data["violations"]}
    assert {"status_conformance", "put_is_patch"} <= set(by_check)

    # Then each root cause has its script beside the report, which runs it again
    scripts = report.with_name("nightly-reproduce")
    causes = {v["fingerprint"] for v in data["violations"]}
    assert {p.stem for p in scripts.glob("*.sh")} == causes
    for found in data["violations"]:
        script = (scripts / f"{found['fingerprint']}.sh").read_text("utf-8")
        assert script == found["script"]
        assert "close-contract reproduce" in script and '"$here/../"nightly.json' in script

    # When the invalid create and the stateful sequence run again (the report's own
    # target: the emulator with its faults), by number and by root cause
    invalid = by_check["status_conformance"]
    number = data["violations"].index(invalid) + 1
    again = cli("reproduce", str(report), str(number))
    stateful = cli("reproduce", str(report), by_check["put_is_patch"]["fingerprint"][:6])

    # Then both showed again (exit 1), with what the run found
    assert again.returncode == 1, again.stdout + again.stderr
    assert f"reproducing #{number} [status_conformance]" in again.stdout
    assert "reproduced: POST custom_object/ answered 2" in again.stdout
    assert stateful.returncode == 1, stateful.stdout + stateful.stderr
    assert "reproduced: " in stateful.stdout and "put_is_patch" in stateful.stdout

    # And on a faithful emulator it does not (exit 0)
    fixed = cli("reproduce", str(report), invalid["fingerprint"], "--target", "emulator")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert f"not reproduced: root cause {invalid['fingerprint']} did not show" in fixed.stdout


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = cli("reproduce", str(tmp_path / "none.json"), "1")
    (tmp_path / "x.json").write_text("[1, 2", "utf-8")
    broken = cli("reproduce", str(tmp_path / "x.json"), "1")
    for ran, says in ((missing, "no such report"), (broken, "not a JSON report")):
        assert ran.returncode == 2
        lines = ran.stderr.strip().splitlines()
        assert len(lines) == 1 and says in lines[0], ran.stderr


def test_a_live_reproduction_proves_what_it_writes_to_and_deletes_it(
    planted: Planted, customer_db: Path, tmp_path: Path
) -> None:
    # Given a run on a live target with customer data in both organizations, which found
    # an invalid create accepted, and its JSON report
    subscription = type_ids()["Subscription"]
    with EmulatorServer(faults=("accept_invalid_choice",), db_path=customer_db) as srv:
        options = {"examples": 1, "stateful_runs": 0, "custom_object_type_ids": (subscription,)}
        report = RunReport()
        for event in run_engine(live_config(srv, **options)).events:
            report.add(event)
        path = tmp_path / "live.json"
        path.write_text(json.dumps(report.to_json(report_name=path.name)), "utf-8")
        source = read_report(path)
        finding = next(f for f in source.findings() if f.check == "status_conformance")
        before = snapshot(customer_db)

        # When the finding runs again on that target (cleanup deleted the earlier lead)
        config = reproduction_config(live_config(srv), source, pick(source, finding.fingerprint))
        result = reproduce(config, finding)
        after = snapshot(customer_db)

    # Then it showed again, on a lead of its own
    assert result.reproduced and result.same[0].check == "status_conformance"
    assert finding.case is not None
    assert finding.case["payload"]["lead_id"] not in result.same[0].reproduction
    # ...and every row that was there is still there, and every row it made is gone
    assert changed(before, after) == []
    assert result.left_behind == 0
    assert unaccounted(before, after, "") == []
