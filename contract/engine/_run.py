"""The engine: ``run(config)`` turns schemas and strategies into a stream of events.

Setup (who the key is, the types, a disposable lead, reference instances), then the plan
(see :mod:`contract.engine._plan`): one case of every kind first, then the valid
lifecycles and the invalid mutations, on as many workers as the target calls for; cleanup
always runs last, also after errors, Ctrl-C, SIGTERM and SIGHUP, and when the run's budget
(``--max-time``) ran out. Cleanup is exempt from that budget and has its own
(``--cleanup-timeout``). A run on a live target journals what it creates (see
:mod:`contract.ledger._journal`), for ``close-contract cleanup`` after a hard kill.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from secrets import token_hex

from contract.baseline import (
    BaselineRecorder,
    LatencySampler,
    PortableNames,
    compare_run,
    load_baseline,
    load_latency,
    parse_body,
    write_baseline,
)
from contract.cassettes import (
    CORPUS_FILE,
    Corpus,
    Recorder,
    load_corpus,
    recording,
    replay_transport,
)
from contract.checks import OTHER_IDS, RESPONSE_TIME_THRESHOLD, SECOND_KEY
from contract.client import Exchange
from contract.concurrency import PHASE as CONCURRENCY
from contract.concurrency import concurrency_phase
from contract.config import Config, OptionError
from contract.discovery import Organization, discover
from contract.engine._alongside import Alongside
from contract.engine._fixtures import client_for
from contract.engine._focus import Focus, Ground, narrowed
from contract.engine._pace import Budget, Pace, choose_workers
from contract.engine._plan import build_plan, execute_plan
from contract.engine._timing import compared_latency, latency_phase, timer, write_latencies
from contract.errors import LEVELS, ContractError
from contract.events import (
    BaselineCompared,
    CaseFinished,
    CleanupFinished,
    Event,
    PhaseFinished,
    PhaseStarted,
    RunFinished,
    RunOptions,
    RunStarted,
)
from contract.fieldnames import FieldNames
from contract.interrupts import signals_as_interrupts
from contract.ledger import Journal, Ledger
from contract.phases import (
    References,
    prepare_decoys,
    prepare_lead,
    prepare_references,
    prepare_stateful_leads,
)
from contract.schemathesis_phase import schemathesis_case
from contract.session import (
    CaseSource,
    GeneratedSource,
    Outcome,
    ReplaySource,
    Session,
    check_second_key,
    open_target,
)
from contract.stateful import CORPUS_KEY, stateful_phase
from contract.totals import Totals

__all__ = ["run"]


def _observer(recorder: BaselineRecorder) -> Callable[[Exchange, str], None]:
    def observe(exchange: Exchange, kind: str) -> None:
        if exchange.may_have_repeated:
            return  # an answer to a repeat (a DELETE's 404) says nothing of the API's habits
        recorder.observe_status(kind, exchange.status)
        if any(name == "_fields" for name, _ in exchange.params):
            return  # trimmed on request: not the shape the operation answers
        body = parse_body(exchange.response_body) if exchange.response_body else None
        recorder.observe(
            f"{exchange.method} {exchange.path}",
            exchange.status,
            body,
            media_type=exchange.content_type,
            headers=exchange.response_headers,
            sent=exchange.request_body,
            kind=kind,
        )

    return observe


def _until_first_violation(events: Generator[Event, None, None], tally: Totals) -> Iterator[Event]:
    """``events`` up to the first case with a violation, then the end of its phase.

    The phases stop there (``-x``): no further case is drawn or sent. What the run created
    is still deleted, since cleanup follows the phases whatever ended them.
    """
    phase: str | None = None
    for event in events:
        yield event
        if isinstance(event, PhaseStarted):
            phase = event.phase
        elif isinstance(event, PhaseFinished):
            phase = None
        elif isinstance(event, CaseFinished) and event.violations:
            events.close()
            tally.stopped_early = True
            if phase is not None:
                yield PhaseFinished(phase)
            return


def _phases(
    session: Session,
    source: CaseSource,
    org: Organization,
    tally: Totals,
    pace: Pace,
    budget: Budget,
    focus: Focus | None = None,
) -> Generator[Event, None, None]:
    config = session.config
    yield PhaseStarted("setup")
    setup = session.outcome("setup", "disposable lead", None, None)
    lead, contacts = prepare_lead(session, setup, org)
    refs: References = {"lead": [lead], "user": [org.user_id], "contact": contacts}
    outcomes = [setup]
    prepare_references(session, source, org, refs, outcomes)
    prepare_decoys(session, source, org, refs, outcomes)
    stateful_leads = prepare_stateful_leads(session, outcomes) if config.stateful_runs else []
    for outcome in outcomes:
        yield tally.add(outcome.event())
    yield PhaseFinished("setup")
    if focus is not None:
        focus.prepare(Ground(org, lead, refs, tuple(stateful_leads)))
    # The stateful phase runs alongside the plan when its leads are its own and there are
    # workers to spare; under -x it waits its turn, as the first failure must end the run.
    concurrent = pace.workers > 1 and not config.exitfirst
    tour_leads, leads = stateful_leads[:2], stateful_leads[2:] or [lead]

    def stateful(src: CaseSource, stop: threading.Event | None = None) -> Iterator[Outcome]:
        return stateful_phase(
            session, src, org, refs, leads, contacts, stop, tour_leads, concurrent, budget.spent
        )

    alongside = (
        Alongside(stateful, source).start()
        if config.stateful_runs and stateful_leads and concurrent
        else None
    )
    try:
        setup_failed = any(o.violations or o.inconclusive for o in outcomes)
        plan = build_plan(session, org, refs, lead, setup_failed)
        if focus is not None:
            plan = narrowed(plan, focus.keys)
        items = execute_plan(session, source, plan, pace.workers, pace.progress, spent=budget.spent)
        for item in items:
            if isinstance(item, Outcome):
                pace.cases += 1
                yield tally.add(item.event())
            else:
                yield item

        if config.stateful_runs:
            yield PhaseStarted("stateful", config.stateful_runs)
            for outcome in alongside.outcomes() if alongside else stateful(source):
                pace.cases += 1
                yield tally.add(outcome.event())
            yield PhaseFinished("stateful")
    finally:
        if alongside is not None:
            alongside.close()

    # A few requests at once, once nothing else runs (after the phases that find faults
    # first): their verdicts are warnings unless the run fails on them
    # (contract.concurrency). A replay has nothing to send, and a recording keeps nothing a
    # replay could not send again in the same order (timing decides these answers).
    concurrency = config.concurrency is not False and config.target_kind != "replay"
    if concurrency and config.record is None and focus is None:
        yield PhaseStarted(CONCURRENCY, 2)
        if not budget.spent():
            for outcome in concurrency_phase(session, org, refs, lead):
                yield tally.add(outcome.event())
        yield PhaseFinished(CONCURRENCY)

    if config.schemathesis:
        yield PhaseStarted("schemathesis", len(org.types))
        for tc in org.types:
            if budget.spent():
                break
            yield tally.add(schemathesis_case(session, tc, lead, refs))
        yield PhaseFinished("schemathesis")


def run(config: Config, *, focus: Focus | None = None) -> Iterator[Event]:
    """Run the contract described by ``config``; yield events as it goes.

    With ``focus`` (see :mod:`contract.engine._focus`), the setup runs as always and then
    only the batches it names, with the cases it gives.

    Raises :class:`~contract.errors.ConfigurationError` (exit 2) for unusable input,
    :class:`~contract.errors.CassetteError` (exit 2) for an unusable recording or baseline
    and :class:`~contract.errors.TargetUnreachable` (exit 3) when the target fails;
    violations and regressions are not raised but reported in the events.
    """
    config.validate()
    started = time.perf_counter()
    budget = Budget(config.max_time)
    baseline = load_baseline(config.baseline) if config.baseline is not None else None
    replay = load_corpus(config.cassettes) if config.cassettes is not None else None
    # Beside the baseline, when there is one; a replay's answer times compare with nothing.
    latency = load_latency(config.baseline) if config.baseline and replay is None else None
    if replay is not None:
        # A replay sends exactly what was recorded, names and probes seeded as they were,
        # and runs the stateful phase (whose setup makes leads of its own) only if the
        # recording did: as many sequences as it holds.
        sequences = len(replay.batches.get(CORPUS_KEY, []))
        config = dataclasses.replace(config, seed=replay.seed, stateful_runs=sequences)
    tally = Totals()
    with ExitStack() as stack:
        # SIGTERM (a cancelled CI job) and SIGHUP end the run as Ctrl-C does.
        stack.enter_context(signals_as_interrupts())
        target = stack.enter_context(open_target(config, replay))
        secrets = [k for k in (target.api_key, target.other_api_key) if k]
        recorded: Corpus | None = None
        cassette: Recorder | None = None
        if config.record is not None:
            cassette = stack.enter_context(
                recording(config.record, secrets, keep_personal_data=config.keep_personal_data)
            )
            recorded = Corpus(config.seed, target.base_url, target.other_api_key is not None)
            recorded.other_lead_id = target.other_lead_id
        run_token = replay.run_token if replay is not None else token_hex(6)
        if recorded is not None:
            recorded.run_token = run_token
        # A replay answers from the cassette through the client's transport: no network. A
        # recording notes every answer as the client reads it, within the client's bounds.
        transport = (
            replay_transport(config.cassettes)
            if replay is not None and config.cassettes is not None
            else cassette.transport()
            if cassette is not None
            else None
        )
        source: CaseSource = (
            focus.source
            if focus is not None
            else ReplaySource(replay, exitfirst=config.exitfirst)
            if replay is not None
            else GeneratedSource(config.seed, config.shrinking, recorded, config.exitfirst)
        )
        client = stack.enter_context(
            client_for(target, config, transport=transport, paced=replay is None)
        )
        ledger = Ledger(client)
        # Only a live organization outlives the process: the embedded emulator goes with
        # it, and a replay creates nothing.
        journal = (
            Journal.start(config.state_dir, run_token, target.base_url)
            if target.kind == "live"
            else None
        )
        if journal is not None:
            stack.callback(journal.close)
            ledger.journal = journal.write
        session = Session(
            config,
            client,
            ledger,
            other_api_key=target.other_api_key,
            run_token=run_token,
        )
        completed = False
        ended: ContractError | None = None
        pace: Pace | None = None
        try:
            org = discover(client, config.custom_object_type_ids)
            session.other = check_second_key(
                client, org, target.other_api_key, target.other_lead_id
            )
            session.user_id = org.user_id
            if journal is not None:
                journal.key(org.user_id, org.organization_id)
            if not org.types:
                raise OptionError(
                    "the organization has no custom object types to test "
                    "(create one, or pass {custom_object_type_ids.flag})"
                )
            # Built from what discovery found: the baseline keys types and fields by
            # name, so it compares with an organization whose ids differ (discovery's
            # own requests are not observed, they are not part of the contract).
            recorder = BaselineRecorder(names=PortableNames(org.types))
            # Violations name each custom field by its name beside its id.
            tally.prepare = FieldNames.of(f for t in org.types for f in t.fields).case
            session.observers.append(_observer(recorder))
            sampler = LatencySampler()
            if replay is None:
                session.observers.append(timer(sampler))
            workers = config.workers or choose_workers(
                target.kind, client.latencies, client.budget().rate, config.max_rate
            )
            pace = Pace(client, workers, started=started)
            tally.requests_before = client.requests_sent
            yield RunStarted(
                target.description,
                target.base_url,
                config.seed,
                tuple(t.type_id for t in org.types),
                target_kind=target.kind,
                # The wall clock when the run began (not now, after discovery): the
                # monotonic ``started`` says how long ago that was.
                started_at=datetime.now(UTC) - timedelta(seconds=time.perf_counter() - started),
                options=RunOptions.from_config(config),
                run_token=run_token if replay is None else None,
            )
            phases = _phases(session, source, org, tally, pace, budget, focus)
            yield from _until_first_violation(phases, tally) if config.exitfirst else phases
            # A run stopped early (-x, or its budget ran out) saw too little to be compared:
            # every shape and status it did not reach would show up as a regression.
            if baseline is not None and not tally.stopped_early and not budget.reached:
                yield PhaseStarted("baseline", 1)
                outcome = Outcome("baseline", f"compared with {config.baseline}", None, None)
                # The gate: only findings at --fail-on or above (after the per-rule
                # levels) fail the run.
                findings = compare_run(
                    baseline,
                    recorder,
                    fail_on=config.fail_on,
                    overrides=config.rule_overrides(),
                )
                # Every finding is reported, those below the gate failing nothing.
                yield BaselineCompared(
                    str(config.baseline),
                    config.fail_on,
                    tuple(sorted(findings, key=lambda f: -LEVELS.index(f.level))),
                    findings.not_compared,
                )
                outcome.violations.extend(findings.failing)
                yield tally.add(outcome.event())
                yield PhaseFinished("baseline")
                compared = compared_latency(config, latency, sampler, replay=replay is not None)
                yield from latency_phase(compared, tally)
            completed = True
        except ContractError as exc:
            ended = exc
        finally:
            # A replay that went off the recording has nothing real to clean up, and
            # its cleanup requests would not be in the cassette either.
            if completed or replay is None:
                deleted, leftovers = _cleanup(ledger, config, pace, journal)
        if ended is not None:
            # What cleanup did is reported before the error ends the run, once there is
            # anything to say: a run refused at its start made nothing.
            if replay is None and (pace is not None or deleted or leftovers):
                yield CleanupFinished(deleted, leftovers)
            raise ended
        yield CleanupFinished(deleted, leftovers)
        built = recorder.build(target.description)
        if recorded is not None and config.record is not None:
            write_baseline(config.record, built)
            (config.record / CORPUS_FILE).write_text(recorded.to_json() + "\n", "utf-8")
        if config.baseline_out is not None:
            write_baseline(config.baseline_out, built)
        if replay is None:
            workers = pace.workers if pace is not None else 1
            write_latencies(config, sampler, target.description, workers)
        summary = tally.summary(
            requests=client.requests_sent + tally.foreign_requests,
            enabled_checks=config.enabled_checks,
            met=(
                *((SECOND_KEY,) if target.other_api_key else ()),
                *((OTHER_IDS,) if session.other is not None and session.other.readable else ()),
                *((RESPONSE_TIME_THRESHOLD,) if config.max_response_time is not None else ()),
            ),
            duration=time.perf_counter() - started,
            inconclusive_budget=math.floor(config.max_inconclusive * len(tally.cases)),
            workers=pace.workers if pace is not None else 1,
            throttled=client.throttled,
            max_time_reached=budget.reached,
            left_behind=len(leftovers),
        )
        yield RunFinished(summary, tuple(tally.violations))


def _cleanup(
    ledger: Ledger, config: Config, pace: Pace | None, journal: Journal | None
) -> tuple[int, tuple[str, ...]]:
    """The ledger's cleanup, bounded by ``--cleanup-timeout`` (never by ``--max-time``);
    the journal's last entry says what it left."""
    deadline = time.monotonic() + config.cleanup_timeout
    ledger.client.for_cleanup()  # bounded by the deadline, not by --max-wait
    deleted, leftovers = ledger.cleanup(pace.workers if pace else 1, deadline=deadline)
    if journal is not None:
        journal.finish(leftovers)
    return deleted, leftovers
