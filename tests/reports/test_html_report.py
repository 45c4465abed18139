"""The HTML report: one self-contained page (no script, nothing fetched) that parses, holds
the summary, the per-check coverage, a section per root cause with its fingerprint, the
baseline comparison and a status chart, escapes whatever a target said, blanks keys and
scrubs personal data as every rendering does, and, given earlier JSON reports, says what is
new or fixed since the last run and charts the trend (skipping what is no report)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from support.cli import cli, error_lines
from support.exchanges import exchange
from support.run import type_ids

from contract.cassettes import stand_in
from contract.checks import CheckContext, CheckTally, run_checks
from contract.config import Config
from contract.errors import ConfigurationError, ContractViolation, Regression
from contract.events import (
    BaselineCompared,
    CaseFinished,
    RunFinished,
    RunOptions,
    RunStarted,
    Summary,
)
from contract.reports import STDOUT, RunReport, fingerprint, read_history, write_reports

KEY = "api_html0canary0key0for0reports0123456789"
NOW = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script>"
CLOSE = "https://api.close.com/api/v1"
# What the page may hold: no script, frame, object, image or link to anything outside it.
TAGS = {
    *("html", "head", "meta", "title", "style", "body", "header", "footer", "section"),
    *("h1", "h2", "h3", "h4", "p", "strong", "code", "pre", "a", "span", "ul", "ol", "li"),
    *("table", "thead", "tr", "th", "td", "details", "summary"),
    *("svg", "rect", "line", "text", "polyline", "circle"),
}
VOID = {"meta"}


class Page(HTMLParser):
    """An HTML page, parsed: every tag balanced (else ``problems``), its attributes, the
    text of each table row's cells, each root cause's section and each chart's label."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []
        self.rows: list[list[str]] = []
        self.sections: dict[str, str] = {}
        self.charts: list[str] = []
        self.text: list[str] = []
        self._open: list[str] = []
        self._section: str | None = None

    @classmethod
    def of(cls, html: str) -> Page:
        """``html``, parsed to its end."""
        page = cls()
        page.feed(html)
        page.close()
        if page._open:
            page.problems.append(f"never closed: {page._open}")
        return page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        given = {name: value or "" for name, value in attrs}
        self.attributes += given.items()
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self.rows[-1].append("")
        elif tag == "section" and "cause" in given.get("class", ""):
            self._section = given["id"]
            self.sections[self._section] = ""
        elif tag == "svg":
            self.charts.append(given.get("aria-label", ""))
        if tag not in VOID:
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self._open[-1:]}")
            return
        self._open.pop()
        if tag == "section":
            self._section = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._section is not None:
            self.sections[self._section] += data
        if self.rows and self.rows[-1] and {"td", "th"} & set(self._open):
            self.rows[-1][-1] += data

    def row(self, first: str) -> list[str]:
        """The cells of the one row whose first cell is ``first``."""
        (found,) = [r for r in self.rows if r and r[0].strip() == first]
        return [cell.strip() for cell in found]


def violation(check: str, title: str, **more: Any) -> ContractViolation:
    return ContractViolation(check=check, title=title, **more)


def case(label: str, *found: ContractViolation, statuses: tuple[int, ...] = (201,)) -> CaseFinished:
    return CaseFinished("valid", label, "cotype_a", None, 1, statuses, 0.1, found)


def report_of(
    cases: list[CaseFinished],
    *,
    started: datetime = NOW,
    checks: dict[str, CheckTally] | None = None,
) -> RunReport:
    """A report of ``cases``, started at ``started``, with ``checks`` as its tally."""
    options = RunOptions.from_config(Config(examples=1, seed=3))
    report = RunReport(
        started=RunStarted(
            "embedded emulator",
            "http://127.0.0.1:1/api/v1",
            3,
            ("cotype_a",),
            "emulator",
            started,
            options,
            "0a1b2c3d4e5f",
        )
    )
    for one in cases:
        report.add(one)
    by_check: dict[str, int] = {}
    for one in cases:
        for found in one.violations:
            by_check[found.check] = by_check.get(found.check, 0) + 1
    total = sum(by_check.values())
    requests = sum(c.requests for c in cases)
    report.add(
        RunFinished(Summary(len(cases), requests, total, by_check, 1.5, checks=checks or {}))
    )
    return report


