"""What a run found, grouped the way a person reads it: by check and root cause.

One root cause shows up as many violations: an API that loses its writes answers 404 to
every read, update and delete that follows each create. So violations are grouped by
their check and their title with ids, quoted values and numbers normalised (the status an
answer had stays: ``answered 404`` and ``answered 500`` are two causes), and within one
case every violation after the first is a follow-on of it: it is attached to the first
one's group instead of making a group of its own.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from contract.errors import ContractViolation
from contract.events import CaseFinished, Summary

__all__ = [
    "Group",
    "Related",
    "RootCauses",
    "excerpt",
    "fingerprint",
    "not_run_by_reason",
    "root_cause",
]

# Close ids: a lowercase prefix, an underscore and a long run of letters and digits with
# at least one digit or capital (so that words such as ``type_conformance`` stay).
_ID = re.compile(r"\b[a-z]+_(?=[A-Za-z0-9]*[A-Z0-9])[A-Za-z0-9]{10,}\b")
_DOUBLE_QUOTED = re.compile(r'"[^"]*"')
# An apostrophe inside a word ("organization's") opens no quotation.
_SINGLE_QUOTED = re.compile(r"(?<!\w)'[^']*'(?!\w)")
_NUMBER = re.compile(r"(answered )?\b\d+(?:\.\d+)?\b")

Key = tuple[str, str]


def _number(match: re.Match[str]) -> str:
    return match.group(0) if match.group(1) else "N"


def root_cause(found: ContractViolation) -> Key:
    """The check and the title with what varies from case to case normalised away."""
    title = _ID.sub("<id>", found.title)
    title = _DOUBLE_QUOTED.sub('"…"', title)
    title = _SINGLE_QUOTED.sub("'…'", title)
    return found.check, _NUMBER.sub(_number, title)


def fingerprint(found: ContractViolation) -> str:
    """The root cause of ``found`` as 12 hex digits: its check and its title without ids,
    quoted values and counts (so the operation, the status and the field or property stay).
    The same cause has the same fingerprint in every run, on every worker, in every
    output; custom fields are named by their names (contract.fieldnames), so it also holds
    across organizations whose ids differ."""
    check, title = root_cause(found)
    return hashlib.sha256(f"{check}\x00{title}".encode("utf-8", "surrogatepass")).hexdigest()[:12]


def excerpt(text: str, limit: int = 200) -> str:
    """``text`` on one line (whitespace runs collapsed), at most ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


@dataclass(slots=True)
class Related:
    """Violations of one root cause: the first one seen, where it was, and how many."""

    first: ContractViolation
    label: str
    phase: str
    count: int = 1


@dataclass(slots=True)
class Group:
    """Cases whose first violation has one root cause, and what followed in those cases.

    ``cause.count`` is the number of such cases; ``follow_ons`` are the later violations
    of the same cases, by their own root cause.
    """

    cause: Related
    follow_ons: dict[Key, Related] = field(default_factory=dict)

    @property
    def follow_on_count(self) -> int:
        """How many violations followed the cause in its cases."""
        return sum(f.count for f in self.follow_ons.values())


@dataclass
class RootCauses:
    """The groups of a run's violations, in the order their causes first appeared, and
    the cases the network left inconclusive."""

    groups: dict[Key, Group] = field(default_factory=dict)
    inconclusive: list[CaseFinished] = field(default_factory=list)
    violations: int = 0

    def add(self, case: CaseFinished) -> None:
        """Take one finished case."""
        if case.inconclusive:
            self.inconclusive.append(case)
        if not case.violations:
            return
        self.violations += len(case.violations)
        first, *rest = case.violations
        key = root_cause(first)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(Related(first, case.label, case.phase, 0))
        group.cause.count += 1
        for found in rest:
            other = root_cause(found)
            related = group.follow_ons.get(other)
            if related is None:
                group.follow_ons[other] = Related(found, case.label, case.phase)
            else:
                related.count += 1

    @property
    def cases(self) -> int:
        """How many cases had a violation."""
        return sum(g.cause.count for g in self.groups.values())


def not_run_by_reason(summary: Summary) -> dict[str, list[str]]:
    """The checks that judged nothing, by the reason each gives (names sorted)."""
    reasons: dict[str, list[str]] = {}
    for name, tally in sorted(summary.checks.items()):
        if tally.not_run:
            reasons.setdefault(tally.not_run, []).append(name)
    return reasons
