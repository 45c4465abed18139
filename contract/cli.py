"""Front door: the ``close-contract`` command. It parses options and renders events; every
decision about the contract is the core's."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from contract import __version__
from contract.errors import ContractError

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])
_out = Console(highlight=False)
_err = Console(stderr=True, highlight=False)


def _fail(exc: ContractError, secrets: list[str | None] | None = None) -> NoReturn:
    # One clear line, no traceback: the message already says what to fix. The keys the
    # run was given are blanked once more here, whatever part of the core wrote it.
    from contract.secrets import MIN_SECRET_LENGTH, redact, secret_forms

    given = (secrets or []) + [os.environ.get("CLOSE_API_KEY")]
    # A shorter key was refused before any use, so it cannot be in the message.
    keys = [k for k in given if k and len(k) >= MIN_SECRET_LENGTH]
    text = redact(str(exc), secret_forms(keys))
    _err.print(f"close-contract: error: {text}", markup=False, soft_wrap=True)
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


def target_options(function: F) -> F:
    """The options that choose and shape a target (shared by ``run`` and ``baseline``)."""
    options = [
        click.option(
            "--base-url", help="API root of a live target, e.g. https://api.close.com/api/v1."
        ),
        click.option("--api-key", help="API key (default: $CLOSE_API_KEY)."),
        click.option("--other-api-key", help="A second organization's key, for org_isolation."),
        click.option("--bearer", is_flag=True, help="Send the key as a Bearer token."),
        click.option(
            "--custom-object-type-id", "type_ids", multiple=True, help="Test only these types."
        ),
        click.option(
            "--lead-id", help="Attach instances to this lead instead of a disposable one."
        ),
        # No click default: a replay refuses --examples, so "not given" must stay visible.
        # The numbers are contract.config's DEFAULT_EXAMPLES, MAX_LIVE_EXAMPLES and
        # MAX_EXAMPLES (a test holds them equal); importing it here would slow every command.
        click.option(
            "--examples",
            type=int,
            help="Valid payloads per type [default: 10; at most 1000 with --base-url, "
            "10000 on the emulator].",
        ),
        click.option("--seed", default=0, show_default=True, help="Seed of the generators."),
        click.option(
            "--shrink/--no-shrink", default=None, help="Shrink failures (default: emulator only)."
        ),
        click.option(
            "--schemathesis", is_flag=True, help="Also run schemathesis's checks on each type."
        ),
        click.option(
            "--max-inconclusive",
            type=click.FloatRange(0, 1),
            default=0.1,
            show_default=True,
            help="Share of cases the network may leave undecided before the run exits 3.",
        ),
        click.option(
            "--emulator-fault", "faults", multiple=True, help="Embedded emulator: inject a fault."
        ),
        click.option(
            "--emulator-throttle", type=int, help="Embedded emulator: 429 every N-th request."
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _config(**kw: Any) -> Any:
    from contract.config import Config

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
            "record": kw.get("record"),
            "overwrite": kw.get("overwrite"),
            "cassettes": kw.get("cassettes"),
            "baseline": kw.get("baseline"),
            "baseline_out": kw.get("out"),
            "report_json": kw.get("report_json"),
            "junit_xml": kw.get("junit_xml"),
            "report_md": kw.get("report_md"),
        }
    )


def _render(events: Iterator[Any], report: Any) -> Any:
    from contract.events import (
        CaseFinished,
        CleanupFinished,
        PhaseFinished,
        PhaseStarted,
        RunFinished,
        RunStarted,
    )

    progress = Progress(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_err,
        disable=not _err.is_terminal,
    )
    task = None
    finished = None
    with progress:
        for event in events:
            report.add(event)
            if isinstance(event, RunStarted):
                _err.print(f"target: {event.target} ({len(event.types)} types, seed {event.seed})")
            elif isinstance(event, PhaseStarted):
                task = progress.add_task(event.phase, total=event.total)
            elif isinstance(event, CaseFinished) and task is not None:
                progress.advance(task)
                for found in event.violations:
                    progress.console.print(
                        f"[red]✗[/red] {escape(found.check)}: {escape(found.title)}", markup=True
                    )
                if event.inconclusive:
                    progress.console.print(
                        f"[yellow]?[/yellow] {escape(event.label)}: inconclusive: "
                        f"{escape(event.inconclusive)}",
                        markup=True,
                    )
            elif isinstance(event, PhaseFinished) and task is not None:
                progress.update(task, total=progress.tasks[-1].completed)
                if progress.disable:
                    _err.print(f"{event.phase}: {int(progress.tasks[-1].completed)} cases")
            elif isinstance(event, CleanupFinished):
                _err.print(f"cleanup: deleted {event.deleted}")
                for leftover in event.leftovers:
                    _err.print(f"[yellow]left behind:[/yellow] {leftover}")
            elif isinstance(event, RunFinished):
                finished = event
    return finished


def _summary_table(finished: Any) -> None:
    summary = finished.summary
    table = Table(title="close-contract", show_edge=False)
    for column in ("cases", "requests", "violations", "inconclusive", "duration"):
        table.add_column(column, justify="right")
    table.add_row(
        str(summary.cases),
        str(summary.requests),
        str(summary.violations),
        str(summary.inconclusive),
        f"{summary.duration:.1f} s",
    )
    _out.print(table)
    if summary.by_check:
        checks = Table(show_edge=False)
        checks.add_column("check")
        checks.add_column("violations", justify="right")
        for name, count in sorted(summary.by_check.items()):
            checks.add_row(name, str(count))
        _out.print(checks)
    if summary.violations:
        _out.print("contract broken")
    elif summary.over_budget:
        _out.print(
            f"no verdict: the network left {summary.inconclusive} cases inconclusive, more "
            f"than the {summary.inconclusive_budget} allowed (--max-inconclusive)"
        )
    else:
        _out.print("contract holds")


@main.command()
@target_options
@click.option("--record", type=click.Path(path_type=Path), help="Record cassettes into DIR.")
@click.option("--overwrite", is_flag=True, help="Let --record replace a recording already in DIR.")
@click.option("--cassettes", type=click.Path(path_type=Path), help="Replay cassettes from DIR.")
@click.option("--baseline", type=click.Path(path_type=Path), help="Compare with this baseline.")
@click.option("--report-json", type=click.Path(path_type=Path), help="Write a JSON report.")
@click.option("--junit-xml", type=click.Path(path_type=Path), help="Write a JUnit XML report.")
@click.option("--report-md", type=click.Path(path_type=Path), help="Write a Markdown report.")
def run(**kw: Any) -> None:
    """Run the contract against the emulator (default), a live API or cassettes."""
    from contract.reports import RunReport, write_reports

    report = RunReport()
    config, finished = _execute(kw, report)
    # Only a live target uses the keys given (the emulator has its own, a replay none).
    live = config.target_kind == "live"
    keys = (config.resolved_api_key(), config.other_api_key) if live else ()
    secrets = [k for k in keys if k]
    try:
        write_reports(
            report,
            json_path=config.report_json,
            junit_path=config.junit_xml,
            markdown_path=config.report_md,
            redact=secrets,
        )
    except ContractError as exc:
        _fail(exc, list(secrets))
    _summary_table(finished)
    sys.exit(finished.summary.exit_code)


def _baseline_file(out: Path | None) -> Path | None:
    # `baseline --out DIR` writes DIR/baseline.json, as write_baseline does.
    if out is not None and out.is_dir():
        from contract.baseline import BASELINE_FILE

        return out / BASELINE_FILE
    return out


def _execute(kw: dict[str, Any], report: Any) -> tuple[Any, Any]:
    """Run the contract the options describe, rendering its events; errors end the process."""
    try:
        # Imported inside the try: a Ctrl-C while the core loads is still exit 130.
        from contract.engine import run as run_contract
        from contract.reports import check_writable

        config = _config(**kw)
        config.validate()
        check_writable((config.report_json, config.junit_xml, config.report_md))
        check_writable((_baseline_file(config.baseline_out),), what="baseline")
        finished = _render(run_contract(config), report)
    except ContractError as exc:
        _fail(exc, [kw.get("api_key"), kw.get("other_api_key")])
    except KeyboardInterrupt:
        _err.print("interrupted: everything the run created was cleaned up")
        sys.exit(130)
    return config, finished


@main.command()
@target_options
@click.option(
    "--out", type=click.Path(path_type=Path), required=True, help="Write the baseline here."
)
def baseline(**kw: Any) -> None:
    """Run the contract and write what the target did (shapes, statuses) as a baseline."""
    from contract.reports import RunReport

    config, finished = _execute(kw, RunReport())
    _summary_table(finished)
    _out.print(f"baseline written to {config.baseline_out}")
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


if __name__ == "__main__":
    main()
