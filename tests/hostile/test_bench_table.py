"""The hostile-server table of docs/benchmarks.md: rendered from the benchmark's report,
and put in place by ``python -m benchmarks --only hostile --splice`` without touching the
rest."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _module(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT))
    return importlib.import_module(name)


def _report(foreign: int) -> dict[str, Any]:
    row = {
        "mode": "wrong_lead_id",
        "exit_code": 3,
        "seconds": 1.25,
        "peak_mib": 48.2,
        "foreign_writes": foreign,
        "rows_changed": 0,
        "writes": [],
        "report_written": True,
        "requests": 9,
        "safety_caps_met": [],
    }
    return {"bounds": ["--max-pages 5"], "rows": [row], "ok": foreign == 0}


@pytest.mark.parametrize("foreign", [0, 2])
def test_the_table_shows_each_mode_and_its_writes_to_foreign_data(
    monkeypatch: pytest.MonkeyPatch, foreign: int
) -> None:
    document = _module("benchmarks._document", monkeypatch)
    hostile = _module("benchmarks._render_hostile", monkeypatch)
    outcome = document.BenchRun("python benchmarks/bench_hostile.py --json", _report(foreign), 1, 0)

    text = "\n\n".join(hostile.hostile(outcome))

    shown = f"**{foreign}**" if foreign else "0"
    assert "| `wrong_lead_id` | the lead create answers with the customer's lead id | 3 |" in text
    assert f"| 1.2 s | 48 MiB | {shown} | yes |" in text
    if foreign:
        assert "**wrong_lead_id** wrote to data the run did not create" in text
    else:
        assert "No mode wrote to data the run did not create." in text


def test_only_the_measured_sections_replace_theirs(monkeypatch: pytest.MonkeyPatch) -> None:
    splice = _module("benchmarks._splice", monkeypatch).splice
    missing = _module("benchmarks._document", monkeypatch).MISSING
    written = "# Benchmarks\n\nMachine:\n\n- cores\n\n## A\n\nold a\n\n## B\n\nold b\n"
    fresh = f"# Benchmarks\n\n## A\n\n{missing}\n\n## B\n\nnew b\n\n## C\n\nnew c\n"

    # When a fresh document measured B and C only is spliced into the written one
    text = splice(written, fresh, "run again with `--only b,c`")

    # Then A stays, B is replaced, C is added, and the machine list says what ran again
    assert text == (
        "# Benchmarks\n\nMachine:\n\n- cores\n- run again with `--only b,c`\n\n"
        "## A\n\nold a\n\n## B\n\nnew b\n\n## C\n\nnew c\n"
    )
