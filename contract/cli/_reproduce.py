"""``close-contract reproduce REPORT FINDING``: one finding of a report, run again."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from contract.cli._fail import fail, redactor_for
from contract.cli._options import SOURCES, read_options, settle, table_options
from contract.errors import ContractError

if TYPE_CHECKING:
    from contract.options import Given

__all__ = ["reproduce"]

EPILOG = f"""\b
FINDING is the finding's number in the report (3 or #3) or its root cause, the 12 hex
digits the terminal and every report show (or their first 4 or more).
\b
Examples:
  close-contract reproduce report.json 7f15c428a79f     # the report's own target
  close-contract reproduce report.json 3 --target emulator --emulator-fault lost_writes
  close-contract reproduce report.json 7f15 --base-url https://api.close.com/api/v1
\b
Without a target option it runs against the report's: the embedded emulator with the
same faults, or the same API root (the key from CLOSE_API_KEY). It makes what the
finding needs (a lead, contacts, referenced instances) under a fresh token, proves them
its own before any write, sends the finding's case or sequence, and deletes what it made.

{SOURCES}

\b
Exit codes:
  0    not reproduced: the finding's root cause did not show
  1    reproduced
  2    usage, input or configuration error (one line, no traceback)
  3    the target is unreachable or misbehaves, or cleanup left something behind
  130  interrupted (143 SIGTERM, 129 SIGHUP): cleanup ran"""


@click.command(epilog=EPILOG)
@click.argument("report", type=click.Path(path_type=Path))
@click.argument("finding")
@table_options("reproduce")
def reproduce(report: Path, finding: str, **kw: Any) -> None:
    """Run one finding of a JSON report again and say whether it still shows."""
    from contract.interrupts import exit_code_for, last_signal, signals_as_interrupts

    out = Console(highlight=False, soft_wrap=True)
    given: Given | None = None
    try:
        with signals_as_interrupts():
            from contract.reproduce import pick, read_report, reproduction_config
            from contract.reproduce import reproduce as run_again

            given = read_options(kw, "reproduce")
            config = settle(given)
            source = read_report(report)
            chosen = pick(source, finding)
            config = reproduction_config(config, source, chosen)
            config.validate()
            redact = redactor_for([config.resolved_api_key(), config.resolved_other_api_key()])
            out.print(f"reproducing {redact(chosen.describe())}", markup=False)
            result = run_again(config, chosen)
    except ContractError as exc:
        fail(exc, [kw.get("api_key"), kw.get("other_api_key")], given)
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", None) or last_signal()
        Console(stderr=True).print("interrupted: cleanup ran", markup=False)
        sys.exit(exit_code_for(signum))
    if result.reproduced:
        first = result.same[0]
        out.print(f"reproduced: {redact(first.title)}", markup=False)
        out.print(redact(str(first).partition("\n")[2]), markup=False)
    else:
        out.print(
            f"not reproduced: root cause {chosen.fingerprint} did not show "
            f"({len(result.others)} other finding(s))",
            markup=False,
        )
    for other in result.others[:5]:
        out.print(f"  also: [{other.check}] {redact(other.title)}", markup=False)
    left = f"; cleanup left {result.left_behind} behind" if result.left_behind else ""
    out.print(f"{result.requests} requests{left}", markup=False)
    sys.exit(3 if result.left_behind and not result.reproduced else result.exit_code)