SERVER_ERROR = violation(
    "status_conformance",
    f"POST custom_object/ answered 500 {HOSTILE}",
    message=f"expected 2xx; the server said <img src=x onerror=alert(2)> and {KEY}",
    reproduction=f"curl -X POST '{CLOSE}/custom_object/' -u \"$CLOSE_API_KEY:\"",
    response={"status": 500, "response_body": json.dumps({"error": "<script>alert(3)</script>"})},
)
FOLLOW_ON = violation(
    "read_after_create", "GET custom_object/custobj_0AbCdEfGhIjKlMn/ answered 404"
)
STATEFUL = violation(
    "list_matches_model",
    "GET custom_object/ lists 2 instances, the model 3",
    steps=(
        "curl -X POST https://x.test/api/v1/custom_object/",
        "curl https://x.test/api/v1/custom_object/",
    ),
    reproduction="curl https://x.test/api/v1/custom_object/",
)
TALLY = {
    "status_conformance": CheckTally(judged=4, passed=2, failed=2),
    "read_after_create": CheckTally(judged=3, passed=2, failed=1),
    "list_matches_model": CheckTally(judged=5, passed=4, failed=1),
    "org_isolation": CheckTally(not_run="no answer it applies to (it needs a second key)"),
}


def unit_report() -> RunReport:
    """Two cases of one root cause (with a follow-on), a stateful one, and one that held."""
    report = report_of(
        [
            case("Asset: valid #1", SERVER_ERROR, FOLLOW_ON, statuses=(500, 404)),
            case("Asset: valid #2", SERVER_ERROR, statuses=(500,)),
            case("stateful sequence 1", STATEFUL, statuses=(201, 200)),
            case("Asset: valid #3", statuses=(201, 200, 200, 204)),
        ],
        checks=TALLY,
    )
    findings = (
        Regression("baseline", "id went missing", rule="response-property-removed", level="ERR"),
        Regression("baseline", "a new key", rule="response-property-added", level="INFO"),
    )
    report.baseline = BaselineCompared("baseline.json", "WARN", findings)
    return report


def test_the_page_holds_summary_coverage_causes_baseline_and_a_status_chart(tmp_path: Path) -> None:
    # Given a run with two root causes, a follow-on, a stateful finding and a baseline
    report = unit_report()

    # When its HTML report is written, its key blanked
    path = tmp_path / "r.html"
    write_reports(report, html_path=path, redact=[KEY])
    html = path.read_text("utf-8")
    page = Page.of(html)

    # Then it parses, every tag closed, and uses only tags that fetch and run nothing
    assert page.problems == [] and page.tags <= TAGS, page.tags - TAGS
    assert html.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in html
    # ...the summary and the per-check coverage (the checks that did not run, with why)
    assert page.row("cases") and page.row("4")[:3] == ["4", "4", "4"]
    assert page.row("status_conformance") == ["status_conformance", "4", "2", "2", "0"]
    assert page.row("read_after_create") == ["read_after_create", "3", "2", "1", "0"]
    assert page.row("org_isolation")[1].startswith("no answer it applies to")
    # ...one section per root cause, named by its fingerprint, the follow-on inside it
    causes = {fingerprint(SERVER_ERROR), fingerprint(STATEFUL)}
    assert set(page.sections) == {f"cause-{fp}" for fp in causes}
    first = page.sections[f"cause-{fingerprint(SERVER_ERROR)}"]
    assert "in 2 cases; the first: Asset: valid #1 (valid)" in first
    assert "status 500" in first and "curl -X POST 'https://api.close.com" in first
    assert f"{FOLLOW_ON.title} (1 time)" in first
    steps = page.sections[f"cause-{fingerprint(STATEFUL)}"]
    assert "in order" in steps and STATEFUL.steps[0] in steps
    # ...the baseline's findings by rule and level, whether they fail the gate
    assert page.row("ERR") == ["ERR", "response-property-removed", "id went missing", "yes"]
    assert page.row("INFO") == ["INFO", "response-property-added", "a new key", "no"]
    # ...and a chart of the answers by status, with its axes' labels
    assert any(label.startswith("Answers by HTTP status (9 in all)") for label in page.charts)
    assert "<svg" in html and ">HTTP status</text>" in html and ">answers</text>" in html


def test_what_a_target_said_is_escaped_and_nothing_is_fetched(tmp_path: Path) -> None:
    path = tmp_path / "r.html"
    write_reports(unit_report(), html_path=path, redact=[KEY])
    html = path.read_text("utf-8")
    page = Page.of(html)

    # The hostile title, message and body are text, never markup
    assert HOSTILE not in html and "<img" not in html and "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html
    assert HOSTILE in "".join(page.text)
    assert {name for name, _ in page.attributes}.isdisjoint({"onerror", "src", "onload"})
    # No attribute points anywhere outside the page; addresses only in the escaped texts
    assert [v for _, v in page.attributes if "://" in v or v.startswith("//")] == []
    assert "url(" not in html and "@import" not in html
    hrefs = [v for n, v in page.attributes if n == "href"]
    assert hrefs and all(v.startswith("#cause-") for v in hrefs)
    # The key the answer echoed is blanked, as in every report
    assert KEY not in html and "[REDACTED]" in html


