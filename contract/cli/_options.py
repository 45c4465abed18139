"""The options the commands share, built from the option table, and what their ``--help``
ends with."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console

if TYPE_CHECKING:
    from contract.config import Command, Config
    from contract.options import Given, Option

__all__ = [
    "BASELINE_EPILOG",
    "RUN_EPILOG",
    "SOURCES",
    "Help",
    "output_options",
    "read_options",
    "settle",
    "table_options",
]

F = TypeVar("F", bound=Callable[..., Any])

# "\b" keeps click from re-flowing a paragraph: examples and tables stay one per line.
_EXIT_CODES = """\b
Exit codes:
  0    the contract holds
  1    violations or regressions found
  2    usage, input or configuration error (one line, no traceback)
  3    the target is unreachable, keeps failing or answers past the run's
       bounds, more cases are inconclusive than --max-inconclusive allows, or
       (with no violation) cleanup left something behind
  130  interrupted (Ctrl-C): cleanup ran, the reports asked for are written
  143  interrupted by SIGTERM (a cancelled CI job), as 130
  129  interrupted by SIGHUP, as 130
After a hard kill: close-contract cleanup --base-url URL --run-token TOKEN"""

SOURCES = """\b
Every option is also a variable, CLOSE_ and its name (CLOSE_MAX_TIME=600), and a
key of [tool.close-contract] in the nearest pyproject.toml (max-time = 600). A
flag beats the variable, which beats the file. A variable or key the target would
ignore is dropped with a notice; such a flag is refused (exit 2)."""

RUN_EPILOG = f"""\b
Examples:
  close-contract run                          # the embedded emulator (or CLOSE_BASE_URL)
  close-contract run --target emulator        # the embedded emulator, whatever is set
  close-contract run --base-url https://api.close.com/api/v1   # keys: CLOSE_API_KEY,
                                               # CLOSE_OTHER_API_KEY (not shown by ps)
  close-contract run --emulator-fault lost_writes -x    # stop at the first violation
  close-contract run --checks status_conformance,echo_conformance -q
  close-contract run --exclude-checks org_isolation --report-json report.json
  close-contract run --record cassettes/nightly          # record, then replay offline:
  close-contract run --cassettes cassettes/nightly --junit-xml junit.xml
  close-contract run --base-url URL --workers 8 --max-rate 20   # concurrent, capped

{SOURCES}

{_EXIT_CODES}"""

BASELINE_EPILOG = f"""\b
Examples:
  close-contract baseline --out prod-baseline.json
  close-contract baseline --base-url https://api.close.com/api/v1 --out prod-baseline.json
  close-contract run --baseline prod-baseline.json       # later: flag regressions

{SOURCES}

{_EXIT_CODES}"""


class Help(click.Command):
    """A command whose ``--help`` ends with the names ``--checks`` accepts.

    The names come from the check registry, loaded only when the help is shown.
    """

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        from contract.checks import CHECKS

        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(
                "Checks (--checks, --exclude-checks): " + ", ".join(sorted(CHECKS))
            )


def _apply(function: F, options: Sequence[Callable[[F], F]]) -> F:
    for option in reversed(options):
        function = option(function)
    return function


def table_options(command: Command) -> Callable[[F], F]:
    """The options of :data:`contract.options.OPTIONS` that ``command`` offers, in the
    table's order. Each is ``None`` (or empty) when not given: the environment and
    pyproject.toml are read after click, by :class:`contract.options.Given`."""
    from contract.options import offered

    options: list[Callable[[Any], Any]] = [_click_option(o) for o in offered("cli", command)]
    return lambda function: _apply(function, options)


def _click_option(o: Option) -> Callable[[F], F]:
    help = o.help_text_for("cli")
    if o.kind == "switch":
        return click.option(f"{o.flag}/--no-{o.flag[2:]}", o.name, default=None, help=help)
    names = [o.flag, o.name] if o.spec.short is None else [o.spec.short, o.flag, o.name]
    if o.is_flag:
        return click.option(*names, flag_value=o.spec.flag_value or True, default=None, help=help)
    # Values are text here and read as the table says (Given.read), as a variable is: one
    # message for a bad value, wherever it came from.
    return click.option(*names, metavar=o.metavar, multiple=o.kind == "multiple", help=help)


def output_options(function: F) -> F:
    """``-v`` and ``-q``: how much of a run the terminal shows (they cancel each other)."""
    return _apply(
        function,
        [
            click.option(
                "-v",
                "--verbose",
                count=True,
                help="Show every group of violations and every follow-on failure.",
            ),
            click.option("-q", "--quiet", count=True, help="Show only the summary (and errors)."),
        ],
    )


def read_options(kw: dict[str, Any], command: Command) -> Given:
    """What the command line (``kw``), the environment and the nearest pyproject.toml give
    ``command``."""
    from contract.options import Given

    return Given.read("cli", kw, command=command, environ=os.environ, start=Path.cwd())


def settle(given: Given) -> Config:
    """The configuration ``given`` describes; each variable or key of the file the target
    would ignore is dropped with a one-line notice on stderr."""
    from contract.config import Config

    values, notices = given.settle()
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for notice in notices:
        err.print(f"close-contract: notice: {notice}", markup=False)
    return Config.from_options(values)
