"""Everything one emulator instance holds: store, ids, clock, faults, rate limiter, network."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request

from contract.emulator._faults import FaultSet
from contract.emulator._ids import Clock, IdGenerator
from contract.emulator._network import NetworkConditions
from contract.emulator._ratelimit import RateLimiter
from contract.emulator._seed import plant_other_lead, seed_store
from contract.emulator._store import Principal, Store

__all__ = ["PRINCIPAL_SCOPE_KEY", "EmulatorState", "principal_of"]

#: Where the gate leaves the authenticated principal in the ASGI scope.
PRINCIPAL_SCOPE_KEY = "close_emulator.principal"


@dataclass(slots=True)
class EmulatorState:
    """The live parts of one emulator; endpoints receive it at construction."""

    store: Store
    ids: IdGenerator
    clock: Clock
    faults: FaultSet
    limiter: RateLimiter
    network: NetworkConditions = NetworkConditions()
    # A variant of what Close leaves undocumented, not a fault (see _validation).
    refuse_blank_text: bool = False
    # The second organization's lead, when one was asked for (see plant_other_lead).
    other_lead_id: str | None = None

    @classmethod
    def open(
        cls,
        *,
        faults: Iterable[str] = (),
        throttle: int | None = None,
        throttle_reset: float = 1.0,
        db_path: Path | None = None,
        api_key: str | None = None,
        seed: int = 0,
        network: NetworkConditions | None = None,
        rate_limit: int | None = None,
        rate_window: float = 1.0,
        refuse_blank_text: bool = False,
        other_lead: bool = False,
    ) -> EmulatorState:
        """Validate the options, open (and seed when fresh) the database; with
        ``other_lead``, make sure the second organization holds a lead (see
        :func:`~contract.emulator._seed.plant_other_lead`)."""
        fault_set = FaultSet.of(faults)
        limiter = RateLimiter(
            throttle=throttle, throttle_reset=throttle_reset, limit=rate_limit, window=rate_window
        )
        store = Store(db_path)
        try:
            # Each reopening of a database file starts a new id epoch (see IdGenerator).
            epoch_text = store.get_meta("epoch")
            epoch = 0 if epoch_text is None else int(epoch_text) + 1
            store.set_meta("epoch", str(epoch))
            ids = IdGenerator(seed, epoch)
            clock = Clock()
            seed_store(store, ids, clock, api_key)
            other_lead_id = plant_other_lead(store, ids, clock) if other_lead else None
        except BaseException:
            store.close()
            raise
        return cls(
            store=store,
            ids=ids,
            clock=clock,
            faults=fault_set,
            limiter=limiter,
            network=network or NetworkConditions(),
            refuse_blank_text=refuse_blank_text,
            other_lead_id=other_lead_id,
        )

    def close(self) -> None:
        """Release the database connection."""
        self.store.close()


def principal_of(request: Request) -> Principal:
    """The principal the gate authenticated for this request."""
    principal = request.scope.get(PRINCIPAL_SCOPE_KEY)
    if not isinstance(principal, Principal):
        raise RuntimeError("request reached an endpoint without passing the auth gate")
    return principal
