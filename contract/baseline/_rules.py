"""Named rules with levels, per-rule overrides and the gate.

Every difference between two baselines (or between a baseline and a run) is classified
by one rule of :data:`RULES`. A rule has a level, ``ERR``, ``WARN`` or ``INFO``, equal to
the level oasdiff publishes for the same response change wherever it has one; where this
toolkit grades otherwise, or oasdiff has no such rule, the rule says why
(``docs/baseline-rules.md`` renders the table).

Levels can be overridden per rule (``{"response-property-added": "off"}``), and the gate
(:func:`failing`, ``fail_on``, default ``ERR``) says which findings fail ``diff`` and
``run --baseline``. Every level is still reported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias, cast, get_args

from contract.errors import LEVELS, ConfigurationError, Level, Regression, level_at_least

__all__ = [
    "LEVELS",
    "RULES",
    "Findings",
    "Override",
    "Rule",
    "apply_overrides",
    "failing",
    "parse_level",
    "parse_overrides",
    "rule_table",
]


Override: TypeAlias = Literal["ERR", "WARN", "INFO", "off"]
"""What a per-rule override sets: another level, or ``off`` (the rule reports nothing)."""


# The oasdiff levels below are those of oasdiff's checker/rules.go as published at
# Tufin/oasdiff@081dd38 (and oasdiff/oasdiff@001f320 for rules added later); see
# docs/baseline-rules.md for the sources and the levels later releases changed.


@dataclass(frozen=True, slots=True)
class Rule:
    """One named rule: what it finds, its level, and how oasdiff grades the same change.

    ``oasdiff`` names oasdiff's rule for the change (None: oasdiff compares schemas and
    has no such rule) and ``oasdiff_level`` its published level; ``why`` says why this
    toolkit's level differs, or why the rule exists at all when oasdiff has none.
    """

    name: str
    level: Level
    summary: str
    oasdiff: str | None = None
    oasdiff_level: Level | None = None
    why: str = ""


def _rule(
    name: str,
    level: Level,
    summary: str,
    oasdiff: str | None = None,
    oasdiff_level: Level | None = None,
    why: str = "",
) -> Rule:
    if oasdiff_level is not None and oasdiff_level != level and not why:
        raise ValueError(f"{name}: a level other than oasdiff's needs a reason")  # pragma: no cover
    return Rule(name, level, summary, oasdiff, oasdiff_level, why)


_VALUES = (
    "oasdiff compares schemas, not what a server answers to what it was sent; a client that "
    "reads back what it wrote gets something else."
)
_REACH = (
    "A baseline records what a run reached; what the new side reached and the old did not "
    "is reported so it is seen, never failed on. What the new side did not reach is listed "
    "as not compared."
)

RULES: Final[Mapping[str, Rule]] = {
    rule.name: rule
    for rule in (
        # --- response bodies -----------------------------------------------------------
        _rule(
            "response-body-type-changed",
            "ERR",
            "The whole body changed its JSON type (an object became a list, JSON became "
            "empty or not JSON).",
            "response-body-type-changed",
            "ERR",
        ),
        _rule(
            "response-property-removed",
            "ERR",
            "A key present in every answer (enough samples on both sides) is in none now.",
            "response-required-property-removed",
            "ERR",
        ),
        _rule(
            "response-optional-property-removed",
            "WARN",
            "A key present in some answers is in none now, where enough answers would have "
            "shown it.",
            "response-optional-property-removed",
            "WARN",
            "oasdiff rated it WARN before v1.30 and INFO since; Optic calls any removal "
            "breaking. WARN: reported, and failed on with --fail-on WARN.",
        ),
        _rule(
            "response-property-added",
            "INFO",
            "A key no answer of the baseline had.",
            "response-optional-property-added",
            "INFO",
        ),
        _rule(
            "response-property-type-changed",
            "ERR",
            "A value took a JSON type the baseline never saw.",
            "response-property-type-changed",
            "ERR",
        ),
        _rule(
            "response-number-became-non-integer",
            "ERR",
            "A server-made number that always held integers (enough samples) holds a fraction now.",
            "response-property-type-generalized",
            "ERR",
        ),
        _rule(
            "response-property-format-changed",
            "ERR",
            "A string changed or lost its format (an id prefix, a datetime with an offset, "
            "a date).",
            "response-property-type-changed",
            "ERR",
            "oasdiff reports a format change as a type change (format set, unset or "
            "changed); a rule of its own says which it was.",
        ),
        _rule(
            "response-property-became-nullable",
            "ERR",
            "A value that was never null is null in some answers.",
            "response-property-became-nullable",
            "ERR",
        ),
        _rule(
            "response-property-became-optional",
            "ERR",
            "A key present in every answer (enough samples) is missing from some now.",
            "response-property-became-optional",
            "ERR",
        ),
        _rule(
            "response-property-became-required",
            "INFO",
            "A key present in some answers is present in all of them now.",
            "response-property-became-required",
            "INFO",
        ),
        _rule(
            "response-enum-value-added",
            "WARN",
            "A value set widened: a server-made string (never an id, a handful of values "
            "over enough samples) took a value never seen, or a choices field answered a "
            "value its definition did not list.",
            "response-property-enum-value-added",
            "WARN",
            "oasdiff rates it WARN (its newest releases ERR); a client that maps every value "
            "it knows may meet one it does not.",
        ),
        # --- media types and headers --------------------------------------------------
        _rule(
            "response-media-type-changed",
            "ERR",
            "An answer came with a media type the baseline never saw (JSON as text/plain).",
            "response-media-type-removed",
            "ERR",
        ),
        _rule(
            "response-header-removed",
            "ERR",
            "A documented header present on every answer (enough samples) is on none now.",
            "required-response-header-removed",
            "ERR",
        ),
        _rule(
            "response-optional-header-removed",
            "WARN",
            "A documented header present on some answers is on none now, where enough "
            "answers would have shown it.",
            "optional-response-header-removed",
            "WARN",
        ),
        _rule(
            "response-header-became-optional",
            "ERR",
            "A documented header present on every answer (enough samples) is missing from "
            "some now.",
            "response-header-became-optional",
            "ERR",
        ),
        _rule(
            "response-header-added",
            "INFO",
            "A documented header the baseline's answers did not carry.",
            "response-header-added",
            "INFO",
        ),
        _rule(
            "response-header-form-changed",
            "ERR",
            "A documented header changed its form: a field of RateLimit gone, or of another type.",
            "response-header-type-changed",
            "ERR",
        ),
        _rule(
            "response-header-field-added",
            "INFO",
            "A documented header gained a field (a RateLimit field the baseline never saw).",
            None,
            None,
            "oasdiff types a header as one value; a header with fields is compared field by "
            "field here, and a new field leaves readers of the old ones unaffected.",
        ),
        # --- statuses -----------------------------------------------------------------
        _rule(
            "response-success-status-changed",
            "ERR",
            "A case kind that got a 2xx gets another status now, and none of the old ones.",
            "response-success-status-removed",
            "ERR",
        ),
        _rule(
            "response-status-changed",
            "ERR",
            "A case kind that got an error status gets another one now, and none of the old "
            "ones (400 became 404).",
            "response-non-success-status-removed",
            "INFO",
            "oasdiff compares the statuses a spec lists, where dropping one narrows what a "
            "client may see; a baseline pins the status the same request gets, and a client "
            "that branches on it breaks when it moves.",
        ),
        _rule(
            "response-status-added",
            "INFO",
            "A case kind gets a status beside the ones it got before.",
            "response-non-success-status-added",
            "INFO",
        ),
        _rule(
            "response-success-status-removed",
            "ERR",
            "A case kind no longer gets a 2xx it got, beside statuses it still gets "
            "(compared between two whole baselines only).",
            "response-success-status-removed",
            "ERR",
        ),
        _rule(
            "response-status-removed",
            "INFO",
            "A case kind no longer gets an error status it got, beside statuses it still "
            "gets (compared between two whole baselines only).",
            "response-non-success-status-removed",
            "INFO",
        ),
        # --- what each side reached ---------------------------------------------------
        _rule(
            "operation-added",
            "INFO",
            "An operation and status (with its type) only the new side reached.",
            "endpoint-added",
            "INFO",
        ),
        _rule("case-kind-added", "INFO", "A case kind only the new side ran.", None, None, _REACH),
        _rule(
            "type-added",
            "INFO",
            "A custom object type only the new side tested.",
            None,
            None,
            _REACH,
        ),
        # --- custom field definitions -------------------------------------------------
        _rule(
            "field-removed",
            "ERR",
            "A type's custom field is gone from its definitions.",
            "request-property-removed",
            "WARN",
            "Optic's view of removals: instances lose the key and creates that send it are "
            "refused as an unknown field, so a client that writes and reads it breaks.",
        ),
        _rule(
            "field-added",
            "INFO",
            "A type gained a custom field that is not required.",
            "new-optional-request-property",
            "INFO",
        ),
        _rule(
            "required-field-added",
            "ERR",
            "A type gained a required custom field: creates that leave it out are refused.",
            "new-required-request-property",
            "ERR",
        ),
        _rule(
            "field-type-changed",
            "ERR",
            "A custom field changed its type or whether it holds several values.",
            "request-property-type-changed",
            "ERR",
        ),
        _rule(
            "field-became-required",
            "ERR",
            "A custom field became required: creates that leave it out are refused.",
            "request-property-became-required",
            "ERR",
        ),
        _rule(
            "field-became-optional",
            "ERR",
            "A required custom field became optional: instances may now lack it.",
            "response-property-became-optional",
            "ERR",
        ),
        _rule(
            "field-choice-added",
            "WARN",
            "A choices field lists a choice its definition did not.",
            "response-property-enum-value-added",
            "WARN",
        ),
        _rule(
            "field-choice-removed",
            "ERR",
            "A choices field no longer lists a choice: creates that send it are refused.",
            "request-property-enum-value-removed",
            "ERR",
        ),
        # --- how sent values come back ------------------------------------------------
        _rule(
            "response-sent-value-stringified",
            "ERR",
            "A value sent as a number (or boolean) comes back as a string.",
            None,
            None,
            _VALUES,
        ),
        _rule(
            "response-sent-value-integer-valued",
            "ERR",
            "A number sent with a fraction comes back as an integer.",
            None,
            None,
            _VALUES,
        ),
        _rule(
            "response-sent-value-cut",
            "ERR",
            "A text or a list of values comes back shorter than sent.",
            None,
            None,
            _VALUES,
        ),
        _rule(
            "response-sent-value-dropped",
            "ERR",
            "A value that was sent is missing from the answer.",
            None,
            None,
            _VALUES,
        ),
        _rule(
            "response-sent-value-changed",
            "ERR",
            "A value comes back otherwise changed (precision lost, characters replaced, a "
            "list answered as one value).",
            None,
            None,
            _VALUES,
        ),
        _rule(
            "response-sent-value-kept",
            "INFO",
            "A value the baseline saw changed on its way back now comes back as sent.",
            None,
            None,
            "Reported so a fix is seen; it breaks no client.",
        ),
        _rule(
            "max-accepted-length-decreased",
            "WARN",
            "A name or text value of a length the baseline saw accepted (the length ladder's "
            "longest, 256 to 65,536 characters) is refused or changed now.",
            "request-property-max-length-decreased",
            "ERR",
            "Close documents no maximum, so the length is observed, not declared, and a new "
            "limit may be a deliberate safeguard; WARN: reported, and failed on with "
            "--fail-on WARN.",
        ),
    )
}
"""Every rule, by name."""


def parse_level(text: str, *, allow_off: bool = False) -> Override:
    """A level from user input (``err``, ``Warn``, ``INFO``; ``off`` when allowed).

    Raises ``ConfigurationError`` (one line naming the accepted words) otherwise.
    """
    word = text.strip()
    if allow_off and word.lower() == "off":
        return "off"
    upper = word.upper()
    if upper in get_args(Level):
        return cast(Level, upper)
    accepted = ", ".join([*LEVELS[::-1], *(["off"] if allow_off else [])])
    raise ConfigurationError(f"unknown level {text!r}; use one of {accepted}")


def parse_overrides(overrides: Mapping[str, str]) -> dict[str, Override]:
    """Per-rule overrides from user input (an option or ``[tool.close-contract]``).

    Keys must be rule names of :data:`RULES`, values a level or ``off``; anything else is
    a ``ConfigurationError`` naming the bad entry.
    """
    parsed: dict[str, Override] = {}
    for name, value in overrides.items():
        if name not in RULES:
            raise ConfigurationError(
                f"unknown baseline rule {name!r} in the level overrides; the rules are "
                "listed in docs/baseline-rules.md"
            )
        if not isinstance(value, str):
            raise ConfigurationError(
                f"the level override of {name!r} must be ERR, WARN, INFO or off, got {value!r}"
            )
        parsed[name] = parse_level(value, allow_off=True)
    return parsed


def apply_overrides(
    regressions: Iterable[Regression], overrides: Mapping[str, Override] | None = None
) -> list[Regression]:
    """``regressions`` with their levels overridden per rule; ``off`` rules left out.

    An overridden finding is a copy; its ``severity`` follows its new level.
    """
    found: list[Regression] = []
    for regression in regressions:
        level = (overrides or {}).get(regression.rule)
        if level == "off":
            continue
        if level is None or level == regression.level:
            found.append(regression)
        else:
            found.append(dataclasses.replace(regression, level=level, severity=severity_of(level)))
    return found


def severity_of(level: Level) -> Literal["breaking", "additive"]:
    """The older two-word grading: ``breaking`` for ERR and WARN, ``additive`` for INFO."""
    return "additive" if level == "INFO" else "breaking"


def failing(
    regressions: Iterable[Regression],
    *,
    fail_on: Level = "ERR",
    overrides: Mapping[str, Override] | None = None,
) -> list[Regression]:
    """The findings that fail the gate: those at ``fail_on`` or above, after ``overrides``."""
    return [r for r in apply_overrides(regressions, overrides) if level_at_least(r.level, fail_on)]


class Findings(list[Regression]):
    """Every difference found, each with its rule and level, and what was not compared.

    A list of :class:`~contract.errors.Regression`, every level included. ``failing``
    holds those at ``fail_on`` or above and :attr:`fails` says whether there are any.
    ``not_compared`` names what only the old side reached (``operation GET …``,
    ``case kind valid:list``, ``type Asset``): never a finding, the new side may simply
    not have got there.
    """

    def __init__(
        self,
        regressions: Iterable[Regression] = (),
        *,
        fail_on: Level = "ERR",
        not_compared: Iterable[str] = (),
    ) -> None:
        super().__init__(regressions)
        self.fail_on: Level = fail_on
        self.not_compared: tuple[str, ...] = tuple(not_compared)

    @property
    def failing(self) -> list[Regression]:
        """The findings at ``fail_on`` or above."""
        return failing(self, fail_on=self.fail_on)

    @property
    def fails(self) -> bool:
        """Whether any finding fails the gate."""
        return bool(self.failing)

    def counts(self) -> dict[Level, int]:
        """How many findings each level holds, ``ERR`` first (levels with none left out)."""
        counts = {level: sum(r.level == level for r in self) for level in LEVELS[::-1]}
        return {level: n for level, n in counts.items() if n}


def rule_table() -> str:
    """The rules as a Markdown table: name, level, oasdiff's rule and level, and why."""
    lines = [
        "| rule | level | oasdiff rule | oasdiff level | why we differ / what it is |",
        "| --- | --- | --- | --- | --- |",
    ]
    for rule in RULES.values():
        oasdiff = f"`{rule.oasdiff}`" if rule.oasdiff else "none"
        note = rule.why or rule.summary
        lines.append(
            f"| `{rule.name}` | {rule.level} | {oasdiff} | {rule.oasdiff_level or '-'} | {note} |"
        )
    return "\n".join(lines)