def test_personal_data_is_scrubbed_as_in_the_other_renderings() -> None:
    # Given a violation whose answer is a customer's lead, with a contact's name and email
    lead_id = "lead_" + "c" * 43
    lead = {
        "id": lead_id,
        "name": "Grace Hopper Consulting",
        "contacts": [{"name": "Grace Hopper", "emails": [{"email": "grace@hopper.example"}]}],
    }
    answer = exchange(500, lead, path=f"lead/{lead_id}/")
    found = run_checks(["not_a_server_error"], CheckContext(answer, "retrieve", frozenset()))
    report = report_of([case("setup: lead", *found, statuses=(500,))])

    # When it is rendered as HTML
    html = report.to_html()

    # Then the people are stand-ins there, the id as it was
    assert "Grace Hopper" not in html and "grace@hopper.example" not in html
    assert stand_in("person", "Grace Hopper") in html and lead_id in html


def test_a_run_cut_short_before_it_began_still_renders() -> None:
    page = Page.of(RunReport().to_html())
    assert page.problems == [] and page.sections == {}
    assert "No verdict: the run was interrupted (exit 130)." in "".join(page.text)


def test_a_report_is_replaced_whole_keeping_its_mode(tmp_path: Path) -> None:
    # Given a report written once, then made readable by its owner's group only
    path = tmp_path / "r.html"
    write_reports(RunReport(), html_path=path)
    path.chmod(0o640)

    # When the next run's report is written over it
    write_reports(unit_report(), html_path=path)

    # Then the new page is there whole, with the old one's mode, and no temporary file
    assert "</html>" in path.read_text("utf-8") and "cause-" in path.read_text("utf-8")
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_the_html_report_goes_to_a_file_only(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="HTML report to standard output"):
        write_reports(RunReport(), html_path=STDOUT)
    with pytest.raises(ConfigurationError, match="for the HTML report only"):
        write_reports(RunReport(), json_path=tmp_path / "r.json", history_dir=tmp_path)


# --- history --------------------------------------------------------------------------------

ADDED = violation("echo_conformance", "custom.Seats came back as '1'")
GONE = violation("update_conformance", "PUT custom_object/<id>/ answered 500")
UNJUDGED = violation("org_isolation", "GET custom_object/<id>/ with the other key answered 200")
OLDEST = violation("gone_after_delete", "GET custom_object/<id>/ answered 200 after DELETE")


def earlier(directory: Path, name: str, hours: int, *found: ContractViolation) -> None:
    """An earlier run's JSON report in ``directory``, started ``hours`` before this one."""
    cases = [case(f"Asset: valid #{n}", v) for n, v in enumerate(found)]
    data = report_of(cases, started=NOW - timedelta(hours=hours)).to_json()
    (directory / name).write_text(json.dumps(data), "utf-8")


def test_history_says_what_is_new_and_what_is_fixed_since_the_last_run(tmp_path: Path) -> None:
    # Given two earlier reports (the last one with causes since gone) and files that are none
    history = tmp_path / "history"
    history.mkdir()
    earlier(history, "a.json", 2, SERVER_ERROR, OLDEST)
    earlier(history, "b.json", 1, SERVER_ERROR, GONE, UNJUDGED)
    (history / "broken.json").write_text('{"format": 2, "summary": {', "utf-8")
    (history / "list.json").write_text("[1, 2]", "utf-8")
    (history / "nested.json").write_text("[" * 100_000, "utf-8")
    (history / "future.json").write_text('{"format": 99, "started_at": null}', "utf-8")
    (history / "notes.txt").write_text("not a report, not even looked at", "utf-8")
    # ...and this run: one cause the last run had, one it did not; the isolation check idle
    report = report_of(
        [case("Asset: valid #1", SERVER_ERROR), case("Asset: valid #2", ADDED)],
        checks={
            "status_conformance": CheckTally(judged=2, passed=1, failed=1),
            "echo_conformance": CheckTally(judged=2, passed=1, failed=1),
            "update_conformance": CheckTally(judged=2, passed=2),
            "org_isolation": CheckTally(not_run="no answer it applies to"),
        },
    )
    # ...whose own JSON report was written there already (it is no earlier run)
    (history / "this.json").write_text(json.dumps(report.to_json()), "utf-8")

    # When the HTML report is written with that history
    path = tmp_path / "r.html"
    write_reports(report, html_path=path, history_dir=history)
    page = Page.of(path.read_text("utf-8"))

    # Then each cause of this run says whether the last run had it
    assert page.problems == []
    assert "new since the last run" in page.sections[f"cause-{fingerprint(ADDED)}"]
    assert "also in the last run" in page.sections[f"cause-{fingerprint(SERVER_ERROR)}"]
    # ...the last run's causes gone now are fixed, unless their check judged nothing now
    fixed = page.row(fingerprint(GONE))
    assert fixed[1:] == ["update_conformance", GONE.title, "fixed since the last run"]
    assert page.row(fingerprint(UNJUDGED))[-1] == "not judged in this run"
    # ...the older run's cause is not the last run's: neither new nor fixed now
    assert fingerprint(OLDEST) not in "".join(page.text)
    # ...the trend covers the two earlier runs and this one
    assert "Violations per check, the last 3 runs" in page.charts
    # ...and each file that is no earlier report is skipped, saying why
    text = "".join(page.text)
    assert "broken.json skipped: not valid JSON" in text
    assert "list.json skipped: not a JSON object" in text
    assert "nested.json skipped: not valid JSON" in text
    assert "future.json skipped: report format 99, newer than this close-contract" in text
    assert "1 report of this run or of a later one left out" in text
    assert "notes.txt" not in text


