"""`serve`: run the emulator in the foreground until Ctrl-C."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import NoReturn

import click

from contract.emulator._faults import FAULTS
from contract.emulator._server import EmulatorServer

__all__ = ["serve_command"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port to listen on; 0 picks a free one.",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file that keeps the state across restarts (default: in memory).",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="NAME",
    help="Inject a fault (repeatable); see --list-faults.",
)
@click.option(
    "--throttle",
    type=click.IntRange(min=1),
    metavar="N",
    help="Answer every N-th request of each API key with 429.",
)
@click.option(
    "--throttle-reset",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    metavar="SECONDS",
    help="Retry-After of throttled requests (rounded up to whole seconds).",
)
@click.option("--api-key", help="API key of the demo organization (default: a fixed key).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for generated ids.")
@click.option(
    "--chaos",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    metavar="P",
    help="Disturb a seeded share P (0..1) of requests: half are answered 503 with "
    "Retry-After before any work, half are done and then the connection is dropped "
    "without an answer.",
)
@click.option(
    "--chaos-seed",
    type=int,
    default=0,
    show_default=True,
    metavar="N",
    help="Seed of the --chaos draws (one per request, in arrival order).",
)
@click.option(
    "--chaos-retry-after",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    metavar="SECONDS",
    help="Retry-After of the 503s that --chaos answers.",
)
@click.option(
    "--latency",
    type=click.FloatRange(min=0, max=3600),
    default=0.0,
    show_default=True,
    metavar="SECONDS",
    help="Delay every answer by this many seconds (concurrent requests overlap).",
)
@click.option(
    "--rate-limit",
    type=click.IntRange(min=1),
    metavar="N",
    help="Enforce N requests per --rate-window per API key (429 past it).",
)
@click.option(
    "--rate-window",
    type=click.FloatRange(min=0, min_open=True, max=3600),
    default=1.0,
    show_default=True,
    metavar="SECONDS",
    help="The window --rate-limit counts in.",
)
@click.option(
    "--refuse-blank-text",
    is_flag=True,
    help="Answer 400 to a name, or a value of a required text field, that is empty, only "
    "whitespace or padded with whitespace (Close leaves this open; not a fault).",
)
@click.option("--list-faults", is_flag=True, help="List the injectable faults and exit.")
def serve_command(
    host: str,
    port: int,
    db_path: Path | None,
    faults: tuple[str, ...],
    throttle: int | None,
    throttle_reset: float,
    api_key: str | None,
    seed: int,
    chaos: float,
    chaos_seed: int,
    chaos_retry_after: int,
    latency: float,
    rate_limit: int | None,
    rate_window: float,
    refuse_blank_text: bool,
    list_faults: bool,
) -> None:
    """Serve a local stand-in for the Close REST API (custom objects and friends)."""
    if list_faults:
        width = max(len(name) for name in FAULTS)
        for name, description in FAULTS.items():
            click.echo(f"{name:<{width}}  {description}")
        return
    for name in faults:
        if name not in FAULTS:
            _fail(f"unknown fault {name!r}; run with --list-faults to see the known ones")
    try:
        server = EmulatorServer(
            faults=faults,
            throttle=throttle,
            throttle_reset=throttle_reset,
            db_path=db_path,
            api_key=api_key,
            port=port,
            seed=seed,
            host=host,
            chaos=chaos,
            chaos_seed=chaos_seed,
            chaos_retry_after=chaos_retry_after,
            latency=latency,
            rate_limit=rate_limit,
            rate_window=rate_window,
            refuse_blank_text=refuse_blank_text,
        )
    except ValueError as exc:  # e.g. --chaos nan, which click's range lets through
        _fail(str(exc))
    # SIGTERM is routed to KeyboardInterrupt before anything is printed, so a
    # supervisor that stops the server right after the ready line gets a clean exit.
    with _terminate_as_interrupt():
        try:
            _start(server, host, port)
            click.echo(f"Close emulator on {server.base_url}  api key: {server.api_key}")
            click.echo(f"second organization api key: {server.other_api_key}")
            if faults:
                click.echo(f"faults: {', '.join(sorted(set(faults)))}")
            if chaos:
                click.echo(f"chaos: {chaos:g} of requests (seed {chaos_seed})")
            if latency:
                click.echo(f"latency: {latency:g} s per answer")
            if rate_limit:
                click.echo(f"rate limit: {rate_limit} requests per {rate_window:g} s per key")
            if refuse_blank_text:
                click.echo("blank text: refused in names and required text fields")
            idle = threading.Event()
            while server.running:
                idle.wait(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            try:
                server.stop()
            except KeyboardInterrupt:
                # A second Ctrl-C while stopping: leave at once; the server thread is
                # a daemon and dies with the process.
                pass
    click.echo("Close emulator stopped.")


def _start(server: EmulatorServer, host: str, port: int) -> None:
    try:
        server.start()
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    except Exception as exc:  # e.g. an unreadable --db file
        _fail(f"cannot start the emulator: {exc}")


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(2)


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt while the server runs (main thread only)."""

    def on_terminate(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, on_terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
