"""``close-contract cleanup``: delete what killed runs left on an organization, and only that.

A run cleans up after itself, also on Ctrl-C, SIGTERM and SIGHUP. Only a run killed outright
(CI kills a job a few seconds after its SIGTERM) leaves leads behind: this command finds them
through the runs' journals (or, when those are lost, Close's lead search by name), proves
each one a toolkit run's, and deletes those that pass (see :mod:`contract.ledger._sweep`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.console import Console

from contract.cli._fail import fail, redactor_for
from contract.cli._options import read_options, settle, table_options
from contract.errors import ConfigurationError, ContractError

if TYPE_CHECKING:
    from contract.options import Given

__all__ = ["CLEANUP_EPILOG", "cleanup"]

CLEANUP_EPILOG = """\b
Examples:
  export CLOSE_API_KEY=...     # the key the runs used
  close-contract cleanup --base-url https://api.close.com/api/v1 --run-token 1a2b3c4d5e6f
  close-contract cleanup --base-url https://api.close.com/api/v1 --older-than 2h --dry-run

\b
Exit codes:
  0    everything found was deleted (or nothing was found)
  1    something was left behind (each with the reason)
  2    usage, input or configuration error (one line, no traceback)
  3    the target is unreachable, or me/ does not say who the key is"""

_AGE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_age(text: str) -> timedelta:
    """``2h``, ``30m``, ``1d``, ``90s`` as a duration (ConfigurationError otherwise)."""
    found = _AGE.match(text.strip())
    if not found or float(found.group(1)) <= 0:
        raise ConfigurationError(
            f"--older-than {text!r} is not an age: a positive number and a unit, e.g. 2h, "
            "30m, 1d or 90s"
        )
    return timedelta(seconds=float(found.group(1)) * _UNITS[found.group(2)])


def _redactor(key: str | None) -> Callable[[str], str]:
    """What blanks the key given or ``CLOSE_API_KEY`` in anything shown."""
    return redactor_for([key])


def _fail(exc: ContractError, key: str | None, given: Given | None) -> NoReturn:
    fail(exc, [key], given)


@click.command(epilog=CLEANUP_EPILOG)
@table_options("cleanup")
@click.option("--run-token", metavar="TOKEN", help="The run to clean up after (it prints it).")
@click.option(
    "--older-than", metavar="AGE", help="Every run that began more than AGE ago (2h, 30m, 1d)."
)
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
def cleanup(**kw: Any) -> None:
    """Delete the leads killed runs left behind: only those proven a toolkit run's.

    Its options are also read from CLOSE_* variables and [tool.close-contract] in
    pyproject.toml, as those of `run` are (CLOSE_BASE_URL, CLOSE_API_KEY, CLOSE_STATE_DIR).
    """
    given: Given | None = None
    try:
        given = read_options(kw, "cleanup")
        result = _sweep(kw, given)
    except ContractError as exc:
        _fail(exc, kw.get("api_key"), given)
    except KeyboardInterrupt:
        sys.exit(130)
    redact = _redactor(kw.get("api_key"))
    out = Console(highlight=False, soft_wrap=True)
    verb = "would delete" if result.dry_run else "deleted"
    for line in result.deleted:
        out.print(f"{verb}: {redact(line)}", markup=False)
    for line in result.left:
        out.print(f"left behind: {redact(line)}", markup=False)
    if not result.deleted and not result.left:
        out.print("nothing found to clean up", markup=False)
    else:
        out.print(
            f"{verb} {len(result.deleted)} lead(s), left {len(result.left)} behind", markup=False
        )
    sys.exit(result.exit_code)


def _sweep(kw: dict[str, Any], given: Given) -> Any:
    from contract.engine import client_for
    from contract.interrupts import ignore_interrupts
    from contract.ledger import Sweep, journal_path, read_journal, runs_dir
    from contract.session import open_target

    token, age = kw.get("run_token"), kw.get("older_than")
    if (token is None) == (age is None):
        raise ConfigurationError(
            "pass exactly one of --run-token TOKEN (the run's, as it printed it) and "
            "--older-than AGE (every run older than that, e.g. 2h)"
        )
    cutoff = datetime.now(UTC) - parse_age(age) if age is not None else None
    config = settle(given)
    config.validate()
    state = config.state_dir
    paths = (
        [journal_path(state, token)]
        if token is not None
        else sorted(runs_dir(state).glob("*.jsonl"))
        if runs_dir(state).is_dir()
        else []
    )
    journals = [read_journal(p) for p in paths if p.exists()]
    # A cleanup never stops half-way through a delete: Ctrl-C waits for its end.
    with open_target(config) as target, client_for(target, config) as client, ignore_interrupts():
        import time

        sweep = Sweep(
            client,
            dry_run=bool(kw.get("dry_run")),
            max_pages=config.max_pages,
            deadline=time.monotonic() + config.cleanup_timeout,
        )
        sweep.key()  # who the key is, first: without it nothing can be proven
        client.for_cleanup()  # the target answers: bounded by --cleanup-timeout from here
        for run in journals:
            if run.cleaned or not run.targets(config.base_url or ""):
                continue
            if cutoff is not None and (run.started_at is None or run.started_at > cutoff):
                continue  # too recent: that run may still be going
            sweep.journal(run)
        if token is not None and not journals:
            sweep.search(token)  # the journal is lost: Close's lead search by name
        elif cutoff is not None:
            sweep.search(None, older_than=cutoff)
        return sweep.result
