"""Ctrl-C (and SIGTERM, SIGHUP) at the worst moments: while a create is in flight, while
Hypothesis runs, inside a garbage-collector callback, during cleanup. The run stops, and
nothing it created is left behind."""

from __future__ import annotations

import gc
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import strategies as st
from support.ctrl_c import CtrlCProxy, first
from support.run import leftovers, run_engine

from contract.config import Config
from contract.emulator import EmulatorServer
from contract.interrupts import (
    Interrupted,
    hold_interrupts,
    ignore_interrupts,
    last_signal,
    signals_as_interrupts,
)
from contract.session import drive

pytestmark = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="signals are delivered to the main thread only",
)


@dataclass
class Done:
    failed: bool = False


def test_hold_interrupts_delivers_at_the_end_of_the_block() -> None:
    steps: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        with hold_interrupts():
            signal.raise_signal(signal.SIGINT)
            steps.append("finished the block")
    assert steps == ["finished the block"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    with hold_interrupts():
        steps.append("no interrupt, nothing raised")


def test_an_interrupt_swallowed_in_a_gc_callback_still_stops_the_cases() -> None:
    # Given a garbage-collector callback that is running when Ctrl-C arrives (an exception
    # raised there is printed and discarded, so Python's own handler would lose it)
    def collecting(phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and not pressed:
            pressed.append(True)
            signal.raise_signal(signal.SIGINT)

    pressed: list[bool] = []
    executed: list[int] = []

    def execute(case: int) -> Done:
        executed.append(case)
        gc.callbacks.append(collecting)
        try:
            gc.collect()
        finally:
            gc.callbacks.remove(collecting)
        return Done()

    # When cases are driven
    with pytest.raises(KeyboardInterrupt):
        drive(st.integers(), execute, examples=20, seed=0, shrink=True)

    # Then the interrupt stopped the run at the next case, not after all of them
    assert pressed and len(executed) == 1


@pytest.mark.parametrize("shrink", [False, True])
def test_an_interrupt_inside_a_case_stops_at_once(shrink: bool) -> None:
    executed: list[int] = []

    def execute(case: int) -> Done:
        executed.append(case)
        if len(executed) == 2:
            signal.raise_signal(signal.SIGINT)
            executed.append(-1)  # not reached: a case waiting on the network stops at once
        return Done(failed=True)

    with pytest.raises(KeyboardInterrupt):
        drive(st.integers(), execute, examples=20, seed=0, shrink=shrink)
    assert len(executed) == 2 and -1 not in executed
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(db_path=tmp_path / "e.db") as server:
        yield server


def test_ctrl_c_while_creating_an_instance_on_a_given_lead(
    srv: EmulatorServer, tmp_path: Path
) -> None:
    # Given the user's own lead (no sweep of a disposable lead will find strays there)
    with httpx.Client(base_url=srv.base_url + "/", auth=(srv.api_key, "")) as api:
        lead = api.post("lead/", json={"name": "Mine"}).json()["id"]

    # When Ctrl-C comes while the first instance is being created
    with CtrlCProxy(srv.base_url, first("POST", "/api/v1/custom_object/")) as proxy:
        config = Config(
            base_url=proxy.base_url,
            api_key=srv.api_key,
            lead_id=lead,
            examples=2,
            state_dir=tmp_path / "state",
        )
        with pytest.raises(KeyboardInterrupt):
            run_engine(config)

    # Then the run stopped and yet deleted the instance the server had created
    assert proxy.triggered
    assert leftovers(srv) == {"custom_object": 0, "lead": 1, "contact": 0}


def test_ctrl_c_while_creating_the_disposable_lead(srv: EmulatorServer, tmp_path: Path) -> None:
    with CtrlCProxy(srv.base_url, first("POST", "/api/v1/lead/")) as proxy:
        config = Config(
            base_url=proxy.base_url, api_key=srv.api_key, examples=2, state_dir=tmp_path / "state"
        )
        with pytest.raises(KeyboardInterrupt):
            run_engine(config)

    assert proxy.triggered
    assert leftovers(srv) == {"custom_object": 0, "lead": 0, "contact": 0}


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_are_interrupts_while_a_run_lasts(signum: int, code: int) -> None:
    with pytest.raises(Interrupted) as raised:
        with signals_as_interrupts():
            signal.raise_signal(signum)
    assert raised.value.signum == signum and raised.value.exit_code == code
    # Outside the block each signal is back to its default
    assert signal.getsignal(signum) is signal.SIG_DFL
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")
def test_sigterm_is_held_across_a_create_and_ignored_during_cleanup() -> None:
    steps: list[str] = []
    with signals_as_interrupts():
        # Held between a create and its ledger entry, delivered after
        with pytest.raises(Interrupted):
            with hold_interrupts():
                signal.raise_signal(signal.SIGTERM)
                steps.append("ledger entry written")
        # And a second signal, during cleanup or before it, never cuts it short
        with ignore_interrupts():
            signal.raise_signal(signal.SIGHUP)
            steps.append("cleanup went on")
        signal.raise_signal(signal.SIGTERM)
        steps.append("a second signal is not raised")
    assert steps == ["ledger entry written", "cleanup went on", "a second signal is not raised"]
    assert last_signal() == signal.SIGTERM


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")
def test_a_sighup_that_nohup_ignores_stays_ignored() -> None:
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with signals_as_interrupts():
            signal.raise_signal(signal.SIGHUP)  # ignored, as the user asked
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")
def test_sigterm_while_hypothesis_drives_stops_at_once() -> None:
    executed: list[int] = []

    def execute(case: int) -> Done:
        executed.append(case)
        if len(executed) == 2:
            signal.raise_signal(signal.SIGTERM)
        return Done()

    with signals_as_interrupts(), pytest.raises(Interrupted) as raised:
        drive(st.integers(), execute, examples=20, seed=0, shrink=False)
    assert raised.value.signum == signal.SIGTERM and len(executed) == 2
