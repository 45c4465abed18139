"""The README quickstart is exactly the two make targets, and both exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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


def _section(title: str) -> str:
    readme = (ROOT / "README.md").read_text("utf-8")
    return readme.split(title, 1)[1].split("\n## ", 1)[0]


def test_the_pyproject_example_is_read_as_written(tmp_path: Path) -> None:
    # The README's [tool.close-contract] table, in a project's pyproject.toml
    from contract.config import Config
    from contract.options import Given

    table = _section("**Where options come from.**").split("```toml", 1)[1].split("```", 1)[0]
    (tmp_path / "pyproject.toml").write_text(table, "utf-8")
    given = Given.read("cli", {}, command="run", environ={}, start=tmp_path)
    values, notices = given.settle()
    config = Config.from_options(values)
    assert notices == [] and all(given.source(name) == "file" for name in values)
    assert config.examples == 20 and config.max_time == 1800
    assert config.checks == ("status_conformance", "echo_conformance")
    assert config.report_json == tmp_path / "reports" / "contract.json"
    config.validate()


def test_the_added_option_of_the_walkthrough_reaches_every_door() -> None:
    # The README's field, declared on a dataclass of its own: the table built from it
    # holds every spelling the walkthrough promises.
    import dataclasses
    import textwrap

    from contract.config import option
    from contract.options import options_of

    code = _section("## Adding an option").split("```python", 1)[1].split("```", 1)[0]
    field = textwrap.dedent(code.split("# the code that uses it", 1)[0].split("\n", 2)[2])
    source = "class Example:\n" + textwrap.indent(field, "    ")
    namespace: dict[str, object] = {"option": option}
    exec(compile(source, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    (added,) = options_of(dataclasses.dataclass(namespace["Example"]))  # type: ignore[call-overload]

    assert (added.name, added.flag, added.pytest_flag) == (
        "max_leads",
        "--max-leads",
        "--close-max-leads",
    )
    assert (added.env, added.key) == ("CLOSE_MAX_LEADS", "max-leads")
    assert added.help_text.endswith("[default: 4]")
    assert added.targets == {"emulator", "live"} and added.commands == {"run", "baseline"}


def test_the_pytest_example_runs_as_written(pytester: pytest.Pytester) -> None:
    # The README's pytest example, as a test file of a project that installed the toolkit
    code = _section("## In pytest").split("```python", 1)[1].split("```", 1)[0]
    pytester.makepyfile(test_readme_example=code)

    # runs on the embedded emulator: its own property and the whole contract both pass
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=2)
