"""The JUnit XML report: one ``testsuite`` per check, as CI systems expect to read it.

In each check's suite, one ``testcase`` per root cause (the check, and the title without
ids, quoted values and counts: the operation, the status and the field stay), named by
its first title and its fingerprint, so that names are unique and stable from night to
night; its ``failure`` says how many violations it stands for and reads as the first one
does (its message, then its curl reproduction or the requests that reproduce it, numbered
in order). A check that judged answers and found nothing is one passing ``testcase``; a
check that did not run is one skipped ``testcase`` that says why. The cases the network
decided are skipped ``testcase`` elements of an ``inconclusive`` suite: neither passed
nor failed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from contract.errors import ContractViolation
from contract.events import CaseFinished, Summary
from contract.reports._groups import fingerprint
from contract.reports._metadata import Metadata

__all__ = ["junit_report"]

# Characters XML 1.0 cannot hold, not even escaped (labels and messages may quote a target).
_NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


@dataclass
class _Cause:
    first: ContractViolation
    label: str
    phase: str
    elapsed: float
    count: int = 1


@dataclass
class _Check:
    causes: dict[str, _Cause]
    judged: int = 0
    passed: int = 0
    not_run: str | None = None


def _checks(summary: Summary, cases: Sequence[CaseFinished]) -> dict[str, _Check]:
    checks = {
        name: _Check({}, tally.judged, tally.passed, tally.not_run)
        for name, tally in sorted(summary.checks.items())
    }
    for case in cases:
        for found in case.violations:
            check = checks.setdefault(found.check, _Check({}))
            key = fingerprint(found)
            cause = check.causes.get(key)
            if cause is None:
                check.causes[key] = _Cause(found, case.label, case.phase, case.elapsed)
            else:
                cause.count += 1
                cause.elapsed += case.elapsed
    return checks


def _suite(root: ET.Element, meta: Metadata, name: str) -> ET.Element:
    suite = ET.SubElement(root, "testsuite", name=name, errors="0")
    if meta.started_at is not None:
        suite.set("timestamp", meta.started_at)
    # Each suite carries the run's metadata: tools that split suites into separate views
    # (GitLab, Jenkins) still show which version, seed and target produced it.
    properties = ET.SubElement(suite, "properties")
    for key, value in meta.properties():
        ET.SubElement(properties, "property", name=key, value=_xml(value))
    return suite


def _case(suite: ET.Element, classname: str, name: str, elapsed: float = 0.0) -> ET.Element:
    return ET.SubElement(
        suite, "testcase", classname=classname, name=_xml(name), time=f"{elapsed:.3f}"
    )


def _count(suite: ET.Element) -> tuple[int, int, int]:
    cases = suite.findall("testcase")
    failures = sum(1 for c in cases if c.find("failure") is not None)
    skipped = sum(1 for c in cases if c.find("skipped") is not None)
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(failures))
    suite.set("skipped", str(skipped))
    suite.set("time", f"{sum(float(c.get('time', '0')) for c in cases):.3f}")
    return len(cases), failures, skipped


def junit_report(meta: Metadata, summary: Summary, cases: Sequence[CaseFinished]) -> str:
    """The report as a JUnit XML document (with its declaration and a final newline)."""
    root = ET.Element("testsuites", name="close-contract", errors="0")
    suites: list[ET.Element] = []
    # A run stopped before its first case judged nothing: it has no suite to show.
    for name, check in (_checks(summary, cases) if cases else {}).items():
        suite = _suite(root, meta, name)
        suites.append(suite)
        classname = f"close_contract.{name}"
        for key, cause in check.causes.items():
            item = _case(suite, classname, f"{cause.first.title} [{key}]", cause.elapsed)
            times = "once" if cause.count == 1 else f"{cause.count} times"
            failure = ET.SubElement(
                item,
                "failure",
                message=_xml(
                    f"[{name}] {cause.first.title} ({times}; first in {cause.label}, {cause.phase})"
                ),
                type=_xml(name),
            )
            failure.text = _xml(str(cause.first))
        if check.not_run is not None:
            item = _case(suite, classname, name)
            ET.SubElement(item, "skipped", message=_xml(f"not run: {check.not_run}"))
        elif not check.causes and check.judged:
            _case(suite, classname, f"{name}: held on {check.passed} answers")
    undecided = [c for c in cases if c.inconclusive and not c.violations]
    if undecided:
        # CI systems show a skip as "not judged", which is what the network made these.
        suite = _suite(root, meta, "inconclusive")
        suites.append(suite)
        for case in undecided:
            item = _case(suite, f"close_contract.{case.phase}", case.label, case.elapsed)
            ET.SubElement(item, "skipped", message=_xml(f"inconclusive: {case.inconclusive}"))
    totals = [_count(suite) for suite in suites]
    root.set("tests", str(sum(t[0] for t in totals)))
    root.set("failures", str(sum(t[1] for t in totals)))
    root.set("skipped", str(sum(t[2] for t in totals)))
    root.set("time", f"{meta.duration:.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
