"""The commands: options in, a configuration for the core, its events to the terminal.

Imports of the core happen inside the commands, so ``--help`` and a usage error stay fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.console import Console

from contract._version import __version__
from contract.cli._cleanup import cleanup
from contract.cli._fail import fail as _fail
from contract.cli._fail import keys as _keys
from contract.cli._fail import redactor_for as _redactor_for
from contract.cli._options import (
    BASELINE_EPILOG,
    RUN_EPILOG,
    Help,
    output_options,
    read_options,
    settle,
    table_options,
)
from contract.cli._reproduce import reproduce
from contract.cli._terminal import QUIET, VERBOSE, Terminal
from contract.errors import ContractError

if TYPE_CHECKING:
    from contract.config import Command, Config
    from contract.events import RunFinished
    from contract.options import Given
    from contract.reports import RunReport

__all__ = ["main"]

# Where a run without --report-json writes its JSON report, under the state directory.
LAST_RUN = Path("last-run") / "report.json"


class _Commands(click.Group):
    """Loads ``serve`` (the emulator: Starlette, uvicorn) only when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), "serve"])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == "serve":
            from contract.emulator import serve_command

            return serve_command
        return super().get_command(ctx, name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="close-contract")
def main() -> None:
    """Contract tests for the Close CRM Custom Object API."""


def _terminal(kw: dict[str, Any], config: Config | None) -> Terminal:
    paths = (
        (config.report_json, config.junit_xml, config.report_md, config.report_html)
        if config
        else ()
    )
    # A report written to standard output (`--report-json -`) owns it: the summary moves
    # to stderr, so that `close-contract run --report-json - | jq` reads only JSON.
    to_stdout = any(path is not None and str(path) == "-" for path in paths)
    verbosity = max(QUIET, min(VERBOSE, kw["verbose"] - kw["quiet"]))
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    return Terminal(
        err=err,
        out=err if to_stdout else Console(highlight=False),
        verbosity=verbosity,
        redact=_redactor_for([kw.get("api_key"), kw.get("other_api_key")]),
        reports=any(path is not None for path in paths),
    )


def _execute(
    kw: dict[str, Any], command: Command, report: RunReport
) -> tuple[Terminal, Config | None, RunFinished | None]:
    """Run the contract the options describe, rendering its events on the terminal.

    Returns the terminal, the configuration and the run's last event, or no event when
    Ctrl-C (SIGTERM, SIGHUP: ``report.signal`` says which) stopped the run (no
    configuration either, when it came before the run began). Errors end the process with
    their one line, after what the run found until then.
    """
    config: Config | None = None
    given: Given | None = None
    terminal: Terminal | None = None
    begun = False
    try:
        # Imported inside the try: a Ctrl-C while the core loads is still exit 130.
        from contract.baseline import baseline_file
        from contract.engine import run as run_contract
        from contract.reports import check_writable

        given = read_options(kw, command)
        config = settle(given)
        terminal = _terminal(kw, config)
        config.validate()
        check_writable((config.report_json, config.junit_xml, config.report_md))
        check_writable((config.report_html,), what="HTML report", stdout=False)
        out = config.baseline_out
        check_writable((baseline_file(out) if out else None,), what="baseline", stdout=False)
        begun = True
        return terminal, config, terminal.render(run_contract(config), report.add)
    except ContractError as exc:
        if terminal is not None:
            terminal.show_findings()
        if begun and config is not None:
            # The run had begun (its options held): what it found, what cleanup left and
            # why it ended are written down, for a CI job to keep.
            report.error = exc
            _write_reports(report, config, _keys([config.api_key, config.other_api_key]))
        _fail(exc, [kw.get("api_key"), kw.get("other_api_key")], given)
    except KeyboardInterrupt as exc:
        from contract.interrupts import last_signal

        # A phase may raise a plain KeyboardInterrupt of its own for a SIGTERM it caught.
        report.signal = getattr(exc, "signum", None) or last_signal()
        shown = terminal if terminal is not None else _terminal(kw, None)
        return shown, (config if begun else None), None


_SIGNALS = {1: "SIGHUP", 2: "Ctrl-C", 15: "SIGTERM"}