def test_history_reads_the_newest_reports_by_start_and_bounds_each_file(tmp_path: Path) -> None:
    # Given four earlier reports whose files were modified in the opposite order of their
    # runs (as a CI job that downloads them all at once might), and one file too big
    for hours in (1, 2, 3, 4):
        earlier(tmp_path, f"r{hours}.json", hours, GONE)
        os.utime(tmp_path / f"r{hours}.json", (1_000_000 + hours, 1_000_000 + hours))
    (tmp_path / "huge.json").write_text(json.dumps({"pad": "x" * 200_000}), "utf-8")

    # When at most two reports of at most 100,000 bytes each are read
    history = read_history(tmp_path, limit=2, max_bytes=100_000)

    # Then the two newest runs are kept, oldest first, and the others are named
    starts = [entry["started_at"] for entry in history.reports]
    assert starts == [(NOW - timedelta(hours=h)).isoformat() for h in (2, 1)]
    assert "huge.json skipped: larger than 100,000 bytes" in history.notes
    assert "2 older files not read (at most 2 reports)" in history.notes
    # And a directory not made yet (a first CI run) holds none, with a note, no error
    assert (
        read_history(tmp_path / "none")
        .notes[0]
        .endswith("does not exist: no earlier report was read")
    )


# --- through the command line ------------------------------------------------------------------


def test_a_run_writes_an_html_report_naming_the_json_reports_fingerprints(tmp_path: Path) -> None:
    # Given a run on one type against an emulator that lists nothing
    html, data = tmp_path / "out.html", tmp_path / "out.json"
    result = cli(
        *("run", "--target", "emulator", "--emulator-fault", "list_empty", "--examples", "1"),
        *("--stateful-runs", "0", "--custom-object-type-id", type_ids()["Asset"]),
        *("--report-html", str(html), "--report-json", str(data)),
        *("--history", str(tmp_path / "no-history-yet")),
    )

    # Then it found the fault, and its HTML report parses and names each root cause the
    # JSON report gives
    assert result.returncode == 1, result.stderr
    page = Page.of(html.read_text("utf-8"))
    assert page.problems == []
    fingerprints = {v["fingerprint"] for v in json.loads(data.read_text("utf-8"))["violations"]}
    assert fingerprints and set(page.sections) == {f"cause-{fp}" for fp in fingerprints}
    assert "does not exist: no earlier report was read" in "".join(page.text)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--report-html", "-"), "cannot write the HTML report to standard output (-)"),
        (("--history", "reports"), "--history is read only for the HTML report: add --report-html"),
    ],
    ids=["html-to-stdout", "history-alone"],
)
def test_what_the_html_report_cannot_do_is_refused_before_the_run(
    args: tuple[str, ...], said: str
) -> None:
    result = cli("run", "--examples", "1", *args)
    assert result.returncode == 2
    (line,) = error_lines(result.stderr)
    assert said in line


# --- in a browser ----------------------------------------------------------------------------


def test_a_headless_chromium_renders_the_page(tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no headless Chromium here (chromium or chromium-browser on PATH)")
    # Given the page of a run with findings and a chart
    page = tmp_path / "r.html"
    write_reports(unit_report(), html_path=page)
    shot = tmp_path / "r.png"

    # When Chromium renders it to a screenshot, without a network or a sandbox to need
    subprocess.run(
        [
            *(browser, "--headless", "--disable-gpu", "--no-sandbox"),
            *(f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri()),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )

    # Then the screenshot is a PNG with something drawn on it
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000
