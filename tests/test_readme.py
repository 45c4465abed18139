"""The README quickstart is exactly the two make targets, and both exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quickstart_is_make_run_and_make_test() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    block = readme.split("## Quickstart", 1)[1].split("```")[1]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make run", "make test"]


def test_make_targets_and_ci_entry_exist() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text("utf-8")


def test_the_own_check_example_runs_as_written() -> None:
    # The README's example, run as it stands: its check is registered, selected and tallied.
    from contract.checks import APPLIES, CHECKS

    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Writing your own check", 1)[1]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {"print": lambda *args: None}
    try:
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own README
        tally = namespace["events"][-1].summary.checks["name_has_no_padding"]  # type: ignore[index]
        assert tally.judged > 0 and tally.failed == 0 and tally.not_run is None
    finally:
        CHECKS.pop("name_has_no_padding", None)
        APPLIES.pop("name_has_no_padding", None)
