"""The JUnit XML report: one ``testsuite`` per phase, as CI systems expect to read it.

A ``failure``'s text is the violation as :class:`~contract.errors.ContractViolation` reads:
its message, then its curl reproduction or, for a violation that takes several requests,
those requests numbered in order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from contract.events import CaseFinished
from contract.reports._metadata import Metadata

__all__ = ["junit_report"]

# Characters XML 1.0 cannot hold, not even escaped (labels and messages may quote a target).
_NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _skipped(case: CaseFinished) -> bool:
    # CI systems show a skip as "not judged", which is what the network made it.
    return bool(case.inconclusive) and not case.violations


def _suite(root: ET.Element, meta: Metadata, phase: str, cases: Sequence[CaseFinished]) -> None:
    suite = ET.SubElement(
        root,
        "testsuite",
        name=phase,
        tests=str(len(cases)),
        failures=str(sum(1 for c in cases if c.violations)),
        errors="0",
        skipped=str(sum(1 for c in cases if _skipped(c))),
        time=f"{sum(c.elapsed for c in cases):.3f}",
    )
    if meta.started_at is not None:
        suite.set("timestamp", meta.started_at)
    # Each suite carries the run's metadata: tools that split suites into separate views
    # (GitLab, Jenkins) still show which version, seed and target produced it.
    properties = ET.SubElement(suite, "properties")
    for name, value in meta.properties():
        ET.SubElement(properties, "property", name=name, value=_xml(value))
    for case in cases:
        item = ET.SubElement(
            suite,
            "testcase",
            classname=f"close_contract.{phase}",
            name=_xml(case.label),
            time=f"{case.elapsed:.3f}",
        )
        for found in case.violations:
            failure = ET.SubElement(
                item,
                "failure",
                message=_xml(f"[{found.check}] {found.title}"),
                type=_xml(found.check),
            )
            failure.text = _xml(str(found))
        if _skipped(case):
            ET.SubElement(item, "skipped", message=_xml(f"inconclusive: {case.inconclusive}"))


def junit_report(meta: Metadata, cases: Sequence[CaseFinished]) -> str:
    """The report as a JUnit XML document (with its declaration and a final newline)."""
    root = ET.Element(
        "testsuites",
        name="close-contract",
        tests=str(len(cases)),
        failures=str(sum(1 for c in cases if c.violations)),
        errors="0",
        skipped=str(sum(1 for c in cases if _skipped(c))),
        time=f"{meta.duration:.3f}",
    )
    phases: dict[str, list[CaseFinished]] = {}
    for case in cases:
        phases.setdefault(case.phase, []).append(case)
    for phase, grouped in phases.items():
        _suite(root, meta, phase, grouped)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
