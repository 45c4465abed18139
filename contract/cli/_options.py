"""The options ``run`` and ``baseline`` share, and what their ``--help`` ends with.

The numbers in help texts are contract.config's DEFAULT_EXAMPLES, MAX_LIVE_EXAMPLES and
MAX_EXAMPLES (a test holds them equal): importing it here would slow every command.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = [
    "BASELINE_EPILOG",
    "RUN_EPILOG",
    "Help",
    "output_options",
    "table_options",
    "target_options",
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

RUN_EPILOG = f"""\b
Examples:
  close-contract run                          # the embedded emulator
  close-contract run --base-url https://api.close.com/api/v1   # keys: CLOSE_API_KEY,
                                               # CLOSE_OTHER_API_KEY (not shown by ps)
  close-contract run --emulator-fault lost_writes -x    # stop at the first violation
  close-contract run --checks status_conformance,echo_conformance -q
  close-contract run --exclude-checks org_isolation --report-json report.json
  close-contract run --record cassettes/nightly          # record, then replay offline:
  close-contract run --cassettes cassettes/nightly --junit-xml junit.xml
  close-contract run --base-url URL --workers 8 --max-rate 20   # concurrent, capped

{_EXIT_CODES}"""

BASELINE_EPILOG = f"""\b
Examples:
  close-contract baseline --out prod-baseline.json
  close-contract baseline --base-url https://api.close.com/api/v1 --out prod-baseline.json
  close-contract run --baseline prod-baseline.json       # later: flag regressions

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


def _apply(function: F, options: list[Callable[[F], F]]) -> F:
    for option in reversed(options):
        function = option(function)
    return function


def table_options(names: Collection[str] | None = None) -> list[Callable[[F], F]]:
    """The options of :data:`contract.options.OPTIONS` (only ``names`` when given), each
    also read from its variable."""
    from contract.options import OPTIONS

    return [
        click.option(o.flag, is_flag=True, default=None, envvar=o.env, help=o.help_text)
        if o.is_flag
        else click.option(
            o.flag,
            type=click.Path(path_type=Path) if o.type is Path else o.type,
            metavar=o.metavar,
            envvar=o.env,
            help=o.help_text,
        )
        for o in OPTIONS
        if names is None or o.name in names
    ]


def target_options(function: F) -> F:
    """The options that choose and shape a target and what is checked (``run``, ``baseline``)."""
    return _apply(
        function,
        [
            click.option(
                "--base-url", help="API root of a live target, e.g. https://api.close.com/api/v1."
            ),
            click.option("--api-key", help="API key (default: $CLOSE_API_KEY)."),
            click.option(
                "--other-api-key",
                help="A second organization's key, for org_isolation "
                "(default: $CLOSE_OTHER_API_KEY).",
            ),
            click.option("--bearer", is_flag=True, help="Send the key as a Bearer token."),
            click.option(
                "--custom-object-type-id", "type_ids", multiple=True, help="Test only these types."
            ),
            click.option(
                "--lead-id", help="Attach instances to this lead instead of a disposable one."
            ),
            # No click default: a replay refuses --examples, so "not given" must stay visible.
            click.option(
                "--examples",
                type=int,
                help="Valid payloads per type [default: 10; at most 1000 with --base-url, "
                "10000 on the emulator].",
            ),
            click.option("--seed", default=0, show_default=True, help="Seed of the generators."),
            click.option(
                "--shrink/--no-shrink",
                default=None,
                help="Shrink failures (default: emulator only).",
            ),
            click.option(
                "--schemathesis", is_flag=True, help="Also run schemathesis's checks on each type."
            ),
            # No click defaults: a replay refuses them, so "not given" must stay visible.
            click.option(
                "--stateful-runs",
                type=click.IntRange(min=0),
                metavar="N",
                help="Sequences of the stateful (model-based) phase [default: 4; 0: off].",
            ),
            click.option(
                "--stateful-steps",
                type=click.IntRange(min=1),
                metavar="N",
                help="Operations per stateful sequence [default: 15].",
            ),
            click.option(
                "--checks",
                metavar="NAMES",
                multiple=True,
                help="Run only these checks (comma-separated; names below).",
            ),
            click.option(
                "--exclude-checks",
                metavar="NAMES",
                multiple=True,
                help="Run every check but these (comma-separated).",
            ),
            click.option(
                "--max-inconclusive",
                type=click.FloatRange(0, 1),
                default=0.1,
                show_default=True,
                help="Share of cases the network may leave undecided before the run exits 3.",
            ),
            click.option(
                "--workers",
                type=click.IntRange(1, 64),
                metavar="N",
                help="Cases in flight at once [default: 1 on the emulator and a replay; "
                "for a live target, what its rate limit and latency call for].",
            ),
            click.option(
                "--max-rate",
                type=click.FloatRange(0, min_open=True),
                metavar="R",
                help="Never send more than R requests per second (on top of the server's "
                "own RateLimit budget, which is always kept).",
            ),
            *table_options(),
            click.option(
                "--emulator-fault",
                "faults",
                multiple=True,
                help="Embedded emulator: inject a fault.",
            ),
            click.option(
                "--emulator-throttle", type=int, help="Embedded emulator: 429 every N-th request."
            ),
            click.option(
                "--emulator-rate-limit",
                type=click.IntRange(min=1),
                metavar="N",
                help="Embedded emulator: enforce N requests per second per key (429 past it).",
            ),
        ],
    )


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
