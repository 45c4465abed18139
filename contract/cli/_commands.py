"""The commands: options in, a configuration for the core, its events to the terminal.

Imports of the core happen inside the commands, so ``--help`` and a usage error stay fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.console import Console

from contract._version import __version__
from contract.cli._cleanup import cleanup
from contract.cli._options import BASELINE_EPILOG, RUN_EPILOG, Help, output_options, target_options
from contract.cli._terminal import QUIET, VERBOSE, Terminal
from contract.errors import ContractError

if TYPE_CHECKING:
    from contract.config import Config
    from contract.events import RunFinished
    from contract.reports import RunReport

__all__ = ["main"]


def _keys(given: list[str | None]) -> list[str]:
    from contract.secrets import MIN_SECRET_LENGTH

    # Both variables, whatever the target: an error may quote either before the target is
    # known. A shorter key was refused before any use, so it cannot be in any text; a key
    # with a control character was refused too, and is blanked all the same.
    variables = (os.environ.get(name) for name in ("CLOSE_API_KEY", "CLOSE_OTHER_API_KEY"))
    keys = [*given, *variables]
    return list(dict.fromkeys(k for k in keys if k and len(k) >= MIN_SECRET_LENGTH))


def _redactor_for(keys: list[str]) -> Callable[[str], str]:
    from contract.secrets import Redactor

    return Redactor(keys)


def _fail(exc: ContractError, keys: list[str | None] | None = None) -> NoReturn:
    # One clear line, no traceback: the message already says what to fix. The keys the
    # run was given are blanked once more here, whatever part of the core wrote it.
    text = _redactor_for(_keys(keys or []))(str(exc))
    Console(stderr=True, highlight=False).print(
        f"close-contract: error: {text}", markup=False, soft_wrap=True
    )
    sys.exit(exc.exit_code)


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


def _config(kw: dict[str, Any]) -> Config:
    from contract.config import Config
    from contract.options import OPTIONS

    return Config.from_options(
        {
            "base_url": kw["base_url"],
            "api_key": kw["api_key"],
            "other_api_key": kw["other_api_key"],
            "bearer": kw["bearer"],
            "custom_object_type_ids": kw["type_ids"],
            "lead_id": kw["lead_id"],
            "examples": kw["examples"],
            "seed": kw["seed"],
            "max_inconclusive": kw["max_inconclusive"],
            "shrink": kw["shrink"],
            "schemathesis": kw["schemathesis"],
            "emulator_faults": kw["faults"],
            "emulator_throttle": kw["emulator_throttle"],
            "emulator_rate_limit": kw["emulator_rate_limit"],
            "workers": kw["workers"],
            "max_rate": kw["max_rate"],
            "stateful_runs": kw.get("stateful_runs"),
            "stateful_steps": kw.get("stateful_steps"),
            # Comma-separated, and the option may be repeated: one string for the Config.
            "checks": ",".join(kw["checks"]) or None,
            "exclude_checks": ",".join(kw["exclude_checks"]) or None,
            "exitfirst": kw.get("exitfirst"),
            "record": kw.get("record"),
            "overwrite": kw.get("overwrite"),
            "cassettes": kw.get("cassettes"),
            "baseline": kw.get("baseline"),
            "baseline_out": kw.get("out"),
            "report_json": kw.get("report_json"),
            "junit_xml": kw.get("junit_xml"),
            "report_md": kw.get("report_md"),
            **{o.name: kw.get(o.name) for o in OPTIONS},
        }
    )


def _terminal(kw: dict[str, Any]) -> Terminal:
    reports = [kw.get(name) for name in ("report_json", "junit_xml", "report_md")]
    # A report written to standard output (`--report-json -`) owns it: the summary moves
    # to stderr, so that `close-contract run --report-json - | jq` reads only JSON.
    to_stdout = any(path is not None and str(path) == "-" for path in reports)
    verbosity = max(QUIET, min(VERBOSE, kw["verbose"] - kw["quiet"]))
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    return Terminal(
        err=err,
        out=err if to_stdout else Console(highlight=False),
        verbosity=verbosity,
        redact=_redactor_for(_keys([kw.get("api_key"), kw.get("other_api_key")])),
        reports=any(path is not None for path in reports),
    )


def _execute(
    kw: dict[str, Any], report: RunReport, terminal: Terminal
) -> tuple[Config | None, RunFinished | None]:
    """Run the contract the options describe, rendering its events.

    Returns the configuration and the run's last event, or no event when Ctrl-C (SIGTERM,
    SIGHUP: ``report.signal`` says which) stopped the run (no configuration either, when it
    came before the run began). Errors end the process with their one line, after what the
    run found until then.
    """
    config: Config | None = None
    begun = False
    try:
        # Imported inside the try: a Ctrl-C while the core loads is still exit 130.
        from contract.baseline import baseline_file
        from contract.engine import run as run_contract
        from contract.reports import check_writable

        config = _config(kw)
        config.validate()
        check_writable((config.report_json, config.junit_xml, config.report_md))
        out = config.baseline_out
        check_writable((baseline_file(out) if out else None,), what="baseline", stdout=False)
        begun = True
        return config, terminal.render(run_contract(config), report.add)
    except ContractError as exc:
        terminal.show_findings()
        if begun and config is not None:
            # The run had begun (its options held): what it found, what cleanup left and
            # why it ended are written down, for a CI job to keep.
            report.error = exc
            _write_reports(report, config, _keys([config.api_key, config.other_api_key]))
        _fail(exc, [kw.get("api_key"), kw.get("other_api_key")])
    except KeyboardInterrupt as exc:
        from contract.interrupts import last_signal

        # A phase may raise a plain KeyboardInterrupt of its own for a SIGTERM it caught.
        report.signal = getattr(exc, "signum", None) or last_signal()
        return (config if begun else None), None


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
@target_options
@click.option("-x", "--exitfirst", is_flag=True, help="Stop after the first case with a violation.")
@click.option("--record", type=click.Path(path_type=Path), help="Record cassettes into DIR.")
@click.option("--overwrite", is_flag=True, help="Let --record replace a recording already in DIR.")
@click.option("--cassettes", type=click.Path(path_type=Path), help="Replay cassettes from DIR.")
@click.option("--baseline", type=click.Path(path_type=Path), help="Compare with this baseline.")
@click.option(
    "--report-json", type=click.Path(path_type=Path), help="Write a JSON report (- for stdout)."
)
@click.option("--junit-xml", type=click.Path(path_type=Path), help="Write a JUnit XML report.")
@click.option("--report-md", type=click.Path(path_type=Path), help="Write a Markdown report.")
@output_options
def run(**kw: Any) -> None:
    """Run the contract against the emulator (default), a live API or cassettes."""
    from contract.interrupts import signals_as_interrupts

    # SIGTERM (a cancelled CI job) and SIGHUP end the run as Ctrl-C does: cleanup, reports.
    with signals_as_interrupts():
        _run(kw)


def _run(kw: dict[str, Any]) -> None:
    from contract.reports import RunReport

    report = RunReport()
    terminal = _terminal(kw)
    config, finished = _execute(kw, report, terminal)
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
    _write_reports(report, config, secrets)
    terminal.show_findings()
    terminal.show_summary(finished.summary)
    sys.exit(finished.summary.exit_code)


def _write_reports(report: RunReport, config: Config, secrets: list[str]) -> None:
    from contract.reports import write_reports

    try:
        write_reports(
            report,
            json_path=config.report_json,
            junit_path=config.junit_xml,
            markdown_path=config.report_md,
            redact=secrets,
        )
    except ContractError as exc:
        _fail(exc, [*secrets])


@main.command(cls=Help, epilog=BASELINE_EPILOG)
@target_options
@click.option(
    "--out", type=click.Path(path_type=Path), required=True, help="Write the baseline here."
)
@output_options
def baseline(**kw: Any) -> None:
    """Run the contract and write what the target did (shapes, statuses) as a baseline."""
    from contract.interrupts import signals_as_interrupts
    from contract.reports import RunReport

    terminal = _terminal(kw)
    report = RunReport()
    with signals_as_interrupts():
        config, finished = _execute(kw, report, terminal)
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
def diff(old: Path, new: Path, as_json: bool) -> None:
    """Compare two baselines (or two cassette directories): exit 1 on any regression."""
    from contract.baseline import diff_paths, format_differences

    try:
        regressions = diff_paths(old, new)
    except ContractError as exc:
        _fail(exc)
    click.echo(format_differences(regressions, as_json=as_json))
    sys.exit(1 if regressions else 0)


main.add_command(cleanup)
