"""A multi-value field answered as one bare value instead of a one-element list: Close's own
examples show both forms, so the documented layer lets it pass, and a baseline recorded on
a target that answers lists reports the switch as a breaking type change."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.run import Ran, run_engine

from contract.baseline import load_baseline
from contract.config import Config
from contract.errors import Regression

FAULT = "multi_value_as_string"
FEATURES = '["custom.Features"]'
EXAMPLES = 5


def run(**options: object) -> Ran:
    # The single-case phases only: their cases, and so the shapes they record, do not
    # depend on what another phase draws.
    return run_engine(Config(examples=EXAMPLES, stateful_runs=0, **options))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def lists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A baseline recorded on the faithful emulator, which answers lists."""
    path = tmp_path_factory.mktemp("lists") / "baseline.json"
    ran = run(baseline_out=path)
    assert ran.finished.violations == ()
    return path


def features(baseline: Path) -> dict[str, object]:
    """The recorded shape of the Features field, by operation (where it was seen)."""
    found: dict[str, object] = {}
    for operation, shape in load_baseline(baseline).operations.items():
        keys = shape.get("keys", {})
        if "data" in keys:
            keys = (keys["data"].get("items") or {}).get("keys", {})
        if "custom.Features" in keys:
            found[operation] = keys["custom.Features"]["type"]
    return found


def test_the_documented_layer_accepts_the_bare_value(tmp_path: Path) -> None:
    # When the target answers a one-element multi-value as its bare value
    ran = run(emulator_faults=(FAULT,), baseline_out=tmp_path / "bare.json")

    # Then no check of the documented layer flags it
    assert ran.finished.violations == (), ran.finished.summary.by_check
    assert ran.finished.summary.exit_code == 0
    # and yet the run saw the bare form (the baseline it recorded holds a string there)
    seen = features(tmp_path / "bare.json")
    assert any("string" in (kind if isinstance(kind, list) else [kind]) for kind in seen.values())


def test_a_baseline_of_lists_flags_the_bare_value_as_breaking(lists: Path) -> None:
    # Given a baseline where Features was always a list
    assert features(lists) and set(features(lists).values()) == {"array"}

    # When a later run meets the bare form
    ran = run(emulator_faults=(FAULT,), baseline=lists)

    # Then it is a breaking type change of that field (and the sent list coming back
    # changed, as the recorded echoes show), and nothing else is reported
    found = ran.finished.violations
    assert found and all(isinstance(v, Regression) for v in found), [v.title for v in found]
    changes = [v for v in found if isinstance(v, Regression) and v.path.endswith(FEATURES)]
    assert changes and len(changes) == len(found)
    assert {(v.kind, v.severity, v.check) for v in changes} == {
        ("type_change", "breaking", "shape_regression"),
        ("echo_change", "breaking", "echo_regression"),
    }
    types = [v for v in changes if v.kind == "type_change"]
    assert all(v.old == "array" and "string" in v.new for v in types)
