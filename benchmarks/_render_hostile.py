"""The hostile-server section: each proxy mode's exit code, time, memory and foreign writes."""

from __future__ import annotations

from typing import Any

from benchmarks._document import MISSING, BenchRun, paragraph, table

__all__ = ["TITLE", "hostile"]

TITLE = "Hostile server: a lying proxy in front of the emulator"

_EXPECTED = {
    "passthrough": "the control: nothing changed",
    "wrong_lead_id": "the lead create answers with the customer's lead id",
    "foreign_instance_id": "creates answer with the customer's instance id",
    "foreign_org_instance_id": "creates answer with another organization's instance id",
    "traversal_id": "creates answer with `../lead/<customer lead>`",
    "newline_id": "creates answer with an id that ends in a newline",
    "huge_id": "creates answer with a 70,000-character id",
    "lying_list": "lists claim the customer's instances for the run's lead",
    "invalid_json": "list answers are truncated JSON",
    "invalid_json_read": "reads of one instance are truncated JSON",
    "non_utf8": "list answers are not UTF-8",
    "deep_json": "list answers nest 100,000 deep",
    "corrupt_gzip": "list answers are a corrupt gzip body",
    "broken_chunked": "list answers have broken chunked framing",
    "gzip_bomb": "list answers are 200 MiB of zeros, gzipped",
    "endless_chunked": "list answers are a chunked body that never ends",
    "trickle": "list answers come one byte every 2 s",
    "endless_paging": "lists say `has_more: true` forever",
    "absurd_ratelimit": "every answer says `RateLimit: ... remaining=0, reset=10^12`",
    "absurd_429": "every answer is a 429 with that `RateLimit`",
}


def _row(row: dict[str, Any]) -> list[str]:
    foreign = row["foreign_writes"] + row["rows_changed"]
    return [
        f"`{row['mode']}`",
        _EXPECTED.get(row["mode"], ""),
        str(row["exit_code"]),
        f"{row['seconds']:.1f} s",
        f"{row['peak_mib']:.0f} MiB",
        f"**{foreign}**" if foreign else "0",
        "yes" if row["report_written"] else "no",
    ]


def hostile(outcome: BenchRun | None) -> list[str]:
    """The table of ``benchmarks/bench_hostile.py``, with what it shows."""
    if outcome is None:
        return [MISSING]
    data = outcome.data
    rows = data["rows"]
    wrote = [row["mode"] for row in rows if row["foreign_writes"] or row["rows_changed"]]
    capped = [row["mode"] for row in rows if row["safety_caps_met"]]
    blocks = [
        paragraph(
            f"`{outcome.command}`: customer data (a lead with two instances, and another",
            "organization's lead and instance) planted in a fresh embedded emulator per mode,",
            "a hostile proxy in front of it, and `close-contract run --base-url PROXY",
            "--examples 1 --stateful-runs 0` with",
            ", ".join(f"`{bound}`" for bound in data["bounds"]),
            "as a child process. Peak memory is the child's own peak RSS; writes to foreign",
            "data count the PUTs and DELETEs that reached an id that existed before the run",
            "(the proxy's log) plus the rows that existed and changed (full database",
            "snapshots). They must be 0.",
        ),
        table(
            ["mode", "the server", "exit", "wall time", "peak memory", "foreign writes", "report"],
            ["---", "---", "---:", "---:", "---:", "---:", "---"],
            [_row(row) for row in rows],
        ),
    ]
    verdict = (
        f"Writes to foreign data: **{', '.join(wrote)}** wrote to data the run did not create."
        if wrote
        else "No mode wrote to data the run did not create."
    )
    if capped:
        verdict += (
            " The proxy's own safety caps ended "
            + ", ".join(f"`{mode}`" for mode in capped)
            + ": the run kept reading or waiting until the proxy gave up."
        )
    blocks.append(paragraph(verdict))
    return blocks
