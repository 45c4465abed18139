"""The cases of a reproduction: the finding's own, translated; the setup's, drawn as a run
draws them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from hypothesis import strategies as st

from contract.cassettes import Drawn
from contract.engine import Ground
from contract.errors import ConfigurationError
from contract.reproduce._finding import Finding
from contract.reproduce._translate import Translation
from contract.session import CaseSource, GeneratedSource, Outcome, SequenceRecord
from contract.stateful import CORPUS_KEY
from strategies import Case

__all__ = ["Pinned"]

CaseT = TypeVar("CaseT", bound=Drawn)


@dataclass
class Pinned:
    """A :class:`~contract.engine.Focus` on one finding: only its batch runs, with its case
    (or, for a stateful finding, its sequence), ids translated once the setup made the new
    lead and references. The setup's own cases are drawn as any run with this seed draws
    them."""

    finding: Finding
    seed: int
    translation: Translation | None = None
    _fallback: GeneratedSource = field(init=False)

    def __post_init__(self) -> None:
        self._fallback = GeneratedSource(self.seed, shrink=False)

    @property
    def keys(self) -> frozenset[str]:
        batch = self.finding.batch
        return frozenset({batch}) if batch else frozenset()

    @property
    def source(self) -> CaseSource:
        return self

    def prepare(self, ground: Ground) -> None:
        """Translate into what the setup made: for a stateful sequence, its leads are the
        ones that phase runs on (the tour's for the tour, run 0)."""
        sequence = self.finding.sequence
        leads: list[str] = [ground.lead]
        if sequence is not None:
            tour, drawn = list(ground.stateful_leads[:2]), list(ground.stateful_leads[2:])
            leads = (tour if sequence.get("run") == 0 else drawn) or leads
        pools = {**ground.refs, "lead": leads}
        self.translation = Translation(ground.org, pools)

    # -- CaseSource ----------------------------------------------------------------------

    def batch(
        self,
        key: str,
        strategy: Callable[[], st.SearchStrategy[CaseT]],
        execute: Callable[[CaseT], Outcome],
        examples: int,
    ) -> list[Outcome]:
        """The setup's batches, as a run with this seed runs them."""
        return self._fallback.batch(key, strategy, execute, examples)

    def draw(
        self, key: str, strategy: Callable[[], st.SearchStrategy[CaseT]], examples: int
    ) -> list[CaseT]:
        """The finding's case for its batch; any other batch as a run draws it."""
        if key != self.finding.batch:
            return self._fallback.draw(key, strategy, examples)
        case = self._translated(self.finding.case or {})
        first = Case.from_dict(case)
        if key.startswith("valid:"):
            other = Case.from_dict(case["update"]) if "update" in case else first
            return cast("list[CaseT]", [(first, other)])
        return cast("list[CaseT]", [first])

    def executed(self, key: str, drawn: Any) -> None:
        """Nothing to write down."""

    def sequences(self, key: str) -> list[SequenceRecord] | None:
        """The finding's sequence (translated) for the stateful phase."""
        sequence = self.finding.sequence
        if key != CORPUS_KEY or sequence is None:
            return None
        translation = self._ready()
        return [cast("SequenceRecord", translation.sequence(sequence))]

    def _ready(self) -> Translation:
        if self.translation is None:
            raise RuntimeError("a reproduction's cases are drawn only after its setup")
        return self.translation

    def _translated(self, case: Mapping[str, Any]) -> dict[str, Any]:
        if "payload" not in case:
            raise ConfigurationError(
                f"finding #{self.finding.number} holds no case to send again (the report "
                "was cut or edited)"
            )
        return self._ready().case(case)