def _interrupted(terminal: Terminal, summary: Any | None, signum: int | None) -> NoReturn:
    from contract.interrupts import exit_code_for

    terminal.show_findings()
    if summary is not None:
        terminal.show_summary(summary)
    name = _SIGNALS.get(signum or 2, f"signal {signum}")
    terminal.err.print(
        f"interrupted ({name}): cleanup ran; see above for anything left behind",
        soft_wrap=True,
        markup=False,
    )
    sys.exit(exit_code_for(signum))


@main.command(cls=Help, epilog=RUN_EPILOG)
@table_options("run")
@output_options
def run(**kw: Any) -> None:
    """Run the contract against the embedded emulator, a live API (--base-url) or a
    recording (--cassettes); --target names one outright."""
    from contract.interrupts import signals_as_interrupts

    # SIGTERM (a cancelled CI job) and SIGHUP end the run as Ctrl-C does: cleanup, reports.
    with signals_as_interrupts():
        _run(kw)


def _run(kw: dict[str, Any]) -> None:
    from contract.reports import RunReport

    report = RunReport()
    terminal, config, finished = _execute(kw, "run", report)
    if config is None:
        _interrupted(terminal, None, report.signal)
    # Only a live target uses the keys given (the emulator has its own, a replay none).
    live = config.target_kind == "live"
    keys = (config.resolved_api_key(), config.resolved_other_api_key()) if live else ()
    secrets = [k for k in keys if k]
    if finished is None:
        from contract.interrupts import ignore_interrupts

        # Ctrl-C again must not cut a report in half: it is what the interrupted run leaves.
        with ignore_interrupts():
            _write_reports(report, config, secrets)
        _interrupted(terminal, report.summary, report.signal)
    _write_reports(report, config, secrets, terminal)
    terminal.show_findings()
    terminal.show_summary(finished.summary)
    if config.report_json is None and terminal.scripts is not None:
        terminal.out.print(
            f"report and reproduction scripts: {terminal.scripts.parent / LAST_RUN.name}",
            markup=False,
            soft_wrap=True,
        )
    sys.exit(finished.summary.exit_code)


def _write_reports(
    report: RunReport, config: Config, secrets: list[str], terminal: Terminal | None = None
) -> None:
    from contract.reports import scripts_dir, write_reports

    json_path = config.report_json
    if json_path is None and any(c.violations for c in report.cases):
        # Without --report-json the report and each finding's script still go somewhere:
        # the state directory (the terminal names it), replacing the last run's.
        json_path = config.state_dir / LAST_RUN
    if terminal is not None and json_path is not None and str(json_path) != "-":
        terminal.scripts = scripts_dir(json_path)
        terminal.reports = True  # what the terminal leaves out is in a report now
    try:
        write_reports(
            report,
            json_path=json_path,
            junit_path=config.junit_xml,
            markdown_path=config.report_md,
            html_path=config.report_html,
            history_dir=config.history,
            redact=secrets,
        )
    except ContractError as exc:
        _fail(exc, [*secrets])


@main.command(cls=Help, epilog=BASELINE_EPILOG)
@table_options("baseline")
@output_options
def baseline(**kw: Any) -> None:
    """Run the contract and write what the target did (shapes, statuses) as a baseline."""
    from contract.interrupts import signals_as_interrupts
    from contract.reports import RunReport

    report = RunReport()
    with signals_as_interrupts():
        terminal, config, finished = _execute(kw, "baseline", report)
    if config is None or finished is None:
        _interrupted(terminal, None, report.signal)
    terminal.show_findings()
    terminal.show_summary(finished.summary)
    terminal.out.print(f"baseline written to {config.baseline_out}", markup=False)
    sys.exit(finished.summary.exit_code)


@main.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@table_options("diff")
def diff(old: Path, new: Path, as_json: bool, **kw: Any) -> None:
    """Compare two baselines (or two cassette directories): every difference under its
    rule and level; exit 1 when one is at --fail-on or above."""
    from contract.baseline import diff_paths, format_differences

    given: Given | None = None
    try:
        given = read_options(kw, "diff")
        config = settle(given)
        findings = diff_paths(old, new, fail_on=config.fail_on, overrides=config.rule_overrides())
    except ContractError as exc:
        _fail(exc, given=given)
    click.echo(format_differences(findings, as_json=as_json))
    sys.exit(1 if findings.fails else 0)


main.add_command(cleanup)
main.add_command(reproduce)
